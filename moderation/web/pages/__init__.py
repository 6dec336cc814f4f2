"""The moderators' web pages under /moderate: sign-in, the queue, an item, history.

Server-rendered HTML over the same ReviewQueue as the JSON API. Sessions are signed
cookies; every form carries a CSRF token (checked here only: the API under /v1 uses
bearer tokens). Errors raised by these views render as HTML pages, not JSON.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException

from ...errors import StoreError, StoreUnavailable
from ...store.accounts import Moderators
from ..services import services
from . import cookie, evidence

log = logging.getLogger(__name__)

bp = Blueprint("pages", __name__, url_prefix="/moderate")

PUBLIC_ENDPOINTS = {"pages.login"}
SESSION_USER = "moderator"

# No inline script or style anywhere in the pages, so the policy can forbid both:
# even markup that slipped past escaping could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages hold comment texts and account state: never kept by shared caches or the back button.
    "Cache-Control": "no-store",
}


def register(app: Flask) -> None:
    """Mount the pages and configure the session cookie they sign in with."""
    svc = app.extensions["moderation"]
    cookie.configure(app, svc.settings, svc.store)
    app.register_blueprint(bp)


bp.add_app_template_filter(evidence.when, "when")


@bp.before_request
def _csrf() -> None:
    cookie.check_csrf()


@bp.before_request
def _signed_in() -> Response | None:
    """Every page but sign-in needs an active account; ``g.moderator`` is its name."""
    name = session.get(SESSION_USER)
    if name and Moderators(services().store).is_active(name):
        g.moderator = name
        return None
    if name:
        # Disabled since signing in: the session ends here.
        session.clear()
    g.moderator = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("pages.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))


@bp.after_request
def _headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


@bp.context_processor
def _template_values() -> dict:
    return {"csrf_token": generate_csrf, "moderator": g.get("moderator")}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of ours, never another site."""
    default = url_for("pages.queue")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix + "/") or "\\" in target:
        return default
    return target


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, message=message), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int] | Response:
    if exc.code is None or exc.code < 400:
        return exc.get_response()
    return _error_page(exc.code, exc.name, exc.description or exc.name)


@bp.errorhandler(StoreError)
def _store_error(exc: StoreError) -> tuple[str, int]:
    log.error("database error: %s", exc, exc_info=not isinstance(exc, StoreUnavailable))
    return _error_page(503, "Service Unavailable", "The database cannot be reached right now. Try again shortly.")


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[str, int]:
    log.exception("unhandled error")
    return _error_page(500, "Internal Server Error", "Something went wrong; nothing was changed.")


# Flask looks up handlers by status code before class, so an app-wide handler for a
# code would otherwise win over this blueprint's HTTPException handler.
for _code in (400, 403, 404, 405, 409, 413):
    bp.register_error_handler(_code, _http_error)


from . import signin, views  # noqa: E402,F401  (the routes)
