"""Settings (administrators): bureau details, users and roles, policy versions, yearly targets."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import MoneyError, parse_money
from ledger.policy import Policy
from ledger.records import MEAL_KINDS, VENUE_TYPES, Bureau, Role, User
from ledger.service import InvalidReception, LedgerError, LedgerService
from ui.widgets import FieldMessages, error_label, new_password_fields, ok_cancel_buttons, show_ledger_error

OK_STYLE = "color: #2e7d32;"


def _read_only_item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def roles_text(roles: frozenset[Role]) -> str:
    return "、".join(r.label for r in Role if r in roles)


# ============================================================================ bureau
class BureauTab(QWidget):
    changed = Signal()

    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        bureau = service.bureau()
        self.name_edit = QLineEdit(bureau.name)
        self.phone_edit = QLineEdit(bureau.supervision_phone)
        self.address_edit = QLineEdit(bureau.address)
        self.posting_spin = QSpinBox()
        self.posting_spin.setRange(1, 30)
        self.posting_spin.setSuffix(tr(" 个工作日"))
        self.posting_spin.setValue(bureau.posting_days)
        self.posting_spin.setMaximumWidth(160)
        form = QFormLayout()
        self.messages = FieldMessages()
        self.messages.add_row(form, tr("单位名称"), self.name_edit, "name")
        self.messages.add_row(form, tr("监督电话"), self.phone_edit, "supervision_phone")
        self.messages.add_row(form, tr("地址"), self.address_edit, "address")
        self.messages.add_row(form, tr("公示期"), self.posting_spin, "posting_days")
        self.status = QLabel()
        self.save_button = QPushButton(tr("保存单位信息"))
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        row.addStretch(0)  # the button keeps its size when the status is hidden
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addStretch(1)

    def save(self) -> bool:
        bureau = Bureau(
            name=self.name_edit.text().strip(),
            supervision_phone=self.phone_edit.text().strip(),
            posting_days=self.posting_spin.value(),
            address=self.address_edit.text().strip(),
        )
        self.messages.clear()
        self.status.clear()  # an earlier 已保存 never stands beside a refusal
        try:
            self.service.update_bureau(self.user, bureau)
        except InvalidReception as exc:
            self.messages.show(exc.problems, self.status)
            self.status.setStyleSheet("color: #c62828;")
            return False
        except LedgerError as exc:
            show_ledger_error(self, exc)
            return False
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(tr("已保存"))
        self.status.show()
        self.changed.emit()
        return True


# ============================================================================ users
class UserDialog(QDialog):
    """Add a user: name, display name, roles and a first password."""

    def __init__(self, service: LedgerService, actor: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
        self.user: User | None = None
        self.setWindowTitle(tr("添加用户"))
        self.username_edit = QLineEdit()
        self.display_edit = QLineEdit()
        self.role_boxes = {role: QCheckBox(role.label) for role in Role}
        self.role_boxes[Role.CLERK].setChecked(True)
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

    def accept(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.messages.show({"confirm": tr("两次输入的密码不一致")}, self.general)
            return
        if self.messages.attempt(self._add, self.general):
            super().accept()

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
    def ask(cls, service: LedgerService, actor: User, parent: QWidget | None = None) -> User | None:
        dialog = cls(service, actor, parent)
        return dialog.user if dialog.exec() == QDialog.DialogCode.Accepted else None


class ResetPasswordDialog(QDialog):
    """An administrator sets a new password for someone who forgot theirs."""

    def __init__(
        self, service: LedgerService, actor: User, target: User, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.actor = actor
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

    def accept(self) -> None:
        if self.password_edit.text() != self.confirm_edit.text():
            self.messages.show({"confirm": tr("两次输入的密码不一致")}, self.general)
            return
        if self.messages.attempt(
            lambda: self.service.set_password(self.actor, self.target.username, self.password_edit.text()),
            self.general,
        ):
            super().accept()

    @classmethod
    def ask(cls, service: LedgerService, actor: User, target: User, parent: QWidget | None = None) -> bool:
        return cls(service, actor, target, parent).exec() == QDialog.DialogCode.Accepted


class UsersTab(QWidget):
    USER_COLUMNS = (tr("用户名"), tr("姓名"), tr("角色"), tr("状态"))

    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
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
                item = _read_only_item(text)
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

    def _say(self, text: str, ok: bool = True) -> None:
        self.message.setStyleSheet(OK_STYLE if ok else "color: #c62828;")
        self.message.setText(text)

    def add_user(self) -> None:
        added = UserDialog.ask(self.service, self.user, self)
        if added is not None:
            self.reload(added.username)
            self._say(tr("已添加用户 {name}").format(name=added.label))

    def toggle_active(self) -> None:
        u = self.selected_user()
        if u is None:
            return
        try:
            changed = self.service.update_user(self.user, u.username, active=not u.active)
        except LedgerError as exc:
            self._say(str(exc), ok=False)
            return
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
        try:
            self.service.update_user(self.user, u.username, roles=roles)
        except LedgerError as exc:
            self._say(str(exc), ok=False)
            return
        self.reload(u.username)
        self._say(tr("已保存 {name} 的角色，下次登录时生效").format(name=u.label))

    def reset_password(self) -> None:
        u = self.selected_user()
        if u is not None and ResetPasswordDialog.ask(self.service, self.user, u, self):
            self._say(tr("已重置 {name} 的密码").format(name=u.label))


# ============================================================================ policies
POLICY_COLUMNS = (
    tr("生效日期"),
    tr("名称"),
    tr("陪餐上限"),
    tr("早餐/午餐/晚餐（元/人）"),
    tr("工作餐次数"),
    tr("检查项"),
)


def policy_checks_text(p: Policy) -> str:
    checks = []
    if p.require_letter:
        checks.append(tr("公函"))
    if p.check_luxury_venue:
        checks.append(tr("高档场所（{v}）").format(v="、".join(p.luxury_venue_types)))
    if p.check_gift:
        checks.append(tr("礼品"))
    if p.check_tobacco_alcohol:
        checks.append(tr("烟酒"))
    return "、".join(checks) or tr("无")


def companion_rule_text(p: Policy) -> str:
    return tr("{t} 人及以下 {b} 人，以上按 {n}/{d}").format(
        t=p.companion_threshold, b=p.companion_base_cap, n=p.companion_ratio_num, d=p.companion_ratio_den
    )


class PolicyTab(QWidget):
    """Every version, read-only; and a form for a new version starting after the latest."""

    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.table = QTableWidget(0, len(POLICY_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(POLICY_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(0, 96)
        self.table.setColumnWidth(1, 150)
        self.table.setColumnWidth(2, 200)
        self.table.setColumnWidth(3, 150)
        self.table.setColumnWidth(4, 80)

        form_box = QGroupBox(tr("新增版本（历史版本不可修改，新版本自生效日期起适用）"))
        grid = QGridLayout(form_box)
        self.effective_edit = QDateEdit()
        self.effective_edit.setCalendarPopup(True)
        self.effective_edit.setDisplayFormat("yyyy-MM-dd")
        self.name_edit = QLineEdit()
        self.base_cap_spin = self._spin(0, 99)
        self.threshold_spin = self._spin(0, 999)
        self.ratio_num_spin = self._spin(0, 99)
        self.ratio_den_spin = self._spin(1, 99)
        self.max_meals_spin = self._spin(0, 99)
        self.meal_cap_edits = {kind: QLineEdit() for kind in MEAL_KINDS}
        self.require_letter_box = QCheckBox(tr("须有公函或电话记录"))
        self.luxury_box = QCheckBox(tr("检查高档场所"))
        self.gift_box = QCheckBox(tr("检查礼品"))
        self.tobacco_box = QCheckBox(tr("检查烟酒"))
        self.venue_boxes = {v: QCheckBox(v) for v in VENUE_TYPES}
        self.messages = FieldMessages()
        self.effective_message = error_label()
        self.caps_message = error_label()
        self.policy_message = error_label()
        self.messages.labels.update(
            {
                "effective_from": self.effective_message,
                "meal_caps": self.caps_message,
                "policy": self.policy_message,
            }
        )

        r = 0
        grid.addWidget(QLabel(tr("生效日期")), r, 0)
        grid.addWidget(self.effective_edit, r, 1)
        grid.addWidget(QLabel(tr("名称")), r, 2)
        grid.addWidget(self.name_edit, r, 3, 1, 3)
        r += 1
        grid.addWidget(self.effective_message, r, 1, 1, 5)
        r += 1
        grid.addWidget(QLabel(tr("陪餐基本上限（人）")), r, 0)
        grid.addWidget(self.base_cap_spin, r, 1)
        grid.addWidget(QLabel(tr("接待对象分档线（人）")), r, 2)
        grid.addWidget(self.threshold_spin, r, 3)
        ratio = QHBoxLayout()
        ratio.addWidget(self.ratio_num_spin)
        ratio.addWidget(QLabel("/"))
        ratio.addWidget(self.ratio_den_spin)
        grid.addWidget(QLabel(tr("超过分档线时的陪餐比例")), r, 4)
        grid.addLayout(ratio, r, 5)
        r += 1
        for i, (kind, label) in enumerate(MEAL_KINDS.items()):
            grid.addWidget(QLabel(tr("{meal}标准（元/人）").format(meal=label)), r, i * 2)
            grid.addWidget(self.meal_cap_edits[kind], r, i * 2 + 1)
        r += 1
        grid.addWidget(self.caps_message, r, 0, 1, 6)
        r += 1
        grid.addWidget(QLabel(tr("每次接待工作餐次数上限")), r, 0)
        grid.addWidget(self.max_meals_spin, r, 1)
        checks = QHBoxLayout()
        for box in (self.require_letter_box, self.luxury_box, self.gift_box, self.tobacco_box):
            checks.addWidget(box)
        grid.addLayout(checks, r, 2, 1, 4)
        r += 1
        grid.addWidget(QLabel(tr("视为高档的场所类型")), r, 0)
        venues = QHBoxLayout()
        for box in self.venue_boxes.values():
            venues.addWidget(box)
        grid.addLayout(venues, r, 1, 1, 5)
        r += 1
        self.save_button = QPushButton(tr("保存新版本"))
        self.status = QLabel()
        grid.addWidget(self.policy_message, r, 0, 1, 6)
        r += 1
        grid.addWidget(self.save_button, r, 0)
        grid.addWidget(self.status, r, 1, 1, 5)
        self.luxury_box.toggled.connect(self._luxury_toggled)
        self.save_button.clicked.connect(self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("接待标准的各个版本（每条接待按其接待日期适用的版本判定）：")))
        layout.addWidget(self.table, 1)
        layout.addWidget(form_box)
        self.reload()

    @staticmethod
    def _spin(low: int, high: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        return spin

    def _luxury_toggled(self, on: bool) -> None:
        for box in self.venue_boxes.values():
            box.setEnabled(on)

    def reload(self) -> None:
        policies = self.service.policies()
        self.table.setRowCount(len(policies))
        for i, p in enumerate(sorted(policies, key=lambda p: p.effective_from, reverse=True)):
            caps = " / ".join(f"{p.meal_cap(kind):.2f}" for kind in MEAL_KINDS)
            cells = (
                p.effective_from.isoformat(),
                p.name,
                companion_rule_text(p),
                caps,
                str(p.max_work_meals),
                policy_checks_text(p),
            )
            for col, text in enumerate(cells):
                item = _read_only_item(text)
                item.setToolTip(text)
                self.table.setItem(i, col, item)
        latest = max(policies, key=lambda p: p.effective_from)
        self.fill_form(latest)

    def fill_form(self, p: Policy) -> None:
        """Start the new version from ``p``, effective the day after today or after ``p``, if later."""
        start = max(date.today(), p.effective_from)
        start = date.fromordinal(start.toordinal() + 1)
        self.effective_edit.setDate(QDate(start.year, start.month, start.day))
        self.name_edit.setText(p.name)
        self.base_cap_spin.setValue(p.companion_base_cap)
        self.threshold_spin.setValue(p.companion_threshold)
        self.ratio_num_spin.setValue(p.companion_ratio_num)
        self.ratio_den_spin.setValue(p.companion_ratio_den)
        self.max_meals_spin.setValue(p.max_work_meals)
        for kind, edit in self.meal_cap_edits.items():
            edit.setText(f"{p.meal_cap(kind):.2f}")
        self.require_letter_box.setChecked(p.require_letter)
        self.luxury_box.setChecked(p.check_luxury_venue)
        self.gift_box.setChecked(p.check_gift)
        self.tobacco_box.setChecked(p.check_tobacco_alcohol)
        for venue, box in self.venue_boxes.items():
            box.setChecked(venue in p.luxury_venue_types)
        self._luxury_toggled(p.check_luxury_venue)

    def set_effective_date(self, on: date) -> None:
        self.effective_edit.setDate(QDate(on.year, on.month, on.day))

    def policy_from_form(self) -> Policy | None:
        """The new version as entered, or None with the problems shown at their fields."""
        caps: dict[str, Decimal] = {}
        bad = []
        for kind, edit in self.meal_cap_edits.items():
            if not edit.text().strip():
                bad.append(tr("{meal}：请填写标准金额").format(meal=MEAL_KINDS[kind]))
                continue
            try:
                caps[kind] = parse_money(edit.text())
            except MoneyError as exc:
                bad.append(f"{MEAL_KINDS[kind]}：{exc}")
        if bad:
            self.messages.show({"meal_caps": "；".join(bad)})
            return None
        qd = self.effective_edit.date()
        latest = max(self.service.policies(), key=lambda p: p.effective_from)
        return replace(
            latest,
            effective_from=date(qd.year(), qd.month(), qd.day()),
            name=self.name_edit.text().strip(),
            companion_base_cap=self.base_cap_spin.value(),
            companion_threshold=self.threshold_spin.value(),
            companion_ratio_num=self.ratio_num_spin.value(),
            companion_ratio_den=self.ratio_den_spin.value(),
            meal_caps=caps,
            max_work_meals=self.max_meals_spin.value(),
            require_letter=self.require_letter_box.isChecked(),
            check_luxury_venue=self.luxury_box.isChecked(),
            luxury_venue_types=tuple(v for v, box in self.venue_boxes.items() if box.isChecked()),
            check_gift=self.gift_box.isChecked(),
            check_tobacco_alcohol=self.tobacco_box.isChecked(),
        )

    def save(self) -> bool:
        self.messages.clear()
        self.status.clear()
        policy = self.policy_from_form()
        if policy is None:
            return False
        try:
            self.service.add_policy(self.user, policy)
        except InvalidReception as exc:
            self.messages.show(exc.problems, self.policy_message)
            return False
        except LedgerError as exc:
            show_ledger_error(self, exc)
            return False
        self.reload()
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(
            tr("已新增 {d} 起执行的版本；此前的接待仍按原版本判定").format(
                d=policy.effective_from.isoformat()
            )
        )
        return True


# ============================================================================ targets
class TargetsTab(QWidget):
    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(date.today().year)
        self.year_spin.setMaximumWidth(120)
        self.reduction_edit = QLineEdit()
        self.reduction_edit.setMaximumWidth(120)
        self.reduction_message = error_label()
        self.save_button = QPushButton(tr("保存目标"))
        self.status = QLabel()
        form = QFormLayout()
        form.addRow(tr("年度"), self.year_spin)
        percent = QHBoxLayout()
        percent.addWidget(self.reduction_edit)
        percent.addWidget(QLabel(tr("%（同比压减比例，默认 20%）")))
        percent.addStretch(1)
        form.addRow(tr("压减比例"), percent)
        form.addRow("", self.reduction_message)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([tr("年度"), tr("压减比例")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.status, 1)
        row.addStretch(0)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(tr("目标 = 上年已审核接待费用 ×（1 − 压减比例）。每年可单独设定，未设定的年度按 20% 计。"))
        )
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self.year_spin.valueChanged.connect(self._year_changed)
        self.save_button.clicked.connect(self.save)
        self._year_changed()
        self.reload_table()

    @staticmethod
    def percent_text(reduction: Decimal) -> str:
        return f"{(reduction * 100).normalize():f}"

    def _year_changed(self) -> None:
        self.reduction_edit.setText(self.percent_text(self.service.reduction_for(self.year_spin.value())))
        self.reduction_message.hide()
        self.status.clear()

    def reload_table(self) -> None:
        this_year = date.today().year
        years = sorted(set(self.service.years()) | {this_year, this_year + 1}, reverse=True)
        self.table.setRowCount(len(years))
        for i, y in enumerate(years):
            self.table.setItem(i, 0, _read_only_item(str(y)))
            self.table.setItem(i, 1, _read_only_item(self.percent_text(self.service.reduction_for(y)) + "%"))

    def save(self) -> bool:
        self.reduction_message.hide()
        self.status.clear()  # an earlier 已保存 never stands beside a refusal
        text = self.reduction_edit.text().strip().rstrip("%").strip()
        try:
            percent = Decimal(text)
        except InvalidOperation:
            self.reduction_message.setText(tr("请填写 0 到 100 之间的数字，例如 20"))
            self.reduction_message.show()
            return False
        if not percent.is_finite() or not Decimal(0) <= percent < Decimal(100):
            self.reduction_message.setText(tr("压减比例应在 0% 至 100% 之间（不含 100%）"))
            self.reduction_message.show()
            return False
        try:
            self.service.set_reduction(self.user, self.year_spin.value(), percent / 100)
        except InvalidReception as exc:
            self.reduction_message.setText("；".join(exc.problems.values()))
            self.reduction_message.show()
            return False
        except LedgerError as exc:
            show_ledger_error(self, exc)
            return False
        self.reload_table()
        self.status.setStyleSheet(OK_STYLE)
        self.status.setText(
            tr("已保存 {y} 年的压减目标：{p}%").format(
                y=self.year_spin.value(), p=self.percent_text(percent / 100)
            )
        )
        return True


# ============================================================================ dialog
class SettingsDialog(QDialog):
    """Administrators only: the four settings tabs."""

    bureau_changed = Signal()

    def __init__(self, service: LedgerService, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.setWindowTitle(tr("设置"))
        self.tabs = QTabWidget()
        self.bureau_tab = BureauTab(service, user)
        self.users_tab = UsersTab(service, user)
        self.policy_tab = PolicyTab(service, user)
        self.targets_tab = TargetsTab(service, user)
        self.tabs.addTab(self.bureau_tab, tr("单位信息"))
        self.tabs.addTab(self.users_tab, tr("用户"))
        self.tabs.addTab(self.policy_tab, tr("接待标准"))
        self.tabs.addTab(self.targets_tab, tr("年度目标"))
        self.bureau_tab.changed.connect(self.bureau_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)
        self.resize(980, 680)

    @classmethod
    def open_for(
        cls, service: LedgerService, user: User, parent: QWidget | None = None
    ) -> SettingsDialog | None:
        if not user.has(Role.ADMIN):
            QMessageBox.information(parent, tr("设置"), tr("只有管理员可以修改设置"))
            return None
        dialog = cls(service, user, parent)
        dialog.exec()
        return dialog
