"""The seeded Odoo database as records: ``Workshop``, the working-time arithmetic and ``populate_site``.

Records are Odoo 19-named dicts with ids, aware UTC datetimes and ``Decimal`` quantities.
``populate_site`` adds the company, partners, locations, the calendar with its holiday and the work
centres; ``odoo_workshop_orders`` the products and orders, ``odoo_workshop_mrp`` manufacturing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hub.sandbox import odoo_seed_data as data

__all__ = [
    "TIMEZONE",
    "Workshop",
    "WorkingTime",
    "add_business_days",
    "add_move",
    "bank_holiday",
    "local",
    "populate_site",
]

TIMEZONE = "Europe/London"
_TZ = ZoneInfo(TIMEZONE)
_PERIODS = ((8, 12, "morning"), (13, 17, "afternoon"))
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
# Odoo's usual ids for the standard locations and operation types of the first warehouse.
STOCK, FABRIC_STORE, VENDORS, CUSTOMERS, ADJUSTMENT, PRODUCTION = 8, 9, 4, 5, 14, 15
RECEIPTS, DELIVERIES, MANUFACTURING = 1, 2, 8
UNITS, METRES = 1, 5


def _workday(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(day: date, days: int, holidays: frozenset[date] = frozenset()) -> date:
    """``day`` moved by ``days`` working days (Mon-Fri, skipping ``holidays``); negative goes back."""
    step = 1 if days >= 0 else -1
    for _ in range(abs(days)):
        day += timedelta(days=step)
        while not _workday(day, holidays):
            day += timedelta(days=step)
    return day


def bank_holiday(today: date) -> date:
    """The Monday of the week after next: always 8 to 14 days ahead, inside the next three weeks."""
    return today + timedelta(days=14 - today.weekday())


def local(day: date, at: time) -> datetime:
    """A wall-clock time in the workshop (Europe/London), as UTC."""
    return datetime.combine(day, at, _TZ).astimezone(UTC)


class WorkingTime:
    """Working minutes on the Workshop 40h calendar with the holidays taken out."""

    def __init__(self, holidays: frozenset[date]) -> None:
        self.holidays = holidays

    def intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = start.astimezone(_TZ).date()
        while True:
            if _workday(day, self.holidays):
                for begin, end, _ in _PERIODS:
                    lo, hi = local(day, time(begin)), local(day, time(end))
                    if hi > start:
                        yield max(lo, start), hi
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: Decimal) -> tuple[datetime, datetime]:
        """(when the work really starts, when it ends) for ``minutes`` of work from ``start``."""
        left, begun = timedelta(minutes=float(minutes)), None
        for lo, hi in self.intervals(start):
            begun = begun or lo
            if hi - lo >= left:
                return begun, (lo + left).replace(microsecond=0)
            left -= hi - lo
        raise AssertionError("unreachable: the calendar never ends")


@dataclass
class Workshop:
    """The seeded Odoo database: ``records[model][id]`` in Odoo 19 field names."""

    today: date
    start: datetime  # the first working moment on or after ``today`` (UTC)
    holiday: date
    records: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def add(self, model: str, values: dict[str, Any], *, id_: int | None = None) -> int:
        table = self.records.setdefault(model, {})
        new_id = id_ if id_ is not None else max(table, default=0) + 1
        stamp = datetime.combine(self.today, time(), UTC) - timedelta(hours=len(table) + 1)
        record: dict[str, Any] = {
            "id": new_id,
            "create_date": stamp - timedelta(days=30),
            "write_date": stamp,
        }
        record |= values
        record.setdefault("display_name", values.get("name") or f"{model},{new_id}")
        table[new_id] = record
        return new_id

    def find(self, model: str, **match: Any) -> dict[str, Any]:
        """The one record of ``model`` whose fields equal ``match``."""
        rows = self.records.get(model, {}).values()
        hits = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} {model} records match {match}")
        return hits[0]

    def product(self, sku: str) -> dict[str, Any]:
        return self.find("product.product", default_code=sku)


def populate_site(shop: Workshop) -> None:
    """The company, partners, units, routes, locations, calendar with its holiday and work centres."""
    _company(shop)
    _calendar(shop)


def _company(shop: Workshop) -> None:
    shop.add("res.company", {"name": "Costume Workshop Ltd", "partner_id": 1}, id_=1)
    shop.add("res.partner", {"name": "Costume Workshop Ltd", "is_company": True}, id_=1)
    for name in (*data.VENDORS, *data.CUSTOMERS):
        shop.add("res.partner", {"name": name, "is_company": True})
    shop.add("uom.uom", {"name": "Units", "rounding": Decimal("0.01")}, id_=UNITS)
    shop.add("uom.uom", {"name": "m", "rounding": Decimal("0.01")}, id_=METRES)
    for name in ("Buy", "Manufacture", "Replenish on Order (MTO)"):
        shop.add("stock.route", {"name": name, "product_selectable": True, "active": True})
    shop.add("stock.warehouse", {"name": "Costume Workshop", "code": "WH", "lot_stock_id": STOCK})
    for id_, path, usage, parent in (
        (1, "Physical Locations", "view", False),
        (2, "Partners", "view", False),
        (3, "Virtual Locations", "view", False),
        (VENDORS, "Partners/Vendors", "supplier", 2),
        (CUSTOMERS, "Partners/Customers", "customer", 2),
        (7, "WH", "view", 1),
        (STOCK, "WH/Stock", "internal", 7),
        (FABRIC_STORE, "WH/Stock/Fabric Store", "internal", STOCK),
        (ADJUSTMENT, "Virtual Locations/Inventory adjustment", "inventory", 3),
        (PRODUCTION, "Virtual Locations/Production", "production", 3),
    ):
        values = {
            "name": path.rsplit("/", 1)[-1],
            "complete_name": path,
            "display_name": path,
            "usage": usage,
            "location_id": parent,
            "warehouse_id": 1 if path.startswith("WH") else False,
        }
        shop.add("stock.location", values, id_=id_)
    for id_, name, code in (
        (RECEIPTS, "Receipts", "incoming"),
        (DELIVERIES, "Delivery Orders", "outgoing"),
        (MANUFACTURING, "Manufacturing", "mrp_operation"),
    ):
        shop.add(
            "stock.picking.type",
            {"name": name, "code": code, "warehouse_id": 1, "display_name": f"Costume Workshop: {name}"},
            id_=id_,
        )


def _calendar(shop: Workshop) -> None:
    attendances = []
    for weekday, day in enumerate(_DAYS):
        # Odoo 17+ calendars carry a "lunch" line that is not working time (dropped for 16).
        for begin, end, period in (*_PERIODS[:1], (12, 13, "lunch"), *_PERIODS[1:]):
            attendances.append(
                shop.add(
                    "resource.calendar.attendance",
                    {
                        "name": f"{day} {period.capitalize()}",
                        "calendar_id": 1,
                        "dayofweek": str(weekday),
                        "hour_from": float(begin),
                        "hour_to": float(end),
                        "day_period": period,
                        "week_type": False,
                        "date_from": False,
                        "date_to": False,
                        "resource_id": False,
                    },
                )
            )
    shop.add(
        "resource.calendar",
        {
            "name": "Workshop 40h",
            "tz": TIMEZONE,
            "hours_per_day": 8.0,
            "company_id": 1,
            "attendance_ids": attendances,
            "leave_ids": [],
            "flexible_hours": False,
            "two_weeks_calendar": False,
        },
        id_=1,
    )
    # A public holiday: company-wide (no calendar, no resource), the whole local day.
    shop.add(
        "resource.calendar.leaves",
        {
            "name": "Bank holiday",
            "calendar_id": False,
            "resource_id": False,
            "company_id": 1,
            "date_from": local(shop.holiday, time(0)),
            "date_to": local(shop.holiday, time(23, 59, 59)),
            "time_type": "leave",
        },
    )
    for code, name, capacity, efficiency, setup, cleanup, cost in data.WORK_CENTERS:
        resource = shop.add(
            "resource.resource",
            {
                "name": name,
                "resource_type": "material",
                "calendar_id": 1,
                "time_efficiency": float(efficiency),
                "tz": TIMEZONE,
            },
        )
        wc = shop.add(
            "mrp.workcenter",
            {
                "name": name,
                "code": code,
                "default_capacity": float(capacity),
                "time_efficiency": float(efficiency),
                "resource_calendar_id": 1,
                "resource_id": resource,
                "time_start": float(setup),
                "time_stop": float(cleanup),
                "costs_hour": Decimal(cost),
                "oee_target": 90.0,
                "active": True,
            },
        )
        # Odoo 19 keeps capacity only here; a line without a product applies to every product.
        line = shop.add(
            "mrp.workcenter.capacity",
            {
                "workcenter_id": wc,
                "product_id": False,
                "product_uom_id": UNITS,
                "capacity": float(capacity),
                "time_start": float(setup),
                "time_stop": float(cleanup),
                "display_name": name,
            },
        )
        shop.records["mrp.workcenter"][wc]["capacity_ids"] = [line]


def add_move(shop: Workshop, product: dict[str, Any], demand: Decimal, **values: Any) -> int:
    defaults = {
        "product_id": product["id"],
        "product_uom_qty": demand,
        "product_uom": product["uom_id"],
        "quantity": Decimal(0),
        "date_deadline": False,
        "sale_line_id": False,
        "purchase_line_id": False,
        "raw_material_production_id": False,
        "production_id": False,
        "origin": False,
    }
    defaults |= values
    defaults.setdefault("display_name", f"{defaults['reference']}: {product['display_name']}")
    return shop.add("stock.move", defaults)
