"""Fixtures for the store tests: one database URL per backend, stores over it, sample data."""

from __future__ import annotations

import os
import uuid
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from moderation.store import Store
from moderation.store.database import normalize_url

POSTGRES_URL = os.environ.get(
    "MODERATION_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="module")
def postgres_database() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database for one test module, dropped after it."""
    admin = sa.create_engine(
        normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"moderation_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as err:
        admin.dispose()
        message = f"PostgreSQL is not reachable at MODERATION_TEST_POSTGRES_URL: {err.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _empty_postgres(url: str) -> None:
    # The database is shared by the module's tests; each starts from an empty schema.
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """An empty database: a SQLite file in a not yet existing directory, or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'moderation.db'}"
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


@pytest.fixture
def fresh_store(database_url) -> Iterator[Store]:
    """A Store over an empty, not yet migrated database."""
    store = Store(database_url)
    yield store
    store.close()


@pytest.fixture
def store(fresh_store) -> Store:
    """A Store over a migrated, empty database."""
    fresh_store.upgrade()
    return fresh_store


def make_comment(comment_id: str | None = None, text: str = "A fair point, well made.",
                 **metadata: Any) -> dict[str, Any]:
    return {"comment_id": comment_id or f"site-{uuid.uuid4().hex}", "text": text,
            "article_id": None, "author_id": None, "author_name": None, "parent_id": None,
            "language": None, **metadata}


def make_decision(comment_id: str | None, decision: str = "reject", **changes: Any) -> dict[str, Any]:
    """A decision in the shape of Decision.to_dict()."""
    body = {
        "comment_id": comment_id,
        "decision": decision,
        "reasons": [{
            "code": "personal_attack", "policy": "abuse", "action": decision, "source": "model",
            "message": "Personal attacks are not published.", "rule": "classifier",
            "score": 0.97, "spans": [{"start": 9, "end": 14, "text": "idiot"}],
        }] if decision != "accept" else [],
        "scores": {"abuse": 0.91, "personal_attack": 0.97, "identity_hate": 0.01, "threat": 0.0},
        "model": {"id": "tfidf-lr-2025-01", "sha256": "ab" * 32},
        "policy_version": "2025-01-01",
    }
    body.update(changes)
    return body


def count_rows(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("comments", "decisions", "audit_log")
        }
