"""``promise()`` and ``recheck()``: from a snapshot and order lines to dates with their reasons.

Pure and deterministic: no I/O, no wall clock (``now`` is a parameter), no randomness. Lines are planned
in order over one shared ATP ledger and capacity board, so line 2 never gets what line 1 took.

Dates: ``ship = ready + packing_days`` and ``delivery = ship + transit_business_days + security_days``,
all business days (Mon-Fri minus the ship calendar's holidays) counted from the ship-calendar-local date
of ``ready``. The naive date, for contrast, is today + lead time + packing + transit in calendar days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal

from connectors.inventory import InventorySnapshot, Item
from hub.promise.calendar import WorkingCalendar, default_calendar
from hub.promise.model import (
    Confidence,
    Constraint,
    LinePromise,
    Lot,
    OrderLine,
    OrderPromise,
    Policy,
    PromiseError,
    Recheck,
    ShipmentOption,
)
from hub.promise.planner import Cover, Planner, fmt_qty

__all__ = ["promise", "recheck", "ship_calendar"]

_DEFAULT_POLICY = Policy()  # frozen, so one shared default is safe


class _Calendars:
    """Working calendars of one snapshot, built on first use."""

    def __init__(self, snapshot: InventorySnapshot) -> None:
        self._snapshot = snapshot
        self._built: dict[str, WorkingCalendar] = {}

    def get(self, calendar_id: str) -> WorkingCalendar:
        wc = self._built.get(calendar_id)
        if wc is None:
            cal = self._snapshot.calendars.get(calendar_id)
            if cal is None:
                raise PromiseError(f"unknown calendar {calendar_id!r}")
            wc = self._built[calendar_id] = WorkingCalendar(cal)
        return wc

    def ship(self, policy: Policy) -> WorkingCalendar:
        if policy.ship_calendar_id is not None:
            return self.get(policy.ship_calendar_id)
        for wc in self._snapshot.work_centers.values():
            return self.get(wc.calendar_id)
        for cal_id in self._snapshot.calendars:
            return self.get(cal_id)
        return WorkingCalendar(default_calendar())


def ship_calendar(snapshot: InventorySnapshot, policy: Policy = _DEFAULT_POLICY) -> WorkingCalendar:
    """The calendar whose business days count packing, transit and slack under ``policy``."""
    return _Calendars(snapshot).ship(policy)


def promise(snapshot: InventorySnapshot, lines: Sequence[OrderLine], *, now: datetime,
            policy: Policy = _DEFAULT_POLICY, requested_date: date | None = None) -> OrderPromise:
    """When can this order be delivered, and why then?

    >>> promise(snapshot, [OrderLine("FIN-TAILCOAT", Decimal(2))], now=now).delivery_date  # doctest: +SKIP
    """
    now = _utc(now)
    request = tuple(_checked_line(line, i) for i, line in enumerate(lines))
    if not request:
        raise PromiseError("an order needs at least one line")
    _check_policy(policy)
    cals = _Calendars(snapshot)
    ship_cal = cals.ship(policy)
    planner = Planner(snapshot, now, cals.get, ship_cal)
    stale = _staleness(snapshot, now, policy)
    out: list[LinePromise] = []
    for line in request:
        cover = planner.plan_line(line.sku, line.quantity, lot_splitting=policy.lot_splitting)
        out.append(_line(line, planner.item(line.sku), cover, ship_cal, policy, now, stale))

    latest = max(out, key=lambda lp: (lp.ready_at, lp.delivery_date))
    delivery = max(lp.delivery_date for lp in out)
    can_meet = slack = None
    if requested_date is not None:
        can_meet = delivery <= requested_date
        slack = ship_cal.business_days_between(delivery, requested_date)
    levels = [lp.confidence.level for lp in out]
    reasons = _dedup(r for lp in out for r in lp.confidence.reasons)
    return OrderPromise(
        now=now,
        lines=tuple(out),
        ship_complete_date=max(lp.ship_date for lp in out),
        delivery_date=delivery,
        partial_shipments=_partials(out, ship_cal, policy),
        requested_date=requested_date,
        can_meet=can_meet,
        slack_business_days=slack,
        constraint=latest.constraint,
        confidence=Confidence(Confidence.weakest(levels), reasons),
        naive_delivery_date=max(lp.naive_delivery_date for lp in out),
        policy=policy,
        request=request,
    )


def recheck(previous: OrderPromise, snapshot: InventorySnapshot, *, now: datetime) -> Recheck:
    """Promise the same request again on fresh data; ``slipped`` when delivery moved later."""
    new = promise(snapshot, previous.request, now=now, policy=previous.policy,
                  requested_date=previous.requested_date)
    cal = _Calendars(snapshot).ship(previous.policy)
    before, after = previous.delivery_date, new.delivery_date
    slip = cal.business_days_between(before, after)
    reasons: list[str] = []
    if after > before:
        reasons.append(f"delivery slips {slip} business day{'s' if slip != 1 else ''}: "
                       f"{before.isoformat()} -> {after.isoformat()}")
        for old_line, new_line in zip(previous.lines, new.lines, strict=False):
            if new_line.delivery_date > old_line.delivery_date:
                reasons.append(f"{new_line.sku}: {new_line.constraint.description}")
    elif after < before:
        reasons.append(f"delivery improves by {-slip} business days: "
                       f"{before.isoformat()} -> {after.isoformat()}")
    else:
        reasons.append(f"delivery unchanged: {after.isoformat()}")
    if previous.can_meet and new.can_meet is False and previous.requested_date is not None:
        reasons.append(f"the requested date {previous.requested_date.isoformat()} can no longer be met")
    return Recheck(before, after, after > before, slip, new, tuple(reasons))


# -- helpers -------------------------------------------------------------------------------------------------
def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise PromiseError("now must be timezone-aware")
    return now.astimezone(UTC)


def _checked_line(line: OrderLine, index: int) -> OrderLine:
    qty = line.quantity
    if isinstance(qty, int) and not isinstance(qty, bool):
        qty = Decimal(qty)
    if not isinstance(qty, Decimal) or not qty.is_finite():
        raise PromiseError(f"lines[{index}] ({line.sku}): quantity must be a Decimal, got {qty!r}")
    if qty <= 0:
        raise PromiseError(f"lines[{index}] ({line.sku}): quantity must be positive, got {qty}")
    return line if qty is line.quantity else OrderLine(line.sku, qty)


def _check_policy(policy: Policy) -> None:
    for name in ("packing_days", "transit_business_days", "security_days", "max_data_age_minutes"):
        if getattr(policy, name) < 0:
            raise PromiseError(f"policy.{name} must not be negative")


def _staleness(snapshot: InventorySnapshot, now: datetime, policy: Policy) -> list[tuple[str, str]]:
    limit = timedelta(minutes=policy.max_data_age_minutes)
    times = dict(snapshot.source_times)
    out = [("MEDIUM", f"inventory data from {src} is {_age(now - t)} old")
           for src, t in sorted(times.items()) if now - t > limit]
    if not times and snapshot.fetched_at is not None and now - snapshot.fetched_at > limit:
        out.append(("MEDIUM", f"inventory data is {_age(now - snapshot.fetched_at)} old"))
    return out


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def _dedup(texts: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(texts))  # type: ignore[call-overload]


def _line(line: OrderLine, item: Item, cover: Cover, cal: WorkingCalendar, policy: Policy,
          now: datetime, stale: list[tuple[str, str]]) -> LinePromise:
    ready = cover.ready
    ship = cal.add_business_days(cal.local_date(ready), policy.packing_days)
    delivery = cal.add_business_days(ship, policy.transit_business_days + policy.security_days)
    constraint = cover.constraint or _stock_constraint(item, line.quantity, cal, ready, delivery)
    reasons = cover.reasons + stale
    lots: dict[datetime, Decimal] = {}
    for lot in cover.lots:
        lots[lot.ready_at] = lots.get(lot.ready_at, Decimal(0)) + lot.quantity
    lead = int(item.lead_time_days.to_integral_value(rounding=ROUND_CEILING))
    naive = cal.local_date(now) + timedelta(days=lead + policy.packing_days + policy.transit_business_days)
    return LinePromise(
        sku=line.sku,
        quantity=line.quantity,
        from_stock=cover.from_stock,
        to_produce=line.quantity - cover.from_stock,
        ready_at=ready,
        ship_date=ship,
        delivery_date=delivery,
        constraint=constraint,
        confidence=Confidence(Confidence.weakest(lv for lv, _ in reasons), _dedup(t for _, t in reasons)),
        naive_delivery_date=naive,
        operations=tuple(sorted(cover.operations, key=lambda op: (op.start, op.end))),
        lots=tuple(Lot(q, t) for t, q in sorted(lots.items())),
        allocations=tuple(cover.allocations),
    )


def _stock_constraint(item: Item, qty: Decimal, cal: WorkingCalendar, ready: datetime,
                      delivery: date) -> Constraint:
    days_off = cal.holidays_between(cal.local_date(ready), delivery)
    if days_off:
        day, name = days_off[0]
        return Constraint("holiday", f"{cal.calendar.name} closed {day.isoformat()} ({name}); "
                          "shipping and transit skip it", sku=item.sku)
    return Constraint("none", f"all {fmt_qty(qty)} {item.unit} of {item.name} from stock", sku=item.sku)


def _partials(lines: list[LinePromise], cal: WorkingCalendar, policy: Policy) -> tuple[ShipmentOption, ...]:
    """Ship each lot as it is ready: one option per distinct ship date (none if all ship together)."""
    if not policy.allow_partial:
        return ()
    by_date: dict[date, dict[str, Decimal]] = {}
    for lp in lines:
        for lot in lp.lots:
            ship = cal.add_business_days(cal.local_date(lot.ready_at), policy.packing_days)
            bucket = by_date.setdefault(ship, {})
            bucket[lp.sku] = bucket.get(lp.sku, Decimal(0)) + lot.quantity
    if len(by_date) < 2:
        return ()
    transit = policy.transit_business_days + policy.security_days
    return tuple(
        ShipmentOption(ship, cal.add_business_days(ship, transit), tuple(by_date[ship].items()))
        for ship in sorted(by_date)
    )
