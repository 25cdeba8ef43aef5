"""The rows the store reads and writes: plain frozen dataclasses, no ORM objects leak out."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from hub.store.types import utcnow

if TYPE_CHECKING:
    from connectors.base import SourceRecord

__all__ = ["EntityRow", "IdentityLink", "LinkRule", "RecordRow", "SyncCursor", "sort_key_for"]

LinkRule = Literal["explicit", "email", "name", "manual", "single"]
LINK_RULES: tuple[LinkRule, ...] = ("explicit", "email", "name", "manual", "single")

_SPACES = re.compile(r"\s+")


def sort_key_for(name: str) -> str:
    """Normalised name for ordering: accents dropped, case folded, whitespace collapsed.

    >>> sort_key_for("  Zoë   Ortiz ")
    'zoe ortiz'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


@dataclass(frozen=True)
class RecordRow:
    """One mirrored vendor record (``records`` table).

    ``data`` is the decoded vendor record, ``fields`` the unified fields mapped from it; both may
    hold ``Decimal``/``date``/``datetime`` values and come back with the same types.
    """

    source: str
    collection: str
    external_id: str
    entity_type: str
    data: dict[str, Any]
    fields: dict[str, Any] | None = None
    url: str | None = None
    updated_at: datetime | None = None  # the vendor's last-modified time
    fetched_at: datetime = field(default_factory=utcnow)
    archived: bool = False

    @classmethod
    def from_source(
        cls, record: SourceRecord, *, entity_type: str, fields: dict[str, Any] | None = None
    ) -> RecordRow:
        """Row for a connector's ``SourceRecord``.

        >>> RecordRow.from_source(rec, entity_type="customer", fields=mapped)  # doctest: +SKIP
        """
        return cls(
            source=record.source,
            collection=record.collection,
            external_id=record.external_id,
            entity_type=entity_type,
            data=record.data,
            fields=fields,
            url=record.url,
            updated_at=record.updated_at,
            fetched_at=record.fetched_at,
            archived=record.archived,
        )


@dataclass(frozen=True)
class SyncCursor:
    """Where incremental sync of one collection stopped (``sync_cursors`` table)."""

    source: str
    collection: str
    cursor: str | None
    synced_at: datetime


@dataclass(frozen=True)
class EntityRow:
    """A hub customer entity (``customer_entities`` table).

    ``sort_key`` defaults to :func:`sort_key_for` of ``display_name``. An entity merged into another
    keeps its row with ``merged_into`` set, so its id stays valid as an alias of the survivor.
    ``created_at`` left ``None`` becomes now; ``updated_at`` is set by the store on every write.
    """

    id: str
    display_name: str
    sort_key: str = ""
    email: str | None = None
    segment: str | None = None
    merged_into: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.sort_key:
            object.__setattr__(self, "sort_key", sort_key_for(self.display_name))


@dataclass(frozen=True)
class IdentityLink:
    """``(source, external_id)`` belongs to hub entity ``entity_id`` (``identity_links`` table).

    ``rule`` says what made the link; ``overridden`` marks a human decision that automatic
    resolution must keep.
    """

    source: str
    external_id: str
    entity_id: str
    rule: LinkRule
    confidence: float = 1.0
    overridden: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.rule not in LINK_RULES:
            raise ValueError(f"unknown identity link rule {self.rule!r}; expected one of {LINK_RULES}")
