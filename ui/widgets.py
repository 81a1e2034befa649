"""Small pieces shared by the shell's dialogs: messages at a field, password fields, LedgerError boxes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMessageBox, QWidget

from ledger.auth import MIN_PASSWORD_LENGTH
from ledger.db import DatabaseError
from ledger.i18n import tr
from ledger.service import InvalidReception, LedgerError

ERROR_STYLE = "color: #c62828;"


def ok_cancel_buttons(
    dialog: QDialog,
    ok_text: str,
    cancel_text: str = tr("取消"),
    *,
    reject: Callable[[], None] | None = None,
) -> QDialogButtonBox:
    """The OK / Cancel pair of a dialog, in Chinese, wired to accept and reject."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    box.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(reject or dialog.reject)
    return box


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
        if isinstance(field, QLineEdit):  # the message goes once the user changes what it is about
            field.textEdited.connect(lambda _text, m=message: (m.clear(), m.hide()))
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
        if fallback is not None:  # a fallback that is a field's own label keeps that field's problem
            own = [problems[key] for key, label in self.labels.items() if label is fallback and key in problems]
            fallback.setText("；".join([*own, *rest]))
            fallback.setVisible(bool(own or rest))

    def text(self, key: str) -> str:
        label = self.labels.get(key)
        return label.text() if label is not None and not label.isHidden() else ""

    def attempt(
        self,
        write: Callable[[], object],
        fallback: QLabel,
        field_of: Mapping[type[LedgerError], str] | None = None,
    ) -> bool:
        """Run a service write; True when it went through.

        A refusal is shown where it belongs: each problem of an InvalidReception at its field,
        an error whose type ``field_of`` names at that field, any other error at ``fallback``.
        """
        try:
            write()
        except LedgerError as exc:
            self.refused(exc, fallback, field_of)
            return False
        return True

    def refused(
        self, exc: LedgerError, fallback: QLabel, field_of: Mapping[type[LedgerError], str] | None = None
    ) -> None:
        """Show a refusal where it belongs (see ``attempt``)."""
        if isinstance(exc, InvalidReception):
            self.show(exc.problems, fallback)
            return
        key = next((k for t, k in (field_of or {}).items() if isinstance(exc, t)), "general")
        self.show({key: str(exc)}, fallback)


def password_field(placeholder: str = "") -> QLineEdit:
    """A line edit that hides what is typed."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    return edit


def new_password_fields() -> tuple[QLineEdit, QLineEdit]:
    """A new password, hinting at the minimum length, and the field that repeats it."""
    return password_field(tr("至少 {n} 个字符").format(n=MIN_PASSWORD_LENGTH)), password_field()


def error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def show_ledger_error(parent: QWidget | None, exc: LedgerError | DatabaseError, title: str = "") -> None:
    """A refusal of the service, in its own words, never a traceback."""
    text = str(exc)
    if isinstance(exc, InvalidReception):
        text = "\n".join(exc.problems.values()) or text
    QMessageBox.warning(parent, title or tr("未能完成"), text)
