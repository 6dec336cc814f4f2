"""HTTP throughput and latency of the service next to a bare Flask endpoint, in one run.

    python benchmarks/http/run.py [--seconds 10] [--connections 16] [--workers 2] [--threads 8]
                                  [--shared-socket] [--rounds 2] [--postgres URL | --no-postgres] [--out FILE]

Each case starts its own gunicorn (the service via `moderation serve`, or the bare Flask app
of bare.py with the same gunicorn settings), warms it up, then drives it from a second
process on loopback with wrk (Debian package `wrk`), which POSTs comments with unique ids
(post.lua). Cases alternate with the bare server round by round, so the ratio to the
ceiling compares runs made minutes apart on the same, shared machine. Writes a Markdown
table (and JSON beside it) to benchmarks/results/http.md by default.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DB = "moderation_http_bench"
LISTENING = {False: "one listening socket shared by the workers",
             True: "a listening socket per worker (reuse_port)"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def cpu_seconds(pid: int) -> dict[int, float] | None:
    """User and system CPU time of a server's processes by pid: its gunicorn master (pid) and the
    workers it forked, read from /proc in one pass; None without /proc. The database server's
    processes are not counted."""
    seconds = {}
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # The fields from the state on (field 3): the command name before them is in
                # parentheses and may hold spaces.
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue  # a process that ended while /proc was read
            if int(entry.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
                # utime and stime: fields 14 and 15 of stat
                seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return seconds


def cpu_used(master: int, before: dict[int, float] | None, after: dict[int, float] | None,
             requests: int) -> tuple[float | None, float | None]:
    """CPU ms per request over the timed run, and the busiest worker's share of the workers' CPU
    (1 / workers when the load is spread evenly, 1.0 when one worker did it all)."""
    if before is None or after is None or not requests:
        return None, None
    spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    workers = [used for pid, used in spent.items() if pid != master]
    busiest = max(workers) / sum(workers) if workers and sum(workers) > 0 else None
    return 1000 * sum(spent.values()) / requests, busiest


@contextmanager
def server(kind: str, port: int, args: argparse.Namespace, database_url: str | None,
           logs: Path) -> Iterator[subprocess.Popen]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if kind == "bare":
        command = [sys.executable, str(HERE / "bare.py"), str(port), str(args.workers), str(args.threads),
                   *(["reuse-port"] if args.reuse_port else [])]
        ready = None
    else:
        env["MODERATION_DATABASE_URL"] = database_url or ""
        command = [sys.executable, "-m", "moderation", "--config", str(ROOT / "config.yaml"), "serve",
                   "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads),
                   "--reuse-port" if args.reuse_port else "--shared-socket"]
        ready = "/readyz"
    with open(logs, "ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)
    try:
        if ready:
            wait_ready(port, process, ready)
        else:
            # The bare app has no GET route; any HTTP answer (405) means it is up.
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/check", timeout=1)
                except urllib.error.HTTPError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("bare server did not start") from None
                    time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(port: int, path: str, seconds: float, connections: int, run_id: str) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(HERE / "post.lua"), f"http://127.0.0.1:{port}{path}", "--", run_id]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    [line] = [l for l in output.splitlines() if l.startswith("RESULT ")]
    requests, duration_us, socket_errors, status_errors, _min, _max, p50, p99, mean = line.split()[1:]
    return {
        "requests": int(requests), "per_s": int(requests) / (int(duration_us) / 1e6),
        "socket_errors": int(socket_errors), "non_2xx": int(status_errors),
        "p50_ms": float(p50), "p99_ms": float(p99), "mean_ms": float(mean),
    }


def fresh_postgres(url: str) -> str:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{BENCH_DB}"')
    admin.dispose()
    target = sa.make_url(url).set(database=BENCH_DB).render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-m", "moderation", "--config", str(ROOT / "config.yaml"),
                    "db", "upgrade"], env={**os.environ, "MODERATION_DATABASE_URL": target},
                   check=True, capture_output=True, cwd=ROOT)
    return target


def stored_rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM comments").scalar_one()
    engine.dispose()
    return int(count)


def measure(args: argparse.Namespace) -> dict:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="http-bench-"))
    logs = work / "servers.log"
    cases: list[tuple[str, str, str | None]] = [
        ("check", "/v1/check", f"sqlite:///{work / 'check.sqlite3'}"),
        ("comments, SQLite", "/v1/comments", f"sqlite:///{work / 'comments.sqlite3'}"),
    ]
    if args.postgres:
        cases.append(("comments, PostgreSQL", "/v1/comments", fresh_postgres(args.postgres)))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in cases}
    results["bare Flask"] = []
    for round_no in range(args.rounds):
        for name, path, url in cases:
            for kind, label in (("bare", "bare Flask"), ("service", name)):
                port = free_port()
                with server(kind, port, args, url, logs) as process:
                    run_id = f"r{round_no}-{kind}-{port}"
                    wrk(port, path, 2, args.connections, run_id + "-warm")  # warm-up, not counted
                    before = cpu_seconds(process.pid)
                    figures = wrk(port, path, args.seconds, args.connections, run_id)
                    after = cpu_seconds(process.pid)
                figures["pair"] = f"{round_no}:{name}"
                # What a request costs the server's processes, whatever else shares the cores,
                # and whether the workers shared the work.
                figures["cpu_ms"], figures["busiest_worker"] = cpu_used(
                    process.pid, before, after, figures["requests"])
                results[label].append(figures)
                print(f"round {round_no} {label:22s} {figures['per_s']:8.0f}/s  p50 {figures['p50_ms']:.2f} ms"
                      f"  p99 {figures['p99_ms']:.2f} ms  errors {figures['socket_errors']}+{figures['non_2xx']}"
                      f"  CPU {_ms(figures['cpu_ms'])} ms per request"
                      f"  busiest worker {_share(figures['busiest_worker'])}",
                      flush=True)
    stored = {name: stored_rows(url) for name, path, url in cases if path == "/v1/comments"}
    return {"cases": results, "stored": stored, "work": str(work)}


def summarize(measured: dict, args: argparse.Namespace) -> dict:
    bare = measured["cases"]["bare Flask"]
    rows = []
    for name, runs in measured["cases"].items():
        if name == "bare Flask":
            continue
        ratios = [run["per_s"] / b["per_s"] for run in runs for b in bare if b["pair"] == run["pair"]]
        paired = [b for b in bare if b["pair"].endswith(name)]
        rows.append({
            "case": name,
            "per_s": statistics.median(r["per_s"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "errors": sum(r["socket_errors"] + r["non_2xx"] for r in runs),
            "ratio": statistics.median(ratios),
            "bare_per_s": statistics.median(b["per_s"] for b in paired),
            "cpu_ms": _median_or_none(r["cpu_ms"] for r in runs),
            "bare_cpu_ms": _median_or_none(b["cpu_ms"] for b in paired),
            "busiest_worker": _max_or_none(r["busiest_worker"] for r in runs),
        })
    return {"rows": rows}


def _median_or_none(values) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _max_or_none(values) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def report(measured: dict, summary: dict, args: argparse.Namespace, seconds: float) -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# HTTP throughput and latency, next to bare Flask",
        "",
        "```sh",
        "python benchmarks/http/run.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        f"Measured {when} on {platform.machine()} with {os.cpu_count()} cores (shared, noisy), "
        f"Python {platform.python_version()}, in {seconds:.0f} s. gunicorn gthread, "
        f"{args.workers} workers x {args.threads} threads for both servers, "
        f"{LISTENING[args.reuse_port]}; wrk, 1 thread, "
        f"{args.connections} connections, {args.seconds} s per run after a 2 s warm-up, "
        f"{args.rounds} rounds, each service run paired with a bare Flask run; medians.",
        "",
        "| case | decisions/s | p50 ms | p99 ms | errors | bare Flask/s | ratio to bare "
        "| CPU ms per request | bare Flask CPU ms | busiest worker |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        lines.append(f"| {row['case']} | {row['per_s']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
                     f"| {row['errors']} | {row['bare_per_s']:,.0f} | {row['ratio']:.2f} "
                     f"| {_ms(row['cpu_ms'])} | {_ms(row['bare_cpu_ms'])} | {_share(row['busiest_worker'])} |")
    lines += ["", "CPU ms per request: user and system time of the server's processes (gunicorn's master and "
              "workers, from /proc) over the timed run, divided by the requests answered; PostgreSQL's own "
              "processes are not in it. Busiest worker: the largest share of the workers' CPU time one "
              f"worker took in any round of the case ({1 / args.workers:.2f} when spread evenly, 1.00 when "
              "one worker did all the work).", "",
              "Comments stored by the `/v1/comments` runs (every acknowledged one): "
              + ", ".join(f"{name}: {count:,}" for name, count in measured["stored"].items()) + ".", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--shared-socket", dest="reuse_port", action="store_false",
                        help="one listening socket shared by the workers, both servers "
                             "(the default is the service's: a socket per worker)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const=None)
    parser.add_argument("--out", type=Path, default=RESULTS / "http.md")
    args = parser.parse_args()
    started = time.monotonic()
    measured = measure(args)
    summary = summarize(measured, args)
    text = report(measured, summary, args, time.monotonic() - started)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({**measured, **summary}, indent=1), encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
