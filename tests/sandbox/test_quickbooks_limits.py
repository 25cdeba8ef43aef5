"""The QuickBooks simulator's real limits (10/s and 500/min per realm, 40 batches/min, 429 + Fault +
Retry-After) and the trip wires every crash test stands on: ``fail_at`` (500, or a dropped connection)
and ``stall_at`` (held until released), before or after the request is applied, set in code, from
settings or through ``/_sandbox/faults``; the Notion simulator's page updates have the same wires."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from hub.sandbox.counting import tally
from hub.sandbox.faults import Faults
from hub.sandbox.notion import NOTION_API_VERSION, create_notion_app
from hub.sandbox.quickbooks import create_quickbooks_app
from hub.sandbox.runner import free_port, sandbox_apps
from hub.sandbox.seed import NOTION_SANDBOX_TOKEN, QUICKBOOKS_REALM_ID, build_shop
from hub.sandbox.seed_sales import build_sales
from hub.sandbox.tripwires import SimulatedDrop, Trip
from hub.settings import Settings

BASE = f"/v3/company/{QUICKBOOKS_REALM_ID}"
SHOP = build_shop()
CUSTOMERS = SHOP.quickbooks_customers
SALES = build_sales(CUSTOMERS)
COUNT = "SELECT COUNT(*) FROM Item"


class Clock:
    def __init__(self, start: float = 1_775_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> Starlette:
    return create_quickbooks_app(CUSTOMERS, sales=SALES, clock=clock)  # Intuit's limits are the defaults


@asynccontextmanager
async def qbo_client(app: Starlette, url: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` in process, or over the socket at ``url``."""
    transport = None if url else httpx.ASGITransport(app=app)
    base_url = url or "https://qbo.test"
    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30.0) as client:
        client.headers["Authorization"] = f"Bearer {app.state.oauth.issue_tokens()['access_token']}"
        yield client


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with qbo_client(app) as c:
        yield c


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """``app`` on a loopback port (uvicorn in this loop), for what only a socket shows."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical",
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0)  # a yield to the server task, not a timed wait
        if task.done():
            task.result()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def invoice_item(bid: str, customer: str = "1") -> dict[str, Any]:
    line = {"DetailType": "SalesItemLineDetail", "Amount": 100,
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 100}}
    body = {"CustomerRef": {"value": customer}, "Line": [line], "PrivateNote": f"[order:{bid}]"}
    return {"bId": bid, "operation": "create", "Invoice": body}


async def create_batch(client: httpx.AsyncClient, *bids: str, requestid: str | None = None) -> httpx.Response:
    params = {"minorversion": "75", **({"requestid": requestid} if requestid else {})}
    return await client.post(f"{BASE}/batch", params=params,
                             json={"BatchItemRequest": [invoice_item(b) for b in bids]})


async def count(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(f"{BASE}/query", params={"query": COUNT})


def made(app: Starlette) -> dict[str, int]:
    """Invoices per test order, read from the simulator's store."""
    return dict(tally(app.state.tables["Invoice"].values(), "PrivateNote", r"\[order:(\w+)\]"))


def assert_throttled(response: httpx.Response, retry_after: str) -> None:
    assert response.status_code == 429 and response.headers["Retry-After"] == retry_after
    error = response.json()["fault"]["error"][0]  # Intuit's gateway fault, lower-case keys
    assert error["code"] == "3001" and "ThrottleExceeded" in error["message"]


# --- Intuit's limits, enforced by default -----------------------------------------------------------


async def test_ten_requests_a_second_per_realm(client: httpx.AsyncClient, clock: Clock) -> None:
    statuses = []
    for _ in range(11):
        statuses.append((await count(client)).status_code)
        clock.advance(0.09)
    assert statuses == [200] * 10 + [429]
    clock.advance(0.1)  # the first call leaves the rolling second
    assert (await count(client)).status_code == 200


async def test_five_hundred_requests_a_minute_per_realm(client: httpx.AsyncClient, clock: Clock) -> None:
    for _ in range(500):
        assert (await count(client)).status_code == 200
        clock.advance(0.1171875)  # 15/128 s, exact in binary: under 10 a second; 500 calls in 58.6 s
    assert_throttled(await count(client), "2")  # the first call leaves the minute 1.4 s from now
    clock.advance(1.5)
    assert (await count(client)).status_code == 200


async def test_forty_batches_a_minute_and_a_batch_is_one_call(
    app: Starlette, client: httpx.AsyncClient, clock: Clock
) -> None:
    for n in range(40):
        assert (await create_batch(client, *(f"b{n}i{i}" for i in range(30)))).status_code == 200
        clock.advance(1.0)
    assert_throttled(await create_batch(client, "late"), "20")
    assert (await count(client)).status_code == 200  # other calls still pass: 41 of 500 used
    assert len(made(app)) == 1200 and "late" not in made(app)  # 40 x 30 invoices, the refused one not
    clock.advance(20)
    assert (await create_batch(client, "late")).status_code == 200


async def test_limits_are_per_realm_and_can_be_switched_off(clock: Clock) -> None:
    app = create_quickbooks_app(CUSTOMERS, sales=SALES, clock=clock, enforce_rate_limit=False)
    async with qbo_client(app) as client:
        assert {(await count(client)).status_code for _ in range(30)} == {200}
    assert app.state.api.throttle is None and app.state.api.batch_throttle is None


# --- fail_at ----------------------------------------------------------------------------------------


async def test_fail_at_answers_500_at_the_nth_matching_request(app: Starlette, client: httpx.AsyncClient,
                                                               clock: Clock) -> None:
    app.state.faults.set(fail_at="POST /batch#2")
    assert (await count(client)).status_code == 200  # not a match
    first = await create_batch(client, "a")
    failed = await create_batch(client, "b")
    third = await create_batch(client, "c")
    assert [first.status_code, failed.status_code, third.status_code] == [200, 500, 200]
    fault = failed.json()["Fault"]
    assert fault["type"] == "SystemFault" and fault["Error"][0]["code"] == "10000"
    assert made(app) == {"a": 1, "c": 1}  # failed before it was applied
    assert app.state.faults.state()["fail_at"] == {"trip": "POST /batch#2", "seen": 3}


async def test_fail_at_after_applies_then_fails_and_requestid_replays(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    app.state.faults.set(fail_at="POST /batch#1 after")
    failed = await create_batch(client, "a", "b", requestid="run-1")
    assert failed.status_code == 500 and made(app) == {"a": 1, "b": 1}  # done, but the answer was lost
    retry = await create_batch(client, "a", "b", requestid="run-1")
    assert retry.status_code == 200 and made(app) == {"a": 1, "b": 1}
    notes = [r["Invoice"]["PrivateNote"] for r in retry.json()["BatchItemResponse"]]
    assert notes == ["[order:a]", "[order:b]"]  # the first answer, replayed


async def test_unserved_requests_do_not_count_towards_a_trip(app: Starlette,
                                                             client: httpx.AsyncClient) -> None:
    app.state.faults.set(fail_at="/batch#1", burst_429=1)
    assert (await create_batch(client, "a")).status_code == 429  # the knob's 429: not served
    rejected = await client.post(f"{BASE}/batch", json={}, headers={"Authorization": "Bearer nope"})
    assert rejected.status_code == 401
    assert (await create_batch(client, "b")).status_code == 500  # the first served one
    assert made(app) == {}


async def test_fail_at_drop_closes_the_connection(app: Starlette) -> None:
    app.state.faults.set(fail_at="POST /batch#1 drop")
    async with qbo_client(app) as client:  # in process: the transport error itself
        with pytest.raises(SimulatedDrop):
            await create_batch(client, "a")
    app.state.faults.set(fail_at="POST /batch#1 after drop")
    async with served(app) as url, qbo_client(app, url) as client:
        with pytest.raises(httpx.RemoteProtocolError):  # over a socket: the server hung up mid-answer
            await create_batch(client, "b")
        assert (await create_batch(client, "c")).status_code == 200
    assert made(app) == {"b": 1, "c": 1}


# --- stall_at ---------------------------------------------------------------------------------------


async def test_stall_before_holds_until_released(app: Starlette, client: httpx.AsyncClient) -> None:
    faults: Faults = app.state.faults
    faults.set(stall_at="POST /batch#1")
    pending = asyncio.create_task(create_batch(client, "a"))
    held = await faults.stalls.wait_held(within=10)
    assert (held.method, held.applied) == ("POST", False) and held.path.endswith("/batch")
    assert not pending.done() and made(app) == {}  # nothing applied while held
    assert faults.stalls.release() == 1
    assert (await pending).status_code == 200 and made(app) == {"a": 1}
    assert faults.stalls.held == [] and faults.stalls.total == 1


async def test_stall_after_applies_first_and_holds_the_answer(app: Starlette,
                                                              client: httpx.AsyncClient) -> None:
    faults: Faults = app.state.faults
    faults.set(stall_at=Trip("/batch", nth=2, method="POST", after=True))
    assert (await create_batch(client, "a")).status_code == 200
    pending = asyncio.create_task(create_batch(client, "b"))
    held = await faults.stalls.wait_held(within=10)
    assert held.applied and made(app) == {"a": 1, "b": 1} and not pending.done()
    faults.stalls.release()
    answer = (await pending).json()["BatchItemResponse"][0]
    assert answer["Invoice"]["PrivateNote"] == "[order:b]"


async def test_a_held_request_released_with_drop_is_never_applied(app: Starlette) -> None:
    faults: Faults = app.state.faults
    faults.set(stall_at="POST /batch#1")
    async with served(app) as url, qbo_client(app, url) as client:
        pending = asyncio.create_task(create_batch(client, "a"))
        await faults.stalls.wait_held(within=10)
        faults.stalls.release(drop=True)
        with pytest.raises(httpx.RemoteProtocolError):
            await pending
    assert made(app) == {}


async def test_wait_held_is_bounded(app: Starlette) -> None:
    app.state.faults.set(stall_at="/batch#1")
    with pytest.raises(TimeoutError, match="no request was held"):
        await app.state.faults.stalls.wait_held(within=0.01)


async def test_sandbox_control_endpoints_show_set_and_release(app: Starlette) -> None:
    async with served(app) as url, qbo_client(app, url) as client:
        setting = await client.post("/_sandbox/faults", json={"stall_at": "POST /batch#1 after"})
        assert setting.status_code == 200 and setting.json()["stall_at"] == {
            "trip": "POST /batch#1 after", "seen": 0}
        pending = asyncio.create_task(create_batch(client, "a"))
        await app.state.faults.stalls.wait_held(within=10)
        state = (await client.get("/_sandbox/faults")).json()  # what a test in another process polls
        assert [(h["method"], h["applied"]) for h in state["held"]] == [("POST", True)]
        assert state["stalled"] == 1 and state["requests"] == 1
        assert (await client.post("/_sandbox/release")).json() == {"released": 1}
        assert (await pending).status_code == 200
        bad = await client.post("/_sandbox/faults", json={"stall_at": "POST /batch#x"})
        assert bad.status_code == 400 and "must be a number" in bad.json()["error"]
        assert (await client.post("/_sandbox/faults", json={"nope": 1})).status_code == 400
    assert ("GET", "/_sandbox/faults") not in app.state.requests  # control calls are not vendor calls
    assert app.state.faults.requests == 1


# --- the knobs from settings (hub sandbox, hub demo) and the Notion simulator -------------------------


def test_trip_wires_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_SANDBOX__QUICKBOOKS__STALL_AT", "POST /batch#2 after")
    monkeypatch.setenv("HUB_SANDBOX__NOTION__FAIL_AT", "PATCH /v1/pages/#3 drop")
    apps = sandbox_apps(Settings().sandbox)
    assert apps["quickbooks"].state.faults.stall_at == Trip("/batch", 2, "POST", after=True)
    assert apps["notion"].state.faults.fail_at == Trip("/v1/pages/", 3, "PATCH", drop=True)


@pytest.mark.parametrize(("text", "trip"), [
    ("/batch", Trip("/batch")),
    ("post /batch#3", Trip("/batch", 3, "POST")),
    ("PATCH /v1/pages/#1 after", Trip("/v1/pages/", 1, "PATCH", after=True)),
    ("/invoice#2 drop after", Trip("/invoice", 2, after=True, drop=True)),
])
def test_trip_text(text: str, trip: Trip) -> None:
    assert Trip.parse(text) == trip and Trip.parse(str(trip)) == trip


@pytest.mark.parametrize(("text", "message"), [
    ("", "expected '\\[METHOD \\]PATH"),
    ("GET POST /batch", "expected '\\[METHOD \\]PATH"),
    ("/batch#two", "must be a number"),
    ("/batch#0", "nth >= 1"),
])
def test_bad_trip_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Faults(fail_at=text)  # type: ignore[arg-type]  # settings hand the text form over


def test_stall_cannot_drop_and_reset_clears_the_wires() -> None:
    with pytest.raises(ValueError, match="release"):
        Faults().set(stall_at="/batch drop")
    faults = Faults()
    faults.set(fail_at="/batch", stall_at="/query")
    faults.reset()
    assert faults.fail_at is None and faults.stall_at is None


async def test_notion_page_update_can_be_held() -> None:
    app = create_notion_app(SHOP, enforce_rate_limit=False)
    faults: Faults = app.state.faults
    faults.set(stall_at="PATCH /v1/pages/#1")
    page_id = SHOP.notion_orders()[0]["id"]
    headers = {"Authorization": f"Bearer {NOTION_SANDBOX_TOKEN}", "Notion-Version": NOTION_API_VERSION}
    patch = {"properties": {"Status": {"status": {"name": "Invoiced"}}}}

    def status() -> str:
        return str(app.state.shop.notion_pages[page_id]["properties"]["Status"]["status"]["name"])

    before = status()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://api.notion.com",
                                 headers=headers) as client:
        assert (await client.get(f"/v1/pages/{page_id}")).status_code == 200  # a GET is not the trip
        pending = asyncio.create_task(client.patch(f"/v1/pages/{page_id}", json=patch))
        held = await faults.stalls.wait_held(within=10)
        assert held.method == "PATCH" and status() == before
        assert (await client.get("/_sandbox/faults")).json()["held"][0]["path"] == f"/v1/pages/{page_id}"
        faults.stalls.release()
        assert (await pending).status_code == 200 and status() == "Invoiced"
