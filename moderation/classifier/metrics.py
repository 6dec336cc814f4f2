"""Validation metrics for the classifier: threshold choice, per-label and per-source scores, span F1, calibration."""

from __future__ import annotations

import math
from typing import Collection, Mapping, Sequence

import numpy as np
from sklearn.metrics import (average_precision_score, f1_score, precision_recall_curve, precision_score,
                             recall_score, roc_auc_score)

from .labels import LABELS

UNKNOWN = -1  # the label matrix value for "this row's source does not give this label"


def _check(Y: np.ndarray, P: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    Y, P = np.asarray(Y), np.asarray(P, dtype=float)
    if Y.ndim != 2 or Y.shape != P.shape or Y.shape[1] != len(labels):
        raise ValueError(f"Y {Y.shape} and P {P.shape} must both be (rows, {len(labels)})")
    if not np.isin(Y, (UNKNOWN, 0, 1)).all():
        raise ValueError("Y may only hold 1, 0 or -1 (unknown)")
    return Y, P


def _known(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows where the label is known, as int truth and float scores."""
    keep = y != UNKNOWN
    return y[keep].astype(int), p[keep].astype(float)


def _num(x) -> float | None:
    """A plain float for JSON; NaN (sklearn's "undefined") becomes None because manifest.json forbids NaN."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def _operating_point(y: np.ndarray, p: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> dict:
    """Precision, recall and F1 when everything scoring >= threshold is flagged; None where undefined."""
    flagged = (p >= threshold).astype(int)
    # zero_division=nan instead of sklearn's warning-and-zero, so "undefined" stays distinguishable from 0.
    kw = {"zero_division": np.nan, "sample_weight": weights}
    return {"precision": _num(precision_score(y, flagged, **kw)),
            "recall": _num(recall_score(y, flagged, **kw)),
            "f1": _num(f1_score(y, flagged, **kw))}


def _lowest_threshold(precision: np.ndarray, flagged: np.ndarray, target: float, min_flagged: int) -> int | None:
    """Index of the lowest threshold with precision >= target over at least min_flagged flagged rows."""
    ok = np.flatnonzero((precision >= target) & (flagged >= min_flagged))
    return int(ok[0]) if ok.size else None


def pick_thresholds(Y: np.ndarray, P: np.ndarray, *, labels: Sequence[str] = LABELS,
                    reject_precision: float = 0.95, review_precision: float = 0.70,
                    min_positives: int = 20, review_only: Collection[str] = (),
                    review_weights: np.ndarray | None = None,
                    label_reject_precision: Mapping[str, float] | None = None) -> dict[str, dict]:
    """Per label, the lowest score thresholds that reach the reject and review precisions on validation data.

    A comment is flagged when its score >= the threshold. The precision at the highest thresholds rests on a
    handful of comments, so a threshold only counts once at least min_positives rows score at or above it.
    A target never reached gives reject = 1.0 (never reject) and reject_reached False; review then falls back
    to reject. Review is never above reject. A label in review_only gets no reject threshold, as if never
    reached, and its review threshold is held to the reject precision: holding is all it does, and each
    comment it holds wrongly waits in a moderator's queue.

    ``review_weights`` (one per row) weigh the rows when the review thresholds are chosen and
    their precision and recall measured; the reject thresholds always count each row once.
    ``label_reject_precision`` sets the reject precision of the labels it names.
    """
    Y, P = _check(Y, P, labels)
    if review_weights is not None:
        review_weights = np.asarray(review_weights, dtype=float)
        if review_weights.shape != (Y.shape[0],) or not (review_weights > 0).all():
            raise ValueError(f"review_weights must be {Y.shape[0]} positive numbers, one per row")
    out = {}
    for j, label in enumerate(labels):
        y, p = _known(Y[:, j], P[:, j])
        w = None if review_weights is None else review_weights[Y[:, j] != UNKNOWN]
        positives = int(y.sum())
        reject = review = None
        if positives:
            precision, _, thresholds = precision_recall_curve(y, p)
            precision = precision[:-1]  # the last point (precision 1, recall 0) has no threshold
            # The same thresholds (every distinct score) with the rows weighed.
            weighed = precision if w is None else precision_recall_curve(y, p, sample_weight=w)[0][:-1]
            flagged = p.size - np.searchsorted(np.sort(p), thresholds, side="left")
            only = label in review_only
            rejecting = (label_reject_precision or {}).get(label, reject_precision)
            i = None if only else _lowest_threshold(precision, flagged, rejecting, min_positives)
            k = _lowest_threshold(weighed, flagged, rejecting if only else review_precision, min_positives)
            reject = float(thresholds[i]) if i is not None else None
            review = float(thresholds[k]) if k is not None else None
        reached = reject is not None
        # "Never reject": nothing is flagged, so precision is undefined and no positive is caught.
        never = {"precision": None, "recall": 0.0 if positives else None}
        reject = reject if reached else 1.0
        at_reject = _operating_point(y, p, reject) if reached else never
        if review is None:
            review = reject
            at_review = _operating_point(y, p, reject, w) if reached and w is not None else at_reject
        else:
            review = min(review, reject)
            at_review = _operating_point(y, p, review, w)
        out[label] = {
            "reject": reject, "review": review,
            "reject_precision": at_reject["precision"], "reject_recall": at_reject["recall"],
            "review_precision": at_review["precision"], "review_recall": at_review["recall"],
            "positives": positives, "rows": int(y.size), "reject_reached": reached,
        }
        if w is not None:
            out[label]["review_weighted"] = True
    return out


def _label_metrics(y: np.ndarray, p: np.ndarray, thresholds: Mapping[str, float]) -> dict:
    positives = int(y.sum())
    both = 0 < positives < y.size
    best = {"threshold": None, "f1": None}
    if positives:
        precision, recall, cut = precision_recall_curve(y, p)
        precision, recall = precision[:-1], recall[:-1]
        denom = precision + recall
        f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(denom), where=denom > 0)
        b = int(np.argmax(f1))
        best = {"threshold": float(cut[b]), "f1": float(f1[b])}
    return {
        "rows": int(y.size), "positives": positives,
        "roc_auc": float(roc_auc_score(y, p)) if both else None,  # AUC needs both classes
        "average_precision": float(average_precision_score(y, p)) if positives else None,
        "reject": _operating_point(y, p, float(thresholds["reject"])),
        "review": _operating_point(y, p, float(thresholds["review"])),
        "best_f1": best,
    }


def _metrics_over(Y: np.ndarray, P: np.ndarray, labels: Sequence[str], thresholds) -> dict:
    """Metrics per label over the given rows; a label with no known row is left out, not reported as empty."""
    out = {}
    for j, label in enumerate(labels):
        y, p = _known(Y[:, j], P[:, j])
        if y.size:
            out[label] = _label_metrics(y, p, thresholds[label])
    return out


def evaluate(Y: np.ndarray, P: np.ndarray, sources: Sequence[str],
             thresholds: Mapping[str, Mapping[str, float]], *, labels: Sequence[str] = LABELS) -> dict:
    """{"overall": {label: m}, "per_source": {source: {label: m}}}, each over the rows where the label is known."""
    Y, P = _check(Y, P, labels)
    sources = np.asarray([str(s) for s in sources], dtype=object)
    if sources.shape != (Y.shape[0],):
        raise ValueError(f"{sources.size} sources for {Y.shape[0]} rows")
    missing = [label for label in labels if label not in thresholds]
    if missing:
        raise ValueError(f"no thresholds for labels {missing}")
    return {
        "overall": _metrics_over(Y, P, labels, thresholds),
        "per_source": {s: _metrics_over(Y[sources == s], P[sources == s], labels, thresholds)
                       for s in sorted(set(sources))},
    }


def macro_f1(y_true: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Mean of the F1 of both classes when scores >= threshold are called positive; unknown (-1) rows dropped.

    A class absent from both truth and prediction counts as F1 1.0: the prediction agrees with it perfectly.
    """
    y, p = _known(np.asarray(y_true), np.asarray(scores, dtype=float))
    if not y.size:
        raise ValueError("macro_f1 needs at least one known row")
    return float(f1_score(y, (p >= threshold).astype(int), average="macro", labels=[0, 1], zero_division=1.0))


def span_f1(predicted: Sequence[Collection[int]], gold: Sequence[Collection[int]]) -> float:
    """SemEval-2021 Task 5 (Toxic Spans) F1: the mean over posts of the F1 between character-offset sets."""
    if len(predicted) != len(gold):
        raise ValueError(f"{len(predicted)} predictions for {len(gold)} posts")
    if not gold:
        raise ValueError("span_f1 needs at least one post")
    total = 0.0
    for pred, true in zip(predicted, gold):
        pred, true = set(pred), set(true)
        if not true:
            total += 1.0 if not pred else 0.0  # a post with no toxic span rewards predicting none
        elif pred:
            hit = len(pred & true)
            total += 2 * hit / (len(pred) + len(true))  # = 2PR / (P + R)
    return total / len(gold)


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-width score bins over [0, 1]: mean predicted score, observed positive rate and count per bin.

    Every bin is listed so tables line up across labels; an empty bin has None for its rates.
    """
    y, p = _known(np.asarray(y), np.asarray(p, dtype=float))
    edges = np.linspace(0.0, 1.0, bins + 1)
    # A score of exactly 1.0 belongs in the last bin, not one past it.
    index = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    table = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        table.append({"bin": b, "lower": float(edges[b]), "upper": float(edges[b + 1]),
                      "mean_predicted": float(p[inside].mean()) if n else None,
                      "observed_rate": float(y[inside].mean()) if n else None, "count": n})
    return table
