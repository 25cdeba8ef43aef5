"""Delivery estimates on quotes and orders: ``deliveryEstimate`` and ``skippedProducts`` on ``Quote``
and ``Order``, and ``Order.promisedDate``.

The lines come from ``hub.sales.delivery`` (quote line -> QuickBooks item -> its Sku = the inventory
product code); the promise from the same engine and answer type as the top-level ``deliveryEstimate``.
A request reads the inventory snapshot at most once however many quotes and orders ask: ``maxAge`` counts
from the request's first delivery question, so a snapshot read during the request serves every ``maxAge``
(a stricter one than the policy reads afresh only when the cached snapshot is too old). Each quote is
promised once per set of arguments, so ``deliveryEstimate`` and ``promisedDate`` of one order share
the work.

Null without an error: no inventory source configured, nothing on the quote made here, an order
without a quote (and ``promisedDate`` of a delivered, invoiced or cancelled order). A failing inventory
source is a field error with its ``source``; ``skippedProducts`` then lists only what it can tell
without the inventory (no SKU, no item, no quantity).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import strawberry
from strawberry.types import Info

from hub.errors import HubError
from hub.promise import Policy
from hub.sales import SalesIndex, SalesRecord
from hub.sales import delivery as d
from schema.errors import hub_error
from schema.inventory import DeliveryEstimate, PromisePolicyInput, promise_policy, to_graphql

if TYPE_CHECKING:
    from connectors.inventory import InventorySnapshot
    from hub.inventory import InventoryService

__all__ = [
    "DeliveryContext",
    "SkipReason",
    "SkippedProduct",
    "delivery_estimate_field",
    "delivery_of",
    "promised_date_field",
    "skipped_products_field",
]

T = TypeVar("T")


@strawberry.enum(description="Why a line has no delivery estimate.")
class SkipReason(Enum):
    NO_SKU = "no_sku"
    UNKNOWN_SKU = "unknown_sku"
    UNKNOWN_ITEM = "unknown_item"
    NO_QUANTITY = "no_quantity"


@strawberry.type(description="A line the delivery estimate leaves out: not made in the workshop, or "
                 "nothing to make.")  # fmt: skip
class SkippedProduct:
    product: str
    product_id: str | None = strawberry.field(description="the source's item id (QuickBooks ItemRef)")
    sku: str | None
    reason: SkipReason = strawberry.field(
        description="NO_SKU: the item has no SKU (a service, or bought in); UNKNOWN_SKU: the inventory "
        "system has no such product; UNKNOWN_ITEM: no item, or one QuickBooks marks inactive; "
        "NO_QUANTITY: nothing to deliver"
    )


class DeliveryContext:
    """Per request: inventory snapshots and promises, each computed once and shared."""

    def __init__(self, inventory: InventoryService | None) -> None:
        self.inventory = inventory
        self.started = datetime.now(UTC)  # maxAge counts from here: the whole request is one moment
        self._snapshots: dict[float, asyncio.Future[InventorySnapshot]] = {}
        self._estimates: dict[Hashable, asyncio.Future[d.SalesEstimate | None]] = {}

    @staticmethod
    async def _shared(store: dict[Any, asyncio.Future[T]], key: Any, make: Callable[[], Awaitable[T]]) -> T:
        if key not in store:
            store[key] = asyncio.ensure_future(make())
        return await asyncio.shield(store[key])  # one asker giving up does not cancel the others

    async def snapshot(self, max_age: float | None = None) -> InventorySnapshot:
        """The inventory snapshot within ``max_age`` (the freshness policy when None); raises
        ``HubError`` when the source cannot be read."""
        assert self.inventory is not None
        inventory = self.inventory
        limit = inventory.max_age if max_age is None else max_age
        if (key := next((k for k in sorted(self._snapshots) if k <= limit), None)) is not None:
            return await asyncio.shield(self._snapshots[key])
        # A looser read this request already asked for may be a fresh one (the cache was stale): then
        # it is young enough for this ask too, and a second read would only repeat it.
        for key in sorted(self._snapshots):
            found = await asyncio.shield(self._snapshots[key])
            if found.fetched_at is not None and (self.started - found.fetched_at).total_seconds() <= limit:
                return found
        return await self._shared(self._snapshots, limit, lambda: inventory.snapshot(limit))

    async def estimate(
        self,
        record: SalesRecord,
        index: SalesIndex,
        *,
        requested_date: date | None,
        policy: Policy,
        max_age: float | None,
    ) -> d.SalesEstimate | None:
        assert self.inventory is not None
        inventory = self.inventory
        requested = requested_date or d.requested_date_of(record)
        key = (record.kind, record.external_id, requested, policy, max_age)

        async def make() -> d.SalesEstimate | None:
            snapshot = await self.snapshot(max_age)
            return await d.estimate_sales(
                record, index, inventory, requested_date=requested, policy=policy, snapshot=snapshot
            )

        return await self._shared(self._estimates, key, make)


def delivery_of(info: Info) -> DeliveryContext:
    context = info.context
    if getattr(context, "delivery", None) is None:
        context.delivery = DeliveryContext(context.hub.inventory)
    return context.delivery  # type: ignore[no-any-return]


class _SalesObject(Protocol):
    """A Quote or an Order of ``schema.sales_types``."""

    record: SalesRecord
    ix: SalesIndex


async def _delivery_estimate(
    root: _SalesObject,
    info: Info,
    requested_date: date | None = None,
    policy: PromisePolicyInput | None = None,
    max_age: float | None = None,
) -> DeliveryEstimate | None:
    ctx = delivery_of(info)
    if ctx.inventory is None:
        return None
    chosen = promise_policy(info, policy)
    try:
        found = await ctx.estimate(
            root.record, root.ix, requested_date=requested_date, policy=chosen, max_age=max_age
        )
    except HubError as exc:
        raise hub_error(exc) from None
    return to_graphql(found.promise) if found else None


async def _promised_date(root: _SalesObject, info: Info) -> date | None:
    ctx = delivery_of(info)
    if ctx.inventory is None or root.record.get("status") in d.CLOSED_ORDER_STATUSES:
        return None
    try:
        found = await ctx.estimate(
            root.record, root.ix, requested_date=None, policy=ctx.inventory.policy, max_age=None
        )
    except HubError as exc:
        raise hub_error(exc) from None
    return found.promise.delivery_date if found else None


async def _skipped_products(root: _SalesObject, info: Info) -> list[SkippedProduct]:
    ctx = delivery_of(info)
    known = None
    if ctx.inventory is not None:
        try:
            known = (await ctx.snapshot()).items
        except HubError:
            pass  # deliveryEstimate reports the failure; here only what is known without inventory
    found = d.promise_lines(root.record, root.ix, known)
    return [
        SkippedProduct(product=s.product, product_id=s.item_ref, sku=s.sku, reason=SkipReason(s.reason.value))
        for s in found.skipped
    ]


# Factories, not shared field objects: strawberry binds a field to the one type it is declared on.


def delivery_estimate_field() -> Any:
    """``deliveryEstimate(requestedDate, policy, maxAge): DeliveryEstimate`` for a Quote or an Order."""
    return strawberry.field(
        resolver=_delivery_estimate,
        description="When the lines made in the workshop can be delivered, and why (the top-level "
        "deliveryEstimate over the quote's lines; an order's due date is its requested date). Null "
        "when nothing on the quote is made here or no inventory source is configured.",
    )


def skipped_products_field() -> Any:
    """``skippedProducts: [SkippedProduct!]!`` for a Quote or an Order."""
    return strawberry.field(
        resolver=_skipped_products,
        description="Lines the delivery estimate leaves out, and why.",
    )


def promised_date_field() -> Any:
    """``promisedDate: Date`` for an Order."""
    return strawberry.field(
        resolver=_promised_date,
        description="The date the workshop can deliver this order by, from the delivery estimate; null "
        "once delivered, invoiced or cancelled.",
    )
