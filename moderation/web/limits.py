"""Per-token rate limits: 429 with Retry-After past a role's limit.

Each token has its own budget (requests without a valid token share one per client
address). The counters live in memory, per process, unless
MODERATION_RATELIMIT_STORAGE names a shared store (redis://host:6379), which several app
servers then share. If that store fails, each process falls back to memory rather than
refusing or letting through everything.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter, RequestLimit

from .auth import role_of_request
from .metrics import RATE_LIMITED

# Probes and the API description are cheap and must answer whatever the load.
EXEMPT = ("/healthz", "/readyz", "/openapi.json")


def register(app: Flask) -> Limiter:
    settings = app.extensions["moderation"].settings
    app.config["MODERATION_LIMITS"] = settings.file.limits
    limiter = Limiter(
        key_func=_key,
        app=app,
        default_limits=[_limit],
        default_limits_exempt_when=lambda: request.path in EXEMPT,
        storage_uri=settings.ratelimit_storage or "memory://",
        strategy="moving-window",
        # Only the 429 carries Retry-After (set in _count); a 200 has nothing to retry.
        headers_enabled=False,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        key_prefix="moderation",
        on_breach=_count,
    )
    return limiter


def _caller() -> tuple[str, str]:
    """(role, key): a token's role and a digest of it, so no token is kept or logged."""
    if "limit_caller" not in g:
        role, token = role_of_request()
        if not any(current_app.config["MODERATION_TOKENS"].values()):
            # The open (loopback, no tokens) mode: callers are the site, told apart by address.
            g.limit_caller = ("site", f"ip:{request.remote_addr}")
        elif role is None:
            g.limit_caller = ("anonymous", f"ip:{request.remote_addr}")
        else:
            g.limit_caller = (role, f"{role}:{hashlib.sha256(token.encode()).hexdigest()[:16]}")
    return g.limit_caller


def _key() -> str:
    return _caller()[1]


def _limit() -> str:
    limits = current_app.config["MODERATION_LIMITS"]
    return getattr(limits, _caller()[0])


def _count(limit: RequestLimit) -> None:
    RATE_LIMITED.labels(_caller()[0]).inc()
    g.retry_after = max(1, math.ceil(limit.reset_at - time.time()))
