"""The seed's products (with vendors, quants, reordering rules and BOMs) and its open purchase and
sales orders with their receipt and delivery moves."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from hub.sandbox import odoo_seed_data as data
from hub.sandbox.odoo_workshop import (
    ADJUSTMENT,
    CUSTOMERS,
    DELIVERIES,
    FABRIC_STORE,
    METRES,
    RECEIPTS,
    STOCK,
    UNITS,
    VENDORS,
    Workshop,
    add_business_days,
    add_move,
    local,
)

__all__ = ["populate_orders"]


def populate_orders(shop: Workshop, holidays: frozenset[date]) -> None:
    """Products, BOMs, quants, reordering rules, purchase and sales orders."""
    _products(shop)
    _purchases(shop, holidays)
    _sales(shop, holidays)


def _partner(shop: Workshop, name: str) -> int:
    return int(shop.find("res.partner", name=name)["id"])


def _products(shop: Workshop) -> None:
    routes = {"buy": 1, "manufacture": 2, "mto": 3}
    for sku, name, unit, route_names, vendor, delay, cost, stock, sale_delay, produce_delay in data.PRODUCTS:
        pid = max(shop.records.get("product.template", {}), default=0) + 1
        sellers = []
        if vendor:
            sellers.append(
                shop.add(
                    "product.supplierinfo",
                    {
                        "partner_id": _partner(shop, vendor),
                        "product_tmpl_id": pid,
                        "product_id": False,
                        "min_qty": Decimal(0),
                        "price": Decimal(cost),
                        "delay": delay,
                        "display_name": vendor,
                    },
                )
            )
        values = {
            "name": name,
            "display_name": f"[{sku}] {name}",
            "default_code": sku,
            "type": "consu",
            "is_storable": True,
            "uom_id": METRES if unit == "m" else UNITS,
            "sale_ok": sku.startswith("FIN"),
            "purchase_ok": vendor is not None or sku.startswith("TRM"),
            "active": True,
            "route_ids": [routes[r] for r in route_names],
            "seller_ids": sellers,
            "sale_delay": sale_delay,
            "produce_delay": produce_delay,
            "standard_price": Decimal(cost),
            "bom_ids": [],
        }
        shop.add("product.template", {**values, "product_variant_ids": [pid]}, id_=pid)
        shop.add("product.product", {**values, "product_tmpl_id": pid}, id_=pid)
        for path, quantity in stock.items():
            location = STOCK if path == "WH/Stock" else FABRIC_STORE
            shop.add(
                "stock.quant",
                {
                    "product_id": pid,
                    "location_id": location,
                    "quantity": Decimal(quantity),
                    "reserved_quantity": Decimal(0),
                    "product_uom_id": values["uom_id"],
                    "display_name": f"{path} - {sku}",
                },
            )
    # Counting velvet in moved 66 m out of the inventory-adjustment location: a quant, but not stock.
    velvet = shop.product("FAB-VELVET-BURG")["id"]
    shop.add(
        "stock.quant",
        {
            "product_id": velvet,
            "location_id": ADJUSTMENT,
            "quantity": Decimal(-66),
            "reserved_quantity": Decimal(0),
            "product_uom_id": METRES,
            "display_name": "Virtual Locations/Inventory adjustment - FAB-VELVET-BURG",
        },
    )
    for number, (sku, low, high, route) in enumerate(
        (
            ("FAB-COTTON-MUSLIN", 20, 100, 1),
            ("TRM-BUTTON-BRASS", 100, 500, 1),
            ("FIN-CORSET-M", 3, 10, 2),
        ),
        start=1,
    ):
        shop.add(
            "stock.warehouse.orderpoint",
            {
                "name": f"OP/{number:05d}",
                "product_id": shop.product(sku)["id"],
                "location_id": STOCK,
                "warehouse_id": 1,
                "product_min_qty": Decimal(low),
                "product_max_qty": Decimal(high),
                "qty_multiple": Decimal(1),
                "trigger": "auto",
                "route_id": route,
            },
        )
    _boms(shop)


def _boms(shop: Workshop) -> None:
    centers = {wc["code"]: wc["id"] for wc in shop.records["mrp.workcenter"].values()}
    for sku, (lines, operations) in data.BOMS.items():
        product = shop.product(sku)
        bom = max(shop.records.get("mrp.bom", {}), default=0) + 1
        line_ids = [
            shop.add(
                "mrp.bom.line",
                {
                    "bom_id": bom,
                    "product_id": shop.product(part)["id"],
                    "product_qty": Decimal(qty),
                    "product_uom_id": shop.product(part)["uom_id"],
                    "operation_id": False,
                    "sequence": 10 * n,
                    "x_studio_scrap_percent": Decimal(scrap),
                    "display_name": shop.product(part)["display_name"],
                },
            )
            for n, (part, qty, scrap) in enumerate(lines, start=1)
        ]
        op_ids = [
            shop.add(
                "mrp.routing.workcenter",
                {
                    "name": name,
                    "bom_id": bom,
                    "workcenter_id": centers[code],
                    "sequence": 10 * n,
                    "time_mode": "manual",
                    "time_mode_batch": 10,
                    "time_cycle_manual": float(minutes),
                    "time_cycle": float(minutes),
                },
            )
            for n, (name, code, minutes) in enumerate(operations, start=1)
        ]
        shop.add(
            "mrp.bom",
            {
                "product_tmpl_id": product["id"],
                "product_id": False,
                "product_qty": Decimal(1),
                "product_uom_id": UNITS,
                "code": False,
                "type": "normal",
                "bom_line_ids": line_ids,
                "operation_ids": op_ids,
                "produce_delay": product["produce_delay"],
                "days_to_prepare_mo": 2,
                "display_name": product["display_name"],
            },
            id_=bom,
        )
        for model in ("product.template", "product.product"):
            shop.records[model][product["id"]]["bom_ids"] = [bom]


def _purchases(shop: Workshop, holidays: frozenset[date]) -> None:
    for number, (name, vendor, days, confirmed, lines) in enumerate(data.PURCHASES, start=1):
        planned = local(add_business_days(shop.today, days, holidays), time(10))
        ordered = local(add_business_days(shop.today, -10, holidays), time(11))
        po = max(shop.records.get("purchase.order", {}), default=0) + 1
        line_ids = []
        for sku, qty, received, price in lines:
            product = shop.product(sku)
            line = shop.add(
                "purchase.order.line",
                {
                    "order_id": po,
                    "name": product["display_name"],
                    "product_id": product["id"],
                    "product_qty": Decimal(qty),
                    "product_uom_id": product["uom_id"],
                    "qty_received": Decimal(received),
                    "date_planned": planned,
                    "state": "purchase",
                    "price_unit": Decimal(price),
                    "partner_id": _partner(shop, vendor),
                    "display_name": f"{name}: {product['display_name']}",
                },
            )
            line_ids.append(line)
            add_move(
                shop,
                product,
                Decimal(qty) - Decimal(received),
                reference=f"WH/IN/{number:05d}",
                date=planned,
                state="assigned",
                location_id=VENDORS,
                location_dest_id=STOCK,
                picking_type_id=RECEIPTS,
                picking_code="incoming",
                origin=name,
                purchase_line_id=line,
            )
        shop.add(
            "purchase.order",
            {
                "name": name,
                "partner_id": _partner(shop, vendor),
                "state": "purchase",
                "date_order": ordered,
                "date_approve": ordered,
                "date_planned": planned,
                "order_line": line_ids,
                "mail_reception_confirmed": confirmed,
                "partner_ref": f"SO-{4400 + number}" if confirmed else False,
            },
            id_=po,
        )


def _sales(shop: Workshop, holidays: frozenset[date]) -> None:
    for number, (name, customer, days, lines) in enumerate(data.SALES, start=1):
        commitment = local(add_business_days(shop.today, days, holidays), time(16))
        so = max(shop.records.get("sale.order", {}), default=0) + 1
        line_ids = []
        for sku, qty in lines:
            product = shop.product(sku)
            line = shop.add(
                "sale.order.line",
                {
                    "order_id": so,
                    "name": product["display_name"],
                    "product_id": product["id"],
                    "product_uom_qty": Decimal(qty),
                    "product_uom_id": product["uom_id"],
                    "qty_delivered": Decimal(0),
                    "state": "sale",
                    "customer_lead": float(product["sale_delay"]),
                    "display_name": f"{name} - {product['display_name']}",
                },
            )
            line_ids.append(line)
            stocked = 3 not in product["route_ids"]  # made to order waits for its MO
            add_move(
                shop,
                product,
                Decimal(qty),
                reference=f"WH/OUT/{number:05d}",
                date=commitment,
                date_deadline=commitment,
                state="assigned" if stocked else "waiting",
                quantity=Decimal(qty) if stocked else Decimal(0),
                location_id=STOCK,
                location_dest_id=CUSTOMERS,
                picking_type_id=DELIVERIES,
                picking_code="outgoing",
                origin=name,
                sale_line_id=line,
            )
        shop.add(
            "sale.order",
            {
                "name": name,
                "partner_id": _partner(shop, customer),
                "state": "sale",
                "date_order": local(add_business_days(shop.today, -5, holidays), time(14)),
                "commitment_date": commitment,
                "order_line": line_ids,
            },
            id_=so,
        )
