"""Scoring comments one at a time, fast: each word's n-gram columns come from a cache.

Character n-grams never cross a word boundary (features.padded), so a comment's character
columns are the union of its words' columns, and its word n-grams and word pairs need only
each word's hash. Words recur from comment to comment, so most of the hashing of a comment is a
dictionary lookup, and what is left is a few array operations over its n-grams.

The columns and weights are exactly those of ``NgramFeatures.transform`` (tests hold the
two to it), and the result keeps where each n-gram came from, so the same object scores
every label and explains any of them (explain.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Sequence

import numpy as np

from .features import _MASK, _MIX, _P, _PAIR_SALT, WORD, NgramFeatures, _mix, _salt
from .model_input import SKELETON, check_input, group_words
from .pipeline import PerLabelClassifier

# Distinct words remembered per process: a few MB, and far more than a day's vocabulary
# of a news site's comments. Past it, the cache starts again rather than tracking age.
CACHE_WORDS = 1 << 16

# New words of a comment with at most this many characters in all are hashed in Python, one
# by one: for a comment's few new names or typos, numpy's cost per call outweighs its speed.
FEW_CHARACTERS = 48

_MIX_INT = int(_MIX)


# A word's cache entry: its hash (longer word n-grams and pairs are built from these), its
# column as a single word, and its character n-grams' columns.
Entry = tuple[int, int, np.ndarray]


@dataclass(frozen=True)
class Scored:
    """One comment as the model saw it.

    ``columns`` are its distinct feature columns (sorted), ``values`` their TF-IDF weights
    and ``counts`` how often each occurs. ``occurrences`` is every n-gram occurrence's
    column: the word n-grams for each n in ``word_ngrams`` by their first word, then the word
    pairs for each gap up to ``word_gaps`` by their first word, then the character n-grams,
    ``char_sizes[i]`` of them for word i. ``spans`` are the words' [start, end) in the
    skeleton text.
    """

    probabilities: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    counts: np.ndarray
    occurrences: np.ndarray
    word_ngrams: tuple[int, int]
    word_gaps: int
    char_sizes: np.ndarray
    spans: np.ndarray

    def word_weights(self, coef: np.ndarray) -> np.ndarray:
        """Each word's part of a linear score; ``coef`` is one label's column of the model.

        A column's contribution is split evenly over its occurrences. A character n-gram or a
        single word gives its share to the word it lies in; a run of n words spreads its share
        over the characters from its first word's start to its last word's end, so each word
        holds its own characters' part. A word pair splits its share between its two words
        by their lengths: the words between them are not part of it.
        """
        per_column = self.values * coef[self.columns] / self.counts
        contribution = per_column[self._column_of_occurrence]
        n_words = len(self.spans)
        starts, ends = self.spans[:, 0], self.spans[:, 1]
        lengths = (ends - starts).astype(np.float64)
        weights = np.zeros(n_words)
        taken = 0
        low, high = self.word_ngrams
        for n in range(low, high + 1):
            count = n_words - n + 1
            if count <= 0:
                continue
            if n == 1:  # a single word keeps all of its share
                weights += contribution[taken:taken + count]
            else:
                part = contribution[taken:taken + count] / (ends[n - 1:] - starts[:count])
                for j in range(n):
                    weights[j:j + count] += part * lengths[j:j + count]
            taken += count
        for gap in range(1, self.word_gaps + 1):
            count = n_words - gap - 1
            if count <= 0:
                break
            first, second = lengths[:count], lengths[gap + 1:]
            part = contribution[taken:taken + count] / (first + second)
            weights[:count] += part * first
            weights[gap + 1:] += part * second
            taken += count
        owner = np.repeat(np.arange(n_words), self.char_sizes)
        return weights + np.bincount(owner, weights=contribution[taken:], minlength=n_words)

    @cached_property
    def _column_of_occurrence(self) -> np.ndarray:
        """For each occurrence, the index of its column in ``columns``: its rank after sorting.

        Sorted, the occurrences are ``columns`` each repeated ``counts`` times. Each one's place
        rides through the sort in the low bits of its key, so one plain sort (several times
        faster than an argsort here) says where each went. Only explaining a score needs this;
        scoring sorts the columns alone.
        """
        n = len(self.occurrences)
        bits = n.bit_length()  # a column is under 2**63 >> bits
        keys = self.occurrences << bits
        keys |= np.arange(n)
        keys.sort()
        keys &= (1 << bits) - 1
        rank = np.empty(n, dtype=np.int64)
        rank[keys] = np.repeat(np.arange(len(self.columns)), self.counts)
        return rank


class Scorer:
    """Scores skeleton texts with a fitted features step and PerLabelClassifier.

    ``input`` is what the model was trained on (model_input.py): with group names rewritten,
    the scorer rewrites a comment's words as training rewrote its texts.
    """

    def __init__(self, features: NgramFeatures, model: PerLabelClassifier, input: str = SKELETON) -> None:
        self.features = features
        self.model = model
        self.input = check_input(input)
        self._cache: dict[str, Entry] = {}
        self._blocks = (features.pair_offset, features.char_offset)
        # _mix's salt for character n-grams of size n is 16 + n, for single words 1.
        self._char_salts = [_salt(16 + n) for n in range(features.char_ngrams[1] + 1)]
        self._word_salt = _salt(1)

    def score(self, text: str) -> Scored:
        matches = list(WORD.finditer(text))
        words = list(map(re.Match.group, matches))
        # A flat iterator into numpy: an array from a list of pairs costs twice as much.
        spans = np.fromiter(chain.from_iterable(map(re.Match.span, matches)), np.int64,
                            2 * len(matches)).reshape(-1, 2)
        if self.input != SKELETON:
            words, spans = group_words(words, spans, self.input)
        entries = self._entries(words)
        hashes, singles, chars = zip(*entries) if entries else ((), (), ())
        parts = [*self._word_columns(np.array(hashes, dtype=np.uint64), singles), *chars]
        occurrences = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        columns, counts = _runs(np.sort(occurrences))
        values = self._weigh(columns, counts)
        # np.take copies the same rows as coef_[columns], several times faster for 2-D arrays.
        raw = values @ np.take(self.model.coef_, columns, axis=0) + self.model.intercept_
        calibration = self.model.calibration_
        probabilities = 1.0 / (1.0 + np.exp(calibration[:, 0] * raw + calibration[:, 1]))
        char_sizes = np.fromiter(map(len, chars), np.int64, len(chars))
        return Scored(probabilities, columns, values, counts, occurrences,
                      self.features.word_ngrams, self.features.word_gaps, char_sizes, spans)

    def _entries(self, words: Sequence[str]) -> list[Entry]:
        cache = self._cache
        try:
            return [cache[w] for w in words]  # most comments: every word seen before
        except KeyError:
            pass
        missing = [w for w in dict.fromkeys(words) if w not in cache]
        if missing:
            if len(cache) + len(missing) > CACHE_WORDS:
                cache.clear()
            if sum(map(len, missing)) <= FEW_CHARACTERS:
                for word in missing:
                    cache[word] = self._entry(word)
            else:
                self._fill(missing)
        # A lookup that misses here means another thread cleared the cache: compute it again.
        return [cache.get(w) or self._entries([w])[0] for w in words]

    def _fill(self, missing: list[str]) -> None:
        """Cache entries for many new words, hashed together by NgramFeatures."""
        _, chars = self.features.occurrences(missing)
        order = np.argsort(chars.rows, kind="stable")
        bounds = np.searchsorted(chars.rows[order], np.arange(len(missing) + 1))
        cols = chars.cols[order]
        hashes = [_word_hash(word) for word in missing]
        singles = _mix(np.array(hashes, dtype=np.uint64), 1, self.features.word_bits).tolist()
        for i, word in enumerate(missing):
            self._cache[word] = (hashes[i], singles[i], cols[bounds[i]:bounds[i + 1]])

    def _entry(self, word: str) -> Entry:
        """One word's cache entry, hashed in Python as NgramFeatures hashes it in numpy.

        A character n-gram's hash is its code points times powers of _P, the first at power 0;
        each start extends its hash one character at a time, up to the longest n-gram.
        """
        features = self.features
        low, high = features.char_ngrams
        shift, offset, salts = 64 - features.char_bits, features.char_offset, self._char_salts
        codes = [32, *map(ord, word), 32]  # the word as padded() writes it: ' word '
        by_size: list[list[int]] = [[] for _ in range(high + 1)]
        for start in range(len(codes) - low + 1):
            h, power = 0, 1
            for n, code in enumerate(codes[start:start + high], 1):
                h = (h + code * power) & _MASK
                power = (power * _P) & _MASK
                if n >= low:
                    by_size[n].append(((((h ^ salts[n]) * _MIX_INT) & _MASK) >> shift) + offset)
        chars = np.fromiter(chain.from_iterable(by_size), np.int64)
        h = _word_hash(word)
        single = (((h ^ self._word_salt) * _MIX_INT) & _MASK) >> (64 - features.word_bits)
        return h, single, chars

    def _word_columns(self, hashes: np.ndarray, singles: Sequence[int]) -> list[np.ndarray]:
        """The columns of the word n-grams, for each n, then of the word pairs, for each gap,
        in the order of their first word. ``singles`` are the words' own columns, from the cache."""
        found = []
        features = self.features
        low, high = features.word_ngrams
        if low == 1:
            found.append(np.array(singles, dtype=np.int64))
            low = 2
        for n in range(low, high + 1):
            count = len(hashes) - n + 1
            if count <= 0:
                continue
            h = hashes[:count]
            for j in range(1, n):
                h = h * np.uint64(_P) + hashes[j:count + j]
            found.append(_mix(h, n, features.word_bits))
        for gap in range(1, features.word_gaps + 1):
            count = len(hashes) - gap - 1
            if count <= 0:
                break
            h = hashes[:count] * np.uint64(_P) + hashes[gap + 1:]
            found.append(_mix(h, _PAIR_SALT, features.pair_bits) + features.pair_offset)
        return found

    def _weigh(self, columns: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """NgramFeatures.weigh for one row: sublinear TF times IDF, each block scaled to unit length."""
        data = np.log(counts, dtype=np.float32)
        data += 1.0
        data *= self.features.idf_[columns]
        # Columns are sorted: words, then pairs, then characters.
        pairs, chars = np.searchsorted(columns, self._blocks).tolist()
        # Divided in float64 and rounded once to float32, as NgramFeatures.weigh does.
        wide = data.astype(np.float64)
        squares = wide * wide
        for block in (slice(None, pairs), slice(pairs, chars), slice(chars, None)):
            norm = math.sqrt(np.add.reduce(squares[block]))
            if norm:  # a block with no weight stays zero
                wide[block] /= norm
        return wide.astype(np.float32)


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs.

    What np.unique(return_counts=True) gives, in fewer numpy calls: at a few hundred
    elements the calls, not the work, are the cost.
    """
    n = len(ordered)
    # bounds: where each run starts, then n.
    change = np.empty(n + 1, dtype=bool)
    change[0] = change[n] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:n])
    bounds = change.nonzero()[0]
    return ordered[bounds[:-1]], bounds[1:] - bounds[:-1]


def _word_hash(word: str) -> int:
    """The polynomial hash NgramFeatures gives a word's code points (the same at every position)."""
    h = 0
    for c in reversed(word):
        h = (h * _P + ord(c)) & _MASK
    return h
