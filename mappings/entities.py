"""The unified entities a mapping file can produce, and the types of their fields.

A field holds one value of its ``types``, or -- when ``list`` is its type -- a list: of records of an
item schema (``item``, mapped with ``each``; e.g. the lines of a quote) or of scalar values
(``item_types``, e.g. the ids of linked invoices). Ids of records in the same source are plain
strings named ``*_ref`` / ``*_refs``; resolving them to hub entities is the hub's job, not the mapping's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from mappings.values import VALUE_TYPES, Address, Money, value_to_json

__all__ = [
    "DOCUMENT_KINDS",
    "ENTITIES",
    "INVOICE_STATUSES",
    "LINE",
    "ORDER_STATUSES",
    "QUOTE_STATUSES",
    "EntitySchema",
    "FieldDef",
]

QUOTE_STATUSES = ("DRAFT", "SENT", "ACCEPTED", "DECLINED", "EXPIRED", "CONVERTED")
INVOICE_STATUSES = ("OPEN", "PARTIALLY_PAID", "PAID", "OVERDUE", "VOID")
# An order's place in its lifecycle; the shop's own production steps (Cutting, Sewing...) are its ``stage``.
ORDER_STATUSES = ("NOT_STARTED", "IN_PRODUCTION", "READY", "DELIVERED", "INVOICED", "CANCELLED")
DOCUMENT_KINDS = ("PROPOSAL", "CONTRACT", "OTHER")


@dataclass(frozen=True)
class FieldDef:
    """One unified field: the Python types its value may have, and whether a mapping must provide it.

    A list field has ``types == (list,)`` and either ``item`` (its items are records of that schema)
    or ``item_types`` (its items are scalars of those types).
    """

    name: str
    types: tuple[type, ...]
    required: bool = False
    choices: tuple[str, ...] = ()
    item: EntitySchema | None = None
    item_types: tuple[type, ...] = ()

    @property
    def is_list(self) -> bool:
        return list in self.types

    @property
    def type_name(self) -> str:
        if self.item is not None:
            return f"a list of {self.item.name} records"
        if self.is_list:
            return f"a list of {' or '.join(t.__name__ for t in self.item_types)}"
        return " or ".join(t.__name__ for t in self.types)


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    return value_to_json(value)


@dataclass(frozen=True)
class EntitySchema:
    """The unified fields of one entity (or of a record inside a list field, such as a line).

    ``encode``/``decode`` carry mapped fields through JSON storage: Money and Address values travel as
    their ``to_json`` objects, Decimals as strings, dates and datetimes as ISO 8601, and come back by
    field type (records in list fields too); every other value is left as it is.
    """

    name: str
    fields: Mapping[str, FieldDef]

    @cached_property
    def _value_types(self) -> dict[str, type[Money] | type[Address]]:
        return {name: kind for name, d in self.fields.items() for kind in VALUE_TYPES if kind in d.types}

    @staticmethod
    def encode(fields: Mapping[str, Any]) -> dict[str, Any]:
        """``fields`` as plain JSON values."""
        return {name: _to_json(value) for name, value in fields.items()}

    def decode(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Inverse of :meth:`encode`."""
        out = dict(fields)
        for name, value in out.items():
            field = self.fields.get(name)
            if field is None or value is None:
                continue
            if name in self._value_types and isinstance(value, dict):
                out[name] = self._value_types[name].from_json(value)
            elif field.item is not None and isinstance(value, list):
                out[name] = [field.item.decode(v) if isinstance(v, Mapping) else v for v in value]
            elif isinstance(value, str):
                out[name] = _scalar_from_json(value, field.item_types if field.is_list else field.types)
            elif field.is_list and isinstance(value, list):
                out[name] = [_scalar_from_json(v, field.item_types) for v in value]
        return out


def _scalar_from_json(value: Any, types: tuple[type, ...]) -> Any:
    if not isinstance(value, str) or str in types:
        return value
    if Decimal in types:
        return Decimal(value)
    if datetime in types:
        return datetime.fromisoformat(value)
    if date in types:
        return date.fromisoformat(value)
    return value


def _schema(name: str, *defs: FieldDef) -> EntitySchema:
    return EntitySchema(name, {d.name: d for d in defs})


def _records(name: str, item: EntitySchema) -> FieldDef:
    return FieldDef(name, (list,), item=item)


def _ids(name: str) -> FieldDef:
    return FieldDef(name, (list,), item_types=(str,))


# A line of a quote or an invoice. ``item_ref`` is the source's product id (QuickBooks ItemRef.value);
# ``sku`` only when the line itself carries one (QuickBooks lines do not: the Item does).
LINE = _schema(
    "line",
    FieldDef("product", (str,), required=True),
    FieldDef("item_ref", (str,)),
    FieldDef("sku", (str,)),
    FieldDef("description", (str,)),
    FieldDef("quantity", (Decimal,)),
    FieldDef("unit_price", (Money,)),
    FieldDef("amount", (Money,)),
)

ENTITIES: Mapping[str, EntitySchema] = {
    "customer": _schema(
        "customer",
        FieldDef("name", (str,), required=True),
        FieldDef("company", (str,)),
        FieldDef("email", (str,)),
        FieldDef("phone", (str,)),
        FieldDef("segment", (str,), choices=("B2B", "B2C")),
        FieldDef("billing_address", (Address,)),
        FieldDef("open_balance", (Money,)),
    ),
    "quote": _schema(
        "quote",
        FieldDef("number", (str,), required=True),
        FieldDef("customer_ref", (str,), required=True),
        FieldDef("status", (str,), choices=QUOTE_STATUSES),
        FieldDef("txn_date", (date,)),
        FieldDef("valid_until", (date,)),
        FieldDef("subtotal", (Money,)),
        FieldDef("tax", (Money,)),
        FieldDef("total", (Money,)),
        _records("lines", LINE),
        _ids("invoice_refs"),
    ),
    "invoice": _schema(
        "invoice",
        FieldDef("number", (str,), required=True),
        FieldDef("customer_ref", (str,), required=True),
        FieldDef("status", (str,), choices=INVOICE_STATUSES),
        FieldDef("txn_date", (date,)),
        FieldDef("due_date", (date,)),
        FieldDef("total", (Money,)),
        FieldDef("balance", (Money,)),
        _records("lines", LINE),
        FieldDef("quote_ref", (str,)),
        _ids("payment_refs"),
    ),
    "payment": _schema(
        "payment",
        FieldDef("customer_ref", (str,), required=True),
        FieldDef("amount", (Money,), required=True),
        FieldDef("txn_date", (date,)),
        FieldDef("reference", (str,)),
        _ids("invoice_refs"),
    ),
    # A QuickBooks product or service. ``sku`` (Item.Sku) is the product code in the inventory system
    # for items the workshop makes; services and bought-in items have none.
    "item": _schema(
        "item",
        FieldDef("name", (str,), required=True),
        FieldDef("sku", (str,)),
        FieldDef("active", (bool,)),
        FieldDef("type", (str,)),
        FieldDef("unit_price", (Money,)),
        FieldDef("description", (str,)),
    ),
    # A Notion "Orders" page. ``customer_ref`` is the Notion client page id; ``quote_ref`` the QuickBooks
    # Estimate Id and ``quote_number`` its DocNumber; ``invoice_number`` a QuickBooks invoice DocNumber.
    # ``stage`` is the Notion status name as the shop wrote it, ``status`` what it means for the order.
    "order": _schema(
        "order",
        FieldDef("number", (str,), required=True),
        FieldDef("customer_ref", (str,)),
        FieldDef("status", (str,), choices=ORDER_STATUSES),
        FieldDef("stage", (str,)),
        FieldDef("due_date", (date,)),
        FieldDef("specifications", (str,)),
        FieldDef("quote_ref", (str,)),
        FieldDef("quote_number", (str,)),
        FieldDef("maker", (str,)),
        FieldDef("lines_text", (str,)),
        FieldDef("total", (Money,)),
        FieldDef("invoice_number", (str,)),
        FieldDef("payment_status", (str,)),
        FieldDef("amount_paid", (Money,)),
        FieldDef("hub_key", (str,)),
    ),
    # A Notion "Pipeline" page: ``stage`` is the status name (Lead ... Won, Lost), ``probability`` 0-100.
    "deal": _schema(
        "deal",
        FieldDef("name", (str,), required=True),
        FieldDef("customer_ref", (str,)),
        FieldDef("stage", (str,)),
        FieldDef("probability", (Decimal,)),
        FieldDef("owner", (str,)),
        FieldDef("expected_close", (date,)),
        FieldDef("value", (Money,)),
        FieldDef("quote_ref", (str,)),
        FieldDef("quote_number", (str,)),
        FieldDef("hub_key", (str,)),
    ),
    # A Google Drive file (folders too: the hub finds client folders by name). ``customer_qbo_ref`` is a
    # QuickBooks customer id, ``quote_number`` an estimate DocNumber, ``hub_quote`` the hub's own quote id,
    # ``parent`` the id of the (first) folder holding it.
    "document": _schema(
        "document",
        FieldDef("name", (str,), required=True),
        FieldDef("mime_type", (str,)),
        FieldDef("kind", (str,), choices=DOCUMENT_KINDS),
        FieldDef("url", (str,)),
        FieldDef("modified_at", (datetime,)),
        FieldDef("customer_qbo_ref", (str,)),
        FieldDef("quote_number", (str,)),
        FieldDef("parent", (str,)),
        FieldDef("hub_quote", (str,)),
    ),
}
