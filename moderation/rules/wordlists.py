"""The word-list rule: finds listed terms in a comment, however they are disguised."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from importlib.resources import files
from typing import Iterable, Iterator, Mapping

from ..decision import SEVERITY, CommentContext, Reason, Verdict
from ..errors import ConfigError
from ..text import View
from .wordlist_patterns import (MASKED_WORD, STRETCHED, TRAILING_MASK, Form, MaskedMatcher, compile_split,
                                expand, mask_window)

SEVERITIES: tuple[str, ...] = ("severe", "mild")
RULE_ACTIONS: tuple[str, ...] = ("reject", "review", "ignore")
_DOUBLE = re.compile(r"([^\W\d_])\1")
# "Mr. S*** told the court": after a title, a word masked to its end is a name kept private;
# unless a name could not be followed by what follows it ("Mr. F*** you", "Dr. S*** off").
_TITLE_BEFORE = re.compile(r"(?<![^\W_])(?:mr|mrs|ms|miss|dr|prof|sir|madam|sheikh)\.? +\Z")
_NOT_A_NAME_AFTER = re.compile(r" *(?:you|u|ya|off|yourself|yourselves)(?![^\W_])")
# "The word 'abeed' is racist": a word quoted in a sentence that condemns it is mentioned, not
# used; a moderator reads it instead of the comment being rejected on the word alone.
_QUOTES = frozenset("\"'“”‘’«»")
_CONDEMNED = re.compile(r"(?<![^\W_])(?:racist|racism|slur|slurs|insult|insulting|offensive|derogatory|"
                        r"hateful|hate speech|bigoted|bigotry|shameful|disgraceful|should never|must never|"
                        r"stop saying|stop using|stop calling|never say|never use|do not say|don't say)"
                        r"(?![^\W_])", re.IGNORECASE)
_MENTION_REACH = 200


@dataclass(frozen=True)
class Term:
    """One line of a word list: a term in the syntax of wordlist_patterns, and how bad it is."""

    term: str
    severity: str


def load_terms(name: str) -> tuple[Term, ...]:
    """The terms of moderation/wordlists/<name>.tsv (term TAB severity; '#' starts a comment line)."""
    where = f"wordlists/{name}.tsv"
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ConfigError("wordlist", f"no word list called {name!r}")
    try:
        lines = files("moderation").joinpath("wordlists", f"{name}.tsv").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("wordlist", f"cannot read {where}: {exc}") from exc
    terms = []
    for number, line in enumerate(lines.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        term, tab, severity = line.partition("\t")
        if not tab or not term.strip() or severity.strip() not in SEVERITIES:
            raise ConfigError(f"{where}:{number}", f"expected 'term<TAB>severe|mild', got {line!r}")
        terms.append(Term(term.strip(), severity.strip()))
    return tuple(terms)


class WordList:
    """Finds listed terms in a comment, however they are disguised.

    Terms match whole words of the views, so "Scunthorpe" and "assassin" stay clean. Inflections
    are declared in the term ("idiot{,s,ic}"), never guessed. All terms compile into one regex,
    run over the skeleton and, where it differs, over the folded view; masked words ("f*ck") are
    compared with every spelling. At most one verdict: the most severe action found, all spans.
    """

    def __init__(self, *, code: str, policy: str, rule: str, message: str,
                 terms: Iterable[Term], actions: Mapping[str, str]) -> None:
        for severity, action in actions.items():
            if action not in RULE_ACTIONS:
                raise ConfigError(f"{rule}.actions.{severity}", f"must be one of {RULE_ACTIONS}")
        self.code, self.policy, self.rule, self.message = code, policy, rule, message
        best: dict[Form, str] = {}
        for term in terms:
            if term.severity not in actions:
                raise ConfigError(f"{rule}.actions", f"no action for severity {term.severity!r}")
            action = actions[term.severity]
            if action == "ignore":
                continue  # ignored severities are not even searched for, so they cannot mark spans
            for form in expand(term.term):
                if form not in best or SEVERITY[action] > SEVERITY[best[form]]:
                    best[form] = action
        # Groups in order of severity, so the lowest group index found is the action to take.
        self._actions = sorted(set(best.values()), key=SEVERITY.__getitem__, reverse=True)
        groups = [[form for form, action in best.items() if action == wanted] for wanted in self._actions]
        self._pattern, self._without_inside, self._inside, self._capture_group = compile_split(groups)
        self._masked = MaskedMatcher(groups)

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        if self._pattern is None:
            return
        found: list[tuple[int, int]] = []
        worst = len(self._actions)
        folded, skeleton = ctx.views.views()
        marked = mark_stretched(skeleton)  # same length as the skeleton: same offsets
        # The skeleton undoes disguises; the folded view catches what those steps might have bent.
        scans = [(marked, skeleton)] + ([(folded.text, folded)] if folded.text != marked else [])
        for text, view in scans:
            # Without one of the '*stem*' stems in the text, the regex without them finds the same.
            pattern = self._pattern if self._inside is None or self._inside.search(text) else self._without_inside
            for match in pattern.finditer(text) if pattern is not None else ():
                found.append(view.to_original(*match.span()))
                worst = min(worst, self._capture_group[match.lastindex or 0])
        window = mask_window(marked)
        for match in MASKED_WORD.finditer(marked, *window) if window else ():
            group = self._masked.group_of(match.group())
            if group is not None:
                found.append(skeleton.to_original(*match.span()))
                worst = min(worst, group)
        action = self._actions[worst] if worst < len(self._actions) else None
        # "F*** this": the mask hides which word it is, so a moderator reads it; never a
        # rejection on a guess.
        for match in TRAILING_MASK.finditer(marked, *window) if window else ():
            if self._masked.hides_a_term(match.group()) and (
                    not _TITLE_BEFORE.search(marked, max(0, match.start() - 10), match.start())
                    or _NOT_A_NAME_AFTER.match(marked, match.end())):
                found.append(skeleton.to_original(*match.span()))
                if action is None or SEVERITY[action] < SEVERITY["review"]:
                    action = "review"
        if action is None:
            return
        if action == "reject" and all(_mentioned(ctx.text, start, end) for start, end in found):
            action = "review"
        spans = list(ctx.spans(found))
        yield Verdict(reason=Reason(code=self.code, policy=self.policy, action=action,
                                    source="wordlist", message=self.message, rule=self.rule,
                                    spans=tuple(spans), score=None))


# Per thread, the last skeleton marked and its marked text: both word lists and the attacks rule
# read the same comment's one after the other, in the thread deciding it. A view is immutable,
# so the same object gives the same text.
_last_marked = threading.local()


def mark_stretched(skeleton: View) -> str:
    """The skeleton text with the second letter of each squeezed run marked: "fuuuuck" -> "fu<NUL>ck".

    The skeleton keeps two letters of a stretched run, the second covering the rest of the run,
    so a doubled letter whose second half covers several original characters was stretched, and
    the run may stand for one letter of a term or two. A plain double ("assess") stays as it is.
    """
    last = getattr(_last_marked, "pair", None)
    if last is not None and last[0] is skeleton:
        return last[1]
    marked = _mark_stretched(skeleton)
    _last_marked.pair = (skeleton, marked)
    return marked


def _mark_stretched(skeleton: View) -> str:
    text, starts, ends = skeleton.text, skeleton.starts, skeleton.ends
    if STRETCHED in text:
        text = text.replace(STRETCHED, " ")  # a NUL the commenter sent is not a marker
    if sum(ends) - sum(starts) == len(text):
        return text  # no character covers more than one original: nothing was squeezed
    marked = [m.end() - 1 for m in _DOUBLE.finditer(text) if ends[m.end() - 1] - starts[m.end() - 1] > 1]
    if not marked:
        return text
    chars = list(text)
    for i in marked:
        chars[i] = STRETCHED
    return "".join(chars)


def _mentioned(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands in quotation marks in a passage that condemns it."""
    # Bounded slices: a comment of many quoted words must not copy its whole text for each.
    before, after = text[max(0, start - 20):start].rstrip()[-1:], text[end:end + 20].lstrip()[:1]
    if before not in _QUOTES or after not in _QUOTES:
        return False
    return _CONDEMNED.search(text, max(0, start - _MENTION_REACH), end + _MENTION_REACH) is not None
