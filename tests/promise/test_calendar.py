"""Working-time arithmetic: working instants, adding working minutes, business days, holidays, zones."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from connectors.inventory import Calendar, Holiday, WorkingHours
from hub.promise import PromiseError, WorkingCalendar
from tests.promise.builders import D, at, day, workshop

WS = WorkingCalendar(workshop(("2026-12-25", "Christmas Day"), ("2026-12-28", "Boxing Day")))


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        ("2026-11-02 09:30", "2026-11-02 09:30"),  # inside the morning
        ("2026-11-02 07:00", "2026-11-02 08:00"),  # before opening
        ("2026-11-02 12:00", "2026-11-02 13:00"),  # lunch (intervals are half-open)
        ("2026-11-02 17:00", "2026-11-03 08:00"),  # closing time
        ("2026-11-06 17:30", "2026-11-09 08:00"),  # Friday evening -> Monday
        ("2026-11-07 10:00", "2026-11-09 08:00"),  # Saturday
        ("2026-12-24 17:00", "2026-12-29 08:00"),  # Christmas, weekend, Boxing Day
    ],
)
def test_next_working_instant(instant: str, expected: str) -> None:
    assert WS.next_working_instant(at(instant)) == at(expected)


@pytest.mark.parametrize(
    ("start", "minutes", "end"),
    [
        ("2026-11-02 08:00", "240", "2026-11-02 12:00"),  # ends at lunch, not after it
        ("2026-11-02 11:00", "120", "2026-11-02 14:00"),  # pauses over lunch
        ("2026-11-06 15:00", "300", "2026-11-09 11:00"),  # 2 h Friday, 3 h Monday
        ("2026-11-07 09:00", "60", "2026-11-09 09:00"),  # starting on a Saturday
        ("2026-12-24 16:00", "120", "2026-12-29 09:00"),  # over Christmas, the weekend and Boxing Day
        ("2026-11-02 08:00", "0.5", "2026-11-02 08:00:30"),  # fractions of a minute are exact
        ("2026-11-02 12:30", "0", "2026-11-02 13:00"),  # nothing to do: the next working instant
    ],
)
def test_add_working_minutes(start: str, minutes: str, end: str) -> None:
    assert WS.add_working_minutes(at(start), D(minutes)) == at(end)


def test_working_minutes_between_is_the_inverse_of_adding() -> None:
    start = at("2026-12-23 10:30")
    for minutes in ("1", "90", "480", "1234.5"):
        end = WS.add_working_minutes(start, D(minutes))
        assert WS.working_minutes_between(start, end) == D(minutes)
    assert WS.working_minutes_between(at("2026-11-02 17:00"), at("2026-11-02 08:00")) == 0


def test_is_working() -> None:
    assert WS.is_working(at("2026-11-02 08:00"))
    assert not WS.is_working(at("2026-11-02 12:00"))
    assert not WS.is_working(at("2026-12-25 10:00"))  # holiday
    assert not WS.is_working(at("2026-11-07 10:00"))  # Saturday


def test_local_hours_follow_the_time_zone_through_daylight_saving() -> None:
    # London changes to BST on Sun 29 Mar 2026: 08:00 local is 07:00 UTC from Monday 30 Mar.
    assert WS.day_intervals(day("2026-03-27"))[0][0] == datetime(2026, 3, 27, 8, tzinfo=UTC)
    assert WS.day_intervals(day("2026-03-30"))[0][0] == datetime(2026, 3, 30, 7, tzinfo=UTC)
    # A New York workshop opens at 13:00 UTC in winter.
    ny = WorkingCalendar(workshop(tz="America/New_York"))
    assert ny.next_working_instant(at("2026-11-02 09:00")) == at("2026-11-02 13:00")
    assert ny.local_date(at("2026-11-03 02:00")) == day("2026-11-02")  # still Monday evening there


def test_hours_ending_at_midnight() -> None:
    late = WorkingCalendar(Calendar("late", "Late shift", "UTC", (WorkingHours(0, time(18), time(0)),)))
    assert late.add_working_minutes(at("2026-11-02 23:00"), D(60)) == at("2026-11-03 00:00")
    assert late.next_working_instant(at("2026-11-02 23:30")) == at("2026-11-02 23:30")


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-11-06", 1, "2026-11-09"),  # Friday + 1 = Monday
        ("2026-11-07", 0, "2026-11-09"),  # Saturday rolls forward to a business day
        ("2026-11-04", 0, "2026-11-04"),
        ("2026-12-23", 2, "2026-12-29"),  # Thu 24, (Fri 25, Mon 28 holidays), Tue 29
        ("2026-11-02", 5, "2026-11-09"),
    ],
)
def test_add_business_days(start: str, days: int, expected: str) -> None:
    assert WS.add_business_days(day(start), days) == day(expected)


def test_business_days_between_is_signed() -> None:
    assert WS.business_days_between(day("2026-11-05"), day("2026-11-09")) == 2  # Fri, Mon
    assert WS.business_days_between(day("2026-11-09"), day("2026-11-05")) == -2
    assert WS.business_days_between(day("2026-11-05"), day("2026-11-05")) == 0
    assert WS.business_days_between(day("2026-12-24"), day("2026-12-29")) == 1  # only Tue 29


def test_holidays_that_cost_working_days() -> None:
    assert WS.holidays_between(day("2026-12-20"), day("2026-12-31")) == [
        (day("2026-12-25"), "Christmas Day"),
        (day("2026-12-28"), "Boxing Day"),
    ]


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        (Calendar("x", "X", "Mars/Olympus", workshop().hours), "unknown time zone 'Mars/Olympus'"),
        (Calendar("x", "X", "UTC", ()), "calendar 'x' has no working hours"),
        (Calendar("x", "X", "UTC", (WorkingHours(0, time(17), time(8)),)), "end before start"),
        (Calendar("x", "X", "UTC", (WorkingHours(7, time(8), time(17)),)), "weekday 7"),
    ],
)
def test_bad_calendars_are_named(calendar: Calendar, message: str) -> None:
    with pytest.raises(PromiseError, match=message):
        WorkingCalendar(calendar)


def test_a_calendar_that_is_all_holiday_gives_up_with_a_clear_error() -> None:
    closed = Holiday(day("2026-01-01"), day("2030-12-31"), "closed for refurbishment")
    wc = WorkingCalendar(Calendar("closed", "Closed", "UTC", workshop().hours, (closed,)))
    with pytest.raises(PromiseError, match="no working time within"):
        wc.next_working_instant(at("2026-11-02 09:00"))
