"""Scale-out: three app servers, each its own gunicorn master as on its own host, share one PostgreSQL.

Comments are stored once and read from any server, concurrent retries of one comment_id
create one row, the review queue hands each item to one moderator, every outcome reaches
the site once whichever server's webhook sender took it, and a moderator signed in on one
server is signed in on all. Needs PostgreSQL (skipped without it, a failure under CI=true,
as in store_fixtures.py).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from moderation.store.database import normalize_url
from moderation.webhooks import sign

from .conftest import MODERATOR_TOKEN, SITE_TOKEN
from .store_fixtures import postgres_database  # noqa: F401  (used by name)
from .test_webhooks import SECRET, Receiver, _Handler, _Server

pytestmark = pytest.mark.postgres

SERVERS = 3
HELD_TEXT = "The minister stole the aid money."  # held for review: defamation
# Seconds a server may take to come up (each worker loads the rules for a few seconds of
# CPU), or the outcomes to reach the site; never reached when things work.
START_WITHIN = 60
WAIT = 30


class AppServer:
    """`moderation serve` in its own session (its gunicorn master and two workers) and folder."""

    def __init__(self, env: dict[str, str], home: Path, port: int) -> None:
        self.host, self.port = "127.0.0.1", port
        self.log_path = home / "server.log"
        # Its own copy of the config, so its own instance/ folder, as on a host of its own:
        # nothing but the database and the environment is shared.
        config = shutil.copy(env["MODERATION_CONFIG"], home / "config.yaml")
        env = {**env, "MODERATION_CONFIG": str(config)}
        # gunicorn >= 25.1 binds a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl, else
        # ~/.gunicorn/gunicorn.ctl, unlinking whatever is there: on one machine the three
        # masters (and any other gunicorn of this user) would take it from each other.
        env["XDG_RUNTIME_DIR"] = str(home)
        # A master empties the metrics folder it is given (a shared one would lose the others'
        # counters), else makes a new one in /tmp and leaves it behind.
        (home / "metrics").mkdir()
        env["PROMETHEUS_MULTIPROC_DIR"] = str(home / "metrics")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moderation", "serve", "--port", str(port), "--workers", "2"],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_WITHIN
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if call(self, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        log = self.log_path.read_text(errors="replace")[-3000:]
        raise AssertionError(f"server on port {self.port} not ready (exit {self.proc.poll()}):\n{log}")

    def terminate(self) -> None:
        # To the whole group: gunicorn finishes in-flight requests and exits.
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def free_ports(count: int) -> list[int]:
    # All held open together, so the kernel cannot hand the same port out twice: a server
    # that failed to bind would otherwise look ready, answered by its twin.
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def fetch(server: AppServer, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on its own connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=WAIT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def call(server: AppServer, method: str, path: str, body: dict | None = None, *,
         token: str = SITE_TOKEN, moderator: str | None = None) -> tuple[int, Any]:
    """One API request: (status, parsed JSON body or None)."""
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if moderator is not None:
        headers["X-Moderator"] = moderator
    status, _, raw = fetch(server, method, path, data, headers)
    return status, json.loads(raw) if raw else None


def moderate(server: AppServer, method: str, path: str, body: dict | None = None,
             *, moderator: str) -> tuple[int, Any]:
    return call(server, method, path, body, token=MODERATOR_TOKEN, moderator=moderator)


@pytest.fixture(scope="module")
def site() -> Iterator[Receiver]:
    """The site's webhook endpoint (test_webhooks.Receiver), for the whole module."""
    server = _Server(("127.0.0.1", 0), _Handler)
    receiver = Receiver()
    server.receiver = receiver  # type: ignore[attr-defined]  (where _Handler looks for it)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


@pytest.fixture(scope="module")
def environment(postgres_database, rules_only_config, site) -> dict[str, str]:  # noqa: F811
    """What every server is given, as on every host; the database is migrated once here."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MODERATION_")}
    env.update({
        "MODERATION_CONFIG": str(rules_only_config),  # rules only: no model to load, fast start
        "MODERATION_DATABASE_URL": postgres_database,
        "MODERATION_SITE_TOKENS": SITE_TOKEN,
        "MODERATION_MODERATOR_TOKENS": MODERATOR_TOKEN,
        "MODERATION_WEBHOOK_URL": site.url,
        "MODERATION_WEBHOOK_SECRET": SECRET,
        "MODERATION_SECRET_KEY": "scale-out-session-key-0123456789",
    })
    upgraded = subprocess.run([sys.executable, "-m", "moderation", "db", "upgrade"], env=env,
                              capture_output=True, text=True, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    return env


@pytest.fixture(scope="module")
def servers(environment, tmp_path_factory) -> Iterator[list[AppServer]]:
    """Three servers with the same environment over the same database."""
    started: list[AppServer] = []
    try:
        for number, port in enumerate(free_ports(SERVERS)):
            started.append(AppServer(environment, tmp_path_factory.mktemp(f"server-{number}-"), port))
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.terminate()
        for server in started:
            server.wait_stopped()


@pytest.fixture(scope="module")
def database(postgres_database) -> Iterator[sa.Engine]:  # noqa: F811
    """The shared database, read directly to count what the servers wrote."""
    engine = sa.create_engine(normalize_url(postgres_database))
    yield engine
    engine.dispose()


def per_comment(database: sa.Engine, sql: str, prefix: str) -> Counter:
    """comment_id -> rows that ``sql`` (selecting comment_id) finds, for ids starting with ``prefix``."""
    with database.connect() as connection:
        rows = connection.execute(sa.text(sql), {"prefix": prefix + "%"}).scalars().all()
    return Counter(rows)


COMMENTS = "SELECT comment_id FROM comments WHERE comment_id LIKE :prefix"
AUTOMATIC = ("SELECT c.comment_id FROM decisions d JOIN comments c ON c.id = d.comment_pk "
             "WHERE d.kind = 'automatic' AND c.comment_id LIKE :prefix")


def audited(action: str) -> str:
    return f"SELECT comment_id FROM audit_log WHERE action = '{action}' AND comment_id LIKE :prefix"


def assert_stored_once(database: sa.Engine, prefix: str, ids: list[str]) -> None:
    """Each comment: one row, one automatic decision, one `decided` audit entry."""
    for sql in (COMMENTS, AUTOMATIC, audited("decided")):
        assert per_comment(database, sql, prefix) == Counter(ids), sql


def text_for(number: int) -> tuple[str, str]:
    """A comment's text and the decision the rules give it: every third one is rejected."""
    if number % 3 == 0:
        return f"You are a f*cking 1d10t, take {number}.", "reject"
    return f"Clear, fair report, point {number}.", "accept"


# -- decisions -----------------------------------------------------------------------

def test_comments_spread_over_the_servers_are_stored_once_and_read_from_any(servers, database):
    ids = [f"spread-{n}" for n in range(90)]

    def submit(number: int) -> tuple[int, Any]:
        return call(servers[number % SERVERS], "POST", "/v1/comments",
                    {"comment_id": ids[number], "text": text_for(number)[0]})

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(submit, range(len(ids))))
        reads = list(pool.map(lambda job: call(servers[job[1]], "GET", f"/v1/comments/{ids[job[0]]}"),
                              [(n, s) for n in range(len(ids)) for s in range(SERVERS)]))

    assert [status for status, _ in answers] == [201] * len(ids), answers
    assert [body["decision"] for _, body in answers] == [text_for(n)[1] for n in range(len(ids))]
    for index, (status, record) in enumerate(reads):
        number = index // SERVERS
        assert status == 200
        assert record["comment_id"] == ids[number] and record["text"] == text_for(number)[0]
        assert record["automatic"] == answers[number][1]
    assert_stored_once(database, "spread-", ids)


# -- idempotency ----------------------------------------------------------------------

def test_retries_of_one_comment_id_at_once_on_every_server_store_it_once(servers, database):
    ids = [f"retry-{n}" for n in range(30)]
    jobs = [(number, server) for number in range(len(ids)) for server in servers for _ in range(3)]
    # Every request waits for all the others, so each comment_id hits all three servers together.
    barrier = threading.Barrier(len(jobs))

    def submit(job: tuple[int, AppServer]) -> tuple[int, Any]:
        number, server = job
        barrier.wait(timeout=WAIT)
        body = {"comment_id": ids[number], "text": text_for(number)[0]}
        return call(server, "POST", "/v1/comments", body)

    with ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(submit, jobs))

    for number, comment_id in enumerate(ids):
        mine = [answer for job, answer in zip(jobs, answers) if job[0] == number]
        statuses = Counter(status for status, _ in mine)
        assert statuses == {201: 1, 200: 8}, (comment_id, mine)
        bodies = [body for _, body in mine]
        assert all(body == bodies[0] for body in bodies), comment_id
        assert bodies[0]["decision"] == text_for(number)[1]

    for number, comment_id in enumerate(ids):
        status, body = call(servers[number % SERVERS], "POST", "/v1/comments",
                            {"comment_id": comment_id, "text": text_for(number)[0] + " Edited."})
        assert (status, body["error"]) == (409, "comment_id_conflict")
    assert_stored_once(database, "retry-", ids)


# -- review claims ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def worked_queue(servers) -> dict[str, Any]:
    """30 held comments worked off by six moderators, two on each server, all at once.

    Returns the held ids and each moderator's log of (comment_id, resolve status).
    """
    held = [f"held-{n}" for n in range(30)]
    with ThreadPoolExecutor(6) as pool:
        stored = list(pool.map(lambda n: call(servers[n % SERVERS], "POST", "/v1/comments", {
            "comment_id": held[n], "text": f"{HELD_TEXT} Source {n}."}), range(len(held))))
    assert [(status, body["decision"]) for status, body in stored] == [(201, "review")] * len(held)

    def work(name: str, server: AppServer) -> list[tuple[str, int]]:
        done: list[tuple[str, int]] = []
        # Bounded: a moderator handed the same item again and again must not loop forever.
        for _ in range(len(held) + 1):
            status, item = moderate(server, "POST", "/v1/claims", moderator=name)
            if status == 204:
                return done
            assert status == 200, (name, status, item)
            status, _ = moderate(server, "POST", f"/v1/review/{item['comment_id']}",
                                 {"decision": "reject", "reason": "defamation"}, moderator=name)
            done.append((item["comment_id"], status))
        raise AssertionError(f"{name} was still being handed items after {len(held) + 1} claims: {done}")

    moderators = {f"moderator-{n}": servers[n % SERVERS] for n in range(6)}
    with ThreadPoolExecutor(len(moderators)) as pool:
        futures = {name: pool.submit(work, name, server) for name, server in moderators.items()}
        logs = {name: future.result() for name, future in futures.items()}
    return {"held": held, "logs": logs}


def test_moderators_on_every_server_get_each_held_comment_once(worked_queue, servers, database):
    held, logs = worked_queue["held"], worked_queue["logs"]
    claimed = Counter(comment_id for log in logs.values() for comment_id, _ in log)
    assert claimed == Counter(held), "every item handed out exactly once"
    assert [status for log in logs.values() for _, status in log] == [200] * len(held)
    for server in servers:
        status, page = moderate(server, "GET", "/v1/review", moderator="auditor")
        assert (status, page["items"], page["counts"]) == (200, [], {})
    assert per_comment(database, audited("claimed"), "held-") == Counter(held)
    assert per_comment(database, audited("resolved"), "held-") == Counter(held)
    holder = {comment_id: name for name, log in logs.items() for comment_id, _ in log}
    for number, comment_id in enumerate(held):
        status, record = call(servers[number % SERVERS], "GET", f"/v1/comments/{comment_id}")
        assert status == 200 and record["decision"] == "reject"
        assert record["moderation"]["moderator"] == holder[comment_id]


# -- webhooks ------------------------------------------------------------------------

def test_every_outcome_reaches_the_site_once_whichever_server_sends_it(worked_queue, site):
    held = set(worked_queue["held"])

    def posted() -> list[dict]:
        return [r for r in list(site.requests) if r["method"] == "POST"]

    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if held <= {json.loads(r["body"])["comment_id"] for r in posted()}:
            break
        time.sleep(0.1)
    posts = posted()
    arrived = {json.loads(r["body"])["comment_id"] for r in posts}
    assert held <= arrived, f"not delivered within {WAIT} s: {sorted(held - arrived)}"
    repeats = {delivery: n for delivery, n in Counter(site.delivery_ids()).items() if n > 1}
    assert repeats == {}, "a delivery was sent twice in a healthy run"
    per_comment_id = Counter(json.loads(r["body"])["comment_id"] for r in posts)
    assert per_comment_id == Counter(held), "one outcome, so one delivery, per comment"
    for request in posts:
        assert request["headers"]["x-moderation-signature"] == sign(SECRET, request["body"])
        assert json.loads(request["body"])["decision"] == "reject"


# -- sessions ------------------------------------------------------------------------

def session_cookie(headers: http.client.HTTPMessage) -> str:
    [cookie] = [value.split(";")[0] for value in headers.get_all("Set-Cookie") or ()
                if value.startswith("moderation_session=")]
    return cookie


def csrf_token(page: bytes) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, page[:500]
    return found.group(1).decode()


def test_a_moderator_signed_in_on_one_server_is_signed_in_on_every_server(servers, environment):
    """A load balancer sends a moderator's requests anywhere: the shared MODERATION_SECRET_KEY
    makes each server accept the session cookie and form tokens another one signed."""
    added = subprocess.run([sys.executable, "-m", "moderation", "moderators", "add", "alice",
                            "--password-stdin"], input="correct horse battery\n", env=environment,
                           capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    first, second, third = servers
    _, headers, page = fetch(first, "GET", "/moderate/login")
    form = {"name": "alice", "password": "correct horse battery", "csrf_token": csrf_token(page)}
    status, headers, _ = fetch(first, "POST", "/moderate/login", urlencode(form).encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": session_cookie(headers)})
    assert status == 302
    cookie = session_cookie(headers)

    status, headers, page = fetch(second, "GET", "/moderate/", headers={"Cookie": cookie})
    assert status == 200, "the second server did not take the first one's session"
    # Rendering the page's form token put it in the session: the cookie comes back renewed.
    cookie = session_cookie(headers)
    status, headers, _ = fetch(third, "POST", "/moderate/logout", urlencode(
        {"csrf_token": csrf_token(page)}).encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    assert status == 302, "the third server refused a form the second one rendered"
    assert headers["Location"].endswith("/moderate/login")
