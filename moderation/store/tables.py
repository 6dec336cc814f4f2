"""The database schema as SQLAlchemy Core tables; migrations must produce exactly this."""

from __future__ import annotations

import sqlalchemy as sa

# Deterministic constraint and index names, so a migration written by hand, an
# autogenerate diff and a later SQLite batch migration all agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids and names the site sends. SQLite ignores VARCHAR lengths, so the store checks
# these bounds in Python too (repository.FIELD_LENGTHS reads them from the columns).
ID_LENGTH = 255

# Plain JSON on both (json, not jsonb, on PostgreSQL): the body comes back exactly as
# saved, key order included, so a GET shows the decision as the POST answered it.
# Queries go through real columns (decision, created_at), not into the body.
Json = sa.JSON()

# Naive on SQLite (it has no time zones; the store writes UTC), timestamptz on PostgreSQL.
Timestamp = sa.DateTime(timezone=True)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("comment_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("text_sha256", sa.String(64), nullable=False),
    sa.Column("article_id", sa.String(ID_LENGTH)),
    sa.Column("author_id", sa.String(ID_LENGTH)),
    sa.Column("author_name", sa.String(ID_LENGTH)),
    sa.Column("parent_id", sa.String(ID_LENGTH)),
    sa.Column("language", sa.String(32)),
    sa.Column("received_at", Timestamp, nullable=False),
    # The site's id is the idempotency key: a retried POST must find this row.
    sa.UniqueConstraint("comment_id"),
    sa.Index(None, "article_id"),
    sa.Index(None, "author_id"),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("comment_pk", sa.Integer, sa.ForeignKey("comments.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("body", Json, nullable=False),
    sa.Column("policy_version", sa.String(ID_LENGTH)),
    sa.Column("model_id", sa.String(ID_LENGTH)),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.CheckConstraint("kind IN ('automatic', 'moderator')", name="kind"),
    sa.CheckConstraint("decision IN ('accept', 'review', 'reject')", name="decision"),
    # PostgreSQL does not index foreign keys by itself; every record read joins on it.
    sa.Index(None, "comment_pk"),
    # The review queue scans pending items oldest first.
    sa.Index(None, "decision", "created_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", Timestamp, nullable=False),
    sa.Column("actor", sa.String(ID_LENGTH), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    # The site's id, not a foreign key: the log must outlive whatever it describes.
    sa.Column("comment_id", sa.String(ID_LENGTH)),
    sa.Column("detail", Json),
    sa.Index(None, "comment_id", "id"),
)

# One row per comment a moderator has to see: held for review (pending until
# resolved). Kept apart from decisions so the queue scan never reads decision bodies.
review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("comment_pk", sa.Integer, sa.ForeignKey("comments.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # Higher first: how close the comment's scores came to a reject threshold.
    sa.Column("priority", sa.Float, nullable=False),
    sa.Column("enqueued_at", Timestamp, nullable=False),
    sa.Column("claimed_by", sa.String(ID_LENGTH)),
    sa.Column("claim_expires_at", Timestamp),
    sa.Column("resolved_at", Timestamp),
    sa.CheckConstraint("status IN ('pending', 'resolved')", name="status"),
    sa.UniqueConstraint("comment_pk"),
    sa.Index(None, "status", "id"),
    sa.Index(None, "status", "priority", "id"),
)

# The reason codes of a held comment, one row each, so the queue filters and counts by code.
review_reasons = sa.Table(
    "review_reasons",
    metadata,
    sa.Column("item_id", sa.Integer, sa.ForeignKey("review_items.id"), nullable=False),
    sa.Column("code", sa.String(64), nullable=False),
    sa.PrimaryKeyConstraint("item_id", "code"),
    sa.Index(None, "code", "item_id"),
)

moderators = sa.Table(
    "moderators",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(ID_LENGTH), nullable=False),
    sa.Column("password_hash", sa.String(ID_LENGTH), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.UniqueConstraint("name"),
)

# Webhook deliveries to the site, written in the same transaction as the outcome they
# announce: an outcome is never committed without its delivery, nor sent without it.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("comment_id", sa.String(ID_LENGTH), nullable=False),
    # The exact bytes that are signed and sent, kept so every retry sends the same body.
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", Timestamp, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", Timestamp, nullable=False),
    # A sender's lease: other processes leave the row alone until it expires.
    sa.Column("locked_until", Timestamp),
    sa.Column("delivered_at", Timestamp),
    sa.Column("last_error", sa.String(ID_LENGTH)),
    sa.Index(None, "delivered_at", "next_attempt_at"),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("outbox_id", sa.Integer, sa.ForeignKey("outbox.id"), nullable=False),
    sa.Column("attempted_at", Timestamp, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.String(ID_LENGTH)),
    sa.Column("elapsed_ms", sa.Float, nullable=False),
    sa.Index(None, "outbox_id", "id"),
)
