"""Which words drove a score: n-gram contributions (coefficient x feature value) traced to characters.

For a linear model the score is a sum over n-grams, so each n-gram occurrence's share
can be spread over the characters it covers. Words whose characters carry a large part
of the strongest word's weight become the evidence spans of a model reason.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .features import WORD, NgramFeatures, Occurrences, padded_origins

# One weighted row of a sorted CSR matrix: its column indices and their values.
Row = tuple[np.ndarray, np.ndarray]


def row_of(matrix: sparse.csr_matrix, i: int) -> Row:
    """Row i of a CSR matrix with sorted indices, without building a new matrix."""
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[lo:hi], matrix.data[lo:hi]

# A word is evidence when it carries at least this share of the strongest word's weight;
# tuned on the toxic-spans training posts (see the model report).
DEFAULT_SHARE = 0.5


def char_weights(features: NgramFeatures, row: Row, coef: np.ndarray, text: str,
                 found: tuple[Occurrences, Occurrences] | None = None) -> np.ndarray:
    """Per character of the skeleton text: its share of the label's linear score."""
    weights = np.zeros(len(text) + 1)
    words, chars = found or features.occurrences([text])
    cols = np.concatenate([words.cols, chars.cols])
    if len(cols) == 0:
        return weights[:-1]
    origins = padded_origins(text)
    starts = origins[np.concatenate([words.starts, chars.starts])]
    ends = origins[np.concatenate([words.ends, chars.ends]) - 1] + 1
    # Each column's contribution, split evenly over its occurrences, then over its characters.
    indices, data = row
    if len(indices) == 0:
        return weights[:-1]
    position = np.minimum(np.searchsorted(indices, cols), len(indices) - 1)
    present = indices[position] == cols
    value = data[position]
    unique, inverse, occurrences = np.unique(cols, return_inverse=True, return_counts=True)
    share = np.where(present, value * coef[cols], 0.0) / occurrences[inverse] / (ends - starts)
    np.add.at(weights, starts, share)
    np.add.at(weights, ends, -share)
    return np.cumsum(weights)[:-1]


def evidence(features: NgramFeatures, row: Row, coef: np.ndarray, text: str,
             share: float = DEFAULT_SHARE, found: tuple[Occurrences, Occurrences] | None = None,
             ) -> list[tuple[int, int]]:
    """Skeleton ranges of the words that pushed the score up most."""
    spans = np.array([m.span() for m in WORD.finditer(text)], dtype=np.int64).reshape(-1, 2)
    if len(spans) == 0:
        return []
    total = np.concatenate([[0.0], np.cumsum(char_weights(features, row, coef, text, found))])
    word_weight = total[spans[:, 1]] - total[spans[:, 0]]
    strongest = word_weight.max()
    if strongest <= 0:
        return []
    chosen = (word_weight > 0) & (word_weight >= share * strongest)
    return [(int(s), int(e)) for s, e in spans[chosen]]
