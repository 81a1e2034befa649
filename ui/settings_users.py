"""设置 → 用户: the users of the ledger, their roles, adding one and resetting a password.

Every write goes through ``ui.operations.run`` and announces ``settings_changed`` (names and
roles show in the forms and the queue).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.errors import ChangedElsewhere
from ledger.i18n import tr
from ledger.records import Role, User
from ledger.service import LedgerService
from ui.hub import ChangeHub
from ui.operations import run
from ui.screen_fit import fit_window
from ui.widgets import FieldMessages, error_label, new_password_fields, ok_cancel_buttons

OK_STYLE = "color: #2e7d32;"


def read_only_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def roles_text(roles: frozenset[Role]) -> str:
    return "、".join(r.label for r in Role if r in roles)


class UserDialog(QDialog):
    """Add a user: name, display name, roles and a first password."""

    def __init__(
        self, service: LedgerService, actor: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
        self.hub = hub
        self.user: User | None = None
        self.setWindowTitle(tr("添加用户"))
        self.username_edit = QLineEdit()
        self.display_edit = QLineEdit()
        self.role_boxes = {role: QCheckBox(role.label) for role in Role}
        # no role ticked beforehand: each is chosen (a leader added in haste had become a clerk too)
        roles_row = QWidget()
        roles_layout = QHBoxLayout(roles_row)
        roles_layout.setContentsMargins(0, 0, 0, 0)
        for box in self.role_boxes.values():
            roles_layout.addWidget(box)
        self.password_edit, self.confirm_edit = new_password_fields()
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("用户名"), self.username_edit, "username")
        self.messages.add_row(form, tr("姓名"), self.display_edit, "display_name")
        self.messages.add_row(form, tr("角色"), roles_row, "roles")
        self.messages.add_row(form, tr("初始密码"), self.password_edit, "password")
        self.messages.add_row(form, tr("再次输入密码"), self.confirm_edit, "confirm")
        self.general = error_label()
        buttons = ok_cancel_buttons(self, tr("添加"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        fit_window(self, "user", QSize(440, 0))

    def accept(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.messages.show({"confirm": tr("两次输入的密码不一致")}, self.general)
            return
        if self._write(self._add):
            super().accept()

    def _write(self, write) -> bool:  # type: ignore[no-untyped-def]
        return run(
            write,
            parent=self,
            hub=self.hub,
            refused=lambda e: self.messages.refused(e, self.general),
            settings=True,
        ).ok

    def _add(self) -> None:
        roles = {role for role, box in self.role_boxes.items() if box.isChecked()}
        self.user = self.service.add_user(
            self.actor,
            self.username_edit.text(),
            self.display_edit.text(),
            roles,
            self.password_edit.text(),
        )

    @classmethod
    def ask(
        cls, service: LedgerService, actor: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> User | None:
        dialog = cls(service, actor, parent, hub)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


class ResetPasswordDialog(QDialog):
    """An administrator sets a new password for someone who forgot theirs."""

    def __init__(
        self,
        service: LedgerService,
        actor: User,
        target: User,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
        self.hub = hub
        self.target = target
        self.setWindowTitle(tr("重置密码 — {name}").format(name=target.label))
        self.password_edit, self.confirm_edit = new_password_fields()
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("新密码"), self.password_edit, "password")
        self.messages.add_row(form, tr("再次输入"), self.confirm_edit, "confirm")
        self.general = error_label()
        buttons = ok_cancel_buttons(self, tr("重置"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("为 {name} 设置新密码，请当面或电话告知本人。").format(name=target.label)))
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)
        fit_window(self, "reset_password", QSize(360, 0))

    def accept(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.messages.show({"confirm": tr("两次输入的密码不一致")}, self.general)
            return
        self.messages.clear()
        if run(
            lambda: self.service.set_password(self.actor, self.target.username, self.password_edit.text()),
            parent=self,
            hub=self.hub,
            refused=lambda e: self.messages.refused(e, self.general),
            settings=True,
        ):
            super().accept()

    @classmethod
    def ask(
        cls,
        service: LedgerService,
        actor: User,
        target: User,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> bool:
        return cls(service, actor, target, parent, hub).exec() == QDialog.DialogCode.Accepted


class UsersTab(QWidget):
    USER_COLUMNS = (tr("用户名"), tr("姓名"), tr("角色"), tr("状态"))

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
        self.users: list[User] = []
        self.table = QTableWidget(0, len(self.USER_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.USER_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton(tr("添加用户…"))
        self.toggle_button = QPushButton(tr("停用"))
        self.reset_button = QPushButton(tr("重置密码…"))
        self.role_boxes = {role: QCheckBox(role.label) for role in Role}
        self.save_roles_button = QPushButton(tr("保存角色"))
        self.message = QLabel()
        self.message.setWordWrap(True)

        roles_box = QGroupBox(tr("所选用户的角色"))
        roles_layout = QHBoxLayout(roles_box)
        for box in self.role_boxes.values():
            roles_layout.addWidget(box)
        roles_layout.addStretch(1)
        roles_layout.addWidget(self.save_roles_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.toggle_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(roles_box)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(self.add_user)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.reset_button.clicked.connect(self.reset_password)
        self.save_roles_button.clicked.connect(self.save_roles)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.reload()

    def reload(self, select: str = "") -> None:
        self.users = self.service.users()
        self.table.setRowCount(len(self.users))
        for i, u in enumerate(self.users):
            cells = (
                u.username,
                u.display_name,
                roles_text(u.roles),
                tr("启用") if u.active else tr("已停用"),
            )
            for col, text in enumerate(cells):
                item = read_only_item(text)
                if not u.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, col, item)
        row = next((i for i, u in enumerate(self.users) if u.username == select), 0 if self.users else -1)
        if row >= 0:
            self.table.selectRow(row)
        self._selection_changed()

    def selected_user(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows else None

    def select_user(self, username: str) -> None:
        for i, u in enumerate(self.users):
            if u.username == username:
                self.table.selectRow(i)

    def _selection_changed(self) -> None:
        u = self.selected_user()
        for w in (self.toggle_button, self.reset_button, self.save_roles_button):
            w.setEnabled(u is not None)
        if u is None:
            return
        self.toggle_button.setText(tr("停用") if u.active else tr("启用"))
        for role, box in self.role_boxes.items():
            box.setChecked(role in u.roles)

    def _write(self, write):  # type: ignore[no-untyped-def]
        """A user change, refused in the tab's message line, announced as a settings change."""
        return run(
            write, parent=self, hub=self.hub, refused=lambda exc: self._say(str(exc), ok=False), settings=True
        )

    def _say(self, text: str, ok: bool = True) -> None:
        self.message.setStyleSheet(OK_STYLE if ok else "color: #c62828;")
        self.message.setText(text)

    def add_user(self) -> None:
        added = UserDialog.ask(self.service, self.user, self, self.hub)
        if added is not None:
            self.reload(added.username)
            self._say(tr("已添加用户 {name}").format(name=added.label))

    def toggle_active(self) -> None:
        u = self.selected_user()
        if u is None:
            return
        outcome = self._write(lambda: self.service.update_user(self.user, u.username, active=not u.active))
        if not outcome.ok or outcome.value is None:
            return
        changed = outcome.value
        self.reload(u.username)
        self._say(
            (tr("已启用 {name}") if changed.active else tr("已停用 {name}，此人不能再登录")).format(
                name=u.label
            )
        )

    def save_roles(self) -> None:
        u = self.selected_user()
        if u is None:
            return
        roles = {role for role, box in self.role_boxes.items() if box.isChecked()}
        if not roles:
            self._say(tr("请至少选择一个角色"), ok=False)
            return
        if roles == u.roles:
            self.reload(u.username)  # the roles as stored now, another desk's change included
            self._say(tr("没有修改；{name} 的角色为：{roles}").format(name=u.label, roles=roles_text(self.selected_roles())))
            return
        # only the roles ticked or unticked here change: another desk's change of the others stays
        outcome = self._write(
            lambda: self.service.update_user(self.user, u.username, roles=roles, roles_since=u.roles)
        )
        if not outcome.ok or outcome.value is None:
            if isinstance(outcome.error, ChangedElsewhere):  # the roles as they are now, and why
                self.reload(u.username)
                self._say(str(outcome.error), ok=False)
            return
        self.reload(u.username)
        self._say(
            tr("已保存 {name} 的角色：{roles}；下次登录时生效").format(name=u.label, roles=roles_text(outcome.value.roles))
        )

    def selected_roles(self) -> frozenset[Role]:
        u = self.selected_user()
        return u.roles if u is not None else frozenset()

    def reset_password(self) -> None:
        u = self.selected_user()
        if u is not None and ResetPasswordDialog.ask(self.service, self.user, u, self, self.hub):
            self._say(tr("已重置 {name} 的密码").format(name=u.label))
