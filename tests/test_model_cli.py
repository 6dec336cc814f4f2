"""The model commands through the CLI: train, evaluate, promote."""

from __future__ import annotations

import json
import shutil

import yaml

from moderation.cli import main
from moderation.settings import load_settings

from .conftest import CONFIG, FIXTURE_SPEC


def test_train_writes_a_new_model_directory_with_report(runner, tmp_path):
    out = tmp_path / "models"
    result = runner.invoke(main, ["train", "--spec", str(FIXTURE_SPEC), "--data-root", str(FIXTURE_SPEC.parent),
                                  "--out", str(out), "--id", "fresh"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["id"] == "fresh"
    assert {"model.joblib", "manifest.json", "report.md", "roc.png", "pr.png", "calibration.png"} <= {
        p.name for p in (out / "fresh").iterdir()}
    again = runner.invoke(main, ["train", "--spec", str(FIXTURE_SPEC), "--data-root", str(FIXTURE_SPEC.parent),
                                 "--out", str(out), "--id", "fresh"])
    assert again.exit_code == 1
    assert "exists" in again.output


def test_train_names_a_bad_spec_key(runner, tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("sources: {no-such-corpus: {}}\n", encoding="utf-8")
    result = runner.invoke(main, ["train", "--spec", str(spec), "--data-root", str(tmp_path),
                                  "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "no-such-corpus" in result.output


def test_a_spec_can_weigh_validation_rows_for_the_review_band(runner, tmp_path):
    raw = yaml.safe_load(FIXTURE_SPEC.read_text(encoding="utf-8"))
    raw["thresholds"]["review_rows"] = "source_weights"
    raw["files"][0]["path"] = str(FIXTURE_SPEC.parent / raw["files"][0]["path"])
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp_path / "models"
    result = runner.invoke(main, ["train", "--spec", str(spec), "--data-root", str(tmp_path),
                                  "--out", str(out), "--id", "weighed"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "weighed" / "manifest.json").read_text())
    assert all(t["review_weighted"] for t in manifest["thresholds"].values())
    assert "as much as its source weighs" in (out / "weighed" / "report.md").read_text()

    raw["thresholds"]["review_rows"] = "most"
    spec.write_text(yaml.safe_dump(raw), encoding="utf-8")
    refused = runner.invoke(main, ["train", "--spec", str(spec), "--data-root", str(tmp_path),
                                   "--out", str(out)])
    assert refused.exit_code == 1
    assert "review_rows" in refused.output


def test_evaluate_prints_metrics_and_writes_a_report(runner, tiny_model, tmp_path):
    data = FIXTURE_SPEC.parent / "comments.jsonl"
    out = tmp_path / "eval"
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), "--data", str(data),
                                  "--label", "abuse=abuse", "--label", "threat=threat", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert lines["abuse"][1] == "84"
    assert float(lines["abuse"][3]) > 0.9  # the model saw these texts: a sanity check, not a benchmark
    assert (out / "report.md").is_file()


def test_evaluate_refuses_a_bad_label_mapping(runner, tiny_model):
    result = runner.invoke(main, ["evaluate", "--model", str(tiny_model), "--data",
                                  str(FIXTURE_SPEC.parent / "comments.jsonl"), "--label", "rudeness=abuse"])
    assert result.exit_code == 2
    assert "LABEL=COLUMN" in result.output


def test_promote_pins_the_model_and_keeps_the_rest_of_the_config(runner, tiny_model, tmp_path):
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    before = yaml.safe_load(config.read_text(encoding="utf-8"))
    result = runner.invoke(main, ["--config", str(config), "promote", str(tiny_model)])
    assert result.exit_code == 0, result.output
    after = yaml.safe_load(config.read_text(encoding="utf-8"))
    pin = json.loads((tiny_model / "manifest.json").read_text())["sha256"]
    assert after["classifier"]["enabled"] is True
    assert after["classifier"]["sha256"] == pin
    assert load_settings(config, environ={}).model_dir == tiny_model.resolve()
    assert {k: v for k, v in after.items() if k != "classifier"} == {
        k: v for k, v in before.items() if k != "classifier"}
    assert "# The comment policy of Ahram Online" in config.read_text(encoding="utf-8")


def test_promote_refuses_a_tampered_model(runner, tiny_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    with (broken / "model.joblib").open("ab") as fh:
        fh.write(b"x")
    config = tmp_path / "config.yaml"
    shutil.copy(CONFIG, config)
    result = runner.invoke(main, ["--config", str(config), "promote", str(broken)])
    assert result.exit_code == 1
    assert "sha256" in result.output
    assert config.read_text(encoding="utf-8") == CONFIG.read_text(encoding="utf-8")
