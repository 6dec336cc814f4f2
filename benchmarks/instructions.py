"""Instructions per decision at two commits, counted by valgrind: a comparison noise cannot move.

    python benchmarks/instructions.py [--base REV] [--head REV] [--n 20]

The machines this runs on are shared, and their speed drifts by up to two times from hour to
hour, so a small gain or loss in time per decision hides in the noise. Valgrind's callgrind
counts the instructions a program runs instead, which stays within 0.1% from run to run of the
same code and input (with the hash seed fixed), whatever else the machine is doing. Each commit is checked out into a temporary git
worktree and decides the bench_decide.py comments (rules and the model `config.yaml` pins) under
callgrind, both commits at once on the two cores: n warm decisions of each comment, counted per
comment. Instructions are not time (a cache miss costs more than an add), but the same code
path with fewer instructions is faster. Takes about five minutes: loading the libraries and the
model under valgrind is most of it. Needs valgrind (Debian package `valgrind`). Writes
benchmarks/results/instructions.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ("clean_300", "abusive_300", "disguised_300", "too_long_1200")

# Run under valgrind in the worktree: each comment decided inside its own functools.reduce call,
# the one C function callgrind counts (--toggle-collect) and dumps after (--dump-after).
CHILD = """
import functools, os, sys
for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = "1"
sys.path[:0] = [sys.argv[1], os.path.join(sys.argv[1], "benchmarks")]
from bench_decide import CASES
from moderation import Moderator
moderator = Moderator.from_config(os.path.join(sys.argv[1], "config.yaml"))
n = int(sys.argv[2])
for name in sys.argv[3:]:
    for _ in range(30):
        moderator.check(CASES[name])  # warm: word caches, compiled patterns
    functools.reduce(lambda _, text: moderator.check(text), [CASES[name]] * n, None)
"""


def commit_of(rev: str) -> str:
    return subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def start(tree: Path, out: Path, n: int) -> subprocess.Popen:
    script = out / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
         "--dump-after=functools_reduce", f"--callgrind-out-file={out}/callgrind.out",
         sys.executable, str(script), str(tree), str(n), *CASES],
        # A fixed hash seed: sets and dicts of strings then iterate in the same order on every
        # run (with a random one, the same code's counts differ by up to 2%; with it, by 0.1%).
        env={**os.environ, "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def counts(out: Path) -> list[int]:
    """Instructions of each dump (one per reduce call, in order); the last dump, at exit, is empty."""
    found = []
    for dump in sorted(out.glob("callgrind.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])):
        totals = re.search(r"^(?:totals|summary): (\d+)", dump.read_text(errors="replace"), re.M)
        if totals and int(totals.group(1)):
            found.append(int(totals.group(1)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="the commit compared against (default HEAD~1)")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--n", type=int, default=20, help="decisions counted per comment")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "instructions.md")
    args = parser.parse_args()
    revs = {"base": commit_of(args.base), "head": commit_of(args.head)}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="instructions-") as scratch:
        runs = {}
        for key, rev in revs.items():
            tree, out = Path(scratch) / f"tree-{key}", Path(scratch) / f"out-{key}"
            out.mkdir()
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True,
                           capture_output=True)
            runs[key] = (tree, out, start(tree, out, args.n))
        try:
            per_case = {}
            for key, (tree, out, process) in runs.items():
                _, errors = process.communicate()
                if process.returncode != 0:
                    sys.exit(f"{revs[key]}: valgrind failed:\n{errors[-2000:]}")
                found = counts(out)
                if len(found) != len(CASES):
                    sys.exit(f"{revs[key]}: expected {len(CASES)} counts, got {found}")
                per_case[key] = [c / args.n for c in found]
        finally:
            for tree, _, _ in runs.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Instructions per decision, two commits side by side", "", "```sh",
             "python benchmarks/instructions.py " + " ".join(sys.argv[1:]), "```", "",
             f"Counted {when} by valgrind's callgrind, python {sys.version.split()[0]}, "
             f"{args.n} warm decisions per comment (rules and the pinned model), in "
             f"{time.monotonic() - started:.0f} s, PYTHONHASHSEED=0. The same code and input give counts "
             "within 0.1% of each other on every run, whatever else the machine is doing.", "",
             f"| comment | base `{revs['base']}` | head `{revs['head']}` | head / base |", "|---|---:|---:|---:|"]
    for i, name in enumerate(CASES):
        base, head = per_case["base"][i], per_case["head"][i]
        lines.append(f"| {name} | {base:,.0f} | {head:,.0f} | {head / base:.3f} |")
    base_all, head_all = sum(per_case["base"]), sum(per_case["head"])
    lines += [f"| all four | {base_all:,.0f} | {head_all:,.0f} | {head_all / base_all:.3f} |", ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
