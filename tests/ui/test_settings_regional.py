"""Settings, issue 9: the regional parameters of a new policy version and the local holidays."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import type_text
from ui.settings_dialog import SettingsDialog


def make(qtbot: QtBot, service: LedgerService, team: Team) -> SettingsDialog:
    dialog = SettingsDialog(service, team.admin)
    qtbot.addWidget(dialog)
    return dialog


def test_a_new_version_carries_the_regional_parameters(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    form = tab.regional
    # today's version fills the form: 本地 caps as the caps every guest had, nothing else on
    assert form.local_cap_edits["lunch"].text() == "50.00"
    assert not form.lodging_box.isChecked() and not form.pre_approval_box.isChecked()
    assert form.guest_names_box.isChecked()
    tab.set_effective_date(date(2030, 1, 1))
    tab.form_tabs.setCurrentWidget(form)
    for kind, value in (("breakfast", "40"), ("lunch", "70"), ("dinner", "70")):
        form.local_cap_edits[kind].clear()
        type_text(qtbot, form.local_cap_edits[kind], value)
    type_text(qtbot, form.local_units_edit, "嘉鱼县、咸宁市")
    form.lodging_box.setChecked(True)
    form.lodging_cap_edit.setText("300")
    form.foreign_cap_edits["dinner"].setText("200.00")
    form.banquets_spin.setValue(2)
    form.document_boxes["invoice"].setChecked(True)
    form.document_boxes["list"].setChecked(True)
    form.pre_approval_box.setChecked(True)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "已新增 2030-01-01 起执行的版本" in tab.status.text()

    old, new = service.policies()
    assert new.local_meal_cap("lunch") == Decimal("70.00") and new.meal_cap("lunch") == Decimal("50.00")
    assert new.local_units == ("嘉鱼县", "咸宁市")
    assert new.lodging.check and new.lodging.cap_per_person_night == Decimal("300.00")
    assert new.foreign.meal_cap("dinner") == Decimal("200.00") and new.foreign.max_banquets == 2
    assert new.documents.required == ("invoice", "list") and new.check_pre_approval
    assert not old.lodging.check and old.documents.required == ()  # the old version as it was
    row = [tab.table.item(0, c).text() for c in range(tab.table.columnCount())]
    assert (
        row[6]
        == "本地 40/70/70；住宿 300.00/人·晚；外宾 50/50/200，宴请 2 次；单据：发票、接待清单；事前审批；名单须完整"
    )


def test_a_bad_regional_field_is_shown_and_nothing_saved(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.policy_tab
    tab.set_effective_date(date(2030, 1, 1))
    tab.form_tabs.setCurrentIndex(0)
    tab.regional.foreign_cap_edits["lunch"].setText("二百")
    tab.regional.lodging_box.setChecked(True)
    tab.regional.lodging_cap_edit.clear()
    assert tab.save() is False
    assert (
        tab.regional.message.text() == "外宾午餐：不是金额：二百；住宿标准：检查住宿费时请填写每人每晚的标准"
    )
    assert tab.form_tabs.currentWidget() is tab.regional  # the problem is put in front of the user
    assert len(service.policies()) == 1


def test_local_holidays_are_edited_on_the_bureau_tab(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    dialog = make(qtbot, service, team)
    tab = dialog.bureau_tab
    type_text(qtbot, tab.holidays_edit, "2025-03-10、2025-3-11")
    assert tab.save() is False
    assert tab.messages.text("local_holidays") == "“2025-3-11”不是日期：请写成 YYYY-MM-DD，多个日期用顿号分隔"
    assert service.bureau().local_holidays == ()
    tab.holidays_edit.setText("2025-03-11、2025-03-10")
    assert tab.save() is True
    assert service.bureau().local_holidays == (date(2025, 3, 10), date(2025, 3, 11))
    assert not service.work_calendar().is_working_day(date(2025, 3, 11))
    assert service.verify().ok
