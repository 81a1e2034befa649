"""China's working days (ledger.workdays): the State Council's schedule, make-up weekends,
the Monday-Friday fallback for a year not yet published, and the bureau's local holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.workdays import WorkCalendar

CAL = WorkCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    ("first", "last", "off", "make_up"),
    [
        # Spring Festival 2025: 28 Jan - 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked
        (date(2025, 1, 28), date(2025, 2, 4), "春节", (date(2025, 1, 26), date(2025, 2, 8))),
        # National Day and Mid-autumn 2025: 1-8 Oct off; Sunday 28 Sep and Saturday 11 Oct worked
        (date(2025, 10, 1), date(2025, 10, 8), "国庆节", (date(2025, 9, 28), date(2025, 10, 11))),
        # Spring Festival 2026: 15-23 Feb off; Saturdays 14 and 28 Feb worked
        (date(2026, 2, 15), date(2026, 2, 23), "春节", (date(2026, 2, 14), date(2026, 2, 28))),
        # National Day 2026: 1-7 Oct off; Sunday 20 Sep and Saturday 10 Oct worked
        (date(2026, 10, 1), date(2026, 10, 7), "国庆节", (date(2026, 9, 20), date(2026, 10, 10))),
    ],
)
def test_statutory_holidays_are_off_and_make_up_weekends_on(
    first: date, last: date, off: str, make_up: tuple[date, ...]
) -> None:
    for day in days(first, last):
        assert CAL.is_holiday(day) and not CAL.is_working_day(day), day
    assert off in {CAL.holiday_name(d) for d in days(first, last)}
    for day in make_up:
        assert day.weekday() >= 5 and CAL.is_working_day(day) and not CAL.is_holiday(day), day
    assert CAL.is_working_day(first - timedelta(1)) or (first - timedelta(1)).weekday() >= 5


def test_posted_on_the_eve_of_national_day_2025_five_days_run_to_13_october() -> None:
    assert CAL.posting_end(date(2025, 9, 30), 5) == date(2025, 10, 13)
    assert CAL.working_days_between(date(2025, 9, 30), date(2025, 10, 13)) == 4  # after the posting day
    assert CAL.posting_end(date(2025, 10, 1), 1) == date(2025, 10, 9)  # posted on a holiday


def test_posting_across_spring_festival_2026() -> None:
    # Friday 13 Feb, Saturday 14 (worked), then 15-23 off: 13, 14, 24, 25, 26
    assert CAL.posting_end(date(2026, 2, 13), 5) == date(2026, 2, 26)
    assert CAL.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2


def test_a_year_the_package_does_not_know_falls_back_to_monday_to_friday() -> None:
    assert CAL.knows(2025) and CAL.knows(2026)
    assert not CAL.knows(2031)
    assert CAL.is_working_day(date(2031, 10, 1))  # a Wednesday: no schedule published, so worked
    assert not CAL.is_working_day(date(2031, 10, 4))  # Saturday
    assert CAL.unknown_years(date(2026, 12, 30), date(2027, 1, 5)) == ([2027] if not CAL.knows(2027) else [])


def test_a_local_holiday_is_off_whatever_the_national_schedule() -> None:
    county = WorkCalendar([date(2025, 3, 10), date(2025, 10, 11)])  # a Monday, a make-up Saturday
    assert (
        not county.is_working_day(date(2025, 3, 10)) and county.holiday_name(date(2025, 3, 10)) == "本地假日"
    )
    assert not county.is_working_day(date(2025, 10, 11))
    assert county.posting_end(date(2025, 3, 7), 5) == date(2025, 3, 14)
    assert CAL.posting_end(date(2025, 3, 7), 5) == date(2025, 3, 13)


@given(st.dates(date(2024, 1, 1), date(2027, 12, 31)), st.integers(1, 30))
def test_a_posting_period_holds_exactly_its_working_days(posted: date, n: int) -> None:
    end = CAL.posting_end(posted, n)
    assert CAL.is_working_day(end)
    start = CAL.first_working_day(posted)
    assert CAL.working_days_between(start, end) == n - 1
    assert CAL.is_holiday(end) is False


@given(st.dates(date(2004, 1, 1), date(2030, 12, 31)))
def test_is_holiday_is_the_opposite_of_is_working_day(day: date) -> None:
    assert CAL.is_holiday(day) is (not CAL.is_working_day(day))
    if not CAL.knows(day.year):
        assert CAL.is_working_day(day) is (day.weekday() < 5)


def test_the_service_gives_the_bureaus_calendar(service, team) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    assert service.work_calendar().is_working_day(date(2025, 3, 10))
    service.update_bureau(team.admin, replace(service.bureau(), local_holidays=(date(2025, 3, 10),)))
    assert service.bureau().local_holidays == (date(2025, 3, 10),)
    assert not service.work_calendar().is_working_day(date(2025, 3, 10))
    assert service.verify().ok
