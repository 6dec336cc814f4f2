"""Training data as arrays: the spec's corpora and files loaded, split, and turned into model input."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Mapping

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError
from .data import SOURCES, assign_splits, load_labeled_file, load_source, summarize
from .artifacts import sha256_of
from .labels import LABELS
from .model_input import INPUTS, SKELETON, model_text
from .moderated import SOURCE as MODERATORS, load_export
from .pipeline import UNKNOWN
from .records import Example


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSpec(_Strict):
    weight: float = Field(1.0, gt=0)
    # Labels the corpus does not annotate, taken as this value where its loader leaves them
    # unknown: {defamation: 0} for a corpus annotated for abuse and hate, whose comments
    # rarely accuse a person of a crime, so the label learns what ordinary talk of people is.
    assume: dict[Literal[LABELS], Literal[0, 1]] = {}  # type: ignore[valid-type]


class FileSpec(_Strict):
    path: str
    text_column: str = "text"
    labels: dict[str, str]
    source: str | None = None
    weight: float = Field(1.0, gt=0)
    split: str = "train"


class ExportSpec(_Strict):
    """A moderators' decisions file written by `moderation review export`."""

    path: str
    name: str = Field(MODERATORS, min_length=1)  # the source name in splits, metrics and reports
    weight: float = Field(1.0, gt=0)


class ThresholdSpec(_Strict):
    """What the thresholds chosen on validation rows must reach (metrics.pick_thresholds)."""

    reject_precision: float = Field(0.95, gt=0, le=1)
    # A label whose rejections must be surer than the rest: {personal_attack: 0.97}.
    label_reject_precision: dict[Literal[LABELS], Annotated[float, Field(gt=0, le=1)]] = {}  # type: ignore[valid-type]
    review_precision: float = Field(0.70, gt=0, le=1)
    min_positives: int = Field(20, ge=1)  # rows a threshold must flag before its precision counts
    # How validation rows count when the review band is chosen: once each ("rows"), or as much
    # as their source weighs in training ("source_weights"), so the band meets its precision on
    # the mix of comments the spec trains for. Rejecting always counts each row once.
    review_rows: Literal["rows", "source_weights"] = "rows"


class TrainingSpec(_Strict):
    seed: int = 13
    # What the model reads (model_input.py): the skeleton view, with group names as written,
    # each group's names as one word, every group as one placeholder, or no group names.
    input: Literal[INPUTS] = SKELETON  # type: ignore[valid-type]
    splits: dict[str, float] = {"validation": 0.1, "test": 0.1}
    sources: dict[str, SourceSpec]
    files: list[FileSpec] = []
    moderator_exports: list[ExportSpec] = []
    params: dict[str, Any] = {}
    thresholds: ThresholdSpec = ThresholdSpec()
    explain_shares: list[float] = [0.5]
    explain_source: str | None = "toxic-spans"


def load_spec(path: Path) -> tuple[TrainingSpec, dict[str, Any]]:
    """The spec, validated, and its raw form (recorded in the manifest)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        spec = TrainingSpec.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError("spec", f"cannot read {path}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(".".join(map(str, first["loc"])), f"{first['msg']} (in {path})") from exc
    unknown = sorted(set(spec.sources) - set(SOURCES))
    if unknown:
        raise ConfigError(f"sources.{unknown[0]}", f"no such corpus; known: {', '.join(sorted(SOURCES))}")
    return spec, raw


@dataclass(frozen=True)
class Dataset:
    """Parallel arrays, one row per example."""

    examples: list[Example]
    texts: list[str]          # what the model reads (model_input.model_text)
    Y: np.ndarray             # (rows, labels): 1, 0 or UNKNOWN
    sources: np.ndarray
    splits: np.ndarray
    weights: np.ndarray
    # Each moderators' export read: name, path, weight, sha256 and rows loaded (before de-duplication).
    exports: list[dict[str, Any]] = field(default_factory=list)

    def rows(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.splits == split)

    def texts_at(self, rows: np.ndarray) -> list[str]:
        return [self.texts[i] for i in rows]

    def summary(self) -> dict[str, Any]:
        return summarize(self.examples)


def build_dataset(spec: TrainingSpec, data_root: Path, spec_dir: Path,
                  extra_files: list[FileSpec] = (), progress: Callable[[str], None] = lambda _: None,
                  extra_exports: list[ExportSpec] = ()) -> Dataset:
    examples: list[Example] = []
    weight_of: dict[str, float] = {}
    for name, source in spec.sources.items():
        found = [_assume(e, source.assume) for e in load_source(name, data_root)]
        progress(f"loaded {name}: {len(found)} rows")
        examples.extend(found)
        weight_of[name] = source.weight
    for file in [*spec.files, *extra_files]:
        path = _resolve(file.path, spec_dir)
        found = list(load_labeled_file(path, text_column=file.text_column, label_columns=file.labels,
                                       source=file.source, split=file.split))
        progress(f"loaded {path.name}: {len(found)} rows")
        examples.extend(found)
        if found:
            weight_of[found[0].source] = file.weight
    exports = []
    for export in [*spec.moderator_exports, *extra_exports]:
        if export.name in spec.sources:
            # One name, one weight: the corpus and the export would be counted as one source.
            raise ConfigError("moderator_exports.name", f"{export.name!r} is a corpus in sources; choose another")
        path = _resolve(export.path, spec_dir)
        found = list(load_export(path, source=export.name))
        progress(f"loaded {path.name} as {export.name}: {len(found)} rows")
        examples.extend(found)
        weight_of[export.name] = export.weight
        exports.append({"name": export.name, "path": str(path), "weight": export.weight,
                        "sha256": sha256_of(path), "rows": len(found)})
    examples = assign_splits(examples, seed=spec.seed, validation=spec.splits.get("validation", 0.1),
                             test=spec.splits.get("test", 0.1))
    progress(f"{len(examples)} examples after de-duplication and splitting")
    return Dataset(
        examples=examples,
        texts=[model_text(e.text, spec.input) for e in examples],
        Y=np.array([[UNKNOWN if e.labels[label] is None else e.labels[label] for label in LABELS]
                    for e in examples], dtype=np.int8).reshape(-1, len(LABELS)),
        sources=np.array([e.source for e in examples]),
        splits=np.array([e.split for e in examples]),
        weights=np.array([weight_of.get(e.source, 1.0) for e in examples]),
        exports=exports,
    )


def _assume(example: Example, values: Mapping[str, int]) -> Example:
    unknown = {label: value for label, value in values.items() if example.labels[label] is None}
    return replace(example, labels={**example.labels, **unknown}) if unknown else example


def _resolve(path: str, spec_dir: Path) -> Path:
    """Paths in a spec are relative to the spec file; absolute ones are kept."""
    return Path(path) if Path(path).is_absolute() else spec_dir / path


def source_weights(spec: TrainingSpec) -> Mapping[str, float]:
    return {name: s.weight for name, s in spec.sources.items()}
