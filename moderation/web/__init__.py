"""The Flask application factory: settings, moderator and store built once, blueprints registered."""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from flask import Flask

from ..moderator import Moderator
from ..settings import Settings, load_settings
from ..store import Store
from ..store.queue import ReviewQueue
from ..webhooks import Sender
from . import auth, comments, errors, health, limits, metrics, pages, request_id, review
from .services import Services

log = logging.getLogger(__name__)


def create_app(config: Settings | str | os.PathLike[str] | None = None,
               *, store: Store | None = None) -> Flask:
    """Build the service: a Settings object, a config path, or None for the default lookup."""
    settings = config if isinstance(config, Settings) else load_settings(config)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.file.server.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]

    if store is None:
        store = Store(settings.database_url)
        if store.dialect == "sqlite":
            # The embedded database needs no setup step; PostgreSQL is migrated explicitly.
            store.upgrade()
    sender = None
    if settings.webhook_url is not None:
        # Every app process sends; leases keep them from sending a delivery twice at once.
        sender = Sender(store, settings)
        sender.start()
    queue = ReviewQueue(store, webhook=sender is not None,
                        claim_for=timedelta(minutes=settings.file.review.claim_minutes),
                        on_outcome=sender.wake if sender else None)
    app.extensions["moderation"] = Services(settings, Moderator(settings), store, queue, sender)
    if not settings.auth_enabled:
        log.warning("no MODERATION_SITE_TOKENS or MODERATION_MODERATOR_TOKENS: "
                    "the API is open to anyone who can reach it; serve on loopback only")

    request_id.register(app)
    errors.register(app)
    auth.register(app)
    metrics.register(app)
    limits.register(app)
    app.register_blueprint(comments.bp)
    app.register_blueprint(review.bp)
    pages.register(app)  # the moderators' HTML pages under /moderate, with their session cookie
    app.register_blueprint(health.bp)
    return app

