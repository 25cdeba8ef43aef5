"""A synthetic costume workshop at benchmark scale, as one canonical ``InventorySnapshot``.

    snap = build_shop(items=2000, mos=500)
    lines = order_lines(snap, count=20)

Deterministic for a given ``seed``. The shop: fabrics (m) and trims (pc) bought in, sub-assemblies
(bodices, sleeves, linings) made from them, sub-assemblies of sub-assemblies, and finished pieces, most
made to order through 2-3 level BOMs with scrap, some kept in stock; 30 work centres of five kinds
(cutting, sewing, embroidery, finishing, pressing) with capacities 1-6 and efficiencies on three
calendars with holidays; stock, purchase orders, open sales-order demand; and ``mos`` open manufacturing
orders, each booked on its routing's work centres as ``Load`` records, with its output as a supply and
its components as demand, so the load really occupies the lanes the engine must schedule after.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
from hub.promise import OrderLine

__all__ = ["NOW", "build_shop", "describe", "horizon", "order_lines"]

NOW = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)  # a Monday morning
TODAY = NOW.date()

# (prefix, count, capacity range, efficiencies, calendar)
CENTRE_KINDS = (
    ("CUT", 6, (1, 2), ("1", "0.95"), "CAL-WORKSHOP"),
    ("SEW", 12, (2, 6), ("0.85", "0.9", "1"), "CAL-WORKSHOP"),
    ("EMB", 4, (1, 1), ("1",), "CAL-BERLIN"),
    ("FIN", 5, (1, 3), ("0.9", "1", "1.1"), "CAL-EARLY"),
    ("PRS", 3, (1, 2), ("1",), "CAL-EARLY"),
)
STAGES = ("CUT", "SEW", "EMB", "FIN", "PRS")


def _calendars() -> dict[str, Calendar]:
    def week(*spans: tuple[time, time]) -> tuple[WorkingHours, ...]:
        return tuple(WorkingHours(d, a, b) for d in range(5) for a, b in spans)

    def hol(offset: int, length: int, name: str) -> Holiday:
        start = TODAY + timedelta(days=offset)
        return Holiday(start, start + timedelta(days=length - 1), name)

    return {
        "CAL-WORKSHOP": Calendar(
            "CAL-WORKSHOP",
            "Workshop 40h",
            "Europe/London",
            week((time(8), time(12)), (time(13), time(17))),
            (hol(10, 1, "Company day"), hol(32, 2, "Christmas"), hol(39, 1, "New Year")),
        ),
        "CAL-EARLY": Calendar(
            "CAL-EARLY",
            "Early shift",
            "Europe/London",
            week(
                (time(7), time(15)),
            ),
            (hol(32, 2, "Christmas"), hol(39, 1, "New Year")),
        ),
        "CAL-BERLIN": Calendar(
            "CAL-BERLIN",
            "Berlin atelier",
            "Europe/Berlin",
            week(
                (time(8), time(16, 30)),
            ),
            (hol(31, 3, "Weihnachten"), hol(39, 1, "Neujahr")),
        ),
    }


@dataclass
class _Lanes:
    """Where the generator books MO work: per work centre, per lane, the next free instant.

    Work advances over a simplified Mon-Fri 08:00-17:00 UTC day; it only has to look like a real
    schedule, the engine reads the resulting ``Load`` intervals as they are.
    """

    free: dict[str, list[datetime]]

    def book(self, code: str, earliest: datetime, minutes: float) -> tuple[datetime, datetime]:
        lanes = self.free[code]
        lane = min(range(len(lanes)), key=lambda i: max(lanes[i], earliest))
        start = _next_working(max(lanes[lane], earliest))
        end, left = start, minutes
        while left > 0:
            end = _next_working(end)
            close = end.replace(hour=17, minute=0, second=0, microsecond=0)
            step = min(left, (close - end).total_seconds() / 60)
            end += timedelta(minutes=step)
            left -= step
        lanes[lane] = end
        return start, end


def _next_working(t: datetime) -> datetime:
    while True:
        if t.weekday() >= 5 or t.hour >= 17:
            t = datetime.combine(t.date() + timedelta(days=1), time(8), tzinfo=UTC)
        elif t.hour < 8:
            t = t.replace(hour=8, minute=0, second=0, microsecond=0)
        else:
            return t


def build_shop(
    items: int = 2000, mos: int = 500, work_centers: int = 30, seed: int = 7, now: datetime = NOW
) -> InventorySnapshot:
    """The shop: ``items`` SKUs, ``work_centers`` work centres and ``mos`` open MOs loading them."""
    rng = random.Random(seed)
    cals = _calendars()
    centres: dict[str, WorkCenter] = {}
    for prefix, count, (lo, hi), effs, cal in CENTRE_KINDS:
        for n in range(max(1, round(count * work_centers / 30))):
            code = f"{prefix}-{n + 1:02d}"
            eff = Decimal(rng.choice(effs))
            centres[code] = WorkCenter(code, f"{prefix} {n + 1}", cal, rng.randint(lo, hi), eff)
    by_kind = {k: [c for c in centres if c.startswith(k)] for k in STAGES}

    n_fab, n_trim, n_sub = int(items * 0.35), int(items * 0.25), int(items * 0.15)
    n_fin = items - n_fab - n_trim - n_sub
    catalogue: dict[str, Item] = {}
    fabrics = [f"FAB-{i:05d}" for i in range(n_fab)]
    trims = [f"TRM-{i:05d}" for i in range(n_trim)]
    for sku in fabrics:
        catalogue[sku] = Item(sku, sku, "m", "component", "buy", Decimal(rng.randint(5, 30)))
    for sku in trims:
        catalogue[sku] = Item(sku, sku, "pc", "component", "buy", Decimal(rng.randint(3, 20)))

    def routing(stages: int, scale: int) -> tuple[Operation, ...]:
        kinds = ["CUT", "SEW"] + rng.sample(["EMB", "FIN", "PRS"], stages - 2)
        kinds.sort(key=STAGES.index)
        return tuple(
            Operation(
                10 * (i + 1),
                kind.title(),
                rng.choice(by_kind[kind]),
                Decimal(rng.randint(5, 45)),
                Decimal(rng.randint(5, 30) * scale),
            )
            for i, kind in enumerate(kinds)
        )

    def bom(sku: str, parts: list[str], n_parts: int, stages: int, scale: int) -> Bom:
        chosen = rng.sample(parts, min(n_parts, len(parts)))
        lines = tuple(
            BomLine(
                c,
                Decimal(rng.choice(("0.5", "1", "1.5", "2", "2.5", "4"))),
                Decimal(rng.choice(("0", "0", "3", "5", "10"))),
            )
            for c in chosen
        )
        return Bom(sku, Decimal(1), lines, routing(stages, scale))

    boms: dict[str, Bom] = {}
    raw = fabrics + trims
    subs1 = [f"SUB-{i:05d}" for i in range(int(n_sub * 0.7))]
    subs2 = [f"SUB-{i:05d}" for i in range(len(subs1), n_sub)]
    for sku in subs1:  # bodice, sleeve: fabric and trims
        catalogue[sku] = Item(sku, sku, "pc", "component", "make", Decimal(7))
        boms[sku] = bom(sku, raw, rng.randint(2, 4), 2, 1)
    for sku in subs2:  # a lined bodice: sub-assemblies of sub-assemblies
        catalogue[sku] = Item(sku, sku, "pc", "component", "make", Decimal(10))
        boms[sku] = bom(sku, raw, rng.randint(1, 3), 2, 1)
        extra = tuple(BomLine(c, Decimal(1)) for c in rng.sample(subs1, min(2, len(subs1))))
        boms[sku] = Bom(sku, Decimal(1), boms[sku].lines + extra, boms[sku].operations)
    made, stocked = [], []
    for i in range(n_fin):
        sku = f"FIN-{i:05d}"
        if rng.random() < 0.6:  # made to order: 2-3 levels through the sub-assemblies
            made.append(sku)
            catalogue[sku] = Item(sku, sku, "pc", "finished", "make", Decimal(21))
            boms[sku] = bom(sku, raw, rng.randint(2, 5), rng.randint(2, 4), 2)
            subs = rng.sample(subs1, 1) + rng.sample(subs2, min(len(subs2), rng.randint(0, 1)))
            lines = boms[sku].lines + tuple(BomLine(c, Decimal(rng.choice(("1", "2")))) for c in subs)
            boms[sku] = Bom(sku, Decimal(1), lines, boms[sku].operations)
        else:
            stocked.append(sku)
            catalogue[sku] = Item(sku, sku, "pc", "finished", "buy", Decimal(14))

    stock: list[StockLevel] = []
    made_to_order = set(made)
    for sku in catalogue:
        if rng.random() < (0.1 if sku in made_to_order else 0.7):  # made to order: rarely a spare piece
            top = 300 if sku.startswith("FAB") else 800 if sku.startswith("TRM") else 25
            for loc in ("WH/Stock", "WH/Workshop")[: rng.randint(1, 2)]:
                on_hand = Decimal(rng.randint(0, top))
                stock.append(StockLevel(sku, loc, on_hand, (on_hand * Decimal(rng.randint(0, 3)) / 10)))

    def at(days: float, hour: int = 6) -> datetime:
        return datetime.combine(now.date() + timedelta(days=int(days)), time(hour), tzinfo=UTC)

    supplies: list[Supply] = []
    for n, sku in enumerate(s for s in raw + stocked if rng.random() < 0.3):
        for k in range(rng.randint(1, 2)):
            supplies.append(
                Supply(
                    sku,
                    Decimal(rng.randint(20, 400)),
                    at(rng.randint(-2, 35)),
                    "purchase_order",
                    f"PO{n:05d}-{k}",
                    confirmed=rng.random() < 0.6,
                )
            )
    demands = [
        Demand(sku, Decimal(rng.randint(1, 40)), at(rng.randint(-3, 40), 12), "sales_order", f"SO{n:05d}")
        for n, sku in enumerate(rng.sample(sorted(catalogue), items // 3))
    ]

    lanes = _Lanes({code: [now] * wc.capacity for code, wc in centres.items()})
    loads: list[Load] = []
    makeable = made + subs1 + subs2
    for n in range(mos):
        sku = rng.choice(makeable)
        qty = Decimal(rng.randint(1, 8))
        ref = f"WH/MO/{n:05d}"
        ready = now + timedelta(hours=rng.uniform(0, 24 * 10))
        first_start = None
        for op in boms[sku].operations:
            minutes = float(
                (op.setup_minutes + op.run_minutes_per_unit * qty) / centres[op.work_center].efficiency
            )
            start, ready = lanes.book(op.work_center, ready, minutes)
            first_start = first_start or start
            loads.append(Load(op.work_center, start, ready, f"{ref}/{op.name}"))
        supplies.append(Supply(sku, qty, ready, "manufacturing_order", ref))
        for bl in boms[sku].lines:
            need = (qty * bl.quantity * (1 + bl.scrap_percent / 100)).quantize(Decimal("0.001"))
            demands.append(Demand(bl.component_sku, need, first_start or now, "manufacturing_order", ref))

    return InventorySnapshot(
        items=catalogue,
        stock=tuple(stock),
        supplies=tuple(supplies),
        demands=tuple(demands),
        boms=boms,
        work_centers=centres,
        calendars=cals,
        loads=tuple(loads),
        fetched_at=now,
        source_times={"synthetic": now},
    )


def order_lines(snap: InventorySnapshot, count: int = 20, seed: int = 11) -> tuple[OrderLine, ...]:
    """A ``count``-line order: half made-to-order pieces, a quarter stock pieces, sub-assemblies, fabric."""
    rng = random.Random(seed)
    made = sorted(s for s, i in snap.items.items() if i.kind == "finished" and s in snap.boms)
    stocked = sorted(s for s, i in snap.items.items() if i.kind == "finished" and s not in snap.boms)
    subs = sorted(s for s in snap.boms if s.startswith("SUB"))
    fabrics = sorted(s for s in snap.items if s.startswith("FAB"))
    n_made, n_stock = count // 2, count // 4
    n_sub = max(0, (count - n_made - n_stock) * 3 // 5)
    picks = (
        [(s, rng.randint(1, 5)) for s in rng.sample(made, n_made)]
        + [(s, rng.randint(1, 10)) for s in rng.sample(stocked, n_stock)]
        + [(s, rng.randint(2, 6)) for s in rng.sample(subs, n_sub)]
        + [(s, rng.randint(5, 30)) for s in rng.sample(fabrics, count - n_made - n_stock - n_sub)]
    )
    rng.shuffle(picks)
    return tuple(OrderLine(s, Decimal(q)) for s, q in picks)


def describe(snap: InventorySnapshot) -> str:
    """One line of sizes: ``2000 items, 30 work centres, 1512 loads, ...``."""
    return (
        f"{len(snap.items)} items, {len(snap.boms)} BOMs, {len(snap.work_centers)} work centres, "
        f"{len(snap.loads)} loads, {len(snap.stock)} stock levels, {len(snap.supplies)} supplies, "
        f"{len(snap.demands)} demands"
    )


def horizon(snap: InventorySnapshot) -> date:
    """The last day any existing load reaches: how far out the shop is booked."""
    return max((ld.end for ld in snap.loads), default=NOW).date()
