"""What every connector returns and the capability protocols the hub asks for.

Connectors hand back ``SourceRecord``s: the vendor's record, decoded into plain Python values
(Notion properties decoded to str/list/Decimal/date..., QuickBooks JSON as-is), plus its provenance.
Turning those into unified fields is the job of ``mappings/``, not of the connector.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

__all__ = ["CustomerSource", "PingResult", "RecordSource", "SourceRecord"]


@dataclass(frozen=True)
class SourceRecord:
    """One vendor record with its provenance.

    ``collection`` is where it lives (a Notion data source id, a QuickBooks entity name);
    ``data`` is the decoded record the mapping reads from; ``updated_at`` is the vendor's own
    last-modified time (Notion ``last_edited_time``, QuickBooks ``MetaData.LastUpdatedTime``).
    """

    source: str
    collection: str
    external_id: str
    data: dict[str, Any]
    fetched_at: datetime
    updated_at: datetime | None = None
    url: str | None = None
    archived: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PingResult:
    source: str
    ok: bool
    detail: str


@runtime_checkable
class RecordSource(Protocol):
    """A source the hub can list and batch-read records from."""

    name: str

    def list_records(self, collection: str, *, since: datetime | None = None) -> AsyncIterator[SourceRecord]:
        """Every record of ``collection``, or those changed at or after ``since`` (incremental)."""
        ...

    async def get_records(self, collection: str, ids: Sequence[str]) -> list[SourceRecord]:
        """The records with these ids, in as few upstream requests as the vendor allows."""
        ...

    async def ping(self) -> PingResult:
        """One cheap authenticated call that proves credentials and reachability."""
        ...


class CustomerSource(RecordSource, Protocol):
    """A source that holds customers (Notion clients data source, QuickBooks ``Customer``)."""
