"""Attack round: who may do what, writes, and the tamper-evident history.

Each test is a defect an attacker demonstrated against the README's promises, kept so that it
stays mended: the sealed year, what ``verify`` did not see, the leader's words, a policy
version added while a reception is submitted, approved plans judged again, a restore elsewhere.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from ledger.db import Database
from ledger.errors import LedgerError, PermissionDenied
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import LedgerQuery
from ledger.service import LedgerService
from ledger.targets import year_figures
from ledger.text import clean_prose
from tests.conftest import Team, make_team, sample_reception


def _path(service: LedgerService) -> str:
    return service.db.url.removeprefix("sqlite:///")


def _sql(service: LedgerService, statement: str) -> None:
    with sqlite3.connect(_path(service)) as conn:
        conn.execute(statement)
    conn.close()


# ---------------------------------------------------------------------------- the sealed year
def test_a_sealed_years_reception_numbered_in_the_next_year_is_reopened_by_a_plain_leader(
    service: LedgerService, team: Team
) -> None:
    """README: "After archiving the year is closed: reopening one of its receptions needs an
    administrator". The check asks the number's year (receptions.year), not the reception's
    date: a reception first typed as 2026-01-05 (JD-2026-0001) and corrected to 2025-12-20
    before submission belongs to 2025 (its workbook, notices, disclosure, targets), yet after
    2025 is sealed any 分管领导 reopens it and its figures can be changed."""
    service.clock = lambda: datetime(2026, 1, 10, 10, 0)
    draft = service.save(team.clerk, sample_reception(date(2026, 1, 5)))
    corrected = service.save(
        team.clerk, replace(sample_reception(date(2025, 12, 20)), id=draft.id, version=draft.version)
    )
    assert corrected.reception_date == date(2025, 12, 20)
    approved = service.approve(team.approver, service.submit(team.clerk, corrected).id)
    assert approved.ref == "JD-2026-0001"  # the number of the year first typed
    service.seal_year(team.admin, 2025, "ab" * 32)

    with pytest.raises(PermissionDenied):
        service.reopen(team.approver, approved.id, "改金额")


def test_a_reception_dated_in_a_sealed_year_is_still_entered_and_approved_after_the_seal(
    service: LedgerService, team: Team
) -> None:
    """The year's approved receptions are what the sealed archive holds; the ledger goes on
    taking new receptions dated in the sealed year and a plain 分管领导 approves them, so the
    year's totals, disclosure and workbook no longer match the archive ("the year is closed")."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    sealed = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2025, 6, 1))).id)
    service.seal_year(team.admin, 2025, "ab" * 32)

    try:
        late = service.submit(
            team.clerk, sample_reception(date(2025, 7, 1), unit="省教育厅", letter_no="省教函〔2025〕7号")
        )
        service.approve(team.approver, late.id)
    except LedgerError:
        pass  # refused: the sealed year stays as archived
    approved_2025 = service.receptions(LedgerQuery(year=2025), approved_only=True)
    assert [r.ref for r in approved_2025] == [sealed.ref]


# ---------------------------------------------------------------------------- verify's blind spots
def _two_years(service: LedgerService, team: Team) -> None:
    service.clock = lambda: datetime(2026, 7, 1, 10, 0)
    for i, (day, amount) in enumerate(
        [
            (date(2025, 3, 5), "300.00"),
            (date(2025, 4, 8), "300.00"),
            (date(2026, 3, 5), "300.00"),
            (date(2026, 4, 8), "300.00"),
        ]
    ):
        r = service.submit(
            team.clerk,
            sample_reception(day, amount=amount, unit=f"单位{i}", letter_no=f"函〔{day.year}〕{i}号"),
        )
        service.approve(team.approver, r.id)


def test_the_monthly_totals_edited_in_the_database_change_the_target_and_verify_is_silent(
    service: LedgerService, team: Team
) -> None:
    """The year-on-year target (仪表盘, ``targets``) and the status bar's 合计 are read from the
    monthly totals table (reception_totals). Halving a year's approved spending there with
    sqlite3 turns 2026's figures from "already above the target" into "within it"; no reception,
    no history entry changed, and ``verify`` says 未发现程序外的改动."""
    _two_years(service, team)
    before = year_figures(service, 2026, date(2026, 6, 30))
    summary_before = service.ledger_summary(LedgerQuery(year=2026))
    assert summary_before.total == Decimal("600.00")
    assert service.verify().ok

    _sql(service, "UPDATE reception_totals SET total_fen = total_fen / 2 WHERE year = 2026")

    after = year_figures(service, 2026, date(2026, 6, 30))
    assert (before.ytd_total, after.ytd_total) == (Decimal("600.00"), Decimal("300.00"))
    assert service.ledger_summary(LedgerQuery(year=2026)).total == Decimal("300.00")
    result = service.verify()
    assert not result.ok, "the published year-on-year figures were changed outside the program"


def test_changing_a_receptions_year_column_in_the_database_unseals_it_and_verify_is_silent(
    service: LedgerService, team: Team
) -> None:
    """The reception's ``year`` column is in no history snapshot. Set to 2026 with sqlite3 on a
    reception of the sealed 2025, it lets a plain 分管领导 reopen that reception (the sealed
    year's protection), and ``verify`` finds nothing."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2025, 6, 1))).id)
    service.seal_year(team.admin, 2025, "ab" * 32)
    with pytest.raises(PermissionDenied):
        service.reopen(team.approver, r.id, "改金额")

    _sql(service, f"UPDATE receptions SET year = 2026 WHERE id = {r.id}")

    result = service.verify()
    assert not result.ok, "a sealed reception's year was changed outside the program"


# ---------------------------------------------------------------------------- the leader's words
@pytest.mark.parametrize("comment", ["同意\u202e意同不", "同意\u200b", "同意\x07"])
def test_the_leaders_comment_is_stored_in_the_ledgers_normal_form(
    service: LedgerService, team: Team, comment: str
) -> None:
    """README: "Text is stored in one normal form, whichever way it comes in ...: invisible
    characters (control, zero-width, bidirectional marks) are removed". 批量审核通过, 撤回 and
    作废 clean their texts; 审核通过, 退回 and 重新打开 store the comment as typed, so a
    right-to-left override pasted into an approval comment reverses what the reception list,
    the history and the queue show."""
    r = service.submit(team.clerk, sample_reception())
    approved = service.approve(team.approver, r.id, comment)
    assert approved.review_comment == clean_prose(comment)


def test_a_return_comment_holding_a_lone_surrogate_is_a_message_not_a_traceback(
    service: LedgerService, team: Team
) -> None:
    """Every other text of the ledger drops a lone surrogate (Cs, ledger.text); the comment of
    退回 / 审核通过 reaches the history's hash as it is and fails with UnicodeEncodeError."""
    r = service.submit(team.clerk, sample_reception())
    try:
        returned = service.return_reception(team.approver, r.id, "请补充\ud800发票")
    except LedgerError:
        return  # a refusal in words is fine
    assert returned.review_comment == "请补充发票"


def test_pg_an_approval_comment_with_a_nul_is_stored_cleaned_not_a_database_error(pg_url: str) -> None:
    """On PostgreSQL a NUL in the approval comment reaches the UPDATE: psycopg.DataError (a
    traceback on the command line, an unexplained failure in the window) instead of the
    cleaned comment every other text gets."""
    db = Database(pg_url)
    try:
        service = LedgerService(db)
        team = make_team(service)
        r = service.submit(team.clerk, sample_reception())
        try:
            approved = service.approve(team.approver, r.id, "同意\x00")
        except LedgerError:
            return
        assert approved.review_comment == "同意"
    finally:
        db.dispose()


# ---------------------------------------------------------------------------- approved plans judged again
def test_an_approved_plan_is_judged_again_by_a_policy_version_added_after_its_approval(
    service: LedgerService, team: Team
) -> None:
    """README: "a new version cannot take effect on or before the date of a reception already
    submitted or approved, so nothing approved is judged again". An approved plan is: a version
    added after its approval, effective before its dates, makes its form, its printed 接待审批单
    and the leader's tab say 餐费超标 for a plan the leader approved as compliant."""
    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    day = date(2026, 5, 6)
    plan = service.submit_plan(
        team.clerk,
        Plan(
            start_date=day,
            visiting_unit="市教育局",
            activity="督导检查",
            letter_no="市教函〔2026〕5号",
            guest_count=3,
            companion_count=1,
            meals=(PlannedMeal(day, "lunch", "局机关食堂", "机关食堂", 4, Decimal("45")),),
            budget=Decimal("500"),
        ),
    )
    plan = service.approve_plan(team.approver, plan.id)
    assert service.plan_breaches(service.plan(plan.id)) == ()

    current = service.policy_for(day)
    caps = {kind: Decimal("30") for kind in current.meal_caps}
    try:
        service.add_policy(
            team.admin,
            replace(
                current,
                effective_from=date(2026, 4, 1),
                name="2026年新标准",
                meal_caps=caps,
                meal_caps_local=caps,
            ),
        )
    except LedgerError:
        return  # refused, as for a reception approved on such a date
    assert service.plan_breaches(service.plan(plan.id)) == ()


# ---------------------------------------------------------------------------- two desks
def test_a_policy_version_committed_while_a_reception_is_submitted_does_not_judge_it(
    db_url: str, service: LedgerService, team: Team
) -> None:
    """``submit`` judges the reception (policy versions read, rules applied) before it takes the
    write lock, and stores that verdict without looking again. A version the administrator's
    desk commits in that instant — allowed, since no reception of its dates is submitted yet —
    is in force on the reception's date, yet the reception is stored, submitted and approved
    as compliant by the old version: 160 yuan for four diners where the new cap is 30 a head.
    Afterwards no version can ever be added that would judge it again."""
    admin_desk = LedgerService(Database(db_url))
    try:
        service.clock = admin_desk.clock = lambda: datetime(2026, 3, 1, 10, 0)
        day = date(2026, 5, 6)
        current = service.policy_for(day)
        caps = {kind: Decimal("30") for kind in current.meal_caps}
        stricter = replace(
            current,
            effective_from=date(2026, 4, 1),
            name="2026年新标准",
            meal_caps=caps,
            meal_caps_local=caps,
        )
        judge = service._workflow.settings.assess  # the clerk's desk, as it judges the form
        added: list[bool] = []

        def judged_then_the_admin_commits(reception, session=None):  # type: ignore[no-untyped-def]
            verdict = judge(reception, session)
            if not added:
                added.append(True)
                admin_desk.add_policy(team.admin, stricter)  # another desk, between judging and storing
            return verdict

        service._workflow.settings.assess = judged_then_the_admin_commits  # type: ignore[method-assign]
        try:
            submitted = service.submit(
                team.clerk, sample_reception(day, guests=3, companions=1, amount="160.00")
            )
        except LedgerError:
            return  # refused (judge again under the lock): fine
        finally:
            del service._workflow.settings.assess
        assert [p.name for p in service.policies()][-1] == "2026年新标准"
        in_force = [v.rule for v in service.assess(service.get(submitted.id)).violations]
        stored = [v.rule for v in service.violations_of([submitted.id]).get(submitted.id, [])]
        assert in_force == ["meal_over_cap"]
        assert stored == in_force
    finally:
        admin_desk.db.dispose()


def test_a_restore_on_one_computer_makes_verify_cry_tampering_on_every_other_computer(
    service: LedgerService, team: Team, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several computers share a ledger; each remembers the head its last clean ``verify`` saw.
    The administrator restores a backup on his computer (no flag needed there: it never
    verified). The restore is in the history and records the very head the clerk's computer
    saw as the head it replaced — yet ``verify`` on the clerk's computer says, now and at every
    later run, 历史记录在程序外被截断或改写 (exit 1): a false alarm after a legitimate
    operation, which also drowns a real truncation."""
    service.approve(team.approver, service.submit(team.clerk, sample_reception()).id)
    backup = tmp_path / "backup.sqlite3"
    service.backup(backup)
    service.submit(
        team.clerk, sample_reception(date(2025, 4, 1), unit="省教育厅", letter_no="省教函〔2025〕1号")
    )

    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))
    assert service.verify().ok
    seen_head = service.history()[-1].hash

    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "admins-computer"))
    service.restore(team.admin, backup, replace_existing=True)
    assert service.verify().ok
    restore_entry = service.history()[-1]
    assert restore_entry.action == "restore"
    assert restore_entry.before is not None and restore_entry.before["replaced_head"] == seen_head

    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))
    result = service.verify()  # named, and confirmed by a person (the entry is not signed)
    assert [p.split("用备份")[0] for p in result.problems] == [result.problems[0].split("用备份")[0]]
    assert "verify --accept-restore" in result.problems[0] and "管理员 于" in result.problems[0]
    result = service.verify(accept_restore=True)
    assert result.ok, result.problems


def test_a_sealed_year_refuses_imported_rows_and_tells_the_leader_why_he_may_not_approve(
    service: LedgerService, team: Team
) -> None:
    """The same closed year on every way in: an imported row dated in it is refused at its
    date; a reception of it waiting since before the seal is approved by an administrator only,
    and the leader's button says why."""
    from ledger.records import ImportRow

    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    waiting = service.submit(team.clerk, sample_reception(date(2025, 12, 28), unit="年底来访"))
    service.seal_year(team.admin, 2025, "ab" * 32)
    rows = [ImportRow(2, sample_reception(date(2025, 11, 3), unit="补登单位"), ()), ImportRow(3, sample_reception(date(2026, 2, 3), unit="今年单位"), ())]
    outcomes = service.import_rows(team.clerk, rows)
    assert [(o.row, o.ref is not None) for o in outcomes] == [(2, False), (3, True)]
    assert [e.message for e in outcomes[0].errors] == ["2025 年已封存（年度已归档）：不能再导入该年度的接待"]
    refusal = "2025 年已封存（年度已归档）：该年度接待的审核须由管理员进行"
    assert service.approval_refusal(team.approver, waiting) == refusal
    with pytest.raises(PermissionDenied, match="须由管理员进行"):
        service.approve(team.approver, waiting.id)  # type: ignore[arg-type]
    with pytest.raises(LedgerError, match="已封存"):
        service.save(team.clerk, sample_reception(date(2025, 10, 1), unit="新登记"))
