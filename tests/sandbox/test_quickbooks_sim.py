"""The QuickBooks Online simulator through HTTP: Intuit's OAuth handshake, the query endpoint, writes,
throttling and the fault knobs."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from hub.sandbox.faults import Faults
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.quickbooks_query import QueryError, execute_query
from hub.sandbox.seed import QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET, QUICKBOOKS_REALM_ID

REALM = QUICKBOOKS_REALM_ID
BASE = f"/v3/company/{REALM}"
BASIC = "Basic " + base64.b64encode(f"{QUICKBOOKS_CLIENT_ID}:{QUICKBOOKS_CLIENT_SECRET}".encode()).decode()
REDIRECT = "https://hub.example/callback/quickbooks"


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_775_000_000.0) -> None:  # 2026-03-31
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def customer(
    id_: str,
    name: str,
    *,
    updated: str = "2026-01-10T09:00:00-08:00",
    active: bool = True,
    email: str | None = None,
    balance: str = "0.00",
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "Id": id_,
        "SyncToken": "0",
        "DisplayName": name,
        "CompanyName": name,
        "Active": active,
        "Balance": Decimal(balance),
        "MetaData": {"CreateTime": "2026-01-02T09:00:00-08:00", "LastUpdatedTime": updated},
    }
    if email:
        record["PrimaryEmailAddr"] = {"Address": email}
    return record


CUSTOMERS = [
    customer(
        "1",
        "Lyric Opera House",
        updated="2026-01-05T10:00:00-08:00",
        email="box@lyric.example",
        balance="1250.50",
    ),
    customer("2", "Old Vic Theatre", updated="2026-02-01T10:00:00-08:00"),
    customer("3", "Maya Ortiz", updated="2026-02-20T10:00:00-08:00", balance="80.00"),
    customer("4", "Smith and Jones Productions, Inc.", updated="2026-03-01T10:00:00-08:00"),
    customer("5", "Closed Circus Co", updated="2026-03-02T10:00:00-08:00", active=False),
    customer("6", "O'Brien Costumes", updated="2026-03-03T10:00:00-08:00"),
]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Starlette:
    return create_quickbooks_app(CUSTOMERS, clock=clock)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://qbo.test") as c:
        yield c


def bearer(app: Starlette) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {app.state.oauth.issue_tokens()['access_token']}",
        "Accept": "application/json",
    }


async def query(client: httpx.AsyncClient, headers: dict[str, str], statement: str) -> httpx.Response:
    return await client.get(
        f"{BASE}/query", params={"query": statement, "minorversion": "75"}, headers=headers
    )


async def ids(client: httpx.AsyncClient, headers: dict[str, str], statement: str) -> list[str]:
    response = await query(client, headers, statement)
    assert response.status_code == 200, response.text
    return [c["Id"] for c in response.json()["QueryResponse"].get("Customer", [])]


# --- OAuth ----------------------------------------------------------------------------------------


async def authorization_code(client: httpx.AsyncClient, state: str = "xyz") -> tuple[str, str]:
    response = await client.get(
        "/connect/oauth2",
        params={
            "client_id": QUICKBOOKS_CLIENT_ID,
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": REDIRECT,
            "state": state,
        },
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == [state] and params["realmId"] == [REALM]
    return params["code"][0], params["realmId"][0]


async def token_request(client: httpx.AsyncClient, auth: str = BASIC, **form: str) -> httpx.Response:
    return await client.post(
        "/oauth2/v1/tokens/bearer", data=form, headers={"Authorization": auth, "Accept": "application/json"}
    )


async def test_authorization_code_flow_gives_tokens_that_open_the_api(client: httpx.AsyncClient) -> None:
    code, realm = await authorization_code(client)
    response = await token_request(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600 and body["x_refresh_token_expires_in"] == 8_726_400
    assert body["access_token"] and body["refresh_token"]
    assert response.headers["intuit_tid"]

    api = await client.get(
        f"/v3/company/{realm}/query",
        params={"query": "SELECT COUNT(*) FROM Customer"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert api.status_code == 200 and api.json()["QueryResponse"] == {"totalCount": 5}

    again = await token_request(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


async def test_code_bound_to_its_redirect_uri(client: httpx.AsyncClient) -> None:
    code, _ = await authorization_code(client)
    response = await token_request(
        client, grant_type="authorization_code", code=code, redirect_uri="https://evil.example/cb"
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_authorize_rejects_wrong_scope_by_redirect(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/connect/oauth2",
        params={
            "client_id": QUICKBOOKS_CLIENT_ID,
            "response_type": "code",
            "scope": "openid",
            "redirect_uri": REDIRECT,
            "state": "s",
        },
    )
    assert response.status_code == 302
    assert parse_qs(urlsplit(response.headers["location"]).query) == {
        "error": ["invalid_scope"],
        "state": ["s"],
    }


async def test_refresh_rotates_and_the_old_refresh_token_dies(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    first = app.state.oauth.issue_tokens()
    r1 = await token_request(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert r1.status_code == 200
    second = r1.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]

    reused = await token_request(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reused.status_code == 400 and reused.json() == {"error": "invalid_grant"}
    unknown = await token_request(client, grant_type="refresh_token", refresh_token="AB11nope")
    assert unknown.status_code == 400 and unknown.json() == {"error": "invalid_grant"}

    r2 = await token_request(client, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert r2.status_code == 200
    assert app.state.oauth.refreshes == 2 and app.state.oauth.failed_refreshes == 2


async def test_bad_client_is_invalid_client(app: Starlette, client: httpx.AsyncClient) -> None:
    refresh = app.state.oauth.issue_tokens()["refresh_token"]
    wrong = "Basic " + base64.b64encode(f"{QUICKBOOKS_CLIENT_ID}:nope".encode()).decode()
    response = await token_request(client, wrong, grant_type="refresh_token", refresh_token=refresh)
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}
    # client_secret_post is also accepted, per Intuit's discovery document
    posted = await client.post(
        "/oauth2/v1/tokens/bearer",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": QUICKBOOKS_CLIENT_ID,
            "client_secret": QUICKBOOKS_CLIENT_SECRET,
        },
    )
    assert posted.status_code == 200


async def test_unsupported_grant_type(client: httpx.AsyncClient) -> None:
    response = await token_request(client, grant_type="client_credentials")
    assert response.status_code == 400 and response.json() == {"error": "unsupported_grant_type"}


async def test_expired_access_token_gets_intuits_401_body(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    assert (await query(client, headers, "SELECT * FROM Customer")).status_code == 200
    app.state.oauth.expire_access_tokens()
    response = await query(client, headers, "SELECT * FROM Customer")
    assert response.status_code == 401
    assert response.headers["intuit_tid"]
    fault = response.json()["fault"]
    assert fault["type"] == "AUTHENTICATION"
    error = fault["error"][0]
    assert error["code"] == "3200"
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    assert error["detail"] == "Token expired"


async def test_access_token_expires_with_time(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    headers = bearer(app)
    clock.advance(3599)
    assert (await query(client, headers, "SELECT * FROM Customer")).status_code == 200
    clock.advance(2)
    assert (await query(client, headers, "SELECT * FROM Customer")).status_code == 401


async def test_missing_token_is_401(client: httpx.AsyncClient) -> None:
    response = await query(client, {}, "SELECT * FROM Customer")
    assert response.status_code == 401 and response.json()["fault"]["error"][0]["code"] == "3200"


async def test_unknown_realm_is_403(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v3/company/123/query", params={"query": "SELECT * FROM Customer"}, headers=bearer(app)
    )
    assert response.status_code == 403
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3100" and "ApplicationAuthorizationFailed" in error["message"]


async def test_revoke_kills_the_whole_grant(app: Starlette, client: httpx.AsyncClient) -> None:
    tokens = app.state.oauth.issue_tokens()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    response = await client.post(
        "/v2/oauth2/tokens/revoke", json={"token": tokens["refresh_token"]}, headers={"Authorization": BASIC}
    )
    assert response.status_code == 200
    assert (await query(client, headers, "SELECT * FROM Customer")).status_code == 401
    refresh = await token_request(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.json() == {"error": "invalid_grant"}


async def test_revoke_all_disconnects(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    app.state.oauth.revoke_all()
    response = await query(client, headers, "SELECT * FROM Customer")
    assert response.status_code == 401 and response.json()["fault"]["error"][0]["detail"] == "Token revoked"


# --- queries --------------------------------------------------------------------------------------


async def test_paging_with_startposition_and_maxresults() -> None:
    app = create_quickbooks_app()  # the seeded shop
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        headers = bearer(app)
        count = await query(client, headers, "SELECT COUNT(*) FROM Customer")
        total = count.json()["QueryResponse"]["totalCount"]
        assert total == len(app.state.customers) >= 54
        seen: list[str] = []
        start = 1
        while True:
            response = await query(
                client, headers, f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS 20"
            )
            page = response.json()["QueryResponse"]
            if "Customer" not in page:
                assert page == {}  # past the end: no entity key, no startPosition
                break
            assert page["startPosition"] == start and page["maxResults"] == len(page["Customer"]) <= 20
            seen += [c["Id"] for c in page["Customer"]]
            start += 20
        assert len(seen) == total == len(set(seen))
        assert seen == sorted(seen, key=int)  # default order is by Id
        assert app.state.requests[("GET", "/v3/company/{realm_id}/query")] == 1 + len(range(1, start, 20)) + 1


async def test_id_in_and_default_active_filter(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    assert await ids(client, headers, "SELECT * FROM Customer WHERE Id IN ('1', '3', '5', '99')") == [
        "1",
        "3",
    ]
    everyone = "SELECT * FROM Customer WHERE Active IN (true, false) AND Id IN ('1', '5')"
    assert await ids(client, headers, everyone) == ["1", "5"]
    assert await ids(client, headers, "select * from customer where Active = false") == ["5"]


async def test_last_updated_time_filter(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    since = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-02-20T18:00:00+00:00'"
    assert await ids(client, headers, since) == ["3", "4", "6"]
    before = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime < '2026-02-01'"
    assert await ids(client, headers, before) == ["1"]


async def test_where_operators_and_ordering(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    assert await ids(client, headers, "SELECT * FROM Customer WHERE DisplayName LIKE '%theatre%'") == ["2"]
    assert await ids(client, headers, r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien Costumes'") == [
        "6"
    ]
    assert await ids(client, headers, "SELECT * FROM Customer WHERE Balance > '100'") == ["1"]
    assert await ids(
        client, headers, "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'BOX@lyric.example'"
    ) == ["1"]
    ordered = await ids(client, headers, "SELECT * FROM Customer ORDERBY DisplayName DESC MAXRESULTS 2")
    assert ordered == ["4", "2"]
    fields = await query(client, headers, "SELECT Id, DisplayName FROM Customer WHERE Id = '1'")
    assert fields.json()["QueryResponse"]["Customer"] == [{"Id": "1", "DisplayName": "Lyric Opera House"}]


async def test_balances_stay_exact_on_the_wire(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await query(client, bearer(app), "SELECT * FROM Customer WHERE Id = '1'")
    import json

    record = json.loads(response.content, parse_float=Decimal)["QueryResponse"]["Customer"][0]
    assert record["Balance"] == Decimal("1250.50")


async def test_post_query_with_application_text(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/query",
        params={"minorversion": "75"},
        content="SELECT * FROM Customer WHERE Id IN ('2')",
        headers={**bearer(app), "Content-Type": "application/text"},
    )
    assert response.status_code == 200
    assert [c["Id"] for c in response.json()["QueryResponse"]["Customer"]] == ["2"]
    assert app.state.requests[("POST", "/v3/company/{realm_id}/query")] == 1
    assert app.state.api.minor_versions[75] == 1


@pytest.mark.parametrize(
    ("statement", "code", "message"),
    [
        ("SELEC * FROM Customer", "4000", "Error parsing query"),
        ("SELECT * FROM Customer WHERE", "4000", "Error parsing query"),
        ("SELECT * FROM Customer WHERE Id = '1' OR Id = '2'", "4000", "Error parsing query"),
        ("SELECT * FROM Customer WHERE Id ~ '1'", "4000", "Error parsing query"),
        ("SELECT * FROM Customer MAXRESULTS many", "4000", "Error parsing query"),
        ("", "4000", "Error parsing query"),
        ("SELECT * FROM Customer WHERE ShoeSize = '9'", "4001", "Invalid query"),
        ("SELECT * FROM Unicorn", "4001", "Invalid query"),
    ],
)
async def test_bad_queries_get_a_validation_fault(
    app: Starlette, client: httpx.AsyncClient, statement: str, code: str, message: str
) -> None:
    response = await query(client, bearer(app), statement)
    assert response.status_code == 400
    body = response.json()
    assert body["Fault"]["type"] == "ValidationFault"
    error = body["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == (code, message)
    assert "time" in body


def test_maxresults_is_capped_at_1000() -> None:
    table = {str(i): {"Id": str(i), "DisplayName": f"C{i}"} for i in range(1, 1201)}
    result = execute_query("SELECT * FROM Customer MAXRESULTS 5000", {"Customer": table})
    assert len(result.records) == 1000 and result.total == 1200
    with pytest.raises(QueryError):
        execute_query("SELECT * FROM Customer WHERE Id IN ()", {"Customer": table})


# --- reads and writes -----------------------------------------------------------------------------


async def test_read_customer_and_company_info(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    response = await client.get(f"{BASE}/customer/2", headers=headers)
    assert response.status_code == 200 and response.json()["Customer"]["DisplayName"] == "Old Vic Theatre"
    missing = await client.get(f"{BASE}/customer/999", headers=headers)
    assert missing.status_code == 400 and missing.json()["Fault"]["Error"][0]["code"] == "610"
    info = await client.get(f"{BASE}/companyinfo/{REALM}", headers=headers)
    assert info.status_code == 200 and info.json()["CompanyInfo"]["CompanyName"]


async def test_create_with_requestid_is_idempotent(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    payload = {"DisplayName": "Bluebird Weddings", "PrimaryEmailAddr": {"Address": "hello@bluebird.example"}}
    first = await client.post(
        f"{BASE}/customer", params={"requestid": "req-1"}, json=payload, headers=headers
    )
    assert first.status_code == 200
    created = first.json()["Customer"]
    assert created["Id"] == "7" and created["SyncToken"] == "0" and created["Active"] is True
    again = await client.post(
        f"{BASE}/customer", params={"requestid": "req-1"}, json=payload, headers=headers
    )
    assert again.status_code == 200 and again.json() == first.json()
    assert len(app.state.customers) == 7
    # without the same requestid the second create is a duplicate name
    dup = await client.post(f"{BASE}/customer", params={"requestid": "req-2"}, json=payload, headers=headers)
    assert dup.status_code == 400 and dup.json()["Fault"]["Error"][0]["code"] == "6240"
    assert len(app.state.customers) == 7


async def test_create_needs_a_name(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/customer", json={"Notes": "nameless"}, headers=bearer(app))
    assert response.status_code == 400 and response.json()["Fault"]["Error"][0]["code"] == "2020"


async def test_sparse_update_and_stale_sync_token(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    headers = bearer(app)
    clock.advance(60)
    update = {
        "Id": "2",
        "SyncToken": "0",
        "sparse": True,
        "PrimaryEmailAddr": {"Address": "box@oldvic.example"},
    }
    response = await client.post(f"{BASE}/customer", json=update, headers=headers)
    assert response.status_code == 200
    updated = response.json()["Customer"]
    assert updated["SyncToken"] == "1"
    assert updated["DisplayName"] == "Old Vic Theatre"  # sparse: untouched fields stay
    assert updated["PrimaryEmailAddr"] == {"Address": "box@oldvic.example"}
    assert updated["MetaData"]["LastUpdatedTime"] > CUSTOMERS[1]["MetaData"]["LastUpdatedTime"]

    stale = await client.post(f"{BASE}/customer", json={**update, "Notes": "late"}, headers=headers)
    assert stale.status_code == 400
    error = stale.json()["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == ("5010", "Stale Object Error")
    assert "Notes" not in app.state.customers["2"]

    # the change is visible to an incremental query
    since = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2026-03-10'"
    assert await ids(client, headers, since) == ["2"]


async def test_update_of_unknown_id(app: Starlette, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/customer", json={"Id": "404", "SyncToken": "0"}, headers=bearer(app)
    )
    assert response.status_code == 400 and response.json()["Fault"]["Error"][0]["code"] == "610"


# --- throttling and faults ------------------------------------------------------------------------


async def test_more_than_10_a_second_is_429(app: Starlette, client: httpx.AsyncClient, clock: Clock) -> None:
    headers = bearer(app)
    for _ in range(10):
        assert (await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code == 200
        clock.advance(0.05)
    response = await query(client, headers, "SELECT COUNT(*) FROM Customer")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3001" and "ThrottleExceeded" in error["message"]
    clock.advance(0.6)  # the first call of the burst leaves the rolling second
    assert (await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code == 200


async def test_per_minute_limit(clock: Clock) -> None:
    app = create_quickbooks_app(CUSTOMERS, clock=clock, per_second=100, per_minute=5)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        headers = bearer(app)
        for _ in range(5):
            assert (await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code == 200
            clock.advance(2)
        response = await query(client, headers, "SELECT COUNT(*) FROM Customer")
        assert response.status_code == 429 and response.headers["Retry-After"] == "50"
        clock.advance(50)
        assert (await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code == 200


async def test_rate_limit_can_be_switched_off(clock: Clock) -> None:
    app = create_quickbooks_app(CUSTOMERS, clock=clock, enforce_rate_limit=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        headers = bearer(app)
        statuses = {
            (await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code for _ in range(25)
        }
        assert statuses == {200}


async def test_outage_knob(app: Starlette, client: httpx.AsyncClient) -> None:
    app.state.faults.set(outage=True)
    response = await query(client, bearer(app), "SELECT * FROM Customer")
    assert response.status_code == 503 and response.headers["intuit_tid"]
    assert response.json()["Fault"]["type"] == "SystemFault"
    app.state.faults.set(outage=False)
    assert (await query(client, bearer(app), "SELECT * FROM Customer")).status_code == 200


async def test_error_knob(clock: Clock) -> None:
    app = create_quickbooks_app(CUSTOMERS, clock=clock, faults=Faults(error_rate=1.0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://qbo.test"
    ) as client:
        response = await query(client, bearer(app), "SELECT * FROM Customer")
        assert response.status_code == 500
        error = response.json()["Fault"]["Error"][0]
        assert error["code"] == "10000" and response.json()["Fault"]["type"] == "SystemFault"


async def test_burst_429_knob(app: Starlette, client: httpx.AsyncClient) -> None:
    headers = bearer(app)
    app.state.faults.set(burst_429=2)
    statuses = [(await query(client, headers, "SELECT COUNT(*) FROM Customer")).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert app.state.faults.requests == 3


async def test_latency_knob(app: Starlette, client: httpx.AsyncClient) -> None:
    app.state.faults.set(latency_ms=50)
    started = time.perf_counter()
    response = await query(client, bearer(app), "SELECT COUNT(*) FROM Customer")
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.05  # a lower bound only: sleeping never takes less


async def test_every_response_has_intuit_tid_and_is_counted(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    bad = await token_request(client, "Basic Zm9vOmJhcg==", grant_type="refresh_token", refresh_token="x")
    ok = await query(client, bearer(app), "SELECT COUNT(*) FROM Customer")
    tids = {bad.headers["intuit_tid"], ok.headers["intuit_tid"]}
    assert len(tids) == 2
    assert app.state.requests == {
        ("POST", "/oauth2/v1/tokens/bearer"): 1,
        ("GET", "/v3/company/{realm_id}/query"): 1,
    }


async def test_issued_code_and_form_encoded_revoke(app: Starlette, client: httpx.AsyncClient) -> None:
    code = app.state.oauth.issue_authorization_code()
    response = await token_request(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert response.status_code == 200 and app.state.oauth.code_exchanges == 1
    tokens = response.json()
    revoke = await client.post(
        "/oauth2/v1/tokens/revoke", data={"token": tokens["access_token"]}, headers={"Authorization": BASIC}
    )
    assert revoke.status_code == 200
    refresh = await token_request(client, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refresh.status_code == 400 and refresh.json() == {"error": "invalid_grant"}
