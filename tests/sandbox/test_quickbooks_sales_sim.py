"""The QuickBooks simulator's sales documents through HTTP: queries and paging, reads, Estimate/Invoice
writes (idempotency, sparse updates, stale SyncTokens), the batch endpoint, change data capture, and the
rate limits and fault knobs on the new routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.seed import QUICKBOOKS_REALM_ID, build_shop
from hub.sandbox.seed_sales import SALES_NOTES, Sales, build_sales

BASE = f"/v3/company/{QUICKBOOKS_REALM_ID}"
NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)  # the day after the books' "as of" date
SHOP_CUSTOMERS = build_shop().quickbooks_customers
SALES = build_sales(SHOP_CUSTOMERS)
BUSY = SALES_NOTES["busy_customer_id"]
GOWN = {"value": "1", "name": "Custom Victorian Gown"}


class Clock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Starlette:
    return create_quickbooks_app(SHOP_CUSTOMERS, sales=SALES, clock=clock)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://qbo.test") as c:
        c.headers.update(
            {
                "Authorization": f"Bearer {app.state.oauth.issue_tokens()['access_token']}",
                "Accept": "application/json",
            }
        )
        yield c


def body(response: httpx.Response) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(response.text, parse_float=Decimal)
    return parsed


async def query(client: httpx.AsyncClient, statement: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/query", params={"query": statement, "minorversion": "75"})
    assert response.status_code == 200, response.text
    return body(response)["QueryResponse"]


async def post(client: httpx.AsyncClient, path: str, payload: Any, **params: str) -> httpx.Response:
    return await client.post(f"{BASE}/{path}", params={"minorversion": "75", **params}, json=payload)


def estimate_body(customer_id: str = BUSY, qty: int = 2) -> dict[str, Any]:
    return {
        "CustomerRef": {"value": customer_id},
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": 2400 * qty,
                "SalesItemLineDetail": {"ItemRef": GOWN, "Qty": qty, "UnitPrice": 2400},
            }
        ],
        "TxnTaxDetail": {"TotalTax": 120.5},
    }


# --- queries and reads ------------------------------------------------------------------------------


async def test_customer_ref_in_and_date_filters(client: httpx.AsyncClient) -> None:
    found = await query(
        client, f"SELECT * FROM Estimate WHERE CustomerRef IN ('{BUSY}', '54') MAXRESULTS 1000"
    )
    expected = {e["Id"] for e in SALES.estimates if e["CustomerRef"]["value"] in {BUSY, "54"}}
    assert {e["Id"] for e in found["Estimate"]} == expected and len(expected) > 5
    overdue = await query(
        client, "SELECT * FROM Invoice WHERE Balance > '0' AND DueDate < '2026-11-01' MAXRESULTS 1000"
    )
    assert sorted(i["Id"] for i in overdue["Invoice"]) == sorted(SALES_NOTES["overdue_invoice_ids"])
    balances = {i["Id"]: i["Balance"] for i in SALES.invoices}
    assert all(
        Decimal(str(i["Balance"])) == balances[i["Id"]] for i in overdue["Invoice"]
    )  # exact on the wire
    since = "2026-10-01T00:00:00-07:00"
    recent = await query(
        client, f"SELECT * FROM Payment WHERE MetaData.LastUpdatedTime >= '{since}' MAXRESULTS 1000"
    )
    expected = {p["Id"] for p in SALES.payments if p["MetaData"]["LastUpdatedTime"] >= "2026-10-01"}
    assert {p["Id"] for p in recent["Payment"]} == expected and expected
    one = await query(client, "SELECT * FROM Invoice WHERE DocNumber = '1001'")
    assert [i["DocNumber"] for i in one["Invoice"]] == ["1001"]
    count = await query(client, f"SELECT COUNT(*) FROM Invoice WHERE CustomerRef = '{BUSY}'")
    assert count == {"totalCount": sum(1 for i in SALES.invoices if i["CustomerRef"]["value"] == BUSY)}


async def test_paging_one_customers_documents(app: Starlette, client: httpx.AsyncClient) -> None:
    seen: list[str] = []
    start = 1
    while True:
        page = await query(
            client, f"SELECT * FROM Estimate WHERE CustomerRef = '{BUSY}' STARTPOSITION {start} MAXRESULTS 3"
        )
        seen += [e["Id"] for e in page.get("Estimate", [])]
        if len(page.get("Estimate", [])) < 3:
            break
        start += 3
    expected = sorted((e["Id"] for e in SALES.estimates if e["CustomerRef"]["value"] == BUSY), key=int)
    assert seen == expected and len(expected) > 6
    assert app.state.requests[("GET", "/v3/company/{realm_id}/query")] == len(expected) // 3 + 1


async def test_items_hide_inactive_unless_asked(client: httpx.AsyncClient) -> None:
    active = await query(client, "SELECT * FROM Item")
    assert len(active["Item"]) == len(SALES.items) - 1
    retired = await query(client, "SELECT * FROM Item WHERE Active = false")
    assert [i["Id"] for i in retired["Item"]] == SALES_NOTES["inactive_item_ids"]


async def test_bad_property_is_a_validation_fault(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/query", params={"query": "SELECT * FROM Estimate WHERE Memo = 'x'"})
    assert response.status_code == 400 and body(response)["Fault"]["Error"][0]["code"] == "4001"


@pytest.mark.parametrize(
    ("path", "entity", "entity_id"),
    [
        ("estimate", "Estimate", SALES.estimates[0]["Id"]),
        ("invoice", "Invoice", SALES.invoices[0]["Id"]),
        ("payment", "Payment", SALES.payments[0]["Id"]),
        ("item", "Item", "1"),
    ],
)
async def test_read_by_id(
    app: Starlette, client: httpx.AsyncClient, path: str, entity: str, entity_id: str
) -> None:
    response = await client.get(f"{BASE}/{path}/{entity_id}", params={"minorversion": "75"})
    assert response.status_code == 200 and response.headers["intuit_tid"]
    assert body(response)[entity]["Id"] == entity_id
    missing = await client.get(f"{BASE}/{path}/999999")
    assert missing.status_code == 400 and body(missing)["Fault"]["Error"][0]["code"] == "610"
    assert app.state.requests[("GET", f"/v3/company/{{realm_id}}/{path}/{{entity_id}}")] == 2


# --- writes -----------------------------------------------------------------------------------------


async def test_create_estimate_is_priced_and_idempotent(app: Starlette, client: httpx.AsyncClient) -> None:
    first = await post(client, "estimate", estimate_body(), requestid="req-est-1")
    again = await post(client, "estimate", estimate_body(), requestid="req-est-1")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    created = body(first)["Estimate"]
    assert len(app.state.tables["Estimate"]) == len(SALES.estimates) + 1
    assert created["TxnStatus"] == "Pending" and created["SyncToken"] == "0"
    assert created["DocNumber"] == f"E-{1001 + len(SALES.estimates)}"
    assert int(created["Id"]) > max(
        int(d["Id"]) for d in [*SALES.estimates, *SALES.invoices, *SALES.payments]
    )
    assert created["Line"][-1] == {
        "Amount": Decimal("4800"),
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    assert created["TotalAmt"] == Decimal("4920.5") and created["CustomerRef"]["name"]
    assert created["TxnDate"] == "2026-11-02" and created["MetaData"]["CreateTime"].startswith(
        "2026-11-02T12:00:00"
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"CustomerRef": {"value": "9999"}}, "2500"),
        ({"CustomerRef": None}, "2020"),
        ({"Line": []}, "2020"),
        (
            {
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 5,
                        "SalesItemLineDetail": {"ItemRef": {"value": "99"}},
                    }
                ]
            },
            "2500",
        ),
        (
            {
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": 100,
                        "SalesItemLineDetail": {"ItemRef": GOWN, "Qty": 1, "UnitPrice": 2400},
                    }
                ]
            },
            "6070",
        ),
        ({"TxnStatus": "Maybe"}, "2010"),
    ],
)
async def test_invalid_estimates_are_refused(
    app: Starlette, client: httpx.AsyncClient, change: dict[str, Any], code: str
) -> None:
    response = await post(client, "estimate", {**estimate_body(), **change})
    assert response.status_code == 400 and body(response)["Fault"]["Error"][0]["code"] == code
    assert len(app.state.tables["Estimate"]) == len(SALES.estimates)


async def test_sparse_update_and_stale_sync_token(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    pending = SALES_NOTES["estimates_by_status"]["Pending"][-1]
    token = app.state.tables["Estimate"][pending]["SyncToken"]
    clock.advance(60)
    accept = {
        "Id": pending,
        "SyncToken": token,
        "sparse": True,
        "TxnStatus": "Accepted",
        "AcceptedBy": "Renata Hale",
    }
    response = await post(client, "estimate", accept)
    assert response.status_code == 200, response.text
    updated = body(response)["Estimate"]
    assert updated["TxnStatus"] == "Accepted" and updated["SyncToken"] == str(int(token) + 1)
    assert updated["Line"] == body(await client.get(f"{BASE}/estimate/{pending}"))["Estimate"]["Line"]
    stale = await post(client, "estimate", {**accept, "TxnStatus": "Rejected"})
    assert stale.status_code == 400 and body(stale)["Fault"]["Error"][0]["code"] == "5010"
    assert app.state.tables["Estimate"][pending]["TxnStatus"] == "Accepted"


async def test_invoice_from_estimate_links_both_ways_and_moves_the_balance(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    accepted = SALES_NOTES["estimates_by_status"]["Accepted"][0]
    estimate = app.state.tables["Estimate"][accepted]
    customer_id = estimate["CustomerRef"]["value"]
    before = app.state.customers[customer_id]["Balance"]
    lines = [line for line in estimate["Line"] if line["DetailType"] == "SalesItemLineDetail"]
    payload = {"CustomerRef": {"value": customer_id}, "Line": json.loads(json.dumps(lines, default=str)),
               "LinkedTxn": [{"TxnId": accepted, "TxnType": "Estimate"}]}  # fmt: skip
    response = await post(client, "invoice", payload, requestid="inv-from-est")
    assert response.status_code == 200, response.text
    invoice = body(response)["Invoice"]
    assert invoice["LinkedTxn"] == [{"TxnId": accepted, "TxnType": "Estimate"}]
    assert invoice["Balance"] == invoice["TotalAmt"] == estimate["Line"][-1]["Amount"]
    assert invoice["DueDate"] == "2026-12-02" and invoice["DocNumber"] == str(1001 + len(SALES.invoices))
    closed = body(await client.get(f"{BASE}/estimate/{accepted}"))["Estimate"]
    assert closed["TxnStatus"] == "Closed" and closed["LinkedTxn"] == [
        {"TxnId": invoice["Id"], "TxnType": "Invoice"}
    ]
    assert app.state.customers[customer_id]["Balance"] == before + invoice["TotalAmt"]


async def test_invoice_update_keeps_payments_and_balance(app: Starlette, client: httpx.AsyncClient) -> None:
    invoice_id = SALES_NOTES["partly_paid_invoice_ids"][0]
    current = app.state.tables["Invoice"][invoice_id]
    customer_id = current["CustomerRef"]["value"]
    paid = current["TotalAmt"] - current["Balance"]
    before = app.state.customers[customer_id]["Balance"]
    extra = {
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "9"}, "Qty": 1},
    }
    lines = json.loads(json.dumps(current["Line"], default=str)) + [extra]
    payload = {"Id": invoice_id, "SyncToken": current["SyncToken"], "sparse": True, "Line": lines}
    response = await post(client, "invoice", payload)
    assert response.status_code == 200, response.text
    updated = body(response)["Invoice"]
    assert updated["TotalAmt"] == current["TotalAmt"] + Decimal("95")  # one fitting session
    assert updated["Balance"] == updated["TotalAmt"] - paid
    assert [t for t in updated["LinkedTxn"] if t["TxnType"] == "Payment"] == [
        t for t in current["LinkedTxn"] if t["TxnType"] == "Payment"
    ]
    assert app.state.customers[customer_id]["Balance"] == before + Decimal("95")
    refused = await post(
        client, "invoice", {"Id": invoice_id, "SyncToken": updated["SyncToken"]}, operation="delete"
    )
    assert refused.status_code == 400 and body(refused)["Fault"]["Error"][0]["code"] == "6000"


# --- batch ------------------------------------------------------------------------------------------


async def test_batch_queries_and_writes_with_per_item_faults(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    stale_id = SALES.invoices[0]["Id"]
    items = [
        {"bId": "q1", "Query": f"SELECT * FROM Estimate WHERE CustomerRef = '{BUSY}'"},
        {"bId": "q2", "Query": "SELECT * FROM Invoice WHERE Id IN ('101', '102', '103')"},
        {"bId": "c1", "operation": "create", "Estimate": estimate_body(qty=1)},
        {"bId": "u1", "operation": "update", "Invoice": {"Id": stale_id, "SyncToken": "99", "sparse": True}},
        {"bId": "q3", "Query": "SELECT * FROM Nothing"},
        {"bId": "d1", "operation": "delete", "Customer": {"Id": BUSY, "SyncToken": "0"}},
    ]
    response = await post(client, "batch", {"BatchItemRequest": items})
    assert response.status_code == 200, response.text
    answers = {a["bId"]: a for a in body(response)["BatchItemResponse"]}
    assert [a["bId"] for a in body(response)["BatchItemResponse"]] == ["q1", "q2", "c1", "u1", "q3", "d1"]
    assert {e["CustomerRef"]["value"] for e in answers["q1"]["QueryResponse"]["Estimate"]} == {BUSY}
    assert [i["Id"] for i in answers["q2"]["QueryResponse"].get("Invoice", [])] == [
        i["Id"] for i in SALES.invoices if i["Id"] in {"101", "102", "103"}
    ]
    assert answers["c1"]["Estimate"]["TotalAmt"] == Decimal("2520.5")
    assert (
        answers["u1"]["Fault"]["Error"][0]["code"] == "5010"
        and answers["u1"]["Fault"]["type"] == "ValidationFault"
    )
    assert answers["q3"]["Fault"]["Error"][0]["code"] == "4001"
    assert answers["d1"]["Fault"]["Error"][0]["code"] == "2010" and BUSY in app.state.customers
    assert app.state.requests[("POST", "/v3/company/{realm_id}/batch")] == 1
    assert len(app.state.tables["Estimate"]) == len(SALES.estimates) + 1


async def test_batch_limits(app: Starlette, client: httpx.AsyncClient) -> None:
    thirty = [{"bId": str(n), "Query": "SELECT COUNT(*) FROM Item"} for n in range(30)]
    ok = await post(client, "batch", {"BatchItemRequest": thirty})
    assert ok.status_code == 200 and len(body(ok)["BatchItemResponse"]) == 30
    too_many = await post(
        client, "batch", {"BatchItemRequest": [*thirty, {"bId": "31", "Query": "SELECT * FROM Item"}]}
    )
    assert too_many.status_code == 400
    assert body(too_many)["Fault"]["Error"][0]["element"] == "BatchItemRequest"
    no_bid = await post(client, "batch", {"BatchItemRequest": [{"Query": "SELECT * FROM Item"}]})
    assert body(no_bid)["BatchItemResponse"][0]["Fault"]["Error"][0]["code"] == "2020"
    empty = await post(client, "batch", {})
    assert empty.status_code == 400


async def test_batch_create_is_idempotent_with_requestid(app: Starlette, client: httpx.AsyncClient) -> None:
    batch = {"BatchItemRequest": [{"bId": "c1", "operation": "create", "Estimate": estimate_body()}]}
    first = await post(client, "batch", batch, requestid="batch-1")
    second = await post(client, "batch", batch, requestid="batch-1")
    assert first.json() == second.json()
    assert len(app.state.tables["Estimate"]) == len(SALES.estimates) + 1


async def test_batch_has_its_own_per_minute_limit(clock: Clock) -> None:
    app = create_quickbooks_app(SHOP_CUSTOMERS, sales=SALES, clock=clock, batch_per_minute=2)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        client.headers["Authorization"] = f"Bearer {app.state.oauth.issue_tokens()['access_token']}"
        batch = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT COUNT(*) FROM Item"}]}
        for _ in range(2):
            assert (await post(client, "batch", batch)).status_code == 200
            clock.advance(5)
        throttled = await post(client, "batch", batch)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "50"
        assert throttled.json()["fault"]["error"][0]["code"] == "3001"
        assert (await query(client, "SELECT COUNT(*) FROM Item")) == {"totalCount": len(SALES.items) - 1}
        clock.advance(50)
        assert (await post(client, "batch", batch)).status_code == 200


# --- change data capture ----------------------------------------------------------------------------


async def test_cdc_returns_changes_and_deletes(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    since = (NOW - timedelta(days=20)).isoformat()
    response = await client.get(
        f"{BASE}/cdc", params={"entities": "Estimate,Invoice,Customer", "changedSince": since}
    )
    assert response.status_code == 200, response.text
    groups = body(response)["CDCResponse"][0]["QueryResponse"]
    assert len(groups) == 3
    threshold = NOW - timedelta(days=20)
    for group, entity, seeded in zip(
        groups,
        ("Estimate", "Invoice", "Customer"),
        (SALES.estimates, SALES.invoices, SHOP_CUSTOMERS),
        strict=True,
    ):
        expected = [
            r["Id"] for r in seeded if datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]) >= threshold
        ]
        got = [r["Id"] for r in group.get(entity, [])]
        assert sorted(got) == sorted(expected)
        assert group == {} if not expected else group["maxResults"] == len(expected)
    assert groups[0]["Estimate"] and groups[2] == {}  # the customers last changed in March
    clock.advance(600)
    response = await post(client, "estimate", estimate_body())
    assert response.status_code == 200, response.text
    created = body(response)["Estimate"]
    unpaid = next(i for i in SALES_NOTES["unpaid_invoice_ids"] if i not in SALES_NOTES["direct_invoice_ids"])
    quote = app.state.tables["Invoice"][unpaid]["LinkedTxn"][0]["TxnId"]  # the estimate it was copied from
    token = app.state.tables["Invoice"][unpaid]["SyncToken"]
    deleted = await post(client, "invoice", {"Id": unpaid, "SyncToken": token}, operation="delete")
    assert body(deleted)["Invoice"] == {"status": "Deleted", "domain": "QBO", "Id": unpaid}
    later = (NOW + timedelta(minutes=5)).isoformat()
    changes = body(
        await client.get(f"{BASE}/cdc", params={"entities": "estimate,Invoice", "changedSince": later})
    )
    estimates, invoices = changes["CDCResponse"][0]["QueryResponse"]
    touched = {e["Id"]: e for e in estimates["Estimate"]}
    assert set(touched) == {created["Id"], quote}
    assert touched[quote]["LinkedTxn"] == [] and touched[quote]["TxnStatus"] == "Accepted"
    assert invoices["Invoice"][-1]["status"] == "Deleted" and invoices["Invoice"][-1]["Id"] == unpaid


@pytest.mark.parametrize(
    ("params", "element"),
    [
        ({"entities": "Estimate", "changedSince": (NOW - timedelta(days=31)).isoformat()}, "changedSince"),
        ({"entities": "Estimate,Widget", "changedSince": NOW.isoformat()}, "entities"),
        ({"entities": "", "changedSince": NOW.isoformat()}, "entities"),
        ({"entities": "Estimate", "changedSince": "last tuesday"}, ""),
    ],
)
async def test_cdc_refuses_bad_requests(
    client: httpx.AsyncClient, params: dict[str, str], element: str
) -> None:
    response = await client.get(f"{BASE}/cdc", params=params)
    assert response.status_code == 400
    assert body(response)["Fault"]["Error"][0]["element"] == element


async def test_cdc_stops_at_1000_objects(clock: Clock) -> None:
    stamp = (NOW - timedelta(days=1)).isoformat()
    items = [
        {"Id": str(n), "Name": f"Button {n}", "Active": True, "Type": "NonInventory",
         "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp}}
        for n in range(1, 1101)
    ]  # fmt: skip
    app = create_quickbooks_app(SHOP_CUSTOMERS[:2], sales=Sales(items, [], [], []), clock=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        client.headers["Authorization"] = f"Bearer {app.state.oauth.issue_tokens()['access_token']}"
        params = {"entities": "Item,Estimate", "changedSince": (NOW - timedelta(days=2)).isoformat()}
        groups = body(await client.get(f"{BASE}/cdc", params=params))["CDCResponse"][0]["QueryResponse"]
        assert len(groups[0]["Item"]) == 1000 and groups[1] == {}


# --- the gate applies to the new routes -------------------------------------------------------------


async def test_faults_and_throttle_cover_the_new_routes(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    app.state.faults.set(outage=True)
    for response in [
        await client.get(f"{BASE}/estimate/{SALES.estimates[0]['Id']}"),
        await post(client, "batch", {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM Item"}]}),
        await client.get(f"{BASE}/cdc", params={"entities": "Item", "changedSince": NOW.isoformat()}),
        await post(client, "invoice", {}),
    ]:
        assert response.status_code == 503 and response.json()["Fault"]["type"] == "SystemFault"
    app.state.faults.set(outage=False)
    batch = {"BatchItemRequest": [{"bId": str(n), "Query": "SELECT COUNT(*) FROM Item"} for n in range(30)]}
    statuses = [(await post(client, "batch", batch)).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]  # a batch of 30 counts as one call against 10 a second
    unauthenticated = await client.get(f"{BASE}/invoice/101", headers={"Authorization": "Bearer nope"})
    assert unauthenticated.status_code == 401


async def test_full_update_clears_what_it_leaves_out(app: Starlette, client: httpx.AsyncClient) -> None:
    rejected = SALES_NOTES["estimates_by_status"]["Rejected"][0]
    current = app.state.tables["Estimate"][rejected]
    payload = {
        "Id": rejected,
        "SyncToken": current["SyncToken"],
        **estimate_body(current["CustomerRef"]["value"]),
    }
    response = await post(client, "estimate", payload)
    assert response.status_code == 200, response.text
    replaced = body(response)["Estimate"]
    assert "ExpirationDate" not in replaced and "CustomerMemo" not in replaced
    assert replaced["TxnStatus"] == "Pending" and replaced["TotalAmt"] == Decimal("4920.5")
    assert replaced["MetaData"]["CreateTime"] == current["MetaData"]["CreateTime"]


def test_default_app_serves_the_seeded_books() -> None:
    app = create_quickbooks_app()
    counts = SALES_NOTES["counts"]
    assert {e: len(app.state.tables[e]) for e in ("Item", "Estimate", "Invoice", "Payment")} == {
        "Item": counts["items"],
        "Estimate": counts["estimates"],
        "Invoice": counts["invoices"],
        "Payment": counts["payments"],
    }
