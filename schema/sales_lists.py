"""Connections over quotes, orders, invoices and documents: filters, a stable order, Relay paging.

The same resolvers serve the top-level lists and a customer's own (``Customer.quotes`` ...): a
customer's records are found through its linked source records, never by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from hub.sales import SalesIndex, SalesRecord
from schema.ids import decode_cursor, encode_cursor, from_global_id
from schema.sales_context import customer_refs, sales_of
from schema.sales_types import Document, Invoice, Order, Quote, invoice_status, quote_status
from schema.sales_values import DocumentKind, InvoiceStatus, OrderStatus, QuoteStatus

__all__ = [
    "DocumentFilter", "InvoiceFilter", "OrderFilter", "QuoteFilter", "SalesQuery", "customer_documents",
    "customer_invoices", "customer_orders", "customer_quotes",
]  # fmt: skip

MAX_PAGE = 100
T = TypeVar("T")
C = TypeVar("C")


@strawberry.type
class ListPageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: ListPageInfo
    total_count: int


# Concrete names for the lazy references in ``schema.types.Customer`` (which this module imports).
@strawberry.type
class QuoteConnection(Connection[Quote]):
    pass


@strawberry.type
class OrderConnection(Connection[Order]):
    pass


@strawberry.type
class InvoiceConnection(Connection[Invoice]):
    pass


@strawberry.type
class DocumentConnection(Connection[Document]):
    pass


@strawberry.input(description="All given conditions must hold.")
class QuoteFilter:
    status: list[QuoteStatus] | None = None
    number: str | None = None
    customer_id: strawberry.ID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@strawberry.input(description="All given conditions must hold.")
class OrderFilter:
    status: list[OrderStatus] | None = None
    number_contains: str | None = None
    customer_id: strawberry.ID | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None


@strawberry.input(description="All given conditions must hold.")
class InvoiceFilter:
    status: list[InvoiceStatus] | None = None
    number: str | None = None
    customer_id: strawberry.ID | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    unpaid: bool | None = strawberry.field(default=None, description="true: balance above zero")


@strawberry.input(description="All given conditions must hold.")
class DocumentFilter:
    kind: list[DocumentKind] | None = None
    name_contains: str | None = None


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _descending(day: dt.date | dt.datetime | None) -> str:
    """A sort key string that orders newest first (missing dates last)."""
    if day is None:
        return "~"
    ordinal = day.toordinal() if isinstance(day, dt.date) and not isinstance(day, dt.datetime) else None
    if ordinal is None:
        assert isinstance(day, dt.datetime)
        return f"{10**12 - int(day.timestamp()):013d}"
    return f"{10**7 - ordinal:08d}"


def _page(
    records: Sequence[SalesRecord], key: Callable[[SalesRecord], str], first: int, after: str | None
) -> tuple[list[tuple[str, SalesRecord]], ListPageInfo, int]:
    if not 0 <= first <= MAX_PAGE:
        raise _bad(f"first must be between 0 and {MAX_PAGE}")
    ordered = sorted(((key(r), r) for r in records), key=lambda kr: (kr[0], kr[1].external_id))
    start = 0
    if after:
        try:
            mark = decode_cursor(after)
        except ValueError as exc:
            raise _bad(str(exc)) from None
        start = next((i for i, (k, r) in enumerate(ordered) if (k, r.external_id) > mark), len(ordered))
    window = ordered[start : start + first]
    cursors = [encode_cursor(k, r.external_id) for k, r in window]
    info = ListPageInfo(
        has_next_page=start + first < len(ordered),
        has_previous_page=start > 0,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return [(c, r) for c, (_, r) in zip(cursors, window, strict=True)], info, len(ordered)


def _connection(
    cls: Callable[..., C],
    wrap: Callable[[SalesRecord, SalesIndex], T],
    ix: SalesIndex,
    records: Sequence[SalesRecord],
    key: Callable[[SalesRecord], str],
    first: int,
    after: str | None,
) -> C:
    window, info, total = _page(records, key, first, after)
    return cls(edges=[Edge(cursor=c, node=wrap(r, ix)) for c, r in window], page_info=info, total_count=total)


async def _customer_scope(
    info: Info, customer_id: str | None
) -> tuple[list[str], list[str], list[str]] | None:
    """The QuickBooks ids, Notion ids and folder names of the customer a filter names."""
    if customer_id is None:
        return None
    try:
        type_name, entity_id = from_global_id(customer_id)
    except ValueError as exc:
        raise _bad(str(exc)) from None
    if type_name != "Customer":
        raise _bad(f"{customer_id} is not a Customer id")
    view = await info.context.loaders.customer.load(entity_id)
    return customer_refs(view) if view else ([], [], [])


def _statuses(wanted: list | None) -> set[str] | None:  # type: ignore[type-arg]
    return {s.value for s in wanted} if wanted else None


def _between(value: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    if start is None and end is None:
        return True
    return value is not None and (start is None or value >= start) and (end is None or value <= end)


# -- quotes ------------------------------------------------------------------------------------


async def quote_connection(
    info: Info, scope: tuple[list[str], list[str], list[str]] | None, f: QuoteFilter | None, first: int,
    after: str | None,
) -> QuoteConnection:  # fmt: skip
    ix = await sales_of(info).index(info)
    f = f or QuoteFilter()
    scope = scope or await _customer_scope(info, f.customer_id)
    records = ix.for_customer("quote", scope[0]) if scope else ix.all("quote")
    statuses = _statuses(f.status)
    chosen = [
        r for r in records
        if (statuses is None or quote_status(r) in statuses)
        and (f.number is None or r.get("number") == f.number)
        and _between(r.get("txn_date"), f.date_from, f.date_to)
    ]  # fmt: skip
    return _connection(
        QuoteConnection, Quote.of, ix, chosen, lambda r: _descending(r.get("txn_date")), first, after
    )


# -- orders ------------------------------------------------------------------------------------


async def order_connection(
    info: Info, scope: tuple[list[str], list[str], list[str]] | None, f: OrderFilter | None, first: int,
    after: str | None,
) -> OrderConnection:  # fmt: skip
    ix = await sales_of(info).index(info)
    f = f or OrderFilter()
    scope = scope or await _customer_scope(info, f.customer_id)
    records = ix.for_customer("order", scope[1]) if scope else ix.all("order")
    statuses = _statuses(f.status)
    needle = (f.number_contains or "").casefold()
    chosen = [
        r for r in records
        if (statuses is None or r.get("status") in statuses)
        and (not needle or needle in (r.get("number") or "").casefold())
        and _between(r.get("due_date"), f.due_from, f.due_to)
    ]  # fmt: skip
    return _connection(
        OrderConnection, Order.of, ix, chosen, lambda r: _descending(r.get("due_date")), first, after
    )


# -- invoices ----------------------------------------------------------------------------------


async def invoice_connection(
    info: Info, scope: tuple[list[str], list[str], list[str]] | None, f: InvoiceFilter | None, first: int,
    after: str | None,
) -> InvoiceConnection:  # fmt: skip
    ix = await sales_of(info).index(info)
    f = f or InvoiceFilter()
    scope = scope or await _customer_scope(info, f.customer_id)
    records = ix.for_customer("invoice", scope[0]) if scope else ix.all("invoice")
    statuses = _statuses(f.status)

    def unpaid(r: SalesRecord) -> bool:
        balance = r.get("balance")
        return balance is not None and balance.amount > 0

    chosen = [
        r for r in records
        if (statuses is None or invoice_status(r) in statuses)
        and (f.number is None or r.get("number") == f.number)
        and (f.unpaid is None or unpaid(r) == f.unpaid)
        and _between(r.get("due_date"), f.due_from, f.due_to)
    ]  # fmt: skip
    return _connection(
        InvoiceConnection, Invoice.of, ix, chosen, lambda r: _descending(r.get("txn_date")), first, after
    )


# -- documents ---------------------------------------------------------------------------------


async def document_connection(
    info: Info, scope: tuple[list[str], list[str], list[str]], f: DocumentFilter | None, first: int,
    after: str | None,
) -> DocumentConnection:  # fmt: skip
    ix = await sales_of(info).index(info)
    f = f or DocumentFilter()
    kinds = _statuses(f.kind)
    needle = (f.name_contains or "").casefold()
    chosen = [
        r for r in ix.documents_for_customer(scope[0], scope[2])
        if (kinds is None or (r.get("kind") or "OTHER") in kinds)
        and (not needle or needle in (r.get("name") or "").casefold())
    ]  # fmt: skip
    return _connection(
        DocumentConnection, Document.of, ix, chosen, lambda r: _descending(r.get("modified_at")), first, after
    )


# -- the Customer fields and the Query root -----------------------------------------------------


async def customer_quotes(info: Info, view: object, f: QuoteFilter | None, first: int, after: str | None):  # type: ignore[no-untyped-def]
    return await quote_connection(info, customer_refs(view), f, first, after)  # type: ignore[arg-type]


async def customer_orders(info: Info, view: object, f: OrderFilter | None, first: int, after: str | None):  # type: ignore[no-untyped-def]
    return await order_connection(info, customer_refs(view), f, first, after)  # type: ignore[arg-type]


async def customer_invoices(info: Info, view: object, f: InvoiceFilter | None, first: int, after: str | None):  # type: ignore[no-untyped-def]
    return await invoice_connection(info, customer_refs(view), f, first, after)  # type: ignore[arg-type]


async def customer_documents(
    info: Info, view: object, f: DocumentFilter | None, first: int, after: str | None
):  # type: ignore[no-untyped-def]
    return await document_connection(info, customer_refs(view), f, first, after)  # type: ignore[arg-type]


MaxAge = Annotated[
    float | None, strawberry.argument(description="seconds; ask for data fresher than the freshness policy")
]


def _max_age(info: Info, max_age: float | None) -> None:
    if max_age is not None:
        if max_age < 0:
            raise _bad("maxAge must be >= 0")
        info.context.loaders.max_age = max_age


@strawberry.type
class SalesQuery:
    @strawberry.field(description="Quotes (QuickBooks estimates), newest first.")
    async def quotes(
        self, info: Info, first: int = 20, after: str | None = None, filter: QuoteFilter | None = None,
        max_age: MaxAge = None,
    ) -> QuoteConnection:  # fmt: skip
        _max_age(info, max_age)
        return await quote_connection(info, None, filter, first, after)

    @strawberry.field(description="Orders (Notion), latest due date first.")
    async def orders(
        self, info: Info, first: int = 20, after: str | None = None, filter: OrderFilter | None = None,
        max_age: MaxAge = None,
    ) -> OrderConnection:  # fmt: skip
        _max_age(info, max_age)
        return await order_connection(info, None, filter, first, after)

    @strawberry.field(description="Invoices (QuickBooks), newest first.")
    async def invoices(
        self, info: Info, first: int = 20, after: str | None = None, filter: InvoiceFilter | None = None,
        max_age: MaxAge = None,
    ) -> InvoiceConnection:  # fmt: skip
        _max_age(info, max_age)
        return await invoice_connection(info, None, filter, first, after)
