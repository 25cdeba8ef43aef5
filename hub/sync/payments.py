"""``hub sync payments``: what QuickBooks says was paid goes onto the Notion orders.

For every order that names an invoice ("QuickBooks Invoice" = its DocNumber), the invoice in the sales
mirror gives the amount paid (``TotalAmt - Balance``) and the payment status: Paid (nothing left),
Unpaid (nothing paid) or Partially paid (option names from the sync file). The mirror is brought up to
date first, with one change-data-capture request (webhooks keep it fresh between runs too); an order
is updated only when one of the two values differs, so a run over settled books writes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from hub.errors import ConfigError, HubError, MappingError, UpstreamError
from hub.sales import SalesRecord, SalesService
from hub.store import Store
from hub.sync.orders import OrderPages
from hub.sync.progress import NullProgress, ProgressSink
from hub.sync.runs import SyncResult, SyncRuns
from mappings import Money
from mappings.sync_spec import InvoiceSyncSpec

__all__ = ["PaymentUpdate", "PaymentsSync", "payment_state"]

log = logging.getLogger("hub.sync")

_NOTION_WRITERS = 3


@dataclass
class PaymentUpdate:
    """One order whose payment fields change (``outcome`` "updated" or "failed")."""

    order_id: str
    order: str
    invoice: str
    status: str
    paid: Decimal
    previous_status: str | None
    previous_paid: Decimal | None
    order_url: str | None = None
    invoice_url: str | None = None
    outcome: str = "update"
    code: str | None = None
    message: str | None = None


def _amount(value: object) -> Decimal | None:
    return value.amount if isinstance(value, Money) else None


def payment_state(invoice: SalesRecord, spec: InvoiceSyncSpec) -> tuple[str, Decimal] | None:
    """``(payment status, amount paid)`` of an invoice, or None when it has no total or balance, or was
    voided (a void invoice has nothing to pay, which is not "Paid")."""
    total, balance = _amount(invoice.get("total")), _amount(invoice.get("balance"))
    if total is None or balance is None or invoice.get("status") == "VOID":
        return None
    names = spec.payment_statuses
    if balance <= 0:
        status = names.paid
    elif balance >= total:
        status = names.unpaid
    else:
        status = names.partially_paid
    return status, total - balance


class PaymentsSync:
    """Copies payment status and amount paid from QuickBooks invoices onto Notion orders."""

    def __init__(self, *, spec: InvoiceSyncSpec, store: Store, sales: SalesService, orders: OrderPages,
                 progress: ProgressSink | None = None) -> None:
        self.spec, self.store, self.sales, self.orders = spec, store, sales, orders
        self.progress: ProgressSink = progress or NullProgress()
        self.runs = SyncRuns(store)

    async def run(self) -> SyncResult:
        """One run, recorded in ``sync_runs`` as kind ``payments``; rows are the orders updated."""
        run = await self.runs.start("payments", dry_run=False)
        counts: Counter[str] = Counter()
        errors: list[dict[str, str]] = []
        rows: list[PaymentUpdate] = []
        config_error: HubError | None = None
        try:
            async with self.runs.beating(run.id):
                rows = await self._run(counts, errors)
        except (ConfigError, MappingError) as exc:
            errors.append({"order": "", "code": exc.code, "message": str(exc)})
            config_error = exc
        except HubError as exc:
            errors.append({"order": "", "code": exc.code, "message": str(exc)})
        except BaseException:
            self.runs.abandon(run.id)
            raise
        finally:
            self.progress.finish()
        totals = {**dict.fromkeys(("planned", "skipped", "failed", "updated_orders"), 0), **counts}
        stored = await self.runs.finish(run.id, counts=totals, errors=errors)
        if config_error is not None:
            raise config_error
        return SyncResult(stored, rows)

    async def _run(self, counts: Counter[str], errors: list[dict[str, str]]) -> list[PaymentUpdate]:
        for source in ("quickbooks", "notion"):
            if (failed := await self.sales.refresh(source, 0.0)) is not None:
                errors.append({"order": "", "code": failed.code, "message": str(failed)})
        if errors:
            return []
        await self.orders.check(payments=True)
        index = await self.sales.index()
        updates: list[PaymentUpdate] = []
        for order in index.all("order"):
            number = order.get("invoice_number")
            invoices = index.by_number("invoice", number)
            if not number or not invoices:
                continue
            counts["planned"] += 1
            state = payment_state(invoices[0], self.spec)
            if state is None:
                continue
            status, paid = state
            before_status, before_paid = order.get("payment_status"), _amount(order.get("amount_paid"))
            if before_status == status and before_paid == paid:
                counts["skipped"] += 1
                continue
            updates.append(PaymentUpdate(order.external_id, order.get("number") or order.external_id, number,
                                         status, paid, before_status, before_paid, order.url,
                                         invoices[0].url))
        await self._write(updates, counts, errors)
        return updates

    async def _write(self, updates: list[PaymentUpdate], counts: Counter[str],
                     errors: list[dict[str, str]]) -> None:
        self.progress.start("updating payments", len(updates))
        gate = asyncio.Semaphore(_NOTION_WRITERS)
        pages = []

        async def one(update: PaymentUpdate) -> None:
            async with gate:
                try:
                    pages.append(await self.orders.update(
                        update.order_id, self.orders.payment_values(update.status, update.paid)))
                except UpstreamError as exc:
                    update.outcome, update.code, update.message = "failed", exc.code, str(exc)
                    counts["failed"] += 1
                    errors.append({"order": update.order, "code": exc.code, "message": str(exc)})
                else:
                    update.outcome = "updated"
                    counts["updated_orders"] += 1
                finally:
                    self.progress.advance()

        await asyncio.gather(*(one(u) for u in updates))
        if pages:
            await self.sales.absorb(pages)
