"""Offline training: a new model directory from the spec's corpora, with thresholds, metrics and a report."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import ModelError
from ..text import Normalized
from . import artifacts, metrics
from .data import load_source
from .dataset import Dataset, ExportSpec, FileSpec, TrainingSpec, build_dataset, load_spec
from .explain import evidence
from .labels import LABELS, REVIEW_ONLY
from .model_input import names_digest
from .pipeline import build_pipeline
from .scorer import Scorer
from .report import write_report

Progress = Callable[[str], None]


def train(spec_path: Path, data_root: Path, out_root: Path, *, model_id: str | None = None,
          extra_files: list[FileSpec] = (), extra_exports: list[ExportSpec] = (),
          progress: Progress = lambda _: None) -> dict[str, Any]:
    """Train, evaluate and write models/<model_id>/; returns the manifest. Never touches other models.

    ``extra_files`` and ``extra_exports`` are used as if the spec listed them (the command
    line's --moderator-export); the manifest records every export with its row count.
    """
    started = time.monotonic()
    spec, raw_spec = load_spec(spec_path)
    model_id = model_id or "model-" + datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    model_dir = out_root / model_id
    if model_dir.exists():
        raise ModelError(f"{model_dir} exists; choose another --id")
    data = build_dataset(spec, data_root, spec_path.parent, list(extra_files), progress, list(extra_exports))

    train_rows = data.rows("train")
    progress(f"fitting on {len(train_rows)} training rows")
    pipeline = build_pipeline(spec.params)
    pipeline.fit(data.texts_at(train_rows), data.Y[train_rows], classify__sample_weight=data.weights[train_rows])
    fit_seconds = time.monotonic() - started

    progress("choosing thresholds on validation rows")
    val_rows, test_rows = data.rows("validation"), data.rows("test")
    P_val = pipeline.predict_proba(data.texts_at(val_rows))
    chosen = spec.thresholds
    thresholds = metrics.pick_thresholds(
        data.Y[val_rows], P_val, review_only=REVIEW_ONLY,
        reject_precision=chosen.reject_precision, review_precision=chosen.review_precision,
        min_positives=chosen.min_positives, label_reject_precision=chosen.label_reject_precision,
        review_weights=data.weights[val_rows] if chosen.review_rows == "source_weights" else None)
    progress("evaluating on test rows")
    P_test = pipeline.predict_proba(data.texts_at(test_rows))
    scores = metrics.evaluate(data.Y[test_rows], P_test, data.sources[test_rows], thresholds)
    olid = olid_macro_f1(data, val_rows, P_val, test_rows, P_test)

    progress("tuning and measuring explanation spans on toxic-spans")
    share, span_scores = tune_explanations(pipeline, spec, data_root)

    manifest = {
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input": spec.input,
        "input_names_sha256": names_digest(spec.input),
        "params": spec.params,
        "spec": raw_spec,
        "sources": {name: {split: cell["rows"] for split, cell in per_split.items()}
                    for name, per_split in data.summary().items()},
        "data_summary": data.summary(),
        "moderator_exports": data.exports,
        "thresholds": thresholds,
        "metrics": scores | {"olid_abuse_macro_f1": olid},
        "explain_share": share,
        "explain_span_f1": span_scores,
        "training_seconds": round(fit_seconds, 1),
    }
    manifest = artifacts.save(pipeline, model_dir, manifest)
    manifest["total_seconds"] = round(time.monotonic() - started, 1)
    write_report(model_dir, manifest=manifest, Y=data.Y[test_rows], P=P_test,
                 sources=list(data.sources[test_rows]), title=f"Model {model_id}",
                 extra_sections=report_sections(manifest))
    progress(f"wrote {model_dir} in {manifest['total_seconds']} s")
    return manifest


def olid_macro_f1(data: Dataset, val_rows, P_val, test_rows, P_test) -> dict[str, float] | None:
    """OffensEval's measure: offensive vs not on OLID's official test, threshold chosen on OLID validation."""
    k = LABELS.index("abuse")
    val = val_rows[data.sources[val_rows] == "olid"]
    test = data.sources[test_rows] == "olid"
    if len(val) == 0 or not test.any():
        return None
    y_val, p_val = data.Y[val, k], P_val[data.sources[val_rows] == "olid", k]
    candidates = np.unique(np.round(p_val, 3))
    best = max(candidates, key=lambda t: metrics.macro_f1(y_val, p_val, float(t)))
    return {"threshold": float(best),
            "macro_f1": round(metrics.macro_f1(data.Y[test_rows][test, k], P_test[test, k], float(best)), 4)}


def predicted_offsets(scorer: Scorer, text: str, share: float) -> set[int]:
    """Original character offsets the abuse explanation marks in a text."""
    views = Normalized.of(text)
    scored = scorer.score(views.skeleton.text)
    offsets: set[int] = set()
    for s, e in evidence(scored, scorer.model.coef_[:, LABELS.index("abuse")], share):
        start, end = views.skeleton.to_original(s, e)
        offsets.update(range(start, end))
    return offsets


def tune_explanations(pipeline, spec: TrainingSpec, data_root: Path, sample: int = 1500) -> tuple[float, dict]:
    """Pick the evidence share on span-annotated training posts; measure span F1 on the held-out ones.

    The span corpus only tunes and measures explanations: every post in it is toxic, so
    training the classifier on it would teach that news-comment vocabulary is abuse.
    """
    shares = spec.explain_shares
    if spec.explain_source is None:
        return shares[0], {}
    found = [e for e in load_source(spec.explain_source, data_root) if e.spans is not None]
    posts = {split: [e for e in found if e.split == split] for split in ("train", "test")}
    if not posts["train"] or not posts["test"]:
        return shares[0], {}

    # The serving path's scorer, so the span F1 reported is that of the served explanations.
    scorer = Scorer(pipeline.named_steps["features"], pipeline.named_steps["classify"], spec.input)

    def f1(examples, share) -> float:
        gold = [{i for s, e in ex.spans for i in range(s, e)} for ex in examples]
        return metrics.span_f1([predicted_offsets(scorer, ex.text, share) for ex in examples], gold)

    tuning = posts["train"][:sample]
    by_share = {share: round(f1(tuning, share), 4) for share in shares}
    best = max(by_share, key=by_share.get)
    return best, {"tuning_f1_by_share": by_share, "share": best,
                  "test_posts": len(posts["test"]), "test_f1": round(f1(posts["test"], best), 4)}


def report_sections(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    olid = manifest["metrics"].get("olid_abuse_macro_f1")
    spans = manifest.get("explain_span_f1") or {}
    rows = []
    if olid:
        rows.append(f"| OLID test, offensive vs not, macro-F1 | {olid['macro_f1']} (threshold {olid['threshold']} "
                    "chosen on OLID validation) | 0.829 (OffensEval 2019 best) |")
    if spans:
        rows.append(f"| toxic-spans held-out posts ({spans['test_posts']}), character F1 | {spans['test_f1']} "
                    f"(evidence share {spans['share']}) | 0.708 (SemEval-2021 winner) |")
    table = "| measure | this model | reference |\n|---|---|---|\n" + "\n".join(rows)
    return [("Benchmarks against published results", table)]
