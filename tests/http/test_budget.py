"""hub.http.budget: token buckets on a fake clock that ``asyncio.sleep`` advances, so waits are exact."""

from __future__ import annotations

import asyncio

import pytest

from hub.http import Limit, RateBudget
from tests.http.conftest import FakeClock


async def grant_times(budget: RateBudget, clock: FakeClock, n: int) -> list[float]:
    """Acquire ``n`` tokens one after another; return the clock at each grant, relative to the start."""
    start = clock.now
    times = []
    for _ in range(n):
        await budget.acquire()
        times.append(round(clock.now - start, 6))
    return times


def test_limit_defaults() -> None:
    assert Limit(3).capacity == 3.0
    assert Limit(0.5).capacity == 1.0  # a slow limit still allows one request
    assert Limit(500, 60.0).refill_per_second == pytest.approx(500 / 60)
    assert Limit(10, 1.0, burst=2).capacity == 2


async def test_burst_is_free_then_callers_wait(clock: FakeClock) -> None:
    budget = RateBudget("notion", [Limit(3, 1.0)], clock=clock)
    times = await grant_times(budget, clock, 6)
    assert times[:3] == [0.0, 0.0, 0.0]
    assert 0.0 < times[3] <= 1.0
    assert times[5] == pytest.approx(1.0)
    assert budget.waited_seconds == pytest.approx(sum(clock.sleeps)) and budget.waited_seconds > 0


async def test_waits_only_for_the_missing_fraction(clock: FakeClock) -> None:
    budget = RateBudget("s", [Limit(10, 1.0, burst=1)], clock=clock)
    await budget.acquire()
    clock.now += 0.06
    await budget.acquire()
    assert sum(clock.sleeps) == pytest.approx(0.04)


async def test_idle_time_refills_up_to_capacity_only(clock: FakeClock) -> None:
    budget = RateBudget("s", [Limit(5, 1.0)], clock=clock)
    await grant_times(budget, clock, 5)
    clock.now += 3600.0
    times = await grant_times(budget, clock, 6)
    assert times[:5] == [0.0] * 5
    assert 0.0 < times[5] <= 1.0


async def test_the_tighter_of_two_limits_binds(clock: FakeClock) -> None:
    budget = RateBudget("quickbooks:1", [Limit(10, 1.0), Limit(20, 60.0)], clock=clock)
    times = await grant_times(budget, clock, 22)
    assert times[:10] == [0.0] * 10  # both limits allow the burst
    assert 0.0 < times[10] <= 1.0  # then 10/s binds: the next grant comes within a second
    # After 20 grants the per-minute limit is spent; it binds now, far beyond 10/s spacing.
    assert times[20] - times[19] >= 2.0


async def test_quickbooks_limits_hold_the_long_run_rate(clock: FakeClock) -> None:
    budget = RateBudget("quickbooks:1", [Limit(10, 1.0), Limit(500, 60.0)], clock=clock)
    times = await grant_times(budget, clock, 3600)
    # Long run: 500 per minute, not 10 per second.
    assert (times[-1] - times[2999]) / 600 == pytest.approx(60 / 500, rel=0.15)


async def test_no_minute_holds_more_than_the_per_minute_limit(clock: FakeClock) -> None:
    # https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
    budget = RateBudget("quickbooks:1", [Limit(10, 1.0), Limit(500, 60.0)], clock=clock)
    times = await grant_times(budget, clock, 1200)
    worst = max(sum(1 for t in times if start <= t < start + 60.0) for start in times)
    assert worst <= 500


async def test_pause_holds_every_token_until_it_ends(clock: FakeClock) -> None:
    budget = RateBudget("s", [Limit(100, 1.0)], clock=clock)
    budget.pause(2.5)
    assert budget.snapshot()["paused_for"] == pytest.approx(2.5)
    await budget.acquire()
    assert clock.sleeps == pytest.approx([2.5])
    await budget.acquire()  # tokens were not spent while paused
    assert clock.sleeps == pytest.approx([2.5])
    assert budget.snapshot()["paused_for"] == 0.0


async def test_pause_never_shortens_an_existing_pause(clock: FakeClock) -> None:
    budget = RateBudget("s", [Limit(100, 1.0)], clock=clock)
    budget.pause(10.0)
    budget.pause(1.0)
    budget.pause(-5.0)
    assert budget.snapshot()["paused_for"] == pytest.approx(10.0)
    await budget.acquire()
    assert sum(clock.sleeps) == pytest.approx(10.0)


async def test_concurrent_callers_queue_in_order(clock: FakeClock) -> None:
    budget = RateBudget("s", [Limit(2, 1.0, burst=1)], clock=clock)
    order: list[tuple[int, float]] = []

    async def caller(i: int) -> None:
        await budget.acquire()
        order.append((i, clock.now - 100.0))

    await asyncio.gather(*(caller(i) for i in range(5)))
    assert [i for i, _ in order] == [0, 1, 2, 3, 4]
    assert [t for _, t in order] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])


def test_snapshot_reports_the_tightest_bucket() -> None:
    clock = FakeClock()
    budget = RateBudget("quickbooks:1", [Limit(10, 1.0), Limit(500, 60.0)], clock=clock)
    snap = budget.snapshot()
    assert snap["limit_per_second"] == pytest.approx(500 / 60)
    assert snap["available"] == 10.0
    assert snap["paused_for"] == 0.0
