"""Hypothesis strategies: small, self-consistent costume-shop snapshots and orders for the promise engine.

A generated ``Scenario`` is a handful of items (fabrics and trims bought in, sub-assemblies and finished
pieces made through one- or two-level BOMs with scrap), 1-3 work centres (capacity 1-3, efficiency) on
1-2 Mon-Fri calendars in different time zones with random holidays, random stock, purchase/manufacturing
supply, demand, existing load, 1-4 order lines and a policy. ``now`` is fixed so every example is
reproducible; it is a Thursday afternoon so that weekends come up within the first job.

Supplies arrive at 06:00 UTC and demands fall due at 12:00 UTC: the oracles compare instants, and these
times keep "available on that day" and "available at that instant" from disagreeing about when stock
exists (06:00 UTC is before the first working hour in every generated time zone).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import strategies as st

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
from hub.promise import OrderLine, Policy

__all__ = ["NOW", "Reduction", "Scenario", "business_days_between", "reductions", "scenarios", "snapshots"]

NOW = datetime(2026, 11, 26, 14, 10, tzinfo=UTC)  # a Thursday
TIMEZONES = ("UTC", "Europe/London", "America/New_York", "Europe/Berlin")
# Mon-Fri shapes: a lunch break, a straight day, an early shift.
DAY_SHAPES = (
    ((time(8), time(12)), (time(13), time(17))),
    ((time(9), time(17, 30)),),
    ((time(7), time(15)),),
)
OPERATION_NAMES = ("Cutting", "Sewing", "Finishing")
WORK_CENTER_CODES = ("CUT", "SEW", "FIN")


@dataclass(frozen=True)
class Scenario:
    """One promise question: the snapshot, the order lines and the policy (``now`` is ``NOW``)."""

    snapshot: InventorySnapshot
    lines: tuple[OrderLine, ...]
    policy: Policy


@dataclass(frozen=True)
class Reduction:
    """The same scenario with less capacity or less stock; ``what`` says which change was made."""

    what: str
    snapshot: InventorySnapshot


def _dec(values: tuple[str, ...]) -> st.SearchStrategy[Decimal]:
    return st.sampled_from([Decimal(v) for v in values])


@st.composite
def calendars(draw: st.DrawFn, calendar_id: str) -> Calendar:
    shape = draw(st.sampled_from(DAY_SHAPES))
    hours = tuple(WorkingHours(day, start, end) for day in range(5) for start, end in shape)
    holidays = []
    for n in range(draw(st.integers(0, 3))):
        start = NOW.date() + timedelta(days=draw(st.integers(0, 30)))
        end = start + timedelta(days=draw(st.integers(0, 1)))
        holidays.append(Holiday(start, end, f"Holiday {n + 1}"))
    return Calendar(calendar_id, calendar_id, draw(st.sampled_from(TIMEZONES)), hours, tuple(holidays))


@st.composite
def _routing(draw: st.DrawFn, centres: list[str]) -> tuple[Operation, ...]:
    count = draw(st.integers(1, min(3, len(OPERATION_NAMES))))
    return tuple(
        Operation(
            sequence=10 * (i + 1),
            name=OPERATION_NAMES[i],
            work_center=draw(st.sampled_from(centres)),
            setup_minutes=Decimal(draw(st.integers(0, 45))),
            run_minutes_per_unit=Decimal(draw(st.integers(5, 90))),
        )
        for i in range(count)
    )


@st.composite
def _bom(draw: st.DrawFn, sku: str, components: list[str], centres: list[str]) -> Bom:
    chosen = draw(st.lists(st.sampled_from(components), min_size=1, max_size=3, unique=True))
    lines = tuple(
        BomLine(c, draw(_dec(("0.5", "1", "1.5", "2", "3"))), draw(_dec(("0", "0", "5", "10"))))
        for c in chosen
    )
    output = draw(_dec(("1", "1", "1", "2")))
    return Bom(sku, output, lines, draw(_routing(centres)))


def _at(day_offset: int, hour: int) -> datetime:
    return datetime.combine(NOW.date() + timedelta(days=day_offset), time(hour), tzinfo=UTC)


@st.composite
def snapshots(draw: st.DrawFn) -> InventorySnapshot:
    """A small shop: raw materials, optional sub-assemblies, finished pieces, capacity and load."""
    cal_ids = [f"CAL-{c}" for c in "AB"[: draw(st.integers(1, 2))]]
    cals = {cid: draw(calendars(cid)) for cid in cal_ids}
    centres = {
        code: WorkCenter(
            code,
            code.title(),
            draw(st.sampled_from(cal_ids)),
            capacity=draw(st.integers(1, 3)),
            efficiency=draw(_dec(("0.8", "0.9", "1", "1.25"))),
        )
        for code in WORK_CENTER_CODES[: draw(st.integers(1, 3))]
    }
    codes = list(centres)

    items: dict[str, Item] = {}
    raw = [f"FAB-{i}" for i in range(draw(st.integers(1, 3)))]
    raw += [f"TRM-{i}" for i in range(draw(st.integers(0, 2)))]
    for sku in raw:
        unit = "m" if sku.startswith("FAB") else "pc"
        items[sku] = Item(sku, sku, unit, "component", "buy", Decimal(draw(st.integers(2, 15))))
    boms: dict[str, Bom] = {}
    subs = [f"SUB-{i}" for i in range(draw(st.integers(0, 2)))]
    for sku in subs:
        items[sku] = Item(sku, sku, "pc", "component", "make", Decimal(draw(st.integers(3, 15))))
        boms[sku] = draw(_bom(sku, raw, codes))
    finished = [f"FIN-{i}" for i in range(draw(st.integers(1, 3)))]
    for sku in finished:
        items[sku] = Item(sku, sku, "pc", "finished", "make", Decimal(draw(st.integers(5, 20))))
        boms[sku] = draw(_bom(sku, raw + subs, codes))
    if draw(st.booleans()):  # a finished piece bought in or kept in stock, no BOM
        items["FIN-STOCK"] = Item("FIN-STOCK", "FIN-STOCK", "pc", "finished", "buy", Decimal(10))

    skus = sorted(items)
    stock = []
    for sku in skus:
        # Raw material is usually in stock, so that making (not lead time) is the common path.
        least = 1 if items[sku].make_or_buy == "buy" and sku in raw else 0
        for loc in ("WH/Stock", "WH/Shop")[: draw(st.integers(least, 2))]:
            on_hand = Decimal(draw(st.integers(0, 60)))
            reserved = Decimal(draw(st.integers(0, int(on_hand)))) if draw(st.booleans()) else Decimal(0)
            stock.append(StockLevel(sku, loc, on_hand, reserved))
    supplies = tuple(
        Supply(
            sku,
            Decimal(draw(st.integers(1, 30))),
            _at(draw(st.integers(-3, 20)), 6),
            "purchase_order" if items[sku].make_or_buy == "buy" else "manufacturing_order",
            f"SUP{n:05d}",
            confirmed=draw(st.booleans()),
        )
        for n, sku in enumerate(draw(st.lists(st.sampled_from(skus), max_size=4)))
    )
    demands = tuple(
        Demand(
            sku,
            Decimal(draw(st.integers(1, 20))),
            _at(draw(st.integers(-2, 20)), 12),
            draw(st.sampled_from(["sales_order", "manufacturing_order"])),
            f"DEM{n:05d}",
        )
        for n, sku in enumerate(draw(st.lists(st.sampled_from(skus), max_size=4)))
    )
    loads = []
    for n in range(draw(st.integers(0, 8))):
        start = NOW + timedelta(minutes=15 * draw(st.integers(0, 4 * 240)))
        end = start + timedelta(minutes=15 * draw(st.integers(2, 64)))
        loads.append(Load(draw(st.sampled_from(codes)), start, end, f"WO{n:05d}"))
    return InventorySnapshot(
        items=items,
        stock=tuple(stock),
        supplies=supplies,
        demands=demands,
        boms=boms,
        work_centers=centres,
        calendars=cals,
        loads=tuple(loads),
        fetched_at=NOW,
    )


@st.composite
def scenarios(draw: st.DrawFn, max_lines: int = 4) -> Scenario:
    """A snapshot, 1..``max_lines`` order lines (mostly finished pieces) and a random policy."""
    snap = draw(snapshots())
    finished = sorted(s for s, i in snap.items.items() if i.kind == "finished")
    anything = sorted(snap.items)
    sku = st.one_of(st.sampled_from(finished), st.sampled_from(finished), st.sampled_from(anything))
    lines = draw(
        st.lists(st.builds(OrderLine, sku, st.integers(1, 12).map(Decimal)), min_size=1, max_size=max_lines)
    )
    policy = Policy(
        packing_days=draw(st.integers(0, 2)),
        transit_business_days=draw(st.integers(0, 3)),
        security_days=draw(st.integers(0, 1)),
        lot_splitting=draw(st.booleans()),
    )
    return Scenario(snap, tuple(lines), policy)


@st.composite
def reductions(
    draw: st.DrawFn,
    snap: InventorySnapshot,
    skus: frozenset[str] = frozenset(),
    booked: tuple[tuple[str, datetime], ...] = (),
) -> Reduction:
    """Take something away: a unit of capacity, a new load, some stock on hand, or a supply.

    ``skus`` (taken from stock or supply by the unreduced promise) and ``booked`` (its operations' work
    centres and starts) are preferred, so that most reductions touch something the promise depends on
    (a new load lands on a booked operation); any other record can still be picked.
    """
    centres = {code for code, _ in booked}

    def pick(candidates: list[int] | list[str], focus: set[int] | set[str]) -> int | str:
        preferred = [c for c in candidates if c in focus]
        return draw(st.sampled_from(preferred if preferred and draw(st.integers(0, 3)) else candidates))

    options = ["load"]
    if any(wc.capacity > 1 for wc in snap.work_centers.values()):
        options.append("capacity")
    if any(s.on_hand > 0 for s in snap.stock):
        options.append("on_hand")
    if snap.supplies:
        options.append("supply")
    kind = draw(st.sampled_from(options))
    if kind == "capacity":
        code = str(pick(sorted(c for c, wc in snap.work_centers.items() if wc.capacity > 1), centres))
        wc = snap.work_centers[code]
        lower = draw(st.integers(1, wc.capacity - 1))
        centres_ = {**snap.work_centers, code: replace(wc, capacity=lower)}
        return Reduction(f"capacity of {code} {wc.capacity} -> {lower}", replace(snap, work_centers=centres_))
    if kind == "load":
        if booked and draw(st.integers(0, 3)):
            code, at = draw(st.sampled_from(booked))
            start = max(NOW, at - timedelta(minutes=15 * draw(st.integers(0, 16))))
        else:
            code = draw(st.sampled_from(sorted(snap.work_centers)))
            start = NOW + timedelta(minutes=15 * draw(st.integers(0, 4 * 120)))
        load = Load(code, start, start + timedelta(minutes=15 * draw(st.integers(4, 96))), "WO-EXTRA")
        return Reduction(f"new load {load}", replace(snap, loads=(*snap.loads, load)))
    if kind == "on_hand":
        stocked = [i for i, s in enumerate(snap.stock) if s.on_hand > 0]
        idx = int(pick(stocked, {i for i in stocked if snap.stock[i].sku in skus}))
        level = snap.stock[idx]
        on_hand = Decimal(draw(st.integers(0, int(level.on_hand) - 1)))
        lowered = replace(level, on_hand=on_hand, reserved=min(level.reserved, on_hand))
        stock = (*snap.stock[:idx], lowered, *snap.stock[idx + 1 :])
        return Reduction(f"on hand {level} -> {on_hand}", replace(snap, stock=stock))
    every = list(range(len(snap.supplies)))
    idx = int(pick(every, {i for i in every if snap.supplies[i].sku in skus}))
    supplies = snap.supplies[:idx] + snap.supplies[idx + 1 :]
    return Reduction(f"supply {snap.supplies[idx]} removed", replace(snap, supplies=supplies))


def business_days_between(start: date, end: date) -> int:
    """Mon-Fri days in (start, end]: how many transit days fit between ship and delivery."""
    return sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)
