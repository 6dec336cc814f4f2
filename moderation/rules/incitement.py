"""The incitement rule: dehumanising, blaming or stereotyping a group, and calls to harm, expel or exclude one."""

from __future__ import annotations

import re
from importlib.resources import files
from itertools import groupby
from typing import Any, Iterable, Iterator, Mapping

import yaml

from ..decision import CommentContext, Reason, Verdict
from ..errors import ConfigError
from ..text import View
from .sentences import SENTENCE_END, SENTENCE_REACH, sentence_end
from .wordlists import RULE_ACTIONS

CODES: tuple[str, ...] = ("identity_hate", "incitement")
GAP = r"[\s_,\-]{1,3}"      # between two words: spaces, a hyphen or a comma
_START, _END = r"(?<![^\W_])", r"(?![^\W_])"
_LAST = r"(?![^\W_]|-[^\W_])"  # a pattern's last word is whole: "right" is not "right-handed"
# Where a clause starts: a bare "Kick them out!" is a call, "mobs kick them out" is a report.
_PUNCT = r"""[.!?;:,\n"“”'‘’(«»]"""
_CLAUSE = rf"(?:^|(?<={_PUNCT})|(?<={_PUNCT}\s)|(?<={_PUNCT}\s\s))"
_CLAUSE_END = r"""(?=[\s_]*(?:[.!;:,\n"”’»)]|$))"""
_CLAUSE_STOP = re.compile(r"[.!?;,\n]")
# A question that takes the stereotype as given ("Why do Sunnis always support terrorism?") asserts it.
_LOADED = re.compile(r"\W*(?:but |and |so )?(?:why|how come)\b")
# A question answered with a refusal asks in order to refuse: "Send back the families who fled? No."
_REFUSED = re.compile(r"[\s_]*(?:no|never|of course not|absolutely not|certainly not|no way)(?![^\W_])")
_QUOTE = re.compile(r"""["“”«»„‘’]|(?<![^\W_])'|'(?![^\W_])""")
_WINDOW = 150                # how far back a sentence's framing ("the myth that ...") is looked for


def load_data(name: str) -> dict[str, Any]:
    """One YAML file of moderation/rules/data, e.g. "groups.yaml"."""
    try:
        return yaml.safe_load(files("moderation.rules").joinpath("data", name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"rules/data/{name}", f"cannot read: {exc}") from exc


def units(text: str) -> list[str]:
    """A phrase as regex pieces, one per run of a character: a letter typed more times still
    matches ("liiiars"), apostrophes are optional, a space or hyphen is a gap between words."""
    out = []
    for char, run in groupby(" ".join(text.lower().split())):
        count = len(list(run))
        if char == " ":
            out.append(GAP)
        elif char == "-":
            out.append(r"[\s_\-]{0,3}")
        elif char in "'’":
            out.append("['’]?")
        elif char.isalpha():
            # "xx*" and not "x+": a branch that opens with a literal is skipped fast by the engine.
            out.append(re.escape(char) * count + re.escape(char) + "*")
        else:
            out.append(re.escape(char) * count)
    return out


def either(phrases: Iterable[str]) -> str:
    """One of the phrases, as a trie: a scan tries each letter once, not once per phrase."""
    root: dict = {}
    for text in phrases:
        if not isinstance(text, str) or not text.strip():
            raise ConfigError("rules/data", f"expected a phrase, got {text!r}")
        node = root
        for unit in units(text):
            node = node.setdefault(unit, {})
        node[""] = {}

    def render(node: dict) -> str:
        # Longer phrases first; where one may end ("kick" before "kick out") the empty branch comes last.
        branches = [unit + render(child) for unit, child in sorted(node.items(), reverse=True) if unit]
        branches += [""] if "" in node else []
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return render(root)


def group_slots(groups: list[Mapping[str, Any]], words: Mapping[str, list[str]]) -> dict[str, str]:
    """The regexes of the group slots {people}, {person}, {kin}, {faithful} and {faithful_kin}."""
    # "the Sudanese embassy" is a state and "the Americans' deal" a thing: neither is the target.
    not_state = f"(?!{GAP}{either(words['institutions'])}{_END}|['’])"

    def forms(key: str, kinds: tuple[str, ...]) -> list[str]:
        return [f for g in groups if g["kind"] in kinds for f in g.get(key, ())
                if f not in g.get("everyday", ())]

    def adjectives(kinds: tuple[str, ...]) -> list[str]:
        return [f for g in groups if g["kind"] in kinds for f in g.get("adjective", ())]

    every, faithful = ("religion", "people", "other"), ("religion", "other")
    slots = {}
    for name, kinds in (("people", every), ("faithful", faithful)):
        slots[name] = (f"(?:{either(forms('plural', kinds))}{_END}{not_state}"
                       f"|{either(adjectives(kinds))}{GAP}{either(words['people_nouns'])})")
    slots["person"] = (f"(?:{either(forms('singular', every))}{_END}{not_state}"
                       f"|{either(adjectives(every))}{GAP}{either(words['person_nouns'])})")
    slots["kin"] = either(forms("adjective", every))
    slots["faithful_kin"] = either(forms("adjective", faithful))
    return slots


def compile_patterns(patterns: Iterable[str], slots: Mapping[str, str]) -> str:
    """Patterns of incitement.yaml as one regex (the syntax is described at the top of that file).

    Patterns sharing their first tokens share their regex too ("{people} are ..."): a scan reads
    a group's name once per position, not once per pattern.
    """
    root: dict = {}
    for pattern in patterns:
        node = root
        for token in pattern.split():
            node = node.setdefault(token, {})
        node[""] = {}

    def render(node: dict, bare: bool) -> str:
        # bare: the next word needs no gap before it (the start of a pattern, or after a call marker).
        branches = []
        for token, child in node.items():
            if token:
                piece, after = _token(token, bare, slots)
                branches.append(piece + render(child, after))
        branches += [_LAST] if "" in node else []
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return render(root, True)


def _token(token: str, bare: bool, slots: Mapping[str, str]) -> tuple[str, bool]:
    """The regex of one token, and whether the token after it needs no gap."""
    if token == "!":
        return f"(?:{_CLAUSE}|{slots['urge']}{GAP})", True
    if token == "$":
        return _CLAUSE_END, bare
    if token == "*":
        return ("" if bare else GAP) + r"[^\W\d_]+", False
    if token.startswith("-{"):
        return rf"(?!(?:{GAP}[^\W_]+){{0,2}}{GAP}{_slot(token[2:-1], slots)}{_END})", bare
    optional = token.endswith("?") and len(token) > 1
    word = token[:-1] if optional else token
    body = _slot(word[1:-1], slots) if word.startswith("{") else either(word.split("|"))
    if not optional:
        return ("" if bare else GAP) + body, False
    # Right after a call marker the gap goes after the token, which is then missing as a whole.
    return (f"(?:{body}{GAP})?" if bare else f"(?:{GAP}{body})?"), bare


def _slot(name: str, slots: Mapping[str, str]) -> str:
    try:
        return slots[name]
    except KeyError:
        raise ConfigError("rules/data/incitement.yaml", f"no word class {{{name}}}") from None


class Incitement:
    """Finds a group dehumanised, blamed or stereotyped (identity_hate) and calls to harm it (incitement).

    Patterns are anchored on a group of groups.yaml ("Copts", "Syrian refugees"), so a state, a
    government or an army is never a target. A match is excused when the comment frames it as
    someone else's words or condemns it: "not all ...", "the myth that ...", "'Syrians out' is shameful".
    """

    name = "incitement"

    def __init__(self, *, rule: str, identity_hate_message: str, incitement_message: str,
                 actions: Mapping[str, str]) -> None:
        for code, action in actions.items():
            if code not in CODES or action not in RULE_ACTIONS:
                raise ConfigError(f"rules.incitement.{code}", f"codes are {CODES}, actions {RULE_ACTIONS}")
        self.rule = rule
        self.messages = {"identity_hate": identity_hate_message, "incitement": incitement_message}
        self.actions = {code: actions.get(code, "reject") for code in CODES}
        data, groups = load_data("incitement.yaml"), load_data("groups.yaml")["groups"]
        slots = {name: either(phrases) for name, phrases in data["words"].items()}
        slots.update(group_slots(groups, data["words"]))
        self.patterns = {
            code: re.compile(_START + compile_patterns(data["patterns"][code], slots))
            for code in CODES if self.actions[code] != "ignore"
        }
        # Every pattern names a group, a place of worship, Hitler or a race: a comment naming none
        # of them (most comments) is not scanned further.
        self.anchors = re.compile(_START + either(
            [f for g in groups for key in ("singular", "plural", "adjective") for f in g[key]]
            + data["words"]["temples"] + data["words"]["races"] + ["hitler", "nazis"]))
        guards = {name: either(phrases) for name, phrases in data["guards"].items()}
        # Right before the match ("not all the ..."), anywhere earlier in the sentence, or a lead-in
        # whose subject is not the commenter ("I think ..." is the commenter's own view).
        self.adjacent = re.compile(rf"{_START}{guards['adjacent']}(?:{GAP}(?:of|the|all|these|those))*[\s_,\-]*$")
        self.distancing = re.compile(_START + guards["distancing"] + _END)
        commenter = rf"(?P<self>(?:i|we)(?:{GAP}[a-z]+ly|{GAP}(?:do|still|just|all))?{GAP})?"
        self.lead_in = re.compile(rf"{_START}{commenter}{guards['lead_ins']}{_END}")
        self.endorsing = re.compile(_START + guards["endorsing"] + _END)
        self.endorsing_tag = re.compile(r"[\s_,;:\-–—]*" + guards["endorsing_tags"] + _END)
        self.condemning = re.compile(_START + guards["condemning"] + _END)
        self.reporting = re.compile(_START + guards["reporting"] + _END)
        self.sourced = re.compile(_START + guards["sourced"] + _END)

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        # The skeleton alone: it undoes every disguise, and on the case file the folded view never
        # found what the skeleton missed, while scanning it doubled the time whenever a digit
        # touches a letter ("6th of October").
        skeleton = ctx.views.skeleton
        if not self.anchors.search(skeleton.text):
            return
        for code, pattern in self.patterns.items():
            found = list(self._find(code, pattern, skeleton))
            if found:
                spans = ctx.spans(found)
                yield Verdict(reason=Reason(
                    code=code, policy="incitement", action=self.actions[code], source="rule",
                    message=self.messages[code], rule=self.rule, spans=spans, score=None,
                ))

    def _find(self, code: str, pattern: re.Pattern[str], view: View) -> Iterator[tuple[int, int]]:
        text = view.text
        for match in pattern.finditer(text):
            start, end = match.span()
            if not self._excused(code, text, start, end):
                yield view.to_original(start, end)

    def _excused(self, code: str, text: str, start: int, end: int) -> bool:
        """Whether the comment distances itself from a match: negated, reported, quoted to condemn it."""
        begin = max((m.end() for m in SENTENCE_END.finditer(text, max(0, start - _WINDOW), start)),
                    default=max(0, start - _WINDOW))
        finish = sentence_end(text, end)
        before, sentence = text[begin:start], text[begin:finish]
        clause = _CLAUSE_STOP.search(text, end, end + SENTENCE_REACH)
        question = clause is not None and clause.group() == "?"
        asked = question and not _LOADED.match(before)
        if code == "identity_hate" and (self.adjacent.search(before) or asked):
            return True  # "not all Copts are ...", "some Syrians are ...", "so all Syrians are thieves?"
        if question and _REFUSED.match(text, clause.end()):
            return True
        if self.distancing.search(before) or self.sourced.search(text, end, finish):
            return True
        reported = any(m.group("self") is None for m in self.lead_in.finditer(before))
        if reported and not (self.endorsing.search(text, start, finish) or self.endorsing_tag.match(text, end)):
            return True
        # A quotation: condemned ("chanting 'Syrians out' is shameful") or reported ("'...,' it read").
        if _QUOTE.search(before) and _QUOTE.search(text, start, finish):
            return bool(self.condemning.search(sentence) or self.reporting.search(sentence))
        return False
