"""The fields of the simulated Odoo models, per server version (what ``fields_get`` answers).

``fields_for(model, major)`` gives ``{name: Field}`` for Odoo ``major`` (16 to 19). A field with
``since``/``until`` exists only in those versions; renamed fields appear twice under their two names.
The differences relied on are listed, with sources, in ``hub.sandbox.odoo``'s docstring.
"""

from __future__ import annotations

from hub.sandbox.odoo_fields import MOVE_STATE, PO_STATE, Field, f, m2o, sel
from hub.sandbox.odoo_schema_mrp import MRP_MODELS

__all__ = ["MODELS", "Field", "fields_for", "has_model"]

_PRODUCT_TYPE_OLD = sel("consu", "Consumable", "service", "Service", "product", "Storable Product")
_PRODUCT_TYPE_NEW = sel("consu", "Goods", "service", "Service", "combo", "Combo")

_PRODUCT: dict[str, Field] = {
    "name": f("char", "Name", required=True),
    "default_code": f("char", "Internal Reference"),
    "type": Field("selection", "Product Type", selection=_PRODUCT_TYPE_OLD, until=17, required=True),
    "detailed_type": Field("selection", "Product Type", selection=_PRODUCT_TYPE_OLD, until=17, required=True),
    "type ": Field("selection", "Product Type", selection=_PRODUCT_TYPE_NEW, since=18, required=True),
    "is_storable": f("boolean", "Track Inventory", since=18),
    "uom_id": m2o("Unit", "uom.uom", required=True),
    "uom_po_id": m2o("Purchase Unit", "uom.uom", until=18, required=True),
    "sale_ok": f("boolean", "Sales"),
    "purchase_ok": f("boolean", "Purchase"),
    "active": f("boolean", "Active"),
    "route_ids": f("many2many", "Routes", "stock.route"),
    "seller_ids": f("one2many", "Vendors", "product.supplierinfo"),
    "sale_delay": f("integer", "Customer Lead Time"),
    "produce_delay": f("integer", "Manufacturing Lead Time", until=16),
    "standard_price": f("float", "Cost"),
    "bom_ids": f("one2many", "Bill of Materials", "mrp.bom"),
}

MODELS: dict[str, dict[str, Field]] = {
    "res.company": {
        "name": f("char", "Company Name", required=True),
        "partner_id": m2o("Partner", "res.partner"),
    },
    "res.partner": {"name": f("char", "Name"), "is_company": f("boolean", "Is a Company")},
    "uom.uom": {
        "name": f("char", "Unit Name", required=True),
        "rounding": f("float", "Rounding Precision"),
    },
    "stock.route": {
        "name": f("char", "Route", required=True),
        "product_selectable": f("boolean", "Products"),
        "active": f("boolean", "Active"),
    },
    "stock.warehouse": {
        "name": f("char", "Warehouse", required=True),
        "code": f("char", "Short Name"),
        "lot_stock_id": m2o("Location Stock", "stock.location"),
    },
    "stock.location": {
        "name": f("char", "Location Name", required=True),
        "complete_name": f("char", "Full Location Name"),
        "usage": f(
            "selection",
            "Location Type",
            sel(
                "supplier",
                "Vendor",
                "view",
                "Virtual",
                "internal",
                "Internal",
                "customer",
                "Customer",
                "inventory",
                "Inventory Loss",
                "production",
                "Production",
                "transit",
                "Transit",
            ),
        ),
        "location_id": m2o("Parent Location", "stock.location"),
        "warehouse_id": m2o("Warehouse", "stock.warehouse", readonly=True),
    },
    "stock.picking.type": {
        "name": f("char", "Operation Type", required=True),
        "warehouse_id": m2o("Warehouse", "stock.warehouse"),
        "code": f(
            "selection",
            "Type of Operation",
            sel(
                "incoming",
                "Receipt",
                "outgoing",
                "Delivery",
                "internal",
                "Internal Transfer",
                "mrp_operation",
                "Manufacturing",
            ),
            required=True,
        ),
    },
    "product.template": {**_PRODUCT, "product_variant_ids": f("one2many", "Products", "product.product")},
    "product.product": {**_PRODUCT, "product_tmpl_id": m2o("Product Template", "product.template")},
    "product.supplierinfo": {
        "partner_id": m2o("Vendor", "res.partner", required=True),
        "product_tmpl_id": m2o("Product Template", "product.template"),
        "product_id": m2o("Product Variant", "product.product"),
        "min_qty": f("float", "Quantity"),
        "price": f("float", "Unit Price"),
        "delay": f("integer", "Delivery Lead Time", required=True),
    },
    "stock.quant": {
        "product_id": m2o("Product", "product.product", required=True),
        "location_id": m2o("Location", "stock.location", required=True),
        "quantity": f("float", "Quantity", readonly=True),
        "reserved_quantity": f("float", "Reserved Quantity", readonly=True, required=True),
        "product_uom_id": m2o("Unit", "uom.uom", readonly=True),
    },
    "stock.move": {
        "reference": f("char", "Reference"),
        "product_id": m2o("Product", "product.product", required=True),
        "product_uom_qty": f("float", "Demand", required=True),
        "product_uom": m2o("Unit", "uom.uom"),
        "quantity": f("float", "Quantity", since=17),
        "quantity_done": f("float", "Quantity Done", until=16),
        "reserved_availability": f("float", "Quantity Reserved", until=16, readonly=True),
        "date": f("datetime", "Date Scheduled", required=True),
        "date_deadline": f("datetime", "Deadline"),
        "state": f("selection", "Status", MOVE_STATE, readonly=True),
        "location_id": m2o("Source Location", "stock.location", required=True),
        "location_dest_id": m2o("Destination Location", "stock.location", required=True),
        "picking_type_id": m2o("Operation Type", "stock.picking.type"),
        "picking_code": f(
            "selection",
            "Type of Operation",
            sel(
                "incoming",
                "Receipt",
                "outgoing",
                "Delivery",
                "internal",
                "Internal Transfer",
                "mrp_operation",
                "Manufacturing",
            ),
            store=False,
        ),
        "origin": f("char", "Source Document"),
        "raw_material_production_id": m2o("Production Order for components", "mrp.production"),
        "production_id": m2o("Production Order for finished products", "mrp.production"),
        "sale_line_id": m2o("Sale Line", "sale.order.line"),
        "purchase_line_id": m2o("Purchase Order Line", "purchase.order.line"),
    },
    "stock.warehouse.orderpoint": {
        "name": f("char", "Name", required=True),
        "product_id": m2o("Product", "product.product", required=True),
        "location_id": m2o("Location", "stock.location", required=True),
        "warehouse_id": m2o("Warehouse", "stock.warehouse", required=True),
        "product_min_qty": f("float", "Min Quantity", required=True),
        "product_max_qty": f("float", "Max Quantity", required=True),
        "qty_multiple": f("float", "Multiple Quantity"),
        "route_id": m2o("Route", "stock.route"),
        "trigger": f("selection", "Trigger", sel("auto", "Auto", "manual", "Manual"), required=True),
    },
    "purchase.order": {
        "name": f("char", "Order Reference", required=True),
        "partner_id": m2o("Vendor", "res.partner"),
        "state": f("selection", "Status", PO_STATE, readonly=True),
        "date_order": f("datetime", "Order Deadline"),
        "date_approve": f("datetime", "Confirmation Date"),
        "date_planned": f("datetime", "Expected Arrival"),
        "order_line": f("one2many", "Order Lines", "purchase.order.line"),
        "mail_reception_confirmed": f("boolean", "Reception Confirmed"),
        "partner_ref": f("char", "Vendor Reference"),
    },
    "purchase.order.line": {
        "order_id": m2o("Order Reference", "purchase.order", required=True),
        "name": f("text", "Description"),
        "product_id": m2o("Product", "product.product"),
        "product_qty": f("float", "Quantity", required=True),
        "product_uom": m2o("Unit of Measure", "uom.uom", until=18),
        "product_uom_id": m2o("Unit", "uom.uom", since=19),
        "qty_received": f("float", "Received Qty"),
        "date_planned": f("datetime", "Expected Arrival"),
        "state": f("selection", "Status", PO_STATE, readonly=True),
        "price_unit": f("float", "Unit Price"),
        "partner_id": m2o("Partner", "res.partner", readonly=True),
    },
    "sale.order": {
        "name": f("char", "Order Reference", required=True),
        "partner_id": m2o("Customer", "res.partner"),
        "state": f(
            "selection",
            "Status",
            sel(
                "draft",
                "Quotation",
                "sent",
                "Quotation Sent",
                "sale",
                "Sales Order",
                "done",
                "Locked",
                "cancel",
                "Cancelled",
            ),
            readonly=True,
        ),
        "date_order": f("datetime", "Order Date"),
        "commitment_date": f("datetime", "Delivery Date"),
        "order_line": f("one2many", "Order Lines", "sale.order.line"),
    },
    "sale.order.line": {
        "order_id": m2o("Order Reference", "sale.order", required=True),
        "name": f("text", "Description"),
        "product_id": m2o("Product", "product.product"),
        "product_uom_qty": f("float", "Quantity"),
        "product_uom": m2o("Unit of Measure", "uom.uom", until=18),
        "product_uom_id": m2o("Unit", "uom.uom", since=19),
        "qty_delivered": f("float", "Delivery Quantity"),
        "customer_lead": f("float", "Lead Time"),
        "state": f(
            "selection",
            "Order Status",
            sel(
                "draft",
                "Quotation",
                "sent",
                "Quotation Sent",
                "sale",
                "Sales Order",
                "done",
                "Locked",
                "cancel",
                "Cancelled",
            ),
            readonly=True,
        ),
    },
    **MRP_MODELS,
}

_COMMON = {
    "id": f("integer", "ID", readonly=True),
    "display_name": f("char", "Display Name", readonly=True, store=False),
    "create_date": f("datetime", "Created on", readonly=True),
    "write_date": f("datetime", "Last Updated on", readonly=True),
}


def has_model(model: str) -> bool:
    return model in MODELS


def fields_for(model: str, major: int) -> dict[str, Field]:
    """The fields of ``model`` in Odoo ``major`` (a trailing space in a key marks a second definition)."""
    out = {name.strip(): f for name, f in MODELS[model].items() if f.since <= major <= f.until}
    return {**out, **_COMMON}
