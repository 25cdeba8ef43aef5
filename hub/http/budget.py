"""Per-source rate budgets: token buckets that every read, write and sync draws from.

A budget holds one or more limits (QuickBooks: 10 per second *and* 500 per minute per realm). A 429
from the source pauses the whole budget for ``Retry-After`` seconds, so every caller sharing it backs
off together instead of each discovering the throttle on its own.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["Limit", "RateBudget"]


@dataclass(frozen=True)
class Limit:
    """``rate`` requests per ``per`` seconds, allowing bursts of ``burst`` (defaults to the rate)."""

    rate: float
    per: float = 1.0
    burst: float | None = None
    # Seconds added to the window: we log a grant when we send, the vendor counts the request when it
    # arrives, so one sent exactly a window after another can land inside the vendor's window
    # (bench/INVOICE_SYNC_REPORT.md saw 7 such 429s in 4,000 invoices before QuickBooks got a margin).
    margin: float = 0.0

    @property
    def capacity(self) -> float:
        return self.burst if self.burst is not None else max(1.0, self.rate)

    @property
    def refill_per_second(self) -> float:
        return self.rate / self.per


class _Window:
    """At most ``capacity`` grants in any ``capacity / rate`` seconds, kept as a log of grant times.

    A token bucket lets ``capacity + rate * per`` through one window (609 a minute for 500/min + 10/s);
    vendors count their quotas per window, so a sliding log is what keeps us under them.
    """

    def __init__(self, limit: Limit, now: float) -> None:
        self.limit = limit
        self.size = max(1, int(limit.capacity))
        self.window = self.size / limit.refill_per_second + limit.margin
        self.grants: deque[float] = deque()

    def refill(self, now: float) -> None:
        while self.grants and self.grants[0] <= now - self.window:
            self.grants.popleft()

    @property
    def tokens(self) -> float:
        return float(self.size - len(self.grants))

    def wait_time(self, now: float) -> float:
        return 0.0 if len(self.grants) < self.size else self.grants[0] + self.window - now

    def take(self, now: float) -> None:
        self.grants.append(now)


class RateBudget:
    """In-process token buckets for one source (and realm). ``await budget.acquire()`` before a call.

    >>> budget = RateBudget("quickbooks:9341", [Limit(10, 1.0), Limit(500, 60.0)])
    """

    def __init__(self, name: str, limits: list[Limit], *, clock=time.monotonic) -> None:
        self.name = name
        self._clock = clock
        now = clock()
        self._buckets = [_Window(limit, now) for limit in limits]
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        self.waited_seconds = 0.0

    async def acquire(self) -> None:
        async with self._lock:  # FIFO: callers queue up instead of racing for refilled tokens
            while True:
                now = self._clock()
                for bucket in self._buckets:
                    bucket.refill(now)
                wait = max([self._paused_until - now] + [b.wait_time(now) for b in self._buckets])
                if wait <= 0:
                    for bucket in self._buckets:
                        bucket.take(now)
                    return
                self.waited_seconds += wait
                await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Stop handing out tokens for ``seconds`` (called on a 429 with ``Retry-After``)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def paused_for(self) -> float:
        """Seconds until the current pause ends (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def snapshot(self) -> dict[str, float]:
        now = self._clock()
        for bucket in self._buckets:
            bucket.refill(now)
        tightest = min(self._buckets, key=lambda b: b.tokens / b.size)
        return {
            "limit_per_second": min(b.limit.refill_per_second for b in self._buckets),
            "capacity": float(tightest.size),
            "available": round(max(0.0, tightest.tokens), 3),
            "paused_for": round(max(0.0, self._paused_until - now), 3),
        }
