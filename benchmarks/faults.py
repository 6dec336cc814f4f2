"""The fault scenarios of tests/test_faults.py run outside pytest, with the figures recorded.

    python benchmarks/faults.py [--out benchmarks/results/faults.md]

Runs every scenario of tests/fault_load.py (the same code the tests run) against the real
service: a worker killed (SQLite, PostgreSQL), PostgreSQL restarted, the database
read-only (PostgreSQL) and its disk full (SQLite on a tmpfs), the model file corrupted; and a
reload (SIGHUP, SQLite), which is no fault: every request must be acknowledged.
For each: requests sent, acknowledged, 503s, requests that got no answer, what happened
during the fault, the unacknowledged comments sent again, and the comments stored.
A scenario this machine cannot run (no root, no PostgreSQL) is listed with the reason.
Writes a Markdown table; exits with status 1 if any scenario broke a promise.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests import fault_load as faults  # noqa: E402
from tests.fault_load import Report, Service, sqlite_url  # noqa: E402

COLUMNS = ("sent", "acknowledged", "503", "no answer", "during fault", "503 during fault",
           "resent", "resent 201", "resent 200", "stored")


def run(workdir: Path) -> tuple[list[tuple[Report, float]], list[tuple[str, str]]]:
    """Every scenario, each with the seconds its service took to start; and the skipped ones."""
    done: list[tuple[Report, float]] = []
    skipped: list[tuple[str, str]] = []

    def folder(name: str) -> Path:
        path = workdir / name
        path.mkdir()
        return path

    def on(service: Service, scenario: Callable[[Service], Report]) -> None:
        done.append((scenario(service), service.started_in))

    killed = folder("killed-sqlite")
    with Service(killed, sqlite_url(killed)) as service:
        on(service, faults.worker_killed)

    reloaded = folder("reloaded-sqlite")
    with Service(reloaded, sqlite_url(reloaded)) as service:
        on(service, faults.reloaded)

    with ExitStack() as stack:
        try:
            url = stack.enter_context(faults.postgres_database())
        except sa.exc.OperationalError as err:
            skipped += [(name, f"PostgreSQL unreachable: {err.orig}") for name in
                        ("worker killed", "PostgreSQL restarted", "database read-only")]
        else:
            # One service for the PostgreSQL scenarios, as in the tests.
            service = stack.enter_context(Service(folder("postgres"), url))
            on(service, faults.worker_killed)
            cluster = faults.postgres_cluster(url)
            if cluster is None:
                skipped.append(("PostgreSQL restarted", "needs root, pg_ctlcluster and a local cluster"))
            else:
                try:
                    on(service, lambda s: faults.postgres_restarted(s, cluster))
                finally:
                    faults.ensure_running(cluster)
            on(service, faults.postgres_read_only)

    full = folder("disk-full")
    try:
        with faults.tmpfs(full / "db"), Service(full, sqlite_url(full / "db")) as service:
            on(service, lambda s: faults.disk_full(s, full / "db"))
    except faults.CannotApply as err:
        skipped.append(("disk full", str(err)))

    corrupted = folder("model")
    model = faults.copy_model(corrupted / "model")
    with Service(corrupted, sqlite_url(corrupted), model) as service:
        on(service, lambda s: faults.model_corrupted(s, model / "model.joblib"))
    return done, skipped


def markdown(done: list[tuple[Report, float]], skipped: list[tuple[str, str]], seconds: float,
             load_before: float) -> str:
    lines = [
        "# Fault scenarios",
        "",
        "```sh",
        "python benchmarks/faults.py",
        "```",
        "",
        f"Recorded {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC: python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load_before:.1f} before the run, {seconds:.0f} s in all. "
        "The same scenarios as `tests/test_faults.py` (code in `tests/fault_load.py`); each runs "
        "`moderation serve --workers 2` with the served model under a load of 3 threads POSTing "
        "`/v1/comments` over loopback.",
        "",
        "`during fault`: requests sent and answered while the fault was on (for a killed worker: "
        "until its replacement answered). `resent`: every comment not acknowledged, sent again "
        "after the fault, as a site does after `Retry-After`; `201` stored now, `200` already "
        "stored by the first attempt although it was not acknowledged. `stored`: comments in the "
        "database afterwards, each exactly once. `start s`: starting the service (2 workers) "
        "until both answer `/readyz`; the PostgreSQL scenarios share one service.",
        "",
        "| scenario | database | " + " | ".join(COLUMNS) + " | start s | scenario s | promises |",
        "|---|---|" + "---:|" * (len(COLUMNS) + 2) + "---|",
    ]
    for report, started_in in done:
        figures = report.figures()
        kept = "kept" if not report.problems else f"**{len(report.problems)} broken**"
        lines.append(f"| {report.name} | {report.backend} | " + " | ".join(str(figures[c]) for c in COLUMNS)
                     + f" | {started_in:.1f} | {report.seconds:.1f} | {kept} |")
    for name, reason in skipped:
        lines.append(f"| {name} | | skipped: {reason} |" + " |" * (len(COLUMNS) + 2))
    for report, _ in done:
        if report.problems:
            lines += ["", f"## {report.name} ({report.backend}): broken promises", "",
                      *(f"- {problem}" for problem in report.problems[:50])]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "faults.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="moderation-faults-") as workdir:
        done, skipped = run(Path(workdir))
    text = markdown(done, skipped, time.monotonic() - began, load_before)
    args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 1 if any(report.problems for report, _ in done) else 0


if __name__ == "__main__":
    sys.exit(main())
