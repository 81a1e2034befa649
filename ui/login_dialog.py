"""Login, and changing one's own password."""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ledger.db import DatabaseError, StoppedWaiting, when_free
from ledger.i18n import tr
from ledger.records import User
from ledger.service import AuthError, LedgerError, LedgerService, LoginThrottled
from ui.operations import wait_for_writer
from ui.prefs import app_settings
from ui.screen_fit import fit_window
from ui.widgets import FieldMessages, error_label, new_password_fields, ok_cancel_buttons, password_field

LAST_USER_KEY = "login/last_username"


def last_user_key(service: LedgerService) -> str:
    """Where the last user name of this ledger is kept: each ledger (file or server) its own,
    so a name from another ledger is never offered."""
    import hashlib

    digest = hashlib.sha256(str(service.db.url).encode("utf-8")).hexdigest()[:16]
    return f"{LAST_USER_KEY}/{digest}"


class LoginDialog(QDialog):
    """Asks for user name and password; after repeated failures the button waits, with a countdown."""

    def __init__(self, service: LedgerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user: User | None = None
        self._wait = 0
        bureau = service.bureau().name
        self.setWindowTitle(tr("登录 — 公务接待台账"))

        title = QLabel(f"<h2>{html.escape(bureau or tr('公务接待台账'))}</h2><p>{tr('公务接待台账')}</p>")
        self.username_edit = QLineEdit(str(app_settings().value(last_user_key(service), "") or ""))
        self.username_edit.setPlaceholderText(tr("用户名"))
        self.password_edit = password_field(tr("密码"))
        self.message = error_label()
        self.message.setObjectName("loginMessage")
        form = QFormLayout()
        form.addRow(tr("用户名"), self.username_edit)
        form.addRow(tr("密码"), self.password_edit)
        self.buttons = ok_cancel_buttons(self, tr("登录"), tr("退出"))
        self.login_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)
        fit_window(self, "login", QSize(380, 0))  # the whole title, on the screen

        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        if self.username_edit.text():
            self.password_edit.setFocus()

    @property
    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def accept(self) -> None:
        if self._wait > 0:
            return
        username = self.username_edit.text().strip()
        if not username:
            self._show_message(tr("请输入用户名"))
            self.username_edit.setFocus()
            return
        if not self.password_edit.text():
            self._show_message(tr("请输入密码"))
            self.password_edit.setFocus()
            return
        try:
            self.user = self.service.authenticate(username, self.password_edit.text(), self._wait_for_writer)
        except StoppedWaiting:  # another desk imports; nothing said of the password
            self._show_message(tr("登录未完成：账本正由另一处写入，已不再等待；请稍后再试"))
            return
        except LoginThrottled as exc:
            self._show_message(str(exc))
            self._start_wait(exc.seconds)
            self.password_edit.selectAll()
            return
        except AuthError as exc:
            self._show_message(str(exc))
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        except (LedgerError, DatabaseError) as exc:  # (a read-only ledger, one that waited in vain)
            self._show_message(str(exc))
            return
        app_settings().setValue(last_user_key(self.service), username)
        super().accept()

    def _wait_for_writer(self) -> bool:
        """While another desk imports, a try waits behind the dialog of every write before the
        password is judged (a wrong one must be counted under the lock), instead of freezing
        the window for the lock's time-out."""
        return wait_for_writer(self, self.service.writer_busy, self.service.writing_now)

    def _start_wait(self, seconds: int) -> None:
        self._wait = max(1, seconds)
        self._update_button()
        self._countdown.start()

    def _tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._wait = 0
            self._countdown.stop()
        self._update_button()

    def _update_button(self) -> None:
        # while the login waits, keystrokes go nowhere (not into a password typed blind)
        for edit in (self.username_edit, self.password_edit):
            edit.setEnabled(self._wait <= 0)
        if self._wait <= 0 and not self.password_edit.hasFocus():
            self.password_edit.setFocus()
        if self._wait > 0:
            self.login_button.setEnabled(False)
            self.login_button.setText(tr("请等待 {n} 秒").format(n=self._wait))
        else:
            self.login_button.setEnabled(True)
            self.login_button.setText(tr("登录"))

    @classmethod
    def ask(cls, service: LedgerService, parent: QWidget | None = None) -> User | None:
        dialog = cls(service, parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


class ChangePasswordDialog(QDialog):
    """A user changes their own password, giving the old one."""

    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.setWindowTitle(tr("修改密码 — {name}").format(name=user.label))
        self.old_edit = password_field()
        self.new_edit, self.confirm_edit = new_password_fields()
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("原密码"), self.old_edit, "old")
        self.messages.add_row(form, tr("新密码"), self.new_edit, "password")
        self.messages.add_row(form, tr("再次输入新密码"), self.confirm_edit, "confirm")
        self.general = error_label()
        buttons = ok_cancel_buttons(self, tr("修改"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)
        self.setMinimumWidth(400)
        fit_window(self, "change_password", QSize(400, 0))

    def accept(self) -> None:
        if self.new_edit.text() != self.confirm_edit.text():
            self.messages.show({"confirm": tr("两次输入的新密码不一致")}, self.general)
            return
        def change() -> None:
            when_free(
                lambda: self.service.set_password(
                    self.user, self.user.username, self.new_edit.text(), self.old_edit.text()
                ),
                self._wait_for_writer,
                self.service.at_once,
            )

        try:
            if self.messages.attempt(change, self.general, {AuthError: "old"}):
                super().accept()
        except StoppedWaiting:  # another desk imports; the user stopped waiting, nothing written
            pass

    def _wait_for_writer(self) -> bool:
        return wait_for_writer(self, self.service.writer_busy, self.service.writing_now)
