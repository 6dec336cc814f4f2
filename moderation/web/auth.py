"""Bearer tokens per role, from the environment, compared in constant time."""

from __future__ import annotations

import hmac
from functools import wraps
from typing import Callable, TypeVar

from flask import Flask, current_app, g, request

from .errors import ApiError

F = TypeVar("F", bound=Callable)

ROLES = ("site", "moderator", "operator")


def register(app: Flask) -> None:
    settings = app.extensions["moderation"].settings
    app.config["MODERATION_TOKENS"] = {"site": settings.site_tokens, "moderator": settings.moderator_tokens,
                                       "operator": settings.operator_tokens}


def role_of_request() -> tuple[str | None, str]:
    """The role of the request's bearer token (None if missing or unknown), and the token."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None, ""
    return _role_of(token), token


def _role_of(token: str) -> str | None:
    found = None
    for role, tokens in current_app.config["MODERATION_TOKENS"].items():
        for known in tokens:
            # Compare against every token so timing does not reveal which one is close.
            if hmac.compare_digest(token.encode(), known.encode()):
                found = found or role
    return found


def require(*roles: str) -> Callable[[F], F]:
    """Allow a view to the given roles; with no tokens configured the API is open (loopback only)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args, **kwargs):
            tokens = current_app.config["MODERATION_TOKENS"]
            if not any(tokens.values()):
                g.role = None
                return view(*args, **kwargs)
            role, _ = role_of_request()
            if role is None:
                raise ApiError(401, "unauthorized", "a valid bearer token is required",
                               {"WWW-Authenticate": 'Bearer realm="moderation"'})
            if role not in roles:
                raise ApiError(403, "forbidden", f"this token's role ({role}) may not do this")
            g.role = role
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
