"""The steps of each quote and order command, built from the command's outbox payload.

Every step is safe to run again after a crash before its result was recorded: QuickBooks writes
carry the step's derived ``requestid``; Notion creates are found again by their ``Hub Key`` (deals)
or by "Quote ID" (orders, at most one per estimate); Notion updates set absolute values.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.base import SourceRecord
from connectors.quickbooks import QuickBooksConnector
from hub.commands.errors import CommandValidationError
from hub.commands.runner import Step, StepContext, StepOutput
from hub.commands.sales_pages import SalesPages
from hub.errors import UpstreamFatal, UpstreamNotFound

__all__ = ["PROBABILITY", "ProposalMaker", "QuotePlans", "lines_text", "qbo_lines"]

ProposalMaker = Callable[[str, SourceRecord], Awaitable[dict[str, Any] | None]]

# The probability a stage implies (the seeded pipeline uses the same: Qualified 25, Won 100, Lost 0).
PROBABILITY = {"Qualified": 25, "Proposal sent": 50, "Won": 100, "Lost": 0}
_ACCEPTED = frozenset({"Accepted", "Closed", "Converted"})
_INVOICED = frozenset({"Closed", "Converted"})
_BEFORE_PROPOSAL = frozenset({None, "Lead", "Qualified"})
_CENT = Decimal("0.01")
_REFERENCE_FAULTS = frozenset({"2500", "610"})  # Invalid Reference Id, Object Not Found


def qbo_lines(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """QuickBooks ``SalesItemLineDetail`` lines; ``Amount`` is quantity x price rounded half up to
    cents, as QBO checks it."""
    out = []
    for line in lines:
        quantity, price = Decimal(line["quantity"]), Decimal(line["unit_price"])
        entry: dict[str, Any] = {
            "DetailType": "SalesItemLineDetail",
            "Amount": (quantity * price).quantize(_CENT, rounding=ROUND_HALF_UP),
            "SalesItemLineDetail": {"ItemRef": {"value": line["item_ref"]}, "Qty": quantity,
                                    "UnitPrice": price},
        }
        if line.get("description"):
            entry["Description"] = line["description"]
        out.append(entry)
    return out


def lines_text(estimate: SourceRecord) -> str:
    """``"2 x Chorus Tunic; 1 x Millinery"``: an order's "Lines", as the seeded orders write them."""
    parts = []
    for line in estimate.data.get("Line") or []:
        detail = line.get("SalesItemLineDetail")
        if line.get("DetailType") == "SalesItemLineDetail" and isinstance(detail, dict):
            qty = Decimal(str(detail.get("Qty", 1)))
            shown = str(int(qty)) if qty == qty.to_integral_value() else str(qty.normalize())
            parts.append(f"{shown} x {(detail.get('ItemRef') or {}).get('name') or 'item'}")
    return "; ".join(parts)


def _reference_error(exc: UpstreamFatal | UpstreamNotFound, payload: dict[str, Any]
                     ) -> CommandValidationError | None:
    """A QBO fault about a reference the caller gave (customer, item, estimate), as a validation error."""
    if (exc.vendor_code or "").lstrip("0") not in _REFERENCE_FAULTS:
        return None
    text = str(exc)
    if "Customer" in text and payload.get("customer_qbo_id"):
        customer = payload["customer_qbo_id"]
        return CommandValidationError("customer_qbo_id", f"QuickBooks has no customer {customer}")
    for n, line in enumerate(payload.get("lines") or []):
        if re.search(rf"(?<![0-9]){re.escape(line['item_ref'])}(?![0-9])", text) and "Item" in text:
            item = line["item_ref"]
            return CommandValidationError(f"lines[{n}].item_ref", f"QuickBooks has no item {item}")
    if "Item" in text:
        return CommandValidationError("lines", "a line names an item QuickBooks does not have")
    if payload.get("estimate_id"):
        return CommandValidationError("estimate_id", f"QuickBooks has no estimate {payload['estimate_id']}")
    return None


class QuotePlans:
    """Builds the steps of a command kind; the steps close over the connectors."""

    def __init__(self, qbo: QuickBooksConnector, pages: SalesPages | None,
                 proposal: ProposalMaker | None, today: Callable[[], date]) -> None:
        self.qbo, self.pages, self.proposal, self.today = qbo, pages, proposal, today
        # One order per estimate even when two keys accept it at once (in this process; across
        # processes the Quote ID look-up is not atomic — see the issue 3 note).
        self._order_locks: dict[str, asyncio.Lock] = {}

    def steps(self, kind: str, payload: dict[str, Any]) -> list[Step]:
        """The steps of a ``kind`` command (``createQuote``, ``acceptQuote``...), Notion ones only
        when Notion is configured."""
        qbo_step, notion_steps = {
            "createQuote": (self._create_estimate, [("deal", self._create_deal)]),
            "updateQuote": (self._update_estimate,
                            [("deal", self._deal_value)] if payload.get("lines") is not None else []),
            "sendQuote": (self._send_estimate, [("deal", self._deal_sent)]),
            "acceptQuote": (self._accept_estimate, [
                ("deal_lookup", self._deal_lookup), ("order", self._create_order), ("deal", self._deal_won)]),
            "declineQuote": (self._decline_estimate, [("deal", self._deal_lost)]),
            "updateOrderStatus": (None, [("order", self._order_status)]),
        }[kind]
        steps = [Step("estimate", qbo_step)] if qbo_step is not None else []
        if self.pages is not None:
            steps += [Step(name, run) for name, run in notion_steps]
        if kind == "createQuote" and payload.get("with_proposal") and self.proposal is not None:
            steps.append(Step("proposal", self._make_proposal))
        return steps

    def _pages(self) -> SalesPages:
        assert self.pages is not None  # Notion steps exist only with Notion configured
        return self.pages

    async def _estimate_call(self, ctx: StepContext, call: Awaitable[SourceRecord]) -> SourceRecord:
        try:
            return await call
        except (UpstreamFatal, UpstreamNotFound) as exc:
            mapped = _reference_error(exc, ctx.payload)
            if mapped is None:
                raise
            raise mapped from exc

    async def _read_estimate(self, ctx: StepContext) -> SourceRecord:
        return await self._estimate_call(ctx, self.qbo.read("Estimate", ctx.payload["estimate_id"]))

    # -- QuickBooks ---------------------------------------------------------------------------------

    async def _create_estimate(self, ctx: StepContext) -> StepOutput:
        p = ctx.payload
        body: dict[str, Any] = {"CustomerRef": {"value": p["customer_qbo_id"]}, "Line": qbo_lines(p["lines"])}
        if p.get("valid_until"):
            body["ExpirationDate"] = p["valid_until"].isoformat()
        call = self.qbo.create("Estimate", body, request_id=ctx.request_id)
        return StepOutput({"estimate": await self._estimate_call(ctx, call)})

    async def _update_estimate(self, ctx: StepContext) -> StepOutput:
        p = ctx.payload
        changes: dict[str, Any] = {}
        if p.get("lines") is not None:
            changes["Line"] = qbo_lines(p["lines"])  # a sparse update replaces the whole line list
        if p.get("valid_until") is not None:
            changes["ExpirationDate"] = p["valid_until"].isoformat()
        # Only the changed fields go out; a stale SyncToken is re-read and re-applied by the connector.
        call = self.qbo.sparse_update("Estimate", p["estimate_id"], changes, request_id=ctx.request_id)
        return StepOutput({"estimate": await self._estimate_call(ctx, call)})

    async def _send_estimate(self, ctx: StepContext) -> StepOutput:
        p = ctx.payload
        call = self.qbo.send("Estimate", p["estimate_id"], request_id=ctx.request_id, send_to=p.get("email"))
        try:
            return StepOutput({"estimate": await self._estimate_call(ctx, call)})
        except UpstreamFatal as exc:
            if (exc.vendor_code or "").lstrip("0") == "2020":  # no BillEmail on the estimate
                raise CommandValidationError("email", "the estimate has no billing email; give one") from exc
            raise

    async def _set_status(self, ctx: StepContext, status: str, skip: frozenset[str],
                          extra: dict[str, Any] | None = None) -> StepOutput:
        current = await self._read_estimate(ctx)
        if current.data.get("TxnStatus") in skip:  # already there, or a re-run after the write
            return StepOutput({"estimate": current})
        changes = {"TxnStatus": status, **(extra or {})}
        call = self.qbo.sparse_update("Estimate", current.external_id, changes, request_id=ctx.request_id,
                                      sync_token=str(current.data.get("SyncToken", "")) or None)
        return StepOutput({"estimate": await self._estimate_call(ctx, call)})

    async def _accept_estimate(self, ctx: StepContext) -> StepOutput:
        extra: dict[str, Any] = {"AcceptedDate": self.today().isoformat()}
        if ctx.payload.get("accepted_by"):
            extra["AcceptedBy"] = ctx.payload["accepted_by"]
        return await self._set_status(ctx, "Accepted", _ACCEPTED, extra)

    async def _decline_estimate(self, ctx: StepContext) -> StepOutput:
        current = await self._read_estimate(ctx)
        if current.data.get("TxnStatus") in _INVOICED:
            raise CommandValidationError(
                "estimate_id", f"estimate {current.external_id} is already invoiced; it cannot be declined")
        extra: dict[str, Any] = {}
        if reason := ctx.payload.get("reason"):
            memo = str(current.data.get("PrivateMemo") or "")
            extra["PrivateMemo"] = (f"{memo}\n" if memo else "") + f"Declined: {reason}"
        return await self._set_status(ctx, "Rejected", frozenset({"Rejected"}), extra)

    # -- Notion -------------------------------------------------------------------------------------

    async def _create_deal(self, ctx: StepContext) -> StepOutput:
        p, estimate = ctx.payload, ctx.record("estimate")
        assert estimate is not None
        data = estimate.data
        stage = "Proposal sent" if p.get("with_proposal") else "Qualified"
        customer = (data.get("CustomerRef") or {}).get("name") or "Customer"
        values: dict[str, Any] = {
            "Deal": p.get("deal_name") or f"{customer}: {data.get('DocNumber') or estimate.external_id}",
            "Stage": stage, "Probability": PROBABILITY[stage], "Value": data.get("TotalAmt"),
            "Quote": data.get("DocNumber"), "Quote ID": estimate.external_id,
        }
        if p.get("customer_notion_id"):
            values["Client"] = [p["customer_notion_id"]]
        if p.get("valid_until"):
            values["Expected Close"] = p["valid_until"]
        pages = self._pages()
        return StepOutput({"deal": await pages.create(pages.pipeline, values, hub_key=ctx.hub_key)})

    async def _update_deal(self, ctx: StepContext, values: Callable[[SourceRecord], dict[str, Any] | None],
                           deal: SourceRecord | None = None) -> StepOutput:
        pages = self._pages()
        if deal is None:
            deal = await pages.find(pages.pipeline, ctx.payload["estimate_id"])
        changes = values(deal) if deal is not None else None
        if deal is None or not changes:
            return StepOutput({"deal": deal})
        return StepOutput({"deal": await pages.update(pages.pipeline, deal.external_id, changes)})

    async def _deal_value(self, ctx: StepContext) -> StepOutput:
        estimate = ctx.record("estimate")
        assert estimate is not None
        return await self._update_deal(ctx, lambda _deal: {"Value": estimate.data.get("TotalAmt")})

    async def _deal_sent(self, ctx: StepContext) -> StepOutput:
        def values(deal: SourceRecord) -> dict[str, Any] | None:
            if deal.data.get("Stage") not in _BEFORE_PROPOSAL:  # never move a deal backwards
                return None
            return {"Stage": "Proposal sent", "Probability": PROBABILITY["Proposal sent"]}
        return await self._update_deal(ctx, values)

    async def _deal_lost(self, ctx: StepContext) -> StepOutput:
        return await self._update_deal(ctx, lambda _deal: {"Stage": "Lost", "Probability": 0})

    async def _deal_lookup(self, ctx: StepContext) -> StepOutput:
        pages = self._pages()
        return StepOutput({"deal": await pages.find(pages.pipeline, ctx.payload["estimate_id"])})

    async def _deal_won(self, ctx: StepContext) -> StepOutput:
        deal = ctx.record("deal")
        if deal is None:
            return StepOutput()
        won = {"Stage": "Won", "Probability": 100, "Expected Close": self.today()}
        return await self._update_deal(ctx, lambda _deal: won, deal)

    async def _create_order(self, ctx: StepContext) -> StepOutput:
        estimate, deal = ctx.record("estimate"), ctx.record("deal")
        assert estimate is not None
        async with self._order_locks.setdefault(estimate.external_id, asyncio.Lock()):
            return await self._create_order_once(ctx, estimate, deal)

    async def _create_order_once(
        self, ctx: StepContext, estimate: SourceRecord, deal: SourceRecord | None
    ) -> StepOutput:
        p, pages = ctx.payload, self._pages()
        # At most one order per estimate: accepting again (any key) returns the first order.
        existing = await pages.find(pages.orders, estimate.external_id)
        if existing is not None:
            ours = existing.data.get(pages.notion.key_property) == ctx.hub_key
            return StepOutput({"order": existing}, {"order_created": ours})
        clients = deal.data.get("Client") if deal is not None else None
        client = p.get("customer_notion_id") or (clients[0] if clients else None)
        data = estimate.data
        number = re.search(r"[0-9]+$", str(data.get("DocNumber") or ""))
        values: dict[str, Any] = {
            "Order": p.get("order_number") or f"SO-{number.group(0) if number else estimate.external_id}",
            "Status": "Not started", "Quote": data.get("DocNumber"), "Quote ID": estimate.external_id,
            "Total": data.get("TotalAmt"), "Lines": lines_text(estimate),
        }
        if client:
            values["Client"] = [client]
        if p.get("due_date"):
            values["Due Date"] = p["due_date"]
        # The "Quote ID" look-up above already finds a page a crashed run created: no Hub Key query.
        order = await pages.create(pages.orders, values, hub_key=ctx.hub_key, deduplicate=False)
        return StepOutput({"order": order}, {"order_created": True})

    async def _order_status(self, ctx: StepContext) -> StepOutput:
        pages, page_id = self._pages(), ctx.payload["order_page_id"]
        if await pages.order(page_id) is None:
            raise CommandValidationError("order_page_id", f"no page {page_id} in the Orders data source")
        order = await pages.update(pages.orders, page_id, {"Status": ctx.payload["status"]})
        return StepOutput({"order": order})

    async def _make_proposal(self, ctx: StepContext) -> StepOutput:
        estimate = ctx.record("estimate")
        assert estimate is not None and self.proposal is not None
        return StepOutput(details={"proposal": await self.proposal(ctx.hub_key, estimate)})
