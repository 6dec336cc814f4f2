"""Alembic environment: runs the migrations on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from moderation.store.database import create_engine
from moderation.store.tables import metadata

config = context.config


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # Store.upgrade: the caller owns the connection and its transaction (and lock).
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    # No connection handed over: a Config built with a URL (migrate.alembic_config(url)).
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
