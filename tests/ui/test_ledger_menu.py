"""The ledger's context menu: 打开, 历史记录, 撤回, 删除草稿, 作废…, 登记报销… on a row, each
enabled only when the user may take it on that row (the form's refusals as tooltips), asking
the form's questions, and the ledger showing the result."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, QPoint
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Reception, Status, User
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.history_dialog import HistoryDialog
from ui.ledger_menu import LedgerMenu
from ui.ledger_model import COLUMN_KEYS
from ui.main_window import MainWindow
from ui.reception import ReceptionDialog
from ui.reception.life import Confirm, ReimbursementDialog, VoidDialog

STEPS = ("withdraw", "delete", "void", "reimburse")


def window_of(qtbot: QtBot, service: LedgerService, user: User) -> MainWindow:
    window = MainWindow(service, user)
    qtbot.addWidget(window)
    window.tabs.setCurrentWidget(window.ledger_view)
    return window


def right_click(qtbot: QtBot, window: MainWindow, r: Reception, monkeypatch: pytest.MonkeyPatch) -> QMenu:
    """Right-click the row of ``r`` (the menu is built and would be shown there)."""
    ledger = window.ledger_view
    ledger.model.row_at(0)  # the first page is read
    row = ledger.model.row_of(r.id)  # type: ignore[arg-type]
    assert row is not None
    shown: list[QPoint] = []
    monkeypatch.setattr(LedgerMenu, "present", staticmethod(lambda menu, at: shown.append(at)))
    ledger.table.clearSelection()
    rect = ledger.table.visualRect(ledger.model.index(row, 2))
    ledger.table.customContextMenuRequested.emit(rect.center())
    assert len(shown) == 1  # shown once, where the mouse is
    assert ledger.selected_reception_id() == r.id  # the row right-clicked is the one selected
    menu = window.ledger_menu.menu
    assert menu is not None
    return menu


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if not a.isSeparator()]


def enabled(window: MainWindow) -> dict[str, bool]:
    return {key: window.ledger_menu.actions[key].isEnabled() for key in STEPS}


def status_shown(window: MainWindow, r: Reception) -> str:
    ledger = window.ledger_view
    ledger.model.row_at(0)
    row = ledger.model.row_of(r.id)  # type: ignore[arg-type]
    assert row is not None
    return ledger.model.index(row, COLUMN_KEYS.index("status")).data()


def test_a_submitted_row_offers_withdraw_and_says_why_not_the_rest(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = service.submit(team.clerk, sample_reception())
    window = window_of(qtbot, service, team.clerk)
    asked: list[str] = []
    monkeypatch.setattr(
        Confirm, "ask", classmethod(lambda cls, parent, title, text: asked.append(f"{title}|{text}") or True)
    )
    menu = right_click(qtbot, window, sent, monkeypatch)
    assert texts(menu) == ["打开", "历史记录", "撤回", "删除草稿", "作废…", "登记报销…"]
    assert menu.defaultAction().text() == "打开"
    assert enabled(window) == {"withdraw": True, "delete": False, "void": False, "reimburse": False}
    tips = {key: window.ledger_menu.actions[key].toolTip() for key in STEPS}
    assert tips["void"] == f"{sent.ref} 正在等待审核：请先撤回，再作废"  # the form's words
    assert tips["delete"].startswith(f"{sent.ref} 已提交过审核，编号已用出，不能删除")
    assert tips["reimburse"] == f"{sent.ref} 状态为“待审核”：审核通过后才能登记报销"

    window.ledger_menu.actions["withdraw"].trigger()
    assert asked == [f"撤回 {sent.ref}|撤回后改为草稿，分管领导的待审核队列中不再有它；修改后可重新提交。撤回吗？"]
    assert service.get(sent.id).status is Status.DRAFT  # type: ignore[arg-type]
    assert status_shown(window, sent) == "草稿"  # the ledger read the row again
    assert window.statusBar().currentMessage() == f"{sent.ref} 已撤回，现为草稿，可修改后重新提交"

    menu = right_click(qtbot, window, sent, monkeypatch)  # now a withdrawn draft: void, not delete
    assert enabled(window) == {"withdraw": False, "delete": False, "void": True, "reimburse": False}
    assert window.ledger_menu.actions["withdraw"].toolTip() == f"{sent.ref} 尚未提交审核，无需撤回"


def test_a_cancelled_question_writes_nothing(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = service.submit(team.clerk, sample_reception())
    window = window_of(qtbot, service, team.clerk)
    monkeypatch.setattr(Confirm, "ask", classmethod(lambda cls, parent, title, text: False))
    right_click(qtbot, window, sent, monkeypatch)
    window.ledger_menu.actions["withdraw"].trigger()
    assert service.get(sent.id).status is Status.SUBMITTED  # type: ignore[arg-type]
    assert status_shown(window, sent) == "待审核"


def test_delete_a_draft_and_void_another_from_the_menu(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = service.save(team.clerk, sample_reception())
    returned = service.submit(team.clerk, sample_reception(unit="市财政局", amount="200.00"))
    returned = service.return_reception(team.approver, returned.id, "请补充公函", version=returned.version)  # type: ignore[arg-type]
    window = window_of(qtbot, service, team.clerk)
    monkeypatch.setattr(Confirm, "ask", classmethod(lambda cls, parent, title, text: True))
    reasons: list[str] = []
    monkeypatch.setattr(
        VoidDialog, "ask_reason", classmethod(lambda cls, ref, parent=None: reasons.append(ref) or "重复登记")
    )

    right_click(qtbot, window, draft, monkeypatch)
    assert enabled(window) == {"withdraw": False, "delete": True, "void": True, "reimburse": False}
    window.ledger_menu.actions["delete"].trigger()
    assert [r.ref for r in service.ledger_rows(LedgerQuery())] == [returned.ref]
    assert window.ledger_view.model.rowCount() == 1
    assert window.statusBar().currentMessage() == f"已删除草稿 {draft.ref}，编号不再使用"

    right_click(qtbot, window, returned, monkeypatch)
    assert enabled(window) == {"withdraw": False, "delete": False, "void": True, "reimburse": False}
    window.ledger_menu.actions["void"].trigger()
    assert reasons == [returned.ref]  # the form's reason dialog, for this row
    stored = service.get(returned.id)  # type: ignore[arg-type]
    assert (stored.status, stored.void_reason) == (Status.VOID, "重复登记")
    assert status_shown(window, returned) == "已作废"
    assert window.ledger_view.summary_label.text() == "共 1 条（其中已作废 1 条，不计金额），合计 ¥0.00"


def test_reimbursement_from_the_menu_is_shown_in_the_row(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = service.submit(team.clerk, sample_reception())
    approved = service.approve(team.approver, sent.id)  # type: ignore[arg-type]

    def present(dialog: ReimbursementDialog) -> bool:
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == f"登记报销 {approved.ref}"
        dialog.number.setText("记-2025-061")
        dialog.day.setDate(QDate(2025, 3, 20))
        dialog.accept()
        return dialog.result() == 1

    monkeypatch.setattr(ReimbursementDialog, "present", staticmethod(present))
    window = window_of(qtbot, service, team.clerk)
    right_click(qtbot, window, approved, monkeypatch)
    assert enabled(window) == {"withdraw": False, "delete": False, "void": False, "reimburse": True}
    assert (
        window.ledger_menu.actions["void"].toolTip()
        == f"{approved.ref} 已审核通过：须由分管领导重新打开后才能作废"
    )
    window.ledger_menu.actions["reimburse"].trigger()
    stored = service.get(sent.id)  # type: ignore[arg-type]
    assert (stored.reimbursement_no, stored.reimbursed_on) == ("记-2025-061", date(2025, 3, 20))
    window.ledger_view.model.row_at(0)
    row = window.ledger_view.model.row_of(sent.id)  # type: ignore[arg-type]
    paid = window.ledger_view.model.index(row, COLUMN_KEYS.index("reimbursement_no")).data()
    assert "记-2025-061" in paid
    assert window.statusBar().currentMessage() == f"{approved.ref} 已登记报销：凭证号 记-2025-061"


def test_a_leader_without_the_clerks_role_may_open_and_read_but_not_change(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = service.submit(team.clerk, sample_reception())
    window = window_of(qtbot, service, team.approver)
    right_click(qtbot, window, sent, monkeypatch)
    assert enabled(window) == dict.fromkeys(STEPS, False)
    assert {window.ledger_menu.actions[k].toolTip() for k in STEPS} == {"您没有“经办人”角色"}
    assert window.ledger_menu.actions["open"].isEnabled()

    window.ledger_menu.actions["history"].trigger()
    history = [w for w in window.findChildren(HistoryDialog) if w.isVisible()]
    assert len(history) == 1
    window.ledger_menu.actions["open"].trigger()
    forms = [w for w in window.findChildren(ReceptionDialog) if w.isVisible()]
    assert [f.reception_id for f in forms] == [sent.id]
    assert not forms[0].is_editable()
    for w in (*history, *forms):
        w.close()


def test_a_row_deleted_at_another_desk_is_said_and_the_ledger_read_again(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = service.save(team.clerk, sample_reception())
    window = window_of(qtbot, service, team.clerk)
    service.delete_draft(team.clerk, draft.id)  # type: ignore[arg-type]  # elsewhere, not yet heard of
    warned: list[str] = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    assert window.ledger_menu.menu_for(draft.id) is None  # type: ignore[arg-type]
    assert len(warned) == 1 and "不存在" in warned[0]
    assert window.ledger_view.model.rowCount() == 0
