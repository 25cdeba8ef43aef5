"""Converting between the row dataclasses and table rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.store.rows import EntityRow, IdentityLink, RecordRow

__all__ = ["entity_row", "entity_values", "link_row", "link_values", "record_row", "record_values"]


def record_values(row: RecordRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "collection": row.collection,
        "external_id": row.external_id,
        "entity_type": row.entity_type,
        "data": row.data,
        "fields": row.fields,
        "url": row.url,
        "updated_at": row.updated_at,
        "fetched_at": row.fetched_at,
        "archived": row.archived,
    }


def record_row(row: Any) -> RecordRow:
    return RecordRow(
        source=row.source,
        collection=row.collection,
        external_id=row.external_id,
        entity_type=row.entity_type,
        data=row.data,
        fields=row.fields,
        url=row.url,
        updated_at=row.updated_at,
        fetched_at=row.fetched_at,
        archived=bool(row.archived),
    )


def entity_values(entity: EntityRow, now: datetime) -> dict[str, Any]:
    return {
        "id": entity.id,
        "display_name": entity.display_name,
        "sort_key": entity.sort_key,
        "email": entity.email,
        "segment": entity.segment,
        "merged_into": entity.merged_into,
        "created_at": entity.created_at or now,
        "updated_at": now,
    }


def entity_row(row: Any) -> EntityRow:
    return EntityRow(
        id=row.id,
        display_name=row.display_name,
        sort_key=row.sort_key,
        email=row.email,
        segment=row.segment,
        merged_into=row.merged_into,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def link_values(link: IdentityLink, now: datetime) -> dict[str, Any]:
    return {
        "source": link.source,
        "external_id": link.external_id,
        "entity_id": link.entity_id,
        "rule": link.rule,
        "confidence": link.confidence,
        "overridden": link.overridden,
        "created_at": link.created_at or now,
        "updated_at": now,
    }


def link_row(row: Any) -> IdentityLink:
    return IdentityLink(
        source=row.source,
        external_id=row.external_id,
        entity_id=row.entity_id,
        rule=row.rule,
        confidence=row.confidence,
        overridden=bool(row.overridden),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
