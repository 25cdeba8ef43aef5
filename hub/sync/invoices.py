"""``hub sync invoices``: planned orders become QuickBooks invoices exactly once, then Notion says so.

A run, in order (``checkpoint`` names the points between steps, where tests stop it):

1. refresh the customer directory and the sales mirror (one incremental read per source); check the
   Orders data source has the properties the run writes (``ConfigError`` otherwise); plan
   (``hub.sync.plan``). A dry run stops here and reports the plan.
2. outbox: each order's invoice is claimed under ``invoice:<order page id>`` with its planned body
   (step ``plan``) before any upstream write.                                        -> ``"claimed"``
3. safety net: one query for the invoices of every customer involved; an invoice whose PrivateNote
   carries the order's marker (made by a run that stopped before recording it) is taken, not re-created.
4. create the rest through ``POST /batch``, ``settings.sync.batch_size`` to a request, each request
   after a token from the shared QuickBooks batch budget (40 a minute) and the realm's rate budget. The
   request id derives from the items and their attempt numbers, so re-sending the same pending set
   reuses it and QuickBooks answers with the first result.                           -> ``"created"``
   Each item's invoice (step ``invoice``) or fault (step ``error``) is recorded per order.
                                                                                     -> ``"recorded"``
5. write back: the order's invoice number, link and invoiced status (step ``notion``); the entry is
   finished. Everything written lands in the sales mirror.

A crash anywhere resumes from the outbox on the next run: pending entries are planned first, with the
body they were planned with when their upstream outcome is unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from connectors.base import SourceRecord
from connectors.quickbooks import BatchItem, QuickBooksConnector
from hub.customers import CustomerDirectory
from hub.errors import ConfigError, HubError, MappingError, UpstreamError, UpstreamRetryable
from hub.http import RateBudget
from hub.sales import SalesService
from hub.settings import SyncSettings
from hub.store import Store
from hub.sync.orders import OrderPages
from hub.sync.plan import KIND, InvoicePlanner, InvoiceRef, PlannedInvoice, marker
from hub.sync.progress import NullProgress, ProgressSink
from hub.sync.runs import SyncResult, SyncRun, SyncRuns
from mappings.sync_spec import InvoiceSyncSpec

__all__ = ["COUNTS", "Checkpoint", "InvoiceSync", "SyncResult"]

log = logging.getLogger("hub.sync")

Checkpoint = Callable[[str], Awaitable[None]]
COUNTS = ("planned", "created", "adopted", "recovered", "skipped", "failed", "updated_orders")
_NOTION_WRITERS = 3  # Notion averages ~3 requests a second per integration


@dataclass
class _State:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, str]] = field(default_factory=list)
    written: list[SourceRecord] = field(default_factory=list)

    def error(self, plan: PlannedInvoice | None, code: str, message: str) -> None:
        self.errors.append({"order": plan.order if plan else "", "code": code, "message": message})


def _fault_code(exc: UpstreamError) -> str:
    text = str(exc)
    if (exc.vendor_code or "").lstrip("0") in ("2500", "610") and "Customer" in text:
        return "CUSTOMER_NOT_IN_QUICKBOOKS"
    return f"QUICKBOOKS_{exc.vendor_code}" if exc.vendor_code else exc.code


class InvoiceSync:
    """One invoice sync over a hub's pieces; ``run`` is a whole run (see the module docstring)."""

    def __init__(self, *, spec: InvoiceSyncSpec, settings: SyncSettings, store: Store, sales: SalesService,
                 directory: CustomerDirectory, qbo: QuickBooksConnector, orders: OrderPages,
                 batch_budget: RateBudget | None = None, progress: ProgressSink | None = None,
                 checkpoint: Checkpoint | None = None) -> None:
        self.spec, self.settings, self.store, self.sales = spec, settings, store, sales
        self.directory, self.qbo, self.orders = directory, qbo, orders
        self.batch_budget = batch_budget
        self.progress: ProgressSink = progress or NullProgress()
        self.checkpoint = checkpoint
        self.planner = InvoicePlanner(spec=spec, store=store, sales=sales, directory=directory, qbo=qbo)
        self.runs = SyncRuns(store)

    async def run(self, *, dry_run: bool = False, since: date | None = None,
                  limit: int | None = None) -> SyncResult:
        """Plan and (unless ``dry_run``) carry out one run; recorded in ``sync_runs``. A configuration
        problem is recorded and raised; anything else ends in the run's errors."""
        run = await self.runs.start("invoices", dry_run=dry_run)
        state = _State()
        rows: list[PlannedInvoice] = []
        config_error: HubError | None = None
        try:
            async with self.runs.beating(run.id):
                rows = await self._run(run, state, dry_run, since, limit)
        except (ConfigError, MappingError) as exc:
            state.error(None, exc.code, str(exc))
            config_error = exc
        except HubError as exc:
            state.error(None, exc.code, str(exc))
        except BaseException:
            self.runs.abandon(run.id)  # a crash or a cancel: the next run marks this one crashed
            raise
        finally:
            self.progress.finish()
        counts = {**dict.fromkeys(COUNTS, 0), **state.counts}
        stored = await self.runs.finish(run.id, counts=counts, errors=state.errors)
        if config_error is not None:
            raise config_error
        return SyncResult(stored, rows)

    async def _stop(self, point: str) -> None:
        if self.checkpoint is not None:
            await self.checkpoint(point)

    async def _run(self, run: SyncRun, state: _State, dry_run: bool, since: date | None,
                   limit: int | None) -> list[PlannedInvoice]:
        for error in await self.directory.ensure_fresh(0.0):  # a customer added minutes ago counts
            state.error(None, error.code, str(error))
        for source in ("quickbooks", "notion"):
            if (failed := await self.sales.refresh(source, 0.0)) is not None:
                state.error(None, failed.code, str(failed))
        if state.errors:
            return []
        await self.orders.check()
        plans = await self.planner.plan(since=since, limit=limit)
        for plan in plans:
            state.counts["planned" if plan.action != "skipped" else "skipped"] += 1
            if plan.action == "failed":
                state.counts["failed"] += 1
                state.error(plan, plan.code or "FAILED", plan.message or "")
        if dry_run:
            return plans
        await self._claim(plans)
        await self._stop("claimed")
        creating = [p for p in plans if p.action == "create"]
        await self._recover(creating, state)
        await self._create([p for p in creating if p.action == "create"], run, state)
        await self._stop("recorded")
        await self._write_back([p for p in plans if p.invoice is not None and p.action != "skipped"], state)
        if state.written:
            await self.sales.absorb(state.written)
        return plans

    async def _claim(self, plans: Sequence[PlannedInvoice]) -> None:
        outbox = self.store.outbox
        for plan in plans:
            if plan.action not in ("create", "adopt"):
                continue
            await outbox.claim(plan.key, KIND, {"order_id": plan.order_id})
            if plan.action == "adopt" and plan.invoice is not None:
                await outbox.record_step(plan.key, "invoice", {**plan.invoice.to_json(), "how": "adopted"})
            elif not plan.resumed and not plan.extra.get("lookup_only"):
                await outbox.record_step(plan.key, "plan", plan.plan_step())

    async def _recover(self, plans: list[PlannedInvoice], state: _State) -> None:
        """Take invoices an earlier, stopped run created (found by their PrivateNote marker)."""
        customers = sorted({p.customer_id for p in plans if p.customer_id})
        if not customers:
            return
        found: dict[str, SourceRecord] = {}
        for existing in await self.qbo.by_customers("Invoice", customers):
            note = str(existing.data.get("PrivateNote") or "")
            for plan in plans:
                if marker(plan.order_id) in note:
                    found.setdefault(plan.order_id, existing)
        for plan in plans:
            invoice = found.get(plan.order_id)
            if invoice is not None:
                plan.invoice = InvoiceRef.of_record(invoice)
                plan.extra["outcome"] = "recovered"
                await self.store.outbox.record_step(plan.key, "invoice", {**plan.invoice.to_json(),
                                                                          "how": "recovered"})
                state.written.append(invoice)
                state.counts["recovered"] += 1
            elif plan.extra.get("lookup_only"):
                plan.action, plan.message = "skipped", "no longer ready to invoice and nothing was created"
                state.counts["skipped"] += 1
            plan.action = "write_back" if invoice is not None else plan.action

    async def _create(self, plans: list[PlannedInvoice], run: SyncRun, state: _State) -> None:
        size = self.settings.batch_size
        self.progress.start("creating invoices", len(plans))
        for start in range(0, len(plans), size):
            chunk = plans[start:start + size]
            items = [BatchItem.write(p.order_id.replace("-", ""), "Invoice", "create", p.body or {})
                     for p in chunk]
            scope = "invoices:" + ",".join(f"{p.order_id}#{p.attempt}" for p in chunk)
            if self.batch_budget is not None:
                await self.batch_budget.acquire()
            try:
                results = await self.qbo.batch(items, request_id=scope)
            except UpstreamError as exc:
                known = not isinstance(exc, UpstreamRetryable)  # a 4xx answer: nothing was created
                for plan in chunk:
                    if known:
                        await self._failed_attempt(plan, exc.code, str(exc))
                    plan.fail(exc.code, str(exc))
                    state.counts["failed"] += 1
                    state.error(plan, exc.code, str(exc))
                self.progress.advance(len(chunk))
                continue
            await self._stop("created")
            for plan, result in zip(chunk, results, strict=True):
                if result.ok and result.records:
                    invoice = result.records[0]
                    plan.invoice = InvoiceRef.of_record(invoice)
                    plan.extra["outcome"] = "created"
                    await self.store.outbox.record_step(plan.key, "invoice", {**plan.invoice.to_json(),
                                                                              "how": "created"})
                    state.written.append(invoice)
                    state.counts["created"] += 1
                else:
                    error = result.error
                    code = _fault_code(error) if error is not None else "UPSTREAM_BAD_RESPONSE"
                    message = str(error) if error is not None else "the batch answer has no invoice"
                    await self._failed_attempt(plan, code, message)
                    plan.fail(code, message)
                    state.counts["failed"] += 1
                    state.error(plan, code, message)
            self.progress.advance(len(chunk))
            await self.runs.heartbeat(run.id, state.counts)
        self.progress.finish()

    async def _failed_attempt(self, plan: PlannedInvoice, code: str, message: str) -> None:
        """This attempt certainly created nothing: the next run plans the order anew."""
        await self.store.outbox.record_step(plan.key, "error", {"code": code, "message": message,
                                                                "attempt": plan.attempt})

    async def _write_back(self, plans: list[PlannedInvoice], state: _State) -> None:
        self.progress.start("updating orders", len(plans))
        gate = asyncio.Semaphore(_NOTION_WRITERS)

        async def one(plan: PlannedInvoice) -> None:
            assert plan.invoice is not None
            async with gate:
                try:
                    page = await self.orders.update(
                        plan.order_id, self.orders.invoice_values(plan.invoice.number, plan.invoice.url))
                except UpstreamError as exc:
                    plan.code = exc.code
                    plan.message = f"invoice {plan.invoice.number} exists; the order was not updated: {exc}"
                    state.counts["failed"] += 1
                    state.error(plan, exc.code, plan.message)
                    return
                finally:
                    self.progress.advance()
            await self.store.outbox.record_step(plan.key, "notion", {"page": plan.order_id})
            await self.store.outbox.finish(plan.key, {"invoice": plan.invoice.to_json()})
            state.written.append(page)
            state.counts["updated_orders"] += 1
            plan.extra.setdefault("outcome", "adopted" if plan.action == "adopt" else "written back")
            if plan.action == "adopt":
                state.counts["adopted"] += 1

        await asyncio.gather(*(one(p) for p in plans))
        self.progress.finish()
