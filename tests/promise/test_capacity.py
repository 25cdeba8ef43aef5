"""Finite-capacity forward scheduling: lanes, existing load, efficiency, pauses, rollback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.inventory import InventorySnapshot
from hub.promise import CapacityBoard, PromiseError, WorkingCalendar, operation_minutes
from tests.promise.builders import D, at, item, load, snapshot, wc, workshop

NOW = at("2026-11-02 08:00")  # Monday
CAL = WorkingCalendar(workshop())


def board(*loads, capacity: int = 1, efficiency: str = "1") -> CapacityBoard:  # type: ignore[no-untyped-def]
    centre = wc("SEW", "Sewing Room", capacity, efficiency)
    snap: InventorySnapshot = snapshot(items=[item("X", "X")], work_centers=[centre], loads=loads)
    return CapacityBoard(snap, lambda _id: CAL, NOW)


def test_efficiency_stretches_run_time_not_setup() -> None:
    # 0.8: an hour of run takes 75 minutes; setup is not stretched (as in Odoo).
    assert operation_minutes(D(60), D(120), D(2), D("0.8")) == D(360)
    assert operation_minutes(D(0), D(60), D(1), D("0.8")) == D(75)
    with pytest.raises(PromiseError, match="efficiency"):
        operation_minutes(D(0), D(60), D(1), D(0))


def test_an_empty_work_centre_starts_at_the_next_working_instant() -> None:
    b = board().book("SEW", at("2026-11-02 12:15"), D(90))
    assert (b.lane, b.start, b.end) == (0, at("2026-11-02 13:00"), at("2026-11-02 14:30"))
    assert b.start == b.earliest  # did not wait


def test_parallel_lanes_then_queueing() -> None:
    cb = board(capacity=2)
    first = cb.book("SEW", NOW, D(120))
    second = cb.book("SEW", NOW, D(120))
    third = cb.book("SEW", NOW, D(120))
    assert [(x.lane, x.start, x.end) for x in (first, second, third)] == [
        (0, at("2026-11-02 08:00"), at("2026-11-02 10:00")),
        (1, at("2026-11-02 08:00"), at("2026-11-02 10:00")),
        (0, at("2026-11-02 10:00"), at("2026-11-02 12:00")),  # both busy: the first lane to free up
    ]
    assert third.start > third.earliest


def test_existing_load_is_laid_on_lanes_and_a_short_job_fits_a_gap() -> None:
    cb = board(
        load("SEW", "2026-11-02 08:00", "2026-11-02 10:00", "MO1"),
        load("SEW", "2026-11-02 11:00", "2026-11-03 17:00", "MO2"),
    )
    # Gap Mon 10:00-11:00 on the single lane: a 60-minute job fits; a 90-minute one does not.
    fits = cb.find("SEW", NOW, D(60))
    assert (fits.start, fits.end) == (at("2026-11-02 10:00"), at("2026-11-02 11:00"))
    too_long = cb.find("SEW", NOW, D(90))
    assert (too_long.start, too_long.end) == (at("2026-11-04 08:00"), at("2026-11-04 09:30"))


def test_overbooked_load_merges_into_one_busy_span() -> None:
    # Three overlapping work orders on a 2-lane centre: the third shares a lane with the first.
    cb = board(
        load("SEW", "2026-11-02 08:00", "2026-11-02 12:00", "MO1"),
        load("SEW", "2026-11-02 08:00", "2026-11-03 12:00", "MO2"),
        load("SEW", "2026-11-02 09:00", "2026-11-02 15:00", "MO3"),
        capacity=2,
    )
    assert cb.busy("SEW") == [
        [(at("2026-11-02 08:00"), at("2026-11-02 15:00"))],
        [(at("2026-11-02 08:00"), at("2026-11-03 12:00"))],
    ]
    assert cb.find("SEW", NOW, D(60)).start == at("2026-11-02 15:00")


def test_load_that_ended_before_now_is_ignored() -> None:
    cb = board(load("SEW", "2026-10-30 08:00", "2026-10-30 17:00", "MO-old"))
    assert cb.busy("SEW") == [[]]


def test_an_operation_pauses_overnight_and_over_the_weekend_without_overlapping_load() -> None:
    cb = board(load("SEW", "2026-11-09 08:00", "2026-11-09 12:00", "MO-monday"))
    # 6 h from Fri 13:00: 4 h Friday; Monday morning is booked, so a non-interruptible job cannot start
    # Friday: it starts after the load, Mon 13:00 -> Tue 10:00.
    b = cb.book("SEW", at("2026-11-06 13:00"), D(360))
    assert (b.start, b.end) == (at("2026-11-09 13:00"), at("2026-11-10 10:00"))
    # Without that load, it starts Friday and resumes on Monday.
    free = board().book("SEW", at("2026-11-06 13:00"), D(360))
    assert (free.start, free.end) == (at("2026-11-06 13:00"), at("2026-11-09 10:00"))
    assert CAL.is_working(free.start) and CAL.working_minutes_between(free.start, free.end) == D(360)


def test_bookings_are_seen_by_later_bookings_and_rolled_back() -> None:
    cb = board()
    mark = cb.mark()
    cb.book("SEW", NOW, D(480))
    assert cb.find("SEW", NOW, D(60)).start == at("2026-11-03 08:00")
    cb.rollback(mark)
    assert cb.find("SEW", NOW, D(60)).start == NOW
    assert cb.busy("SEW") == [[]]


def test_zero_minutes_books_nothing() -> None:
    cb = board()
    b = cb.book("SEW", at("2026-11-02 12:30"), Decimal(0))
    assert b.start == b.end == at("2026-11-02 13:00")
    assert cb.busy("SEW") == [[]]


def test_unknown_or_empty_work_centres_are_errors() -> None:
    with pytest.raises(PromiseError, match="unknown work centre 'PRESS'"):
        board().find("PRESS", NOW, D(10))
    with pytest.raises(PromiseError, match="capacity 0"):
        board(capacity=0).find("SEW", NOW, D(10))


def test_a_long_queue_of_load() -> None:
    # 2,000 one-hour work orders back to back on one lane, then a job that fits only after them.
    loads = []
    t = NOW
    for n in range(2000):
        end = CAL.add_working_minutes(t, D(60))
        loads.append(load("SEW", t.strftime("%Y-%m-%d %H:%M"), end.strftime("%Y-%m-%d %H:%M"), f"MO{n}"))
        t = CAL.next_working_instant(end)
    cb = board(*loads)
    assert cb.find("SEW", NOW, D(30)).start == t
