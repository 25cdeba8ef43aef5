"""hub.http.breaker: the circuit on its own (fake clock) and as the client uses it (requests counted)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from hub.errors import CircuitOpen, UpstreamError, UpstreamNotFound, UpstreamRetryable
from hub.http import CircuitBreaker, Limit, RateBudget, SourceClient, SourceHealth, UpstreamMetrics
from hub.settings import HttpSettings
from tests.http.conftest import FakeClock

BASE = "https://api.example.test"


# --- the breaker alone ---------------------------------------------------------------------------------

def test_opens_after_n_consecutive_failures() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("notion", failures=3, cooldown=30.0, clock=clock)
    for _ in range(2):
        breaker.record_failure()
        breaker.before_request()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(UpstreamRetryable, match=r"^notion: circuit open after 3 consecutive failures; "
                                                r"next attempt in 30s$"):
        breaker.before_request()


def test_success_resets_the_count() -> None:
    breaker = CircuitBreaker("s", failures=3, clock=FakeClock())
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_half_open_after_cooldown_lets_one_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("s", failures=1, cooldown=10.0, clock=clock)
    breaker.record_failure()
    clock.now += 9.9
    assert breaker.state == "open"
    clock.now += 0.1
    assert breaker.state == "half_open"
    breaker.before_request()  # the trial
    with pytest.raises(UpstreamRetryable, match="trial request is in flight"):
        breaker.before_request()
    breaker.record_success()
    assert breaker.state == "closed"
    breaker.before_request()
    breaker.before_request()


def test_failed_trial_reopens_for_a_fresh_cooldown() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker("s", failures=2, cooldown=10.0, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 10.0
    breaker.before_request()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.now += 9.0
    assert breaker.state == "open"
    clock.now += 1.0
    assert breaker.state == "half_open"
    breaker.before_request()  # the failed trial freed the slot for the next one


# --- the breaker inside the client -----------------------------------------------------------------------

class Script:
    """Counts requests; answers ``statuses`` in order, the last one repeating."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = statuses
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(self.statuses[min(self.requests, len(self.statuses)) - 1], json={})


MakeClient = Callable[..., SourceClient]


@pytest.fixture
async def make() -> AsyncIterator[MakeClient]:
    opened: list[SourceClient] = []

    def build(handler: Callable[[httpx.Request], object], clock: FakeClock, *, failures: int = 3,
              cooldown: float = 30.0, max_attempts: int = 1) -> SourceClient:
        settings = HttpSettings(backoff_base=0.0, max_attempts=max_attempts)
        budget = RateBudget("src", [Limit(1000)], clock=clock)
        breaker = CircuitBreaker("src", failures=failures, cooldown=cooldown, clock=clock)
        client = SourceClient("src", BASE, settings=settings, metrics=UpstreamMetrics(), budget=budget,
                              breaker=breaker, health=SourceHealth("src", breaker=breaker, budget=budget),
                              transport=httpx.MockTransport(handler))  # type: ignore[arg-type]
        opened.append(client)
        return client

    yield build
    for client in opened:
        await client.aclose()


async def get(client: SourceClient) -> httpx.Response:
    return await client.request("GET", "/v1/things", endpoint="things.list")


async def test_open_circuit_fails_fast_without_sending(make: MakeClient, clock: FakeClock) -> None:
    script = Script(503)
    client = make(script, clock, failures=3)
    for _ in range(3):
        with pytest.raises(UpstreamRetryable) as info:
            await get(client)
        assert type(info.value) is UpstreamRetryable
    assert script.requests == 3
    with pytest.raises(CircuitOpen) as info:
        await get(client)
    assert script.requests == 3
    assert info.value.source == "src"
    assert info.value.code == "UPSTREAM_UNAVAILABLE"
    assert str(info.value).startswith("src: circuit open after 3 consecutive failures")
    assert client.health.state == "DOWN"


async def test_retries_stop_once_the_circuit_opens(make: MakeClient, clock: FakeClock) -> None:
    script = Script(503)
    client = make(script, clock, failures=3, max_attempts=4)
    with pytest.raises(CircuitOpen):
        await get(client)
    assert script.requests == 3


async def test_half_open_trial_success_closes_the_circuit(make: MakeClient, clock: FakeClock) -> None:
    script = Script(503, 503, 200)
    client = make(script, clock, failures=2, cooldown=30.0)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    clock.now += 29.0
    with pytest.raises(CircuitOpen):
        await get(client)
    assert script.requests == 2
    clock.now += 1.0
    assert (await get(client)).status_code == 200
    assert client.breaker.state == "closed"
    await get(client)
    assert script.requests == 4


async def test_half_open_trial_failure_reopens(make: MakeClient, clock: FakeClock) -> None:
    script = Script(503)
    client = make(script, clock, failures=2, cooldown=30.0)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    clock.now += 30.0
    with pytest.raises(UpstreamRetryable) as info:
        await get(client)
    assert not isinstance(info.value, CircuitOpen)  # the trial was sent and failed
    assert script.requests == 3
    with pytest.raises(CircuitOpen):
        await get(client)
    assert script.requests == 3


async def test_only_one_trial_in_flight_while_half_open(make: MakeClient, clock: FakeClock) -> None:
    release = asyncio.Event()
    sent = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent += 1
        if sent <= 2:
            return httpx.Response(503)
        await release.wait()
        return httpx.Response(200)

    client = make(handler, clock, failures=2, cooldown=30.0)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    clock.now += 30.0
    trial = asyncio.create_task(get(client))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    with pytest.raises(CircuitOpen):
        await get(client)
    release.set()
    assert (await trial).status_code == 200
    assert sent == 3
    assert client.breaker.state == "closed"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 429])
async def test_client_errors_do_not_trip_the_circuit(make: MakeClient, clock: FakeClock,
                                                    status: int) -> None:
    script = Script(status)
    client = make(script, clock, failures=3)
    for _ in range(6):
        with pytest.raises(UpstreamError) as info:
            await get(client)
        assert not isinstance(info.value, CircuitOpen)
    assert script.requests == 6
    assert client.breaker.state == "closed"


async def test_timeouts_trip_the_circuit(make: MakeClient, clock: FakeClock) -> None:
    sent = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent += 1
        raise httpx.ReadTimeout("slow", request=request)

    client = make(handler, clock, failures=2)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    with pytest.raises(CircuitOpen):
        await get(client)
    assert sent == 2


async def test_client_error_on_the_trial_does_not_wedge_the_circuit(make: MakeClient,
                                                                   clock: FakeClock) -> None:
    script = Script(503, 503, 404, 200)
    client = make(script, clock, failures=2, cooldown=30.0)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    clock.now += 30.0
    with pytest.raises(UpstreamNotFound):
        await get(client)  # the trial: the source answered, so it is up
    clock.now += 300.0
    assert (await get(client)).status_code == 200
    assert script.requests == 4


async def test_cancelled_trial_does_not_wedge_the_circuit(make: MakeClient, clock: FakeClock) -> None:
    sent = 0
    hang, trial_arrived = asyncio.Event(), asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent += 1
        if sent <= 2:
            return httpx.Response(503)
        if sent == 3:
            trial_arrived.set()
            await hang.wait()  # the trial hangs until its caller gives up
        return httpx.Response(200)

    client = make(handler, clock, failures=2, cooldown=30.0)
    for _ in range(2):
        with pytest.raises(UpstreamRetryable):
            await get(client)
    clock.now += 30.0
    trial = asyncio.create_task(get(client))
    await trial_arrived.wait()
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial
    clock.now += 300.0
    assert (await get(client)).status_code == 200
