"""The classifier in decisions: scores always, reasons past thresholds, and failing closed."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from moderation import Moderator, create_app
from moderation.settings import load_settings


def moderator_for(config_path) -> Moderator:
    return Moderator(load_settings(config_path, environ={}))


def test_scores_and_model_id_are_recorded_even_when_nothing_fires(model_config, tiny_model):
    decision = moderator_for(model_config()).check("Thanks for covering the elections in Aswan.")
    assert decision.decision == "accept"
    assert set(decision.scores) == {"abuse", "personal_attack", "identity_hate", "threat", "defamation"}
    assert decision.model.id == "tiny"
    assert decision.model.sha256 == json.loads((tiny_model / "manifest.json").read_text())["sha256"]


def test_model_reasons_use_thresholds_and_point_at_the_words(model_config):
    moderator = moderator_for(model_config(thresholds={"threat": {"reject": 0.5, "review": 0.3}}))
    text = "Mark my words, I will kill you"
    decision = moderator.check(text)
    threat = [r for r in decision.reasons if r.code == "threat" and r.source == "model"]
    assert threat and threat[0].source == "model" and threat[0].policy == "abuse"
    assert threat[0].action == ("reject" if threat[0].score >= 0.5 else "review")
    assert threat[0].spans
    for span in threat[0].spans:
        assert text[span.start:span.end] == span.text


def test_identity_hate_maps_to_the_incitement_policy(model_config):
    moderator = moderator_for(model_config(thresholds={"identity_hate": {"reject": 0.99, "review": 0.05}}))
    decision = moderator.check("they are subhuman parasites")
    [reason] = [r for r in decision.reasons if r.code == "identity_hate" and r.source == "model"]
    assert reason.policy == "incitement"
    assert "racist remarks" in reason.rule


def test_defamation_past_any_threshold_only_holds_the_comment_for_a_moderator(model_config):
    # Whether an accusation is true is for a person to find out: even a score past a reject
    # threshold set on purpose holds the comment rather than rejecting it.
    moderator = moderator_for(model_config(thresholds={"defamation": {"reject": 0.0, "review": 0.0}}))
    text = "The governor pocketed the relief funds and everyone knows it."
    decision = moderator.check(text)
    [reason] = [r for r in decision.reasons if r.code == "defamation" and r.source == "model"]
    assert reason.action == "review" and reason.policy == "abuse" and "libelous" in reason.rule
    assert reason.score == decision.scores["defamation"]
    assert all(text[span.start:span.end] == span.text for span in reason.spans)


@pytest.mark.parametrize("breakage", ["missing", "tampered", "version", "four_labels"])
def test_an_unusable_model_holds_every_comment_and_readyz_says_why(model_config, tiny_model, tmp_path, breakage):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    pin = json.loads((broken / "manifest.json").read_text())["sha256"]
    if breakage == "missing":
        (broken / "model.joblib").unlink()
    elif breakage == "tampered":
        with (broken / "model.joblib").open("ab") as fh:
            fh.write(b"x")
    else:
        manifest = json.loads((broken / "manifest.json").read_text())
        if breakage == "version":
            manifest["versions"]["scikit-learn"] = "0.1"
        else:  # a model of an older version, before the defamation label
            manifest["labels"] = manifest["labels"][:4]
        (broken / "manifest.json").write_text(json.dumps(manifest))
    settings = load_settings(model_config(model_dir=broken, sha256=pin), environ={})
    moderator = Moderator(settings)

    decision = moderator.check("A perfectly polite comment.")
    assert decision.decision == "review"
    assert decision.codes == ["classifier_unavailable"]
    assert moderator.check("fuck off").decision == "reject"  # the rules still reject

    app = create_app(settings)
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["classifier"]["state"] == "unavailable"
        assert body["classifier"]["cause"]
        if breakage == "four_labels":
            assert "retrain" in body["classifier"]["cause"]
    finally:
        app.extensions["moderation"].store.close()


def test_a_scoring_exception_holds_the_comment(model_config, monkeypatch):
    moderator = moderator_for(model_config())
    [classifier] = [r for r in moderator.rules if getattr(r, "name", "") == "classifier"]

    def explode(text):
        raise MemoryError("out of memory while scoring")

    monkeypatch.setattr(classifier.scorer, "score", explode)
    decision = moderator.check("A perfectly polite comment.")
    assert decision.decision == "review"
    assert "classifier_unavailable" in decision.codes


def test_rules_only_mode_has_no_scores(moderator):
    decision = moderator.check("A perfectly polite comment.")
    assert decision.scores == {} and decision.model is None


def test_check_many_decides_like_check(model_config):
    moderator = moderator_for(model_config(thresholds={"threat": {"reject": 0.5, "review": 0.3}}))
    texts = ["Thanks for covering the elections in Aswan.", "Mark my words, I will kill you",
             "you stupid moron", "", "they are subhuman parasites"]
    one_by_one = [moderator.check(t).to_dict() for t in texts]
    assert [d.to_dict() for d in moderator.check_many(texts)] == one_by_one


def test_a_failing_explanation_holds_the_comment(model_config, monkeypatch):
    import moderation.classifier.rule as rule

    moderator = moderator_for(model_config(thresholds={"abuse": {"reject": 0.999, "review": 0.001}}))

    def explode(*args):
        raise FloatingPointError("explanation failed")

    monkeypatch.setattr(rule, "evidence", explode)
    decision = moderator.check("what a stupid idea")
    assert decision.decision == "review" and "check_failed" in decision.codes


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


@pytest.mark.parametrize("recorded, warned", [("0" * 64, True), ("digest", False)])
def test_a_model_trained_with_other_group_names_is_served_with_a_warning(
        recorded, warned, tiny_model, model_config, tmp_path, caplog):
    import shutil

    from moderation.classifier.model_input import REMOVED, names_digest

    copy = tmp_path / "names"
    shutil.copytree(tiny_model, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["input"] = REMOVED
    manifest["input_names_sha256"] = names_digest(REMOVED) if recorded == "digest" else recorded
    (copy / "manifest.json").write_text(json.dumps(manifest))
    settings = load_settings(model_config(model_dir=copy, sha256=manifest["sha256"]), environ={})
    with caplog.at_level("WARNING", logger="moderation.classifier.serving"):
        moderator = Moderator(settings)
    assert moderator.classifier.state == "ready"
    assert ("other group names" in caplog.text) is warned


def test_a_model_trained_on_other_group_names_is_served_with_a_warning(model_config, tiny_model, tmp_path):
    import shutil

    drifted = tmp_path / "drifted"
    shutil.copytree(tiny_model, drifted)
    manifest = json.loads((drifted / "manifest.json").read_text())
    manifest["input_names_sha256"] = "0" * 64  # as if groups.yaml had changed since training
    (drifted / "manifest.json").write_text(json.dumps(manifest))
    settings = load_settings(model_config(model_dir=drifted), environ={})
    assert Moderator(settings).check("Thanks for covering the elections in Aswan.").scores

    app = create_app(settings)
    try:
        client = app.test_client()
        ready = client.get("/readyz")
        assert ready.status_code == 200  # it scores: held comments would gain nothing
        [warning] = ready.get_json()["classifier"]["warnings"]
        assert warning["code"] == "model_input_drift" and "retrain" in warning["message"]
        metrics = client.get("/metrics").get_data(as_text=True)
        assert 'moderation_classifier_warning{code="model_input_drift"} 1.0' in metrics
    finally:
        app.extensions["moderation"].store.close()


def test_a_model_trained_on_the_current_group_names_has_no_warning(model_config):
    settings = load_settings(model_config(), environ={})
    app = create_app(settings)
    try:
        client = app.test_client()
        assert client.get("/readyz").get_json()["classifier"]["warnings"] == []
        assert "moderation_classifier_warning{" not in client.get("/metrics").get_data(as_text=True)
    finally:
        app.extensions["moderation"].store.close()


def test_priority_measures_a_score_against_its_reject_threshold(model_config):
    moderator = moderator_for(model_config(thresholds={"abuse": {"reject": 0.8, "review": 0.4}}))
    decision = {"scores": {"abuse": 0.6, "personal_attack": 0.0, "identity_hate": 0.0,
                           "threat": 0.0, "defamation": 0.0}}
    assert moderator.priority(decision) == pytest.approx(0.75)


def test_a_label_that_never_rejects_still_gives_a_held_comment_its_priority(model_config):
    # Held by defamation alone (no reject threshold, ever) at 0.95: the queue must not rank it
    # behind a comment held for a mild insult.
    moderator = moderator_for(model_config(thresholds={"abuse": {"reject": 0.8, "review": 0.4}}))
    libel = {"scores": {"abuse": 0.05, "personal_attack": 0.0, "identity_hate": 0.0,
                        "threat": 0.0, "defamation": 0.95}}
    insult = {"scores": {"abuse": 0.45, "personal_attack": 0.0, "identity_hate": 0.0,
                         "threat": 0.0, "defamation": 0.0}}
    assert moderator.priority(libel) == pytest.approx(0.95)
    assert moderator.priority(libel) > moderator.priority(insult)
    assert moderator.priority({"scores": {}}) == 0.0
