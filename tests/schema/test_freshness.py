"""Freshness: the mirror answers within policy; changes upstream arrive through incremental reads."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from hub.sandbox.seed import EXPECTED_LINKS, NOTION_SANDBOX_TOKEN
from tests.conftest import HubUnderTest

Q = """query($email: String) { customers(first: 5, filter: {email: $email}, maxAge: %s) {
  edges { node { name email billingAddress { city } sources { system externalId fetchedAt } } } } }"""


def vendor(hub: HubUnderTest, source: str, base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=hub.sims[source]), base_url=base)


async def test_a_notion_edit_arrives_through_an_incremental_read(hub: HubUnderTest,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    page_id = next(iter(EXPECTED_LINKS))
    first = await hub.gql(Q % "null", {"email": None})
    assert "errors" not in first
    # Someone renames the client in Notion.
    async with vendor(hub, "notion", "https://api.notion.com") as notion:
        response = await notion.patch(
            f"/v1/pages/{page_id}", headers={"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}",
                                             "Notion-Version": "2026-03-11"},
            json={"properties": {"Client": {"title": [{"text": {"content": "Renamed Costume Client"}}]}}})
        assert response.status_code == 200, response.text
    # Within the freshness policy the mirror answers, without any upstream request.
    before = hub.upstream("notion")
    stale = await hub.gql('{ customers(first: 100, filter: {name: "Renamed"}) { totalCount } }')
    assert stale["data"]["customers"]["totalCount"] == 0 and hub.upstream("notion") == before
    # A client that asks for fresh data gets the edit, read incrementally (only what changed).
    with caplog.at_level(logging.INFO, logger="hub.customers"):
        fresh = await hub.gql('{ customers(first: 100, filter: {name: "Renamed"}, maxAge: 0) '
                              '{ totalCount edges { node { sources { externalId } } } } }')
    assert fresh["data"]["customers"]["totalCount"] == 1
    assert page_id in str(fresh["data"]["customers"]["edges"])
    # The edited page plus whatever sits in the one-minute overlap Notion's minute-rounded
    # last_edited_time forces (the newest seed page); never the whole data source again.
    read = re.search(r"refreshed (\d+) notion customer records \(incremental=True\)", caplog.text)
    assert read and 1 <= int(read.group(1)) <= 2


async def test_a_quickbooks_billing_change_arrives_under_the_balances_policy(hub: HubUnderTest) -> None:
    qbo_id = next(iter(EXPECTED_LINKS.values()))
    await hub.gql(Q % "null", {"email": None})
    sim_customer = hub.sims["quickbooks"].state.customers[qbo_id]
    token = await hub.app.state.hub.store.tokens.load(f"quickbooks:{hub.settings.quickbooks.realm_id}")
    assert token is not None
    async with vendor(hub, "quickbooks", "https://sandbox-quickbooks.api.intuit.com") as qbo:
        response = await qbo.post(
            f"/v3/company/{hub.settings.quickbooks.realm_id}/customer", params={"minorversion": "75"},
            headers={"Authorization": f"Bearer {token.access_token.get_secret_value()}",
                     "Accept": "application/json"},
            json={"Id": qbo_id, "SyncToken": sim_customer["SyncToken"], "sparse": True,
                  "BillAddr": {**(sim_customer.get("BillAddr") or {}), "City": "Stratford"}})
        assert response.status_code == 200, response.text
    fresh = await hub.gql("""{ customers(first: 100, maxAge: 0) { edges { node {
        billingAddress { city } sources { system externalId } } } } }""")
    node = next(e["node"] for e in fresh["data"]["customers"]["edges"]
                if {"system": "QUICKBOOKS", "externalId": qbo_id} in e["node"]["sources"])
    assert node["billingAddress"]["city"] == "Stratford"
