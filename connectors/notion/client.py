"""The Notion connector: list and read the pages of a data source as ``SourceRecord``s.

Endpoints (Notion-Version 2025-09-03 or later, where databases hold *data sources*):

    POST /v1/data_sources/{id}/query                      every page, filtered and sorted, 100 a page
    GET  /v1/pages/{id}                                   one page
    GET  /v1/pages/{id}/properties/{property_id}          a property past the 25-reference cap
    GET  /v1/users/me                                     the integration's bot user (ping)

Writes (create, update, find by key) are in ``connectors.notion.writes``.

>>> opts = NotionConnector.client_options(SecretStr("ntn_…"), "2025-09-03")
>>> notion = NotionConnector(upstreams.client("notion", "https://api.notion.com", limits=[Limit(3)], **opts))
>>> async for record in notion.list_records(data_source_id, since=last_sync): ...
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Generator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr, ValidationError

from connectors.base import PingResult, SourceRecord
from connectors.notion.models import (
    NotionError,
    NotionPage,
    NotionUser,
    PropertyItemList,
    PropertyValue,
    parse_vendor,
)
from connectors.notion.properties import PropertyDecodeError, decode_item, decode_properties, decode_value
from connectors.notion.writes import HUB_KEY_PROPERTY, PageWrites
from hub.errors import UpstreamBadResponse, UpstreamError, UpstreamNotFound
from hub.http import BodyCursorPaginator, SourceClient, VendorError

__all__ = ["NotionConnector", "NotionTokenAuth", "notion_vendor_errors", "query_filter"]

log = logging.getLogger("connectors.notion")

SOURCE = "notion"
PAGE_SIZE = 100  # the maximum Notion accepts
REFERENCE_CAP = 25  # page objects carry at most 25 references per property
CONCURRENCY = 3  # Notion's documented average is ~3 requests/second per connection

# Notion error codes -> what the caller should do (https://developers.notion.com/reference/status-codes).
_KINDS: dict[str, str] = {
    "rate_limited": "rate_limited",
    # 529: "handle like a 429 and respect Retry-After" (https://developers.notion.com/reference/request-limits)
    "service_overload": "rate_limited",
    "unauthorized": "auth",
    "invalid_grant": "auth",  # OAuth token refused: the connection must be authorised again
    # 403: the token is valid but the page/data source is not shared with the connection or lacks a
    # capability. Re-running OAuth with the same choices will not help and neither will a retry.
    "restricted_resource": "fatal",
    "object_not_found": "not_found",
    "conflict_error": "retryable",
    "internal_server_error": "retryable",
    "service_unavailable": "retryable",
    "database_connection_unavailable": "retryable",
    "gateway_timeout": "retryable",
    "validation_error": "fatal",
    "invalid_json": "fatal",
    "invalid_request_url": "fatal",
    "invalid_request": "fatal",
    "missing_version": "fatal",
}


def notion_vendor_errors(response: httpx.Response) -> VendorError | None:
    """Read Notion's error object; ``None`` when the body is not one (a proxy's HTML page, say)."""
    try:
        error = NotionError.model_validate(response.json())
    except (ValueError, ValidationError):
        return None
    message = error.message
    reason = (error.additional_data or {}).get("rate_limit_reason")
    if reason:
        message = f"{message} (rate_limit_reason: {reason})"
    return VendorError(message=message, code=error.code, kind=_KINDS.get(error.code))


class NotionTokenAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` on every request; the token stays a ``SecretStr``."""

    def __init__(self, token: SecretStr) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        yield request

    def __repr__(self) -> str:
        return "NotionTokenAuth(token=SecretStr('**********'))"


def _id_key(value: str) -> str:
    # Notion accepts ids with or without dashes; compare them the same way.
    return value.replace("-", "").lower()


def _iso(moment: datetime) -> str:
    moment = (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def query_filter(since: datetime | None, filter: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``filter`` of a data source query: ``since`` as a ``last_edited_time`` timestamp filter,
    and-ed with the caller's filter (flattened when that is already an ``and``, since Notion allows
    only two levels of nesting).

    Notion rounds ``last_edited_time`` down to the minute, so ``on_or_after`` re-sends the records
    of the boundary minute; incremental callers must tolerate seeing a record twice.
    """
    stamp = None if since is None else {
        "timestamp": "last_edited_time", "last_edited_time": {"on_or_after": _iso(since)}}
    if stamp is None:
        return filter or None
    if not filter:
        return stamp
    if set(filter) == {"and"}:
        return {"and": [stamp, *filter["and"]]}
    return {"and": [stamp, filter]}


class NotionConnector(PageWrites):
    """Reads and writes Notion data sources; implements ``connectors.base.RecordSource``.

    ``key_property`` names the rich_text property ``create_page`` writes its idempotency key into.
    """

    name = SOURCE

    def __init__(self, client: SourceClient, *, key_property: str = HUB_KEY_PROPERTY) -> None:
        self._client = client
        self.key_property = key_property

    @staticmethod
    def client_options(token: SecretStr, version: str) -> dict[str, Any]:
        """Keyword arguments for ``Upstreams.client(...)``: bearer auth, ``Notion-Version``, error parser."""
        return {"headers": {"Notion-Version": version}, "auth": NotionTokenAuth(token),
                "vendor_errors": notion_vendor_errors}

    async def list_records(self, collection: str, *, since: datetime | None = None,
                           filter: dict[str, Any] | None = None) -> AsyncIterator[SourceRecord]:
        """Every page of data source ``collection`` (oldest edit first), or those edited since ``since``.

        ``filter`` is a Notion filter object, and-ed with the ``since`` condition.
        """
        body: dict[str, Any] = {"sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}]}
        combined = query_filter(since, filter)
        if combined is not None:
            body["filter"] = combined
        endpoint = "data_source.query"
        pages = self._client.paginate(
            "POST", f"/v1/data_sources/{quote(collection, safe='')}/query", endpoint=endpoint,
            paginator=BodyCursorPaginator(page_size=PAGE_SIZE), items=_query_results, json=body,
            idempotent=True)  # a query reads only, so it is safe to repeat
        async for batch in pages:
            for raw in batch:
                yield await self._record(collection, raw, endpoint=endpoint)

    async def get_records(self, collection: str, ids: Sequence[str]) -> list[SourceRecord]:
        """The pages with these ids (in the order asked); missing ones and pages of other data
        sources are left out. Notion has no batch read, so this is one GET per page, 3 at a time."""
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(page_id: str) -> SourceRecord | None:
            async with gate:
                try:
                    body = await self._client.json("GET", f"/v1/pages/{quote(page_id, safe='')}",
                                                   endpoint="page.retrieve")
                except UpstreamNotFound:
                    return None
                record = await self._record(collection, body, endpoint="page.retrieve")
            parent = record.extra.get("data_source_id")
            if parent is not None and _id_key(parent) != _id_key(collection):
                log.debug("page %s belongs to data source %s, not %s", page_id, parent, collection)
                return None
            return record

        found = await asyncio.gather(*(one(page_id) for page_id in dict.fromkeys(ids)))
        return [record for record in found if record is not None]

    async def ping(self) -> PingResult:
        """``GET /v1/users/me``: proves the token and the version header are accepted."""
        try:
            body = await self._client.json("GET", "/v1/users/me", endpoint="user.me")
        except UpstreamError as exc:
            return PingResult(SOURCE, False, str(exc))
        try:
            user = parse_vendor(NotionUser, body, source=SOURCE, endpoint="user.me", what="user")
        except UpstreamBadResponse as exc:
            return PingResult(SOURCE, False, str(exc))
        detail = f"authenticated as {user.name or user.type or 'user'}"
        if user.workspace_name:
            detail += f" in workspace {user.workspace_name!r}"
        return PingResult(SOURCE, True, detail)

    # -- decoding ------------------------------------------------------------------------------

    async def _record(self, collection: str, raw: Any, *, endpoint: str) -> SourceRecord:
        page = parse_vendor(NotionPage, raw, source=SOURCE, endpoint=endpoint, what="page")
        try:
            data = decode_properties(page.properties)
            data.update(await self._complete(page))
        except PropertyDecodeError as exc:
            raise UpstreamBadResponse(SOURCE, f"{endpoint}: page {page.id}: {exc}") from None
        extra: dict[str, Any] = {"created_time": page.created_time}
        if page.data_source_id:
            extra["data_source_id"] = page.data_source_id
        return SourceRecord(
            source=SOURCE, collection=collection, external_id=page.id, data=data,
            fetched_at=datetime.now(UTC), updated_at=page.last_edited_time, url=page.url,
            archived=page.trashed, extra=extra)

    async def _complete(self, page: NotionPage) -> dict[str, Any]:
        """Re-read the properties a page object cuts at 25 references.

        Relations say so with ``has_more``. People carry no flag, so a full 25 is taken as cut.
        Rollups are computed over at most 25 related pages, so when any relation was cut every
        rollup is re-read too (https://developers.notion.com/reference/retrieve-a-page-property).
        """
        completed: dict[str, Any] = {}
        truncated = False
        for name, prop in page.properties.items():
            if prop.type == "relation" and prop.has_more:
                truncated = True
                items, _ = await self._property_items(page.id, prop)
                completed[name] = [decode_item(item, name=name) for item in items]
            elif prop.type == "people" and len(prop.payload or []) >= REFERENCE_CAP:
                items, _ = await self._property_items(page.id, prop)
                completed[name] = [decode_item(item, name=name) for item in items]
        if truncated:
            for name, prop in page.properties.items():
                if prop.type == "rollup":
                    completed[name] = await self._rollup(page.id, name, prop)
        return completed

    async def _rollup(self, page_id: str, name: str, prop: PropertyValue) -> Any:
        items, meta = await self._property_items(page_id, prop)
        rollup = (meta or {}).get("rollup") or {}
        if rollup.get("type") == "array":
            # "show original": the items are the flattened values; the final metadata array is empty.
            return [decode_item(item, name=name) for item in items]
        return decode_value("rollup", rollup, name=name)  # computed: the last page holds the value

    async def _property_items(self, page_id: str, prop: PropertyValue
                              ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        endpoint = "page.property"
        last: dict[str, Any] = {}

        def items(body: Any) -> list[dict[str, Any]]:
            page = parse_vendor(PropertyItemList, body, source=SOURCE, endpoint=endpoint,
                                what="property item list")
            last["property_item"] = page.property_item
            return page.results

        # The property id is already URL-encoded by Notion ("%3CLrR"); send it as returned.
        path = f"/v1/pages/{quote(page_id, safe='')}/properties/{prop.id}"
        collected: list[dict[str, Any]] = []
        async for batch in self._client.paginate(
                "GET", path, endpoint=endpoint, items=items,
                paginator=BodyCursorPaginator(page_size=PAGE_SIZE, where="params")):
            collected.extend(batch)
        return collected, last.get("property_item")


def _query_results(body: Any) -> list[Any]:
    """The page objects of one query answer; anything but a Notion list is a bad response."""
    problem = None
    if not isinstance(body, dict):
        problem = "not a JSON object"
    elif not isinstance(body.get("results"), list):
        problem = "no 'results' list"
    elif body.get("object") != "list":
        problem = "'object' is not 'list'"
    if problem:
        raise UpstreamBadResponse(
            SOURCE, f"data_source.query answered with a body that is not a Notion list ({problem})")
    # Since 2025-09-03 a query can also return child data sources; only pages are records.
    return [item for item in body["results"] if not isinstance(item, dict) or item.get("object") == "page"]
