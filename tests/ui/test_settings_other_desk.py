"""设置 while another desk changes the same settings: each tab writes only what its user changed
since the tab was read; another desk's change to anything else stays, and a change of the same
field to another value is said at that field instead of being overwritten."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.db import Database
from ledger.records import Bureau, Role
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import type_text
from ui.backup_dialog import CryptoDialog
from ui.hub import ChangeHub
from ui.settings_dialog import SettingsDialog


def other_desk(db_url: str) -> LedgerService:
    return LedgerService(Database(db_url))


def change_bureau_elsewhere(db_url: str, team: Team, **changes: object) -> None:
    desk = other_desk(db_url)
    try:
        desk.change_bureau(team.admin, **changes)
    finally:
        desk.db.dispose()


# ---------------------------------------------------------------------------- 单位信息
def test_saving_the_bureau_tab_silently_undoes_another_desks_change_of_the_supervision_phone(
    qtbot,
    db_url: str,
    service: LedgerService,
    team: Team,  # type: ignore[no-untyped-def]
) -> None:
    """The 监督电话 is printed on every notice. An administrator has 设置 → 单位信息 open; the
    other administrator corrects the telephone on his desk (``bureau set --phone``, which keeps
    what it is not given). The first one adds a local holiday and presses 保存单位信息: "已保存",
    and the telephone is back to the old number — the other desk's change overwritten without a
    word (the command line was mended for exactly this; the window writes every field it showed)."""
    from ui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.bureau_tab
    other_desk = LedgerService(Database(db_url))
    try:
        other_desk.change_bureau(team.admin, supervision_phone="0710-7654321")
    finally:
        other_desk.db.dispose()
    tab.holidays_edit.setText("2025-03-10")
    saved = tab.save()
    if not saved:
        return  # refused with a message (the other desk's change named): fine
    assert tab.status.text() == "已保存"
    assert service.bureau().supervision_phone == "0710-7654321"


def test_both_changes_are_kept_and_the_tab_shows_the_other_desks_phone_after_saving(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.bureau_tab
    change_bureau_elsewhere(db_url, team, supervision_phone="0710-7654321")
    tab.posting_spin.setValue(7)
    type_text(qtbot, tab.holidays_edit, "2025-03-10")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)

    assert tab.status.text() == "已保存"
    stored = service.bureau()
    assert stored.supervision_phone == "0710-7654321"  # the other desk's
    assert (stored.posting_days, stored.local_holidays) == (7, (date(2025, 3, 10),))  # this desk's
    assert stored.name == "XX县教育局"
    assert tab.phone_edit.text() == "0710-7654321"  # what is stored is what the tab shows


def test_the_same_detail_changed_on_both_desks_is_said_at_the_field_and_saved_only_when_meant(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    dialog.show()
    tab = dialog.bureau_tab
    change_bureau_elsewhere(db_url, team, supervision_phone="0710-7654321", address="XX县人民路1号")
    tab.phone_edit.clear()
    type_text(qtbot, tab.phone_edit, "0710-1111111")
    tab.name_edit.clear()
    type_text(qtbot, tab.name_edit, "XX县教育和体育局")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)

    assert tab.messages.text("supervision_phone") == (
        "另一处已改为“0710-7654321”（您打开时为“0000-12345678”），未保存：请核对，再次保存将以此处填写的为准"
    )
    assert tab.messages.labels["supervision_phone"].isVisible()
    assert tab.status.text() == "未保存：单位信息已在别处被修改，与此处的修改冲突之处已在栏目下标出"
    assert service.bureau() == replace(
        service.bureau(), name="XX县教育局", supervision_phone="0710-7654321"
    )  # nothing written
    assert tab.phone_edit.text() == "0710-1111111"  # what was typed stays
    assert tab.name_edit.text() == "XX县教育和体育局"
    assert tab.address_edit.text() == "XX县人民路1号"  # the other desk's, untouched here

    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)  # the user has read it: meant
    assert tab.status.text() == "已保存"
    assert tab.messages.text("supervision_phone") == ""
    stored = service.bureau()
    assert (stored.name, stored.supervision_phone, stored.address) == (
        "XX县教育和体育局",
        "0710-1111111",
        "XX县人民路1号",
    )


def test_saving_without_a_change_writes_nothing_and_shows_what_is_stored(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.bureau_tab
    change_bureau_elsewhere(db_url, team, supervision_phone="0710-7654321")
    entries = len(service.history())
    assert tab.save() is True
    assert tab.status.text() == "没有修改，无需保存"
    assert service.bureau().supervision_phone == "0710-7654321"
    assert tab.phone_edit.text() == "0710-7654321"
    assert len(service.history()) == entries  # no entry written


def test_another_desks_change_appears_in_the_details_not_being_edited(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    hub = ChangeHub()
    dialog = SettingsDialog(service, team.admin, hub=hub)
    qtbot.addWidget(dialog)
    tab = dialog.bureau_tab
    tab.address_edit.setText("正在输入的地址")
    change_bureau_elsewhere(db_url, team, supervision_phone="0710-7654321", address="XX县人民路1号")
    hub.announce_settings()  # as ui.live does when another desk wrote
    assert tab.phone_edit.text() == "0710-7654321"
    assert tab.address_edit.text() == "正在输入的地址"  # typed here: kept, and still checked on save
    assert tab.save() is False
    assert "另一处已改为“XX县人民路1号”" in tab.messages.text("address")


# ---------------------------------------------------------------------------- 年度目标
def test_a_target_another_desk_set_meanwhile_is_said_at_the_field_and_unchanged_saves_write_nothing(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.targets_tab
    tab.year_spin.setValue(2027)
    assert tab.reduction_edit.text() == "20"
    desk = other_desk(db_url)
    desk.set_reduction(team.admin, 2027, Decimal("0.15"))
    desk.db.dispose()

    assert tab.save() is True  # nothing typed: the other desk's 15 % stays
    assert tab.status.text() == "没有修改；2027 年的压减比例为 15%"
    assert tab.reduction_edit.text() == "15"
    assert service.reduction_for(2027) == Decimal("0.15")

    desk = other_desk(db_url)
    desk.set_reduction(team.admin, 2027, Decimal("0.18"))
    desk.db.dispose()
    tab.reduction_edit.clear()
    type_text(qtbot, tab.reduction_edit, "12.5")
    assert tab.save() is False
    assert tab.reduction_message.text() == (
        "另一处已改为“18%”（您打开时为“15%”），未保存：请核对，再次保存将以此处填写的为准"
    )
    assert service.reduction_for(2027) == Decimal("0.18")
    assert tab.reduction_edit.text() == "12.5"
    assert tab.save() is True  # read and meant
    assert tab.status.text() == "已保存 2027 年的压减目标：12.5%"
    assert service.reduction_for(2027) == Decimal("0.125")


# ---------------------------------------------------------------------------- 用户
def test_saving_roles_keeps_a_role_another_desk_gave_meanwhile(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.users_tab
    tab.reload("li")
    assert service.user("li").roles == frozenset({Role.CLERK})
    desk = other_desk(db_url)
    desk.update_user(team.admin, "li", roles={Role.CLERK, Role.APPROVER})
    desk.db.dispose()
    assert not tab.role_boxes[Role.APPROVER].isChecked()  # the tab still shows what it read
    tab.role_boxes[Role.ADMIN].setChecked(True)
    qtbot.mouseClick(tab.save_roles_button, Qt.MouseButton.LeftButton)

    assert service.user("li").roles == frozenset({Role.CLERK, Role.APPROVER, Role.ADMIN})
    assert tab.message.text() == "已保存 李会计 的角色：经办人、分管领导、管理员；下次登录时生效"
    assert tab.role_boxes[Role.APPROVER].isChecked()


# ---------------------------------------------------------------------------- 接待标准
def test_a_new_policy_version_keeps_another_desks_version_but_for_what_was_changed_here(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.policy_tab
    desk = other_desk(db_url)
    first = desk.policies()[-1]
    desk.add_policy(
        team.admin,
        replace(
            first,
            effective_from=date(2029, 1, 1),
            name="2029年标准",
            meal_caps={**first.meal_caps, "lunch": Decimal("60.00")},
            local_units=("嘉鱼县",),
        ),
    )
    desk.db.dispose()
    tab.set_effective_date(date(2030, 1, 1))
    tab.base_cap_spin.setValue(2)  # the only change made here
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)

    assert "已新增 2030-01-01 起执行的版本" in tab.status.text()
    new = service.policies()[-1]
    assert new.effective_from == date(2030, 1, 1)
    assert new.companion_base_cap == 2
    assert new.meal_cap("lunch") == Decimal("60.00") and new.local_units == ("嘉鱼县",)
    assert new.name == "2029年标准"


def test_a_policy_field_both_desks_changed_is_named_and_saved_only_when_meant(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    tab = dialog.policy_tab
    desk = other_desk(db_url)
    first = desk.policies()[-1]
    desk.add_policy(
        team.admin,
        replace(
            first,
            effective_from=date(2029, 1, 1),
            name="2029年标准",
            meal_caps={**first.meal_caps, "lunch": Decimal("60.00")},
            check_gift=False,
        ),
    )
    desk.db.dispose()
    tab.set_effective_date(date(2030, 1, 1))
    tab.meal_cap_edits["lunch"].clear()
    type_text(qtbot, tab.meal_cap_edits["lunch"], "45")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.policy_message.text() == (
        "另一处已新增 2029-01-01 起执行的版本“2029年标准”，其中 餐费标准 也改了，与此处填写的不同。"
        "未保存：表格中已列出该版本，请核对；再次保存将以此处填写的为准"
    )
    assert [p.effective_from for p in service.policies()] == [first.effective_from, date(2029, 1, 1)]
    assert tab.table.item(0, 0).text() == "2029-01-01"  # the other desk's version is listed
    assert tab.meal_cap_edits["lunch"].text() == "45.00"  # what was typed stays
    assert not tab.gift_box.isChecked()  # the other desk's change, now the form's start

    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "已新增 2030-01-01 起执行的版本" in tab.status.text()
    new = service.policies()[-1]
    assert new.meal_cap("lunch") == Decimal("45.00") and not new.check_gift


# ---------------------------------------------------------------------------- 签名与校验算法
def test_ok_without_a_change_keeps_the_algorithm_another_desk_chose(
    qtbot: QtBot, db_url: str, service: LedgerService, team: Team
) -> None:
    dialog = CryptoDialog(service, team.admin, None)
    qtbot.addWidget(dialog)
    assert dialog.default.isChecked()
    desk = other_desk(db_url)
    desk.set_crypto(team.admin, "gm")
    desk.db.dispose()
    dialog.save()
    assert dialog.result() == CryptoDialog.DialogCode.Accepted
    assert service.crypto() == "gm"


def test_the_ledger_writes_only_the_details_given_and_refuses_a_clash(
    service: LedgerService, team: Team
) -> None:
    read = service.bureau()
    service.change_bureau(team.admin, supervision_phone="0710-7654321")
    kept = service.change_bureau(team.admin, since=read, posting_days=9)
    assert (kept.supervision_phone, kept.posting_days) == ("0710-7654321", 9)
    from ledger.errors import ChangedElsewhere

    with pytest.raises(ChangedElsewhere) as refused:
        service.change_bureau(team.admin, since=read, supervision_phone="0710-1111111")
    assert set(refused.value.problems) == {"supervision_phone"}
    assert isinstance(refused.value.current, Bureau)
    assert service.bureau().supervision_phone == "0710-7654321"
