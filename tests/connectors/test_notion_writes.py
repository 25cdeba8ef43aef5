"""Notion page writes: property encoding, request bodies, retries, and an end-to-end run on the simulator."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.notion import NotionConnector
from connectors.notion.encode import PropertyEncodeError, dumps, encode_properties
from hub.errors import UpstreamFatal, UpstreamRetryable
from hub.http import Limit, Upstreams
from hub.sandbox.notion import create_notion_app
from hub.sandbox.seed import (
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_SANDBOX_TOKEN,
)
from hub.settings import HttpSettings

FIXTURES = Path(__file__).parent / "fixtures" / "notion"
BASE = "https://api.notion.com"
VERSION = "2025-09-03"
DS = "3c5a8d2f-6c4e-4f9b-8d72-1e8f4c0a5b32"
PAGE = "8a1d4c2e-3f5b-4a6c-9d7e-0b1c2d3e4f01"
CLIENT = "1c2d3e4f-0000-4a6c-9d7e-0b1c2d3e4f77"
USER = "6e7f8091-1111-4a6c-9d7e-0b1c2d3e4f88"

SCHEMA = {
    "Order": "title", "Notes": "rich_text", "Total": "number", "Stage": "select", "Status": "status",
    "Tags": "multi_select", "Due Date": "date", "Rush": "checkbox", "Brief": "url", "Email": "email",
    "Phone": "phone_number", "Client": "relation", "Maker": "people", "Order Count": "rollup",
}


def page_body(page_id: str = PAGE, **props: Any) -> dict[str, Any]:
    """A minimal page object as Notion returns it from POST/PATCH."""
    properties = {"Order": {"id": "title", "type": "title", "title": [
        {"type": "text", "text": {"content": "O-7", "link": None}, "plain_text": "O-7"}]}}
    properties.update(props)
    return {"object": "page", "id": page_id, "created_time": "2026-03-01T10:00:00.000Z",
            "last_edited_time": "2026-03-01T10:00:00.000Z", "in_trash": False, "url": "https://www.notion.so/x",
            "parent": {"type": "data_source_id", "data_source_id": DS}, "properties": properties}


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={
        "object": "error", "status": status, "code": code, "message": message})


def sent(route: respx.Route, index: int = -1) -> dict[str, Any]:
    request = route.calls[index].request
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.content, parse_float=Decimal)


@pytest.fixture
async def upstreams() -> Any:
    hub = Upstreams(HttpSettings(backoff_base=0.0, max_retry_wait=1.0))
    yield hub
    await hub.aclose()


@pytest.fixture
def notion(upstreams: Upstreams) -> NotionConnector:
    opts = NotionConnector.client_options(SecretStr("ntn_test_SECRET"), VERSION)
    return NotionConnector(upstreams.client("notion", BASE, limits=[Limit(1000, 1.0)], **opts))


@pytest.fixture
def mock() -> Any:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


# -- encoding -------------------------------------------------------------------------------------

def test_every_writable_type_encodes_as_documented() -> None:
    values = {
        "Order": "O-7", "Notes": None, "Total": Decimal("1234.10"), "Stage": "Fitting", "Status": "Done",
        "Tags": ["Rush", "Opera"], "Due Date": date(2026, 4, 1), "Rush": True, "Brief": "https://x.test/b",
        "Email": "a@b.test", "Phone": "", "Client": [CLIENT, CLIENT], "Maker": [USER],
    }
    assert encode_properties(SCHEMA, values) == {
        "Order": {"title": [{"type": "text", "text": {"content": "O-7"}}]},
        "Notes": {"rich_text": []},
        "Total": {"number": Decimal("1234.10")},
        "Stage": {"select": {"name": "Fitting"}},
        "Status": {"status": {"name": "Done"}},
        "Tags": {"multi_select": [{"name": "Rush"}, {"name": "Opera"}]},
        "Due Date": {"date": {"start": "2026-04-01"}},
        "Rush": {"checkbox": True},
        "Brief": {"url": "https://x.test/b"},
        "Email": {"email": "a@b.test"},
        "Phone": {"phone_number": None},
        "Client": {"relation": [{"id": CLIENT}]},
        "Maker": {"people": [{"object": "user", "id": USER}]},
    }


def test_dates_and_ranges() -> None:
    paris = timezone(timedelta(hours=2))
    encoded = encode_properties(SCHEMA, {"Due Date": {
        "start": datetime(2026, 4, 1, 9, 30, tzinfo=paris), "end": date(2026, 4, 3), "time_zone": None}})
    assert encoded == {"Due Date": {"date": {"start": "2026-04-01T07:30:00Z", "end": "2026-04-03"}}}
    assert encode_properties(SCHEMA, {"Due Date": None}) == {"Due Date": {"date": None}}


def test_long_text_is_split_in_2000_character_runs() -> None:
    runs = encode_properties(SCHEMA, {"Notes": "x" * 4500})["Notes"]["rich_text"]
    assert [len(run["text"]["content"]) for run in runs] == [2000, 2000, 500]


@pytest.mark.parametrize(("values", "reason"), [
    ({"Nope": "x"}, "'Nope' is not in the data source schema"),
    ({"Order Count": 3}, "'Order Count' of type 'rollup' cannot be written"),
    ({"Total": 12.5}, "expected int or Decimal, not float"),
    ({"Total": True}, "expected int or Decimal, not bool"),
    ({"Total": Decimal("NaN")}, "not a finite number"),
    ({"Due Date": datetime(2026, 4, 1, 9, 30)}, "datetimes must be timezone-aware"),
    ({"Due Date": "01/04/2026"}, "Invalid isoformat string"),
    ({"Rush": "yes"}, "expected a boolean, not str"),
    ({"Tags": "Rush"}, "expected a list, not str"),
    ({"Tags": ["a,b"]}, "option names cannot contain commas"),
    ({"Client": [f"id-{i}" for i in range(101)]}, "101 elements, Notion accepts at most 100"),
    ({"Maker": [""]}, "ids must be non-empty strings"),
])
def test_bad_values_are_refused_with_the_reason(values: dict[str, Any], reason: str) -> None:
    with pytest.raises(PropertyEncodeError, match=reason.replace("(", r"\(")):
        encode_properties(SCHEMA, values)


def test_dumps_keeps_decimal_digits() -> None:
    body = {"n": Decimal("0.1"), "big": Decimal("12345678901234567.89"), "e": Decimal("1E+2"),
            "list": [Decimal("-3.000"), None, True, "é"]}
    expected = '{"n":0.1,"big":12345678901234567.89,"e":100,"list":[-3.000,null,true,"é"]}'
    assert dumps(body) == expected.encode()
    assert json.loads(dumps(body), parse_float=Decimal)["big"] == Decimal("12345678901234567.89")


# -- requests ---------------------------------------------------------------------------------------

async def test_create_sends_documented_body(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/pages").respond(200, json=page_body(Total={
        "id": "Tt", "type": "number", "number": 1234.1}))
    props = encode_properties(SCHEMA, {"Order": "O-7", "Total": Decimal("1234.10"), "Client": [CLIENT]})
    record = await notion.create_page(DS, props)
    assert sent(route) == {
        "parent": {"type": "data_source_id", "data_source_id": DS},
        "properties": {"Order": {"title": [{"type": "text", "text": {"content": "O-7"}}]},
                       "Total": {"number": Decimal("1234.10")},
                       "Client": {"relation": [{"id": CLIENT}]}}}
    assert b'"number":1234.10' in route.calls[0].request.content  # digits as given, not a float's
    assert route.calls[0].request.headers["Notion-Version"] == VERSION
    assert (record.external_id, record.collection, record.data["Order"]) == (PAGE, DS, "O-7")


async def test_update_sends_only_properties(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.patch(f"/v1/pages/{PAGE}").respond(200, json=page_body(Stage={
        "id": "Sg", "type": "select", "select": {"id": "x", "name": "Fitting", "color": "red"}}))
    record = await notion.update_page(PAGE, encode_properties(SCHEMA, {"Stage": "Fitting"}))
    assert sent(route) == {"properties": {"Stage": {"select": {"name": "Fitting"}}}}
    assert record.collection == DS and record.data["Stage"] == "Fitting"


async def test_validation_error_is_fatal_with_notion_message(notion: NotionConnector,
                                                             mock: respx.MockRouter) -> None:
    message = "body failed validation: body.properties.Total.number should be a number or `null`."
    route = mock.post("/v1/pages").mock(return_value=error(400, "validation_error", message))
    with pytest.raises(UpstreamFatal, match="should be a number") as caught:
        await notion.create_page(DS, {"Total": {"number": "x"}})
    assert caught.value.vendor_code == "validation_error" and route.call_count == 1


async def test_patch_is_retried_after_conflict(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.patch(f"/v1/pages/{PAGE}").mock(side_effect=[
        error(409, "conflict_error", "Conflict occurred while saving. Please try again."),
        httpx.Response(200, json=page_body())])
    record = await notion.update_page(PAGE, {"Rush": {"checkbox": True}})
    assert route.call_count == 2 and record.external_id == PAGE


async def test_post_is_not_retried_on_503(notion: NotionConnector, mock: respx.MockRouter) -> None:
    route = mock.post("/v1/pages").mock(return_value=error(503, "service_unavailable", "Try later."))
    with pytest.raises(UpstreamRetryable):
        await notion.create_page(DS, {"Order": {"title": []}})
    assert route.call_count == 1


async def test_find_by_property_queries_rich_text_equals(notion: NotionConnector,
                                                         mock: respx.MockRouter) -> None:
    older, newer = page_body("p-old"), page_body("p-new")
    older["created_time"] = "2026-02-01T10:00:00.000Z"
    route = mock.post(f"/v1/data_sources/{DS}/query").respond(200, json={
        "object": "list", "results": [newer, older], "next_cursor": None, "has_more": False})
    found = await notion.find_by_property(DS, "Hub Key", "quote-42")
    assert sent(route)["filter"] == {"property": "Hub Key", "rich_text": {"equals": "quote-42"}}
    assert found is not None and found.external_id == "p-old"  # the first created wins


async def test_create_with_key_returns_existing_page(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.post(f"/v1/data_sources/{DS}/query").respond(200, json={
        "object": "list", "results": [page_body("p-existing")], "next_cursor": None, "has_more": False})
    create = mock.post("/v1/pages").respond(200, json=page_body())
    record = await notion.create_page(DS, {"Order": {"title": []}}, idempotency_key="quote-42")
    assert record.external_id == "p-existing" and create.call_count == 0


async def test_create_with_new_key_writes_it(notion: NotionConnector, mock: respx.MockRouter) -> None:
    mock.post(f"/v1/data_sources/{DS}/query").respond(200, json={
        "object": "list", "results": [], "next_cursor": None, "has_more": False})
    create = mock.post("/v1/pages").respond(200, json=page_body())
    await notion.create_page(DS, {"Order": {"title": []}}, idempotency_key="quote-42")
    assert sent(create)["properties"]["Hub Key"] == {
        "rich_text": [{"type": "text", "text": {"content": "quote-42"}}]}


# -- end to end against the simulator -----------------------------------------------------------------

@pytest.fixture
def sim() -> Any:
    app = create_notion_app(enforce_rate_limit=False)
    schema = app.state.shop.notion_data_sources[NOTION_ORDERS_DATA_SOURCE_ID]["properties"]
    schema["Hub Key"] = {"id": "HK%3Dy", "name": "Hub Key", "type": "rich_text", "rich_text": {}}
    return app


@pytest.fixture
async def live(sim: Any) -> Any:
    hub = Upstreams(HttpSettings(backoff_base=0.0), transports={"notion": httpx.ASGITransport(app=sim)})
    opts = NotionConnector.client_options(SecretStr(NOTION_SANDBOX_TOKEN), VERSION)
    yield NotionConnector(hub.client("notion", BASE, limits=[Limit(1000, 1.0)], **opts))
    await hub.aclose()


async def test_order_created_updated_and_read_back(live: NotionConnector, sim: Any) -> None:
    client_id = sim.state.shop.notion_clients()[0]["id"]
    types = await live.property_types(NOTION_ORDERS_DATA_SOURCE_ID)
    # The Orders schema tracks progress in "Status" (status) or, in older seeds, "Stage" (select).
    progress = "Status" if types.get("Status") == "status" else "Stage"
    prop = sim.state.shop.notion_data_sources[NOTION_ORDERS_DATA_SOURCE_ID]["properties"][progress]
    first, last = prop[prop["type"]]["options"][0]["name"], prop[prop["type"]]["options"][-1]["name"]
    values = {"Order": "O-TEST-1", "Client": [client_id], progress: first, "Due Date": date(2026, 5, 2)}
    if types.get("Total") == "number":
        values["Total"] = Decimal("1250.50")
    created = await live.create_page(NOTION_ORDERS_DATA_SOURCE_ID, encode_properties(types, values),
                                     idempotency_key="order:quote-77")
    assert created.data["Client"] == [client_id] and created.data[progress] == first

    updated = await live.update_page(created.external_id, encode_properties(types, {progress: last}))
    assert updated.data[progress] == last and updated.collection == NOTION_ORDERS_DATA_SOURCE_ID

    [read] = await live.get_records(NOTION_ORDERS_DATA_SOURCE_ID, [created.external_id])
    assert read.data[progress] == last and read.data["Order"] == "O-TEST-1"
    assert read.data["Due Date"]["start"] == date(2026, 5, 2)
    if "Total" in values:
        assert read.data["Total"] == Decimal("1250.5")
    [client] = await live.get_records(NOTION_CLIENTS_DATA_SOURCE_ID, [client_id])
    assert created.external_id in client.data["Orders"]  # the two-way relation was written back

    again = await live.create_page(NOTION_ORDERS_DATA_SOURCE_ID, encode_properties(types, values),
                                   idempotency_key="order:quote-77")
    assert again.external_id == created.external_id
    assert sim.state.requests.count(("POST", "/v1/pages")) == 1
    assert read.updated_at is not None and read.updated_at.tzinfo == UTC
