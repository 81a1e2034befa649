from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.policy import Policy, evaluate, load_default_policy, policy_in_force
from ledger.records import Meal, Reception

POLICY = load_default_policy()
ON = date(2025, 3, 5)


def reception(guests: int = 6, companions: int = 2, **changes: object) -> Reception:
    values: dict[str, object] = dict(
        reception_date=ON,
        visiting_unit="市教育局",
        activity="检查指导",
        letter_no="市教函〔2025〕1号",
        guest_count=guests,
        companion_count=companions,
    )
    values.update(changes)
    return Reception(**values)  # type: ignore[arg-type]


def rules(r: Reception, policy: Policy = POLICY) -> list[str]:
    return [v.rule for v in evaluate(r, policy).violations]


def meal(diners: int, amount: str, **changes: object) -> Meal:
    return Meal(ON, "lunch", "局机关食堂", "机关食堂", diners, Decimal(amount), **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("guests", "companions", "breach"),
    [
        (10, 3, False),
        (10, 4, True),
        (11, 4, True),
        (12, 4, False),
        (30, 10, False),
        (30, 11, True),
        (1, 3, False),
    ],
)
def test_companion_cap_boundaries_from_the_spec(guests: int, companions: int, breach: bool) -> None:
    assert ("companions_over_cap" in rules(reception(guests, companions))) is breach


def test_companion_message_carries_the_figures() -> None:
    (v,) = evaluate(reception(10, 4), POLICY).violations
    assert v.message == "陪餐4人，超过上限3人（接待对象10人）"
    assert (v.limit, v.actual, v.excess) == ("3", "4", Decimal("0.00"))


@given(guests=st.integers(1, 400), companions=st.integers(0, 200))
def test_companion_cap_property(guests: int, companions: int) -> None:
    cap = 3 if guests <= 10 else guests // 3
    assert ("companions_over_cap" in rules(reception(guests, companions))) is (companions > cap)


def test_meal_cap_boundary_in_fen() -> None:
    assert rules(reception(5, 2, meals=(meal(7, "350.00"),))) == []
    a = evaluate(reception(5, 2, meals=(meal(7, "350.07"),)), POLICY)
    assert [v.rule for v in a.violations] == ["meal_over_cap"]
    assert a.over_standard_amount == Decimal("0.07")
    assert a.reimbursable == Decimal("350.00")
    assert "350.07" in a.violations[0].message and "350.00" in a.violations[0].message


@given(diners=st.integers(1, 60), fen=st.integers(0, 600_000))
def test_meal_cap_property_exact_in_fen(diners: int, fen: int) -> None:
    amount = Decimal(fen) / 100
    a = evaluate(reception(5, 2, meals=(meal(diners, f"{amount:.2f}"),)), POLICY)
    over = fen > 5000 * diners
    assert ("meal_over_cap" in [v.rule for v in a.violations]) is over
    assert a.over_standard_amount == (Decimal(fen - 5000 * diners) / 100 if over else 0)


def test_each_meal_kind_has_its_own_cap() -> None:
    policy = replace(
        POLICY,
        meal_caps={"breakfast": Decimal("20.00"), "lunch": Decimal("50.00"), "dinner": Decimal("50.00")},
    )
    breakfast = Meal(ON, "breakfast", "食堂", "机关食堂", 5, Decimal("120.00"))
    assert rules(reception(meals=(breakfast,)), policy) == ["meal_over_cap"]
    assert rules(reception(meals=(breakfast,))) == []


def test_too_many_meals() -> None:
    two = (meal(8, "100.00"), meal(8, "100.00"))
    assert rules(reception(meals=two)) == ["too_many_meals"]
    assert rules(reception(meals=two[:1])) == []


def test_letter_or_phone_record_required() -> None:
    assert rules(reception(letter_no="")) == ["missing_official_letter"]
    assert rules(reception(letter_no="", phone_record="3月4日电话通知")) == []


@pytest.mark.parametrize("venue_type", ["高档酒店", "私人会所", "高消费餐饮场所"])
def test_luxury_venues(venue_type: str) -> None:
    r = reception(meals=(Meal(ON, "lunch", "某酒店", venue_type, 8, Decimal("100.00")),))
    assert rules(r) == ["luxury_venue"]


@pytest.mark.parametrize("venue_type", ["学校食堂", "机关食堂", "定点饭店", "其他"])
def test_ordinary_venues(venue_type: str) -> None:
    assert rules(reception(meals=(Meal(ON, "lunch", "x", venue_type, 8, Decimal("100.00")),))) == []


def test_gift_by_amount_or_description() -> None:
    a = evaluate(reception(gift_amount=Decimal("200.00")), POLICY)
    assert [v.rule for v in a.violations] == ["gift"] and a.over_standard_amount == Decimal("200.00")
    a = evaluate(reception(gift_description="土特产"), POLICY)
    assert [v.rule for v in a.violations] == ["gift"] and "土特产" in a.violations[0].message
    assert a.over_standard_amount == 0


def test_tobacco_alcohol_is_wholly_over_standard() -> None:
    r = reception(meals=(meal(8, "300.00", tobacco_alcohol=Decimal("180.00")),))
    a = evaluate(r, POLICY)
    assert [v.rule for v in a.violations] == ["tobacco_alcohol"]
    assert a.total == Decimal("480.00") and a.over_standard_amount == Decimal("180.00")
    assert a.reimbursable == Decimal("300.00")


def test_over_standard_adds_meal_excess_gift_and_tobacco() -> None:
    r = reception(
        meals=(meal(8, "450.00", tobacco_alcohol=Decimal("100.00")),),
        gift_amount=Decimal("50.00"),
        accommodation=Decimal("300.00"),
    )
    a = evaluate(r, POLICY)
    assert a.total == Decimal("900.00")
    assert a.over_standard_amount == Decimal("50.00") + Decimal("100.00") + Decimal("50.00")


def test_policy_versions_judge_by_reception_date() -> None:
    strict = replace(POLICY, effective_from=date(2025, 7, 1), companion_base_cap=2)
    versions = [POLICY, strict]
    assert policy_in_force(versions, date(2025, 6, 30)) is POLICY
    assert policy_in_force(versions, date(2025, 7, 1)) is strict
    r = reception(6, 3)
    assert rules(r, policy_in_force(versions, date(2025, 6, 30))) == []
    assert rules(r, policy_in_force(versions, date(2025, 7, 1))) == ["companions_over_cap"]


def test_policy_round_trips_through_plain_data() -> None:
    assert Policy.from_dict(POLICY.to_dict()) == POLICY


def test_policy_validation_refuses_nonsense() -> None:
    data = POLICY.to_dict() | {"meal_caps": {"lunch": "-1"}}
    with pytest.raises(ValueError, match="午餐"):
        Policy.from_dict(data)


def test_ratio_and_threshold_are_parameters() -> None:
    policy = replace(POLICY, companion_threshold=5, companion_ratio_num=1, companion_ratio_den=2)
    assert policy.companion_cap(5) == 3 and policy.companion_cap(8) == 4
