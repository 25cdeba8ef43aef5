"""``hub sync reconcile``: where Notion orders and QuickBooks invoices disagree, with links to both.

Read-only. After bringing the mirrors up to date (one incremental read per source) it reports:

* ``ORDER_WITHOUT_INVOICE``: an order ready to invoice (or marked invoiced, or naming an invoice) for
  which QuickBooks has no invoice: not synced yet, or its "QuickBooks Invoice" names no invoice;
* ``ORDER_NOT_UPDATED``: QuickBooks invoiced the order's estimate but the order does not name the
  invoice (``hub sync invoices`` adopts it);
* ``INVOICE_WITHOUT_ORDER``: an invoice of a customer the shop tracks in Notion that no order names
  (invoices of customers with no Notion client are not expected to have orders);
* ``AMOUNT_MISMATCH``: the order's Total is not the invoice's TotalAmt;
* ``CUSTOMER_MISMATCH``: the invoice's customer is not the QuickBooks customer of the order's client.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.customers import CustomerDirectory
from hub.errors import UpstreamError
from hub.sales import SalesRecord, SalesService
from hub.store import Store
from hub.sync.plan import qbo_customers_of_clients
from mappings import Money
from mappings.sync_spec import InvoiceSyncSpec

__all__ = ["KINDS", "Mismatch", "reconcile"]

KINDS = ("ORDER_WITHOUT_INVOICE", "ORDER_NOT_UPDATED", "INVOICE_WITHOUT_ORDER", "AMOUNT_MISMATCH",
         "CUSTOMER_MISMATCH")


@dataclass(frozen=True)
class Mismatch:
    """One disagreement, with both records (either may be absent) and what is wrong."""

    kind: str
    detail: str
    order: str | None = None
    order_id: str | None = None
    order_url: str | None = None
    invoice: str | None = None
    invoice_id: str | None = None
    invoice_url: str | None = None
    customer_id: str | None = None


def _order_fields(order: SalesRecord) -> dict[str, str | None]:
    return {"order": order.get("number") or order.external_id, "order_id": order.external_id,
            "order_url": order.url}


def _invoice_fields(invoice: SalesRecord) -> dict[str, str | None]:
    return {"invoice": invoice.get("number") or invoice.external_id, "invoice_id": invoice.external_id,
            "invoice_url": invoice.url, "customer_id": invoice.get("customer_ref")}


def _money(value: object) -> str:
    return f"{value.amount} {value.currency}" if isinstance(value, Money) else "none"


async def reconcile(*, spec: InvoiceSyncSpec, store: Store, sales: SalesService,
                    directory: CustomerDirectory) -> tuple[list[Mismatch], list[UpstreamError]]:
    """Every mismatch (orders by number, then invoices), and the sources that could not be refreshed
    (their mirror is used as it was)."""
    failed = list(await directory.ensure_fresh())
    for source in ("quickbooks", "notion"):
        if (error := await sales.refresh(source, 0.0)) is not None:
            failed.append(error)
    index = await sales.index()
    qbo_of_client = await qbo_customers_of_clients(store)
    found: list[Mismatch] = []
    named: set[str] = set()
    orders = sorted(index.all("order"), key=lambda o: (o.get("number") or "", o.external_id))
    for order in orders:
        number, stage = order.get("invoice_number"), order.get("stage")
        by_number = index.by_number("invoice", number)
        invoices = by_number or index.invoices_of_order(order)
        named.update(i.external_id for i in invoices)
        expected = number or stage in spec.statuses or stage == spec.invoiced_status
        if not invoices:
            if expected:
                why = (f"names invoice {number}, which QuickBooks does not have" if number
                       else f"is {stage} and has no invoice yet")
                found.append(Mismatch("ORDER_WITHOUT_INVOICE", f"the order {why}", **_order_fields(order)))
            continue
        invoice = invoices[0]
        both = {**_order_fields(order), **_invoice_fields(invoice)}
        if not by_number:
            found.append(Mismatch("ORDER_NOT_UPDATED", f"QuickBooks invoiced the order's estimate as "
                                                       f"{invoice.get('number')}; the order does not say so",
                                  **both))
        total, billed = order.get("total"), invoice.get("total")
        if isinstance(total, Money) and isinstance(billed, Money) and total.amount != billed.amount:
            found.append(Mismatch("AMOUNT_MISMATCH", f"order total {_money(total)}, invoice total "
                                                     f"{_money(billed)}", **both))
        client = order.get("customer_ref")
        expected_customer = qbo_of_client.get(client) if client else None
        if expected_customer is not None and invoice.get("customer_ref") != expected_customer:
            found.append(Mismatch("CUSTOMER_MISMATCH", f"the order's client is QuickBooks customer "
                                                       f"{expected_customer}; the invoice is customer "
                                                       f"{invoice.get('customer_ref')}", **both))
    tracked = set(qbo_of_client.values())
    invoices = sorted(index.all("invoice"), key=lambda i: (i.get("number") or "", i.external_id))
    for invoice in invoices:
        if invoice.external_id not in named and invoice.get("customer_ref") in tracked:
            found.append(Mismatch("INVOICE_WITHOUT_ORDER", "no Notion order names this invoice",
                                  **_invoice_fields(invoice)))
    return found, failed
