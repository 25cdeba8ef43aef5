"""Small builders for hand-made snapshots: the workshop calendar, items, BOMs, loads.

Times are written as London wall-clock strings in winter (GMT = UTC), so "2026-11-02 09:00" is both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal

from connectors.inventory import (
    Bom,
    BomLine,
    Calendar,
    Demand,
    Holiday,
    InventorySnapshot,
    Item,
    Load,
    Operation,
    StockLevel,
    Supply,
    WorkCenter,
    WorkingHours,
)

D = Decimal


def at(text: str) -> datetime:
    """``at("2026-11-02 09:00")`` → that instant in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day(text: str) -> date:
    return date.fromisoformat(text)


def workshop(*holidays: tuple[str, str], tz: str = "Europe/London", cal_id: str = "workshop") -> Calendar:
    """Mon-Fri 08:00-12:00 and 13:00-17:00 with ``(date, name)`` holidays."""
    hours = tuple(WorkingHours(d, time(s), time(e)) for d in range(5) for s, e in ((8, 12), (13, 17)))
    hols = tuple(Holiday(day(d), day(d), name) for d, name in holidays)
    return Calendar(cal_id, "Workshop 40h", tz, hours, hols)


def item(
    sku: str,
    name: str,
    *,
    unit: str = "pc",
    kind: str = "component",
    make: bool = False,
    lead: int | str = 7,
    safety: int | str = 0,
) -> Item:
    return Item(sku, name, unit, kind, "make" if make else "buy", D(lead), D(safety))  # type: ignore[arg-type]


def stock(sku: str, on_hand: int | str, reserved: int | str = 0) -> StockLevel:
    return StockLevel(sku, "WH/Stock", D(on_hand), D(reserved))


def po(sku: str, qty: int | str, when: str, ref: str, *, confirmed: bool = True) -> Supply:
    return Supply(sku, D(qty), at(when), "purchase_order", ref, confirmed)


def so(sku: str, qty: int | str, when: str, ref: str) -> Demand:
    return Demand(sku, D(qty), at(when), "sales_order", ref)


def bom(
    sku: str,
    lines: Iterable[tuple[str, int | str] | tuple[str, int | str, int | str]],
    ops: Iterable[tuple[str, str, int | str, int | str]] = (),
    output: int | str = 1,
) -> Bom:
    """``bom("X", [("FAB", 2), ("TRM", 1, 10)], [("Sewing", "SEW", setup, run_per_unit)])``."""
    bl = tuple(BomLine(c[0], D(c[1]), D(c[2]) if len(c) > 2 else D(0)) for c in lines)  # type: ignore[misc]
    operations = tuple(Operation(10 * (i + 1), n, wc, D(s), D(r)) for i, (n, wc, s, r) in enumerate(ops))
    return Bom(sku, D(output), bl, operations)


def wc(
    code: str, name: str, capacity: int = 1, efficiency: str = "1", cal_id: str = "workshop"
) -> WorkCenter:
    return WorkCenter(code, name, cal_id, capacity, D(efficiency))


def load(code: str, start: str, end: str, ref: str) -> Load:
    return Load(code, at(start), at(end), ref)


def snapshot(
    *,
    items: Iterable[Item],
    stock: Iterable[StockLevel] = (),
    supplies: Iterable[Supply] = (),
    demands: Iterable[Demand] = (),
    boms: Iterable[Bom] = (),
    work_centers: Iterable[WorkCenter] = (),
    calendars: Iterable[Calendar] = (),
    loads: Iterable[Load] = (),
    source_times: dict[str, datetime] | None = None,
) -> InventorySnapshot:
    cals = list(calendars) or [workshop()]
    return InventorySnapshot(
        items={i.sku: i for i in items},
        stock=tuple(stock),
        supplies=tuple(supplies),
        demands=tuple(demands),
        boms={b.sku: b for b in boms},
        work_centers={w.code: w for w in work_centers},
        calendars={c.id: c for c in cals},
        loads=tuple(loads),
        source_times=source_times or {},
    )
