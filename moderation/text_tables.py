"""Per-character tables behind text.py: invisibles, folding, homoglyphs and leetspeak."""

from __future__ import annotations

import unicodedata
from typing import Callable

# Invisible code points outside category Cf (which is removed wholesale): the combining grapheme
# joiner, Hangul fillers, Mongolian and Unicode variation selectors, Khmer inherent vowels and the
# blank Braille pattern, all of which render as nothing and are used to split words unseen.
_INVISIBLE_EXTRA = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x2800, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)

# Lower-case letters of other scripts (and Latin small capitals) that look like a Latin letter.
# Applied after casefolding, so only lower-case forms are listed.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ь": "b", "ѕ": "s", "і": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y", "ҽ": "e",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "μ": "u", "ϲ": "c", "ϳ": "j",
    # Armenian
    "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "զ": "q",
    # Latin letters without a decomposition, IPA and small capitals
    "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ƀ": "b",
    "ƒ": "f", "ɨ": "i", "ʉ": "u", "ɇ": "e", "ɑ": "a", "ɛ": "e", "ɡ": "g", "ɩ": "i", "ɪ": "i",
    "ʏ": "y", "ʀ": "r", "ʟ": "l", "ɴ": "n", "ɢ": "g", "ʜ": "h", "ᴀ": "a", "ʙ": "b", "ᴄ": "c",
    "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ᴊ": "j", "ᴋ": "k", "ᴍ": "m", "ᴏ": "o", "ᴘ": "p", "ꜱ": "s",
    "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
}

# Leetspeak: digits stand for letters only inside words with at least two real letters (so "A55"
# and "B52" stay codes); symbols need one letter in the word (see text._deleet for positions).
LEET_DIGITS: dict[str, str] = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"}
LEET_SYMBOLS: dict[str, str] = {"@": "a", "$": "s", "!": "i", "|": "l", "+": "t"}


def fold_string(text: str) -> str:
    """NFKC, casefold, NFKC again: casefolding can leave text that is no longer NFKC."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def is_invisible(char: str) -> bool:
    """Format controls (zero-width, bidi, soft hyphen, tags) and other characters that draw nothing."""
    return unicodedata.category(char) == "Cf" or ord(char) in _INVISIBLE_EXTRA


def _invisible_class() -> str:
    """A regex character class of every invisible code point (Cf lives only in planes 0, 1 and 14)."""
    codes = sorted(_INVISIBLE_EXTRA | {code for plane in (0x00000, 0x10000, 0xE0000)
                                       for code in range(plane, plane + 0x10000)
                                       if unicodedata.category(chr(code)) == "Cf"})
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


INVISIBLE_CLASS = _invisible_class()


def joins_previous(char: str) -> bool:
    """Whether NFKC may combine this character with the one before it (marks, Hangul vowel/final jamo)."""
    code = ord(char)
    return (unicodedata.category(char)[0] == "M" or unicodedata.combining(char) != 0
            or 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF)


def fold_info(char: str) -> tuple[str, bool]:
    """The folded form of one character ("" if invisible) and whether it joins the previous one."""
    if is_invisible(char):
        return "", False
    folded = fold_string(char)
    return folded, joins_previous(char) or (folded != "" and joins_previous(folded[0]))


def _skeleton_char(char: str) -> str:
    """The Latin look-alike of one folded character ("" for a mark); never more than one character."""
    if char in HOMOGLYPHS:
        return HOMOGLYPHS[char]
    if unicodedata.category(char)[0] == "M":
        return ""  # accents and Zalgo stacks: the letters underneath are what gets matched
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    mapped = HOMOGLYPHS.get(base, base)
    # Only accented Latin/Greek/Cyrillic letters become ASCII; other scripts stay as written.
    return mapped if len(mapped) == 1 and mapped != char and mapped.isascii() else char


class LazyTable(dict):
    """A str.translate table filled on first use of each code point, with a bounded cache."""

    def __init__(self, compute: Callable[[str], str | None], limit: int = 1 << 16) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, code: int) -> str | None:
        value = self._compute(chr(code))
        if len(self) < self._limit:
            self[code] = value
        return value


def _fold_is_simple(char: str) -> bool:
    folded, joins = fold_info(char)
    return len(folded) == 1 and not joins


# str.translate tables. FOLD_KIND marks each character "." (folds to exactly one character on its
# own) or "!" (vanishes, expands or combines), so text.py can take the cheap path between odd
# characters. SKELETON only ever deletes (marks), and SKELETON_KEEP says which characters stay.
FOLD = LazyTable(lambda c: fold_info(c)[0])
FOLD_KIND = LazyTable(lambda c: "." if _fold_is_simple(c) else "!")
FOLD_INFO = LazyTable(fold_info)  # type: ignore[arg-type]
SKELETON = LazyTable(_skeleton_char)
SKELETON_KEEP = LazyTable(lambda c: "\x01" if _skeleton_char(c) else "\x00")
