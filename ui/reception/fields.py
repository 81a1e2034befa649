"""Pieces every tab of the reception form uses: the money field, marks, field messages, dates.

``FieldIndex`` remembers each field of the form by the service's key (``visiting_unit``,
``meals`` …) with the message label under it and the tab it sits on, so a problem reported
by the service lands at its field and the form can take the user there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ledger.money import ZERO, MoneyError, parse_money

STYLE = """
QLabel#fieldError { color: #c62828; }
QLabel#banner { padding: 6px; border-radius: 3px; }
QLabel#refusal { color: #8a4b00; }
QFrame#ruleBox { border: 1px solid #e0a8a4; border-radius: 4px; background: #fff6f5; }
QLabel#ruleTitle { font-weight: bold; color: #b71c1c; }
QLabel#compliant { color: #2e7d32; font-weight: bold; }
QLabel#breachCount { color: #b71c1c; font-weight: bold; }
QLineEdit[readOnly="true"], QPlainTextEdit[readOnly="true"] { background: #f0f0f0; color: #333333; }
QLineEdit[breach="true"], QTableView[breach="true"] {
    background: #fde3e1; border: 1px solid #e57373;
}
QLineEdit[problem="true"], QComboBox[problem="true"], QPlainTextEdit[problem="true"],
QTableView[problem="true"] {
    border: 2px solid #c62828;
}
"""

BREACH_COLOUR = QColor("#fde3e1")
PROBLEM_COLOUR = QColor("#f6bcbc")
READ_ONLY_COLOUR = QColor("#f0f0f0")  # as the style sheet greys read-only text fields

TABLE_EDIT_TRIGGERS = (
    QAbstractItemView.EditTrigger.DoubleClicked
    | QAbstractItemView.EditTrigger.EditKeyPressed
    | QAbstractItemView.EditTrigger.AnyKeyPressed
    | QAbstractItemView.EditTrigger.SelectedClicked
)


class MoneyEdit(QLineEdit):
    """An amount in yuan. What is not money is refused here, with the reason below the field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setPlaceholderText("0.00")
        self.setMaximumWidth(160)
        self._value = ZERO
        self._error = ""
        self.textChanged.connect(self._read)
        self.editingFinished.connect(self._tidy)

    def value(self) -> Decimal:
        """The amount typed, or the last good one while the text is refused."""
        return self._value

    def counted(self) -> Decimal:
        """What the figures count: the amount typed, or 0 while the text is refused."""
        return ZERO if self._error else self._value

    def error(self) -> str:
        return self._error

    def set_value(self, amount: Decimal) -> None:
        self.setText("" if amount == 0 else f"{amount:.2f}")

    def _read(self, text: str) -> None:
        try:
            self._value = parse_money(text)
            self._error = ""
        except MoneyError as exc:
            self._error = str(exc)

    def _tidy(self) -> None:
        if not self._error and self.text().strip() and not self.isReadOnly():
            tidy = f"{self._value:.2f}"
            if tidy != self.text():
                self.setText(tidy)


def mark(widget: QWidget, name: str, on: bool) -> None:
    """Mark a field as breaching a rule or holding a problem (properties drive the style sheet)."""
    if bool(widget.property(name)) == on:
        return
    widget.setProperty(name, on)
    restyle(widget)


def restyle(widget: QWidget) -> None:
    """Re-apply the style after a property it depends on (breach, problem, readOnly) changed."""
    if isinstance(widget, QAbstractSpinBox):
        # a style sheet border would strip the spin arrows: colour the field instead
        palette = QApplication.palette(widget)
        if widget.property("problem"):
            palette.setColor(QPalette.ColorRole.Base, PROBLEM_COLOUR)
        elif widget.property("breach"):
            palette.setColor(QPalette.ColorRole.Base, BREACH_COLOUR)
        elif widget.isReadOnly():
            palette.setColor(QPalette.ColorRole.Base, READ_ONLY_COLOUR)
        widget.setPalette(palette)
        for inner in widget.findChildren(QLineEdit):  # the text part does not inherit the colour
            inner.setPalette(palette)
        return
    widget.style().unpolish(widget)
    widget.style().polish(widget)
    widget.update()


def field_error() -> QLabel:
    """The hidden, wrapping message a field shows beneath it (styled as ``#fieldError``)."""
    error = QLabel()
    error.setObjectName("fieldError")
    error.setWordWrap(True)
    error.hide()
    return error


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


@dataclass
class FieldIndex:
    """The form's fields by the service's keys: the widget, its message label, its tab."""

    widget: dict[str, QWidget] = field(default_factory=dict)
    error: dict[str, QLabel] = field(default_factory=dict)
    tab: dict[str, int] = field(default_factory=dict)

    def register(self, key: str, widget: QWidget, error: QLabel, tab: int) -> None:
        self.widget[key] = widget
        self.error[key] = error
        self.tab[key] = tab

    def row(self, form: QFormLayout, tab: int, label: str, key: str, widget: QWidget) -> None:
        """A form row: the field with its (hidden) message beneath."""
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        error = field_error()
        v.addWidget(error)
        form.addRow(label, box)
        self.register(key, widget, error, tab)
