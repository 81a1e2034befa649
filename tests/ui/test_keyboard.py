"""Keyboard first: the form starts in its first field, dates are typed as written, Tab follows
the screen through the 情况说明 boxes, shortcuts submit and move between tabs and the queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Meal, Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.main_window import MainWindow
from ui.reception import ReceptionDialog, UnsavedPrompt


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))


def open_form(qtbot: QtBot, service: LedgerService, team: Team, rid: int | None = None) -> ReceptionDialog:
    form = ReceptionDialog(service, team.clerk, rid)
    qtbot.addWidget(form)
    with qtbot.waitActive(form):
        form.show()
        form.activateWindow()
    return form


def test_a_new_form_starts_in_the_reception_date_and_takes_a_date_typed_as_shown(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team)
    date_edit = form.basic.reception_date
    qtbot.waitUntil(date_edit.hasFocus, timeout=2000)
    # the clerk types at once: the whole date is selected on opening, not only its year
    assert date_edit.lineEdit().selectedText() == date_edit.lineEdit().text()
    qtbot.keyClicks(date_edit, "2026-11-24")
    qtbot.keyClick(date_edit, Qt.Key.Key_Tab)
    assert date_edit.date() == QDate(2026, 11, 24)  # not 2026-11-11
    assert date_edit.text() == "2026-11-24"
    assert QApplication.focusWidget() is not date_edit  # Tab went on to the next field


def test_a_wrong_reception_date_is_refused_at_the_field(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team)
    date_edit = form.basic.reception_date
    qtbot.waitUntil(date_edit.hasFocus, timeout=2000)
    before = date_edit.date()
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit, "2026-02-30")
    qtbot.keyClick(date_edit, Qt.Key.Key_Tab)
    assert date_edit.date() == before
    message = form.fields.error["reception_date"]
    assert message.isVisibleTo(form) and "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in message.text()


def test_a_wrong_reception_date_stays_refused_after_enter(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team)
    date_edit = form.basic.reception_date
    qtbot.waitUntil(date_edit.hasFocus, timeout=2000)
    before = date_edit.date()
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit, "2026-02-30")
    qtbot.keyClick(date_edit, Qt.Key.Key_Return)  # Qt re-announces the unchanged date on Enter
    assert date_edit.date() == before
    message = form.fields.error["reception_date"]
    assert message.isVisibleTo(form) and "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in message.text()


def test_a_refused_reception_date_outlives_the_live_check_and_stops_a_save(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """The live check rewrites every field's message from what it finds: it used to wipe the
    date's refusal a moment after Enter, and a save then stored the old date without a word."""
    form = open_form(qtbot, service, team)
    date_edit = form.basic.reception_date
    qtbot.waitUntil(date_edit.hasFocus, timeout=2000)
    date_edit.setFocus()
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit, "2026-02-30")
    qtbot.keyClick(date_edit, Qt.Key.Key_Return)
    form.refresh_check()  # what the check's timer does after any typing
    qtbot.wait(300)
    message = form.fields.error["reception_date"]
    assert message.isVisibleTo(form) and "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in message.text()
    form.save_button.click()
    assert "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in form.message_label.text()
    assert service.count_and_total(LedgerQuery())[0] == 0
    date_edit.setFocus()
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit, "2026-02-28")
    qtbot.keyClick(date_edit, Qt.Key.Key_Tab)
    form.refresh_check()
    assert not message.isVisibleTo(form)


def test_tab_goes_through_the_explanations_in_the_order_they_stand(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    on = date(2025, 3, 5)
    reception = sample_reception(
        on,
        guests=10,
        companions=4,
        meals=(Meal(on, "lunch", "局机关食堂", "机关食堂", 14, Decimal("500.00"), Decimal("120.00")),),
        gift_amount=Decimal("80.00"),
        gift_description="纪念册",
        explanations={"tobacco_alcohol": "已由个人承担"},  # its box is made first, on loading
    )
    form = open_form(qtbot, service, team, service.save(team.clerk, reception).id)
    form.refresh_check()
    boxes = [form.check.rule_box(r) for r in ("companions_over_cap", "gift", "tobacco_alcohol")]
    assert all(b.isVisibleTo(form) for b in boxes)
    boxes[0].explanation.setFocus()
    qtbot.waitUntil(boxes[0].explanation.hasFocus, timeout=2000)
    qtbot.keyClick(boxes[0].explanation, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is boxes[1].explanation
    qtbot.keyClick(boxes[1].explanation, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is boxes[2].explanation


def test_ctrl_enter_submits_the_form(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team, service.save(team.clerk, sample_reception()).id)
    qtbot.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert service.get(form.reception_id).status == Status.SUBMITTED
    assert "已提交审核" in form.message_label.text()


def test_shortcuts_move_between_the_tabs_and_through_the_queue(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    for unit in ("市教育局", "市审计局", "省教育厅"):
        service.submit(team.clerk, sample_reception(unit=unit))
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    assert window.show_dashboard_action.shortcut().toString() == "Ctrl+3"
    window.show_dashboard_action.trigger()
    assert window.tabs.currentWidget() is window.dashboard_view
    assert window.next_in_queue_action.shortcut().toString() == "F8"
    window.next_in_queue_action.trigger()
    queue = window.approval_view
    assert window.tabs.currentWidget() is queue
    first = queue.selected_reception_id()
    assert first is not None
    window.next_in_queue_action.trigger()
    second = queue.selected_reception_id()
    assert second is not None and second != first


def test_the_calendar_and_the_file_dialog_speak_chinese(qtbot: QtBot, qapp: QApplication) -> None:
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QCalendarWidget, QFileDialog, QLabel, QToolButton

    from ui.app import install_qt_translations

    translators = install_qt_translations(qapp)
    try:
        calendar = QCalendarWidget()
        qtbot.addWidget(calendar)
        calendar.setCurrentPage(2026, 11)
        assert "十一月" in [b.text() for b in calendar.findChildren(QToolButton)]
        assert calendar.locale().dayName(1, QLocale.FormatType.ShortFormat) == "周一"
        dialog = QFileDialog(None, "另存为")
        qtbot.addWidget(dialog)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        labels = {label.text() for label in dialog.findChildren(QLabel) if label.text()}
        assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
        assert not any("Look in" in t or "Files of" in t for t in labels)
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        QLocale.setDefault(QLocale.c())


def test_after_adding_a_meal_the_keyboard_is_in_the_new_meal(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team)
    form.tabs.setCurrentIndex(2)
    qtbot.mouseClick(form.costs.add_meal_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(form.costs.meals_view.hasFocus, timeout=2000)
    assert form.costs.meals_view.currentIndex().row() == form.costs.meals_model.rowCount() - 1


def test_after_a_form_closes_the_keyboard_is_back_in_the_ledger(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    service.save(team.clerk, sample_reception())
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    form = window.open_reception(None)
    assert form is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form, timeout=2000)
    form.close()
    qtbot.waitUntil(window.ledger_view.table.hasFocus, timeout=2000)
