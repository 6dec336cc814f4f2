"""The language rule: holds comments written mostly in Arabic, Arabizi or another language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Mapping

import yaml

from ..decision import CommentContext, Reason, Verdict
from ..errors import ConfigError
from .datafiles import read
from ..text_tables import LEET_DIGITS

ACTIONS: tuple[str, ...] = ("accept", "review", "reject")
# Words are read from the folded view: case, NFKC and invisibles are undone, but digits stay
# digits. The skeleton view is no use here: it turns "3ayez" into "eayez", erasing Arabizi.
# Combining marks (Arabic harakat, shadda) are not word characters to `re`, yet sit inside words.
_MARK = r"\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed"
# Links, e-mail addresses and @mentions are skipped whole: their parts are no language. An
# address is only tried where a token starts: tried at every word, "\S+@" scanned to the end
# of the token each time, which made a 60,000-character text without spaces take seconds.
_SKIP = r"(?:https?://|www\.)\S+|(?<!\S)\S+@\S+|@\w+"
# Runs of letters and runs of marks, not one character at a time: the same words, found
# faster. The two classes share no character, so the repetition cannot backtrack.
_BODY = rf"[^\W_](?:[^\W_]+|[{_MARK}]+)*(?:['’][^\W\d_](?:[^\W\d_]+|[{_MARK}]+)*)*"
# Without a combining mark in the text, the body's runs of letters or marks are runs of letters:
# the same words, found by single-character repeats that the engine runs much faster.
_PLAIN_BODY = r"[^\W_]+(?:['’][^\W\d_]+)*"
_MARKS = re.compile(f"[{_MARK}]")


def _patterns(body: str) -> dict[str, re.Pattern[str]]:
    """The word regexes over one body: "words" alone; "skipping" links and handles (a match
    names the group "skip"); and "findall", where a skipped link or handle gives ""."""
    return {"words": re.compile(body), "skipping": re.compile(rf"(?P<skip>{_SKIP})|{body}"),
            "findall": re.compile(rf"(?:{_SKIP})|({body})")}


# By whether the text holds a combining mark. Without "@", "http" or "www." there is nothing
# to skip, and "words" finds the same words several times faster: the address branch is
# tried, and fails, at every word.
_PATTERNS = {True: _patterns(_BODY), False: _patterns(_PLAIN_BODY)}
_ARABIC = re.compile(r"[\u0620-\u065f\u066e-\u06d3\u06d5-\u06ef\u06fa-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff]")  # Thai, kana, Han: no spaces
_LATIN = re.compile(r"[a-z'\u00df-\u024f\u0300-\u036f\u1e00-\u1eff]+")
# Digits in a word that are not Arabizi: ordinals, decades, times, units, model names, leetspeak.
# A letter prefix of codes has no vowel: "f16", "mp3", but "ma3" and "la2" are Arabizi.
_CODE = re.compile(r"\d+(?:st|nd|rd|th|s|am|pm|h|hrs?|min|k|m|bn|mn|b|km|kg|mm|cm|g|gb|mb|ml|l|x|d|yo|ft|mw|kw)"
                   r"|[b-df-hj-np-tv-z]{1,3}\d+[a-z]?|covid\d*|ak47")
_ARABIZI_DIGIT = re.compile(r"[235679]")
_UNLEET = str.maketrans(LEET_DIGITS)
_TEXTSPEAK = str.maketrans({"2": "to"})  # "2day", "2gether"
_ELISION = re.compile(r"(?:[ldcjnsmt]|qu)'[^\W\d_]{2,}")  # French: l'auteur, c'est, qu'il
_CONTRACTION = re.compile(r"'(?:s|t|re|ve|ll|d|m)$")
_SUFFIXES = (("ies", "y"), ("ily", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("es", ""), ("ed", ""),
             ("ed", "e"), ("s", ""), ("ly", ""), ("er", ""), ("er", "e"), ("est", ""), ("ness", ""),
             ("less", ""), ("ful", ""), ("ment", ""), ("ist", ""), ("ism", ""), ("al", ""))
_SENTENCE_END = ".!?:;\n\"“«(-—"
ENGLISH, NEUTRAL, SCRIPT = "english", "neutral", "script"


def _may_skip(text: str) -> bool:
    return "@" in text or "http" in text or "www." in text


def _word_pattern(text: str, findall: bool = False) -> re.Pattern[str]:
    """The fastest of the word regexes that finds the same words in this text."""
    patterns = _PATTERNS[_MARKS.search(text) is not None]
    if not _may_skip(text):
        return patterns["words"]
    return patterns["findall" if findall else "skipping"]


@dataclass(frozen=True)
class LanguageWords:
    """The rule's word lists: English words, neutral loanwords, and weighted cues of other languages."""

    english: frozenset[str]
    neutral: frozenset[str]
    cues: Mapping[str, tuple[float, str | None]]  # word -> (weight, label key or None if shared)
    labels: Mapping[str, str]


def load_words(name: str = "language") -> LanguageWords:
    """The lists of moderation/rules/data/<name>.yaml, checked so that no word is in two camps."""
    return parse_words(*read(f"{name}.yaml", "the language word lists"))


def parse_words(text: str, where: str) -> LanguageWords:
    """Word lists from the YAML text of a data file; `where` names it in errors."""
    try:
        raw = yaml.safe_load(text)
        english = frozenset(raw["english"].split()) | frozenset(raw["english_accented"].split())
        neutral = frozenset(raw["neutral"].split())
        labels = {key: str(raw["labels"][key]) for key in ("arabic", "arabizi", "other")}
        cues: dict[str, tuple[float, str | None]] = {}
        for label in ("arabizi", "other"):
            for strength, weight in (("strong", 1.0), ("weak", 0.5)):
                for word in raw[label][strength].split():
                    old_weight, old_label = cues.get(word, (0.0, label))
                    # A word of two languages ("el": Arabizi and Spanish) counts, but names neither.
                    cues[word] = (max(weight, old_weight), label if old_label == label else None)
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(where, f"malformed language word lists: {exc!r}") from exc
    clash = sorted((english | neutral) & cues.keys()) + sorted(english & neutral)
    if clash:
        raise ConfigError(where, f"words in two lists: {', '.join(clash[:10])}")
    return LanguageWords(english, neutral, cues, labels)


class Language:
    """Flags comments written mostly in a language other than English.

    Each word counts as English, as a cue of another language (Arabic script, Arabizi words
    and digit-letters such as "3ayez", French/Spanish/German... function words and accents),
    or as neither (names, "Inshallah", unknown words). A comment of at least ``min_letters``
    is flagged when its cues weigh at least ``min_cues`` and English words make up less than
    ``max_english_share`` of English words plus cues: a few Arabic words inside an English
    sentence are left alone, and so are "ok", "+1" and emoji.

    Metadata ``language`` starting with "en" is only a hint: the site's page language says
    little about what a reader typed, so the comment is still checked, but must be
    non-English by a wider margin (``hinted_english_share``). Other values are ignored.
    """

    name = "language"

    def __init__(self, *, rule: str, message: str, words: LanguageWords, action: str = "review",
                 min_letters: int = 8, min_cues: float = 2.0, max_english_share: float = 0.5,
                 hinted_english_share: float = 0.4) -> None:
        if action not in ACTIONS:
            raise ConfigError("rules.language.action", f"must be one of {ACTIONS}, got {action!r}")
        try:
            message.format(language="Arabic")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError("messages.unsupported_language",
                              f"only {{language}} may be filled in: {exc!r}") from exc
        self.rule, self.message, self.action, self.words = rule, message, action, words
        self.min_letters, self.min_cues = min_letters, min_cues
        self.max_english_share, self.hinted_english_share = max_english_share, hinted_english_share
        # Words recur across comments; the class of a lower-case word never changes.
        self._classify = lru_cache(maxsize=32768)(self._classify_word)

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        if self.action == "accept":
            return
        view = ctx.views.folded
        if self._too_few_cues(view.text):
            return
        english, letters = 0, 0
        cues = 0.0
        tally = {"arabic": 0.0, "arabizi": 0.0, "other": 0.0}
        runs: list[list[int]] = []  # [start, end] of stretches of non-English words, in the view
        gap = -1  # English words since the last stretch ended; -1: no stretch yet
        for match in _word_pattern(view.text).finditer(view.text):
            if match.lastgroup:
                continue
            word = match.group()
            kind, weight = self._classify(word.replace("’", "'"))
            if kind == SCRIPT:
                # A word in another script, unless NFKC made it from symbols ("🈵" -> "満").
                start, end = view.to_original(*match.span())
                if not any(c.isalpha() for c in ctx.text[start:end]):
                    continue
                kind = "other"
            elif kind is None:
                continue  # a bare number
            letters += len(word)
            if kind == ENGLISH:
                english += 1
                gap += gap >= 0
                continue
            if weight and kind != "arabic" and self._looks_like_a_name(ctx, view.starts[match.start()]):
                weight = 0.0  # "Bardo", "Tayeb", "El-Sisi": a cue word spelled as a name
            if weight:
                cues += weight
                tally[kind] = tally.get(kind, 0.0) + weight
            # A stretch takes in names after its cues, and bridges one English word between cues.
            if gap == 0 or (gap == 1 and weight):
                runs[-1][1] = match.end()
                gap = 0
            elif weight:
                runs.append([match.start(), match.end()])
                gap = 0
        hinted = str(ctx.metadata.get("language", "")).lower().startswith("en")
        limit = self.hinted_english_share if hinted else self.max_english_share
        if letters < self.min_letters or cues < self.min_cues or english >= limit * (english + cues):
            return
        # Ties go to the first; only shared words ("el", "la", "di") found: "another language".
        found = max(("arabic", "arabizi", "other"), key=lambda key: tally[key])
        found = found if tally[found] else "other"
        spans = tuple(ctx.span(*view.to_original(start, end)) for start, end in runs)
        yield Verdict(reason=Reason(
            code="unsupported_language", policy="service", action=self.action, source="rule",
            message=self.message.format(language=self.words.labels[found]), rule=self.rule,
            spans=spans, score=None,
        ))

    def _too_few_cues(self, text: str) -> bool:
        """Whether the text's words cannot add up to min_cues, whatever the full scan finds.

        Most comments are English: set operations in C leave the few words outside the English
        list, and only those are classified. Their weights bound the scan's cues from above
        (the scan only ever lowers a weight), so a comment below the bound is passed exactly
        as the scan would pass it, at a fraction of its cost.
        """
        words = _word_pattern(text, findall=True).findall(text)
        others = set(words).difference(self.words.english)
        others.discard("")
        bound = 0.0
        for word in others:
            weight = self._classify(word.replace("’", "'"))[1]
            if weight:  # most words left over weigh nothing: no need to count them
                bound += weight * words.count(word)
                if bound >= self.min_cues:
                    return False
        return True

    def _classify_word(self, word: str) -> tuple[str | None, float]:
        """(kind, cue weight) of one folded word: kind is english, neutral, arabic, arabizi or other."""
        words = self.words
        if word in words.english:
            return ENGLISH, 0.0
        if word in words.cues:
            weight, label = words.cues[word]
            return label or "shared", weight
        if word.isdigit():
            return None, 0.0
        if not word.isascii():
            if _ARABIC.search(word):
                return "arabic", 1.0
            if not _LATIN.search(word):  # Cyrillic, Greek, Han, Hebrew...
                return SCRIPT, max(1.0, len(word) / 2) if _UNSPACED.search(word) else 1.0
            if not _LATIN.fullmatch(word):
                # Other letters inside a Latin word are disguises ("ministеr" with a Cyrillic e)
                # or symbols NFKC turned into letters ("alert🈵"): the Latin letters decide.
                return self._classify_word("".join(_LATIN.findall(word)))
        if any(c.isdigit() for c in word):
            if (_CODE.fullmatch(word) or self._is_english(word.translate(_UNLEET))
                    or self._is_english(word.translate(_TEXTSPEAK))):
                return NEUTRAL, 0.0  # "2nd", "f16", "10pm"; "h3ll" is English in disguise
            letters = sum(c.isalpha() for c in word)
            return ("arabizi", 1.0) if letters >= 2 and _ARABIZI_DIGIT.search(word) else (NEUTRAL, 0.0)
        if "'" in word:
            if _ELISION.fullmatch(word):
                return "other", 1.0
            if _CONTRACTION.search(word) and self._is_english(_CONTRACTION.sub("", word)):
                return ENGLISH, 0.0
        if word in words.neutral:
            return NEUTRAL, 0.0
        if self._is_english(word):
            return ENGLISH, 0.0
        if not word.isascii():
            return "other", 1.0  # accents English does not use: "vergüenza", "égyptien"
        return NEUTRAL, 0.0

    def _is_english(self, word: str) -> bool:
        """In the list, or a regular inflection of a listed word ("recovers", "stopped", "prices")."""
        english = self.words.english
        if word in english:
            return True
        for suffix, ending in _SUFFIXES:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                stem = word[: -len(suffix)]
                if stem + ending in english or (stem[-1] == stem[-2] and stem[:-1] in english):
                    return True
        return False

    @staticmethod
    def _looks_like_a_name(ctx: CommentContext, start: int) -> bool:
        """Capitalized inside a sentence and not shouted: a name, not the word it spells."""
        text = ctx.text
        if not text[start].isupper() or text[start + 1:start + 2].isupper():
            return False
        before = text[:start].rstrip()
        return bool(before) and before[-1] not in _SENTENCE_END
