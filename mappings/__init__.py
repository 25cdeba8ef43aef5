"""Declarative mappings from each vendor's records to the unified model.

One YAML file per ``(entity, source)`` -- ``customers.notion.yaml``, ``customers.quickbooks.yaml`` --
validated at start-up by ``load_mappings()``; a bad file stops start-up with
``MappingError("file: key.path: reason")``, never a query.

File format (``mappings.spec``)::

    version: 1
    entity: customer
    source: quickbooks
    collection: Customer
    fields:
      name:    {from: [DisplayName, FullyQualifiedName], transform: text}
      email:   {from: PrimaryEmailAddr.Address, transform: [strip, lower]}
      segment: {from: CompanyName, transform: {present: {then: B2B, else: B2C}}}
      open_balance:
        from: Balance
        transform: {money: {currency_from: CurrencyRef.value, default_currency: USD}}

and in a Notion file, ``links: {quickbooks: {from: "QuickBooks ID", transform: strip}}``.

Paths (``mappings.paths``): a string is a dotted path into nested objects, split at every dot;
``{key: "Client No."}`` names one top-level key literally (dots and spaces kept);
``{path: [a.b, c]}`` lists literal nested keys. ``from: [p1, p2]`` reads the first non-empty value.

Transforms (``mappings.transforms``): a step is ``name`` or ``{name: arguments}``; ``transform:`` takes
one step or a list applied in order. Unconvertible values map to ``None`` with a warning on
``Mapped.warnings``.

List fields (entities in ``mappings.entities``) read a list at ``from``, keep the items matching
``where`` (``mappings.filters``), then build a record per item with ``each`` (rules read inside the item;
``^Path`` reads the record around it) or pick one value per item with ``pluck`` (``transform`` then
runs per item). ``from: "Line[].LinkedTxn"`` joins the lists found in every item of ``Line``::

    lines:
      from: Line
      where: {DetailType: SalesItemLineDetail}
      each:
        product: {from: SalesItemLineDetail.ItemRef.name, transform: text}
        amount:  {from: Amount, transform: {money: {currency_from: ^CurrencyRef.value}}}
    invoice_refs: {from: LinkedTxn, where: {TxnType: Invoice}, pluck: TxnId}

Statuses that depend on the date (an overdue invoice) are derived as of ``apply(record, today=...)``,
by default the current UTC date.

>>> mappings = load_mappings()
>>> mappings.get("customer", "quickbooks").apply({"DisplayName": "Maya Ortiz"}).fields["segment"]
'B2C'
"""

from __future__ import annotations

from mappings.engine import EntityMapping, Mapped
from mappings.inventory_sql import (
    SQL_INVENTORY_ENTITIES,
    SqlInventoryMapping,
    load_inventory_sql,
    parse_inventory_sql,
)
from mappings.loader import MappingSet, load_mappings, parse_mapping
from mappings.spec import ENTITIES, EntitySchema, FieldDef
from mappings.transforms import REGISTRY as TRANSFORMS
from mappings.values import Address, Money

__all__ = [
    "ENTITIES",
    "SQL_INVENTORY_ENTITIES",
    "TRANSFORMS",
    "Address",
    "EntityMapping",
    "EntitySchema",
    "FieldDef",
    "Mapped",
    "MappingSet",
    "Money",
    "SqlInventoryMapping",
    "load_inventory_sql",
    "load_mappings",
    "parse_inventory_sql",
    "parse_mapping",
]
