"""The engine: runs every rule on a comment and merges their verdicts into one Decision."""

from __future__ import annotations

import logging
from typing import Iterable, Sequence

from .decision import SEVERITY, CommentContext, Decision, ModelRef, Reason, Rule, Suggestion, Verdict

log = logging.getLogger(__name__)

# A rule that crashes must not let a comment through unchecked: it holds the comment.
CHECK_FAILED = "check_failed"


def rule_name(rule: Rule) -> str:
    return getattr(rule, "name", None) or getattr(rule, "__name__", None) or type(rule).__name__


def run_rules(rules: Sequence[Rule], ctx: CommentContext, failure_message: str) -> list[Verdict]:
    """Every rule runs, whatever the others found, so every reason reaches the commenter."""
    return run_rules_many(rules, (ctx,), failure_message)[0]


def run_rules_many(rules: Sequence[Rule], contexts: Sequence[CommentContext],
                   failure_message: str) -> list[list[Verdict]]:
    """run_rules for each comment, one rule at a time over all the comments: a rule's patterns
    and tables then stay in the processor's caches, and a batch is decided a fifth to a third
    faster than comment by comment (benchmarks/results/speed.md). Each comment gets its
    verdicts in the order of the rules."""
    found: list[list[Verdict]] = [[] for _ in contexts]
    for rule in rules:
        for verdicts, ctx in zip(found, contexts):
            try:
                verdicts.extend(rule(ctx))
            except Exception:
                log.exception("rule %s failed; holding the comment for review", rule_name(rule))
                verdicts.append(Verdict(reason=Reason(
                    code=CHECK_FAILED, policy="service", action="review",
                    source=rule_name(rule), message=failure_message,
                )))
    return found


def merge(verdicts: Iterable[Verdict], policy_version: str, comment_id: str | None = None) -> Decision:
    """The most severe action wins; every reason, score and suggestion is kept; suggestions never decide."""
    reasons: list[Reason] = []
    scores: dict[str, float] = {}
    model: ModelRef | None = None
    suggestions: list[Suggestion] = []
    for verdict in verdicts:
        if verdict.reason is not None:
            reasons.append(verdict.reason)
        scores.update(verdict.scores)
        model = verdict.model or model
        suggestions.extend(verdict.suggestions)
    action = max((r.action for r in reasons), key=SEVERITY.__getitem__, default="accept")
    # Most severe first, stable within an action, so the first reason is the one that decided.
    reasons.sort(key=lambda r: -SEVERITY[r.action])
    return Decision(
        decision=action, reasons=tuple(reasons), scores=scores, model=model,
        policy_version=policy_version, comment_id=comment_id,
        suggestions=tuple(sorted(suggestions, key=lambda s: s.start)),
    )
