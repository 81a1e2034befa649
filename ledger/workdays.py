"""China's working-day calendar: statutory holidays off, make-up working weekends (调休) on.

Backed by the ``chinesecalendar`` package (the State Council's yearly notices); a year it
does not know yet falls back to Monday–Friday. A bureau adds local holidays of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar


class WorkCalendar:
    def __init__(self, local_holidays: Iterable[date] = ()) -> None:
        self._local = frozenset(local_holidays)

    def knows(self, year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_working_day(self, day: date) -> bool:
        if day in self._local:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        """A statutory holiday, a local holiday, or a weekend that is not a make-up working day."""
        return not self.is_working_day(day)

    def posting_end(self, posted_on: date, working_days: int) -> date:
        """The last day of ``working_days`` working days counted from ``posted_on`` (inclusive)."""
        if working_days < 1:
            raise ValueError("working_days must be at least 1")
        day = posted_on
        while not self.is_working_day(day):
            day += timedelta(days=1)
        remaining = working_days - 1
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count
