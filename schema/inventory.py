"""Delivery estimates and products: the inventory side of the schema."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from hub import promise as p
from hub.errors import HubError
from hub.promise import AtpLedger, OrderLine, OrderPromise, Policy
from schema.errors import hub_error

if TYPE_CHECKING:
    from connectors.inventory import InventorySnapshot, StockLevel
    from hub.inventory import InventoryService

__all__ = ["InventoryQuery", "ProductQuery", "promise_policy", "to_graphql"]


@strawberry.enum
class ConstraintKind(Enum):
    STOCK = "stock"
    COMPONENT = "component"
    WORK_CENTER = "work_center"
    HOLIDAY = "holiday"
    LEAD_TIME = "lead_time"
    NONE = "none"


@strawberry.enum
class ConfidenceLevel(Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


@strawberry.type(
    description="What decides the date: stock, a component and the supply that brings it, "
    "a busy work centre, a holiday, or a lead time."
)
class Constraint:
    kind: ConstraintKind
    description: str
    sku: str | None
    work_center: str | None
    until: datetime | None
    supply_reference: str | None


@strawberry.type
class Confidence:
    level: ConfidenceLevel
    reasons: list[str]


@strawberry.type
class ScheduledOperation:
    sku: str
    operation: str
    work_center: str
    lane: int
    start: datetime
    end: datetime
    quantity: Decimal


@strawberry.type
class Lot:
    quantity: Decimal
    ready_at: datetime


@strawberry.type
class LineEstimate:
    sku: str
    quantity: Decimal
    from_stock: Decimal
    to_produce: Decimal
    ready_at: datetime
    ship_date: date
    delivery_date: date
    constraint: Constraint
    confidence: Confidence
    naive_delivery_date: date = strawberry.field(description="lead-time arithmetic, for contrast")
    operations: list[ScheduledOperation]
    lots: list[Lot]


@strawberry.type
class ShipmentLine:
    sku: str
    quantity: Decimal


@strawberry.type
class ShipmentOption:
    ship_date: date
    delivery_date: date
    lines: list[ShipmentLine]


@strawberry.type(description="When an order can be delivered, and why.")
class DeliveryEstimate:
    computed_at: datetime
    lines: list[LineEstimate]
    ship_complete_date: date
    delivery_date: date
    partial_shipments: list[ShipmentOption]
    requested_date: date | None
    can_meet: bool | None
    slack_business_days: int | None
    constraint: Constraint
    confidence: Confidence
    naive_delivery_date: date = strawberry.field(description="lead-time arithmetic, for contrast")
    promise_token: str = strawberry.field(description="pass to recheckDeliveryEstimate later")


@strawberry.type
class DeliveryRecheck:
    slipped: bool
    slip_business_days: int
    previous_delivery_date: date
    delivery_date: date
    reasons: list[str]
    estimate: DeliveryEstimate


@strawberry.input
class OrderLineInput:
    sku: str
    quantity: Decimal


@strawberry.input(description="Overrides of the shop's default promise policy.")
class PromisePolicyInput:
    packing_days: int | None = None
    transit_business_days: int | None = None
    security_days: int | None = None
    lot_splitting: bool | None = None
    allow_partial: bool | None = None


def _constraint(c: p.Constraint) -> Constraint:
    return Constraint(
        kind=ConstraintKind(c.kind),
        description=c.description,
        sku=c.sku,
        work_center=c.work_center,
        until=c.until,
        supply_reference=c.supply_reference,
    )


def _confidence(c: p.Confidence) -> Confidence:
    return Confidence(level=ConfidenceLevel(c.level), reasons=list(c.reasons))


def encode_token(result: OrderPromise) -> str:
    raw = json.dumps(result.to_json(), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_token(token: str) -> OrderPromise:
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return OrderPromise.from_json(json.loads(raw))
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
        raise GraphQLError("malformed promiseToken", extensions={"code": "BAD_USER_INPUT"}) from None


def to_graphql(result: OrderPromise) -> DeliveryEstimate:
    lines = [
        LineEstimate(
            sku=line.sku,
            quantity=line.quantity,
            from_stock=line.from_stock,
            to_produce=line.to_produce,
            ready_at=line.ready_at,
            ship_date=line.ship_date,
            delivery_date=line.delivery_date,
            constraint=_constraint(line.constraint),
            confidence=_confidence(line.confidence),
            naive_delivery_date=line.naive_delivery_date,
            operations=[
                ScheduledOperation(
                    sku=o.sku,
                    operation=o.operation,
                    work_center=o.work_center,
                    lane=o.lane,
                    start=o.start,
                    end=o.end,
                    quantity=o.quantity,
                )
                for o in line.operations
            ],
            lots=[Lot(quantity=lot.quantity, ready_at=lot.ready_at) for lot in line.lots],
        )
        for line in result.lines
    ]
    return DeliveryEstimate(
        computed_at=result.now,
        lines=lines,
        ship_complete_date=result.ship_complete_date,
        delivery_date=result.delivery_date,
        partial_shipments=[
            ShipmentOption(
                ship_date=s.ship_date,
                delivery_date=s.delivery_date,
                lines=[ShipmentLine(sku=k, quantity=q) for k, q in s.lines],
            )
            for s in result.partial_shipments
        ],
        requested_date=result.requested_date,
        can_meet=result.can_meet,
        slack_business_days=result.slack_business_days,
        constraint=_constraint(result.constraint),
        confidence=_confidence(result.confidence),
        naive_delivery_date=result.naive_delivery_date,
        promise_token=encode_token(result),
    )


def promise_policy(info: Info, given: PromisePolicyInput | None) -> Policy:
    base: Policy = info.context.hub.inventory.policy
    if given is None:
        return base
    changes = {k: v for k, v in vars(given).items() if v is not None}
    for name, value in changes.items():
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise GraphQLError(f"policy.{name} must be >= 0", extensions={"code": "BAD_USER_INPUT"})
    return replace(base, **changes)


def _service(info: Info) -> InventoryService:
    service: InventoryService | None = info.context.hub.inventory
    if service is None:
        raise GraphQLError(
            "no inventory source is configured (HUB_ODOO__ENABLED or HUB_SQL_INVENTORY__ENABLED)",
            extensions={"code": "NOT_CONFIGURED"},
        )
    return service


@strawberry.type
class InventoryQuery:
    @strawberry.field(
        description="When can these lines be delivered? Dates respect stock already "
        "promised, supply on order, BOMs, and each work centre's calendar and load."
    )
    async def delivery_estimate(
        self,
        info: Info,
        lines: list[OrderLineInput],
        requested_date: date | None = None,
        policy: PromisePolicyInput | None = None,
        max_age: float | None = None,
    ) -> DeliveryEstimate:
        service = _service(info)
        if not lines:
            raise GraphQLError("lines must not be empty", extensions={"code": "BAD_USER_INPUT"})
        snapshot = await _snapshot(info, max_age)
        snapshot_items = snapshot.items
        for line in lines:
            if line.quantity <= 0:
                raise GraphQLError(
                    f"quantity for {line.sku} must be > 0", extensions={"code": "BAD_USER_INPUT"}
                )
            if line.sku not in snapshot_items:
                raise GraphQLError(f"unknown sku {line.sku!r}", extensions={"code": "BAD_USER_INPUT"})
        order = [OrderLine(sku=line.sku, quantity=line.quantity) for line in lines]
        try:
            # On the snapshot the lines were checked against: a second read could differ (or cost
            # another upstream call when maxAge is 0).
            result = await service.estimate(
                order, requested_date=requested_date, policy=promise_policy(info, policy), snapshot=snapshot
            )
        except HubError as exc:
            raise hub_error(exc) from None
        return to_graphql(result)

    @strawberry.field(description="Re-check an earlier estimate against today's data; flags a slip.")
    async def recheck_delivery_estimate(
        self, info: Info, promise_token: str, max_age: float | None = None
    ) -> DeliveryRecheck:
        service = _service(info)
        previous = decode_token(promise_token)
        try:
            result = await service.recheck(previous, max_age=max_age)
        except HubError as exc:
            raise hub_error(exc) from None
        return DeliveryRecheck(
            slipped=result.slipped,
            slip_business_days=result.slip_business_days,
            previous_delivery_date=result.previous_delivery,
            delivery_date=result.delivery,
            reasons=list(result.reasons),
            estimate=to_graphql(result.new),
        )


async def _snapshot(info: Info, max_age: float | None) -> InventorySnapshot:
    try:
        return await _service(info).snapshot(max_age)
    except HubError as exc:
        raise hub_error(exc) from None


@strawberry.enum
class ItemKind(Enum):
    FINISHED = "finished"
    COMPONENT = "component"


@strawberry.enum
class MakeOrBuy(Enum):
    MAKE = "make"
    BUY = "buy"


@strawberry.type
class StockAtLocation:
    location: str
    on_hand: Decimal
    reserved: Decimal


@strawberry.type(description="Available to promise from this moment on (already net of later demand).")
class AtpPoint:
    at: datetime
    quantity: Decimal


@strawberry.type
class RecordSource:
    system: str
    reference: str


@strawberry.type(description="An item of the inventory system, with stock and available-to-promise.")
class Product:
    sku: str
    name: str
    unit: str
    kind: ItemKind
    make_or_buy: MakeOrBuy
    lead_time_days: Decimal
    safety_stock: Decimal
    stock: list[StockAtLocation]
    on_hand: Decimal
    reserved: Decimal
    available_now: Decimal = strawberry.field(description="ATP now: on hand − reserved − later demand")
    available_to_promise: list[AtpPoint]
    source: RecordSource | None
    fetched_at: datetime | None


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductPageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: ProductPageInfo
    total_count: int


@strawberry.input
class ProductFilter:
    sku: str | None = None
    name: str | None = None
    kind: ItemKind | None = None


def _product(snapshot: InventorySnapshot, sku: str, levels: list[StockLevel], ledger: AtpLedger) -> Product:
    item = snapshot.items[sku]
    profile = ledger.profile(sku)
    ref = item.ref
    return Product(
        sku=item.sku,
        name=item.name,
        unit=item.unit,
        kind=ItemKind(item.kind),
        make_or_buy=MakeOrBuy(item.make_or_buy),
        lead_time_days=item.lead_time_days,
        safety_stock=item.safety_stock,
        stock=[StockAtLocation(location=s.location, on_hand=s.on_hand, reserved=s.reserved) for s in levels],
        on_hand=sum((s.on_hand for s in levels), Decimal(0)),
        reserved=sum((s.reserved for s in levels), Decimal(0)),
        available_now=profile.now,
        available_to_promise=[AtpPoint(at=t, quantity=max(q, Decimal(0))) for t, q in profile.points],
        source=RecordSource(system=ref.source, reference=ref.reference) if ref else None,
        fetched_at=snapshot.fetched_at,
    )


@strawberry.type
class ProductQuery:
    @strawberry.field(description="Inventory items ordered by SKU, with stock and available-to-promise.")
    async def products(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: ProductFilter | None = None,
        max_age: float | None = None,
    ) -> ProductConnection:
        if not 0 <= first <= 100:
            raise GraphQLError("first must be between 0 and 100", extensions={"code": "BAD_USER_INPUT"})
        snapshot = await _snapshot(info, max_age)
        f = filter or ProductFilter()
        skus = sorted(
            sku
            for sku, item in snapshot.items.items()
            if (not f.sku or f.sku.lower() in sku.lower())
            and (not f.name or f.name.lower() in item.name.lower())
            and (f.kind is None or item.kind == f.kind.value)
        )
        start = 0
        if after:
            start = next((i + 1 for i, sku in enumerate(skus) if sku == after), len(skus))
        page = skus[start : start + first]
        edges = [
            ProductEdge(cursor=sku, node=node)
            for sku, node in zip(page, _products(snapshot, page), strict=True)
        ]
        return ProductConnection(
            edges=edges,
            total_count=len(skus),
            page_info=ProductPageInfo(
                has_next_page=start + first < len(skus), end_cursor=page[-1] if page else None
            ),
        )

    @strawberry.field
    async def product(self, info: Info, sku: str, max_age: float | None = None) -> Product | None:
        snapshot = await _snapshot(info, max_age)
        return _products(snapshot, [sku])[0] if sku in snapshot.items else None


def _products(snapshot: InventorySnapshot, skus: list[str]) -> list[Product]:
    # One ledger and one pass over stock for the whole page, not one per product.
    ledger = AtpLedger(snapshot, datetime.now(UTC))
    levels: dict[str, list[StockLevel]] = {sku: [] for sku in skus}
    for level in snapshot.stock:
        if level.sku in levels:
            levels[level.sku].append(level)
    return [_product(snapshot, sku, levels[sku], ledger) for sku in skus]
