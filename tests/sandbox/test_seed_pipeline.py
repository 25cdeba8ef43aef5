"""The Notion Orders and Pipeline seed: coherent with the QuickBooks sales seed, deterministic, served."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.sandbox.notion import create_notion_app
from hub.sandbox.seed import (
    EXPECTED_LINKS,
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_PIPELINE_DATA_SOURCE_ID,
    NOTION_SANDBOX_TOKEN,
    Shop,
    build_shop,
    notion_page_id,
)
from hub.sandbox.seed_pipeline import (
    ORDER_STATUSES,
    PIPELINE_NOTES,
    PIPELINE_STAGES,
    pipeline_notes,
)
from hub.sandbox.seed_sales import SALES_AS_OF, Sales, build_sales

ORDER_PROPS = {
    "Order": "title", "Client": "relation", "Status": "status", "Due Date": "date",
    "Specifications": "rich_text", "Quote": "rich_text", "Quote ID": "rich_text", "Maker": "people",
    "Lines": "rich_text", "Total": "number", "QuickBooks Invoice": "rich_text", "Invoice Link": "url",
    "Payment Status": "select",
    "Amount Paid": "number", "Stage": "select", "Hub Key": "rich_text",
}  # fmt: skip
QBO_INVOICE = "https://app.sandbox.qbo.intuit.com/app/invoice?txnId="
PIPELINE_PROPS = {
    "Deal": "title", "Stage": "status", "Probability": "number", "Owner": "people", "Expected Close": "date",
    "Value": "number", "Client": "relation", "Quote": "rich_text", "Quote ID": "rich_text",
    "Hub Key": "rich_text",
}  # fmt: skip


@pytest.fixture(scope="module")
def shop() -> Shop:
    return build_shop()


@pytest.fixture(scope="module")
def sales(shop: Shop) -> Sales:
    return build_sales(shop.quickbooks_customers)


def val(page: dict[str, Any], name: str) -> Any:
    """A property's plain value: text, option name, number, date start, people/relation ids."""
    prop = page["properties"][name]
    inner = prop[prop["type"]]
    kind = prop["type"]
    if kind in ("title", "rich_text"):
        return "".join(t["plain_text"] for t in inner) or None
    if kind in ("select", "status"):
        return inner and inner["name"]
    if kind == "date":
        return inner and date.fromisoformat(inner["start"])
    if kind in ("people", "relation"):
        return [item["id"] for item in inner]
    return inner


def client_qbo(page: dict[str, Any]) -> str | None:
    (client,) = val(page, "Client")
    return EXPECTED_LINKS.get(client)


def test_notes_are_current_and_the_build_is_deterministic(shop: Shop, sales: Sales) -> None:
    assert pipeline_notes(shop, sales) == PIPELINE_NOTES
    assert build_shop() == shop
    counts = PIPELINE_NOTES["counts"]
    assert len(shop.notion_orders()) == counts["orders"] > 40
    assert len(shop.notion_pipeline()) == counts["deals"]
    assert PIPELINE_NOTES["most_orders"] == {"client_id": notion_page_id("lyric"), "orders": 28}
    assert set(PIPELINE_NOTES["orders_by_status"]) == set(ORDER_STATUSES)  # the whole lifecycle is there
    assert set(PIPELINE_NOTES["deals_by_stage"]) == set(PIPELINE_STAGES)


def test_schemas_and_pages_agree(shop: Shop) -> None:
    for ds_id, wanted, pages in (
        (NOTION_ORDERS_DATA_SOURCE_ID, ORDER_PROPS, shop.notion_orders()),
        (NOTION_PIPELINE_DATA_SOURCE_ID, PIPELINE_PROPS, shop.notion_pipeline()),
    ):
        schema = shop.notion_data_sources[ds_id]["properties"]
        assert {n: p["type"] for n, p in schema.items()} == wanted
        assert len({p["id"] for p in schema.values()}) == len(schema)
        for page in pages:
            assert {n: (v["id"], v["type"]) for n, v in page["properties"].items()} == {
                n: (p["id"], p["type"]) for n, p in schema.items()
            }
            assert "2026-01-05" <= page["created_time"] <= page["last_edited_time"] <= "2026-11-01"
            for name, prop in schema.items():
                if prop["type"] in ("status", "select") and val(page, name):
                    options = {o["name"]: o["id"] for o in prop[prop["type"]]["options"]}
                    assert options[val(page, name)] == page["properties"][name][prop["type"]]["id"]
    groups = shop.notion_data_sources[NOTION_ORDERS_DATA_SOURCE_ID]["properties"]["Status"]["status"][
        "groups"
    ]
    assert [g["name"] for g in groups] == ["To-do", "In progress", "Complete"]
    assert sum(len(g["option_ids"]) for g in groups) == len(ORDER_STATUSES)
    relation = shop.notion_data_sources[NOTION_PIPELINE_DATA_SOURCE_ID]["properties"]["Client"]["relation"]
    assert (
        relation["data_source_id"] == NOTION_CLIENTS_DATA_SOURCE_ID and relation["type"] == "single_property"
    )


def test_every_estimate_of_a_linked_customer_has_one_deal(shop: Shop, sales: Sales) -> None:
    estimates = {e["Id"]: e for e in sales.estimates}
    deals = [d for d in shop.notion_pipeline() if val(d, "Quote ID")]
    linked = {e["Id"] for e in sales.estimates if e["CustomerRef"]["value"] in EXPECTED_LINKS.values()}
    assert Counter(val(d, "Quote ID") for d in deals) == Counter(linked)
    for deal in deals:
        estimate = estimates[val(deal, "Quote ID")]
        assert estimate["CustomerRef"]["value"] == client_qbo(deal)
        assert val(deal, "Quote") == estimate["DocNumber"] and val(deal, "Value") == estimate["TotalAmt"]
        stage, expired = val(deal, "Stage"), estimate["ExpirationDate"] < SALES_AS_OF.isoformat()
        expected = {"Accepted": {"Won"}, "Closed": {"Won"}, "Rejected": {"Lost"}}.get(
            estimate["TxnStatus"], {"Lost", "Negotiation"} if expired else {"Proposal sent", "Negotiation"}
        )
        assert stage in expected, (estimate["Id"], stage)
        assert val(deal, "Probability") == {"Won": 100, "Lost": 0}.get(stage, val(deal, "Probability"))
        assert 0 <= val(deal, "Probability") <= 100 and len(val(deal, "Owner")) == 1
        if stage == "Won":
            assert val(deal, "Expected Close") == date.fromisoformat(estimate["AcceptedDate"])
        elif stage != "Lost":
            assert val(deal, "Expected Close") >= SALES_AS_OF
    lost_expired = PIPELINE_NOTES["expired_quote_ids_lost"]
    assert all(estimates[q]["ExpirationDate"] < "2026-10-02" for q in lost_expired)
    chased = PIPELINE_NOTES["expired_quote_ids_in_negotiation"]
    assert chased and all("2026-10-02" <= estimates[q]["ExpirationDate"] < "2026-11-01" for q in chased)


def test_leads_without_quotes(shop: Shop) -> None:
    leads = [d for d in shop.notion_pipeline() if not val(d, "Quote ID")]
    assert len(leads) == PIPELINE_NOTES["counts"]["deals_without_quote"] >= 15
    assert all(val(d, "Quote") is None and val(d, "Stage") in {"Lead", "Qualified", "Lost"} for d in leads)
    clients = {p["id"]: p for p in shop.notion_clients()}
    lead_clients = {p["id"] for p in clients.values() if val(p, "Status") == "Lead"}
    assert lead_clients <= {val(d, "Client")[0] for d in leads}
    assert all(d["properties"]["Value"]["number"] > 0 and val(d, "Expected Close") for d in leads)


def test_orders_follow_estimates_and_invoices(shop: Shop, sales: Sales) -> None:
    estimates = {e["Id"]: e for e in sales.estimates}
    invoices = {i["DocNumber"]: i for i in sales.invoices}
    linked = set(EXPECTED_LINKS.values())
    orders = shop.notion_orders()
    won = [e["Id"] for e in sales.estimates if e["TxnStatus"] in {"Accepted", "Closed"}]
    wanted = {e for e in won if estimates[e]["CustomerRef"]["value"] in linked}
    assert Counter(val(o, "Quote ID") for o in orders if val(o, "Quote ID")) == Counter(wanted)
    linked_invoices = {n for n, i in invoices.items() if i["CustomerRef"]["value"] in linked}
    on_orders = [val(o, "QuickBooks Invoice") for o in orders if val(o, "QuickBooks Invoice")]
    assert Counter(on_orders) == Counter(linked_invoices)  # every invoice of a linked customer, once
    for order in orders:
        status, number = val(order, "Status"), val(order, "QuickBooks Invoice")
        assert (number is not None) == (status == "Invoiced")
        if quote_id := val(order, "Quote ID"):
            estimate = estimates[quote_id]
            assert estimate["CustomerRef"]["value"] == client_qbo(order)
            assert (
                val(order, "Quote") == estimate["DocNumber"] and val(order, "Total") == estimate["TotalAmt"]
            )
            linked_invoice = [t["TxnId"] for t in estimate["LinkedTxn"] if t["TxnType"] == "Invoice"]
            assert ([invoices[number]["Id"]] if number else []) == linked_invoice
            assert val(order, "Due Date") >= date.fromisoformat(estimate["AcceptedDate"])
            assert val(order, "Lines") and "x" in val(order, "Lines")
        assert val(order, "Invoice Link") == (number and f"{QBO_INVOICE}{invoices[number]['Id']}")
        if number:
            invoice = invoices[number]
            assert invoice["CustomerRef"]["value"] == client_qbo(order)
            assert val(order, "Total") == invoice["TotalAmt"]
            assert val(order, "Amount Paid") == invoice["TotalAmt"] - invoice["Balance"]
            expected = "Paid" if invoice["Balance"] == 0 else (
                "Unpaid" if invoice["Balance"] == invoice["TotalAmt"] else "Partially paid"
            )  # fmt: skip
            assert val(order, "Payment Status") == expected
        elif status == "Cancelled":
            assert val(order, "Payment Status") is None and val(order, "Maker") == []
        else:
            assert val(order, "Payment Status") == "Unpaid" and val(order, "Amount Paid") == Decimal("0.00")
        if status in ("Delivered", "Invoiced"):
            assert val(order, "Due Date") <= SALES_AS_OF
        elif status != "Cancelled":
            assert val(order, "Due Date") > SALES_AS_OF
        assert isinstance(val(order, "Total"), int | Decimal) and val(order, "Specifications")
        assert bool(val(order, "Maker")) == (status not in ("Not started", "Cancelled"))


def test_seeded_orders_keep_their_ids_titles_and_clients(shop: Shop) -> None:
    orders = {val(o, "Order"): o for o in shop.notion_orders()}
    assert [f"SO-{n}" for n in range(1001, 1001 + len(orders))] == sorted(orders)
    lyric = [o for o in orders.values() if val(o, "Client") == [notion_page_id("lyric")]]
    assert {val(o, "Order") for o in lyric} == {f"SO-{n}" for n in range(1001, 1029)}
    maya = [o for o in orders.values() if val(o, "Client") == [notion_page_id("maya")]]
    assert [val(o, "Order") for o in maya] == ["SO-1040"]
    clients = {p["id"]: p for p in shop.notion_clients()}
    for order in orders.values():
        assert {"id": order["id"]} in clients[val(order, "Client")[0]]["properties"]["Orders"]["relation"]
    for page in clients.values():
        related = page["properties"]["Orders"]["relation"]
        assert page["properties"]["Order Count"]["rollup"]["number"] == len(related)
        assert len(related) <= 25 or page["id"] == notion_page_id("lyric")
    assert sum(len(p["properties"]["Orders"]["relation"]) for p in clients.values()) == len(orders)


async def test_the_simulator_serves_orders_and_pipeline(shop: Shop) -> None:
    app = create_notion_app(enforce_rate_limit=False)
    headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": "2025-09-03"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="https://api.notion.com", headers=headers
    ) as http:
        ds = (await http.get(f"/v1/data_sources/{NOTION_PIPELINE_DATA_SOURCE_ID}")).json()
        assert ds["object"] == "data_source" and set(ds["properties"]) == set(PIPELINE_PROPS)
        won = (
            await http.post(
                f"/v1/data_sources/{NOTION_PIPELINE_DATA_SOURCE_ID}/query",
                json={"filter": {"property": "Stage", "status": {"equals": "Won"}}, "page_size": 100},
            )
        ).json()
        assert len(won["results"]) == PIPELINE_NOTES["deals_by_stage"]["Won"] and not won["has_more"]
        converted = PIPELINE_NOTES["converted_order"]
        found = (
            await http.post(
                f"/v1/data_sources/{NOTION_ORDERS_DATA_SOURCE_ID}/query",
                json={"filter": {"and": [
                    {"property": "Quote", "rich_text": {"equals": converted["quote"]}},
                    {"property": "Status", "status": {"equals": "Invoiced"}},
                ]}},
            )
        ).json()  # fmt: skip
        assert [p["id"] for p in found["results"]] == [converted["page_id"]]
        paid = found["results"][0]["properties"]["Amount Paid"]["number"]
        assert (
            Decimal(str(paid))
            == shop.notion_pages[converted["page_id"]]["properties"]["Amount Paid"]["number"]
        )
        # a new deal for a client, as createQuote will write it
        created = await http.post(
            "/v1/pages",
            json={
                "parent": {"type": "data_source_id", "data_source_id": NOTION_PIPELINE_DATA_SOURCE_ID},
                "properties": {
                    "Deal": {"title": [{"text": {"content": "Maya Ortiz: Bridal party"}}]},
                    "Stage": {"status": {"name": "Proposal sent"}},
                    "Client": {"relation": [{"id": notion_page_id("maya")}]},
                    "Quote ID": {"rich_text": [{"text": {"content": "999"}}]},
                    "Value": {"number": 1800.5},
                },
            },
        )
        assert created.status_code == 200, created.text
        maya = (await http.get(f"/v1/pages/{notion_page_id('maya')}")).json()
        assert (
            maya["properties"]["Order Count"]["rollup"]["number"] == 1
        )  # one-way relation: clients untouched
