"""The Notion side of the quote commands: Pipeline deals and Orders pages, found by their quote.

Properties written (names as in the Notion data sources the hub is configured with):

    Pipeline  Deal (title), Stage (status), Probability (number 0-100), Value (number), Quote
              (DocNumber), Quote ID (estimate Id), Client (relation), Expected Close (date), Hub Key
    Orders    Order (title), Client (relation), Status (status), Quote, Quote ID, Total (number),
              Lines (rich_text), Due Date (date), Hub Key

A deal or an order belongs to an estimate through "Quote ID"; that is how later commands find it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.base import SourceRecord
from connectors.notion import NotionConnector
from connectors.notion.encode import PropertyEncodeError, encode_properties
from hub.errors import ConfigError

__all__ = ["QUOTE_ID", "SalesPages"]

QUOTE_ID = "Quote ID"


class SalesPages:
    """Reads and writes deals (``pipeline`` data source) and orders (``orders``) through ``notion``.

    Data source schemas are read once and kept: a property added or renamed in Notion later needs a
    restart of the hub.
    """

    def __init__(self, notion: NotionConnector, *, orders: str, pipeline: str) -> None:
        self.notion = notion
        self.orders = orders
        self.pipeline = pipeline
        self._types: dict[str, dict[str, str]] = {}
        self._options: dict[str, dict[str, list[str]]] = {}

    async def types(self, data_source_id: str) -> dict[str, str]:
        """``{property: type}`` of a data source; it must have the rich_text ``Hub Key`` property."""
        if data_source_id not in self._types:
            types = await self.notion.property_types(data_source_id)
            key = self.notion.key_property
            if types.get(key) != "rich_text" or types.get(QUOTE_ID) != "rich_text":
                raise ConfigError(
                    f"notion data source {data_source_id} needs rich_text properties {key!r} and "
                    f"{QUOTE_ID!r} for the hub's writes; add them in Notion")
            self._types[data_source_id] = types
        return self._types[data_source_id]

    async def options(self, data_source_id: str) -> dict[str, list[str]]:
        """``{property: option names}`` of the select and status properties of a data source."""
        if data_source_id not in self._options:
            self._options[data_source_id] = await self.notion.property_options(data_source_id)
        return self._options[data_source_id]

    async def encode(self, data_source_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        types = await self.types(data_source_id)
        try:
            return encode_properties(types, values)
        except PropertyEncodeError as exc:
            raise ConfigError(f"notion data source {data_source_id}: {exc}") from None

    async def find(self, data_source_id: str, estimate_id: str) -> SourceRecord | None:
        """The page of ``data_source_id`` whose "Quote ID" is ``estimate_id`` (the first created)."""
        await self.types(data_source_id)
        return await self.notion.find_by_property(data_source_id, QUOTE_ID, estimate_id)

    async def create(self, data_source_id: str, values: Mapping[str, Any], *, hub_key: str,
                     deduplicate: bool = True) -> SourceRecord:
        """Create a page carrying ``hub_key``. With ``deduplicate`` an earlier page with that key is
        returned instead (one more query); without, the caller has looked for it another way."""
        if deduplicate:
            properties = await self.encode(data_source_id, values)
            return await self.notion.create_page(data_source_id, properties, idempotency_key=hub_key)
        properties = await self.encode(data_source_id, {**values, self.notion.key_property: hub_key})
        return await self.notion.create_page(data_source_id, properties)

    async def update(self, data_source_id: str, page_id: str, values: Mapping[str, Any]) -> SourceRecord:
        """Set ``values`` on page ``page_id`` of ``data_source_id``; other properties are kept."""
        return await self.notion.update_page(page_id, await self.encode(data_source_id, values))

    async def order(self, page_id: str) -> SourceRecord | None:
        """The Orders page ``page_id``, or None when there is none (or it is not an order)."""
        found = await self.notion.get_records(self.orders, [page_id])
        return found[0] if found else None
