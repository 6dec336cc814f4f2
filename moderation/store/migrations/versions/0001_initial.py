"""Initial schema: comments, their decisions, and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2025-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Written out rather than imported from tables.py: a migration is a frozen snapshot,
# and tests/test_store.py checks that the result still matches tables.py.
ID = sa.String(255)
JSON = sa.JSON()
TIMESTAMP = sa.DateTime(timezone=True)

PG_APPEND_ONLY = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
    END
    $$""",
    """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]

SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("comment_id", ID, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("article_id", ID),
        sa.Column("author_id", ID),
        sa.Column("author_name", ID),
        sa.Column("parent_id", ID),
        sa.Column("language", sa.String(32)),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_comments_comment_id")),
    )
    op.create_index(op.f("ix_comments_article_id"), "comments", ["article_id"])
    op.create_index(op.f("ix_comments_author_id"), "comments", ["author_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("comment_pk", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("policy_version", ID),
        sa.Column("model_id", ID),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.ForeignKeyConstraint(["comment_pk"], ["comments.id"],
                                name=op.f("fk_decisions_comment_pk_comments")),
        sa.CheckConstraint("kind IN ('automatic', 'moderator')", name=op.f("ck_decisions_kind")),
        sa.CheckConstraint("decision IN ('accept', 'review', 'reject')",
                           name=op.f("ck_decisions_decision")),
    )
    op.create_index(op.f("ix_decisions_comment_pk"), "decisions", ["comment_pk"])
    op.create_index(op.f("ix_decisions_decision_created_at"), "decisions", ["decision", "created_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", ID, nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("comment_id", ID),
        sa.Column("detail", JSON),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_comment_id_id"), "audit_log", ["comment_id", "id"])

    # Append-only is enforced by the database itself, not by the store's good manners.
    dialect = op.get_context().dialect.name
    for statement in {"postgresql": PG_APPEND_ONLY, "sqlite": SQLITE_APPEND_ONLY}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    op.drop_table("audit_log")
    op.drop_table("decisions")
    op.drop_table("comments")
