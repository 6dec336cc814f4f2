"""The store keeps every acknowledged decision exactly once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.errors import InputError, StoreError, StoreUnavailable
from moderation.store import CommentConflict, Store, head_revision
from moderation.store.database import normalize_url
from moderation.store.migrate import alembic_config
from moderation.store.tables import metadata
from .store_fixtures import (  # noqa: F401  (fixtures are used by name)
    count_rows, database_url, fresh_store, make_comment, make_decision, postgres_database, store,
)

TRICKY_TEXT = (
    "مقال رائع 👍🏽 — naïve café\u200b e\u0301 'quoted' \"double\" ; DROP TABLE comments; -- "
    "%s %(x)s ? :name \\ backslash <script>alert('x')</script> &amp; {{ jinja }}\n\ttabs"
)


def test_upgrade_from_empty_then_again_changes_nothing(fresh_store):
    assert fresh_store.current_revision() is None
    fresh_store.upgrade()
    assert fresh_store.current_revision() == head_revision() == "0002"
    fresh_store.upgrade()
    assert fresh_store.current_revision() == "0002"
    tables = set(sa.inspect(fresh_store.engine).get_table_names())
    assert {"comments", "decisions", "audit_log", "review_items", "review_reasons", "moderators",
            "outbox", "deliveries", "alembic_version"} <= tables


def test_concurrent_upgrades_all_succeed(database_url):
    """Several workers starting at once on an empty database migrate it once."""
    stores = [Store(database_url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def start(s: Store) -> None:
        barrier.wait()
        try:
            s.upgrade()
        except BaseException as err:  # reported below, not lost in the thread
            errors.append(err)

    threads = [threading.Thread(target=start, args=(s,)) for s in stores]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert {s.current_revision() for s in stores} == {"0002"}
    [s.close() for s in stores]


def test_downgrade_to_base_and_up_again(store):
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(sa.inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.upgrade()
    assert store.current_revision() == "0002"


def test_migrated_schema_matches_tables_py(store):
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_save_then_get_round_trips_every_field(store):
    comment = make_comment("site-123", TRICKY_TEXT, article_id="art/1?x=<b>", author_id="u-'1'",
                           author_name="Ahmed \"Ali\" عبد الله", parent_id="site-122", language="ar")
    decision = make_decision("site-123", reasons=[{"code": "x", "spans": [{"text": TRICKY_TEXT}]}])
    before = datetime.now(timezone.utc)

    record, created = store.save(comment, decision)

    assert created is True
    assert record == store.get("site-123")
    assert list(record) == ["comment_id", "article_id", "author_id", "author_name", "parent_id",
                            "language", "text", "received_at", "decision", "automatic", "moderation"]
    assert {k: record[k] for k in comment} == comment
    assert record["automatic"] == decision
    assert record["decision"] == decision["decision"]
    assert list(record["automatic"]) == list(decision), "the body keeps its key order"
    assert record["moderation"] is None
    assert json.loads(json.dumps(record)) == record
    assert record["received_at"].endswith("Z")
    received = datetime.fromisoformat(record["received_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= received <= datetime.now(timezone.utc)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00")))
def test_any_storable_text_comes_back_verbatim(store, text):
    comment = make_comment(text=text)
    store.save(comment, make_decision(comment["comment_id"]))
    assert store.get(comment["comment_id"])["text"] == text


def test_get_of_an_unknown_comment_is_none(store):
    assert store.get("never-saved") is None
    assert store.audit_log("never-saved") == []


def test_second_save_returns_the_stored_record_and_writes_nothing(store):
    comment = make_comment()
    first, _ = store.save(comment, make_decision(comment["comment_id"], "reject"))
    counts = count_rows(store)

    again, created = store.save(comment, make_decision(comment["comment_id"], "accept"))

    assert created is False
    assert again == first, "a retry gets the decision that was acknowledged first"
    assert count_rows(store) == counts == {"comments": 1, "decisions": 1, "audit_log": 1}


def test_same_id_with_different_text_is_a_conflict(store):
    comment = make_comment(text="original")
    first, _ = store.save(comment, make_decision(comment["comment_id"]))

    with pytest.raises(CommentConflict) as caught:
        store.save({**comment, "text": "edited"}, make_decision(comment["comment_id"]))

    assert isinstance(caught.value, StoreError)
    assert caught.value.record == first
    assert count_rows(store) == {"comments": 1, "decisions": 1, "audit_log": 1}


@pytest.mark.parametrize("shared", [True, False], ids=["one-store", "store-per-thread"])
def test_concurrent_saves_of_one_comment_store_it_once(store, database_url, shared):
    comment = make_comment()
    stores = [store if shared else Store(database_url) for _ in range(8)]
    barrier = threading.Barrier(len(stores))
    results: list = []

    def save(s: Store) -> None:
        barrier.wait()
        try:
            results.append(s.save(comment, make_decision(comment["comment_id"])))
        except BaseException as err:
            results.append(err)

    threads = [threading.Thread(target=save, args=(s,)) for s in stores]
    [t.start() for t in threads]
    [t.join() for t in threads]
    if not shared:
        [s.close() for s in stores]

    assert all(isinstance(r, tuple) for r in results), results
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len({json.dumps(record) for record, _ in results}) == 1
    assert count_rows(store) == {"comments": 1, "decisions": 1, "audit_log": 1}


def test_concurrent_saves_of_different_comments_all_succeed(store):
    errors: list[BaseException] = []

    def save_many() -> None:
        try:
            for _ in range(10):
                comment = make_comment()
                assert store.save(comment, make_decision(comment["comment_id"]))[1]
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=save_many) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert count_rows(store) == {"comments": 80, "decisions": 80, "audit_log": 80}


def test_a_failed_save_leaves_no_partial_rows(store):
    comment = make_comment()
    with pytest.raises(StoreError):
        store.save(comment, make_decision(comment["comment_id"], scores={"abuse": float("nan")}))
    with pytest.raises(StoreError):
        store.save(comment, make_decision(comment["comment_id"], decision="maybe"))
    assert count_rows(store) == {"comments": 0, "decisions": 0, "audit_log": 0}


@pytest.mark.parametrize("change", [
    {"text": "nul \x00 byte"}, {"text": "lone \ud800 surrogate"}, {"text": None},
    {"comment_id": None}, {"comment_id": ""}, {"comment_id": "x" * 256}, {"author_id": 7},
    {"author_name": "\x00"},
], ids=repr)
def test_unstorable_comments_are_input_errors_on_every_database(store, change):
    with pytest.raises(InputError):
        store.save({**make_comment(), **change}, make_decision("x"))
    assert count_rows(store) == {"comments": 0, "decisions": 0, "audit_log": 0}


def test_records_survive_a_new_store_on_the_same_url(store, database_url):
    comment = make_comment()
    record, _ = store.save(comment, make_decision(comment["comment_id"]))
    other = Store(database_url)
    try:
        assert other.get(comment["comment_id"]) == record, "committed before save returned"
    finally:
        other.close()
    store.close()
    restarted = Store(database_url)
    try:
        assert restarted.get(comment["comment_id"]) == record
        assert restarted.save(comment, make_decision(comment["comment_id"])) == (record, False)
    finally:
        restarted.close()


def test_an_acknowledged_save_survives_kill_9(store, database_url):
    """The child process saves, says so, and is killed at once; the row is there."""
    child = (
        "import os, signal, sys; from moderation.store import Store; "
        "s = Store(sys.argv[1]); "
        "s.save({'comment_id': 'killed', 'text': 't'}, {'decision': 'accept', 'reasons': []}); "
        "print('acknowledged', flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", child, database_url], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() == "acknowledged", done.stderr
    assert store.get("killed")["automatic"] == {"decision": "accept", "reasons": []}


def test_audit_log_has_one_entry_per_decision_newest_first(store):
    ids = []
    for _ in range(3):
        comment = make_comment(text="secret body")
        store.save(comment, make_decision(comment["comment_id"]))
        ids.append(comment["comment_id"])

    entries = store.audit_log()
    assert [e["comment_id"] for e in entries] == ids[::-1]
    assert [e["comment_id"] for e in store.audit_log(limit=2)] == ids[:0:-1]
    (entry,) = store.audit_log(ids[0])
    assert entry["actor"] == "system" and entry["action"] == "decided"
    assert entry["detail"] == {"decision": "reject", "reasons": ["personal_attack"],
                               "policy_version": "2025-01-01", "model_id": "tfidf-lr-2025-01"}
    assert entry["at"].endswith("Z")
    assert "secret body" not in json.dumps(entries), "comment bodies stay out of the log"


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log",
])
def test_audit_log_is_append_only(store, statement):
    comment = make_comment()
    store.save(comment, make_decision(comment["comment_id"]))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert store.audit_log()[0]["actor"] == "system"


def test_ping_reaches_a_working_database(store):
    store.ping()


def test_unreachable_database_is_unavailable_quickly_and_discreetly():
    store = Store("postgresql://postgres:hunter2@127.0.0.1:1/nowhere")
    started = time.monotonic()
    try:
        for call in (store.ping, lambda: store.get("x"), store.upgrade):
            with pytest.raises(StoreUnavailable) as caught:
                call()
            assert not any(leak in str(caught.value) for leak in ("127.0.0.1", "hunter2", "SELECT"))
    finally:
        store.close()
    assert time.monotonic() - started < 10


def test_errors_name_no_sql_and_no_path(fresh_store, tmp_path):
    """Before upgrade the tables are missing; the error says so without the details."""
    with pytest.raises(StoreError) as caught:
        fresh_store.get("x")
    assert isinstance(caught.value.__cause__, sa.exc.SQLAlchemyError)
    assert not any(leak in str(caught.value) for leak in ("SELECT", "comments", str(tmp_path)))


def test_sqlite_is_durable_and_concurrent(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a' / 'b' / 'moderation.db'}")
    try:
        assert store.dialect == "sqlite"
        assert (tmp_path / "a" / "b").is_dir()
        with store.engine.connect() as connection:
            pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 2  # FULL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") == 5000
    finally:
        store.close()


@pytest.mark.parametrize("given_url", [
    "postgresql://u@db/x", "postgres://u@db/x", "postgresql+psycopg://u@db/x",
])
def test_postgres_urls_use_psycopg_3(given_url):
    assert normalize_url(given_url).drivername == "postgresql+psycopg"
    store = Store(given_url)
    assert store.dialect == "postgresql"
    store.close()
