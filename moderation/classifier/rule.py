"""The classifier as a rule: scores every comment, and gives reasons past the thresholds."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Iterator, Mapping

from ..decision import CommentContext, ModelRef, Reason, Verdict
from .artifacts import Artifact
from .explain import DEFAULT_SHARE, evidence
from .labels import LABELS, REVIEW_ONLY
from .scorer import Scorer

log = logging.getLogger(__name__)

# Which published policy each label enforces, and the reason code it gives.
LABEL_REASONS: Mapping[str, tuple[str, str]] = {
    "abuse": ("abusive_language", "abuse"),
    "personal_attack": ("personal_attack", "abuse"),
    "identity_hate": ("identity_hate", "incitement"),
    "threat": ("threat", "abuse"),
    "defamation": ("defamation", "abuse"),
}


@dataclass(frozen=True)
class Threshold:
    reject: float
    review: float


class Classifier:
    """Scores the skeleton view of a comment; reasons for labels at or over their thresholds."""

    name = "classifier"

    def __init__(self, artifact: Artifact, thresholds: Mapping[str, Threshold],
                 messages: Mapping[str, str], policies: Mapping[str, str]) -> None:
        self.model = artifact.pipeline.named_steps["classify"]
        self.scorer = Scorer(artifact.pipeline.named_steps["features"], self.model, artifact.input)
        self.ref = ModelRef(id=artifact.id, sha256=artifact.sha256)
        self.thresholds = thresholds
        self.messages = messages
        self.policies = policies
        self.share = float(artifact.manifest.get("explain_share", DEFAULT_SHARE))

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        text = ctx.views.skeleton.text
        try:
            scored = self.scorer.score(text)
            # Four numbers: Python floats are cheaper to check and round than numpy scalars.
            probabilities = scored.probabilities.tolist()
            if not all(map(math.isfinite, probabilities)):
                raise ValueError("non-finite scores")
        except Exception:
            # Fail closed: a comment the model could not score is held, never let through.
            log.exception("classifier %s could not score a comment", self.ref.id)
            yield unavailable(self.messages["classifier_unavailable"])
            return
        scores = {label: round(p, 4) for label, p in zip(LABELS, probabilities)}
        yield Verdict(scores=scores, model=self.ref)
        for k, label in enumerate(LABELS):
            limit = self.thresholds[label]
            score = probabilities[k]
            if score < limit.review:
                continue
            code, policy = LABEL_REASONS[label]
            rejects = score >= limit.reject and label not in REVIEW_ONLY
            ranges = evidence(scored, self.model.coef_[:, k], self.share)
            spans = tuple(ctx.span(*ctx.views.skeleton.to_original(s, e)) for s, e in ranges)
            yield Verdict(reason=Reason(
                code=code, policy=policy, action="reject" if rejects else "review",
                source="model", message=self.messages[code], rule=self.policies[policy],
                spans=spans, score=round(score, 4),
            ))


def unavailable(message: str) -> Verdict:
    return Verdict(reason=Reason(code="classifier_unavailable", policy="service", action="review",
                                 source="model", message=message))


class Unavailable:
    """Stands in for a classifier that is configured but cannot be loaded: holds every comment for review."""

    name = "classifier"

    def __init__(self, cause: str, message: str) -> None:
        self.cause = cause
        self.message = message

    def __call__(self, ctx: CommentContext) -> Iterator[Verdict]:
        yield unavailable(self.message)
