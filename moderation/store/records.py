"""Database rows turned into the JSON-ready dicts the store returns (records, audit entries)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

COMMENT_FIELDS = (
    "comment_id", "article_id", "author_id", "author_name", "parent_id", "language", "text",
)


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a "Z": "2025-11-26T01:44:00.123456Z"."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        # SQLite keeps no time zone; the store only ever writes UTC.
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def comment_record(row: Mapping[str, Any], automatic: dict[str, Any] | None,
                   moderation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record of one comment, as GET /v1/comments/<comment_id> returns it."""
    record = {name: row[name] for name in COMMENT_FIELDS}
    record["received_at"] = iso_utc(row["received_at"])
    # The decision in force: the latest moderator's once there is one, else the
    # automatic one (``review`` while the comment waits in the queue).
    if moderation is not None:
        record["decision"] = moderation["decision"]
    else:
        record["decision"] = automatic["decision"] if automatic else None
    record["automatic"] = automatic
    record["moderation"] = moderation
    return record


def audit_entry(row: Mapping[str, Any]) -> dict[str, Any]:
    """One audit log entry."""
    return {
        "id": row["id"],
        "at": iso_utc(row["at"]),
        "actor": row["actor"],
        "action": row["action"],
        "comment_id": row["comment_id"],
        "detail": row["detail"],
    }
