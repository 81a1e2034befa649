"""Dates are typed as people write them, or refused at the field — never silently changed."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from ui.dates import DateEdit, parse_date_text


def focus(qtbot: QtBot, edit: DateEdit) -> None:
    """Give the field the keyboard as a click would (the window active, the field focused)."""
    edit.show()
    edit.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)


@pytest.mark.parametrize("text", ["2026-11-24", "2026/11/24", "20261124", "11-24", "2026.11.24"])
def test_every_accepted_way_of_writing_a_date_gives_that_date(qtbot: QtBot, text: str) -> None:
    edit = DateEdit(QDate(2026, 11, 29))
    qtbot.addWidget(edit)
    focus(qtbot, edit)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    edit.clearFocus()
    assert edit.date() == QDate(2026, 11, 24)
    assert edit.text() == "2026-11-24"
    assert edit.refusal() == ""


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "11-31", "202611"])
def test_a_date_that_does_not_exist_is_refused_with_a_message_and_the_date_kept(qtbot: QtBot, text: str) -> None:
    edit = DateEdit(QDate(2026, 11, 29))
    qtbot.addWidget(edit)
    said: list[str] = []
    edit.message.connect(said.append)
    focus(qtbot, edit)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, text)
    edit.clearFocus()
    assert edit.date() == QDate(2026, 11, 29)
    # a date written whole that does not exist says why, as an import says it
    expected = {"2026-02-30": "日期“2026-02-30”不存在：2026 年 2 月只有 28 天"}.get(text, f"“{text}”不是有效日期")
    assert said and expected in said[-1] and "日期仍为 2026-11-29" in said[-1]
    # typing a right one clears the message
    focus(qtbot, edit)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, "2026-11-24")
    assert said[-1] == ""
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.date() == QDate(2026, 11, 24)


def test_letters_cannot_be_typed_into_a_date(qtbot: QtBot) -> None:
    edit = DateEdit(QDate(2026, 11, 29))
    qtbot.addWidget(edit)
    focus(qtbot, edit)
    edit.lineEdit().selectAll()
    qtbot.keyClicks(edit, "abc")
    assert "a" not in edit.lineEdit().text()


def test_a_read_only_date_has_no_arrows_and_no_calendar(qtbot: QtBot) -> None:
    edit = DateEdit(QDate(2026, 11, 29))
    qtbot.addWidget(edit)
    edit.setReadOnly(True)
    assert edit.buttonSymbols() == DateEdit.ButtonSymbols.NoButtons
    assert not edit.calendarPopup()
    edit.setReadOnly(False)
    assert edit.calendarPopup()


def test_parse_short_dates_take_the_given_year() -> None:
    assert parse_date_text("3-5", 2025) == QDate(2025, 3, 5)
    assert parse_date_text("2-29", 2025) is None
    assert parse_date_text("", 2025) is None
    assert parse_date_text("2026年11月24日", 2025) == QDate(2026, 11, 24)


def in_a_form(qtbot: QtBot, day: QDate = QDate(2026, 11, 30)) -> tuple[DateEdit, Any, Any]:
    """A date field below a line edit that has the keyboard, in a window of its own."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    form = QWidget()
    qtbot.addWidget(form)
    before = QLineEdit(form)
    edit = DateEdit(day, form)
    layout = QVBoxLayout(form)
    layout.addWidget(before)
    layout.addWidget(edit)
    form.show()
    form.activateWindow()
    before.setFocus()
    qtbot.waitUntil(before.hasFocus, timeout=2000)
    return edit, before, form  # the caller holds the form: its fields live as long


def tabbed_in(qtbot: QtBot, day: QDate = QDate(2026, 11, 30)) -> tuple[DateEdit, Any]:
    """The date field reached with Tab, as a clerk reaches it; the form is returned to be held."""
    edit, before, form = in_a_form(qtbot, day)
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    return edit, form


@pytest.mark.parametrize("text", ["2026-11-27", "2026/11/27", "20261127", "11-27"])
def test_tab_into_the_field_and_type_a_date_as_written(qtbot: QtBot, text: str) -> None:
    """As a clerk does: Tab into the date (the whole date is then selected) and type it; no
    code selects the text for the user."""
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert (edit.date(), edit.refusal()) == (QDate(2026, 11, 27), "")
    assert edit.text() == "2026-11-27"


def test_select_all_then_type_and_backspace_edit_the_text_as_a_line_does(qtbot: QtBot) -> None:
    """Ctrl+A and typing replaces the whole date; Backspace takes the last character, nothing
    jumps from section to section."""
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClick(edit, Qt.Key.Key_End)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "2026-11-288")
    assert edit.lineEdit().text() == "2026-11-288"
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert edit.lineEdit().text() == "2026-11-28"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.date() == QDate(2026, 11, 28)


def test_click_at_the_end_and_correct_the_day(qtbot: QtBot) -> None:
    """A click puts the cursor where it lands: two Backspaces and the new day."""
    edit, _before, _form = in_a_form(qtbot)
    line = edit.lineEdit()
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=line.rect().center())
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    qtbot.keyClick(edit, Qt.Key.Key_End)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, "03")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.date() == QDate(2026, 11, 3)


@pytest.mark.parametrize(("place", "expected"), [(2, QDate(2027, 11, 30)), (6, QDate(2026, 12, 30)), (9, QDate(2026, 12, 1))])
def test_up_steps_the_part_the_cursor_is_in(qtbot: QtBot, place: int, expected: QDate) -> None:
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClick(edit, Qt.Key.Key_Home)
    for _ in range(place):
        qtbot.keyClick(edit, Qt.Key.Key_Right)
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.date() == expected


def test_up_after_typing_takes_the_typed_date_first_and_never_drops_it(qtbot: QtBot) -> None:
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClicks(edit, "2026-02-10")
    qtbot.keyClick(edit, Qt.Key.Key_Up)  # the cursor is in the day
    assert edit.date() == QDate(2026, 2, 11)
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "2026-02-30")
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.date() == QDate(2026, 2, 11) and "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in edit.refusal()


@pytest.mark.parametrize(
    ("typed", "key", "expected"),
    [
        ("11-3", Qt.Key.Key_Down, QDate(2026, 11, 2)),
        ("20261127", Qt.Key.Key_Up, QDate(2026, 11, 28)),
        ("2026/11/03", Qt.Key.Key_Down, QDate(2026, 11, 2)),
    ],
)
def test_an_arrow_after_a_date_typed_in_any_form_steps_the_day(
    qtbot: QtBot, typed: str, key: Qt.Key, expected: QDate
) -> None:
    """The typed text is taken as a date first; the date edit then puts the cursor on the day
    (it had put it on the year, and ↓ after typing 11-3 gave 2025-11-03)."""
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClicks(edit, typed)
    qtbot.keyClick(edit, key)
    assert edit.date() == expected


def test_enter_then_an_arrow_steps_the_day_and_typing_replaces_the_whole_date(qtbot: QtBot) -> None:
    edit, _form = tabbed_in(qtbot)
    qtbot.keyClicks(edit, "2026-11-27")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.date() == QDate(2026, 11, 28)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "2026-12-01")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.date() == QDate(2026, 12, 1)
