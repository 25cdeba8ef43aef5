"""connectors.quickbooks writes: ``create`` with ``requestid`` idempotency, ``sparse_update`` with SyncToken
conflict handling (Fault 5010 -> re-read -> re-apply on the fresh token with a new requestid).

respx plays QBO for the request shapes and retries; the last test runs against the QuickBooks simulator.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.quickbooks import QuickBooksConnector, conflict_request_id
from hub.errors import UpstreamFatal, UpstreamNotFound
from hub.http import Limit, Upstreams
from hub.http.oauth import MemoryTokenStore, OAuth2RefreshAuth
from hub.http.oauth_types import OAuthToken
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.seed import QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET, QUICKBOOKS_REALM_ID, build_shop
from hub.sandbox.seed_sales import build_sales
from hub.settings import HttpSettings

BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = QUICKBOOKS_REALM_ID
ESTIMATE_URL = f"{BASE}/v3/company/{REALM}/estimate"
WRITE_ROUTE = ("POST", "/v3/company/{realm_id}/estimate")
READ_ROUTE = ("GET", "/v3/company/{realm_id}/estimate/{entity_id}")


def estimate(id_: str = "101", token: str = "0", **fields: Any) -> dict[str, Any]:
    return {"Estimate": {"Id": id_, "SyncToken": token, "CustomerRef": {"value": "1"}, "TotalAmt": 250,
                         "MetaData": {"LastUpdatedTime": "2026-10-01T10:00:00-07:00"}, **fields},
            "time": "2026-11-02T12:00:00.000-08:00"}


def stale(token: str = "3") -> dict[str, Any]:
    return {"Fault": {"Error": [{"Message": "Stale Object Error", "code": "5010", "element": "SyncToken",
                                 "Detail": f"Stale Object Error : SyncToken is now {token}"}],
                      "type": "ValidationFault"}, "time": "2026-11-02T12:00:00.000-08:00"}


def sent(request: httpx.Request) -> Any:
    return json.loads(request.content, parse_float=Decimal)


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3))
    yield ups
    await ups.aclose()


def connector(upstreams: Upstreams, *, auth: httpx.Auth | None = None) -> QuickBooksConnector:
    client = upstreams.client("quickbooks", BASE, limits=[Limit(1000, 1.0)], budget_key=f"quickbooks:{REALM}",
                              auth=auth, **QuickBooksConnector.client_options())
    return QuickBooksConnector(client, realm_id=REALM)


# -- create ----------------------------------------------------------------------------------------

async def test_create_sends_requestid_minorversion_and_exact_decimals(upstreams: Upstreams,
                                                                      mock: respx.MockRouter) -> None:
    route = mock.post(ESTIMATE_URL).respond(200, json=estimate("130"))
    body = {"CustomerRef": {"value": "1"},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("1234567.89"),
                      "SalesItemLineDetail": {"ItemRef": {"value": "3"}, "Qty": Decimal("3"),
                                              "UnitPrice": Decimal("411522.63")}}]}
    record = await connector(upstreams).create("Estimate", body, request_id="outbox-7")
    request = route.calls.last.request
    assert request.url.params["requestid"] == "outbox-7" and request.url.params["minorversion"] == "75"
    assert request.headers["Content-Type"] == "application/json"
    assert b'"Amount":1234567.89' in request.content and b'"UnitPrice":411522.63' in request.content
    assert sent(request) == body
    assert (record.collection, record.external_id) == ("Estimate", "130")
    assert record.data["TotalAmt"] == Decimal("250") and isinstance(record.data["TotalAmt"], Decimal)


async def test_create_is_retried_on_503_with_the_same_requestid(upstreams: Upstreams,
                                                                mock: respx.MockRouter) -> None:
    route = mock.post(ESTIMATE_URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=estimate())])
    await connector(upstreams).create("Estimate", {"CustomerRef": {"value": "1"}}, request_id="key-1")
    assert route.call_count == 2
    assert [c.request.url.params["requestid"] for c in route.calls] == ["key-1", "key-1"]
    assert route.calls[0].request.content == route.calls[1].request.content


async def test_create_refuses_an_existing_entity_and_a_blank_requestid(upstreams: Upstreams,
                                                                       mock: respx.MockRouter) -> None:
    route = mock.post(ESTIMATE_URL).respond(200, json=estimate())
    qbo = connector(upstreams)
    with pytest.raises(ValueError, match="sparse_update"):
        await qbo.create("Estimate", {"Id": "101", "SyncToken": "0"}, request_id="k")
    with pytest.raises(ValueError, match="requestid"):
        await qbo.create("Estimate", {}, request_id="")
    with pytest.raises(ValueError, match="entity"):
        await qbo.create("Estimate/../customer", {}, request_id="k")
    assert route.call_count == 0


async def test_a_fault_in_a_200_answer_is_an_error(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.post(ESTIMATE_URL).respond(200, json=stale())
    with pytest.raises(UpstreamFatal) as caught:
        await connector(upstreams).create("Estimate", {}, request_id="k")
    assert caught.value.vendor_code == "5010"


# -- sparse_update ---------------------------------------------------------------------------------

async def test_sparse_update_sends_only_the_given_changes(
        upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.post(ESTIMATE_URL).respond(200, json=estimate(token="3", TxnStatus="Accepted"))
    record = await connector(upstreams).sparse_update(
        "Estimate", "101", {"TxnStatus": "Accepted"}, sync_token="2", request_id="accept-101")
    request = route.calls.last.request
    assert sent(request) == {"Id": "101", "SyncToken": "2", "sparse": True, "TxnStatus": "Accepted"}
    assert request.url.params["requestid"] == "accept-101"
    assert record.data["SyncToken"] == "3"


async def test_sparse_update_without_a_token_reads_it_first(
        upstreams: Upstreams, mock: respx.MockRouter) -> None:
    read = mock.get(f"{ESTIMATE_URL}/101").respond(200, json=estimate(token="4"))
    write = mock.post(ESTIMATE_URL).respond(200, json=estimate(token="5"))
    await connector(upstreams).sparse_update("Estimate", "101", {"PrivateNote": "rush"}, request_id="n-1")
    assert read.call_count == 1 and read.calls.last.request.url.params["minorversion"] == "75"
    assert sent(write.calls.last.request)["SyncToken"] == "4"


async def test_stale_token_is_reread_and_reapplied_with_a_new_requestid(upstreams: Upstreams,
                                                                        mock: respx.MockRouter) -> None:
    write = mock.post(ESTIMATE_URL).mock(side_effect=[
        httpx.Response(400, json=stale("3")), httpx.Response(200, json=estimate(token="4"))])
    read = mock.get(f"{ESTIMATE_URL}/101").respond(200, json=estimate(token="3", PrivateNote="theirs"))
    record = await connector(upstreams).sparse_update(
        "Estimate", "101", {"TxnStatus": "Accepted"}, sync_token="2", request_id="accept-101")
    assert read.call_count == 1 and write.call_count == 2
    first, second = (c.request for c in write.calls)
    assert sent(first)["SyncToken"] == "2" and sent(second)["SyncToken"] == "3"
    # the same changes, nothing of the re-read record copied over (no blind overwrite)
    assert sent(second) == {"Id": "101", "SyncToken": "3", "sparse": True, "TxnStatus": "Accepted"}
    ids = [r.url.params["requestid"] for r in (first, second)]
    assert ids == ["accept-101", conflict_request_id("accept-101", 1)] and ids[0] != ids[1]
    assert record.data["SyncToken"] == "4"


async def test_conflicts_exhausted_raise_a_5010_error(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    write = mock.post(ESTIMATE_URL).respond(400, json=stale())
    read = mock.get(f"{ESTIMATE_URL}/101").respond(200, json=estimate(token="9"))
    with pytest.raises(UpstreamFatal, match="Estimate 101") as caught:
        await connector(upstreams).sparse_update("Estimate", "101", {"TxnStatus": "Accepted"},
                                                 sync_token="2", request_id="k", max_conflicts=2)
    assert caught.value.vendor_code == "5010"
    assert write.call_count == 3 and read.call_count == 2  # the first try and two re-applications
    assert len({c.request.url.params["requestid"] for c in write.calls}) == 3


async def test_other_errors_are_not_treated_as_conflicts(
        upstreams: Upstreams, mock: respx.MockRouter) -> None:
    not_found = {"Fault": {"Error": [{"Message": "Object Not Found", "code": "610"}],
                           "type": "ValidationFault"}}
    write = mock.post(ESTIMATE_URL).respond(400, json=not_found)
    read = mock.get(f"{ESTIMATE_URL}/999").respond(200, json=estimate("999"))
    with pytest.raises(UpstreamNotFound):
        await connector(upstreams).sparse_update("Estimate", "999", {"TxnStatus": "Closed"}, sync_token="0",
                                                 request_id="k")
    assert write.call_count == 1 and read.call_count == 0


async def test_changes_may_not_carry_control_fields(upstreams: Upstreams) -> None:
    with pytest.raises(ValueError, match="SyncToken"):
        await connector(upstreams).sparse_update("Estimate", "101", {"SyncToken": "7"}, request_id="k")


# -- end to end against the simulator ---------------------------------------------------------------

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
SHOP_CUSTOMERS = build_shop().quickbooks_customers


@pytest.fixture
def sim() -> Starlette:
    return create_quickbooks_app(SHOP_CUSTOMERS, sales=build_sales(SHOP_CUSTOMERS), clock=NOW.timestamp,
                                 enforce_rate_limit=False)


async def test_writes_against_the_simulator(sim: Starlette) -> None:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3),
                    transports={"quickbooks": httpx.ASGITransport(app=sim)})
    issued = sim.state.oauth.issue_tokens()
    store = MemoryTokenStore()
    await store.save(f"quickbooks:{REALM}", OAuthToken(
        access_token=SecretStr(issued["access_token"]), refresh_token=SecretStr(issued["refresh_token"]),
        expires_at=datetime.now(UTC) + timedelta(minutes=30)))
    auth = OAuth2RefreshAuth("quickbooks", store, f"quickbooks:{REALM}",
                             token_url=f"{BASE}/oauth2/v1/tokens/bearer", client_id=QUICKBOOKS_CLIENT_ID,
                             client_secret=SecretStr(QUICKBOOKS_CLIENT_SECRET))
    qbo = connector(ups, auth=auth)
    try:
        estimates = sim.state.tables["Estimate"]
        before = len(estimates)
        customer = str(SHOP_CUSTOMERS[0]["Id"])
        item = next(iter(sim.state.tables["Item"]))
        body = {"CustomerRef": {"value": customer},
                "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("300.50"),
                          "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": Decimal("2"),
                                                  "UnitPrice": Decimal("150.25")}}]}
        first = await qbo.create("Estimate", body, request_id="quote-42")
        again = await qbo.create("Estimate", body, request_id="quote-42")
        assert first.external_id == again.external_id and len(estimates) == before + 1
        assert estimates[first.external_id]["TotalAmt"] == Decimal("300.50")
        assert first.data["SyncToken"] == "0"

        # someone else edits the estimate in QuickBooks: its SyncToken moves on to "1"
        status, _ = sim.state.company.write("Estimate", {"Id": first.external_id, "SyncToken": "0",
                                                         "sparse": True, "PrivateNote": "call first"})
        assert status == 200
        reads = sim.state.requests[READ_ROUTE]
        writes = sim.state.requests[WRITE_ROUTE]
        updated = await qbo.sparse_update("Estimate", first.external_id, {"TxnStatus": "Accepted"},
                                          sync_token="0", request_id="accept-42")
        assert sim.state.requests[READ_ROUTE] - reads == 1 and sim.state.requests[WRITE_ROUTE] - writes == 2
        stored = estimates[first.external_id]
        assert stored["TxnStatus"] == "Accepted" and stored["PrivateNote"] == "call first"  # both kept
        assert stored["SyncToken"] == updated.data["SyncToken"] == "2"  # applied once, on the fresh token

        # a resumed call (same request_id) replays the recorded answers and changes nothing
        replay = await qbo.sparse_update("Estimate", first.external_id, {"TxnStatus": "Accepted"},
                                         sync_token="0", request_id="accept-42")
        assert replay.data["SyncToken"] == "2" and estimates[first.external_id]["SyncToken"] == "2"
        assert len(estimates) == before + 1
    finally:
        await ups.aclose()
