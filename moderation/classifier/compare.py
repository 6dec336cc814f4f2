"""The served model and a candidate side by side on the moderators' decisions: agreement, AUC, what would change.

Each model decides every exported comment the way the classifier rule does (a label at
or past its review threshold holds the comment, at or past its reject threshold rejects
it; the most severe label wins) with the thresholds its manifest recommends. The rules
are not run: this measures the classifier alone.

Agreement counts the comments whose moderator's decision the classifier can be judged
on: the model agrees when it accepts what a moderator accepted, or rejects what a
moderator rejected for a reason the labels stand for (see ``moderated.py``). Holding
either kind for review is not agreement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.metrics import roc_auc_score

from ..errors import ModelError
from .artifacts import sha256_of
from .evaluate import open_candidate, score
from .labels import LABELS, REVIEW_ONLY
from .moderated import has_labels, read_export
from .rule import Threshold
from .serving import _recommended as recommended  # the served classifier's reading of a manifest

OUTCOMES = ("accept", "review", "reject")
# What the moderators did, as the rows of each model's outcome table.
KINDS = ("accepted", "rejected, classifier reason", "rejected, other reason")
EXCERPT = 80


def outcome(scores: Sequence[float], thresholds: Mapping[str, Threshold]) -> str:
    """What the classifier rule would do with these scores: accept, review or reject."""
    worst = 0
    for label, p in zip(LABELS, scores):
        limit = thresholds[label]
        if p >= limit.reject and label not in REVIEW_ONLY:
            worst = 2
        elif p >= limit.review:
            worst = max(worst, 1)
    return OUTCOMES[worst]


def _kind(row: Mapping[str, Any]) -> str:
    if row["decision"] == "accept":
        return KINDS[0]
    return KINDS[1] if has_labels(row["labels"]) else KINDS[2]


def _judge(artifact, rows: list[dict[str, Any]], kinds: list[str], digest: str) -> dict[str, Any]:
    P = score(artifact, [row["text"] for row in rows])
    found = artifact.manifest.get("thresholds") or {}
    missing = [label for label in LABELS if label not in found]
    if missing:
        raise ModelError(f"{artifact.path} recommends no threshold for {missing[0]!r}")
    thresholds = {label: recommended(found[label]) for label in LABELS}
    decided = [outcome(p, thresholds) for p in P]
    table = {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}
    for kind, said in zip(kinds, decided):
        table[kind][said] += 1
    judged = table[KINDS[0]]["accept"] + table[KINDS[1]]["reject"]
    counted = sum(table[KINDS[0]].values()) + sum(table[KINDS[1]].values())
    auc = {}
    for k, label in enumerate(LABELS):
        known = [(row["labels"][label], p[k]) for row, p in zip(rows, P) if row["labels"][label] is not None]
        y = np.array([truth for truth, _ in known], dtype=int)
        both = 0 < y.sum() < y.size  # AUC needs both classes
        auc[label] = {"rows": int(y.size), "positives": int(y.sum()),
                      "roc_auc": float(roc_auc_score(y, [p for _, p in known])) if both else None}
    # Trained on this very file: most rows were its training rows, so its figures flatter it.
    seen = any(e.get("sha256") == digest for e in artifact.manifest.get("moderator_exports") or ())
    return {"id": artifact.id, "sha256": artifact.sha256, "trained_on_export": seen, "outcomes": decided,
            "totals": {o: decided.count(o) for o in OUTCOMES}, "table": table,
            "agreement": {"agree": judged, "rows": counted, "rate": judged / counted if counted else None},
            "roc_auc": auc}


def compare(model_dirs: Sequence[Path], export: Path) -> dict[str, Any]:
    """Every model judged on the export; with two, the comments whose outcome differs."""
    rows = list(read_export(export))
    kinds = [_kind(row) for row in rows]
    digest = sha256_of(Path(export))
    models = [_judge(open_candidate(Path(d)), rows, kinds, digest) for d in model_dirs]
    changed = []
    if len(models) == 2:
        for i, (before, after) in enumerate(zip(models[0]["outcomes"], models[1]["outcomes"])):
            if before != after:
                changed.append({"comment_id": rows[i].get("comment_id"), "decision": rows[i]["decision"],
                                "reason": rows[i]["reason"], "outcomes": [before, after],
                                "text": excerpt(rows[i]["text"])})
    for model in models:
        del model["outcomes"]  # per-row detail lives in "changed"
    return {"export": str(export), "rows": len(rows),
            "moderators": {kind: kinds.count(kind) for kind in KINDS}, "models": models, "changed": changed}


def excerpt(text: str, width: int = EXCERPT) -> str:
    """One line: newlines and runs of spaces collapsed, cut with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


def _rate(found: Mapping[str, Any]) -> str:
    return "-" if found["rate"] is None else f"{found['rate']:.3f} ({found['agree']} / {found['rows']})"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|")


def markdown(result: Mapping[str, Any]) -> str:
    """The comparison as a Markdown report."""
    models = result["models"]
    names = [f"`{m['id']}`" for m in models]
    moderators = result["moderators"]
    lines = [f"# Models on the moderators' decisions ({Path(result['export']).name})", "",
             f"{result['rows']} decided comments: {moderators[KINDS[0]]} accepted, {moderators[KINDS[1]]} "
             f"rejected for a classifier reason, {moderators[KINDS[2]]} rejected for another reason. "
             "The classifier alone at each manifest's recommended thresholds; the rules are not run.", ""]
    for model, name in zip(models, names):
        if model["trained_on_export"]:
            lines += [f"{name} was trained on this export (all but its validation and test rows): its figures "
                      "here are optimistic; its manifest's test metrics for the export's source are the "
                      "held-out measure.", ""]
    lines += ["## Agreement with the moderators", "",
              "| measure | " + " | ".join(names) + " |", "|---|" + "---:|" * len(models),
              "| agreement (accepts what they accepted, rejects what they rejected for a classifier reason) | "
              + " | ".join(_rate(m["agreement"]) for m in models) + " |"]
    for label in LABELS:
        cells = [f"{a['roc_auc']:.3f} ({a['positives']} / {a['rows']})" if a["roc_auc"] is not None else "-"
                 for a in (m["roc_auc"][label] for m in models)]
        lines.append(f"| ROC AUC `{label}` (positives / known) | " + " | ".join(cells) + " |")
    lines += ["", "## What each model would do", ""]
    for model, name in zip(models, names):
        lines += [f"{name}: would accept {model['totals']['accept']}, hold {model['totals']['review']}, "
                  f"reject {model['totals']['reject']}.", "",
                  "| moderators | accept | review | reject |", "|---|---:|---:|---:|"]
        lines += [f"| {kind} | " + " | ".join(str(model["table"][kind][o]) for o in OUTCOMES) + " |"
                  for kind in KINDS]
        lines.append("")
    if len(models) == 2:
        lines += [f"## Comments whose outcome differs ({len(result['changed'])})", ""]
        if result["changed"]:
            lines += [f"| comment_id | moderator | {names[0]} | {names[1]} | text |", "|---|---|---|---|---|"]
            lines += [f"| {_cell(c['comment_id'])} | {c['decision']} ({_cell(c['reason'])}) | {c['outcomes'][0]} "
                      f"| {c['outcomes'][1]} | {_cell(c['text'])} |" for c in result["changed"]]
        else:
            lines.append("None.")
        lines.append("")
    return "\n".join(lines)
