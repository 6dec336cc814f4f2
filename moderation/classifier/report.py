"""The human-readable model report: report.md beside ROC, precision-recall and calibration plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .labels import LABELS
from .metrics import UNKNOWN, calibration_table

FIGSIZE, DPI = (6, 4), 100  # 600x400 PNGs: readable in a Markdown viewer, small in the artifact directory


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _cell(x: Any) -> str:
    # A "|" in a source name or parameter would split the Markdown table cell.
    return _fmt(x).replace("|", "\\|")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _summary(manifest: Mapping) -> list[str]:
    seconds = manifest.get("training_seconds")
    lines = [f"- Model id: `{manifest.get('id', 'unknown')}`",
             f"- sha256: `{manifest.get('sha256', 'unknown')}`",
             f"- Created: {manifest.get('created', 'unknown')}",
             f"- Training time: {_fmt(float(seconds), 1) + ' s' if seconds is not None else 'unknown'}"]
    if manifest.get("params"):
        lines.append(f"- Parameters: `{json.dumps(manifest['params'], sort_keys=True, default=str)}`")
    lines.append("")
    sources = manifest.get("sources") or {}
    if sources:
        splits = sorted({split for counts in sources.values() for split in (counts or {})})
        lines += ["## Training data", ""]
        lines += _table(["source", *splits],
                        [[name, *((counts or {}).get(s, 0) for s in splits)] for name, counts in sources.items()])
    return lines


def _thresholds(thresholds: Mapping, labels: Sequence[str]) -> list[str]:
    rows = []
    for label in labels:
        t = thresholds.get(label)
        if t is None:
            continue
        reject = _fmt(t.get("reject"))
        if t.get("reject_reached") is False:
            reject += " (not reached)"
        rows.append([label, reject, t.get("reject_precision"), t.get("reject_recall"),
                     t.get("review"), t.get("review_precision"), t.get("review_recall")])
    if not rows:
        return ["No thresholds in the manifest.", ""]
    table = _table(["label", "reject", "precision", "recall", "review", "precision", "recall"], rows)
    if any(thresholds[label].get("review_weighted") for label in labels if label in thresholds):
        table += ["The review band's precision and recall count each validation row as much as its "
                  "source weighs in training (the spec's `thresholds.review_rows`); the reject "
                  "threshold's count each row once.", ""]
    return table


def _overall(overall: Mapping, labels: Sequence[str]) -> list[str]:
    rows = []
    for label in labels:
        m = overall.get(label)
        if m is None:
            continue
        rj, rv, best = m.get("reject") or {}, m.get("review") or {}, m.get("best_f1") or {}
        rows.append([label, m.get("rows"), m.get("positives"), m.get("roc_auc"), m.get("average_precision"),
                     rj.get("precision"), rj.get("recall"), rj.get("f1"),
                     rv.get("precision"), rv.get("recall"), rv.get("f1"),
                     "n/a" if best.get("f1") is None else f"{_fmt(best['f1'])} @ {_fmt(best.get('threshold'))}"])
    if not rows:
        return ["No overall metrics in the manifest.", ""]
    return _table(["label", "rows", "positives", "ROC AUC", "AP", "reject P", "reject R", "reject F1",
                   "review P", "review R", "review F1", "best F1 @ threshold"], rows)


def _per_source(per_source: Mapping, labels: Sequence[str]) -> list[str]:
    if not per_source:
        return ["No per-source metrics in the manifest.", ""]
    rows = []
    for source, by_label in per_source.items():
        cells = []
        for label in labels:
            m = (by_label or {}).get(label)
            cells.append("-" if m is None else f"{_fmt(m.get('roc_auc'))} / {_fmt((m.get('reject') or {}).get('f1'))}")
        rows.append([source, *cells])
    note = "Each cell: ROC AUC / F1 at the reject threshold; `-` where the source does not give the label."
    return [note, ""] + _table(["source", *labels], rows)


def _plots(out_dir: Path, Y: np.ndarray, P: np.ndarray, labels: Sequence[str], thresholds: Mapping) -> None:
    import matplotlib
    matplotlib.use("Agg")
    # Figure objects outside pyplot are never registered globally, so nothing leaks even if a plot fails.
    from matplotlib.figure import Figure
    from sklearn.metrics import auc, precision_recall_curve, roc_curve

    roc, pr, cal = (Figure(figsize=FIGSIZE, dpi=DPI) for _ in range(3))
    ax_roc, ax_pr, ax_cal = roc.subplots(), pr.subplots(), cal.subplots()
    for j, label in enumerate(labels):
        known = Y[:, j] != UNKNOWN
        y, p = Y[known, j].astype(int), P[known, j].astype(float)
        positives = int(y.sum())
        if 0 < positives < y.size:  # both curves need both classes
            fpr, tpr, _ = roc_curve(y, p)
            ax_roc.plot(fpr, tpr, label=f"{label} (AUC {auc(fpr, tpr):.3f})")
            precision, recall, _ = precision_recall_curve(y, p)
            line, = ax_pr.plot(recall, precision, label=label)
            t = thresholds.get(label) or {}
            for kind, marker in (("reject", "o"), ("review", "s")):
                cut = t.get(kind)
                flagged = p >= cut if cut is not None else np.zeros_like(y, dtype=bool)
                if flagged.any():  # an unreached reject flags nothing and has no point to mark
                    ax_pr.plot([y[flagged].sum() / positives], [y[flagged].mean()], marker, color=line.get_color())
        table = [row for row in calibration_table(y, p) if row["count"]]
        if table:
            ax_cal.plot([r["mean_predicted"] for r in table], [r["observed_rate"] for r in table], "o-", label=label)
    ax_roc.plot([0, 1], [0, 1], ":", color="grey")
    ax_cal.plot([0, 1], [0, 1], ":", color="grey", label="perfect")
    ax_pr.plot([], [], "ko", label="reject threshold")
    ax_pr.plot([], [], "ks", label="review threshold")
    for ax, title, xlabel, ylabel in ((ax_roc, "ROC", "false positive rate", "true positive rate"),
                                      (ax_pr, "Precision-recall", "recall", "precision"),
                                      (ax_cal, "Calibration", "mean predicted probability", "observed rate")):
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(0, 1.02), ylim=(0, 1.02))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small")
    for fig, name in ((roc, "roc.png"), (pr, "pr.png"), (cal, "calibration.png")):
        fig.tight_layout()
        fig.savefig(out_dir / name, dpi=DPI)


def write_report(out_dir: Path, *, manifest: Mapping, Y: np.ndarray, P: np.ndarray, sources: Sequence[str],
                 labels: Sequence[str] = LABELS, title: str = "Model report",
                 extra_sections: Sequence[tuple[str, str]] = ()) -> Path:
    """Write out_dir/report.md and its plots (roc.png, pr.png, calibration.png); return the report's path.

    Tables come from the manifest (what was shipped); plots are drawn from Y and P, overall, known rows only.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    Y, P = np.asarray(Y), np.asarray(P, dtype=float)
    if Y.shape != P.shape or Y.shape[1:] != (len(labels),) or len(sources) != Y.shape[0]:
        raise ValueError(f"Y {Y.shape}, P {P.shape} and {len(sources)} sources do not match {len(labels)} labels")
    thresholds = manifest.get("thresholds") or {}
    metrics = manifest.get("metrics") or {}
    _plots(out_dir, Y, P, labels, thresholds)

    lines = [f"# {title}", ""] + _summary(manifest)
    lines += ["## Thresholds", "", "A comment is flagged for a label when its score is at or above the threshold.", ""]
    lines += _thresholds(thresholds, labels)
    lines += ["## Overall metrics", ""] + _overall(metrics.get("overall") or {}, labels)
    lines += ["## Per source", ""] + _per_source(metrics.get("per_source") or {}, labels)
    lines += ["## Plots", "", "![ROC curves](roc.png)", "", "![Precision-recall curves](pr.png)", "",
              "![Calibration](calibration.png)", ""]
    for heading, body in extra_sections:
        lines += [f"## {heading}", "", body.rstrip(), ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
