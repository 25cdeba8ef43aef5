"""The Odoo connector: reads stock, supply, demand, BOMs, routings and capacity into an ``InventorySnapshot``.

Build its client with::

    client = upstreams.client("odoo", "https://shop.odoo.com", limits=[Limit(5, 1.0)],
                              **OdooConnector.client_options(api_key, database="shop"))
    odoo = OdooConnector(client, database="shop", api_key=api_key, login="planner@shop.example")

``protocol="auto"`` tries JSON-2 (Odoo 19.0+) first and, when the server answers 404/405 there (an
older server), uses JSON-RPC ``execute_kw`` instead, for good. Field names are discovered per model
with ``fields_get`` (``connectors.odoo.fields``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pydantic import SecretStr, ValidationError

from connectors.base import PingResult
from connectors.inventory import InventorySnapshot
from connectors.odoo import models as m
from connectors.odoo.client import (
    Json2Transport,
    JsonRpcTransport,
    OdooBearerAuth,
    OdooTransport,
    odoo_vendor_errors,
)
from connectors.odoo.fields import SPECS, FieldMap, resolve
from connectors.odoo.mapping import DEFAULT_LEAD_TIME_DAYS, OdooData, to_snapshot
from hub.errors import ConfigError, HubError, UpstreamBadResponse, UpstreamError, UpstreamNotFound
from hub.http import SourceClient

__all__ = ["OdooConnector"]

R = TypeVar("R", bound=m.OdooRecord)
Domain = list[Any]
_FIELD_ATTRIBUTES = ["type", "string", "relation"]
_PROBE_MODEL = "product.product"  # exists on every server this connector can read
_OPEN_MOVES = ["waiting", "confirmed", "partially_available", "assigned"]
_OPEN_PO_LINES = ["draft", "sent", "to approve", "purchase"]
_OPEN_MOS = ["confirmed", "progress", "to_close"]


def odoo_datetime(moment: datetime) -> str:
    """Odoo's wire format for a datetime: naive UTC ``YYYY-MM-DD HH:MM:SS``."""
    if moment.tzinfo is None:
        raise ValueError("odoo_datetime needs a timezone-aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class OdooConnector:
    """Implements ``connectors.inventory.InventorySource`` over Odoo's external API.

    >>> snapshot = await OdooConnector(client, database="shop", api_key=key).snapshot()
    >>> snapshot.items["FIN-TAILCOAT"].make_or_buy
    'make'
    """

    name = "odoo"

    def __init__(
        self,
        client: SourceClient,
        *,
        database: str,
        api_key: SecretStr,
        login: str | None = None,
        protocol: Literal["auto", "json2", "jsonrpc"] = "auto",
        page_size: int = 200,
        company_timezone: str | None = None,
        default_lead_time_days: Decimal = DEFAULT_LEAD_TIME_DAYS,
    ) -> None:
        if protocol not in {"auto", "json2", "jsonrpc"}:
            raise ConfigError(f"odoo protocol must be auto, json2 or jsonrpc, got {protocol!r}")
        if not 1 <= page_size <= 10_000:
            raise ConfigError("odoo page_size must be 1..10000")
        self._client = client
        self.database = database
        self.protocol = protocol
        self.page_size = page_size
        self.company_timezone = company_timezone
        self.default_lead_time_days = default_lead_time_days
        self._json2 = Json2Transport(client)
        self._jsonrpc = JsonRpcTransport(client, database=database, login=login, api_key=api_key)
        self._active: OdooTransport | None = (
            self._json2 if protocol == "json2" else self._jsonrpc if protocol == "jsonrpc" else None
        )
        self._lock = asyncio.Lock()
        self._fields: dict[str, dict[str, Any] | None] = {}

    def __repr__(self) -> str:
        return f"OdooConnector(database={self.database!r}, protocol={self.protocol!r})"

    @staticmethod
    def client_options(api_key: SecretStr | None = None, *, database: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``Upstreams.client``: JSON headers, bearer auth for JSON-2, error parser.

        The database goes in ``X-Odoo-Database`` (needed where one server hosts several databases).
        """
        headers = {"Accept": "application/json", "User-Agent": "sales-hub-odoo-connector"}
        if database:
            headers["X-Odoo-Database"] = database
        options: dict[str, Any] = {"headers": headers, "vendor_errors": odoo_vendor_errors}
        if api_key is not None:
            options["auth"] = OdooBearerAuth(api_key)
        return options

    @property
    def transport(self) -> Literal["json2", "jsonrpc"] | None:
        """The API in use once known (``None`` before the first call in ``auto`` mode)."""
        return self._active.kind if self._active else None

    async def _transport(self) -> OdooTransport:
        if self._active is not None:
            return self._active
        async with self._lock:  # one probe, however many reads start at once
            if self._active is None:
                try:
                    self._fields[_PROBE_MODEL] = await self._json2.call(
                        _PROBE_MODEL, "fields_get", {"attributes": _FIELD_ATTRIBUTES}
                    )
                    self._active = self._json2
                except UpstreamError as exc:
                    if exc.status not in {404, 405}:
                        raise
                    self._active = self._jsonrpc  # no /json/2 before Odoo 19.0
            return self._active

    async def version(self) -> str:
        """The server's version string (``"19.0"``, ``"17.0+e"``...)."""
        return await (await self._transport()).version()

    async def fields(self, model: str) -> dict[str, Any] | None:
        """``fields_get`` of ``model`` (cached); ``None`` when the model's app is not installed."""
        transport = await self._transport()
        if model not in self._fields:
            try:
                answer = await transport.call(model, "fields_get", {"attributes": _FIELD_ATTRIBUTES})
            except UpstreamNotFound:
                spec = SPECS.get(model)
                if spec is None or not spec.optional_model:
                    raise
                answer = None
            if answer is not None and not isinstance(answer, dict):
                raise UpstreamBadResponse(self.name, f"{model}.fields_get did not answer with an object")
            self._fields[model] = answer
        return self._fields[model]

    async def search_read(
        self, model: str, domain: list[Any], fields: list[str], *, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Every record of ``model`` matching ``domain`` (paged by ``offset``/``limit``, ordered by id),
        or only those written at or after ``since`` (``write_date``)."""
        if since is not None:
            domain = [*domain, ("write_date", ">=", odoo_datetime(since))]
        transport = await self._transport()
        pages = transport.search_read(
            model,
            [list(term) if isinstance(term, tuple) else term for term in domain],
            fields,
            order="id",
            page_size=self.page_size,
        )
        return [row async for batch in pages for row in batch]

    async def _read(
        self, cls: type[R], domain: Callable[[FieldMap], Domain | None] = lambda f: []
    ) -> list[R]:
        available = await self.fields(cls.model)
        if available is None:
            return []
        fmap = resolve(SPECS[cls.model], available)
        terms = domain(fmap)
        if terms is None:
            return []
        rows = await self.search_read(cls.model, terms, fmap.odoo_fields)
        return [_parse(cls, fmap.to_logical(row)) for row in rows]

    async def snapshot(self) -> InventorySnapshot:
        """Everything the promise engine needs, read concurrently and mapped to the canonical model."""
        fetched_at = datetime.now(UTC)
        await self._transport()
        recent_leaves = odoo_datetime(fetched_at - timedelta(days=1))

        def leaves_domain(f: FieldMap) -> Domain:  # company holidays that have not ended yet
            everyone = [("resource_id", "=", False)] if f.has("resource_id") else []
            return [*everyone, ("date_to", ">=", recent_leaves)]

        reads = _Reads()
        products = reads.add(self._read(m.Product, lambda f: [("type", "!=", "service")]))
        suppliers = reads.add(self._read(m.SupplierInfo))
        routes = reads.add(self._read(m.Route))
        orderpoints = reads.add(self._read(m.Orderpoint))
        quants = reads.add(self._read(m.Quant, lambda f: [("location_id.usage", "=", "internal")]))
        purchase_lines = reads.add(
            self._read(m.PurchaseLine, lambda f: [("state", "in", _OPEN_PO_LINES)] if f.has("state") else [])
        )
        purchase_orders = reads.add(
            self._read(m.PurchaseOrder, lambda f: [("state", "in", _OPEN_PO_LINES)] if f.has("state") else [])
        )
        productions = reads.add(self._read(m.Production, lambda f: [("state", "in", _OPEN_MOS)]))
        moves = reads.add(self._read(m.StockMove, _move_domain))
        boms = reads.add(self._read(m.Bom))
        bom_lines = reads.add(self._read(m.BomLine))
        operations = reads.add(self._read(m.RoutingOperation))
        workcenters = reads.add(
            self._read(m.Workcenter, lambda f: [("active", "in", [True, False])] if f.has("active") else [])
        )
        capacities = reads.add(self._read(m.WorkcenterCapacity))
        workorders = reads.add(self._read(m.Workorder, lambda f: [("state", "not in", ["done", "cancel"])]))
        calendars = reads.add(self._read(m.Calendar))
        attendances = reads.add(self._read(m.Attendance))
        leaves = reads.add(self._read(m.Leave, leaves_domain))
        await reads.wait()
        data = OdooData(
            products=products.result(),
            fetched_at=fetched_at,
            suppliers=suppliers.result(),
            routes=routes.result(),
            orderpoints=orderpoints.result(),
            quants=quants.result(),
            purchase_lines=purchase_lines.result(),
            purchase_orders=purchase_orders.result(),
            productions=productions.result(),
            moves=moves.result(),
            boms=boms.result(),
            bom_lines=bom_lines.result(),
            operations=operations.result(),
            workcenters=workcenters.result(),
            capacities=capacities.result(),
            workorders=workorders.result(),
            calendars=calendars.result(),
            attendances=attendances.result(),
            leaves=leaves.result(),
        )
        missing = sorted(_referenced_products(data) - {p.id for p in data.products})
        if missing:  # archived components and the like: still items, so nothing points into the void
            extra = await self._read(
                m.Product, lambda f: [("id", "in", missing), ("active", "in", [True, False])]
            )
            data = replace(data, products=[*data.products, *extra])
        return to_snapshot(
            data,
            default_timezone=self.company_timezone or "UTC",
            default_lead_time_days=self.default_lead_time_days,
        )

    async def ping(self) -> PingResult:
        """An authenticated ``fields_get`` plus the server version."""
        try:
            await self.fields(_PROBE_MODEL)
            version = await self.version()
        except (HubError, UpstreamError) as exc:
            return PingResult(self.name, ok=False, detail=f"{getattr(exc, 'code', 'ERROR')}: {exc}")
        return PingResult(
            self.name, ok=True, detail=f"Odoo {version}, database {self.database!r} over {self.transport}"
        )


class _Reads:
    """Reads started together; the first failure cancels the rest and is raised as itself."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[Any]] = []

    def add(self, read: Coroutine[Any, Any, list[R]]) -> asyncio.Task[list[R]]:
        task = asyncio.ensure_future(read)
        self._tasks.append(task)
        return task

    async def wait(self) -> None:
        try:
            await asyncio.gather(*self._tasks)
        except BaseException:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            raise


def _referenced_products(data: OdooData) -> set[int]:
    refs = [
        *(q.product_id for q in data.quants),
        *(o.product_id for o in data.orderpoints),
        *(p.product_id for p in data.purchase_lines if p.product_id),
        *(p.product_id for p in data.productions),
        *(v.product_id for v in data.moves),
        *(b.product_id for b in data.bom_lines),
        *(b.product_id for b in data.boms if b.product_id),
    ]
    return {ref.id for ref in refs}


def _move_domain(fmap: FieldMap) -> Domain | None:
    origins = [
        (name, "!=", False) for name in ("sale_line_id", "raw_material_production_id") if fmap.has(name)
    ]
    if not origins:
        return None  # neither sales nor manufacturing installed: no demand this connector understands
    either: Domain = ["|", *origins] if len(origins) == 2 else origins
    return [("state", "in", _OPEN_MOVES), *either]


def _parse(cls: type[R], row: dict[str, Any]) -> R:
    try:
        return cls.model_validate(row)
    except ValidationError as exc:
        # Locations and reasons only: pydantic would otherwise quote the record's values.
        where = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors()[:3])
        raise UpstreamBadResponse("odoo", f"{cls.model} record has an unexpected shape: {where}") from None
