"""A failing source nulls its own fields and says why in errors[].extensions; the rest still answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.sandbox.seed import EXPECTED_LINKS
from tests.conftest import start_hub

QUERY = """{ customers(first: 100) { totalCount edges { node {
  name email openBalance { amount } billingAddress { city } sources { system externalId } } } } }"""


async def test_quickbooks_down_still_returns_notion_customers(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path):
        hub.sims["quickbooks"].state.faults.set(outage=True)
        body = await hub.gql(QUERY)
        customers = [e["node"] for e in body["data"]["customers"]["edges"]]
        # Every Notion client is there (with its Notion fields) although QuickBooks is down.
        assert len(customers) >= 60
        assert all(c["name"] for c in customers)
        assert all(c["openBalance"] is None and c["billingAddress"] is None for c in customers)
        codes = {(e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]}
        assert codes == {("UPSTREAM_UNAVAILABLE", "quickbooks")}
        # The explicit link property still ties Notion clients to their QuickBooks ids.
        linked = [c for c in customers if any(s["system"] == "QUICKBOOKS" for s in c["sources"])]
        assert linked
        # No upstream URL, token or raw body in any message.
        for error in body["errors"]:
            assert "http" not in error["message"] and "Bearer" not in error["message"]


async def test_quickbooks_recovers_after_an_outage(tmp_path: Path) -> None:
    http = {"backoff_base": 0.0, "max_attempts": 3, "breaker_failures": 3, "breaker_cooldown": 2.0}
    async for hub in start_hub(tmp_path, http=http):
        faults = hub.sims["quickbooks"].state.faults
        faults.set(outage=True)
        await hub.gql(QUERY)
        body = await hub.gql("{ sources { name state circuit } }")
        assert {"name": "quickbooks", "state": "DOWN", "circuit": "open"} in body["data"]["sources"]
        # While the circuit is open the hub does not call the failing source at all.
        sent = hub.upstream("quickbooks")
        await hub.gql(QUERY.replace("customers(first: 100)", "customers(first: 100, maxAge: 0)"))
        assert hub.upstream("quickbooks") == sent
        faults.set(outage=False)
        await asyncio.sleep(2.05)  # the breaker's cooldown: then one trial request closes it
        body = await hub.gql(QUERY.replace("customers(first: 100)", "customers(first: 100, maxAge: 0)"))
        assert "errors" not in body
        merged = [e["node"] for e in body["data"]["customers"]["edges"] if len(e["node"]["sources"]) == 2]
        assert len(merged) == len(EXPECTED_LINKS)


async def test_rate_limited_reports_retry_after(tmp_path: Path) -> None:
    async for hub in start_hub(
        tmp_path, http={"backoff_base": 0.0, "max_retry_wait": 0.5, "max_attempts": 2}
    ):
        # The simulator answers 429 for a while; its Retry-After is longer than we are willing to wait.
        hub.sims["quickbooks"].state.faults.set(burst_429=50)
        body = await hub.gql(QUERY)
        errors = [e for e in body["errors"] if e["extensions"]["source"] == "quickbooks"]
        assert errors and {e["extensions"]["code"] for e in errors} == {"RATE_LIMITED"}
        assert all(e["extensions"]["retryAfter"] >= 0 for e in errors)
        assert len(body["data"]["customers"]["edges"]) >= 60


async def test_revoked_credentials_say_auth_expired(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path):
        hub.sims["quickbooks"].state.oauth.revoke_all()
        body = await hub.gql(QUERY)
        codes = {(e["extensions"]["code"], e["extensions"]["source"]) for e in body["errors"]}
        assert codes == {("AUTH_EXPIRED", "quickbooks")}
        assert len(body["data"]["customers"]["edges"]) >= 60


async def test_not_authorised_yet_is_auth_expired_not_a_crash(tmp_path: Path) -> None:
    async for hub in start_hub(tmp_path, authorise=False):
        body = await hub.gql(QUERY)
        assert {e["extensions"]["code"] for e in body["errors"]} == {"AUTH_EXPIRED"}
        assert "hub auth quickbooks" in body["errors"][0]["message"]
