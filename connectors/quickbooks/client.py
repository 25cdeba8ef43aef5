"""The QuickBooks Online connector: customers, items and sales documents (Estimate, Invoice, Payment).

Reads are ``GET /v3/company/{realmId}/query?query=…&minorversion=N`` with ``Accept:
application/json``; paging is ``STARTPOSITION``/``MAXRESULTS`` inside the statement
(``hub.http.OffsetPaginator``). ``by_customers`` reads one level of documents for many customers with
``CustomerRef IN (...)``; ``batch`` sends up to 30 queries/writes per ``POST …/batch``; ``cdc`` reads what
changed since a moment (``GET …/cdc``). Auth, rate budget (10/s and 500/min per realm), retries and the
token refresh are the ``SourceClient``'s business.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from connectors.base import PingResult, SourceRecord
from connectors.quickbooks import query as q
from connectors.quickbooks.batch import (
    BatchItem,
    BatchResult,
    batch_body,
    batch_request_id,
    chunk_items,
    encode_json,
)
from connectors.quickbooks.cdc import CDC_MAX_OBJECTS, cdc_rows, is_deleted
from connectors.quickbooks.errors import fault_error, quickbooks_vendor_errors
from connectors.quickbooks.models import (
    CompanyInfo,
    Entity,
    Fault,
    ModificationMetaData,
    QueryResponse,
    decimal_amounts,
)
from connectors.quickbooks.writes import QuickBooksWrites
from hub.errors import ConfigError, UpstreamBadResponse, UpstreamError
from hub.http import OffsetPaginator, PageRequest, SourceClient

__all__ = ["CUSTOMER_DOCUMENTS", "QuickBooksConnector"]

log = logging.getLogger("connectors.quickbooks")

# Name-list entities hide inactive rows unless asked; the mirror wants them (as archived), and paging
# over a set that a deactivation cannot shrink does not skip records.
_NAME_LISTS = frozenset({"Account", "Class", "Customer", "Department", "Employee", "Item",
                         "PaymentMethod", "Term", "Vendor"})
# Where a person opens a record in the QBO web app.
_APP_PAGES = {"Customer": "customerdetail?nameId=", "Vendor": "vendordetail?nameId=",
              "Invoice": "invoice?txnId=", "Estimate": "estimate?txnId=", "Payment": "recvpayment?txnId="}
# The web app has no per-item page; the products and services list is the nearest place.
_LIST_PAGES = {"Item": "items"}
# Transactions whose CustomerRef the query language filters on (entity references, "filterable").
CUSTOMER_DOCUMENTS = frozenset(
    {"CreditMemo", "Estimate", "Invoice", "Payment", "RefundReceipt", "SalesReceipt"})
_FROM = re.compile(r"\bFROM\s+([A-Za-z][A-Za-z0-9]*)\b", re.IGNORECASE)
_PAGING = re.compile(r"\b(STARTPOSITION|MAXRESULTS)\b", re.IGNORECASE)


class QuickBooksConnector(QuickBooksWrites):
    """Reads QBO entities as ``SourceRecord``s (``collection`` is the entity name, e.g. ``Customer``);
    writes them with ``create`` and ``sparse_update`` (``connectors.quickbooks.writes``).

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

    async def by_customers(self, entity: str, customer_ids: Sequence[str]) -> list[SourceRecord]:
        """Every ``entity`` document (``Estimate``, ``Invoice``, ``Payment``...) of these customers.

        ``SELECT * FROM <entity> WHERE CustomerRef IN (...)`` for each ``ids_per_request`` customers,
        each paged with ``STARTPOSITION``/``MAXRESULTS``: one request per chunk and page, however many
        customers. Records come chunk by chunk in ``Id`` order.

        >>> invoices = await qbo.by_customers("Invoice", ["1", "2", "3"])
        """
        if entity not in CUSTOMER_DOCUMENTS:
            known = ", ".join(sorted(CUSTOMER_DOCUMENTS))
            raise ValueError(f"{entity!r} is not a customer document ({known})")
        chunks = q.chunk_ids(customer_ids, self.ids_per_request)

        async def fetch(chunk: list[str]) -> list[dict[str, Any]]:
            statement = self._statement(entity, [q.where("CustomerRef", "IN", chunk)])
            return [raw async for batch in self._pages(entity, statement) for raw in batch]

        results = await asyncio.gather(*(fetch(chunk) for chunk in chunks))
        fetched_at = datetime.now(UTC)
        records: dict[str, SourceRecord] = {}
        for raw in (raw for rows in results for raw in rows):
            record = self._record(entity, raw, fetched_at)
            records.setdefault(record.external_id, record)  # a row that moved between pages counts once
        return list(records.values())

    async def batch(self, items: Sequence[BatchItem], *, request_id: str | None = None) -> list[BatchResult]:
        """Send ``items`` through ``POST /v3/company/{realmId}/batch``, 30 to a request.

        Results come back in the order of ``items``, matched by ``bId``. A failed item carries its
        Fault as ``BatchResult.error``; only a failure of a whole request raises. A request that holds
        writes goes with ``?requestid=`` derived from its items (and ``request_id``, when given), so a
        retry, ours or a resumed outbox entry's, is applied once; pure-query requests are retried freely.
        Requests with writes go one after the other (QBO applies a batch in order); queries together.
        """
        chunks = chunk_items(items)
        if any(item.is_write for item in items):
            answers = [await self._send_batch(chunk, request_id) for chunk in chunks]
        else:
            answers = list(await asyncio.gather(*(self._send_batch(chunk, request_id) for chunk in chunks)))
        return [result for chunk_results in answers for result in chunk_results]

    async def _send_batch(self, chunk: list[BatchItem], request_id: str | None) -> list[BatchResult]:
        endpoint = "batch"
        params: dict[str, Any] = {"minorversion": self.minor_version}
        key = None
        if any(item.is_write for item in chunk):
            key = params["requestid"] = batch_request_id(chunk, request_id or "")
        body = await self._client.json(
            "POST", f"/v3/company/{self.realm_id}/batch", endpoint=endpoint, params=params,
            content=encode_json(batch_body(chunk)), headers={"Content-Type": "application/json"},
            idempotent=True if key is None else None, idempotency_key=key)
        fault = Fault.from_body(body)
        if fault is not None:
            raise fault_error(self._client.source, endpoint, fault)
        answers = body.get("BatchItemResponse") if isinstance(body, dict) else None
        if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
            raise UpstreamBadResponse(self._client.source, f"{endpoint} answer has no BatchItemResponse list")
        by_bid = {str(a.get("bId")): a for a in answers}
        fetched_at = datetime.now(UTC)
        return [self._batch_result(item, by_bid.get(item.bid), fetched_at) for item in chunk]

    def _batch_result(self, item: BatchItem, answer: dict[str, Any] | None,
                      fetched_at: datetime) -> BatchResult:
        endpoint = f"batch item {item.bid}"
        entity = item.entity
        if item.query is not None:
            match = _FROM.search(item.query)
            entity = match.group(1) if match else None
        if answer is None:
            missing = UpstreamBadResponse(self._client.source, f"batch answer lacks bId {item.bid!r}")
            return BatchResult(item.bid, entity, error=missing)
        try:
            fault = Fault.from_body(answer)
            if fault is not None:
                return BatchResult(item.bid, entity, error=fault_error(self._client.source, endpoint, fault),
                                   raw=answer)
            if item.query is not None:
                rows = self._entities(answer, entity or "", endpoint) if entity else []
                records = [self._record(entity or "", raw, fetched_at) for raw in rows]
            else:
                assert entity is not None  # a write names its entity
                written = answer.get(entity)
                if not isinstance(written, dict):
                    raise UpstreamBadResponse(self._client.source, f"{endpoint} answer has no {entity}")
                records = [self._record(entity, written, fetched_at)]
        except (UpstreamError, ValidationError) as exc:
            error = exc if isinstance(exc, UpstreamError) else UpstreamBadResponse(
                self._client.source, f"{endpoint} fault: {_first_line(exc)}")
            return BatchResult(item.bid, entity, error=error, raw=answer)
        return BatchResult(item.bid, entity, records=records, raw=answer)

    async def cdc(self, entities: Sequence[str], changed_since: datetime) -> dict[str, list[SourceRecord]]:
        """What changed in ``entities`` at or after ``changed_since`` (QBO keeps 30 days): one
        ``GET /v3/company/{realmId}/cdc`` for all of them.

        Every asked entity is a key (an empty list when nothing changed). Changed records are full
        ``SourceRecord``s; a deleted one is a stub with ``archived=True`` and ``extra["deleted"] is
        True`` (``data`` is ``{"Id", "status": "Deleted", "MetaData"}``), so a mirror can drop it. QBO
        caps the answer at 1,000 objects without paging: when that many come back, a warning is
        logged and the caller should re-read with ``list_records(since=...)`` or a shorter window.
        """
        names = list(dict.fromkeys(q.identifier(e) for e in entities))
        if not names:
            raise ValueError("cdc needs at least one entity")
        if changed_since.tzinfo is None:
            raise ValueError("changed_since must be timezone-aware")
        endpoint = "cdc"
        body = await self._client.json(
            "GET", f"/v3/company/{self.realm_id}/cdc", endpoint=endpoint,
            params={"entities": ",".join(names), "minorversion": self.minor_version,
                    "changedSince": changed_since.astimezone(UTC).replace(microsecond=0).isoformat()})
        fault = Fault.from_body(body)
        if fault is not None:
            raise fault_error(self._client.source, endpoint, fault)
        try:
            rows = cdc_rows(body, names)
        except ValueError as exc:
            raise UpstreamBadResponse(self._client.source, f"{endpoint} {exc}") from None
        fetched_at = datetime.now(UTC)
        out = {name: [self._cdc_record(name, raw, fetched_at) for raw in found]
               for name, found in rows.items()}
        if (total := sum(map(len, out.values()))) >= CDC_MAX_OBJECTS:
            log.warning("quickbooks cdc answered %d objects, its cap: changes may be missing", total)
        return out

    def _cdc_record(self, entity: str, raw: dict[str, Any], fetched_at: datetime) -> SourceRecord:
        if not is_deleted(raw):
            return self._record(entity, raw, fetched_at)
        entity_id = raw.get("Id")
        if not isinstance(entity_id, str | int) or not str(entity_id):
            raise UpstreamBadResponse(self._client.source, f"deleted {entity} in cdc answer has no Id")
        try:
            meta = ModificationMetaData.model_validate(raw.get("MetaData") or {})
        except ValidationError as exc:
            raise UpstreamBadResponse(self._client.source, f"deleted {entity}: {_first_line(exc)}") from None
        return SourceRecord(source=self.name, collection=entity, external_id=str(entity_id), data=raw,
                            fetched_at=fetched_at, updated_at=meta.LastUpdatedTime, archived=True,
                            extra={"deleted": True})

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
        if is_deleted(raw):  # a batch delete's answer
            return SourceRecord(source=self.name, collection=entity, external_id=parsed.Id, data=raw,
                                fetched_at=fetched_at, archived=True, extra={"deleted": True})
        if (page := _APP_PAGES.get(entity)) is not None:
            url: str | None = f"{self.app_base_url}/app/{page}{parsed.Id}"
        else:
            url = f"{self.app_base_url}/app/{_LIST_PAGES[entity]}" if entity in _LIST_PAGES else None
        return SourceRecord(
            source=self.name, collection=entity, external_id=parsed.Id, data=decimal_amounts(raw),
            fetched_at=fetched_at, updated_at=parsed.MetaData.LastUpdatedTime if parsed.MetaData else None,
            url=url, archived=raw.get("Active") is False)


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        # Locations and reasons only: pydantic would otherwise quote the (customer) input values.
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()[:3])
    return str(exc).splitlines()[0]
