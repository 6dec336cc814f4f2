"""Normalized views of a comment for matching, each with a map back to original offsets."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import compress
from typing import Sequence

from .text_tables import (
    FOLD, FOLD_INFO, FOLD_KIND, INVISIBLE_CLASS, LEET_DIGITS, LEET_SYMBOLS, SKELETON, SKELETON_KEEP,
    fold_string,
)

# A view under construction: text plus, per character, the original [start, end).
_Parts = tuple[str, Sequence[int], Sequence[int]]
# One replacement: normalized [a, b) becomes `text`, whose characters map to the given offsets.
_Edit = tuple[int, int, str, Sequence[int], Sequence[int]]

_INVISIBLE = re.compile(INVISIBLE_CLASS + "+")
_ODD_RUN = re.compile(r"!+")
# A letter next to a digit or stand-in symbol: where a leetspeak word may be. Words are then
# grown from there in both directions over word characters, digits and stand-in symbols.
_LEET_HINT = re.compile(r"[a-z][0-9$]|[0-9@$!|+][a-z]")
# The same places found from the digit or symbol: a regex opening with a character class is
# searched by skipping to that class, not tried at every character. Either finds a hint in the
# same words, and a word is grown the same from any of its characters (tests hold the two equal).
_LEET_AT = re.compile(r"[0-9@$!|+](?:(?<=[a-z][0-9$])|(?=[a-z]))")
_LEET_RUN = re.compile(r"[a-z0-9@$!|+]*")
# Two single letters after separators: a cheap test before the exact pattern below.
_SEP = r"[ .\-_,/\\~:;]"
_SPACED_HINT = re.compile(rf"{_SEP}[^\W\d_]{_SEP}[^\W\d_](?![^\W_])")
# Three or more single letters, each followed by one separator: "f.u.c.k", "f u c k", "s-h-i-t".
# A letter touching a mask belongs to a masked word: "u r a f*cking" keeps its "f*cking".
_SPACED_LETTERS = re.compile(
    rf"(?<![^\W_])(?<![*#])[^\W\d_](?:{_SEP}[^\W\d_](?![^\W_]|[*#])){{2,}}")
_TRIPLE = re.compile(r"(.)\1\1")
_LONG_RUN = re.compile(r"(.)\1{2,}")


@dataclass(frozen=True)
class View:
    """One normalized text with, per character, the original range it came from."""

    name: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering normalized [start, end) (start < end)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad range [{start}, {end}) for a view of {len(self.text)} characters")
        # Both offset tuples are non-decreasing, so the first start and the last end bound the range.
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class Normalized:
    """The original text and its two matching views: folded and skeleton.

    ``spaced`` says whether letters spelled out with separators ("f u c k") were joined in
    the skeleton, where they may have glued onto the word before them ("a d o n k e y").
    """

    original: str
    folded: View
    skeleton: View
    spaced: bool = False

    @classmethod
    def of(cls, text: str) -> "Normalized":
        folded = _view("folded", _fold(text))
        parts = (folded.text, folded.starts, folded.ends)
        # tuple() of an unchanged tuple is the same object: a clean comment shares its offsets.
        plain = _deleet(_unconfuse(parts))
        joined = _join_spaced(plain)
        return cls(text, folded, _view("skeleton", _squeeze(joined)), spaced=joined is not plain)

    def views(self) -> tuple[View, View]:
        return self.folded, self.skeleton


def _view(name: str, parts: _Parts) -> View:
    text, starts, ends = parts
    return View(name, text, tuple(starts), tuple(ends))


def _fold(text: str) -> _Parts:
    """NFKC + casefold, invisibles removed; each output char maps to the char(s) that made it."""
    n = len(text)
    if text.isascii():
        return text.lower(), range(n), range(1, n + 1)
    parts: _Parts = (text, range(n), range(1, n + 1))
    if _INVISIBLE.search(text):
        parts = _splice(parts, [(m.start(), m.end(), "", (), ()) for m in _INVISIBLE.finditer(text)])
    visible, starts, ends = parts
    # Already NFKC and casefolding maps one to one: the common case for non-English text.
    if unicodedata.is_normalized("NFKC", visible):
        folded = visible.casefold()
        if len(folded) == len(visible) and unicodedata.is_normalized("NFKC", folded):
            return folded, starts, ends
    return _fold_slow(parts)


def _fold_slow(parts: _Parts) -> _Parts:
    """Fold plain stretches with one translate and the rest one base-plus-marks segment at a time."""
    text, old_starts, old_ends = parts
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos, n = 0, len(text)
    for run in _ODD_RUN.finditer(text.translate(FOLD_KIND)):
        a, b = run.span()
        if a > pos and FOLD_INFO[ord(text[a])][1]:
            a -= 1  # a mark composes with the plain character before it
        out.append(text[pos:a].translate(FOLD))
        starts += old_starts[pos:a]
        ends += old_ends[pos:a]
        while a < b:
            # NFKC composes a base with the marks after it, so fold each such segment whole.
            j = a + 1
            while j < n and FOLD_INFO[ord(text[j])][1]:
                j += 1
            pieces = [FOLD_INFO[ord(c)][0] for c in text[a:j]]
            whole = fold_string(text[a:j]) if j - a > 1 else pieces[0]
            if whole == "".join(pieces):
                for k, piece in enumerate(pieces, a):
                    out.append(piece)
                    starts += [old_starts[k]] * len(piece)
                    ends += [old_ends[k]] * len(piece)
            else:  # composed across characters: every output char covers the whole segment
                out.append(whole)
                starts += [old_starts[a]] * len(whole)
                ends += [old_ends[j - 1]] * len(whole)
            a = j
        pos = max(b, a)
    out.append(text[pos:].translate(FOLD))
    starts += old_starts[pos:]
    ends += old_ends[pos:]
    return "".join(out), starts, ends


def _unconfuse(parts: _Parts) -> _Parts:
    """Homoglyphs to Latin, accents stripped, combining marks dropped."""
    text, starts, ends = parts
    if text.isascii():
        return parts
    mapped = text.translate(SKELETON)
    if len(mapped) == len(text):
        return mapped, starts, ends
    # Marks were dropped: each kept character also covers the marks after it.
    kept = list(compress(range(len(text)), text.translate(SKELETON_KEEP).encode("latin-1")))
    bounds = kept[1:] + [len(text)] if kept else []
    return mapped, [starts[i] for i in kept], [ends[j - 1] for j in bounds]


def _deleet(parts: _Parts, hints: re.Pattern[str] = _LEET_AT) -> _Parts:
    """Digits and symbols standing for letters inside words ("sh1t", "a$$hole") become letters."""
    text, starts, ends = parts
    chars: list[str] | None = None
    reverse, done = "", 0
    for hint in hints.finditer(text):
        if hint.start() < done:
            continue
        reverse = reverse or text[::-1]
        start = len(text) - _LEET_RUN.match(reverse, len(text) - hint.start()).end()
        done = _LEET_RUN.match(text, hint.start()).end()
        for k, new in _deleet_word(text[start:done]):
            chars = chars if chars is not None else list(text)
            chars[start + k] = new
    # One character for one: the offsets do not move.
    return ("".join(chars), starts, ends) if chars is not None else parts


def _deleet_word(word: str) -> list[tuple[int, str]]:
    """The (position, letter) replacements inside one word of letters, digits and symbols."""
    letters = [k for k, c in enumerate(word) if "a" <= c <= "z"]
    first, last = letters[0], letters[-1]
    found = []
    for k, c in enumerate(word):
        if c in LEET_DIGITS:
            new = LEET_DIGITS[c] if len(letters) >= 2 else None  # "A55", "B52" stay codes
        elif c == "$":
            new = "s"  # "a$$" is common, so "$" may end a word
        elif c == "+":
            new = "t" if first < k < last else None  # "c++" stays
        else:
            new = LEET_SYMBOLS.get(c) if k < last else None  # "shit!" keeps its "!"
        if new:
            found.append((k, new))
    return found


def _join_spaced(parts: _Parts) -> _Parts:
    """Letters spelled out with separators ("f.u.c.k") are joined; their separators drop out."""
    text, starts, ends = parts
    if not _SPACED_HINT.search(text):
        return parts
    edits = [(m.start(), m.end(), text[m.start():m.end():2], starts[m.start():m.end():2],
              ends[m.start():m.end():2]) for m in _SPACED_LETTERS.finditer(text)]
    return _splice(parts, edits) if edits else parts


def _squeeze(parts: _Parts) -> _Parts:
    """Runs of three or more identical letters become two; the second covers the rest of the run."""
    text, starts, ends = parts
    if not _TRIPLE.search(text):
        return parts
    edits: list[_Edit] = []
    for run in _LONG_RUN.finditer(text):
        a, b = run.span()
        if text[a].isalpha():
            edits.append((a, b, text[a] * 2, (starts[a], starts[a + 1]), (ends[a], ends[b - 1])))
    return _splice(parts, edits) if edits else parts


def _splice(parts: _Parts, edits: list[_Edit]) -> _Parts:
    """Apply sorted, non-overlapping edits to a view under construction."""
    text, starts, ends = parts
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for a, b, replacement, rep_starts, rep_ends in edits:
        out += (text[pos:a], replacement)
        new_starts += starts[pos:a]
        new_starts += rep_starts
        new_ends += ends[pos:a]
        new_ends += rep_ends
        pos = b
    out.append(text[pos:])
    new_starts += starts[pos:]
    new_ends += ends[pos:]
    return "".join(out), new_starts, new_ends
