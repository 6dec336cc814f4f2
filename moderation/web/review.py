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

from ..schema import MODERATOR_NAME, ResolveIn, describe, storable
from ..store.queue import MAX_PAGE, ORDERS, ReviewError, UnknownComment
from .auth import require
from .body import json_object
from .errors import ApiError
from .services import services

bp = Blueprint("review", __name__, url_prefix="/v1")

MODERATOR_HEADER = "X-Moderator"
DEFAULT_MODERATOR = "api"
_NAME = re.compile(MODERATOR_NAME)
QUERY_PARAMS = {"order", "reason", "article_id", "limit", "cursor"}
CLAIM_PARAMS = {"order", "reason"}


def moderator_name() -> str:
    # Checked as sent, against the pattern the document publishes (fullmatch: "$" alone
    # would let a trailing newline through).
    name = request.headers.get(MODERATOR_HEADER, DEFAULT_MODERATOR)
    if not _NAME.fullmatch(name):
        raise ApiError(400, "invalid_moderator", f"{MODERATOR_HEADER} must be 1 to 255 printable characters, "
                       "without spaces at either end")
    return name


@bp.get("/review")
@require("moderator")
def queue() -> Response:
    """Pending items, oldest first or by priority, with filters and cursor pagination."""
    order = _order(QUERY_PARAMS)
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
    order = _order(CLAIM_PARAMS)
    item = services().queue.claim_next(moderator_name(), order=order, reason=request.args.get("reason"))
    if item is None:
        return "", 204
    return jsonify(item)


@bp.get("/review/<path:comment_id>")
@require("moderator")
def open_item(comment_id: str) -> Response:
    """One comment with its queue state; opening a pending item claims it if it is free."""
    return jsonify(_call(comment_id, lambda queue: queue.open(comment_id, moderator_name())))


@bp.delete("/claims/<path:comment_id>")
@require("moderator")
def release(comment_id: str) -> tuple[str, int]:
    _call(comment_id, lambda queue: queue.release(comment_id, moderator_name()))
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
    return jsonify(_call(comment_id, lambda queue: queue.decide(
        comment_id, name, body.decision, body.reason, body.note, override=body.override)))


def _call(comment_id: str, action):
    try:
        if not storable(comment_id):
            raise UnknownComment()
        return action(services().queue)
    except ReviewError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


def _order(known: set[str]) -> str:
    """The order asked for, after refusing unknown query parameters (a misspelt filter would
    otherwise be ignored without a word)."""
    unknown = set(request.args) - known
    if unknown:
        raise ApiError(400, "invalid_query", f"unknown query parameters: {', '.join(sorted(unknown))}")
    if not all(storable(value) for _, value in request.args.items(multi=True)):
        # Nothing stored matches it, and PostgreSQL refuses a NUL even in a filter (a 503).
        raise ApiError(400, "invalid_query", "query parameters must not contain NUL characters")
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        raise ApiError(400, "invalid_query", f"order must be one of: {', '.join(ORDERS)}")
    return order


def _limit(raw: str) -> int:
    # ASCII digits only: str.isdigit() also takes "²", which int() then refuses (it was a 500).
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid_query", f"limit must be an integer from 1 to {MAX_PAGE}")
    return int(raw)


def _encode_cursor(position: tuple[float, int] | None, order: str) -> str | None:
    if position is None:
        return None
    raw = json.dumps([order, position[0], position[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A cursor's item id must fit a database integer (64-bit signed) and its key a float.
CURSOR_ID_MAX = 2**63 - 1
CURSOR_KEY_MAX = 1e308


def _decode_cursor(cursor: str, order: str) -> tuple[float, int]:
    refused = ApiError(400, "invalid_cursor", "cursor is not one this service returned")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, key, item_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise refused from None
    # Only the shape _encode_cursor writes: a huge number, NaN or a nested array from a forged
    # cursor otherwise reached float(), int() or the database and gave a 500.
    numbers = all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (key, item_id))
    if not (numbers and isinstance(item_id, int) and 0 <= item_id <= CURSOR_ID_MAX
            and -CURSOR_KEY_MAX <= key <= CURSOR_KEY_MAX):
        raise refused
    position = (float(key), item_id)
    if kind != order:
        raise ApiError(400, "invalid_cursor", "cursor belongs to another order; start again without it")
    return position
