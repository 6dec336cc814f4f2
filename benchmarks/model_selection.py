"""Choosing the model's features, linear model, hyper-parameters and source weights by cross-validation.

    python benchmarks/model_selection.py [--data-root ../shared/data] [--rows 40000] [--folds 3]
        [--gaps 0 2] [--logistic-C 1 4] [--svm-C 0.03 0.05 0.1 0.2] [--news-weight 1 3]
        [--ratio-power 0] [--out benchmarks/results/model_selection.md]

On a fixed random sample of the training split built from training/spec.yaml, each
candidate (word pairs or not x linear model and its C x source weighting x class-ratio
scaling of the features, moderation/classifier/ratio.py) is scored by
k-fold cross-validated ROC AUC per label, pooled and per source, with features fitted
inside each fold. The chosen values go into training/spec.yaml; the results are recorded
in benchmarks/results/model_selection.md (or --out) and the .json beside it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.classifier.dataset import build_dataset, load_spec  # noqa: E402
from moderation.classifier.features import NgramFeatures  # noqa: E402
from moderation.classifier.labels import LABELS  # noqa: E402
from moderation.classifier.pipeline import LINEAR, UNKNOWN  # noqa: E402
from moderation.classifier.ratio import RatioScaled  # noqa: E402

NEWS = ("kaggle-insults", "toxic-spans")


def auc(y, p):
    return float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=40000)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--gaps", type=int, nargs="+", default=[0, 2],
                        help="word pairs across up to this many words (0: none)")
    parser.add_argument("--logistic-C", type=float, nargs="*", default=[1.0, 4.0])
    parser.add_argument("--svm-C", type=float, nargs="*", default=[0.03, 0.05, 0.1, 0.2])
    parser.add_argument("--news-weight", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--ratio-power", type=float, nargs="+", default=[0.0],
                        help="powers of the class-ratio scaling (0: none)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "model_selection.md")
    args = parser.parse_args()

    spec, _ = load_spec(ROOT / "training" / "spec.yaml")
    data = build_dataset(spec, args.data_root, ROOT / "training")
    rows = data.rows("train")
    rows = np.random.default_rng(spec.seed).choice(rows, size=min(args.rows, len(rows)), replace=False)
    texts, Y, sources = data.texts_at(rows), data.Y[rows], data.sources[rows]
    p = spec.params
    results = {}
    started = time.monotonic()
    folds = list(KFold(args.folds, shuffle=True, random_state=spec.seed).split(rows))
    models = [("logistic", C) for C in args.logistic_C] + [("svm", C) for C in args.svm_C]
    for gaps in args.gaps:
        fold_features = []
        for train_idx, test_idx in folds:
            features = NgramFeatures(tuple(p["word_ngrams"]), tuple(p["char_ngrams"]), p["word_bits"],
                                     p["char_bits"], p["min_df"], gaps, p.get("pair_bits", 18))
            features.fit([texts[i] for i in train_idx])
            fold_features.append((features.transform([texts[i] for i in train_idx]),
                                  features.transform([texts[i] for i in test_idx])))
        for (linear, C), news, power in itertools.product(models, args.news_weight, args.ratio_power):
            name = f"gaps={gaps} {linear} C={C:g} news_weight={news:g}" + (f" ratio={power:g}" if power else "")
            results[name] = evaluate(linear, C, power, np.where(np.isin(sources, NEWS), news, 1.0),
                                     folds, fold_features, Y, sources)
            print(f"{name}: " + ", ".join(f"{label} {v:.4f}" for label, v in results[name]["pooled"].items()
                                          if v is not None), flush=True)
    write(results, args, time.monotonic() - started)


def evaluate(linear: str, C: float, power: float, weights, folds, fold_features, Y, sources) -> dict:
    """Cross-validated AUC of one candidate, pooled and per source (decision values: AUC needs no calibration)."""
    scores = np.full(Y.shape, np.nan)
    for (train_idx, test_idx), (X_train, X_test) in zip(folds, fold_features):
        for k, _ in enumerate(LABELS):
            known = Y[train_idx, k] != UNKNOWN
            model = LINEAR[linear](C, None)
            model = RatioScaled(model, power) if power else model
            model.fit(X_train[known], Y[train_idx[known], k], sample_weight=weights[train_idx[known]])
            sign = 1.0 if list(model.classes_).index(1) == 1 else -1.0
            scores[test_idx, k] = sign * model.decision_function(X_test)
    cell = {"pooled": {}, "per_source": {}}
    for k, label in enumerate(LABELS):
        known = Y[:, k] != UNKNOWN
        cell["pooled"][label] = auc(Y[known, k], scores[known, k])
        for source in np.unique(sources):
            mask = known & (sources == source)
            value = auc(Y[mask, k], scores[mask, k]) if mask.any() else None
            if value is not None:
                cell["per_source"].setdefault(source, {})[label] = value
    return cell


def write(results: dict, args, seconds: float) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = ["# Model selection", "",
             f"`{' '.join(['python', 'benchmarks/model_selection.py', *sys.argv[1:]])}` "
             f"({seconds:.0f} s). {args.folds}-fold cross-validated ROC AUC on {args.rows} training rows; "
             "features fitted inside each fold. `gaps`: word pairs across up to that many words "
             "(0: none); `logistic` or `svm` (linear SVM), with its C; `ratio`: the features scaled "
             "by their class ratio to this power (moderation/classifier/ratio.py; none if not shown).", "",
             "## Best per label", "", "| label | candidate | AUC |", "|---|---|---|"]
    for label in LABELS:
        scored = [(cell["pooled"][label], name) for name, cell in results.items()
                  if cell["pooled"][label] is not None]
        if scored:
            value, name = max(scored)
            lines.append(f"| {label} | {name} | {value:.4f} |")
    lines += ["",
             "## Pooled, per label", "", "| candidate | " + " | ".join(LABELS) + " | mean |",
             "|---|" + "---|" * (len(LABELS) + 1)]
    for name, cell in results.items():
        values = [cell["pooled"][label] for label in LABELS]
        mean = np.mean([v for v in values if v is not None])
        lines.append(f"| {name} | " + " | ".join("-" if v is None else f"{v:.4f}" for v in values)
                     + f" | {mean:.4f} |")
    sources = sorted({s for cell in results.values() for s in cell["per_source"]})
    lines += ["", "## Per source (mean over the labels the source gives)", "",
              "| candidate | " + " | ".join(sources) + " |", "|---|" + "---|" * len(sources)]
    for name, cell in results.items():
        row = [np.mean(list(cell["per_source"].get(s, {}).values())) if cell["per_source"].get(s) else None
               for s in sources]
        lines.append(f"| {name} | " + " | ".join("-" if v is None else f"{v:.4f}" for v in row) + " |")
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
