"""The one date field of the window: typed as people write dates, or refused at the field.

A plain ``QDateEdit`` edits section by section: typing ``2026-11-24`` over ``2026-11-29``
jumped sections on each ``-`` and landed on 2026-11-11 without a word. ``DateEdit`` reads
the whole text instead: ``2026-11-24``, ``2026/11/24``, ``2026.11.24``, ``20261124`` and
``11-24`` (the year the field shows) are taken; anything else is refused at the field —
``message`` carries the reason (and an empty text once the date is right again); the
date stays what it was. A read-only field has no arrows and no calendar, so it does not
look editable.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QDate, QDateTime, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDateEdit, QWidget

from ledger.i18n import tr

DISPLAY_FORMAT = "yyyy-MM-dd"
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TYPING = re.compile(r"[\d\s\-/.年月日]{0,16}")
ACCEPTED = "2026-11-24、2026/11/24、20261124 或 11-24"


def parse_date_text(text: str, year: int) -> QDate | None:
    """The date ``text`` names (``year`` when it gives only month and day), or None."""
    text = text.strip()
    for pattern in (_FULL, _COMPACT):
        m = pattern.fullmatch(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            break
    else:
        m = _SHORT.fullmatch(text)
        if not m:
            return None
        y = year
        mo, d = (int(g) for g in m.groups())
    day = QDate(y, mo, d)
    return day if day.isValid() else None


# the keys the date edit keeps: a step up or down, the calendar, Enter, leaving the field
_DATE_KEYS = frozenset(
    {
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
        Qt.Key.Key_F4,
        Qt.Key.Key_Return,
        Qt.Key.Key_Enter,
        Qt.Key.Key_Tab,
        Qt.Key.Key_Backtab,
        Qt.Key.Key_Escape,
    }
)


class DateEdit(QDateEdit):
    """A date typed whole (see the module's text); ``message(text)`` says why one was refused."""

    message = Signal(str)

    def __init__(self, day: QDate | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        self.setCalendarPopup(True)
        if day is not None:
            self.setDate(day)
        self._refused = ""
        self._refused_text = ""
        # the date edit's own answer to a moved cursor snaps it to a section and, when the
        # section changes, reads the unfinished text and puts the old date back: the text is a
        # line here, read whole when the user leaves it or presses Enter
        # (first the day made the current part: the date edit puts the cursor there whenever it
        # writes a date, so ↑/↓ after a date typed or picked step the day, not the year)
        self.setCurrentSection(QDateEdit.Section.DaySection)
        self.lineEdit().cursorPositionChanged.disconnect()
        self.lineEdit().cursorPositionChanged.connect(lambda *_: self.updateMicroFocus())  # input methods
        self.editingFinished.connect(self._finished)
        self.lineEdit().textEdited.connect(self._typed)
        self._refused_date = QDate()
        # Enter makes Qt emit dateChanged with the same date: only a new date ends a refusal
        self.dateChanged.connect(lambda d: None if d == self._refused_date else self._say(""))

    def refusal(self) -> str:
        """The message shown for the last refused text ("" when the date is right)."""
        return self._refused

    def refused_text(self) -> str:
        """The text the last refusal was about ("" when the date is right)."""
        return self._refused_text if self._refused else ""

    # QAbstractSpinBox hooks: the whole text is read, never a section at a time
    def validate(self, text: str, pos: int) -> object:
        # nothing is taken while typing (``2026-02-3`` is on its way to ``2026-02-30``, not
        # 3 February): the text is judged whole when the user leaves the field or presses Enter
        stripped = text.strip()
        if stripped == self.date().toString(DISPLAY_FORMAT):
            return QValidator.State.Acceptable, text, pos
        if _TYPING.fullmatch(stripped):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def dateTimeFromText(self, text: str) -> QDateTime:
        day = self._parse(text.strip())
        if day is None:
            return self.dateTime()
        return QDateTime(day, self.time())

    def fixup(self, text: str) -> str:  # never guess: a text that is no date is refused
        return text

    def setReadOnly(self, read_only: bool) -> None:
        super().setReadOnly(read_only)
        self.setButtonSymbols(
            QAbstractSpinBox.ButtonSymbols.NoButtons if read_only else QAbstractSpinBox.ButtonSymbols.UpDownArrows
        )
        self.setCalendarPopup(not read_only)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._judge()
        if event.key() in _DATE_KEYS or event.modifiers() & Qt.KeyboardModifier.AltModifier:
            super().keyPressEvent(event)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.hasFocus():
                self.lineEdit().selectAll()  # a date typed next replaces the whole one
        else:
            # typing, Backspace, Delete, the arrows, Ctrl+A edit the text as a line does: the
            # date edit's own handling jumps from section to section and selects the next one
            # after each key ("2026-11-27" typed over the date became "2026-11-11-27")
            QAbstractSpinBox.keyPressEvent(self, event)

    def stepBy(self, steps: int) -> None:
        # ↑/↓ and the wheel step the part the cursor is in; a date typed and not yet taken is
        # judged first (refused: nothing steps, the message says why)
        if self.lineEdit().text().strip() != self.date().toString(DISPLAY_FORMAT):
            self._judge()
            if self._refused:
                return
        at = self.lineEdit().cursorPosition()
        day = self.date()
        if at <= 4:  # yyyy-MM-dd
            day = day.addYears(steps)
        elif at <= 7:
            day = day.addMonths(steps)
        else:
            day = day.addDays(steps)
        if self.minimumDate() <= day <= self.maximumDate():
            self.setDate(day)
            self.lineEdit().setCursorPosition(at)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.isReadOnly():
            return QAbstractSpinBox.StepEnabledFlag.StepNone
        return QAbstractSpinBox.StepEnabledFlag.StepUpEnabled | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab leaves the field (the date edit's own Tab goes from section to section)
        return QAbstractSpinBox.focusNextPrevChild(self, next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.MouseFocusReason:
            # reached by Tab or on opening the form: the whole date selected (not its year), so
            # what is typed replaces it; a click leaves the cursor where it landed
            self.lineEdit().selectAll()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._judge()
        super().focusOutEvent(event)
        self._show_date()

    def _parse(self, text: str) -> QDate | None:
        day = parse_date_text(text, self.date().year())
        if day is None or day < self.minimumDate() or day > self.maximumDate():
            return None
        return day

    def _judge(self) -> None:
        text = self.lineEdit().text().strip()
        shown = self.date().toString(DISPLAY_FORMAT)
        if text == shown:
            return
        day = self._parse(text)
        if day is None:
            from reports.template_cells import no_such_day

            self._refused_text, self._refused_date = text, self.date()
            # a date so written that does not exist says why (2026 年 2 月只有 28 天), as an import does
            reason = no_such_day(text)
            self._say(
                tr("{reason}，日期仍为 {shown}").format(reason=reason, shown=shown)
                if reason
                else tr("“{text}”不是有效日期（可输入 {accepted}），日期仍为 {shown}").format(
                    text=text, accepted=ACCEPTED, shown=shown
                )
            )
            return
        self._say("")
        self.setDate(day)

    def _typed(self, text: str) -> None:
        if self._refused and self._parse(text.strip()) is not None:
            self._say("")

    def _finished(self) -> None:
        self._judge()
        self._show_date()

    def _show_date(self) -> None:
        shown = self.date().toString(DISPLAY_FORMAT)
        if self.lineEdit().text() != shown:
            self.lineEdit().setText(shown)

    def _say(self, text: str) -> None:
        if not text:
            self._refused_date = QDate()
        self.setToolTip(text)
        if text != self._refused:
            self._refused = text
            self.message.emit(text)
