"""Quote and order lines -> promise lines (``hub.sales.delivery``): every reason a line is left out.

The seeded shop only exercises "no SKU"; the other cases are built here from unified records.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hub.promise import OrderLine
from hub.sales import SalesIndex, SalesRecord
from hub.sales.delivery import SkippedLine, SkipReason, promise_lines, requested_date_of

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
KNOWN = {"FIN-TAILCOAT", "FIN-CORSET-M"}


def record(kind: str, external_id: str, **fields: Any) -> SalesRecord:
    return SalesRecord(kind, "test", kind, external_id, fields, None, NOW, None, False)


def line(product: str, item_ref: str | None, quantity: str | None, sku: str | None = None) -> dict[str, Any]:
    return {
        "product": product,
        "item_ref": item_ref,
        "sku": sku,
        "quantity": Decimal(quantity) if quantity is not None else None,
    }


QUOTE = record(
    "quote",
    "101",
    lines=[
        line("Tailcoat", "2", "2"),
        line("Fitting", "9", "1"),
        line("Cape", "99", "1"),  # an item the mirror does not hold
        line("Gown", "1", "1"),  # its SKU is not in this inventory
        line("Corset", "4", "0"),
        line("Corset", "4", None),
        line("Corset (line SKU)", None, "3", sku="FIN-CORSET-M"),
    ],
)
ITEMS = [
    record("item", "1", name="Gown", sku="FIN-VICTORIAN-GOWN"),
    record("item", "2", name="Tailcoat", sku="FIN-TAILCOAT"),
    record("item", "4", name="Corset", sku="FIN-CORSET-M"),
    record("item", "9", name="Fitting"),
]


def index(*records: SalesRecord) -> SalesIndex:
    return SalesIndex([QUOTE, *ITEMS, *records])


def test_each_line_is_promised_or_skipped_with_its_reason() -> None:
    found = promise_lines(QUOTE, index(), KNOWN)
    assert found.lines == (
        OrderLine("FIN-TAILCOAT", Decimal(2)),
        OrderLine("FIN-CORSET-M", Decimal(3)),
    )
    assert found.skipped == (
        SkippedLine("Fitting", "9", None, SkipReason.NO_SKU),
        SkippedLine("Cape", "99", None, SkipReason.UNKNOWN_ITEM),
        SkippedLine("Gown", "1", "FIN-VICTORIAN-GOWN", SkipReason.UNKNOWN_SKU),
        SkippedLine("Corset", "4", "FIN-CORSET-M", SkipReason.NO_QUANTITY),
        SkippedLine("Corset", "4", "FIN-CORSET-M", SkipReason.NO_QUANTITY),
    )


def test_without_an_inventory_to_check_a_sku_is_taken_on_trust() -> None:
    found = promise_lines(QUOTE, index(), None)
    assert OrderLine("FIN-VICTORIAN-GOWN", Decimal(1)) in found.lines
    assert {s.reason for s in found.skipped} == {
        SkipReason.NO_SKU,
        SkipReason.UNKNOWN_ITEM,
        SkipReason.NO_QUANTITY,
    }


def test_an_order_is_promised_on_its_quote_and_by_its_due_date() -> None:
    due = date(2026, 12, 1)
    order = record("order", "page-1", quote_ref="101", due_date=due)
    assert promise_lines(order, index(order), KNOWN) == promise_lines(QUOTE, index(), KNOWN)
    assert requested_date_of(order) == due
    assert requested_date_of(QUOTE) is None


def test_an_order_without_a_quote_has_nothing_to_promise() -> None:
    direct = record("order", "page-2", lines_text="2 x Tailcoat")
    missing = record("order", "page-3", quote_ref="404")
    for order in (direct, missing):
        found = promise_lines(order, index(order), KNOWN)
        assert (found.lines, found.skipped) == ((), ())
