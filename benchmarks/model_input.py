"""What the model reads, compared: group names as written, unified per group, masked or removed.

    python benchmarks/model_input.py [--models DIR] [--data-root ../shared/data]

Trains one model per input of moderation/classifier/model_input.py from training/spec.yaml
(only `input` changed; about 2.5 minutes each on two cores), or reuses the models in --models
trained from the same spec and labeled files, and measures each side by side:

- test ROC AUC per label and OLID macro-F1, from the model's own manifest;
- the group template sentences of tests/test_group_templates.py held or rejected by the
  whole service (rules and that model): all of them must be accepted;
- on the case files of tests/cases/, criticism rejected and hard negatives not accepted
  by the whole service;
- p50 of scoring one comment (bench_decide's 300-character comments), the models taking
  turns in one run.

Writes benchmarks/results/model_input.md and .json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from moderation import Moderator  # noqa: E402
from moderation.classifier.labels import LABELS  # noqa: E402
from moderation.decision import CommentContext  # noqa: E402
from moderation.classifier.model_input import INPUTS  # noqa: E402
from moderation.classifier.train import train  # noqa: E402
from moderation.rules import build_rules  # noqa: E402
from moderation.settings import load_settings  # noqa: E402

from bench_decide import CASES  # noqa: E402
from rules_cases import cases, measure  # noqa: E402
from speed import with_classifier  # noqa: E402
from tests.test_group_templates import SENTENCES  # noqa: E402


def spec_with_input(spec_path: Path, kind: str, out: Path) -> Path:
    """A copy of the spec with another input; its relative paths made absolute."""
    raw = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    raw["input"] = kind
    for entry in [*raw.get("files", []), *raw.get("moderator_exports", [])]:
        entry["path"] = str((spec_path.parent / entry["path"]).resolve())
    out.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return out


def model_for(kind: str, models: Path, spec_path: Path, data_root: Path) -> Path:
    """The model of this input, trained unless --models holds one from the same spec and files."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = spec_with_input(spec_path, kind, Path(tmp) / "spec.yaml")
        model_id = f"{kind}-{spec_digest(spec)}"
        model_dir = models / model_id
        if not (model_dir / "manifest.json").is_file():
            train(spec, data_root, models, model_id=model_id, progress=lambda m: print(f"  [{kind}] {m}", flush=True))
    return model_dir


def spec_digest(spec: Path) -> str:
    """sha256 (12 digits) of a spec and of the labeled files it names: a model reused from
    --models must come from the same training data, not only the same input."""
    digest = hashlib.sha256(spec.read_bytes())
    raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
    for entry in [*raw.get("files", []), *raw.get("moderator_exports", [])]:
        digest.update(Path(entry["path"]).read_bytes())
    return digest.hexdigest()[:12]


def scoring_p50s(moderators: dict[str, Moderator], n: int, rounds: int = 10) -> dict[str, float]:
    """Milliseconds to score one comment with each model, median over the cases; the models
    take turns, round after round, so a busy spell of the machine falls on all of them."""
    scorers = {kind: next(r for r in m.rules if getattr(r, "name", None) == "classifier").scorer
               for kind, m in moderators.items()}
    skeletons = [CommentContext.build(text).views.skeleton.text for text in CASES.values()]
    samples: dict[str, list[float]] = {kind: [] for kind in scorers}
    for _ in range(rounds):
        for kind, scorer in scorers.items():
            for skeleton in skeletons:
                for _ in range(20):
                    scorer.score(skeleton)
                for _ in range(n // rounds):
                    t0 = time.perf_counter_ns()
                    scorer.score(skeleton)
                    samples[kind].append((time.perf_counter_ns() - t0) / 1e6)
    return {kind: round(statistics.median(v), 4) for kind, v in samples.items()}


def measure_model(model_dir: Path, full: Moderator, rules_only: Moderator) -> dict:
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    decisions = dict(zip(SENTENCES, full.check_many(SENTENCES)))
    held = sorted(t for t, d in decisions.items() if d.decision != "accept")
    files = {path.stem: measure(rules_only, full, cases(path))
             for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")) if path.stem != "corrections"}
    return {
        "model": manifest["id"], "sha256": manifest["sha256"], "input": manifest.get("input"),
        "roc_auc": {label: round(manifest["metrics"]["overall"][label]["roc_auc"], 4) for label in LABELS},
        "olid_macro_f1": manifest["metrics"]["olid_abuse_macro_f1"]["macro_f1"],
        "explain_span_f1": manifest["explain_span_f1"].get("test_f1"),
        "templates": len(SENTENCES), "templates_not_accepted": len(held), "templates_held_examples": held[:5],
        "criticism": sum(f["criticism"] for f in files.values()),
        "criticism_rejected": sum(f["criticism_rejected"] for f in files.values()),
        "negatives": sum(f["negatives"] for f in files.values()),
        "negatives_not_accepted": sum(f["negatives_not_accepted"] for f in files.values()),
        "negatives_not_accepted_by_file": {name: f["negatives_not_accepted"] for name, f in files.items()},
    }


def write(results: dict, out: Path, seconds: float) -> None:
    kinds = list(results)
    row = lambda name, f: f"| {name} | " + " | ".join(f(results[k]) for k in kinds) + " |"  # noqa: E731
    lines = ["# What the model reads: group names as written, unified, masked or removed", "", "```sh",
             "python benchmarks/model_input.py", "```", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} in {seconds:.0f} s: one model per "
             "input, trained from training/spec.yaml with only `input` changed, measured side by side.", "",
             "- `skeleton`: the names as written (in the skeleton view).",
             "- `skeleton-groups-unified`: every form of a group's name as one word (\"moslems\" reads \"muslim\").",
             "- `skeleton-groups-masked`: every group as the same placeholder word.",
             "- `skeleton-groups-removed`: no group names at all (the served input).", "",
             "| measure | " + " | ".join(f"`{k}`" for k in kinds) + " |", "|---|" + "---:|" * len(kinds)]
    lines.append(row("model (sha256)", lambda r: f"`{r['input']}` (`{r['sha256'][:12]}`)"))
    for label in LABELS:
        lines.append(row(f"test ROC AUC, {label}", lambda r, label=label: f"{r['roc_auc'][label]:.4f}"))
    lines.append(row("OLID macro-F1", lambda r: f"{r['olid_macro_f1']:.4f}"))
    lines.append(row("explanation span F1 (toxic-spans)", lambda r: f"{r['explain_span_f1']:.4f}"))
    lines.append(row("group templates not accepted", lambda r: f"{r['templates_not_accepted']} / {r['templates']}"))
    lines.append(row("criticism rejected (case files)", lambda r: f"{r['criticism_rejected']} / {r['criticism']}"))
    lines.append(row("hard negatives held or rejected (case files)",
                     lambda r: f"{r['negatives_not_accepted']} / {r['negatives']}"))
    for name in results[kinds[0]]["negatives_not_accepted_by_file"]:
        lines.append(row(f"&nbsp;&nbsp;of which {name}", lambda r, name=name: str(r["negatives_not_accepted_by_file"][name])))
    lines.append(row("scoring one comment, p50 ms (models taking turns)", lambda r: f"{r['scoring_p50_ms']:.4f}"))
    lines += ["", "Group templates: tests/test_group_templates.py, every template with every group term, "
              "which the whole service must accept. Case files: benchmarks/rules_cases.py's measure, summed "
              "over tests/cases/. The reasons for the served input are in moderation/classifier/model_input.py.",
              "", "Templates still held:", ""]
    for k in kinds:
        lines.append(f"- `{k}`: " + ("; ".join(f'"{t}"' for t in results[k]["templates_held_examples"]) or "none"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "model_input.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "model_input.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "moderation-model-inputs",
                        help="where the compared models are trained, or found from an earlier run")
    parser.add_argument("--spec", type=Path, default=ROOT / "training" / "spec.yaml")
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--n", type=int, default=2000, help="timed scorings per comment")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    started = time.monotonic()
    settings = load_settings(ROOT / "config.yaml")
    models = {kind: model_for(kind, args.models, args.spec, args.data_root) for kind in INPUTS}
    moderators = {kind: Moderator(with_classifier(settings, model_dir)) for kind, model_dir in models.items()}
    rules_only = Moderator(settings, rules=build_rules(settings))  # the same for every model
    results = {kind: measure_model(models[kind], moderators[kind], rules_only) for kind in models}
    for kind, p50 in scoring_p50s(moderators, args.n).items():
        results[kind]["scoring_p50_ms"] = p50
    write(results, args.out, time.monotonic() - started)


if __name__ == "__main__":
    main()
