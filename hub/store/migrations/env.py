"""Alembic environment for the hub store.

There is no alembic.ini: ``hub.store.migrate`` builds the Alembic config in code and hands this script
an open connection in ``config.attributes["connection"]`` (already inside a transaction, so the whole
upgrade commits or rolls back as one).
"""

from __future__ import annotations

from alembic import context

from hub.store.tables import metadata

config = context.config


def _run_offline() -> None:
    # ``alembic upgrade --sql``-style script generation, through hub.store.migrate.sql_script().
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run hub store migrations through hub.store.migrate, which passes a connection")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode recreates the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
