"""Keeping the sales mirror fresh, one incremental read per source.

* QuickBooks: one change-data-capture request for estimates, invoices, payments and items together
  (``GET /cdc?entities=Estimate,Invoice,Payment,Item``); a full read the first time, when the last sync is
  older than CDC's 30-day window, or when CDC hits its 1,000-object cap. Deleted objects (CDC stubs,
  or records missing from a full read) are kept as archived rows, so they drop out of every answer.
* Notion: one data-source query per data source filtered on ``last_edited_time`` (re-reading the last
  minute, Notion's timestamp resolution); a full read the first time. Trashed pages do not appear in
  queries: the ``page.deleted`` webhook archives them.
* Google Drive: ``changes.list`` from the saved page token (trashed and removed files archived); the
  first time the start token is taken *before* a full ``files.list``, so nothing changed during the
  listing is missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import SourceRecord
from hub.store import RecordRow, Store
from mappings import ENTITIES, MappingSet

__all__ = ["Collection", "Mirror"]

_NOTION_OVERLAP = timedelta(minutes=1)
# Our clock and Intuit's may disagree; CDC re-reads this much before the last sync.
_QBO_OVERLAP = timedelta(minutes=5)
_CDC_WINDOW = timedelta(days=29)  # QBO looks back 30 days; leave a day of margin
_CDC_CAP = 1000
_DRIVE_FILES_QUERY = "trashed = false"

Collection = tuple[str, str, str]  # (kind, source, collection)


def _now() -> datetime:
    return datetime.now(UTC)


class Mirror:
    """Reads each source's changes into the store's ``records`` table as unified rows."""

    def __init__(
        self, store: Store, mappings: MappingSet, sources: dict[str, Any], collections: Sequence[Collection]
    ) -> None:
        self.store = store
        self.sources = sources
        self.collections = list(collections)
        self._kind = {(source, name): kind for kind, source, name in self.collections}
        self._mappings = {(kind, source): mappings.get(kind, source) for kind, source, _ in self.collections}

    def of_source(self, source: str) -> list[Collection]:
        return [c for c in self.collections if c[1] == source]

    def kind_of(self, source: str, collection: str) -> str | None:
        return self._kind.get((source, collection))

    def row(self, record: SourceRecord) -> RecordRow | None:
        kind = self.kind_of(record.source, record.collection)
        if kind is None:
            return None
        mapped = self._mappings[(kind, record.source)].apply(record.data)
        return RecordRow.from_source(record, entity_type=kind, fields=ENTITIES[kind].encode(mapped.fields))

    async def save(self, rows: Sequence[RecordRow]) -> bool:
        """Upsert ``rows``; True when there were any. Not "when they differ from the store": another
        process (the CLI sync, a replica) may have written the same rows already, and this process's
        index must still be rebuilt to see them."""
        if not rows:
            return False
        await self.store.upsert_records(rows)
        return True

    async def archive(self, source: str, collection: str, ids: Iterable[str], at: datetime) -> bool:
        known = await self.store.get_records(source, collection, list(ids))
        gone = [replace(r, archived=True, fetched_at=at) for r in known.values() if not r.archived]
        await self.store.upsert_records(gone)
        return bool(gone)

    async def _archive_missing(self, source: str, collection: str, seen: set[str], at: datetime) -> bool:
        """After a full read: whatever the mirror holds that the source no longer returned is gone."""
        rows = await self.store.list_records(source, collection)
        return await self.archive(
            source,
            collection,
            [r.external_id for r in rows if r.external_id not in seen and r.fetched_at < at],
            at,
        )

    # -- QuickBooks --------------------------------------------------------------------------------

    async def refresh_quickbooks(self) -> bool:
        qbo = self.sources["quickbooks"]
        names = [name for _, _, name in self.of_source("quickbooks")]
        started = _now()
        cursors = [await self.store.get_cursor("quickbooks", name) for name in names]
        synced = [c.synced_at for c in cursors if c is not None]
        changed = False
        if len(synced) == len(names) and started - min(synced) < _CDC_WINDOW:
            found = await qbo.cdc(names, min(synced) - _QBO_OVERLAP)
            if sum(map(len, found.values())) < _CDC_CAP:
                for name in names:
                    deleted = [r.external_id for r in found[name] if r.extra.get("deleted")]
                    rows = [row for r in found[name] if not r.extra.get("deleted") if (row := self.row(r))]
                    changed |= await self.save(rows)
                    changed |= await self.archive("quickbooks", name, deleted, started)
                    await self.store.set_cursor("quickbooks", name, None, started)
                return changed
        results = await asyncio.gather(*(self._list(qbo, name) for name in names))
        for name, records in zip(names, results, strict=True):
            changed |= await self.save([row for r in records if (row := self.row(r))])
            changed |= await self._archive_missing(
                "quickbooks", name, {r.external_id for r in records}, started
            )
            await self.store.set_cursor("quickbooks", name, None, started)
        return changed

    @staticmethod
    async def _list(source: Any, collection: str, since: datetime | None = None) -> list[SourceRecord]:
        return [r async for r in source.list_records(collection, since=since)]

    # -- Notion ------------------------------------------------------------------------------------

    async def refresh_notion(self) -> bool:
        notion = self.sources["notion"]
        changed = False
        for _, _, ds in self.of_source("notion"):
            started = _now()
            cursor = await self.store.get_cursor("notion", ds)
            since = (
                datetime.fromisoformat(cursor.cursor) - _NOTION_OVERLAP if cursor and cursor.cursor else None
            )
            records = await self._list(notion, ds, since)
            changed |= await self.save([row for r in records if (row := self.row(r))])
            if since is None:
                changed |= await self._archive_missing(
                    "notion", ds, {r.external_id for r in records}, started
                )
            newest = max((r.updated_at for r in records if r.updated_at), default=None)
            next_cursor = newest.isoformat() if newest else (cursor.cursor if cursor else started.isoformat())
            await self.store.set_cursor("notion", ds, next_cursor, started)
        return changed

    # -- Google Drive ------------------------------------------------------------------------------

    async def refresh_drive(self) -> bool:
        drive = self.sources["google_drive"]
        started = _now()
        cursor = await self.store.get_cursor("google_drive", "files")
        if cursor is not None and cursor.cursor:
            found, token = await drive.changes(cursor.cursor)
            rows: list[RecordRow] = []
            gone: list[str] = []
            for change in found:
                if change.file is None or change.removed or change.file.trashed:
                    if change.file_id:
                        gone.append(change.file_id)
                elif row := self.row(drive.record(change.file, fetched_at=started)):
                    rows.append(row)
            changed = await self.save(rows)
            changed |= await self.archive("google_drive", "files", gone, started)
        else:
            token = await drive.start_page_token()  # before the listing: changes during it are not lost
            files = await drive.list_files(_DRIVE_FILES_QUERY)
            changed = await self.save(
                [row for f in files if (row := self.row(drive.record(f, fetched_at=started)))]
            )
            changed |= await self._archive_missing("google_drive", "files", {f.id for f in files}, started)
        await self.store.set_cursor("google_drive", "files", token, started)
        return changed

    def refresher(self, source: str) -> Callable[[], Any]:
        return {
            "quickbooks": self.refresh_quickbooks,
            "notion": self.refresh_notion,
            "google_drive": self.refresh_drive,
        }[source]
