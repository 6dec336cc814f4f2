"""Schemathesis against /openapi.json with a larger budget than CI's: tests/test_fuzz_api.py itself.

    python benchmarks/fuzz.py [--examples 1500]

Runs the test module in process with MODERATION_FUZZ_EXAMPLES cases per operation (CI
runs 300) and rewrites the "Last run" section of benchmarks/results/fuzz.md: the cases
sent per operation and the statuses they got, the checks applied, and any failure. The
text above that section (what the fuzzing found and how it was fixed) is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "fuzz.md"
MODULE = "tests/test_fuzz_api.py"
LAST_RUN = "## Last run"


class Failures:
    """A pytest plugin keeping the failed (sub)tests' reports."""

    def __init__(self) -> None:
        self.reports: list[str] = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.failed:
            self.reports.append(report.longreprtext.strip().splitlines()[-1][:300] if report.longreprtext else "")


def enabled_checks() -> list[str]:
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.config import ProjectConfig

    load_all_checks()
    config = ProjectConfig().checks_config_for()
    return sorted(check.__name__ for check in CHECKS.get_all() if config.get_by_name(name=check.__name__).enabled)


def run(examples: int) -> tuple[Counter, list[str], float, int]:
    import pytest

    os.environ["MODERATION_FUZZ_EXAMPLES"] = str(examples)
    failures = Failures()
    started = time.perf_counter()
    code = pytest.main(["-q", "-p", "no:cacheprovider", str(ROOT / MODULE)], plugins=[failures])
    seconds = time.perf_counter() - started
    sent = sys.modules["tests.test_fuzz_api"].SENT
    return sent, failures.reports, seconds, int(code)


def section(sent: Counter, failures: list[str], seconds: float, code: int, examples: int) -> str:
    by_operation: dict[str, Counter] = defaultdict(Counter)
    for (operation, status), count in sent.items():
        by_operation[operation][status] += count
    lines = [
        LAST_RUN, "",
        "```sh", f"python benchmarks/fuzz.py --examples {examples}", "```", "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, python {platform.python_version()}, "
        f"{examples} examples per operation (derandomized), {seconds:.0f} s, pytest exit status {code}.", "",
        "| operation | cases | statuses |", "|---|---:|---|",
    ]
    for operation in sorted(by_operation):
        statuses = by_operation[operation]
        shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        lines.append(f"| `{operation}` | {sum(statuses.values())} | {shown} |")
    lines += [f"| **all** | **{sum(sent.values())}** | |", "",
              "Checks applied to every response: " + ", ".join(f"`{name}`" for name in enabled_checks()) + ".", ""]
    if failures:
        lines += ["Failures:", ""] + [f"- {failure}" for failure in failures] + [""]
    else:
        lines += ["No failures.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1500, help="examples per operation")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    sent, failures, seconds, code = run(args.examples)
    kept = RESULTS.read_text(encoding="utf-8").split(LAST_RUN)[0] if RESULTS.exists() else "# Fuzzing the API\n\n"
    RESULTS.write_text(kept + section(sent, failures, seconds, code, args.examples), encoding="utf-8")
    print(f"{sum(sent.values())} cases, {len(failures)} failures, {seconds:.0f} s: wrote {RESULTS.relative_to(ROOT)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
