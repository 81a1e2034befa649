"""The approval queue: approve, return with a required comment, and nobody approves their own."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.records import Reception, Status
from ledger.service import LedgerService, PermissionDenied
from tests.conftest import Team, sample_reception
from tests.ui.conftest import type_text
from ui.approval_view import ApprovalQueueModel, ApprovalView
from ui.ledger_model import COLUMN_KEYS
from ui.main_window import MainWindow
from ui.review_dialogs import ApproveConfirm, ReturnDialog


def test_queue_model_passes_qtmodeltester(
    qtmodeltester, service: LedgerService, submitted: Reception
) -> None:  # type: ignore[no-untyped-def]
    model = ApprovalQueueModel(service)
    assert model.rowCount() == 1
    qtmodeltester.check(model)


def test_queue_shows_breaches_and_explanations(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    service.save(team.clerk, sample_reception(unit="草稿单位"))  # drafts are not in the queue
    view = ApprovalView(service, team.approver)
    qtbot.addWidget(view)
    assert view.model.rowCount() == 1
    assert view.selected_reception_id() == submitted.id
    text = view.details.toPlainText()
    assert "陪餐人数超标" in text
    assert "陪餐4人，超过上限3人（接待对象10人）" in text
    assert "情况说明：分管股室负责人临时陪同汇报工作" in text
    assert "#fff3c4" in view.details.toHtml()  # the explanation is highlighted


def test_the_visiting_unit_is_readable_in_the_queue_on_a_small_screen(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    """At 1366×768 the queue's 来访单位 column was 19 px wide ("访单"): the leader could not see
    who came. The other columns are as wide as their contents, the unit takes the rest."""
    from ui.approval_view import UNIT_COLUMN

    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_queue()
    queue = window.approval_view
    assert queue is not None
    qtbot.waitUntil(lambda: queue.table.columnWidth(UNIT_COLUMN) > 0, timeout=2000)
    unit = queue.model.index(0, UNIT_COLUMN)
    needed = queue.table.fontMetrics().horizontalAdvance(str(queue.model.data(unit)))
    assert queue.table.columnWidth(UNIT_COLUMN) >= needed


def test_approver_approves_and_the_ledger_shows_it(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    queue = window.approval_view
    assert queue is not None
    assert window.tabs.tabText(window.tabs.indexOf(queue)) == "待审核（1）"
    window.tabs.setCurrentWidget(queue)
    assert window.selected_reception_id() == submitted.id
    assert queue.approve_button.isEnabled()
    assert queue.refusal_label.isHidden()
    type_text(qtbot, queue.comment_edit, "同意")
    qtbot.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)

    assert service.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert service.get(submitted.id).review_comment == "同意"  # type: ignore[arg-type]
    assert queue.model.rowCount() == 0
    assert queue.empty_label.isVisibleTo(queue)
    assert queue.status_label.text() == f"{submitted.ref} 已审核通过。"
    assert window.tabs.tabText(window.tabs.indexOf(queue)) == "待审核"
    ledger = window.ledger_view.model
    status_col = COLUMN_KEYS.index("status")
    assert [ledger.data(ledger.index(r, status_col)) for r in range(ledger.rowCount())] == ["已审核"]


def test_return_requires_a_comment(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    dialog = ReturnDialog(submitted.ref)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    assert dialog.message.isVisibleTo(dialog)
    dialog.accept()  # Enter with an empty comment does nothing
    assert dialog.result() != ReturnDialog.DialogCode.Accepted
    type_text(qtbot, dialog.comment_edit, "请补充公函扫描件")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == ReturnDialog.DialogCode.Accepted
    assert dialog.comment == "请补充公函扫描件"


def test_returning_sends_it_back_with_the_comment(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = ApprovalView(service, team.approver)
    qtbot.addWidget(view)
    monkeypatch.setattr(ReturnDialog, "ask", classmethod(lambda cls, ref, parent=None: None))
    qtbot.mouseClick(view.return_button, Qt.MouseButton.LeftButton)  # cancelled: nothing happens
    assert service.get(submitted.id).status == Status.SUBMITTED  # type: ignore[arg-type]

    monkeypatch.setattr(ReturnDialog, "ask", classmethod(lambda cls, ref, parent=None: "请补充公函扫描件"))
    with qtbot.waitSignal(view.changed) as blocker:
        qtbot.mouseClick(view.return_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [submitted.id]
    returned = service.get(submitted.id)  # type: ignore[arg-type]
    assert returned.status == Status.RETURNED
    assert returned.review_comment == "请补充公函扫描件"
    assert view.model.rowCount() == 0


def test_who_submitted_cannot_approve_and_is_told_why(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    own = service.submit(team.both, sample_reception(unit="市教育局"))
    view = ApprovalView(service, team.both)
    qtbot.addWidget(view)
    assert view.selected_reception_id() == own.id
    assert not view.approve_button.isEnabled()
    assert view.approve_button.toolTip() == "此接待由您录入或提交，不能由您本人审核"
    assert view.refusal_label.text() == "不能审核：此接待由您录入或提交，不能由您本人审核"
    assert view.refusal_label.isVisibleTo(view)
    # a return is a review too (signed as one): the author takes it back with 撤回 instead
    assert not view.return_button.isEnabled()
    assert view.return_button.toolTip() == "此接待由您录入或提交，不能由您本人审核"
    assert view.approve_selected() is False
    with pytest.raises(PermissionDenied, match="不能由您本人退回：请用“撤回”收回后修改"):
        service.return_reception(team.both, own.id, "我自己退回")  # type: ignore[arg-type]
    assert service.get(own.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    assert service.withdraw(team.both, own.id).status == Status.DRAFT  # type: ignore[arg-type]


def test_clerk_has_no_queue(qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception) -> None:
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    assert window.approval_view is None
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert tabs[0] == "台账"
    assert not any(t.startswith("待审核") for t in tabs)
    assert not window.review_menu.menuAction().isVisible()


def test_approving_is_confirmed_when_there_are_breaches_and_said_by_reference(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = service.submit(team.clerk, sample_reception(unit="市财政局"))
    asked: list[tuple[str, int]] = []
    answer = [False]

    def ask(cls, ref: str, breaches: int, parent=None) -> bool:  # type: ignore[no-untyped-def]
        asked.append((ref, breaches))
        return answer[0]

    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(ask))
    view = ApprovalView(service, team.approver)
    qtbot.addWidget(view)
    assert view.selected_reception_id() == submitted.id  # oldest first
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    assert asked == [(submitted.ref, 1)]
    assert service.get(submitted.id).status == Status.SUBMITTED  # type: ignore[arg-type]  # declined
    assert view.status_label.isHidden()

    answer[0] = True
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    assert service.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert view.status_label.isVisibleTo(view)
    assert view.status_label.text() == f"{submitted.ref} 已审核通过。已选中下一条，请审阅。"
    # the next one is selected, but a second click of a double click approves nothing unseen
    assert view.selected_reception_id() == clean.id
    assert clean.ref in view.details.toPlainText()
    assert not view.approve_button.isEnabled()
    assert view.approve_selected() is False
    assert service.get(clean.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    view.refresh()  # the main window refreshes after every change
    assert view.selected_reception_id() == clean.id
    qtbot.waitUntil(view.approve_button.isEnabled, timeout=3000)  # a moment later it takes a click

    # a compliant reception is approved without asking
    qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 2
    assert service.get(clean.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert view.status_label.text() == f"{clean.ref} 已审核通过。"


def test_approve_confirm_asks_with_the_breach_count(qtbot: QtBot) -> None:
    dialog = ApproveConfirm("JD-2026-0127", 2)
    qtbot.addWidget(dialog)
    assert dialog.text() == "此接待有 2 处违规，确认审核通过？"
    assert dialog.defaultButton() is dialog.cancel_button
