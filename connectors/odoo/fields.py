"""Field-name discovery: one logical name per value, resolved against ``fields_get`` per server.

Odoo renames fields between major versions; the connector asks each model's ``fields_get`` once and
reads whichever spelling the server has. Known differences (16.0 → 19.0):

- ``mrp.production`` / ``mrp.workorder`` planned dates: ``date_planned_start`` /
  ``date_planned_finished`` up to 16.0, ``date_start`` / ``date_finished`` from 17.0. In 16.0
  ``date_start`` also exists but is the *actual* start, so the planned spelling is tried first.
- ``product.product`` storability: ``detailed_type`` (16.0, 17.0, value ``product``) became the
  boolean ``is_storable`` in 18.0.
- ``mrp.workcenter`` parallel capacity: ``default_capacity`` up to 18.0; from 19.0 only the
  per-product ``mrp.workcenter.capacity`` rows (the one without a product is the default).
- Manufacturing lead time: ``product.product.produce_delay`` in 16.0, ``mrp.bom.produce_delay`` from
  17.0.
- ``stock.move`` quantity already reserved/picked: ``reserved_availability`` (16.0), ``quantity``
  (17.0+).
- BOM line scrap: Odoo has none; a module or a Studio field adds it (``scrap_percent``,
  ``x_studio_scrap_percent``...), read when present.

>>> spec = SPECS["mrp.workcenter"]
>>> fmap = resolve(spec, {"id": {}, "name": {}, "default_capacity": {}, "time_efficiency": {}})
>>> fmap.odoo_name("capacity"), fmap.to_logical({"id": 3, "default_capacity": 2.0})["capacity"]
('default_capacity', 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.errors import UpstreamFatal

__all__ = ["SPECS", "FieldMap", "ModelSpec", "resolve"]


@dataclass(frozen=True)
class ModelSpec:
    """What the connector reads from one Odoo model: logical name → candidate Odoo field names."""

    model: str
    fields: Mapping[str, tuple[str, ...]]
    required: frozenset[str] = frozenset()
    optional_model: bool = False  # an app that may not be installed (mrp, purchase...): absent → empty

    def __post_init__(self) -> None:
        unknown = self.required - set(self.fields)
        if unknown:
            raise ValueError(f"{self.model}: required {sorted(unknown)} are not declared")


@dataclass(frozen=True)
class FieldMap:
    """The spellings one server uses for a ``ModelSpec``; logical names it lacks are left out."""

    model: str
    names: Mapping[str, str] = field(default_factory=dict)  # logical → odoo

    def has(self, logical: str) -> bool:
        return logical in self.names

    def odoo_name(self, logical: str) -> str:
        return self.names[logical]

    @property
    def odoo_fields(self) -> list[str]:
        """The field list to send to ``search_read`` (``id`` always comes back anyway)."""
        return sorted(set(self.names.values()))

    def to_logical(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A record read with ``odoo_fields``, keyed by logical names."""
        return {logical: record[odoo] for logical, odoo in self.names.items() if odoo in record}


def resolve(spec: ModelSpec, available: Mapping[str, Any]) -> FieldMap:
    """Pick, per logical name, the first candidate the server's ``fields_get`` lists.

    A required name with no candidate present means the server is not one this connector can read.
    """
    names: dict[str, str] = {}
    for logical, candidates in spec.fields.items():
        found = next((c for c in candidates if c in available), None)
        if found is not None:
            names[logical] = found
        elif logical in spec.required:
            raise UpstreamFatal(
                "odoo",
                f"{spec.model} has none of the fields {', '.join(candidates)} "
                f"(fields_get); this Odoo version or configuration is not supported",
            )
    return FieldMap(spec.model, names)


def _same(*names: str) -> dict[str, tuple[str, ...]]:
    return {name: (name,) for name in names}


def _spec(
    model: str, fields: dict[str, tuple[str, ...]], required: tuple[str, ...], optional_model: bool = False
) -> ModelSpec:
    return ModelSpec(model, fields, frozenset(("id", *required)), optional_model)


SPECS: dict[str, ModelSpec] = {
    spec.model: spec
    for spec in (
        _spec(
            "product.product",
            {
                **_same(
                    "id",
                    "name",
                    "default_code",
                    "type",
                    "sale_ok",
                    "purchase_ok",
                    "route_ids",
                    "product_tmpl_id",
                    "produce_delay",
                    "active",
                    "write_date",
                ),
                "uom": ("uom_id",),
                "is_storable": ("is_storable",),
                "detailed_type": ("detailed_type",),
            },
            ("name", "type", "product_tmpl_id"),
        ),
        _spec(
            "product.supplierinfo",
            {
                **_same("id", "product_tmpl_id", "product_id", "delay", "sequence", "min_qty"),
            },
            ("product_tmpl_id", "delay"),
            optional_model=True,
        ),
        _spec("stock.route", _same("id", "name"), ("name",), optional_model=True),
        _spec(
            "stock.warehouse.orderpoint",
            {
                **_same("id", "product_id", "product_min_qty", "location_id"),
            },
            ("product_id", "product_min_qty"),
            optional_model=True,
        ),
        _spec(
            "stock.quant",
            {
                **_same("id", "product_id", "location_id", "quantity", "reserved_quantity"),
            },
            ("product_id", "location_id", "quantity"),
        ),
        _spec(
            "purchase.order.line",
            {
                **_same(
                    "id", "product_id", "order_id", "product_qty", "qty_received", "date_planned", "state"
                ),
            },
            ("product_id", "order_id", "product_qty", "date_planned"),
            optional_model=True,
        ),
        _spec(
            "purchase.order",
            # mail_reception_confirmed: the vendor confirmed the receipt date (purchase_stock).
            {**_same("id", "name", "state", "mail_reception_confirmed")},
            ("name",),
            optional_model=True,
        ),
        _spec(
            "mrp.production",
            {
                **_same("id", "name", "product_id", "product_qty", "qty_produced", "state"),
                "date_start": ("date_planned_start", "date_start"),
                "date_finished": ("date_planned_finished", "date_finished"),
            },
            ("name", "product_id", "product_qty", "state", "date_finished"),
            optional_model=True,
        ),
        _spec(
            "stock.move",
            {
                **_same(
                    "id",
                    "product_id",
                    "product_uom_qty",
                    "state",
                    "date",
                    "sale_line_id",
                    "raw_material_production_id",
                    "origin",
                    "reference",
                ),
                "covered": ("quantity", "reserved_availability"),
            },
            ("product_id", "product_uom_qty", "state", "date"),
        ),
        _spec(
            "mrp.bom",
            {
                **_same(
                    "id",
                    "product_tmpl_id",
                    "product_id",
                    "product_qty",
                    "type",
                    "sequence",
                    "code",
                    "active",
                    "produce_delay",
                ),
            },
            ("product_tmpl_id", "product_qty"),
            optional_model=True,
        ),
        _spec(
            "mrp.bom.line",
            {
                **_same("id", "bom_id", "product_id", "product_qty", "sequence"),
                "scrap": ("scrap_percent", "x_studio_scrap_percent", "x_scrap_percent", "scrap_rate"),
            },
            ("bom_id", "product_id", "product_qty"),
            optional_model=True,
        ),
        _spec(
            "mrp.routing.workcenter",
            {
                **_same("id", "bom_id", "name", "workcenter_id", "sequence", "time_cycle_manual"),
            },
            ("bom_id", "name", "workcenter_id", "time_cycle_manual"),
            optional_model=True,
        ),
        _spec(
            "mrp.workcenter",
            {
                **_same(
                    "id", "name", "code", "time_efficiency", "resource_calendar_id", "time_start", "active"
                ),
                "capacity": ("default_capacity", "capacity"),
            },
            ("name",),
            optional_model=True,
        ),
        _spec(
            "mrp.workcenter.capacity",
            _same("id", "workcenter_id", "product_id", "capacity"),
            ("workcenter_id", "capacity"),
            optional_model=True,
        ),
        _spec(
            "mrp.workorder",
            {
                **_same("id", "name", "workcenter_id", "production_id", "state"),
                "date_start": ("date_planned_start", "date_start"),
                "date_finished": ("date_planned_finished", "date_finished"),
            },
            ("workcenter_id", "state"),
            optional_model=True,
        ),
        _spec("resource.calendar", _same("id", "name", "tz"), ("name",)),
        _spec(
            "resource.calendar.attendance",
            {
                **_same(
                    "id",
                    "calendar_id",
                    "dayofweek",
                    "hour_from",
                    "hour_to",
                    "day_period",
                    "display_type",
                    "week_type",
                    "resource_id",
                    "date_from",
                    "date_to",
                ),
            },
            ("calendar_id", "dayofweek", "hour_from", "hour_to"),
        ),
        _spec(
            "resource.calendar.leaves",
            {
                **_same("id", "name", "calendar_id", "resource_id", "date_from", "date_to", "time_type"),
            },
            ("date_from", "date_to"),
        ),
    )
}
