"""Delivery of moderators' outcomes to the site: signed POSTs from the outbox, retried until they land.

    sign(secret, body) -> "sha256=<hex>"          the X-Moderation-Signature header
    backoff(attempts, cap, jitter=) -> seconds     2, 4, 8... capped, slightly jittered
    Sender(store, settings)
      .deliver_due(now=None) -> delivered          one pass over the due rows
      .start() / .wake() / .stop()                 the same passes in a daemon thread

Delivery is at least once: a row is marked delivered only after a 2xx, so a crash
between the POST and the record sends it again; X-Moderation-Delivery (the outbox
id) lets the site drop the repeat. Nothing is ever dropped on this side.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from .errors import ConfigError, StoreError
from .settings import Settings
from .store import Store
from .store.outbox import Outbox

log = logging.getLogger(__name__)

USER_AGENT = "moderation-webhook"
BATCH = 20
# Retry delays are shortened by up to this fraction, at random, so rows that failed
# together (the site was down) do not all come back in the same second.
JITTER = 0.1
# A lease covers a whole batch sent one by one, each POST up to the timeout, plus
# time for the database; a shorter one would let another sender resend mid-batch.
LEASE_MARGIN = timedelta(seconds=60)


def sign(secret: str, body: bytes) -> str:
    """The signature of a body: HMAC-SHA256 with the shared secret, as the site checks it."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff(attempts: int, cap: float, jitter: float | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: 2, 4, 8... at most ``cap``.

    ``jitter`` in [0, 1) shortens the wait by up to JITTER of it; random if not given.
    """
    # 2.0 ** 1100 overflows a float; the cap is reached long before 60 doublings.
    base = min(cap, 2.0 ** min(max(attempts, 1), 60))
    if jitter is None:
        jitter = random.random()
    return base - base * JITTER * jitter


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would follow a 302 with a GET and no body, and its 200 would count as
    # delivered; a redirect is one more non-2xx answer to retry.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Sender:
    """Sends due outbox rows to settings.webhook_url; in a thread, or a pass at a time."""

    def __init__(self, store: Store, settings: Settings, *, batch: int = BATCH) -> None:
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise ConfigError("MODERATION_WEBHOOK_URL", "is not set: there is nowhere to deliver to")
        config = settings.file.webhook
        self._outbox = Outbox(store)
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret
        self._opener = urllib.request.build_opener(_NoRedirect)
        self.batch = batch
        self.timeout = config.timeout_seconds
        self.max_backoff = config.max_backoff_seconds
        self.poll_seconds = config.poll_seconds
        self.lease_for = timedelta(seconds=self.timeout * batch) + LEASE_MARGIN
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- one pass ---------------------------------------------------------------

    def deliver_due(self, now: datetime | None = None) -> int:
        """Send every due row once (up to a batch); returns how many were delivered."""
        return self._pass(now)[1]

    def _pass(self, now: datetime | None) -> tuple[int, int]:
        rows = self._outbox.lease(self.lease_for, now=now, limit=self.batch)
        delivered = 0
        for row in rows:
            delivered += self._send(row, now)
        return len(rows), delivered

    def _send(self, row: dict, now: datetime | None) -> bool:
        attempted_at = now or datetime.now(timezone.utc)
        body = row["body"].encode("utf-8")
        request = urllib.request.Request(self._url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "X-Moderation-Signature": sign(self._secret, body),
            "X-Moderation-Event": row["event"],
            "X-Moderation-Delivery": str(row["id"]),
            "User-Agent": USER_AGENT,
        })
        status, error = None, None
        started = time.monotonic()
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            status = exc.code
            exc.close()
        except urllib.error.URLError as exc:
            error = str(exc.reason)
        except (OSError, http.client.HTTPException) as exc:
            error = str(exc) or type(exc).__name__
        elapsed_ms = (time.monotonic() - started) * 1000
        retry_at = attempted_at + timedelta(seconds=backoff(row["attempts"] + 1, self.max_backoff))
        delivered = self._outbox.record(row["id"], attempted_at=attempted_at, elapsed_ms=elapsed_ms,
                                        status_code=status, error=error, retry_at=retry_at)
        # The body and the secret stay out of the log; the ids find both in the database.
        if delivered:
            log.info("webhook %s delivered: outbox %s, comment %s, HTTP %s",
                     row["event"], row["id"], row["comment_id"], status)
        else:
            log.warning("webhook %s not delivered (attempt %d): outbox %s, comment %s, %s; "
                        "retrying at %s", row["event"], row["attempts"] + 1, row["id"],
                        row["comment_id"], error or f"HTTP {status}", retry_at.isoformat())
        return delivered

    # -- the thread ----------------------------------------------------------------

    def start(self) -> None:
        """Run passes in a daemon thread, every poll_seconds or when woken."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for due rows now (a moderator just decided) instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the thread after the POST in flight, if any; waits up to ``timeout`` seconds."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 5 if timeout is None else timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stopping.is_set():
            leased = self._pass_safely()
            if leased == self.batch:
                continue  # more are probably due: no reason to wait for the next poll
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _pass_safely(self) -> int:
        try:
            return self._pass(None)[0]
        except StoreError as exc:
            log.warning("webhook sender: %s; trying again in %s s", exc, self.poll_seconds)
        except Exception:
            # A bug must not end deliveries for the life of the process: log it loudly
            # and keep polling; the rows are still in the outbox.
            log.exception("webhook sender: unexpected error; trying again in %s s", self.poll_seconds)
        return 0
