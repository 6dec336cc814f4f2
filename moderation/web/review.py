"""The moderators' surface: the queue, claims, and decisions on any stored comment.

The moderator token is held by the site's moderation back office, which names the
person acting in X-Moderator; claims and the audit log are kept under that name.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from flask import Blueprint, Response, jsonify, request
from pydantic import ValidationError

from ..schema import ResolveIn, describe
from ..store.queue import MAX_PAGE, ORDERS, ReviewError
from .auth import require
from .body import json_object
from .errors import ApiError
from .services import services

bp = Blueprint("review", __name__, url_prefix="/v1")

MODERATOR_HEADER = "X-Moderator"
DEFAULT_MODERATOR = "api"
# Printable, no control characters: the name is shown in pages and written to logs.
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,255}$")
QUERY_PARAMS = {"order", "reason", "article_id", "limit", "cursor"}


def moderator_name() -> str:
    name = request.headers.get(MODERATOR_HEADER, DEFAULT_MODERATOR).strip()
    if not _NAME.match(name):
        raise ApiError(400, "invalid_moderator", f"{MODERATOR_HEADER} must be 1 to 255 printable characters")
    return name


@bp.get("/review")
@require("moderator")
def queue() -> Response:
    """Pending items, oldest first or by priority, with filters and cursor pagination."""
    unknown = set(request.args) - QUERY_PARAMS
    if unknown:
        raise ApiError(400, "invalid_query", f"unknown query parameters: {', '.join(sorted(unknown))}")
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        raise ApiError(400, "invalid_query", f"order must be one of: {', '.join(ORDERS)}")
    limit = _limit(request.args.get("limit", "50"))
    after = _decode_cursor(request.args["cursor"], order) if "cursor" in request.args else None
    svc = services()
    page = svc.queue.pending(order=order, reason=request.args.get("reason"),
                             article_id=request.args.get("article_id"), limit=limit, after=after)
    return jsonify(items=page.items, next_cursor=_encode_cursor(page.next, order),
                   counts=svc.queue.counts())


@bp.post("/claims")
@require("moderator")
def claim_next() -> Response | tuple[str, int]:
    """Claim the first pending item nobody holds: 200 with it, 204 when there is none.

    Not under /v1/review/, where every path names a comment_id."""
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        raise ApiError(400, "invalid_query", f"order must be one of: {', '.join(ORDERS)}")
    item = services().queue.claim_next(moderator_name(), order=order, reason=request.args.get("reason"))
    if item is None:
        return "", 204
    return jsonify(item)


@bp.get("/review/<path:comment_id>")
@require("moderator")
def open_item(comment_id: str) -> Response:
    """One comment with its queue state; opening a pending item claims it if it is free."""
    return jsonify(_call(lambda queue: queue.open(comment_id, moderator_name())))


@bp.delete("/claims/<path:comment_id>")
@require("moderator")
def release(comment_id: str) -> tuple[str, int]:
    _call(lambda queue: queue.release(comment_id, moderator_name()))
    return "", 204


@bp.post("/review/<path:comment_id>")
@require("moderator")
def resolve(comment_id: str) -> Response:
    """Resolve a held comment, or override any stored decision (with a reason)."""
    name = moderator_name()
    try:
        body = ResolveIn.model_validate(json_object())
    except ValidationError as exc:
        raise ApiError(400, "invalid_request", describe(exc)) from None
    known = services().settings.messages
    if body.reason not in known:
        raise ApiError(400, "invalid_request",
                       f"reason must be a reason code: {', '.join(sorted(known))}")
    return jsonify(_call(lambda queue: queue.decide(
        comment_id, name, body.decision, body.reason, body.note, override=body.override)))


def _call(action):
    try:
        return action(services().queue)
    except ReviewError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


def _limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid_query", f"limit must be an integer from 1 to {MAX_PAGE}")
    return int(raw)


def _encode_cursor(position: tuple[float, int] | None, order: str) -> str | None:
    if position is None:
        return None
    raw = json.dumps([order, position[0], position[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, order: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, key, item_id = json.loads(raw)
        position = (float(key), int(item_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "cursor is not one this service returned") from None
    if kind != order:
        raise ApiError(400, "invalid_cursor", "cursor belongs to another order; start again without it")
    return position
