"""Shared fixtures for the HTTP layer tests: a fake monotonic clock that ``asyncio.sleep`` advances."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest


class FakeClock:
    """A monotonic clock that only moves when told (or when the patched ``asyncio.sleep`` runs)."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock; ``asyncio.sleep`` (tenacity's, the budget's) records each delay and advances it."""
    fake = FakeClock()
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float, result: Any = None) -> Any:
        if delay > 0:
            fake.sleeps.append(delay)
            # A real clock always moves on; a float sum may not (100.0 + 1e-16 == 100.0).
            fake.now += max(delay, 1e-9)
        await real_sleep(0)
        return result

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    return fake
