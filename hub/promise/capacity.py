"""Finite-capacity forward scheduling on work centres.

A work centre has ``capacity`` parallel lanes (sewing machines with operators). Existing ``Load`` is laid
onto lanes by interval partitioning (each load on the lane that frees up first); loads beyond capacity
overlap on a lane, which then stays busy for their union. An operation needs ``setup + run x quantity /
efficiency`` working minutes (efficiency stretches run time, as Odoo does); it runs without being
interrupted by other work on its lane, but pauses outside the calendar's working hours (overnight,
weekends, holidays) and resumes. Each booking goes on the lane where it finishes first (ties: lowest
lane), and later bookings see it.

Lanes and loads are indexed per work centre on first use; a free slot is found by bisecting the lane's
sorted busy intervals, so booking is O(conflicts x log load) rather than a scan over every load.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from connectors.inventory import InventorySnapshot, Load, WorkCenter
from hub.promise.calendar import WorkingCalendar, minutes_to_micros
from hub.promise.model import PromiseError

__all__ = ["Booking", "CapacityBoard", "operation_minutes"]


def operation_minutes(setup: Decimal, run_per_unit: Decimal, quantity: Decimal,
                      efficiency: Decimal) -> Decimal:
    """Working minutes one operation occupies a lane: setup plus run time stretched by efficiency."""
    if efficiency <= 0:
        raise PromiseError(f"efficiency must be positive, got {efficiency}")
    return setup + run_per_unit * quantity / efficiency


@dataclass(frozen=True)
class Booking:
    """A slot found (and possibly taken) on one lane. ``earliest`` is when it could have started on an
    empty work centre, so ``start > earliest`` means it waited for the work centre."""

    work_center: str
    lane: int
    start: datetime
    end: datetime
    earliest: datetime


class _Lane:
    """Sorted, non-overlapping busy intervals (``starts[i]``, ``ends[i]``) of one lane."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []

    def add(self, start: datetime, end: datetime) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def remove(self, start: datetime, end: datetime) -> None:
        i = bisect_right(self.starts, start) - 1
        while self.starts[i] != start or self.ends[i] != end:
            i -= 1
        del self.starts[i]
        del self.ends[i]

    def fit(self, cal: WorkingCalendar, ready: datetime, micros: int) -> tuple[datetime, datetime]:
        """Earliest ``[start, end)`` from ``ready`` that needs ``micros`` of working time and overlaps
        no busy interval of this lane."""
        start = cal.next_working_instant(ready)
        while True:
            end = cal.add_working_micros(start, micros) if micros else start
            i = bisect_right(self.starts, start) - 1
            if i >= 0 and self.ends[i] > start:
                start = cal.next_working_instant(self.ends[i])
                continue
            if i + 1 < len(self.starts) and self.starts[i + 1] < end:
                start = cal.next_working_instant(self.ends[i + 1])
                continue
            return start, end


class CapacityBoard:
    """The lanes of every work centre, built lazily from ``snapshot.loads`` (those ending after ``now``)."""

    def __init__(self, snapshot: InventorySnapshot, calendar_of: Callable[[str], WorkingCalendar],
                 now: datetime) -> None:
        self.now = now
        self._work_centers: Mapping[str, WorkCenter] = snapshot.work_centers
        self._calendar_of = calendar_of
        self._loads: dict[str, list[Load]] = defaultdict(list)
        for load in snapshot.loads:
            if load.end > now and load.end > load.start:
                self._loads[load.work_center].append(load)
        self._lanes: dict[str, list[_Lane]] = {}
        self._journal: list[tuple[str, int, datetime, datetime]] = []

    def work_center(self, code: str) -> WorkCenter:
        """The work centre, or ``PromiseError`` naming the unknown code."""
        wc = self._work_centers.get(code)
        if wc is None:
            raise PromiseError(f"routing uses unknown work centre {code!r}")
        if wc.capacity < 1:
            raise PromiseError(f"work centre {code!r} has capacity {wc.capacity}; it can never run work")
        return wc

    def calendar(self, code: str) -> WorkingCalendar:
        """The working calendar of work centre ``code``."""
        return self._calendar_of(self.work_center(code).calendar_id)

    def lanes(self, code: str) -> list[_Lane]:
        lanes = self._lanes.get(code)
        if lanes is None:
            lanes = self._build(code)
            self._lanes[code] = lanes
        return lanes

    def busy(self, code: str) -> list[list[tuple[datetime, datetime]]]:
        """Busy intervals per lane (existing load and bookings), for inspection and tests."""
        return [list(zip(lane.starts, lane.ends, strict=True)) for lane in self.lanes(code)]

    def find(self, code: str, ready: datetime, minutes: Decimal) -> Booking:
        """The best slot for ``minutes`` of work from ``ready`` without taking it."""
        cal = self.calendar(code)
        micros = minutes_to_micros(minutes)
        best: tuple[datetime, datetime, int] | None = None
        for n, lane in enumerate(self.lanes(code)):
            start, end = lane.fit(cal, ready, micros)
            if best is None or (end, start) < (best[1], best[0]):
                best = (start, end, n)
        assert best is not None
        return Booking(code, best[2], best[0], best[1], cal.next_working_instant(ready))

    def book(self, code: str, ready: datetime, minutes: Decimal) -> Booking:
        """Find the best slot and take it, so later bookings see it."""
        booking = self.find(code, ready, minutes)
        if booking.end > booking.start:
            self.lanes(code)[booking.lane].add(booking.start, booking.end)
            self._journal.append((code, booking.lane, booking.start, booking.end))
        return booking

    def mark(self) -> int:
        """A point to ``rollback`` to."""
        return len(self._journal)

    def rollback(self, mark: int) -> None:
        """Undo every ``book`` since ``mark``."""
        while len(self._journal) > mark:
            code, lane, start, end = self._journal.pop()
            self._lanes[code][lane].remove(start, end)

    def _build(self, code: str) -> list[_Lane]:
        wc = self.work_center(code)
        lanes = [_Lane() for _ in range(wc.capacity)]
        # Interval partitioning: each load (by start) goes on the lane that frees up first.
        free: list[tuple[datetime, int]] = [(self.now, n) for n in range(wc.capacity)]
        heapq.heapify(free)
        for load in sorted(self._loads.get(code, ()), key=lambda ld: (ld.start, ld.end)):
            free_at, n = heapq.heappop(free)
            lane = lanes[n]
            if lane.ends and lane.ends[-1] > load.start:  # over capacity: merge into the busy span
                lane.ends[-1] = max(lane.ends[-1], load.end)
            else:
                lane.starts.append(load.start)
                lane.ends.append(load.end)
            heapq.heappush(free, (max(free_at, load.end), n))
        return lanes
