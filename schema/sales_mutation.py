"""Quote and order mutations. Each takes an ``idempotencyKey``: the same key again returns the first
result and writes nothing new upstream; results are unions with typed errors.

The write itself runs through the outbox (``hub.commands``); what the vendors answered lands in the
mirror before the result is built, so the returned quote or order already shows the change.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from hub.commands import CommandFailed, CommandInProgress, CommandResult, CommandValidationError
from hub.errors import HubError, IdempotencyConflict, UpstreamError, UpstreamRateLimited, UpstreamRetryable
from hub.sales.writes import SalesWrites
from schema.ids import from_global_id
from schema.sales_context import customer_refs
from schema.sales_types import Document, Order, Quote

__all__ = ["SalesMutation"]


@strawberry.type(description="The input was refused before anything was written; field names the input.")
class ValidationError:
    code: str
    field: str
    message: str


@strawberry.type(description="The idempotency key was used for a different request, or is still running.")
class ConflictError:
    code: str
    message: str
    retryable: bool


@strawberry.type(description="A system behind the hub failed; retry with the same key when retryable.")
class UpstreamFailure:
    code: str
    source: str | None
    message: str
    retryable: bool
    retry_after: float | None


@strawberry.type
class QuotePayload:
    quote: Quote | None
    proposal: Document | None
    replayed: bool = strawberry.field(
        description="true when this key had already run: nothing new was written"
    )


@strawberry.type
class QuoteAccepted:
    quote: Quote | None
    order: Order | None
    replayed: bool


@strawberry.type
class OrderPayload:
    order: Order | None
    replayed: bool


Problem = ValidationError | ConflictError | UpstreamFailure
QuoteResult = Annotated[
    QuotePayload | ValidationError | ConflictError | UpstreamFailure, strawberry.union("QuoteResult")
]
AcceptQuoteResult = Annotated[
    QuoteAccepted | ValidationError | ConflictError | UpstreamFailure, strawberry.union("AcceptQuoteResult")
]
OrderResult = Annotated[
    OrderPayload | ValidationError | ConflictError | UpstreamFailure, strawberry.union("OrderResult")
]


@strawberry.input
class QuoteLineInput:
    product_id: strawberry.ID = strawberry.field(description="the QuickBooks Item Id")
    quantity: Decimal
    unit_price: Decimal
    description: str | None = None


_FIELDS = {
    "customer_qbo_id": "customerId", "customer_notion_id": "customerId", "estimate_id": "quoteId",
    "order_page_id": "orderId", "item_ref": "productId", "key": "idempotencyKey",
}  # fmt: skip


def _camel(path: str) -> str:
    """``lines[1].item_ref`` -> ``lines[1].productId`` (the GraphQL input's own names)."""

    def one(part: str) -> str:
        name, _, index = part.partition("[")
        name = _FIELDS.get(name, re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name))
        return name + (f"[{index}" if index else "")

    return ".".join(one(p) for p in path.split("."))


def _problem(exc: HubError) -> Problem:
    if isinstance(exc, CommandValidationError):
        return ValidationError(code=exc.code, field=_camel(exc.field), message=str(exc))
    if isinstance(exc, IdempotencyConflict):
        return ConflictError(code=exc.code, message=str(exc), retryable=False)
    if isinstance(exc, CommandInProgress):
        return ConflictError(code=exc.code, message=str(exc), retryable=True)
    if isinstance(exc, CommandFailed) and exc.code == "VALIDATION":
        return ValidationError(code=exc.code, field="", message=str(exc))
    if isinstance(exc, UpstreamError):
        return UpstreamFailure(
            code=exc.code,
            source=exc.source,
            message=str(exc),
            retryable=isinstance(exc, UpstreamRetryable),
            retry_after=exc.retry_after if isinstance(exc, UpstreamRateLimited) else None,
        )
    return UpstreamFailure(code=exc.code, source=None, message=str(exc), retryable=False, retry_after=None)


def _writes(info: Info) -> SalesWrites:
    writes = info.context.hub.writes
    if writes is None:
        raise _Refused("quoteId", "quote writes need QuickBooks, which is not enabled")
    return writes  # type: ignore[no-any-return]


class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _id(value: str, type_name: str, field: str) -> str:
    try:
        kind, external_id = from_global_id(value)
    except ValueError as exc:
        raise _Refused(field, str(exc)) from None
    if kind != type_name:
        raise _Refused(field, f"{value} is not a {type_name} id")
    return external_id


async def _after(info: Info, result: CommandResult) -> Any:
    """Put the written records into the mirror; later fields in this request see the new index."""
    writes = _writes(info)
    await writes.absorb(result)
    info.context.sales = None
    return await writes.sales.index()


async def _quote_payload(info: Info, result: CommandResult) -> QuotePayload:
    ix = await _after(info, result)
    estimate = result.records.get("estimate")
    quote = ix.get("quote", estimate.external_id) if estimate else None
    proposal_id = (result.details.get("proposal") or {}).get("pdf_id")
    proposal = ix.get("document", proposal_id) if proposal_id else None
    return QuotePayload(
        quote=Quote.of(quote, ix) if quote else None,
        proposal=Document.of(proposal, ix) if proposal else None,
        replayed=result.replayed,
    )


def _lines(lines: list[QuoteLineInput] | None) -> list[tuple[str, str | None, Decimal, Decimal]] | None:
    if lines is None:
        return None
    return [(str(x.product_id), x.description, x.quantity, x.unit_price) for x in lines]


async def _run(info: Info, call: Any) -> Any:
    try:
        return await call()
    except _Refused as exc:
        return ValidationError(code="VALIDATION", field=exc.field, message=str(exc))
    except HubError as exc:
        return _problem(exc)


@strawberry.type
class SalesMutation:
    @strawberry.mutation(
        description="Create a quote: a QuickBooks estimate, its Notion pipeline entry and, with "
        "withProposal, the proposal in the customer's Drive folder."
    )
    async def create_quote(
        self,
        info: Info,
        idempotency_key: str,
        customer_id: strawberry.ID,
        lines: list[QuoteLineInput],
        valid_until: dt.date | None = None,
        deal_name: str | None = None,
        with_proposal: bool = False,
    ) -> QuoteResult:
        async def call() -> QuotePayload:
            entity = _id(customer_id, "Customer", "customerId")
            view = await info.context.loaders.customer.load(entity)
            if view is None:
                raise _Refused("customerId", f"no customer {customer_id}")
            qbo, notion, _ = customer_refs(view)
            if not qbo:
                raise _Refused("customerId", "this customer has no QuickBooks record to quote to")
            result = await _writes(info).commands.create_quote(
                idempotency_key,
                customer_qbo_id=qbo[0],
                customer_notion_id=notion[0] if notion else None,
                lines=_lines(lines) or [],
                valid_until=valid_until,
                deal_name=deal_name,
                with_proposal=with_proposal,
            )
            return await _quote_payload(info, result)

        return await _run(info, call)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Replace a quote's lines and/or its validity (a concurrent edit is kept)."
    )
    async def update_quote(
        self,
        info: Info,
        idempotency_key: str,
        quote_id: strawberry.ID,
        lines: list[QuoteLineInput] | None = None,
        valid_until: dt.date | None = None,
    ) -> QuoteResult:
        async def call() -> QuotePayload:
            result = await _writes(info).commands.update_quote(
                idempotency_key,
                estimate_id=_id(quote_id, "Quote", "quoteId"),
                lines=_lines(lines),
                valid_until=valid_until,
            )
            return await _quote_payload(info, result)

        return await _run(info, call)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Email the quote from QuickBooks; the deal moves to Proposal sent.")
    async def send_quote(
        self, info: Info, idempotency_key: str, quote_id: strawberry.ID, email: str | None = None
    ) -> QuoteResult:
        async def call() -> QuotePayload:
            result = await _writes(info).commands.send_quote(
                idempotency_key, estimate_id=_id(quote_id, "Quote", "quoteId"), email=email
            )
            return await _quote_payload(info, result)

        return await _run(info, call)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Accept a quote: the estimate is marked accepted, the Notion order is created "
        "(one per quote) and the deal is won."
    )
    async def accept_quote(
        self, info: Info, idempotency_key: str, quote_id: strawberry.ID, due_date: dt.date | None = None
    ) -> AcceptQuoteResult:
        async def call() -> QuoteAccepted:
            result = await _writes(info).commands.accept_quote(
                idempotency_key, estimate_id=_id(quote_id, "Quote", "quoteId"), due_date=due_date
            )
            ix = await _after(info, result)
            estimate, order = result.records.get("estimate"), result.records.get("order")
            quote = ix.get("quote", estimate.external_id) if estimate else None
            placed = ix.get("order", order.external_id) if order else None
            return QuoteAccepted(
                quote=Quote.of(quote, ix) if quote else None,
                order=Order.of(placed, ix) if placed else None,
                replayed=result.replayed,
            )

        return await _run(info, call)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Decline a quote; the deal is lost.")
    async def decline_quote(
        self, info: Info, idempotency_key: str, quote_id: strawberry.ID, reason: str | None = None
    ) -> QuoteResult:
        async def call() -> QuotePayload:
            result = await _writes(info).commands.decline_quote(
                idempotency_key, estimate_id=_id(quote_id, "Quote", "quoteId"), reason=reason
            )
            return await _quote_payload(info, result)

        return await _run(info, call)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Move an order to another status of the Notion Orders data source.")
    async def update_order_status(
        self, info: Info, idempotency_key: str, order_id: strawberry.ID, status: str
    ) -> OrderResult:
        async def call() -> OrderPayload:
            result = await _writes(info).commands.update_order_status(
                idempotency_key, order_page_id=_id(order_id, "Order", "orderId"), status=status
            )
            ix = await _after(info, result)
            order = result.records.get("order")
            placed = ix.get("order", order.external_id) if order else None
            return OrderPayload(order=Order.of(placed, ix) if placed else None, replayed=result.replayed)

        return await _run(info, call)  # type: ignore[no-any-return]
