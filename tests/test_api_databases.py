"""The storing endpoints on both databases: SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation import create_app
from moderation.store import Store

from .store_fixtures import count_rows, database_url, postgres_database  # noqa: F401


@pytest.fixture
def db_app(database_url, rules_only_config):  # noqa: F811
    from moderation.settings import load_settings

    migrator = Store(database_url)
    migrator.upgrade()
    migrator.close()
    app = create_app(load_settings(rules_only_config, environ={"MODERATION_DATABASE_URL": database_url}))
    yield app
    app.extensions["moderation"].store.close()


def test_store_replay_and_read_back(db_app):
    client = db_app.test_client()
    payload = {"text": "You are a f*cking 1d10t", "comment_id": "db-1", "author_id": "u"}
    first = client.post("/v1/comments", json=payload)
    again = client.post("/v1/comments", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json()
    record = client.get("/v1/comments/db-1").get_json()
    assert record["decision"] == "reject"
    assert record["automatic"] == first.get_json()
    assert count_rows(db_app.extensions["moderation"].store) == {"comments": 1, "decisions": 1, "audit_log": 1}


def test_concurrent_retries_of_one_comment_store_it_once(db_app):
    payload = {"text": "Same comment, sent eight times at once.", "comment_id": "db-race"}

    def send(_):
        response = db_app.test_client().post("/v1/comments", json=payload)
        return response.status_code, response.get_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, range(8)))
    statuses = sorted(status for status, _ in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 7
    assert len({str(body) for _, body in results}) == 1
    assert count_rows(db_app.extensions["moderation"].store)["comments"] == 1
