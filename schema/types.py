"""The unified GraphQL types. Resolvers are thin: they ask loaders and format."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from hub.customers import decode_fields
from hub.errors import UpstreamError
from schema.errors import hub_error
from schema.ids import to_global_id
from schema.loaders import CustomerView

if TYPE_CHECKING:
    from schema.sales_lists import (
        DocumentConnection,
        DocumentFilter,
        InvoiceConnection,
        InvoiceFilter,
        OrderConnection,
        OrderFilter,
        QuoteConnection,
        QuoteFilter,
    )

_LISTS = "schema.sales_lists"

__all__ = ["Address", "Customer", "Money", "Node", "Segment", "SourceRef", "SourceSystem"]


@strawberry.enum
class Segment(Enum):
    B2B = "B2B"
    B2C = "B2C"


@strawberry.enum(description="A system the hub reads from.")
class SourceSystem(Enum):
    NOTION = "notion"
    QUICKBOOKS = "quickbooks"
    GOOGLE_DRIVE = "google_drive"


@strawberry.type(description="An amount of money: a decimal string and an ISO 4217 currency code.")
class Money:
    amount: Decimal = strawberry.field(description='exact decimal string, e.g. "1250.50"')
    currency: str


@strawberry.type
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None


@strawberry.type(description="Where a value came from: the source record, its link rule, and its age.")
class SourceRef:
    system: SourceSystem
    external_id: str
    url: str | None
    fetched_at: datetime | None
    matched_by: str = strawberry.field(description="explicit | email | name | manual | single")
    confidence: float


@strawberry.interface(description="An object with a stable, opaque global id.")
class Node:
    id: strawberry.ID


@strawberry.type(description="One real customer, merged across Notion and QuickBooks.")
class Customer(Node):
    # Loaded once per page by the resolver that returns customers (one batched store read), so the
    # profile fields below are plain reads rather than one awaited loader call each.
    view: strawberry.Private[CustomerView]

    @classmethod
    def of(cls, view: CustomerView) -> Customer:
        return cls(id=strawberry.ID(to_global_id("Customer", view.entity.id)), view=view)

    @property
    def entity_id(self) -> str:
        return self.view.entity.id

    def _field(self, name: str) -> Any:
        return self.view.merged.fields.get(name)

    @strawberry.field
    def name(self) -> str:
        return self._field("name") or self.view.entity.display_name

    @strawberry.field
    def company(self) -> str | None:
        return self._field("company")

    @strawberry.field
    def email(self) -> str | None:
        return self._field("email")

    @strawberry.field
    def phone(self) -> str | None:
        return self._field("phone")

    @strawberry.field
    def segment(self) -> Segment | None:
        value = self._field("segment")
        return Segment(value) if value in ("B2B", "B2C") else None

    async def _live(self, info: Info, name: str) -> Any:
        """A QuickBooks-fed field, re-read under the balances policy; null plus an error if it fails."""
        ids = [link.external_id for link in self.view.links if link.source == "quickbooks"]
        if not ids or "quickbooks" not in info.context.hub.directory.sources:
            return None
        loader = info.context.loaders.live("quickbooks")
        for external_id in ids:
            try:
                row = await loader.load(external_id)
            except UpstreamError as exc:
                raise hub_error(exc) from None
            if row is not None:
                value = decode_fields(row.fields).get(name)
                if value is not None:
                    return value
        return None

    @strawberry.field(description="Billing address, from QuickBooks (the system of record for billing).")
    async def billing_address(self, info: Info) -> Address | None:
        value = await self._live(info, "billing_address")
        return None if value is None else Address(**value.to_json())

    @strawberry.field(description="Open balance in QuickBooks.")
    async def open_balance(self, info: Info) -> Money | None:
        value = await self._live(info, "open_balance")
        return None if value is None else Money(amount=value.amount, currency=value.currency)

    @strawberry.field(description="Every source record merged into this customer, with provenance.")
    def sources(self) -> list[SourceRef]:
        view = self.view
        refs = []
        for link in sorted(view.links, key=lambda x: (x.source, x.external_id)):
            try:
                system = SourceSystem(link.source)
            except ValueError:
                continue
            row = view.records.get((link.source, link.external_id))
            refs.append(
                SourceRef(
                    system=system,
                    external_id=link.external_id,
                    url=row.url if row else None,
                    fetched_at=row.fetched_at if row else None,
                    matched_by=link.rule,
                    confidence=link.confidence,
                )
            )
        return refs

    # -- sales: quotes, orders, invoices and documents of this customer, from every system -----------

    @strawberry.field(description="This customer's quotes (QuickBooks estimates), newest first.")
    async def quotes(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[QuoteFilter, strawberry.lazy(_LISTS)] | None = None,
    ) -> Annotated[QuoteConnection, strawberry.lazy(_LISTS)]:
        from schema.sales_lists import customer_quotes

        return await customer_quotes(info, self.view, filter, first, after)

    @strawberry.field(description="This customer's orders (Notion), latest due date first.")
    async def orders(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[OrderFilter, strawberry.lazy(_LISTS)] | None = None,
    ) -> Annotated[OrderConnection, strawberry.lazy(_LISTS)]:
        from schema.sales_lists import customer_orders

        return await customer_orders(info, self.view, filter, first, after)

    @strawberry.field(description="This customer's invoices (QuickBooks), newest first.")
    async def invoices(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[InvoiceFilter, strawberry.lazy(_LISTS)] | None = None,
    ) -> Annotated[InvoiceConnection, strawberry.lazy(_LISTS)]:
        from schema.sales_lists import customer_invoices

        return await customer_invoices(info, self.view, filter, first, after)

    @strawberry.field(description="This customer's documents in Google Drive, latest first.")
    async def documents(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: Annotated[DocumentFilter, strawberry.lazy(_LISTS)] | None = None,
    ) -> Annotated[DocumentConnection, strawberry.lazy(_LISTS)]:
        from schema.sales_lists import customer_documents

        return await customer_documents(info, self.view, filter, first, after)
