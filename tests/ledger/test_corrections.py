"""After the first submission: withdraw, void, reimbursement, and the leader's batch approval
(ledger.corrections), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ledger.db import Database
from ledger.records import LedgerQuery, Reception, Status
from ledger.service import InvalidReception, LedgerService, PermissionDenied, StaleEdit, WorkflowError
from ledger.targets import year_figures
from reports.notice import load_notice
from reports.workbook import SHEET_LEDGER, SHEET_VOID, export_year
from tests.conftest import Team, make_team, sample_reception


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, db_url: str) -> Iterator[tuple[LedgerService, Team]]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    service.clock = lambda: datetime(2025, 6, 30, 9, 0)
    yield service, make_team(service)
    service.db.dispose()


def submit(service: LedgerService, team: Team, **changes: object) -> Reception:
    return service.submit(team.clerk, sample_reception(**changes))  # type: ignore[arg-type]


def actions(service: LedgerService, reception_id: int | None) -> list[str]:
    return [e.action for e in service.history(reception_id)]


# ---------------------------------------------------------------------------- withdraw
def test_withdraw_takes_a_submitted_reception_back_to_a_draft_and_it_is_submitted_again(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    sent = submit(service, team)
    back = service.withdraw(team.clerk, sent.id, version=sent.version, reason="金额录错")
    assert back.status is Status.DRAFT
    assert back.submitted_at == sent.submitted_at  # the first submission stays on record
    edited = service.save(team.clerk, replace(back, activity="更正后的活动"))
    again = service.submit(team.clerk, edited)
    assert again.status is Status.SUBMITTED
    assert actions(service, sent.id) == ["create", "submit", "withdraw", "edit", "submit"]
    entry = [e for e in service.history(sent.id) if e.action == "withdraw"][0]
    assert entry.comment == "金额录错"
    assert service.approve(team.approver, again.id).status is Status.APPROVED  # type: ignore[arg-type]
    result = service.verify()
    assert result.ok, result.problems
    with service.db.read() as s:  # the withdrawal is signed like the submission
        from ledger.models import HistoryRow, SignatureRow

        signed = {
            h.action
            for h, _sig in s.query(HistoryRow, SignatureRow).join(
                SignatureRow, SignatureRow.history_id == HistoryRow.id
            )
        }
    assert {"submit", "withdraw", "approve"} <= signed


def test_withdraw_is_refused_once_the_leader_acted_or_from_a_stale_copy(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    sent = submit(service, team)
    approved = service.approve(team.approver, sent.id)
    with pytest.raises(WorkflowError) as refused:
        service.withdraw(team.clerk, sent.id, version=approved.version)
    assert str(refused.value) == f"{sent.ref} 已由分管领导审核通过，不能撤回；如需更正，请分管领导重新打开"

    other = submit(service, team, unit="市财政局")
    returned = service.return_reception(team.approver, other.id, "请补充公函")
    with pytest.raises(WorkflowError, match="已被分管领导退回，无需撤回，可直接修改"):
        service.withdraw(team.clerk, other.id, version=returned.version)

    third = submit(service, team, unit="市审计局")
    with pytest.raises(StaleEdit, match="已在别处被修改"):
        service.withdraw(team.clerk, third.id, version=third.version - 1)
    with pytest.raises(PermissionDenied):
        service.withdraw(team.approver, third.id, version=third.version)  # not a clerk
    assert service.get(third.id).status is Status.SUBMITTED  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- delete and void
def test_a_draft_never_submitted_is_deleted_but_once_submitted_only_voided(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    draft = service.save(team.clerk, sample_reception())
    service.delete_draft(team.clerk, draft.id)
    sent = submit(service, team, unit="市财政局")
    back = service.withdraw(team.clerk, sent.id, version=sent.version)
    with pytest.raises(WorkflowError) as refused:
        service.delete_draft(team.clerk, back.id)
    assert (
        str(refused.value) == f"{sent.ref} 已提交过审核，编号已用出，不能删除；不再使用时请作废（写明理由）"
    )

    with pytest.raises(InvalidReception) as no_reason:
        service.void(team.clerk, back.id, "  ", version=back.version)
    assert no_reason.value.problems == {"void_reason": "作废时请写明理由"}
    void = service.void(team.clerk, back.id, "来访取消，编号不再使用", version=back.version)
    assert (void.status, void.ref, void.void_reason, void.voided_by) == (
        Status.VOID,
        sent.ref,
        "来访取消，编号不再使用",
        "li",
    )
    assert void.is_locked
    with pytest.raises(WorkflowError, match="已锁定"):
        service.save(team.clerk, replace(void, activity="改"))
    with pytest.raises(WorkflowError, match="已锁定"):
        service.add_attachment(team.clerk, void.id, "a.pdf", b"x", "letter")  # type: ignore[arg-type]
    entry = service.history(void.id)[-1]
    assert (entry.action, entry.comment) == ("void", "来访取消，编号不再使用")
    assert service.verify().ok


def test_void_is_refused_while_submitted_and_after_approval(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    sent = submit(service, team)
    with pytest.raises(WorkflowError) as refused:
        service.void(team.clerk, sent.id, "不用了", version=sent.version)
    assert str(refused.value) == f"{sent.ref} 正在等待审核：请先撤回，再作废"
    approved = service.approve(team.approver, sent.id)
    with pytest.raises(WorkflowError, match="须由分管领导重新打开后才能作废"):
        service.void(team.clerk, sent.id, "不用了", version=approved.version)
    reopened = service.reopen(team.approver, sent.id, "重复登记", version=approved.version)
    assert service.void(team.clerk, sent.id, "重复登记", version=reopened.version).status is Status.VOID
    # a never-submitted draft may be voided too, if the user prefers
    draft = service.save(team.clerk, sample_reception(unit="市审计局"))
    assert service.void(team.clerk, draft.id, "录错", version=draft.version).status is Status.VOID


def test_voided_and_deleted_numbers_are_never_given_out_again(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    first = service.save(team.clerk, sample_reception())
    second = service.save(team.clerk, sample_reception(unit="市财政局"))
    service.void(team.clerk, second.id, "录错", version=second.version)
    service.delete_draft(team.clerk, first.id)
    third = service.save(team.clerk, sample_reception(unit="市审计局"))
    assert (first.ref, second.ref, third.ref) == ("JD-2025-0001", "JD-2025-0002", "JD-2025-0003")
    # the last number deleted: still not given again
    service.delete_draft(team.clerk, third.id)
    assert service.save(team.clerk, sample_reception(unit="市统计局")).ref == "JD-2025-0004"


def test_a_void_reception_counts_nowhere(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    kept = submit(service, team, amount="300.00")
    service.approve(team.approver, kept.id)
    # paid in cash on a holiday (two warnings) and with a breach: then voided
    bad = sample_reception(
        date(2025, 5, 1), unit="市财政局", amount="480.00", payment_method="现金", guests=10, companions=4
    )
    bad = service.save(team.clerk, replace(bad, explanations={"companions_over_cap": "临时"}))
    assert {r.code for r in service.risks(2025) if bad.ref in r.refs} >= {"cash_payment", "holiday_reception"}
    void = service.void(team.clerk, bad.id, "重复登记", version=bad.version)

    assert not [r for r in service.risks(2025) if void.ref in r.refs]
    summary = service.ledger_summary(LedgerQuery(year=2025))
    assert (summary.count, summary.total, summary.void) == (2, Decimal("300.00"), 1)
    searched = service.ledger_summary(LedgerQuery(text="市财政局"))
    assert (searched.count, searched.total, searched.void) == (1, Decimal("0.00"), 1)
    assert service.count_and_total(LedgerQuery(year=2025)) == (2, Decimal("300.00"))
    rows = service.ledger_rows(LedgerQuery(status=Status.VOID))
    assert [(r.ref, r.status.label) for r in rows] == [(void.ref, "已作废")]
    figures = year_figures(service, 2025, as_of=date(2025, 12, 31))
    assert figures.ytd_total == Decimal("300.00")
    assert service.disclosure(2025).batches == 1
    notice = load_notice(service, date(2025, 1, 1), date(2025, 12, 31))
    assert [r.ref for r in notice.receptions] == [kept.ref] and notice.ledger_total == Decimal("300.00")

    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    book = load_workbook(path)
    refs = [row[21] for row in book[SHEET_LEDGER].iter_rows(min_row=2, values_only=True)]
    assert refs == [kept.ref]
    void_rows = list(book[SHEET_VOID].iter_rows(values_only=True))
    assert void_rows[0] == ("编号", "接待日期", "来访单位", "作废理由", "作废人", "作废时间")
    assert void_rows[1][:5] == (void.ref, datetime(2025, 5, 1), "市财政局", "重复登记", "李会计")
    assert void_rows[1][5] == "2025-06-30 09:00"


def test_an_import_does_not_take_a_void_reception_for_a_duplicate(ledger) -> None:  # type: ignore[no-untyped-def]
    from ledger.records import ImportRow

    service, team = ledger
    draft = service.save(team.clerk, sample_reception())
    service.void(team.clerk, draft.id, "录错", version=draft.version)
    deleted = service.save(team.clerk, sample_reception(unit="市统计局"))
    service.delete_draft(team.clerk, deleted.id)
    rows = [
        ImportRow(2, sample_reception()),  # the same date, unit and total as the void one
        ImportRow(3, sample_reception(unit="市审计局", ref=deleted.ref)),  # names a deleted number
    ]
    outcomes = service.import_rows(team.clerk, rows)
    assert [o.errors for o in outcomes] == [(), ()]
    assert deleted.ref not in [o.ref for o in outcomes]


# ---------------------------------------------------------------------------- reimbursement
def test_reimbursement_after_approval_only_and_corrected_with_a_new_entry(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    sent = submit(service, team)
    with pytest.raises(WorkflowError) as refused:
        service.record_reimbursement(
            team.clerk, sent.id, "记-2025-061", date(2025, 6, 20), version=sent.version
        )
    assert str(refused.value) == f"{sent.ref} 状态为“待审核”：审核通过后才能登记报销"
    approved = service.approve(team.approver, sent.id)
    with pytest.raises(InvalidReception) as bad:
        service.record_reimbursement(team.clerk, sent.id, " ", None, version=approved.version)
    assert bad.value.problems == {
        "reimbursement_no": "请填写记账凭证号或报销单号",
        "reimbursed_on": "请填写报销日期",
    }
    with pytest.raises(InvalidReception) as early:
        service.record_reimbursement(team.clerk, sent.id, "记-1", date(2025, 3, 1), version=approved.version)
    assert early.value.problems == {"reimbursed_on": "报销日期 2025-03-01 早于接待日期 2025-03-05"}

    paid = service.record_reimbursement(
        team.clerk, sent.id, "记-2025-061", date(2025, 6, 20), version=approved.version
    )
    assert (paid.status, paid.reimbursement_no, paid.reimbursed_on, paid.reimbursed_by) == (
        Status.APPROVED,
        "记-2025-061",
        date(2025, 6, 20),
        "li",
    )
    assert paid.total == approved.total and paid.is_locked
    with pytest.raises(StaleEdit):
        service.record_reimbursement(
            team.clerk, sent.id, "记-2025-062", date(2025, 6, 21), version=approved.version
        )
    fixed = service.record_reimbursement(
        team.clerk, sent.id, "记-2025-062", date(2025, 6, 21), version=paid.version
    )
    same = service.record_reimbursement(
        team.clerk, sent.id, "记-2025-062", date(2025, 6, 21), version=fixed.version
    )
    assert same.version == fixed.version  # nothing changed: no entry
    entries = [e for e in service.history(sent.id) if e.action == "reimburse"]
    assert [e.comment for e in entries] == [
        "凭证号 记-2025-061，日期 2025-06-20",
        "更正：凭证号 记-2025-062，日期 2025-06-21",
    ]
    assert service.ledger_rows(LedgerQuery())[0].reimbursement_no == "记-2025-062"
    assert service.verify().ok


def test_reimbursement_is_refused_for_a_void_reception(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    draft = service.save(team.clerk, sample_reception())
    void = service.void(team.clerk, draft.id, "录错", version=draft.version)
    with pytest.raises(WorkflowError, match="已作废，不能登记报销"):
        service.record_reimbursement(team.clerk, draft.id, "记-1", date(2025, 6, 1), version=void.version)


# ---------------------------------------------------------------------------- approve many
def test_approve_many_in_one_transaction_one_signed_entry_each(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    a = submit(service, team)
    b = submit(service, team, unit="市财政局")
    done = service.approve_many(team.approver, [(a.id, a.version), (b.id, b.version)], "同意")
    assert [(r.ref, r.status, r.review_comment) for r in done] == [
        (a.ref, Status.APPROVED, "同意"),
        (b.ref, Status.APPROVED, "同意"),
    ]
    assert actions(service, a.id)[-1] == "approve" and actions(service, b.id)[-1] == "approve"
    assert service.verify().ok


def test_approve_many_refuses_the_whole_batch_naming_the_first_that_cannot_be_approved(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    fine = submit(service, team)
    own = service.submit(team.both, sample_reception(unit="市财政局"))  # 王主任 entered it himself
    with pytest.raises(PermissionDenied) as refused:
        service.approve_many(team.both, [(fine.id, fine.version), (own.id, own.version)])
    assert (
        str(refused.value)
        == f"批量审核未执行（一条也未审核）：{own.ref}：此接待由您录入或提交，不能由您本人审核"
    )
    assert service.get(fine.id).status is Status.SUBMITTED  # type: ignore[arg-type]

    with pytest.raises(StaleEdit) as stale:
        service.approve_many(team.approver, [(fine.id, fine.version - 1), (own.id, own.version)])
    assert f"{fine.ref} 已在别处被修改" in str(stale.value)

    breach = service.submit(
        team.clerk,
        sample_reception(
            unit="市审计局", guests=10, companions=4, explanations={"companions_over_cap": "临时"}
        ),
    )
    with pytest.raises(WorkflowError) as unfit:
        service.approve_many(team.approver, [(fine.id, fine.version), (breach.id, breach.version)])
    assert (
        str(unfit.value) == f"批量审核未执行（一条也未审核）：{breach.ref} 有违规（陪餐人数超标），须逐条审核"
    )
    assert [service.get(i).status for i in (fine.id, own.id, breach.id)] == [Status.SUBMITTED] * 3  # type: ignore[arg-type]


def test_approve_many_refuses_a_reception_lacking_documents(ledger, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    fine = submit(service, team)
    monkeypatch.setattr(service, "missing_documents", lambda r: ("invoice",))
    with pytest.raises(WorkflowError) as refused:
        service.approve_many(team.approver, [(fine.id, fine.version)])
    assert str(refused.value) == f"批量审核未执行（一条也未审核）：{fine.ref} 缺少单据：发票"


# ---------------------------------------------------------------------------- files with the first save
def test_a_new_reception_is_saved_with_its_files_in_one_transaction(ledger) -> None:  # type: ignore[no-untyped-def]
    service, team = ledger
    with pytest.raises(InvalidReception):
        service.save(
            team.clerk, sample_reception(), [("函.pdf", b"%PDF", "letter"), ("x.bin", b"1", "bogus")]
        )
    assert service.count_and_total(LedgerQuery()) == (0, Decimal("0"))  # nothing was stored
    saved = service.save(team.clerk, sample_reception(), [("../函.pdf", b"%PDF-1", "letter")])
    assert [(a.kind, a.filename, a.size) for a in saved.attachments] == [("letter", "函.pdf", 6)]
    assert actions(service, saved.id) == ["create", "attach"]
    assert service.attachment_content(saved.attachments[0].id) == b"%PDF-1"
    assert service.verify().ok


def test_the_reimbursement_is_in_the_workbook_and_on_the_list_and_the_file_imports_again(
    ledger, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from reports.slip import load_slip, render_slip
    from reports.template import read_import

    service, team = ledger
    sent = submit(service, team)
    approved = service.approve(team.approver, sent.id)
    service.record_reimbursement(
        team.clerk, sent.id, "记-2025-061", date(2025, 6, 20), version=approved.version
    )
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    rows = list(load_workbook(path)[SHEET_LEDGER].iter_rows(values_only=True))
    assert rows[0][-2:] == ("凭证号", "报销日期")
    assert rows[1][-2:] == ("记-2025-061", datetime(2025, 6, 20))
    imported = read_import(path)  # the import reads the template's columns and ignores these
    assert [(r.row, r.errors) for r in imported] == [(2, ())]

    pdf = tmp_path / "清单.pdf"
    pdf.write_bytes(render_slip(load_slip(service, sent.ref)))
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "报销：凭证号 记-2025-061，日期 2025年6月20日" in text
