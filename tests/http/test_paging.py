"""hub.http.paging: each paginator on its own, then ``SourceClient.paginate`` over respx-mocked pages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from hub.errors import UpstreamBadResponse, UpstreamFatal
from hub.http import (
    BodyCursorPaginator,
    Limit,
    OffsetPaginator,
    PageRequest,
    PageTokenPaginator,
    Paginator,
    SourceClient,
    Upstreams,
)
from hub.settings import HttpSettings

BASE = "https://api.example.test"


# --- paginators alone ------------------------------------------------------------------------------------

def test_body_cursor_in_json_keeps_the_query() -> None:
    pager = BodyCursorPaginator(page_size=50)
    query = {"filter": {"property": "Status", "status": {"equals": "Active"}}}
    first = pager.first(PageRequest(json=query))
    assert first.json == {**query, "page_size": 50}
    assert first.params == {}
    second = pager.next(first, {"object": "list", "results": [{}], "next_cursor": "c2", "has_more": True}, 1)
    assert second is not None
    assert second.json == {**query, "page_size": 50, "start_cursor": "c2"}
    third = pager.next(second, {"object": "list", "results": [{}], "next_cursor": "c3", "has_more": True}, 1)
    assert third is not None and third.json is not None and third.json["start_cursor"] == "c3"
    assert query == {"filter": {"property": "Status", "status": {"equals": "Active"}}}  # not mutated


@pytest.mark.parametrize("body", [
    {"results": [], "next_cursor": None, "has_more": False},
    {"results": [], "next_cursor": "c9", "has_more": False},
    {"results": [], "next_cursor": None, "has_more": True},  # no cursor to follow: stop, do not loop
    {"results": []},
])
def test_body_cursor_stops(body: dict[str, Any]) -> None:
    pager = BodyCursorPaginator()
    assert pager.next(pager.first(PageRequest(json={})), body, 0) is None


def test_body_cursor_in_params() -> None:
    pager = BodyCursorPaginator(page_size=25, where="params")
    first = pager.first(PageRequest(params={"filter": "x"}))
    assert first.params == {"filter": "x", "page_size": 25}
    assert first.json is None
    second = pager.next(first, {"next_cursor": "abc", "has_more": True}, 25)
    assert second is not None
    assert second.params == {"filter": "x", "page_size": 25, "start_cursor": "abc"}
    assert second.json is None


def test_page_token() -> None:
    pager = PageTokenPaginator(page_size=200)
    first = pager.first(PageRequest(params={"q": "trashed = false"}))
    assert first.params == {"q": "trashed = false", "pageSize": 200}
    second = pager.next(first, {"files": [{}], "nextPageToken": "~!!~AI9"}, 1)
    assert second is not None
    assert second.params == {"q": "trashed = false", "pageSize": 200, "pageToken": "~!!~AI9"}
    third = pager.next(second, {"files": [{}], "nextPageToken": "~!!~BJ1"}, 1)
    assert third is not None and third.params["pageToken"] == "~!!~BJ1"
    assert pager.next(third, {"files": []}, 0) is None
    assert pager.next(third, {"files": [], "nextPageToken": ""}, 0) is None


def test_page_token_size_param() -> None:
    pager = PageTokenPaginator(page_size=10, size_param="maxResults")
    assert pager.first(PageRequest()).params == {"maxResults": 10}


def qbo_query(request: PageRequest, start: int, size: int) -> PageRequest:
    """QuickBooks puts the page inside the query statement."""
    statement = f"SELECT * FROM Customer STARTPOSITION {start} MAXRESULTS {size}"
    return replace(request, params={**request.params, "query": statement})


def test_offset_walks_startposition() -> None:
    pager = OffsetPaginator(render=qbo_query, page_size=1000)
    page = pager.first(PageRequest(params={"minorversion": "75"}))
    seen = [page.params["query"]]
    for _ in range(2):
        next_page = pager.next(page, {}, 1000)
        assert next_page is not None
        page = next_page
        seen.append(page.params["query"])
    assert seen == [f"SELECT * FROM Customer STARTPOSITION {n} MAXRESULTS 1000" for n in (1, 1001, 2001)]
    assert page.params["minorversion"] == "75"
    assert pager.next(page, {}, 999) is None  # a short page is the last one
    assert pager.next(page, {}, 0) is None


# --- SourceClient.paginate ---------------------------------------------------------------------------------

@pytest.fixture
async def client() -> AsyncIterator[SourceClient]:
    upstreams = Upstreams(HttpSettings(backoff_base=0.0))
    yield upstreams.client("src", BASE, limits=[Limit(1000)])
    await upstreams.aclose()


async def collect(client: SourceClient, method: str, path: str, paginator: Paginator,
                  items: Any, **kwargs: Any) -> list[list[Any]]:
    return [batch async for batch in client.paginate(method, path, endpoint="things.list",
                                                     paginator=paginator, items=items, **kwargs)]


async def test_paginate_notion_query_two_pages_then_stop(client: SourceClient) -> None:
    pages = [
        {"object": "list", "results": [{"id": "p1"}, {"id": "p2"}], "next_cursor": "c2", "has_more": True},
        {"object": "list", "results": [{"id": "p3"}], "next_cursor": None, "has_more": False},
    ]
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.post("/v1/data_sources/ds1/query").mock(
            side_effect=[httpx.Response(200, json=page) for page in pages])
        batches = await collect(client, "POST", "/v1/data_sources/ds1/query",
                                BodyCursorPaginator(page_size=2), lambda body: body["results"],
                                json={"filter": {"property": "VIP"}}, idempotent=True)
    assert batches == [[{"id": "p1"}, {"id": "p2"}], [{"id": "p3"}]]
    assert route.call_count == 2
    sent = [json.loads(call.request.content) for call in route.calls]
    assert sent == [{"filter": {"property": "VIP"}, "page_size": 2},
                    {"filter": {"property": "VIP"}, "page_size": 2, "start_cursor": "c2"}]
    assert client.metrics.count("src", "things.list") == 2


async def test_paginate_drive_page_tokens(client: SourceClient) -> None:
    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.get("/drive/v3/files").mock(side_effect=[
            httpx.Response(200, json={"files": [{"id": "f1"}], "nextPageToken": "t2"}),
            httpx.Response(200, json={"files": [{"id": "f2"}]}),
        ])
        batches = await collect(client, "GET", "/drive/v3/files", PageTokenPaginator(page_size=1),
                                lambda body: body["files"], params={"q": "trashed = false"})
    assert batches == [[{"id": "f1"}], [{"id": "f2"}]]
    queries = [parse_qs(urlsplit(str(call.request.url)).query) for call in route.calls]
    assert queries == [{"q": ["trashed = false"], "pageSize": ["1"]},
                       {"q": ["trashed = false"], "pageSize": ["1"], "pageToken": ["t2"]}]


async def test_paginate_quickbooks_offsets_stop_on_a_short_page(client: SourceClient) -> None:
    def customers(body: dict[str, Any]) -> list[Any]:
        return body["QueryResponse"].get("Customer", [])  # an empty result has no "Customer" key

    with respx.mock(base_url=BASE, assert_all_called=True) as mock:
        route = mock.get("/v3/company/9341/query").mock(side_effect=[
            httpx.Response(200, json={"QueryResponse": {"Customer": [{"Id": "1"}, {"Id": "2"}],
                                                        "startPosition": 1, "maxResults": 2}}),
            httpx.Response(200, json={"QueryResponse": {"Customer": [{"Id": "3"}],
                                                        "startPosition": 3, "maxResults": 1}}),
        ])
        batches = await collect(client, "GET", "/v3/company/9341/query",
                                OffsetPaginator(render=qbo_query, page_size=2), customers,
                                params={"minorversion": "75"})
    assert [len(batch) for batch in batches] == [2, 1]
    statements = [call.request.url.params["query"] for call in route.calls]
    assert statements == ["SELECT * FROM Customer STARTPOSITION 1 MAXRESULTS 2",
                          "SELECT * FROM Customer STARTPOSITION 3 MAXRESULTS 2"]
    assert all(call.request.url.params["minorversion"] == "75" for call in route.calls)


async def test_paginate_quickbooks_empty_page_after_a_full_one(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/v3/company/9341/query").mock(side_effect=[
            httpx.Response(200, json={"QueryResponse": {"Customer": [{"Id": "1"}, {"Id": "2"}]}}),
            httpx.Response(200, json={"QueryResponse": {}}),
        ])
        batches = await collect(client, "GET", "/v3/company/9341/query",
                                OffsetPaginator(render=qbo_query, page_size=2),
                                lambda body: body["QueryResponse"].get("Customer", []))
    assert batches == [[{"Id": "1"}, {"Id": "2"}], []]
    assert route.call_count == 2


async def test_paginate_decodes_fractions_as_decimal(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/v3/company/9341/query").mock(return_value=httpx.Response(
            200, content=b'{"QueryResponse": {"Customer": [{"Id": "1", "Balance": 1250.10}]}}'))
        batches = await collect(client, "GET", "/v3/company/9341/query",
                                OffsetPaginator(render=qbo_query, page_size=2),
                                lambda body: body["QueryResponse"]["Customer"])
    assert batches[0][0]["Balance"] == Decimal("1250.10")


@pytest.mark.parametrize("body", [
    b'{"object": "error", "status": 400, "code": "validation_error", "message": "SECRET detail"}',
    b'[{"id": "p1"}]',
    b'"just a string"',
    b"null",
])
async def test_paginate_bad_page_shape_is_a_bad_response(client: SourceClient, body: bytes) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/v1/data_sources/ds1/query").mock(return_value=httpx.Response(200, content=body))
        with pytest.raises(UpstreamBadResponse, match="things.list page has an unexpected shape") as info:
            await collect(client, "POST", "/v1/data_sources/ds1/query", BodyCursorPaginator(),
                          lambda page: page["results"], idempotent=True)
    assert "SECRET" not in str(info.value)


async def test_paginate_non_json_page_is_a_bad_response(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/drive/v3/files").mock(return_value=httpx.Response(200, text="<html>login</html>"))
        with pytest.raises(UpstreamBadResponse, match="not JSON"):
            await collect(client, "GET", "/drive/v3/files", PageTokenPaginator(), lambda b: b["files"])
    assert route.call_count == 1


async def test_paginate_gives_up_on_endless_paging(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        route = mock.get("/drive/v3/files").mock(
            return_value=httpx.Response(200, json={"files": [{"id": "f"}], "nextPageToken": "same"}))
        with pytest.raises(UpstreamFatal, match="did not stop paging after 3 pages"):
            await collect(client, "GET", "/drive/v3/files", PageTokenPaginator(), lambda b: b["files"],
                          max_pages=3)
    assert route.call_count == 3


async def test_paginate_exactly_max_pages_is_fine(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.get("/drive/v3/files").mock(side_effect=[
            httpx.Response(200, json={"files": [{"id": "f1"}], "nextPageToken": "t2"}),
            httpx.Response(200, json={"files": [{"id": "f2"}]}),
        ])
        batches = await collect(client, "GET", "/drive/v3/files", PageTokenPaginator(),
                                lambda b: b["files"], max_pages=2)
    assert batches == [[{"id": "f1"}], [{"id": "f2"}]]


async def test_paginate_items_that_are_not_a_list_are_a_bad_response(client: SourceClient) -> None:
    with respx.mock(base_url=BASE) as mock:
        mock.post("/v1/data_sources/ds1/query").mock(return_value=httpx.Response(
            200, json={"object": "list", "results": None, "next_cursor": None, "has_more": False}))
        with pytest.raises(UpstreamBadResponse):
            await collect(client, "POST", "/v1/data_sources/ds1/query", BodyCursorPaginator(),
                          lambda page: page["results"], idempotent=True)
