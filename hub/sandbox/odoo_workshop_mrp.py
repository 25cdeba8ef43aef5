"""The seed's open manufacturing orders: work orders planned on the calendar, component moves, reservations.

Work orders are planned forward from ``Workshop.start`` on the "Workshop 40h" calendar, one lane per
unit of work-centre capacity (four sewing benches, two finishing tables, one cutting table): an
operation takes the lane that frees first after the previous operation ends and lasts
``setup + cleanup + quantity x minutes per unit x 100 / efficiency`` working minutes. The orders
marked in progress were cut in the two business days before ``today`` and sew from ``start``.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from hub.sandbox import odoo_seed_data as data
from hub.sandbox.odoo_workshop import (
    FABRIC_STORE,
    MANUFACTURING,
    PRODUCTION,
    STOCK,
    WorkingTime,
    Workshop,
    add_business_days,
    add_move,
    local,
)

__all__ = ["operation_minutes", "plan_productions", "reserve"]


def operation_minutes(center: dict[str, Any], cycle_minutes: float, quantity: Decimal) -> Decimal:
    """Expected minutes of one operation on ``center`` for ``quantity`` units."""
    setup = Decimal(str(center["time_start"])) + Decimal(str(center["time_stop"]))
    run = quantity * Decimal(str(cycle_minutes)) * 100 / Decimal(str(center["time_efficiency"]))
    return (setup + run).quantize(Decimal("0.01"))


def plan_productions(shop: Workshop, hours: WorkingTime) -> None:
    """Add the open manufacturing orders of ``odoo_seed_data.MOS`` with moves and work orders."""
    centers = {wc["id"]: wc for wc in shop.records["mrp.workcenter"].values()}
    lanes = {wc_id: [shop.start] * int(wc["default_capacity"]) for wc_id, wc in centers.items()}
    past_cut = local(add_business_days(shop.today, -2, hours.holidays), time(8))
    for mo_id, (name, sku, qty_text, origin, in_progress) in enumerate(data.MOS, start=1):
        product, quantity = shop.product(sku), Decimal(qty_text)
        bom = shop.records["mrp.bom"][product["bom_ids"][0]]
        operations = sorted(
            (shop.records["mrp.routing.workcenter"][i] for i in bom["operation_ids"]),
            key=lambda op: op["sequence"],
        )
        ready, workorders, spans = shop.start, [], []
        for step, op in enumerate(operations):
            center = centers[op["workcenter_id"]]
            minutes = operation_minutes(center, op["time_cycle_manual"], quantity)
            if in_progress and step == 0:  # cut before today
                begin, end = hours.add(past_cut, minutes)
                past_cut, state = end, "done"
            else:
                bench = min(range(len(lanes[center["id"]])), key=lambda i: max(lanes[center["id"]][i], ready))
                begin, end = hours.add(max(lanes[center["id"]][bench], ready), minutes)
                lanes[center["id"]][bench] = end
                state = "progress" if in_progress and step == 1 else ("ready" if step == 0 else "pending")
            ready = end
            spans.append((begin, end))
            workorders.append(
                shop.add(
                    "mrp.workorder",
                    {
                        "name": op["name"],
                        "production_id": mo_id,
                        "workcenter_id": center["id"],
                        "operation_id": op["id"],
                        "product_id": product["id"],
                        "qty_production": quantity,
                        "state": state,
                        "date_start": begin,
                        "date_finished": end,
                        "duration_expected": float(minutes),
                        "duration": float(minutes) if state == "done" else 0.0,
                        "display_name": f"{name} - {product['display_name']} - {op['name']}",
                    },
                )
            )
        start, finish = spans[0][0], spans[-1][1]
        raw = [
            _component_move(shop, name, origin, mo_id, line, quantity, start, in_progress)
            for line in (shop.records["mrp.bom.line"][i] for i in bom["bom_line_ids"])
        ]
        finished = add_move(
            shop,
            product,
            quantity,
            reference=name,
            date=finish,
            state="confirmed",
            location_id=PRODUCTION,
            location_dest_id=STOCK,
            picking_type_id=MANUFACTURING,
            picking_code="mrp_operation",
            origin=origin,
            production_id=mo_id,
        )
        shop.add(
            "mrp.production",
            {
                "name": name,
                "product_id": product["id"],
                "product_qty": quantity,
                "product_uom_id": product["uom_id"],
                "bom_id": bom["id"],
                "state": "progress" if in_progress else "confirmed",
                "date_start": start,
                "date_finished": finish,
                "date_deadline": False,
                "origin": origin,
                "priority": "0",
                "move_raw_ids": raw,
                "move_finished_ids": [finished],
                "workorder_ids": workorders,
                "picking_type_id": MANUFACTURING,
            },
            id_=mo_id,
        )


def _component_move(
    shop: Workshop,
    name: str,
    origin: str,
    mo_id: int,
    line: dict[str, Any],
    quantity: Decimal,
    start: datetime,
    in_progress: bool,
) -> int:
    part = shop.records["product.product"][line["product_id"]]
    needed = quantity * line["product_qty"] * (1 + line["x_studio_scrap_percent"] / 100)
    made_here = bool(part["bom_ids"])  # a sub-assembly waits for its own MO
    state = "assigned" if in_progress and not made_here else ("waiting" if made_here else "confirmed")
    return add_move(
        shop,
        part,
        needed,
        reference=name,
        date=start,
        state=state,
        quantity=needed if state == "assigned" else Decimal(0),
        location_id=STOCK,
        location_dest_id=PRODUCTION,
        picking_type_id=MANUFACTURING,
        picking_code="mrp_operation",
        origin=origin,
        raw_material_production_id=mo_id,
    )


def reserve(shop: Workshop) -> None:
    """Quants carry what assigned moves out of stock hold (fabric store first, then the shelf)."""
    held: dict[int, Decimal] = {}
    for move in shop.records["stock.move"].values():
        if move["state"] == "assigned" and move["location_id"] == STOCK:
            held[move["product_id"]] = held.get(move["product_id"], Decimal(0)) + move["quantity"]
    quants = sorted(shop.records["stock.quant"].values(), key=lambda q: q["location_id"] != FABRIC_STORE)
    for quant in quants:
        if quant["location_id"] not in (STOCK, FABRIC_STORE):
            continue
        take = min(quant["quantity"], held.get(quant["product_id"], Decimal(0)))
        quant["reserved_quantity"] = take
        held[quant["product_id"]] = held.get(quant["product_id"], Decimal(0)) - take
    short = {pid: qty for pid, qty in held.items() if qty > 0}
    if short:  # the seed tables promise more than is on the shelf
        raise AssertionError(f"reservations exceed stock: {short}")
