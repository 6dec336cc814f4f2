"""Fault scenarios: the real service under gunicorn, a load of POSTs, one fault, and the checks.

Shared by tests/test_faults.py and benchmarks/faults.py, so both run the very same scenarios.
A scenario does not raise for what it observes: every broken promise becomes a line of
``Report.problems``, and the figures stay readable whether the run passed or not.

The promises ``verify`` checks after every scenario:
- every acknowledged comment (200/201 with a decision) is stored exactly once, and
  GET /v1/comments/<id> returns the decision that was acknowledged;
- every other answer is a 503 with Retry-After, or no answer at all (connection level);
- sent again afterwards, as a site does after Retry-After, every comment is acknowledged;
- no stored decision skipped the classifier: an ``accept`` carries the model's scores and
  id, and a decision without them holds the comment with ``classifier_unavailable``.
"""

from __future__ import annotations

import errno
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, NamedTuple

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from moderation.classifier.labels import LABELS
from moderation.store import Store
from moderation.store.database import normalize_url
from moderation.store.tables import audit_log, comments, decisions

from .store_fixtures import POSTGRES_URL

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yaml"

# Mostly comments the rules and the model accept, so an accept that skipped the
# classifier would show; one the defamation rule holds, two that are rejected.
TEXTS = (
    "Clear, fair report on the budget.",
    "Thanks for a balanced piece on the elections.",
    "I disagree with the analysis of the trade figures, but it is well argued.",
    "The minister stole millions from the public and should be in jail.",
    "Good to see the new metro line finally open.",
    "You are a f*cking 1d10t",
    "A useful summary of the talks, thank you.",
    "I will find you and hurt you.",
)


class CannotApply(Exception):
    """This machine does not let a scenario apply its fault (no root, no tmpfs mount)."""


@dataclass
class Result:
    """One POST /v1/comments; ``status`` None means it failed at the connection level."""

    comment_id: str
    text: str
    sent: float
    done: float = 0.0
    status: int | None = None
    body: Any = None
    retry_after: str | None = None
    error: str | None = None
    worker: int | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status in (200, 201) and isinstance(self.body, dict) and "decision" in self.body


@dataclass
class Report:
    """What one scenario sent, got and stored, and every promise it saw broken."""

    name: str
    backend: str
    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    results: list[Result] = field(default_factory=list)  # first attempts: the load and probes
    resent: list[Result] = field(default_factory=list)   # second attempts of the unacknowledged
    window: list[Result] = field(default_factory=list)   # first attempts sent and answered during the fault
    stored: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def expect(self, ok: bool, problem: str) -> None:
        if not ok:
            self.problems.append(problem)

    def figures(self) -> dict[str, int]:
        def count(results: list[Result], test: Callable[[Result], bool]) -> int:
            return sum(1 for r in results if test(r))

        return {
            "sent": len(self.results),
            "acknowledged": count(self.results, lambda r: r.acknowledged),
            "503": count(self.results, lambda r: r.status == 503),
            "no answer": count(self.results, lambda r: r.status is None),
            "during fault": len(self.window),
            "503 during fault": count(self.window, lambda r: r.status == 503),
            "resent": len(self.resent),
            "resent 201": count(self.resent, lambda r: r.status == 201),
            "resent 200": count(self.resent, lambda r: r.status == 200),
            "stored": self.stored,
        }


class Answer(NamedTuple):
    status: int
    body: Any
    retry_after: str | None
    worker: int | None


def call(port: int, method: str, path: str, body: dict | None = None,
         workers: set[int] | None = None) -> Answer:
    """One request on a fresh connection; ``worker`` is which of ``workers`` answered it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None,
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        # Kept alive, the connection's server end still sits in the worker that answered.
        worker = owner(port, conn.sock.getsockname()[1], workers) if workers and conn.sock else None
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return Answer(response.status, parsed, response.getheader("Retry-After"), worker)
    finally:
        conn.close()


def post(port: int, comment_id: str, text: str, workers: set[int] | None = None) -> Result:
    result = Result(comment_id, text, sent=time.monotonic())
    try:
        result.status, result.body, result.retry_after, result.worker = call(
            port, "POST", "/v1/comments", {"comment_id": comment_id, "text": text}, workers)
    except (OSError, http.client.HTTPException) as err:
        result.error = f"{type(err).__name__}: {err}"
    result.done = time.monotonic()
    return result


def owner(server_port: int, client_port: int, pids: set[int]) -> int | None:
    """Which of ``pids`` holds the server end of a loopback TCP connection (Linux /proc)."""
    inode = None
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)
        for line in table:
            fields = line.split()
            ports = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
            if ports == (server_port, client_port):
                inode = fields[9]
    for pid in pids if inode not in (None, "0") else ():
        for fd in glob.glob(f"/proc/{pid}/fd/*"):
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                pass
    return None


def served_model() -> tuple[Path, str]:
    """The model directory config.yaml serves, and its id."""
    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    model_dir = (CONFIG.parent / raw["classifier"]["model"]).resolve()
    return model_dir, json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))["id"]


class Service:
    """`python -m moderation serve --workers 2` over a copy of config.yaml written to ``workdir``."""

    def __init__(self, workdir: Path, database_url: str, model_dir: Path | None = None) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.database_url = database_url
        raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
        raw["classifier"]["model"] = str(model_dir or served_model()[0])
        raw["database"] = {"url": database_url}
        self.config = workdir / "config.yaml"
        self.config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        self.log_path = workdir / "service.log"
        self.proc: subprocess.Popen | None = None
        self.started_in = 0.0

    def __enter__(self) -> "Service":
        began = time.monotonic()
        # The caller's MODERATION_* (tokens, a database URL) would override the config.
        env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
        env["MODERATION_CONFIG"] = str(self.config)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moderation", "serve", "--port", str(self.port), "--workers", "2"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            self._wait_serving(timeout=120)
        except BaseException:
            self.__exit__()
            raise
        self.started_in = time.monotonic() - began
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the master and its workers at once
        self.proc.wait(timeout=20)

    def _wait_serving(self, timeout: float) -> None:
        # Serving once each worker has answered /readyz itself, not only the first one up.
        answered: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the service exited with {self.proc.returncode}:\n{self.log_tail()}")
            workers = self.workers()
            try:
                answer = self.readyz(workers)
                if answer.status == 200 and answer.worker:
                    answered.add(answer.worker)
            except (OSError, http.client.HTTPException):
                pass
            if len(workers) == 2 and workers <= answered:
                return
            time.sleep(0.1)  # probing flat out would slow down the worker still booting
        raise RuntimeError(f"the service was not serving within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def workers(self) -> set[int]:
        """gunicorn's workers: the children of the master, which is our child."""
        pids: set[int] = set()
        for path in glob.glob(f"/proc/{self.proc.pid}/task/*/children"):
            try:
                pids.update(int(pid) for pid in Path(path).read_text().split())
            except OSError:
                pass
        return pids

    def kill_worker(self, report: Report) -> int | None:
        """SIGKILL one worker; returns the one gunicorn starts in its place."""
        before = self.workers()
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = self.workers()
            if len(workers) == 2 and workers - before:
                (new,) = workers - before
                report.notes.append(f"killed worker {victim}; gunicorn started {new}")
                return new
            time.sleep(0.05)
        report.expect(False, f"gunicorn did not replace the killed worker {victim} within 30 s")
        return None

    def from_worker(self, pid: int, ask: Callable[[set[int]], Any], timeout: float = 60) -> Any:
        """Ask until worker ``pid`` is the one answering (the kernel picks which worker accepts)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                answer = ask(self.workers())
            except (OSError, http.client.HTTPException):
                answer = None
            if answer is not None and answer.worker == pid:
                return answer
            time.sleep(0.1)
        return None

    def readyz(self, workers: set[int]) -> Answer:
        return call(self.port, "GET", "/readyz", workers=workers)


class Load:
    """Threads POSTing comments with unique ids until stopped; every outcome goes to the report."""

    def __init__(self, port: int, report: Report, threads: int = 3, pause: float = 0.02,
                 limit: int = 3000) -> None:
        self.port, self.report, self.pause, self.limit = port, report, pause, limit
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                n, self._next = self._next, self._next + 1
            if n >= self.limit:
                return
            result = post(self.port, f"{self.report.prefix}-{n}", TEXTS[n % len(TEXTS)])
            self.report.results.append(result)
            # A client backs off a little after a failure, so an outage costs a few hundred requests.
            self._stop.wait(self.pause if result.acknowledged else self.pause * 5)

    def wait_for(self, what: str, count: int, since: float, timeout: float) -> bool:
        """Wait until ``count`` requests sent after ``since`` were acknowledged ("ack") or got 503."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = [r for r in list(self.report.results) if r.sent >= since]
            if sum(r.acknowledged if what == "ack" else r.status == 503 for r in seen) >= count:
                return True
            time.sleep(0.05)
        return False

    def recovered(self, after: str) -> None:
        self.report.expect(self.wait_for("ack", 50, time.monotonic(), 60),
                           f"not 50 comments acknowledged within 60 s after {after}")

    def window(self, start: float, end: float, refused: str | None = None) -> None:
        """Keep the first attempts sent and answered entirely while the fault was on; when
        nothing can be stored during it, none of them may be acknowledged."""
        self.report.window = [r for r in list(self.report.results) if r.sent >= start and r.done <= end]
        for r in self.report.window if refused else ():
            self.report.expect(r.status in (503, None), f"{r.comment_id}: {r.status} while {refused}")


def scenario(name: str, service: Service, fault: Callable[[Load], None]) -> Report:
    """Load ``service``, apply ``fault`` under load, send again what was not acknowledged, check."""
    report = Report(name, make_url(service.database_url).get_backend_name())
    report.notes.append(f"service log: {service.log_path}")
    began = time.monotonic()
    with Load(service.port, report) as load:
        report.expect(load.wait_for("ack", 50, began, 60), "not 50 comments acknowledged before the fault")
        fault(load)
    acknowledged = {r.comment_id for r in report.results if r.acknowledged}
    again = {r.comment_id: r.text for r in report.results if r.comment_id not in acknowledged}
    with ThreadPoolExecutor(4) as pool:
        report.resent.extend(pool.map(lambda item: post(service.port, *item), again.items()))
    verify(report, service.port, service.database_url)
    report.seconds = time.monotonic() - began
    return report


def verify(report: Report, port: int, database_url: str) -> None:
    """The promises of the module docstring; each one broken is a line of ``report.problems``."""
    problem = report.problems.append
    acknowledged: dict[str, dict] = {}
    for r in report.results + report.resent:
        if r.acknowledged:
            acknowledged.setdefault(r.comment_id, r.body)
        elif r.status == 503:
            if not ((r.retry_after or "").isdigit() and isinstance(r.body, dict)
                    and r.body.get("error") == "unavailable"):
                problem(f"{r.comment_id}: 503 without Retry-After seconds or error 'unavailable': "
                        f"{r.retry_after!r} {r.body!r}")
        elif r.status is not None:
            problem(f"{r.comment_id}: status {r.status} {r.body!r}")
    for r in report.resent:
        if not r.acknowledged:
            problem(f"{r.comment_id}: sent again after the fault, got {r.status or r.error}")
    rows = stored(database_url, report.prefix)
    report.stored = len(rows)
    model_id = served_model()[1]
    for comment_id, (copies, bodies, audited) in rows.items():
        if (copies, len(bodies), audited) != (1, 1, 1):
            problem(f"{comment_id}: stored {copies} times, with {len(bodies)} decisions "
                    f"and {audited} audit entries")
        for body in bodies:
            if skipped := unchecked(body, model_id):
                problem(f"{comment_id}: {skipped}: {body!r}")
    for comment_id, body in acknowledged.items():
        if comment_id not in rows:
            problem(f"{comment_id}: acknowledged as {body['decision']} but not stored")
        elif rows[comment_id][1] != [body]:
            problem(f"{comment_id}: the stored decision is not the acknowledged one")
    for comment_id in {r.comment_id for r in report.results} - rows.keys():
        problem(f"{comment_id}: never stored, even when sent again")
    def read(comment_id: str) -> Answer | str:
        try:
            return call(port, "GET", f"/v1/comments/{comment_id}")
        except (OSError, http.client.HTTPException) as err:
            return f"{type(err).__name__}: {err}"

    with ThreadPoolExecutor(4) as pool:
        for comment_id, answer in zip(acknowledged, pool.map(read, acknowledged)):
            if not isinstance(answer, Answer) or answer.status != 200 \
                    or answer.body.get("automatic") != acknowledged[comment_id]:
                problem(f"{comment_id}: GET does not answer the acknowledged decision: {answer}")


def unchecked(body: dict, model_id: str) -> str | None:
    """Why a stored decision lacks a check it should have had; None when it had them all."""
    codes = {reason["code"] for reason in body["reasons"]}
    scored = (body.get("model") or {}).get("id") == model_id and set(body.get("scores") or ()) == set(LABELS)
    if body["decision"] == "accept" and not scored:
        return "accepted without the classifier's scores"
    if not scored and "classifier_unavailable" not in codes:
        return "decided without the classifier and without classifier_unavailable"
    return None


def stored(database_url: str, prefix: str) -> dict[str, tuple[int, list[dict], int]]:
    """Per stored comment_id of one scenario: its comment rows, automatic decisions, audit entries."""
    engine = sa.create_engine(normalize_url(database_url), poolclass=NullPool)
    ours = comments.c.comment_id.startswith(prefix, autoescape=True)
    try:
        with engine.connect() as connection:
            copies = dict(connection.execute(sa.select(comments.c.comment_id, sa.func.count())
                                             .where(ours).group_by(comments.c.comment_id)).all())
            bodies: dict[str, list[dict]] = {}
            for comment_id, body in connection.execute(
                    sa.select(comments.c.comment_id, decisions.c.body)
                    .join(decisions, decisions.c.comment_pk == comments.c.id)
                    .where(ours, decisions.c.kind == "automatic")):
                bodies.setdefault(comment_id, []).append(body)
            audited = dict(connection.execute(
                sa.select(audit_log.c.comment_id, sa.func.count())
                .where(audit_log.c.comment_id.startswith(prefix, autoescape=True),
                       audit_log.c.action == "decided")
                .group_by(audit_log.c.comment_id)).all())
    finally:
        engine.dispose()
    return {cid: (n, bodies.get(cid, []), audited.get(cid, 0)) for cid, n in copies.items()}


# The faults, and what each scenario expects while it is on.

def worker_killed(service: Service) -> Report:
    """(a) SIGKILL a worker under load; gunicorn starts another, which answers."""
    def fault(load: Load) -> None:
        killed = time.monotonic()
        new = service.kill_worker(load.report)
        if new is not None:
            ready = service.from_worker(new, service.readyz)
            load.report.expect(ready is not None and ready.status == 200,
                               f"the new worker did not answer /readyz with 200: {ready}")
        load.window(killed, time.monotonic())
        load.recovered("the worker was replaced")

    return scenario("worker killed", service, fault)


def reloaded(service: Service) -> Report:
    """SIGHUP under load, as when a promoted model is put to work: gunicorn starts workers with
    config.yaml as it now reads and stops the old ones once they have answered. Not a fault:
    every request is acknowledged, with no 503 and no connection refused or reset."""
    def fault(load: Load) -> None:
        old = service.workers()
        began = time.monotonic()
        os.kill(service.proc.pid, signal.SIGHUP)
        new: set[int] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not new:
            workers = service.workers()
            if len(workers) == 2 and not workers & old:
                new = workers
            time.sleep(0.05)
        load.report.expect(bool(new), f"the workers {sorted(old)} were not replaced within 120 s")
        for pid in sorted(new):
            ready = service.from_worker(pid, service.readyz)
            load.report.expect(ready is not None and ready.status == 200,
                               f"the new worker {pid} did not answer /readyz with 200: {ready}")
        load.report.notes.append(f"workers {sorted(old)} replaced by {sorted(new)}")
        load.window(began, time.monotonic())
        load.recovered("the reload")
        for r in list(load.report.results):
            load.report.expect(r.acknowledged, f"{r.comment_id}: {r.status or r.error} around a reload")

    return scenario("reloaded (SIGHUP)", service, fault)


def postgres_restarted(service: Service, cluster: tuple[str, str]) -> Report:
    """(b) stop PostgreSQL under load until 503s come, start it; the pool reconnects by itself."""
    def fault(load: Load) -> None:
        try:
            pg_ctlcluster(cluster, "stop")
            down = time.monotonic()
            load.report.expect(load.wait_for("503", 20, down, 20), "no 503 while PostgreSQL was down")
            load.window(down, time.monotonic(), refused="PostgreSQL was down")
        finally:
            ensure_running(cluster)  # whatever happened, the shared server comes back
        load.recovered("PostgreSQL started again")

    return scenario("PostgreSQL restarted", service, fault)


def postgres_cluster(database_url: str) -> tuple[str, str] | None:
    """(version, name) of the local cluster serving the URL, if this process may restart it."""
    url = make_url(database_url)
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster") or not shutil.which("pg_lsclusters"):
        return None
    if url.host not in (None, "localhost", "127.0.0.1", "::1"):
        return None
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        version, name, port = line.split()[:3]
        if int(port) == (url.port or 5432):
            return version, name
    return None


def pg_ctlcluster(cluster: tuple[str, str], action: str, check: bool = True) -> int:
    # Straight to pg_ctl, however the cluster was started: as root under systemd,
    # pg_ctlcluster would hand the action to systemctl, which does not stop a cluster
    # started without it (.ci/run starts it so).
    return subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action],
                          check=check, capture_output=True, timeout=120).returncode


def ensure_running(cluster: tuple[str, str]) -> None:
    if pg_ctlcluster(cluster, "status", check=False) != 0:
        pg_ctlcluster(cluster, "start")


def postgres_read_only(service: Service, admin_url: str = POSTGRES_URL) -> Report:
    """(c) the database turns read-only under load (an operator's emergency switch), then back."""
    name = make_url(service.database_url).database
    admin = sa.create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def switch(on: bool) -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(
                f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
            if on:
                # It applies to new sessions: end the service's (waiting up to 5 s for each) so
                # it reconnects into read-only ones. Switching back ends nothing: the service
                # must find out by itself that it can write again.
                connection.execute(sa.text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})

    def fault(load: Load) -> None:
        try:
            switch(True)
            read_only = time.monotonic()
            load.report.expect(load.wait_for("503", 20, read_only, 20),
                               "no 503 while the database was read-only")
            load.window(read_only, time.monotonic(), refused="the database was read-only")
        finally:
            switch(False)
        load.recovered("the database was writable again")

    try:
        return scenario("database read-only", service, fault)
    finally:
        admin.dispose()


def disk_full(service: Service, folder: Path) -> Report:
    """(c) the file system of the SQLite database (a tmpfs of its own) fills up; then space is freed."""
    def fault(load: Load) -> None:
        filler = fill(folder)
        try:
            full = time.monotonic()
            load.report.expect(load.wait_for("503", 20, full, 30), "no 503 while the disk was full")
            # Not refused=: a commit that fits in pages SQLite already holds may still succeed.
            load.window(full, time.monotonic())
        finally:
            filler.unlink()
        load.recovered("space was freed")

    return scenario("disk full", service, fault)


def model_corrupted(service: Service, model_file: Path) -> Report:
    """(d) the served model file is corrupted, then a worker restarts: it must refuse the model."""
    def fault(load: Load) -> None:
        report = load.report
        corrupt(model_file)
        started = time.monotonic()
        new = service.kill_worker(report)
        if new is None:
            return
        ready = service.from_worker(new, service.readyz)
        classifier = (ready.body.get("classifier") or {}) if ready and isinstance(ready.body, dict) else {}
        report.expect(ready is not None and ready.status == 503 and classifier.get("state") == "unavailable"
                      and "sha256 mismatch" in (classifier.get("cause") or ""),
                      f"the new worker's /readyz is not 503 with a sha256 mismatch: {ready}")
        # /readyz answers anyone: the cause names the model, not where it sits on the host.
        report.expect(str(model_file.parent) not in json.dumps(ready.body if ready else None),
                      f"/readyz shows the model's path on the host: {classifier.get('cause')!r}")
        # Comments the model accepts, answered by the new worker: held, never accepted.
        for text in TEXTS[:3]:
            held = service.from_worker(new, lambda workers: _probe(service.port, report, text, workers))
            codes = [reason["code"] for reason in held.body["reasons"]] if held and held.acknowledged else []
            report.expect("classifier_unavailable" in codes and held.body["decision"] == "review",
                          f"the new worker did not hold {text!r} with classifier_unavailable: {held}")
        load.window(started, time.monotonic())

    return scenario("model corrupted", service, fault)


def _probe(port: int, report: Report, text: str, workers: set[int]) -> Result:
    result = post(port, f"{report.prefix}-probe-{uuid.uuid4().hex[:8]}", text, workers)
    report.results.append(result)  # stored like any other comment, so checked like one
    return result


# Setting the faults up.

def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'moderation.sqlite3'}"


@contextmanager
def postgres_database(admin_url: str = POSTGRES_URL) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards (sa.exc.OperationalError if unreachable)."""
    admin = sa.create_engine(normalize_url(admin_url), isolation_level="AUTOCOMMIT", poolclass=NullPool,
                             connect_args={"connect_timeout": 3})
    name = f"moderation_faults_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        store = Store(url)
        try:
            store.upgrade()  # `moderation serve` migrates SQLite only
        finally:
            store.close()
        yield url
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def tmpfs(folder: Path, size: str = "32m") -> Iterator[Path]:
    """A small file system of its own at ``folder``, to fill up (mount needs CAP_SYS_ADMIN)."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        raise CannotApply(f"cannot mount a tmpfs to fill up: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Fill the file system of ``folder`` to its last page; returns the file to delete."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, bytes(1 << 20))
    except OSError as err:
        if err.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    return filler


def copy_model(folder: Path) -> Path:
    """A copy of the served model (its joblib file and manifest) to corrupt; the pin still matches it."""
    source = served_model()[0]
    folder.mkdir()
    for name in ("model.joblib", "manifest.json"):
        shutil.copy2(source / name, folder / name)
    return folder


def corrupt(path: Path) -> None:
    """Flip 64 bytes in the middle of the file, in place, as a bad disk or a botched copy would."""
    with path.open("r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        chunk = fh.read(64)
        fh.seek(-len(chunk), os.SEEK_CUR)
        fh.write(bytes(b ^ 0xFF for b in chunk))
