"""Group commit: concurrent saves share transactions, and each caller gets its own outcome."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from moderation.store import CommentConflict
from moderation.store.group_commit import GroupCommit

from .store_fixtures import count_rows, database_url, fresh_store, make_comment, postgres_database, store  # noqa: F401


def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.001)


def test_a_lone_submission_is_written_at_once_in_its_own_batch():
    batches = []

    def write(batch):
        batches.append([p.payload for p in batch])
        for pending in batch:
            pending.settle(pending.payload * 2)

    group = GroupCommit(write)
    assert group.submit(21) == 42
    assert batches == [[21]]


def test_submissions_that_arrive_during_a_write_share_the_next_batch():
    release = threading.Event()
    batches = []

    def write(batch):
        batches.append(sorted(p.payload for p in batch))
        if batches == [[0]]:
            release.wait(5)  # the first write is slow; the others queue behind it
        for pending in batch:
            pending.settle(pending.payload)

    group = GroupCommit(write)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(group.submit, 0)
        until(lambda: batches)
        rest = [pool.submit(group.submit, n) for n in range(1, 6)]
        until(lambda: len(group._queue) == 5)  # all five wait for their turn
        release.set()
        assert first.result() == 0
        assert [f.result() for f in rest] == [1, 2, 3, 4, 5]
    assert batches == [[0], [1, 2, 3, 4, 5]]


def test_batches_are_capped():
    release = threading.Event()
    sizes = []

    def write(batch):
        sizes.append(len(batch))
        if len(sizes) == 1:
            release.wait(5)
        for pending in batch:
            pending.settle(None)

    group = GroupCommit(write, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(group.submit, 0)]
        until(lambda: sizes)
        futures += [pool.submit(group.submit, n) for n in range(7)]
        until(lambda: len(group._queue) == 7)
        release.set()
        [f.result() for f in futures]
    assert sizes == [1, 3, 3, 1]


def test_each_caller_gets_its_own_error_and_a_failed_write_fails_all_it_held():
    def write(batch):
        for pending in batch:
            if pending.payload == "bad":
                pending.settle(error=ValueError("bad row"))
            elif pending.payload == "boom":
                raise OSError("disk gone")
            else:
                pending.settle("ok")

    group = GroupCommit(write)
    assert group.submit("good") == "ok"
    with pytest.raises(ValueError, match="bad row"):
        group.submit("bad")
    with pytest.raises(OSError, match="disk gone"):
        group.submit("boom")


def test_concurrent_saves_with_a_conflict_in_the_batch_store_every_other_comment(store):
    store.save(make_comment("taken", text="the original"), {"decision": "accept", "reasons": []})
    barrier = threading.Barrier(10)

    def save(n):
        barrier.wait()
        comment = make_comment("taken", text="a different text") if n == 0 else make_comment(f"c{n}")
        try:
            return store.save(comment, {"decision": "accept", "reasons": []})[1]
        except CommentConflict:
            return "conflict"

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(save, range(10)))
    assert outcomes == ["conflict"] + [True] * 9
    assert count_rows(store)["comments"] == 10
    assert store.get("taken")["text"] == "the original"


def test_sqlite_writers_of_several_processes_queue_on_a_lock_file_released_after_each_write(tmp_path):
    import fcntl
    import os

    from moderation.store import Store
    from moderation.store.database import WRITE

    db = tmp_path / "m.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    store.save(make_comment("first"), {"decision": "accept", "reasons": []})
    lock = str(db) + "-writelock"
    fd = os.open(lock, os.O_RDWR)
    try:
        # Free between writes: another process could take it now.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        # A connection thrown away mid-transaction gives the lock back too.
        connection = store.engine.connect().execution_options(**{WRITE: True})
        connection.begin()
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        connection.invalidate()
        connection.close()
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
        store.close()


@pytest.mark.postgres
def test_batches_of_two_processes_sharing_ids_in_opposite_order_do_not_deadlock(database_url):  # noqa: F811
    """Each batch is written in comment_id order, so two batches holding the same ids wait
    for each other in the same order; without it PostgreSQL aborts one as a deadlock."""
    from moderation.store import Store
    from moderation.store.group_commit import Pending
    from moderation.store.repository import save_payload

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writers never interleave: they take the write lock at BEGIN")
    first, second = Store(database_url), Store(database_url)
    first.upgrade()
    # Each batch inserts its comments in one statement; a pause before each row widens the
    # window between a batch's two rows, so that unordered batches would interleave.
    with first.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$")
        connection.exec_driver_sql(
            "CREATE TRIGGER slow_insert BEFORE INSERT ON comments FOR EACH ROW EXECUTE FUNCTION slow_row()")

    decision = {"decision": "accept", "reasons": []}
    outcomes = {}

    def run(store, key, ids):
        batch = [Pending(save_payload(make_comment(i), decision, 0.0)) for i in ids]
        store._save_batch(batch)
        outcomes[key] = [(p.value[1] if p.value else None, p.error) for p in batch]

    threads = [threading.Thread(target=run, args=(first, 1, ["A", "B"])),
               threading.Thread(target=run, args=(second, 2, ["B", "A"]))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with first.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER slow_insert ON comments")
        connection.exec_driver_sql("DROP FUNCTION slow_row()")
    first.close()
    second.close()
    errors = [error for key in (1, 2) for _, error in outcomes[key] if error is not None]
    assert errors == []
    created = sorted(created for key in (1, 2) for created, _ in outcomes[key])
    assert created == [False, False, True, True]


def test_a_write_lock_that_cannot_be_taken_is_unavailable_not_a_crash(tmp_path, monkeypatch):
    import os

    from moderation.errors import StoreUnavailable
    from moderation.store import Store

    store = Store(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    store.upgrade()
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("-writelock"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(StoreUnavailable):
        store.save(make_comment("x"), {"decision": "accept", "reasons": []})
    monkeypatch.undo()
    assert store.save(make_comment("x"), {"decision": "accept", "reasons": []})[1] is True
    store.close()


def test_sqlite_writers_queue_at_a_turnstile_before_the_write_lock(tmp_path):
    """A process waiting for the write lock holds the turnstile, so the process that just
    wrote cannot take the lock again ahead of it (flock alone is not fair)."""
    import fcntl
    import os

    from moderation.store import Store

    db = tmp_path / "m.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    turn = os.open(str(db) + "-writelock-turn", os.O_RDWR | os.O_CREAT)
    fcntl.flock(turn, fcntl.LOCK_EX)  # as another process waiting for the lock would
    saved = threading.Event()
    writer = threading.Thread(target=lambda: (store.save(make_comment("queued"), {"decision": "accept",
                                                                                  "reasons": []}),
                                              saved.set()))
    writer.start()
    try:
        assert not saved.wait(0.5), "the writer went past a turnstile someone else holds"
    finally:
        os.close(turn)
    writer.join(10)
    assert saved.is_set()
    store.close()


def test_a_sqlite_writer_waiting_for_the_lock_file_does_not_hold_sqlites_lock(tmp_path):
    """The lock file is taken before BEGIN IMMEDIATE: a writer queued behind another process
    leaves SQLite's write lock free. Taken after it, writers of two processes polled each
    other's SQLite lock every millisecond and the lock file queued nobody."""
    import fcntl
    import os
    import sqlite3

    from moderation.store import Store

    db = tmp_path / "m.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    lock = os.open(str(db) + "-writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as another process writing would
    saved = threading.Event()
    writer = threading.Thread(target=lambda: (store.save(make_comment("queued"), {"decision": "accept",
                                                                                  "reasons": []}),
                                              saved.set()))
    writer.start()
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    try:
        assert not saved.wait(0.3), "the writer went past a lock file someone else holds"
        other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the writer took SQLite's lock
        other.rollback()
    finally:
        other.close()
        os.close(lock)
    writer.join(10)
    assert saved.is_set()
    store.close()


def test_a_sqlite_writer_waits_out_a_lock_held_outside_the_lock_file(tmp_path):
    """SQLite's lock held by a connection that skipped the lock file (another program, the
    command line): the writer keeps asking, gets through once it is free, and its
    connection keeps the busy timeout readers rely on."""
    import sqlite3

    from moderation.store import Store
    from moderation.store.database import BUSY_TIMEOUT_MS

    db = tmp_path / "m.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, other.rollback)
    release.start()
    try:
        record, created = store.save(make_comment("waited"), {"decision": "accept", "reasons": []})
    finally:
        release.join()
        other.close()
    assert created and record["comment_id"] == "waited"
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    store.close()


def test_a_sqlite_writer_that_cannot_begin_gives_the_lock_file_back(tmp_path, monkeypatch):
    """The lock file is taken before BEGIN IMMEDIATE, so a BEGIN that fails (SQLite's lock held
    outside the lock file past the busy timeout) must still give it back: the save is refused
    as unavailable, and the next writer, of any process, is not locked out."""
    import fcntl
    import os
    import sqlite3

    from moderation.errors import StoreUnavailable
    from moderation.store import Store, database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "m.sqlite3"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable):
            store.save(make_comment("refused"), {"decision": "accept", "reasons": []})
        lock = os.open(str(db) + "-writelock", os.O_RDWR)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if still held
        finally:
            os.close(lock)
    finally:
        other.rollback()
        other.close()
    assert store.save(make_comment("refused"), {"decision": "accept", "reasons": []})[1] is True
    store.close()


def test_held_comments_in_one_batch_each_get_their_own_review_item(store):
    from moderation.store.group_commit import Pending
    from moderation.store.queue import ReviewQueue
    from moderation.store.repository import save_payload

    def held(*codes):
        return {"decision": "review", "reasons": [
            {"code": code, "policy": "abuse", "action": "review", "source": "model"} for code in codes]}

    saves = [("two-codes", held("threat", "personal_attack"), 0.9),
             ("accepted", {"decision": "accept", "reasons": []}, 0.0),
             ("one-code", held("identity_hate"), 0.2),
             ("no-code", {"decision": "review", "reasons": []}, 0.5)]
    batch = [Pending(save_payload(make_comment(cid), decision, priority)) for cid, decision, priority in saves]
    store._save_batch(batch)
    assert [p.error for p in batch] == [None] * 4

    queue = ReviewQueue(store)
    assert queue.counts() == {"identity_hate": 1, "personal_attack": 1, "review": 1, "threat": 1}
    by_reason = {code: [r["comment_id"] for r in queue.pending(reason=code).items]
                 for code in ("threat", "personal_attack", "identity_hate", "review")}
    assert by_reason == {"threat": ["two-codes"], "personal_attack": ["two-codes"],
                         "identity_hate": ["one-code"], "review": ["no-code"]}
    assert {cid: queue.item(cid)["review"]["priority"] for cid, _, _ in saves if cid != "accepted"} == \
        {"two-codes": 0.9, "one-code": 0.2, "no-code": 0.5}
    assert queue.item("accepted")["review"] is None
