"""Alembic driven from Python: the migrations shipped in the package, no alembic.ini needed."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from .database import WRITE, create_engine, normalize_url

# Any fixed 64-bit number; it only has to differ from other advisory locks in the database.
_PG_MIGRATION_LOCK = 0x6D6F6465726174


def alembic_config(url: str | None = None) -> Config:
    """A Config pointing at moderation/store/migrations, wherever the package is installed.

    ``url`` is only needed for offline SQL scripts (``command.upgrade(config, "head",
    sql=True)``, for a DBA to apply by hand); the store hands env.py a connection.
    """
    config = Config()
    location = resources.files("moderation.store") / "migrations"
    config.set_main_option("script_location", str(location))
    if url is not None:
        # '%' must be doubled for configparser interpolation.
        config.set_main_option("sqlalchemy.url", str(normalize_url(url).render_as_string(
            hide_password=False)).replace("%", "%%"))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision the package ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision`` in one transaction; safe when several processes start at once."""
    config = alembic_config()
    # WRITE makes SQLite take its write lock at BEGIN, so a second process starting
    # at the same time waits here and then finds the schema already at head.
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Same idea on PostgreSQL: serialize concurrent upgrades (released at commit).
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


def new_revision(url: str, message: str) -> None:
    """Write the next versions/NNNN_*.py from the difference between tables.py and ``url``.

    For developers: edit tables.py, then run this against a scratch database; review
    the generated script (autogenerate misses triggers and check constraints).
    """
    engine = create_engine(url)
    try:
        upgrade(engine)
        config = alembic_config()
        rev_id = f"{int(head_revision() or 0) + 1:04d}"
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message, autogenerate=True, rev_id=rev_id)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
