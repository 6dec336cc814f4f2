"""The model report: report.md with the manifest's tables, and the three PNG plots it links."""

from __future__ import annotations

import json

import numpy as np
import pytest

from moderation.classifier.labels import LABELS
from moderation.classifier.metrics import evaluate, pick_thresholds
from moderation.classifier.report import write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def validation():
    rng = np.random.default_rng(3)
    n = 400
    Y = rng.integers(0, 2, size=(n, len(LABELS)))
    P = np.clip(0.4 * Y + rng.uniform(0, 0.6, size=Y.shape), 0, 1)
    sources = ["olid"] * 200 + ["kaggle-insults"] * 200
    Y[200:, 2] = -1  # kaggle-insults gives no identity_hate
    Y[:, 3] = 0  # threat: no positives at all, so no curve can be drawn for it
    return Y, P, sources


@pytest.fixture
def manifest(validation):
    Y, P, sources = validation
    thresholds = pick_thresholds(Y, P)
    return {
        "id": "clf-2024-test", "sha256": "ab" * 32, "created": "2024-05-01T12:00:00Z", "training_seconds": 12.5,
        "params": {"C": 4.0}, "sources": {"olid": {"train": 800, "validation": 200}, "kaggle-insults": {"train": 900}},
        "thresholds": thresholds, "metrics": evaluate(Y, P, sources, thresholds),
    }


def test_report_writes_markdown_and_valid_pngs(tmp_path, validation, manifest):
    Y, P, sources = validation
    path = write_report(tmp_path / "out", manifest=manifest, Y=Y, P=P, sources=sources)
    assert path == tmp_path / "out" / "report.md"
    for name in ("roc.png", "pr.png", "calibration.png"):
        data = (tmp_path / "out" / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) < 200_000
    text = path.read_text(encoding="utf-8")
    for name in ("roc.png", "pr.png", "calibration.png"):
        assert f"]({name})" in text  # relative links, so the directory can move


def test_markdown_holds_the_manifest_summary_and_threshold_values(tmp_path, validation, manifest):
    Y, P, sources = validation
    text = write_report(tmp_path, manifest=manifest, Y=Y, P=P, sources=sources, title="Nightly model").read_text()
    assert text.startswith("# Nightly model")
    assert "clf-2024-test" in text and "ab" * 32 in text and "12.5 s" in text
    abuse = manifest["thresholds"]["abuse"]
    row = next(line for line in text.splitlines() if line.startswith("| abuse | "))
    for key in ("reject", "reject_precision", "reject_recall", "review", "review_precision", "review_recall"):
        assert f"{abuse[key]:.3f}" in row
    assert "1.000 (not reached)" in next(line for line in text.splitlines() if line.startswith("| threat | "))


def test_per_source_table_marks_a_label_the_source_does_not_give(tmp_path, validation, manifest):
    Y, P, sources = validation
    text = write_report(tmp_path, manifest=manifest, Y=Y, P=P, sources=sources).read_text()
    per_source = text.split("## Per source", 1)[1]
    row = next(line for line in per_source.splitlines() if line.startswith("| kaggle-insults | "))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1 + LABELS.index("identity_hate")] == "-"
    auc = manifest["metrics"]["per_source"]["kaggle-insults"]["abuse"]["roc_auc"]
    assert cells[1 + LABELS.index("abuse")].startswith(f"{auc:.3f} / ")


def test_extra_sections_are_appended_with_their_headings(tmp_path, validation, manifest):
    Y, P, sources = validation
    text = write_report(tmp_path, manifest=manifest, Y=Y, P=P, sources=sources,
                        extra_sections=[("Span F1", "Toxic spans F1: **0.612**")]).read_text()
    assert "## Span F1\n\nToxic spans F1: **0.612**" in text


def test_report_tolerates_a_manifest_with_missing_keys(tmp_path, validation):
    Y, P, sources = validation
    text = write_report(tmp_path, manifest={}, Y=Y, P=P, sources=sources).read_text()
    assert "Model id: `unknown`" in text and "No thresholds in the manifest." in text
    assert (tmp_path / "pr.png").read_bytes().startswith(PNG_MAGIC)


def test_report_refuses_scores_that_do_not_match_the_labels(tmp_path, validation, manifest):
    Y, P, sources = validation
    with pytest.raises(ValueError):
        write_report(tmp_path, manifest=manifest, Y=Y, P=P[:, :2], sources=sources)


def test_manifest_parts_from_metrics_are_strict_json(validation, manifest):
    json.dumps(manifest, allow_nan=False)
