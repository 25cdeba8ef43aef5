"""Webhooks keep the sales mirror fresh: a change upstream shows in the next query without a
client asking for fresher data, and costs one incremental read, not a full one."""

from __future__ import annotations

from pathlib import Path

from hub.sandbox.seed_pipeline import PIPELINE_NOTES
from tests.conftest import start_hub

QUOTE = """query($n: String) { quotes(filter: {number: $n}) { edges { node { validUntil } } } }"""
ORDER = """query($n: String) { orders(filter: {numberContains: $n}) { edges { node { number stage } } } }"""


async def test_a_quickbooks_change_arrives_by_webhook(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path, webhooks=True):
        converted = PIPELINE_NOTES["converted_order"]
        body = await hub.gql(QUOTE, {"n": converted["quote"]})
        [edge] = body["data"]["quotes"]["edges"]
        assert edge["node"]["validUntil"] != "2027-03-31"
        qbo = hub.app.state.hub.sources["quickbooks"]
        await qbo.sparse_update(
            "Estimate", converted["quote_id"], {"ExpirationDate": "2027-03-31"}, request_id="test-webhook-1"
        )
        await hub.webhooks_delivered()
        endpoints = hub.metrics.by_endpoint()
        body = await hub.gql(QUOTE, {"n": converted["quote"]})
        assert body["data"]["quotes"]["edges"][0]["node"]["validUntil"] == "2027-03-31"
        # The webhook cost one change-data-capture request; the query after it none.
        assert hub.metrics.by_endpoint() == endpoints
        assert endpoints.get("quickbooks:cdc") == 1


async def test_a_notion_change_arrives_by_webhook(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path, webhooks=True):
        converted = PIPELINE_NOTES["converted_order"]
        body = await hub.gql(ORDER, {"n": converted["order"]})
        [edge] = body["data"]["orders"]["edges"]
        notion = hub.app.state.hub.sources["notion"]
        await notion.update_page(converted["page_id"], {"Status": {"status": {"name": "Delivered"}}})
        await hub.webhooks_delivered()
        body = await hub.gql(ORDER, {"n": converted["order"]})
        assert body["data"]["orders"]["edges"][0]["node"]["stage"] == "Delivered" != edge["node"]["stage"]


async def test_a_trashed_order_leaves_but_a_forged_deletion_does_not_hide_one(tmp_path: Path) -> None:
    import json

    import httpx

    from hub.sandbox.seed import NOTION_ORDERS_DATA_SOURCE_ID, NOTION_SANDBOX_TOKEN

    async for hub in start_hub(tmp_path, webhooks=True):
        converted = PIPELINE_NOTES["converted_order"]
        total = (await hub.gql("{ orders { totalCount } }"))["data"]["orders"]["totalCount"]
        # A signed "deleted" for a page that is alive in Notion: the hub asks Notion and keeps it.
        _, notion_sender = hub.senders
        event = {
            "id": "evt-forged-1", "type": "page.deleted", "timestamp": "2026-11-20T10:00:00Z",
            "entity": {"id": converted["page_id"], "type": "page"},
            "data": {"parent": {"id": NOTION_ORDERS_DATA_SOURCE_ID, "type": "data_source"}},
        }  # fmt: skip
        body = json.dumps(event).encode()
        answer = await hub.client.post(
            "/webhooks/notion", content=body, headers={"X-Notion-Signature": notion_sender.sign(body)}
        )
        assert answer.status_code == 200
        assert (await hub.gql("{ orders { totalCount } }"))["data"]["orders"]["totalCount"] == total
        # Really trashed in Notion: the simulator's webhook arrives and the order leaves every list.
        headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": "2026-03-11"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hub.sims["notion"]),
            base_url="https://api.notion.com",
            headers=headers,
        ) as client:
            trashed = await client.patch(f"/v1/pages/{converted['page_id']}", json={"in_trash": True})
            assert trashed.status_code == 200, trashed.text
        await hub.webhooks_delivered()
        assert (await hub.gql("{ orders { totalCount } }"))["data"]["orders"]["totalCount"] == total - 1
