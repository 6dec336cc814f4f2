"""Each published rule measured on its hand-written case files, and the cost of all rules together.

    python benchmarks/rules_cases.py [--n 5000]

For every file tests/cases/<rule>.jsonl (one case per line: text, the expected reason
code or null, the expected action, and its kind: positive, hard_negative or criticism):

- precision and recall of the expected code from the rules alone (the classifier off);
- the false-reject rate of the whole service (rules and the served model) on the
  criticism cases, which must be zero, and on all hard negatives;
- p50 of one decision with the first-stage rules (length and word lists) and with every
  rule, measured side by side in one run, the two taking turns.

Writes benchmarks/results/rules.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.rules import build_rules  # noqa: E402
from moderation.settings import load_settings  # noqa: E402

from bench_decide import CASES  # noqa: E402

FIRST_STAGE = ("length", "abusive_language", "identity_hate")


def cases(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rule_codes(decision) -> set[str]:
    return {r.code for r in decision.reasons if r.source != "model"}


def measure(rules_only: Moderator, full: Moderator, items: list[dict]) -> dict:
    tp = fp = fn = 0
    criticism = [c for c in items if c.get("kind") == "criticism"]
    negatives = [c for c in items if c.get("code") is None]
    for case in items:
        expected = case.get("code")
        found = rule_codes(rules_only.check(case["text"]))
        own = {expected} if expected else set()
        if expected and expected in found:
            tp += 1
        elif expected:
            fn += 1
        codes_of_file = {c["code"] for c in items if c.get("code")}
        if (found & codes_of_file) - own:
            fp += 1
    rejected = [c["text"] for c in criticism if full.check(c["text"]).decision == "reject"]
    held = [c["text"] for c in negatives if full.check(c["text"]).decision != "accept"]
    return {"cases": len(items), "positives": sum(1 for c in items if c.get("code")),
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "criticism": len(criticism), "criticism_rejected": len(rejected), "rejected_examples": rejected[:3],
            "negatives": len(negatives), "negatives_not_accepted": len(held)}


def p50s(first: Moderator, every: Moderator, text: str, n: int, rounds: int = 20) -> tuple[float, float]:
    """p50 of one decision with the first-stage rules and with every rule, the two taking turns
    round after round, so that a busy spell of the shared machine falls on both alike."""
    for moderator in (first, every):
        for _ in range(200):
            moderator.check(text)
    samples: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(rounds):
        for k, moderator in enumerate((first, every)):
            for _ in range(max(1, n // rounds)):
                t0 = time.perf_counter_ns()
                moderator.check(text)
                samples[k].append((time.perf_counter_ns() - t0) / 1e6)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    settings = load_settings(ROOT / "config.yaml")
    everything = build_rules(settings)
    rules_only = Moderator(settings, rules=everything)
    full = Moderator(settings)
    first = Moderator(settings, rules=[r for r in everything if getattr(r, "name", None) in FIRST_STAGE
                                       or getattr(r, "code", None) in FIRST_STAGE])
    # corrections.jsonl holds expected suggestions, not reason codes: tests/test_corrections_cases.py.
    results = {path.stem: measure(rules_only, full, cases(path))
               for path in sorted((ROOT / "tests" / "cases").glob("*.jsonl")) if path.stem != "corrections"}
    speed = {}
    for name, text in CASES.items():
        first_ms, all_ms = p50s(first, rules_only, text, args.n)
        speed[name] = {"first_stage_ms": round(first_ms, 4), "all_rules_ms": round(all_ms, 4)}
    lines = ["# The published rules on their case files", "", "```sh", "python benchmarks/rules_cases.py", "```", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with model "
             f"`{full.classifier.model.id if full.classifier.model else 'none'}`.", "",
             "Precision and recall: the expected reason code from the rules alone (classifier off). "
             "Criticism rejected and hard negatives not accepted: the whole service, rules and model.", "",
             "| case file | cases | positives | precision | recall | criticism rejected | hard negatives held or rejected |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, r in results.items():
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"| {name} | {r['cases']} | {r['positives']} | {fmt(r['precision'])} | {fmt(r['recall'])} | "
                     f"{r['criticism_rejected']} / {r['criticism']} | {r['negatives_not_accepted']} / {r['negatives']} |")
    lines += ["", "Case files were written by hand and the rules were tuned on them, so these figures are an "
              "upper bound; each rule's test module and the closing notes give figures on cases written after tuning.",
              "", "## Speed: p50 of one decision, rules only, side by side in one run", "",
              "| comment | length + word lists (ms) | every rule (ms) | added (ms) |", "|---|---:|---:|---:|"]
    for name, s in speed.items():
        lines.append(f"| {name} | {s['first_stage_ms']:.4f} | {s['all_rules_ms']:.4f} | "
                     f"{s['all_rules_ms'] - s['first_stage_ms']:.4f} |")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "rules.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "rules.json").write_text(json.dumps({"cases": results, "speed": speed}, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
