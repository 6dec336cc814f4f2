"""The queue, one item with its evidence and the decision form, the next item, and history."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from ...store.queue import DECISIONS, MAX_PAGE, ORDERS, ReviewError, UnknownComment
from ..services import services
from . import bp, evidence

PAGE_SIZE = 50
HISTORY_SIZE = 100
MAX_NOTE = 2000


@bp.get("/")
def queue() -> str:
    """Pending items with counts per reason, filtered by reason and article, a page at a time."""
    order = request.args.get("order", "oldest")
    if order not in ORDERS:
        abort(400, description=f"order must be one of: {', '.join(ORDERS)}")
    reason = request.args.get("reason") or None
    article = request.args.get("article") or None
    svc = services()
    page = svc.queue.pending(order=order, reason=reason, article_id=article, limit=PAGE_SIZE,
                             after=_cursor(request.args.get("after")))
    now = _now()
    rows = [{
        "item": item,
        "excerpt": evidence.excerpt(item["text"]),
        "codes": evidence.reason_codes(item["automatic"]),
        "top_score": evidence.top_score(item["automatic"]),
        "age": evidence.age(item["review"]["enqueued_at"], now),
        "claim": evidence.live_claim(item["review"], now),
    } for item in page.items]
    following = None
    if page.next is not None:
        key, item_id = page.next
        following = url_for(".queue", order=order, reason=reason, article=article, after=f"{key!r}:{item_id}")
    counts = svc.queue.counts()
    codes = sorted(set(svc.settings.messages) | set(counts))
    return render_template("queue.html", rows=rows, counts=counts, codes=codes,
                           order=order, reason=reason, article=article, following=following,
                           first_page=request.args.get("after") is None)


@bp.get("/items/<path:comment_id>")
def item(comment_id: str) -> tuple[str, int]:
    """One comment, claimed for the signed-in moderator if it is pending and free."""
    try:
        found = services().queue.open(comment_id, g.moderator)
    except UnknownComment:
        abort(404, description="No comment with this comment_id is stored.")
    return _item_page(found, 200)


@bp.post("/items/<path:comment_id>")
def decide(comment_id: str) -> Response | tuple[str, int]:
    """Accept or reject, then on to the next free item (or the queue when there is none)."""
    svc = services()
    decision = request.form.get("decision")
    reason = request.form.get("reason")
    note = request.form.get("note", "").strip() or None
    if decision not in DECISIONS:
        abort(400, description="Choose accept or reject.")
    if reason not in svc.settings.messages:
        abort(400, description="Choose one of the listed reasons.")
    if note is not None and len(note) > MAX_NOTE:
        abort(400, description=f"The note is limited to {MAX_NOTE} characters.")
    try:
        svc.queue.decide(comment_id, g.moderator, decision, reason, note,
                         override=request.form.get("override") == "yes")
    except UnknownComment:
        abort(404, description="No comment with this comment_id is stored.")
    except ReviewError as exc:
        message = exc.message
        if exc.code == "already_resolved":
            message = "A moderator already decided this comment; tick “Change the earlier decision” to override it."
        flash(message, "error")
        found = svc.queue.item(comment_id)
        if found is None:
            abort(404)
        return _item_page(found, 409)
    flash(f"{'Accepted' if decision == 'accept' else 'Rejected'}: {comment_id}", "success")
    return _claim_next()


@bp.post("/next")
def next_item() -> Response:
    """Claim the first pending item nobody holds and open it; ``skip`` hands one back and passes it."""
    return _claim_next(skip=request.form.get("skip") or None)


@bp.get("/history")
def history() -> str:
    """The latest moderator decisions, newest first."""
    rows = [{"entry": entry, "excerpt": evidence.excerpt(entry["text"])}
            for entry in services().queue.history(HISTORY_SIZE)]
    return render_template("history.html", rows=rows)


@bp.get("/<path:unknown>")
def unknown(unknown: str) -> None:
    # Gives unknown addresses under /moderate an HTML page rather than the API's JSON 404.
    abort(404, description="There is no such page.")


def _item_page(found: dict, status: int) -> tuple[str, int]:
    svc = services()
    automatic = found["automatic"] or {}
    reasons = automatic.get("reasons") or []
    codes = evidence.reason_codes(automatic)
    choices = list(svc.settings.messages)
    selected = next((code for code in codes if code in choices), choices[0] if choices else None)
    now = _now()
    page = render_template(
        "item.html", item=found, reasons=reasons, choices=choices, selected=selected,
        segments=evidence.segments(found["text"], reasons), scores=automatic.get("scores") or {},
        top_score=evidence.top_score(automatic),
        author_history=svc.queue.author_history(found["author_id"], exclude=found["comment_id"]),
        claim=evidence.live_claim(found["review"], now),
        age=evidence.age((found["review"] or {}).get("enqueued_at") or found["received_at"], now),
    )
    return page, status


def _claim_next(skip: str | None = None) -> Response:
    queue = services().queue
    found = queue.claim_next(g.moderator)
    if skip is not None and found is not None and found["comment_id"] == skip:
        # The item being skipped is still the first free one (it is ours): look past it.
        found = _first_free(exclude=skip)
    if skip is not None:
        try:
            queue.release(skip, g.moderator)
        except UnknownComment:
            pass
    if found is None:
        flash("No other free items are waiting." if skip else "No free items are waiting.", "info")
        return redirect(url_for(".queue"))
    return redirect(url_for(".item", comment_id=found["comment_id"]))


def _first_free(exclude: str) -> dict | None:
    """Claim the oldest pending item other than ``exclude`` that nobody else holds."""
    queue, now = services().queue, _now()
    for candidate in queue.pending(limit=MAX_PAGE).items:
        claim = evidence.live_claim(candidate["review"], now)
        if candidate["comment_id"] == exclude or (claim and claim["moderator"] != g.moderator):
            continue
        opened = queue.open(candidate["comment_id"], g.moderator)
        held = evidence.live_claim(opened["review"], _now())
        if opened["review"]["status"] == "pending" and held and held["moderator"] == g.moderator:
            return opened
    return None


def _cursor(raw: str | None) -> tuple[float, int] | None:
    """The ``after`` parameter: "<priority>:<item id>" as the previous page's link wrote it."""
    if not raw:
        return None
    key, _, item_id = raw.rpartition(":")
    try:
        position = (float(key), int(item_id))
    except ValueError:
        position = None
    if position is None or not math.isfinite(position[0]):
        abort(400, description="The page link is damaged; start again from the first page.")
    return position


def _now() -> datetime:
    return datetime.now(timezone.utc)
