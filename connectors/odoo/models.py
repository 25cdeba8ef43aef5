"""Pydantic models of the Odoo records the connector reads, keyed by logical field names.

Odoo's wire conventions, normalised here once:

- an empty value of any non-boolean field is ``false`` (a missing many2one, an empty char, no date);
- a many2one is ``[id, "display name"]``; a one2many/many2many is a list of ids;
- datetimes are naive UTC strings ``"YYYY-MM-DD HH:MM:SS"`` (made tz-aware UTC here), dates
  ``"YYYY-MM-DD"``; numbers arrive as ``Decimal`` (``hub.http`` decodes JSON floats to Decimal).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, NamedTuple, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

__all__ = [
    "Attendance",
    "Bom",
    "BomLine",
    "Calendar",
    "Leave",
    "Many2one",
    "Orderpoint",
    "Product",
    "Production",
    "PurchaseLine",
    "Quant",
    "Route",
    "RoutingOperation",
    "StockMove",
    "SupplierInfo",
    "Workcenter",
    "WorkcenterCapacity",
    "Workorder",
    "parse_odoo_datetime",
]


class Many2one(NamedTuple):
    id: int
    name: str


def parse_odoo_datetime(value: Any) -> Any:
    """``"2026-05-04 08:30:00"`` (naive, UTC by Odoo's convention) → aware UTC ``datetime``."""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _many2one(value: Any) -> Any:
    if isinstance(value, list | tuple) and len(value) == 2:
        return Many2one(int(value[0]), str(value[1]))
    if isinstance(value, int) and not isinstance(value, bool):  # read with load=None: a bare id
        return Many2one(value, "")
    return value


OdooDatetime = Annotated[datetime, BeforeValidator(parse_odoo_datetime)]
M2O = Annotated[Many2one, BeforeValidator(_many2one)]


class OdooRecord(BaseModel):
    """Base: extra fields ignored, Odoo's ``false`` for an empty non-boolean field read as ``None``."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    model: ClassVar[str] = ""

    id: int

    @model_validator(mode="before")
    @classmethod
    def _false_is_empty(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            key: (
                None if value is False and key in fields and not _is_bool(fields[key].annotation) else value
            )
            for key, value in data.items()
        }


def _is_bool(annotation: Any) -> bool:
    return annotation is bool or bool in get_args(annotation)


class Product(OdooRecord):
    model: ClassVar[str] = "product.product"
    name: str
    default_code: str | None = None
    type: str
    is_storable: bool | None = None
    detailed_type: str | None = None
    uom: M2O | None = None
    sale_ok: bool = False
    purchase_ok: bool = False
    route_ids: list[int] = []
    product_tmpl_id: M2O
    produce_delay: Decimal | None = None
    active: bool = True
    write_date: OdooDatetime | None = None


class SupplierInfo(OdooRecord):
    model: ClassVar[str] = "product.supplierinfo"
    product_tmpl_id: M2O
    product_id: M2O | None = None
    delay: Decimal = Decimal(0)
    sequence: int = 0
    min_qty: Decimal = Decimal(0)


class Route(OdooRecord):
    model: ClassVar[str] = "stock.route"
    name: str


class Orderpoint(OdooRecord):
    model: ClassVar[str] = "stock.warehouse.orderpoint"
    product_id: M2O
    product_min_qty: Decimal = Decimal(0)
    location_id: M2O | None = None


class Quant(OdooRecord):
    model: ClassVar[str] = "stock.quant"
    product_id: M2O
    location_id: M2O
    quantity: Decimal
    reserved_quantity: Decimal = Decimal(0)


class PurchaseLine(OdooRecord):
    model: ClassVar[str] = "purchase.order.line"
    product_id: M2O | None = None
    order_id: M2O
    product_qty: Decimal
    qty_received: Decimal = Decimal(0)
    date_planned: OdooDatetime | None = None
    state: str | None = None


class PurchaseOrder(OdooRecord):
    model: ClassVar[str] = "purchase.order"
    name: str
    state: str | None = None
    mail_reception_confirmed: bool | None = None  # absent where purchase_stock is not installed


class Production(OdooRecord):
    model: ClassVar[str] = "mrp.production"
    name: str
    product_id: M2O
    product_qty: Decimal
    qty_produced: Decimal = Decimal(0)
    state: str
    date_start: OdooDatetime | None = None
    date_finished: OdooDatetime | None = None


class StockMove(OdooRecord):
    model: ClassVar[str] = "stock.move"
    product_id: M2O
    product_uom_qty: Decimal
    covered: Decimal = Decimal(0)  # reserved or picked already (17.0+ ``quantity``)
    state: str
    date: OdooDatetime
    sale_line_id: M2O | None = None
    raw_material_production_id: M2O | None = None
    origin: str | None = None
    reference: str | None = None


class Bom(OdooRecord):
    model: ClassVar[str] = "mrp.bom"
    product_tmpl_id: M2O
    product_id: M2O | None = None
    product_qty: Decimal = Decimal(1)
    type: str = "normal"
    sequence: int = 0
    code: str | None = None
    active: bool = True
    produce_delay: Decimal | None = None  # 17.0+: the manufacturing lead time lives on the BOM


class BomLine(OdooRecord):
    model: ClassVar[str] = "mrp.bom.line"
    bom_id: M2O
    product_id: M2O
    product_qty: Decimal
    sequence: int = 0
    scrap: Decimal | None = None


class RoutingOperation(OdooRecord):
    model: ClassVar[str] = "mrp.routing.workcenter"
    bom_id: M2O
    name: str
    workcenter_id: M2O
    sequence: int = 0
    time_cycle_manual: Decimal = Decimal(0)


class Workcenter(OdooRecord):
    model: ClassVar[str] = "mrp.workcenter"
    name: str
    code: str | None = None
    capacity: Decimal | None = None  # up to 18.0; then see WorkcenterCapacity
    time_efficiency: Decimal = Decimal(100)
    resource_calendar_id: M2O | None = None
    time_start: Decimal = Decimal(0)
    active: bool = True


class WorkcenterCapacity(OdooRecord):
    model: ClassVar[str] = "mrp.workcenter.capacity"
    workcenter_id: M2O
    product_id: M2O | None = None  # none: the work centre's default
    capacity: Decimal


class Workorder(OdooRecord):
    model: ClassVar[str] = "mrp.workorder"
    name: str | None = None
    workcenter_id: M2O
    production_id: M2O | None = None
    state: str
    date_start: OdooDatetime | None = None
    date_finished: OdooDatetime | None = None


class Calendar(OdooRecord):
    model: ClassVar[str] = "resource.calendar"
    name: str
    tz: str | None = None


class Attendance(OdooRecord):
    model: ClassVar[str] = "resource.calendar.attendance"
    calendar_id: M2O
    dayofweek: str  # "0" = Monday
    hour_from: Decimal
    hour_to: Decimal
    day_period: str | None = None  # "lunch" rows (17.0+) are breaks, not work
    display_type: str | None = None  # section rows of two-week calendars
    week_type: str | None = None
    resource_id: M2O | None = None
    date_from: date | None = None
    date_to: date | None = None


class Leave(OdooRecord):
    model: ClassVar[str] = "resource.calendar.leaves"
    name: str | None = None
    calendar_id: M2O | None = None  # none: every calendar of the company
    resource_id: M2O | None = None  # none: a holiday for everyone, not one person's time off
    date_from: OdooDatetime
    date_to: OdooDatetime
    time_type: str | None = None
