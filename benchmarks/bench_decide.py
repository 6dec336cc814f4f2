"""In-process speed of one decision, rules only: decisions per second and p50/p99 latency.

    python benchmarks/bench_decide.py [--n 20000] [--json]

Runs the project's config.yaml rules on comments of about 300 characters (clean,
abusive, disguised, and over the length limit) and reports latency per comment
size class. Normalization alone is measured in the same run, so its share of the
total is a ratio taken side by side on the same machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.rules import build_rules  # noqa: E402
from moderation.settings import load_settings  # noqa: E402
from moderation.text import Normalized  # noqa: E402

CLEAN = ("The minister's plan to cut fuel subsidies will hit families in Upper Egypt hardest, "
         "and the report fails to ask why the budget for the new capital was never debated in "
         "parliament. I would like to see the figures for 2023 and 2024 compared with the IMF "
         "programme targets before anyone calls this reform a success for ordinary people.")
ABUSIVE = ("You are a f*cking 1d10t and everyone reading this knows it. The minister's plan to "
           "cut fuel subsidies will hit families in Upper Egypt hardest, and the report fails to "
           "ask why the budget for the new capital was never debated in parliament. Sh1t like "
           "this is why nobody trusts the press anymore, a$$hole.")
DISGUISED = ("Y o u  a r e  a  f.u.c.k.i.n.g  m\u200boron, and th\u0456s wr\u0456ter is a cl0wn. "
             "The minister's plan to cut fuel subsidies will hit families in Upper Egypt "
             "hardest, and the report fails to ask why the budget for the new capital was never "
             "debated in parliament, which is the real scandal here for everyone.")
CASES = {"clean_300": CLEAN, "abusive_300": ABUSIVE, "disguised_300": DISGUISED,
         "too_long_1200": CLEAN * 4}


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def measure(fn, text: str, n: int) -> dict[str, float]:
    for _ in range(min(500, n)):
        fn(text)  # warm caches and the allocator
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn(text)
        samples.append((time.perf_counter_ns() - t0) / 1e6)
    elapsed = time.perf_counter() - started
    samples.sort()
    return {"per_second": round(n / elapsed), "p50_ms": round(percentile(samples, 0.50), 4),
            "p99_ms": round(percentile(samples, 0.99), 4), "mean_ms": round(statistics.fmean(samples), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="decisions per case")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()

    settings = load_settings(ROOT / "config.yaml")
    moderator = Moderator(settings, rules=build_rules(settings))  # the rules, without the classifier
    results = {}
    for name, text in CASES.items():
        decide = measure(moderator.check, text, args.n)
        normalize = measure(Normalized.of, text, args.n)
        decide["chars"] = len(text)
        decide["decision"] = moderator.check(text).decision
        decide["normalize_share"] = round(normalize["p50_ms"] / decide["p50_ms"], 2)
        results[name] = decide
    meta = {"python": platform.python_version(), "machine": platform.machine(), "n": args.n}
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
        return
    print(f"python {meta['python']} on {meta['machine']}, {args.n} decisions per case")
    print(f"{'case':<15}{'chars':>6}{'decision':>10}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'norm/all':>10}")
    for name, r in results.items():
        print(f"{name:<15}{r['chars']:>6}{r['decision']:>10}{r['per_second']:>9}"
              f"{r['p50_ms']:>9.4f}{r['p99_ms']:>9.4f}{r['normalize_share']:>10.2f}")


if __name__ == "__main__":
    main()
