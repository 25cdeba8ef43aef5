"""The costume shop's workshop as its Odoo database holds it, built deterministically from ``today``.

``build_workshop(today)`` returns a ``Workshop`` whose ``records`` map an Odoo model to ``{id: record}``
in Odoo 19 field names (``hub.sandbox.odoo_records`` renames them for 16-18). Many2one values are ids
or ``False``, x2many values id lists, datetimes aware UTC, quantities ``Decimal``. Every date is
relative to ``today``; ``Workshop.start`` is the first working moment on or after it.

What is in it (``SEED_NOTES`` and ``Workshop.notes`` hold the facts tests assert on):

* the 15 SKUs of INVENTORY.md: fabrics and trims bought in metres and pieces, one made sub-assembly,
  a stocked corset, three made-to-order costumes; BOMs with scrap (the Studio field
  ``x_studio_scrap_percent`` on BOM lines: Odoo itself has no scrap factor) and routings
  Cutting -> Sewing -> Finishing (gown: 90, 900 and 180 minutes a unit);
* quants in two internal locations, plus a negative one in the inventory-adjustment location (not stock);
* four open purchase orders; P00041 is late and part-received; P00044 (gold brocade) is confirmed by
  the shop but its receipt date is not confirmed by the vendor (``mail_reception_confirmed`` false);
* seven open sales orders with delivery moves (the stocked corset's are reserved);
* calendar "Workshop 40h" (Europe/London, Mon-Fri 08:00-12:00 and 13:00-17:00) and a company-wide bank
  holiday (``calendar_id`` false) 8-14 days ahead;
* twelve open manufacturing orders whose sewing work orders keep the Sewing Room's four benches busy
  for about eight business days.

>>> shop = build_workshop(date(2026, 3, 2)); shop.holiday, len(shop.records["mrp.production"])
(datetime.date(2026, 3, 16), 12)
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from hub.sandbox.odoo_workshop import (
    TIMEZONE,
    WorkingTime,
    Workshop,
    add_business_days,
    bank_holiday,
    local,
    populate_site,
)
from hub.sandbox.odoo_workshop_mrp import plan_productions, reserve
from hub.sandbox.odoo_workshop_orders import populate_orders

__all__ = [
    "ODOO_API_KEY",
    "ODOO_COMPANY_TZ",
    "ODOO_DATABASE",
    "ODOO_LOGIN",
    "ODOO_PASSWORD",
    "ODOO_UID",
    "ODOO_VERSION",
    "SEED_NOTES",
    "Workshop",
    "add_business_days",
    "build_workshop",
]

ODOO_DATABASE = "costume_shop"
ODOO_API_KEY = "odoo_sandbox_api_key_costume_shop"  # noqa: S105 - public sandbox value
ODOO_LOGIN = "planner@costume.shop"
ODOO_PASSWORD = "odoo-sandbox"  # noqa: S105 - public sandbox value
ODOO_UID = 6
ODOO_VERSION = "19.0"
ODOO_COMPANY_TZ = TIMEZONE

# Facts that hold whatever ``today`` is; the dates are in ``Workshop.notes``.
SEED_NOTES: dict[str, Any] = {
    "short_sku": "FAB-SILK-DUPIONI",  # 3.5 m on hand; the two gown MOs need 7.02 m each
    "short_po": "P00042",  # 40 m of it, expected 5 business days after today (vendor confirmed)
    "short_po_business_days": 5,
    "unconfirmed_po": "P00044",  # 15 m gold brocade, 8 business days, date not confirmed by the vendor
    "unconfirmed_sku": "FAB-BROCADE-GOLD",  # 2.7 m on hand, 2.64 m held by the bodice MOs
    "unconfirmed_po_business_days": 8,
    "late_po": "P00041",  # brass buttons, expected 2 business days ago, 120 of 200 received
    "in_stock_sku": "FIN-CORSET-M",  # on hand 8, reserved 6 (S00030: 2, S00032: 4), safety stock 3
    "in_stock_on_hand": Decimal(8),
    "in_stock_reserved": Decimal(6),
    "in_stock_safety": Decimal(3),
    "no_vendor_sku": "TRM-LACE-CHANTILLY",  # no supplier info: a connector falls back to a default lead
    "made_to_order": ("FIN-VICTORIAN-GOWN", "FIN-TAILCOAT", "FIN-CHORUS-TUNIC"),
    "multi_level": ("FIN-VICTORIAN-GOWN", "SUB-CORSET-BODICE"),
    "calendar": "Workshop 40h",
    "busy_work_center": "SEW",
    "open_mos": 12,
    "open_sales": 7,
    "open_purchases": 4,
    "gown_minutes": {"CUT": 90, "SEW": 900, "FIN": 180},
}


def build_workshop(today: date) -> Workshop:
    """The costume workshop as of ``today``; the same ``today`` always gives an equal workshop."""
    holiday = bank_holiday(today)
    hours = WorkingTime(frozenset({holiday}))
    start = next(hours.intervals(local(today, time(0))))[0]
    shop = Workshop(today=today, start=start, holiday=holiday)
    populate_site(shop)
    populate_orders(shop, hours.holidays)
    plan_productions(shop, hours)
    reserve(shop)
    sew = shop.find("mrp.workcenter", code="SEW")["id"]
    shop.notes = {
        **SEED_NOTES,
        "start": start,
        "holiday": holiday,
        "short_po_date": add_business_days(today, 5, hours.holidays),
        "unconfirmed_po_date": add_business_days(today, 8, hours.holidays),
        "sew_busy_until": max(
            wo["date_finished"] for wo in shop.records["mrp.workorder"].values() if wo["workcenter_id"] == sew
        ),
    }
    return shop
