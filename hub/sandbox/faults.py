"""Fault knobs shared by the simulators: latency, random errors, 429 bursts, outages and trip wires.

Each simulator owns one ``Faults`` (``app.state.faults``); tests flip knobs on it directly, ``hub demo``
and ``hub sandbox`` set them from ``HUB_SANDBOX__<SOURCE>__*``. The simulator renders the decision in its
vendor's own error shape. ``fail_at`` and ``stall_at`` (QuickBooks and Notion simulators) pick one request
by path and count (``hub.sandbox.tripwires``).

>>> faults = Faults(); faults.set(outage=True); faults.decide()
'outage'
>>> faults.set(stall_at="POST /batch#1 after"); str(faults.stall_at)
'POST /batch#1 after'
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.sandbox.tripwires import Stalls, Trip, Tripped

__all__ = ["Decision", "Faults", "Trip"]

Decision = Literal["outage", "error", "rate_limited"] | None
_KNOBS = {"latency_ms", "error_rate", "burst_429", "outage", "fail_at", "stall_at"}


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    burst_429: int = 0  # answer the next N requests with 429
    outage: bool = False
    seed: int = 1
    # The nth request whose path contains X: answer 500 (or drop it) / hold it until released. Set as a
    # Trip or its text ("POST /batch#2 after"), counted from when it is set.
    fail_at: Trip | None = None
    stall_at: Trip | None = None
    requests: int = field(default=0, init=False)  # every request the simulator received
    stalls: Stalls = field(init=False, repr=False)  # what stall_at is holding; wait_held(), release()
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self.stalls = Stalls()
        self.set(fail_at=self.fail_at, stall_at=self.stall_at)

    def set(self, **knobs: Any) -> None:
        for name, value in knobs.items():
            if name not in _KNOBS:
                raise ValueError(f"unknown fault knob {name!r}")
            if name in ("fail_at", "stall_at") and value is not None:
                value = Trip.parse(value)
                if name == "stall_at" and value.drop:
                    raise ValueError("stall_at holds a request; drop it on release (release(drop=True))")
            setattr(self, name, value)

    def reset(self) -> None:
        """Every knob off; requests still held are dropped."""
        self.set(latency_ms=0.0, error_rate=0.0, burst_429=0, outage=False, fail_at=None, stall_at=None)
        self.stalls.release(drop=True)

    def decide(self) -> Decision:
        """What should happen to the request that just arrived (counts it)."""
        self.requests += 1
        if self.outage:
            return "outage"
        if self.burst_429 > 0:
            self.burst_429 -= 1
            return "rate_limited"
        if self.error_rate and self._rng.random() < self.error_rate:
            return "error"
        return None

    def trip(self, method: str, path: str) -> Tripped | None:
        """Count a request the simulator is about to serve against ``stall_at`` and ``fail_at``; what to
        do with it if it trips one (``hub.sandbox.tripwires.serve_tripped`` does it)."""
        stalled = self.stall_at is not None and self.stall_at.hit(method, path)
        failed = self.fail_at is not None and self.fail_at.hit(method, path)
        if stalled and self.stall_at is not None:
            return Tripped("stall", self.stall_at.after, self.requests, self.stalls)
        if failed and self.fail_at is not None:
            return Tripped("drop" if self.fail_at.drop else "fail", self.fail_at.after, self.requests,
                           self.stalls)
        return None

    def state(self) -> dict[str, Any]:
        """The knobs and what is being held, as ``GET /_sandbox/faults`` shows them."""
        return {
            "requests": self.requests,
            "latency_ms": self.latency_ms,
            "error_rate": self.error_rate,
            "burst_429": self.burst_429,
            "outage": self.outage,
            "fail_at": _trip_state(self.fail_at),
            "stall_at": _trip_state(self.stall_at),
            "held": [h.to_json() for h in self.stalls.held],
            "stalled": self.stalls.total,
        }

    async def delay(self) -> None:
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000.0)


def _trip_state(trip: Trip | None) -> dict[str, Any] | None:
    return None if trip is None else {"trip": str(trip), "seen": trip.seen}
