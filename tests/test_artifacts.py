"""Model artifacts: saved once, loaded only when the pin and the scikit-learn version match."""

from __future__ import annotations

import json
import shutil

import pytest

from moderation.classifier import artifacts
from moderation.errors import ModelError


def pin_of(model_dir) -> str:
    return json.loads((model_dir / "manifest.json").read_text())["sha256"]


@pytest.fixture
def copy(tiny_model, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(tiny_model, target)
    return target


def test_a_model_with_the_right_pin_loads(tiny_model):
    artifact = artifacts.load(tiny_model, pin_of(tiny_model))
    assert artifact.id == "tiny"
    assert artifact.sha256 == artifacts.sha256_of(tiny_model / "model.joblib")
    assert list(artifact.pipeline.named_steps) == ["features", "classify"]


def test_manifest_records_versions_labels_and_sources(tiny_model):
    manifest = json.loads((tiny_model / "manifest.json").read_text())
    assert manifest["labels"] == ["abuse", "personal_attack", "identity_hate", "threat", "defamation"]
    assert manifest["versions"]["scikit-learn"]
    assert manifest["sources"]["fixture"]["train"] > 0
    assert set(manifest["thresholds"]) == set(manifest["labels"])
    assert (tiny_model / "report.md").is_file() and (tiny_model / "roc.png").is_file()


def test_a_tampered_model_file_is_refused_before_loading(copy, monkeypatch):
    pin = pin_of(copy)
    with (copy / "model.joblib").open("ab") as fh:
        fh.write(b"\0")
    loaded = []
    monkeypatch.setattr(artifacts.joblib, "load", lambda *a, **k: loaded.append(a))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        artifacts.load(copy, pin)
    assert loaded == []


def test_a_wrong_pin_is_refused(tiny_model):
    with pytest.raises(ModelError, match="sha256 mismatch"):
        artifacts.load(tiny_model, "0" * 64)


def test_a_scikit_learn_version_mismatch_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["versions"]["scikit-learn"] = "0.0.1"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="scikit-learn 0.0.1"):
        artifacts.load(copy, manifest["sha256"])


def test_a_missing_model_file_is_refused(copy):
    pin = pin_of(copy)
    (copy / "model.joblib").unlink()
    with pytest.raises(ModelError, match="missing model file"):
        artifacts.load(copy, pin)


def test_a_missing_manifest_is_refused(copy):
    pin = pin_of(copy)
    (copy / "manifest.json").unlink()
    with pytest.raises(ModelError, match="manifest"):
        artifacts.load(copy, pin)


def test_a_corrupt_pickle_with_a_matching_pin_is_a_model_error(copy):
    (copy / "model.joblib").write_bytes(b"not a pickle")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["sha256"] = artifacts.sha256_of(copy / "model.joblib")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="cannot load"):
        artifacts.load(copy, manifest["sha256"])


def test_saving_never_overwrites_a_model(tiny_model):
    pipeline = artifacts.load(tiny_model, pin_of(tiny_model)).pipeline
    with pytest.raises(ModelError, match="never overwritten"):
        artifacts.save(pipeline, tiny_model, {})


def test_only_artifacts_calls_joblib_load():
    from pathlib import Path

    import moderation

    callers = [str(p) for p in Path(moderation.__file__).parent.rglob("*.py")
               if "joblib.load" in p.read_text(encoding="utf-8")]
    assert [Path(c).name for c in callers] == ["artifacts.py"]


def test_a_model_for_an_unknown_input_is_refused(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["input"] = "lower-cased"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="model input 'lower-cased' is unknown"):
        artifacts.load(copy, manifest["sha256"])
