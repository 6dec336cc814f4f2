"""Classifier quality per source and label on the held-out splits, next to two baselines scored in the same run.

    python benchmarks/quality.py [--model DIR] [--config config.yaml] [--data-root ../shared/data] [--quick]

Three systems, each scored on the test rows of the dataset that training/spec.yaml builds
(build_dataset with the spec's seed: the same splits training used):
- ours: the model directory (default: the one config.yaml pins), via evaluate.open_candidate/score;
- alt-profanity-check: its one profanity probability on the raw texts, used as every label's score;
- tfidf-lr: TfidfVectorizer (defaults, word 1-2-grams) + LogisticRegression fitted on the Kaggle
  insults training rows of that split alone; its insult probability is every label's score.
Reported: ROC AUC per source x label; precision/recall/F1 on test at thresholds chosen on the
validation rows (ours: the manifest's reject and review thresholds, and for every system the
best-F1 threshold on validation per label); Kaggle insults 5-fold cross-validated personal_attack
AUC of our pipeline and of tfidf-lr on the same folds; OLID official test macro-F1 (offensive vs
not, threshold chosen on OLID validation); and, per source and label, our AUC minus
alt-profanity-check's with a paired bootstrap 95% interval (test rows resampled within each
class), which says whether a gap is larger than the sampling error of that many rows. Writes
benchmarks/results/quality.md and quality.json;
--quick subsamples (300 rows per source and split, 1,000 Kaggle rows for the folds) and writes
quality-quick.md/.json instead. Needs `pip install alt-profanity-check` (it pins scikit-learn to
its own version: check that it matches before installing, or the model will not load).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np
from scipy.stats import rankdata
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.classifier import evaluate, metrics  # noqa: E402
from moderation.classifier.labels import LABELS  # noqa: E402
from moderation.classifier.pipeline import UNKNOWN, build_pipeline  # noqa: E402
from moderation.classifier.train import olid_macro_f1  # noqa: E402

from benchmarks import served_data  # noqa: E402

try:
    from profanity_check import predict_prob
except ImportError:
    sys.exit("alt-profanity-check is missing: pip install alt-profanity-check")

SYSTEMS = ("ours", "alt-profanity-check", "tfidf-lr")
RESAMPLES = 1000  # bootstrap resamples of each source's test rows
KAGGLE, K_ATTACK = "kaggle-insults", LABELS.index("personal_attack")


def tfidf_lr():
    """The plain baseline: TF-IDF defaults over word 1-2-grams, then a logistic regression."""
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000))


def positive_proba(model, texts: list[str]) -> np.ndarray:
    return model.predict_proba(texts)[:, list(model.classes_).index(1)]


def every_label(p: np.ndarray) -> np.ndarray:
    """One score used for all labels: a (rows, labels) matrix of copies."""
    return np.repeat(np.asarray(p, dtype=float)[:, None], len(LABELS), axis=1)


def subsample(rows: np.ndarray, sources: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """At most `cap` rows per source, drawn with a fixed seed; the order of rows is kept."""
    rng = np.random.default_rng(seed)
    keep = [rng.permutation(rows[sources[rows] == s])[:cap] for s in np.unique(sources[rows])]
    return np.sort(np.concatenate(keep))


def best_f1_thresholds(Y: np.ndarray, P: np.ndarray, sources: np.ndarray) -> dict[str, float | None]:
    """Per label, the threshold that maximizes F1 over all validation rows where the label is known."""
    placeholder = {label: {"reject": 0.5, "review": 0.5} for label in LABELS}
    overall = metrics.evaluate(Y, P, sources, placeholder)["overall"]
    return {label: overall.get(label, {}).get("best_f1", {}).get("threshold") for label in LABELS}


def served_thresholds(recommended: dict) -> dict[str, dict[str, float | None]]:
    """The manifest's reject and review thresholds as serving applies them (classifier/serving.py):
    a precision never reached on validation is None here, a level that flags nothing."""
    out = {}
    for label, found in recommended.items():
        reject = float(found["reject"]) if found.get("reject_reached", True) else None
        review = float(found["review"]) if found.get("review_precision") is not None else reject
        if review is not None and reject is not None:
            review = min(review, reject)
        out[label] = {"reject": reject, "review": review}
    return out


def at(thresholds: dict) -> dict[str, dict[str, float]]:
    """Thresholds in the shape metrics.evaluate takes: a bare number stands for both levels; None flags nothing."""
    def level(t):
        return np.inf if t is None else t
    return {label: {"reject": level(t["reject"]), "review": level(t["review"])} if isinstance(t, dict)
            else {"reject": level(t), "review": level(t)} for label, t in thresholds.items()}


def kaggle_cv(data, params: dict, seed: int, cap: int | None) -> dict:
    """personal_attack ROC AUC over 5 stratified folds of every Kaggle row: ours, tfidf-lr, and apc unfitted."""
    rows = np.flatnonzero((data.sources == KAGGLE) & (data.Y[:, K_ATTACK] != UNKNOWN))
    if cap:
        rows = subsample(rows, data.sources, cap, seed)
    y = data.Y[rows, K_ATTACK].astype(int)
    skeletons, raw = data.texts_at(rows), [data.examples[i].text for i in rows]
    apc = predict_prob(raw)
    folds = {s: [] for s in SYSTEMS}
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(rows, y):
        # Our pipeline with one label: Kaggle gives no other label, and fit needs both classes per label.
        ours = build_pipeline(params).set_params(classify__labels=("personal_attack",))
        ours.fit([skeletons[i] for i in train], y[train, None])
        folds["ours"].append(roc_auc_score(y[test], ours.predict_proba([skeletons[i] for i in test])[:, 0]))
        base = tfidf_lr().fit([raw[i] for i in train], y[train])
        folds["tfidf-lr"].append(roc_auc_score(y[test], positive_proba(base, [raw[i] for i in test])))
        folds["alt-profanity-check"].append(roc_auc_score(y[test], apc[test]))
    return {"rows": int(y.size), "positives": int(y.sum()), "folds": 5, "seed": seed,
            "auc": {s: {"mean": round(float(np.mean(v)), 4), "std": round(float(np.std(v)), 4),
                        "per_fold": [round(float(a), 4) for a in v]} for s, v in folds.items()}}


def ahead_of_apc(tests: dict, gaps: dict) -> dict:
    """Per source, the labels where our test AUC is not above alt-profanity-check's (both defined),
    and of those, the ones where the whole bootstrap interval of the difference is below zero."""
    out = {}
    for source, per_label in tests["ours"]["per_source"].items():
        behind, compared, clearly = [], [], []
        for label, m in per_label.items():
            theirs = tests["alt-profanity-check"]["per_source"][source][label]["roc_auc"]
            if m["roc_auc"] is None or theirs is None:
                continue
            compared.append(label)
            if m["roc_auc"] <= theirs:
                behind.append(label)
                if gaps[source][label]["high"] < 0:
                    clearly.append(label)
        out[source] = {"compared": compared, "behind_on": behind, "clearly_behind_on": clearly,
                       "ahead": bool(compared) and not behind}
    return out


def auc_by_ranks(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC from the positives' mid-ranks (ties count half), as roc_auc_score gives it."""
    ranks = rankdata(p)
    positives = int(y.sum())
    negatives = y.size - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def auc_gaps(Y: np.ndarray, ours: np.ndarray, theirs: np.ndarray, sources: np.ndarray, seed: int) -> dict:
    """{source: {label: {difference, low, high}}}: our AUC minus theirs on the same test rows, and the
    2.5th and 97.5th percentiles of that difference over paired resamples (positives and negatives
    drawn with replacement, each class keeping its size)."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict] = {}
    for source in sorted(set(sources)):
        out[source] = {}
        for k, label in enumerate(LABELS):
            rows = np.flatnonzero((sources == source) & (Y[:, k] != UNKNOWN))
            y = Y[rows, k]
            positives, negatives = rows[y == 1], rows[y == 0]
            if not positives.size or not negatives.size:
                continue
            truth = np.r_[np.ones(positives.size), np.zeros(negatives.size)]
            diffs = []
            for _ in range(RESAMPLES):
                drawn = np.r_[rng.choice(positives, positives.size), rng.choice(negatives, negatives.size)]
                diffs.append(auc_by_ranks(truth, ours[drawn, k]) - auc_by_ranks(truth, theirs[drawn, k]))
            low, high = np.percentile(diffs, [2.5, 97.5])
            both = np.r_[positives, negatives]
            out[source][label] = {
                "difference": round(auc_by_ranks(truth, ours[both, k]) - auc_by_ranks(truth, theirs[both, k]), 4),
                "low": round(float(low), 4), "high": round(float(high), 4)}
    return out


def fmt(x, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def point(m: dict) -> str:
    """An operating point as 'F1 (P / R)'."""
    return f"{fmt(m['f1'])} ({fmt(m['precision'])} / {fmt(m['recall'])})"


def scopes(tests: dict):
    """(source, label) pairs with positives in test, in report order: all sources first, then each source."""
    for label, m in tests["ours"]["overall"].items():
        if m["positives"]:
            yield "all", label
    for source, per_label in tests["ours"]["per_source"].items():
        for label, m in per_label.items():
            if m["positives"]:
                yield source, label


def cell(result: dict, system: str, source: str, label: str) -> dict:
    tests = result["test_ours_at_manifest"] if system == "manifest" else result["test"][system]
    return (tests["overall"] if source == "all" else tests["per_source"][source])[label]


def targets_section(result: dict) -> list[str]:
    cv, olid, ahead = (result["targets"][k] for k in ("kaggle_cv", "olid_abuse_macro_f1", "ahead_of_apc"))
    auc = cv["auc"]
    lines = ["## Targets", "", "| target | reference | " + " | ".join(SYSTEMS) + " | met |",
             "|---|---|---|---|---|---|",
             f"| Kaggle insults 5-fold CV ROC AUC, personal_attack ({cv['rows']:,} rows) | >= 0.91 | "
             + " | ".join(f"{auc[s]['mean']:.3f} ± {auc[s]['std']:.3f}" for s in SYSTEMS)
             + f" | {'yes' if auc['ours']['mean'] >= 0.91 else 'no'} |"]
    if olid["ours"]:
        lines.append("| OLID official test macro-F1, offensive vs not (threshold @ chosen on OLID validation) "
                     "| >= 0.78 (OffensEval 2019 best 0.829) | "
                     + " | ".join(f"{olid[s]['macro_f1']:.3f} @ {olid[s]['threshold']:.3f}" for s in SYSTEMS)
                     + f" | {'yes' if olid['ours']['macro_f1'] >= 0.78 else 'no'} |")
    compared = [s for s, v in ahead.items() if v["compared"]]
    behind = {s: ahead[s]["behind_on"] for s in compared if not ahead[s]["ahead"]}
    verdict = "yes" if not behind else "no: behind on " + "; ".join(f"{s} ({', '.join(v)})" for s, v in behind.items())
    clearly = {s: ahead[s]["clearly_behind_on"] for s in compared if ahead[s]["clearly_behind_on"]}
    beyond = ("; ".join(f"{s} ({', '.join(v)})" for s, v in clearly.items()) if clearly
              else "none: every gap is within its bootstrap interval")
    lines += [f"| Ahead of alt-profanity-check on every source (test ROC AUC, every label the source gives) "
              f"| every source | ahead on {len(compared) - len(behind)} of {len(compared)} | | | {verdict} |", "",
              f"Behind beyond sampling error (the whole 95% bootstrap interval of the AUC difference below zero, "
              f"section below): {beyond}.", "",
              "The Kaggle folds are stratified, shuffled with the spec's seed, over every Kaggle row (all splits). "
              "Ours is `build_pipeline(spec params)` with `classify__labels=(\"personal_attack\",)`, fitted on "
              "each fold's skeletons; alt-profanity-check is not fitted, only scored on the same folds.", "",
              "alt-profanity-check was trained on the whole davidson2017 corpus (its package description names "
              "it, with Jigsaw's Wikipedia comments), so its davidson2017 figures are on rows it learned from.", ""]
    return lines


def auc_section(result: dict) -> list[str]:
    lines = ["## ROC AUC on test", "",
             "Baselines give one score for every label (a profanity or an insult probability). Only source x "
             "label pairs with positives in test are listed; `n/a` where every known row is positive.", "",
             "| source | label | rows | positives | " + " | ".join(SYSTEMS) + " |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for source, label in scopes(result["test"]):
        m = cell(result, "ours", source, label)
        lines.append(f"| {source} | {label} | {m['rows']:,} | {m['positives']:,} | "
                     + " | ".join(fmt(cell(result, s, source, label)["roc_auc"]) for s in SYSTEMS) + " |")
    return lines + [""]


def gap_section(result: dict) -> list[str]:
    gaps = result["auc_gap_vs_apc"]
    lines = ["## Ours minus alt-profanity-check, with sampling error", "",
             f"Test ROC AUC difference per source and label, and its paired bootstrap 95% interval ({RESAMPLES} "
             "resamples of the source's test rows, positives and negatives drawn separately). An interval that "
             "holds zero means that many rows cannot tell the two apart.", "",
             "| source | label | positives / negatives | ours - apc | 95% interval |", "|---|---|---:|---:|---|"]
    for source, per_label in gaps.items():
        for label, g in per_label.items():
            m = cell(result, "ours", source, label)
            lines.append(f"| {source} | {label} | {m['positives']:,} / {m['rows'] - m['positives']:,} "
                         f"| {g['difference']:+.3f} | {g['low']:+.3f} to {g['high']:+.3f} |")
    return lines + [""]


def f1_section(result: dict) -> list[str]:
    lines = ["## F1 (precision / recall) on test at thresholds chosen on validation", "",
             "ours reject / review: the manifest's thresholds as serving applies them (the lowest scores reaching "
             "the spec's reject and review precision on validation, metrics.pick_thresholds). best-F1: for each system, the threshold "
             "maximizing F1 over all validation rows of the label.", "",
             "| source | label | ours reject | ours review | " + " | ".join(f"{s} best-F1" for s in SYSTEMS) + " |",
             "|---|---|---|---|---|---|---|"]
    for source, label in scopes(result["test"]):
        manifest = cell(result, "manifest", source, label)
        lines.append(f"| {source} | {label} | {point(manifest['reject'])} | {point(manifest['review'])} | "
                     + " | ".join(point(cell(result, s, source, label)["reject"]) for s in SYSTEMS) + " |")
    chosen = result["thresholds"]
    lines += ["", "Thresholds:", "", "| label | ours reject | ours review | "
              + " | ".join(f"{s} best-F1" for s in SYSTEMS) + " |", "|---|---:|---:|---:|---:|---:|"]
    for label in LABELS:
        m = chosen["ours_manifest"][label]
        shown = [m["reject"], m["review"], *(chosen["best_f1_on_validation"][s][label] for s in SYSTEMS)]
        lines.append(f"| {label} | " + " | ".join("never" if t is None else fmt(t) for t in shown) + " |")
    return lines + [""]


def write_markdown(result: dict, path: Path) -> None:
    meta = result["meta"]
    lines = ["# Classifier quality: ours, alt-profanity-check and TF-IDF + LR", "",
             "```sh", result["command"], "```", "",
             f"Measured {meta['date']}{' (--quick: subsampled, smoke run only)' if meta['quick'] else ''}: "
             f"model `{meta['model']['id']}` (sha256 `{meta['model']['sha256'][:12]}`), "
             f"scikit-learn {meta['versions']['scikit-learn']}, alt-profanity-check "
             f"{meta['versions']['alt-profanity-check']}; spec seed {meta['seed']}, {meta['rows']['test']:,} test and "
             f"{meta['rows']['validation']:,} validation rows; tfidf-lr fitted on {meta['kaggle_train_rows']:,} Kaggle "
             f"training rows. {meta['seconds']['total']} s on the shared 2-core machine.", ""]
    if not meta["model_spec_matches"]:
        lines += ["**Warning: the model's manifest records a different seed, split or source list than "
                  "training/spec.yaml, so these test rows may not have been held out from it.**", ""]
    lines += targets_section(result) + auc_section(result) + gap_section(result) + f1_section(result)
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    served_data.add_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="subsample for a smoke run")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    started, seconds = time.monotonic(), {}

    model_dir, artifact, spec, data, same_spec = served_data.open_model_and_data(args)
    seconds["dataset"] = round(time.monotonic() - started, 1)

    rows = {split: data.rows(split) for split in ("validation", "test")}
    if args.quick:
        rows = {split: subsample(r, data.sources, 300, spec.seed) for split, r in rows.items()}
    raw = {split: [data.examples[i].text for i in r] for split, r in rows.items()}
    t = time.monotonic()
    kaggle_train = np.flatnonzero((data.sources == KAGGLE) & (data.splits == "train")
                                  & (data.Y[:, K_ATTACK] != UNKNOWN))
    baseline = tfidf_lr().fit([data.examples[i].text for i in kaggle_train], data.Y[kaggle_train, K_ATTACK])
    P = {"ours": {s: evaluate.score(artifact, raw[s]) for s in rows},
         "alt-profanity-check": {s: every_label(predict_prob(raw[s])) for s in rows},
         "tfidf-lr": {s: every_label(positive_proba(baseline, raw[s])) for s in rows}}
    seconds["scoring"] = round(time.monotonic() - t, 1)

    Y = {s: data.Y[r] for s, r in rows.items()}
    src = {s: data.sources[r] for s, r in rows.items()}
    thresholds, tests = {}, {}
    for system in SYSTEMS:
        thresholds[system] = best_f1_thresholds(Y["validation"], P[system]["validation"], src["validation"])
        tests[system] = metrics.evaluate(Y["test"], P[system]["test"], src["test"], at(thresholds[system]))
    manifest_thresholds = served_thresholds(artifact.manifest["thresholds"])
    ours_at_manifest = metrics.evaluate(Y["test"], P["ours"]["test"], src["test"], at(manifest_thresholds))

    t = time.monotonic()
    cv = kaggle_cv(data, spec.params, spec.seed, 1000 if args.quick else None)
    seconds["kaggle_cv"] = round(time.monotonic() - t, 1)
    olid = {s: olid_macro_f1(data, rows["validation"], P[s]["validation"], rows["test"], P[s]["test"])
            for s in SYSTEMS}
    t = time.monotonic()
    gaps = auc_gaps(Y["test"], P["ours"]["test"], P["alt-profanity-check"]["test"], src["test"], spec.seed)
    seconds["bootstrap"] = round(time.monotonic() - t, 1)
    seconds["total"] = round(time.monotonic() - started, 1)

    result = {
        "command": " ".join(["python", "benchmarks/quality.py", *sys.argv[1:]]),
        "meta": {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "quick": args.quick,
                 "model": {"id": artifact.id, "sha256": artifact.sha256, "path": str(model_dir)},
                 "model_spec_matches": same_spec, "seed": spec.seed, "data_root": str(args.data_root),
                 "rows": {s: int(r.size) for s, r in rows.items()}, "kaggle_train_rows": int(kaggle_train.size),
                 "versions": {"python": platform.python_version(), "scikit-learn": version("scikit-learn"),
                              "alt-profanity-check": version("alt-profanity-check")},
                 "seconds": seconds},
        "thresholds": {"ours_manifest": manifest_thresholds, "best_f1_on_validation": thresholds},
        "test": tests, "test_ours_at_manifest": ours_at_manifest,
        "auc_gap_vs_apc": gaps,
        "targets": {"kaggle_cv": cv, "olid_abuse_macro_f1": olid, "ahead_of_apc": ahead_of_apc(tests, gaps)},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "quality-quick" if args.quick else "quality"
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    write_markdown(result, args.out / f"{stem}.md")
    print(f"wrote {args.out / stem}.md and .json in {seconds['total']} s")


if __name__ == "__main__":
    main()
