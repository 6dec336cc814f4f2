"""The classifier rule holds a comment whose scores are not finite numbers."""

from __future__ import annotations

import dataclasses

import numpy as np

from moderation import Moderator
from moderation.settings import load_settings


def test_a_non_finite_score_holds_the_comment(model_config, monkeypatch):
    moderator = Moderator(load_settings(model_config(), environ={}))
    [classifier] = [r for r in moderator.rules if getattr(r, "name", "") == "classifier"]
    score = classifier.scorer.score

    def nan_scores(text):
        scored = score(text)
        return dataclasses.replace(scored, probabilities=np.full_like(scored.probabilities, np.nan))

    monkeypatch.setattr(classifier.scorer, "score", nan_scores)
    decision = moderator.check("A perfectly polite comment.")
    assert decision.decision == "review"
    assert "classifier_unavailable" in decision.codes
