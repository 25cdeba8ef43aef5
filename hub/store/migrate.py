"""Running the store's Alembic migrations from code (no alembic.ini on disk).

>>> await upgrade(engine)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.store.engine import begin_write

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "upgrade"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Any constant works; it only has to be the same in every replica so two starting at once take turns.
_PG_MIGRATION_LOCK = 0x6875625F73746F72  # "hub_stor"


def alembic_config(url: str | None = None) -> Config:
    """Alembic config pointing at the packaged migrations (for ``command.*`` calls)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` in one transaction; a no-op when it is already there."""
    async with begin_write(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Serialise replicas that start together; released at commit.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        await conn.run_sync(_upgrade_sync, revision)


def _upgrade_sync(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
