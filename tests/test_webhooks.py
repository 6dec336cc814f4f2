"""Webhooks: every moderator outcome reaches the site, signed, at least once, whatever fails on the way."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
import sqlalchemy as sa

from moderation.cli import main
from moderation.settings import Settings, WebhookSettings
from moderation.store import Store
from moderation.store.outbox import Outbox
from moderation.store.queue import ReviewQueue
from moderation.store.tables import outbox
from moderation.webhooks import JITTER, Sender, backoff, sign
from .store_fixtures import (  # noqa: F401  (fixtures are used by name)
    database_url, fresh_store, make_comment, postgres_database, store,
)

SECRET = "webhook-secret-0123456789abcdef"
HELD = {"decision": "review", "reasons": [{"code": "defamation", "action": "review"}]}
T0 = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
WAIT = 10  # seconds a test waits for a thread at most; never reached when things work


# -- the site -------------------------------------------------------------------

class Receiver:
    """A local stand-in for the site: records every request, answers with ``status``."""

    def __init__(self) -> None:
        self.status = 200
        self.hang = False  # hold each answer until released: the sender times out
        self.released = threading.Event()
        self.requests: list[dict] = []
        self.on_request = None
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    def record(self, method: str, path: str, headers, body: bytes) -> None:
        with self._arrived:
            self.requests.append({"method": method, "path": path, "body": body,
                                  "headers": {k.lower(): v for k, v in headers.items()}})
            self._arrived.notify_all()
        if self.on_request is not None:
            self.on_request()

    def wait_for(self, count: int) -> list[dict]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.requests) >= count, timeout=WAIT)
            return list(self.requests)

    def delivery_ids(self) -> list[int]:
        return [int(r["headers"]["x-moderation-delivery"]) for r in self.requests if r["method"] == "POST"]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver.record("POST", self.path, self.headers, body)
        if receiver.hang:
            receiver.released.wait(WAIT)
        self._answer(receiver.status)

    def do_GET(self) -> None:
        # Only a followed redirect would land here.
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        receiver.record("GET", self.path, self.headers, b"")
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # The timeout test hangs up on purpose; the broken pipe is expected.
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver()  # type: ignore[attr-defined]
    server.receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"  # type: ignore[attr-defined]
    # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield server.receiver  # type: ignore[attr-defined]
    finally:
        server.receiver.released.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def webhook_settings(make_settings, url: str, **webhook) -> Settings:
    settings = make_settings(MODERATION_WEBHOOK_URL=url, MODERATION_WEBHOOK_SECRET=SECRET)
    file = settings.file.model_copy(update={"webhook": WebhookSettings(**webhook)})
    return settings.model_copy(update={"file": file})


@pytest.fixture
def sender(store, make_settings, receiver) -> Sender:
    return Sender(store, webhook_settings(make_settings, receiver.url))


# -- outcomes in the outbox --------------------------------------------------------

def decided(store: Store, count: int = 1, now: datetime | None = T0) -> list[str]:
    """Hold ``count`` comments for review and reject each; returns their comment ids."""
    queue = ReviewQueue(store, webhook=True)
    ids = []
    for _ in range(count):
        comment = make_comment()
        store.save(comment, HELD)
        queue.decide(comment["comment_id"], "alice", "reject", "defamation", now=now)
        ids.append(comment["comment_id"])
    return ids


def outbox_row(store: Store, comment_id: str) -> dict:
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(outbox).where(outbox.c.comment_id == comment_id)).mappings().one()
    return dict(row)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# -- signing -----------------------------------------------------------------------

def test_sign_is_hmac_sha256_of_the_raw_body():
    body = '{"comment_id":"c-1","decision":"reject","text":"naïve"}'.encode()
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body) == f"sha256={expected}"
    assert sign(SECRET, body + b" ") != sign(SECRET, body)


def test_the_site_receives_the_exact_body_signed_with_the_headers(store, sender, receiver):
    [comment_id] = decided(store)
    assert sender.deliver_due(now=T0) == 1
    [request] = receiver.requests
    raw = request["body"]
    assert raw.decode("utf-8") == outbox_row(store, comment_id)["body"]
    signature = request["headers"]["x-moderation-signature"]
    assert hmac.compare_digest(
        signature, "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest())
    payload = json.loads(raw)
    assert payload["comment_id"] == comment_id and payload["decision"] == "reject"
    assert payload["moderation"]["moderator"] == "alice"
    headers = request["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["x-moderation-event"] == "comment.moderated"
    assert headers["x-moderation-delivery"] == str(outbox_row(store, comment_id)["id"])
    assert headers["user-agent"] == "moderation-webhook"
    assert request["path"] == "/hooks"


# -- retries -----------------------------------------------------------------------

def test_site_down_then_up_is_delivered_once_and_the_log_shows_every_attempt(store, sender, receiver):
    [comment_id] = decided(store)
    receiver.status = 503
    assert sender.deliver_due(now=T0) == 0
    assert sender.deliver_due(now=T0) == 0, "a failed row waits for its retry time"
    assert sender.deliver_due(now=T0 + timedelta(seconds=3)) == 0
    receiver.status = 200
    assert sender.deliver_due(now=T0 + timedelta(seconds=60)) == 1
    assert sender.deliver_due(now=T0 + timedelta(days=1)) == 0

    assert len(receiver.requests) == 3
    assert len({r["body"] for r in receiver.requests}) == 1, "every retry sends the same bytes"
    assert len(set(receiver.delivery_ids())) == 1

    log = Outbox(store).log(comment_id=comment_id)
    assert [a["status_code"] for a in log] == [200, 503, 503]
    assert [a["attempted_at"] for a in log] == [
        "2030-01-01T12:01:00.000000Z", "2030-01-01T12:00:03.000000Z", "2030-01-01T12:00:00.000000Z"]
    assert all(a["event"] == "comment.moderated" and a["comment_id"] == comment_id for a in log)
    assert all(a["elapsed_ms"] >= 0 for a in log)
    row = outbox_row(store, comment_id)
    assert row["attempts"] == 2 and row["delivered_at"] is not None and row["locked_until"] is None
    assert Outbox(store).backlog() == {"undelivered": 0, "oldest_created_at": None}


def test_backoff_doubles_from_two_seconds_up_to_the_cap():
    assert [backoff(n, 30, jitter=0) for n in range(1, 8)] == [2, 4, 8, 16, 30, 30, 30]
    assert backoff(3, 30, jitter=0.999) == pytest.approx(8 * (1 - JITTER * 0.999))
    assert backoff(10_000, 3600, jitter=0) == 3600, "a row failing for months does not overflow"
    for _ in range(100):
        assert 30 * (1 - JITTER) <= backoff(9, 30) <= 30


def test_retry_delays_grow_and_stop_at_max_backoff(store, make_settings, receiver):
    sender = Sender(store, webhook_settings(make_settings, receiver.url, max_backoff_seconds=10))
    [comment_id] = decided(store)
    receiver.status = 503
    now = T0
    for attempt, expected in enumerate([2, 4, 8, 10, 10, 10], start=1):
        assert sender.deliver_due(now=now) == 0
        row = outbox_row(store, comment_id)
        waited = (aware(row["next_attempt_at"]) - now).total_seconds()
        assert expected * (1 - JITTER) <= waited <= expected, (attempt, waited)
        assert row["attempts"] == attempt and row["last_error"] == "HTTP 503"
        now = aware(row["next_attempt_at"])
    assert len(receiver.requests) == 6


def test_refused_connections_and_timeouts_are_retried_not_dropped(store, make_settings, receiver):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    [first] = decided(store)
    nobody = Sender(store, webhook_settings(make_settings, f"http://127.0.0.1:{closed_port}/hooks"))
    assert nobody.deliver_due(now=T0) == 0
    [attempt] = Outbox(store).log(comment_id=first)
    assert attempt["status_code"] is None and "refused" in attempt["error"].lower()

    receiver.hang = True
    slow = Sender(store, webhook_settings(make_settings, receiver.url, timeout_seconds=0.2))
    assert slow.deliver_due(now=T0 + timedelta(seconds=60)) == 0
    receiver.released.set()
    [timed_out, _] = Outbox(store).log(comment_id=first)
    assert timed_out["status_code"] is None and "timed out" in timed_out["error"]
    row = outbox_row(store, first)
    assert row["attempts"] == 2 and row["delivered_at"] is None and row["last_error"] == timed_out["error"]


def test_a_redirect_is_a_failure_not_a_delivery(store, sender, receiver):
    decided(store)
    receiver.status = 302
    assert sender.deliver_due(now=T0) == 0
    assert [r["method"] for r in receiver.requests] == ["POST"], "the redirect is not followed"
    assert Outbox(store).backlog()["undelivered"] == 1


def test_long_errors_are_cut_to_the_column(store):
    [comment_id] = decided(store)
    box = Outbox(store)
    [row] = box.lease(timedelta(minutes=1), now=T0)
    box.record(row["id"], attempted_at=T0, elapsed_ms=1.5, error="x" * 1000,
               retry_at=T0 + timedelta(seconds=2))
    assert outbox_row(store, comment_id)["last_error"] == "x" * 255
    assert box.log(comment_id=comment_id)[0]["error"] == "x" * 255
    with pytest.raises(ValueError):
        box.record(row["id"], attempted_at=T0, elapsed_ms=1, status_code=500)


# -- leases: restarts and concurrent senders ------------------------------------------

def test_a_leased_row_is_left_alone_until_the_lease_expires(store):
    decided(store, 2)
    box = Outbox(store)
    first = box.lease(timedelta(seconds=30), now=T0)
    assert len(first) == 2
    assert box.lease(timedelta(seconds=30), now=T0 + timedelta(seconds=29)) == []
    again = box.lease(timedelta(seconds=30), now=T0 + timedelta(seconds=31))
    assert [r["id"] for r in again] == [r["id"] for r in first]


def test_a_sender_that_died_holding_a_lease_loses_nothing_after_a_restart(
        store, database_url, make_settings, receiver):
    [comment_id] = decided(store)
    settings = webhook_settings(make_settings, receiver.url)
    crashed = Sender(store, settings)
    # The process dies after taking the lease, before sending or recording.
    assert len(Outbox(store).lease(crashed.lease_for, now=T0)) == 1
    store.close()

    restarted = Store(database_url)
    try:
        sender = Sender(restarted, settings)
        assert sender.deliver_due(now=T0 + timedelta(seconds=1)) == 0
        assert receiver.requests == []
        assert sender.deliver_due(now=T0 + sender.lease_for + timedelta(seconds=1)) == 1
        assert len(receiver.requests) == 1
        assert outbox_row(restarted, comment_id)["delivered_at"] is not None
    finally:
        restarted.close()


def test_two_senders_at_once_deliver_every_row_exactly_once(store, database_url, make_settings, receiver):
    decided(store, 12, now=None)
    settings = webhook_settings(make_settings, receiver.url)
    other = Store(database_url)
    senders = [Sender(store, settings, batch=3), Sender(other, settings, batch=3)]
    start = threading.Barrier(2)
    delivered = [0, 0]
    errors = []

    def run(index: int) -> None:
        try:
            start.wait(WAIT)
            for _ in range(10):
                delivered[index] += senders[index].deliver_due()
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
    finally:
        other.close()
    assert errors == []
    ids = receiver.delivery_ids()
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(delivered) == 12
    assert Outbox(store).backlog()["undelivered"] == 0


# -- the thread ----------------------------------------------------------------------

def test_the_thread_delivers_when_woken_and_stops(store, make_settings, receiver):
    # Polling once a minute: only wake() can explain a delivery within the test.
    sender = Sender(store, webhook_settings(make_settings, receiver.url, poll_seconds=60))
    sender.start()
    try:
        assert sender.running
        decided(store, now=None)
        sender.wake()
        assert len(receiver.wait_for(1)) == 1
        decided(store, now=None)
        sender.wake()
        assert len(receiver.wait_for(2)) == 2
    finally:
        sender.stop()
    assert not sender.running


def test_a_database_error_does_not_end_the_thread(fresh_store, make_settings, receiver, caplog):
    sender = Sender(fresh_store, webhook_settings(make_settings, receiver.url, poll_seconds=60))
    caplog.set_level(logging.WARNING, logger="moderation.webhooks")
    sender.start()
    try:
        deadline = time.monotonic() + WAIT
        while not caplog.records and time.monotonic() < deadline:
            time.sleep(0.01)
        assert "database" in caplog.records[0].getMessage(), "no outbox table yet"
        assert sender.running
        fresh_store.upgrade()
        decided(fresh_store, now=None)
        sender.wake()
        assert len(receiver.wait_for(1)) == 1
    finally:
        sender.stop()
    assert SECRET not in caplog.text


def test_a_sender_needs_a_webhook_url(store, make_settings):
    from moderation.errors import ConfigError

    with pytest.raises(ConfigError):
        Sender(store, make_settings())


# -- the CLI ---------------------------------------------------------------------------

@pytest.fixture
def cli_store(runner, monkeypatch, receiver) -> Iterator[Store]:
    """The CLI's database, migrated, with the receiver as the site."""
    monkeypatch.setenv("MODERATION_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("MODERATION_WEBHOOK_SECRET", SECRET)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    store = Store(os.environ["MODERATION_DATABASE_URL"])
    yield store
    store.close()


def test_cli_status_deliver_once_and_log(runner, cli_store, receiver):
    [comment_id] = decided(cli_store, now=None)
    status = runner.invoke(main, ["webhooks", "status"])
    assert status.exit_code == 0, status.output
    backlog = json.loads(status.output)
    assert backlog["undelivered"] == 1 and backlog["oldest_created_at"].endswith("Z")

    receiver.status = 503
    failed = runner.invoke(main, ["webhooks", "deliver", "--once"])
    assert failed.exit_code == 0, failed.output
    assert failed.output.strip() == "delivered 0"
    receiver.status = 200
    with cli_store.engine.begin() as connection:  # due again now rather than in two seconds
        connection.execute(outbox.update().values(next_attempt_at=datetime.now(timezone.utc)))
    assert runner.invoke(main, ["webhooks", "deliver", "--once"]).output.strip() == "delivered 1"
    assert json.loads(runner.invoke(main, ["webhooks", "status"]).output)["undelivered"] == 0

    log = runner.invoke(main, ["webhooks", "log", "--comment-id", comment_id])
    assert log.exit_code == 0, log.output
    attempts = [json.loads(line) for line in log.output.splitlines()]
    assert [a["status_code"] for a in attempts] == [200, 503]
    limited = runner.invoke(main, ["webhooks", "log", "--limit", "1"])
    assert len(limited.output.splitlines()) == 1
    assert runner.invoke(main, ["webhooks", "log", "--comment-id", "nobody"]).output == ""
    assert runner.invoke(main, ["webhooks", "log", "--limit", "0"]).exit_code == 2


def test_cli_deliver_runs_until_stopped(runner, cli_store, receiver):
    decided(cli_store, now=None)
    # The first delivery stops the foreground sender the way a service manager would.
    receiver.on_request = lambda: os.kill(os.getpid(), signal.SIGTERM)
    result = runner.invoke(main, ["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert len(receiver.requests) == 1
    assert "stopped" in result.output


def test_cli_deliver_without_a_webhook_url_is_a_clean_error(runner, monkeypatch):
    monkeypatch.delenv("MODERATION_WEBHOOK_URL", raising=False)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["webhooks", "deliver", "--once"])
    assert result.exit_code == 1
    assert "MODERATION_WEBHOOK_URL" in result.output and "Traceback" not in result.output
