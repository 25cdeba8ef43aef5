"""Overriding identity through GraphQL: link and unlink survive re-resolution."""

from __future__ import annotations

from hub.sandbox.seed import EXPECTED_LINKS
from tests.conftest import HubUnderTest

FIND = """query($id: ID!) {
  customer(id: $id) { id name sources { system externalId matchedBy confidence } }
}"""
LIST = (
    "{ customers(first: 100) { totalCount edges { node { id sources { system externalId matchedBy } } } } }"
)
UNLINK = """mutation($s: SourceSystem!, $x: String!) { unlinkCustomerSource(system: $s, externalId: $x) {
  __typename ... on CustomerLinked { customer { id sources { system externalId matchedBy } } }
  ... on UserError { code message } } }"""
LINK = """mutation($c: ID!, $s: SourceSystem!, $x: String!) { linkCustomerSource(customerId: $c, system: $s, externalId: $x) {
  __typename ... on CustomerLinked { customer { id sources { system externalId matchedBy } } }
  ... on UserError { code message } } }"""  # noqa: E501


def owner(nodes: list[dict], system: str, external_id: str) -> dict:
    return next(n for n in nodes if {"system": system, "externalId": external_id} in
                [{"system": s["system"], "externalId": s["externalId"]} for s in n["sources"]])


async def test_unlink_then_link_back(hub: HubUnderTest) -> None:
    before = (await hub.gql(LIST))["data"]["customers"]
    page_id, qbo_id = next(iter(EXPECTED_LINKS.items()))
    merged = owner(before["edges"] and [e["node"] for e in before["edges"]], "QUICKBOOKS", qbo_id)
    assert len(merged["sources"]) == 2

    body = await hub.gql(UNLINK, {"s": "QUICKBOOKS", "x": qbo_id})
    result = body["data"]["unlinkCustomerSource"]
    assert result["__typename"] == "CustomerLinked"
    expected = [{"system": "QUICKBOOKS", "externalId": qbo_id, "matchedBy": "manual"}]
    assert result["customer"]["sources"] == expected
    after = (await hub.gql(LIST))["data"]["customers"]
    assert after["totalCount"] == before["totalCount"] + 1
    # Re-resolution (a fresh read) does not undo the override.
    again = (await hub.gql(LIST.replace("first: 100", "first: 100, maxAge: 0")))["data"]["customers"]
    assert again["totalCount"] == before["totalCount"] + 1

    body = await hub.gql(LINK, {"c": merged["id"], "s": "QUICKBOOKS", "x": qbo_id})
    result = body["data"]["linkCustomerSource"]
    assert result["customer"]["id"] == merged["id"]
    assert {s["externalId"] for s in result["customer"]["sources"]} == {page_id, qbo_id}
    assert (await hub.gql(LIST))["data"]["customers"]["totalCount"] == before["totalCount"]


async def test_link_to_unknown_customer_is_a_typed_error(hub: HubUnderTest) -> None:
    await hub.gql(LIST)
    body = await hub.gql(LINK, {"c": "Q3VzdG9tZXI6bm9wZQ", "s": "QUICKBOOKS", "x": "1"})
    assert body["data"]["linkCustomerSource"]["__typename"] == "UserError"
    assert body["data"]["linkCustomerSource"]["code"] == "NOT_FOUND"
    body = await hub.gql(LINK, {"c": "garbage!", "s": "QUICKBOOKS", "x": "1"})
    assert body["data"]["linkCustomerSource"]["code"] == "BAD_USER_INPUT"
