"""Properties of the delivery-promise engine over generated small shops (hypothesis).

Everything is checked through the public output (``OrderPromise``) against oracles written here from
the canonical model alone:

(a) supply: per SKU, what the promise consumes (each line's quantity at its ``ready_at``; each component
    at the start of its parent's first operation, scrap included) minus what its own operations produce
    (at the end of their last operation) never exceeds available-to-promise: on hand - reserved + supply
    - demand, lowest over every later instant (stock promised to a later demand is not taken). A bought
    item (or a make item without a BOM) may be replenished from ``now + lead time`` on.
(b) calendar: every operation starts and ends inside its work centre's working hours (its own time zone,
    holidays excluded), gets at least (setup +) run time / efficiency of working minutes, runs on the
    routing's work centre, follows the routing order, and never runs more jobs at once than the work
    centre has capacity, counting the existing load; ship and delivery days are business days.
(c) monotonic: less capacity or less stock never brings the delivery date earlier; a re-check against
    the reduced snapshot is flagged as slipped exactly when the date moved.
(d) determinism; (e) ``to_json``/``from_json`` round trip.
"""

from __future__ import annotations

import copy
import json
import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("hub.promise")

from connectors.inventory import (  # noqa: E402
    Bom,
    BomLine,
    Calendar,
    InventorySnapshot,
    Item,
    Operation,
    StockLevel,
    Supply,
    WorkCenter,
    WorkingHours,
)
from hub.promise import OrderLine, OrderPromise, Policy, ScheduledOperation, promise, recheck  # noqa: E402
from tests.promise.strategies import (  # noqa: E402
    NOW,
    Scenario,
    business_days_between,
    reductions,
    scenarios,
)

# Derandomized, so the suite gives the same verdict on every run; PROMISE_EXAMPLES=2000 makes a deeper,
# random hunt (hypothesis then prints a reproducible failing example).
_HUNT = os.environ.get("PROMISE_EXAMPLES")
PROPERTY = settings(
    max_examples=int(_HUNT or 60),
    derandomize=not _HUNT,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
EPS = Decimal("0.000001")
MINUTE_SLACK = Decimal(1)  # the engine may round durations to whole minutes


def estimate(sc: Scenario, snap: InventorySnapshot | None = None) -> OrderPromise:
    return promise(snap or sc.snapshot, sc.lines, now=NOW, policy=sc.policy)


def all_operations(p: OrderPromise) -> list[ScheduledOperation]:
    return [op for line in p.lines for op in line.operations]


def used_by(p: OrderPromise) -> tuple[frozenset[str], tuple[tuple[str, datetime], ...]]:
    """The SKUs a promise took from stock or supply, and where and when its operations start."""
    skus = {a.sku for line in p.lines for a in line.allocations if a.source in ("stock", "supply")}
    return frozenset(skus), tuple((op.work_center, op.start) for op in all_operations(p))


# --- oracles --------------------------------------------------------------------------------------


def available_after(snap: InventorySnapshot, sku: str, at: datetime) -> Decimal:
    """ATP at ``at``: the lowest projected balance at ``at`` or any later instant, never below zero."""
    events: dict[datetime, Decimal] = defaultdict(Decimal)
    for s in snap.supplies:
        if s.sku == sku:
            events[max(s.expected_at, NOW)] += s.quantity
    for d in snap.demands:
        if d.sku == sku:
            events[max(d.needed_at, NOW)] -= d.quantity
    level = sum((s.on_hand - s.reserved for s in snap.stock if s.sku == sku), Decimal(0))
    level += sum((q for t, q in events.items() if t <= at), Decimal(0))
    lowest = level
    for t in sorted(t for t in events if t > at):
        level += events[t]
        lowest = min(lowest, level)
    return max(Decimal(0), lowest)


def replenishable_from(snap: InventorySnapshot, sku: str) -> datetime | None:
    """From when more can be bought (buy items, make items without a BOM): the start of now + lead days."""
    item = snap.items[sku]
    if item.make_or_buy == "make" and sku in snap.boms:
        return None
    return datetime.combine(NOW.date() + timedelta(days=int(item.lead_time_days)), time(0), tzinfo=UTC)


def working_intervals(cal: Calendar, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working intervals (UTC) on the local days around [start, end], holidays excluded."""
    tz = ZoneInfo(cal.timezone)
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        if not any(h.start <= day <= h.end for h in cal.holidays):
            for wh in sorted(cal.hours, key=lambda h: h.start):
                if wh.weekday == day.weekday():
                    yield (
                        datetime.combine(day, wh.start, tzinfo=tz).astimezone(UTC),
                        datetime.combine(day, wh.end, tzinfo=tz).astimezone(UTC),
                    )
        day += timedelta(days=1)


def working_minutes(cal: Calendar, start: datetime, end: datetime) -> Decimal:
    seconds = sum(
        max(0.0, (min(b, end) - max(a, start)).total_seconds()) for a, b in working_intervals(cal, start, end)
    )
    return Decimal(str(seconds)) / 60


def ship_calendar(snap: InventorySnapshot) -> Calendar:
    return snap.calendars[next(iter(snap.work_centers.values())).calendar_id]


# --- (a) supply -----------------------------------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_never_consumes_more_than_supply(sc: Scenario) -> None:
    snap, p = sc.snapshot, estimate(sc)
    consumed: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    produced: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for line in p.lines:
        assert Decimal(0) <= line.from_stock <= line.quantity, line
        assert line.to_produce >= 0, line
        consumed[line.sku].append((line.ready_at, line.quantity))
        made = sum(
            (
                op.quantity
                for op in line.operations
                if op.sku == line.sku and op.operation == _last_op(snap, op.sku)
            ),
            Decimal(0),
        )
        if line.sku in snap.boms and line.to_produce > 0:
            assert made >= line.to_produce - EPS, f"{line.sku}: to_produce {line.to_produce}, made {made}"
    for op in all_operations(p):
        bom = snap.boms[op.sku]
        if op.operation == _first_op(snap, op.sku):
            for bl in bom.lines:
                need = op.quantity / bom.output_quantity * bl.quantity * (1 + bl.scrap_percent / 100)
                consumed[bl.component_sku].append((op.start, need))
        if op.operation == _last_op(snap, op.sku):
            produced[op.sku].append((op.end, op.quantity))

    for sku in consumed:
        refill = replenishable_from(snap, sku)
        for t in sorted({t for t, _ in consumed[sku]} | {t for t, _ in produced[sku]}):
            if refill is not None and t >= refill:
                break
            net = sum((q for u, q in consumed[sku] if u <= t), Decimal(0))
            net -= sum((q for u, q in produced[sku] if u <= t), Decimal(0))
            atp = available_after(snap, sku, t)
            assert net <= atp + EPS, f"{sku}: by {t} the promise takes {net}, ATP is {atp}"

    # The engine's own account of what it took must agree with the snapshot too.
    taken: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for line in p.lines:
        for a in line.allocations:
            if a.source in ("stock", "supply"):
                taken[a.sku].append((a.available_at, a.quantity))
            if a.source == "supply":
                sources = [s for s in snap.supplies if s.reference == a.reference and s.sku == a.sku]
                assert sources, f"{a} names no supply of {a.sku}"
                assert a.available_at >= min(max(s.expected_at, NOW) for s in sources), a
            if a.source == "purchase":
                assert a.available_at >= NOW + timedelta(days=int(snap.items[a.sku].lead_time_days)), a
    for sku, takes in taken.items():
        for t in sorted({t for t, _ in takes}):
            total = sum((q for u, q in takes if u <= t), Decimal(0))
            atp = available_after(snap, sku, t)
            assert total <= atp + EPS, f"{sku}: allocated {total} from stock/supply by {t}, ATP is {atp}"

    from_stock: dict[str, Decimal] = defaultdict(Decimal)
    for line in p.lines:
        from_stock[line.sku] += line.from_stock
    for sku, total in from_stock.items():
        latest = max(line.ready_at for line in p.lines if line.sku == sku)
        refill = replenishable_from(snap, sku)
        if refill is None or latest < refill:
            atp = available_after(snap, sku, latest)
            assert total <= atp + EPS, f"{sku}: from_stock {total} > ATP {atp} at {latest}"


def _routing_names(snap: InventorySnapshot, sku: str) -> list[str]:
    return [o.name for o in sorted(snap.boms[sku].operations, key=lambda o: o.sequence)]


def _first_op(snap: InventorySnapshot, sku: str) -> str:
    return _routing_names(snap, sku)[0]


def _last_op(snap: InventorySnapshot, sku: str) -> str:
    return _routing_names(snap, sku)[-1]


# --- (b) calendar and capacity --------------------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_work_only_in_calendar_hours_and_within_capacity(sc: Scenario) -> None:
    snap, p = sc.snapshot, estimate(sc)
    for line in p.lines:
        for op in line.operations:
            assert op.start >= NOW and op.end > op.start, op
            assert op.sku in snap.boms, f"operation for {op.sku}, which has no BOM"
            routing = {o.name: o for o in snap.boms[op.sku].operations}
            assert op.operation in routing, f"{op.operation} is not in {op.sku}'s routing {list(routing)}"
            spec = routing[op.operation]
            assert op.work_center == spec.work_center, op
            wc = snap.work_centers[op.work_center]
            cal = snap.calendars[wc.calendar_id]
            spans = list(working_intervals(cal, op.start, op.end))
            assert any(a <= op.start < b for a, b in spans), f"{op} starts outside {cal.id} hours {cal}"
            assert any(a < op.end <= b for a, b in spans), f"{op} ends outside {cal.id} hours {cal}"
            # Efficiency stretches run time; whether it stretches setup too is the engine's choice (Odoo
            # does not), so take the smaller reading. With lots, setup may be charged once per operation.
            need = spec.run_minutes_per_unit * op.quantity / wc.efficiency
            if not sc.policy.lot_splitting:
                need += min(spec.setup_minutes, spec.setup_minutes / wc.efficiency)
            got = working_minutes(cal, op.start, op.end)
            assert got >= need - MINUTE_SLACK, f"{op}: {got} working minutes for {need} of work"
        if line.operations:
            assert line.ready_at >= max(op.end for op in line.operations), line
        for sku in {op.sku for op in line.operations}:
            names = _routing_names(snap, sku)
            ops = [op for op in line.operations if op.sku == sku]
            for before, after in zip(names, names[1:], strict=False):
                ends = [op.end for op in ops if op.operation == before]
                starts = [op.start for op in ops if op.operation == after]
                if ends and starts:
                    assert min(starts) >= min(ends), f"{sku}: {after} starts before {before} ends"

    ops = all_operations(p)
    for code, wc in snap.work_centers.items():
        mine = [op for op in ops if op.work_center == code]
        loads = [ld for ld in snap.loads if ld.work_center == code]
        assert len({op.lane for op in mine}) <= wc.capacity, f"{code}: more lanes than capacity {wc.capacity}"
        for lane in {op.lane for op in mine}:
            queue = sorted((op for op in mine if op.lane == lane), key=lambda op: op.start)
            for a, b in zip(queue, queue[1:], strict=False):
                assert b.start >= a.end, f"{code} lane {lane}: {a} overlaps {b}"
        for t in {op.start for op in mine} | {ld.start for ld in loads}:
            busy = sum(1 for op in mine if op.start <= t < op.end)
            if busy:
                busy += sum(1 for ld in loads if ld.start <= t < ld.end)
                assert busy <= wc.capacity, (
                    f"{code} at {t}: {busy} jobs counting load, capacity {wc.capacity}"
                )

    cal = ship_calendar(snap)
    tz = ZoneInfo(cal.timezone)
    for line in p.lines:
        assert line.ready_at >= NOW, line
        assert line.ship_date >= line.ready_at.astimezone(tz).date(), line
        assert _business_day(cal, line.ship_date), f"ships on {line.ship_date:%a %F}, a day off: {cal}"
        assert line.delivery_date.weekday() < 5, line
        transit = business_days_between(line.ship_date, line.delivery_date)
        assert transit >= sc.policy.transit_business_days, line
    assert p.delivery_date >= max(line.delivery_date for line in p.lines)
    assert p.ship_complete_date >= max(line.ship_date for line in p.lines)


def _business_day(cal: Calendar, day: date) -> bool:
    return day.weekday() < 5 and not any(h.start <= day <= h.end for h in cal.holidays)


# --- (c) monotonic --------------------------------------------------------------------------------


@PROPERTY
@given(scenarios(max_lines=1), st.data())
def test_less_capacity_or_stock_never_earlier_one_line(sc: Scenario, data: st.DataObject) -> None:
    before = estimate(sc)
    cut = data.draw(reductions(sc.snapshot, *used_by(before)))
    after = estimate(sc, cut.snapshot)
    assert after.lines[0].ready_at >= before.lines[0].ready_at, cut.what
    assert after.delivery_date >= before.delivery_date, cut.what


@PROPERTY
@given(scenarios(), st.data())
def test_less_capacity_or_stock_never_earlier_order(sc: Scenario, data: st.DataObject) -> None:
    before = estimate(sc)
    cut = data.draw(reductions(sc.snapshot, *used_by(before)))
    after = estimate(sc, cut.snapshot)
    # Only the date: lines are planned one after another, so with several lines a reduction can move
    # one line's bookings and let another finish minutes earlier (a list-scheduling anomaly); the
    # promised date must still never move earlier.
    assert after.delivery_date >= before.delivery_date, cut.what
    again = recheck(before, cut.snapshot, now=NOW)
    assert again.previous_delivery == before.delivery_date
    assert again.delivery == after.delivery_date == again.new.delivery_date
    assert again.slipped == (again.delivery > again.previous_delivery)


def test_less_sub_assembly_stock_never_earlier_with_lot_splitting() -> None:
    """Shrunk from a hypothesis failure. 2 x FIN (1.5 SUB each, 69 min/pc on CUT, capacity 2, efficiency
    0.8, now Thu 14:10, day 08-12/13-17 UTC). SUB available 3 (22 on hand - 19 reserved) covers both:
    one lot, 2 x 69 / 0.8 = 172.5 min on one lane = 170 min today + 2.5 min Friday: ready Fri 08:02.
    SUB on hand 21 (available 2) covers one piece: lot 1 (1 pc, 86.25 min) runs on lane 0 14:10-15:36
    while SUB for lot 2 is made on lane 1 (6.25 min) and lot 2 follows there 14:16-15:42: ready Thu
    15:42. Less stock, earlier promise: the lots run in parallel only because stock was short."""
    promises = [estimate(_lot_split_scenario(Decimal(on_hand))) for on_hand in (22, 21)]
    assert promises[1].delivery_date >= promises[0].delivery_date


def _lot_split_scenario(sub_on_hand: Decimal) -> Scenario:
    hours = tuple(
        WorkingHours(d, a, b) for d in range(5) for a, b in ((time(8), time(12)), (time(13), time(17)))
    )
    items = {
        "FAB-0": Item("FAB-0", "FAB-0", "m", "component", "buy", Decimal(2)),
        "SUB-0": Item("SUB-0", "SUB-0", "pc", "component", "make", Decimal(3)),
        "FIN-0": Item("FIN-0", "FIN-0", "pc", "finished", "make", Decimal(5)),
    }
    cut = (Operation(10, "Cutting", "CUT", Decimal(0), Decimal(5)),)
    boms = {
        "SUB-0": Bom("SUB-0", Decimal(1), (BomLine("FAB-0", Decimal("0.5")),), cut),
        "FIN-0": Bom(
            "FIN-0",
            Decimal(1),
            (BomLine("FAB-0", Decimal("0.5")), BomLine("SUB-0", Decimal("1.5"))),
            (Operation(10, "Cutting", "CUT", Decimal(0), Decimal(69)),),
        ),
    }
    snap = InventorySnapshot(
        items=items,
        stock=(StockLevel("FAB-0", "WH", Decimal(3)), StockLevel("SUB-0", "WH", sub_on_hand, Decimal(19))),
        boms=boms,
        work_centers={"CUT": WorkCenter("CUT", "Cut", "CAL-A", 2, Decimal("0.8"))},
        calendars={"CAL-A": Calendar("CAL-A", "CAL-A", "UTC", hours)},
        fetched_at=NOW,
    )
    policy = Policy(packing_days=0, transit_business_days=0, lot_splitting=True)
    return Scenario(snap, (OrderLine("FIN-0", Decimal(2)),), policy)


def test_sub_assembly_with_bom_is_never_conjured_by_lead_time() -> None:
    """Shrunk from a hypothesis failure. FIN (1.5 SUB each) x6 then x2; SUB has a BOM (0.5 FAB, Cutting
    5 + Sewing 89 min/pc on CUT, capacity 1); FAB: 3 m from overdue POs; SUB: an MO of 3 due Wed Dec 3.
    Line 1 makes 9 SUB (all 3 FAB + 1.5 bought) and books CUT until Wed Dec 2 10:15. Line 2 needs 3 SUB:
    making them again waits for CUT, the MO brings 3 on Dec 3 06:00, so line 2 can start Dec 3 at the
    earliest. The engine instead takes 3 SUB "made" at now + SUB's 3-day lead time (Sun Nov 29) with no
    material and no operation, and starts line 2's FIN on Dec 2 10:15 with SUB that does not exist yet."""
    hours = tuple(
        WorkingHours(d, a, b) for d in range(5) for a, b in ((time(8), time(12)), (time(13), time(17)))
    )
    items = {
        "FAB-0": Item("FAB-0", "FAB-0", "m", "component", "buy", Decimal(2)),
        "SUB-1": Item("SUB-1", "SUB-1", "pc", "component", "make", Decimal(3)),
        "FIN-1": Item("FIN-1", "FIN-1", "pc", "finished", "make", Decimal(5)),
    }
    cut, sew = (
        Operation(10, "Cutting", "CUT", Decimal(0), Decimal(5)),
        Operation(20, "Sewing", "CUT", Decimal(0), Decimal(89)),
    )
    boms = {
        "SUB-1": Bom("SUB-1", Decimal(1), (BomLine("FAB-0", Decimal("0.5")),), (cut, sew)),
        "FIN-1": Bom("FIN-1", Decimal(1), (BomLine("SUB-1", Decimal("1.5")),), (cut,)),
    }
    overdue = datetime(2026, 11, 26, 6, tzinfo=UTC)
    snap = InventorySnapshot(
        items=items,
        supplies=(
            Supply("SUB-1", Decimal(3), datetime(2026, 12, 3, 6, tzinfo=UTC), "manufacturing_order", "MO1"),
            *(Supply("FAB-0", Decimal(1), overdue, "purchase_order", f"PO{n}") for n in range(3)),
        ),
        boms=boms,
        work_centers={"CUT": WorkCenter("CUT", "Cut", "CAL-A", 1, Decimal("0.8"))},
        calendars={"CAL-A": Calendar("CAL-A", "CAL-A", "UTC", hours)},
        fetched_at=NOW,
    )
    lines = (OrderLine("FIN-1", Decimal(6)), OrderLine("FIN-1", Decimal(2)))
    second = estimate(Scenario(snap, lines, Policy(packing_days=0, transit_business_days=0))).lines[1]
    made = [a for a in second.allocations if a.sku == "SUB-1" and a.source == "make"]
    assert not made or any(op.sku == "SUB-1" for op in second.operations), made
    assert min(op.start for op in second.operations) >= datetime(2026, 12, 3, 6, tzinfo=UTC)


# --- (d) determinism, (e) JSON round trip --------------------------------------------------------


@PROPERTY
@given(scenarios())
def test_same_input_same_output(sc: Scenario) -> None:
    first = estimate(sc)
    second = estimate(sc, copy.deepcopy(sc.snapshot))
    assert first == second
    assert first.to_json() == second.to_json()
    same = recheck(first, sc.snapshot, now=NOW)
    assert not same.slipped and same.delivery == first.delivery_date and same.slip_business_days == 0


@PROPERTY
@given(scenarios())
def test_json_round_trip(sc: Scenario) -> None:
    p = estimate(sc)
    stored = p.to_json()
    text = stored if isinstance(stored, str) else json.dumps(stored)  # must be plain JSON either way
    assert '"Decimal' not in text
    back = OrderPromise.from_json(stored)
    assert back == p
    assert back.to_json() == stored
    for line in back.lines:
        for when in (line.ready_at, *(op.start for op in line.operations)):
            assert when.utcoffset() == timedelta(0), f"{when} is not UTC"
