"""The defamation rule: unverified accusations of crime, corruption or fabrication against a person."""

from __future__ import annotations

import re
from bisect import bisect_right
from importlib.resources import files
from itertools import groupby, product
from typing import Any, Iterator, Mapping, NamedTuple

import yaml

from ..decision import CommentContext, Reason, Verdict
from ..errors import ConfigError
from .incitement import load_data
from .wordlist_patterns import Form, compile_groups

_ANY = r"[^\W_][\w'’-]*(?:[.,]\d+)*"      # one word, as "*" in a form; "500,000" is one
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")  # "he's" is "he" + "s", "didn't" is "didn" + "t"
_DOUBLE = re.compile(r"([^\W\d_])\1+")
_BRACES = re.compile(r"\{([^{}]*)\}")
_SENTENCE_END = re.compile(r"[.!?;]+(?![\w'’])|\n")
_CONTRAST = re.compile(r"\b(?:but|however|yet|although|though|whereas)\b")
_PRESUMING = re.compile(r"\s*(?:why|how come)\b")  # "why did he steal ...?" asserts that he did
# The last copula before a predicate ("is a thief"); "'s" counts only after a pronoun, else it is a possessive.
_COPULA = re.compile(
    r"(?s:.*)(?P<copula>\b(?:is|was|are|were|be|been|being|am|remains|remained|became|becomes|become)"
    rf"|(?:(?<=\bhe)|(?<=\bshe)|(?<=\bwho)|(?<=\bthat)|(?<=\bit))['’]s)(?P<between>(?:\s+{_ANY}){{0,4}}?)\s+$")
# What follows a verb to deny it: "robbed nobody", "took not a penny".
_NOTHING = re.compile(r"\s+(?:nothing|nobody|no[\s-]?one|none|not\s+(?:a|one)\s+(?:penny|pound|piastre|cent|thing))\b")
# A description between commas right before the verb: ", the hospital director mentioned here,".
_APPOSITIVE = re.compile(r",\s*(?:the|a|an|our|this|that|his|her|their)\s[^,.;:!?]{1,80},$")
_BY = re.compile(rf"(?:\s+{_ANY}){{0,5}}?\s+by\s+")
_MAX_JUDGED = 200  # triggers read per comment: more than 1000 characters can hold; a hostile one stops there


class _Person(NamedTuple):
    kind: str  # "writer", "person" or "pronoun"
    start: int
    end: int


class _Family(NamedTuple):
    passive: str  # "victim": a passive subject is the victim ("was robbed"); "accused": it is the accused
    copula: bool  # a predicate ("is a thief"): the accused stands before a copula
    objects: re.Pattern[str] | None       # what must follow the verb: "invented | the quotes"
    object_words: re.Pattern[str] | None  # the same words anywhere, for a passive: "the quotes were invented"
    metaphors: re.Pattern[str] | None


def load_lexicon(name: str = "defamation") -> dict[str, Any]:
    """The word lists of moderation/rules/data/<name>.yaml."""
    where = f"rules/data/{name}.yaml"
    try:
        data = yaml.safe_load(files("moderation").joinpath(where).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(where, f"cannot read: {exc}") from exc
    for key, value in data.items():
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}:{key}", "every entry must be a string (quote no, yes, on, off)")
    return data


def _expand(form: str, leading_only: bool = False) -> list[str]:
    """The spellings of a form's "{a,b,}" groups; with leading_only, of the group it starts with only."""
    if leading_only:
        head = _BRACES.match(form)
        return [(alt + form[head.end():]).strip() for alt in head.group(1).split(",")] if head else [form]
    choices = [part.split(",") if i % 2 else [part] for i, part in enumerate(_BRACES.split(form))]
    return [" ".join("".join(combo).split()) for combo in product(*choices)]


def _form_regex(form: str) -> str:
    """A form as a regex; a letter run may be one or two letters long: the skeleton squeezes stretched ones to two."""
    def plain(piece: str) -> str:
        return "".join(f"{re.escape(c)}{{1,2}}" if c.isalpha() else r"[\s-]+" if c in " -" else
                       _ANY if c == "*" else re.escape(c) * len(list(run)) for c, run in groupby(piece))
    parts = _BRACES.split(form)
    return "".join(f"(?:{'|'.join(map(plain, p.split(',')))})" if i % 2 else plain(p) for i, p in enumerate(parts))


def _words(items: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(items, key=len, reverse=True)) + ")"


class Defamation:
    """Holds for review factual accusations (stole, took bribes, fabricated the quotes, is paid by ...)
    made by the commenter against an identifiable person: under `writers` when the accused is the
    site's writer, under `abuse` otherwise. Questions, denials, hypotheses, metaphors ("stole the
    show"), institutions and accusations attributed to courts or official sources stay published."""

    name = "defamation"

    def __init__(self, *, rule: str, writers_rule: str, message: str, lexicon: Mapping[str, Any] | None = None) -> None:
        self.rule, self.writers_rule, self.message = rule, writers_rule, message
        lex = dict(lexicon) if lexicon is not None else load_lexicon()
        self._sets = {k: frozenset(v) for k, v in lex.items() if isinstance(v, list)}
        # A group of people is nobody in particular: "Sudanese are thieves" accuses no one person
        # (whether it incites against the group is the incitement rule's question).
        self._sets["not_names"] |= {form for group in load_data("groups.yaml")["groups"]
                                    for key in ("singular", "plural", "adjective") for form in group[key]
                                    if " " not in form}
        self._titles = self._sets["person_titles"] | self._sets["writer_nouns"]
        self._starters = self._titles | {"whoever", "one"}  # the words a writer or title phrase starts with
        self._plurals = frozenset(w for w in self._sets["writer_nouns"] if w.endswith("s"))
        self._families: dict[str, _Family] = {}
        by_first: dict[str, dict[str, list[str]]] = {}  # first word -> family -> forms starting with it
        self._keys, dets = set[str](), _words(lex["determiners"])
        for family, spec in lex["families"].items():
            for form in (re.sub(r",\s+", ",", " ".join(f.split())) for f in spec["forms"]):
                for spelled in _expand(form):
                    words = [w for w in spelled.replace("-", " ").split() if w != "*"]
                    key = max((w for w in words if w not in self._sets["weak_words"]), key=len, default=words[0])
                    self._keys |= {key, _DOUBLE.sub(r"\1", key)}
                for part in _expand(form, leading_only=True):
                    for word in {part.split()[0], _DOUBLE.sub(r"\1", part.split()[0])}:
                        by_first.setdefault(word, {}).setdefault(family, []).append(part)
            objects, metaphors = spec.get("objects"), spec.get("metaphors")
            self._families[family] = _Family(
                spec.get("passive", "accused"), bool(spec.get("copula")),
                re.compile(rf"\s+(?!{_words(lex['not_objects'])}\b)(?:{dets}\s+){{0,3}}(?:{_ANY}\s+){{0,2}}?"
                           rf"{_words(lex[objects])}\b") if objects else None,
                re.compile(rf"\b{_words(lex[objects])}\b") if objects else None,
                re.compile(rf"\s+(?:{_ANY}\s+){{0,2}}?{_words(lex[metaphors])}\b(?!['’])") if metaphors else None)
        # A trigger is tried only where a word starts one of its forms: one small regex per such word.
        self._starts = {word: re.compile("(?:" + "|".join(
            f"(?P<{family}>" + "|".join(map(_form_regex, forms)) + ")" for family, forms in families.items()) + r")\b")
            for word, families in by_first.items()}
        # The words after a verb up to a preposition or conjunction: its object, or the agent after "by".
        self._chunk = re.compile(rf"(?:\s+(?!{_words(lex['object_stops'])}\b){_ANY}){{0,4}}")
        # "of Giza", "in Khartoum", "on the Ahly board", "of our village in Sharqia"
        tail = rf"(?:\s+(?:of|at|in|on|from|for)(?:\s+(?:the|our|this))?(?:\s+{_ANY}){{0,3}}){{0,2}}"
        writer = (rf"{_words(lex['writer_nouns'])}{tail}|(?:whoever|(?:{_words(lex['writer_nouns'])}|guy|man|woman"
                  rf"|person|one|lady|fellow)\s+who)\s+wrote\s+(?:this|it|that)(?:\s+{_ANY})?")
        title = rf"{_words(lex['person_titles'])}{tail}"  # matched from a token start up to the verb
        self._writer_at, self._title_at = (re.compile(rf"(?P<core>(?:[^\W_]+-)?(?:{x}))\s*") for x in (writer, title))
        lists = ("hedges", "hedge_overrides", "attributions", "writer_hints")  # scanned over clauses: tries
        self._hedge, self._override, self._attribution, self._writer_hint = (
            compile_groups([[Form(w, False, False) for w in lex[key]]])[0] for key in lists)
        self._negated = re.compile(rf"(?:\b{_words(lex['attribution_negators'])}|n['’]t)\s+(?:{_ANY}\s+)?$")

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        view, text = ctx.views.skeleton, ctx.views.skeleton.text
        # A squeezed run ("thiiief" -> "thiief") covers more original characters than it has letters.
        squeezed = sum(view.ends) - sum(view.starts) != len(text)
        if self._keys.isdisjoint(_TOKEN.findall(_DOUBLE.sub(r"\1", text) if squeezed else text)):
            return  # the common case: no accusing word at all
        ends = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
        found: dict[str, list[tuple[int, int]]] = {}  # policy -> original ranges
        done = judged = 0
        for token in _TOKEN.finditer(text):
            pattern = self._starts.get(_DOUBLE.sub(r"\1", token.group()) if squeezed else token.group())
            match = pattern.match(text, token.start()) if pattern and token.start() >= done else None
            if match and (judged := judged + 1) <= _MAX_JUDGED:
                done, k = match.end(), bisect_right(ends, match.start())
                # A sentence is read at most 300 characters either side: a hostile comment stays linear.
                s, e = max(ends[k - 1] if k else 0, match.start() - 300), min(ends[k], match.end() + 300)
                if hit := self._judge(ctx, text, match, s, e):
                    found.setdefault(hit[0], []).extend(view.to_original(a, b) for a, b in hit[1:] if a < b)
        for policy, ranges in found.items():
            yield Verdict(reason=Reason(
                code="defamation", policy=policy, action="review", source="rule", message=self.message,
                rule=self.writers_rule if policy == "writers" else self.rule, score=None,
                spans=ctx.spans(ranges)))

    def _judge(self, ctx: CommentContext, text: str, match: re.Match[str], s: int, e: int) -> tuple | None:
        """(policy, accusation range, accused range) when the match accuses someone, else None."""
        family, sets = self._families[match.lastgroup], self._sets
        if family.metaphors and family.metaphors.match(text, match.end(), e):
            return None  # "stole the show"
        if _NOTHING.match(text, match.end(), e):
            return None  # "stole nothing", "bribed no one": a denial
        obj = family.objects.match(text, match.end(), e) if family.objects else None
        verb = (match.start(), obj.end() if obj else self._chunk.match(text, match.end(), e).end())
        left_start = max(s, match.start() - 160)
        left = text[left_start:match.start()]  # where the accused and the auxiliaries stand
        if family.copula:
            # Matched, not searched: the leading ".*" already finds the last copula, and a search
            # would try it again from every position (a hundred times slower on a clause without one).
            copula = _COPULA.match(left)
            if not copula or sets["not_asserted"].intersection(_TOKEN.findall(copula.group("between"))):
                return None
            verb, left = (left_start + copula.start("copula"), verb[1]), left[:copula.start("copula")]
        tokens = list(_TOKEN.finditer(left))
        gap = []  # auxiliaries and adverbs between the accused and the verb: "has openly"
        while tokens and tokens[-1].group() in sets["gap_words"] and (
                tokens[-1].group() != "s" or len(tokens) > 1 and tokens[-2].group() in sets["contracting_pronouns"]):
            gap.append(tokens.pop().group())
        passive = family.passive == "victim" and sets["passive_aux"].intersection(gap) and match.group()[-3:] != "ing"
        # "invented a vaccine" accuses nobody; a passive names what was made up before it: "the quotes were made up".
        if sets["not_asserted"].intersection(gap) or family.objects and not (
                obj or passive and family.object_words.search(text, left_start, match.start())):
            return None
        if passive:
            accused = self._agent_after(ctx, text, verb[1], e)
        else:
            accused = self._subject_before(ctx, text, left_start, left_start + tokens[-1].end()) if tokens else None
            # "Hamdi Shafik, the developer in the story, defrauded ...": the accused stands before
            # a description set off by commas.
            aside = _APPOSITIVE.search(text, left_start, left_start + tokens[-1].end() + 1) \
                if accused is None and tokens else None
            if aside and _TOKEN.search(text, left_start, aside.start()):
                accused = self._subject_before(ctx, text, left_start, aside.start())
        if accused is None or not self._asserted(text, match, s, e, min(accused.start, verb[0])):
            return None
        hinted = accused.kind == "pronoun" and self._writer_hint.search(text, s, e)
        return ("writers" if accused.kind == "writer" or hinted else "abuse"), verb, (accused.start, accused.end)

    def _asserted(self, text: str, match: re.Match[str], s: int, e: int, before: int) -> bool:
        """Whether the sentence asserts the accusation: no question, hedge or court or official source."""
        question = "?" in text[max(s, e - 3):e] and not (_PRESUMING.match(text, s) and "investigat" not in text[s:e])
        if question or self._hedge.search(self._override.sub(" ", text[s:before])):  # "if", "no evidence that"
            return False
        # A court or an official source anywhere in the clause (up to a "but") makes it reported news.
        cues = [cue.start() for cue in self._attribution.finditer(text, s, e)]
        cuts = [c.start() for c in _CONTRAST.finditer(text, s, e)] if cues else []
        part = (max([s] + [c for c in cuts if c < match.start()]), min([e] + [c for c in cuts if c > match.end()]))
        return all(self._negated.search(text, max(part[0], cue - 30), cue) for cue in cues if part[0] <= cue < part[1])

    def _subject_before(self, ctx: CommentContext, text: str, left_start: int, end: int) -> _Person | None:
        """Who the words ending at `end` name: a pronoun, a writer, a titled person or a name."""
        tokens = list(_TOKEN.finditer(text, left_start, end))
        if tokens[-1].group() in self._sets["subject_pronouns"]:
            return _Person("pronoun", tokens[-1].start(), end)
        particles, i = self._sets["name_particles"], len(tokens)
        # A business by its name: "the Abu Kamal restaurant chain", "Nile Star company".
        while i > 1 and tokens[i - 1].group() in self._sets["business_nouns"]:
            i -= 1
        if i == len(tokens) or not self._is_name(ctx, tokens[i - 1]):
            i = len(tokens)
        while i and (self._is_name(ctx, tokens[i - 1]) or tokens[i - 1].group() in particles):
            i -= 1
        while i < len(tokens) and tokens[i].group() in particles:  # a name starts with a name, not "el"
            i += 1
        start = tokens[i].start() if i < len(tokens) else end
        # "Minister X", "the writer Ahmed Said", "the governor of Giza": a title may stand before a name.
        for kind, pattern in (("writer", self._writer_at), ("person", self._title_at)):
            candidates = (pattern.fullmatch(text, t.start(), start) for t in tokens[max(0, i - 7):i]
                          if t.group() in self._starters or t.group().partition("-")[2] in self._starters)
            title = next(filter(None, candidates), None)
            if title and not self._generic(text, left_start, title):
                return _Person(kind, title.start("core"), end)
        if start < end:
            return _Person("person", start, end)
        # "Mona Khalil at the residency office", "Sheikh Hassan at the mosque on our street": a
        # name or title, then where the person works or lives.
        places = self._sets["place_prepositions"]
        k = next((k for k in range(len(tokens) - 2, max(0, len(tokens) - 6), -1) if tokens[k].group() in places), 0)
        accused = self._subject_before(ctx, text, left_start, tokens[k - 1].end()) if k else None
        return _Person(accused.kind, accused.start, end) if accused and accused.kind != "pronoun" else None

    def _generic(self, text: str, left_start: int, title: re.Match[str]) -> bool:
        """Nobody in particular: "a judge", "some officials", or a bare plural ("journalists who ...")."""
        before = _TOKEN.findall(text, max(left_start, title.start() - 20), title.start())[-2:]
        plural = _TOKEN.match(text, title.start("core")).group() in self._plurals
        return bool(self._sets["indefinite"].intersection(before)) or (
            plural and not (before and before[-1] in self._sets["definite"]))

    def _agent_after(self, ctx: CommentContext, text: str, pos: int, e: int) -> _Person | None:
        """The agent of a passive: "stolen by the minister", "fabricated by this reporter"."""
        by = _BY.match(text, pos, e)
        tokens = list(_TOKEN.finditer(text, by.end(), self._chunk.match(text, by.end() - 1, e).end())) if by else []
        while tokens and tokens[-1].group() in self._sets["gap_words"]:  # "by Sheikh Mansour himself"
            tokens.pop()
        return self._subject_before(ctx, text, by.end(), tokens[-1].end()) if tokens else None

    def _is_name(self, ctx: CommentContext, token: re.Match[str]) -> bool:
        """A capitalised word in the original text that is no common word, group, title or institution."""
        word = token.group()
        singular = (word[:-1], word[:-2]) if word.endswith("s") else ()  # "Officers" opens no name
        return (word[0].isalpha() and word not in self._sets["not_names"] and word not in self._sets["gap_words"]
                and not self._titles.intersection((word, *singular))
                and ctx.text[ctx.views.skeleton.to_original(token.start(), token.start() + 1)[0]].isupper())
