"""Which words drove a score: n-gram contributions (coefficient x feature value) traced to characters.

For a linear model the score is a sum over n-grams, so each n-gram occurrence's share
can be spread over the characters it covers. Words whose characters carry a large part
of the strongest word's weight become the evidence spans of a model reason.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .features import WORD, NgramFeatures, padded_origins

# A word is evidence when it carries at least this share of the strongest word's weight;
# tuned on the toxic-spans training posts (see the model report).
DEFAULT_SHARE = 0.5


def char_weights(features: NgramFeatures, weighted: sparse.csr_matrix, coef: np.ndarray, text: str) -> np.ndarray:
    """Per character of the skeleton text: its share of the label's linear score."""
    weights = np.zeros(len(text) + 1)
    words, chars = features.occurrences([text])
    cols = np.concatenate([words.cols, chars.cols])
    if len(cols) == 0:
        return weights[:-1]
    origins = padded_origins(text)
    starts = origins[np.concatenate([words.starts, chars.starts])]
    ends = origins[np.concatenate([words.ends, chars.ends]) - 1] + 1
    # Each column's contribution, split evenly over its occurrences, then over its characters.
    row = weighted.getrow(0)
    contribution = np.zeros(features.n_columns, dtype=np.float64)
    contribution[row.indices] = row.data * coef[row.indices]
    occurrences = np.bincount(cols, minlength=features.n_columns)
    share = contribution[cols] / occurrences[cols] / (ends - starts)
    np.add.at(weights, starts, share)
    np.add.at(weights, ends, -share)
    return np.cumsum(weights)[:-1]


def evidence(features: NgramFeatures, weighted: sparse.csr_matrix, coef: np.ndarray, text: str,
             share: float = DEFAULT_SHARE) -> list[tuple[int, int]]:
    """Skeleton ranges of the words that pushed the score up most."""
    per_char = char_weights(features, weighted, coef, text)
    words = [(m.start(), m.end(), float(per_char[m.start():m.end()].sum())) for m in WORD.finditer(text)]
    strongest = max((w for _, _, w in words), default=0.0)
    if strongest <= 0:
        return []
    return [(start, end) for start, end, weight in words if weight > 0 and weight >= share * strongest]
