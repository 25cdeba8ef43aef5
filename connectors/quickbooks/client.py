"""The QuickBooks Online connector: customers (and other entities) through the query endpoint.

Every read is ``GET /v3/company/{realmId}/query?query=…&minorversion=N`` with ``Accept:
application/json``; paging is ``STARTPOSITION``/``MAXRESULTS`` inside the statement
(``hub.http.OffsetPaginator``). Auth, rate budget (10/s and 500/min per realm), retries and the
token refresh are the ``SourceClient``'s business.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from connectors.base import PingResult, SourceRecord
from connectors.quickbooks import query as q
from connectors.quickbooks.errors import fault_error, quickbooks_vendor_errors
from connectors.quickbooks.models import CompanyInfo, Entity, Fault, QueryResponse
from hub.errors import ConfigError, UpstreamBadResponse, UpstreamError
from hub.http import OffsetPaginator, PageRequest, SourceClient

__all__ = ["QuickBooksConnector"]

# Name-list entities hide inactive rows unless asked; the mirror wants them (as archived), and paging
# over a set that a deactivation cannot shrink does not skip records.
_NAME_LISTS = frozenset({"Account", "Class", "Customer", "Department", "Employee", "Item",
                         "PaymentMethod", "Term", "Vendor"})
# Where a person opens a record in the QBO web app.
_APP_PAGES = {"Customer": "customerdetail?nameId=", "Vendor": "vendordetail?nameId=",
              "Invoice": "invoice?txnId=", "Estimate": "estimate?txnId=", "Payment": "recvpayment?txnId="}
_FROM = re.compile(r"\bFROM\s+([A-Za-z][A-Za-z0-9]*)\b", re.IGNORECASE)
_PAGING = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)


class QuickBooksConnector:
    """Reads QBO entities as ``SourceRecord``s (``collection`` is the entity name, e.g. ``Customer``).

    >>> qbo = QuickBooksConnector(client, realm_id="9341455130166501")
    >>> [r async for r in qbo.list_records("Customer", since=yesterday)]
    """

    name = "quickbooks"

    def __init__(self, client: SourceClient, *, realm_id: str, minor_version: int = 75,
                 app_base_url: str = "https://app.sandbox.qbo.intuit.com", page_size: int = q.MAX_RESULTS,
                 ids_per_request: int = 100) -> None:
        if not realm_id.isdigit():  # it goes into the path
            raise ConfigError(f"quickbooks realm id must be digits, got {realm_id!r}")
        if not 1 <= page_size <= q.MAX_RESULTS or not 1 <= ids_per_request <= q.MAX_RESULTS:
            raise ConfigError(f"quickbooks page sizes must be 1..{q.MAX_RESULTS}")
        self._client = client
        self.realm_id = realm_id
        self.minor_version = minor_version
        self.app_base_url = app_base_url.rstrip("/")
        self.page_size = page_size
        self.ids_per_request = ids_per_request

    @staticmethod
    def client_options() -> dict[str, Any]:
        """Keyword arguments for ``Upstreams.client`` when building the QBO ``SourceClient``."""
        return {"headers": {"Accept": "application/json"}, "vendor_errors": quickbooks_vendor_errors}

    # -- paths -------------------------------------------------------------------------------------

    @property
    def _query_path(self) -> str:
        return f"/v3/company/{self.realm_id}/query"

    def _params(self, statement: str) -> dict[str, Any]:
        return {"query": statement, "minorversion": self.minor_version}

    # -- reading -----------------------------------------------------------------------------------

    def _statement(self, entity: str, conditions: Sequence[str] = ()) -> str:
        base = [q.where("Active", "IN", [True, False])] if entity in _NAME_LISTS else []
        # ORDERBY Id keeps positions stable while we page (updates do not move a record).
        return q.select(entity, [*base, *conditions], order_by="Id")

    def _entities(self, body: Any, entity: str, endpoint: str) -> list[dict[str, Any]]:
        fault = Fault.from_body(body)
        if fault is not None:
            raise fault_error(self._client.source, endpoint, fault)
        if not isinstance(body, dict) or not isinstance(body.get("QueryResponse"), dict):
            raise UpstreamBadResponse(self._client.source, f"{endpoint} answer has no QueryResponse")
        try:
            return QueryResponse.model_validate(body["QueryResponse"]).entities(entity)
        except (ValueError, ValidationError) as exc:
            raise UpstreamBadResponse(self._client.source, f"{endpoint} answer: {_first_line(exc)}") from None

    async def _pages(self, entity: str, statement: str) -> AsyncIterator[list[dict[str, Any]]]:
        endpoint = f"{entity.lower()}.query"

        def render(request: PageRequest, start: int, size: int) -> PageRequest:
            return replace(request, params={**request.params, "query": q.page(statement, start, size)})

        async for batch in self._client.paginate(
                "GET", self._query_path, endpoint=endpoint, params={"minorversion": self.minor_version},
                paginator=OffsetPaginator(render=render, page_size=self.page_size),
                items=lambda body: self._entities(body, entity, endpoint)):
            yield batch

    async def list_records(self, collection: str, *, since: datetime | None = None
                           ) -> AsyncIterator[SourceRecord]:
        """Every ``collection`` entity (inactive ones too, as ``archived``), or those updated at or after
        ``since`` (``MetaData.LastUpdatedTime``)."""
        conditions = [q.where("MetaData.LastUpdatedTime", ">=", since)] if since is not None else []
        async for batch in self._pages(collection, self._statement(collection, conditions)):
            fetched_at = datetime.now(UTC)
            for raw in batch:
                yield self._record(collection, raw, fetched_at)

    async def get_records(self, collection: str, ids: Sequence[str]) -> list[SourceRecord]:
        """The entities with these Ids, ``Id IN (...)`` in one request per ``ids_per_request`` ids.

        Ids that do not exist are simply absent; the rest come back in the order asked.
        """
        chunks = q.chunk_ids(ids, self.ids_per_request)
        endpoint = f"{collection.lower()}.query"

        async def fetch(chunk: list[str]) -> list[dict[str, Any]]:
            statement = q.page(self._statement(collection, [q.id_in(chunk)]), 1, len(chunk))
            body = await self._client.json("GET", self._query_path, endpoint=endpoint,
                                           params=self._params(statement))
            return self._entities(body, collection, endpoint)

        results = await asyncio.gather(*(fetch(chunk) for chunk in chunks))
        fetched_at = datetime.now(UTC)
        by_id = {}
        for raw in (raw for batch in results for raw in batch):
            record = self._record(collection, raw, fetched_at)
            by_id[record.external_id] = record
        return [by_id[i] for chunk in chunks for i in chunk if i in by_id]

    async def query(self, statement: str) -> list[dict[str, Any]]:
        """Run a ``SELECT * FROM <Entity> …`` statement (built with ``connectors.quickbooks.query``)
        over as many pages as it takes; leave ``STARTPOSITION``/``MAXRESULTS`` out."""
        match = _FROM.search(statement)
        if match is None or _PAGING.search(statement):
            raise ValueError("query() needs 'SELECT * FROM <Entity> ...' without STARTPOSITION/MAXRESULTS")
        return [raw async for batch in self._pages(match.group(1), statement) for raw in batch]

    async def ping(self) -> PingResult:
        """``GET /v3/company/{realmId}/companyinfo/{realmId}``: proves the token and the realm."""
        endpoint = "companyinfo.read"
        try:
            body = await self._client.json(
                "GET", f"/v3/company/{self.realm_id}/companyinfo/{self.realm_id}", endpoint=endpoint,
                params={"minorversion": self.minor_version})
            fault = Fault.from_body(body)
            if fault is not None:
                raise fault_error(self._client.source, endpoint, fault)
            info = CompanyInfo.model_validate(body["CompanyInfo"])
        except UpstreamError as exc:
            return PingResult(self.name, ok=False, detail=f"{exc.code}: {exc}")
        except (KeyError, TypeError, ValidationError):
            return PingResult(self.name, ok=False, detail=f"{endpoint} answer has no usable CompanyInfo")
        return PingResult(self.name, ok=True, detail=f"company {info.CompanyName!r} (realm {self.realm_id})")

    # -- records -----------------------------------------------------------------------------------

    def _record(self, entity: str, raw: dict[str, Any], fetched_at: datetime) -> SourceRecord:
        try:
            parsed = Entity.model_validate(raw)
        except ValidationError as exc:
            raise UpstreamBadResponse(
                self._client.source, f"{entity} record has an unexpected shape: {_first_line(exc)}") from None
        page = _APP_PAGES.get(entity)
        return SourceRecord(
            source=self.name, collection=entity, external_id=parsed.Id, data=raw, fetched_at=fetched_at,
            updated_at=parsed.MetaData.LastUpdatedTime if parsed.MetaData else None,
            url=f"{self.app_base_url}/app/{page}{parsed.Id}" if page else None,
            archived=raw.get("Active") is False)


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        # Locations and reasons only: pydantic would otherwise quote the (customer) input values.
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc).splitlines()[0]
