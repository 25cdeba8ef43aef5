"""Delivery estimates on quotes and orders through the GraphQL endpoint, against the seeded simulators
(QuickBooks items carry the Odoo product codes as ``Sku``; inventory is the Odoo simulator)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.sandbox.seed import build_shop
from hub.sandbox.seed_sales import build_sales
from tests.conftest import HubUnderTest, start_hub

ITEMS = {i["Id"]: i for i in build_sales(build_shop().quickbooks_customers).items}
SKU = {item_id: item["Sku"] for item_id, item in ITEMS.items() if item.get("Sku")}
GOWN = next(item_id for item_id, sku in SKU.items() if sku == "FIN-VICTORIAN-GOWN")
SERVICES = {item_id for item_id, item in ITEMS.items() if item["Type"] == "Service"}

ESTIMATE = (
    "deliveryDate shipCompleteDate requestedDate canMeet constraint { kind } "
    "lines { sku quantity deliveryDate }"
)
QUOTES = f"""query($maxAge: Float) {{ quotes(first: 100) {{ edges {{ node {{ number
  lines {{ product productId quantity }}
  deliveryEstimate(maxAge: $maxAge) {{ {ESTIMATE} }}
  skippedProducts {{ product productId sku reason }} }} }} }} }}"""
ORDERS = f"""{{ orders(first: 100) {{ edges {{ node {{ number status dueDate
  quote {{ number lines {{ productId }} }}
  deliveryEstimate {{ {ESTIMATE} }} promisedDate }} }} }} }}"""
TOP_LEVEL = f"""query($lines: [OrderLineInput!]!, $requested: Date) {{
  deliveryEstimate(lines: $lines, requestedDate: $requested) {{ {ESTIMATE} }} }}"""


async def nodes(hub: HubUnderTest, query: str, name: str, variables: dict[str, Any] | None = None) -> list:
    body = await hub.gql(query, variables)
    assert "errors" not in body, body.get("errors")
    return [edge["node"] for edge in body["data"][name]["edges"]]


def made_lines(lines: list[dict[str, Any]]) -> list[tuple[str, Decimal]]:
    """What the quote's estimate should promise: the lines whose item has a SKU, in order."""
    return [(SKU[line["productId"]], Decimal(line["quantity"])) for line in lines if line["productId"] in SKU]


def promised(estimate: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(line["sku"], Decimal(line["quantity"])) for line in estimate["lines"]]


async def engine_answer(
    hub: HubUnderTest, lines: list[tuple[str, Decimal]], requested: str | None = None
) -> dict:
    variables = {"lines": [{"sku": s, "quantity": str(q)} for s, q in lines], "requested": requested}
    body = await hub.gql(TOP_LEVEL, variables)
    assert "errors" not in body, body.get("errors")
    return body["data"]["deliveryEstimate"]  # type: ignore[no-any-return]


async def test_a_quote_with_a_gown_is_promised_as_the_engine_promises_it(hub: HubUnderTest) -> None:
    quotes = await nodes(hub, QUOTES, "quotes")
    quote = next(q for q in quotes if any(line["productId"] == GOWN for line in q["lines"]))
    estimate = quote["deliveryEstimate"]
    assert promised(estimate) == made_lines(quote["lines"])
    gowns = next(Decimal(line["quantity"]) for line in quote["lines"] if line["productId"] == GOWN)
    assert ("FIN-VICTORIAN-GOWN", gowns) in promised(estimate)
    # The same lines asked of the engine directly give the same dates (same snapshot, same policy).
    direct = await engine_answer(hub, promised(estimate))
    assert estimate == direct
    assert estimate["requestedDate"] is None and estimate["canMeet"] is None
    # Every other line is reported, with why.
    others = [line for line in quote["lines"] if line["productId"] not in SKU]
    assert [(s["product"], s["productId"], s["reason"]) for s in quote["skippedProducts"]] == [
        (line["product"], line["productId"], "NO_SKU") for line in others
    ]


async def test_a_quote_of_services_only_has_no_estimate_and_no_error(hub: HubUnderTest) -> None:
    quotes = await nodes(hub, QUOTES, "quotes")  # nodes() asserts there is no error at all
    services = [q for q in quotes if q["lines"] and all(line["productId"] in SERVICES for line in q["lines"])]
    assert services
    for quote in services:
        assert quote["deliveryEstimate"] is None
        skipped = [s["product"] for s in quote["skippedProducts"]]
        assert skipped == [line["product"] for line in quote["lines"]]
        assert {s["reason"] for s in quote["skippedProducts"]} == {"NO_SKU"}
    # Some quotes are estimated, some not: never an error either way.
    assert any(q["deliveryEstimate"] for q in quotes) and any(q["deliveryEstimate"] is None for q in quotes)


async def test_an_open_order_from_a_quote_is_promised_against_its_due_date(hub: HubUnderTest) -> None:
    orders = await nodes(hub, ORDERS, "orders")
    quotes = {q["number"]: q for q in await nodes(hub, QUOTES, "quotes")}
    open_orders = [
        o for o in orders
        if o["status"] in ("NOT_STARTED", "IN_PRODUCTION", "READY") and o["quote"]
        and any(line["productId"] in SKU for line in o["quote"]["lines"])
    ]  # fmt: skip
    assert open_orders
    for order in open_orders:
        estimate = order["deliveryEstimate"]
        quote = quotes[order["quote"]["number"]]
        assert promised(estimate) == made_lines(quote["lines"])
        assert estimate["requestedDate"] == order["dueDate"]
        assert estimate["canMeet"] == (estimate["deliveryDate"] <= order["dueDate"])
        assert order["promisedDate"] == estimate["deliveryDate"]
        # The quote's own estimate has no requested date; its dates are the same.
        assert quote["deliveryEstimate"]["deliveryDate"] == estimate["deliveryDate"]
    first = open_orders[0]
    direct = await engine_answer(hub, promised(first["deliveryEstimate"]), first["dueDate"])
    assert first["deliveryEstimate"] == direct


async def test_delivered_invoiced_and_quote_less_orders_have_no_promised_date(hub: HubUnderTest) -> None:
    orders = await nodes(hub, ORDERS, "orders")
    closed = [
        o for o in orders
        if o["status"] in ("DELIVERED", "INVOICED") and o["quote"]
        and any(line["productId"] in SKU for line in o["quote"]["lines"])
    ]  # fmt: skip
    statuses = {o["status"] for o in orders}
    assert {"DELIVERED", "INVOICED"} <= statuses
    assert closed
    for order in closed:
        assert order["promisedDate"] is None
        assert order["deliveryEstimate"] is not None  # still answerable: "if ordered again today"
    for order in (o for o in orders if o["status"] in ("DELIVERED", "INVOICED", "CANCELLED")):
        assert order["promisedDate"] is None
    without_quote = [o for o in orders if o["quote"] is None]
    assert without_quote
    assert all(o["deliveryEstimate"] is None and o["promisedDate"] is None for o in without_quote)


async def test_estimates_on_twenty_quotes_read_the_inventory_once(hub: HubUnderTest) -> None:
    query = """{ quotes(first: 20) { edges { node { number
      deliveryEstimate(maxAge: 0) { deliveryDate } skippedProducts { product } } } } }"""

    def odoo() -> dict[str, int]:
        return {k: v for k, v in hub.metrics.by_endpoint().items() if k.startswith("odoo:")}

    found = await nodes(hub, query, "quotes")
    assert len(found) == 20 and sum(q["deliveryEstimate"] is not None for q in found) >= 10
    # Cold: one snapshot for the twenty quotes, each Odoo model read once (after its fields_get).
    cold = odoo()
    reads = [k for k in cold if k.endswith(".search_read")]
    assert len(reads) >= 10 and set(cold.values()) == {1}, cold
    # maxAge 0 again: one fresh snapshot for the request, not one per quote.
    await nodes(hub, query, "quotes")
    again = odoo()
    assert {k: again[k] - cold.get(k, 0) for k in again} == {k: int(k in reads) for k in cold}
    # Within the freshness policy, no read at all.
    before = hub.upstream("odoo")
    await nodes(hub, QUOTES, "quotes")
    assert hub.upstream("odoo") == before


async def test_arguments_change_the_order_estimate_not_its_promised_date(hub: HubUnderTest) -> None:
    orders = await nodes(hub, ORDERS, "orders")
    order = next(o for o in orders if o["promisedDate"])
    body = await hub.gql(
        """query($n: String) { orders(filter: {numberContains: $n}) { edges { node {
             deliveryEstimate(requestedDate: "2030-01-01", policy: {securityDays: 5}) {
               requestedDate canMeet }
             promisedDate } } } }""",
        {"n": order["number"]},
    )
    assert "errors" not in body, body.get("errors")
    [node] = [e["node"] for e in body["data"]["orders"]["edges"]]
    # Arguments apply to deliveryEstimate only; promisedDate is always the shop's own promise.
    assert node["deliveryEstimate"] == {"requestedDate": "2030-01-01", "canMeet": True}
    assert node["promisedDate"] == order["promisedDate"]


async def test_inventory_outage_is_a_field_error_beside_the_quote(hub: HubUnderTest) -> None:
    quotes = await nodes(hub, QUOTES, "quotes")
    number = next(q["number"] for q in quotes if q["deliveryEstimate"])
    hub.sims["odoo"].state.faults.set(outage=True)
    body = await hub.gql(
        """query($n: String) { quotes(filter: {number: $n}) { edges { node { number
             deliveryEstimate(maxAge: 0) { deliveryDate } skippedProducts { product reason } } } } }""",
        {"n": number},
    )
    [node] = [e["node"] for e in body["data"]["quotes"]["edges"]]
    assert node["number"] == number and node["deliveryEstimate"] is None
    assert {(e["extensions"]["code"], e["extensions"].get("source")) for e in body["errors"]} == {
        ("UPSTREAM_UNAVAILABLE", "odoo")
    }
    assert {s["reason"] for s in node["skippedProducts"]} <= {"NO_SKU"}


async def test_without_an_inventory_source_estimates_are_null_without_error(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path, odoo={"enabled": False}):
        quotes = await nodes(hub, QUOTES, "quotes")
        gown = next(q for q in quotes if any(line["productId"] == GOWN for line in q["lines"]))
        assert gown["deliveryEstimate"] is None
        assert all(s["reason"] == "NO_SKU" for s in gown["skippedProducts"])
        orders = await nodes(hub, ORDERS, "orders")
        assert all(o["deliveryEstimate"] is None and o["promisedDate"] is None for o in orders)
