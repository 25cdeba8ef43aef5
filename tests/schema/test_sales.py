"""Quotes, orders, invoices, payments and documents through the GraphQL endpoint, against the seeded
simulators: joins across systems, filters, paging, provenance and upstream request counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from hub.sandbox.seed_documents import build_documents
from hub.sandbox.seed_pipeline import PIPELINE_NOTES
from hub.sandbox.seed_sales import SALES_NOTES
from tests.conftest import HubUnderTest, start_hub

NESTED = """
query Nested($first: Int!) {
  customers(first: $first) { edges { node { name
    quotes(first: 50) { totalCount edges { node { number status total { amount currency }
      lines { product quantity unitPrice { amount } amount { amount } } } } }
    orders(first: 50) { totalCount edges { node { number status
      invoices { number status balance { amount } payments { amount { amount } date } } } } }
    documents(first: 50) { totalCount edges { node { name kind mimeType url modifiedAt quote { number } } } }
  } } }
}
"""


def _requests(hub: HubUnderTest) -> Counter[str]:
    return Counter({source: hub.upstream(source) for source in ("notion", "quickbooks", "google_drive")})


async def _nested(hub: HubUnderTest, first: int) -> dict[str, Any]:
    body = await hub.gql(NESTED, {"first": first})
    assert "errors" not in body, body.get("errors")
    return body


async def test_nested_query_reads_each_source_a_bounded_number_of_times(hub: HubUnderTest) -> None:
    before = _requests(hub)
    await _nested(hub, 50)
    cold = _requests(hub) - before
    by_endpoint = hub.metrics.by_endpoint()
    # QuickBooks: customers, then one full read per sales entity (estimates, invoices, payments, items).
    assert by_endpoint.get("quickbooks:estimate.query") == 1
    assert by_endpoint.get("quickbooks:invoice.query") == 1
    assert by_endpoint.get("quickbooks:payment.query") == 1
    assert cold["quickbooks"] == 5, by_endpoint
    # Notion: clients (1 query + 2 property pages of the busy client), orders, pipeline.
    assert cold["notion"] == 5, by_endpoint
    # Drive: a token, the changes feed's start, then the whole shared drive in one files.list page.
    assert by_endpoint.get("google_drive:files.list") == 1
    assert cold["google_drive"] == 3, by_endpoint

    # Warm: nothing upstream at all.
    before = _requests(hub)
    await _nested(hub, 50)
    assert _requests(hub) - before == Counter()


async def test_nested_query_cost_does_not_grow_with_the_number_of_customers(hub: HubUnderTest) -> None:
    await _nested(hub, 5)  # cold start out of the way
    costs = {}
    for first in (5, 50):
        before = hub.upstream()
        body = await hub.gql(
            NESTED.replace("customers(first: $first)", "customers(first: $first, maxAge: 0)"),
            {"first": first},
        )
        assert "errors" not in body, body.get("errors")
        costs[first] = hub.upstream() - before
    assert costs[5] == costs[50]
    # One incremental read per collection: QuickBooks CDC (all four entities in one request) and
    # customers, Notion clients/orders/pipeline.
    assert costs[50] <= 6, costs
    by_endpoint = hub.metrics.by_endpoint()
    assert by_endpoint.get("quickbooks:cdc") == 2


async def test_quotes_carry_their_status_lines_pipeline_and_order(hub: HubUnderTest) -> None:
    converted = PIPELINE_NOTES["converted_order"]
    body = await hub.gql(
        """query($n: String) { quotes(filter: {number: $n}) { totalCount edges { node { id number status
             date validUntil subtotal { amount } tax { amount } total { amount currency }
             lines { product productId description quantity unitPrice { amount } amount { amount } }
             pipelineStage probability customer { name }
             order { number status invoices { number } }
             sources { system externalId url fetchedAt } } } } }""",
        {"n": converted["quote"]},
    )
    assert "errors" not in body, body
    [edge] = body["data"]["quotes"]["edges"]
    quote = edge["node"]
    assert quote["number"] == converted["quote"]
    assert quote["status"] == "CONVERTED"
    assert quote["pipelineStage"] == "Won" and quote["probability"] == "100"
    assert quote["customer"]["name"]
    assert quote["order"]["number"] == converted["order"]
    assert [i["number"] for i in quote["order"]["invoices"]] == [converted["invoice"]]
    line_total = sum(float(x["amount"]["amount"]) for x in quote["lines"])
    assert abs(line_total - float(quote["subtotal"]["amount"])) < 0.005
    systems = {s["system"] for s in quote["sources"]}
    assert systems == {"QUICKBOOKS", "NOTION"}
    assert all(s["url"] and s["fetchedAt"] for s in quote["sources"])


async def test_quote_status_filter_matches_the_seed(hub: HubUnderTest) -> None:
    statuses = SALES_NOTES["estimates_by_status"]
    body = await hub.gql("{ quotes(first: 100, filter: {status: [DECLINED]}) { totalCount } }")
    assert body["data"]["quotes"]["totalCount"] == len(statuses["Rejected"])
    body = await hub.gql("{ quotes(first: 100) { totalCount } }")
    assert body["data"]["quotes"]["totalCount"] == SALES_NOTES["counts"]["estimates"]


async def test_invoices_with_payments_and_overdue_status(hub: HubUnderTest) -> None:
    body = await hub.gql(
        """{ invoices(first: 100, filter: {status: [PAID]}) { totalCount edges { node { number
             balance { amount } total { amount } payments { amount { amount } } order { number } } } } }"""
    )
    assert "errors" not in body, body
    paid = body["data"]["invoices"]
    assert paid["totalCount"] == len(SALES_NOTES["paid_invoice_ids"])
    for edge in paid["edges"]:
        invoice = edge["node"]
        assert invoice["balance"]["amount"] == "0.00"
        assert invoice["payments"], invoice
    body = await hub.gql("{ invoices(first: 100, filter: {unpaid: true}) { totalCount } }")
    unpaid = len(SALES_NOTES["unpaid_invoice_ids"]) + len(SALES_NOTES["partly_paid_invoice_ids"])
    assert body["data"]["invoices"]["totalCount"] == unpaid


async def test_every_list_pages_past_one_page(hub: HubUnderTest) -> None:
    for field, total in (("quotes", 66), ("invoices", 50), ("orders", 78)):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            body = await hub.gql(
                f"""query($after: String) {{ {field}(first: 30, after: $after) {{ totalCount
                     pageInfo {{ hasNextPage endCursor }} edges {{ node {{ id }} }} }} }}""",
                {"after": after},
            )
            page = body["data"][field]
            assert page["totalCount"] == total
            seen += [e["node"]["id"] for e in page["edges"]]
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert pages == -(-total // 30) and len(seen) == len(set(seen)) == total, field


async def test_customer_lists_are_scoped_to_the_customer(hub: HubUnderTest) -> None:
    most = PIPELINE_NOTES["most_orders"]
    body = await hub.gql(
        """{ customers(first: 100) { edges { node { id name orders(first: 50) { totalCount }
             quotes(first: 50) { edges { node { customer { id } } } } } } } }"""
    )
    assert "errors" not in body, body
    counts = sorted(e["node"]["orders"]["totalCount"] for e in body["data"]["customers"]["edges"])
    assert counts[-1] == most["orders"]
    assert sum(counts) == PIPELINE_NOTES["counts"]["orders"]
    for edge in body["data"]["customers"]["edges"]:
        node = edge["node"]
        assert all(q["node"]["customer"]["id"] == node["id"] for q in node["quotes"]["edges"])


async def test_node_resolves_a_quote_and_bad_filters_are_user_errors(hub: HubUnderTest) -> None:
    body = await hub.gql("{ quotes(first: 1) { edges { node { id number } } } }")
    quote = body["data"]["quotes"]["edges"][0]["node"]
    body = await hub.gql("query($id: ID!) { node(id: $id) { ... on Quote { number } } }", {"id": quote["id"]})
    assert body["data"]["node"]["number"] == quote["number"]
    body = await hub.gql("{ quotes(first: 500) { totalCount } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await hub.gql('{ quotes(after: "nonsense") { totalCount } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_quickbooks_down_serves_the_mirror_and_says_so(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path):
        body = await hub.gql("{ quotes(first: 5) { totalCount } orders(first: 5) { totalCount } }")
        assert "errors" not in body
        hub.sims["quickbooks"].state.faults.set(outage=True)
        body = await hub.gql(
            """{ quotes(first: 5, maxAge: 0) { totalCount edges { node { number order { number } } } }
                 orders(first: 5) { totalCount } }"""
        )
        # Quotes come from the mirror (as old as they are), orders from Notion; one error names QuickBooks.
        assert body["data"]["quotes"]["totalCount"] == SALES_NOTES["counts"]["estimates"]
        assert body["data"]["orders"]["totalCount"] == PIPELINE_NOTES["counts"]["orders"]
        sources = {(e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]}
        assert ("UPSTREAM_UNAVAILABLE", "quickbooks") in sources
        for error in body["errors"]:
            assert "http" not in error["message"]


async def test_quickbooks_down_from_the_start_leaves_notion_orders(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path):
        hub.sims["quickbooks"].state.faults.set(outage=True)
        body = await hub.gql("{ quotes(first: 5) { totalCount } orders(first: 5) { totalCount } }")
        assert body["data"]["quotes"]["totalCount"] == 0
        assert body["data"]["orders"]["totalCount"] == PIPELINE_NOTES["counts"]["orders"]
        assert {e["extensions"]["source"] for e in body["errors"]} == {"quickbooks"}


async def test_documents_are_found_by_tag_and_by_client_folder(hub: HubUnderTest) -> None:
    body = await hub.gql(
        """{ customers(first: 100) { edges { node { sources { system externalId }
             documents(first: 100) { totalCount edges { node { name kind quote { number } } } }
             contracts: documents(filter: {kind: [CONTRACT]}) { totalCount } } } } }"""
    )
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["customers"]["edges"]]
    busy_id = SALES_NOTES["busy_customer_id"]
    busy = next(n for n in nodes if {"system": "QUICKBOOKS", "externalId": busy_id} in n["sources"])
    # Every live file in the client's folder, the untagged ones too (found by the folder convention).
    files = build_documents().files.values()
    tagged = [f for f in files if (f.get("appProperties") or {}).get("hubCustomerQboId") == busy_id]
    folder = tagged[0]["parents"][0]
    expected = [f for f in files if folder in f.get("parents", []) and not f.get("trashed")]
    assert len(expected) > len(tagged) > 0
    assert busy["documents"]["totalCount"] == len(expected)
    kinds = Counter(d["node"]["kind"] for n in nodes for d in n["documents"]["edges"])
    assert kinds["PROPOSAL"] and kinds["CONTRACT"]
    assert all(n["contracts"]["totalCount"] <= n["documents"]["totalCount"] for n in nodes)
    # Proposals link back to their quote, tagged or not (the DocNumber is in the name).
    proposals = [d["node"] for n in nodes for d in n["documents"]["edges"] if d["node"]["kind"] == "PROPOSAL"]
    assert proposals and all(p["quote"] for p in proposals)


async def test_records_missing_from_the_mirror_are_read_in_one_batch_per_level(hub: HubUnderTest) -> None:
    query = "{ invoices(first: 100) { edges { node { number payments { amount { amount } } } } } }"
    warm = await hub.gql(query)
    paid = {e["node"]["number"]: e["node"]["payments"] for e in warm["data"]["invoices"]["edges"]}
    # The payments vanish from the mirror (a store restored from an old backup, say).
    from sqlalchemy import delete

    from hub.store.tables import records

    service = hub.app.state.hub.sales
    async with service.store.engine.begin() as conn:
        await conn.execute(delete(records).where(records.c.collection == "Payment"))
    service._index = None
    before = hub.metrics.by_endpoint().get("quickbooks:payment.query", 0)
    body = await hub.gql(query)
    assert "errors" not in body, body
    # Every invoice's payments again, from one `Id IN (...)` query for all of them.
    assert {e["node"]["number"]: e["node"]["payments"] for e in body["data"]["invoices"]["edges"]} == paid
    assert hub.metrics.by_endpoint().get("quickbooks:payment.query", 0) == before + 1


async def test_a_customers_documents_page_past_one_page(hub: HubUnderTest) -> None:
    busy_id = SALES_NOTES["busy_customer_id"]
    body = await hub.gql("{ customers(first: 100) { edges { node { id sources { system externalId } } } } }")
    customer = next(
        e["node"]["id"]
        for e in body["data"]["customers"]["edges"]
        if {"system": "QUICKBOOKS", "externalId": busy_id} in e["node"]["sources"]
    )
    seen: list[str] = []
    after = None
    while True:
        body = await hub.gql(
            """query($id: ID!, $after: String) { node(id: $id) { ... on Customer {
                 documents(first: 10, after: $after) { totalCount pageInfo { hasNextPage endCursor }
                   edges { node { id modifiedAt } } } } } }""",
            {"id": customer, "after": after},
        )
        page = body["data"]["node"]["documents"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] > 20
