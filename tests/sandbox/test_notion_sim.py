"""The Notion simulator, driven over HTTP the way a connector drives api.notion.com."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.sandbox.faults import Faults
from hub.sandbox.notion import create_notion_app
from hub.sandbox.seed import (
    NOTION_CLIENTS_DATA_SOURCE_ID,
    NOTION_ORDERS_DATA_SOURCE_ID,
    NOTION_SANDBOX_TOKEN,
    notion_page_id,
)

HEADERS = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": "2025-09-03"}
QUERY = f"/v1/data_sources/{NOTION_CLIENTS_DATA_SOURCE_ID}/query"
LATER = datetime(2026, 4, 1, 12, 30, 45, tzinfo=UTC)  # after every seeded timestamp


def make_client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.notion.com", headers=HEADERS
    )


@pytest.fixture
def app() -> Starlette:
    return create_notion_app(enforce_rate_limit=False, now=lambda: LATER)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as http:
        yield http


async def query(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every page of a query, following next_cursor."""
    body = dict(body or {})
    pages: list[dict[str, Any]] = []
    while True:
        response = await client.post(QUERY, json=body)
        assert response.status_code == 200, response.text
        data = response.json()
        pages += data["results"]
        if not data["has_more"]:
            return pages
        body["start_cursor"] = data["next_cursor"]


def names(pages: list[dict[str, Any]]) -> list[str]:
    return ["".join(t["plain_text"] for t in p["properties"]["Client"]["title"]) for p in pages]


# --- auth and headers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"Notion-Version": "2025-09-03"}, {"Authorization": "Bearer wrong", "Notion-Version": "2025-09-03"}],
)
async def test_bad_or_missing_token_is_401(app: Starlette, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.notion.com"
    ) as c:
        response = await c.get("/v1/users/me", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert {k: body[k] for k in ("object", "status", "code", "message")} == {
        "object": "error",
        "status": 401,
        "code": "unauthorized",
        "message": "API token is invalid.",
    }
    assert body["request_id"]


async def test_missing_notion_version_is_400(app: Starlette) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.notion.com"
    ) as c:
        response = await c.get("/v1/users/me", headers={"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}"})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_version"


async def test_users_me_and_paged_user_list(client: httpx.AsyncClient) -> None:
    me = (await client.get("/v1/users/me")).json()
    assert me["object"] == "user" and me["type"] == "bot" and me["bot"]["owner"]["type"] == "workspace"
    first = (await client.get("/v1/users", params={"page_size": 4})).json()
    assert first["object"] == "list" and first["type"] == "user" and first["has_more"] is True
    rest = (
        await client.get("/v1/users", params={"page_size": 4, "start_cursor": first["next_cursor"]})
    ).json()
    assert rest["has_more"] is False and rest["next_cursor"] is None
    ids = [u["id"] for u in first["results"] + rest["results"]]
    assert len(ids) == len(set(ids)) == 6 and me["id"] in ids


# --- paging, errors --------------------------------------------------------------------------------


async def test_paging_past_one_page(client: httpx.AsyncClient, app: Starlette) -> None:
    first = (await client.post(QUERY, json={"page_size": 10})).json()
    assert first["object"] == "list" and first["type"] == "page_or_data_source"
    assert first["page_or_data_source"] == {}
    assert len(first["results"]) == 10 and first["has_more"] is True
    pages = await query(client, {"page_size": 10})
    assert len(pages) == 64 == len({p["id"] for p in pages})
    assert Counter(app.state.requests)[("POST", "/v1/data_sources/{data_source_id}/query")] == 1 + 7


async def test_default_page_size_is_100(client: httpx.AsyncClient) -> None:
    data = (await client.post(QUERY)).json()
    assert len(data["results"]) == 64 and data["has_more"] is False and data["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"page_size": 101}, "validation_error"),
        ({"page_size": 0}, "validation_error"),
        ({"start_cursor": "not-a-cursor"}, "validation_error"),
        ({"filter": {"property": "Nope", "rich_text": {"equals": "x"}}}, "validation_error"),
        ({"filter": {"property": "Email", "rich_text": {"equals": "x"}}}, "validation_error"),
        ({"filter": {"property": "Email", "email": {"resembles": "x"}}}, "validation_error"),
        ({"filter": {"and": [{"or": [{"and": [{"property": "VIP", "checkbox": {"equals": True}}]}]}]}}, None),
        ({"sorts": [{"property": "Client", "direction": "sideways"}]}, "validation_error"),
    ],
)
async def test_invalid_query_bodies_are_400(
    client: httpx.AsyncClient, body: dict[str, Any], code: str | None
) -> None:
    response = await client.post(QUERY, json=body)
    assert response.status_code == 400
    assert response.json()["code"] == (code or "validation_error")
    assert response.json()["message"]


async def test_invalid_json_and_unknown_ids(client: httpx.AsyncClient) -> None:
    response = await client.post(QUERY, content=b"{nope", headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")
    unknown = "00000000-0000-4000-8000-000000000000"
    response = await client.post(f"/v1/data_sources/{unknown}/query", json={})
    assert (response.status_code, response.json()["code"]) == (404, "object_not_found")
    response = await client.get(f"/v1/pages/{unknown}")
    assert (response.status_code, response.json()["code"]) == (404, "object_not_found")
    response = await client.get("/v1/databases/nope/query")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_request_url")


async def test_ids_without_dashes_are_accepted(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/data_sources/{NOTION_CLIENTS_DATA_SOURCE_ID.replace('-', '')}")
    assert response.status_code == 200
    assert response.json()["properties"]["Client No."]["unique_id"] == {"prefix": "CL"}


# --- filters and sorts -----------------------------------------------------------------------------


def plain(page: dict[str, Any], name: str) -> str:
    value = page["properties"][name]
    return "".join(t["plain_text"] for t in value[value["type"]])


PROPERTY_FILTERS: list[tuple[dict[str, Any], Any]] = [
    (
        {"property": "Email", "email": {"equals": "maya.ortiz@gmail.com"}},
        lambda p: p["properties"]["Email"]["email"] == "maya.ortiz@gmail.com",
    ),
    ({"property": "Email", "email": {"equals": "MAYA.ORTIZ@gmail.com"}}, lambda p: False),
    ({"property": "Client", "title": {"contains": "opera"}}, lambda p: "opera" in plain(p, "Client").lower()),
    ({"property": "Company", "rich_text": {"is_empty": True}}, lambda p: not plain(p, "Company")),
    (
        {"property": "QuickBooks ID", "rich_text": {"is_not_empty": True}},
        lambda p: bool(plain(p, "QuickBooks ID")),
    ),
    (
        {"property": "Type", "select": {"equals": "Private"}},
        lambda p: p["properties"]["Type"]["select"]["name"] == "Private",
    ),
    (
        {"property": "Type", "select": {"equals": ["Event", "Film & TV"]}},
        lambda p: p["properties"]["Type"]["select"]["name"] in ("Event", "Film & TV"),
    ),
    (
        {"property": "Status", "status": {"does_not_equal": "Lead"}},
        lambda p: p["properties"]["Status"]["status"]["name"] != "Lead",
    ),
    ({"property": "VIP", "checkbox": {"equals": True}}, lambda p: p["properties"]["VIP"]["checkbox"]),
    (
        {"property": "Order Count", "rollup": {"number": {"greater_than": 25}}},
        lambda p: len(p["properties"]["Orders"]["relation"]) > 25,
    ),
    (
        {"property": "Discount", "formula": {"number": {"equals": 10}}},
        lambda p: p["properties"]["VIP"]["checkbox"],
    ),
    (
        {"property": "Client No.", "unique_id": {"less_than_or_equal_to": 10}},
        lambda p: p["properties"]["Client No."]["unique_id"]["number"] <= 10,
    ),
    (
        {"property": "Tags", "multi_select": {"contains": "Bridal"}},
        lambda p: "Bridal" in [t["name"] for t in p["properties"]["Tags"]["multi_select"]],
    ),
    (
        {"property": "Client Since", "date": {"before": "2022-01-01"}},
        lambda p: (p["properties"]["Client Since"]["date"] or {"start": "9999"})["start"] < "2022-01-01",
    ),
    (
        {"property": "Orders", "relation": {"is_not_empty": True}},
        lambda p: bool(p["properties"]["Orders"]["relation"]),
    ),
]


@pytest.mark.parametrize(("flt", "expected"), PROPERTY_FILTERS)
async def test_property_filters(
    client: httpx.AsyncClient, app: Starlette, flt: dict[str, Any], expected: Any
) -> None:
    want = {p["id"] for p in app.state.shop.notion_clients() if expected(p)}
    got = {p["id"] for p in await query(client, {"filter": flt})}
    assert got == want
    assert want or "MAYA" in str(flt)  # every filter but the case-sensitivity check selects something


async def test_or_filter_batches_several_lookups(client: httpx.AsyncClient) -> None:
    wanted = [notion_page_id("lyric"), notion_page_id("maya"), notion_page_id("oldvic")]
    emails = ["costumes@lyricoperahouse.org", "maya.ortiz@gmail.com", "harriet.blake@oldvictheatre.com"]
    flt = {"or": [{"property": "Email", "email": {"equals": e}} for e in emails]}
    assert sorted(p["id"] for p in await query(client, {"filter": flt})) == sorted(wanted)


async def test_last_edited_time_filter_supports_incremental_reads(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    clients = app.state.shop.notion_clients()
    cutoff = sorted(p["last_edited_time"] for p in clients)[40]
    after = await query(
        client, {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": cutoff}}}
    )
    assert {p["id"] for p in after} == {p["id"] for p in clients if p["last_edited_time"] >= cutoff}
    strictly = await query(
        client, {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"after": cutoff}}}
    )
    before = await query(
        client, {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"before": cutoff}}}
    )
    assert len(before) + len(after) == 64 and len(strictly) < len(after)

    # An edit moves the page past the newest seeded timestamp: a cursor at "now" sees exactly that page.
    target = notion_page_id("kenji")
    response = await client.patch(
        f"/v1/pages/{target}", json={"properties": {"Phone": {"phone_number": "+1 1"}}}
    )
    assert response.status_code == 200
    assert response.json()["last_edited_time"] == "2026-04-01T12:30:00.000Z"  # minute precision
    since = "2026-04-01T12:30:00Z"
    changed = await query(
        client,
        {
            "filter": {
                "and": [
                    {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": since}},
                    {"property": "Type", "select": {"equals": "Private"}},
                ]
            }
        },
    )
    assert [p["id"] for p in changed] == [target]
    assert changed[0]["properties"]["Last Edited"]["last_edited_time"] == "2026-04-01T12:30:00.000Z"


async def test_sorts(client: httpx.AsyncClient) -> None:
    by_name = names(await query(client, {"sorts": [{"property": "Client", "direction": "ascending"}]}))
    assert by_name == sorted(by_name, key=str.lower)
    newest = await query(client, {"sorts": [{"timestamp": "last_edited_time", "direction": "descending"}]})
    stamps = [p["last_edited_time"] for p in newest]
    assert stamps == sorted(stamps, reverse=True)
    websites = await query(client, {"sorts": [{"property": "Website", "direction": "descending"}]})
    assert (
        websites[0]["properties"]["Website"]["url"] and websites[-1]["properties"]["Website"]["url"] is None
    )


async def test_filter_properties_limits_returned_properties(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{QUERY}?filter_properties=title&filter_properties=Em%2540l", json={"page_size": 1}
    )
    assert set(response.json()["results"][0]["properties"]) == {"Client", "Email"}


# --- relations past 25 ---------------------------------------------------------------------------


async def test_page_truncates_relation_and_property_endpoint_pages_through_it(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    lyric = notion_page_id("lyric")
    full = [r["id"] for r in app.state.shop.notion_pages[lyric]["properties"]["Orders"]["relation"]]
    page = (await client.get(f"/v1/pages/{lyric}")).json()
    orders = page["properties"]["Orders"]
    assert len(orders["relation"]) == 25 and orders["has_more"] is True
    assert page["properties"]["Order Count"]["rollup"]["number"] == len(full) == 28

    prop_id = orders["id"]  # as returned: URL-encoded, passed through as-is
    url: str | None = f"/v1/pages/{lyric}/properties/{prop_id}?page_size=10"
    seen: list[str] = []
    calls = 0
    while url:
        data = (await client.get(url)).json()
        calls += 1
        assert data["object"] == "list" and data["type"] == "property_item"
        assert data["property_item"]["type"] == "relation" and data["property_item"]["id"] == prop_id
        assert all(
            item["object"] == "property_item" and item["type"] == "relation" for item in data["results"]
        )
        seen += [item["relation"]["id"] for item in data["results"]]
        url = data["property_item"]["next_url"] and data["property_item"]["next_url"] + "&page_size=10"
        assert (url is None) is (not data["has_more"])
    assert seen == full and calls == 3


async def test_simple_property_item_is_a_single_object(client: httpx.AsyncClient) -> None:
    data = (await client.get(f"/v1/pages/{notion_page_id('maya')}/properties/Em%40l")).json()
    assert data == {
        "object": "property_item",
        "id": "Em%40l",
        "type": "email",
        "email": "maya.ortiz@gmail.com",
    }
    missing = await client.get(f"/v1/pages/{notion_page_id('maya')}/properties/nope")
    assert missing.status_code == 404


# --- writes ------------------------------------------------------------------------------------------


async def test_patch_updates_properties_and_trash(client: httpx.AsyncClient) -> None:
    page_id = notion_page_id("oldvic")
    body = {
        "properties": {
            "Email": {"email": "new@oldvic.example"},
            "VIP": {"checkbox": True},
            "Tags": {"multi_select": [{"name": "Period"}, {"name": "Touring"}]},
            "Client Since": {"date": {"start": "2020-02-02"}},
        }
    }
    updated = (await client.patch(f"/v1/pages/{page_id}", json=body)).json()
    assert updated["properties"]["Email"]["email"] == "new@oldvic.example"
    assert updated["properties"]["Discount"]["formula"] == {"type": "number", "number": 10}
    assert [t["name"] for t in updated["properties"]["Tags"]["multi_select"]] == ["Period", "Touring"]
    assert (await client.get(f"/v1/pages/{page_id}")).json()["properties"]["VIP"]["checkbox"] is True

    bad = await client.patch(f"/v1/pages/{page_id}", json={"properties": {"Nope": {"email": "x"}}})
    assert bad.status_code == 400 and bad.json()["message"] == "Nope is not a property that exists."
    wrong_type = await client.patch(f"/v1/pages/{page_id}", json={"properties": {"Email": {"rich_text": []}}})
    assert wrong_type.status_code == 400
    read_only = await client.patch(
        f"/v1/pages/{page_id}", json={"properties": {"Order Count": {"rollup": {}}}}
    )
    assert read_only.status_code == 400

    assert (await client.patch(f"/v1/pages/{page_id}", json={"in_trash": True})).json()["in_trash"] is True
    assert page_id not in {p["id"] for p in await query(client)}
    assert page_id in {p["id"] for p in await query(client, {"in_trash": True})}


async def test_create_order_page_updates_the_client_relation(client: httpx.AsyncClient) -> None:
    maya = notion_page_id("maya")
    body = {
        "parent": {"type": "data_source_id", "data_source_id": NOTION_ORDERS_DATA_SOURCE_ID},
        "properties": {
            "Order": {"title": [{"text": {"content": "SO-2001"}}]},
            "Client": {"relation": [{"id": maya}]},
            "Total": {"number": 1250},
        },
    }
    response = await client.post("/v1/pages", json=body)
    assert response.status_code == 200
    created = response.json()
    assert created["object"] == "page" and created["parent"]["data_source_id"] == NOTION_ORDERS_DATA_SOURCE_ID
    assert created["properties"]["Order"]["title"][0]["plain_text"] == "SO-2001"
    client_page = (await client.get(f"/v1/pages/{maya}")).json()
    assert {"id": created["id"]} in client_page["properties"]["Orders"]["relation"]
    assert client_page["properties"]["Order Count"]["rollup"]["number"] == 2
    wrong_target = dict(body, properties={"Client": {"relation": [{"id": created["id"]}]}})
    assert (await client.post("/v1/pages", json=wrong_target)).status_code == 400
    no_parent = await client.post("/v1/pages", json={"properties": {}})
    assert no_parent.status_code == 400 and no_parent.json()["code"] == "validation_error"


async def test_app_state_shop_is_a_private_mutable_copy() -> None:
    first, second = create_notion_app(), create_notion_app()
    page_id = notion_page_id("lyric")
    first.state.shop.notion_pages[page_id]["properties"]["VIP"]["checkbox"] = False
    assert second.state.shop.notion_pages[page_id]["properties"]["VIP"]["checkbox"] is True
    async with make_client(first) as http:
        assert (await http.get(f"/v1/pages/{page_id}")).json()["properties"]["VIP"]["checkbox"] is False


# --- rate limit and faults -------------------------------------------------------------------------


async def test_rate_limit_answers_429_with_retry_after() -> None:
    now = [0.0]
    app = create_notion_app(rate_per_second=3.0, burst=10, clock=lambda: now[0])
    async with make_client(app) as http:
        statuses = [(await http.get("/v1/users/me")).status_code for _ in range(12)]
        assert statuses == [200] * 10 + [429, 429]
        limited = await http.get("/v1/users/me")
        assert limited.headers["Retry-After"] == "1"
        assert limited.json()["code"] == "rate_limited" and limited.json()["object"] == "error"
        now[0] += 1.0  # three tokens back
        assert [(await http.get("/v1/users/me")).status_code for _ in range(4)] == [200, 200, 200, 429]


async def test_rate_limit_does_not_spend_on_rejected_auth() -> None:
    app = create_notion_app(burst=1, clock=lambda: 0.0)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://api.notion.com"
    ) as c:
        assert (await c.get("/v1/users/me", headers={"Notion-Version": "2025-09-03"})).status_code == 401
        assert (await c.get("/v1/users/me", headers=HEADERS)).status_code == 200


@pytest.mark.parametrize(
    ("knobs", "status", "code"),
    [
        ({"outage": True}, 503, "service_unavailable"),
        ({"error_rate": 1.0}, 500, "internal_server_error"),
        ({"burst_429": 1}, 429, "rate_limited"),
    ],
)
async def test_fault_knobs(knobs: dict[str, Any], status: int, code: str) -> None:
    faults = Faults()
    app = create_notion_app(faults=faults, enforce_rate_limit=False)
    assert app.state.faults is faults
    faults.set(**knobs)
    async with make_client(app) as http:
        response = await http.post(QUERY, json={})
        assert response.status_code == status
        assert response.json()["object"] == "error" and response.json()["code"] == code
        if status == 429:
            assert response.headers["Retry-After"] == "1"
            assert (await http.post(QUERY, json={})).status_code == 200  # the burst is spent
        faults.reset()
        assert (await http.post(QUERY, json={})).status_code == 200
    assert faults.requests == len(app.state.requests)
