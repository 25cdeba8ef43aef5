"""Quote and order writes as the GraphQL edge sees them: the outbox commands (``hub.commands``), the
proposal they may generate, and the mirror updated with whatever the vendors answered.

The proposal step turns the estimate QuickBooks returned into the proposal's contents: its lines and
totals through the quote mapping, the client's name from its Notion record (the Drive folder is named
after it), the delivery estimate when inventory can give one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from connectors.base import SourceRecord
from hub.commands import CommandResult, QuoteCommands
from hub.proposals import ProposalInput, ProposalLine, ProposalMaker
from hub.sales.service import SalesService
from hub.store import Store
from mappings import Money

__all__ = ["SalesWrites"]

log = logging.getLogger("hub.sales")

DeliveryText = Callable[[SourceRecord], Awaitable[str | None]]


def _amount(value: Any) -> Decimal:
    return value.amount if isinstance(value, Money) else Decimal(0)


class SalesWrites:
    def __init__(
        self,
        *,
        store: Store,
        sales: SalesService,
        make_commands: Callable[[Any], QuoteCommands],
        proposals: ProposalMaker | None = None,
        delivery_text: DeliveryText | None = None,
        notion_customers: str | None = None,
    ) -> None:
        self.store = store
        self.notion_customers = notion_customers  # the Notion Clients collection the directory mirrors
        self.sales = sales
        self.proposals = proposals
        self.delivery_text = delivery_text
        self.commands = make_commands(self.proposal if proposals is not None else None)

    async def absorb(self, result: CommandResult) -> None:
        records = [r for r in result.records.values() if r is not None]
        await self.sales.absorb(records)

    async def _client_name(self, qbo_customer_id: str, fallback: str) -> str:
        """The client's Notion title (the name of its Drive folder), else QuickBooks' name."""
        links = await self.store.load_links()
        entity = next(
            (x.entity_id for x in links if x.source == "quickbooks" and x.external_id == qbo_customer_id),
            None,
        )
        notion_ids = [
            x.external_id for x in links if entity and x.entity_id == entity and x.source == "notion"
        ]
        if notion_ids and self.notion_customers:
            for row in (await self.store.get_records("notion", self.notion_customers, notion_ids)).values():
                if name := (row.fields or {}).get("name"):
                    return str(name)
        return fallback

    async def proposal(self, key: str, estimate: SourceRecord) -> dict[str, Any]:
        assert self.proposals is not None
        [quote] = await self.sales.absorb([estimate])
        data = estimate.data
        customer = data.get("CustomerRef") or {}
        customer_id = str(customer.get("value") or "")
        lines = [
            ProposalLine(
                product=line.get("product") or "",
                description=line.get("description"),
                quantity=line.get("quantity") or Decimal(0),
                unit_price=_amount(line.get("unit_price")),
                amount=_amount(line.get("amount")),
            )
            for line in quote.get("lines") or []
        ]
        total = quote.get("total")
        delivery = None
        if self.delivery_text is not None:
            try:
                delivery = await self.delivery_text(estimate)
            except Exception:  # a proposal without a delivery date beats no proposal
                log.exception("delivery estimate for proposal %s failed", quote.get("number"))
        generated = await self.proposals.generate(
            key,
            ProposalInput(
                customer_name=await self._client_name(customer_id, str(customer.get("name") or customer_id)),
                customer_qbo_id=customer_id,
                quote_number=quote.get("number") or "",
                estimate_id=estimate.external_id,
                lines=lines,
                subtotal=_amount(quote.get("subtotal")),
                tax=_amount(quote.get("tax")),
                total=_amount(total),
                currency=total.currency if isinstance(total, Money) else "USD",
                valid_until=quote.get("valid_until"),
                delivery=delivery,
                issued=quote.get("txn_date"),
            ),
        )
        await self.sales.absorb(generated.records)
        return generated.to_json()
