"""The Arabic abuse rule: rejects Arabic insults, profanity and slurs found in a lexicon built from corpora."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Mapping

import yaml

from ..decision import CommentContext, Reason, Verdict
from ..errors import ConfigError
from .datafiles import read

RULE_ACTIONS: tuple[str, ...] = ("reject", "review", "ignore")
CODES: tuple[str, ...] = ("abusive_language", "identity_hate")

_LETTERS = "\u0621-\u063a\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
# Harakat, shadda, sukun, dagger alef, Quranic marks and tatweel: written inside words, never letters.
_MARKS = "\u0640\u064b-\u065f\u0670\u06d6-\u06ed"
# Where an Arabic word may be: the cheap test that lets every other comment leave at once.
_ANY_LETTER = re.compile(f"[{_LETTERS}]")
_WORD = re.compile(f"[{_LETTERS}{_MARKS}]+")
_REPEAT = re.compile(r"(.)\1+")
# Marks go; hamza seats, alef maqsura, ta marbuta and Persian look-alikes become the plain letter.
_UNIFY = str.maketrans({
    **{chr(c): None for c in (0x0640, *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE))},
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ی": "ي", "ې": "ي", "ئ": "ي", "ؤ": "و",
    "ة": "ه", "ۃ": "ه", "ھ": "ه", "ہ": "ه", "ۀ": "ه",
    "ک": "ك", "ڪ": "ك",  # not "گ": Gulf and Iraqi "گلب" is "قلب" (heart), not "كلب" (dog)
})
# Clitics a listed word may carry, in normalized form ("لل" is squeezed to "ل"). The one-letter
# prepositions ب, ف and ك are left out: "فخرا" (proudly) is not "ف" + "خرا", nor "بكس" (box)
# "ب" + "كس". A listed word of two letters takes only the article, the vocative and pronouns:
# "زب" must not find "زبون" (customer).
PREFIXES: tuple[str, ...] = ("", "و", "ل", "ال", "وال", "فال", "بال", "كال", "ول", "يا", "ويا", "يال")
SUFFIXES: tuple[str, ...] = ("", "ه", "ها", "هم", "ك", "كم", "ين", "ون", "ات", "اتك", "اتهم")
SHORT_PREFIXES: tuple[str, ...] = ("", "ال", "يا")
SHORT_SUFFIXES: tuple[str, ...] = ("", "ه", "ها", "هم", "ك", "كم")
VOCATIVE = "يا"


def normalize(word: str) -> str:
    """One Arabic word (or phrase) as the lexicon stores it: no marks, one form per letter, no repeats."""
    return _REPEAT.sub(r"\1", word.translate(_UNIFY))


@lru_cache(maxsize=65536)
def readings(word: str) -> frozenset[str]:
    """Every lexicon entry one normalized word can stand for.

    The word itself, the word without clitics ("الكلاب" -> "كلاب", "كلبك" -> "كلب"), and "يا X"
    when the vocative is written on ("ياكلب" -> "يا كلب"). Stems are at least three letters,
    or two with only the article, the vocative or a pronoun around them.
    """
    found = {word}
    for prefix in PREFIXES:
        if not word.startswith(prefix):
            continue
        rest = word[len(prefix):]
        for suffix in SUFFIXES:
            size = len(rest) - len(suffix)
            if size >= 3 or (size == 2 and prefix in SHORT_PREFIXES and suffix in SHORT_SUFFIXES):
                if rest.endswith(suffix):
                    found.add(rest[:size])
    if word.startswith(VOCATIVE) and len(word) > len(VOCATIVE) + 1:
        found |= {f"{VOCATIVE} {rest}" for rest in readings(word[len(VOCATIVE):])}
    return frozenset(found)


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """The Arabic words of a text, normalized, with their [start, end) in it."""
    for match in _WORD.finditer(text):
        word = normalize(match.group())
        if word:
            yield word, match.start(), match.end()


@dataclass(frozen=True)
class ArabicLexicon:
    """Normalized words and short phrases: abuse (insults, profanity) and slurs (identity hate)."""

    abuse: frozenset[str]
    slurs: frozenset[str]


def load_lexicon(name: str = "arabic_abuse") -> ArabicLexicon:
    """The lists of moderation/rules/data/<name>.yaml."""
    return parse_lexicon(*read(f"{name}.yaml", "the Arabic abuse lexicon"))


def parse_lexicon(text: str, where: str) -> ArabicLexicon:
    """The lexicon from the YAML text of a data file; `where` names it in errors."""
    try:
        raw = yaml.safe_load(text)
        lists = {key: raw[key] for key in ("abuse", "slurs")}
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise ConfigError(where, f"malformed Arabic abuse lexicon: {exc!r}") from exc
    found: dict[str, frozenset[str]] = {}
    for key, entries in lists.items():
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"{where}:{key}", "must be a list of words")
        normalized = set()
        for entry in entries:
            parts = [normalize(part) for part in entry.split()]
            if not 1 <= len(parts) <= 2 or not all(_WORD.fullmatch(part) for part in parts):
                raise ConfigError(f"{where}:{key}", f"not one or two Arabic words: {entry!r}")
            normalized.add(" ".join(parts))
        found[key] = frozenset(normalized)
    both = sorted(found["abuse"] & found["slurs"])
    if both:
        raise ConfigError(where, f"words in both lists: {', '.join(both[:10])}")
    return ArabicLexicon(found["abuse"], found["slurs"])


class ArabicAbuse:
    """Finds the lexicon's Arabic insults, profanity and slurs in a comment, as whole words.

    A comment without Arabic letters leaves at the first test. Otherwise each Arabic word is
    normalized (marks and tatweel dropped, letter forms unified, elongation squeezed) and
    matches when it, or it with common clitics taken off ("الكلاب", "كلبك"), is listed; a
    two-word entry ("يا كلب") matches two words in a row. A word that merely contains a listed
    one ("زبون" and "زب") does not match. Spans cover the words as the commenter wrote them.
    """

    name = "arabic_abuse"

    def __init__(self, *, lexicon: ArabicLexicon, abuse_rule: str, incitement_rule: str,
                 abuse_message: str, identity_hate_message: str, actions: Mapping[str, str]) -> None:
        for code, action in actions.items():
            if code not in CODES:
                raise ConfigError(f"rules.arabic_abuse.{code}", f"not a reason code of this rule: {CODES}")
            if action not in RULE_ACTIONS:
                raise ConfigError(f"rules.arabic_abuse.{code}", f"must be one of {RULE_ACTIONS}")
        self._reasons = {
            "abusive_language": ("abuse", abuse_rule, abuse_message, actions.get("abusive_language", "reject")),
            "identity_hate": ("incitement", incitement_rule, identity_hate_message,
                              actions.get("identity_hate", "reject")),
        }
        self._code = {entry: "abusive_language" for entry in lexicon.abuse}
        self._code.update({entry: "identity_hate" for entry in lexicon.slurs})
        self._firsts = frozenset(entry.split(" ")[0] for entry in self._code if " " in entry)
        # Words recur across comments, and what a word is never changes.
        self._word = lru_cache(maxsize=65536)(self._read_word)

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        view = ctx.views.folded
        text = view.text
        if text.isascii() or not _ANY_LETTER.search(text):
            return
        found: dict[str, list[tuple[int, int]]] = {"abusive_language": [], "identity_hate": []}
        before: frozenset[str] = frozenset()  # the previous word's readings that start a two-word entry
        before_start = before_end = 0
        for match in _WORD.finditer(text):
            codes, firsts, own = self._word(match.group())
            start, end = match.span()
            for code in codes:
                found[code].append(view.to_original(start, end))
            if before and text[before_end:start].isspace():
                for phrase in (f"{first} {reading}" for first in before for reading in own):
                    if code := self._code.get(phrase):
                        found[code].append(view.to_original(before_start, end))
            before, before_start, before_end = firsts, start, end
        for code, ranges in found.items():
            policy, rule, message, action = self._reasons[code]
            if ranges and action != "ignore":
                yield Verdict(reason=Reason(code=code, policy=policy, action=action, source="wordlist",
                                            message=message, rule=rule, spans=ctx.spans(ranges), score=None))

    def _read_word(self, token: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
        """One word as written: the codes it gives alone, its readings that start two-word entries, all its readings."""
        own = readings(normalize(token))
        codes = tuple(sorted({code for reading in own if (code := self._code.get(reading))}))
        return codes, own & self._firsts, own
