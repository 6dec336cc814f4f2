"""Rows and positives per source, split and label, as training will see them, with load times.

    python benchmarks/data_summary.py [--data-root ../shared/data] [--source NAME ...] [--json]

Streams every corpus from the data root (never copied into the repository), then runs
assign_splits (official splits kept, the rest split by a stable hash, duplicates merged
across splits and sources). Prints a Markdown table: each label cell is
"positives / rows where the source says 0 or 1"; a dash means the label is unknown there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.classifier.data import (  # noqa: E402
    LABELS, SOURCES, SPLITS, assign_splits, load_source, summarize,
)


def cell(positive: int, known: int) -> str:
    return "-" if known == 0 else f"{positive:,} / {known:,}"


def table(summary: dict) -> list[str]:
    lines = ["| source | split | rows | " + " | ".join(LABELS) + " |",
             "|---|---|---:|" + "---:|" * len(LABELS)]
    totals = {split: {"rows": 0, "positive": dict.fromkeys(LABELS, 0), "known": dict.fromkeys(LABELS, 0)}
              for split in SPLITS}
    for source, splits in summary.items():
        for split, counts in splits.items():
            total = totals[split]
            total["rows"] += counts["rows"]
            for label in LABELS:
                total["positive"][label] += counts["positive"][label]
                total["known"][label] += counts["known"][label]
            lines.append(f"| {source} | {split} | {counts['rows']:,} | "
                         + " | ".join(cell(counts["positive"][k], counts["known"][k]) for k in LABELS) + " |")
    for split, total in totals.items():
        lines.append(f"| **all** | {split} | {total['rows']:,} | "
                     + " | ".join(cell(total["positive"][k], total["known"][k]) for k in LABELS) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--source", action="append", choices=list(SOURCES), help="default: all")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", action="store_true", help="print the summaries as JSON instead")
    args = parser.parse_args()

    loaded, seconds = [], {}
    for name in args.source or SOURCES:
        start = time.perf_counter()
        loaded.extend(load_source(name, args.data_root))
        seconds[name] = time.perf_counter() - start
    start = time.perf_counter()
    final = assign_splits(loaded, seed=args.seed)
    seconds["assign_splits"] = time.perf_counter() - start

    as_loaded, as_split = summarize(loaded), summarize(final)
    if args.json:
        print(json.dumps({"loaded": as_loaded, "final": as_split, "seconds": seconds}, indent=2))
        return
    print(f"Loaded {len(loaded):,} rows from {len(seconds) - 1} sources; "
          f"{len(final):,} after assign_splits (seed {args.seed}).\n")
    print("Rows as loaded (official splits; unsplit corpora load as train):\n")
    print("| source | " + " | ".join(SPLITS) + " | seconds |")
    print("|---|" + "---:|" * (len(SPLITS) + 1))
    for source, splits in as_loaded.items():
        print(f"| {source} | " + " | ".join(f"{splits[s]['rows']:,}" if s in splits else "-" for s in SPLITS)
              + f" | {seconds[source]:.2f} |")
    print(f"\nassign_splits: {seconds['assign_splits']:.2f} s; total "
          f"{sum(seconds.values()):.2f} s\n")
    print("After assign_splits (cell: positives / known):\n")
    print("\n".join(table(as_split)))


if __name__ == "__main__":
    main()
