"""The review queue: pending items, claims, moderator decisions and overrides.

    ReviewQueue(store, outbox=None)
      .pending(order=, reason=, article_id=, limit=, after=) -> Page
      .counts() -> {reason code: pending items}
      .open(comment_id, moderator) -> item        claims it if nobody else holds it
      .claim_next(moderator, order=, reason=) -> item | None
      .release(comment_id, moderator)
      .decide(comment_id, moderator, decision, reason, note, override=False) -> record
      .history(limit=) / .resolved()               moderator decisions: newest first / each
                                                    comment's latest, oldest first

A claim is a lease: it expires by itself, so a moderator who walks away blocks
nobody for long. On PostgreSQL the rows are locked with FOR UPDATE (SKIP LOCKED when
handing out the next item); SQLite serializes writers at BEGIN IMMEDIATE.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Mapping

import sqlalchemy as sa

from ..errors import ModerationError
from .database import WRITE, translated
from .records import comment_record, iso_utc
from .repository import Store, read_record, record_query
from .tables import audit_log, comments, decisions, outbox, review_items, review_reasons

ORDERS = ("oldest", "priority")
DECISIONS = ("accept", "reject")
DEFAULT_CLAIM = timedelta(minutes=5)
MAX_PAGE = 100


class ReviewError(ModerationError):
    """A review action that cannot be done; ``code`` is what the API reports."""

    status = 409

    def __init__(self, code: str, message: str, record: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.record = record


class UnknownComment(ReviewError):
    status = 404

    def __init__(self) -> None:
        super().__init__("not_found", "no comment with this comment_id")


@dataclass(frozen=True)
class Page:
    items: list[dict]
    # The position after the last item, to pass back as ``after``; None at the end.
    next: tuple[float, int] | None


class ReviewQueue:
    def __init__(self, store: Store, *, webhook: bool = False,
                 claim_for: timedelta = DEFAULT_CLAIM,
                 on_outcome: Callable[[], None] | None = None) -> None:
        self._engine = store.engine
        self._postgres = store.dialect == "postgresql"
        self._webhook = webhook
        self.claim_for = claim_for
        # Called after an outcome for the site is committed (to wake the webhook sender).
        self._on_outcome = on_outcome

    # -- reading ---------------------------------------------------------------

    def pending(self, *, order: str = "oldest", reason: str | None = None,
                article_id: str | None = None, limit: int = 50,
                after: tuple[float, int] | None = None) -> Page:
        """Pending items in ``order``, starting after the position ``after``."""
        if order not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}")
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}")
        query = _items_query(order, reason, article_id)
        if after is not None:
            key, item_id = after
            if order == "oldest":
                # Items are numbered as they arrive: the id is the queue's own order.
                query = query.where(review_items.c.id > item_id)
            else:
                # Keyset on (priority, id): stable while items come and go.
                query = query.where(sa.or_(review_items.c.priority < key, sa.and_(
                    review_items.c.priority == key, review_items.c.id > item_id)))
        with translated("review.pending"), self._engine.connect() as connection:
            rows = connection.execute(query.limit(limit + 1)).mappings().all()
        items = [_item(row) for row in rows[:limit]]
        following = None
        if len(rows) > limit:
            last = rows[limit - 1]
            following = (float(last["priority"]), int(last["item_id"]))
        return Page(items, following)

    def counts(self) -> dict[str, int]:
        """Pending items per reason code (an item with two codes counts under both)."""
        query = (sa.select(review_reasons.c.code, sa.func.count())
                 .join(review_items, review_items.c.id == review_reasons.c.item_id)
                 .where(review_items.c.status == "pending")
                 .group_by(review_reasons.c.code).order_by(review_reasons.c.code))
        with translated("review.counts"), self._engine.connect() as connection:
            return {code: count for code, count in connection.execute(query)}

    def pending_total(self) -> int:
        """How many comments wait for a moderator."""
        query = sa.select(sa.func.count()).select_from(review_items).where(review_items.c.status == "pending")
        with translated("review.pending_total"), self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def item(self, comment_id: str) -> dict | None:
        """One comment as a queue item (pending or not), or None if unknown."""
        query = _with_item(record_query()).where(comments.c.comment_id == comment_id)
        with translated("review.item"), self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else _item(row)

    def author_history(self, author_id: str | None, *, exclude: str | None = None) -> dict[str, int]:
        """How the author's other stored comments were decided (decision in force)."""
        if not author_id:
            return {}
        query = record_query().where(comments.c.author_id == author_id)
        if exclude is not None:
            query = query.where(comments.c.comment_id != exclude)
        counts: dict[str, int] = {}
        with translated("review.author_history"), self._engine.connect() as connection:
            for row in connection.execute(query.order_by(comments.c.id.desc()).limit(1000)).mappings():
                decided = comment_record(row, row["automatic"], row["moderation"])["decision"]
                counts[decided] = counts.get(decided, 0) + 1
        return counts

    def history(self, limit: int = 50) -> list[dict]:
        """The latest moderator decisions, newest first, with their comments."""
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        query = _moderator_decisions().order_by(decisions.c.id.desc()).limit(limit)
        with translated("review.history"), self._engine.connect() as connection:
            return [_decided(row) for row in connection.execute(query).mappings()]

    def resolved(self, batch: int = 500) -> Iterator[dict]:
        """Every comment's latest moderator decision, oldest first, streamed in batches."""
        last = 0
        while True:
            query = (_moderator_decisions().where(decisions.c.id > last)
                     .order_by(decisions.c.id).limit(batch))
            with translated("review.resolved"), self._engine.connect() as connection:
                rows = connection.execute(query).mappings().all()
            if not rows:
                return
            for row in rows:
                if row["is_latest"]:
                    yield _decided(row)
            last = rows[-1]["decision_id"]

    # -- claims ----------------------------------------------------------------

    def open(self, comment_id: str, moderator: str, *, now: datetime | None = None) -> dict:
        """The item, claimed for ``moderator`` when it is pending and nobody else holds it."""
        now = now or _now()
        with translated("review.open"), self._write() as connection:
            found = self._locked_item(connection, comment_id)
            if found is None:
                raise UnknownComment()
            if found["status"] == "pending" and _claimable(found, moderator, now):
                self._set_claim(connection, found["id"], moderator, now)
                _audit(connection, now, moderator, "claimed", comment_id, {})
        item = self.item(comment_id)
        assert item is not None
        return item

    def claim_next(self, moderator: str, *, order: str = "oldest", reason: str | None = None,
                   now: datetime | None = None) -> dict | None:
        """Claim the first pending item nobody holds; None when there is none."""
        now = now or _now()
        free = sa.or_(review_items.c.claimed_by.is_(None), review_items.c.claimed_by == moderator,
                      review_items.c.claim_expires_at < now)
        query = (sa.select(review_items.c.id, comments.c.comment_id)
                 .join(comments, comments.c.id == review_items.c.comment_pk)
                 .where(review_items.c.status == "pending", free))
        if reason is not None:
            query = query.where(review_items.c.id.in_(
                sa.select(review_reasons.c.item_id).where(review_reasons.c.code == reason)))
        query = query.order_by(*_ordering(order)).limit(1)
        if self._postgres:
            # Two moderators asking at once get different items, without waiting.
            query = query.with_for_update(skip_locked=True, of=review_items)
        with translated("review.claim_next"), self._write() as connection:
            row = connection.execute(query).first()
            if row is None:
                return None
            self._set_claim(connection, row.id, moderator, now)
            _audit(connection, now, moderator, "claimed", row.comment_id, {})
        return self.item(row.comment_id)

    def release(self, comment_id: str, moderator: str) -> None:
        """Give a claim back; only its holder can (a no-op for anyone else)."""
        with translated("review.release"), self._write() as connection:
            found = self._locked_item(connection, comment_id)
            if found is None:
                raise UnknownComment()
            if found["claimed_by"] == moderator:
                connection.execute(review_items.update().where(review_items.c.id == found["id"])
                                   .values(claimed_by=None, claim_expires_at=None))
                _audit(connection, _now(), moderator, "released", comment_id, {})

    # -- deciding --------------------------------------------------------------

    def decide(self, comment_id: str, moderator: str, decision: str, reason: str,
               note: str | None = None, *, override: bool = False,
               now: datetime | None = None) -> dict:
        """Record a moderator's decision and return the updated record.

        Resolves a pending item, or overrides an automatic accept or reject. A comment a
        moderator already decided needs ``override`` (an appeal). Written in one
        transaction with its audit entry and, with a webhook, its outbox delivery.
        """
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")
        now = now or _now()
        with translated("review.decide"), self._write() as connection:
            found = self._locked_item(connection, comment_id)
            if found is None:
                raise UnknownComment()
            previous = read_record(connection, comment_id)
            assert previous is not None
            if previous["moderation"] is not None and not override:
                raise ReviewError("already_resolved",
                                  "a moderator already decided this comment; send override: true "
                                  "to change it", previous)
            if (found["status"] == "pending" and not _claimable(found, moderator, now)):
                raise ReviewError("claimed", f"{found['claimed_by']} is working on this comment "
                                  f"until {iso_utc(found['claim_expires_at'])}", previous)
            body = {"decision": decision, "reason": reason, "note": note,
                    "moderator": moderator, "decided_at": iso_utc(now)}
            connection.execute(decisions.insert(), {
                "comment_pk": found["comment_pk"], "kind": "moderator", "decision": decision,
                "body": body, "policy_version": None, "model_id": None, "created_at": now,
            })
            if found["status"] == "pending":
                connection.execute(
                    review_items.update().where(review_items.c.id == found["id"])
                    .values(status="resolved", resolved_at=now, claimed_by=None, claim_expires_at=None))
            action = "resolved" if previous["decision"] == "review" else "overridden"
            _audit(connection, now, moderator, action, comment_id, {
                "decision": decision, "reason": reason, "previous": previous["decision"]})
            record = read_record(connection, comment_id)
            assert record is not None
            if self._webhook:
                connection.execute(outbox.insert(), {
                    "event": "comment.moderated", "comment_id": comment_id,
                    "body": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
                    "created_at": now, "attempts": 0, "next_attempt_at": now,
                })
        if self._webhook and self._on_outcome is not None:
            self._on_outcome()
        return record

    # -- internals -------------------------------------------------------------

    def _write(self):
        return _Transaction(self._engine)

    def _locked_item(self, connection: sa.Connection, comment_id: str) -> Mapping[str, Any] | None:
        """The comment's pk and its queue row (if any), locked until the transaction ends."""
        query = (sa.select(comments.c.id.label("comment_pk"), review_items.c.id,
                           review_items.c.status, review_items.c.claimed_by,
                           review_items.c.claim_expires_at)
                 .outerjoin(review_items, review_items.c.comment_pk == comments.c.id)
                 .where(comments.c.comment_id == comment_id))
        if self._postgres:
            query = query.with_for_update(of=comments)
        return connection.execute(query).mappings().first()

    def _set_claim(self, connection: sa.Connection, item_id: int, moderator: str, now: datetime) -> None:
        connection.execute(review_items.update().where(review_items.c.id == item_id)
                           .values(claimed_by=moderator, claim_expires_at=now + self.claim_for))


class _Transaction:
    """A connection in a write transaction, committed on success."""

    def __init__(self, engine: sa.Engine) -> None:
        self._connection = engine.connect().execution_options(**{WRITE: True})

    def __enter__(self) -> sa.Connection:
        self._transaction = self._connection.begin()
        return self._connection

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None:
                self._transaction.commit()
            else:
                self._transaction.rollback()
        finally:
            self._connection.close()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; the store only writes UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _claimable(found: Mapping[str, Any], moderator: str, now: datetime) -> bool:
    holder, expires = found["claimed_by"], found["claim_expires_at"]
    return holder is None or holder == moderator or _aware(expires) <= now


def _ordering(order: str) -> tuple:
    if order == "priority":
        return (review_items.c.priority.desc(), review_items.c.id)
    return (review_items.c.id,)


_ITEM_COLUMNS = (
    review_items.c.id.label("item_id"), review_items.c.status, review_items.c.priority,
    review_items.c.enqueued_at, review_items.c.claimed_by, review_items.c.claim_expires_at,
    review_items.c.resolved_at,
)


def _with_item(query: sa.Select) -> sa.Select:
    return query.add_columns(*_ITEM_COLUMNS).outerjoin(
        review_items, review_items.c.comment_pk == comments.c.id)


def _items_query(order: str, reason: str | None, article_id: str | None) -> sa.Select:
    query = (record_query().add_columns(*_ITEM_COLUMNS)
             .join(review_items, review_items.c.comment_pk == comments.c.id)
             .where(review_items.c.status == "pending"))
    if reason is not None:
        query = query.where(review_items.c.id.in_(
            sa.select(review_reasons.c.item_id).where(review_reasons.c.code == reason)))
    if article_id is not None:
        query = query.where(comments.c.article_id == article_id)
    return query.order_by(*_ordering(order))



def _item(row: Mapping[str, Any]) -> dict:
    """A queue item: the record plus where it stands in the queue."""
    record = comment_record(row, row["automatic"], row["moderation"])
    claim = None
    if row["claimed_by"] is not None and row["claim_expires_at"] is not None:
        claim = {"moderator": row["claimed_by"], "expires_at": iso_utc(row["claim_expires_at"])}
    record["review"] = None if row["item_id"] is None else {
        "status": row["status"],
        "priority": row["priority"],
        "enqueued_at": iso_utc(row["enqueued_at"]),
        "resolved_at": iso_utc(row["resolved_at"]),
        "claim": claim,
    }
    return record


_later = decisions.alias("later")


def _moderator_decisions() -> sa.Select:
    is_latest = ~sa.exists().where(_later.c.comment_pk == decisions.c.comment_pk,
                                    _later.c.kind == "moderator", _later.c.id > decisions.c.id)
    automatic = decisions.alias("auto")
    return (sa.select(decisions.c.id.label("decision_id"), decisions.c.body.label("moderation"),
                      automatic.c.body.label("automatic"), is_latest.label("is_latest"),
                      comments.c.comment_id, comments.c.text, comments.c.article_id,
                      comments.c.author_id)
            .join(comments, comments.c.id == decisions.c.comment_pk)
            .outerjoin(automatic, sa.and_(automatic.c.comment_pk == comments.c.id,
                                          automatic.c.kind == "automatic"))
            .where(decisions.c.kind == "moderator"))


def _decided(row: Mapping[str, Any]) -> dict:
    automatic = row["automatic"] or {}
    return {
        "comment_id": row["comment_id"], "text": row["text"], "article_id": row["article_id"],
        "author_id": row["author_id"], "automatic": automatic,
        "moderation": row["moderation"], "latest": bool(row["is_latest"]),
    }


def _audit(connection: sa.Connection, now: datetime, actor: str, action: str,
           comment_id: str, detail: dict) -> None:
    connection.execute(audit_log.insert(), {"at": now, "actor": actor, "action": action,
                                            "comment_id": comment_id, "detail": detail})
