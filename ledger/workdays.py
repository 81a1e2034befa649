"""China's working days: the State Council's holiday schedule, with the bureau's own days.

Statutory holidays are off and the make-up working weekends (调休) are on, as published each
year by the State Council and kept by the ``chinesecalendar`` package. For a year the package
does not know yet, the calendar falls back to Monday to Friday; ``knows(year)`` says so, and
the paper that counts working days says it on the sheet. A bureau can add local holidays
(a county's own day off) by hand; they are off whatever the package says.

The posting date itself counts as the first day when it is a working day: a notice posted on
Tuesday 2025-09-30 for five working days stays up 30 Sep, 9, 10, 11 and 13 Oct (1-8 Oct is the
National Day holiday, Saturday 11 Oct is a make-up working day), so the period ends 2025-10-13.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

try:  # the maintained schedule; without it every year falls back to Monday-Friday
    import chinese_calendar as _cc
except ImportError:  # pragma: no cover - the package is a dependency
    _cc = None

# the dates the reports and the command line accept: far enough from the ends of the
# calendar that a posting period, "next year" or "last year" always stays inside it
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


def _known_years() -> frozenset[int]:
    if _cc is None:
        return frozenset()
    days = set(_cc.holidays) | set(_cc.workdays)
    return frozenset(d.year for d in days)


_KNOWN = _known_years()


class WorkCalendar:
    """Working days by the State Council's schedule, plus the bureau's local holidays."""

    def __init__(self, local_holidays: Iterable[date] = ()) -> None:
        self.local_holidays: frozenset[date] = frozenset(local_holidays)

    def knows(self, year: int) -> bool:
        """True when the year's official schedule is known; False when falling back to Mon-Fri."""
        return year in _KNOWN

    def is_working_day(self, day: date) -> bool:
        if day in self.local_holidays:
            return False
        if _cc is not None and day.year in _KNOWN:
            return bool(_cc.is_workday(day))
        return day.weekday() < 5

    def is_holiday(self, day: date) -> bool:
        """A statutory holiday, a local holiday, or a weekend that is not a make-up working day."""
        return not self.is_working_day(day)

    def holiday_name(self, day: date) -> str:
        """The Chinese name of the statutory holiday on ``day``, or ``""``."""
        if day in self.local_holidays:
            return "本地假日"
        if _cc is None or day.year not in _KNOWN:
            return ""
        on_holiday, name = _cc.get_holiday_detail(day)
        if not on_holiday or name is None:
            return ""
        return _HOLIDAY_NAMES.get(str(name), "")

    def first_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def posting_end(self, posted_on: date, working_days: int) -> date:
        """The last day of a posting period of ``working_days`` working days from ``posted_on``."""
        if working_days < 1:
            raise ValueError("working_days must be at least 1")
        day = self.first_working_day(posted_on)
        remaining = working_days - 1
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """The working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return count

    def unknown_years(self, start: date, end: date) -> list[int]:
        """The years between two days whose official schedule is not known (Mon-Fri used)."""
        return [y for y in range(start.year, end.year + 1) if not self.knows(y)]


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}

DEFAULT_CALENDAR = WorkCalendar()


def is_working_day(day: date) -> bool:
    return DEFAULT_CALENDAR.is_working_day(day)


def first_working_day(day: date) -> date:
    return DEFAULT_CALENDAR.first_working_day(day)


def posting_end(posted_on: date, working_days: int) -> date:
    return DEFAULT_CALENDAR.posting_end(posted_on, working_days)
