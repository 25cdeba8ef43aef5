"""The invoice sync at the GraphQL edge: ``syncRuns`` (what ran, with counts and errors) and the
``syncInvoices`` mutation (a dry run or a real run, for frontends). Results are unions with a typed
error, as the other mutations' are."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.errors import ConfigError, HubError, MappingError, UpstreamError, UpstreamRetryable
from hub.sync import PlannedInvoice, SyncAlreadyRunning, SyncRuns, build_invoice_sync
from hub.sync import SyncRun as SyncRunRow
from hub.sync.report import invoice_rows
from schema.ids import to_global_id
from schema.types import Money

__all__ = ["SyncMutation", "SyncQuery"]


@strawberry.enum
class SyncRunStatus(Enum):
    RUNNING = "running"
    OK = "ok"
    ERRORS = "errors"
    CRASHED = "crashed"


@strawberry.type(description="How many orders a run planned and what became of them.")
class SyncCounts:
    planned: int
    created: int
    adopted: int = strawberry.field(description="the estimate was already invoiced in QuickBooks")
    recovered: int = strawberry.field(description="found in QuickBooks, made by a run that stopped")
    skipped: int
    failed: int
    updated_orders: int


@strawberry.type
class SyncRunError:
    order: str | None = strawberry.field(description="the order number; null for the run as a whole")
    code: str
    message: str


@strawberry.type(description="One run of a sync job (invoices, payments).")
class SyncRun:
    id: strawberry.ID
    kind: str
    dry_run: bool
    status: SyncRunStatus
    started_at: dt.datetime
    finished_at: dt.datetime | None
    counts: SyncCounts
    errors: list[SyncRunError]

    @classmethod
    def of(cls, run: SyncRunRow) -> SyncRun:
        c = run.counts
        return cls(
            id=strawberry.ID(run.id),
            kind=run.kind,
            dry_run=run.dry_run,
            status=SyncRunStatus(run.status),
            started_at=run.started_at,
            finished_at=run.finished_at,
            counts=SyncCounts(
                planned=c.get("planned", 0),
                created=c.get("created", 0),
                adopted=c.get("adopted", 0),
                recovered=c.get("recovered", 0),
                skipped=c.get("skipped", 0),
                failed=c.get("failed", 0),
                updated_orders=c.get("updated_orders", 0),
            ),
            errors=[
                SyncRunError(
                    order=e.get("order") or None, code=e.get("code", ""), message=e.get("message", "")
                )
                for e in run.errors
            ],
        )


@strawberry.type(description="One order of a syncInvoices run and its invoice.")
class SyncInvoice:
    order_id: strawberry.ID = strawberry.field(description="the Order's global id")
    order_number: str
    order_url: str | None
    customer: str | None
    quickbooks_customer_id: str | None
    action: str = strawberry.field(
        description="dry run: create | adopt | update order | failed | skipped; "
        "run: created | recovered | adopted | written back | failed "
        "| skipped"
    )
    invoice_id: strawberry.ID | None = strawberry.field(description="the Invoice's global id")
    invoice_number: str | None
    invoice_url: str | None
    amount: Money | None
    quote_id: str | None = strawberry.field(description="the QuickBooks estimate the invoice links")
    code: str | None
    message: str | None


@strawberry.type
class SyncInvoicesPayload:
    run: SyncRun
    invoices: list[SyncInvoice]


@strawberry.type(description="The sync could not run: not configured, already running, or a source failed.")
class SyncFailure:
    code: str
    message: str
    retryable: bool


SyncInvoicesResult = Annotated[SyncInvoicesPayload | SyncFailure, strawberry.union("SyncInvoicesResult")]


def _invoice(plan: PlannedInvoice, row: dict[str, object]) -> SyncInvoice:
    invoice = plan.invoice
    return SyncInvoice(
        order_id=strawberry.ID(to_global_id("Order", plan.order_id)),
        order_number=plan.order,
        order_url=plan.order_url,
        customer=plan.customer,
        quickbooks_customer_id=plan.customer_id,
        action=str(row["action"]),
        invoice_id=strawberry.ID(to_global_id("Invoice", invoice.id)) if invoice else None,
        invoice_number=invoice.number if invoice else None,
        invoice_url=invoice.url if invoice else None,
        amount=Money(amount=plan.amount, currency=plan.currency) if plan.amount is not None else None,
        quote_id=plan.estimate_id,
        code=plan.code,
        message=plan.message,
    )


@strawberry.type
class SyncQuery:
    @strawberry.field(description="The newest sync runs first; kind: invoices | payments.")
    async def sync_runs(self, info: Info, first: int = 20, kind: str | None = None) -> list[SyncRun]:
        runs = await SyncRuns(info.context.hub.store).list(first=max(0, min(first, 100)), kind=kind)
        return [SyncRun.of(run) for run in runs]


@strawberry.type
class SyncMutation:
    @strawberry.mutation(
        description="Invoice the orders ready to invoice (dryRun: only say what would be "
        "created); the same as `hub sync invoices`."
    )
    async def sync_invoices(
        self, info: Info, dry_run: bool = False, limit: int | None = None
    ) -> SyncInvoicesResult:
        if limit is not None and limit < 1:
            return SyncFailure(code="BAD_USER_INPUT", message="limit must be at least 1", retryable=False)
        try:
            result = await build_invoice_sync(info.context.hub).run(dry_run=dry_run, limit=limit)
        except (ConfigError, MappingError) as exc:
            return SyncFailure(code=exc.code, message=str(exc), retryable=False)
        except SyncAlreadyRunning as exc:
            return SyncFailure(code=exc.code, message=str(exc), retryable=True)
        except UpstreamError as exc:
            return SyncFailure(code=exc.code, message=str(exc), retryable=isinstance(exc, UpstreamRetryable))
        except HubError as exc:
            return SyncFailure(code=exc.code, message=str(exc), retryable=False)
        rows = invoice_rows(result.rows, dry_run=dry_run)
        return SyncInvoicesPayload(
            run=SyncRun.of(result.run),
            invoices=[_invoice(p, r) for p, r in zip(result.rows, rows, strict=True)],
        )
