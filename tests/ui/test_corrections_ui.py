"""The window's side of issue 10's life steps: the leader's day (the queue at login, the next
item, 批量审核通过), 撤回 / 删除草稿 / 作废… / 登记报销… in the form, and a new form's files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Reception, Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.test_reception_dialog import click, open_form, type_into
from ui.approval_view import MISSING_COLUMN, ApprovalView
from ui.ledger_model import COLUMN_KEYS
from ui.main_window import MainWindow
from ui.reception import ReceptionDialog, UnsavedPrompt
from ui.reception.attachments_tab import FilePrompt
from ui.reception.life import Confirm, ReimbursementDialog, VoidDialog
from ui.review_dialogs import BatchApproveConfirm


def compliant(service: LedgerService, team: Team, unit: str) -> Reception:
    return service.submit(team.clerk, sample_reception(unit=unit))


# ---------------------------------------------------------------------------- the leader's day
def test_logging_in_with_items_waiting_opens_the_queue(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    quiet = MainWindow(service, team.approver)
    qtbot.addWidget(quiet)
    assert quiet.tabs.currentWidget() is quiet.ledger_view  # nothing waits: the ledger
    waiting = compliant(service, team, "市教育局")
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    assert window.tabs.currentWidget() is window.approval_view
    assert window.selected_reception_id() == waiting.id
    clerk = MainWindow(service, team.clerk)
    qtbot.addWidget(clerk)
    assert clerk.tabs.currentWidget() is clerk.ledger_view


def test_logging_in_with_only_plans_waiting_opens_the_plans(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    from tests.ledger.test_plans import a_plan

    service.submit_plan(team.clerk, a_plan())
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    assert window.tabs.currentWidget() is window.plans_view
    assert window.tabs.tabText(window.tabs.currentIndex()) == "接待审批（1）"


def test_after_a_return_the_next_item_is_selected(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.review_dialogs import ReturnDialog

    first, second = compliant(service, team, "市教育局"), compliant(service, team, "市财政局")
    monkeypatch.setattr(ReturnDialog, "ask", classmethod(lambda cls, ref, parent=None: "请补充发票"))
    view = ApprovalView(service, team.approver)
    qtbot.addWidget(view)
    assert view.selected_reception_id() == first.id
    assert view.return_selected()
    assert view.selected_reception_id() == second.id
    assert view.status_label.text() == f"{first.ref} 已退回。已选中下一条，请审阅。"
    assert second.ref in view.details.toPlainText()


def test_batch_approval_of_compliant_receptions_with_one_confirmation(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c = (compliant(service, team, u) for u in ("市教育局", "市财政局", "市审计局"))
    breach = service.submit(
        team.clerk,
        sample_reception(
            unit="省教育厅", guests=10, companions=4, explanations={"companions_over_cap": "临时"}
        ),
    )
    asked: list[list[str]] = []

    def ask(cls, receptions, parent=None):  # type: ignore[no-untyped-def]
        dialog = BatchApproveConfirm(receptions, parent)
        qtbot.addWidget(dialog)
        asked.append(dialog.refs)
        return "同意"

    monkeypatch.setattr(BatchApproveConfirm, "ask", classmethod(ask))
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    queue = window.approval_view
    assert queue is not None
    assert not queue.batch_button.isEnabled()  # one selected
    assert queue.select_receptions([a.id, breach.id]) == 2  # type: ignore[list-item]
    assert not queue.batch_button.isEnabled()
    assert queue.batch_button.toolTip() == f"{breach.ref} 有 1 处违规，须逐条审核"
    assert "不能批量审核" in queue.details.toPlainText()
    assert not queue.approve_button.isEnabled()  # several selected: one by one is not offered

    assert queue.select_receptions([a.id, b.id]) == 2  # type: ignore[list-item]
    assert queue.batch_button.isEnabled(), queue.batch_button.toolTip()
    assert "已选中 2 条" in queue.details.toPlainText()
    qtbot.mouseClick(queue.batch_button, Qt.MouseButton.LeftButton)
    assert asked == [[a.ref, b.ref]]  # one confirmation listing them
    assert [service.get(r.id).status for r in (a, b, c)] == [  # type: ignore[arg-type]
        Status.APPROVED,
        Status.APPROVED,
        Status.SUBMITTED,
    ]
    assert service.get(a.id).review_comment == "同意"  # type: ignore[arg-type]
    assert queue.status_label.text() == f"已批量审核通过 2 条：{a.ref}、{b.ref}。"
    assert queue.selected_reception_id() == c.id  # the next one
    assert window.tabs.tabText(window.tabs.indexOf(queue)) == "待审核（2）"


def test_batch_approval_is_not_offered_for_ones_own_or_for_missing_documents(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = compliant(service, team, "市教育局")
    mine = service.submit(team.both, sample_reception(unit="市财政局"))
    view = ApprovalView(service, team.both)
    qtbot.addWidget(view)
    view.select_receptions([a.id, mine.id])  # type: ignore[list-item]
    assert not view.batch_button.isEnabled()
    assert view.batch_button.toolTip() == f"{mine.ref}：此接待由您录入或提交，不能由您本人审核"

    monkeypatch.setattr(service, "missing_documents", lambda r: ("invoice",) if r.id == a.id else ())
    other = ApprovalView(service, team.approver)
    qtbot.addWidget(other)
    assert other.model.index(0, MISSING_COLUMN).data() == "发票"
    assert other.model.index(1, MISSING_COLUMN).data() == ""
    assert "缺少单据：发票" in other.details.toPlainText()
    other.select_receptions([a.id, mine.id])  # type: ignore[list-item]
    assert other.batch_button.toolTip() == f"{a.ref} 缺少单据：发票"


# ---------------------------------------------------------------------------- a new form's files
def test_a_file_on_a_new_form_creates_nothing_and_closing_unsaved_asks(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = tmp_path / "函.pdf"
    scan.write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(FilePrompt, "choose", classmethod(lambda cls, parent: scan))
    asked: list[bool] = []
    monkeypatch.setattr(
        UnsavedPrompt, "ask", classmethod(lambda cls, parent: asked.append(True) or UnsavedPrompt.DISCARD)
    )
    form = open_form(qtbot, service, team.clerk)
    form.tabs.setCurrentIndex(3)
    click(qtbot, form.add_attachment_button)
    assert form.attachments_table.rowCount() == 1 and form.attachments_table.item(0, 3).text() == "待保存"
    assert service.count_and_total(LedgerQuery())[0] == 0
    form.reject()
    assert asked == [True]  # a pending file is unsaved input
    assert service.count_and_total(LedgerQuery())[0] == 0  # nothing was created

    again = open_form(qtbot, service, team.clerk)
    type_into(qtbot, again.visiting_unit, "市教育局")
    again.tabs.setCurrentIndex(3)
    click(qtbot, again.add_attachment_button)
    again.attachments_table.selectRow(0)
    click(qtbot, again.remove_attachment_button)  # a pending file is simply left out
    assert again.attachments_table.rowCount() == 0
    click(qtbot, again.add_attachment_button)
    click(qtbot, again.save_button)
    stored = service.get(again.reception_id)  # type: ignore[arg-type]
    assert [a.filename for a in stored.attachments] == ["函.pdf"]
    assert again.attachments_table.item(0, 3).text() != "待保存"


# ---------------------------------------------------------------------------- withdraw, void, delete
def test_withdraw_then_void_from_the_form(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = compliant(service, team, "市教育局")
    monkeypatch.setattr(Confirm, "ask", classmethod(lambda cls, parent, title, text: True))
    monkeypatch.setattr(VoidDialog, "ask_reason", classmethod(lambda cls, ref, parent=None: "来访取消"))
    form = open_form(qtbot, service, team.clerk, sent.id)
    assert not form.void_button.isEnabled()
    assert form.void_button.toolTip() == f"{sent.ref} 正在等待审核：请先撤回，再作废"
    assert form.delete_button.isHidden()  # it carries a number that went out
    click(qtbot, form.withdraw_button)
    assert service.get(sent.id).status is Status.DRAFT  # type: ignore[arg-type]
    assert form.is_editable() and form.save_button.isEnabled()
    assert form.withdraw_button.isHidden()
    assert "已撤回" in form.message_label.text()

    click(qtbot, form.void_button)
    void = service.get(sent.id)  # type: ignore[arg-type]
    assert (void.status, void.void_reason) == (Status.VOID, "来访取消")
    assert not form.is_editable() and not form.save_button.isEnabled()
    assert "已作废" in form.header.banner.text() and "来访取消" in form.header.banner.text()
    assert form.void_button.isHidden()


def test_a_draft_never_submitted_is_deleted_and_the_ledger_shows_a_void_one(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Confirm, "ask", classmethod(lambda cls, parent, title, text: True))
    draft = service.save(team.clerk, sample_reception())
    other = service.save(team.clerk, sample_reception(unit="市财政局", amount="200.00"))
    service.void(team.clerk, other.id, "录错", version=other.version)  # type: ignore[arg-type]
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    ledger = window.ledger_view
    status_col, paid_col = COLUMN_KEYS.index("status"), COLUMN_KEYS.index("reimbursement_no")
    statuses = {ledger.model.index(r, 0).data(): ledger.model.index(r, status_col).data() for r in range(2)}
    assert statuses == {draft.ref: "草稿", other.ref: "已作废"}
    assert ledger.summary_label.text() == "共 2 条（其中已作废 1 条，不计金额），合计 ¥300.00"
    assert ledger.model.headerData(paid_col, Qt.Orientation.Horizontal) == "报销"

    form = window.open_reception(draft.id)
    assert isinstance(form, ReceptionDialog)
    qtbot.waitExposed(form)
    click(qtbot, form.delete_button)
    assert not form.isVisible()
    assert [r.ref for r in service.ledger_rows(LedgerQuery())] == [other.ref]
    assert ledger.model.rowCount() == 1  # the ledger heard of it


def test_reimbursement_is_recorded_from_the_form_and_shown(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QDate

    sent = compliant(service, team, "市教育局")
    service.approve(team.approver, sent.id)  # type: ignore[arg-type]
    shown: list[ReimbursementDialog] = []

    def present(dialog: ReimbursementDialog) -> bool:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        dialog.number.setText("记-2025-061")
        dialog.day.setDate(QDate(2025, 3, 1))  # before the reception: refused at its field
        dialog.accept()
        assert dialog.day_error.text() == "报销日期 2025-03-01 早于接待日期 2025-03-05"
        dialog.day.setDate(QDate(2025, 3, 20))
        dialog.accept()
        return dialog.result() == 1

    monkeypatch.setattr(ReimbursementDialog, "present", staticmethod(present))
    form = open_form(qtbot, service, team.clerk, sent.id)
    assert form.reimbursement_label.text() == "报销：尚未登记记账凭证号"
    assert form.withdraw_button.isHidden() and not form.void_button.isEnabled()
    assert form.void_button.toolTip() == f"{sent.ref} 已审核通过：须由分管领导重新打开后才能作废"
    click(qtbot, form.reimburse_button)
    stored = service.get(sent.id)  # type: ignore[arg-type]
    assert (stored.reimbursement_no, stored.reimbursed_on) == ("记-2025-061", date(2025, 3, 20))
    assert form.reimbursement_label.text() == "报销：凭证号 记-2025-061，日期 2025-03-20（李会计登记）"
    assert stored.status is Status.APPROVED and not form.is_editable()


def test_the_form_lists_the_documents_still_missing(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from ledger.policy import DocumentRule
    from ledger.preapproval import Letter

    policy = service.policy_for(date(2025, 1, 1))
    service.add_policy(
        team.admin, replace(policy, effective_from=date(2025, 1, 1), documents=DocumentRule(("letter", "invoice")))
    )
    service.register_letter(team.clerk, Letter("市教函〔2025〕12号", "市教育局"), ("函.pdf", b"%PDF scan"))
    invoice = tmp_path / "发票.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    monkeypatch.setattr(FilePrompt, "choose", classmethod(lambda cls, parent: invoice))
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    form = open_form(qtbot, service, team.clerk)
    form.start_from(sample_reception(letter_no=""))
    qtbot.waitUntil(lambda: form.check.documents_label.isVisible())
    assert form.check.documents_label.text() == "单据（须有 公函、发票）：缺 公函、发票"
    type_into(qtbot, form.letter_no, "市教函〔2025〕12号")  # its scan is in the register: the 公函 is there
    form.refresh_check()
    assert form.check.documents_label.text() == "单据（须有 公函、发票）：缺 发票"
    form.tabs.setCurrentIndex(3)
    form.attachments.attachment_kind.setCurrentIndex(form.attachments.attachment_kind.findData("invoice"))
    click(qtbot, form.add_attachment_button)  # waiting to be saved, it counts already
    assert form.check.documents_label.text() == "单据（须有 公函、发票）：齐全"


def test_reopening_a_reimbursed_reception_names_its_voucher_before_the_reason(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figures went into a voucher: the leader reopening the reception is told so, with the
    voucher's number and date, where the reason is asked for."""
    from ui.review_dialogs import CommentDialog

    sent = compliant(service, team, "市教育局")
    service.approve(team.approver, sent.id)  # type: ignore[arg-type]
    service.record_reimbursement(team.clerk, sent.id, "记-2025-061", date(2025, 3, 20))  # type: ignore[arg-type]
    asked: list[str] = []

    def ask(cls: object, parent: object, title: str, prompt: str, *, required: bool) -> str:
        asked.append(prompt)
        return "发票金额有误"

    monkeypatch.setattr(CommentDialog, "ask", classmethod(ask))
    form = open_form(qtbot, service, team.approver, sent.id)
    click(qtbot, form.reopen_button)
    assert len(asked) == 1
    assert "已登记报销（凭证号 记-2025-061，日期 2025-03-20）" in asked[0] and "另行更正凭证" in asked[0]
    assert service.get(sent.id).status is not Status.APPROVED  # type: ignore[arg-type]


def test_the_reason_box_is_not_covered_when_the_prompt_runs_over_several_lines(qtbot: QtBot) -> None:
    """The voucher's warning made the prompt three lines long: the dialog kept its one-line height
    and the 此项必须填写 line and the buttons lay over the reason box."""
    from ui.review_dialogs import CommentDialog

    prompt = "注意：此接待已登记报销（凭证号 记-2025-061，日期 2025-03-20），重新打开后金额可以改动；" * 3
    dialog = CommentDialog(None, "重新打开", prompt + "\n重新打开的理由：", required=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.text.geometry()
    assert dialog.error.geometry().top() > box.bottom() and dialog.buttons.geometry().top() > box.bottom()
