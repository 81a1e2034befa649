"""Issue 9: caps by meal kind and guest origin, lodging, foreign guests, required documents,
the pre-approval switch, the guest list, versions either side of an effective date, and an
existing ledger migrating with today's numbers unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidReception
from ledger.policy import DocumentRule, ForeignRule, LodgingRule, Policy, evaluate, load_default_policy
from ledger.policy_files import load_policy_file
from ledger.records import LedgerQuery, Meal, Person
from ledger.service import LedgerService
from ledger.text import clean_line
from tests.conftest import Team, sample_reception

POLICIES = Path(__file__).resolve().parents[2] / "resources" / "policies"
HUBEI = load_policy_file(POLICIES / "hubei_county_example.toml")
DEFAULT = load_default_policy()


def lunch(amount: str, *, guests: int = 4, companions: int = 2, **changes: object):  # type: ignore[no-untyped-def]
    return sample_reception(date(2026, 3, 5), guests=guests, companions=companions, amount=amount, **changes)


def rules(reception, policy: Policy = HUBEI) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.rule for v in evaluate(reception, policy).violations]


# -- meal caps by kind and guest origin -------------------------------------------------------
@pytest.mark.parametrize(
    ("origin", "kind", "fine", "breach"),
    [
        ("外地", "lunch", "540.00", "540.01"),  # 90 x 6
        ("外地", "breakfast", "300.00", "300.01"),  # 50 x 6
        ("本地", "lunch", "420.00", "420.01"),  # 70 x 6
        ("本地", "breakfast", "240.00", "240.01"),  # 40 x 6
        ("本地", "dinner", "420.00", "420.01"),
    ],
)
def test_the_cap_is_the_one_for_the_meal_kind_and_guest_origin(
    origin: str, kind: str, fine: str, breach: str
) -> None:
    def reception(amount: str):  # type: ignore[no-untyped-def]
        r = lunch(amount, guest_origin=origin)
        return replace(r, meals=(replace(r.meals[0], kind=kind),))

    assert rules(reception(fine)) == []
    found = evaluate(reception(breach), HUBEI)
    assert [v.rule for v in found.violations] == ["meal_over_cap"]
    assert found.over_standard_amount == Decimal("0.01")
    expected_note = "（本地来宾标准" if origin == "本地" else "元，超过标准"
    assert expected_note in found.violations[0].message


def test_the_bureaus_local_units_decide_when_the_reception_does_not_say() -> None:
    # the example names 嘉鱼县: its units are 本地 (70 a lunch), others 外地 (90)
    assert rules(lunch("480.00", unit="嘉鱼县教育局")) == ["meal_over_cap"]
    assert rules(lunch("480.00", unit="咸宁市教育局")) == []
    # the reception's own choice wins over the list
    assert rules(lunch("480.00", unit="嘉鱼县教育局", guest_origin="外地")) == []
    assert HUBEI.origin_of(lunch("1.00", unit="咸宁市教育局")) == "外地"


@given(
    diners=st.integers(1, 40),
    cap_cents=st.integers(0, 50_000),
    delta=st.integers(-500, 500),
    origin=st.sampled_from(["本地", "外地", "外宾"]),
)
def test_a_meal_breaches_exactly_when_it_is_over_cap_times_diners(
    diners: int, cap_cents: int, delta: int, origin: str
) -> None:
    cap = Decimal(cap_cents) / 100
    policy = replace(
        DEFAULT,
        meal_caps={"lunch": Decimal("1.00")},
        meal_caps_local={"lunch": Decimal("2.00")},
        foreign=ForeignRule(meal_caps={"lunch": Decimal("3.00")}),
    )
    # the cap under test for this origin; the other two stay far off
    if origin == "外地":
        policy = replace(policy, meal_caps={"lunch": cap})
    elif origin == "本地":
        policy = replace(policy, meal_caps_local={"lunch": cap})
    else:
        policy = replace(policy, foreign=ForeignRule(meal_caps={"lunch": cap}))
    amount_cents = max(0, cap_cents * diners + delta)
    r = sample_reception(
        date(2026, 3, 5),
        guests=diners,
        companions=0,
        amount=str(Decimal(amount_cents) / 100),
        guest_origin=origin,
    )
    breach = "meal_over_cap" in rules(r, policy)
    assert breach is (amount_cents > cap_cents * diners)


# -- foreign guests ---------------------------------------------------------------------------
def test_a_foreign_guest_reception_is_judged_by_the_foreign_section_only() -> None:
    policy = replace(
        DEFAULT,
        effective_from=date(2026, 1, 1),
        meal_caps={k: Decimal("50.00") for k in ("breakfast", "lunch", "dinner")},
        foreign=ForeignRule(
            meal_caps={
                "breakfast": Decimal("100.00"),
                "lunch": Decimal("200.00"),
                "dinner": Decimal("200.00"),
            },
            max_banquets=2,
        ),
    )
    r = lunch("1200.00", guest_origin="外宾")  # 200 x 6: over the domestic 50, within the foreign 200
    assert rules(r, policy) == []
    assert rules(replace(r, guest_origin="外地"), policy) == ["meal_over_cap"]
    over = evaluate(lunch("1200.06", guest_origin="外宾"), policy)
    assert [v.rule for v in over.violations] == ["meal_over_cap"]
    assert "（外宾标准200.00元/人）" in over.violations[0].message
    # two banquets allowed to foreign guests, one work meal to domestic ones
    two = replace(
        r, meals=(*r.meals, Meal(date(2026, 3, 6), "dinner", "宾馆", "定点饭店", 6, Decimal("600.00")))
    )
    assert rules(two, policy) == []
    assert "too_many_meals" in rules(replace(two, guest_origin="外地"), policy)
    three = replace(two, meals=(*two.meals, two.meals[1]))
    found = evaluate(three, policy).violations
    assert [v.rule for v in found] == ["too_many_meals"] and found[0].message == "外宾宴请3次，超过2次"


# -- lodging --------------------------------------------------------------------------------
def test_lodging_is_not_checked_unless_switched_on() -> None:
    r = lunch("300.00", accommodation=Decimal("9999.00"), lodging_persons=1, lodging_nights=1)
    assert rules(r, DEFAULT) == []


@pytest.mark.parametrize(
    ("amount", "persons", "nights", "breach"),
    [
        ("1200.00", 2, 2, False),  # 300 x 2 x 2
        ("1200.01", 2, 2, True),
        ("0.00", 0, 0, False),
        ("300.00", 0, 0, True),  # a paid stay with no person-nights recorded
        ("300.00", 1, 1, False),
    ],
)
def test_lodging_cap_per_person_night(amount: str, persons: int, nights: int, breach: bool) -> None:
    policy = replace(DEFAULT, lodging=LodgingRule(check=True, cap_per_person_night=Decimal("300.00")))
    r = lunch("300.00", accommodation=Decimal(amount), lodging_persons=persons, lodging_nights=nights)
    found = evaluate(r, policy)
    assert ("lodging_over_cap" in found.rules) is breach
    if breach:
        limit = Decimal("300.00") * persons * nights
        assert found.over_standard_amount == Decimal(amount) - limit


# -- versions either side of an effective date ---------------------------------------------------
def test_versions_either_side_of_an_effective_date(service: LedgerService, team: Team) -> None:
    service.add_policy(team.admin, HUBEI)  # from 2026-01-01: 90 a lunch for 外地 guests
    eve = sample_reception(date(2025, 12, 31), guests=4, companions=2, amount="480.00")
    day = replace(eve, reception_date=date(2026, 1, 1), meals=(replace(eve.meals[0], date=date(2026, 1, 1)),))
    assert service.assess(eve).rules == ("meal_over_cap",)  # 50 x 6 = 300
    assert service.assess(eve).policy_effective_from == date(2013, 12, 8)
    assert service.assess(day).compliant and service.assess(day).policy_effective_from == date(2026, 1, 1)
    local = replace(day, guest_origin="本地")  # 70 x 6 = 420 < 480
    assert service.assess(local).rules == ("meal_over_cap",)
    with pytest.raises(InvalidReception, match="晚于现行版本"):
        service.add_policy(team.admin, replace(HUBEI, lodging=LodgingRule(check=True)))


# -- the guest list and the documents ------------------------------------------------------------
def test_a_reception_cannot_be_submitted_with_unnamed_guests(service: LedgerService, team: Team) -> None:
    r = sample_reception(guests=3, amount="250.00")
    short = replace(r, guests=r.guests[:2] + (Person("", "市教育局", "科员"),))
    draft = service.save(team.clerk, short)  # a draft may be incomplete
    with pytest.raises(InvalidReception) as refused:
        service.submit(team.clerk, draft)
    assert refused.value.problems["guests"] == "接待对象 3 人，名单只写了 2 人的姓名：请补全名单后再提交"
    assert service.validate(draft, for_submit=True)["guests"].startswith("接待对象 3 人")
    done = service.submit(team.clerk, replace(draft, guests=r.guests))
    assert done.status.value == "submitted"


def test_the_guest_list_rule_can_be_switched_off(service: LedgerService, team: Team) -> None:
    service.add_policy(
        team.admin, replace(DEFAULT, effective_from=date(2024, 1, 1), require_guest_names=False)
    )
    r = sample_reception(date(2024, 3, 5), guests=3, amount="250.00")
    submitted = service.submit(team.clerk, replace(r, guests=()))
    assert submitted.status.value == "submitted"


def test_required_documents_are_checked_against_the_attachments(service: LedgerService, team: Team) -> None:
    service.add_policy(
        team.admin,
        replace(
            DEFAULT, effective_from=date(2024, 1, 1), documents=DocumentRule(("letter", "invoice", "list"))
        ),
    )
    draft = service.save(team.clerk, sample_reception(date(2024, 3, 5)))
    with pytest.raises(InvalidReception) as refused:
        service.submit(team.clerk, draft)
    assert (
        refused.value.problems["attachments"]
        == "提交前须附上：公函、发票、接待清单（现缺 公函、发票、接待清单）"
    )
    service.add_attachment(team.clerk, draft.id, "letter.pdf", b"%PDF letter", "letter")  # type: ignore[arg-type]
    draft = service.add_attachment(team.clerk, draft.id, "fapiao.pdf", b"%PDF invoice", "invoice")  # type: ignore[arg-type]
    with pytest.raises(InvalidReception, match="现缺 接待清单"):
        service.submit(team.clerk, draft)
    draft = service.add_attachment(team.clerk, draft.id, "list.pdf", b"%PDF list", "list")  # type: ignore[arg-type]
    assert service.submit(team.clerk, draft).status.value == "submitted"
    assert service.verify().ok


def test_a_phone_notice_stands_in_for_the_letter_document() -> None:
    rule = DocumentRule(("letter", "invoice"))
    r = sample_reception(letter_no="", phone_record="3月4日电话通知")
    assert rule.missing(r) == ("invoice",)
    assert rule.missing(replace(r, letter_no="市教函〔2025〕1号")) == ("letter", "invoice")


def test_an_unknown_attachment_kind_is_refused(service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception())
    with pytest.raises(InvalidReception, match="未知的附件类型"):
        service.add_attachment(team.clerk, draft.id, "x.pdf", b"x", "receipt")  # type: ignore[arg-type]


def test_pre_approval_switch_needs_an_approval_form_attached(service: LedgerService, team: Team) -> None:
    assert rules(sample_reception(), DEFAULT) == []  # off by default
    service.add_policy(team.admin, replace(DEFAULT, effective_from=date(2024, 1, 1), check_pre_approval=True))
    draft = service.save(team.clerk, sample_reception(date(2024, 3, 5)))
    assert service.assess(draft).rules == ("pre_approval_missing",)
    listed = service.ledger_rows(LedgerQuery())[0]
    assert listed.violation_count == 1
    attached = service.add_attachment(team.clerk, draft.id, "shenpi.pdf", b"%PDF", "approval")  # type: ignore[arg-type]
    assert service.assess(attached).compliant
    # the stored verdict follows the attachment at once (lists, dashboard)
    assert service.ledger_rows(LedgerQuery())[0].violation_count == 0
    assert service.verify().ok


# -- an existing ledger ---------------------------------------------------------------------------
def test_a_version_stored_before_the_new_parameters_keeps_its_numbers() -> None:
    old = {
        "effective_from": "2024-01-01",
        "name": "旧版本",
        "companion_base_cap": 3,
        "companion_threshold": 10,
        "companion_ratio_num": 1,
        "companion_ratio_den": 3,
        "meal_caps": {"breakfast": "30.00", "dinner": "60.00", "lunch": "60.00"},
        "max_work_meals": 1,
        "require_letter": True,
        "luxury_venue_types": ["高档酒店"],
        "check_luxury_venue": True,
        "check_gift": True,
        "check_tobacco_alcohol": True,
    }
    p = Policy.from_dict(old)
    for origin in ("本地", "外地"):
        assert p.meal_cap_for("lunch", origin) == Decimal("60.00")
        assert p.meal_cap_for("breakfast", origin) == Decimal("30.00")
    assert not p.lodging.check and p.documents.required == () and not p.check_pre_approval
    assert rules(lunch("360.00", guest_origin="本地"), p) == []
    assert rules(lunch("360.01", guest_origin="本地"), p) == ["meal_over_cap"]


def test_a_ledger_at_revision_0002_upgrades_with_its_records_unchanged(tmp_path: Path) -> None:
    import sqlite3

    from alembic import command
    from alembic.config import Config

    from ledger.db import MIGRATIONS, Database
    from tests.conftest import make_team

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    service = LedgerService(db)
    team = make_team(service)
    approved = service.approve(
        team.approver,
        service.submit(
            team.clerk, sample_reception(amount="450.00", explanations={"meal_over_cap": "超标部分个人承担"})
        ).id,  # type: ignore[arg-type]
    )
    before = (service.get(approved.id), service.assess(approved), service.policies())  # type: ignore[arg-type]
    db.dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    command.downgrade(cfg, "0002")
    with sqlite3.connect(tmp_path / "old.sqlite3") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        columns = {r[1] for r in conn.execute("PRAGMA table_info(receptions)")}
        assert "guest_origin" not in columns
    db = Database(url)  # opening migrates to 0003
    service = LedgerService(db)
    try:
        after = service.get(approved.id)  # type: ignore[arg-type]
        assert after.snapshot() == before[0].snapshot()
        assert after.guest_origin == "" and after.lodging_persons == 0
        assert service.assess(after) == before[1]
        assert service.assess(after).over_standard_amount == Decimal("50.00")  # 450 - 50 x 8
        assert service.policies() == before[2]
        # the downgrade to 0002 dropped the signing keys and signatures (revision 0006), which a
        # real 0002 ledger never had; everything else in the history must still hold
        problems = service.verify().problems
        assert [p for p in problems if "公钥" not in p and "签名" not in p] == []
    finally:
        db.dispose()


@given(
    cap_cents=st.integers(0, 100_000),
    persons=st.integers(0, 20),
    nights=st.integers(0, 15),
    delta=st.integers(-300, 300),
)
def test_lodging_breaches_exactly_above_cap_times_person_nights(
    cap_cents: int, persons: int, nights: int, delta: int
) -> None:
    policy = replace(DEFAULT, lodging=LodgingRule(check=True, cap_per_person_night=Decimal(cap_cents) / 100))
    limit = cap_cents * persons * nights
    amount = max(0, limit + delta)
    r = lunch("300.00", accommodation=Decimal(amount) / 100, lodging_persons=persons, lodging_nights=nights)
    found = evaluate(r, policy)
    assert ("lodging_over_cap" in found.rules) is (amount > limit)
    if amount > limit:
        assert found.over_standard_amount == Decimal(amount - limit) / 100


_money = st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100)
_caps = st.fixed_dictionaries({k: _money for k in ("breakfast", "lunch", "dinner")})


@given(
    caps=_caps,
    local=_caps,
    foreign=_caps,
    banquets=st.integers(0, 9),
    lodging=st.booleans(),
    night=_money,
    documents=st.lists(
        st.sampled_from(["letter", "invoice", "list", "approval", "menu", "other"]), unique=True
    ),
    units=st.lists(
        st.text(st.characters(codec="utf-8", categories=("L", "N", "P")), min_size=1, max_size=8),
        max_size=4,
        unique=True,
    ),
    # a name of invisible characters only is refused (test_policy_names_are_cleaned)
    name=st.text(max_size=20).filter(lambda n: bool(clean_line(n)) or not n.strip()),
    switches=st.tuples(st.booleans(), st.booleans()),
)
def test_a_policy_file_reads_back_as_the_version_written(  # type: ignore[no-untyped-def]
    caps, local, foreign, banquets, lodging, night, documents, units, name, switches
) -> None:
    from ledger.policy_files import parse_policy, policy_toml

    units = [u.strip() for u in units if u.strip()]
    policy = replace(
        HUBEI,
        name=name,
        meal_caps=caps,
        meal_caps_local=local,
        local_units=tuple(dict.fromkeys(units)),
        foreign=ForeignRule(meal_caps=foreign, max_banquets=banquets),
        lodging=LodgingRule(check=lodging, cap_per_person_night=night),
        documents=DocumentRule(tuple(documents)),
        check_pre_approval=switches[0],
        require_guest_names=switches[1],
    )
    assert parse_policy(policy_toml(policy)) == policy
