"""The webhook outbox: leasing due deliveries, recording attempts, the backlog and the log.

    Outbox(store)
      .lease(lease_for, now=, limit=) -> [{id, event, comment_id, body, attempts}]
      .record(outbox_id, attempted_at=, elapsed_ms=, status_code=, error=, retry_at=)
      .backlog() -> {undelivered, oldest_created_at}
      .log(limit=, comment_id=) -> [attempt, ...]   newest first

A lease is a time, not a holder: a sender that dies holding rows blocks them only
until ``locked_until`` passes, then any sender picks them up again. Delivery is at
least once; the site tells repeats apart by the outbox id.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

import sqlalchemy as sa

from .database import WRITE, translated
from .records import iso_utc
from .repository import Store
from .tables import ID_LENGTH, deliveries, outbox

MAX_LOG_LIMIT = 1000

_LEASABLE = (
    outbox.c.delivered_at.is_(None),
    sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < sa.bindparam("now")),
)


class Outbox:
    """Deliveries waiting in the outbox and the log of every attempt to send them."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine
        self._postgres = store.dialect == "postgresql"

    def lease(self, lease_for: timedelta, *, now: datetime | None = None,
              limit: int = 20) -> list[dict]:
        """Take up to ``limit`` due rows for ``lease_for``; other senders skip them meanwhile."""
        now = _utc(now)
        query = (sa.select(outbox.c.id, outbox.c.event, outbox.c.comment_id, outbox.c.body,
                           outbox.c.attempts)
                 .where(outbox.c.next_attempt_at <= now, *_LEASABLE)
                 .order_by(outbox.c.next_attempt_at, outbox.c.id)
                 .limit(limit))
        if self._postgres:
            # Senders polling at once split the due rows instead of queueing on locks.
            query = query.with_for_update(skip_locked=True, of=outbox)
        claim = (outbox.update().where(outbox.c.id == sa.bindparam("row_id"), *_LEASABLE)
                 .values(locked_until=sa.bindparam("until")))
        leased = []
        with translated("outbox.lease"), self._write() as connection:
            with connection.begin():
                for row in connection.execute(query, {"now": now}).mappings().all():
                    # The condition is checked again by the UPDATE itself, so a row
                    # another sender took in between is never counted as ours,
                    # whatever the isolation level.
                    taken = connection.execute(claim, {"row_id": row["id"], "now": now,
                                                       "until": now + lease_for})
                    if taken.rowcount == 1:
                        leased.append(dict(row))
        return leased

    def record(self, outbox_id: int, *, attempted_at: datetime, elapsed_ms: float,
               status_code: int | None = None, error: str | None = None,
               retry_at: datetime | None = None) -> bool:
        """Log one attempt; a 2xx marks the row delivered, anything else schedules ``retry_at``.

        Returns whether the row is delivered by this attempt.
        """
        delivered = status_code is not None and 200 <= status_code < 300
        if not delivered and retry_at is None:
            raise ValueError("a failed attempt needs retry_at")
        attempted_at = _utc(attempted_at)
        error = None if error is None else error[:ID_LENGTH]
        # A row already delivered (by a sender whose lease outlived ours) stays delivered.
        row = outbox.update().where(outbox.c.id == outbox_id, outbox.c.delivered_at.is_(None))
        if delivered:
            row = row.values(delivered_at=attempted_at, locked_until=None, last_error=None)
        else:
            row = row.values(attempts=outbox.c.attempts + 1, next_attempt_at=_utc(retry_at),
                             locked_until=None, last_error=error or f"HTTP {status_code}")
        with translated("outbox.record"), self._write() as connection:
            with connection.begin():
                connection.execute(deliveries.insert(), {
                    "outbox_id": outbox_id, "attempted_at": attempted_at,
                    "status_code": status_code, "error": error, "elapsed_ms": float(elapsed_ms),
                })
                connection.execute(row)
        return delivered

    def backlog(self) -> dict[str, Any]:
        """How many deliveries are not yet delivered, and since when the oldest waits."""
        query = (sa.select(sa.func.count().label("undelivered"),
                           sa.func.min(outbox.c.created_at).label("oldest"))
                 .where(outbox.c.delivered_at.is_(None)))
        with translated("outbox.backlog"), self._engine.connect() as connection:
            row = connection.execute(query).one()
        return {"undelivered": row.undelivered, "oldest_created_at": iso_utc(row.oldest)}

    def log(self, limit: int = 100, comment_id: str | None = None) -> list[dict]:
        """Delivery attempts, newest first; only those about ``comment_id`` if given."""
        if not 1 <= limit <= MAX_LOG_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LOG_LIMIT}")
        query = (sa.select(deliveries.c.id, deliveries.c.outbox_id, outbox.c.event,
                           outbox.c.comment_id, deliveries.c.attempted_at,
                           deliveries.c.status_code, deliveries.c.error, deliveries.c.elapsed_ms)
                 .join(outbox, outbox.c.id == deliveries.c.outbox_id)
                 .order_by(deliveries.c.id.desc())
                 .limit(limit))
        if comment_id is not None:
            query = query.where(outbox.c.comment_id == comment_id)
        with translated("outbox.log"), self._engine.connect() as connection:
            return [_attempt(row) for row in connection.execute(query).mappings()]

    def _write(self) -> sa.Connection:
        return self._engine.connect().execution_options(**{WRITE: True})


def _utc(moment: datetime | None) -> datetime:
    # SQLite stores the wall time without its zone, so every time written or compared
    # must already be UTC.
    if moment is None:
        return datetime.now(timezone.utc)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _attempt(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "outbox_id": row["outbox_id"],
        "event": row["event"],
        "comment_id": row["comment_id"],
        "attempted_at": iso_utc(row["attempted_at"]),
        "status_code": row["status_code"],
        "error": row["error"],
        "elapsed_ms": row["elapsed_ms"],
    }
