"""Creating the async engine for a store URL, with the per-dialect fixes the store relies on."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from hub.errors import ConfigError

__all__ = ["IMMEDIATE", "begin_write", "create_engine", "insert_for", "parse_url", "sqlite_path"]

# Execution option: on SQLite, begin this transaction with BEGIN IMMEDIATE (take the write lock up
# front) so a writer never has to upgrade a read lock, which fails at once instead of waiting.
IMMEDIATE = "hub_sqlite_immediate"

_SQLITE_BUSY_TIMEOUT_S = 30.0


@asynccontextmanager
async def begin_write(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a write transaction (BEGIN IMMEDIATE on SQLite); commits on success."""
    async with engine.connect() as conn:
        await conn.execution_options(**{IMMEDIATE: True})
        async with conn.begin():
            yield conn


def insert_for(dialect: str, table: Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update``/``on_conflict_do_nothing``."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def parse_url(url: str) -> URL:
    """Parse and check a store URL; only the async drivers are accepted."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("database URL is not a valid SQLAlchemy URL (e.g. sqlite+aiosqlite:///.hub/hub.db)")\
            from None
    if parsed.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ConfigError(
            f"unsupported database driver {parsed.drivername!r}: use sqlite+aiosqlite:///path.db "
            "or postgresql+asyncpg://user@host/db"
        )
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]
    return Path(database)


def create_engine(url: URL) -> AsyncEngine:
    """Async engine for ``url``; creates the SQLite file's directory."""
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})
        _install_sqlite_transactions(engine)
        return engine
    url, server_settings = _pop_libpq_options(url)
    connect_args: dict[str, Any] = {"server_settings": server_settings} if server_settings else {}
    return create_async_engine(url, connect_args=connect_args, pool_pre_ping=True)


def _pop_libpq_options(url: URL) -> tuple[URL, dict[str, str]]:
    """Accept libpq's ``?options=-c search_path=hub`` on asyncpg URLs.

    asyncpg has no ``options`` parameter; its ``server_settings`` does the same job. This lets an
    operator put the hub's tables in their own schema with nothing but the URL.
    """
    raw = url.query.get("options")
    if raw is None:
        return url, {}
    settings: dict[str, str] = {}
    parts = shlex.split(raw if isinstance(raw, str) else " ".join(raw))
    index = 0
    while index < len(parts):
        part = parts[index]
        if part == "-c" and index + 1 < len(parts):
            index += 1
            part = parts[index]
        elif part.startswith("-c"):
            part = part[2:]
        elif part.startswith("--"):
            part = part[2:]
        if "=" not in part:
            raise ConfigError(f"cannot read database URL option {part!r}; expected -c name=value")
        name, value = part.split("=", 1)
        settings[name.replace("-", "_")] = value
        index += 1
    return url.difference_update_query(["options"]), settings


def _install_sqlite_transactions(engine: AsyncEngine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, emit BEGIN.

    The sqlite3 module's legacy mode never begins a transaction before SELECT or DDL, so migrations
    would not be atomic and reads not repeatable. This is SQLAlchemy's documented recipe
    (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#sqlite-transactions), plus WAL so
    readers and one writer do not block each other across processes.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # SQLite's own lower() folds ASCII only; name search needs "É" to match "é" as on PostgreSQL.
        dbapi_connection.create_function("hub_lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode")
            if str(cursor.fetchone()[0]).lower() not in ("wal", "memory"):
                # WAL is stored in the file, so this runs once per database. Switching needs an
                # exclusive lock and does not wait for it: if another process holds the file (likely
                # switching it too), carry on; a later connection will switch it.
                with contextlib.suppress(Exception):
                    cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()
