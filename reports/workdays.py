"""Working days for the posting period (公示期) of a notice sheet.

Deliberately simple and predictable: Monday to Friday are working days, Saturday and
Sunday are not. Public holidays and the make-up working weekends of the Chinese
calendar (调休) are NOT taken into account, because they change every year by State
Council notice; a bureau posting over a holiday can count a few more days by hand.

The posting date itself counts as the first day when it is a working day: a notice
posted on Friday 2025-03-07 for 5 working days stays up Fri 7, Mon 10, Tue 11,
Wed 12 and Thu 13, so the period ends on 2025-03-13. Posted on a weekend, the period
starts on the following Monday.
"""

from __future__ import annotations

from datetime import date, timedelta

# the dates the reports and the command line accept: far enough from the ends of the
# calendar that a posting period, "next year" or "last year" always stays inside it
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def first_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def posting_end(posted_on: date, working_days: int) -> date:
    """The last day of a posting period of ``working_days`` working days from ``posted_on``."""
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    day = first_working_day(posted_on)
    remaining = working_days - 1
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
