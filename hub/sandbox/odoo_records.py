"""The seeded workshop as one Odoo version stores it: field names and values per server version.

``render(workshop, major)`` copies ``Workshop.records`` (Odoo 19 names) and applies the differences
of Odoo ``major`` (see ``hub.sandbox.odoo``'s docstring), then keeps only the fields that version has.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hub.sandbox.odoo_schema import fields_for
from hub.sandbox.odoo_workshop import Workshop

__all__ = ["render"]

Records = dict[str, dict[int, dict[str, Any]]]


def _product(record: dict[str, Any], major: int) -> None:
    if major < 18:  # one selection: "product" was the storable type until is_storable (18.0)
        kind = "product" if record["is_storable"] and record["type"] == "consu" else record["type"]
        record["type"] = record["detailed_type"] = kind
    if major < 19:  # the purchase unit moved to the vendor line in 19.0
        record["uom_po_id"] = record["uom_id"]


def _rename(record: dict[str, Any], old: str, new: str) -> None:
    record[old] = record.pop(new)


def _v16_workorder(record: dict[str, Any]) -> None:
    # 16.0 had scheduled (date_planned_*) and effective (date_start/date_finished) dates apart.
    record["date_planned_start"], record["date_planned_finished"] = (
        record["date_start"],
        record["date_finished"],
    )
    started, done = record["state"] in ("progress", "done"), record["state"] == "done"
    record["date_start"] = record["date_start"] if started else False
    record["date_finished"] = record["date_finished"] if done else False


def render(workshop: Workshop, major: int) -> Records:
    """The records of ``workshop`` as Odoo ``major`` (16-19) names and shapes them."""
    records: Records = copy.deepcopy(workshop.records)
    for model in ("product.template", "product.product"):
        for record in records[model].values():
            _product(record, major)
    if major < 19:
        for model in ("purchase.order.line", "sale.order.line"):
            for record in records[model].values():
                _rename(record, "product_uom", "product_uom_id")
        # Until 18.0 capacity was a work-centre field and a capacity line needed a product.
        records["mrp.workcenter.capacity"] = {
            i: r for i, r in records["mrp.workcenter.capacity"].items() if r["product_id"]
        }
        for record in records["mrp.workcenter"].values():
            record["capacity_ids"] = [
                i for i in record["capacity_ids"] if i in records["mrp.workcenter.capacity"]
            ]
    if major == 16:
        for record in records["stock.move"].values():
            record["reserved_availability"], record["quantity_done"] = record["quantity"], Decimal(0)
        for record in records["mrp.production"].values():
            _rename(record, "date_planned_start", "date_start")
            _rename(record, "date_planned_finished", "date_finished")
        for record in records["mrp.workorder"].values():
            _v16_workorder(record)
        lunch = {i for i, r in records["resource.calendar.attendance"].items() if r["day_period"] == "lunch"}
        for i in lunch:
            del records["resource.calendar.attendance"][i]
        for record in records["resource.calendar"].values():
            record["attendance_ids"] = [i for i in record["attendance_ids"] if i not in lunch]
    for model, table in records.items():
        names = fields_for(model, major)
        for record in table.values():
            for key in [k for k in record if k not in names]:
                del record[key]
    return records
