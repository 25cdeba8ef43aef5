"""A payment received in QuickBooks reaches the Notion order through the webhook, without a sync run
being started by anyone: the mirror refreshes, then payments back writes the order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID
from tests.conftest import start_hub


def _text(page: dict[str, Any], name: str) -> Any:
    prop = page["properties"][name]
    value = prop[prop["type"]]
    if prop["type"] in ("title", "rich_text"):
        return "".join(t["plain_text"] for t in value)
    if prop["type"] in ("select", "status"):
        return value["name"] if value else None
    return value


async def test_a_payment_in_quickbooks_updates_the_notion_order(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path, webhooks=True):
        shop = hub.sims["notion"].state.shop
        invoices = hub.sims["quickbooks"].state.tables["Invoice"]
        by_number = {inv["DocNumber"]: inv for inv in invoices.values()}
        page, invoice = next(
            (p, by_number[_text(p, "QuickBooks Invoice")])
            for p in shop.pages_in(NOTION_ORDERS_DATA_SOURCE_ID)
            if _text(p, "Payment Status") == "Unpaid" and _text(p, "QuickBooks Invoice") in by_number
        )
        half = (Decimal(str(invoice["Balance"])) / 2).quantize(Decimal("0.01"))
        await hub.gql("{ orders(first: 1) { totalCount } }")  # the mirror exists before the payment
        qbo = hub.app.state.hub.sources["quickbooks"]
        await qbo.create(
            "Payment",
            {
                "CustomerRef": invoice["CustomerRef"],
                "TotalAmt": half,
                "Line": [{"Amount": half, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}],
            },
            request_id="test-payment-webhook-1",
        )
        await hub.webhooks_delivered()
        page = shop.notion_pages[page["id"]]
        assert _text(page, "Payment Status") == "Partially paid"
        assert Decimal(str(_text(page, "Amount Paid"))) == half  # it was unpaid: paid is what just came in
        body = await hub.gql("{ syncRuns(first: 5) { kind status } }")
        assert {"kind": "payments", "status": "OK"} in body["data"]["syncRuns"]
