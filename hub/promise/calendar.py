"""Working-time arithmetic over one ``Calendar``: working instants, working minutes, business days.

A calendar's weekly hours and holidays are local to its IANA time zone (``zoneinfo``); every instant in
and out is timezone-aware UTC. Working intervals are half-open ``[start, end)``: the last minute of a
morning ends *at* 12:00, and the next working instant after 12:00 is 13:00.

Business days (used for packing, transit and slack) are Monday to Friday minus the calendar's holidays.

Example: on a Mon-Fri 08:00-12:00/13:00-17:00 calendar, 300 working minutes from Friday 15:00 end on
Monday 11:00 (2 h on Friday, then 3 h on Monday morning).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.inventory import Calendar, WorkingHours
from hub.promise.model import PromiseError

__all__ = ["WorkingCalendar", "default_calendar", "minutes_to_micros"]

# A search for working time gives up after this many days without any (e.g. a year of holidays).
_HORIZON_DAYS = 3 * 366
_MICROS_PER_MINUTE = 60_000_000


def minutes_to_micros(minutes: Decimal) -> int:
    """Whole microseconds for ``minutes``, rounded up so work is never under-booked."""
    return int((minutes * _MICROS_PER_MINUTE).to_integral_value(rounding=ROUND_CEILING))


def default_calendar() -> Calendar:
    """Mon-Fri 08:00-17:00 UTC, no holidays: used only when a snapshot has no calendar at all."""
    hours = tuple(WorkingHours(d, time(8), time(17)) for d in range(5))
    return Calendar("default", "Default (Mon-Fri)", "UTC", hours)


class WorkingCalendar:
    """Working-time arithmetic over ``calendar``; caches each day's intervals."""

    def __init__(self, calendar: Calendar) -> None:
        try:
            self.zone = ZoneInfo(calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise PromiseError(f"calendar {calendar.id!r}: unknown time zone {calendar.timezone!r}") from exc
        self.calendar = calendar
        self._hours: dict[int, list[tuple[time, time]]] = {}
        for wh in calendar.hours:
            if not 0 <= wh.weekday <= 6:
                raise PromiseError(f"calendar {calendar.id!r}: weekday {wh.weekday} is not 0 (Mon)..6 (Sun)")
            if wh.end <= wh.start and wh.end != time(0):
                raise PromiseError(f"calendar {calendar.id!r}: hours {wh.start}-{wh.end} end before start")
            self._hours.setdefault(wh.weekday, []).append((wh.start, wh.end))
        for spans in self._hours.values():
            spans.sort()
        if not self._hours:
            raise PromiseError(f"calendar {calendar.id!r} has no working hours")
        self._holidays: dict[date, str] = {}
        for h in calendar.holidays:
            day = h.start
            while day <= h.end:
                self._holidays[day] = h.name
                day += timedelta(days=1)
        self._days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    # -- days -------------------------------------------------------------------------------------------
    def local_date(self, instant: datetime) -> date:
        """The calendar-local date of ``instant``."""
        return instant.astimezone(self.zone).date()

    def local(self, instant: datetime) -> datetime:
        """``instant`` in the calendar's time zone (for human descriptions)."""
        return instant.astimezone(self.zone)

    def holiday(self, day: date) -> str | None:
        """The holiday's name if ``day`` is one."""
        return self._holidays.get(day)

    def day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of local ``day`` in UTC (empty on holidays and days off)."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        spans: list[tuple[datetime, datetime]] = []
        if day not in self._holidays:
            for start, end in self._hours.get(day.weekday(), ()):
                s = datetime.combine(day, start, self.zone).astimezone(UTC)
                end_day = day + timedelta(days=1) if end == time(0) else day
                e = datetime.combine(end_day, end, self.zone).astimezone(UTC)
                if e > s:
                    spans.append((s, e))
        result = tuple(spans)
        self._days[day] = result
        return result

    def intervals_from(self, instant: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals from ``instant`` on, the first one clipped to start at ``instant``."""
        day = self.local_date(instant) - timedelta(days=1)  # a span ending at midnight may belong to it
        for _ in range(_HORIZON_DAYS):
            for s, e in self.day_intervals(day):
                if e > instant:
                    yield (max(s, instant), e)
            day += timedelta(days=1)
        raise PromiseError(
            f"calendar {self.calendar.id!r}: no working time within {_HORIZON_DAYS} days "
            f"of {instant.isoformat()}"
        )

    # -- instants and minutes ---------------------------------------------------------------------------
    def is_working(self, instant: datetime) -> bool:
        """True when ``instant`` lies inside a working interval."""
        return any(s <= instant < e for s, e in self.day_intervals(self.local_date(instant))) or any(
            s <= instant < e for s, e in self.day_intervals(self.local_date(instant) - timedelta(days=1))
        )

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` itself if working, else the start of the next working interval."""
        return next(self.intervals_from(instant))[0]

    def add_working_minutes(self, instant: datetime, minutes: Decimal) -> datetime:
        """The instant at which ``minutes`` of working time after ``instant`` have elapsed.

        Zero minutes gives the next working instant. Work pauses outside working hours and resumes.
        """
        return self.add_working_micros(instant, minutes_to_micros(minutes))

    def add_working_micros(self, instant: datetime, micros: int) -> datetime:
        """``add_working_minutes`` in whole microseconds (exact integer arithmetic)."""
        if micros < 0:
            raise ValueError("negative working time")
        for s, e in self.intervals_from(instant):
            span = (e - s) // timedelta(microseconds=1)
            if micros <= span:
                return s + timedelta(microseconds=micros)
            micros -= span
        raise AssertionError("unreachable")  # intervals_from raises at its horizon

    def working_minutes_between(self, start: datetime, end: datetime) -> Decimal:
        """Working minutes in ``[start, end)`` (zero if ``end <= start``)."""
        if end <= start:
            return Decimal(0)
        total = 0
        for s, e in self.intervals_from(start):
            if s >= end:
                break
            total += (min(e, end) - s) // timedelta(microseconds=1)
        return Decimal(total) / _MICROS_PER_MINUTE

    # -- business days ----------------------------------------------------------------------------------
    def is_business_day(self, day: date) -> bool:
        """Monday to Friday and not a holiday of this calendar."""
        return day.weekday() < 5 and day not in self._holidays

    def add_business_days(self, day: date, days: int) -> date:
        """``days`` business days after ``day``; with 0, ``day`` itself or the next business day."""
        if days < 0:
            raise ValueError("negative business days")
        if days == 0:
            while not self.is_business_day(day):
                day += timedelta(days=1)
            return day
        while days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                days -= 1
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """Business days in ``(start, end]``; negative (those in ``(end, start]``) when ``end < start``."""
        if end == start:
            return 0
        sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
        count = 0
        day = lo
        while day < hi:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count += 1
        return sign * count

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Holidays on weekdays in ``[start, end]`` (the ones that actually cost working days)."""
        return sorted((d, n) for d, n in self._holidays.items() if start <= d <= end and d.weekday() < 5)
