"""Migrations: applied at open, idempotent, safe when replicas start together, match the metadata."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hub.errors import ConfigError
from hub.store import RecordRow, Store, migrate
from hub.store.tables import metadata
from tests.store.conftest import OpenStore

TABLES = {"records", "sync_cursors", "customer_entities", "identity_links", "oauth_credentials",
          "outbox", "webhook_events", "sync_runs"}


async def _tables(store: Store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_open_creates_every_table_at_head(store: Store) -> None:
    assert TABLES <= await _tables(store)
    assert await store.current_revision() == migrate.head_revision()


async def test_migrating_again_is_a_no_op_and_keeps_data(open_store: OpenStore) -> None:
    first = await open_store()
    row = RecordRow("notion", "clients", "p1", "customer", {"Client": "Maya Ortiz"},
                    fetched_at=datetime(2025, 1, 1, tzinfo=UTC))
    await first.upsert_records([row])

    await migrate.upgrade(first.engine)
    second = await open_store(migrate=True)

    assert await second.current_revision() == migrate.head_revision()
    assert (await second.get_records("notion", "clients", ["p1"]))["p1"] == row


async def test_replicas_starting_together_both_migrate(open_store: OpenStore) -> None:
    stores = await asyncio.gather(*(open_store() for _ in range(3)))
    for store in stores:
        assert await store.current_revision() == migrate.head_revision()


async def test_migrate_false_on_an_empty_database_is_a_config_error(open_store: OpenStore) -> None:
    with pytest.raises(ConfigError, match=f"schema revision none.*needs {migrate.head_revision()}"):
        await open_store(migrate=False)


async def test_migrate_false_on_a_current_database_opens(open_store: OpenStore) -> None:
    await open_store()
    store = await open_store(migrate=False)
    assert await store.get_cursor("notion", "x") is None


# SQLite cannot reflect the lower(email) expression index; everything else is still compared.
@pytest.mark.filterwarnings("ignore:.*expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
async def test_migrated_schema_matches_the_table_metadata(store: Store) -> None:
    def diff(sync_conn: object) -> list[object]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return compare_metadata(context, metadata)

    async with store.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_unreachable_database_is_a_config_error_without_password(secret: object) -> None:
    url = "postgresql+asyncpg://hub:hunter2@127.0.0.1:1/hub"
    with pytest.raises(ConfigError, match="cannot connect") as info:
        await Store.open(url, secret_key=secret)  # type: ignore[arg-type]
    assert "hunter2" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///hub.db", "unsupported database driver 'sqlite'"),
        ("postgresql+psycopg://h/db", "unsupported database driver"),
        ("not a url", "not a valid SQLAlchemy URL"),
    ],
)
async def test_bad_urls_are_config_errors(url: str, message: str, secret: object) -> None:
    with pytest.raises(ConfigError, match=message):
        await Store.open(url, secret_key=secret)  # type: ignore[arg-type]
