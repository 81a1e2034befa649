"""Small pieces shared by the shell's dialogs: messages at a field, and LedgerError boxes."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QWidget

from ledger.i18n import tr
from ledger.service import InvalidReception, LedgerError

ERROR_STYLE = "color: #c62828;"


class FieldMessages:
    """A red message under each field of a QFormLayout, keyed by the service's field names."""

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}

    def add_row(self, form: QFormLayout, label: str, field: QWidget, key: str) -> QLabel:
        message = QLabel()
        message.setStyleSheet(ERROR_STYLE)
        message.setWordWrap(True)
        message.hide()
        form.addRow(label, field)
        form.addRow("", message)
        self.labels[key] = message
        return message

    def clear(self) -> None:
        for label in self.labels.values():
            label.clear()
            label.hide()

    def show(self, problems: dict[str, str], fallback: QLabel | None = None) -> None:
        """Put each problem at its field; those without a field go to ``fallback``."""
        self.clear()
        rest = []
        for key, message in problems.items():
            label = self.labels.get(key)
            if label is None:
                rest.append(message)
            else:
                label.setText(message)
                label.show()
        if fallback is not None:
            fallback.setText("；".join(rest))
            fallback.setVisible(bool(rest))

    def text(self, key: str) -> str:
        label = self.labels.get(key)
        return label.text() if label is not None and not label.isHidden() else ""


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def show_ledger_error(parent: QWidget | None, exc: LedgerError, title: str = "") -> None:
    """A refusal of the service, in its own words, never a traceback."""
    text = str(exc)
    if isinstance(exc, InvalidReception):
        text = "\n".join(exc.problems.values()) or text
    QMessageBox.warning(parent, title or tr("未能完成"), text)
