import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.db import Database
from ledger.policy import load_default_policy
from ledger.records import Bureau, LedgerQuery, Meal, Role, Status
from ledger.service import (
    AuthError,
    InvalidReception,
    LedgerService,
    LoginThrottled,
    PermissionDenied,
    StaleEdit,
    WorkflowError,
)
from reports.template import column_of
from tests.conftest import PASSWORD, Team, sample_reception


def submitted(service: LedgerService, team: Team, **changes: object):  # type: ignore[no-untyped-def]
    return service.submit(team.clerk, service.save(team.clerk, sample_reception(**changes)))  # type: ignore[arg-type]


def test_references_are_numbered_per_year(service: LedgerService, team: Team) -> None:
    a = service.save(team.clerk, sample_reception(date(2025, 1, 3)))
    b = service.save(team.clerk, sample_reception(date(2025, 2, 3)))
    c = service.save(team.clerk, sample_reception(date(2026, 1, 3)))
    assert (a.ref, b.ref, c.ref) == ("JD-2025-0001", "JD-2025-0002", "JD-2026-0001")
    assert a.clerk_name == "李会计" and a.status is Status.DRAFT


def test_submit_needs_an_explanation_for_each_breach(service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception(guests=10, companions=4, amount="700.00"))
    with pytest.raises(InvalidReception) as refused:
        service.submit(team.clerk, draft)
    assert refused.value.problems == {
        "explanations.companions_over_cap": "请为“陪餐人数超标”填写情况说明后再提交"
    }
    assert service.get(draft.id).status is Status.DRAFT  # type: ignore[arg-type]
    explained = replace(draft, explanations={"companions_over_cap": "分管股长临时参加汇报"})
    done = service.submit(team.clerk, explained)
    assert done.status is Status.SUBMITTED and done.submitted_by == "li"
    assert done.explanations == {"companions_over_cap": "分管股长临时参加汇报"}


def test_submit_requires_complete_fields(service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception(visiting_unit="", guests=0, companions=0))
    with pytest.raises(InvalidReception) as refused:
        service.submit(team.clerk, draft)
    assert refused.value.problems["visiting_unit"] == "请填写来访单位"
    assert refused.value.problems["guest_count"] == "接待对象至少 1 人"


def test_bad_values_are_refused_per_field(service: LedgerService, team: Team) -> None:
    bad = sample_reception(
        transport=Decimal("-1.00"), meals=(Meal(date(2025, 3, 5), "lunch", "x", "豪华会所", 3, Decimal("1")),)
    )
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, bad)
    assert refused.value.problems["transport"] == "交通费不能为负数"
    assert "未知场所类型" in refused.value.problems["meals[0].venue_type"]


def test_nobody_approves_their_own_entry(service: LedgerService, team: Team) -> None:
    r = service.submit(team.both, service.save(team.both, sample_reception()))
    with pytest.raises(PermissionDenied, match="不能由您本人审核"):
        service.approve(team.both, r.id)  # type: ignore[arg-type]
    assert service.approval_refusal(team.both, r) == "此接待由您录入或提交，不能由您本人审核"
    assert service.approval_refusal(team.approver, r) is None
    with pytest.raises(PermissionDenied, match="没有“分管领导”角色"):
        service.approve(team.clerk, r.id)  # type: ignore[arg-type]
    approved = service.approve(team.approver, r.id, "同意")  # type: ignore[arg-type]
    assert approved.status is Status.APPROVED and approved.approved_by == "zhang"


def test_approved_receptions_are_locked_and_reopened_with_a_reason(
    service: LedgerService, team: Team
) -> None:
    r = service.approve(team.approver, submitted(service, team).id)
    with pytest.raises(WorkflowError, match="已锁定"):
        service.save(team.clerk, replace(r, visiting_unit="别的单位"))
    with pytest.raises(InvalidReception, match="理由"):
        service.reopen(team.approver, r.id, "  ")  # type: ignore[arg-type]
    reopened = service.reopen(team.approver, r.id, "发票金额录入有误")  # type: ignore[arg-type]
    assert reopened.status is Status.RETURNED and reopened.review_comment == "发票金额录入有误"
    fixed = service.save(team.clerk, replace(reopened, visiting_unit="市教育局督导室"))
    assert fixed.visiting_unit == "市教育局督导室"
    actions = [h.action for h in service.history(r.id)]
    assert actions == ["create", "submit", "approve", "reopen", "edit"]


def test_return_needs_a_comment_and_goes_back_to_the_clerk(service: LedgerService, team: Team) -> None:
    r = submitted(service, team)
    with pytest.raises(InvalidReception, match="审核意见"):
        service.return_reception(team.approver, r.id, "")  # type: ignore[arg-type]
    back = service.return_reception(team.approver, r.id, "请补充公函扫描件")  # type: ignore[arg-type]
    assert back.status is Status.RETURNED and back.review_comment == "请补充公函扫描件"
    again = service.submit(team.clerk, back)
    assert again.status is Status.SUBMITTED


def test_submitted_reception_cannot_be_edited(service: LedgerService, team: Team) -> None:
    r = submitted(service, team)
    with pytest.raises(WorkflowError, match="待审核"):
        service.save(team.clerk, replace(r, activity="x"))


def test_stale_copy_is_refused_not_applied(service: LedgerService, team: Team) -> None:
    first = service.save(team.clerk, sample_reception())
    mine = replace(first, activity="我的修改")
    theirs = service.save(team.clerk, replace(first, activity="别人的修改"))
    assert theirs.version == first.version + 1
    with pytest.raises(StaleEdit, match="已在别处被修改"):
        service.save(team.clerk, mine)
    assert service.get(first.id).activity == "别人的修改"  # type: ignore[arg-type]


def test_saving_without_change_keeps_version_and_history(service: LedgerService, team: Team) -> None:
    r = service.save(team.clerk, sample_reception())
    again = service.save(team.clerk, r)
    assert again.version == r.version
    assert len(service.history(r.id)) == 1  # type: ignore[arg-type]


def test_only_clerks_record(service: LedgerService, team: Team) -> None:
    with pytest.raises(PermissionDenied, match="经办人"):
        service.save(team.approver, sample_reception())


def test_delete_draft_only(service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception())
    service.delete_draft(team.clerk, draft.id)  # type: ignore[arg-type]
    assert service.count_and_total(LedgerQuery())[0] == 0
    r = submitted(service, team)
    with pytest.raises(WorkflowError):
        service.delete_draft(team.clerk, r.id)  # type: ignore[arg-type]
    assert service.verify().ok


def test_ledger_rows_filter_sort_and_totals(service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception(date(2025, 3, 5), unit="市教育局", amount="300.00"))
    service.save(team.clerk, sample_reception(date(2025, 4, 6), unit="省教育厅督导组", amount="200.00"))
    service.save(
        team.clerk,
        sample_reception(date(2025, 4, 7), unit="邻县教育局", guests=10, companions=4, amount="100.00"),
    )
    service.save(team.clerk, sample_reception(date(2024, 4, 7), unit="市审计局", amount="50.00"))
    assert service.count_and_total(LedgerQuery(year=2025)) == (3, Decimal("600.00"))
    assert service.count_and_total(LedgerQuery(year=2025, month=4)) == (2, Decimal("300.00"))
    assert [r.visiting_unit for r in service.ledger_rows(LedgerQuery(compliance="breach"))] == ["邻县教育局"]
    assert [r.visiting_unit for r in service.ledger_rows(LedgerQuery(text="省教育厅"))] == ["省教育厅督导组"]
    assert [r.visiting_unit for r in service.ledger_rows(LedgerQuery(text="jd-2024"))] == ["市审计局"]
    by_total = service.ledger_rows(LedgerQuery(sort="total", descending=False))
    assert [r.total for r in by_total] == [Decimal(x) for x in ("50.00", "100.00", "200.00", "300.00")]
    assert service.ledger_rows(LedgerQuery(sort="per_person"), 0, 1)[0].per_person == Decimal("37.50")
    assert service.years() == [2025, 2024]


def test_search_treats_wildcards_literally(service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception(unit="市教育局"))
    assert service.count_and_total(LedgerQuery(text="%"))[0] == 0


def test_attachments_keep_their_hash(service: LedgerService, team: Team) -> None:
    r = service.save(team.clerk, sample_reception())
    with_file = service.add_attachment(team.clerk, r.id, "公函.pdf", b"%PDF-1.4 letter", "letter")  # type: ignore[arg-type]
    (att,) = with_file.attachments
    assert att.sha256 == hashlib.sha256(b"%PDF-1.4 letter").hexdigest() and att.size == 15
    assert service.attachment_content(att.id) == b"%PDF-1.4 letter"
    assert service.verify().ok


def test_users_roles_and_login_throttling(service: LedgerService, team: Team) -> None:
    assert service.authenticate("li", PASSWORD).roles == frozenset({Role.CLERK})
    for _ in range(2):
        with pytest.raises(AuthError, match="用户名或密码不正确"):
            service.authenticate("li", "wrong")
    with pytest.raises(LoginThrottled) as slowed:
        service.authenticate("li", "wrong")
    assert slowed.value.seconds > 0
    with pytest.raises(LoginThrottled, match="秒后再试"):
        service.authenticate("li", PASSWORD)  # even the right password waits


def test_disabled_user_cannot_log_in_or_act(service: LedgerService, team: Team) -> None:
    service.update_user(team.admin, "li", active=False)
    with pytest.raises(AuthError):
        service.authenticate("li", PASSWORD)
    with pytest.raises(PermissionDenied):
        service.save(team.clerk, sample_reception())


def test_last_admin_stays(service: LedgerService, team: Team) -> None:
    with pytest.raises(WorkflowError, match="管理员"):
        service.update_user(team.admin, "admin", roles={Role.CLERK})


def test_first_user_must_be_admin(service: LedgerService) -> None:
    with pytest.raises(PermissionDenied, match="第一个用户必须是管理员"):
        service.add_user(None, "li", "李会计", {Role.CLERK}, PASSWORD)
    admin = service.add_user(None, "boss", "", {Role.ADMIN}, PASSWORD)
    with pytest.raises(PermissionDenied):
        service.add_user(None, "x", "", {Role.ADMIN}, PASSWORD)
    assert admin.display_name == "boss"


def test_policy_versions_are_added_never_rewritten(service: LedgerService, team: Team) -> None:
    default = load_default_policy()
    with pytest.raises(InvalidReception, match="晚于现行版本"):
        service.add_policy(team.admin, replace(default, effective_from=date(2010, 1, 1)))
    strict = replace(default, effective_from=date(2025, 7, 1), companion_base_cap=2)
    service.add_policy(team.admin, strict)
    assert [p.effective_from for p in service.policies()] == [default.effective_from, date(2025, 7, 1)]
    before = service.save(team.clerk, sample_reception(date(2025, 6, 30), guests=6, companions=3))
    after = service.save(team.clerk, sample_reception(date(2025, 7, 1), guests=6, companions=3))
    counts = {r.ref: r.violation_count for r in service.ledger_rows(LedgerQuery())}
    assert counts == {before.ref: 0, after.ref: 1}
    with pytest.raises(PermissionDenied):
        service.add_policy(team.clerk, replace(default, effective_from=date(2026, 1, 1)))


def test_reduction_target_defaults_to_a_fifth(service: LedgerService, team: Team) -> None:
    assert service.reduction_for(2026) == Decimal("0.20")
    service.set_reduction(team.admin, 2026, Decimal("0.25"))
    assert service.reduction_for(2026) == Decimal("0.25")
    with pytest.raises(InvalidReception):
        service.set_reduction(team.admin, 2026, Decimal("1.5"))


def test_a_ledger_opens_again_in_a_new_process_state(db_url: str, service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception())
    reopened = LedgerService(Database(db_url))
    assert reopened.count_and_total(LedgerQuery()) == (1, Decimal("300.00"))
    assert reopened.bureau().name == "XX县教育局"


def test_an_earlier_submitter_cannot_approve_after_a_resubmission(service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception())
    first = service.submit(team.both, draft)  # wang submits what li entered
    back = service.return_reception(team.approver, first.id, "请补充")  # type: ignore[arg-type]
    again = service.submit(team.clerk, back)  # li resubmits: submitted_by is now li
    assert service.approval_refusal(team.both, again) == "此接待由您录入或提交，不能由您本人审核"
    with pytest.raises(PermissionDenied, match="不能由您本人审核"):
        service.approve(team.both, again.id)  # type: ignore[arg-type]


def test_historical_import_needs_a_leader_and_not_oneself(service: LedgerService, team: Team) -> None:
    from ledger.records import ImportRow

    row = ImportRow(2, sample_reception(), approved_by="王主任", approved_on=date(2025, 3, 6))
    with pytest.raises(PermissionDenied, match="分管领导"):
        service.import_rows(team.clerk, [row], historical=True)
    (outcome,) = service.import_rows(team.both, [row], historical=True, column_of=column_of)
    assert outcome.ref is None and outcome.errors[0].column == "审核人"
    assert "不能是导入人本人" in outcome.errors[0].message


def test_a_policy_added_on_another_machine_judges_here_too(
    db_url: str, service: LedgerService, team: Team
) -> None:
    other = LedgerService(Database(db_url))
    strict = replace(
        load_default_policy(), effective_from=date(2025, 1, 1), meal_caps={"lunch": Decimal("20.00")}
    )
    other.add_policy(team.admin, strict)
    saved = service.save(team.clerk, sample_reception(date(2025, 3, 5), amount="300.00"))
    (row,) = service.ledger_rows(LedgerQuery())
    assert row.ref == saved.ref and row.violation_count == 1
    with pytest.raises(InvalidReception, match="晚于现行版本"):
        service.add_policy(team.admin, replace(strict, effective_from=date(2025, 1, 1)))


def test_a_new_policy_never_rejudges_what_was_submitted_or_approved(
    service: LedgerService, team: Team
) -> None:
    approved = service.approve(team.approver, submitted(service, team, on=date(2025, 6, 1)).id)
    with pytest.raises(InvalidReception, match="已有 2025-06-01 的接待"):
        service.add_policy(team.admin, replace(load_default_policy(), effective_from=date(2025, 1, 1)))
    service.add_policy(team.admin, replace(load_default_policy(), effective_from=date(2025, 6, 2)))
    assert service.get(approved.id).status == "approved"  # type: ignore[arg-type]


def test_reopening_clears_the_posting(service: LedgerService, team: Team) -> None:
    r = service.approve(team.approver, submitted(service, team).id)
    assert service.mark_posted(team.clerk, [r.id], date(2025, 3, 10)) == 1  # type: ignore[list-item]
    reopened = service.reopen(team.approver, r.id, "金额有误")  # type: ignore[arg-type]
    assert reopened.posted_on is None


def test_the_supervision_phone_must_be_a_phone_number(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.update_bureau(team.admin, Bureau(name="XX县教育局", supervision_phone="abc"))
    assert "监督电话应为电话号码" in refused.value.problems["supervision_phone"]
    service.update_bureau(team.admin, Bureau(name="XX县教育局", supervision_phone="0731-8888 6666转12"))
    assert service.bureau().supervision_phone == "0731-8888 6666转12"


def test_a_deleted_drafts_number_is_not_given_out_again(service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception())
    newest = service.save(team.clerk, sample_reception(unit="邻县教育局"))
    assert newest.ref == "JD-2025-0002"
    service.delete_draft(team.clerk, newest.id)  # type: ignore[arg-type]
    assert service.save(team.clerk, sample_reception(unit="省教育厅")).ref == "JD-2025-0003"
