"""Quotes, orders, invoices, payments and documents: one type each, whatever system holds them.

Every object carries its mirrored record and the request's sales index, so following a link (quote ->
order -> invoices -> payments) is a lookup, never an upstream call; ``sources`` says where each came
from and how old it is.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from hub.sales import SalesIndex, SalesRecord
from schema.ids import to_global_id
from schema.sales_context import sales_of
from schema.sales_delivery import delivery_estimate_field, promised_date_field, skipped_products_field
from schema.sales_values import (
    DocumentKind,
    InvoiceStatus,
    LineItem,
    OrderStatus,
    Provenance,
    QuoteStatus,
    lines_of,
    money_of,
    provenance_of,
    text_lines,
)
from schema.types import Money, Node

if TYPE_CHECKING:
    from schema.types import Customer

__all__ = [
    "Document",
    "Invoice",
    "Order",
    "Payment",
    "Quote",
    "invoice_status",
    "quote_status",
    "sales_object",
]

CustomerRef = Annotated["Customer", strawberry.lazy("schema.types")]


async def _customer(info: Info, source: str, ref: str | None) -> Customer | None:
    from schema.types import Customer

    entity_id = await sales_of(info).entity_of(info, source, ref)
    if entity_id is None:
        return None
    view = await info.context.loaders.customer.load(entity_id)
    return Customer.of(view) if view else None


def _latest(records: list[SalesRecord], key: str) -> list[SalesRecord]:
    far = datetime.min.replace(tzinfo=UTC)
    return sorted(records, key=lambda r: (r.get(key) or far, r.external_id), reverse=True)


@strawberry.type
class SalesObject(Node):
    """What every sales object shares: its mirrored record, the request's index, provenance."""

    record: strawberry.Private[SalesRecord]
    ix: strawberry.Private[SalesIndex]

    @strawberry.field(description="Where this came from, and when the hub last read it.")
    def sources(self) -> list[Provenance]:
        return provenance_of(self.record)

    @classmethod
    def of(cls, record: SalesRecord, ix: SalesIndex) -> Self:
        return cls(id=strawberry.ID(to_global_id(cls.__name__, record.external_id)), record=record, ix=ix)


@strawberry.type(description="A quote: a QuickBooks estimate with its Notion pipeline entry and proposal.")
class Quote(SalesObject):
    @strawberry.field
    def number(self) -> str:
        return self.record.get("number") or ""

    @strawberry.field
    def status(self) -> QuoteStatus | None:
        value = quote_status(self.record)
        return QuoteStatus(value) if value else None

    @strawberry.field
    def date(self) -> dt.date | None:
        return self.record.get("txn_date")

    @strawberry.field
    def valid_until(self) -> dt.date | None:
        return self.record.get("valid_until")

    @strawberry.field
    def lines(self) -> list[LineItem]:
        return lines_of(self.record.get("lines"))

    @strawberry.field
    def subtotal(self) -> Money | None:
        return money_of(self.record.get("subtotal"))

    @strawberry.field
    def tax(self) -> Money | None:
        return money_of(self.record.get("tax"))

    @strawberry.field
    def total(self) -> Money | None:
        return money_of(self.record.get("total"))

    def _deal(self) -> SalesRecord | None:
        deals = self.ix.by_quote("deal", self.record.external_id)
        return _latest(deals, "expected_close")[0] if deals else None

    @strawberry.field(description="The Notion pipeline stage (Lead, Qualified, Proposal sent, ...).")
    def pipeline_stage(self) -> str | None:
        deal = self._deal()
        return deal.get("stage") if deal else None

    @strawberry.field(description="Win probability in percent, from the Notion pipeline.")
    def probability(self) -> Decimal | None:
        deal = self._deal()
        return deal.get("probability") if deal else None

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, "quickbooks", self.record.get("customer_ref"))

    @strawberry.field(description="The latest proposal document for this quote.")
    def proposal(self) -> Document | None:
        found = [
            d for d in self.ix.documents_for_quote(self.record.get("number")) if d.get("kind") == "PROPOSAL"
        ]
        return Document.of(_latest(found, "modified_at")[0], self.ix) if found else None

    @strawberry.field
    def documents(self) -> list[Document]:
        found = self.ix.documents_for_quote(self.record.get("number"))
        return [Document.of(d, self.ix) for d in _latest(found, "modified_at")]

    @strawberry.field(description="The order the quote became, once accepted.")
    def order(self) -> Order | None:
        orders = self.ix.by_quote("order", self.record.external_id)
        return Order.of(orders[0], self.ix) if orders else None

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        ids = self.record.get("invoice_refs") or []
        return [Invoice.of(r, self.ix) for r in await sales_of(info).records(info, "invoice", ids)]

    delivery_estimate = delivery_estimate_field()
    skipped_products = skipped_products_field()

    @strawberry.field
    def sources(self) -> list[Provenance]:
        return provenance_of(self.record, self._deal())


@strawberry.type(description="An order as the workshop tracks it in Notion, with its quote and invoices.")
class Order(SalesObject):
    @strawberry.field
    def number(self) -> str:
        return self.record.get("number") or ""

    @strawberry.field
    def status(self) -> OrderStatus | None:
        value = self.record.get("status")
        return OrderStatus(value) if value else None

    @strawberry.field(description="The workshop's own status name (Cutting, Sewing, Fitting, ...).")
    def stage(self) -> str | None:
        return self.record.get("stage")

    @strawberry.field
    def due_date(self) -> dt.date | None:
        return self.record.get("due_date")

    @strawberry.field
    def specifications(self) -> str | None:
        return self.record.get("specifications")

    @strawberry.field
    def maker(self) -> str | None:
        return self.record.get("maker")

    def _quote(self) -> SalesRecord | None:
        ref = self.record.get("quote_ref")
        return self.ix.get("quote", ref) if ref else None

    @strawberry.field
    def quote(self) -> Quote | None:
        quote = self._quote()
        return Quote.of(quote, self.ix) if quote else None

    @strawberry.field(description="The quote's lines when the order came from one, else the order's own.")
    def lines(self) -> list[LineItem]:
        quote = self._quote()
        return lines_of(quote.get("lines")) if quote else text_lines(self.record.get("lines_text"))

    @strawberry.field
    def total(self) -> Money | None:
        return money_of(self.record.get("total"))

    @strawberry.field
    def payment_status(self) -> str | None:
        return self.record.get("payment_status")

    @strawberry.field
    def amount_paid(self) -> Money | None:
        return money_of(self.record.get("amount_paid"))

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, "notion", self.record.get("customer_ref"))

    @strawberry.field
    def invoices(self) -> list[Invoice]:
        return [Invoice.of(r, self.ix) for r in _latest(self.ix.invoices_of_order(self.record), "txn_date")]

    @strawberry.field(description="Documents of the order's quote (proposal, signed contract).")
    def documents(self) -> list[Document]:
        quote = self._quote()
        number = quote.get("number") if quote else self.record.get("quote_number")
        return [Document.of(d, self.ix) for d in _latest(self.ix.documents_for_quote(number), "modified_at")]

    delivery_estimate = delivery_estimate_field()
    promised_date = promised_date_field()
    skipped_products = skipped_products_field()


def quote_status(record: SalesRecord) -> str | None:
    """The mirrored status, with a pending quote whose validity ran out since it was read: EXPIRED
    (QuickBooks leaves it Pending, and change data capture never sends an unchanged estimate again)."""
    value = record.get("status")
    until = record.get("valid_until")
    if value in ("DRAFT", "SENT") and until is not None and until < datetime.now(UTC).date():
        return "EXPIRED"
    return value  # type: ignore[no-any-return]


def invoice_status(record: SalesRecord) -> str | None:
    value = record.get("status")
    due = record.get("due_date")
    # Mirrored yesterday, overdue today: the date moves even when the invoice does not.
    if value in ("OPEN", "PARTIALLY_PAID") and due is not None and due < datetime.now(UTC).date():
        return "OVERDUE"
    return value  # type: ignore[no-any-return]


@strawberry.type(description="A QuickBooks invoice with its payments.")
class Invoice(SalesObject):
    @strawberry.field
    def number(self) -> str:
        return self.record.get("number") or ""

    @strawberry.field
    def status(self) -> InvoiceStatus | None:
        value = invoice_status(self.record)
        return InvoiceStatus(value) if value else None

    @strawberry.field
    def date(self) -> dt.date | None:
        return self.record.get("txn_date")

    @strawberry.field
    def due_date(self) -> dt.date | None:
        return self.record.get("due_date")

    @strawberry.field
    def total(self) -> Money | None:
        return money_of(self.record.get("total"))

    @strawberry.field
    def balance(self) -> Money | None:
        return money_of(self.record.get("balance"))

    @strawberry.field
    def lines(self) -> list[LineItem]:
        return lines_of(self.record.get("lines"))

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, "quickbooks", self.record.get("customer_ref"))

    @strawberry.field
    def quote(self) -> Quote | None:
        ref = self.record.get("quote_ref")
        quote = self.ix.get("quote", ref) if ref else None
        return Quote.of(quote, self.ix) if quote else None

    @strawberry.field
    def order(self) -> Order | None:
        orders = self.ix.orders_of_invoice(self.record)
        return Order.of(orders[0], self.ix) if orders else None

    @strawberry.field
    async def payments(self, info: Info) -> list[Payment]:
        ids = self.record.get("payment_refs") or []
        return [Payment.of(r, self.ix) for r in await sales_of(info).records(info, "payment", ids)]


@strawberry.type(description="A payment received in QuickBooks, applied to one or more invoices.")
class Payment(SalesObject):
    @strawberry.field
    def amount(self) -> Money | None:
        return money_of(self.record.get("amount"))

    @strawberry.field
    def date(self) -> dt.date | None:
        return self.record.get("txn_date")

    @strawberry.field(description="The cheque or transfer reference, when there is one.")
    def reference(self) -> str | None:
        return self.record.get("reference")

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        ids = self.record.get("invoice_refs") or []
        return [Invoice.of(r, self.ix) for r in await sales_of(info).records(info, "invoice", ids)]

    @strawberry.field
    async def customer(self, info: Info) -> CustomerRef | None:
        return await _customer(info, "quickbooks", self.record.get("customer_ref"))


@strawberry.type(description="A Google Drive file: a proposal, a signed contract, or another document.")
class Document(SalesObject):
    @strawberry.field
    def name(self) -> str:
        return self.record.get("name") or ""

    @strawberry.field
    def kind(self) -> DocumentKind:
        value = self.record.get("kind")
        return DocumentKind(value) if value in DocumentKind.__members__ else DocumentKind.OTHER

    @strawberry.field
    def mime_type(self) -> str | None:
        return self.record.get("mime_type")

    @strawberry.field
    def url(self) -> str | None:
        return self.record.get("url") or self.record.url

    @strawberry.field
    def modified_at(self) -> datetime | None:
        return self.record.get("modified_at") or self.record.updated_at

    @strawberry.field(description="The quote this document belongs to (by the estimate's number).")
    def quote(self) -> Quote | None:
        quotes = self.ix.by_number("quote", self.record.get("quote_number"))
        return Quote.of(quotes[0], self.ix) if quotes else None


_TYPES: dict[str, tuple[str, Any]] = {
    "Quote": ("quote", Quote), "Order": ("order", Order), "Invoice": ("invoice", Invoice),
    "Payment": ("payment", Payment), "Document": ("document", Document),
}  # fmt: skip


async def sales_object(info: Info, type_name: str, external_id: str) -> Node | None:
    """The object behind a sales global id (``node``), or None."""
    if type_name not in _TYPES or not sales_of(info).enabled:
        return None
    kind, cls = _TYPES[type_name]
    found = await sales_of(info).records(info, kind, [external_id])
    return cls.of(found[0], await sales_of(info).index(info)) if found else None
