"""Which words drove a score: n-gram contributions (coefficient x feature value) traced to words.

For a linear model the score is a sum over n-grams, so each n-gram occurrence's share
can be given to the words it covers (Scored.word_weights). Words that carry a large part
of the strongest word's weight become the evidence spans of a model reason.
"""

from __future__ import annotations

import numpy as np

from .scorer import Scored

# A word is evidence when it carries at least this share of the strongest word's weight;
# tuned on the toxic-spans training posts (see the model report).
DEFAULT_SHARE = 0.5


def evidence(scored: Scored, coef: np.ndarray, share: float = DEFAULT_SHARE) -> list[tuple[int, int]]:
    """Skeleton ranges of the words that pushed the score up most."""
    if len(scored.spans) == 0:
        return []
    weights = scored.word_weights(coef)
    strongest = weights.max()
    if strongest <= 0:
        return []
    chosen = (weights > 0) & (weights >= share * strongest)
    return [(s, e) for s, e in scored.spans[chosen].tolist()]
