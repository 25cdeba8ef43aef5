"""Available-to-promise per item over time.

Projected available ``P(t)`` = on hand - reserved - safety stock + supply arriving by ``t`` - demand
needed by ``t``. Available-to-promise is ``ATP(t) = min over t' >= t of P(t')``: stock that later demand
already counts on is never offered, so ATP is non-decreasing in time and only rises when supply arrives.
Overdue supply and past-due demand count at ``now``.

``AtpLedger`` keeps one lazily built profile per SKU and records what a promise takes (``consume``), so a
second order line never sees what the first one took; ``mark``/``rollback`` undo tentative takes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from connectors.inventory import Demand, InventorySnapshot, Supply

__all__ = ["AtpLedger", "AtpProfile", "available_to_promise"]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class AtpProfile:
    """ATP of one SKU as a step function: ``points[i] = (t_i, atp_i)`` holds from ``t_i`` until
    ``t_{i+1}``; ``points[0]`` is at ``now``. ``arrivals[i]`` are the supplies arriving at ``t_i``."""

    sku: str
    points: tuple[tuple[datetime, Decimal], ...]
    arrivals: tuple[tuple[Supply, ...], ...]

    @property
    def now(self) -> Decimal:
        """ATP at ``now`` (never negative)."""
        return max(self.points[0][1], _ZERO)

    def at(self, instant: datetime) -> Decimal:
        """ATP at ``instant`` (never negative; before ``now`` reads as ``now``)."""
        i = max(bisect_right(self.points, instant, key=lambda point: point[0]) - 1, 0)
        return max(self.points[i][1], _ZERO)

    def earliest(self, quantity: Decimal) -> tuple[datetime, tuple[Supply, ...]] | None:
        """The first time ATP reaches ``quantity`` and the supplies arriving then (None: never)."""
        for (t, atp), arriving in zip(self.points, self.arrivals, strict=True):
            if atp >= quantity:
                return t, arriving
        return None


class AtpLedger:
    """ATP for every SKU of ``snapshot`` as of ``now``, minus what the current promise has taken."""

    def __init__(self, snapshot: InventorySnapshot, now: datetime) -> None:
        self.now = now
        self._items = snapshot.items
        self._base: dict[str, Decimal] = defaultdict(Decimal)
        for level in snapshot.stock:
            self._base[level.sku] += level.on_hand - level.reserved
        self._supplies: dict[str, list[Supply]] = defaultdict(list)
        for s in snapshot.supplies:
            self._supplies[s.sku].append(s)
        self._demands: dict[str, list[Demand]] = defaultdict(list)
        for d in snapshot.demands:
            self._demands[d.sku].append(d)
        self._taken: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
        self._journal: list[str] = []
        self._cache: dict[str, AtpProfile] = {}

    def profile(self, sku: str) -> AtpProfile:
        """The SKU's ATP step function (built on first use, rebuilt after a take)."""
        cached = self._cache.get(sku)
        if cached is None:
            cached = self._build(sku)
            self._cache[sku] = cached
        return cached

    def available(self, sku: str) -> Decimal:
        """ATP now."""
        return self.profile(sku).now

    def consume(self, sku: str, quantity: Decimal, at: datetime) -> None:
        """Take ``quantity`` from ``at`` on (a new demand of this promise)."""
        if quantity <= 0:
            return
        self._taken[sku].append((max(at, self.now), quantity))
        self._journal.append(sku)
        self._cache.pop(sku, None)

    def mark(self) -> int:
        """A point to ``rollback`` to."""
        return len(self._journal)

    def rollback(self, mark: int) -> None:
        """Undo every ``consume`` since ``mark``."""
        while len(self._journal) > mark:
            sku = self._journal.pop()
            self._taken[sku].pop()
            self._cache.pop(sku, None)

    def _build(self, sku: str) -> AtpProfile:
        item = self._items.get(sku)
        safety = item.safety_stock if item is not None else _ZERO
        deltas: dict[datetime, Decimal] = defaultdict(Decimal)
        arriving: dict[datetime, list[Supply]] = defaultdict(list)
        for s in self._supplies.get(sku, ()):
            t = max(s.expected_at, self.now)
            deltas[t] += s.quantity
            arriving[t].append(s)
        for d in self._demands.get(sku, ()):
            deltas[max(d.needed_at, self.now)] -= d.quantity
        for t, q in self._taken.get(sku, ()):
            deltas[t] -= q
        times = sorted(set(deltas) | {self.now})
        projected: list[Decimal] = []
        level = self._base.get(sku, _ZERO) - safety
        for t in times:
            level += deltas.get(t, _ZERO)
            projected.append(level)
        atp = projected[:]
        for i in range(len(atp) - 2, -1, -1):
            atp[i] = min(atp[i], atp[i + 1])
        return AtpProfile(
            sku,
            tuple(zip(times, atp, strict=True)),
            tuple(tuple(arriving.get(t, ())) for t in times),
        )


def available_to_promise(snapshot: InventorySnapshot, sku: str, *, now: datetime) -> AtpProfile:
    """ATP of ``sku`` over time as of ``now`` (for display: the GraphQL ``Product``)."""
    return AtpLedger(snapshot, now).profile(sku)
