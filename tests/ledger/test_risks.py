"""Supervision warnings (疑点): a seeded pattern and its control for every code."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from ledger.policy import Policy, WarningParams, load_default_policy
from ledger.records import Meal, Reception
from ledger.risks import counts, text_key
from ledger.service import LedgerService
from ledger.workdays import WorkCalendar
from tests.conftest import Team, sample_reception

_n = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour))


def add(
    service: LedgerService,
    team: Team,
    on: date,
    *,
    entered: date | None = None,
    approve_on: date | None = None,
    **changes: object,
) -> Reception:
    """Save a reception entered on ``entered`` (default: the reception day), distinct unit and letter."""
    n = next(_n)
    values: dict[str, object] = {"unit": f"单位{n}", "letter_no": f"函〔2025〕{n}号"}
    values.update(changes)
    service.clock = lambda: at(entered or on)
    record = service.save(team.clerk, sample_reception(on, **values))  # type: ignore[arg-type]
    if approve_on is not None:
        service.clock = lambda: at(approve_on, 9)
        record = service.submit(team.clerk, record)
        record = service.approve(team.approver, record.id)  # type: ignore[arg-type]
    return record


def risks(service: LedgerService, today: date = date(2025, 12, 31)) -> list[tuple[str, tuple[str, ...]]]:
    service.clock = lambda: at(today)
    return [(r.code, r.refs) for r in service.risks(2025)]


def codes(service: LedgerService, code: str, today: date = date(2025, 12, 31)) -> list[tuple[str, ...]]:
    return [refs for c, refs in risks(service, today) if c == code]


def test_text_key_normalises_spaces_full_width_and_brackets() -> None:
    same = [
        "市教函〔2025〕12号",
        "市教函[2025]12号",
        "市教函【２０２５】１２号",
        "市教函（2025） 12 号",
        "市教函(2025)12号",
    ]
    assert len({text_key(t) for t in same}) == 1
    assert text_key("市教函〔2025〕12号") != text_key("市教函〔2025〕13号")


def test_letter_reused_groups_normalised_letters(service: LedgerService, team: Team) -> None:
    a = add(service, team, date(2025, 3, 3), letter_no="市教函〔2025〕12号")
    b = add(service, team, date(2025, 4, 7), letter_no="市教函【２０２５】12 号")
    c = add(service, team, date(2025, 5, 6), letter_no="市教函(2025)12号")
    add(service, team, date(2025, 6, 3), letter_no="市教函〔2025〕13号")  # control
    assert codes(service, "letter_reused") == [tuple(sorted([a.ref, b.ref, c.ref]))]
    message = service.risks(2025)[0].message
    assert "3 次接待" in message and "一函多餐" in message


def test_split_reception_within_two_days_but_not_ten(service: LedgerService, team: Team) -> None:
    a = add(service, team, date(2025, 3, 3), unit="市督导室")
    b = add(service, team, date(2025, 3, 5), unit="市督导室")
    add(service, team, date(2025, 4, 1), unit="省教育厅")
    add(service, team, date(2025, 4, 11), unit="省教育厅")  # 10 days apart: not a split
    assert codes(service, "split_reception") == [tuple(sorted([a.ref, b.ref]))]


def test_split_compares_units_after_normalising(service: LedgerService, team: Team) -> None:
    a = add(service, team, date(2025, 3, 3), unit="市教育局（督导科）")
    b = add(service, team, date(2025, 3, 4), unit="市教育局 (督导科)")
    assert codes(service, "split_reception") == [tuple(sorted([a.ref, b.ref]))]


def test_frequent_unit_more_than_six_times(service: LedgerService, team: Team) -> None:
    often = [add(service, team, date(2025, 1, 6) + timedelta(days=14 * i), unit="市教研室") for i in range(7)]
    for i in range(6):  # control: exactly six is not more than six
        add(service, team, date(2025, 1, 7) + timedelta(days=14 * i), unit="市电教馆")
    assert codes(service, "frequent_unit") == [tuple(sorted(r.ref for r in often))]
    assert codes(service, "split_reception") == []


def test_holiday_reception_uses_the_working_day_calendar(service: LedgerService, team: Team) -> None:
    national_day = add(service, team, date(2025, 10, 1))  # Wednesday, statutory holiday
    saturday = add(service, team, date(2025, 3, 8))  # an ordinary weekend
    add(service, team, date(2025, 9, 28))  # Sunday, but a make-up working day (调休上班)
    add(service, team, date(2025, 10, 11))  # Saturday, make-up working day
    add(service, team, date(2025, 3, 5))  # Wednesday
    assert codes(service, "holiday_reception") == sorted([(national_day.ref,), (saturday.ref,)])
    messages = {r.refs[0]: r.message for r in service.risks(2025) if r.code == "holiday_reception"}
    assert "2025-10-01（周三，法定节假日）" in messages[national_day.ref]
    assert "2025-03-08（周六，周末）" in messages[saturday.ref]


def test_holiday_meal_of_a_reception_starting_on_a_working_day(service: LedgerService, team: Team) -> None:
    friday = date(2025, 3, 7)
    saturday = friday + timedelta(days=1)
    r = add(
        service,
        team,
        friday,
        end_date=saturday,
        meals=(
            Meal(saturday, "lunch", "局机关食堂", "机关食堂", 8, __import__("decimal").Decimal("300.00")),
        ),
    )
    assert codes(service, "holiday_reception") == [(r.ref,)]


def test_late_entry_after_fifteen_days(service: LedgerService, team: Team) -> None:
    late = add(service, team, date(2025, 3, 3), entered=date(2025, 3, 19))  # 16 days
    add(service, team, date(2025, 3, 4), entered=date(2025, 3, 19))  # 15 days: not late
    assert codes(service, "late_entry") == [(late.ref,)]
    message = next(r.message for r in service.risks(2025) if r.code == "late_entry")
    assert "相隔 16 天" in message


def test_late_posting_counts_working_days_over_national_day(service: LedgerService, team: Team) -> None:
    # approved Tue 2025-09-30; Oct 1-8 are holidays, Sat Oct 11 is a working day:
    # five working days are Oct 9, 10, 11, 13, 14
    on_time = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    late = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    unposted = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    add(
        service,
        team,
        date(2025, 9, 29),
        approve_on=date(2025, 9, 30),
        classified=True,
        classified_reason="涉密",
    )
    service.mark_posted(team.clerk, [on_time.id], date(2025, 10, 14))  # type: ignore[list-item]
    service.mark_posted(team.clerk, [late.id], date(2025, 10, 15))  # type: ignore[list-item]
    assert codes(service, "late_posting", today=date(2025, 10, 14)) == [(late.ref,)]
    assert codes(service, "late_posting", today=date(2025, 10, 15)) == sorted([(late.ref,), (unposted.ref,)])


def test_a_posting_dated_before_its_approval_is_a_late_posting(service: LedgerService, team: Team) -> None:
    backdated = add(service, team, date(2025, 11, 3), approve_on=date(2025, 11, 20))
    service.mark_posted(team.clerk, [backdated.id], date(2025, 1, 1))  # type: ignore[list-item]
    found = [r for r in service.risks(2025) if r.code == "late_posting"]
    assert [r.refs for r in found] == [(backdated.ref,)]
    assert "公示日期 2025-01-01 早于审核日期 2025-11-20（日期有误或倒填）" in found[0].message


def test_cash_payment(service: LedgerService, team: Team) -> None:
    cash = add(service, team, date(2025, 3, 3), payment_method="现金")
    add(service, team, date(2025, 3, 4), payment_method="公务卡")
    add(service, team, date(2025, 3, 5), payment_method="转账")
    assert codes(service, "cash_payment") == [(cash.ref,)]


def test_invoice_reused_across_receptions(service: LedgerService, team: Team) -> None:
    from decimal import Decimal

    def meal(day: date, invoice: str) -> tuple[Meal, ...]:
        return (Meal(day, "lunch", "局机关食堂", "机关食堂", 8, Decimal("300.00"), invoice_no=invoice),)

    a = add(service, team, date(2025, 3, 3), meals=meal(date(2025, 3, 3), "No.0012345"))
    b = add(service, team, date(2025, 5, 6), meals=meal(date(2025, 5, 6), "NO. 0012345"))
    add(service, team, date(2025, 6, 3), meals=meal(date(2025, 6, 3), "No.0012346"))
    assert codes(service, "invoice_reused") == [tuple(sorted([a.ref, b.ref]))]


def test_no_warnings_for_a_clean_year_and_all_codes_counted(service: LedgerService, team: Team) -> None:
    add(service, team, date(2025, 3, 5))
    add(service, team, date(2025, 4, 9))
    assert risks(service) == []
    assert counts([]) == dict.fromkeys(counts([]), 0)
    assert set(counts([])) >= {
        "letter_reused",
        "split_reception",
        "frequent_unit",
        "holiday_reception",
        "late_entry",
        "late_posting",
        "cash_payment",
    }


def test_parameters_come_from_the_policy_version(service: LedgerService, team: Team) -> None:
    add(service, team, date(2025, 3, 3), unit="市督导室", payment_method="现金")
    add(service, team, date(2025, 3, 7), unit="市督导室")  # 4 days apart
    assert codes(service, "split_reception") == []
    policy = replace(
        service.policy_for(date(2025, 12, 31)),
        effective_from=date(2025, 12, 1),
        warnings=WarningParams(split_days=5, cash_payment=False),
    )
    service.add_policy(team.admin, policy)
    assert len(codes(service, "split_reception")) == 1
    assert codes(service, "cash_payment") == []


def test_policy_stored_before_warnings_existed_reads_defaults() -> None:
    data = load_default_policy().to_dict()
    del data["warnings"]
    assert Policy.from_dict(data).warnings == WarningParams()
    with pytest.raises(ValueError, match="split_days"):
        Policy.from_dict(load_default_policy().to_dict() | {"warnings": {"split_days": "2"}})
    with pytest.raises(ValueError, match="负数"):
        Policy.from_dict(load_default_policy().to_dict() | {"warnings": {"late_entry_days": -1}})


def test_risks_of_one_reception(service: LedgerService, team: Team) -> None:
    cash = add(service, team, date(2025, 3, 3), payment_method="现金")
    clean = add(service, team, date(2025, 3, 4))
    service.clock = lambda: at(date(2025, 12, 31))
    assert [r.code for r in service.risks_of(cash)] == ["cash_payment"]
    assert service.risks_of(clean) == []


def test_work_calendar() -> None:
    cal = WorkCalendar(local_holidays=[date(2025, 3, 5)])
    assert cal.is_holiday(date(2025, 10, 1)) and not cal.is_holiday(date(2025, 9, 28))
    assert cal.is_holiday(date(2025, 3, 5))
    assert cal.posting_end(date(2025, 9, 30), 5) == date(2025, 10, 13)
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 14)) == 5
    assert cal.knows(2025)


def test_the_date_arithmetic_codes_on_postgresql(pg_url: str) -> None:
    from ledger.db import Database
    from tests.conftest import make_team

    db = Database(pg_url)
    service = LedgerService(db)
    team = make_team(service)
    late = add(service, team, date(2025, 3, 3), entered=date(2025, 3, 19))  # 16 days
    add(service, team, date(2025, 3, 4), entered=date(2025, 3, 19))  # 15 days
    posted_late = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    posted_in_time = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    service.mark_posted(team.clerk, [posted_late.id], date(2025, 10, 15))  # type: ignore[list-item]
    service.mark_posted(team.clerk, [posted_in_time.id], date(2025, 10, 14))  # type: ignore[list-item]
    backdated = add(service, team, date(2025, 9, 29), approve_on=date(2025, 9, 30))
    service.mark_posted(team.clerk, [backdated.id], date(2025, 9, 1))  # type: ignore[list-item]
    holiday = add(service, team, date(2025, 10, 1))
    a = add(service, team, date(2025, 3, 10), letter_no="市教函〔2025〕12号")
    b = add(service, team, date(2025, 6, 10), letter_no="市教函[2025]12号")
    assert risks(service) == [
        ("letter_reused", tuple(sorted([a.ref, b.ref]))),
        ("holiday_reception", (holiday.ref,)),
        ("late_entry", (late.ref,)),
        ("late_posting", (posted_late.ref,)),
        ("late_posting", (backdated.ref,)),
    ]
    db.dispose()
