"""The site's surface: decide a comment, store a decided comment, read a stored record."""

from __future__ import annotations

import time

from flask import Blueprint, Response, jsonify, url_for

from ..schema import parse_comment, storable
from . import metrics
from .services import services
from .auth import require
from .body import json_object
from .errors import ApiError

bp = Blueprint("comments", __name__, url_prefix="/v1")


@bp.post("/check")
@require("site", "moderator")
def check() -> Response:
    """Decide one comment; nothing is stored."""
    comment = parse_comment(json_object())
    started = time.perf_counter()
    decision = services().moderator.check(comment).to_dict()
    metrics.observe_decision("check", decision, time.perf_counter() - started)
    return jsonify(decision)


@bp.post("/comments")
@require("site")
def submit() -> tuple[Response, int]:
    """Decide and store a comment; a repeat of a stored comment_id returns the stored decision."""
    comment = parse_comment(json_object(), require_id=True)
    svc = services()
    started = time.perf_counter()
    decision = svc.moderator.check(comment).to_dict()
    metrics.observe_decision("comments", decision, time.perf_counter() - started)
    # Committed before the response: an acknowledged comment is never lost. A replay gets
    # the stored decision back; a reused comment_id with another text raises CommentConflict (409).
    stored, created = svc.store.save(comment.model_dump(), decision,
                                     priority=svc.moderator.priority(decision))
    response = jsonify(stored["automatic"])
    response.headers["Location"] = url_for(".record", comment_id=comment.comment_id)
    return response, 201 if created else 200


@bp.get("/comments/<path:comment_id>")
@require("site", "moderator")
def record(comment_id: str) -> Response:
    """The stored record: the decision in force, the automatic decision, the moderator's outcome."""
    found = services().store.get(comment_id) if storable(comment_id) else None
    if found is None:
        raise ApiError(404, "not_found", "no comment with this comment_id")
    return jsonify(found)
