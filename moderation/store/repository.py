"""The Store: save a decided comment once, read its record, read the audit log."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import InputError, StoreError, StoreUnavailable
from . import migrate
from .database import WRITE, create_engine, translated
from .group_commit import GroupCommit, Pending
from .records import audit_entry, comment_record
from .tables import audit_log, comments, decisions, review_items, review_reasons

# The comment's id and metadata, with the bounds of their columns: SQLite ignores
# VARCHAR lengths, so they are checked here to make both databases agree.
FIELD_LENGTHS: Mapping[str, int] = {
    name: comments.c[name].type.length
    for name in ("comment_id", "article_id", "author_id", "author_name", "parent_id", "language")
}

MAX_AUDIT_LIMIT = 1000


class CommentConflict(StoreError):
    """A comment_id is already stored with a different text; ``record`` is what is stored."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__("a different comment with this comment_id is already stored")
        self.record = record


class Store:
    """Comments, their decisions and the audit log, over SQLite or PostgreSQL."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._group: GroupCommit[tuple] = GroupCommit(self._save_batch)
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        # A comment_id stored before inserts nothing and returns no id.
        self._insert_new = (insert(comments).on_conflict_do_nothing(index_elements=["comment_id"])
                            .returning(comments.c.comment_id, comments.c.id))

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def engine(self) -> sa.Engine:
        """For other repositories over the same database (reviews, moderators)."""
        return self._engine

    def close(self) -> None:
        """Close every pooled connection; the Store reconnects if used again."""
        self._engine.dispose()

    def upgrade(self) -> None:
        with translated("upgrade"):
            migrate.upgrade(self._engine)

    def current_revision(self) -> str | None:
        with translated("current_revision"):
            return migrate.current_revision(self._engine)

    def is_current(self) -> bool:
        """The schema is at the newest migration this code knows."""
        return self.current_revision() == migrate.head_revision()

    def ping(self) -> None:
        with translated("ping"), self._engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    def save(self, comment: Mapping[str, Any], decision: Mapping[str, Any],
             priority: float = 0.0) -> tuple[dict, bool]:
        """Store a comment with its automatic decision, once; committed before returning.

        A ``review`` decision also enters the review queue, in the same transaction,
        with ``priority`` (higher is seen first when the queue is ordered by priority).
        Returns ``(record, created)``. A comment_id already stored returns its record
        unchanged with ``created`` False; with a different text, CommentConflict.
        """
        return self._group.submit(save_payload(comment, decision, priority))

    def _save_batch(self, batch: Sequence[Pending[tuple]]) -> None:
        """Write concurrent saves in one transaction; one by one if that transaction fails."""
        if len(batch) > 1:
            try:
                with translated("save"):
                    outcomes = self._insert_many([pending.payload for pending in batch])
            except StoreUnavailable as err:
                # Nobody's row is stored; trying each again would only wait longer.
                for pending in batch:
                    pending.settle(error=err)
                return
            except StoreError:
                # A row the database refuses spoils the whole transaction; then each
                # save gets a transaction of its own, and its own outcome.
                pass
            else:
                for pending, (value, error) in zip(batch, outcomes):
                    pending.settle(value, error)
                return
        for pending in batch:
            try:
                pending.settle(self._save_one(pending.payload))
            except Exception as err:  # each caller gets its own error
                pending.settle(error=err)

    def _save_one(self, payload: tuple) -> tuple[dict, bool]:
        with translated("save"):
            [(value, error)] = self._insert_many([payload])
        if error is not None:
            raise error
        return value

    def _insert_many(self, saves: Sequence[tuple]) -> list[tuple[Any, BaseException | None]]:
        """Each save's (record, created) or its CommentConflict, in one transaction.

        The batch's comments go in one INSERT of many rows, each skipped if its comment_id
        is already stored (ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the
        same id is waited for, then found); the decisions and audit entries of the new rows
        follow in one statement each, so what a statement costs SQLAlchemy and the driver is paid
        once per batch rather than once per comment.
        """
        # In comment_id order: two processes' batches that share ids then wait for each
        # other in the same order, and cannot deadlock (the loser would answer 503).
        order = sorted(range(len(saves)), key=lambda i: saves[i][0]["comment_id"])
        now = datetime.now(timezone.utc)
        first: dict[str, int] = {}  # comment_id -> the save that inserts it
        for i in order:
            first.setdefault(saves[i][0]["comment_id"], i)
        outcomes: list[tuple[Any, BaseException | None]] = [(None, None)] * len(saves)
        with self._engine.connect().execution_options(**{WRITE: True}) as connection:
            with connection.begin():
                inserted = dict(connection.execute(
                    self._insert_new, [{**saves[i][0], "received_at": now} for i in first.values()]
                ).all()) if first else {}
                new = []
                for i in order:
                    row, decision, priority, decision_json = saves[i]
                    comment_id = row["comment_id"]
                    pk = inserted.get(comment_id)
                    if pk is not None and first[comment_id] == i:
                        # The record as a read would return it, without reading it back.
                        record = comment_record({**row, "received_at": now}, json.loads(decision_json))
                        outcomes[i] = ((record, True), None)
                        new.append((pk, comment_id, decision, priority))
                        continue
                    # Stored before (the common retry, or a concurrent one that won), or
                    # twice in this batch (concurrent retries): a repeat of the same text.
                    existing = (outcomes[first[comment_id]][0][0] if pk is not None
                                else _read(connection, comment_id))
                    if existing is None:
                        raise StoreError("the database refused the comment")
                    try:
                        outcomes[i] = ((_unchanged(existing, row), False), None)
                    except CommentConflict as conflict:
                        outcomes[i] = (None, conflict)
                if new:
                    _insert_decisions(connection, new, now)
        return outcomes

    def get(self, comment_id: str) -> dict | None:
        """The stored record of a comment, or None."""
        with translated("get"), self._engine.connect() as connection:
            return _read(connection, comment_id)

    def audit_log(self, comment_id: str | None = None, limit: int = 100) -> list[dict]:
        """Audit entries, newest first; only those about ``comment_id`` if given."""
        if not 1 <= limit <= MAX_AUDIT_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_AUDIT_LIMIT}")
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
        if comment_id is not None:
            query = query.where(audit_log.c.comment_id == comment_id)
        with translated("audit_log"), self._engine.connect() as connection:
            return [audit_entry(row) for row in connection.execute(query).mappings()]


def _insert_decisions(connection: sa.Connection, saves: Sequence[tuple[int, str, Mapping[str, Any], float]],
                      now: datetime) -> None:
    """The automatic decisions of new comments (pk, comment_id, decision, priority), their
    audit entries and review items; each table in one statement."""
    connection.execute(decisions.insert(), [{
        "comment_pk": pk, "kind": "automatic", "decision": decision["decision"],
        "body": dict(decision), "policy_version": decision.get("policy_version"),
        "model_id": (decision.get("model") or {}).get("id"), "created_at": now,
    } for pk, _, decision, _ in saves])
    connection.execute(audit_log.insert(), [{
        "at": now, "actor": "system", "action": "decided",
        "comment_id": comment_id, "detail": _audit_detail(decision),
    } for _, comment_id, decision, _ in saves])
    held = [(pk, decision, priority) for pk, _, decision, priority in saves if decision["decision"] == "review"]
    if held:
        _enqueue(connection, held, now)


def _enqueue(connection: sa.Connection, held: Sequence[tuple[int, Mapping[str, Any], float]],
             now: datetime) -> None:
    """Review items for held comments (pk, decision, priority), with the codes that held them."""
    items = connection.execute(_insert_items, [{
        "comment_pk": pk, "status": "pending", "priority": float(priority), "enqueued_at": now,
    } for pk, _, priority in held]).scalars().all()
    connection.execute(review_reasons.insert(), [
        {"item_id": item, "code": code}
        for item, (_, decision, _) in zip(items, held)
        for code in sorted({reason["code"] for reason in decision.get("reasons") or ()
                            if reason.get("action") == "review"} or {"review"})
    ])


# The new items' ids in the order of their rows, so each gets its own reasons.
_insert_items = review_items.insert().returning(review_items.c.id, sort_by_parameter_order=True)


# Built once: constructing the alias and join per call costs more than running it.
_automatic = decisions.alias("automatic")
_latest_moderation = (
    sa.select(decisions.c.body)
    .where(decisions.c.comment_pk == comments.c.id, decisions.c.kind == "moderator")
    .order_by(decisions.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
RECORD_COLUMNS = (comments, _automatic.c.body.label("automatic"), _latest_moderation.label("moderation"))
_RECORD_QUERY = (
    sa.select(*RECORD_COLUMNS)
    .outerjoin(_automatic, sa.and_(_automatic.c.comment_pk == comments.c.id,
                                   _automatic.c.kind == "automatic"))
    .where(comments.c.comment_id == sa.bindparam("comment_id"))
)


def record_query() -> sa.Select:
    """Records with their decisions, for other repositories to filter and order."""
    return sa.select(*RECORD_COLUMNS).outerjoin(
        _automatic, sa.and_(_automatic.c.comment_pk == comments.c.id, _automatic.c.kind == "automatic"))


def read_record(connection: sa.Connection, comment_id: str) -> dict | None:
    """The record of a comment inside a caller's transaction."""
    return _read(connection, comment_id)


def _read(connection: sa.Connection, comment_id: str) -> dict | None:
    # One round trip: a record is read on every retry and every GET.
    found = connection.execute(_RECORD_QUERY, {"comment_id": comment_id}).mappings().first()
    return None if found is None else comment_record(found, found["automatic"], found["moderation"])


def _unchanged(existing: dict, row: Mapping[str, Any]) -> dict:
    # A retry must be the same comment; anything else under this id is a client bug.
    if existing["text"] != row["text"]:
        raise CommentConflict(existing)
    return existing


def save_payload(comment: Mapping[str, Any], decision: Mapping[str, Any], priority: float) -> tuple:
    """What one save hands to the group commit: the comment's row, the decision, the review
    priority and the decision's JSON text; checked here, so a bad save fails alone."""
    return _comment_row(comment), decision, priority, _decision_json(decision)


def _comment_row(comment: Mapping[str, Any]) -> dict[str, Any]:
    """The comments row for a comment mapping; refuses what a database would refuse."""
    row: dict[str, Any] = {}
    for name, bound in FIELD_LENGTHS.items():
        value = comment.get(name)
        if name == "comment_id" and not (isinstance(value, str) and value):
            raise InputError("invalid_field", "comment_id must be a non-empty string")
        if value is None:
            row[name] = None
            continue
        if not isinstance(value, str):
            raise InputError("invalid_field", f"{name} must be a string or null")
        if len(value) > bound:
            raise InputError("invalid_field", f"{name} must be at most {bound} characters")
        row[name] = _storable(name, value)
    text = comment.get("text")
    if not isinstance(text, str):
        raise InputError("invalid_field", "text must be a string")
    row["text"] = _storable("text", text)
    row["text_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return row


def _storable(name: str, value: str) -> str:
    # PostgreSQL refuses NUL in text columns, and no database takes unpaired
    # surrogates (valid in JSON escapes, invalid in UTF-8); refuse them everywhere
    # so SQLite and PostgreSQL accept the same comments.
    if "\x00" in value:
        raise InputError("invalid_field", f"{name} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("invalid_field", f"{name} must be valid Unicode text") from None
    return value


def _decision_json(decision: Mapping[str, Any]) -> str:
    """The decision as JSON text, checked before the transaction: psycopg serializes JSON
    outside SQLAlchemy's error wrapping, and SQLite would store NaN where PostgreSQL refuses it.
    The record a save returns is read back from this text, as a later read would return it."""
    if not isinstance(decision, Mapping) or not isinstance(decision.get("decision"), str):
        raise StoreError("the decision must be a Decision.to_dict() mapping")
    try:
        return json.dumps(decision, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise StoreError("the decision is not storable as JSON (a NaN or infinite score?)") from err


def _audit_detail(decision: Mapping[str, Any]) -> dict[str, Any]:
    # What happened and why, without the comment text (bodies are not logged).
    return {
        "decision": decision["decision"],
        "reasons": [reason.get("code") for reason in decision.get("reasons") or ()],
        "policy_version": decision.get("policy_version"),
        "model_id": (decision.get("model") or {}).get("id"),
    }
