"""First start and login, driven through the real dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.records import Role
from ledger.service import LedgerService
from tests.conftest import PASSWORD, Team
from tests.ui.conftest import type_text
from ui.login_dialog import ChangePasswordDialog, LoginDialog
from ui.setup_dialog import SetupDialog


def test_setup_dialog_creates_the_bureau_and_first_administrator(
    qtbot: QtBot, service: LedgerService
) -> None:
    assert not service.has_users()
    dialog = SetupDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.bureau_edit, "XX县教育局")
    type_text(qtbot, dialog.phone_edit, "0000-12345678")
    type_text(qtbot, dialog.username_edit, "admin")
    type_text(qtbot, dialog.display_edit, "王主任")
    type_text(qtbot, dialog.password_edit, "secret123")
    type_text(qtbot, dialog.confirm_edit, "secret12")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text("confirm") == "两次输入的密码不一致"
    assert not service.has_users()  # nothing written while the form is wrong

    type_text(qtbot, dialog.confirm_edit, "3")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == SetupDialog.DialogCode.Accepted
    assert service.bureau().name == "XX县教育局"
    assert service.bureau().supervision_phone == "0000-12345678"
    admin = service.user("admin")
    assert admin.display_name == "王主任"
    assert admin.roles == frozenset({Role.ADMIN})
    assert service.authenticate("admin", "secret123").username == "admin"


def test_setup_dialog_requires_the_bureau_name(qtbot: QtBot, service: LedgerService) -> None:
    dialog = SetupDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "admin")
    type_text(qtbot, dialog.password_edit, "secret123")
    type_text(qtbot, dialog.confirm_edit, "secret123")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text("name") == "请填写单位名称"
    assert not service.has_users()


def test_wrong_password_shows_a_message_and_the_right_one_logs_in(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "li")
    type_text(qtbot, dialog.password_edit, "not-the-password")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.message_text == "用户名或密码不正确"
    assert dialog.user is None
    assert dialog.result() != LoginDialog.DialogCode.Accepted

    dialog.password_edit.clear()
    type_text(qtbot, dialog.password_edit, PASSWORD)
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == LoginDialog.DialogCode.Accepted
    assert dialog.user is not None and dialog.user.username == "li"

    again = LoginDialog(service)  # the last user name is remembered
    qtbot.addWidget(again)
    assert again.username_edit.text() == "li"


def test_repeated_failures_disable_login_with_a_countdown(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.username_edit, "li")
    for _ in range(3):
        dialog.password_edit.clear()
        type_text(qtbot, dialog.password_edit, "wrong-one")
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert "请 2 秒后再试" in dialog.message_text
    assert not dialog.login_button.isEnabled()
    assert dialog.login_button.text() == "请等待 2 秒"
    # pressing Enter while waiting tries nothing, even with the right password
    dialog.password_edit.clear()
    type_text(qtbot, dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.user is None
    dialog._countdown.timeout.emit()  # one second passes
    assert dialog.login_button.text() == "请等待 1 秒"
    dialog._countdown.timeout.emit()
    assert dialog.login_button.isEnabled()
    assert dialog.login_button.text() == "登录"


def test_change_own_password_needs_the_old_one(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = ChangePasswordDialog(service, team.clerk)
    qtbot.addWidget(dialog)
    type_text(qtbot, dialog.old_edit, "wrong-old")
    type_text(qtbot, dialog.new_edit, "newpass456")
    type_text(qtbot, dialog.confirm_edit, "newpass456")
    dialog.accept()
    assert dialog.messages.text("old") == "原密码不正确"
    dialog.old_edit.setText(PASSWORD)
    dialog.accept()
    assert dialog.result() == ChangePasswordDialog.DialogCode.Accepted
    assert service.authenticate("li", "newpass456").username == "li"


def test_setup_dialog_shows_a_refused_supervision_phone_at_its_field(
    qtbot: QtBot,
    service: LedgerService,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from ledger.service import InvalidReception

    problem = "监督电话应为电话号码，例如 0000-12345678"

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise InvalidReception({"supervision_phone": problem})

    monkeypatch.setattr(service, "setup", refuse)  # as the service will refuse such a telephone
    dialog = SetupDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    type_text(qtbot, dialog.bureau_edit, "XX县教育局")
    type_text(qtbot, dialog.phone_edit, "abc")
    type_text(qtbot, dialog.username_edit, "admin")
    type_text(qtbot, dialog.password_edit, "secret123")
    type_text(qtbot, dialog.confirm_edit, "secret123")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text("supervision_phone") == problem
    assert dialog.messages.labels["supervision_phone"].isVisible()
    assert not dialog.general.isVisible()  # not repeated below the form
    assert dialog.result() != SetupDialog.DialogCode.Accepted
    assert dialog.phone_edit.text() == "abc"
