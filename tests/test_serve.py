"""The real server: `moderation serve` under gunicorn, killed with SIGKILL, loses nothing it acknowledged."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import CONFIG


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

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moderation", "serve", "--port", str(self.port), "--workers", "2"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("server did not come up within 30 s")

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
