"""The customer directory: mirrors customer records of every source, resolves identities, serves reads.

Freshness contract (DESIGN.md): profile fields are served from the mirror while it is younger than
``freshness.customers``; it is refreshed incrementally from each source's own change cursor (Notion
``last_edited_time``, QuickBooks ``MetaData.LastUpdatedTime``). QuickBooks-fed money fields follow the
tighter ``freshness.balances`` and are re-read in one batched request per page of customers. A source
that fails leaves the mirror as it was and its error is reported next to the data, never instead of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from connectors.base import RecordSource, SourceRecord
from hub.errors import ConfigError, UpstreamError
from hub.identity import Candidate, LinkDecision, entity_id_for, normalise_company, resolve
from hub.store import EntityRow, IdentityLink, LinkRule, RecordRow, Store
from mappings import ENTITIES, EntityMapping, MappingSet

__all__ = ["CUSTOMER", "CustomerDirectory", "MergedCustomer", "decode_fields", "encode_fields"]

log = logging.getLogger("hub.customers")

CUSTOMER = "customer"
# Notion's last_edited_time is rounded to the minute, so an incremental read re-reads the last minute.
_CURSOR_OVERLAP = timedelta(minutes=1)
_SCHEMA = ENTITIES[CUSTOMER]


def encode_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Mapped customer fields as the store keeps them (Money/Address as their JSON objects)."""
    return _SCHEMA.encode(fields)


def decode_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`encode_fields`."""
    return _SCHEMA.decode(fields)


@dataclass(frozen=True)
class MergedCustomer:
    """One customer's fields, each taken from the first source (by precedence) that has it."""

    fields: dict[str, Any]
    provenance: dict[str, str]  # field -> source it came from


def merge(records: Sequence[RecordRow], precedence: Sequence[str]) -> MergedCustomer:
    rank = {s: i for i, s in enumerate(precedence)}
    ordered = sorted(records, key=lambda r: (rank.get(r.source, len(rank)), r.external_id))
    fields: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for record in ordered:
        for name, value in decode_fields(record.fields or {}).items():
            if name not in fields and value not in (None, ""):
                fields[name] = value
                provenance[name] = record.source
    return MergedCustomer(fields, provenance)


class CustomerDirectory:
    def __init__(
        self,
        *,
        store: Store,
        mappings: MappingSet,
        sources: Mapping[str, RecordSource],
        customers_max_age: float,
        balances_max_age: float,
        precedence: Sequence[str] = ("notion", "quickbooks"),
    ) -> None:
        self.store = store
        self.sources = dict(sources)
        self.precedence = [s for s in precedence if s in self.sources]
        self.mappings: dict[str, EntityMapping] = {s: mappings.get(CUSTOMER, s) for s in self.precedence}
        self.customers_max_age = customers_max_age
        self.balances_max_age = balances_max_age
        self._locks = {s: asyncio.Lock() for s in self.precedence}
        self._synced_at: dict[str, datetime] = {}
        self._resolve_lock = asyncio.Lock()
        self._resolved_once = False

    def collection(self, source: str) -> str:
        return self.mappings[source].collection

    # -- mirror -------------------------------------------------------------------------------

    async def ensure_fresh(self, max_age: float | None = None) -> list[UpstreamError]:
        """Refresh every source whose mirror is older than ``max_age``; return the sources' errors."""
        max_age = self.customers_max_age if max_age is None else max_age
        results = await asyncio.gather(*(self._refresh(s, max_age) for s in self.precedence))
        errors = [e for changed, e in results if e is not None]
        if any(changed for changed, _ in results) or not self._resolved_once:
            await self.resolve_identities()
        return errors

    async def _synced(self, source: str) -> datetime | None:
        if source not in self._synced_at:
            cursor = await self.store.get_cursor(source, self.collection(source))
            if cursor is not None and cursor.synced_at is not None:
                self._synced_at[source] = cursor.synced_at
        return self._synced_at.get(source)

    async def _refresh(self, source: str, max_age: float) -> tuple[bool, UpstreamError | None]:
        def fresh(synced: datetime | None) -> bool:
            return synced is not None and (datetime.now(UTC) - synced).total_seconds() <= max_age

        if fresh(await self._synced(source)):
            return False, None
        async with self._locks[source]:  # single-flight: concurrent queries share one refresh
            if fresh(await self._synced(source)):
                return False, None
            collection = self.collection(source)
            cursor = await self.store.get_cursor(source, collection)
            since = (
                datetime.fromisoformat(cursor.cursor) - _CURSOR_OVERLAP if cursor and cursor.cursor else None
            )
            started = datetime.now(UTC)
            rows: list[RecordRow] = []
            try:
                async for record in self.sources[source].list_records(collection, since=since):
                    rows.append(self._row(source, record))
            except UpstreamError as exc:
                log.warning("customer refresh from %s failed: %s", source, exc)
                return False, exc
            # The cursor overlap re-reads records already mirrored; only a real change re-resolves.
            known = await self.store.get_records(source, collection, [r.external_id for r in rows])
            changed = [
                r
                for r in rows
                if (k := known.get(r.external_id)) is None
                or (k.updated_at, k.fields, k.archived) != (r.updated_at, r.fields, r.archived)
            ]
            if rows:
                await self.store.upsert_records(rows)
            newest = max((r.updated_at for r in rows if r.updated_at), default=None)
            next_cursor = newest.isoformat() if newest else (cursor.cursor if cursor else None)
            await self.store.set_cursor(source, collection, next_cursor, started)
            self._synced_at[source] = started
            log.info(
                "refreshed %d %s customer records (incremental=%s)", len(rows), source, since is not None
            )
            return bool(changed), None

    def _row(self, source: str, record: SourceRecord) -> RecordRow:
        mapped = self.mappings[source].apply(record.data)
        for warning in mapped.warnings:
            log.warning("%s %s: %s", source, record.external_id, warning)
        fields = {**encode_fields(mapped.fields), "_links": dict(mapped.links)}
        return RecordRow.from_source(record, entity_type=CUSTOMER, fields=fields)

    async def records(
        self, source: str, ids: Sequence[str], *, max_age: float | None = None
    ) -> dict[str, RecordRow]:
        """Mirrored records of ``source``; with ``max_age``, stale or missing ones are re-read upstream
        in one batched call (raises the source's ``UpstreamError`` if that call fails)."""
        collection = self.collection(source)
        cached = await self.store.get_records(source, collection, ids)
        if max_age is None:
            return cached
        now = datetime.now(UTC)
        stale = [i for i in ids if i not in cached or (now - cached[i].fetched_at).total_seconds() > max_age]
        if not stale:
            return cached
        fetched = await self.sources[source].get_records(collection, stale)
        rows = [self._row(source, r) for r in fetched]
        if rows:
            await self.store.upsert_records(rows)
        return {**cached, **{r.external_id: r for r in rows}}

    # -- identity -----------------------------------------------------------------------------

    async def resolve_identities(self, new_overrides: Sequence[LinkDecision] = ()) -> None:
        async with self._resolve_lock:
            candidates: list[Candidate] = []
            rows: dict[tuple[str, str], RecordRow] = {}
            for source in self.precedence:
                for row in await self.store.list_records(source, self.collection(source)):
                    rows[(source, row.external_id)] = row
                    if row.archived:
                        continue
                    fields = row.fields or {}
                    candidates.append(
                        Candidate(
                            source=source,
                            external_id=row.external_id,
                            company=fields.get("company"),
                            email=fields.get("email"),
                            is_business=fields.get("segment") == "B2B",
                            links={
                                k: v for k, v in (fields.get("_links") or {}).items() if k in self.sources
                            },
                        )
                    )
            existing = [
                LinkDecision(
                    link.source, link.external_id, link.entity_id, link.rule, link.confidence, link.overridden
                )
                for link in await self.store.load_links()
            ]
            resolution = resolve(candidates, existing, self.precedence, new_overrides=new_overrides)
            await self._save(resolution.links, resolution.merged, rows)
            self._resolved_once = True

    async def _save(
        self,
        links: Sequence[LinkDecision],
        merged: Mapping[str, str],
        rows: Mapping[tuple[str, str], RecordRow],
    ) -> None:
        """Write the resolution; ``rows`` are the mirrored records it was made from, by (source, id)."""
        by_entity: dict[str, list[LinkDecision]] = {}
        for link in links:
            by_entity.setdefault(link.entity_id, []).append(link)
        now = datetime.now(UTC)
        entities: list[EntityRow] = []
        for entity_id, members in by_entity.items():
            records = [rows[(m.source, m.external_id)] for m in members if (m.source, m.external_id) in rows]
            fields = merge(records, self.precedence).fields
            name = fields.get("name") or fields.get("company") or "(unnamed)"
            entities.append(
                EntityRow(
                    id=entity_id,
                    display_name=name,
                    sort_key=normalise_company(name) or name.lower(),
                    email=fields.get("email"),
                    segment=fields.get("segment"),
                    created_at=now,
                )
            )
        # A merged-away entity keeps its row as an alias of the survivor (updated_at is the store's to set).
        for old, new in merged.items():
            entities.append(EntityRow(id=old, display_name="", merged_into=new, created_at=now))
        await self.store.apply_identity(
            entities,
            [
                IdentityLink(
                    entity_id=link.entity_id,
                    source=link.source,
                    external_id=link.external_id,
                    rule=cast(LinkRule, link.rule),
                    confidence=link.confidence,
                    overridden=link.overridden,
                    created_at=now,
                )
                for link in links
            ],
        )

    async def link(self, entity_id: str, source: str, external_id: str) -> str:
        """Override: attach ``(source, external_id)`` to the customer ``entity_id``; returns its id."""
        if source not in self.sources:
            raise ConfigError(f"unknown source {source!r}; known: {', '.join(self.sources)}")
        entity = (await self.store.get_entities([entity_id])).get(entity_id)
        if entity is None:
            raise ConfigError(f"no customer {entity_id!r}")
        await self._override(source, external_id, entity.id)
        return entity.id

    async def unlink(self, source: str, external_id: str) -> str:
        """Override: make ``(source, external_id)`` a customer of its own; returns the new id."""
        if source not in self.sources:
            raise ConfigError(f"unknown source {source!r}; known: {', '.join(self.sources)}")
        new_id = entity_id_for(f"manual:{source}", external_id)
        await self._override(source, external_id, new_id)
        return new_id

    async def _override(self, source: str, external_id: str, entity_id: str) -> None:
        manual = LinkDecision(source, external_id, entity_id, "manual", 1.0, overridden=True)
        await self.resolve_identities([manual])
