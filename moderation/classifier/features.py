"""Text features for the classifier: hashed word n-grams, word pairs and character n-grams, TF-IDF weighted.

The model reads the *skeleton* view of a comment (moderation.text), so the same
disguises the word lists see through (leetspeak, look-alikes, spacing, stretching)
reach the model already undone.

N-grams are hashed into fixed spaces with numpy over a whole batch at once (polynomial
prefix hashes, so an n-gram's hash is two array operations): no vocabulary to store and
no per-n-gram Python work. Training and batch transforms use this class; serving scores
one comment at a time through scorer.py, which reuses its hashes word by word.

This class is pickled inside the model artifact by reference: keep its name and
module stable, or retrain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

# Words: letters and digits, with masks ('*', '#') and inner apostrophes kept in the word.
WORD = re.compile(r"[^\W_](?:[^\W_]|[*#]|'(?=[^\W_]))*")

_P = 1_000_003
_MASK = (1 << 64) - 1
_P_INV = pow(_P, -1, 1 << 64)  # _P is odd, so it has an inverse modulo 2**64
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_SPACE, _SEP = 32, 0
_PAIR_SALT = 100  # word pairs across a gap: one hash family whatever the gap
CHUNK = 2000  # texts hashed at once: enough to amortize numpy's per-call cost, small in memory


@dataclass(frozen=True)
class Occurrences:
    """N-gram occurrences of a batch: the row (text) and the column of each."""

    rows: np.ndarray
    cols: np.ndarray


def padded(text: str) -> str:
    """Each word of the text as ' word ', followed by a NUL so no n-gram spans two words."""
    words = WORD.findall(text)
    return " " + " \x00 ".join(words) + " \x00" if words else ""


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    p = np.full(size, _P, dtype=np.uint64)
    p[0] = 1
    inv = np.full(size, _P_INV, dtype=np.uint64)
    inv[0] = 1
    return np.cumprod(p, dtype=np.uint64), np.cumprod(inv, dtype=np.uint64)


def _salt(salt: int) -> int:
    """What _mix xors a hash with for ``salt`` (the scorer hashes a few words in Python with it)."""
    return (0x9E3779B97F4A7C15 * salt) & _MASK


def _mix(h: np.ndarray, salt: int, bits: int) -> np.ndarray:
    h = (h ^ np.uint64(_salt(salt))) * _MIX
    return (h >> np.uint64(64 - bits)).astype(np.int64)


class NgramFeatures(TransformerMixin, BaseEstimator):
    """Word n-grams, word pairs across a gap and character n-grams within words: hashed,
    sublinear TF-IDF, each block L2-normalized.

    Word pairs join two words with 1 to ``word_gaps`` words between them ("you … idiot" in
    "you are an idiot"), whatever the gap: an insult aimed at someone is often not next to the
    word that aims it. They have a block of their own, so they add to the word n-grams
    rather than dilute them.

    Columns: ``[0, 2**word_bits)`` words, then ``2**pair_bits`` word pairs (none when
    ``word_gaps`` is 0), then ``2**char_bits`` characters.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5),
                 word_bits: int = 18, char_bits: int = 19, min_df: int = 2,
                 word_gaps: int = 0, pair_bits: int = 18) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.word_bits = word_bits
        self.char_bits = char_bits
        self.min_df = min_df
        self.word_gaps = word_gaps
        self.pair_bits = pair_bits

    @property
    def pair_offset(self) -> int:
        """The first word-pair column."""
        return 1 << self.word_bits

    @property
    def char_offset(self) -> int:
        """The first character n-gram column."""
        return self.pair_offset + ((1 << self.pair_bits) if self.word_gaps else 0)

    @property
    def n_columns(self) -> int:
        return self.char_offset + (1 << self.char_bits)

    def occurrences(self, texts: Sequence[str]) -> tuple[Occurrences, Occurrences]:
        """Word and character n-gram occurrences of every text."""
        pieces = [padded(t) for t in texts]
        lengths = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        big = "".join(pieces)
        cps = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        rows = np.repeat(np.arange(len(pieces)), lengths)
        pw, inv = _powers(len(cps) + 1)
        prefix = np.zeros(len(cps) + 1, dtype=np.uint64)
        np.cumsum(cps * pw[:-1], dtype=np.uint64, out=prefix[1:])

        def window_hash(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
            return (prefix[ends] - prefix[starts]) * inv[starts]

        return self._words(cps, rows, window_hash), self._chars(cps, rows, window_hash)

    def _words(self, cps, rows, window_hash) -> Occurrences:
        inword = (cps != _SPACE) & (cps != _SEP)
        edges = np.diff(np.concatenate([[False], inword, [False]]).astype(np.int8))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        hashes = window_hash(starts, ends)
        word_rows = rows[starts]
        parts = []
        low, high = self.word_ngrams
        for n in range(low, high + 1):
            count = len(starts) - n + 1
            if count <= 0:
                continue
            h = np.zeros(count, dtype=np.uint64)
            for j in range(n):
                h = h * np.uint64(_P) + hashes[j:count + j]
            same = word_rows[:count] == word_rows[n - 1:]
            parts.append((word_rows[:count][same], _mix(h, n, self.word_bits)[same]))
        for gap in range(1, self.word_gaps + 1):
            count = len(starts) - gap - 1
            if count <= 0:
                break
            h = hashes[:count] * np.uint64(_P) + hashes[gap + 1:]
            same = word_rows[:count] == word_rows[gap + 1:]
            parts.append((word_rows[:count][same], _mix(h, _PAIR_SALT, self.pair_bits)[same] + self.pair_offset))
        return _stack(parts)

    def _chars(self, cps, rows, window_hash) -> Occurrences:
        sep = np.concatenate([[0], np.cumsum(cps == _SEP)])
        parts = []
        low, high = self.char_ngrams
        for n in range(low, high + 1):
            count = len(cps) - n + 1
            if count <= 0:
                continue
            starts = np.arange(count)
            keep = np.flatnonzero(sep[n:n + count] == sep[:count])
            h = window_hash(starts[keep], starts[keep] + n)
            parts.append((rows[keep], _mix(h, 16 + n, self.char_bits) + self.char_offset))
        return _stack(parts)

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """N-gram counts, one row per text; built in chunks so memory stays bounded on large batches."""
        blocks = [self._counts(texts[i:i + CHUNK]) for i in range(0, len(texts), CHUNK)]
        if len(blocks) == 1:
            return blocks[0]
        return sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, self.n_columns))

    def _counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self._matrix(*self.occurrences(texts), len(texts))

    def _matrix(self, words: Occurrences, chars: Occurrences, n_rows: int) -> sparse.csr_matrix:
        counts = sparse.csr_matrix(
            (np.ones(len(words.rows) + len(chars.rows), dtype=np.float32),
             (np.concatenate([words.rows, chars.rows]), np.concatenate([words.cols, chars.cols]))),
            shape=(n_rows, self.n_columns))
        counts.sum_duplicates()
        return counts

    def fit(self, texts: Sequence[str], y=None):
        counts = self.counts(texts)
        df = np.bincount(counts.indices, minlength=self.n_columns)
        idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
        # N-grams seen in fewer than min_df texts are noise (and names); they weigh nothing.
        idf[df < self.min_df] = 0.0
        self.idf_ = idf.astype(np.float32)
        self.n_features_out_ = self.n_columns
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.weigh(self.counts(texts))

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear TF times IDF, then each block (words, pairs, chars) scaled to unit length per row."""
        x = counts.copy()
        x.data = (1.0 + np.log(x.data)) * self.idf_[x.indices]
        block = (x.indices >= self.pair_offset).astype(np.int64) + (x.indices >= self.char_offset)
        row = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        key = row * 3 + block
        norms = np.sqrt(np.bincount(key, weights=x.data.astype(np.float64) ** 2, minlength=3 * x.shape[0]))
        norms[norms == 0] = 1.0
        x.data = (x.data / norms[key]).astype(np.float32)
        return x


def _stack(parts: list[tuple[np.ndarray, ...]]) -> Occurrences:
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Occurrences(empty, empty)
    return Occurrences(*(np.concatenate(column) for column in zip(*parts)))
