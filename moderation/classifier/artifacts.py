"""Model artifacts on disk: the only place that writes or loads a joblib file, and only after checks.

A model is a directory ``models/<model_id>/`` holding ``model.joblib`` and
``manifest.json``. Loading a joblib file runs code, so a model is loaded only when
its sha256 matches the pin in config.yaml and it was made with the scikit-learn
version that is installed.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import joblib
import numpy as np
import scipy
import sklearn
from sklearn.pipeline import Pipeline

from ..errors import ModelError
from .labels import LABELS
from .model_input import input_of

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class Artifact:
    """A verified, loaded model and what its manifest says about it."""

    path: Path
    pipeline: Pipeline
    manifest: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def input(self) -> str:
        """What the model reads (model_input.py)."""
        return input_of(self.manifest)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__, "joblib": joblib.__version__}


def read_manifest(model_dir: Path) -> dict[str, Any]:
    path = model_dir / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no {MANIFEST_FILE} in {model_dir}") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    if not isinstance(manifest, dict) or not {"id", "sha256", "versions", "labels"} <= set(manifest):
        raise ModelError(f"{path} lacks id, sha256, versions or labels")
    return manifest


def verify(model_dir: Path, pinned_sha256: str) -> dict[str, Any]:
    """Check an artifact without loading it; returns its manifest or raises ModelError naming the cause."""
    model_file = model_dir / MODEL_FILE
    if not model_file.is_file():
        raise ModelError(f"missing model file {model_file}")
    manifest = read_manifest(model_dir)
    actual = sha256_of(model_file)
    if actual != pinned_sha256:
        raise ModelError(f"sha256 mismatch for {model_file}: pinned {pinned_sha256[:12]}..., "
                         f"file is {actual[:12]}...")
    if manifest["sha256"] != actual:
        raise ModelError(f"{MANIFEST_FILE} sha256 does not match {model_file}")
    made_with = manifest["versions"].get("scikit-learn")
    if made_with != sklearn.__version__:
        raise ModelError(f"model made with scikit-learn {made_with}, installed is {sklearn.__version__}")
    if tuple(manifest["labels"]) != LABELS:
        raise ModelError(f"model labels {manifest['labels']} are not {list(LABELS)}; "
                         "retrain it with this version (moderation train)")
    input_of(manifest)
    return manifest


def load(model_dir: Path, pinned_sha256: str) -> Artifact:
    """Verify, then load. Every failure is a ModelError that says what is wrong."""
    manifest = verify(model_dir, pinned_sha256)
    try:
        pipeline = joblib.load(model_dir / MODEL_FILE)
    except Exception as exc:  # a corrupt pickle can raise almost anything
        raise ModelError(f"cannot load {model_dir / MODEL_FILE}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(pipeline, Pipeline) or set(pipeline.named_steps) != {"features", "classify"}:
        raise ModelError(f"{model_dir / MODEL_FILE} is not a moderation model pipeline")
    return Artifact(path=model_dir, pipeline=pipeline, manifest=manifest)


def save(pipeline: Pipeline, model_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Write a new model directory; never replaces an existing one. Returns the full manifest."""
    if model_dir.exists():
        raise ModelError(f"{model_dir} exists; a model directory is never overwritten")
    model_dir.mkdir(parents=True)
    joblib.dump(pipeline, model_dir / MODEL_FILE, compress=3)
    full = {**manifest, "id": model_dir.name, "sha256": sha256_of(model_dir / MODEL_FILE),
            "labels": list(LABELS), "versions": versions()}
    (model_dir / MANIFEST_FILE).write_text(json.dumps(full, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return full
