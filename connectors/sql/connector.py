"""Reading a shop's own database, read-only, through one mapped SELECT per canonical entity.

Read-only is enforced three times: the mapping accepts only single ``SELECT``/``WITH`` statements; the
connection itself refuses writes where the dialect allows it (SQLite opened ``mode=ro`` with
``PRAGMA query_only``; PostgreSQL with ``default_transaction_read_only`` and ``SET TRANSACTION READ
ONLY``; MySQL/MariaDB with ``SET SESSION TRANSACTION READ ONLY``); and every read runs in one
transaction that is rolled back. Other dialects get only the first and the last: give them a database
user that can only ``SELECT``.

All queries of one snapshot run in one transaction (``REPEATABLE READ`` on PostgreSQL, a ``BEGIN``
on SQLite), so stock, supply and demand are consistent with each other.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import DateTime, bindparam, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.elements import TextClause

from connectors.base import PingResult
from connectors.inventory import InventorySnapshot
from connectors.sql.records import COLUMNS, RowError, build_snapshot
from hub.errors import (
    ConfigError,
    MappingError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
    UpstreamRetryable,
)

__all__ = ["SqlInventoryConnector", "SqlMapping"]

log = logging.getLogger(__name__)
_NOW = re.compile(r"(?<![:\w\\]):now(?![:\w])")  # as SQLAlchemy's text() finds bind parameters


class SqlMapping(Protocol):
    """What the connector needs from a validated mapping (``mappings.inventory_sql.SqlInventoryMapping``).

    ``queries`` maps canonical entity names to one SELECT each, already checked to be single
    read-only statements; ``timezone`` is the zone of timestamps stored without one.
    """

    @property
    def file(self) -> str: ...

    @property
    def timezone(self) -> str: ...

    @property
    def queries(self) -> Mapping[str, str]: ...


class SqlInventoryConnector:
    """An ``InventorySource`` over any SQLAlchemy async URL::

        connector = SqlInventoryConnector("sqlite+aiosqlite:///shop.db", load_inventory_sql("shop.sql.yaml"))
        await connector.validate()      # at start-up: every query compiles and returns its columns
        snapshot = await connector.snapshot()

    ``clock`` gives the ``:now`` bound into queries and the snapshot's ``fetched_at`` (tests pin it).
    """

    name = "sql"

    def __init__(self, url: str, spec: SqlMapping, *, source_name: str = "sql",
                 clock: Callable[[], datetime] | None = None) -> None:
        self.name = source_name
        self._spec = spec
        try:
            self._tz = ZoneInfo(spec.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{source_name}: {spec.file}: unknown time zone {spec.timezone!r}") from None
        self._clock = clock or (lambda: datetime.now(UTC))
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"{source_name}: the database URL cannot be parsed") from None
        self._password = parsed.password
        self._dialect = parsed.get_backend_name()
        self._sqlite_file: Path | None = None
        try:
            self._engine = self._create_engine(parsed)
        except (NoSuchModuleError, SQLAlchemyError, ImportError) as exc:
            raise ConfigError(f"{source_name}: cannot use database URL "
                              f"{parsed.render_as_string(hide_password=True)!r}: {exc}") from None

    # -- the InventorySource protocol ----------------------------------------------------------------------

    async def validate(self) -> None:
        """Run every query with no rows (``SELECT * FROM (<query>) AS q WHERE 1=0``) and check its columns.

        Raises ``MappingError(file, "entities.<entity>.query", reason)`` for a query the database
        rejects or whose columns are wrong; ``ConfigError``/``UpstreamError`` when the database cannot
        be reached.
        """
        async with self._transaction() as conn:
            for entity, sql in self._spec.queries.items():
                key = self._key(entity)
                if entity not in COLUMNS:
                    raise MappingError(self._spec.file, f"entities.{entity}", "unknown entity")
                try:
                    result = await conn.execute(*self._statement(f"SELECT * FROM (\n{sql}\n) AS q WHERE 1=0"))
                except DBAPIError as exc:
                    if exc.connection_invalidated:
                        raise self._unavailable(exc) from None
                    raise MappingError(self._spec.file, key,
                                       f"the database rejected the query: {self._reason(exc)}") from None
                problem = _column_problem(entity, list(result.keys()))
                if problem:
                    raise MappingError(self._spec.file, key, problem)

    async def snapshot(self) -> InventorySnapshot:
        """Every mapped entity, read in one rolled-back transaction and converted to canonical records."""
        now = self._clock()
        rows: dict[str, list[dict[str, Any]]] = {}
        async with self._transaction() as conn:
            for entity, sql in self._spec.queries.items():
                where = f"{self._spec.file}: {self._key(entity)}"
                try:
                    result = await conn.execute(*self._statement(sql, now))
                except DBAPIError as exc:
                    if exc.connection_invalidated:
                        raise self._unavailable(exc) from None
                    raise UpstreamFatal(self.name, f"{where}: {self._reason(exc)}") from None
                names = [k.lower() for k in result.keys()]
                problem = _column_problem(entity, names) if entity in COLUMNS else "unknown entity"
                if problem:
                    raise UpstreamFatal(self.name, f"{where}: {problem}")
                rows[entity] = [dict(zip(names, row, strict=True)) for row in result.all()]
        try:
            return build_snapshot(rows, source=self.name, tz=self._tz, fetched_at=now)
        except RowError as exc:
            raise UpstreamBadResponse(self.name, f"{self._spec.file}: {exc}") from None

    async def ping(self) -> PingResult:
        """``SELECT 1`` in a read-only transaction: proves the URL, credentials and reachability."""
        try:
            async with self._transaction() as conn:
                await conn.execute(text("SELECT 1"))
        except (ConfigError, UpstreamError) as exc:
            return PingResult(self.name, False, str(exc))
        except DBAPIError as exc:
            return PingResult(self.name, False, f"{self.name}: {self._reason(exc)}")
        return PingResult(self.name, True, f"connected to {self._dialect} (read-only)")

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    # -- connections ----------------------------------------------------------------------------------

    def _create_engine(self, url: URL) -> AsyncEngine:
        kwargs: dict[str, Any] = {}
        if self._dialect == "sqlite":
            url = self._sqlite_read_only(url)
        elif self._dialect == "postgresql":
            kwargs["pool_pre_ping"] = True
            # Read-only and the mapping's zone (naive timestamps are read in it) override the URL's.
            forced = {"default_transaction_read_only": "on", "timezone": self._spec.timezone}
            if url.get_driver_name() == "asyncpg":
                url, settings = _pop_libpq_options(url, self.name)
                kwargs["connect_args"] = {"server_settings": {**settings, **forced}}
            else:  # psycopg and friends take libpq's options themselves
                options = " ".join(f"-c {k}={v}" for k, v in forced.items())
                extra = url.query.get("options")
                url = url.update_query_dict({"options": f"{extra} {options}" if extra else options})
        elif self._dialect not in ("mysql", "mariadb"):
            log.warning("%s: %s connections cannot be made read-only; use a SELECT-only database user",
                        self.name, self._dialect)
        engine = create_async_engine(url, **kwargs)
        if self._dialect == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
            # pysqlite only opens a transaction before writes; an explicit BEGIN makes all the snapshot's
            # SELECTs read one consistent state (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html).
            event.listen(engine.sync_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        elif self._dialect in ("mysql", "mariadb"):
            event.listen(engine.sync_engine, "connect", _mysql_on_connect)
        return engine

    def _sqlite_read_only(self, url: URL) -> URL:
        database = url.database or ""
        if database in ("", ":memory:"):
            return url  # a private in-memory database; PRAGMA query_only still applies
        if url.query.get("uri") == "true" or database.startswith("file:"):
            path = database.removeprefix("file:").split("?")[0]
        else:
            path = database
            database = "file:" + quote(str(Path(path).resolve()))
        self._sqlite_file = Path(path)
        # mode=ro also means a mistyped path fails instead of silently creating an empty database.
        return url.set(database=database, query={**url.query, "mode": "ro", "uri": "true"})

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        if self._sqlite_file is not None and not self._sqlite_file.is_file():
            raise ConfigError(f"{self.name}: SQLite database file {self._sqlite_file} does not exist")
        try:
            conn = await self._engine.connect()
        except DBAPIError as exc:
            raise self._unavailable(exc) from None
        except OSError as exc:
            raise UpstreamRetryable(self.name, f"cannot connect to the database: {exc}") from None
        try:
            transaction = await conn.begin()
            try:
                if self._dialect == "postgresql":
                    await conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
                yield conn
            finally:
                await transaction.rollback()  # nothing a read did may ever be committed
        finally:
            await conn.close()

    def _statement(self, sql: str, now: datetime | None = None) -> tuple[TextClause, dict[str, Any]]:
        clause = text(sql)
        if not _NOW.search(sql):
            return clause, {}
        moment = (now or self._clock()).astimezone(self._tz)
        if self._dialect == "sqlite":
            # SQLite has no timestamp type; compare with its own datetime() text, in the mapping's zone.
            return clause, {"now": moment.strftime("%Y-%m-%d %H:%M:%S")}
        # A typed parameter is cast to timestamptz, which PostgreSQL compares correctly with both
        # timestamptz columns and naive ones (read in the session time zone, the mapping's).
        return clause.bindparams(bindparam("now", type_=DateTime(timezone=True))), {"now": moment}

    # -- errors -----------------------------------------------------------------------------------------

    def _key(self, entity: str) -> str:
        return f"entities.{entity}.query"

    def _reason(self, exc: DBAPIError) -> str:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        if self._password:
            reason = reason.replace(self._password, "***")
        return reason

    def _unavailable(self, exc: DBAPIError) -> UpstreamError:
        reason = self._reason(exc)
        if str(getattr(exc.orig, "sqlstate", "") or getattr(exc.orig, "pgcode", "")).startswith("28"):
            return UpstreamAuthError(self.name, f"the database refused the credentials: {reason}")
        return UpstreamRetryable(self.name, f"cannot reach the database: {reason}")


def _column_problem(entity: str, columns: list[str]) -> str | None:
    expected = COLUMNS[entity]
    # SQLite renames a repeated column of a subquery "name:1"; it is still the same name twice.
    names = [re.sub(r":\d+$", "", c.lower()) for c in columns]
    for name in names:
        if names.count(name) > 1:
            return f"the query returns column {name!r} more than once"
    unknown = [n for n in names if n not in expected]
    if unknown:
        return (f"the query returns {', '.join(map(repr, unknown))}, not a {entity} column "
                f"(expected: {', '.join(expected)})")
    missing = [n for n, c in expected.items() if c.required and n not in names]
    if missing:
        return (f"the query returns no {', '.join(map(repr, missing))} column "
                f"(it returns: {', '.join(names) or 'nothing'})")
    return None


def _pop_libpq_options(url: URL, source: str) -> tuple[URL, dict[str, str]]:
    """asyncpg has no libpq ``?options=-c name=value``; its ``server_settings`` does the same job."""
    raw = url.query.get("options")
    if raw is None:
        return url, {}
    settings: dict[str, str] = {}
    for part in shlex.split(raw if isinstance(raw, str) else " ".join(raw)):
        if part == "-c":
            continue
        name, sep, value = part.removeprefix("-c").removeprefix("--").partition("=")
        if not sep:
            raise ConfigError(f"{source}: cannot read database URL option {part!r}; expected -c name=value")
        settings[name.replace("-", "_")] = value
    return url.difference_update_query(["options"]), settings


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" event issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _mysql_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION TRANSACTION READ ONLY")
    cursor.close()
