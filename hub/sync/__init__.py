"""The invoice sync: Notion orders -> QuickBooks invoices, exactly once; payments back; reconciliation.

Built from a running ``Hub`` (its store, sales mirror, customer directory and connectors) and the sync
file ``mappings/sync.invoices.yaml`` (``mappings.sync_spec``)::

    sync = build_invoice_sync(hub)
    result = await sync.run(dry_run=True)          # what would be created; nothing changes
    result = await sync.run()                      # create the invoices, update the orders
    await build_payments_sync(hub).run()           # payment status and amount paid back to Notion
    mismatches, _ = await run_reconcile(hub)       # orders and invoices that disagree

Every run is a row of ``sync_runs`` (``hub.sync.runs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.notion import NotionConnector
from connectors.quickbooks import QuickBooksConnector
from hub.errors import ConfigError, UpstreamError
from hub.http import Limit
from hub.sync.invoices import Checkpoint, InvoiceSync
from hub.sync.orders import OrderPages
from hub.sync.payments import PaymentsSync, PaymentUpdate
from hub.sync.plan import KIND, InvoiceRef, PlannedInvoice, marker, outbox_key
from hub.sync.progress import LogProgress, NullProgress, ProgressSink, RichProgress
from hub.sync.reconcile import Mismatch, reconcile
from hub.sync.runs import SyncAlreadyRunning, SyncResult, SyncRun, SyncRuns
from mappings.sync_spec import InvoiceSyncSpec, load_sync_spec

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = [
    "BATCHES_PER_MINUTE",
    "KIND",
    "Checkpoint",
    "InvoiceRef",
    "InvoiceSync",
    "LogProgress",
    "Mismatch",
    "NullProgress",
    "PaymentUpdate",
    "PaymentsSync",
    "PlannedInvoice",
    "ProgressSink",
    "RichProgress",
    "SyncAlreadyRunning",
    "SyncResult",
    "SyncRun",
    "SyncRuns",
    "build_invoice_sync",
    "build_payments_sync",
    "marker",
    "outbox_key",
    "run_reconcile",
    "sync_spec",
]

# Intuit: 40 batch requests a minute per realm and app, on top of the 500/min and 10/s of every call.
BATCHES_PER_MINUTE = 40


def sync_spec(hub: Hub) -> InvoiceSyncSpec:
    """The hub's ``sync.invoices.yaml`` (its ``mappings_dir``'s, else the shipped one)."""
    return load_sync_spec(hub.settings.mappings_dir)


def _parts(hub: Hub) -> tuple[QuickBooksConnector, NotionConnector, str]:
    qbo, notion = hub.sources.get("quickbooks"), hub.sources.get("notion")
    if not isinstance(qbo, QuickBooksConnector) or not isinstance(notion, NotionConnector):
        raise ConfigError("the invoice sync needs both QuickBooks and Notion enabled")
    orders = hub.sales.collection("order") if hub.sales is not None else None
    if orders is None:
        raise ConfigError("the invoice sync needs the Notion Orders data source "
                          "(HUB_NOTION__ORDERS_DATA_SOURCE_ID)")
    return qbo, notion, orders[2]


def build_invoice_sync(hub: Hub, *, progress: ProgressSink | None = None,
                       checkpoint: Checkpoint | None = None,
                       spec: InvoiceSyncSpec | None = None) -> InvoiceSync:
    """An ``InvoiceSync`` over ``hub``; ``ConfigError``/``MappingError`` when it cannot run."""
    qbo, notion, orders = _parts(hub)
    spec = spec or sync_spec(hub)
    assert hub.sales is not None  # checked by _parts
    batches = Limit(BATCHES_PER_MINUTE, 60.0, margin=0.25)  # margin: Intuit counts arrivals, we count sends
    budget = hub.upstreams.budget(f"quickbooks-batch:{qbo.realm_id}", [batches])
    return InvoiceSync(spec=spec, settings=hub.settings.sync, store=hub.store, sales=hub.sales,
                       directory=hub.directory, qbo=qbo, orders=OrderPages(notion, orders, spec),
                       batch_budget=budget, progress=progress, checkpoint=checkpoint)


def build_payments_sync(hub: Hub, *, progress: ProgressSink | None = None,
                        spec: InvoiceSyncSpec | None = None) -> PaymentsSync:
    _, notion, orders = _parts(hub)
    spec = spec or sync_spec(hub)
    assert hub.sales is not None
    return PaymentsSync(spec=spec, store=hub.store, sales=hub.sales, orders=OrderPages(notion, orders, spec),
                        progress=progress)


async def run_reconcile(hub: Hub, *, spec: InvoiceSyncSpec | None = None
                        ) -> tuple[list[Mismatch], list[UpstreamError]]:
    """``hub.sync.reconcile.reconcile`` over ``hub``."""
    _parts(hub)
    assert hub.sales is not None
    return await reconcile(spec=spec or sync_spec(hub), store=hub.store, sales=hub.sales,
                           directory=hub.directory)

