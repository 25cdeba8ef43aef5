"""Delivery estimates for quotes and orders: their lines turned into promise lines, then promised.

A quote line names a QuickBooks item (``item_ref``), whose ``Sku`` is the product code in the inventory
system for the things the workshop makes. A line is promised when it has a quantity and its SKU (the
line's own, else its item's) is an item of the inventory snapshot; every other line is *skipped* with
the reason, so the answer can say which products the date does not cover (services, bought-in goods,
items with no SKU). An order is promised on its quote's lines; an order without a quote has nothing
to promise. For an order, the requested date defaults to its due date.

>>> lines = promise_lines(quote, index, snapshot.items)            # doctest: +SKIP
>>> [(line.sku, line.quantity) for line in lines.lines]             # doctest: +SKIP
[('FIN-VICTORIAN-GOWN', Decimal('2'))]
>>> found = await estimate_sales(quote, index, inventory)           # doctest: +SKIP
>>> found.promise.delivery_date if found else None                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hub.promise import OrderLine, OrderPromise, Policy
from hub.sales.index import SalesIndex
from hub.sales.records import SalesRecord

if TYPE_CHECKING:
    from connectors.inventory import InventorySnapshot
    from hub.inventory import InventoryService

__all__ = [
    "CLOSED_ORDER_STATUSES",
    "SalesEstimate",
    "SalesLines",
    "SkipReason",
    "SkippedLine",
    "estimate_sales",
    "promise_lines",
    "requested_date_of",
    "sales_lines",
]

# Orders past the point where a delivery date means anything.
CLOSED_ORDER_STATUSES = frozenset({"DELIVERED", "INVOICED", "CANCELLED"})


class SkipReason(StrEnum):
    NO_SKU = "no_sku"  # the item has no SKU: a service, or not made here
    UNKNOWN_SKU = "unknown_sku"  # the inventory system has no product with that code
    UNKNOWN_ITEM = "unknown_item"  # the line names no item, or one the mirror does not hold (inactive)
    NO_QUANTITY = "no_quantity"  # nothing (or a negative amount) to deliver


@dataclass(frozen=True)
class SkippedLine:
    """A line the estimate leaves out, and why."""

    product: str
    item_ref: str | None
    sku: str | None
    reason: SkipReason


@dataclass(frozen=True)
class SalesLines:
    """What a quote's (or order's) lines give the promise engine, and what they do not."""

    lines: tuple[OrderLine, ...]
    skipped: tuple[SkippedLine, ...]


@dataclass(frozen=True)
class SalesEstimate:
    promise: OrderPromise
    lines: SalesLines


def sales_lines(record: SalesRecord, index: SalesIndex) -> list[Mapping[str, Any]]:
    """The unified lines behind ``record``: a quote's own, an order's quote's; none otherwise."""
    if record.kind == "quote":
        return list(record.get("lines") or [])
    if record.kind == "order" and (ref := record.get("quote_ref")):
        quote = index.get("quote", ref)
        return list(quote.get("lines") or []) if quote else []
    return []


def requested_date_of(record: SalesRecord) -> date | None:
    """The date the customer asked for: an order's due date (quotes carry none)."""
    due = record.get("due_date") if record.kind == "order" else None
    return due if isinstance(due, date) else None


def promise_lines(record: SalesRecord, index: SalesIndex, known_skus: Container[str] | None) -> SalesLines:
    """``record``'s lines as promise lines. ``known_skus`` are the inventory snapshot's items; with
    None (no snapshot to check against) a SKU is taken on trust and only lines without one skip."""
    lines: list[OrderLine] = []
    skipped: list[SkippedLine] = []
    for line in sales_lines(record, index):
        product = str(line.get("product") or "")
        ref = line.get("item_ref")
        item = index.get("item", ref) if ref else None
        sku: str | None = line.get("sku") or (item.get("sku") if item else None)
        quantity = line.get("quantity")
        if not sku:
            reason = SkipReason.NO_SKU if item is not None else SkipReason.UNKNOWN_ITEM
        elif known_skus is not None and sku not in known_skus:
            reason = SkipReason.UNKNOWN_SKU
        elif not isinstance(quantity, Decimal) or quantity <= 0:
            reason = SkipReason.NO_QUANTITY
        else:
            lines.append(OrderLine(sku=sku, quantity=quantity))
            continue
        skipped.append(SkippedLine(product=product, item_ref=ref, sku=sku, reason=reason))
    return SalesLines(tuple(lines), tuple(skipped))


async def estimate_sales(
    record: SalesRecord,
    index: SalesIndex,
    inventory: InventoryService,
    *,
    requested_date: date | None = None,
    policy: Policy | None = None,
    max_age: float | None = None,
    snapshot: InventorySnapshot | None = None,
) -> SalesEstimate | None:
    """Promise the lines of a quote or an order on ``snapshot`` (or one within ``max_age``); None when
    none of them is made here. ``requested_date`` defaults to an order's due date. Raises the
    inventory source's ``HubError`` when it cannot be read."""
    if snapshot is None:
        snapshot = await inventory.snapshot(max_age)
    found = promise_lines(record, index, snapshot.items)
    if not found.lines:
        return None
    result = await inventory.estimate(
        found.lines,
        requested_date=requested_date or requested_date_of(record),
        policy=policy,
        snapshot=snapshot,
    )
    return SalesEstimate(promise=result, lines=found)
