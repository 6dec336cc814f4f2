"""Scoring a model on any labeled file: metrics per label and per source, saved as a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from . import artifacts, metrics
from .data import load_labeled_file
from .labels import LABELS
from .model_input import model_text
from .pipeline import UNKNOWN
from .report import write_report


def open_candidate(model_dir: Path) -> artifacts.Artifact:
    """Load a model an operator names on the command line, checked against its own manifest.

    Serving always checks against the pin in config.yaml; evaluating a candidate before it is
    pinned can only check that the file is the one its manifest describes.
    """
    manifest = artifacts.read_manifest(model_dir)
    return artifacts.load(model_dir, str(manifest["sha256"]))


def score(artifact: artifacts.Artifact, texts: list[str]) -> np.ndarray:
    return artifact.pipeline.predict_proba([model_text(t, artifact.input) for t in texts])


def evaluate_file(model_dir: Path, data: Path, *, text_column: str, label_columns: Mapping[str, str],
                  fmt: str | None = None, out_dir: Path | None = None) -> dict[str, Any]:
    """Metrics of the model on a labeled file, at the model's own thresholds; writes a report if out_dir."""
    artifact = open_candidate(model_dir)
    examples = list(load_labeled_file(data, text_column=text_column, label_columns=label_columns, fmt=fmt))
    Y = np.array([[UNKNOWN if e.labels[label] is None else e.labels[label] for label in LABELS]
                  for e in examples], dtype=np.int8).reshape(-1, len(LABELS))
    P = score(artifact, [e.text for e in examples])
    sources = [e.source for e in examples]
    thresholds = artifact.manifest["thresholds"]
    result = {"model": {"id": artifact.id, "sha256": artifact.sha256}, "data": str(data), "rows": len(examples),
              "thresholds": thresholds, "metrics": metrics.evaluate(Y, P, sources, thresholds)}
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_report(out_dir, manifest={**artifact.manifest, "metrics": result["metrics"]}, Y=Y, P=P,
                     sources=sources, title=f"Evaluation of {artifact.id} on {data.name}")
        result["report"] = str(out_dir / "report.md")
    return result
