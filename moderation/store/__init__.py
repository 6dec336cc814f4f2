"""Persistence of comments, decisions and the audit log (SQLAlchemy Core + Alembic).

    Store.save(comment, decision) -> (record, created)   idempotent on comment_id
    Store.get(comment_id) -> record | None
    Store.audit_log(comment_id=None, limit=100) -> [entry, ...]   newest first

Every database error leaves as StoreError or StoreUnavailable (moderation.errors);
CommentConflict (a StoreError) means a comment_id was reused for a different text.
"""

from .migrate import head_revision
from .repository import CommentConflict, Store

__all__ = ["CommentConflict", "Store", "head_revision"]
