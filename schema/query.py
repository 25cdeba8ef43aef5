"""Query root: customers (Relay connection), customer, node, sources."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from schema.errors import hub_error
from schema.ids import decode_cursor, encode_cursor, from_global_id
from schema.sales_types import sales_object
from schema.types import Customer, Node, Segment

__all__ = ["Query"]

MAX_PAGE = 100


@strawberry.input(description="All given conditions must hold.")
class CustomerFilter:
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    segment: Segment | None = strawberry.UNSET


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class SourceError:
    code: str
    message: str
    at: datetime


@strawberry.type
class RateBudgetState:
    limit_per_second: float
    capacity: float
    available: float
    paused_for: float = strawberry.field(description="seconds left of a pause set by a 429")


@strawberry.enum
class SourceState(Enum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    RECOVERING = "RECOVERING"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


@strawberry.type(description="Health of one upstream source as this hub instance sees it.")
class SourceStatus:
    name: str
    state: SourceState
    circuit: str
    last_success_at: datetime | None
    last_error: SourceError | None
    rate_budget: RateBudgetState | None
    requests: int = strawberry.field(description="upstream requests sent by this instance")


async def _refresh(info: Info, max_age: float | None) -> None:
    if max_age is not None:
        if max_age < 0:
            raise GraphQLError("maxAge must be >= 0", extensions={"code": "BAD_USER_INPUT"})
        info.context.loaders.max_age = max_age
    for error in await info.context.hub.directory.ensure_fresh(max_age):
        info.context.partial_errors.append(hub_error(error, path=[info.path.key]))


async def _customer_by_id(info: Info, id: str, max_age: float | None) -> Customer | None:
    try:
        type_name, entity_id = from_global_id(id)
    except ValueError as exc:
        raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None
    if type_name != "Customer":
        return None
    await _refresh(info, max_age)
    view = await info.context.loaders.customer.load(entity_id)
    return Customer.of(view) if view else None


@strawberry.type
class Query:
    @strawberry.field(description="Customers merged across sources, ordered by name (stable).")
    async def customers(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: CustomerFilter | None = None,
        max_age: Annotated[
            float | None,
            strawberry.argument(description="seconds; ask for data fresher than the freshness policy"),
        ] = None,
    ) -> CustomerConnection:
        if not 0 <= first <= MAX_PAGE:
            raise GraphQLError(
                f"first must be between 0 and {MAX_PAGE}", extensions={"code": "BAD_USER_INPUT"}
            )
        try:
            after_key = decode_cursor(after) if after else None
        except ValueError as exc:
            raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None
        await _refresh(info, max_age)
        f = filter or CustomerFilter()
        rows, total = await info.context.hub.store.page_entities(
            name_contains=f.name or None,
            email=f.email or None,
            segment=f.segment.value if f.segment else None,
            first=first + 1,
            after=after_key,
        )
        has_next = len(rows) > first
        rows = rows[:first]
        views = await info.context.loaders.customer.load_many([r.id for r in rows])
        edges = [
            CustomerEdge(cursor=encode_cursor(r.sort_key, r.id), node=Customer.of(view))
            for r, view in zip(rows, views, strict=True)
            if view is not None
        ]
        return CustomerConnection(
            edges=edges,
            total_count=total,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field
    async def customer(self, info: Info, id: strawberry.ID, max_age: float | None = None) -> Customer | None:
        return await _customer_by_id(info, id, max_age)

    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID, max_age: float | None = None) -> Node | None:
        try:
            type_name, external_id = from_global_id(id)
        except ValueError as exc:
            raise GraphQLError(str(exc), extensions={"code": "BAD_USER_INPUT"}) from None
        if type_name == "Customer":
            return await _customer_by_id(info, id, max_age)
        if max_age is not None:
            await _refresh(info, max_age)
        return await sales_object(info, type_name, external_id)

    @strawberry.field(description="Each upstream source's health, rate budget and last error.")
    def sources(self, info: Info) -> list[SourceStatus]:
        hub = info.context.hub
        out = []
        for health in hub.upstreams.health():
            budget = health.budget.snapshot() if health.budget else None
            out.append(
                SourceStatus(
                    name=health.source,
                    state=SourceState(health.state),
                    circuit=health.breaker.state if health.breaker else "closed",
                    last_success_at=health.last_success_at,
                    last_error=SourceError(
                        code=health.last_error_code or "",
                        message=health.last_error_message or "",
                        at=health.last_error_at,
                    )
                    if health.last_error_at
                    else None,
                    rate_budget=RateBudgetState(**budget) if budget else None,
                    requests=hub.upstreams.metrics.count(health.source),
                )
            )
        return out
