"""A comment as a line of words for the attack patterns: insults masked, contractions spelled out."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from operator import methodcaller

from ..text import View
from .attack_grammar import ITEM, Grammar

_TOKEN = re.compile(r"@?[^\W_]+(?:['\-][^\W_]+)*|[^\w\s]")
_GLUED_LEAD = re.compile(r"(?:(you|u|ya)(are|r|re)?)?(an|a)?")
# Spellings readers use for "you are", "is not" and the like, spelled out so patterns stay plain.
_SPELLED = {
    "u": "you", "ya": "you", "ye": "you", "youre": "you are", "ur": "you are", "ure": "you are",
    "ura": "you are a", "hes": "he is", "shes": "she is", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "aint": "is not", "cant": "can not", "wont": "will not",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "wouldnt": "would not", "shouldnt": "should not",
}
_SUFFIXES = {"re": "are", "ve": "have", "m": "am", "ll": "will", "d": "would"}
_IS_BEFORE = frozenset("he she it that what who there here".split())
_AFTER_YOURE = frozenset("a an such the just nothing so really".split())
_ODD = frozenset(_SPELLED) | {"r", "your"}
_GROUP = methodcaller("group")


def spell(word: str) -> list[str]:
    """A word with its contraction spelled out: "you're" -> ["you", "are"], "isn't" -> ["is", "not"]."""
    if word in _SPELLED:
        return _SPELLED[word].split()
    stem, apostrophe, suffix = word.partition("'")
    if not apostrophe:
        return [word]
    if suffix == "t" and stem.endswith("n"):
        return [{"ca": "can", "wo": "will"}.get(stem[:-1], stem[:-1]), "not"]
    if suffix in _SUFFIXES:
        return [stem, _SUFFIXES[suffix]]
    return [stem, "is"] if suffix == "s" and stem in _IS_BEFORE else [word]


class Line:
    """The comment's words joined by single spaces, each insult one ITEM word with its class.

    The skeleton text is tokenized with each insult replaced by ITEM and spaces, so a word's
    skeleton offsets stay those of its token; they are read only for capitals and mentions.
    """

    def __init__(self, g: Grammar, text: str, skeleton: View, marked: str,
                 hits: list[tuple[int, int, int]], glue: bool) -> None:
        self.g, self.text, self.skeleton = g, text, skeleton
        plain = skeleton.text.replace(ITEM, " ").replace("’", "'")  # same length as the skeleton
        glued = self._glued(marked) if glue else []
        pieces, spans, pos = [], [], 0
        for start, end, kind in sorted(hits + glued) if glued else hits:
            if start >= pos and _whole(plain, start, end):
                pieces += (plain[pos:start], ITEM, " " * (end - start - 1))
                spans.append((start, end, kind))
                pos = end
        masked = "".join(pieces) + plain[pos:]
        self.tokens = list(_TOKEN.finditer(masked))
        self.words: list[str] = list(map(_GROUP, self.tokens))
        self.token_of: list[int] | None = None  # word -> token, once contractions are spelled out
        if "@" in text:
            for k, word in enumerate(self.words):
                if len(word) > 1 and text[skeleton.starts[self.span(k)[0]]] == "@":
                    self.words[k] = "@" + word[1:]  # a mention names another reader
        self._spell("'" in masked, {start for start, _, _ in glued})
        self.kinds: dict[int, int] = {}  # word index of each insult -> its class
        self.item_spans: dict[int, tuple[int, int]] = {}
        k = -1
        for start, end, kind in spans:
            k = self.words.index(ITEM, k + 1)
            self.kinds[k], self.item_spans[k] = kind, (start, end)
        self.offsets = list(accumulate(map((1).__add__, map(len, self.words)), initial=0))
        self.joined = " ".join(self.words) + " "

    def _glued(self, marked: str) -> list[tuple[int, int, int]]:
        """Insults the joining of spelled-out letters glued to an article or "you are": "adonkey"."""
        found, starts, ends = [], self.skeleton.starts, self.skeleton.ends
        for m in self.g.glued_hint.finditer(marked):
            cut = m.start("item")
            if (m["you"] or m["article"]) and starts[cut] > ends[cut - 1]:
                item = self.g.items.fullmatch(m["item"])
                if item:
                    found.append((cut, m.end(), self.g.item_class[item.lastindex or 0]))
        return found

    def _spell(self, apostrophe: bool, cuts: set[int]) -> None:
        """Contractions spelled out: "you're" -> "you are"; "the writer's a hack" -> "the writer is a hack"."""
        words = self.words
        odd = set()
        if apostrophe or not _ODD.isdisjoint(words):
            odd = {k for k, w in enumerate(words) if w in _ODD or "'" in w}
        if cuts:
            odd |= {k - 1 for k, word in enumerate(words) if word == ITEM and k}
        for k in sorted(odd, reverse=True):
            word, following = words[k], self.word(k + 1)
            lead = _GLUED_LEAD.fullmatch(word) if following == ITEM and self.span(k)[1] in cuts else None
            if lead:  # "youarea" glued to an insult: "you are a"
                pieces = [w for w in ("you" if lead[1] else "", "are" if lead[2] else "", lead[3] or "") if w]
            elif word.endswith("'s") and following in ("a", "an", "such"):
                pieces = [word[:-2], "is"]
            elif word == "your":  # "your an idiot": "you're" misspelt
                pieces = ["you", "are"] if following in _AFTER_YOURE else [word]
            elif word == "r":
                pieces = ["are"] if k and words[k - 1] in ("u", "you") else [word]
            else:
                pieces = spell(word)
            if pieces != [word]:
                if self.token_of is None:
                    self.token_of = list(range(len(words)))
                words[k:k + 1] = pieces
                self.token_of[k:k + 1] = [self.token_of[k]] * len(pieces)

    def span(self, k: int) -> tuple[int, int]:
        """The skeleton range of word k's token."""
        return self.tokens[k if self.token_of is None else self.token_of[k]].span()

    def capital(self, k: int) -> bool:
        """Whether the commenter wrote word k with a capital."""
        return self.words[k][:1].isalpha() and self.text[self.skeleton.starts[self.span(k)[0]]].isupper()

    def shouted(self, k: int) -> bool:
        """Whether the commenter wrote word k all in capitals (an acronym, or shouting)."""
        start, end = self.span(k)
        return self.text[self.skeleton.starts[start]:self.skeleton.ends[end - 1]].isupper()

    def word(self, k: int) -> str:
        return self.words[k] if 0 <= k < len(self.words) else ""

    def index(self, offset: int) -> int:
        """The index of the word at an offset of the joined line."""
        return bisect_right(self.offsets, offset) - 1


def _whole(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is a whole word: not part of "fool's errand" or "idiot-proof"."""
    after = text[end:end + 2]
    before = text[max(0, start - 2):start]
    joined = (len(after) == 2 and after[0] in "'-" and after[1].isalnum()) or (
        len(before) == 2 and before[1] in "'-" and before[0].isalnum())
    return not joined
