"""Fault knobs shared by the simulators: latency, random errors, 429 bursts and outages.

Each simulator owns one ``Faults`` (``app.state.faults``); tests flip knobs on it directly, ``hub demo``
sets them from ``HUB_SANDBOX__<SOURCE>__*``. The simulator renders the decision in its vendor's own
error shape.

>>> faults = Faults(); faults.set(outage=True); faults.decide()
'outage'
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Decision", "Faults"]

Decision = Literal["outage", "error", "rate_limited"] | None


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    burst_429: int = 0  # answer the next N requests with 429
    outage: bool = False
    seed: int = 1
    requests: int = field(default=0, init=False)  # every request the simulator received
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def set(self, **knobs: float | int | bool) -> None:
        for name, value in knobs.items():
            if name not in {"latency_ms", "error_rate", "burst_429", "outage"}:
                raise ValueError(f"unknown fault knob {name!r}")
            setattr(self, name, value)

    def reset(self) -> None:
        self.set(latency_ms=0.0, error_rate=0.0, burst_429=0, outage=False)

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

    async def delay(self) -> None:
        if self.latency_ms > 0:
            await asyncio.sleep(self.latency_ms / 1000.0)
