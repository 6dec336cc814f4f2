"""The model shipped in models/ and pinned in config.yaml: it loads, scores, and explains."""

from __future__ import annotations

import json

import pytest

from moderation import Moderator, create_app
from moderation.classifier.dataset import load_spec
from moderation.classifier.labels import LABELS
from moderation.classifier.model_input import names_digest
from moderation.settings import load_settings

from .conftest import CONFIG


@pytest.fixture(scope="module")
def shipped() -> Moderator:
    return Moderator.from_config(CONFIG)


def test_the_pinned_model_loads_and_matches_its_manifest(shipped):
    settings = load_settings(CONFIG, environ={})
    manifest = json.loads((settings.model_dir / "manifest.json").read_text())
    assert shipped.classifier.state == "ready"
    assert shipped.classifier.model.sha256 == manifest["sha256"] == settings.file.classifier.sha256
    assert manifest["spec"]["sources"], "the manifest records the training spec it came from"


def test_the_pinned_model_was_trained_from_the_committed_spec():
    """A spec edited without retraining (a parameter, a source, a weight) would describe a model
    nobody trained: `moderation train` from the committed spec must give the pinned model."""
    settings = load_settings(CONFIG, environ={})
    manifest = json.loads((settings.model_dir / "manifest.json").read_text())
    _, committed = load_spec(CONFIG.parent / "training" / "spec.yaml")
    assert manifest["spec"] == committed


def test_the_pinned_model_read_the_group_names_serving_rewrites():
    """groups.yaml edited after training would give the model other words than it learned from."""
    settings = load_settings(CONFIG, environ={})
    manifest = json.loads((settings.model_dir / "manifest.json").read_text())
    assert manifest["input_names_sha256"] == names_digest(manifest["input"])


def test_every_decision_carries_the_five_scores_and_the_model(shipped):
    decision = shipped.check("Thanks for the careful report on the water talks.")
    assert decision.decision == "accept"
    assert set(decision.scores) == {"abuse", "personal_attack", "identity_hate", "threat", "defamation"}
    assert decision.model.id == shipped.classifier.model.id


@pytest.mark.parametrize("text", [
    "The minister's plan will hurt families in Upper Egypt, and the report ignores the budget.",
    "I disagree with the government: inflation figures look wrong to me.",
    "The writer confused GDP with GDP per capita.",
    "A shameful decision by the council.",
    # Verdicts and criticism of the people a libel accuses, and the words of an accusation
    # without one: a defamation label that learned the words held these.
    "The court sentenced the former governor to five years for taking bribes.",
    "The governor of Qena has done a poor job with the roads, I hope he is replaced.",
    "If the audit finds the funds were misused, the minister must resign.",
    "My neighbour sold his car to a dealer in Heliopolis last week.",
    "The police say thieves stole three cars from the parking lot of the mall.",
    "Prosecutors accuse the former governor of taking bribes; he denies the charges.",
])
def test_plain_criticism_is_published(shipped, text):
    assert shipped.check(text).decision == "accept"


@pytest.mark.parametrize("text", ["You are an idiot and a liar.", "Go to hell you stupid pig"])
def test_insults_get_model_reasons_with_spans_in_the_original(shipped, text):
    decision = shipped.check(text)
    model_reasons = [r for r in decision.reasons if r.source == "model"]
    assert decision.decision == "reject"
    assert model_reasons and all(r.score is not None for r in model_reasons)
    for reason in model_reasons:
        assert reason.spans
        for span in reason.spans:
            assert text[span.start:span.end] == span.text


@pytest.mark.parametrize("text", [
    "Funny how the governor of Qena bought two villas in New Cairo on a civil servant salary. "
    "We all know where the reconstruction money went.",
    "The chairman of the port authority has been selling customs exemptions to his friends for years, "
    "ask any importer in Alexandria.",
])
def test_an_accusation_the_rules_miss_is_held_by_the_model_and_never_rejected(shipped, text):
    decision = shipped.check(text)
    assert decision.decision == "review"
    [reason] = [r for r in decision.reasons if r.code == "defamation"]
    assert reason.source == "model" and reason.action == "review" and reason.spans
    for span in reason.spans:
        assert text[span.start:span.end] == span.text


def test_readyz_reports_the_model_ready(tmp_path):
    settings = load_settings(CONFIG, environ={"MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    app = create_app(settings)
    try:
        body = app.test_client().get("/readyz").get_json()
        assert body["status"] == "ready"
        assert body["classifier"]["state"] == "ready"
        assert body["classifier"]["model"]["id"] == settings.model_dir.name
    finally:
        app.extensions["moderation"].store.close()


def test_serving_scores_what_training_and_evaluation_score(shipped):
    """The served scorer and `moderation evaluate` (the batch pipeline on model_text) agree,
    group names included: the model reads whatever input its manifest names, both ways."""
    from moderation.classifier import artifacts
    from moderation.classifier.evaluate import score

    settings = load_settings(CONFIG, environ={})
    artifact = artifacts.load(settings.model_dir, settings.file.classifier.sha256)
    texts = ["My Moslem neighbours are lovely", "The asylum-seekers' camp, black people and a black car",
             "You are a f*cking 1d10t", "Deport the Sudanese, they are vermin", "Muslims!", "",
             "The governor pocketed the relief funds, everyone in Giza knows it"]
    batch = score(artifact, texts)
    for text, row in zip(texts, batch):
        served = shipped.check(text).scores
        assert [served[label] for label in LABELS] == \
            pytest.approx(row.tolist(), abs=1e-4), text


def test_the_model_never_points_at_a_group_name(shipped):
    decision = shipped.check("Deport the Copts and the Sudanese, they are vermin and dogs")
    marked = {s.text.lower() for r in decision.reasons if r.source == "model" for s in r.spans}
    assert marked and not marked & {"copts", "sudanese"}


def test_the_held_out_site_comments_stay_where_the_served_model_put_them(shipped):
    """A floor under the retraining loop: the held-out sets of comments written from the site's
    rules (never trained on, and their misses not read but for two libel comments a rule check
    printed, benchmarks/README.md; benchmarks/site_comments.py) must not get worse than
    comments-v26 left them by more than a few comments. Only the totals are checked, so a
    failure does not show which comments moved."""
    from .conftest import ROOT

    def decided(name: str) -> list[tuple[str, str]]:
        path = ROOT / "benchmarks" / "cases" / name
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [(row["expected"], shipped.check(row["text"]).decision) for row in rows]

    mixed = [pair for n in ("", "2", "3", "4") for pair in decided(f"site_comments_heldout{n}.jsonl")]
    violations = [decision for expected, decision in mixed if expected == "block"]
    publishable = [decision for expected, decision in mixed if expected == "publish"]
    assert len(violations) == len(publishable) == 320
    # comments-v26 and the rules beside it: 33 violations published, 5 publishable comments held,
    # none rejected (comments-v25: 37 and 6; comments-v23: 44 and 6; comments-v21: 54 and 5;
    # comments-v18, without the defamation label: 59 and 7).
    assert violations.count("accept") <= 38
    assert publishable.count("review") <= 9
    assert publishable.count("reject") == 0
    # The fifth set: 240 publishable comments that name or address people. comments-v26 held 12
    # (comments-v25 15, comments-v23 11, comments-v21 13, comments-v18 18; the model before it,
    # trained without their other half, 50) and rejected none.
    names = [decision for expected, decision in decided("site_comments_heldout5.jsonl") if expected == "publish"]
    assert len(names) == 240
    assert names.count("review") <= 16
    assert names.count("reject") == 0
