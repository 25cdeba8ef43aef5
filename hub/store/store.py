"""The hub's store: what is the hub's own (identity, credentials, cursors) plus the record mirror.

>>> store = await Store.open("sqlite+aiosqlite:///.hub/hub.db", secret_key=None)  # doctest: +SKIP
>>> await store.upsert_records([RecordRow.from_source(rec, entity_type="customer")])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

from hub.errors import ConfigError
from hub.store import migrate as migrations
from hub.store.convert import (
    entity_row,
    entity_values,
    link_row,
    link_values,
    record_row,
    record_values,
)
from hub.store.crypto import CredentialCipher, load_or_create_key_file
from hub.store.engine import begin_write, create_engine, insert_for, parse_url, sqlite_path
from hub.store.outbox import OutboxStore
from hub.store.rows import EntityRow, IdentityLink, RecordRow, SyncCursor
from hub.store.tables import customer_entities as ents
from hub.store.tables import identity_links as link_table
from hub.store.tables import records, sync_cursors
from hub.store.tokens import SqlTokenStore
from hub.store.types import utcnow

__all__ = ["Store"]

# Stay far below SQLite's bound-parameter limit in IN (...) lists.
_CHUNK = 500
# A merge chain longer than this is a bug (or a cycle); stop rather than loop forever.
_MAX_MERGE_HOPS = 32


class Store:
    """Async access to the store; open with :meth:`Store.open`, close with :meth:`close`.

    Every method is its own short transaction. ``dialect`` is ``"sqlite"`` or ``"postgresql"``;
    ``tokens`` implements :class:`hub.http.oauth_types.TokenStore`; ``outbox`` is the
    :class:`hub.store.outbox.OutboxStore`.
    """

    def __init__(self, engine: AsyncEngine, tokens: SqlTokenStore) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name
        self.tokens = tokens
        self.outbox = OutboxStore(engine)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        secret_key: SecretStr | None,
        migrate: bool = True,
        key_file: Path | None = None,
    ) -> Store:
        """Connect, migrate to the newest schema (``migrate=True``) and return the store.

        ``secret_key`` is the Fernet key for credentials; without it the key is read from
        ``key_file`` (created if missing), which for SQLite defaults to ``secret.key`` beside the
        database. PostgreSQL needs one or the other. With ``migrate=False`` the schema must already be
        current, else :class:`ConfigError`.

        ``sqlite+aiosqlite://`` (in memory) shares one connection between all callers: fine for a
        single task, not for concurrent work; use a temporary file for that.
        A PostgreSQL URL may carry ``?options=-c search_path=<schema>`` to keep the tables in a schema.
        """
        parsed = parse_url(url)
        cipher = _cipher(parsed, secret_key, key_file)
        engine = create_engine(parsed)
        try:
            await _prepare_schema(engine, parsed, migrate)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, SqlTokenStore(engine, cipher))

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    async def current_revision(self) -> str | None:
        """The Alembic revision the database is at (``hub db status``)."""
        return await migrations.current_revision(self.engine)

    # -- records -----------------------------------------------------------------------------

    async def upsert_records(self, rows: Sequence[RecordRow]) -> None:
        """Insert or replace mirrored records.

        A row never replaces one fetched later: when a slow full sync and a webhook race, the newer
        fetch wins whatever order they are written in.
        """
        if not rows:
            return
        stmt = insert_for(self.dialect, records)
        stmt = stmt.on_conflict_do_update(
            index_elements=[records.c.source, records.c.collection, records.c.external_id],
            set_={name: stmt.excluded[name] for name in _RECORD_VALUES},
            where=records.c.fetched_at <= stmt.excluded.fetched_at,
        )
        async with begin_write(self.engine) as conn:
            await conn.execute(stmt, [record_values(row) for row in rows])

    async def get_records(self, source: str, collection: str, ids: Sequence[str]) -> dict[str, RecordRow]:
        """The mirrored records with these external ids; missing ids are absent from the result."""
        found: dict[str, RecordRow] = {}
        async with self.engine.connect() as conn:
            for chunk in _chunks(list(dict.fromkeys(ids))):
                query = select(records).where(
                    records.c.source == source,
                    records.c.collection == collection,
                    records.c.external_id.in_(chunk),
                )
                for row in await conn.execute(query):
                    found[row.external_id] = record_row(row)
        return found

    async def list_records(self, source: str, collection: str) -> list[RecordRow]:
        """Every mirrored record of a collection (archived ones included), by external id."""
        query = (
            select(records)
            .where(records.c.source == source, records.c.collection == collection)
            .order_by(records.c.external_id)
        )
        async with self.engine.connect() as conn:
            return [record_row(row) for row in await conn.execute(query)]

    async def get_cursor(self, source: str, collection: str) -> SyncCursor | None:
        """Where incremental sync of a collection stopped, or None before the first sync."""
        query = select(sync_cursors).where(
            sync_cursors.c.source == source, sync_cursors.c.collection == collection
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else SyncCursor(row.source, row.collection, row.cursor, row.synced_at)

    async def set_cursor(self, source: str, collection: str, cursor: str | None, synced_at: datetime) -> None:
        """Record where incremental sync of a collection stopped."""
        stmt = insert_for(self.dialect, sync_cursors).values(
            source=source, collection=collection, cursor=cursor, synced_at=synced_at
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[sync_cursors.c.source, sync_cursors.c.collection],
            set_={"cursor": stmt.excluded.cursor, "synced_at": stmt.excluded.synced_at},
        )
        async with begin_write(self.engine) as conn:
            await conn.execute(stmt)

    # -- identity ----------------------------------------------------------------------------

    async def load_links(self) -> list[IdentityLink]:
        """Every identity link, by (source, external_id)."""
        async with self.engine.connect() as conn:
            query = select(link_table).order_by(link_table.c.source, link_table.c.external_id)
            result = await conn.execute(query)
            return [link_row(row) for row in result]

    async def apply_identity(self, entities: Sequence[EntityRow], links: Sequence[IdentityLink]) -> None:
        """Upsert entities and links in ONE transaction, so readers never see half a resolution.

        ``created_at`` of existing rows is kept (a new row takes the given one, or now); ``updated_at``
        is always now. The store does not judge overrides: resolution must pass an ``overridden``
        link through unchanged.
        """
        now = utcnow()
        async with begin_write(self.engine) as conn:
            if entities:
                stmt = insert_for(self.dialect, ents)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[ents.c.id],
                    set_={name: stmt.excluded[name] for name in _ENTITY_UPDATES},
                )
                await conn.execute(stmt, [entity_values(e, now) for e in entities])
            if links:
                stmt = insert_for(self.dialect, link_table)
                stmt = stmt.on_conflict_do_update(
                    index_elements=[link_table.c.source, link_table.c.external_id],
                    set_={name: stmt.excluded[name] for name in _LINK_UPDATES},
                )
                await conn.execute(stmt, [link_values(link, now) for link in links])

    async def get_entities(self, ids: Sequence[str]) -> dict[str, EntityRow]:
        """Entities by id, following ``merged_into`` to the survivor; keys are the ids asked for."""
        asked = list(dict.fromkeys(ids))
        known: dict[str, EntityRow] = {}
        async with self.engine.connect() as conn:
            wanted = set(asked)
            for _ in range(_MAX_MERGE_HOPS):
                missing = [i for i in wanted if i not in known]
                if not missing:
                    break
                for chunk in _chunks(missing):
                    for row in await conn.execute(select(ents).where(ents.c.id.in_(chunk))):
                        known[row.id] = entity_row(row)
                wanted = {e.merged_into for e in known.values() if e.merged_into} - known.keys()
        result: dict[str, EntityRow] = {}
        for entity_id in asked:
            entity = known.get(entity_id)
            hops = 0
            while entity is not None and entity.merged_into is not None and hops < _MAX_MERGE_HOPS:
                entity = known.get(entity.merged_into)
                hops += 1
            if entity is not None and entity.merged_into is None:
                result[entity_id] = entity
        return result

    async def page_entities(
        self,
        *,
        name_contains: str | None,
        email: str | None,
        segment: str | None,
        first: int,
        after: tuple[str, str] | None,
    ) -> tuple[list[EntityRow], int]:
        """One page of surviving entities by ``(sort_key, id)`` after the keyset ``after``.

        Returns the page and the total number of entities matching the filter (ignoring paging).
        ``name_contains`` is a case-insensitive substring of ``display_name``; ``email`` a
        case-insensitive exact match.
        """
        if first < 0:
            raise ValueError("first must be >= 0")
        condition = and_(ents.c.merged_into.is_(None), *self._entity_filter(name_contains, email, segment))
        page = select(ents).where(condition)
        if after is not None:
            sort_key, entity_id = after
            page = page.where(
                or_(ents.c.sort_key > sort_key, and_(ents.c.sort_key == sort_key, ents.c.id > entity_id))
            )
        page = page.order_by(ents.c.sort_key, ents.c.id).limit(first)
        count = select(func.count()).select_from(ents).where(condition)
        async with self.engine.connect() as conn:
            async with conn.begin():  # one snapshot for page and total
                rows = [entity_row(row) for row in await conn.execute(page)] if first else []
                total = (await conn.execute(count)).scalar_one()
        return rows, total

    def _entity_filter(
        self, name_contains: str | None, email: str | None, segment: str | None
    ) -> list[ColumnElement[bool]]:
        filters: list[ColumnElement[bool]] = []
        if name_contains:
            pattern = "%" + _escape_like(name_contains.lower()) + "%"
            if self.dialect == "sqlite":
                # SQLite's lower()/LIKE fold ASCII only; hub_lower is Python's str.lower.
                filters.append(func.hub_lower(ents.c.display_name).like(pattern, escape="\\"))
            else:
                filters.append(func.lower(ents.c.display_name).like(pattern, escape="\\"))
        if email:
            filters.append(func.lower(ents.c.email) == email.lower())
        if segment:
            filters.append(ents.c.segment == segment)
        return filters or [true()]

    async def links_for(self, entity_ids: Sequence[str]) -> dict[str, list[IdentityLink]]:
        """Links of each entity (by source, external_id); every asked id is a key, maybe with []."""
        found: dict[str, list[IdentityLink]] = {entity_id: [] for entity_id in entity_ids}
        async with self.engine.connect() as conn:
            for chunk in _chunks(list(found)):
                query = (
                    select(link_table)
                    .where(link_table.c.entity_id.in_(chunk))
                    .order_by(link_table.c.source, link_table.c.external_id)
                )
                for row in await conn.execute(query):
                    found[row.entity_id].append(link_row(row))
        return found


# -- helpers ---------------------------------------------------------------------------------

_RECORD_VALUES = ("entity_type", "data", "fields", "url", "updated_at", "fetched_at", "archived")
_ENTITY_UPDATES = ("display_name", "sort_key", "email", "segment", "merged_into", "updated_at")
_LINK_UPDATES = ("entity_id", "rule", "confidence", "overridden", "updated_at")


def _cipher(url: URL, secret_key: SecretStr | None, key_file: Path | None) -> CredentialCipher:
    if secret_key is not None:
        return CredentialCipher(secret_key, origin="the secret key (HUB_SECRET_KEY)")
    if key_file is None:
        if url.get_backend_name() != "sqlite":
            raise ConfigError(
                "a PostgreSQL store needs a secret key to encrypt OAuth credentials: set HUB_SECRET_KEY "
                "to a Fernet key (the same in every replica) or pass a key file path"
            )
        path = sqlite_path(url)
        if path is None:
            # An in-memory database dies with the process, and so may its key: nothing to write.
            return CredentialCipher(SecretStr(Fernet.generate_key().decode()), origin="an in-memory key")
        key_file = path.parent / "secret.key"
    return CredentialCipher(load_or_create_key_file(key_file), origin=f"key file {key_file}")


async def _prepare_schema(engine: AsyncEngine, url: URL, run_migrations: bool) -> None:
    where = url.render_as_string(hide_password=True)
    try:
        async with engine.connect():
            pass
    except (OSError, DBAPIError) as exc:
        # Connect-time errors name host, role or database, never the password.
        reason = str(exc.orig) if isinstance(exc, DBAPIError) else f"{type(exc).__name__}: {exc}"
        raise ConfigError(f"cannot connect to the store database {where}: {reason}") from exc
    if run_migrations:
        await migrations.upgrade(engine)
        return
    current = await migrations.current_revision(engine)
    head = migrations.head_revision()
    if current != head:
        raise ConfigError(
            f"the store database {where} is at schema revision {current or 'none'}, this code needs {head}; "
            "start with migrations enabled to upgrade it"
        )


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
