"""connectors.quickbooks, sales side: Estimate/Invoice/Payment/Item reads, CustomerRef IN batching,
the batch endpoint (30 a request, bId correlation, per-item faults, requestid), change data capture.

respx plays QBO with saved payloads (tests/connectors/fixtures/quickbooks, drawn from the sandbox seed);
the last tests run the connector against the QuickBooks simulator through httpx.ASGITransport.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr
from starlette.applications import Starlette

from connectors.base import SourceRecord
from connectors.quickbooks import STALE_OBJECT, BatchItem, QuickBooksConnector
from connectors.quickbooks import query as q
from hub.errors import UpstreamBadResponse, UpstreamFatal, UpstreamNotFound
from hub.http import Limit, Upstreams
from hub.http.oauth import MemoryTokenStore, OAuth2RefreshAuth
from hub.http.oauth_types import OAuthToken
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.seed import QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET, QUICKBOOKS_REALM_ID, build_shop
from hub.sandbox.seed_sales import SALES_NOTES, build_sales
from hub.settings import HttpSettings

FIXTURES = Path(__file__).parent / "fixtures" / "quickbooks"
BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = QUICKBOOKS_REALM_ID
QUERY_URL = f"{BASE}/v3/company/{REALM}/query"
BATCH_URL = f"{BASE}/v3/company/{REALM}/batch"
CDC_URL = f"{BASE}/v3/company/{REALM}/cdc"
APP = "https://app.sandbox.qbo.intuit.com"
QUERY_ROUTE = ("GET", "/v3/company/{realm_id}/query")
BATCH_ROUTE = ("POST", "/v3/company/{realm_id}/batch")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def sent_query(request: httpx.Request) -> str:
    return request.url.params["query"]


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content, parse_float=Decimal)


def answer(entity: str, *rows: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"startPosition": 1, "maxResults": len(rows)} if rows else {}
    if rows:
        body[entity] = list(rows)
    return {"QueryResponse": body, "time": "2026-11-02T12:00:00.000-08:00"}


def invoice(id_: str, customer_id: str = "1") -> dict[str, Any]:
    return {"Id": id_, "SyncToken": "0", "CustomerRef": {"value": customer_id}, "TotalAmt": 100,
            "Balance": 40.5, "MetaData": {"LastUpdatedTime": "2026-10-01T10:00:00-07:00"}}


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3))
    yield ups
    await ups.aclose()


def connector(upstreams: Upstreams, *, auth: httpx.Auth | None = None, **kwargs: Any) -> QuickBooksConnector:
    client = upstreams.client("quickbooks", BASE, limits=[Limit(1000, 1.0)], budget_key=f"quickbooks:{REALM}",
                              auth=auth, **QuickBooksConnector.client_options())
    return QuickBooksConnector(client, realm_id=REALM, **kwargs)


async def collect(qbo: QuickBooksConnector, collection: str, **kwargs: Any) -> list[SourceRecord]:
    return [record async for record in qbo.list_records(collection, **kwargs)]


# -- list_records over sales entities --------------------------------------------------------------

@pytest.mark.parametrize(("entity", "statement", "url", "ids"), [
    ("Estimate", "SELECT * FROM Estimate ORDERBY Id", f"{APP}/app/estimate?txnId=101", ["101", "106"]),
    ("Invoice", "SELECT * FROM Invoice ORDERBY Id", f"{APP}/app/invoice?txnId=102", ["102"]),
    ("Payment", "SELECT * FROM Payment ORDERBY Id", f"{APP}/app/recvpayment?txnId=113", ["113"]),
    ("Item", "SELECT * FROM Item WHERE Active IN (true, false) ORDERBY Id", f"{APP}/app/items", ["1", "16"]),
])
async def test_list_records_of_sales_entities(upstreams: Upstreams, mock: respx.MockRouter, entity: str,
                                              statement: str, url: str, ids: list[str]) -> None:
    route = mock.get(QUERY_URL).respond(200, json=fixture(f"query_{entity.lower()}s"))
    records = await collect(connector(upstreams), entity)
    assert sent_query(route.calls[0].request) == f"{statement} STARTPOSITION 1 MAXRESULTS 1000"
    assert [r.external_id for r in records] == ids
    assert (records[0].collection, records[0].url) == (entity, url)
    assert records[0].updated_at is not None and records[0].updated_at.tzinfo is not None
    if entity == "Item":
        assert [r.archived for r in records] == [False, True]  # the discontinued cape


async def test_transactions_filter_since_without_the_active_clause(upstreams: Upstreams,
                                                                   mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=fixture("query_empty"))
    await collect(connector(upstreams), "Invoice", since=datetime(2026, 10, 1, tzinfo=UTC))
    assert sent_query(route.calls[0].request) == (
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-10-01T00:00:00+00:00' ORDERBY Id "
        "STARTPOSITION 1 MAXRESULTS 1000")


async def test_money_is_decimal_and_linked_txn_is_kept(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(QUERY_URL).mock(side_effect=[httpx.Response(200, json=fixture("query_estimates")),
                                          httpx.Response(200, json=fixture("query_invoices")),
                                          httpx.Response(200, json=fixture("query_payments"))])
    qbo = connector(upstreams)
    [converted, _] = await collect(qbo, "Estimate")
    [paid] = await collect(qbo, "Invoice")
    [payment] = await collect(qbo, "Payment")
    # the fixture spells whole amounts as JSON integers ("TotalAmt": 12690, "Balance": 0)
    assert paid.data["TotalAmt"] == Decimal("12690") and isinstance(paid.data["TotalAmt"], Decimal)
    assert paid.data["Balance"] == 0 and isinstance(paid.data["Balance"], Decimal)
    line = converted.data["Line"][0]
    detail = line["SalesItemLineDetail"]
    assert isinstance(line["Amount"], Decimal) and isinstance(detail["UnitPrice"], Decimal)
    assert isinstance(detail["Qty"], Decimal) and line["Amount"] == detail["Qty"] * detail["UnitPrice"]
    assert isinstance(converted.data["TxnTaxDetail"]["TotalTax"], Decimal)
    assert converted.data["LinkedTxn"] == [{"TxnId": "102", "TxnType": "Invoice"}]
    assert paid.data["LinkedTxn"] == [{"TxnId": "101", "TxnType": "Estimate"},
                                      {"TxnId": "113", "TxnType": "Payment"}]
    assert payment.data["Line"][0]["LinkedTxn"] == [{"TxnId": "102", "TxnType": "Invoice"}]
    assert sum(ln["Amount"] for ln in payment.data["Line"]) == payment.data["TotalAmt"]
    assert converted.data["TxnStatus"] == "Closed" and converted.data["CustomerRef"]["value"] == "19"
    assert all(not isinstance(v, float) for v in _leaves(paid.data))


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


# -- by_customers -----------------------------------------------------------------------------------

async def test_by_customers_40_customers_is_one_request(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=answer("Invoice", invoice("201", "3"), invoice("202", "7")))
    customers = [str(i) for i in range(1, 41)]
    records = await connector(upstreams).by_customers("Invoice", customers)
    assert route.call_count == 1
    in_list = ", ".join(f"'{i}'" for i in customers)
    assert sent_query(route.calls[0].request) == (
        f"SELECT * FROM Invoice WHERE CustomerRef IN ({in_list}) ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000")
    assert [(r.external_id, r.data["CustomerRef"]["value"]) for r in records] == [("201", "3"), ("202", "7")]
    assert isinstance(records[0].data["Balance"], Decimal) and records[0].data["Balance"] == Decimal("40.5")


async def test_by_customers_chunks_by_ids_per_request(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=fixture("query_empty"))
    assert await connector(upstreams).by_customers("Estimate", [str(i) for i in range(1, 251)]) == []
    assert route.call_count == 3  # 100 + 100 + 50, not 250
    sizes = sorted(len(re.findall(r"'\d+'", sent_query(c.request))) for c in route.calls)
    assert sizes == [50, 100, 100]
    assert await connector(upstreams).by_customers("Estimate", []) == [] and route.call_count == 3


async def test_by_customers_pages_past_one_page(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).mock(side_effect=[
        httpx.Response(200, json=answer("Estimate", invoice("101"), invoice("102"))),
        httpx.Response(200, json=answer("Estimate", invoice("103"), invoice("104"))),
        httpx.Response(200, json=answer("Estimate", invoice("105")))])
    records = await connector(upstreams, page_size=2).by_customers("Estimate", ["1", "2"])
    assert [r.external_id for r in records] == ["101", "102", "103", "104", "105"]
    assert [re.search(r"STARTPOSITION \d+ MAXRESULTS \d+$", sent_query(c.request)).group()  # type: ignore[union-attr]
            for c in route.calls] == ["STARTPOSITION 1 MAXRESULTS 2", "STARTPOSITION 3 MAXRESULTS 2",
                                      "STARTPOSITION 5 MAXRESULTS 2"]


async def test_by_customers_refuses_name_lists(upstreams: Upstreams) -> None:
    with pytest.raises(ValueError, match="not a customer document"):
        await connector(upstreams).by_customers("Item", ["1"])


# -- batch ------------------------------------------------------------------------------------------

def _batch_echo(request: httpx.Request) -> httpx.Response:
    """Answers each Query item with one Invoice, in reverse order (bId matching, not position)."""
    items = sent_json(request)["BatchItemRequest"]
    answers = [{"bId": i["bId"], "QueryResponse": {"Invoice": [invoice(i["bId"][1:])]}} for i in items]
    return httpx.Response(200, json={"BatchItemResponse": answers[::-1], "time": "2026-11-02T12:00:00-08:00"})


async def test_batch_of_45_queries_is_two_requests(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.post(BATCH_URL).mock(side_effect=_batch_echo)
    items = [BatchItem.query_of(f"q{n}", q.select("Invoice", [q.id_in([str(n)])])) for n in range(1, 46)]
    results = await connector(upstreams).batch(items)
    assert route.call_count == 2
    assert sorted(len(sent_json(c.request)["BatchItemRequest"]) for c in route.calls) == [15, 30]
    assert [r.bid for r in results] == [f"q{n}" for n in range(1, 46)]
    assert all(r.ok and r.entity == "Invoice" and [x.external_id for x in r.records] == [r.bid[1:]]
               for r in results)
    for call in route.calls:  # pure queries: no requestid needed, retried as a read
        assert "requestid" not in call.request.url.params
        assert call.request.url.params["minorversion"] == "75"
        assert call.request.headers["Content-Type"] == "application/json"


async def test_batch_maps_each_items_fault(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.post(BATCH_URL).respond(200, json=fixture("batch_mixed"))
    items = [
        BatchItem.query_of("quotes", "SELECT * FROM Estimate WHERE Id IN ('101')"),
        BatchItem.write("create", "Estimate", "create", {"CustomerRef": {"value": "36"}, "Line": []}),
        BatchItem.write("stale", "Estimate", "update", {"Id": "106", "SyncToken": "0", "sparse": True}),
        BatchItem.write("missing", "Invoice", "update", {"Id": "999", "SyncToken": "0", "sparse": True}),
        BatchItem.write("del", "Invoice", "delete", {"Id": "120", "SyncToken": "1"}),
        BatchItem.query_of("lost", "SELECT * FROM Payment"),
    ]
    quotes, created, stale, missing, deleted, lost = await connector(upstreams).batch(items)
    assert route.call_count == 1
    assert quotes.ok and quotes.records[0].data["LinkedTxn"] == [{"TxnId": "102", "TxnType": "Invoice"}]
    assert created.ok and created.records[0].external_id == "260"
    assert created.records[0].url == f"{APP}/app/estimate?txnId=260"
    assert isinstance(stale.error, UpstreamFatal) and stale.error.vendor_code == STALE_OBJECT
    assert "Stale Object Error" in str(stale.error) and stale.records == []
    assert isinstance(missing.error, UpstreamNotFound) and missing.error.vendor_code == "610"
    assert deleted.ok and deleted.records[0].archived and deleted.records[0].extra == {"deleted": True}
    assert isinstance(lost.error, UpstreamBadResponse) and "lost" in str(lost.error)


async def test_batch_with_writes_carries_a_stable_requestid(upstreams: Upstreams,
                                                           mock: respx.MockRouter) -> None:
    ok = {"BatchItemResponse": [{"bId": "c1", "Estimate": {"Id": "300", "SyncToken": "0"}}], "time": "t"}
    route = mock.post(BATCH_URL).mock(side_effect=[
        httpx.Response(503, text="unavailable"), httpx.Response(200, json=ok), httpx.Response(200, json=ok),
        httpx.Response(200, json=ok)])
    line = {"Amount": Decimal("2400.00"), "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": Decimal("1"),
                                    "UnitPrice": Decimal("2400.00")}}
    items = [BatchItem.write("c1", "Estimate", "create", {"CustomerRef": {"value": "3"}, "Line": [line]})]
    qbo = connector(upstreams)
    [result] = await qbo.batch(items)
    assert result.ok and route.call_count == 2  # a write with a requestid is safe to retry
    first, retried = (c.request.url.params["requestid"] for c in route.calls)
    assert first == retried and len(first) <= 50
    await qbo.batch(items)  # the same items later (an outbox resume): the same key
    assert route.calls[2].request.url.params["requestid"] == first
    await qbo.batch(items, request_id="outbox-7")  # a caller that means a second, identical write
    assert route.calls[3].request.url.params["requestid"] != first
    sent = sent_json(route.calls[0].request)["BatchItemRequest"][0]
    assert sent["operation"] == "create" and sent["Estimate"]["Line"][0]["Amount"] == Decimal("2400")


async def test_batch_refuses_bad_items(upstreams: Upstreams) -> None:
    with pytest.raises(ValueError, match="duplicate batch bId"):
        await connector(upstreams).batch([BatchItem.query_of("a", "SELECT * FROM Item")] * 2)
    with pytest.raises(ValueError, match="needs the entity's Id"):
        BatchItem.write("u", "Estimate", "update", {"SyncToken": "0"})
    with pytest.raises(ValueError, match="either a query or an operation"):
        BatchItem(bid="x")


# -- change data capture ----------------------------------------------------------------------------

async def test_cdc_returns_changes_and_deleted(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(CDC_URL).respond(200, json=fixture("cdc_changes"))
    since = datetime(2026, 11, 1, 12, 0, 0, 500, tzinfo=UTC)
    changes = await connector(upstreams).cdc(["Estimate", "Invoice", "Customer"], since)
    assert route.call_count == 1
    params = route.calls[0].request.url.params
    assert params["entities"] == "Estimate,Invoice,Customer"
    assert params["changedSince"] == "2026-11-01T12:00:00+00:00"
    assert list(changes) == ["Estimate", "Invoice", "Customer"] and changes["Customer"] == []
    [estimate] = changes["Estimate"]
    assert (estimate.external_id, estimate.archived) == ("219", False)
    assert estimate.url == f"{APP}/app/estimate?txnId=219"
    assert isinstance(estimate.data["TotalAmt"], Decimal)
    [gone] = changes["Invoice"]
    assert (gone.external_id, gone.archived, gone.extra) == ("120", True, {"deleted": True})
    assert gone.updated_at == datetime(2026, 11, 2, 19, 50, tzinfo=UTC)


async def test_cdc_malformed_answer(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(CDC_URL).respond(200, json={"CDCResponse": []})
    with pytest.raises(UpstreamBadResponse, match="CDCResponse"):
        await connector(upstreams).cdc(["Invoice"], datetime(2026, 11, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        await connector(upstreams).cdc(["Invoice"], datetime(2026, 11, 1))


# -- end to end against the simulator ---------------------------------------------------------------

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
SHOP_CUSTOMERS = build_shop().quickbooks_customers
SALES = build_sales(SHOP_CUSTOMERS)


@pytest.fixture
def sim() -> Starlette:
    return create_quickbooks_app(SHOP_CUSTOMERS, sales=SALES, clock=NOW.timestamp, enforce_rate_limit=False)


@pytest.fixture
async def live(sim: Starlette) -> AsyncIterator[Upstreams]:
    ups = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0, max_attempts=3),
                    transports={"quickbooks": httpx.ASGITransport(app=sim)})
    yield ups
    await ups.aclose()


async def live_connector(sim: Starlette, upstreams: Upstreams, **kwargs: Any) -> QuickBooksConnector:
    issued = sim.state.oauth.issue_tokens()
    store = MemoryTokenStore()
    await store.save(f"quickbooks:{REALM}", OAuthToken(
        access_token=SecretStr(issued["access_token"]), refresh_token=SecretStr(issued["refresh_token"]),
        expires_at=datetime.now(UTC) + timedelta(minutes=30)))
    auth = OAuth2RefreshAuth("quickbooks", store, f"quickbooks:{REALM}",
                             token_url=f"{BASE}/oauth2/v1/tokens/bearer", client_id=QUICKBOOKS_CLIENT_ID,
                             client_secret=SecretStr(QUICKBOOKS_CLIENT_SECRET))
    return connector(upstreams, auth=auth, **kwargs)


async def test_against_the_simulator(sim: Starlette, live: Upstreams) -> None:
    qbo = await live_connector(sim, live)
    customers = [str(c["Id"]) for c in SHOP_CUSTOMERS]
    counts = SALES_NOTES["counts"]
    for entity, expected in (("Estimate", counts["estimates"]), ("Invoice", counts["invoices"]),
                             ("Payment", counts["payments"])):
        records = await qbo.by_customers(entity, customers)
        assert len(records) == expected
    assert sim.state.requests[QUERY_ROUTE] == 3  # one per level for all 54 customers
    invoices = {r.external_id: r for r in await qbo.by_customers("Invoice", customers)}
    converted = SALES_NOTES["converted_estimate"]
    links = invoices[converted["invoice_id"]].data["LinkedTxn"]
    assert {"TxnId": converted["id"], "TxnType": "Estimate"} in links
    for record in invoices.values():
        assert isinstance(record.data["Balance"], Decimal) and isinstance(record.data["TotalAmt"], Decimal)
    items = await collect(qbo, "Item")
    assert len(items) == counts["items"] and [i.external_id for i in items if i.archived] == ["16"]

    # paging one busy customer's estimates and invoices with a small page
    small = await live_connector(sim, live, page_size=5)
    before = sim.state.requests[QUERY_ROUTE]
    busy = SALES_NOTES["busy_customer_id"]
    docs = [*await small.by_customers("Estimate", [busy]), *await small.by_customers("Invoice", [busy])]
    assert len(docs) == SALES_NOTES["busy_customer_documents"] >= 12
    pages = sum(n // 5 + 1 for n in (sum(r.collection == e for r in docs) for e in ("Estimate", "Invoice")))
    assert sim.state.requests[QUERY_ROUTE] - before == pages


async def test_batch_and_cdc_against_the_simulator(sim: Starlette, live: Upstreams) -> None:
    qbo = await live_connector(sim, live)
    unpaid = SALES_NOTES["unpaid_invoice_ids"][0]
    stale_id = SALES.estimates[0]["Id"]
    items = [BatchItem.query_of(f"q{n}", q.select("Invoice", [q.id_in([str(100 + n)])])) for n in range(43)]
    items += [
        BatchItem.write("stale", "Estimate", "update", {"Id": stale_id, "SyncToken": "99", "sparse": True}),
        BatchItem.write("del", "Invoice", "delete",
                        {"Id": unpaid, "SyncToken": sim.state.tables["Invoice"][unpaid]["SyncToken"]}),
    ]
    results = {r.bid: r for r in await qbo.batch(items)}
    assert sim.state.requests[BATCH_ROUTE] == 2 and len(results) == 45
    assert isinstance(results["stale"].error, UpstreamFatal) and results["stale"].error.vendor_code == "5010"
    assert results["del"].ok and results["del"].records[0].extra == {"deleted": True}
    assert [r.external_id for r in results["q2"].records] == ["102"]
    assert unpaid not in sim.state.tables["Invoice"]
    assert len(sim.state.api.idempotent) == 1  # the chunk with writes went with a requestid

    changes = await qbo.cdc(["Invoice", "Customer"], NOW - timedelta(hours=1))
    deleted = [(r.external_id, r.archived, r.extra) for r in changes["Invoice"]]
    assert deleted == [(unpaid, True, {"deleted": True})]
    assert changes["Customer"] == []
