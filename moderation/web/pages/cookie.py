"""The moderators' session cookie: its signing key, its flags, and the CSRF check on every form."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ...errors import ConfigError
from ...settings import Settings
from ...store import Store

log = logging.getLogger(__name__)

KEY_FILE = "secret_key"
SESSION_LIFETIME = timedelta(hours=12)
CSRF_FIELD = "csrf_token"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request itself came over HTTPS.

    Plain http on loopback keeps working; behind a TLS proxy (gunicorn trusts its
    X-Forwarded-Proto) the cookie is never sent back over plain http. Only the pages
    have sessions: the JSON API is called with tokens, and opening a session on each
    of its requests (a signing serializer, a cookie lookup) was pure cost.
    """

    def open_session(self, app: Flask, request):
        if not request.path.startswith(app.config["SESSION_COOKIE_PATH"]):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def configure(app: Flask, settings: Settings, store: Store) -> None:
    if settings.secret_key is None and store.dialect != "sqlite":
        log.warning("MODERATION_SECRET_KEY is not set: the session key is kept in %s, so app servers "
                    "on other machines sign sessions with keys of their own; set it on every one",
                    key_folder(settings, store))
    app.secret_key = settings.secret_key or instance_secret(key_folder(settings, store))
    app.session_interface = SessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME="moderation_session",
        # The JSON API never reads the cookie: it is only sent to the pages.
        SESSION_COOKIE_PATH="/moderate",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # A form left open stays usable as long as the session that rendered it.
        WTF_CSRF_TIME_LIMIT=int(SESSION_LIFETIME.total_seconds()),
        WTF_CSRF_FIELD_NAME=CSRF_FIELD,
    )


def check_csrf() -> None:
    """Every POST of the pages carries the session's token; anything else is a 400."""
    if request.method != "POST":
        return
    try:
        validate_csrf(request.form.get(CSRF_FIELD))
    except ValidationError as exc:
        abort(400, description=f"The form has expired or did not come from these pages ({exc}). "
                               "Reload the page and try again.")


def key_folder(settings: Settings, store: Store) -> Path:
    """Beside the SQLite file, else the instance/ folder beside config.yaml."""
    database = store.engine.url.database if store.dialect == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database).expanduser().resolve().parent
    return settings.config_path.parent / "instance"


def instance_secret(folder: Path) -> str:
    """The key kept in ``folder``, made on first use; every worker process reads the same one."""
    path = folder / KEY_FILE
    try:
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _create(path)
        if path.stat().st_mode & 0o077:
            log.warning("%s can be read by other users; chmod 600 it", path)
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError("MODERATION_SECRET_KEY", f"not set, and no key can be kept in {folder}: "
                          f"{exc.strerror or exc}") from exc
    if len(key) < 32:
        raise ConfigError("MODERATION_SECRET_KEY", f"not set, and {path} holds no usable key; delete it")
    return key


def _create(path: Path) -> None:
    # Written whole under a temporary name (mkstemp makes it 0600), then linked into
    # place: link fails if another worker won the race, and nobody reads half a key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{KEY_FILE}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
