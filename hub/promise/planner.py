"""Capable-to-promise for one order line: stock, then supply, then make (multi-level) or buy.

Internal to the engine. A requirement for ``need`` of a SKU is covered in this order:

1. ATP now (taken from stock at ``now``);
2. for the rest, the dated supply at which ATP first covers it (taken at its arrival), except for an
   order line's own make item (step 3);
3. a *make* item with a bill of materials is made: components are exploded with scrap and covered
   recursively by the same rules, then the routing is booked finish-to-start from the later of
   component readiness and ``now``. For an order line's own item making is the answer (capable-to-
   promise); for a made component, making wins only when strictly earlier than the supply in step 2
   (otherwise its tentative takes and bookings are rolled back);
4. otherwise (no covering supply, or one due later than a new purchase would arrive) a *buy* item
   (or a make item without a BOM) arrives after its lead time from ``now``, with lowered confidence.

Every take goes into the ``AtpLedger`` and every booking onto the ``CapacityBoard``, so later lines and
later operations see them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal

from connectors.inventory import Bom, InventorySnapshot, Item, Supply
from hub.promise.atp import AtpLedger
from hub.promise.calendar import WorkingCalendar
from hub.promise.capacity import Booking, CapacityBoard, operation_minutes
from hub.promise.model import Allocation, AllocationSource, Constraint, Lot, PromiseError, ScheduledOperation

__all__ = ["Cover", "Planner", "fmt_qty"]

_HUNDRED = Decimal(100)
_MAX_LOT_TRIALS = 64  # first-lot sizes tried at most (evenly spaced above that)


def _first_lot_sizes(most: Decimal, qty: Decimal) -> list[Decimal]:
    """First-lot sizes to try: 0 (one lot) first, then every whole size from ``most`` (what stock
    covers) down to 1, always leaving a second lot."""
    if qty == qty.to_integral_value():
        count = int(min(most, qty - 1))
        step = max(1, -(-count // _MAX_LOT_TRIALS))
        return [Decimal(0), *(Decimal(n) for n in range(count, 0, -step))]
    return [Decimal(0), *([most] if 0 < most < qty else [])]  # fractional units: split at what stock covers


def fmt_qty(value: Decimal) -> str:
    """``Decimal("12.50")`` → ``"12.5"``; ``Decimal("1E+2")`` → ``"100"``."""
    return format(value.normalize(), "f")


@dataclass
class Cover:
    """How one requirement is covered: when it is ready and why, and what it took."""

    ready: datetime
    constraint: Constraint | None = None
    weak: bool = False  # the constraint is only "this much work", not a wait for something
    from_stock: Decimal = Decimal(0)
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (level, text)
    operations: list[ScheduledOperation] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    lots: list[Lot] = field(default_factory=list)

    def absorb(self, other: Cover) -> None:
        """Add ``other``'s takes; the later of the two sets the date and the constraint."""
        self.reasons += other.reasons
        self.operations += other.operations
        self.allocations += other.allocations
        if other.ready > self.ready:
            self.ready = other.ready
            self.constraint = other.constraint
            self.weak = other.weak


class Planner:
    """Plans lines one after another over one shared ledger and capacity board."""

    def __init__(self, snapshot: InventorySnapshot, now: datetime,
                 calendar_of: Callable[[str], WorkingCalendar], ship_cal: WorkingCalendar) -> None:
        self.now = now
        self.snapshot = snapshot
        self.ledger = AtpLedger(snapshot, now)
        self.board = CapacityBoard(snapshot, calendar_of, now)
        self.ship_cal = ship_cal

    def item(self, sku: str) -> Item:
        item = self.snapshot.items.get(sku)
        if item is None:
            raise PromiseError(f"unknown SKU {sku!r}")
        return item

    def plan_line(self, sku: str, quantity: Decimal, *, lot_splitting: bool) -> Cover:
        """Cover one order line; ``Cover.lots`` says which part is ready when."""
        return self.resolve(sku, quantity, top=True, path=(), split=lot_splitting)

    # -- covering a requirement ---------------------------------------------------------------------------
    def resolve(self, sku: str, need: Decimal, *, top: bool, path: tuple[str, ...],
                split: bool = False) -> Cover:
        item = self.item(sku)
        cover = Cover(self.now)
        taken = min(need, self.ledger.available(sku))
        if taken > 0:
            self.ledger.consume(sku, taken, self.now)
            cover.from_stock = taken
            cover.allocations.append(Allocation(sku, taken, "stock", None, self.now))
            cover.lots.append(Lot(taken, self.now))
        rest = need - taken
        if rest <= 0:
            return cover
        hit = self.ledger.profile(sku).earliest(rest)  # the profile already counts the stock just taken
        bom = self.snapshot.boms.get(sku) if item.make_or_buy == "make" else None
        if bom is not None:
            marks = (self.ledger.mark(), self.board.mark())
            made = self._make_split(item, bom, rest, path) if split else self.make(item, bom, rest, path)
            # An order line's own shortfall is always made (capable-to-promise); a component may instead
            # wait for an open supply when that comes no later than making it.
            if top or hit is None or made.ready < hit[0]:
                cover.absorb(made)
                cover.lots += made.lots or [Lot(rest, made.ready)]
                return cover
            self.ledger.rollback(marks[0])
            self.board.rollback(marks[1])
            self._from_supply(cover, item, rest, hit[0], hit[1], top)
            return cover
        # A new purchase after the lead time may beat an open supply that is due later; taking the earlier
        # also keeps promises monotonic (removing a supply can never make them earlier).
        if hit is not None and hit[0] <= self._after_lead_time(item):
            self._from_supply(cover, item, rest, hit[0], hit[1], top)
        else:
            self._lead_time(cover, item, rest, made_without_bom=item.make_or_buy == "make")
        return cover

    def _from_supply(self, cover: Cover, item: Item, qty: Decimal, at: datetime,
                     arriving: tuple[Supply, ...], top: bool) -> None:
        self.ledger.consume(item.sku, qty, at)
        supply = arriving[-1] if arriving else None
        ref = supply.reference if supply else None
        day = self.ship_cal.local_date(at)
        cover.allocations.append(Allocation(item.sku, qty, "supply", ref, at))
        cover.lots.append(Lot(qty, at))
        cover.ready = max(cover.ready, at)
        cover.constraint = Constraint(
            "stock" if top else "component",
            f"{item.name} short until {ref or 'supply'} arrives {day.isoformat()}",
            sku=item.sku, until=at, supply_reference=ref,
        )
        if supply is None:
            return
        if supply.expected_at < self.now:
            due = self.ship_cal.local_date(supply.expected_at).isoformat()
            cover.reasons.append(("MEDIUM", f"{ref} was expected {due} and is overdue"))
        if supply.confirmed:
            cover.reasons.append(("HIGH", f"depends on {ref} arriving {day.isoformat()} (confirmed)"))
        else:
            cover.reasons.append(("MEDIUM", f"depends on {ref}'s expected date (unconfirmed)"))

    def _after_lead_time(self, item: Item) -> datetime:
        return self.now + timedelta(microseconds=int(item.lead_time_days * 86_400_000_000))

    def _lead_time(self, cover: Cover, item: Item, qty: Decimal, *, made_without_bom: bool) -> None:
        days = item.lead_time_days
        at = self._after_lead_time(item)
        due = self.ship_cal.local_date(at).isoformat()
        source: AllocationSource = "make" if made_without_bom else "purchase"
        cover.allocations.append(Allocation(item.sku, qty, source, None, at))
        cover.lots.append(Lot(qty, at))
        cover.ready = max(cover.ready, at)
        what = "no bill of materials" if made_without_bom else "no stock or open supply"
        cover.constraint = Constraint(
            "lead_time",
            f"{item.name}: {what} for {fmt_qty(qty)} {item.unit}; "
            f"lead time of {fmt_qty(days)} days, due {due}",
            sku=item.sku, until=at,
        )
        cover.reasons.append(("LOW", f"uses the default lead time of {fmt_qty(days)} days for {item.name}"))

    # -- making -------------------------------------------------------------------------------------------
    def make(self, item: Item, bom: Bom, qty: Decimal, path: tuple[str, ...]) -> Cover:
        """Explode ``bom`` for ``qty`` (with scrap), cover the components, book the routing."""
        if item.sku in path:
            raise PromiseError(f"bill of materials cycle: {' -> '.join((*path, item.sku))}")
        if bom.output_quantity <= 0:
            raise PromiseError(f"bill of materials of {item.sku!r} has output quantity {bom.output_quantity}")
        cover = Cover(self.now)
        factor = qty / bom.output_quantity
        for bl in bom.lines:
            need = bl.quantity * factor * (1 + bl.scrap_percent / _HUNDRED)
            if need > 0:
                cover.absorb(self.resolve(bl.component_sku, need, top=False, path=(*path, item.sku)))
        self._run(item, bom, qty, cover)
        return cover

    def _make_split(self, item: Item, bom: Bom, qty: Decimal, path: tuple[str, ...]) -> Cover:
        """Lot splitting: a first lot on what components in stock cover now, the rest when supply comes.

        The first lot is sized (at most what stock covers) so the whole quantity is ready earliest; ties
        go to one lot, then to the larger first lot. The two lots may also run side by side on parallel
        lanes. Trying every size keeps the promise monotonic: with less stock the choice is among fewer
        sizes, never a better one (a bigger first lot can miss a gap that a smaller one fits)."""
        sizes = _first_lot_sizes(self._coverable_now(bom, qty), qty)
        best: tuple[datetime, Decimal] | None = None
        if len(sizes) > 1:
            for size in sizes:
                marks = (self.ledger.mark(), self.board.mark())
                ready = self._split(item, bom, qty, size, path).ready
                self.ledger.rollback(marks[0])
                self.board.rollback(marks[1])
                if best is None or ready < best[0]:
                    best = (ready, size)
        return self._split(item, bom, qty, best[1] if best else sizes[0], path)

    def _split(self, item: Item, bom: Bom, qty: Decimal, first_qty: Decimal, path: tuple[str, ...]) -> Cover:
        if not 0 < first_qty < qty:
            return self.make(item, bom, qty, path)
        first = self.make(item, bom, first_qty, path)
        second = self.make(item, bom, qty - first_qty, path)
        cover = Cover(self.now)
        cover.absorb(first)
        cover.absorb(second)
        cover.lots = [Lot(first_qty, first.ready), Lot(qty - first_qty, second.ready)]
        return cover

    def _coverable_now(self, bom: Bom, qty: Decimal) -> Decimal:
        best = qty
        for bl in bom.lines:
            per_unit = bl.quantity / bom.output_quantity * (1 + bl.scrap_percent / _HUNDRED)
            if per_unit > 0:
                best = min(best, self.ledger.available(bl.component_sku) / per_unit)
        if qty == qty.to_integral_value():  # whole pieces: no fraction of a gown in a lot
            best = best.to_integral_value(rounding=ROUND_FLOOR)
        return best

    def _run(self, item: Item, bom: Bom, qty: Decimal, cover: Cover) -> None:
        """Book the routing finish-to-start from ``cover.ready``; set ready and the binding constraint."""
        material_ready, material_constraint = cover.ready, cover.constraint
        material_binds = material_ready > self.now and material_constraint is not None and not cover.weak
        t = material_ready
        waited: Booking | None = None
        holiday: Constraint | None = None
        longest: tuple[Decimal, Booking] | None = None
        for op in sorted(bom.operations, key=lambda o: o.sequence):
            wc = self.board.work_center(op.work_center)
            cal = self.board.calendar(op.work_center)
            minutes = operation_minutes(op.setup_minutes, op.run_minutes_per_unit, qty, wc.efficiency)
            b = self.board.book(op.work_center, t, minutes)
            cover.operations.append(
                ScheduledOperation(item.sku, op.name, wc.code, b.lane, b.start, b.end, qty))
            if b.start > b.earliest:
                waited = b
            days_off = cal.holidays_between(cal.local_date(t), cal.local_date(b.end))
            if days_off and holiday is None:
                day, name = days_off[0]
                after = datetime.combine(day + timedelta(days=1), time(0), cal.zone)
                holiday = Constraint("holiday", f"{wc.name} closed {day.isoformat()} ({name})", sku=item.sku,
                                     work_center=wc.code, until=cal.next_working_instant(after))
            if longest is None or minutes > longest[0]:
                longest = (minutes, b)
            t = b.end
        cover.ready = t
        cover.weak = False
        if waited is not None:
            wc = self.board.work_center(waited.work_center)
            local = self.board.calendar(waited.work_center).local(waited.start)
            cover.constraint = Constraint("work_center", f"{wc.name} busy until {local:%Y-%m-%d %H:%M}",
                                          sku=item.sku, work_center=wc.code, until=waited.start)
        elif material_binds:
            cover.constraint = material_constraint
        elif holiday is not None:
            cover.constraint = holiday
        elif longest is not None:
            minutes, b = longest
            wc = self.board.work_center(b.work_center)
            local = self.board.calendar(b.work_center).local(t)
            cover.constraint = Constraint(
                "work_center",
                f"{wc.name}: {fmt_qty((minutes / 60).quantize(Decimal('0.1')))} h of work on "
                f"{fmt_qty(qty)} {item.unit} {item.name}; ready {local:%Y-%m-%d %H:%M}",
                sku=item.sku, work_center=wc.code, until=t,
            )
            cover.weak = True
        elif material_ready > self.now:
            cover.constraint, cover.weak = material_constraint, True
        else:
            cover.constraint = Constraint("none", f"{item.name} assembled from components in stock",
                                          sku=item.sku)
            cover.weak = True
        if not bom.operations:
            cover.reasons.append(("MEDIUM", f"no routing for {item.name}; production time is not scheduled"))
