"""The threats rule: explicit threats of violence and veiled ones, with their exceptions."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files
from itertools import groupby
from operator import methodcaller
from typing import Any, Iterator, Mapping

import yaml

from ..decision import SEVERITY, CommentContext, Reason, Verdict
from ..errors import ConfigError
from ..text import View
from .sentences import SENTENCE_REACH, sentence_end

TIERS: tuple[str, ...] = ("explicit", "veiled")
RULE_ACTIONS: tuple[str, ...] = ("reject", "review", "ignore")
GAP = r"[^\w'’.,!?;\n]+"  # between the words of a pattern: never a clause end or an apostrophe
PHRASE_GAP = r"[\s_\x02-]+"   # between the words of a listed phrase ("you people")
APOSTROPHE = "['’]"
_START, _END = r"(?<![^\W_])", r"(?![^\W_])"
_REF = re.compile(r"\{([a-z_]+)\}")
# A {name}: a word capitalised where the commenter wrote it ("Sisi"; not "SISI", not "The"). The
# patterns run on a copy of the skeleton with a mark (a separator to every other pattern) before
# each such word, and a name is a word after a mark.
_MARK = "\x02"
_NAME = "(?<=\x02)(?!{stop})[a-z][a-z-]*{end}"
_TITLE_WORD = re.compile(r"(?<![^\W_])[A-Z](?=[a-z])")
# Where a pattern marked `at:` may start: the end of each match of these. Trying the pattern
# only there is much faster than a search with a lookbehind in front of every alternative.
_AT = {"sentence": re.compile(r"(?:^|[.!?\n:;\"“(])[\s\x02]*"),
       "clause": re.compile(r"(?:^|[.!?,;:\n\"“(]|\b(?:and|but|so|that|think|now|frankly|honestly|seriously)\b)"
                            r"[\s\x02]*")}
# Quotations: in double quotes or guillemets, or in single quotes within a line. A single
# quote opens at the start of a word and closes at the end of one, so "don't" does neither.
_DOUBLE_QUOTED = re.compile(r"[\"“«][^\"“”«»\n]*[\"”»]")
_SINGLE_OPEN, _SINGLE_CLOSE, _NEWLINE = re.compile(r"(?<!\w)['‘]"), re.compile(r"['’](?!\w)"), re.compile("\n")
_WORD, _LETTERS = re.compile(r"[^\W_]+"), re.compile(r"[a-z]+")
_DOUBLE = re.compile(r"([a-z])\1+")  # collapsed before anchors are compared: "kiill", "kill" -> "kil"
_FIRST = methodcaller("group", 1)  # the replacement: a call, not a template expanded per match
# A report frame ("he wrote", "saying") excuses what follows it at once, or within six words
# after "that", a colon or a quote; never the speaker's own ("I said", "we say").
_CONNECTOR = re.compile(r"\bthat\b|[:\"“'‘]")
_PORT = re.compile(r"\bport\s+$")
_FIRST_PERSON = re.compile(r"(?:\bi|\bwe|\bi am|\bi['’]m|\bim)\s+$")
# Or the attribution follows: "we will get them, the police promised". Not "..., I promise".
_ATTRIBUTION = re.compile(r"\s*,\s*(?:(?!i\b|we\b)[\w'’]+\s+){0,3}?(?:said|says|promised|vowed|told|wrote|added|"
                          r"claimed|warned|threatened|chanted|shouted)\b")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class ThreatPattern:
    """One compiled pattern: its tier, where it may start, and what excuses a match."""

    name: str
    tier: str
    regex: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...]
    anchors: frozenset[str]  # the regex runs only if the comment has one of these words,
    also: frozenset[str]     # and one of these, when given
    at: re.Pattern[str] | None


class Threats:
    """Finds threats of violence against a person or group on the skeleton view.

    Explicit threats (the speaker's own violence) and veiled ones (hints, calls on others,
    wishes) each take their configured action. A match is excused when a guard of its pattern
    finds sports or justice talk in the same sentence, when someone else's words are reported
    ("he wrote that ..."), or when it stands in quotation marks in a comment that condemns or
    reports it. At most one verdict: the most severe action found, with every span.
    """

    name = "threats"

    def __init__(self, *, rule: str, message: str, explicit: str = "reject", veiled: str = "review",
                 patterns: Mapping[str, Any] | None = None) -> None:
        self.actions = {"explicit": explicit, "veiled": veiled}
        for tier, action in self.actions.items():
            if action not in RULE_ACTIONS:
                raise ConfigError(f"rules.threats.{tier}", f"must be one of {RULE_ACTIONS}")
        self.rule, self.message = rule, message
        compiled = _default_patterns() if patterns is None else _compile(patterns)
        self.patterns = tuple(p for p in compiled[0] if self.actions[p.tier] != "ignore")
        self._guards = compiled[1]

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        view = ctx.views.skeleton
        text = view.text
        words = anchor_words(text)
        found: list[tuple[int, int]] = []
        worst = -1
        marked, marks = None, []
        quotes = _Quotes(text, self._guards["quote_cue"])
        for pattern in self.patterns:
            if pattern.anchors.isdisjoint(words) or (pattern.also and pattern.also.isdisjoint(words)):
                continue
            if marked is None:  # built once, only when some pattern's words are present
                marked, marks = _marked(view, ctx.text)
            for match in _matches(pattern, marked):
                # Back from the marked copy to the skeleton: a mark stands before the character after it.
                start = match.start() - bisect_right(marks, match.start())
                end = match.end() - bisect_right(marks, match.end() - 1)
                if not self._excused(pattern, text, start, end, quotes):
                    found.append(view.to_original(start, end))
                    worst = max(worst, SEVERITY[self.actions[pattern.tier]])
        if found:
            action = next(a for a in self.actions.values() if SEVERITY[a] == worst)
            spans = ctx.spans(found)
            yield Verdict(reason=Reason(code="threat", policy="abuse", action=action, source="rule",
                                        message=self.message, rule=self.rule, spans=spans, score=None))

    def _excused(self, pattern: ThreatPattern, text: str, start: int, end: int, quotes: _Quotes) -> bool:
        reach = max(0, start - SENTENCE_REACH)
        first = max(reach, max(text.rfind(c, reach, start) for c in ".!?\n") + 1)
        last = sentence_end(text, end)
        if any(_find(guard, text, first, last) for guard in pattern.unless):
            return True
        frame = _find(self._guards["report_frame"], text, max(first, start - 120), start, last=True)
        if frame and frame.group() == "said" and _PORT.search(text, max(0, frame.start() - 6), frame.start()):
            frame = None  # the city of Port Said reports nothing
        if frame and not _FIRST_PERSON.search(text, max(0, frame.start() - 6), frame.start()):
            between = len(_WORD.findall(text, frame.end(), start))
            if between <= 2 or (between <= 6 and _CONNECTOR.search(text, frame.end(), start)):
                return True
        if _ATTRIBUTION.match(text, end):
            return True
        return quotes.cued and quotes.cover(start, end)


class _Quotes:
    """A comment's quotations, and whether it condemns or reports what it quotes: each found
    once per comment, when a match first asks, not once for every match."""

    def __init__(self, text: str, cue: re.Pattern[str]) -> None:
        self._text, self._cue = text, cue

    @cached_property
    def cued(self) -> bool:
        return (any(q in self._text for q in "\"“«'‘")
                and _find(self._cue, self._text, 0, len(self._text)) is not None)

    @cached_property
    def _kinds(self) -> tuple[list[tuple[int, int]], ...]:
        # Each kind's quotations do not overlap, so they are in order of start and of end.
        double = [(q.start(), q.end()) for q in _DOUBLE_QUOTED.finditer(self._text)]
        return double, _single_quoted(self._text)

    def cover(self, start: int, end: int) -> bool:
        """Whether one quotation holds all of text[start:end]."""
        for spans in self._kinds:
            at = bisect_right(spans, (start, float("inf"))) - 1  # the last to open at or before start
            if at >= 0 and end <= spans[at][1]:
                return True
        return False


def _single_quoted(text: str) -> list[tuple[int, int]]:
    """The single-quoted stretches of text, each from an opening quote to the first closing one
    after it on the same line, one after another: what a lazy regex finds, without its cost.
    The regex read to the end of the line from every quote that never closes, which made a long
    line of them quadratic."""
    closes = [m.start() for m in _SINGLE_CLOSE.finditer(text)]
    newlines = [m.start() for m in _NEWLINE.finditer(text)]
    spans: list[tuple[int, int]] = []
    done = 0
    for opening in _SINGLE_OPEN.finditer(text):
        at = opening.start()
        if at < done:
            continue  # inside the last quotation
        k = bisect_right(closes, at)
        if k == len(closes):
            break  # nothing closes after here
        close = closes[k]
        line = bisect_right(newlines, at)
        if line < len(newlines) and newlines[line] < close:
            continue  # the line ends first
        spans.append((at, close + 1))
        done = close + 1
    return spans


def anchor_words(text: str) -> frozenset[str]:
    """The comment's words with doubled letters collapsed, as the anchors are written.

    The same as the words of the collapsed text, since a double never spans two words; but each
    different word is collapsed once, not every time it occurs with the text around it.
    """
    return frozenset(_DOUBLE.sub(_FIRST, " ".join(set(_LETTERS.findall(text)))).split())


def _matches(pattern: ThreatPattern, text: str) -> Iterator[re.Match[str]]:
    """Matches that do not overlap, at a sentence or clause start where the pattern asks for one."""
    if pattern.at is None:
        yield from pattern.regex.finditer(text)
        return
    done = 0
    for start in pattern.at.finditer(text):
        if start.end() >= done and (match := pattern.regex.match(text, start.end())):
            done = match.end()
            yield match


def _marked(view: View, original: str) -> tuple[str, list[int]]:
    """The skeleton with a mark before each capitalised word of the original, and where the marks are."""
    text, pieces, marks, done = view.text.replace(_MARK, " "), [], [], 0  # a mark sent is no mark
    for title in _TITLE_WORD.finditer(original):
        at = bisect_left(view.starts, title.start())
        if at < len(text) and view.starts[at] == title.start() and text[at].isalpha():
            pieces += [text[done:at], _MARK]
            marks.append(at + len(marks))
            done = at
    return ("".join(pieces) + text[done:], marks) if marks else (text, marks)


def _find(regex: re.Pattern[str], text: str, start: int, end: int, last: bool = False) -> re.Match[str] | None:
    """The first (or last) match of a guard in text[start:end] that starts a word."""
    found = None
    while (match := regex.search(text, start, end)) is not None:
        if not (match.start() and text[match.start() - 1].isalnum()):
            if not last:
                return match
            found = match
        start = match.start() + 1
    return found


def load_patterns(name: str = "threats") -> dict[str, Any]:
    """The raw pattern file moderation/rules/data/<name>.yaml."""
    where = f"rules/data/{name}.yaml"
    try:
        raw = yaml.load(files("moderation").joinpath("rules", "data", f"{name}.yaml").read_text("utf-8"),
                        Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(where, f"cannot read the threat patterns: {exc}") from exc
    if not isinstance(raw, dict) or not all(key in raw for key in ("words", "fragments", "guards", *TIERS)):
        raise ConfigError(where, f"needs the sections words, fragments, guards, {', '.join(TIERS)}")
    return raw


@lru_cache(maxsize=1)
def _default_patterns() -> tuple:
    """The package's patterns, compiled once per process (about half a second): apps share them."""
    return _compile(load_patterns())


def _compile(data: Mapping[str, Any]) -> tuple:
    """(patterns, guards by name) from a pattern file's contents."""
    stop = _phrases(names) if (names := data.get("stop_names")) else "(?!)"
    parts = _Parts(data["words"], data["fragments"], frozenset(data.get("exact", ())), stop)
    guards = {key: re.compile(_phrases(listed)) for key, listed in data["guards"].items()}

    def build(tier: str, entry: Mapping[str, Any]) -> ThreatPattern:
        name, unless, at = entry["name"], entry.get("unless", []), entry.get("at")
        if not set(unless) <= guards.keys() or (at is not None and at not in _AT):
            raise ConfigError(f"threats.{name}", f"unknown guard in {unless} or start {at!r}")
        anchors = parts.anchors(entry.get("anchors", []), name)
        if not anchors:
            raise ConfigError(f"threats.{name}.anchors", "a pattern runs only on its anchor words: give some")
        return ThreatPattern(name, tier, parts.compile(entry["pattern"], name),
                             tuple(guards[key] for key in unless), anchors,
                             parts.anchors(entry.get("also", []), name), _AT.get(at or ""))

    patterns = tuple(build(tier, entry) for tier in TIERS for entry in data[tier])
    return patterns, guards


class _Parts:
    """Word lists and fragments of the pattern file, expanded into regex source."""

    def __init__(self, words: Mapping[str, list], fragments: Mapping[str, Any], exact: frozenset[str],
                 stop_names: str) -> None:
        self.words = {key: [str(w) for w in listed] for key, listed in words.items()}
        self.regex = {key: _phrases(listed, stretch=key not in exact) for key, listed in self.words.items()}
        self.regex["name"] = _NAME.format(stop=stop_names, end=_END)  # used as is: no {x} inside
        for key, value in fragments.items():  # in file order: a fragment uses earlier ones
            alternatives = value if isinstance(value, list) else [value]
            self.regex[key] = "(?:" + "|".join(self.expand(a, key) for a in alternatives) + ")"

    def expand(self, source: str, where: str) -> str:
        """Pattern text as regex: {x} inserted, a space a gap between words, ' either apostrophe."""
        out, pos = [], 0
        for ref in [*_REF.finditer(source), None]:
            literal = source[pos:ref.start() if ref else len(source)]
            out.append(literal.replace("'", APOSTROPHE).replace(" ", GAP))
            if ref:
                if ref.group(1) not in self.regex:
                    raise ConfigError(f"threats.{where}", f"{ref.group()} is not defined before it is used")
                out.append(self.regex[ref.group(1)])
                pos = ref.end()
        return "".join(out)

    def compile(self, pattern: str, where: str) -> re.Pattern[str]:
        try:
            return re.compile(f"{_START}(?:{self.expand(pattern, where)}){_END}")
        except re.error as exc:
            raise ConfigError(f"threats.{where}", f"bad pattern: {exc}") from exc

    def anchors(self, listed: list, where: str) -> frozenset[str]:
        """Words collapsed like the comment's; "{list}" stands for the first word of each entry."""
        found: set[str] = set()
        for item in map(str, listed):
            ref = _REF.fullmatch(item)
            if ref and ref.group(1) not in self.words:
                raise ConfigError(f"threats.{where}.anchors", f"no word list called {item!r}")
            for word in self.words[ref.group(1)] if ref else [item]:
                found.update(_LETTERS.findall(_DOUBLE.sub(r"\1", word.split()[0].lower())))
        return frozenset(found)


def _phrases(listed: list, stretch: bool = False) -> str:
    """Words and phrases as one regex, a trie: shared prefixes are tried once, fast over long lists.

    With stretch, a single letter may be doubled, as the skeleton leaves a stretched one ("kiiill"
    -> "kiill"). It becomes "kk?", never "k{1,2}": a regex opening with a plain letter searches fast.
    """
    trie: dict = {}
    for spelling in listed:
        node = trie
        for char, run in groupby(str(spelling)):
            n = len(list(run))
            if char.isalpha():
                units = [char] * n + ([char + "?"] if stretch and n == 1 else [])
            else:
                units = [{"'": APOSTROPHE, " ": PHRASE_GAP, "-": r"[\s-]?"}.get(char, re.escape(char))] * n
            for unit in units:
                node = node.setdefault(unit, {})
        node[""] = {}
    return _render(trie) + _END


def _render(node: dict) -> str:
    alternatives = [unit + _render(child) for unit, child in sorted(node.items()) if unit] + [""] * ("" in node)
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
