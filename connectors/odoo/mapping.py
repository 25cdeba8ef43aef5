"""Odoo records → the canonical ``InventorySnapshot`` (pure: no I/O, no clock).

Rules (Odoo's meaning → canonical):

- ``Item.sku`` is the product's Internal Reference (``default_code``), ``odoo-product-<id>`` without
  one. ``kind`` is ``finished`` when the product has a BOM and can be sold, else ``component``;
  ``make_or_buy`` is ``make`` when it has a BOM, unless its routes say Buy and not Manufacture.
  Lead time: the first vendor line's ``delay`` (buy) or ``produce_delay`` (make; on the product in
  16.0, on the BOM from 17.0). Safety stock: the
  sum of its reordering rules' ``product_min_qty``.
- Stock: quants of internal locations summed per product and location; ``reserved_quantity`` is
  reserved.
- Supply: open purchase lines (``product_qty - qty_received``; state ``purchase``/``done`` is a
  confirmed order, ``draft``/``sent``/``to approve`` an RFQ, so unconfirmed) at ``date_planned``; open
  manufacturing orders' remaining output at their planned finish.
- Demand: open stock moves of sales lines and of manufacturing orders' components, less what is
  already reserved or picked for them (that part is in the quants' ``reserved_quantity`` and must
  not be counted twice).
- BOMs: the product's first BOM (variant-specific before template-wide, then ``sequence``); lines
  with scrap when the server has a scrap field; operations from ``mrp.routing.workcenter`` with
  setup = the work centre's ``time_start`` and run minutes per unit = ``time_cycle_manual`` divided by
  the BOM's output quantity.
- Work centres: ``default_capacity`` (to 18.0) or the product-less ``mrp.workcenter.capacity`` row
  (19.0), efficiency ``time_efficiency / 100``.
- Calendars: attendances without a resource (lunch rows and section rows skipped; of two-week
  calendars, week "0"), and leaves without a resource (company holidays) as local dates.
- Load: work orders not done or cancelled, from planned start to planned finish.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    Ref,
    StockLevel,
    Supply,
    WorkCenter,
    WorkingHours,
)
from connectors.odoo import models as m

__all__ = ["OdooData", "to_snapshot"]

SOURCE = "odoo"
_UNITS = {"units": "pc", "unit": "pc", "unit(s)": "pc", "pcs": "pc", "piece": "pc", "pieces": "pc"}
CONFIRMED_PO_STATES = frozenset({"purchase", "done"})


@dataclass(frozen=True)
class OdooData:
    """Everything one snapshot read, as vendor models."""

    products: Sequence[m.Product]
    fetched_at: datetime
    suppliers: Sequence[m.SupplierInfo] = ()
    routes: Sequence[m.Route] = ()
    orderpoints: Sequence[m.Orderpoint] = ()
    quants: Sequence[m.Quant] = ()
    purchase_lines: Sequence[m.PurchaseLine] = ()
    purchase_orders: Sequence[m.PurchaseOrder] = ()
    productions: Sequence[m.Production] = ()
    moves: Sequence[m.StockMove] = ()
    boms: Sequence[m.Bom] = ()
    bom_lines: Sequence[m.BomLine] = ()
    operations: Sequence[m.RoutingOperation] = ()
    workcenters: Sequence[m.Workcenter] = ()
    capacities: Sequence[m.WorkcenterCapacity] = ()
    workorders: Sequence[m.Workorder] = ()
    calendars: Sequence[m.Calendar] = ()
    attendances: Sequence[m.Attendance] = ()
    leaves: Sequence[m.Leave] = ()


def ref(record: m.OdooRecord) -> Ref:
    return Ref(SOURCE, f"{record.model}/{record.id}")


def sku_of(product: m.Product) -> str:
    return product.default_code or f"odoo-product-{product.id}"


def _unit(product: m.Product) -> str:
    name = product.uom.name if product.uom else "Units"
    return _UNITS.get(name.strip().lower(), name)


def _positive(value: Decimal) -> bool:
    return value > 0


class _Index:
    """Lookups shared by the mapping steps."""

    def __init__(self, data: OdooData) -> None:
        self.products = {p.id: p for p in data.products}
        self.skus = {p.id: sku_of(p) for p in data.products}
        self.variants: dict[int, list[m.Product]] = defaultdict(list)
        for product in data.products:
            self.variants[product.product_tmpl_id.id].append(product)
        boms = sorted(
            (b for b in data.boms if b.active and b.type in {"normal", "phantom"}),
            key=lambda b: (b.product_id is None, b.sequence, b.id),
        )
        self.bom_of: dict[int, m.Bom] = {}
        for bom in boms:  # the first BOM that applies to a variant wins, as in Odoo's _bom_find
            if bom.product_id is not None:
                variant = self.products.get(bom.product_id.id)
                targets = [variant] if variant is not None else []
            else:
                targets = self.variants.get(bom.product_tmpl_id.id, [])
            for product in targets:
                self.bom_of.setdefault(product.id, bom)
        self.route_names = {r.id: r.name.lower() for r in data.routes}
        codes: dict[int, str] = {}
        for wc in sorted(data.workcenters, key=lambda w: w.id):
            code = wc.code or wc.name
            codes[wc.id] = code if code not in codes.values() else f"{code}-{wc.id}"
        self.wc_codes = codes


def _make_or_buy(product: m.Product, index: _Index) -> Literal["make", "buy"]:
    if product.id not in index.bom_of:
        return "buy"
    names = [index.route_names.get(route_id, "") for route_id in product.route_ids]
    buy = any("buy" in name for name in names)
    manufacture = any("manufactur" in name for name in names)
    return "buy" if buy and not manufacture else "make"


# A bought item without any vendor line has no known lead time; promising it as available at once
# would over-promise, so a conservative default stands in (and the engine says it used a default).
DEFAULT_LEAD_TIME_DAYS = Decimal(14)


def _items(data: OdooData, index: _Index, default_lead: Decimal) -> dict[str, Item]:
    sellers: dict[int, list[m.SupplierInfo]] = defaultdict(list)
    for info in sorted(data.suppliers, key=lambda s: (s.sequence, s.id)):
        sellers[info.product_tmpl_id.id].append(info)
    safety: dict[int, Decimal] = defaultdict(Decimal)
    for point in data.orderpoints:
        safety[point.product_id.id] += point.product_min_qty
    items: dict[str, Item] = {}
    for product in sorted(data.products, key=lambda p: p.id):
        mob = _make_or_buy(product, index)
        own = [
            s
            for s in sellers.get(product.product_tmpl_id.id, [])
            if s.product_id is None or s.product_id.id == product.id
        ]
        bom = index.bom_of.get(product.id)
        produce = product.produce_delay or (bom.produce_delay if bom else None) or Decimal(0)
        lead = produce if mob == "make" else (own[0].delay if own else default_lead)
        finished = product.id in index.bom_of and product.sale_ok
        kind: Literal["finished", "component"] = "finished" if finished else "component"
        items[index.skus[product.id]] = Item(
            sku=index.skus[product.id],
            name=product.name,
            unit=_unit(product),
            kind=kind,
            make_or_buy=mob,
            lead_time_days=Decimal(lead),
            safety_stock=safety.get(product.id, Decimal(0)),
            ref=ref(product),
        )
    return items


def _stock(data: OdooData, index: _Index) -> tuple[StockLevel, ...]:
    totals: dict[tuple[str, str], list[Decimal]] = {}
    first: dict[tuple[str, str], m.Quant] = {}
    for quant in sorted(data.quants, key=lambda q: q.id):
        if quant.product_id.id not in index.skus:
            continue
        key = (index.skus[quant.product_id.id], quant.location_id.name)
        total = totals.setdefault(key, [Decimal(0), Decimal(0)])
        total[0] += quant.quantity
        total[1] += quant.reserved_quantity
        first.setdefault(key, quant)
    return tuple(
        StockLevel(sku, location, on_hand, reserved, ref=ref(first[(sku, location)]))
        for (sku, location), (on_hand, reserved) in sorted(totals.items())
    )


def _supplies(data: OdooData, index: _Index) -> tuple[Supply, ...]:
    supplies: list[Supply] = []
    # A confirmed purchase order whose vendor has not confirmed the receipt date is still a guess.
    unconfirmed_dates = {o.id for o in data.purchase_orders if o.mail_reception_confirmed is False}
    for line in data.purchase_lines:
        open_qty = line.product_qty - line.qty_received
        if line.product_id is None or line.product_id.id not in index.skus or line.date_planned is None:
            continue
        if _positive(open_qty) and line.state not in {"cancel"}:
            supplies.append(
                Supply(
                    index.skus[line.product_id.id],
                    open_qty,
                    line.date_planned,
                    "purchase_order",
                    line.order_id.name,
                    confirmed=line.state in CONFIRMED_PO_STATES and line.order_id.id not in unconfirmed_dates,
                    ref=ref(line),
                )
            )
    for mo in data.productions:
        remaining = mo.product_qty - mo.qty_produced
        expected = mo.date_finished or mo.date_start
        if mo.product_id.id in index.skus and expected is not None and _positive(remaining):
            supplies.append(
                Supply(
                    index.skus[mo.product_id.id],
                    remaining,
                    expected,
                    "manufacturing_order",
                    mo.name,
                    confirmed=mo.state != "draft",
                    ref=ref(mo),
                )
            )
    return tuple(sorted(supplies, key=lambda s: (s.expected_at, s.sku, s.reference)))


def _demands(data: OdooData, index: _Index) -> tuple[Demand, ...]:
    demands: list[Demand] = []
    kind: Literal["sales_order", "manufacturing_order"]
    for move in data.moves:
        outstanding = move.product_uom_qty - move.covered
        if move.product_id.id not in index.skus or not _positive(outstanding):
            continue
        if move.raw_material_production_id is not None:
            kind, reference = "manufacturing_order", move.raw_material_production_id.name
        elif move.sale_line_id is not None:
            kind, reference = "sales_order", move.origin or move.reference or move.sale_line_id.name
        else:
            continue
        demands.append(
            Demand(index.skus[move.product_id.id], outstanding, move.date, kind, reference, ref=ref(move))
        )
    return tuple(sorted(demands, key=lambda d: (d.needed_at, d.sku, d.reference)))


def _boms(data: OdooData, index: _Index) -> dict[str, Bom]:
    lines: dict[int, list[m.BomLine]] = defaultdict(list)
    for line in sorted(data.bom_lines, key=lambda b: (b.sequence, b.id)):
        lines[line.bom_id.id].append(line)
    operations: dict[int, list[m.RoutingOperation]] = defaultdict(list)
    for op in sorted(data.operations, key=lambda o: (o.sequence, o.id)):
        operations[op.bom_id.id].append(op)
    setup = {wc.id: wc.time_start for wc in data.workcenters}
    boms: dict[str, Bom] = {}
    for product_id, bom in sorted(index.bom_of.items()):
        output = bom.product_qty if bom.product_qty > 0 else Decimal(1)
        bom_lines = tuple(
            BomLine(index.skus[line.product_id.id], line.product_qty, line.scrap or Decimal(0))
            for line in lines[bom.id]
            if line.product_id.id in index.skus
        )
        ops = tuple(
            Operation(
                op.sequence,
                op.name,
                index.wc_codes[op.workcenter_id.id],
                setup.get(op.workcenter_id.id, Decimal(0)),
                op.time_cycle_manual / output,
            )
            for op in operations[bom.id]
            if op.workcenter_id.id in index.wc_codes
        )
        boms[index.skus[product_id]] = Bom(index.skus[product_id], output, bom_lines, ops, ref=ref(bom))
    return boms


def _zone(name: str | None, default: str) -> str:
    for candidate in (name, default):
        if candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return "UTC"


def _clock(hours: Decimal) -> time:
    minutes = int((hours * 60).to_integral_value())
    return time.max if minutes >= 24 * 60 else time(minutes // 60, minutes % 60)


def _working_hours(rows: Iterable[m.Attendance], today: datetime) -> tuple[WorkingHours, ...]:
    rows = [
        a
        for a in rows
        if a.resource_id is None
        and a.display_type is None
        and a.day_period != "lunch"
        and (a.date_to is None or a.date_to >= today.date())
    ]
    if any(a.week_type for a in rows):  # two-week calendars: the canonical calendar has one week
        rows = [a for a in rows if a.week_type in {None, "0"}]
    hours = {
        WorkingHours(int(a.dayofweek), _clock(a.hour_from), _clock(a.hour_to))
        for a in rows
        if a.hour_to > a.hour_from
    }
    return tuple(sorted(hours, key=lambda h: (h.weekday, h.start)))


def _holidays(leaves: Iterable[m.Leave], calendar_id: int, zone: ZoneInfo) -> tuple[Holiday, ...]:
    holidays = set()
    for leave in leaves:
        if leave.resource_id is not None or (leave.calendar_id and leave.calendar_id.id != calendar_id):
            continue
        start = leave.date_from.astimezone(zone)
        end = leave.date_to.astimezone(zone)
        last = end.date() if end.time() != time(0) else end.date() - timedelta(days=1)
        holidays.add(Holiday(start.date(), max(start.date(), last), leave.name or "Holiday"))
    return tuple(sorted(holidays, key=lambda h: (h.start, h.end, h.name)))


def _calendars(data: OdooData, default_tz: str) -> dict[str, Calendar]:
    rows: dict[int, list[m.Attendance]] = defaultdict(list)
    for attendance in data.attendances:
        rows[attendance.calendar_id.id].append(attendance)
    calendars: dict[str, Calendar] = {}
    for cal in sorted(data.calendars, key=lambda c: c.id):
        tz = _zone(cal.tz, default_tz)
        calendars[str(cal.id)] = Calendar(
            str(cal.id),
            cal.name,
            tz,
            _working_hours(rows[cal.id], data.fetched_at),
            _holidays(data.leaves, cal.id, ZoneInfo(tz)),
            ref=ref(cal),
        )
    return calendars


def _work_centers(data: OdooData, index: _Index, calendars: dict[str, Calendar]) -> dict[str, WorkCenter]:
    fallback = next(iter(calendars), "")
    default_capacity: dict[int, Decimal] = {}
    for row in sorted(data.capacities, key=lambda r: (r.product_id is not None, r.id)):
        default_capacity.setdefault(row.workcenter_id.id, row.capacity)  # the product-less row first
    centers: dict[str, WorkCenter] = {}
    for wc in sorted(data.workcenters, key=lambda w: w.id):
        capacity = wc.capacity if wc.capacity is not None else default_capacity.get(wc.id, Decimal(1))
        calendar = str(wc.resource_calendar_id.id) if wc.resource_calendar_id else fallback
        code = index.wc_codes[wc.id]
        centers[code] = WorkCenter(
            code,
            wc.name,
            calendar if calendar in calendars else fallback,
            capacity=max(1, int(capacity)),
            efficiency=(wc.time_efficiency / 100) if wc.time_efficiency > 0 else Decimal(1),
            ref=ref(wc),
        )
    return centers


def _loads(data: OdooData, index: _Index) -> tuple[Load, ...]:
    loads = [
        Load(
            index.wc_codes[wo.workcenter_id.id],
            wo.date_start,
            wo.date_finished,
            " ".join(filter(None, (wo.production_id.name if wo.production_id else None, wo.name))),
            ref=ref(wo),
        )
        for wo in data.workorders
        if wo.state not in {"done", "cancel"}
        and wo.date_start
        and wo.date_finished
        and wo.date_finished > wo.date_start
        and wo.workcenter_id.id in index.wc_codes
    ]
    return tuple(sorted(loads, key=lambda load: (load.start, load.work_center, load.reference)))


def to_snapshot(
    data: OdooData, *, default_timezone: str = "UTC", default_lead_time_days: Decimal = DEFAULT_LEAD_TIME_DAYS
) -> InventorySnapshot:
    """The canonical snapshot of one Odoo read; ``default_timezone`` for calendars without ``tz``,
    ``default_lead_time_days`` for bought items that have no vendor line."""
    index = _Index(data)
    calendars = _calendars(data, default_timezone)
    return InventorySnapshot(
        items=_items(data, index, default_lead_time_days),
        stock=_stock(data, index),
        supplies=_supplies(data, index),
        demands=_demands(data, index),
        boms=_boms(data, index),
        work_centers=_work_centers(data, index, calendars),
        calendars=calendars,
        loads=_loads(data, index),
        fetched_at=data.fetched_at,
        source_times={SOURCE: data.fetched_at},
    )
