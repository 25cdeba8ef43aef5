"""hub.http.client: classify(), retries, Retry-After, secrets in messages, SourceHealth, Upstreams.

Upstream answers come from ``httpx.MockTransport`` scripts; every retry assertion counts requests. Tests
that need time use a fake clock that ``asyncio.sleep`` advances, so nothing here really waits.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from hub.errors import (
    UpstreamAuthError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamFatal,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamRetryable,
)
from hub.http import (
    CircuitBreaker,
    Limit,
    RateBudget,
    SourceClient,
    SourceHealth,
    UpstreamMetrics,
    Upstreams,
    VendorError,
    classify,
    parse_retry_after,
)
from hub.settings import HttpSettings
from tests.http.conftest import FakeClock

BASE = "https://api.example.test"
Answer = Callable[[httpx.Request], httpx.Response]


def reply(status: int = 200, *, json: Any = None, content: bytes | None = None,
          headers: dict[str, str] | None = None) -> Answer:
    """An answer that builds a fresh response for each request."""
    def answer(request: httpx.Request) -> httpx.Response:
        if json is not None:
            return httpx.Response(status, json=json, headers=headers)
        return httpx.Response(status, content=content or b"", headers=headers)
    return answer


def fail(exc_type: type[httpx.TransportError], message: str = "boom") -> Answer:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc_type(message, request=request)
    return answer


class Script:
    """A MockTransport handler answering from a list in order; the last answer repeats."""

    def __init__(self, *answers: Answer, clock: FakeClock | None = None) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []
        self.times: list[float] = []
        self.clock = clock

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.clock is not None:
            self.times.append(self.clock())
        return self.answers[min(len(self.requests), len(self.answers)) - 1](request)


MakeClient = Callable[..., SourceClient]


@pytest.fixture
async def make() -> AsyncIterator[MakeClient]:
    """Build a client for source ``src`` over a script; with ``clock`` its budget and breaker use it."""
    opened: list[SourceClient] = []

    def build(script: Script, *, clock: FakeClock | None = None,
              vendor_errors: Callable[[httpx.Response], VendorError | None] | None = None,
              **knobs: Any) -> SourceClient:
        settings = HttpSettings(**{"backoff_base": 0.0, **knobs})
        if clock is None:
            upstreams = Upstreams(settings, transports={"src": httpx.MockTransport(script)})
            client = upstreams.client("src", BASE, limits=[Limit(1000)], vendor_errors=vendor_errors)
        else:
            budget = RateBudget("src", [Limit(1000)], clock=clock)
            breaker = CircuitBreaker("src", failures=settings.breaker_failures,
                                     cooldown=settings.breaker_cooldown, clock=clock)
            client = SourceClient(
                "src", BASE, settings=settings, metrics=UpstreamMetrics(), budget=budget, breaker=breaker,
                health=SourceHealth("src", breaker=breaker, budget=budget),
                transport=httpx.MockTransport(script), vendor_errors=vendor_errors)
        opened.append(client)
        return client

    yield build
    for client in opened:
        await client.aclose()


def response(status: int, *, headers: dict[str, str] | None = None, content: bytes = b"",
             url: str = f"{BASE}/v1/things?token=SECRET") -> httpx.Response:
    return httpx.Response(status, headers=headers, content=content, request=httpx.Request("GET", url))


# --- classify -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "expected"), [
    (200, None), (201, None), (204, None),
    # Redirects are not followed and count as answers; json() then rejects a non-JSON redirect body.
    (301, None),
    (400, UpstreamFatal), (401, UpstreamAuthError), (403, UpstreamFatal), (404, UpstreamNotFound),
    (408, UpstreamRetryable), (409, UpstreamFatal), (422, UpstreamFatal), (429, UpstreamRateLimited),
    (500, UpstreamRetryable), (502, UpstreamRetryable), (503, UpstreamRetryable), (504, UpstreamRetryable),
])
def test_classify_by_status(status: int, expected: type[UpstreamError] | None) -> None:
    error = classify("notion", response(status), endpoint="pages.get")
    if expected is None:
        assert error is None
        return
    assert type(error) is expected
    assert error.source == "notion"
    assert error.status == status
    assert str(error) == f"notion: HTTP {status} from pages.get"


def test_classify_codes_name_what_the_caller_should_do() -> None:
    codes = {status: classify("s", response(status), endpoint="e").code  # type: ignore[union-attr]
             for status in (400, 401, 404, 429, 503)}
    assert codes == {400: "UPSTREAM_ERROR", 401: "AUTH_EXPIRED", 404: "NOT_FOUND", 429: "RATE_LIMITED",
                     503: "UPSTREAM_UNAVAILABLE"}


def test_429_retry_after_in_seconds() -> None:
    error = classify("s", response(429, headers={"Retry-After": "7"}), endpoint="e")
    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after == 7.0


def test_429_retry_after_as_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    header = email.utils.format_datetime(when, usegmt=True)
    error = classify("s", response(429, headers={"Retry-After": header}), endpoint="e")
    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after is not None and 25.0 <= error.retry_after <= 30.0


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("", None), ("0", 0.0), (" 120 ", 120.0), ("-5", 0.0), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: go now
    ("Wed, 21 Oct 2015 07:29:00 GMT", 30.0),
])
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, 30, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == expected


def test_parse_retry_after_rejects_non_numbers() -> None:
    assert parse_retry_after("inf") is None
    assert parse_retry_after("nan") is None


def test_429_without_retry_after() -> None:
    error = classify("s", response(429), endpoint="e")
    assert isinstance(error, UpstreamRateLimited)
    assert error.retry_after is None


def test_vendor_parser_turns_403_into_rate_limited() -> None:
    def drive_errors(resp: httpx.Response) -> VendorError | None:
        reason = resp.json()["error"]["errors"][0]["reason"]
        kind = "rate_limited" if reason == "userRateLimitExceeded" else None
        return VendorError(resp.json()["error"]["message"], code=reason, kind=kind)

    body = b'{"error": {"code": 403, "message": "User Rate Limit Exceeded", ' \
           b'"errors": [{"reason": "userRateLimitExceeded"}]}}'
    error = classify("drive", response(403, content=body, headers={"Retry-After": "3"}),
                     endpoint="files.list", vendor=drive_errors)
    assert type(error) is UpstreamRateLimited
    assert error.status == 403
    assert error.retry_after == 3.0
    assert error.vendor_code == "userRateLimitExceeded"
    assert str(error) == "drive: HTTP 403 from files.list: User Rate Limit Exceeded"


@pytest.mark.parametrize(("kind", "expected"), [
    ("auth", UpstreamAuthError), ("not_found", UpstreamNotFound), ("retryable", UpstreamRetryable),
    ("fatal", UpstreamFatal), (None, UpstreamFatal),
])
def test_vendor_kind_overrides_status(kind: str | None, expected: type[UpstreamError]) -> None:
    error = classify("s", response(400), endpoint="e", vendor=lambda r: VendorError("nope", kind=kind))
    assert type(error) is expected


@pytest.mark.parametrize("status", [400, 429, 500])
def test_parser_that_raises_still_classifies_by_status(status: int) -> None:
    def broken(resp: httpx.Response) -> VendorError:
        return resp.json()["error"]  # the body is not JSON

    error = classify("s", response(status, content=b"<html>oops</html>"), endpoint="e", vendor=broken)
    assert error is not None and error.status == status
    assert str(error) == f"s: HTTP {status} from e"


def test_parser_returning_none_falls_back_to_status() -> None:
    assert type(classify("s", response(404), endpoint="e", vendor=lambda r: None)) is UpstreamNotFound


def test_parser_is_not_consulted_on_success() -> None:
    def boom(resp: httpx.Response) -> VendorError:
        raise AssertionError("parser called on a 200")

    assert classify("s", response(200), endpoint="e", vendor=boom) is None


def test_vendor_message_is_clipped_to_one_short_line() -> None:
    long = "line one\n\n" + "x" * 1000
    error = classify("s", response(400), endpoint="e", vendor=lambda r: VendorError(long, code="V1"))
    assert error is not None
    assert "\n" not in str(error)
    assert len(str(error)) < 240
    assert error.vendor_code == "V1"


# --- secrets and URLs never reach messages ----------------------------------------------------------

@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429, 500, 503])
def test_classify_message_has_no_url_query_or_body(status: int) -> None:
    resp = response(status, content=b'{"message": "token SECRET is wrong", "token": "SECRET"}')
    error = classify("s", resp, endpoint="things.list")
    assert error is not None
    for text in (str(error), repr(error), *map(str, error.args)):
        assert "SECRET" not in text
        assert "api.example.test" not in text
        assert "/v1/things" not in text


@pytest.mark.parametrize("answer", [
    reply(400, content=b"SECRET body"), reply(401, content=b"SECRET"), reply(503, content=b"SECRET"),
    reply(429, content=b"SECRET", headers={"Retry-After": "0"}),
    fail(httpx.ConnectError, f"cannot reach {BASE}/v1/things?token=SECRET"),
    fail(httpx.ReadTimeout, f"read timeout on {BASE}/v1/things?token=SECRET"),
])
async def test_client_errors_have_no_url_query_or_body(make: MakeClient, answer: Answer) -> None:
    client = make(Script(answer), max_attempts=1)
    with pytest.raises(UpstreamError) as info:
        await client.request("GET", "/v1/things", endpoint="things.list", params={"token": "SECRET"})
    error = info.value
    texts = [str(error), repr(error), str(client.health.last_error_message)]
    for text in texts:
        assert "SECRET" not in text
        assert "api.example.test" not in text
    assert "things.list" in str(error)
    # An httpx exception (which carries the URL) is not chained for tracebacks to print.
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


async def test_hub_log_lines_have_no_url(make: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="hub")
    client = make(Script(reply(500, content=b"SECRET")), max_attempts=2)
    with pytest.raises(UpstreamRetryable):
        await client.request("GET", "/v1/things", endpoint="things.list", params={"token": "SECRET"})
    hub_records = [r for r in caplog.records if r.name.startswith("hub")]
    assert hub_records, "the hub logs upstream errors"
    assert not [r for r in hub_records if "SECRET" in r.getMessage()]


async def test_no_log_line_has_the_query_string(make: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client = make(Script(reply(200, json={})))
    await client.request("GET", "/v1/things", endpoint="things.list", params={"key": "SECRET"})
    assert not [r for r in caplog.records if "SECRET" in r.getMessage()]


# --- retries -----------------------------------------------------------------------------------------

async def test_get_is_retried_on_503_then_succeeds(make: MakeClient) -> None:
    script = Script(reply(503), reply(200, json={"ok": True}))
    client = make(script)
    resp = await client.request("GET", "/v1/things", endpoint="things.list")
    assert resp.status_code == 200
    assert len(script.requests) == 2
    assert client.metrics.count("src", "things.list") == 2


async def test_post_is_not_retried_on_503(make: MakeClient) -> None:
    script = Script(reply(503), reply(200))
    client = make(script)
    with pytest.raises(UpstreamRetryable) as info:
        await client.request("POST", "/v1/things", endpoint="things.create", json={"name": "Cape"})
    assert info.value.status == 503
    assert len(script.requests) == 1


async def test_post_with_idempotency_key_is_retried_with_the_same_body(make: MakeClient) -> None:
    script = Script(reply(503), reply(200, json={"Id": "7"}))
    client = make(script)
    resp = await client.request("POST", "/v3/company/1/customer", endpoint="customer.create",
                                params={"requestid": "k-1"}, json={"DisplayName": "Cape"},
                                idempotency_key="k-1")
    assert resp.status_code == 200
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content
    assert script.requests[0].url == script.requests[1].url


async def test_post_marked_idempotent_is_retried(make: MakeClient) -> None:
    script = Script(reply(502), reply(200, json={"results": []}))
    client = make(script)
    await client.request("POST", "/v1/data_sources/ds/query", endpoint="data_source.query", json={},
                         idempotent=True)
    assert len(script.requests) == 2


async def test_get_marked_not_idempotent_is_sent_once(make: MakeClient) -> None:
    script = Script(reply(503), reply(200))
    client = make(script)
    with pytest.raises(UpstreamRetryable):
        await client.request("GET", "/v1/things", endpoint="things.list", idempotent=False)
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
async def test_client_errors_are_not_retried(make: MakeClient, status: int) -> None:
    script = Script(reply(status), reply(200))
    client = make(script)
    with pytest.raises(UpstreamError) as info:
        await client.request("GET", "/v1/things", endpoint="things.list")
    assert not isinstance(info.value, UpstreamRetryable)
    assert len(script.requests) == 1


async def test_max_attempts_exhausted_raises_the_last_error(make: MakeClient) -> None:
    script = Script(reply(502), reply(503), reply(500), reply(200))
    client = make(script, max_attempts=3)
    with pytest.raises(UpstreamRetryable) as info:
        await client.request("GET", "/v1/things", endpoint="things.list")
    assert info.value.status == 500
    assert len(script.requests) == 3


async def test_timeout_is_retryable_and_retried(make: MakeClient) -> None:
    script = Script(fail(httpx.ReadTimeout), reply(200, json={}))
    client = make(script)
    assert (await client.request("GET", "/v1/things", endpoint="things.list")).status_code == 200
    assert len(script.requests) == 2


async def test_connection_errors_exhaust_attempts(make: MakeClient) -> None:
    script = Script(fail(httpx.ConnectError))
    client = make(script, max_attempts=3)
    with pytest.raises(UpstreamRetryable) as info:
        await client.request("GET", "/v1/things", endpoint="things.list")
    assert type(info.value) is UpstreamRetryable
    assert str(info.value) == "src: connection failed on things.list (ConnectError)"
    assert len(script.requests) == 3


async def test_timeout_message_names_the_endpoint(make: MakeClient) -> None:
    client = make(Script(fail(httpx.ConnectTimeout)), max_attempts=1)
    with pytest.raises(UpstreamRetryable, match=r"^src: timed out on things.list$"):
        await client.request("GET", "/v1/things", endpoint="things.list")


async def test_429_waits_retry_after_then_succeeds(make: MakeClient, clock: FakeClock) -> None:
    script = Script(reply(429, headers={"Retry-After": "2"}), reply(200, json={}), clock=clock)
    client = make(script, clock=clock)
    await client.request("GET", "/v1/things", endpoint="things.list")
    assert len(script.requests) == 2
    assert clock.sleeps == [2.0]
    assert script.times[1] - script.times[0] == pytest.approx(2.0)


async def test_429_pauses_the_budget_for_retry_after(make: MakeClient, clock: FakeClock) -> None:
    script = Script(reply(429, headers={"Retry-After": "60"}))
    client = make(script, clock=clock, max_retry_wait=30.0)
    with pytest.raises(UpstreamRateLimited) as info:
        await client.request("GET", "/v1/things", endpoint="things.list")
    # Longer than max_retry_wait: surface RATE_LIMITED + retryAfter instead of hanging the caller.
    assert info.value.retry_after == 60.0
    assert len(script.requests) == 1
    assert clock.sleeps == []
    assert client.budget.snapshot()["paused_for"] == pytest.approx(60.0)


async def test_paused_budget_longer_than_max_retry_wait_fails_fast(make: MakeClient,
                                                                   clock: FakeClock) -> None:
    script = Script(reply(429, headers={"Retry-After": "60"}), reply(200, json={}))
    client = make(script, clock=clock, max_retry_wait=30.0)
    with pytest.raises(UpstreamRateLimited):
        await client.request("GET", "/v1/things", endpoint="things.list")
    clock.now += 5
    with pytest.raises(UpstreamRateLimited) as info:
        await client.request("GET", "/v1/things", endpoint="things.list")
    assert info.value.retry_after == pytest.approx(55.0)
    assert clock.sleeps == []
    assert len(script.requests) == 1


async def test_429_http_date_retry_after_is_honoured(make: MakeClient) -> None:
    past = email.utils.format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True)
    script = Script(reply(429, headers={"Retry-After": past}), reply(200, json={}))
    client = make(script)
    await client.request("GET", "/v1/things", endpoint="things.list")
    assert len(script.requests) == 2


async def test_backoff_doubles_with_jitter_and_is_capped(make: MakeClient, clock: FakeClock) -> None:
    script = Script(reply(503), reply(503), reply(503), reply(200))
    client = make(script, clock=clock, backoff_base=0.2, max_attempts=4)
    await client.request("GET", "/v1/things", endpoint="things.list")
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps):
        base = 0.2 * 2 ** attempt
        assert 0.5 * base <= slept <= 1.5 * base

    capped = Script(reply(503), reply(503), reply(200))
    clock.sleeps.clear()
    await make(capped, clock=clock, backoff_base=10.0, max_retry_wait=1.0).request(
        "GET", "/v1/things", endpoint="things.list")
    assert clock.sleeps and max(clock.sleeps) <= 1.0


# --- bodies ------------------------------------------------------------------------------------------

async def test_json_fractions_decode_as_decimal(make: MakeClient) -> None:
    client = make(Script(reply(200, content=b'{"Balance": 1250.10, "Count": 3, "Rate": 0.1}')))
    body = await client.json("GET", "/v1/things", endpoint="things.get")
    assert body == {"Balance": Decimal("1250.10"), "Count": 3, "Rate": Decimal("0.1")}
    assert type(body["Count"]) is int


async def test_non_json_200_is_a_bad_response_and_not_retried(make: MakeClient) -> None:
    script = Script(reply(200, content=b"<html>maintenance</html>"))
    client = make(script)
    with pytest.raises(UpstreamBadResponse, match="things.get answered with a body that is not JSON") as info:
        await client.json("GET", "/v1/things", endpoint="things.get")
    assert "maintenance" not in str(info.value)
    assert info.value.status == 200
    assert len(script.requests) == 1


async def test_redirect_is_not_followed_and_not_json(make: MakeClient) -> None:
    script = Script(reply(301, headers={"Location": f"{BASE}/elsewhere"}))
    client = make(script)
    with pytest.raises(UpstreamBadResponse):
        await client.json("GET", "/v1/things", endpoint="things.get")
    assert len(script.requests) == 1


async def test_vendor_parser_is_used_by_the_client(make: MakeClient) -> None:
    script = Script(reply(403, json={"reason": "rateLimitExceeded"}, headers={"Retry-After": "0"}),
                    reply(200, json={}))
    client = make(script, vendor_errors=lambda r: VendorError("slow down", kind="rate_limited"))
    await client.request("GET", "/v1/things", endpoint="things.list")
    assert len(script.requests) == 2  # a 403 the vendor calls throttling is retried


# --- SourceHealth --------------------------------------------------------------------------------------

async def test_health_state_transitions(make: MakeClient, clock: FakeClock) -> None:
    script = Script(reply(200), reply(500), reply(200), reply(503), reply(503), reply(200))
    client = make(script, clock=clock, max_attempts=1, breaker_failures=2, breaker_cooldown=30.0)
    health = client.health
    assert health.state == "UNKNOWN"
    await client.request("GET", "/x", endpoint="x")
    assert health.state == "UP"
    with pytest.raises(UpstreamRetryable):
        await client.request("GET", "/x", endpoint="x")
    assert health.state == "DEGRADED"
    assert health.last_error_code == "UPSTREAM_UNAVAILABLE"
    await client.request("GET", "/x", endpoint="x")
    assert health.state == "UP"
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await client.request("GET", "/x", endpoint="x")
    assert health.state == "DOWN"
    clock.now += 30.0
    assert health.state == "RECOVERING"
    await client.request("GET", "/x", endpoint="x")
    assert health.state == "UP"


# --- Upstreams -----------------------------------------------------------------------------------------

class _WouldWait(Exception):
    pass


async def test_clients_with_the_same_budget_key_share_one_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = httpx.MockTransport(reply(200, json={}))
    upstreams = Upstreams(HttpSettings(), transports={"quickbooks": transport, "qbo-reports": transport,
                                                      "notion": transport})
    limits = [Limit(2, 60.0)]
    books = upstreams.client("quickbooks", BASE, limits=limits, budget_key="quickbooks:9341")
    reports = upstreams.client("qbo-reports", BASE, limits=limits, budget_key="quickbooks:9341")
    notion = upstreams.client("notion", BASE, limits=limits)
    try:
        assert books.budget is reports.budget
        assert notion.budget is not books.budget
        await books.request("GET", "/a", endpoint="a")
        await books.request("GET", "/a", endpoint="a")

        async def refuse_to_wait(delay: float, result: Any = None) -> Any:
            raise _WouldWait(delay)

        monkeypatch.setattr(asyncio, "sleep", refuse_to_wait)
        with pytest.raises(_WouldWait):  # the shared budget is spent: the other client must wait
            await reports.request("GET", "/a", endpoint="a")
        await notion.request("GET", "/a", endpoint="a")  # a different budget still has tokens
    finally:
        await upstreams.aclose()


async def test_clients_of_one_source_share_breaker_and_health() -> None:
    upstreams = Upstreams(HttpSettings())
    first = upstreams.client("notion", BASE, limits=[Limit(3)])
    second = upstreams.client("notion", BASE, limits=[Limit(3)])
    other = upstreams.client("drive", BASE, limits=[Limit(3)])
    try:
        assert first.breaker is second.breaker and first.health is second.health
        assert other.breaker is not first.breaker
        assert [h.source for h in upstreams.health()] == ["drive", "notion"]
        assert first.health.budget is first.budget
    finally:
        await upstreams.aclose()
