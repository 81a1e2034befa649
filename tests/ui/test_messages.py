"""Messages that apply: at the field they concern, gone once the field is right, and a banner
only over the item it speaks of; the findings of the first-start and login dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.db import Database
from ledger.service import LedgerService
from tests.conftest import PASSWORD, Team, make_team, sample_reception
from tests.ui.conftest import type_text
from ui.approval_view import ApprovalView
from ui.login_dialog import LoginDialog
from ui.reception import ReceptionDialog, UnsavedPrompt
from ui.review_dialogs import ApproveConfirm
from ui.setup_dialog import SetupDialog


def test_an_empty_password_is_asked_for_not_called_wrong(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "li")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.message_text == "请输入密码"
    assert dialog.user is None


def test_the_user_name_offered_is_the_last_one_of_this_ledger(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "li")
    type_text(qtbot, dialog.password_edit, PASSWORD)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.user is not None
    other_db = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        other = LedgerService(other_db)
        make_team(other)
        elsewhere = LoginDialog(other)
        qtbot.addWidget(elsewhere)
        assert elsewhere.username_edit.text() == ""  # not 李会计's name from the first ledger
    finally:
        other_db.dispose()
    again = LoginDialog(service)
    qtbot.addWidget(again)
    assert again.username_edit.text() == "li"


def test_while_the_login_waits_keystrokes_go_nowhere(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "li")
    for _ in range(3):
        dialog.password_edit.clear()
        type_text(qtbot, dialog.password_edit, "wrong-one")
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert not dialog.password_edit.isEnabled() and not dialog.username_edit.isEnabled()
    qtbot.keyClicks(dialog.password_edit, "abc")
    assert dialog.password_edit.text() == "wrong-one"
    dialog._countdown.timeout.emit()
    dialog._countdown.timeout.emit()
    assert dialog.password_edit.isEnabled() and dialog.username_edit.isEnabled()


def test_the_supervision_telephone_is_required_at_setup(qtbot: QtBot, service: LedgerService) -> None:
    dialog = SetupDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.bureau_edit, "XX县教育局")
    type_text(qtbot, dialog.username_edit, "admin")
    type_text(qtbot, dialog.password_edit, "secret123")
    type_text(qtbot, dialog.confirm_edit, "secret123")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "请填写监督电话" in dialog.messages.text("supervision_phone")
    assert not service.has_users()
    # the message goes as soon as the field is edited
    type_text(qtbot, dialog.phone_edit, "0000-12345678")
    assert dialog.messages.text("supervision_phone") == ""


def test_the_forms_refusal_line_goes_once_the_fields_are_right(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    form = ReceptionDialog(service, team.clerk)
    qtbot.addWidget(form)
    form.show()
    form.tabs.setCurrentIndex(2)
    type_text(qtbot, form.transport, "1.2.3")
    assert form.save_draft() is False
    assert form.message_label.isVisibleTo(form) and form.message_label.text().startswith("未保存")
    form.transport.clear()
    type_text(qtbot, form.transport, "12")
    form.refresh_check()
    assert not form.message_label.isVisibleTo(form)


def test_the_queues_banner_does_not_stand_over_the_next_reception(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))
    for unit in ("市教育局", "市审计局", "市财政局"):
        service.submit(team.clerk, sample_reception(unit=unit))
    view = ApprovalView(service, team.approver)
    qtbot.addWidget(view)
    view.show()
    first = view.selected_reception()
    assert first is not None
    assert view.approve_selected()
    # the next one is selected for the leader, and the banner says so
    assert view.status_label.isVisibleTo(view) and f"{first.ref} 已审核通过" in view.status_label.text()
    nxt = view.selected_reception()
    assert nxt is not None and nxt.id != first.id
    view.table.selectRow(1)  # the leader moves on to another one: the banner goes
    other = view.selected_reception()
    assert other is not None and other.id not in (first.id, nxt.id)
    assert not view.status_label.isVisibleTo(view)
