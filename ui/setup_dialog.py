"""First start: the bureau's details and the first administrator."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ledger.auth import MIN_PASSWORD_LENGTH
from ledger.i18n import tr
from ledger.records import Bureau, User
from ledger.service import LedgerService
from ui.screen_fit import fit_window
from ui.widgets import FieldMessages, error_label, new_password_fields, ok_cancel_buttons


class SetupDialog(QDialog):
    """Shown once, on an empty ledger. ``user`` holds the administrator after acceptance."""

    def __init__(self, service: LedgerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user: User | None = None
        self.setWindowTitle(tr("首次设置 — 公务接待台账"))

        self.bureau_edit = QLineEdit()
        self.bureau_edit.setPlaceholderText(tr("例如：XX县教育局"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setPlaceholderText(tr("公示表上的监督电话，例如 0000-12345678"))
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText(tr("登录用的用户名，例如 admin"))
        self.display_edit = QLineEdit()
        self.display_edit.setPlaceholderText(tr("姓名，例如 王主任"))
        self.password_edit, self.confirm_edit = new_password_fields()

        intro = QLabel(
            tr(
                "欢迎使用公务接待台账。账本还是空的：请填写本单位信息，并设置第一位管理员。"
                "管理员随后可在“设置”中添加经办人和分管领导。"
            )
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("单位名称"), self.bureau_edit, "name")
        self.messages.add_row(form, tr("监督电话"), self.phone_edit, "supervision_phone")
        self.messages.add_row(form, tr("管理员用户名"), self.username_edit, "username")
        self.messages.add_row(form, tr("管理员姓名"), self.display_edit, "display_name")
        self.messages.add_row(form, tr("密码"), self.password_edit, "password")
        self.messages.add_row(form, tr("再次输入密码"), self.confirm_edit, "confirm")
        self.general = error_label()
        self.buttons = ok_cancel_buttons(self, tr("完成设置"), tr("退出"))
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        fit_window(self, "setup", QSize(520, 0))

    def problems(self) -> dict[str, str]:
        """What must be fixed before the service is asked (the service checks the rest)."""
        p: dict[str, str] = {}
        if not self.bureau_edit.text().strip():
            p["name"] = tr("请填写单位名称")
        if not self.phone_edit.text().strip():
            p["supervision_phone"] = tr("请填写监督电话：公示表和每一张清单都印有它")
        if not self.username_edit.text().strip():
            p["username"] = tr("请填写用户名")
        if len(self.password_edit.text()) < MIN_PASSWORD_LENGTH:
            p["password"] = tr("密码至少需要 {n} 个字符").format(n=MIN_PASSWORD_LENGTH)
        elif self.password_edit.text() != self.confirm_edit.text():
            p["confirm"] = tr("两次输入的密码不一致")
        return p

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.messages.show(problems, self.general)
            return
        if self.messages.attempt(self._set_up, self.general):
            super().accept()

    def _set_up(self) -> None:
        bureau = Bureau(
            name=self.bureau_edit.text().strip(), supervision_phone=self.phone_edit.text().strip()
        )
        self.user = self.service.setup(
            bureau,
            self.username_edit.text().strip(),
            self.display_edit.text().strip(),
            self.password_edit.text(),
        )

    @classmethod
    def ask(cls, service: LedgerService, parent: QWidget | None = None) -> User | None:
        dialog = cls(service, parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None
