"""Attack on issue 10: a plan takes what the reception started from it refuses.

README: "The same limits hold everywhere ... a name 64", dates 1900-01-01 to 9998-12-31, amounts
up to 999,999,999.99; "As you type, each problem is said under its field". A plan the leader
approves must become a reception that can be saved (据此登记接待).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from ledger.errors import InvalidReception
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import Person
from ledger.service import LedgerService
from tests.conftest import Team


@pytest.fixture(autouse=True)
def _march(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        visiting_unit="市教育局督导室",
        activity="督导",
        activity_kind="检查指导",
        letter_no="市教函〔2026〕7号",
        guest_count=6,
        guests=tuple(Person(f"督导{i}", "市教育局督导室", "科员") for i in range(6)),
        companion_count=2,
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 8, Decimal("40.00")),),
        budget=Decimal("400.00"),
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def test_a_guest_name_longer_than_a_reception_takes_is_refused_in_the_plan(
    service: LedgerService, team: Team
) -> None:
    """Today: saved, submitted and approved; 据此登记接待 then gives a form that cannot be saved."""
    long_name = "督" * 65
    plan = a_plan(guests=(Person(long_name, "市教育局督导室", "科员"),))
    with pytest.raises(InvalidReception) as refused:
        service.save_plan(team.clerk, plan)
    assert "64" in str(refused.value)


def test_an_approved_plan_always_starts_a_reception_that_can_be_saved(
    service: LedgerService, team: Team
) -> None:
    plan = a_plan(companions=(Person("王主任", "县" * 300, "主任" * 80),))
    try:
        plan = service.submit_plan(team.clerk, plan)
    except InvalidReception:
        return  # refused at the plan: what should happen
    plan = service.approve_plan(team.approver, plan.id, version=plan.version)
    started = service.reception_from_plan(plan.id)
    service.save(team.clerk, started)  # today: InvalidReception 陪同人员第 1 人的单位最多 200 个字


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(9999, 12, 31)])
def test_a_plan_date_outside_1900_to_9998_is_refused(service: LedgerService, team: Team, day: date) -> None:
    """Today: SP-1-0001 and SP-9999-0001 are given out."""
    with pytest.raises(InvalidReception) as refused:
        service.save_plan(team.clerk, a_plan(start_date=day, meals=()))
    assert "start_date" in refused.value.problems


def test_a_planned_meal_whose_amount_exceeds_the_largest_amount_is_refused(
    service: LedgerService, team: Team
) -> None:
    """100,000 diners × 999,999,999.99: the plan's meal cost is 99,999,999,999,000.00 (README: amounts
    up to 999,999,999.99)."""
    meal = PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 100_000, Decimal("999999999.99"))
    with pytest.raises(InvalidReception):
        service.save_plan(team.clerk, a_plan(meals=(meal,)))


def test_a_standard_that_is_not_a_number_is_a_message_not_a_crash(service: LedgerService, team: Team) -> None:
    meal = PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 8, Decimal("NaN"))
    with pytest.raises(InvalidReception):  # today: decimal.InvalidOperation escapes
        service.save_plan(team.clerk, a_plan(meals=(meal,)))


def test_too_many_guests_is_not_called_fewer_than_one(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.save_plan(team.clerk, a_plan(guest_count=100_001, guests=()))
    assert refused.value.problems["guest_count"] != "接待对象至少 1 人"


def test_too_many_lodging_nights_is_not_called_negative(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.save_plan(team.clerk, replace(a_plan(), lodging_persons=2, lodging_nights=1_000_000))
    assert "负数" not in refused.value.problems["lodging_nights"]
