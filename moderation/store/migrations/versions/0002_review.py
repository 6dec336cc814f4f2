"""The review queue, moderator accounts, and the webhook outbox with its delivery log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(255)
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("comment_pk", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("enqueued_at", TIMESTAMP, nullable=False),
        sa.Column("claimed_by", ID),
        sa.Column("claim_expires_at", TIMESTAMP),
        sa.Column("resolved_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.ForeignKeyConstraint(["comment_pk"], ["comments.id"],
                                name=op.f("fk_review_items_comment_pk_comments")),
        sa.CheckConstraint("status IN ('pending', 'resolved')", name=op.f("ck_review_items_status")),
        sa.UniqueConstraint("comment_pk", name=op.f("uq_review_items_comment_pk")),
    )
    op.create_index(op.f("ix_review_items_status_id"), "review_items", ["status", "id"])
    op.create_index(op.f("ix_review_items_status_priority_id"), "review_items",
                    ["status", "priority", "id"])

    op.create_table(
        "review_reasons",
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "code", name=op.f("pk_review_reasons")),
        sa.ForeignKeyConstraint(["item_id"], ["review_items.id"],
                                name=op.f("fk_review_reasons_item_id_review_items")),
    )
    op.create_index(op.f("ix_review_reasons_code_item_id"), "review_reasons", ["code", "item_id"])

    op.create_table(
        "moderators",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", ID, nullable=False),
        sa.Column("password_hash", ID, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderators")),
        sa.UniqueConstraint("name", name=op.f("uq_moderators_name")),
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("locked_until", TIMESTAMP),
        sa.Column("delivered_at", TIMESTAMP),
        sa.Column("last_error", ID),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_delivered_at_next_attempt_at"), "outbox",
                    ["delivered_at", "next_attempt_at"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("outbox_id", sa.Integer, nullable=False),
        sa.Column("attempted_at", TIMESTAMP, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", ID),
        sa.Column("elapsed_ms", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name=op.f("fk_deliveries_outbox_id_outbox")),
    )
    op.create_index(op.f("ix_deliveries_outbox_id_id"), "deliveries", ["outbox_id", "id"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("outbox")
    op.drop_table("moderators")
    op.drop_table("review_reasons")
    op.drop_table("review_items")
