"""Moderator accounts for the web pages: names, password hashes, and whether they may sign in."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import exc
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InputError
from .database import WRITE, translated
from .records import iso_utc
from .repository import Store
from .tables import ID_LENGTH, moderators

MIN_PASSWORD_LENGTH = 8
# scrypt reads all of it; a bound keeps one sign-in from costing much more than another.
MAX_PASSWORD_LENGTH = 1024
# Printable, no control characters, no surrounding blanks: the name is shown in pages,
# written to decisions and the audit log, and typed at a sign-in form.
_NAME = re.compile(r"^[^\x00-\x1f\x7f-\x9f\s](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x1f\x7f-\x9f\s])?$")


class Moderators:
    """The moderators table: add, authenticate, list, enable and disable accounts."""

    def __init__(self, store: Store) -> None:
        self._engine = store.engine

    def add(self, name: str, password: str) -> None:
        """Create an active account; refuses a taken name, a bad name or a short password."""
        _check_name(name)
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InputError("weak_password", f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InputError("invalid_password", f"the password must be at most {MAX_PASSWORD_LENGTH} characters")
        row = {"name": name, "password_hash": generate_password_hash(password), "active": True,
               "created_at": datetime.now(timezone.utc)}
        taken = InputError("name_taken", f"a moderator named {name!r} already exists")
        with translated("moderators.add"):
            try:
                with self._engine.connect().execution_options(**{WRITE: True}) as connection:
                    with connection.begin():
                        if connection.execute(_by_name(name)).first() is not None:
                            raise taken
                        connection.execute(moderators.insert(), row)
            except exc.IntegrityError as err:
                # Two concurrent adds of one name: the unique constraint decides.
                raise taken from err

    def authenticate(self, name: str, password: str) -> str | None:
        """The account's name when the password matches an active account, else None."""
        with translated("moderators.authenticate"), self._engine.connect() as connection:
            row = connection.execute(_by_name(name)).first() if len(name) <= ID_LENGTH else None
        if row is None or len(password) > MAX_PASSWORD_LENGTH:
            # Hash anyway: an unknown name must take as long as a wrong password, or the
            # response time tells which names exist.
            check_password_hash(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
            return None
        matches = check_password_hash(row.password_hash, password)
        return row.name if matches and row.active else None

    def is_active(self, name: str) -> bool:
        """Whether an account of this name exists and may sign in (checked on every page)."""
        with translated("moderators.is_active"), self._engine.connect() as connection:
            row = connection.execute(_by_name(name)).first()
        return row is not None and bool(row.active)

    def list(self) -> list[dict]:
        """Every account, by name, without its password hash."""
        query = sa.select(moderators.c.name, moderators.c.active, moderators.c.created_at).order_by(
            moderators.c.name)
        with translated("moderators.list"), self._engine.connect() as connection:
            return [{"name": row.name, "active": bool(row.active), "created_at": iso_utc(row.created_at)}
                    for row in connection.execute(query)]

    def set_active(self, name: str, active: bool) -> None:
        """Enable or disable an account; a disabled one is signed out on its next page."""
        statement = moderators.update().where(moderators.c.name == name).values(active=active)
        with translated("moderators.set_active"):
            with self._engine.connect().execution_options(**{WRITE: True}) as connection:
                with connection.begin():
                    changed = connection.execute(statement).rowcount
        if not changed:
            raise InputError("unknown_moderator", f"no moderator named {name!r}")


def _by_name(name: str) -> sa.Select:
    return sa.select(moderators.c.name, moderators.c.password_hash, moderators.c.active).where(
        moderators.c.name == name)


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name:
        raise InputError("invalid_name", "the name must not be empty")
    if len(name) > ID_LENGTH:
        raise InputError("invalid_name", f"the name must be at most {ID_LENGTH} characters")
    if not _NAME.match(name):
        raise InputError("invalid_name", "the name must be printable characters without surrounding blanks")


@functools.cache
def _dummy_hash() -> str:
    # Made once per process, with the same method and cost as real hashes.
    return generate_password_hash("not a password of anyone")

