"""Page writes for the Notion connector: create, update, and the look-up that makes create safe to repeat.

Endpoints (https://developers.notion.com/reference/post-page, /reference/patch-page):

    POST  /v1/pages              {"parent": {"type": "data_source_id", "data_source_id": …}, "properties": …}
    PATCH /v1/pages/{id}         {"properties": …}   only the properties sent change
    GET   /v1/data_sources/{id}  the schema, for ``property_types``

Retries. Notion has no idempotency keys. A PATCH sets properties to given values, so sending it
twice gives the same page: it is retried like a read (including 409 ``conflict_error``, which
Notion returns when two writes to one page collide). A POST that timed out may still have created
the page, so it is sent exactly once. Callers that must not create twice (the outbox) pass
``idempotency_key``: it is written into a rich_text property (``Hub Key`` by default) and looked up
with ``find_by_property`` before any create, so a resumed create finds the page of the first try.
Notion's query index can lag a write by a few seconds; the outbox should wait that long before
resuming a create whose outcome it does not know.

Bodies are serialised by ``encode.dumps`` so ``Decimal`` numbers go out digit for digit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from connectors.base import SourceRecord
from connectors.notion.encode import dumps, text
from connectors.notion.models import NotionPage, parse_vendor
from hub.errors import UpstreamBadResponse
from hub.http import SourceClient

__all__ = ["HUB_KEY_PROPERTY", "PageWrites"]

log = logging.getLogger("connectors.notion")

SOURCE = "notion"
HUB_KEY_PROPERTY = "Hub Key"
_JSON = {"Content-Type": "application/json"}


class PageWrites:
    """Mixed into ``NotionConnector``; relies on its ``_client``, ``_record`` and ``list_records``."""

    _client: SourceClient
    key_property: str = HUB_KEY_PROPERTY

    if TYPE_CHECKING:
        async def _record(self, collection: str, raw: Any, *, endpoint: str) -> SourceRecord: ...

        def list_records(self, collection: str, *, since: datetime | None = None,
                         filter: dict[str, Any] | None = None) -> AsyncIterator[SourceRecord]: ...

    async def create_page(self, data_source_id: str, properties: Mapping[str, Any], *,
                          idempotency_key: str | None = None) -> SourceRecord:
        """Create a page in ``data_source_id`` with already encoded ``properties`` (see
        ``encode_properties``) and return it as a record.

        With ``idempotency_key`` the page found by ``find_by_property(key_property, key)`` is
        returned instead when there is one; otherwise the key is written with the new page.
        Never retried: a failure after sending may or may not have created the page.
        """
        body_properties = dict(properties)
        if idempotency_key is not None:
            existing = await self.find_by_property(data_source_id, self.key_property, idempotency_key)
            if existing is not None:
                log.info("notion create skipped: page %s already carries its key", existing.external_id)
                return existing
            body_properties[self.key_property] = {"rich_text": text(idempotency_key)}
        body = {"parent": {"type": "data_source_id", "data_source_id": data_source_id},
                "properties": body_properties}
        raw = await self._client.json("POST", "/v1/pages", endpoint="page.create", content=dumps(body),
                                      headers=_JSON, idempotent=False)
        return await self._record(data_source_id, raw, endpoint="page.create")

    async def update_page(self, page_id: str, properties: Mapping[str, Any]) -> SourceRecord:
        """Set ``properties`` (already encoded) on page ``page_id``; the others are left as they are.

        Retried on 409/5xx/429: the same PATCH twice leaves the page as once.
        """
        endpoint = "page.update"
        raw = await self._client.json(
            "PATCH", f"/v1/pages/{quote(page_id, safe='')}", endpoint=endpoint,
            content=dumps({"properties": dict(properties)}), headers=_JSON, idempotent=True)
        page = parse_vendor(NotionPage, raw, source=SOURCE, endpoint=endpoint, what="page")
        return await self._record(page.data_source_id or "", raw, endpoint=endpoint)

    async def find_by_property(self, data_source_id: str, name: str,
                               value: str) -> SourceRecord | None:
        """The page of ``data_source_id`` whose rich_text property ``name`` equals ``value``
        (the first created, should there be several), or ``None``.

        This is how a create is de-duplicated: search for its key before creating again.
        """
        condition = {"property": name, "rich_text": {"equals": value}}
        found: SourceRecord | None = None
        async for record in self.list_records(data_source_id, filter=condition):
            if found is None or _created(record) < _created(found):
                found = record
        return found

    async def property_types(self, data_source_id: str) -> dict[str, str]:
        """``{property name: type}`` of a data source: the ``schema_types`` of ``encode_properties``."""
        endpoint = "data_source.retrieve"
        body = await self._client.json("GET", f"/v1/data_sources/{quote(data_source_id, safe='')}",
                                       endpoint=endpoint)
        try:
            return {name: prop["type"] for name, prop in body["properties"].items()}
        except (KeyError, TypeError, AttributeError):
            raise UpstreamBadResponse(
                SOURCE, f"{endpoint} answered with a body that is not a Notion data source") from None

    async def property_options(self, data_source_id: str) -> dict[str, list[str]]:
        """``{property name: option names}`` of the ``select``, ``multi_select`` and ``status``
        properties of a data source, in schema order (what a write may set them to)."""
        endpoint = "data_source.retrieve"
        body = await self._client.json("GET", f"/v1/data_sources/{quote(data_source_id, safe='')}",
                                       endpoint=endpoint)
        try:
            return {name: [option["name"] for option in prop[prop["type"]].get("options", [])]
                    for name, prop in body["properties"].items()
                    if prop["type"] in ("select", "multi_select", "status")}
        except (KeyError, TypeError, AttributeError):
            raise UpstreamBadResponse(
                SOURCE, f"{endpoint} answered with a body that is not a Notion data source") from None


def _created(record: SourceRecord) -> Any:
    return (record.extra.get("created_time"), record.external_id)
