"""A small circuit breaker per source: after N consecutive transient failures, fail fast for a cooldown,
then let one trial request through (half-open) and close again on its success."""

from __future__ import annotations

import time

from hub.errors import UpstreamRetryable

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    def __init__(self, source: str, *, failures: int = 5, cooldown: float = 30.0,
                 clock=time.monotonic) -> None:
        self.source = source
        self.threshold = failures
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def before_request(self) -> None:
        state = self.state
        if state == "open":
            remaining = self.cooldown - (self._clock() - (self._opened_at or 0.0))
            raise UpstreamRetryable(
                self.source, f"circuit open after {self._failures} consecutive failures; "
                f"next attempt in {remaining:.0f}s")
        if state == "half_open":
            if self._trial_in_flight:
                raise UpstreamRetryable(self.source, "circuit half-open; a trial request is in flight")
            self._trial_in_flight = True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def release_trial(self) -> None:
        """The trial ended without telling whether the source is healthy (a 4xx, a cancellation)."""
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        self._trial_in_flight = False
        if self._failures >= self.threshold:
            self._opened_at = self._clock()
