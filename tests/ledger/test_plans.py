"""Before the meal: the letter register, the pre-approval (接待审批) and the reception started from it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.db import Database
from ledger.errors import InvalidReception, PermissionDenied, StaleEdit, WorkflowError
from ledger.preapproval import Letter, Plan, PlannedMeal
from ledger.records import Person, Status
from ledger.service import LedgerService
from tests.conftest import Team, downgrade_ledger, sample_reception

LETTER = "市教函〔2026〕7号"


@pytest.fixture(autouse=True)
def _before_the_visits(service: LedgerService) -> None:
    """Plans are written and approved before the receptions (March 2026) take place."""
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        visiting_unit="市教育局督导室",
        activity="义务教育优质均衡督导",
        activity_kind="检查指导",
        letter_no=LETTER,
        guest_count=6,
        guests=tuple(Person(f"督导{i}", "市教育局督导室", "科员") for i in range(6)),
        companion_count=2,
        companions=(Person("王主任", "XX县教育局", "主任"), Person("李股长", "XX县教育局", "股长")),
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 8, Decimal("40.00")),),
        budget=Decimal("400.00"),
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def approved_plan(service: LedgerService, team: Team, **changes: object) -> Plan:
    plan = service.submit_plan(team.clerk, a_plan(**changes))
    return service.approve_plan(team.approver, plan.id, "同意", version=plan.version)


def pre_approval_policy(service: LedgerService, team: Team) -> None:
    policy = service.policy_for(date(2026, 1, 1))
    service.add_policy(team.admin, replace(policy, effective_from=date(2026, 1, 1), check_pre_approval=True))


# ---------------------------------------------------------------------------- the whole life
def test_letter_plan_approval_reception_reimbursable_life(service: LedgerService, team: Team) -> None:
    pre_approval_policy(service, team)
    letter = service.register_letter(
        team.clerk,
        Letter(LETTER, "市教育局", "关于开展督导检查的函", date(2026, 3, 1)),
        ("公函.pdf", b"%PDF-1.4 scan"),
    )
    assert letter.id and letter.scan_size == len(b"%PDF-1.4 scan")

    plan = service.save_plan(team.clerk, a_plan())
    assert plan.ref == "SP-2026-0001" and plan.status == Status.DRAFT
    plan = service.submit_plan(team.clerk, plan)
    assert plan.status == Status.SUBMITTED
    plan = service.approve_plan(team.approver, plan.id, "同意按标准接待", version=plan.version)
    assert plan.status == Status.APPROVED and plan.approved_by == "zhang"

    started = service.reception_from_plan(plan.id)
    assert started.plan_id == plan.id and started.guest_count == 6 and started.companion_count == 2
    assert started.letter_title == "关于开展督导检查的函" and len(started.meals) == 1
    # what really happened: two more guests, and the meal cost more than planned
    actual = replace(
        started,
        guest_count=8,
        guests=started.guests + (Person("督导6"), Person("督导7")),
        meals=(replace(started.meals[0], diners=10, amount=Decimal("480.00")),),
    )
    saved = service.save(team.clerk, actual)
    assessment = service.assess(saved)
    assert "pre_approval_missing" not in {v.rule for v in assessment.violations}
    found = service.plan_comparison(saved)
    assert found is not None
    over = {line.label: (line.planned, line.actual) for line in found[1] if line.over}
    assert over == {"接待对象": ("6", "8"), "餐费": ("320.00", "480.00"), "合计 / 预算": ("400.00", "480.00")}
    # the letter's scan and the approved plan count as 公函 and 审批单
    assert service.missing_documents(saved) == ()

    # submitted by mistake with a wrong venue: withdrawn before the leader acts, corrected, resubmitted
    submitted = service.submit(team.clerk, saved)
    withdrawn = service.withdraw(team.clerk, submitted.id, version=submitted.version)
    assert withdrawn.status == Status.DRAFT
    corrected = replace(withdrawn, meals=(replace(withdrawn.meals[0], venue="县一中教工食堂"),))
    submitted = service.submit(team.clerk, corrected)
    approved = service.approve(team.approver, submitted.id, version=submitted.version)
    assert approved.status == Status.APPROVED
    assert service.plan(plan.id).receptions == (approved.ref,)
    service.clock = lambda: datetime(2026, 3, 25, 10, 0)  # paid after the visit
    paid = service.record_reimbursement(
        team.clerk, approved.id, "记-2026-03-118", date(2026, 3, 20), version=approved.version
    )
    assert (paid.reimbursement_no, paid.reimbursed_on, paid.status) == (
        "记-2026-03-118",
        date(2026, 3, 20),
        Status.APPROVED,
    )
    actions = [e.action for e in service.history(approved.id)]
    assert actions == ["create", "submit", "withdraw", "edit", "submit", "approve", "reimburse"]
    assert service.verify().ok


def test_a_reception_without_approved_plan_is_a_breach_when_the_policy_asks(
    service: LedgerService, team: Team
) -> None:
    pre_approval_policy(service, team)
    bare = service.save(team.clerk, sample_reception(date(2026, 3, 12)))
    messages = [v.message for v in service.assess(bare).violations if v.rule == "pre_approval_missing"]
    assert messages == ["无经批准的接待审批（未据审批单登记，也未附审批单）"]

    plan = service.submit_plan(team.clerk, a_plan(start_date=date(2026, 3, 12), meals=()))
    waiting = replace(sample_reception(date(2026, 3, 12)), plan_id=plan.id)
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, waiting)
    assert "尚未批准" in refused.value.problems["plan_id"]

    # approved after the reception took place: not a pre-approval
    service.clock = lambda: datetime(2026, 3, 15, 9, 0)
    plan = service.approve_plan(team.approver, plan.id)
    late = service.save(team.clerk, replace(sample_reception(date(2026, 3, 12)), plan_id=plan.id))
    messages = [v.message for v in service.assess(late).violations if v.rule == "pre_approval_missing"]
    assert messages == [f"接待审批 {plan.ref} 于 2026-03-15 批准，晚于接待日期，不是事前审批"]


def test_one_plan_one_reception(service: LedgerService, team: Team) -> None:
    plan = approved_plan(service, team)
    first = service.save(team.clerk, service.reception_from_plan(plan.id))
    with pytest.raises(WorkflowError, match=f"已用于接待 {first.ref}"):
        service.reception_from_plan(plan.id)
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, replace(sample_reception(date(2026, 3, 10)), plan_id=plan.id))
    assert first.ref in refused.value.problems["plan_id"]
    with pytest.raises(WorkflowError, match="不能作废"):
        service.void_plan(team.approver, plan.id, "活动取消")


def test_reopen_an_approved_plan_and_why_not(service: LedgerService, team: Team) -> None:
    plan = approved_plan(service, team)
    assert plan.id is not None
    not_approver = "李会计没有“分管领导”角色，不能重新打开已批准的接待审批单"
    assert service.plan_reopen_refusal(team.clerk, plan) == not_approver
    with pytest.raises(PermissionDenied) as denied:
        service.reopen_plan(team.clerk, plan.id, "预算需调整", version=plan.version)
    assert str(denied.value) == not_approver
    assert service.plan_reopen_refusal(team.approver, plan) is None
    with pytest.raises(InvalidReception):
        service.reopen_plan(team.approver, plan.id, "  ", version=plan.version)

    reopened = service.reopen_plan(team.approver, plan.id, "预算需调整", version=plan.version)
    assert (reopened.status, reopened.review_comment, reopened.approved_by) == (
        Status.RETURNED,
        "预算需调整",
        "",
    )
    assert service.plan_reopen_refusal(team.approver, reopened) == f"{plan.ref} 尚未批准，无需重新打开"
    with pytest.raises(StaleEdit):  # the version the leader opened is gone
        service.reopen_plan(team.approver, plan.id, "再改", version=plan.version)

    again = service.submit_plan(team.clerk, reopened)
    again = service.approve_plan(team.approver, plan.id, "同意", version=again.version)
    used = service.save(team.clerk, service.reception_from_plan(plan.id))
    in_use = f"{plan.ref} 已用于接待 {used.ref}，不能再改"
    assert service.plan_reopen_refusal(team.approver, service.plan(plan.id)) == in_use
    with pytest.raises(WorkflowError) as refused:
        service.reopen_plan(team.approver, plan.id, "再改", version=service.plan(plan.id).version)
    assert str(refused.value) == in_use


def test_in_a_sealed_year_only_an_administrator_reopens_a_plan(service: LedgerService, team: Team) -> None:
    plan = approved_plan(service, team)
    service.clock = lambda: datetime(2027, 2, 1, 9, 0)
    service.seal_year(team.admin, 2026, "ab" * 32)
    sealed = "张副局长没有“管理员”角色，不能重新打开已封存年度的接待审批单"
    assert service.plan_reopen_refusal(team.approver, plan) == sealed
    with pytest.raises(PermissionDenied, match="已封存年度"):
        service.reopen_plan(team.approver, plan.id, "补正", version=plan.version)  # type: ignore[arg-type]
    assert service.plan_reopen_refusal(team.admin, plan) is None
    reopened = service.reopen_plan(team.admin, plan.id, "补正", version=plan.version)  # type: ignore[arg-type]
    assert reopened.status == Status.RETURNED


# ---------------------------------------------------------------------------- the letter register
def test_one_letter_one_reception_is_shown_at_once(service: LedgerService, team: Team) -> None:
    first = service.save(team.clerk, sample_reception(date(2026, 4, 1), letter_no="县府函[2026] 3号"))
    # spelled another way: full-width digits, other brackets, spaces
    uses = service.letter_uses("县府函〔２０２６〕3 号")
    assert [(u.kind, u.ref) for u in uses] == [("reception", first.ref)]
    assert first.ref in uses[0].label and "草稿" in uses[0].label
    assert service.letter_uses("县府函〔2026〕3号", reception_id=first.id) == []  # itself
    register = service.letters()
    assert [(x.letter_no, x.sending_unit) for x in register] == [("县府函[2026] 3号", "市教育局")]
    assert [u.ref for u in register[0].uses] == [first.ref]


def test_a_plan_and_its_reception_share_their_letter(service: LedgerService, team: Team) -> None:
    plan = approved_plan(service, team)
    reception = service.save(team.clerk, service.reception_from_plan(plan.id))
    assert service.letter_uses(LETTER, reception_id=reception.id) == []
    assert service.letter_uses(LETTER, plan_id=plan.id) == []
    other = service.save(team.clerk, sample_reception(date(2026, 5, 6), letter_no=LETTER))
    assert [u.ref for u in service.letter_uses(LETTER, reception_id=other.id)] == [plan.ref, reception.ref]


def test_letter_registered_twice_is_refused_and_a_used_number_is_kept(
    service: LedgerService, team: Team
) -> None:
    letter = service.register_letter(team.clerk, Letter("教函〔2026〕1号", "市教育局"), ("函.pdf", b"scan"))
    with pytest.raises(InvalidReception) as twice:
        service.register_letter(team.clerk, Letter("教函[2026]1号"))
    assert "已登记" in twice.value.problems["letter_no"]
    renamed = service.update_letter(team.clerk, replace(letter, letter_no="教函〔2026〕2号"))
    assert renamed.version == 2
    service.save(team.clerk, sample_reception(date(2026, 4, 1), letter_no="教函〔2026〕2号"))
    with pytest.raises(InvalidReception) as used:
        service.update_letter(team.clerk, replace(renamed, letter_no="教函〔2026〕3号"))
    assert used.value.problems["letter_no"] == "公函 教函〔2026〕2号 已被引用，文号不能再改"
    with pytest.raises(StaleEdit):
        service.update_letter(team.clerk, replace(letter, title="旧版本"))
    with pytest.raises(InvalidReception) as empty:
        service.register_letter(team.clerk, Letter(" 〔〕 "))
    assert empty.value.problems["letter_no"] == "公函文号须含文字或数字"


# ---------------------------------------------------------------------------- the plan's own life
def test_plan_self_approval_refused_and_the_refusal_is_said(service: LedgerService, team: Team) -> None:
    plan = service.submit_plan(team.both, a_plan())
    assert service.plan_approval_refusal(team.both, plan) == "此审批单由您填写或提交，不能由您本人审批"
    with pytest.raises(PermissionDenied, match="不能由您本人审批"):
        service.approve_plan(team.both, plan.id)
    assert service.plan_approval_refusal(team.approver, plan) is None


def test_plan_withdraw_return_resubmit_void_and_delete(service: LedgerService, team: Team) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.withdraw_plan(team.clerk, plan.id, version=plan.version)
    assert plan.status == Status.DRAFT
    with pytest.raises(WorkflowError, match="不能删除，只能作废"):
        service.delete_plan(team.clerk, plan.id)
    plan = service.submit_plan(team.clerk, replace(plan, guest_count=5, guests=plan.guests[:5]))
    plan = service.return_plan(team.approver, plan.id, "陪餐人数请核减")
    assert plan.status == Status.RETURNED and plan.review_comment == "陪餐人数请核减"
    with pytest.raises(InvalidReception):
        service.void_plan(team.clerk, plan.id, "  ")
    plan = service.void_plan(team.clerk, plan.id, "对方取消来访")
    assert plan.status == Status.VOID and plan.void_reason == "对方取消来访"
    with pytest.raises(WorkflowError, match="已锁定"):
        service.save_plan(team.clerk, plan)

    draft = service.save_plan(team.clerk, a_plan(letter_no="另函2号"))
    service.delete_plan(team.clerk, draft.id)
    again = service.save_plan(team.clerk, a_plan(letter_no="另函3号"))
    assert again.ref == "SP-2026-0003"  # the deleted draft's number is not given out again
    actions = [(e.action, e.ref) for e in service.history() if e.entity == "plan"]
    assert ("void", "SP-2026-0001") in actions and ("delete", "SP-2026-0002") in actions
    assert service.verify().ok


def test_plan_checks_letter_meal_days_and_breaches(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as no_letter:
        service.submit_plan(team.clerk, a_plan(letter_no=""))
    assert no_letter.value.problems["letter_no"].startswith("无公函不接待")
    assert service.save_plan(team.clerk, a_plan(letter_no="")).status == Status.DRAFT  # a draft may wait
    problems = service.plan_problems(a_plan(meals=(PlannedMeal(date(2026, 3, 12), "lunch", diners=8),)))
    assert problems["meals.0"] == "第 1 餐：就餐日期 2026-03-12 不在接待日期内"
    rich = a_plan(
        companion_count=4,
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "某酒店", "高档酒店", 10, Decimal("80.00")),),
    )
    rules = {v.rule for v in service.plan_breaches(rich)}
    assert rules == {"companions_over_cap", "meal_over_cap", "luxury_venue"}


# ---------------------------------------------------------------------------- verify and the upgrade
def test_verify_finds_a_plan_or_letter_altered_outside(
    service: LedgerService, team: Team, db_url: str
) -> None:
    approved_plan(service, team)
    service.register_letter(team.clerk, Letter("教函〔2026〕9号", "市教育局"), ("a.pdf", b"scan"))
    assert service.verify().ok
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE plans SET budget_fen = 99900")
        conn.execute("UPDATE letters SET scan = x'00' WHERE letter_no = '教函〔2026〕9号'")
    conn.close()
    problems = service.verify().problems
    assert "接待审批单 SP-2026-0001 与历史记录不符（在程序外被改动）" in problems
    assert "公函 教函〔2026〕9号 的扫描件在程序外被替换" in problems


def test_upgrade_registers_the_letters_receptions_already_name(
    service: LedgerService, team: Team, db_url: str
) -> None:
    for day, letter in ((1, "县函〔2025〕1号"), (2, "县函[2025] 1号"), (3, "县函〔2025〕2号"), (4, "")):
        service.save(team.clerk, sample_reception(date(2025, 6, day), letter_no=letter, phone_record="电话"))
    service.db.dispose()
    downgrade_ledger(db_url, "0006")
    upgraded = LedgerService(Database(db_url))
    register = upgraded.letters()
    assert sorted(x.letter_no for x in register) == ["县函〔2025〕1号", "县函〔2025〕2号"]
    assert sorted(len(x.uses) for x in register) == [1, 2]
    assert upgraded.verify().ok
    upgraded.db.dispose()


def test_backup_carries_plans_and_letters(service: LedgerService, team: Team, tmp_path: Path) -> None:
    approved_plan(service, team)
    service.register_letter(team.clerk, Letter("教函〔2026〕9号"), ("a.pdf", b"scan"))
    counts = service.backup(tmp_path / "copy.sqlite3")
    assert counts["plans"] == 1 and counts["letters"] == 2


def test_import_registers_letters_once(service: LedgerService, team: Team) -> None:
    from ledger.records import ImportRow

    service.register_letter(team.clerk, Letter("县函〔2025〕5号", "县政府办"))
    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 1), letter_no="县函〔2025〕5号")),
        ImportRow(3, sample_reception(date(2025, 6, 2), letter_no="县函[2025]6号", unit="市财政局")),
        ImportRow(4, sample_reception(date(2025, 6, 3), letter_no="县函〔2025〕6号", unit="市审计局")),
    ]
    outcomes = service.import_rows(team.clerk, rows)
    register = {x.letter_no: [u.ref for u in x.uses] for x in service.letters()}
    assert register == {
        "县函〔2025〕5号": [outcomes[0].ref],
        "县函[2025]6号": [outcomes[1].ref, outcomes[2].ref],
    }
    assert service.find_letter("县函〔2025〕6号").sending_unit == "市财政局"
    assert service.verify().ok


def test_a_voided_reception_frees_its_plan_and_its_letter(service: LedgerService, team: Team) -> None:
    plan = approved_plan(service, team)
    first = service.save(team.clerk, service.reception_from_plan(plan.id))
    service.void(team.clerk, first.id, "录错了来访单位，重新登记", version=first.version)
    assert service.plan(plan.id).receptions == ()
    again = service.save(team.clerk, service.reception_from_plan(plan.id))
    assert service.plan(plan.id).receptions == (again.ref,)
    assert service.letter_uses(LETTER, reception_id=again.id) == []


def test_registering_a_letter_first_cited_by_a_reception_completes_it(
    service: LedgerService, team: Team
) -> None:
    cited = service.save(team.clerk, sample_reception(date(2026, 4, 1), letter_no="县府函〔2026〕8号"))
    arrived = service.register_letter(
        team.clerk,
        Letter("县府函[2026]8号", "县政府办", "关于检查的函", date(2026, 3, 25)),
        ("函.pdf", b"%PDF"),
    )
    assert (arrived.letter_no, arrived.sending_unit, arrived.title) == (
        "县府函〔2026〕8号",
        "县政府办",
        "关于检查的函",
    )
    assert arrived.scan_size == 4 and [u.ref for u in service.find_letter("县府函〔2026〕8号").uses] == [
        cited.ref
    ]
    assert len(service.letters()) == 1
    assert service.verify().ok
