"""Notion connector against respx-mocked vendor payloads (fixtures hand-written from Notion's docs)."""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

import connectors.notion as notion_pkg
from connectors.notion import NotionConnector, notion_vendor_errors, query_filter
from hub.errors import (
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import Limit, SourceClient, Upstreams, classify
from hub.settings import HttpSettings
from tests.connectors.contract import RecordSourceContract

FIXTURES = Path(__file__).parent / "fixtures" / "notion"
BASE = "https://api.notion.com"
TOKEN = "ntn_test_0123456789abcdefSECRET"
VERSION = "2025-09-03"
DS = "2a4f7c1e-5b3d-4e8a-9c61-0d7e3b9f4a21"
QUERY = f"/v1/data_sources/{DS}/query"
EVERY = "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f01"
MANY = "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f05"
MISSING = "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f99"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def reply(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=(FIXTURES / name).read_bytes(),
                          headers={"content-type": "application/json", **(headers or {})})


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)


@pytest.fixture
async def upstreams() -> Any:
    hub = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0))
    yield hub
    await hub.aclose()


@pytest.fixture
def client(upstreams: Upstreams) -> SourceClient:
    opts = NotionConnector.client_options(SecretStr(TOKEN), VERSION)
    return upstreams.client("notion", BASE, limits=[Limit(1000, 1.0)], **opts)


@pytest.fixture
def notion(client: SourceClient) -> NotionConnector:
    return NotionConnector(client)


@pytest.fixture
def mock() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def test_public_surface() -> None:
    assert sorted(notion_pkg.__all__) == [
        "NotionConnector", "NotionTokenAuth", "PropertyDecodeError", "decode_item", "decode_properties",
        "decode_value", "notion_vendor_errors", "query_filter"]


# -- paging, headers, filters -------------------------------------------------------------------

async def test_two_pages_then_stop(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.post(QUERY).mock(side_effect=[reply("query_page_1.json"), reply("query_page_2.json")])
    records = [r async for r in notion.list_records(DS)]

    assert route.call_count == 2
    first, second = sent(route, 0), sent(route, 1)
    assert first == {"sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}], "page_size": 100}
    assert second["start_cursor"] == load("query_page_1.json")["next_cursor"]
    assert second["page_size"] == 100
    assert [r.data["Client"] for r in records] == [
        "Maya Ortiz", "Old Vic Theatre", "Smith & Jones Productions"]
    last = records[-1]
    assert last.source == "notion" and last.collection == DS
    assert last.external_id == "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f04"
    assert last.url == "https://www.notion.so/Smith-&-Jones-Productions-8a1d4c2e3f5b4a6c9d7e0b1c2d3e4f04"
    assert last.updated_at == datetime(2025, 6, 3, 11, 27, tzinfo=UTC)
    assert last.archived is True and records[0].archived is False
    assert last.extra["data_source_id"] == DS


async def test_headers_sent(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.post(QUERY).mock(return_value=reply("query_page_2.json"))
    [r async for r in notion.list_records(DS)]
    headers = route.calls[0].request.headers
    assert headers["Notion-Version"] == VERSION
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == "application/json"


def test_token_not_in_reprs() -> None:
    opts = NotionConnector.client_options(SecretStr(TOKEN), VERSION)
    assert TOKEN not in repr(opts) and TOKEN not in str(opts)


async def test_since_becomes_a_timestamp_filter(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.post(QUERY).mock(return_value=reply("query_page_2.json"))
    since = datetime(2025, 6, 1, 7, 30, 15, 250000, tzinfo=UTC)
    user_filter = {"property": "Type", "select": {"equals": "Theater"}}
    [r async for r in notion.list_records(DS, since=since, filter=user_filter)]
    assert sent(route)["filter"] == {"and": [
        {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "2025-06-01T07:30:15.250Z"}},
        user_filter]}
    assert sent(route)["sorts"] == [{"timestamp": "last_edited_time", "direction": "ascending"}]


STAMP = {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "2025-06-01T00:00:00.000Z"}}
VIP = {"property": "VIP", "checkbox": {"equals": True}}
ACTIVE = {"property": "Status", "status": {"equals": "Active"}}


@pytest.mark.parametrize(("since", "user_filter", "expected"), [
    (None, None, None),
    (None, VIP, VIP),
    (datetime(2025, 6, 1, tzinfo=UTC), None, STAMP),
    (datetime(2025, 6, 1), None, STAMP),  # naive is taken as UTC
    (datetime.fromisoformat("2025-06-01T02:00:00+02:00"), None, STAMP),
    (datetime(2025, 6, 1, tzinfo=UTC), VIP, {"and": [STAMP, VIP]}),
    # an "and" is flattened: Notion allows only two levels of nesting
    (datetime(2025, 6, 1, tzinfo=UTC), {"and": [VIP, ACTIVE]}, {"and": [STAMP, VIP, ACTIVE]}),
    (datetime(2025, 6, 1, tzinfo=UTC), {"or": [VIP, ACTIVE]}, {"and": [STAMP, {"or": [VIP, ACTIVE]}]}),
])
def test_query_filter(since: datetime | None, user_filter: dict | None, expected: dict | None) -> None:
    assert query_filter(since, user_filter) == expected


async def test_query_skips_child_data_sources(notion: NotionConnector, mock: respx.MockRouter) -> None:
    body = load("query_page_2.json")
    body["results"].insert(0, {"object": "data_source", "id": "9f9f9f9f-0000-4000-8000-000000000001"})
    mock.post(QUERY).mock(return_value=httpx.Response(200, content=json.dumps(body, default=str)))
    records = [r async for r in notion.list_records(DS)]
    assert [r.external_id for r in records] == ["8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f04"]


# -- errors ---------------------------------------------------------------------------------------

async def test_429_then_success_honours_retry_after(notion: NotionConnector, client: SourceClient,
                                                    mock: respx.MockRouter) -> None:
    route = mock.post(QUERY).mock(side_effect=[
        reply("error_rate_limited.json", 429, {"Retry-After": "0.02"}), reply("query_page_2.json")])
    pauses: list[float] = []
    pause = client.budget.pause

    def spy(seconds: float) -> None:
        pauses.append(seconds)
        pause(seconds)

    client.budget.pause = spy  # type: ignore[method-assign]

    records = [r async for r in notion.list_records(DS)]

    assert len(records) == 1 and route.call_count == 2
    # The 429 paused the whole budget for exactly the Retry-After window before the retry.
    assert pauses == [0.02]
    assert client.health.last_error_code == "RATE_LIMITED"


async def test_429_longer_than_we_wait_surfaces_retry_after(notion: NotionConnector,
                                                            mock: respx.MockRouter) -> None:
    route = mock.post(QUERY).mock(return_value=reply("error_rate_limited.json", 429, {"Retry-After": "30"}))
    with pytest.raises(UpstreamRateLimited) as caught:
        [r async for r in notion.list_records(DS)]
    assert route.call_count == 1
    assert caught.value.retry_after == 30.0
    assert caught.value.vendor_code == "rate_limited"
    assert "per_connection" in str(caught.value)


async def test_401_is_auth_error_without_token(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.get(f"/v1/pages/{EVERY}").mock(return_value=reply("error_unauthorized.json", 401))
    with pytest.raises(UpstreamAuthError) as caught:
        await notion.get_records(DS, [EVERY])
    message = str(caught.value)
    assert route.call_count == 1  # bad credentials are not retried
    assert message == "notion: HTTP 401 from page.retrieve: API token is invalid."
    assert caught.value.source == "notion" and caught.value.vendor_code == "unauthorized"
    assert TOKEN not in message and TOKEN not in repr(caught.value)


async def test_ping_reports_auth_failure(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.get("/v1/users/me").mock(return_value=reply("error_unauthorized.json", 401))
    result = await notion.ping()
    assert result.ok is False and "API token is invalid" in result.detail and TOKEN not in result.detail


async def test_ping_ok(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.get("/v1/users/me").mock(return_value=reply("users_me.json"))
    result = await notion.ping()
    assert result.ok and result.detail == "authenticated as Sales Hub in workspace 'Costume Shop'"


@pytest.mark.parametrize(("body", "problem"), [
    ({"object": "list", "has_more": False}, "no 'results' list"),
    ({"object": "page", "results": []}, "'object' is not 'list'"),
    ([1, 2], "not a JSON object"),
])
async def test_malformed_query_body(notion: NotionConnector, mock: respx.MockRouter, body: Any,
                                    problem: str) -> None:
    mock.post(QUERY).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(UpstreamBadResponse) as caught:
        [r async for r in notion.list_records(DS)]
    assert str(caught.value) == (
        f"notion: data_source.query answered with a body that is not a Notion list ({problem})")


async def test_non_json_body(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.post(QUERY).mock(return_value=httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(UpstreamBadResponse, match="not JSON"):
        [r async for r in notion.list_records(DS)]


async def test_page_without_properties(notion: NotionConnector, mock: respx.MockRouter) -> None:
    page = load("page_every_type.json")
    del page["properties"]
    mock.get(f"/v1/pages/{EVERY}").mock(return_value=httpx.Response(200, content=json.dumps(page)))
    with pytest.raises(UpstreamBadResponse, match=r"not a Notion page \(properties: Field required\)"):
        await notion.get_records(DS, [EVERY])


async def test_property_with_wrong_shape(notion: NotionConnector, mock: respx.MockRouter) -> None:
    page = json.loads((FIXTURES / "page_every_type.json").read_text())
    page["properties"]["Client Since"]["date"]["start"] = "next spring"
    mock.get(f"/v1/pages/{EVERY}").mock(return_value=httpx.Response(200, content=json.dumps(page)))
    with pytest.raises(UpstreamBadResponse) as caught:
        await notion.get_records(DS, [EVERY])
    assert "'Client Since' of type 'date'" in str(caught.value)
    assert "next spring" not in str(caught.value)  # customer data stays out of messages


async def test_404_pages_are_left_out(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.get(f"/v1/pages/{EVERY}").mock(return_value=reply("page_every_type.json"))
    missing = mock.get(f"/v1/pages/{MISSING}").mock(return_value=reply("error_object_not_found.json", 404))
    records = await notion.get_records(DS, [MISSING, EVERY])
    assert [r.external_id for r in records] == [EVERY]
    assert missing.call_count == 1  # not found is final, never retried


async def test_pages_of_other_data_sources_are_left_out(notion: NotionConnector,
                                                        mock: respx.MockRouter) -> None:
    mock.get(f"/v1/pages/{EVERY}").mock(return_value=reply("page_every_type.json"))
    assert await notion.get_records("3c5a8d2f-6c4e-4f9b-8d72-1e8f4c0a5b32", [EVERY]) == []
    # ids compare without dashes and case, as Notion accepts them
    assert len(await notion.get_records(DS.replace("-", "").upper(), [EVERY])) == 1


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={
        "object": "error", "status": status, "code": code, "message": f"{code} happened"})


@pytest.mark.parametrize(("response", "expected"), [
    (_error(400, "validation_error"), UpstreamFatal),
    (_error(400, "missing_version"), UpstreamFatal),
    (_error(401, "unauthorized"), UpstreamAuthError),
    (_error(403, "restricted_resource"), UpstreamFatal),
    (_error(404, "object_not_found"), UpstreamNotFound),
    (_error(409, "conflict_error"), UpstreamRetryable),
    (_error(429, "rate_limited", {"Retry-After": "2"}), UpstreamRateLimited),
    (_error(500, "internal_server_error"), UpstreamRetryable),
    (_error(503, "service_unavailable"), UpstreamRetryable),
    (_error(503, "database_connection_unavailable"), UpstreamRetryable),
    (_error(504, "gateway_timeout"), UpstreamRetryable),
    (_error(529, "service_overload", {"Retry-After": "5"}), UpstreamRateLimited),
    (httpx.Response(502, text="<html>Bad gateway</html>"), UpstreamRetryable),
])
def test_error_classification(response: httpx.Response, expected: type) -> None:
    error = classify("notion", response, endpoint="page.retrieve", vendor=notion_vendor_errors)
    assert type(error) is expected
    if isinstance(error, UpstreamRateLimited):
        assert error.retry_after == float(response.headers["Retry-After"])


def test_vendor_error_reads_notion_body() -> None:
    detail = notion_vendor_errors(reply("error_validation.json", 400))
    assert detail is not None and detail.code == "validation_error" and detail.kind == "fatal"
    assert detail.message.startswith("body failed validation")
    assert notion_vendor_errors(httpx.Response(500, text="oops")) is None
    assert notion_vendor_errors(httpx.Response(500, json={"error": "x"})) is None


# -- decoding -------------------------------------------------------------------------------------

EVERY_TYPE_DECODED = {
    "Client": "Lyric Opera House",
    "Company": "Lyric Opera of Chicago Inc.",
    "Contact": "Dana Whitfield",
    "Notes": None,
    "Email": "costumes@lyricopera.example",
    "Phone": "+1 312 555 0142",
    "Fax": None,
    "Type": "Theater",
    "Status": "Active",
    "Tags": ["Opera", "Period", "Repeat"],
    "Account Manager": [{"id": "c0ffee00-4b5c-4d6e-9f80-112233445566", "name": "Priya Nair",
                         "email": "priya@costumeshop.example"}],
    "Website": "https://lyricopera.example",
    "VIP": True,
    "Client Since": {"start": date(2019, 9, 1), "end": None, "time_zone": None},
    "Next Fitting": {"start": datetime(2025, 7, 2, 15, 0, tzinfo=UTC),
                     "end": datetime(2025, 7, 2, 16, 30, tzinfo=UTC), "time_zone": None},
    "QuickBooks ID": "58",
    "Orders": ["d1000000-0000-4000-8000-000000000001", "d1000000-0000-4000-8000-000000000002"],
    "Order Count": 2,
    "Order Titles": ["Tosca chorus gowns", "Carmen principal rework"],
    "Last Order": {"start": datetime(2025, 5, 20, 14, 30, tzinfo=UTC), "end": None, "time_zone": None},
    "Discount": 10,
    "Deposit Rate": Decimal("12.5"),
    "Seats": 1800,
    "Budget Cap": None,
    "Rush Eligible": True,
    "Renewal": {"start": date(2026, 9, 1), "end": None, "time_zone": None},
    "Label": "Theater · VIP",
    "Client No.": "CL-12",
    "Legacy No.": "7",
    "Mood Board": ["https://prod-files-secure.s3.us-west-2.amazonaws.com/7b8b0713/tosca-sketch.pdf"
                   "?X-Amz-Expires=3600", "https://images.example/tosca-reference.jpg"],
    "Created": datetime(2024, 3, 4, 15, 20, tzinfo=UTC),
    "Last Edited": datetime(2025, 6, 11, 9, 42, tzinfo=UTC),
    "Created By": {"id": "5e2f8a90-1b3c-4d5e-8f70-a1b2c3d4e5f6", "name": None},
    "Last Edited By": {"id": "c0ffee00-4b5c-4d6e-9f80-112233445566", "name": "Priya Nair"},
    "Approved": "unverified",
    "Send Quote": None,
}


async def test_every_property_type_decodes(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.get(f"/v1/pages/{EVERY}").mock(return_value=reply("page_every_type.json"))
    [record] = await notion.get_records(DS, [EVERY, EVERY])  # duplicates are asked once
    assert route.call_count == 1
    assert record.data == EVERY_TYPE_DECODED
    assert isinstance(record.data["Deposit Rate"], Decimal)
    assert record.updated_at == datetime(2025, 6, 11, 9, 42, tzinfo=UTC)
    assert record.extra["created_time"] == datetime(2024, 3, 4, 15, 20, tzinfo=UTC)
    assert record.url == "https://www.notion.so/Lyric-Opera-House-8a1d4c2e3f5b4a6c9d7e0b1c2d3e4f01"


async def test_relation_past_25_is_paged_and_rollup_recounted(notion: NotionConnector,
                                                             mock: respx.MockRouter) -> None:
    mock.get(f"/v1/pages/{MANY}").mock(return_value=reply("page_many_orders.json"))
    orders = mock.get(f"/v1/pages/{MANY}/properties/%3CLrR").mock(
        side_effect=[reply("property_orders_1.json"), reply("property_orders_2.json")])
    count = mock.get(f"/v1/pages/{MANY}/properties/Oc%3Et").mock(
        return_value=reply("property_order_count.json"))

    [record] = await notion.get_records(DS, [MANY])

    expected = [f"d2000000-0000-4000-8000-{n:012d}" for n in range(1, 31)]
    assert record.data["Orders"] == expected
    assert record.data["Order Count"] == 30  # the page object's rollup stopped at 25
    assert orders.call_count == 2 and count.call_count == 1
    first, second = (call.request.url for call in orders.calls)
    assert first.raw_path == b"/v1/pages/" + MANY.encode() + b"/properties/%3CLrR?page_size=100"
    assert dict(second.params) == {"page_size": "100",
                                   "start_cursor": load("property_orders_1.json")["next_cursor"]}


async def test_full_page_of_people_is_completed(notion: NotionConnector, mock: respx.MockRouter) -> None:
    page = json.loads((FIXTURES / "page_every_type.json").read_text())
    users = [{"object": "user", "id": f"u{n:02d}", "name": f"Fitter {n}", "type": "person",
              "person": {"email": f"fitter{n}@costumeshop.example"}} for n in range(27)]
    page["properties"]["Account Manager"]["people"] = users[:25]
    mock.get(f"/v1/pages/{EVERY}").mock(return_value=httpx.Response(200, content=json.dumps(page)))
    items: dict[str, Any] = {
        "object": "list", "type": "property_item", "next_cursor": None, "has_more": False,
        "results": [{"object": "property_item", "id": "Am%3Fg", "type": "people", "people": user}
                    for user in users],
        "property_item": {"id": "Am%3Fg", "next_url": None, "type": "people", "people": {}}}
    people = mock.get(f"/v1/pages/{EVERY}/properties/Am%3Fg").mock(
        return_value=httpx.Response(200, json=items))
    [record] = await notion.get_records(DS, [EVERY])
    assert people.call_count == 1
    assert [p["id"] for p in record.data["Account Manager"]] == [f"u{n:02d}" for n in range(27)]
    assert record.data["Account Manager"][26]["email"] == "fitter26@costumeshop.example"


async def test_get_records_runs_at_most_three_at_a_time(notion: NotionConnector,
                                                        mock: respx.MockRouter) -> None:
    body = (FIXTURES / "page_every_type.json").read_bytes()
    in_flight = peak = 0

    async def slow(request: httpx.Request, page_id: str) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        in_flight -= 1
        return httpx.Response(200, content=body.replace(EVERY.encode(), page_id.encode()))

    mock.get(path__regex=r"^/v1/pages/(?P<page_id>[0-9a-f-]+)$").mock(side_effect=slow)
    ids = [f"8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4{n:03d}" for n in range(8)]
    records = await notion.get_records(DS, ids)
    assert [r.external_id for r in records] == ids
    assert peak == 3


# -- the shared contract --------------------------------------------------------------------------

def make_page(page_id: str, title: str, edited: str) -> dict[str, Any]:
    """A variation of the saved every-type page."""
    page = copy.deepcopy(json.loads((FIXTURES / "page_every_type.json").read_text()))
    page["id"] = page_id
    page["last_edited_time"] = edited
    page["properties"]["Last Edited"]["last_edited_time"] = edited
    page["properties"]["Client"]["title"][0]["plain_text"] = title
    page["properties"]["Client"]["title"][0]["text"]["content"] = title
    page["url"] = f"https://www.notion.so/{title.replace(' ', '-')}-{page_id.replace('-', '')}"
    return page


class FakeNotion:
    """Just enough of Notion for the contract: cursor paging (2 a page), the timestamp filter, 404s."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = {page["id"]: page for page in pages}

    @staticmethod
    def _since(filter_: dict[str, Any] | None) -> str | None:
        parts = (filter_ or {}).get("and", [filter_] if filter_ else [])
        for part in parts:
            if part.get("timestamp") == "last_edited_time":
                return part["last_edited_time"]["on_or_after"]
        return None

    def query(self, request: httpx.Request, ds: str) -> httpx.Response:
        body = json.loads(request.content)
        since = self._since(body.get("filter"))
        rows = sorted((p for p in self.pages.values() if p["parent"]["data_source_id"] == ds
                       and (since is None or datetime.fromisoformat(p["last_edited_time"])
                            >= datetime.fromisoformat(since))),
                      key=lambda p: p["last_edited_time"])
        start = next((i for i, p in enumerate(rows) if p["id"] == body.get("start_cursor")), 0)
        chunk = rows[start:start + min(2, body.get("page_size", 100))]
        rest = rows[start + len(chunk):]
        return httpx.Response(200, json={
            "object": "list", "results": chunk, "next_cursor": rest[0]["id"] if rest else None,
            "has_more": bool(rest), "type": "page_or_data_source", "page_or_data_source": {}})

    def page(self, request: httpx.Request, page_id: str) -> httpx.Response:
        if page_id not in self.pages:
            return httpx.Response(404, json={"object": "error", "status": 404, "code": "object_not_found",
                                             "message": f"Could not find page with ID: {page_id}."})
        return httpx.Response(200, json=self.pages[page_id])


class TestNotionContract(RecordSourceContract):
    @pytest.fixture
    def fake(self) -> FakeNotion:
        prefix = "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4a0"
        return FakeNotion([
            make_page(prefix + "1", "Lyric Opera House", "2025-06-11T09:42:00.000Z"),
            make_page(prefix + "2", "Maya Ortiz", "2025-05-02T08:15:00.000Z"),
            make_page(prefix + "3", "Old Vic Theatre", "2025-06-20T16:01:00.000Z"),
        ])

    @pytest.fixture
    def source(self, notion: NotionConnector, mock: respx.MockRouter, fake: FakeNotion) -> NotionConnector:
        mock.post(path__regex=r"^/v1/data_sources/(?P<ds>[^/]+)/query$").mock(side_effect=fake.query)
        mock.get(path__regex=r"^/v1/pages/(?P<page_id>[^/]+)$").mock(side_effect=fake.page)
        mock.get("/v1/users/me").mock(return_value=reply("users_me.json"))
        return notion

    @pytest.fixture
    def known_collection(self) -> str:
        return DS

    @pytest.fixture
    def known_ids(self) -> list[str]:
        return ["8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4a03", "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4a01"]

    @pytest.fixture
    def missing_id(self) -> str:
        return MISSING
