"""Whole decisions on hostile comments: does any text cost more than linear time in its length?

    python benchmarks/hostile.py [--short 1000] [--long 16000] [--rules-only] [--limit N]

A comment is a repeated piece of text: every case of the rules' case files (tests/cases/, as
written and with its full stops and question marks removed, so it is one endless sentence),
every word-list term (as a word, glued to itself and masked), a set of characters and words
the rules treat specially (quotes, addresses, scripts, invisible characters), and insults and
threats after a quotation mark. Each piece is decided by `Moderator.check` (config.yaml, rules
and model) at two lengths, and timed next to plain prose of the same lengths.

`growth` is the long comment's time over the short one's: about 16 for a linear cost at the
default lengths, 256 for a quadratic one. `cost` is a comment's time over prose of its length.
A piece whose growth is over twice linear is listed as superlinear. Writes
benchmarks/results/hostile.md and hostile.json; about 3 minutes on the shared machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation import Moderator  # noqa: E402
from moderation.rules import build_rules  # noqa: E402
from moderation.settings import load_settings  # noqa: E402
from tests.hostile_pieces import PROSE, pieces, repeat  # noqa: E402

def best_of(moderator: Moderator, text: str, times: int) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        moderator.check(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=1000)
    parser.add_argument("--long", type=int, default=16000)
    parser.add_argument("--rules-only", action="store_true", help="leave the classifier out")
    parser.add_argument("--limit", type=int, help="only the first N pieces (a quick look)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    started = time.monotonic()
    settings = load_settings(ROOT / "config.yaml")
    # Without the classifier: the rules alone, as bench_decide.py runs them.
    moderator = Moderator(settings, rules=build_rules(settings)) if args.rules_only else Moderator(settings)
    linear = args.long / args.short
    prose = {n: best_of(moderator, repeat(PROSE, n), 5) for n in (args.short, args.long)}
    rows = []
    todo = pieces()[:args.limit]
    for i, (kind, piece) in enumerate(todo, 1):
        short = best_of(moderator, repeat(piece, args.short), 2)
        long = best_of(moderator, repeat(piece, args.long), 2)
        rows.append({"kind": kind, "piece": piece, "short_ms": round(short * 1000, 3),
                     "long_ms": round(long * 1000, 3), "growth": round(long / short, 2),
                     "cost_short": round(short / prose[args.short], 2), "cost_long": round(long / prose[args.long], 2)})
        if i % 250 == 0:
            print(f"{i} of {len(todo)} pieces", flush=True)
    result = {
        "command": " ".join(["python", "benchmarks/hostile.py", *sys.argv[1:]]),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(), "classifier": not args.rules_only,
        "lengths": [args.short, args.long], "linear_growth": linear,
        "prose_ms": {str(n): round(t * 1000, 3) for n, t in prose.items()},
        "seconds": round(time.monotonic() - started), "rows": rows,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hostile.md").write_text(report(result), encoding="utf-8")
    # Every piece's figures would be most of a megabyte: the JSON keeps the worst 50 by each measure.
    worst = {id(r): r for key in ("growth", "cost_short", "cost_long") for r in sorted(rows, key=lambda r: -r[key])[:50]}
    kept = {**result, "pieces": len(rows), "rows": list(worst.values())}
    (args.out / "hostile.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    superlinear = [r for r in rows if r["growth"] > 2 * linear]
    print(f"{len(rows)} pieces in {result['seconds']} s; worst growth {max(r['growth'] for r in rows):.1f} "
          f"(linear {linear:g}); {len(superlinear)} superlinear")


def report(result: dict) -> str:
    rows, (short, long), linear = result["rows"], result["lengths"], result["linear_growth"]
    superlinear = [r for r in rows if r["growth"] > 2 * linear]

    def table(ranked: list[dict]) -> list[str]:
        out = [f"| piece | kind | {short:,} chars ms | {long:,} chars ms | growth | cost {short:,} | cost {long:,} |",
               "|---|---|---:|---:|---:|---:|---:|"]
        for r in ranked:
            shown = json.dumps(r["piece"][:60], ensure_ascii=False).replace("|", "\\|")
            out.append(f"| `{shown}` | {r['kind']} | {r['short_ms']:.2f} | {r['long_ms']:.2f} | {r['growth']:.1f} "
                       f"| {r['cost_short']:.1f} | {r['cost_long']:.1f} |")
        return out + [""]

    lines = [
        "# Hostile comments: cost against length", "", "```sh", result["command"], "```", "",
        f"Measured {result['date']} on Python {result['python']}, "
        f"{'rules and model' if result['classifier'] else 'rules only'}, in {result['seconds']} s: "
        f"{len(rows):,} repeated pieces, each decided at {short:,} and {long:,} characters (best of two), next to prose "
        f"({result['prose_ms'][str(short)]:.2f} ms and {result['prose_ms'][str(long)]:.2f} ms).", "",
        f"Growth is the {long:,}-character time over the {short:,}-character one: {linear:g} for a linear cost, "
        f"{linear * linear:g} for a quadratic one. Cost is a comment's time over prose of its length.", "",
        f"- Worst growth: {max(r['growth'] for r in rows):.1f}; superlinear (growth over {2 * linear:g}): "
        f"{len(superlinear)}.",
        f"- Worst cost at {short:,} characters: {max(r['cost_short'] for r in rows):.1f} times prose "
        f"({max(r['short_ms'] for r in rows):.1f} ms); at {long:,}: {max(r['cost_long'] for r in rows):.1f} times.", "",
        "## Highest growth", "", *table(sorted(rows, key=lambda r: -r["growth"])[:15]),
        f"## Highest cost at {short:,} characters", "", *table(sorted(rows, key=lambda r: -r["cost_short"])[:10]),
        f"## Highest cost at {long:,} characters", "", *table(sorted(rows, key=lambda r: -r["cost_long"])[:10]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
