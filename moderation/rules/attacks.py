"""The attacks rule: insults aimed at another reader, a named person or the site's writers."""

from __future__ import annotations

from typing import Iterator, Mapping

from ..decision import CommentContext, Reason, Verdict
from ..errors import ConfigError
from .attack_grammar import Grammar, load_grammar
from .attack_line import Line
from .attack_targets import PERSON, READER, WRITER, aim
from .wordlists import mark_stretched  # read stretched letters ("stuuupid") as the word lists do

POLICY = {"personal_attack": "abuse", "attack_on_writer": "writers"}
RULE_ACTIONS = ("reject", "review", "ignore")


class Attacks:
    """Finds insults aimed at another reader, a named person or the site's writers.

    An insult word alone proves nothing ("a stupid policy", "this article is garbage"): it counts
    only when the words around it name a target: "you are a clown", "the author is an ignorant
    hack", "Sisi is a liar", "you donkey", "this clown", "idiots like you", "that hack of a writer".
    Attacks on the writer get `attack_on_writer` (policy `writers`), all others `personal_attack`
    (policy `abuse`): at most one verdict per code, its message naming the targets found, its spans
    the insult words as the commenter wrote them. In a comment about a film, a play or a novel a
    name may be a character's ("Mr. Bean is a fool, and the film ..."): an insult of someone named
    there is held for review instead of rejected; one aimed at a reader or a writer is not.
    """

    name = "attacks"

    def __init__(self, *, abuse_rule: str, writers_rule: str, personal_attack_message: str,
                 attack_on_writer_message: str, actions: Mapping[str, str] | None = None,
                 grammar: Grammar | None = None) -> None:
        self.actions = {"personal_attack": "reject", "attack_on_writer": "reject", **(actions or {})}
        for code, action in self.actions.items():
            if code not in POLICY or action not in RULE_ACTIONS:
                raise ConfigError(f"rules.attacks.{code}", f"must be one of {RULE_ACTIONS} for a known code")
        self.rules = {"personal_attack": abuse_rule, "attack_on_writer": writers_rule}
        # Messages may name the target: "Personal attacks on {target} are not published."
        self.messages = {"personal_attack": personal_attack_message, "attack_on_writer": attack_on_writer_message}
        self.grammar = grammar or load_grammar()

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        g = self.grammar
        skeleton = ctx.views.skeleton
        marked = mark_stretched(skeleton)  # same offsets as the skeleton
        hits = [(m.start(), m.end(), g.item_class[m.lastindex or 0]) for m in g.items.finditer(marked)]
        # Spelled-out letters may glue an article to the insult ("a d o n k e y" -> "adonkey").
        glue = ctx.views.spaced and g.glued_hint.search(marked) is not None
        if not hits and not glue:
            return  # the common case: no insult word at all
        found = aim(Line(g, ctx.text, skeleton, marked, hits, glue))
        for code in POLICY:
            targets = {target for target, _ in found if (target == WRITER) == (code == "attack_on_writer")}
            if not targets or self.actions[code] == "ignore":
                continue
            action = self.actions[code]
            if action == "reject" and targets == {PERSON} and g.fiction_cues.search(marked):
                action = "review"  # the one named may be a character: a moderator can tell
            spans = sorted({skeleton.to_original(s, e) for target, (s, e) in found if target in targets})
            label = " and ".join(g.labels[t] for t in (READER, PERSON, WRITER) if t in targets)
            yield Verdict(reason=Reason(
                code=code, policy=POLICY[code], action=action, source="rule",
                message=self.messages[code].format(target=label), rule=self.rules[code],
                spans=tuple(ctx.span(s, e) for s, e in spans), score=None))
