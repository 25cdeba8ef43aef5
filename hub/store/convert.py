"""Converting between the row dataclasses and table rows.

The dataclasses' fields are named as the tables' columns, so both directions walk the dataclass fields.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any, TypeVar

from hub.store.rows import EntityRow, IdentityLink, RecordRow

__all__ = ["entity_row", "entity_values", "link_row", "link_values", "record_row", "record_values"]

_Row = TypeVar("_Row", RecordRow, EntityRow, IdentityLink)


def _values(obj: RecordRow | EntityRow | IdentityLink) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def _stamped(obj: EntityRow | IdentityLink, now: datetime) -> dict[str, Any]:
    # A new row keeps the given created_at (or now); updated_at is always the write time.
    return {**_values(obj), "created_at": obj.created_at or now, "updated_at": now}


def _load(cls: type[_Row], row: Any) -> _Row:
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def record_values(row: RecordRow) -> dict[str, Any]:
    return _values(row)


def record_row(row: Any) -> RecordRow:
    return _load(RecordRow, row)


def entity_values(entity: EntityRow, now: datetime) -> dict[str, Any]:
    return _stamped(entity, now)


def entity_row(row: Any) -> EntityRow:
    return _load(EntityRow, row)


def link_values(link: IdentityLink, now: datetime) -> dict[str, Any]:
    return _stamped(link, now)


def link_row(row: Any) -> IdentityLink:
    return _load(IdentityLink, row)
