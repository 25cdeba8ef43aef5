"""The customers slice end to end: GraphQL over HTTP → hub → connectors → simulators, counting requests."""

from __future__ import annotations

from decimal import Decimal

from hub.sandbox.seed import EXPECTED_LINKS, EXPECTED_MERGED_CUSTOMERS, EXPECTED_RULES
from tests.conftest import HubUnderTest

LIST = """
query($first: Int!, $after: String, $filter: CustomerFilter) {
  customers(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name company email phone segment
      openBalance { amount currency }
      billingAddress { line1 city region postalCode country }
      sources { system externalId url fetchedAt matchedBy confidence }
    } }
  }
}"""


async def all_customers(hub: HubUnderTest, query: str = LIST) -> list[dict]:
    nodes, after = [], None
    while True:
        body = await hub.gql(query, {"first": 100, "after": after})
        assert "errors" not in body, body["errors"]
        page = body["data"]["customers"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_customers_are_merged_across_both_sources_with_provenance(hub: HubUnderTest) -> None:
    nodes = await all_customers(hub)
    assert len(nodes) == EXPECTED_MERGED_CUSTOMERS >= 60
    by_source: dict[tuple[str, str], dict] = {}
    for node in nodes:
        for ref in node["sources"]:
            by_source[(ref["system"], ref["externalId"])] = node
            assert ref["fetchedAt"].endswith("+00:00")
            assert ref["url"].startswith("https://")
    # Every pair the seed says is one customer is one customer, linked by the expected rule.
    for page_id, qbo_id in EXPECTED_LINKS.items():
        node = by_source[("NOTION", page_id)]
        assert by_source[("QUICKBOOKS", qbo_id)] is node, (page_id, qbo_id)
        rules = {ref["matchedBy"] for ref in node["sources"]}
        assert rules == {EXPECTED_RULES[page_id]}
    merged = [n for n in nodes if len(n["sources"]) == 2]
    assert len(merged) == len(EXPECTED_LINKS)
    # Money is a decimal string with a currency, never a float.
    balances = [n["openBalance"] for n in merged if n["openBalance"]]
    assert balances and all(isinstance(b["amount"], str) and b["currency"] == "USD" for b in balances)
    assert any(Decimal(b["amount"]) > 0 for b in balances)
    assert all(n["segment"] in ("B2B", "B2C") for n in nodes)


async def test_order_is_stable_and_cursors_walk_every_customer_once(hub: HubUnderTest) -> None:
    first = [n["id"] for n in await all_customers(hub)]
    small_pages, after = [], None
    while True:
        body = await hub.gql(LIST, {"first": 7, "after": after})
        page = body["data"]["customers"]
        assert page["totalCount"] == len(first)
        small_pages += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert small_pages == first
    assert len(set(first)) == len(first)


async def test_listing_50_with_balances_costs_a_fixed_number_of_upstream_requests(hub: HubUnderTest) -> None:
    body = await hub.gql(LIST, {"first": 50})
    assert "errors" not in body
    cold_notion, cold_qbo = hub.upstream("notion"), hub.upstream("quickbooks")
    # Cold: one Notion data-source query (64 clients fit one page of 100), plus the property-item
    # reads that complete the one client whose "Orders" relation (and its rollup) passes 25 items;
    # one QuickBooks query for every customer. Balances come from that same read: no per-customer call.
    endpoints = hub.metrics.by_endpoint()
    assert endpoints["notion:data_source.query"] == 1
    assert (
        cold_notion - 1 == sum(n for e, n in endpoints.items() if e.startswith("notion:page.property")) <= 2
    )
    assert cold_qbo == endpoints["quickbooks:customer.query"] == 1
    # Warm: nothing upstream at all.
    await hub.gql(LIST, {"first": 50})
    assert (hub.upstream("notion"), hub.upstream("quickbooks")) == (cold_notion, cold_qbo)
    # A client asking for fresh data pays one batched request per source, for 50 customers as for 5.
    before = hub.upstream()
    await hub.gql(
        LIST.replace("customers(first: $first", "customers(maxAge: 0, first: $first"), {"first": 50}
    )
    fifty = hub.upstream() - before
    before = hub.upstream()
    await hub.gql(LIST.replace("customers(first: $first", "customers(maxAge: 0, first: $first"), {"first": 5})
    five = hub.upstream() - before
    assert fifty == five <= 3


async def test_filters(hub: HubUnderTest) -> None:
    nodes = await all_customers(hub)
    sample = next(n for n in nodes if n["email"] and n["segment"] == "B2B")
    body = await hub.gql(LIST, {"first": 100, "filter": {"email": sample["email"].upper()}})
    assert [e["node"]["id"] for e in body["data"]["customers"]["edges"]] == [sample["id"]]
    word = sample["name"].split()[0].lower()
    body = await hub.gql(LIST, {"first": 100, "filter": {"name": word}})
    names = [e["node"]["name"] for e in body["data"]["customers"]["edges"]]
    assert sample["name"] in names and all(word in n.lower() for n in names)
    body = await hub.gql(LIST, {"first": 100, "filter": {"segment": "B2C"}})
    page = body["data"]["customers"]
    assert page["totalCount"] == sum(1 for n in nodes if n["segment"] == "B2C") > 0
    assert {e["node"]["segment"] for e in page["edges"]} == {"B2C"}


async def test_customer_and_node_by_id(hub: HubUnderTest) -> None:
    node = (await all_customers(hub))[3]
    body = await hub.gql(
        "query($id: ID!) { customer(id: $id) { id name } node(id: $id) { id ... on Customer { email } } }",
        {"id": node["id"]},
    )
    assert body["data"]["customer"] == {"id": node["id"], "name": node["name"]}
    assert body["data"]["node"] == {"id": node["id"], "email": node["email"]}
    body = await hub.gql('{ customer(id: "not-an-id!") { id } }')
    assert body["data"]["customer"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_sources_report_health_and_budget(hub: HubUnderTest) -> None:
    await hub.gql(LIST, {"first": 5})
    body = await hub.gql(
        "{ sources { name state circuit requests rateBudget { limitPerSecond capacity } lastError { code } } }"  # noqa: E501
    )
    sources = {s["name"]: s for s in body["data"]["sources"]}
    assert sources["notion"]["state"] == "UP" and sources["notion"]["rateBudget"]["limitPerSecond"] == 3.0
    assert sources["quickbooks"]["state"] == "UP"
    assert sources["quickbooks"]["rateBudget"]["limitPerSecond"] == 500 / 60
    assert sources["notion"]["requests"] >= 1 and sources["notion"]["lastError"] is None


async def test_metrics_endpoint_counts_upstream_requests(hub: HubUnderTest) -> None:
    await hub.gql(LIST, {"first": 5})
    response = await hub.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert (
        'hub_upstream_requests_total{endpoint="data_source.query",source="notion",status="200"} 1.0' in text
        or 'source="notion"' in text
    )
    assert "hub_upstream_requests_total" in text and 'source="quickbooks"' in text
