"""Delivery estimates and products end to end: GraphQL → hub → Odoo connector → Odoo simulator."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub.sandbox.seed_inventory import SEED_NOTES
from tests.conftest import HubUnderTest

LONDON = ZoneInfo("Europe/London")

ESTIMATE = """query($lines: [OrderLineInput!]!, $requested: Date, $policy: PromisePolicyInput, $maxAge: Float) {
  deliveryEstimate(lines: $lines, requestedDate: $requested, policy: $policy, maxAge: $maxAge) {
    computedAt shipCompleteDate deliveryDate naiveDeliveryDate canMeet slackBusinessDays promiseToken
    constraint { kind description sku workCenter until supplyReference }
    confidence { level reasons }
    partialShipments { shipDate deliveryDate lines { sku quantity } }
    lines { sku quantity fromStock toProduce readyAt shipDate deliveryDate naiveDeliveryDate
      constraint { kind description } confidence { level reasons }
      operations { sku operation workCenter lane start end quantity } }
  } }"""  # noqa: E501

RECHECK = """query($token: String!) { recheckDeliveryEstimate(promiseToken: $token, maxAge: 0) {
  slipped slipBusinessDays previousDeliveryDate deliveryDate reasons } }"""


def working(moment: str) -> bool:
    local = datetime.fromisoformat(moment).astimezone(LONDON)
    minutes = local.hour * 60 + local.minute
    return local.weekday() < 5 and (8 * 60 <= minutes <= 12 * 60 or 13 * 60 <= minutes <= 17 * 60)


async def estimate(hub: HubUnderTest, lines: list[dict], **variables: object) -> dict:
    body = await hub.gql(ESTIMATE, {"lines": lines, **variables})
    assert "errors" not in body, body.get("errors")
    return body["data"]["deliveryEstimate"]


async def test_products_show_stock_and_available_to_promise(hub: HubUnderTest) -> None:
    body = await hub.gql("""{ products(first: 100) { totalCount edges { node {
        sku unit kind makeOrBuy onHand reserved availableNow source { system reference }
        availableToPromise { at quantity } } } } }""")
    assert "errors" not in body, body.get("errors")
    products = {e["node"]["sku"]: e["node"] for e in body["data"]["products"]["edges"]}
    assert body["data"]["products"]["totalCount"] == len(products) >= 15
    corset = products[SEED_NOTES["in_stock_sku"]]
    assert Decimal(corset["onHand"]) == SEED_NOTES["in_stock_on_hand"]
    assert Decimal(corset["reserved"]) == SEED_NOTES["in_stock_reserved"]
    # ATP never promises what is already promised: at most on hand − reserved.
    assert Decimal(corset["availableNow"]) <= Decimal(corset["onHand"]) - Decimal(corset["reserved"])
    assert corset["source"]["system"] == "odoo"
    assert (
        products["FAB-VELVET-BURG"]["unit"] == "m" and products["FIN-VICTORIAN-GOWN"]["makeOrBuy"] == "MAKE"
    )


async def test_stock_line_ships_from_stock(hub: HubUnderTest) -> None:
    body = await hub.gql("{ products(first: 100) { edges { node { sku availableNow safetyStock } } } }")
    # The stocked corset has 8 on hand, 6 reserved and a safety stock of 3: nothing to promise.
    corset = await estimate(hub, [{"sku": SEED_NOTES["in_stock_sku"], "quantity": "1"}])
    assert Decimal(corset["lines"][0]["fromStock"]) == 0
    stocked = next(
        e["node"]["sku"]
        for e in body["data"]["products"]["edges"]
        if Decimal(e["node"]["availableNow"]) - Decimal(e["node"]["safetyStock"]) >= 1
    )
    result = await estimate(hub, [{"sku": stocked, "quantity": "1"}])
    line = result["lines"][0]
    assert Decimal(line["fromStock"]) == 1 and Decimal(line["toProduce"]) == 0
    assert line["operations"] == []
    assert result["constraint"]["kind"] in ("STOCK", "NONE")
    assert date.fromisoformat(result["deliveryDate"]) >= date.fromisoformat(result["shipCompleteDate"])


async def test_made_to_order_respects_the_sewing_room_calendar_and_names_the_constraint(
    hub: HubUnderTest,
) -> None:
    result = await estimate(hub, [{"sku": "FIN-VICTORIAN-GOWN", "quantity": "2"}])
    line = result["lines"][0]
    assert Decimal(line["toProduce"]) == 2
    ops = line["operations"]
    assert {op["workCenter"] for op in ops} >= {"CUT", "SEW", "FIN"}
    for op in ops:
        assert working(op["start"]) and working(op["end"]), op
    # Finish-to-start: sewing starts after cutting ends, finishing after sewing (per lot).
    cut = min(op["end"] for op in ops if op["workCenter"] == "CUT")
    assert all(op["start"] >= cut for op in ops if op["workCenter"] == "SEW")
    assert result["constraint"]["description"]
    assert result["constraint"]["kind"] in ("COMPONENT", "WORK_CENTER", "HOLIDAY", "LEAD_TIME", "STOCK")
    assert result["confidence"]["level"] in ("HIGH", "MEDIUM", "LOW")
    # The naive lead-time date is shown for contrast.
    assert result["naiveDeliveryDate"]


async def test_requested_date_that_cannot_be_met(hub: HubUnderTest) -> None:
    tomorrow = (datetime.now(LONDON).date() + timedelta(days=1)).isoformat()
    result = await estimate(hub, [{"sku": "FIN-VICTORIAN-GOWN", "quantity": "3"}], requested=tomorrow)
    assert result["canMeet"] is False and result["slackBusinessDays"] < 0


async def test_estimates_share_one_inventory_read_within_policy(hub: HubUnderTest) -> None:
    await estimate(hub, [{"sku": "FIN-TAILCOAT", "quantity": "1"}])
    after_first = hub.upstream("odoo")
    assert after_first > 0
    await estimate(hub, [{"sku": "FIN-CHORUS-TUNIC", "quantity": "4"}])
    await hub.gql('{ product(sku: "FIN-TAILCOAT") { sku availableNow } }')
    assert hub.upstream("odoo") == after_first


async def test_recheck_flags_a_slipped_purchase_order(hub: HubUnderTest) -> None:
    result = await estimate(hub, [{"sku": "FIN-VICTORIAN-GOWN", "quantity": "1"}])
    same = (await hub.gql(RECHECK, {"token": result["promiseToken"]}))["data"]["recheckDeliveryEstimate"]
    assert same["slipped"] is False and same["deliveryDate"] == result["deliveryDate"]
    # Every open purchase order line slips by four weeks in Odoo.
    sim = hub.sims["odoo"].state
    for line_id, line in list(sim.records["purchase.order.line"].items()):
        sim.db.write(
            "purchase.order.line", line_id, {"date_planned": line["date_planned"] + timedelta(days=28)}
        )
    slipped = (await hub.gql(RECHECK, {"token": result["promiseToken"]}))["data"]["recheckDeliveryEstimate"]
    # The gown needs silk that only purchase order P00042 brings; four weeks late beats any sewing backlog.
    assert slipped["slipped"] is True and slipped["slipBusinessDays"] > 0 and slipped["reasons"]
    assert slipped["previousDeliveryDate"] == result["deliveryDate"]


async def test_bad_input_is_a_clear_error(hub: HubUnderTest) -> None:
    body = await hub.gql(ESTIMATE, {"lines": [{"sku": "NOPE", "quantity": "1"}]})
    assert (
        body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "NOPE" in body["errors"][0]["message"]
    )
    body = await hub.gql(ESTIMATE, {"lines": [{"sku": "FIN-TAILCOAT", "quantity": "0"}]})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await hub.gql(RECHECK, {"token": "garbage"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_odoo_down_is_reported_with_its_source(hub: HubUnderTest) -> None:
    hub.sims["odoo"].state.faults.set(outage=True)
    body = await hub.gql(ESTIMATE, {"lines": [{"sku": "FIN-TAILCOAT", "quantity": "1"}]})
    assert body["data"] is None or body["data"]["deliveryEstimate"] is None
    assert {(e["extensions"]["code"], e["extensions"].get("source")) for e in body["errors"]} == {
        ("UPSTREAM_UNAVAILABLE", "odoo")
    }
