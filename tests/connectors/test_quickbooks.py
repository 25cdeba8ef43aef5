"""connectors.quickbooks: the query endpoint, paging, Id IN batching, Fault bodies, provenance, auth.

Vendor payloads are saved fixtures (tests/connectors/fixtures/quickbooks); respx plays QBO and the
Intuit token endpoint. Assertions count requests and read what was sent.
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

from connectors.base import RecordSource, SourceRecord
from connectors.quickbooks import QuickBooksConnector, quickbooks_vendor_errors
from connectors.quickbooks import query as q
from hub.errors import (
    ConfigError,
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamFatal,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import Limit, Upstreams
from hub.http.oauth import TOKEN_ENDPOINT, MemoryTokenStore, OAuth2RefreshAuth
from hub.http.oauth_types import OAuthToken
from hub.settings import HttpSettings
from tests.connectors.contract import RecordSourceContract

FIXTURES = Path(__file__).parent / "fixtures" / "quickbooks"
BASE = "https://sandbox-quickbooks.api.intuit.com"
REALM = "9341455130166501"
QUERY_URL = f"{BASE}/v3/company/{REALM}/query"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
APP = "https://app.sandbox.qbo.intuit.com"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def sent_query(request: httpx.Request) -> str:
    return request.url.params["query"]


def qbo_answer(*customers: dict[str, Any], start: int = 1) -> dict[str, Any]:
    body: dict[str, Any] = {"startPosition": start, "maxResults": len(customers)}
    if customers:
        body["Customer"] = list(customers)
    return {"QueryResponse": body, "time": "2024-03-04T08:15:02.114-08:00"}


def customer(id_: str, **extra: Any) -> dict[str, Any]:
    return {"Id": id_, "SyncToken": "0", "DisplayName": f"Customer {id_}", "Active": True,
            "MetaData": {"CreateTime": "2024-01-01T00:00:00-08:00",
                         "LastUpdatedTime": "2024-03-01T10:00:00-08:00"}, **extra}


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


async def collect(qbo: QuickBooksConnector, collection: str = "Customer",
                  **kwargs: Any) -> list[SourceRecord]:
    return [record async for record in qbo.list_records(collection, **kwargs)]


# -- paging -----------------------------------------------------------------------------------------

async def test_two_pages_then_stop(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).mock(side_effect=[
        httpx.Response(200, json=fixture("query_customers_page_1")),
        httpx.Response(200, json=fixture("query_customers_page_2"))])
    records = await collect(connector(upstreams, page_size=2))
    assert [r.external_id for r in records] == ["1", "2", "3"]
    assert route.call_count == 2
    queries = [sent_query(c.request) for c in route.calls]
    assert [re.search(r"STARTPOSITION (\d+) MAXRESULTS (\d+)$", s).groups() for s in queries] == [  # type: ignore[union-attr]
        ("1", "2"), ("3", "2")]
    assert queries[0].startswith("SELECT * FROM Customer WHERE Active IN (true, false) ORDERBY Id")
    for call in route.calls:
        assert call.request.url.params["minorversion"] == "75"
        assert call.request.headers["Accept"] == "application/json"


async def test_full_last_page_ends_on_an_empty_query_response(upstreams: Upstreams,
                                                              mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).mock(side_effect=[
        httpx.Response(200, json=fixture("query_customers_page_1")),
        httpx.Response(200, json=fixture("query_empty"))])
    assert len(await collect(connector(upstreams, page_size=2))) == 2
    assert route.call_count == 2


async def test_since_filters_on_last_updated_time(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=fixture("query_empty"))
    since = datetime(2024, 3, 1, 9, 30, 15, 999_000, tzinfo=UTC)
    assert await collect(connector(upstreams), since=since) == []
    assert sent_query(route.calls[0].request) == (
        "SELECT * FROM Customer WHERE Active IN (true, false) AND MetaData.LastUpdatedTime >= "
        "'2024-03-01T09:30:15+00:00' ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000")


async def test_query_helper_pages_and_escapes(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=qbo_answer(customer("7", DisplayName="O'Brien's Costumes")))
    statement = q.select("Customer", [q.where("DisplayName", "=", "O'Brien's Costumes")])
    rows = await connector(upstreams).query(statement)
    assert [row["Id"] for row in rows] == ["7"]
    assert sent_query(route.calls[0].request) == (
        "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien\\'s Costumes' STARTPOSITION 1 MAXRESULTS 1000")
    # and percent-encoded on the wire, so the apostrophe cannot end the URL parameter early
    assert "%27O%5C%27Brien%5C%27s+Costumes%27" in str(route.calls[0].request.url).replace("%20", "+")


async def test_query_helper_refuses_its_own_paging(upstreams: Upstreams) -> None:
    with pytest.raises(ValueError, match="STARTPOSITION"):
        await connector(upstreams).query("SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 5")


# -- batch reads ------------------------------------------------------------------------------------

async def test_get_records_chunks_id_in_250_ids_into_3_requests(upstreams: Upstreams,
                                                              mock: respx.MockRouter) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        ids = re.findall(r"'(\d+)'", sent_query(request).split("Id IN", 1)[1])
        return httpx.Response(200, json=qbo_answer(*(customer(i) for i in ids if int(i) % 50 != 0)))

    route = mock.get(QUERY_URL).mock(side_effect=answer)
    ids = [str(i) for i in range(1, 251)]
    records = await connector(upstreams).get_records("Customer", [*ids, "3", "1"])  # duplicates asked once
    assert route.call_count == 3
    sizes = sorted(len(re.findall(r"'\d+'", sent_query(c.request))) for c in route.calls)
    assert sizes == [50, 100, 100]
    for call in route.calls:
        statement = sent_query(call.request)
        n = len(re.findall(r"'\d+'", statement))
        assert statement.endswith(f"STARTPOSITION 1 MAXRESULTS {n}")
    assert [r.external_id for r in records] == [i for i in ids if int(i) % 50 != 0]


async def test_get_records_of_nothing_sends_nothing(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(200, json=fixture("query_empty"))
    assert await connector(upstreams).get_records("Customer", []) == []
    assert route.call_count == 0


# -- provenance ------------------------------------------------------------------------------------

async def test_records_carry_provenance(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(QUERY_URL).respond(200, json=fixture("query_customers_page_1"))
    before = datetime.now(UTC)
    lyric, maya = await collect(connector(upstreams, page_size=5))
    assert (lyric.source, lyric.collection, lyric.external_id) == ("quickbooks", "Customer", "1")
    assert lyric.url == f"{APP}/app/customerdetail?nameId=1"
    assert lyric.updated_at == datetime(2024, 3, 2, 22, 5, 10, tzinfo=UTC)
    assert lyric.updated_at is not None and lyric.updated_at.utcoffset() == timedelta(0)
    assert lyric.fetched_at.tzinfo is not None and lyric.fetched_at >= before
    assert lyric.data["Balance"] == Decimal("1250.00") and isinstance(lyric.data["Balance"], Decimal)
    assert lyric.data["PrimaryEmailAddr"] == {"Address": "costumes@lyricopera.example"}
    assert (lyric.archived, maya.archived) == (False, True)


async def test_production_app_url(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(QUERY_URL).respond(200, json=qbo_answer(customer("42")))
    [record] = await collect(connector(upstreams, app_base_url="https://app.qbo.intuit.com/"))
    assert record.url == "https://app.qbo.intuit.com/app/customerdetail?nameId=42"


# -- errors -----------------------------------------------------------------------------------------

async def test_429_then_success_honours_retry_after(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).mock(side_effect=[
        httpx.Response(429, json=fixture("fault_throttle_429"), headers={"Retry-After": "0"}),
        httpx.Response(200, json=fixture("query_customers_page_2"))])
    qbo = connector(upstreams)
    assert [r.external_id for r in await collect(qbo)] == ["3"]
    assert route.call_count == 2


async def test_429_with_a_long_retry_after_is_handed_to_the_caller(upstreams: Upstreams,
                                                                  mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(429, json=fixture("fault_throttle_429"),
                                        headers={"Retry-After": "60"})
    with pytest.raises(UpstreamRateLimited) as caught:
        await collect(connector(upstreams))
    assert route.call_count == 1  # 60 s is past max_retry_wait: no hanging retry
    assert caught.value.retry_after == 60.0 and caught.value.vendor_code == "003001"
    assert upstreams.budget(f"quickbooks:{REALM}", []).snapshot()["paused_for"] > 50


async def test_validation_fault_is_fatal_with_its_message(upstreams: Upstreams,
                                                          mock: respx.MockRouter) -> None:
    route = mock.get(QUERY_URL).respond(400, json=fixture("fault_validation_400"))
    with pytest.raises(UpstreamFatal) as caught:
        await collect(connector(upstreams))
    assert route.call_count == 1
    assert "Error parsing query: QueryParserError" in str(caught.value)
    assert caught.value.vendor_code == "4000" and caught.value.status == 400


async def test_stale_object_is_fatal_with_code_5010(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(QUERY_URL).respond(400, json=fixture("fault_stale_object_400"))
    with pytest.raises(UpstreamFatal) as caught:
        await connector(upstreams).get_records("Customer", ["1"])
    assert caught.value.vendor_code == "5010"
    assert "Stale Object Error" in str(caught.value)


async def test_fault_in_a_200_body_is_raised(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(QUERY_URL).respond(200, json=fixture("fault_in_200"))
    with pytest.raises(UpstreamFatal, match="QueryValidationError") as caught:
        await collect(connector(upstreams))
    assert caught.value.vendor_code == "4001"


async def test_fault_inside_query_response_is_raised(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    body = {"QueryResponse": {"Fault": {"Error": [{"Message": "System Failure Error", "code": "10000"}],
                                        "type": "SystemFault"}}}
    mock.get(QUERY_URL).respond(200, json=body)
    with pytest.raises(UpstreamRetryable, match="System Failure Error"):
        await connector(upstreams).get_records("Customer", ["1"])


@pytest.mark.parametrize(("answer", "expected"), [
    (httpx.Response(200, text="<html><body>Service unavailable</body></html>"), "not JSON"),
    (httpx.Response(200, json={"time": "2024-03-04T08:15:02.114-08:00"}), "no QueryResponse"),
    (httpx.Response(200, json={"QueryResponse": {"Customer": {"Id": "1"}}}), "not a list"),
    (httpx.Response(200, json=qbo_answer({"DisplayName": "no id"})), "Id"),
    (httpx.Response(200, json=qbo_answer(customer("1", MetaData={"LastUpdatedTime": "yesterday"}))),
     "LastUpdatedTime"),
], ids=["html", "no-query-response", "not-a-list", "no-id", "bad-time"])
async def test_malformed_body_is_a_bad_response(upstreams: Upstreams, mock: respx.MockRouter,
                                                answer: httpx.Response, expected: str) -> None:
    mock.get(QUERY_URL).mock(return_value=answer)
    with pytest.raises(UpstreamBadResponse, match=expected) as caught:
        await collect(connector(upstreams))
    assert "yesterday" not in str(caught.value) and "no id" not in str(caught.value)


@pytest.mark.parametrize(("status", "name", "kind", "code"), [
    (400, "fault_validation_400", None, "4000"),
    (400, "fault_stale_object_400", "fatal", "5010"),
    (401, "fault_authentication_401", "auth", "3200"),
    (429, "fault_throttle_429", "rate_limited", "003001"),
    (403, "fault_throttle_429", "rate_limited", "003001"),  # throttling once came as a 403
])
def test_vendor_error_parser(status: int, name: str, kind: str | None, code: str) -> None:
    error = quickbooks_vendor_errors(httpx.Response(status, json=fixture(name)))
    assert error is not None and (error.kind, error.code) == (kind, code)
    assert error.message


def test_vendor_error_parser_ignores_other_bodies() -> None:
    assert quickbooks_vendor_errors(httpx.Response(502, text="<html>Bad gateway</html>")) is None
    assert quickbooks_vendor_errors(httpx.Response(404, json={"message": "nope"})) is None


# -- auth -------------------------------------------------------------------------------------------

async def refreshing_auth() -> tuple[MemoryTokenStore, OAuth2RefreshAuth]:
    """A stored credential whose access token is still valid (30 min left), and the auth over it."""
    store = MemoryTokenStore()
    await store.save(f"quickbooks:{REALM}", OAuthToken(
        access_token=SecretStr("old-access"), refresh_token=SecretStr("old-refresh"),
        expires_at=datetime.now(UTC) + timedelta(minutes=30)))
    auth = OAuth2RefreshAuth("quickbooks", store, f"quickbooks:{REALM}", token_url=TOKEN_URL,
                             client_id="ABclient", client_secret=SecretStr("shh"))
    return store, auth


async def test_401_then_refresh_and_replay(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    store, auth = await refreshing_auth()
    api = mock.get(QUERY_URL).mock(side_effect=[
        httpx.Response(401, json=fixture("fault_authentication_401")),
        httpx.Response(200, json=fixture("query_customers_page_2"))])
    tokens = mock.post(TOKEN_URL).respond(200, json=fixture("token_refresh"))
    records = await collect(connector(upstreams, auth=auth))
    assert [r.external_id for r in records] == ["3"]
    assert tokens.call_count == 1 and api.call_count == 2
    new_access = fixture("token_refresh")["access_token"]
    assert [c.request.headers["Authorization"] for c in api.calls] == [
        "Bearer old-access", f"Bearer {new_access}"]
    stored = await store.load(f"quickbooks:{REALM}")
    assert stored is not None and stored.refresh_token is not None
    assert stored.refresh_token.get_secret_value() == fixture("token_refresh")["refresh_token"]
    assert upstreams.metrics.count("quickbooks", TOKEN_ENDPOINT) == 1


async def test_revoked_credential_is_an_auth_error(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    _, auth = await refreshing_auth()
    mock.get(QUERY_URL).respond(401, json=fixture("fault_authentication_401"))
    mock.post(TOKEN_URL).respond(400, json={"error": "invalid_grant"})
    with pytest.raises(UpstreamAuthError, match="run `hub auth quickbooks`") as caught:
        await collect(connector(upstreams, auth=auth))
    assert "old-refresh" not in str(caught.value) and "shh" not in str(caught.value)


# -- ping, wiring -----------------------------------------------------------------------------------

async def test_ping(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    route = mock.get(f"{BASE}/v3/company/{REALM}/companyinfo/{REALM}").respond(
        200, json=fixture("companyinfo"))
    result = await connector(upstreams).ping()
    assert result.ok and result.source == "quickbooks"
    assert "Stitch & Sequin Costume Works" in result.detail
    assert route.calls[0].request.url.params["minorversion"] == "75"


async def test_ping_reports_failure(upstreams: Upstreams, mock: respx.MockRouter) -> None:
    mock.get(f"{BASE}/v3/company/{REALM}/companyinfo/{REALM}").respond(
        401, json=fixture("fault_authentication_401"))
    result = await connector(upstreams).ping()
    assert not result.ok and result.detail.startswith("AUTH_EXPIRED")


def test_realm_id_must_be_digits(upstreams: Upstreams) -> None:
    client = upstreams.client("quickbooks", BASE, limits=[Limit(10, 1.0)])
    with pytest.raises(ConfigError):
        QuickBooksConnector(client, realm_id="../../v3/company/1")


# -- query building ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "rendered"), [
    ("Lyric Opera House", "'Lyric Opera House'"),
    ("O'Brien's", "'O\\'Brien\\'s'"),
    ("back\\slash", "'back\\\\slash'"),
    ("' OR 1=1 --", "'\\' OR 1=1 --'"),
    (True, "true"),
    (12, "12"),
    (Decimal("10.50"), "10.50"),
    (datetime(2024, 3, 1, 1, 2, 3, 400, tzinfo=UTC), "'2024-03-01T01:02:03+00:00'"),
])
def test_literals(value: q.Value, rendered: str) -> None:
    assert q.literal(value) == rendered


@pytest.mark.parametrize(("call", "message"), [
    (lambda: q.where("Display Name", "=", "x"), "not a QuickBooks entity or property name"),
    (lambda: q.where("DisplayName", "OR", "x"), "unsupported query operator"),
    (lambda: q.where("Id", "IN", []), "non-empty list"),
    (lambda: q.where("Id", "IN", "12"), "non-empty list"),
    (lambda: q.literal(datetime(2024, 1, 1)), "timezone-aware"),
    (lambda: q.select("Customer; DROP", []), "not a QuickBooks entity"),
    (lambda: q.page("SELECT * FROM Customer", 1, 1001), "MAXRESULTS"),
    (lambda: q.chunk_ids(["1", ""]), "non-empty strings"),
])
def test_query_builders_refuse_unsafe_input(call: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_select_and_chunks() -> None:
    assert q.select("Customer", [q.id_in(["1", "2"]), q.where("Balance", ">", 0)], order_by="Id DESC") == (
        "SELECT * FROM Customer WHERE Id IN ('1', '2') AND Balance > 0 ORDERBY Id DESC")
    chunks = q.chunk_ids([str(i) for i in range(250)], 100)
    assert [len(c) for c in chunks] == [100, 100, 50]


# -- the shared contract ----------------------------------------------------------------------------

class FakeQbo:
    """Answers the query endpoint from a few customers, honouring the clauses the connector sends."""

    def __init__(self) -> None:
        self.customers = [
            customer("1", MetaData={"LastUpdatedTime": "2024-03-01T10:00:00-08:00"}),
            customer("2", MetaData={"LastUpdatedTime": "2024-03-02T10:00:00-08:00"}),
            customer("3", Active=False, MetaData={"LastUpdatedTime": "2024-03-03T10:00:00-08:00"}),
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        statement = sent_query(request)
        rows = self.customers
        if " Id IN (" in statement:
            wanted = set(re.findall(r"'(\d+)'", statement.split("Id IN", 1)[1]))
            rows = [c for c in rows if c["Id"] in wanted]
        if match := re.search(r"LastUpdatedTime >= '([^']+)'", statement):
            cut = datetime.fromisoformat(match.group(1))
            rows = [c for c in rows if datetime.fromisoformat(c["MetaData"]["LastUpdatedTime"]) >= cut]
        start, size = map(int, re.search(r"STARTPOSITION (\d+) MAXRESULTS (\d+)", statement).groups())  # type: ignore[union-attr]
        return httpx.Response(200, json=qbo_answer(*rows[start - 1:start - 1 + size], start=start))


class TestQuickBooksContract(RecordSourceContract):
    @pytest.fixture
    async def source(self, upstreams: Upstreams, mock: respx.MockRouter) -> RecordSource:
        mock.get(QUERY_URL).mock(side_effect=FakeQbo())
        mock.get(f"{BASE}/v3/company/{REALM}/companyinfo/{REALM}").respond(200, json=fixture("companyinfo"))
        return connector(upstreams, page_size=2)

    @pytest.fixture
    def known_collection(self) -> str:
        return "Customer"

    @pytest.fixture
    def known_ids(self) -> list[str]:
        return ["1", "3"]

    @pytest.fixture
    def missing_id(self) -> str:
        return "999"
