"""The real server: `moderation serve` under gunicorn, killed with SIGKILL, loses nothing it acknowledged."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import CONFIG

# A deadline, not a timing check: two workers loading the model took over 30 s while another
# test suite shared the two cores.
START_WITHIN = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


class Server:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.env = {**os.environ, "MODERATION_CONFIG": str(CONFIG),
                    "MODERATION_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}"}
        self.env.pop("MODERATION_SITE_TOKENS", None)
        self.env.pop("MODERATION_MODERATOR_TOKENS", None)
        self.proc: subprocess.Popen | None = None

    def start(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moderation", "serve", "--port", str(self.port), "--workers", "2", *options],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_WITHIN
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server did not come up within {START_WITHIN} s")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path)
    yield srv
    if srv.proc and srv.proc.poll() is None:
        srv.kill()


def test_serve_answers_and_sigkill_loses_nothing_acknowledged(server):
    server.start()
    acknowledged = {}
    for i in range(30):
        text = "You are a f*cking 1d10t" if i % 3 == 0 else f"Comment number {i} is fine."
        status, body = request(server.port, "POST", "/v1/comments", {"text": text, "comment_id": f"k{i}"})
        assert status == 201
        acknowledged[f"k{i}"] = body["decision"]
    server.kill()  # no shutdown, no flush: the whole process group dies at once

    server.start()
    for comment_id, decision in acknowledged.items():
        status, record = request(server.port, "GET", f"/v1/comments/{comment_id}")
        assert status == 200
        assert record["automatic"]["decision"] == decision
    status, again = request(server.port, "POST", "/v1/comments", {"text": "Comment number 1 is fine.",
                                                                   "comment_id": "k1"})
    assert status == 200 and again["decision"] == acknowledged["k1"]


def established_by_process(port: int, pids: list[int]) -> dict[int, int]:
    """How many established TCP connections to ``port`` each process holds (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    inodes.add(fields[9])
    held = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        held[pid] = sum(1 for fd in fds.iterdir() if os.readlink(fd)[len("socket:["):-1] in inodes)
    return held


def children_of(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads sockets from Linux's /proc")
def test_with_reuse_port_connections_opened_at_once_are_spread_over_the_workers(server):
    """With a socket per worker, a client's kept-alive pool does not all land on one worker (one core)."""
    server.start("--reuse-port")
    connections = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(16)]
    try:
        for conn in connections:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        for conn in connections:
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        held = established_by_process(server.port, children_of(server.proc.pid))
    finally:
        for conn in connections:
            conn.close()
    assert len(held) == 2 and sum(held.values()) == 16, held
    # Spread by the kernel's hash of each connection: all 16 on one worker has odds of 1 in 32,768.
    assert min(held.values()) >= 1, held


def _gunicorn_logger(access_level: int):
    from gunicorn.config import Config

    from moderation.serve import GunicornLogger, gunicorn_options

    config = Config()
    for key, value in gunicorn_options("127.0.0.1", 8000, 1, 1).items():
        config.set(key, value)
    assert config.logger_class is GunicornLogger
    logger = GunicornLogger(config)
    logger.access_log.setLevel(access_level)
    return logger


def test_access_lines_are_not_built_while_the_access_logger_is_silent(monkeypatch):
    logger = _gunicorn_logger(logging.WARNING)
    built = []
    monkeypatch.setattr(logger, "atoms", lambda *args: built.append(args) or {})
    logger.access(None, None, {}, None)
    assert built == []


def test_access_lines_are_written_when_the_access_logger_is_turned_up(monkeypatch):
    logger = _gunicorn_logger(logging.INFO)
    lines = []
    monkeypatch.setattr(logger, "atoms", lambda *args: {"h": "127.0.0.1"})
    monkeypatch.setattr(logger.access_log, "info", lambda *args: lines.append(args))
    logger.access(None, None, {}, None)
    assert len(lines) == 1


def _get_healthz(port: int) -> str | None:
    """One request on a new connection; None when answered 200, else what went wrong."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk
    except OSError as err:
        return repr(err)
    return None if answer.startswith(b"HTTP/1.1 200") else repr(answer[:40])


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + START_WITHIN
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {START_WITHIN} s: {what}")
        time.sleep(0.05)


def _reload(server) -> None:
    """SIGHUP: gunicorn starts new workers and stops the old ones gracefully; returns once the old are gone."""
    old = set(children_of(server.proc.pid))
    os.kill(server.proc.pid, signal.SIGHUP)
    _wait_for(lambda: not old & set(children_of(server.proc.pid)), "the old workers gone")


def test_with_reuse_port_workers_replaced_by_a_reload_reset_no_new_connection(server):
    """A stopping worker closes its own socket once it stops taking requests: gunicorn's own
    gthread worker keeps it open while kept-alive clients linger (up to 2 s), and the
    connections the kernel queues there meanwhile are reset when it finally closes."""
    server.start("--reuse-port")
    kept_alive = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    for conn in kept_alive:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
    answered, failures = [0], []
    stop = threading.Event()

    def open_connections() -> None:
        while not stop.is_set():
            failure = _get_healthz(server.port)
            if failure:
                failures.append(failure)
            else:
                answered[0] += 1

    clients = [threading.Thread(target=open_connections) for _ in range(3)]
    for client in clients:
        client.start()
    try:
        _wait_for(lambda: answered[0] >= 50, "answers before the reload")
        _reload(server)
        after = answered[0]
        _wait_for(lambda: answered[0] >= after + 200, "answers from the new workers")
    finally:
        stop.set()
        for client in clients:
            client.join()
        for conn in kept_alive:
            conn.close()
    assert failures == [], failures[:5]


def test_a_lone_worker_keeps_the_shared_socket_the_arbiter_holds_while_it_restarts():
    from moderation.serve import gunicorn_options

    assert gunicorn_options("127.0.0.1", 8000, 2, 8, reuse_port=True)["reuse_port"] is True
    assert gunicorn_options("127.0.0.1", 8000, 1, 8, reuse_port=True)["reuse_port"] is False
    assert gunicorn_options("127.0.0.1", 8000, 2, 8, reuse_port=False)["reuse_port"] is False


def test_sighup_serves_the_config_as_it_now_reads_and_keeps_the_old_one_if_it_does_not_load(server, tmp_path):
    import yaml

    raw = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw["classifier"]["model"] = str((CONFIG.parent / raw["classifier"]["model"]).resolve())
    config = tmp_path / "config.yaml"

    def write(max_chars) -> None:
        raw["rules"]["length"]["max_chars"] = max_chars
        config.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")

    def reload() -> None:
        _reload(server)
        _wait_for(lambda: _answers(server.port), "the new workers answering")

    text = "A fair and careful report on the new water policy. " * 12  # 612 characters
    def codes() -> list[str]:
        status, decision = request(server.port, "POST", "/v1/check", {"text": text})
        assert status == 200
        return [reason["code"] for reason in decision["reasons"]]

    write(1000)
    server.env["MODERATION_CONFIG"] = str(config)
    server.start()
    assert "too_long" not in codes()

    write(500)
    reload()
    assert "too_long" in codes()

    write("as long as it likes")  # not a number: the file no longer loads
    reload()
    assert "too_long" in codes()  # the configuration loaded before serves on
    assert request(server.port, "GET", "/readyz")[0] == 200


def _answers(port: int) -> bool:
    try:
        return request(port, "GET", "/healthz")[0] == 200
    except OSError:
        return False


def test_a_second_server_on_a_taken_port_is_refused_not_run_beside_the_first(server):
    """With a socket per worker, a second server's binds would succeed and the kernel would split
    connections between the two; it must stop at once with the reason instead."""
    server.start()
    second = subprocess.run(
        [sys.executable, "-m", "moderation", "serve", "--port", str(server.port), "--workers", "2"],
        env=server.env, capture_output=True, text=True, timeout=START_WITHIN)
    assert second.returncode != 0
    assert "already in use" in second.stderr
    assert request(server.port, "GET", "/healthz")[0] == 200  # the first serves on
