"""Engines for SQLite and PostgreSQL, their connection settings, and DB error translation."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import sqlite3
import time
import weakref
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from ..errors import StoreError, StoreUnavailable

BUSY_TIMEOUT_MS = 5000
CONNECT_TIMEOUT_S = 5
# PostgreSQL's SQLSTATE for a write refused because the session is read-only.
READ_ONLY_SQL_TRANSACTION = "25006"

# Execution option a Connection carries when its transaction will write; on SQLite
# it turns BEGIN into BEGIN IMMEDIATE (see _on_begin).
WRITE = "moderation_write"

# NaN is not JSON and PostgreSQL's jsonb refuses it; refuse it on SQLite too, so the
# two databases accept the same data.
_dumps = functools.partial(json.dumps, allow_nan=False, ensure_ascii=False)


def normalize_url(url: str) -> URL:
    """Parse a database URL; bare PostgreSQL URLs get the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as err:
        raise StoreError("the database URL is not valid") from err
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str) -> Engine:
    """An engine with the settings the store relies on (durability, locking, timeouts)."""
    parsed = normalize_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        elif parsed.get_backend_name() == "postgresql":
            connect_args = {}
            if "connect_timeout" not in parsed.query:
                # Without it an unreachable host blocks a request for minutes.
                connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
            engine = sa.create_engine(
                parsed, pool_pre_ping=True, connect_args=connect_args, json_serializer=_dumps,
            )
            event.listen(engine, "handle_error", _drop_read_only_session)
        else:
            engine = sa.create_engine(parsed, json_serializer=_dumps)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as err:
        raise StoreError("the database URL names an unsupported database or driver") from err
    _forget_after_fork(engine)
    return engine


def _drop_read_only_session(context: sa.engine.ExceptionContext) -> None:
    # A session opened while the database was read-only (default_transaction_read_only
    # set by an operator, or a standby) stays read-only once the database is writable
    # again, and pre-ping cannot tell. Dropping the connection that failed a write makes
    # the pool open a new session, so writes resume by themselves.
    if getattr(context.original_exception, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
        context.is_disconnect = True
        context.invalidate_pool_on_disconnect = False  # the others are dropped when they fail


def _forget_after_fork(engine: Engine) -> None:
    # A connection inherited across fork (gunicorn --preload) would be shared by two
    # processes; SQLite files get corrupted that way. The child starts a fresh pool.
    ref = weakref.ref(engine)

    def forget() -> None:
        inherited = ref()
        if inherited is not None:
            inherited.dispose(close=False)

    os.register_at_fork(after_in_child=forget)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in database
    if in_memory:
        # One shared connection, or every thread would see its own empty database.
        engine = sa.create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False},
            json_serializer=_dumps,
        )
    else:
        if not database.startswith("file:"):
            try:
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreUnavailable("cannot create the database directory") from err
        engine = sa.create_engine(url, json_serializer=_dumps)
    event.listen(engine, "connect", _on_sqlite_connect)
    on_disk = not in_memory and not database.startswith("file:")
    take_lock = _queue_writers(engine, Path(database).expanduser()) if on_disk else None
    # One listener, so the lock file is taken before BEGIN IMMEDIATE, never after.
    event.listen(engine, "begin", functools.partial(_on_begin, take_lock))
    return engine


def _queue_writers(engine: Engine, database: Path) -> Callable[[sa.Connection], None]:
    """Returns what a writer calls before BEGIN IMMEDIATE: it takes the lock file, which the
    connection gives back when it is checked in or thrown away."""
    # Writers of several processes wait for each other in the kernel (flock on a file
    # beside the database) instead of in SQLite's busy handler, which polls with sleeps
    # of up to 100 ms: a waiting writer starts the moment the last one has committed.
    lock_path = str(database) + "-writelock"
    # flock is not fair: a process that has just committed, and already holds its next
    # batch, takes the lock again before a waiting process is even scheduled, and that
    # one waited for seconds. So writers pass a turnstile first, and hold it only while
    # they wait for the lock: the one that just wrote queues behind the one waiting.
    turn_path = lock_path + "-turn"

    def take(connection: sa.Connection) -> None:
        if "write_lock" not in connection.info:
            fds: list[int] = []
            try:
                for path in (lock_path, turn_path):
                    fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError as err:
                for fd in fds:
                    os.close(fd)
                # A read-only or full folder: the write cannot happen now; the client retries.
                raise StoreUnavailable("cannot take the database's write lock") from err
            fd, turn = fds
            try:
                fcntl.flock(turn, fcntl.LOCK_EX)
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            finally:
                os.close(turn)  # lets the next writer queue for the lock
            connection.info["write_lock"] = fd

    def give_back(_dbapi_connection, record) -> None:
        # On check-in, after the transaction has committed or rolled back.
        fd = record.info.pop("write_lock", None)
        if fd is not None:
            os.close(fd)

    def on_invalidate(dbapi_connection, record, _exception) -> None:
        give_back(dbapi_connection, record)

    event.listen(engine, "checkin", give_back)
    # A connection dropped after an error is not checked in; its lock must not outlive it.
    event.listen(engine, "invalidate", on_invalidate)
    return take


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling defers BEGIN and commits before DDL, so
    # migrations would not be atomic and writers could deadlock; take it over.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # First, so the statements below wait for a lock rather than fail at once:
        # switching a new file to WAL needs one, and several workers start together.
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # WAL: readers never block the writer; FULL: a committed (acknowledged)
        # decision survives power loss, not just a process crash.
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _use_wal(cursor) -> None:
    # WAL is a property of the file, set once. Switching needs an exclusive lock, and
    # SQLite refuses at once (no busy wait) while another connection holds any lock, so a
    # worker starting beside a busy one tries again for a while.
    if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            # An in-memory database answers "memory" and stays so; that is fine too.
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _on_begin(take_lock: Callable[[sa.Connection], None] | None, connection: sa.Connection) -> None:
    # A writer takes the write lock up front: a deferred transaction that reads and
    # then writes can fail at once with SQLITE_BUSY instead of waiting its turn.
    if connection.get_execution_options().get(WRITE):
        if take_lock is not None:
            # First the lock file: a writer queued behind another process's write then holds
            # none of SQLite's locks, and finds SQLite's free once it gets the file's.
            take_lock(connection)
        _begin_immediate(connection)
    else:
        connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection: sa.Connection) -> None:
    """BEGIN IMMEDIATE, asked again every millisecond while SQLite answers busy.

    SQLite's own busy handler sleeps 1, 2, 5 ... then 100 ms between tries, and writers of
    two processes, each holding the lock a few milliseconds, made each other wait up to a
    second that way (p99 of stored comments 1 s, against 51 ms polling every millisecond).
    """
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) and "busy" not in str(err):
                    break
            time.sleep(0.001)
        # Once more through SQLAlchemy, so a failure arrives as its error, like any other.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        try:
            raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.Error:
            pass  # a failing connection: the error raised above says why


@contextlib.contextmanager
def translated(action: str) -> Iterator[None]:
    """Turn foreign database errors into StoreError / StoreUnavailable.

    Messages name only the action: SQL, parameters, hosts and paths stay on the
    chained exception (``__cause__``), for logs, never for clients.
    """
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError, exc.TimeoutError) as err:
        raise StoreUnavailable(f"the database is unavailable ({action})") from err
    except exc.DBAPIError as err:
        if err.connection_invalidated:  # a disconnect, or a read-only session dropped
            raise StoreUnavailable(f"the database is unavailable ({action})") from err
        raise StoreError(f"the database refused the operation ({action})") from err
    except exc.SQLAlchemyError as err:
        raise StoreError(f"the database refused the operation ({action})") from err
