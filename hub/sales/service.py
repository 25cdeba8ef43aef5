"""The sales read model: quotes, invoices and payments (QuickBooks), orders and deals (Notion) and
documents (Google Drive), mirrored under a freshness policy and joined in memory.

Freshness contract (DESIGN.md): a source's sales collections are served from the mirror while its last
sync is younger than ``freshness.sales`` (``freshness.documents`` for Drive); then one incremental read
per source brings every change (``hub.sales.mirror``). Webhooks refresh a source at once
(``on_change``), writes made through the hub land in the mirror as soon as the vendor answers
(``absorb``). A source that fails leaves its mirror as it was; its error goes next to the data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from connectors.base import SourceRecord
from hub.errors import UpstreamError
from hub.sales.index import SalesIndex
from hub.sales.mirror import Collection, Mirror
from hub.sales.records import SalesRecord
from hub.store import Store
from mappings import MappingSet

__all__ = ["SalesService"]

log = logging.getLogger("hub.sales")


class SalesService:
    def __init__(
        self,
        *,
        store: Store,
        mappings: MappingSet,
        sources: Mapping[str, object],
        orders_data_source_id: str | None = None,
        pipeline_data_source_id: str | None = None,
        clients_folder_id: str | None = None,
        sales_max_age: float = 60.0,
        documents_max_age: float = 300.0,
    ) -> None:
        collections: list[Collection] = []
        if "quickbooks" in sources:
            collections += [
                ("quote", "quickbooks", "Estimate"),
                ("invoice", "quickbooks", "Invoice"),
                ("payment", "quickbooks", "Payment"),
                ("item", "quickbooks", "Item"),
            ]
        if "notion" in sources:
            for kind, ds in (("order", orders_data_source_id), ("deal", pipeline_data_source_id)):
                ds = ds or mappings.get(kind, "notion").collection
                collections.append((kind, "notion", ds))
        if "google_drive" in sources:
            collections.append(("document", "google_drive", "files"))
        self.store = store
        self.mirror = Mirror(store, mappings, dict(sources), collections)
        self.clients_folder_id = clients_folder_id
        self.max_ages = {
            "quickbooks": sales_max_age,
            "notion": sales_max_age,
            "google_drive": documents_max_age,
        }
        self.sources = [s for s in ("quickbooks", "notion", "google_drive") if self.mirror.of_source(s)]
        self._locks = {s: asyncio.Lock() for s in self.sources}
        self._synced_at: dict[str, datetime] = {}
        self._index: SalesIndex | None = None
        self._index_lock = asyncio.Lock()
        self._generation = 0  # bumped on every mirror change; an index built across a change is dropped

    def collection(self, kind: str) -> Collection | None:
        return next((c for c in self.mirror.collections if c[0] == kind), None)

    # -- freshness -----------------------------------------------------------------------------

    async def _synced(self, source: str) -> datetime | None:
        if source not in self._synced_at:
            stamps = []
            for _, _, name in self.mirror.of_source(source):
                cursor = await self.store.get_cursor(source, name)
                if cursor is None:
                    return None
                stamps.append(cursor.synced_at)
            self._synced_at[source] = min(stamps)
        return self._synced_at[source]

    async def ensure_fresh(self, max_age: float | None = None) -> list[UpstreamError]:
        """Refresh every source whose sales mirror is older than its policy (or ``max_age``)."""
        results = await asyncio.gather(*(self.refresh(s, max_age) for s in self.sources))
        return [e for e in results if e is not None]

    async def refresh(
        self, source: str, max_age: float | None = None, *, newer_than: datetime | None = None
    ) -> UpstreamError | None:
        limit = self.max_ages[source] if max_age is None else max_age

        async def fresh() -> bool:
            synced = await self._synced(source)
            if synced is None:
                return False
            if newer_than is not None:
                return synced > newer_than
            return (datetime.now(UTC) - synced).total_seconds() <= limit

        if await fresh():
            return None
        async with self._locks[source]:  # single-flight: concurrent readers share one refresh
            if await fresh():
                return None
            started = datetime.now(UTC)
            try:
                changed = await self.mirror.refresher(source)()
            except UpstreamError as exc:
                log.warning("sales refresh from %s failed: %s", source, exc)
                return exc
            self._synced_at[source] = started
            if changed:
                self._invalidate()
            return None

    # -- the index -----------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._generation += 1
        self._index = None

    async def index(self) -> SalesIndex:
        if (index := self._index) is not None:
            return index
        async with self._index_lock:
            if self._index is not None:
                return self._index
            generation = self._generation
            rows = []
            for _, source, name in self.mirror.collections:
                rows += await self.store.list_records(source, name)
            index = SalesIndex((SalesRecord.of(r) for r in rows), clients_folder_id=self.clients_folder_id)
            if generation == self._generation:  # else a write landed meanwhile: the next call rebuilds
                self._index = index
            return index

    # -- changes from outside ------------------------------------------------------------------

    async def on_change(self, source: str, entity: str, ids: Sequence[str], *, deleted: bool = False) -> None:
        """A webhook said these records changed: archive deleted ones, then re-read the source."""
        if source not in self._locks:
            return
        arrived = datetime.now(UTC)
        if deleted and ids:
            names = [
                name for _, _, name in self.mirror.of_source(source) if entity in (name, "page", "files")
            ]
            gone = await self._confirm_gone(source, names, ids)
            for name in names:
                if await self.mirror.archive(source, name, gone, arrived):
                    self._invalidate()
        error = await self.refresh(source, newer_than=arrived)
        if error is not None:
            log.warning("refresh after a %s webhook failed: %s", source, error)

    async def _confirm_gone(self, source: str, names: Sequence[str], ids: Sequence[str]) -> list[str]:
        """The ids the source itself says are gone. A webhook is a signal, not the truth: a forged or
        stale "deleted" must not hide a live order (the source is asked; QuickBooks' CDC does the same
        for its deletions on the refresh that follows)."""
        if source != "notion":
            return list(ids)
        reader = self.mirror.sources[source]
        alive: set[str] = set()
        try:
            for name in names:
                alive |= {r.external_id for r in await reader.get_records(name, list(ids)) if not r.archived}
        except UpstreamError as exc:
            log.warning("could not confirm a Notion deletion, nothing archived: %s", exc)
            return []
        return [i for i in ids if i not in alive]

    async def absorb(self, records: Iterable[SourceRecord]) -> list[SalesRecord]:
        """Records a write returned (or a live read fetched): into the mirror at once."""
        rows = [row for r in records if (row := self.mirror.row(r)) is not None]
        if rows:
            await self.mirror.save(rows)
            self._invalidate()
        return [SalesRecord.of(r) for r in rows]

    async def fetch(self, kind: str, ids: Sequence[str]) -> dict[str, SalesRecord]:
        """Records of ``kind`` that the mirror lacks, read upstream in one batched call (QuickBooks
        ``Id IN (...)``); raises the source's ``UpstreamError`` if it fails."""
        collection = self.collection(kind)
        if collection is None or not ids:
            return {}
        _, source, name = collection
        fetched = await self.mirror.sources[source].get_records(name, list(dict.fromkeys(ids)))
        return {r.external_id: r for r in await self.absorb(fetched)}
