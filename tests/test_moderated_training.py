"""Moderators' decisions as training data: the label table, training on an export, comparing models on one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from moderation.classifier.compare import excerpt, outcome
from moderation.classifier.labels import LABELS
from moderation.classifier.moderated import export_row, labels_for, load_export, read_export
from moderation.classifier.rule import Threshold
from moderation.classifier.train import train
from moderation.cli import main
from moderation.errors import InputError

from .conftest import FIXTURE_SPEC

UNKNOWN = dict.fromkeys(LABELS)


# -- the label table -------------------------------------------------------------


@pytest.mark.parametrize("decision, reason, expected", [
    ("accept", "personal_attack", dict.fromkeys(LABELS, 0)),
    ("accept", "defamation", dict.fromkeys(LABELS, 0)),
    ("reject", "personal_attack", {**UNKNOWN, "abuse": 1, "personal_attack": 1}),
    ("reject", "attack_on_writer", {**UNKNOWN, "abuse": 1, "personal_attack": 1}),
    ("reject", "abusive_language", {**UNKNOWN, "abuse": 1}),
    ("reject", "threat", {**UNKNOWN, "abuse": 1, "threat": 1}),
    ("reject", "identity_hate", {**UNKNOWN, "identity_hate": 1}),
    ("reject", "incitement", {**UNKNOWN, "identity_hate": 1}),
    ("reject", "defamation", {**UNKNOWN, "defamation": 1}),
    ("reject", "too_long", UNKNOWN),
    ("reject", "unsupported_language", UNKNOWN),
    ("reject", "classifier_unavailable", UNKNOWN),
])
def test_labels_follow_the_final_decision_and_its_reason(decision, reason, expected):
    assert labels_for(decision, reason) == expected


def test_labels_refuse_a_decision_that_is_not_final():
    with pytest.raises(ValueError):
        labels_for("review", "threat")


def test_export_row_takes_the_moderators_decision_and_the_automatic_one():
    item = {"comment_id": "c1", "text": "you fool", "article_id": "a1", "author_id": "u1", "latest": True,
            "automatic": {"decision": "review", "model": {"id": "served", "sha256": "ab" * 32}},
            "moderation": {"decision": "reject", "reason": "personal_attack", "note": "n", "moderator": "mona",
                           "decided_at": "2026-11-26T10:00:00.000000Z"}}
    assert export_row(item) == {
        "comment_id": "c1", "article_id": "a1", "text": "you fool", "decision": "reject",
        "reason": "personal_attack", "labels": {**UNKNOWN, "abuse": 1, "personal_attack": 1},
        "moderator": "mona", "decided_at": "2026-11-26T10:00:00.000000Z",
        "automatic_decision": "review", "model_id": "served",
    }


# -- a small export ----------------------------------------------------------------

TOPICS = ["budget", "metro line", "museum opening", "cotton exports", "local elections", "football league",
          "water talks", "heat wave"]
NAMES = ["Ahmed", "Sara", "Omar", "Laila"]


def decisions() -> list[tuple[str, str, str]]:
    """(text, final decision, reason): 16 accepted, 20 rejected for a classifier reason (4 of them
    defamation), 4 for a reason the labels do not stand for (too long)."""
    rows = [(f"The {topic} coverage was {adj}.", "accept", "personal_attack")
            for topic in TOPICS for adj in ("useful", "thorough")]
    rows += [(f"{name}, you are a {insult}", "reject", "personal_attack")
             for name in NAMES for insult in ("fool", "brainless moron")]
    rows += [(f"I will hurt you, {name}", "reject", "threat") for name in NAMES]
    rows += [(f"Those {group} are vermin\nand must go", "reject", "identity_hate")
             for group in ("migrants", "refugees", "foreigners", "settlers")]
    rows += [(f"Governor {name} took bribes", "reject", "defamation") for name in NAMES]
    rows += [(f"{name} writes: " + "and so on " * 110, "reject", "too_long") for name in NAMES]
    return rows


def write_export(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, (text, decision, reason) in enumerate(decisions()):
            fh.write(json.dumps({"comment_id": f"m{i}", "article_id": "a1", "text": text, "decision": decision,
                                 "reason": reason, "labels": labels_for(decision, reason), "moderator": "mona",
                                 "decided_at": "2026-11-26T10:00:00.000000Z", "automatic_decision": "review",
                                 "model_id": "tiny"}) + "\n")
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    return write_export(tmp_path_factory.mktemp("export") / "decisions.jsonl")


@pytest.fixture(scope="module")
def candidate(tmp_path_factory, export) -> Path:
    """The tiny fixture model retrained with the moderators' decisions."""
    from moderation.classifier.dataset import ExportSpec

    out = tmp_path_factory.mktemp("candidate")
    manifest = train(FIXTURE_SPEC, FIXTURE_SPEC.parent, out, model_id="candidate",
                     extra_exports=[ExportSpec(path=str(export))])
    return out / manifest["id"]


def test_load_export_keeps_the_rows_with_a_known_label(export):
    examples = list(load_export(export))
    assert len(examples) == 36  # the 4 rejections for length say nothing about the labels
    assert {e.source for e in examples} == {"moderators"}
    assert {e.split for e in examples} == {"train"}  # assign_splits carves validation and test by the seed
    first = examples[0]
    assert first.text == "The budget coverage was useful." and dict(first.labels) == dict.fromkeys(LABELS, 0)


@pytest.mark.parametrize("line, problem", [
    ('{"text": "x", "decision": "reject", "reason": "threat"}', "no field 'labels'"),
    ('{"text": "x", "decision": "review", "reason": "threat", "labels": {}}', "accept or reject"),
    ('{"text": "x", "decision": "reject", "reason": "threat", "labels": {"threat": 2}}', "1, 0 or null"),
    ('{"text": "x", "decision": "reject", "reason": "threat", "labels": {"rudeness": 1}}', "1, 0 or null"),
    ('["not", "an", "object"]', "not a JSON object"),
    ('{"text": ', "line 1"),
])
def test_read_export_names_the_line_of_a_bad_row(tmp_path, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1") as caught:
        list(read_export(path))
    assert problem in str(caught.value)


def test_read_export_of_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        list(read_export(tmp_path / "none.jsonl"))


# -- training --------------------------------------------------------------------


def test_train_with_moderator_export_records_the_source_and_its_rows(runner, export, tmp_path):
    out = tmp_path / "models"
    result = runner.invoke(main, ["train", "--spec", str(FIXTURE_SPEC), "--data-root", str(FIXTURE_SPEC.parent),
                                  "--out", str(out), "--id", "retrained", "--moderator-export", str(export),
                                  "--moderator-weight", "2"])
    assert result.exit_code == 0, result.output
    assert "loaded decisions.jsonl as moderators: 36 rows" in result.stderr
    manifest = json.loads((out / "retrained" / "manifest.json").read_text(encoding="utf-8"))
    [recorded] = manifest["moderator_exports"]
    assert recorded["name"] == "moderators" and recorded["rows"] == 36 and recorded["weight"] == 2.0
    assert recorded["path"] == str(export.resolve()) and len(recorded["sha256"]) == 64
    assert json.loads(result.stdout)["moderator_exports"] == manifest["moderator_exports"]
    splits = manifest["sources"]["moderators"]
    assert sum(splits.values()) == 36 and splits["train"] > splits.get("test", 0)
    assert set(manifest["sources"]) == {"fixture", "moderators"}
    assert "| moderators |" in (out / "retrained" / "report.md").read_text(encoding="utf-8")


def test_a_spec_lists_exports_relative_to_itself(tmp_path):
    spec = yaml.safe_load(FIXTURE_SPEC.read_text(encoding="utf-8"))
    spec["files"][0]["path"] = str(FIXTURE_SPEC.parent / spec["files"][0]["path"])
    spec["moderator_exports"] = [{"path": "exports/decisions.jsonl", "name": "newsroom", "weight": 2}]
    (tmp_path / "exports").mkdir()
    write_export(tmp_path / "exports" / "decisions.jsonl")
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    manifest = train(path, tmp_path, tmp_path / "models", model_id="from-spec")
    assert sum(manifest["sources"]["newsroom"].values()) == 36
    assert manifest["moderator_exports"][0]["path"] == str(tmp_path / "exports" / "decisions.jsonl")


def test_an_export_may_not_take_a_corpus_name(runner, export, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"sources": {"group-mentions": {}}, "moderator_exports": [
        {"path": str(export), "name": "group-mentions"}]}), encoding="utf-8")
    result = runner.invoke(main, ["train", "--spec", str(spec), "--data-root", str(tmp_path),
                                  "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "'group-mentions' is a corpus in sources" in result.output


def test_moderator_weight_needs_an_export(runner, tmp_path):
    result = runner.invoke(main, ["train", "--spec", str(FIXTURE_SPEC), "--data-root", str(FIXTURE_SPEC.parent),
                                  "--out", str(tmp_path), "--moderator-weight", "2"])
    assert result.exit_code == 2
    assert "--moderator-export" in result.output


# -- comparing models on the moderators' decisions -------------------------------


def test_outcome_is_the_most_severe_label_at_the_thresholds():
    limits = {label: Threshold(reject=0.9, review=0.5) for label in LABELS}
    assert outcome([0.1, 0.49, 0.0, 0.0], limits) == "accept"
    assert outcome([0.5, 0.1, 0.0, 0.0], limits) == "review"
    assert outcome([0.6, 0.1, 0.95, 0.0], limits) == "reject"
    never = {**limits, "threat": Threshold(reject=math.inf, review=0.5)}  # a reject level never reached
    assert outcome([0.0, 0.0, 0.0, 1.0], never) == "review"
    assert outcome([0.0, 0.0, 0.0, 0.0, 1.0], limits) == "review"  # defamation only ever holds


def test_excerpt_is_one_short_line():
    assert excerpt("a\nb  c") == "a b c"
    assert excerpt("x" * 100, width=10) == "x" * 9 + "…"


def test_evaluate_compares_the_served_model_and_a_candidate(runner, tiny_model, candidate, export, tmp_path):
    out = tmp_path / "comparison"
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), "--candidate", str(candidate),
                                  "--moderator-export", str(export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = result.stdout
    assert report.startswith("# Models on the moderators' decisions (decisions.jsonl)")
    assert "40 decided comments: 16 accepted, 20 rejected for a classifier reason, 4 rejected for another" in report
    assert "## Agreement with the moderators" in report and "`tiny`" in report and "`candidate`" in report
    assert (out / "report.md").read_text(encoding="utf-8").strip() == report.strip()
    result = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert [m["id"] for m in result["models"]] == ["tiny", "candidate"]
    for model in result["models"]:
        table, agreement = model["table"], model["agreement"]
        assert agreement["rows"] == 36
        assert agreement["agree"] == table["accepted"]["accept"] + table["rejected, classifier reason"]["reject"]
        assert sum(model["totals"].values()) == 40
        assert model["roc_auc"]["personal_attack"]["rows"] == 24  # 16 accepted + 8 attacks
        assert model["roc_auc"]["personal_attack"]["roc_auc"] is not None
    # The candidate has seen most of these decisions: it agrees far more often, and the report says why.
    assert result["models"][1]["agreement"]["rate"] > 0.8
    assert [m["trained_on_export"] for m in result["models"]] == [False, True]
    assert "`candidate` was trained on this export" in report and "`tiny` was trained" not in report
    for change in result["changed"]:
        assert change["outcomes"][0] != change["outcomes"][1] and "\n" not in change["text"]
        assert f"| {change['comment_id']} |" in report


def test_evaluate_a_model_against_itself_changes_nothing(runner, tiny_model, export):
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), "--candidate", str(tiny_model),
                                  "--moderator-export", str(export)])
    assert result.exit_code == 0, result.output
    assert "## Comments whose outcome differs (0)" in result.stdout and "None." in result.stdout


def test_evaluate_one_model_on_an_export(runner, tiny_model, export):
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), "--moderator-export", str(export)])
    assert result.exit_code == 0, result.output
    assert "## What each model would do" in result.stdout
    assert "outcome differs" not in result.stdout


@pytest.mark.parametrize("args, problem", [
    ([], "either --data FILE or --moderator-export FILE"),
    (["--data", "{data}", "--moderator-export", "{export}"], "either --data FILE or --moderator-export FILE"),
    (["--data", "{data}", "--label", "abuse=abuse", "--candidate", "{model}"], "--candidate compares"),
    (["--data", "{data}"], "at least one --label"),
    (["--moderator-export", "{export}", "--label", "abuse=abuse"], "an export has its labels"),
])
def test_evaluate_refuses_mixed_up_options(runner, tiny_model, export, args, problem):
    data = FIXTURE_SPEC.parent / "comments.jsonl"
    args = [a.format(data=data, export=export, model=tiny_model) for a in args]
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), *args])
    assert result.exit_code == 2
    assert problem in result.output


def test_evaluate_refuses_a_file_that_is_not_an_export(runner, tiny_model):
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model),
                                  "--moderator-export", str(FIXTURE_SPEC.parent / "comments.jsonl")])
    assert result.exit_code == 1
    assert "is this a moderators' export?" in result.output
