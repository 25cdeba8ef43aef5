"""The value types of the sales schema: statuses, kinds, lines and provenance."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from hub.sales import SalesRecord
from mappings import Money as MoneyValue
from schema.types import Money, SourceSystem

__all__ = [
    "DocumentKind", "InvoiceStatus", "LineItem", "OrderStatus", "Provenance", "QuoteStatus", "lines_of",
    "money_of", "provenance_of", "text_lines",
]  # fmt: skip


@strawberry.enum
class QuoteStatus(Enum):
    DRAFT = "DRAFT"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    CONVERTED = "CONVERTED"


@strawberry.enum
class OrderStatus(Enum):
    NOT_STARTED = "NOT_STARTED"
    IN_PRODUCTION = "IN_PRODUCTION"
    READY = "READY"
    DELIVERED = "DELIVERED"
    INVOICED = "INVOICED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class InvoiceStatus(Enum):
    OPEN = "OPEN"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    OVERDUE = "OVERDUE"
    VOID = "VOID"


@strawberry.enum
class DocumentKind(Enum):
    PROPOSAL = "PROPOSAL"
    CONTRACT = "CONTRACT"
    OTHER = "OTHER"


@strawberry.type(description="Where a record came from, and when the hub last read it.")
class Provenance:
    system: SourceSystem
    external_id: str
    url: str | None
    fetched_at: datetime
    updated_at: datetime | None = strawberry.field(description="the source's own last-modified time")


def provenance_of(*records: SalesRecord | None) -> list[Provenance]:
    return [
        Provenance(
            system=SourceSystem(r.source),
            external_id=r.external_id,
            url=r.url,
            fetched_at=r.fetched_at,
            updated_at=r.updated_at,
        )
        for r in records
        if r is not None
    ]


def money_of(value: Any) -> Money | None:
    return Money(amount=value.amount, currency=value.currency) if isinstance(value, MoneyValue) else None


@strawberry.type
class LineItem:
    product: str
    product_id: str | None = strawberry.field(description="the source's item id (QuickBooks ItemRef)")
    description: str | None
    quantity: Decimal | None
    unit_price: Money | None
    amount: Money | None


def lines_of(raw: Any) -> list[LineItem]:
    return [
        LineItem(
            product=line.get("product") or "",
            product_id=line.get("item_ref"),
            description=line.get("description"),
            quantity=line.get("quantity"),
            unit_price=money_of(line.get("unit_price")),
            amount=money_of(line.get("amount")),
        )
        for line in raw or []
    ]


_TEXT_LINE = re.compile(r"^\s*(?P<qty>\d+(?:\.\d+)?)\s*x\s*(?P<product>.+?)\s*$")


def text_lines(text: str | None) -> list[LineItem]:
    """Notion's "Lines" text ("2 x Corset; 1 x Cape") for orders that did not come from a quote."""
    out = []
    for part in (text or "").split(";"):
        if match := _TEXT_LINE.match(part):
            out.append(LineItem(product=match["product"], product_id=None, description=None,
                                quantity=Decimal(match["qty"]), unit_price=None, amount=None))  # fmt: skip
        elif part.strip():
            out.append(LineItem(product=part.strip(), product_id=None, description=None, quantity=None,
                                unit_price=None, amount=None))  # fmt: skip
    return out
