"""The Python API: settings, rules and engine put together to decide comments."""

from __future__ import annotations

import json
import logging
import math
import os
import time
from typing import Any, Iterable, Mapping, Sequence

from .classifier.rule import Classifier
from .classifier.serving import ClassifierStatus, classifier_rule
from .decision import CommentContext, Decision, Rule
from .engine import merge, run_rules_many
from .rules import build_rules
from .schema import CommentIn, parse_comment
from .settings import Settings, load_settings

decision_log = logging.getLogger("moderation.decision")

# Comments check_many decides together: enough that each rule's patterns stay in the caches
# across many comments, few enough that a batch's contexts take a few MB at most.
BATCH = 512


class Moderator:
    """Decides comments against the site's published rules.

    >>> moderator = Moderator.from_config()
    >>> moderator.check("A fair and careful report.").decision
    'accept'
    """

    def __init__(self, settings: Settings, rules: Sequence[Rule] | None = None) -> None:
        self.settings = settings
        if rules is None:
            classifier, self.classifier = classifier_rule(settings)
            rules = build_rules(settings, classifier)
        else:
            self.classifier = ClassifierStatus("disabled")
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._thresholds = next((rule.thresholds for rule in self.rules
                                 if isinstance(rule, Classifier)), {})
        self.policy_version = settings.policy_version
        self._failure_message = settings.messages.get(
            "check_failed", "The comment is held for a moderator.")

    def priority(self, decision: Decision | Mapping[str, Any]) -> float:
        """How near a held comment came to rejection: its highest model score as a share of
        that label's reject threshold (0 with no model). The review queue sees high ones first.

        A label that never rejects (defamation, or one whose validation never reached the reject
        precision) is measured against certainty, a score of 1: otherwise the comments only it
        holds, a libel or a threat, would wait behind every mild insult.
        """
        scores = decision.scores if isinstance(decision, Decision) else decision.get("scores") or {}
        shares = [float(scores[label]) / (threshold.reject if threshold.reject < math.inf else 1.0)
                  for label, threshold in self._thresholds.items()
                  if label in scores and threshold.reject > 0]
        return round(max(shares, default=0.0), 6)

    @classmethod
    def from_config(cls, path: str | os.PathLike[str] | None = None) -> "Moderator":
        """Build from config.yaml: the given path, else MODERATION_CONFIG, else ./config.yaml."""
        return cls(load_settings(path))

    def check(self, comment: str | Mapping[str, Any] | CommentIn) -> Decision:
        """Decide one comment: a text, or a mapping with 'text' and optional metadata."""
        return self._decide([comment if isinstance(comment, CommentIn) else parse_comment(comment)])[0]

    def check_many(self, comments: Iterable[str | Mapping[str, Any] | CommentIn]) -> list[Decision]:
        """Decide each comment, in order, as check would. Every comment is checked before any is
        decided, so one invalid comment raises before work is spent on the others. The comments
        are decided BATCH at a time, each rule over the whole batch (engine.run_rules_many)."""
        valid = [c if isinstance(c, CommentIn) else parse_comment(c) for c in comments]
        return [decision for first in range(0, len(valid), BATCH)
                for decision in self._decide(valid[first:first + BATCH])]

    def _decide(self, batch: Sequence[CommentIn]) -> list[Decision]:
        started = time.perf_counter()
        contexts = [CommentContext.build(c.text, c.metadata()) for c in batch]
        found = run_rules_many(self.rules, contexts, self._failure_message)
        decided = [merge(verdicts, self.policy_version, c.comment_id) for verdicts, c in zip(found, batch)]
        # Each comment waited for the whole batch; the log gives its share of the time.
        each = (time.perf_counter() - started) / len(batch)
        for decision in decided:
            self._log(decision, each, batch=len(batch))
        return decided

    def _log(self, decision: Decision, seconds: float, batch: int = 1) -> None:
        # One line per decision; the comment text stays out of the logs.
        if decision_log.isEnabledFor(logging.INFO):
            line = {
                "event": "decision",
                "comment_id": decision.comment_id,
                "decision": decision.decision,
                "codes": decision.codes,
                "scores": dict(decision.scores),
                "model": decision.model.id if decision.model else None,
                "policy_version": decision.policy_version,
                "latency_ms": round(seconds * 1000, 3),
            }
            if batch > 1:
                line["batch"] = batch  # latency_ms is then the batch's time per comment
            decision_log.info(JsonLine(line))


class JsonLine(dict):
    """A log message that is a JSON object: any formatter prints it as JSON text, and the
    service's JSON formatter (serve.JsonFormatter) merges its fields without parsing it back."""

    def __str__(self) -> str:
        return json.dumps(self)
