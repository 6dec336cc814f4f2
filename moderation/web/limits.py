"""Per-token rate limits: 429 with Retry-After past a role's limit.

Each token has its own budget (requests without a valid token share one per client
address). The counters live in memory, per process, unless
MODERATION_RATELIMIT_STORAGE names a shared store (redis://host:6379), which several app
servers then share. If that store fails, each process counts in memory meanwhile rather
than refusing everything or letting everything through.

Counted here in memory, or with the `limits` library in Redis: a check costs
microseconds, where a framework extension around it cost a third of a decision.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse, storage, strategies
from werkzeug.exceptions import TooManyRequests

from .auth import role_of_request
from .metrics import RATE_LIMITED

log = logging.getLogger(__name__)

# Probes and the API description are cheap and must answer whatever the load.
EXEMPT = ("/healthz", "/readyz", "/openapi.json")
PREFIX = "moderation"


class Limits:
    def __init__(self, rates: dict[str, str], storage_url: str | None) -> None:
        self.rates: dict[str, RateLimitItem] = {role: parse(rate) for role, rate in rates.items()}
        self._local = LocalWindows()
        self._shared = None
        if storage_url is not None and not storage_url.startswith("memory://"):
            self._shared = strategies.FixedWindowRateLimiter(storage.storage_from_string(storage_url))

    def allow(self, role: str, key: str) -> tuple[bool, int]:
        """Count one request; (allowed, seconds until the window lets it through)."""
        rate = self.rates[role]
        if self._shared is not None:
            try:
                if self._shared.hit(rate, PREFIX, key):
                    return True, 0
                reset = self._shared.get_window_stats(rate, PREFIX, key).reset_time
                return False, max(1, math.ceil(reset - time.time()))
            except Exception as exc:  # the shared store is down: count here until it is back
                log.warning("rate-limit store unavailable, counting in this process: %s",
                            type(exc).__name__)
        return self._local.hit(rate, key)


class LocalWindows:
    """Fixed windows counted in this process. (The limits library's memory storage wakes a
    thread every 10 ms to expire entries, which costs a busy worker more than it saves.)"""

    PRUNE_AT = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int], tuple[float, int]] = {}

    def hit(self, rate: RateLimitItem, key: str) -> tuple[bool, int]:
        period = rate.get_expiry()
        now = time.monotonic()
        start = now - now % period
        slot = (key, period)
        with self._lock:
            began, count = self._windows.get(slot, (start, 0))
            if began != start:
                count = 0
            if count >= rate.amount:
                return False, max(1, math.ceil(start + period - now))
            self._windows[slot] = (start, count + 1)
            if len(self._windows) > self.PRUNE_AT:
                # Callers seen in an earlier window only (many addresses, say) are forgotten.
                self._windows = {k: v for k, v in self._windows.items()
                                 if v[0] + k[1] > now}
        return True, 0


def register(app: Flask) -> None:
    settings = app.extensions["moderation"].settings
    app.extensions["moderation_limits"] = Limits(settings.file.limits.model_dump(), settings.ratelimit_storage)

    @app.before_request
    def _limit() -> None:
        if request.path in EXEMPT:
            return
        role, key = _caller()
        allowed, retry = current_app.extensions["moderation_limits"].allow(role, key)
        if not allowed:
            RATE_LIMITED.labels(role).inc()
            g.retry_after = retry
            raise TooManyRequests()


def _caller() -> tuple[str, str]:
    """(role, key): a token's role and a digest of it, so no token is kept or logged."""
    role, token = role_of_request()
    if not any(current_app.config["MODERATION_TOKENS"].values()):
        # The open (loopback, no tokens) mode: callers are the site, told apart by address.
        return "site", f"ip:{request.remote_addr}"
    if role is None:
        return "anonymous", f"ip:{request.remote_addr}"
    return role, f"{role}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"
