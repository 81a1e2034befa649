"""Settings: bureau details, users, policy versions and yearly targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.records import Role
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import type_text
from ui.settings_dialog import SettingsDialog
from ui.settings_users import ResetPasswordDialog, UserDialog


def make(qtbot: QtBot, service: LedgerService, team: Team) -> SettingsDialog:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    return dialog


def policy_rows(dialog: SettingsDialog) -> list[list[str]]:
    table = dialog.policy_tab.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_policy_version_with_an_earlier_date_is_refused_at_the_field(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    assert [row[0] for row in policy_rows(dialog)] == ["2013-12-08"]
    tab.set_effective_date(date(2010, 1, 1))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.effective_message.text() == "新版本的生效日期必须晚于现行版本（2013-12-08），历史版本不可改写"
    assert tab.effective_message.isVisibleTo(tab)
    assert len(service.policies()) == 1


def test_a_later_policy_version_appears_and_the_old_one_is_unchanged(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    before = policy_rows(dialog)[0]
    tab.set_effective_date(date(2030, 1, 1))
    tab.name_edit.clear()
    type_text(qtbot, tab.name_edit, "2030年标准")
    tab.meal_cap_edits["lunch"].clear()
    type_text(qtbot, tab.meal_cap_edits["lunch"], "60")
    tab.base_cap_spin.setValue(2)
    tab.gift_box.setChecked(False)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.effective_message.text() == ""
    assert "已新增 2030-01-01 起执行的版本" in tab.status.text()

    rows = policy_rows(dialog)
    assert [r[0] for r in rows] == ["2030-01-01", "2013-12-08"]
    assert rows[0][1] == "2030年标准"
    assert rows[0][2] == "10 人及以下 2 人，以上按 1/3"
    assert rows[0][3] == "50.00 / 60.00 / 50.00"
    assert "礼品" not in rows[0][5]
    assert rows[1] == before  # the old version, as it was
    old, new = service.policies()
    assert old.meal_cap("lunch") == Decimal("50.00") and old.companion_base_cap == 3 and old.check_gift
    assert new.meal_cap("lunch") == Decimal("60.00") and new.companion_base_cap == 2 and not new.check_gift


def test_a_bad_meal_cap_is_shown_and_nothing_saved(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    tab.set_effective_date(date(2030, 1, 1))
    tab.meal_cap_edits["dinner"].setText("五十")
    assert tab.save() is False
    assert tab.caps_message.text() == "晚餐：不是金额：五十"
    assert len(service.policies()) == 1


def test_bureau_details_are_saved_and_checked(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.bureau_tab
    assert tab.name_edit.text() == "XX县教育局"
    tab.name_edit.clear()
    assert tab.save() is False
    assert tab.messages.text("name") == "请填写单位名称"
    type_text(qtbot, tab.name_edit, "YY县教育局")
    tab.phone_edit.setText("0000-7654321")
    tab.posting_spin.setValue(7)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    bureau = service.bureau()
    assert (bureau.name, bureau.supervision_phone, bureau.posting_days) == ("YY县教育局", "0000-7654321", 7)
    assert tab.status.text() == "已保存"


def test_users_add_disable_roles_and_reset_password(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.users_tab
    assert [tab.table.item(r, 0).text() for r in range(tab.table.rowCount())] == [
        "admin",
        "li",
        "zhang",
        "wang",
    ]

    add = UserDialog(service, team.admin)
    qtbot.addWidget(add)
    assert not any(box.isChecked() for box in add.role_boxes.values())  # each role is chosen
    type_text(qtbot, add.username_edit, "zhao")
    type_text(qtbot, add.display_edit, "赵会计")
    add.password_edit.setText("zhao12345")
    add.confirm_edit.setText("zhao12345")
    add.accept()
    assert add.messages.text("roles") == "请至少选择一个角色"
    add.role_boxes[Role.CLERK].setChecked(True)
    add.role_boxes[Role.APPROVER].setChecked(True)
    add.password_edit.clear()
    add.confirm_edit.clear()
    type_text(qtbot, add.password_edit, "short")
    type_text(qtbot, add.confirm_edit, "short")
    add.accept()
    assert add.messages.text("password") == "密码至少需要 6 个字符"
    add.password_edit.setText("zhao12345")
    add.confirm_edit.setText("zhao12345")
    add.accept()
    assert add.result() == UserDialog.DialogCode.Accepted
    assert service.user("zhao").roles == frozenset({Role.CLERK, Role.APPROVER})

    tab.reload("li")
    assert tab.selected_user().username == "li"  # type: ignore[union-attr]
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    assert not service.user("li").active
    assert tab.table.item(1, 3).text() == "已停用"
    assert tab.toggle_button.text() == "启用"
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    assert service.user("li").active

    tab.role_boxes[Role.APPROVER].setChecked(True)
    qtbot.mouseClick(tab.save_roles_button, Qt.MouseButton.LeftButton)
    assert service.user("li").roles == frozenset({Role.CLERK, Role.APPROVER})

    tab.reload("admin")
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)  # the only administrator
    assert tab.message.text() == "至少需要保留一位启用的管理员"
    assert service.user("admin").active

    reset = ResetPasswordDialog(service, team.admin, service.user("li"))
    qtbot.addWidget(reset)
    type_text(qtbot, reset.password_edit, "fresh-pass")
    type_text(qtbot, reset.confirm_edit, "fresh-pass")
    reset.accept()
    assert reset.result() == ResetPasswordDialog.DialogCode.Accepted
    assert service.authenticate("li", "fresh-pass").username == "li"


def test_yearly_reduction_target(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.targets_tab
    year = date.today().year
    tab.year_spin.setValue(year)
    assert tab.reduction_edit.text() == "20"
    tab.reduction_edit.setText("120")
    assert tab.save() is False
    assert tab.reduction_message.text() == "压减比例应在 0% 至 100% 之间（不含 100%）"
    tab.reduction_edit.clear()
    type_text(qtbot, tab.reduction_edit, "12.5")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert service.reduction_for(year) == Decimal("0.125")
    assert tab.status.text() == f"已保存 {year} 年的压减目标：12.5%"
    years = {tab.table.item(r, 0).text(): tab.table.item(r, 1).text() for r in range(tab.table.rowCount())}
    assert years[str(year)] == "12.5%"
    assert years[str(year + 1)] == "20%"


PHONE_PROBLEM = "监督电话应为电话号码，例如 0000-12345678"


def refuse_phone(*_args: object, **_kwargs: object) -> None:
    """As the service will: a supervision telephone that is not a phone number is refused."""
    from ledger.service import InvalidReception

    raise InvalidReception({"supervision_phone": PHONE_PROBLEM})


def test_a_refused_target_clears_the_earlier_success_message(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = make(qtbot, service, team)
    dialog.show()
    tab = dialog.targets_tab
    dialog.tabs.setCurrentWidget(tab)
    tab.year_spin.setValue(2027)
    tab.reduction_edit.clear()
    type_text(qtbot, tab.reduction_edit, "12.5")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "已保存 2027 年的压减目标：12.5%"

    tab.reduction_edit.clear()
    type_text(qtbot, tab.reduction_edit, "120")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.reduction_message.isVisible()
    assert tab.reduction_message.text() == "压减比例应在 0% 至 100% 之间（不含 100%）"
    assert tab.status.text() == ""
    assert service.reduction_for(2027) == Decimal("0.125")


def test_a_refused_bureau_save_shows_the_phone_problem_at_its_field_and_no_old_success(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    dialog = make(qtbot, service, team)
    dialog.show()
    tab = dialog.bureau_tab
    type_text(qtbot, tab.address_edit, "XX县人民路1号")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.status.text() == "已保存"

    monkeypatch.setattr(service, "change_bureau", refuse_phone)
    tab.phone_edit.clear()
    type_text(qtbot, tab.phone_edit, "abc")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.messages.text("supervision_phone") == PHONE_PROBLEM
    assert tab.messages.labels["supervision_phone"].isVisible()
    assert not tab.status.isVisible() or tab.status.text() == ""
    assert tab.phone_edit.text() == "abc"  # what was typed stays


def test_settings_fields_keep_their_size_and_the_checks_are_readable(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = make(qtbot, service, team)
    dialog.show()
    for tab in (dialog.targets_tab, dialog.bureau_tab, dialog.policy_tab):
        dialog.tabs.setCurrentWidget(tab)
        qtbot.waitUntil(lambda t=tab: t.isVisible())
    width = dialog.width()
    assert dialog.targets_tab.year_spin.width() < width // 4
    assert dialog.bureau_tab.posting_spin.width() < width // 4
    assert dialog.bureau_tab.save_button.width() < width // 4
    dialog.bureau_tab.status.hide()  # as after a refusal with every problem at its field
    qtbot.wait(1)
    assert dialog.bureau_tab.save_button.width() < width // 4

    table = dialog.policy_tab.table
    checks = table.item(0, 5)
    assert checks.toolTip() == checks.text()
    assert checks.text() == "公函、高档场所（高档酒店、私人会所、高消费餐饮场所）、礼品、烟酒"
    # the whole text shows, wrapped within the column: the row is as tall as the text needs
    assert table.wordWrap()
    one_line = table.fontMetrics().height()
    assert table.fontMetrics().horizontalAdvance(checks.text()) > table.columnWidth(5)  # it must wrap
    assert table.rowHeight(0) >= 2 * one_line


def test_a_new_version_under_the_old_name_is_asked_about_and_not_saved_on_no(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *a: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    tab.set_effective_date(date(2030, 1, 1))
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "名称与 2013-12-08 起执行的版本相同" in asked[0]
    assert len(service.policies()) == 1
    assert "已新增" not in tab.status.text()


def test_a_policy_date_typed_as_shown_is_taken_and_a_wrong_one_refused_at_the_field(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    dialog.tabs.setCurrentWidget(tab)
    dialog.show()
    dialog.activateWindow()
    edit = tab.effective_edit
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, "2030-11-24")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert edit.text() == "2030-11-24"
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, "2030-02-30")
    edit.clearFocus()
    assert edit.text() == "2030-11-24"
    assert "日期“2030-02-30”不存在：2030 年 2 月只有 28 天" in tab.effective_message.text()
    assert tab.effective_message.isVisibleTo(tab)
    assert tab.save() is False
    assert len(service.policies()) == 1
