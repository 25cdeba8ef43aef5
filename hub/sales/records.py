"""A mirrored sales record as the read model uses it: unified fields decoded, provenance kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.store import RecordRow
from mappings import ENTITIES

__all__ = ["KINDS", "SalesRecord"]

# The unified kinds the sales read model serves.
KINDS = ("quote", "invoice", "payment", "item", "order", "deal", "document")


@dataclass(frozen=True)
class SalesRecord:
    kind: str
    source: str
    collection: str
    external_id: str
    fields: dict[str, Any]
    url: str | None
    fetched_at: datetime
    updated_at: datetime | None
    archived: bool

    @classmethod
    def of(cls, row: RecordRow) -> SalesRecord:
        return cls(
            kind=row.entity_type,
            source=row.source,
            collection=row.collection,
            external_id=row.external_id,
            fields=ENTITIES[row.entity_type].decode(row.fields or {}),
            url=row.url,
            fetched_at=row.fetched_at,
            updated_at=row.updated_at,
            archived=row.archived,
        )

    def get(self, name: str) -> Any:
        return self.fields.get(name)
