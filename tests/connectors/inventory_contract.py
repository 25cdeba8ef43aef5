"""One contract every ``InventorySource`` keeps, run against each inventory connector.

Subclass ``InventorySourceContract`` in a connector's test module (the class name must start with
``Test``) and provide a fixture ``inventory_source``: an ``InventorySource`` wired to mocked upstream
data that holds at least one item, one BOM with an operation, one work centre and one calendar::

    class TestOdooInventoryContract(InventorySourceContract):
        @pytest.fixture
        async def inventory_source(self): ...

The checks: ``snapshot()`` returns a self-consistent ``InventorySnapshot`` — every reference between
records resolves (BOM components and parents, operation work centres, work-centre calendars,
stock/supply/demand items, loads), datetimes are timezone-aware, quantities are ``Decimal``,
calendars name a real IANA zone, and every record carries a ``Ref`` from this source.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.inventory import InventorySnapshot, InventorySource

__all__ = ["InventorySourceContract", "check_snapshot"]


def _aware(moment: Any) -> bool:
    return isinstance(moment, datetime) and moment.tzinfo is not None and moment.utcoffset() is not None


def check_snapshot(snapshot: InventorySnapshot, source: str) -> None:
    """Assert the consistency rules on one snapshot (usable outside the contract class too)."""
    assert isinstance(snapshot, InventorySnapshot)
    items = snapshot.items
    for sku, item in items.items():
        assert item.sku == sku and sku, f"items key {sku!r} differs from Item.sku {item.sku!r}"
        assert item.kind in {"finished", "component"} and item.make_or_buy in {"make", "buy"}
        assert isinstance(item.lead_time_days, Decimal) and item.lead_time_days >= 0
        assert isinstance(item.safety_stock, Decimal)
    for level in snapshot.stock:
        assert level.sku in items, f"stock of unknown item {level.sku!r}"
        assert isinstance(level.on_hand, Decimal) and isinstance(level.reserved, Decimal)
    for supply in snapshot.supplies:
        assert supply.sku in items, f"supply {supply.reference} of unknown item {supply.sku!r}"
        assert isinstance(supply.quantity, Decimal) and supply.quantity > 0
        assert _aware(supply.expected_at), f"supply {supply.reference} expected_at is naive"
    for demand in snapshot.demands:
        assert demand.sku in items, f"demand {demand.reference} of unknown item {demand.sku!r}"
        assert isinstance(demand.quantity, Decimal) and demand.quantity > 0
        assert _aware(demand.needed_at), f"demand {demand.reference} needed_at is naive"
    for sku, bom in snapshot.boms.items():
        assert bom.sku == sku and sku in items, f"BOM for unknown item {sku!r}"
        assert isinstance(bom.output_quantity, Decimal) and bom.output_quantity > 0
        for line in bom.lines:
            assert line.component_sku in items, f"BOM {sku} uses unknown component {line.component_sku!r}"
            assert isinstance(line.quantity, Decimal) and isinstance(line.scrap_percent, Decimal)
        for op in bom.operations:
            assert op.work_center in snapshot.work_centers, f"BOM {sku} runs on unknown {op.work_center!r}"
            assert isinstance(op.setup_minutes, Decimal) and isinstance(op.run_minutes_per_unit, Decimal)
            assert op.setup_minutes >= 0 and op.run_minutes_per_unit >= 0
    for code, center in snapshot.work_centers.items():
        assert center.code == code
        assert center.calendar_id in snapshot.calendars, f"{code} on unknown calendar {center.calendar_id!r}"
        assert isinstance(center.capacity, int) and center.capacity >= 1
        assert isinstance(center.efficiency, Decimal) and center.efficiency > 0
    for cal_id, calendar in snapshot.calendars.items():
        assert calendar.id == cal_id
        ZoneInfo(calendar.timezone)  # raises for a zone that does not exist
        for hours in calendar.hours:
            assert 0 <= hours.weekday <= 6 and hours.start < hours.end
        for holiday in calendar.holidays:
            assert holiday.start <= holiday.end
    for load in snapshot.loads:
        assert load.work_center in snapshot.work_centers, f"load {load.reference} on unknown work centre"
        assert _aware(load.start) and _aware(load.end) and load.start < load.end
    records = [*items.values(), *snapshot.stock, *snapshot.supplies, *snapshot.demands,
               *snapshot.boms.values(), *snapshot.work_centers.values(), *snapshot.calendars.values(),
               *snapshot.loads]
    for record in records:
        assert record.ref is not None and record.ref.source == source and record.ref.reference, \
            f"{type(record).__name__} without provenance: {record!r}"
    assert snapshot.fetched_at is None or _aware(snapshot.fetched_at)
    assert all(_aware(moment) for moment in snapshot.source_times.values())


class InventorySourceContract:
    @pytest.fixture
    def inventory_source(self) -> InventorySource:
        raise NotImplementedError("provide an `inventory_source` fixture")

    def test_is_an_inventory_source(self, inventory_source: InventorySource) -> None:
        assert isinstance(inventory_source, InventorySource)
        assert isinstance(inventory_source.name, str) and inventory_source.name

    async def test_snapshot_is_consistent(self, inventory_source: InventorySource) -> None:
        snapshot = await inventory_source.snapshot()
        check_snapshot(snapshot, inventory_source.name)

    async def test_snapshot_is_not_empty(self, inventory_source: InventorySource) -> None:
        snapshot = await inventory_source.snapshot()
        assert snapshot.items, "the mock should hold items"
        assert any(bom.operations for bom in snapshot.boms.values()), "the mock should hold a routed BOM"
        assert snapshot.work_centers and snapshot.calendars
        assert snapshot.source_times.get(inventory_source.name) is not None
