"""Quote and order mutations through the GraphQL endpoint, against the seeded simulators."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hub.sandbox.seed import EXPECTED_LINKS
from tests.conftest import HubUnderTest, start_hub

CLIENT_PAGE, QBO_CUSTOMER = next(iter(EXPECTED_LINKS.items()))

PAYLOAD = """
  __typename
  ... on QuotePayload { replayed quote { id number status pipelineStage probability validUntil
      total { amount currency } lines { product quantity unitPrice { amount } amount { amount } }
      customer { id } proposal { name kind url } sources { system } }
    proposal { name kind mimeType } }
  ... on ValidationError { code field message }
  ... on ConflictError { code message retryable }
  ... on UpstreamFailure { code source message retryable retryAfter }
"""
CREATE = (
    """mutation($key: String!, $customer: ID!, $lines: [QuoteLineInput!]!, $proposal: Boolean!) {
  createQuote(idempotencyKey: $key, customerId: $customer, lines: $lines, validUntil: "2027-01-31",
              dealName: "Spring gala gowns", withProposal: $proposal) {"""
    + PAYLOAD
    + "} }"
)
LINES = [
    {"productId": "1", "quantity": "2", "unitPrice": "2400.00", "description": "Gala gown, midnight satin"},
    {"productId": "6", "quantity": "2", "unitPrice": "185"},
]


def estimates(hub: HubUnderTest) -> dict[str, Any]:
    return hub.sims["quickbooks"].state.tables["Estimate"]  # type: ignore[no-any-return]


async def customer_id(hub: HubUnderTest) -> str:
    body = await hub.gql("{ customers(first: 100) { edges { node { id sources { system externalId } } } } }")
    return next(
        e["node"]["id"]
        for e in body["data"]["customers"]["edges"]
        if {"system": "QUICKBOOKS", "externalId": QBO_CUSTOMER} in e["node"]["sources"]
    )


async def create(hub: HubUnderTest, key: str, *, proposal: bool = True, lines: Any = None) -> dict[str, Any]:
    variables = {
        "key": key,
        "customer": await customer_id(hub),
        "lines": lines or LINES,
        "proposal": proposal,
    }
    body = await hub.gql(CREATE, variables)
    assert "errors" not in body, body
    return body["data"]["createQuote"]  # type: ignore[no-any-return]


async def test_create_quote_with_proposal_then_retry_with_the_same_key(hub: HubUnderTest) -> None:
    before = len(estimates(hub))
    created = await create(hub, "ui-create-1")
    assert created["__typename"] == "QuotePayload" and created["replayed"] is False
    quote = created["quote"]
    assert quote["status"] in ("DRAFT", "SENT") and quote["number"]
    assert quote["total"] == {"amount": "5170.00", "currency": "USD"}  # 2 x 2400 + 2 x 185
    assert quote["pipelineStage"] == "Proposal sent"
    assert {s["system"] for s in quote["sources"]} == {"QUICKBOOKS", "NOTION"}
    assert created["proposal"]["kind"] == "PROPOSAL" and created["proposal"]["mimeType"] == "application/pdf"
    assert quote["proposal"]["name"].startswith(f"Proposal {quote['number']}")
    assert quote["customer"]["id"] == await customer_id(hub)
    assert len(estimates(hub)) == before + 1

    # The same key again: the first result, nothing new upstream.
    sent = hub.upstream()
    again = await create(hub, "ui-create-1")
    assert again["replayed"] is True and again["quote"]["id"] == quote["id"]
    assert len(estimates(hub)) == before + 1
    assert hub.upstream() == sent
    # The customer's own list shows it at once (the write went into the mirror).
    body = await hub.gql(
        """query($id: ID!) { node(id: $id) { ... on Customer {
             quotes(first: 100) { edges { node { id } } } } } }""",
        {"id": await customer_id(hub)},
    )
    assert quote["id"] in [e["node"]["id"] for e in body["data"]["node"]["quotes"]["edges"]]


async def test_same_key_other_request_is_a_conflict_and_bad_input_names_the_field(hub: HubUnderTest) -> None:
    await create(hub, "ui-create-2", proposal=False)
    other = await create(
        hub, "ui-create-2", proposal=False, lines=[{"productId": "1", "quantity": "1", "unitPrice": "1"}]
    )
    assert (other["__typename"], other["code"], other["retryable"]) == (
        "ConflictError",
        "IDEMPOTENCY_CONFLICT",
        False,
    )
    bad = await create(hub, "ui-create-3", proposal=False,
                       lines=[{"productId": "9999", "quantity": "1", "unitPrice": "10"}])  # fmt: skip
    assert bad["__typename"] == "ValidationError" and bad["field"] == "lines[0].productId", bad
    bad = await create(hub, "ui-create-4", proposal=False,
                       lines=[{"productId": "1", "quantity": "-1", "unitPrice": "10"}])  # fmt: skip
    assert bad["__typename"] == "ValidationError" and bad["field"].startswith("lines[0]"), bad
    body = await hub.gql(
        CREATE, {"key": "ui-create-5", "customer": "nonsense", "lines": LINES, "proposal": False}
    )
    assert body["data"]["createQuote"]["field"] == "customerId"


ACCEPT = """mutation($key: String!, $quote: ID!) { acceptQuote(idempotencyKey: $key, quoteId: $quote) {
  __typename
  ... on QuoteAccepted { replayed quote { status pipelineStage order { id } }
                         order { id number status stage quote { id } customer { id } } }
  ... on ValidationError { field message }
  ... on UpstreamFailure { code source message } } }"""
ORDER_STATUS = """mutation($key: String!, $order: ID!, $status: String!) {
  updateOrderStatus(idempotencyKey: $key, orderId: $order, status: $status) {
  __typename ... on OrderPayload { order { status stage } } ... on ValidationError { field message } } }"""


async def test_accept_creates_the_order_once_and_its_status_moves(hub: HubUnderTest) -> None:
    quote = (await create(hub, "ui-accept-quote", proposal=False))["quote"]
    body = await hub.gql(ACCEPT, {"key": "ui-accept-1", "quote": quote["id"]})
    accepted = body["data"]["acceptQuote"]
    assert accepted["__typename"] == "QuoteAccepted", accepted
    order = accepted["order"]
    assert order["status"] == "NOT_STARTED" and order["quote"]["id"] == quote["id"]
    assert order["customer"]["id"] == await customer_id(hub)
    assert accepted["quote"]["status"] == "ACCEPTED" and accepted["quote"]["pipelineStage"] == "Won"
    assert accepted["quote"]["order"]["id"] == order["id"]
    # Accepting again under another key finds the same order.
    body = await hub.gql(ACCEPT, {"key": "ui-accept-2", "quote": quote["id"]})
    assert body["data"]["acceptQuote"]["order"]["id"] == order["id"]
    body = await hub.gql("{ orders(first: 100, filter: {status: [NOT_STARTED]}) { edges { node { id } } } }")
    assert [e["node"]["id"] for e in body["data"]["orders"]["edges"]].count(order["id"]) == 1

    body = await hub.gql(ORDER_STATUS, {"key": "ui-status-1", "order": order["id"], "status": "Sewing"})
    assert body["data"]["updateOrderStatus"]["order"] == {"status": "IN_PRODUCTION", "stage": "Sewing"}
    body = await hub.gql(ORDER_STATUS, {"key": "ui-status-2", "order": order["id"], "status": "Teleported"})
    assert body["data"]["updateOrderStatus"]["__typename"] == "ValidationError"


async def test_decline_marks_the_quote_and_the_deal(hub: HubUnderTest) -> None:
    quote = (await create(hub, "ui-decline-quote", proposal=False))["quote"]
    body = await hub.gql(
        """mutation($q: ID!) {
           declineQuote(idempotencyKey: "ui-decline-1", quoteId: $q, reason: "Budget cut") {
             __typename ... on QuotePayload { quote { status pipelineStage probability } } } }""",
        {"q": quote["id"]},
    )
    assert body["data"]["declineQuote"]["quote"] == {
        "status": "DECLINED",
        "pipelineStage": "Lost",
        "probability": "0",
    }


async def test_an_upstream_failure_mid_write_is_finished_by_a_retry_without_duplicates(
    tmp_path: Path,
) -> None:
    async for hub in start_hub(
        tmp_path, http={"backoff_base": 0.0, "max_attempts": 2, "breaker_failures": 50}
    ):
        before = len(estimates(hub))
        await customer_id(hub)  # customers (and their Notion links) known before Notion goes down
        hub.sims["notion"].state.faults.set(outage=True)  # the estimate goes in, the deal cannot
        failed = await create(hub, "ui-retry-1", proposal=False)
        assert failed["__typename"] == "UpstreamFailure" and failed["source"] == "notion", failed
        assert failed["retryable"] is True
        assert len(estimates(hub)) == before + 1
        hub.sims["notion"].state.faults.set(outage=False)
        done = await create(hub, "ui-retry-1", proposal=False)
        assert done["__typename"] == "QuotePayload" and done["quote"]["pipelineStage"] == "Qualified"
        assert len(estimates(hub)) == before + 1  # the retry resumed; QuickBooks saw the estimate once


async def test_the_generated_proposal_carries_the_quote_and_its_delivery_date(hub: HubUnderTest) -> None:
    import httpx

    from hub.sandbox.seed_documents import DRIVE_SERVICE_ACCOUNT_EMAIL

    created = await create(hub, "ui-proposal-text")
    quote = created["quote"]
    body = await hub.gql(
        """query($id: ID!) { node(id: $id) { ... on Quote { number deliveryEstimate { deliveryDate }
             documents { name kind mimeType sources { externalId } } } } }""",
        {"id": quote["id"]},
    )
    node = body["data"]["node"]
    delivery = node["deliveryEstimate"]["deliveryDate"]
    doc = next(d for d in node["documents"] if d["mimeType"] == "application/vnd.google-apps.document")
    drive = hub.sims["google_drive"]
    token = drive.state.tokens.issue(DRIVE_SERVICE_ACCOUNT_EMAIL)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=drive), base_url="https://www.googleapis.com"
    ) as c:
        response = await c.get(
            f"/drive/v3/files/{doc['sources'][0]['externalId']}/export",
            params={"mimeType": "text/plain"},
            headers={"Authorization": f"Bearer {token}"},
        )
    text = response.text
    assert response.status_code == 200, text
    assert quote["number"] in text
    assert "$5,170.00" in text and "{{" not in text
    day = date.fromisoformat(delivery)
    assert f"{day:%B} {day.day}, {day.year}" in text


async def test_a_long_idempotency_key_still_makes_and_finds_its_proposal(hub: HubUnderTest) -> None:
    key = "crm-sync/" + "x" * 180  # 189 characters: too long for a Drive appProperty as it is
    created = await create(hub, key)
    assert created["__typename"] == "QuotePayload" and created["proposal"]["kind"] == "PROPOSAL", created
    files = len(hub.sims["google_drive"].state.files)
    again = await create(hub, key)
    assert again["replayed"] is True and len(hub.sims["google_drive"].state.files) == files
