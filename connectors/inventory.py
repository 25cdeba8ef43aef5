"""The canonical inventory and manufacturing model every inventory connector fills.

One ``InventorySnapshot`` is everything the delivery-promise engine needs: items, stock per location,
dated supply and demand, multi-level bills of materials with routings, work centres with calendars, and
the load already on them. Every record keeps where it came from (``ref``: source and source reference).

Units: quantities are ``Decimal`` in the item's unit (metres of fabric, pieces); durations are minutes
(``Decimal``); datetimes are timezone-aware UTC; calendars carry their own IANA time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "Bom",
    "BomLine",
    "Calendar",
    "Demand",
    "Holiday",
    "InventorySnapshot",
    "InventorySource",
    "Item",
    "Load",
    "Operation",
    "Ref",
    "StockLevel",
    "Supply",
    "WorkCenter",
    "WorkingHours",
]


@dataclass(frozen=True)
class Ref:
    """Provenance of one canonical record: ``Ref("odoo", "product.product/42")``."""

    source: str
    reference: str


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    unit: str  # "m", "pc", ...
    kind: Literal["finished", "component"]
    make_or_buy: Literal["make", "buy"]
    # Buy items: supplier lead time. Make items: the planner's default when no routing is known.
    lead_time_days: Decimal
    safety_stock: Decimal = Decimal(0)
    ref: Ref | None = None


@dataclass(frozen=True)
class StockLevel:
    sku: str
    location: str
    on_hand: Decimal
    reserved: Decimal = Decimal(0)  # already allocated to existing orders (not available)
    ref: Ref | None = None


@dataclass(frozen=True)
class Supply:
    """Stock that will arrive: an open purchase order line or a manufacturing order's output."""

    sku: str
    quantity: Decimal
    expected_at: datetime
    kind: Literal["purchase_order", "manufacturing_order"]
    reference: str  # "PO00042", "WH/MO/00017"
    confirmed: bool = True  # a vendor-confirmed date, or only planned
    ref: Ref | None = None


@dataclass(frozen=True)
class Demand:
    """Stock already promised: an open sales order line or a component a manufacturing order needs."""

    sku: str
    quantity: Decimal
    needed_at: datetime
    kind: Literal["sales_order", "manufacturing_order"]
    reference: str
    ref: Ref | None = None


@dataclass(frozen=True)
class BomLine:
    component_sku: str
    quantity: Decimal  # per ``Bom.output_quantity`` units of the parent
    scrap_percent: Decimal = Decimal(0)  # extra consumed: 5 means 5 % more


@dataclass(frozen=True)
class Operation:
    sequence: int
    name: str  # "Cutting", "Sewing", "Finishing"
    work_center: str  # WorkCenter.code
    setup_minutes: Decimal
    run_minutes_per_unit: Decimal


@dataclass(frozen=True)
class Bom:
    """How to make ``sku``: components (multi-level through their own BOMs) and the routing."""

    sku: str
    output_quantity: Decimal
    lines: tuple[BomLine, ...]
    operations: tuple[Operation, ...] = ()
    ref: Ref | None = None


@dataclass(frozen=True)
class WorkingHours:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class Holiday:
    start: date
    end: date  # inclusive
    name: str


@dataclass(frozen=True)
class Calendar:
    id: str
    name: str
    timezone: str  # IANA, e.g. "Europe/London"
    hours: tuple[WorkingHours, ...]
    holidays: tuple[Holiday, ...] = ()
    ref: Ref | None = None


@dataclass(frozen=True)
class WorkCenter:
    code: str
    name: str
    calendar_id: str
    capacity: int = 1  # jobs that can run in parallel (sewing machines with operators)
    efficiency: Decimal = Decimal(1)  # 0.8 → an hour of work takes 75 minutes
    ref: Ref | None = None


@dataclass(frozen=True)
class Load:
    """Time already booked on a work centre by existing work orders."""

    work_center: str
    start: datetime
    end: datetime
    reference: str
    ref: Ref | None = None


@dataclass(frozen=True)
class InventorySnapshot:
    items: Mapping[str, Item]
    stock: tuple[StockLevel, ...] = ()
    supplies: tuple[Supply, ...] = ()
    demands: tuple[Demand, ...] = ()
    boms: Mapping[str, Bom] = field(default_factory=dict)
    work_centers: Mapping[str, WorkCenter] = field(default_factory=dict)
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    loads: tuple[Load, ...] = ()
    fetched_at: datetime | None = None
    # source -> when its data was read; the engine lowers confidence for stale sources
    source_times: Mapping[str, datetime] = field(default_factory=dict)


@runtime_checkable
class InventorySource(Protocol):
    """A system that knows stock, supply, demand, BOMs and capacity (Odoo, a SQL database...)."""

    name: str

    async def snapshot(self) -> InventorySnapshot:
        """Everything at once, consistent as of one read."""
        ...
