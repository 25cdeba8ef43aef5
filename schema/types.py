"""The unified GraphQL types. Resolvers are thin: they ask loaders and format."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from hub.customers import decode_fields
from hub.errors import UpstreamError
from schema.errors import hub_error
from schema.ids import to_global_id
from schema.loaders import CustomerView

__all__ = ["Address", "Customer", "Money", "Node", "Segment", "SourceRef", "SourceSystem"]

@strawberry.enum
class Segment(Enum):
    B2B = "B2B"
    B2C = "B2C"


@strawberry.enum(description="A system the hub reads from.")
class SourceSystem(Enum):
    NOTION = "notion"
    QUICKBOOKS = "quickbooks"


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


async def _view(info: Info, entity_id: str) -> CustomerView:
    view = await info.context.loaders.customer.load(entity_id)
    if view is None:  # the entity vanished mid-request; treat as empty
        raise LookupError(f"customer {entity_id} disappeared")
    return view


@strawberry.type(description="One real customer, merged across Notion and QuickBooks.")
class Customer(Node):
    entity_id: strawberry.Private[str]

    @classmethod
    def of(cls, entity_id: str) -> Customer:
        return cls(id=strawberry.ID(to_global_id("Customer", entity_id)), entity_id=entity_id)

    async def _field(self, info: Info, name: str) -> Any:
        return (await _view(info, self.entity_id)).merged.fields.get(name)

    @strawberry.field
    async def name(self, info: Info) -> str:
        view = await _view(info, self.entity_id)
        return view.merged.fields.get("name") or view.entity.display_name

    @strawberry.field
    async def company(self, info: Info) -> str | None:
        return await self._field(info, "company")

    @strawberry.field
    async def email(self, info: Info) -> str | None:
        return await self._field(info, "email")

    @strawberry.field
    async def phone(self, info: Info) -> str | None:
        return await self._field(info, "phone")

    @strawberry.field
    async def segment(self, info: Info) -> Segment | None:
        value = await self._field(info, "segment")
        return Segment(value) if value in ("B2B", "B2C") else None

    async def _live(self, info: Info, name: str) -> Any:
        """A QuickBooks-fed field, re-read under the balances policy; null plus an error if it fails."""
        view = await _view(info, self.entity_id)
        ids = [link.external_id for link in view.links if link.source == "quickbooks"]
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
    async def sources(self, info: Info) -> list[SourceRef]:
        view = await _view(info, self.entity_id)
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
