"""What to invoice: the orders ready for an invoice, each with the invoice to create (or a reason not to).

An order is planned when its Notion status is one of the sync file's ``statuses``, it names no
"QuickBooks Invoice" yet and no finished outbox entry (``invoice:<order page id>``) exists for it; an
order whose entry is still pending (a run stopped half-way) is always planned again, first. ``since``
keeps orders last edited in Notion on or after that day (UTC); ``limit`` caps how many are planned.

The QuickBooks customer comes from identity: the order's Notion client page -> hub customer -> its
QuickBooks customer. No customer is ever created: a client with none (or an inactive one) is
``CUSTOMER_NOT_IN_QUICKBOOKS``. An order from a quote is billed with the estimate's lines and linked to
it (``LinkedTxn``); an estimate QuickBooks already invoiced is not invoiced again: that invoice is
adopted. A pending entry whose outcome is unknown (a crash after the upstream call) keeps the body it
was planned with, so its batch request id and QuickBooks' ``requestid`` de-duplication still hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from connectors.base import SourceRecord
from connectors.quickbooks import QuickBooksConnector
from hub.customers import CustomerDirectory
from hub.sales import SalesRecord, SalesService
from hub.store import Store
from hub.store.outbox import OutboxEntry
from hub.sync.lines import ItemCatalog, LineError, estimate_lines, money, order_lines
from mappings import Money
from mappings.sync_spec import InvoiceSyncSpec

__all__ = ["KIND", "Action", "InvoicePlanner", "InvoiceRef", "PlannedInvoice", "marker", "outbox_key",
           "qbo_customers_of_clients"]

KIND = "syncInvoice"  # the outbox kind of an order's invoice
Action = Literal["create", "adopt", "write_back", "failed", "skipped"]


def outbox_key(order_id: str) -> str:
    """The idempotency key of an order's invoice: ``invoice:<Notion page id>``."""
    return f"invoice:{order_id}"


def marker(order_id: str) -> str:
    """What the invoice's PrivateNote carries so a later run can find it in QuickBooks."""
    return f"hub-order:{order_id}"


@dataclass(frozen=True)
class InvoiceRef:
    """A QuickBooks invoice as the write-back needs it."""

    id: str
    number: str | None
    url: str | None
    total: Decimal | None = None

    @classmethod
    def of_record(cls, record: SourceRecord) -> InvoiceRef:
        total = record.data.get("TotalAmt")
        return cls(record.external_id, _text(record.data.get("DocNumber")), record.url,
                   Decimal(str(total)) if total is not None else None)

    @classmethod
    def of_sales(cls, record: SalesRecord) -> InvoiceRef:
        total = record.get("total")
        return cls(record.external_id, record.get("number"), record.url,
                   total.amount if isinstance(total, Money) else None)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "url": self.url, "total": self.total}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> InvoiceRef:
        return cls(str(raw["id"]), raw.get("number"), raw.get("url"), raw.get("total"))


@dataclass
class PlannedInvoice:
    """One order's part of a run; ``action`` says what happens (or would, in a dry run)."""

    order_id: str
    order: str
    order_url: str | None = None
    customer_id: str | None = None
    customer: str | None = None
    estimate_id: str | None = None
    action: Action = "create"
    body: dict[str, Any] | None = None
    amount: Decimal | None = None
    currency: str = "USD"
    invoice: InvoiceRef | None = None
    code: str | None = None
    message: str | None = None
    attempt: int = 1
    resumed: bool = False  # a pending outbox entry whose upstream outcome is not known
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return outbox_key(self.order_id)

    def fail(self, code: str, message: str) -> PlannedInvoice:
        self.action, self.code, self.message = "failed", code, message
        return self

    def plan_step(self) -> dict[str, Any]:
        """What the outbox keeps of this plan (its ``plan`` step)."""
        return {"body": self.body, "attempt": self.attempt, "order": self.order,
                "customer_id": self.customer_id, "customer": self.customer, "estimate_id": self.estimate_id,
                "amount": self.amount}


async def qbo_customers_of_clients(store: Store) -> dict[str, str]:
    """Notion client page id -> QuickBooks customer id, through the hub customer both are linked to."""
    links = await store.load_links()
    qbo_of_entity: dict[str, str] = {}
    for link in sorted(links, key=lambda x: x.external_id):
        if link.source == "quickbooks":
            qbo_of_entity.setdefault(link.entity_id, link.external_id)
    return {x.external_id: qbo_of_entity[x.entity_id] for x in links
            if x.source == "notion" and x.entity_id in qbo_of_entity}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _today() -> date:
    return datetime.now(UTC).date()


class InvoicePlanner:
    """Plans a run from the sales mirror (refreshed by the caller), identity links, the outbox and live
    QuickBooks reads of the estimates and Items it needs (one batched request each)."""

    def __init__(self, *, spec: InvoiceSyncSpec, store: Store, sales: SalesService,
                 directory: CustomerDirectory, qbo: QuickBooksConnector) -> None:
        self.spec, self.store, self.sales, self.directory, self.qbo = spec, store, sales, directory, qbo
        self.today = _today

    async def plan(self, *, since: date | None = None, limit: int | None = None) -> list[PlannedInvoice]:
        index = await self.sales.index()
        pending = {e.key: e for e in await self.store.outbox.pending(kind=KIND)}
        resumed: list[tuple[SalesRecord, OutboxEntry | None]] = []
        fresh: list[tuple[SalesRecord, OutboxEntry | None]] = []
        orders = sorted(index.all("order"),
                        key=lambda o: (o.get("due_date") or date.max, o.get("number") or "", o.external_id))
        for order in orders:
            entry = pending.get(outbox_key(order.external_id))
            if entry is not None:
                resumed.append((order, entry))
            elif order.get("stage") in self.spec.statuses and not order.get("invoice_number"):
                edited = order.updated_at
                if since is None or (edited is not None and edited.astimezone(UTC).date() >= since):
                    fresh.append((order, None))
        chosen = (resumed + fresh)[:limit] if limit is not None else resumed + fresh
        plans = [await self._from_outbox(order, entry) for order, entry in chosen]
        for plan, (order, entry) in zip(plans, chosen, strict=True):
            ready = order.get("stage") in self.spec.statuses and not order.get("invoice_number")
            if entry is not None and plan.action == "create" and not ready:
                # No longer to be invoiced (cancelled, invoiced by hand): only look for what a stopped
                # run may have created, never create.
                plan.extra["lookup_only"] = True
        todo = [p for p in plans if p.action == "create" and p.body is None]
        if todo:
            await self._build(todo, {o.external_id: o for o, _ in chosen})
        return plans

    async def _from_outbox(self, order: SalesRecord, entry: OutboxEntry | None) -> PlannedInvoice:
        plan = PlannedInvoice(order.external_id, order.get("number") or order.external_id, order.url)
        total = order.get("total")
        plan.extra["order_total"] = total.amount if isinstance(total, Money) else None
        if entry is None:
            done = await self.store.outbox.get(plan.key)
            if done is not None and done.state == "done":
                plan.action, plan.message = "skipped", "already invoiced by an earlier run"
                plan.invoice = InvoiceRef.from_json((done.result or {}).get("invoice") or {"id": "?"})
            return plan
        steps = entry.steps
        planned, error = steps.get("plan"), steps.get("error")
        if planned is not None:
            plan.customer_id, plan.customer = planned.get("customer_id"), planned.get("customer")
            plan.estimate_id, plan.amount = planned.get("estimate_id"), planned.get("amount")
        if "invoice" in steps:
            plan.action, plan.invoice = "write_back", InvoiceRef.from_json(steps["invoice"])
        elif planned is not None and (error is None or error.get("attempt", 0) < planned.get("attempt", 1)):
            plan.body, plan.attempt, plan.resumed = planned["body"], int(planned.get("attempt", 1)), True
        elif error is not None:
            plan.attempt = int(error.get("attempt", 0)) + 1  # the last attempt failed for sure: try anew
        return plan

    async def _build(self, plans: list[PlannedInvoice], orders: dict[str, SalesRecord]) -> None:
        qbo_of_client = await self._identity()
        quote_ids = [q for p in plans if (q := orders[p.order_id].get("quote_ref"))]
        estimates: dict[str, SourceRecord] = {}
        if quote_ids:
            estimates = {r.external_id: r for r in await self.qbo.get_records("Estimate", quote_ids)}
        catalog = None
        if any(not orders[p.order_id].get("quote_ref") for p in plans):
            items = [r async for r in self.qbo.list_records("Item")]
            catalog = ItemCatalog(items, self.spec.items)
        for plan in plans:
            order = orders[plan.order_id]
            client = order.get("customer_ref")
            plan.customer_id = qbo_of_client.get(client) if client else None
            quote = order.get("quote_ref")
            if quote:
                await self._from_estimate(plan, estimates.get(quote), quote)
            elif not client:
                plan.fail("NO_CLIENT", "the order has no Client: no customer to invoice")
            elif plan.customer_id is None:
                plan.fail("CUSTOMER_NOT_IN_QUICKBOOKS",
                          "the order's client has no QuickBooks customer; create or link one: the sync never "
                          "invents customers")
            else:
                assert catalog is not None
                total = plan.extra.get("order_total")
                try:
                    lines = order_lines(order.get("lines_text"), total, catalog, self.spec.tax_code)
                except LineError as exc:
                    plan.fail(exc.code, exc.message)
                else:
                    self._body(plan, lines, None, Decimal(0))
        await self._check_customers([p for p in plans if p.action == "create"])

    async def _from_estimate(self, plan: PlannedInvoice, estimate: SourceRecord | None, quote: str) -> None:
        plan.estimate_id = quote
        if estimate is None:
            plan.fail("ESTIMATE_NOT_FOUND", f"the order's Quote ID {quote} is no QuickBooks estimate")
            return
        customer = str((estimate.data.get("CustomerRef") or {}).get("value") or "")
        if plan.customer_id is not None and plan.customer_id != customer:
            plan.fail("CUSTOMER_MISMATCH", f"the order's client is QuickBooks customer {plan.customer_id} "
                                           f"but estimate {quote} is customer {customer}")
            return
        plan.customer_id = customer or plan.customer_id
        links = estimate.data.get("LinkedTxn") or []
        linked = [t.get("TxnId") for t in links if t.get("TxnType") == "Invoice"]
        if linked:
            invoice = await self._invoice(str(linked[0]))
            plan.action, plan.invoice = "adopt", invoice
            plan.amount = invoice.total
            plan.message = f"estimate {quote} was already invoiced in QuickBooks"
            return
        tax = Decimal(str((estimate.data.get("TxnTaxDetail") or {}).get("TotalTax") or 0))
        plan.currency = str((estimate.data.get("CurrencyRef") or {}).get("value") or plan.currency)
        self._body(plan, estimate_lines(estimate), quote, tax)

    async def _invoice(self, invoice_id: str) -> InvoiceRef:
        index = await self.sales.index()
        found = index.get("invoice", invoice_id)
        if found is None:
            found = (await self.sales.fetch("invoice", [invoice_id])).get(invoice_id)
        return InvoiceRef.of_sales(found) if found is not None else InvoiceRef(invoice_id, None, None)

    def _body(self, plan: PlannedInvoice, lines: list[dict[str, Any]], estimate_id: str | None,
              tax: Decimal) -> None:
        body: dict[str, Any] = {"CustomerRef": {"value": plan.customer_id}, "Line": lines,
                                "PrivateNote": f"Notion order {plan.order} [{marker(plan.order_id)}]"}
        if estimate_id is not None:
            # An invoice links the estimate it bills; QuickBooks then closes the estimate
            # (https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-linked-transactions).
            body["LinkedTxn"] = [{"TxnId": estimate_id, "TxnType": "Estimate"}]
        if tax:
            body["TxnTaxDetail"] = {"TotalTax": tax}
        if self.spec.terms is not None:
            body["SalesTermRef"] = {"value": self.spec.terms.id,
                                    **({"name": self.spec.terms.name} if self.spec.terms.name else {})}
        if self.spec.due_days is not None:
            body["DueDate"] = (self.today() + timedelta(days=self.spec.due_days)).isoformat()
        plan.body = body
        items = [line["Amount"] for line in lines if line.get("DetailType") == "SalesItemLineDetail"]
        plan.amount = money(sum(items, Decimal(0)) + tax)

    async def _identity(self) -> dict[str, str]:
        return await qbo_customers_of_clients(self.store)

    async def _check_customers(self, plans: Sequence[PlannedInvoice]) -> None:
        ids = [p.customer_id for p in plans if p.customer_id]
        collection = self.directory.collection("quickbooks")
        rows = await self.store.get_records("quickbooks", collection, ids) if ids else {}
        for plan in plans:
            row = rows.get(plan.customer_id or "")
            if row is None or row.archived:
                plan.fail("CUSTOMER_NOT_IN_QUICKBOOKS",
                          f"QuickBooks customer {plan.customer_id} does not exist or is inactive")
            else:
                plan.customer = str(row.data.get("DisplayName") or plan.customer_id)
