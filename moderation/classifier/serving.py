"""Putting the configured model to work: load it, or stand in for it so comments are held, not passed."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..decision import ModelRef, Rule
from ..errors import ModelError
from ..settings import Settings
from . import artifacts
from .labels import LABELS
from .model_input import names_digest
from .rule import Classifier, Threshold, Unavailable

log = logging.getLogger(__name__)

INPUT_DRIFT = "model_input_drift"


@dataclass(frozen=True)
class ClassifierStatus:
    """What /readyz reports: disabled (rules only), ready, or unavailable with its cause."""

    state: str
    cause: str | None = None
    model: ModelRef | None = None
    # What an operator should fix though the model scores: {"code": ..., "message": ...}.
    warnings: tuple[dict[str, str], ...] = ()

    def to_dict(self) -> dict:
        return {"state": self.state, "cause": self.cause,
                "model": self.model.to_dict() if self.model else None,
                "warnings": [dict(w) for w in self.warnings]}


def classifier_rule(settings: Settings) -> tuple[Rule | None, ClassifierStatus]:
    """The classifier rule for these settings, and its status. Never raises for a bad model."""
    config = settings.file.classifier
    if not config.enabled:
        return None, ClassifierStatus("disabled")
    message = settings.messages["classifier_unavailable"]
    try:
        artifact = artifacts.load(settings.model_dir, config.sha256)
        thresholds = _thresholds(artifact.manifest, settings)
    except ModelError as exc:
        log.error("classifier unavailable, holding comments for review: %s", exc)
        return Unavailable(str(exc), message), ClassifierStatus("unavailable", cause=str(exc))
    warnings = []
    recorded = artifact.manifest.get("input_names_sha256")
    if recorded is not None and recorded != names_digest(artifact.input):
        # The model still scores, so it is served; but what it reads has drifted from what it
        # learned from, and its decisions with it: /readyz and /metrics say so until retrained.
        warnings.append({"code": INPUT_DRIFT, "message": (
            "the model was trained with other group names than groups.yaml lists, so it reads "
            "comments differently from its training; retrain it (moderation train)")})
        log.warning("model %s: %s", artifact.id, warnings[-1]["message"])
    rule = Classifier(artifact, thresholds, settings.messages,
                      {pid: p.text for pid, p in settings.policies.items()})
    return rule, ClassifierStatus("ready", model=rule.ref, warnings=tuple(warnings))


def _thresholds(manifest: dict, settings: Settings) -> dict[str, Threshold]:
    recommended = manifest.get("thresholds", {})
    overrides = settings.file.classifier.thresholds
    chosen = {}
    for label in LABELS:
        if label in overrides:
            chosen[label] = Threshold(overrides[label].reject, overrides[label].review)
        elif label in recommended:
            chosen[label] = _recommended(recommended[label])
        else:
            raise ModelError(f"no threshold for {label!r} in the manifest or classifier.thresholds")
    return chosen


def _recommended(found: Mapping[str, Any]) -> Threshold:
    """A level the model never reached on validation is never applied, even to a score of 1.0."""
    reject = float(found["reject"]) if found.get("reject_reached", True) else math.inf
    review = float(found["review"]) if found.get("review_precision") is not None else reject
    return Threshold(reject=reject, review=min(review, reject))
