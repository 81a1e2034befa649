"""Settings (administrators): bureau details, users and roles, policy versions, yearly targets."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger.errors import ChangedElsewhere
from ledger.i18n import tr
from ledger.money import MoneyError, parse_money
from ledger.policy import Policy
from ledger.records import MEAL_KINDS, VENUE_TYPES, Role, User
from ledger.service import InvalidReception, LedgerError, LedgerService
from ui.dates import DateEdit
from ui.hub import ChangeHub
from ui.operations import run
from ui.screen_fit import fit_window
from ui.settings_bureau import BureauTab
from ui.settings_policy import RegionalPolicyForm, regional_text
from ui.settings_users import OK_STYLE, UsersTab, read_only_item
from ui.supervision import WarningParamsDialog
from ui.widgets import FieldMessages, error_label, show_ledger_error

# ============================================================================ policies
POLICY_COLUMNS = (
    tr("生效日期"),
    tr("名称"),
    tr("陪餐上限"),
    tr("早餐/午餐/晚餐\n（元/人）"),
    tr("工作餐次数"),
    tr("检查项"),
    tr("本地、住宿、\n外宾、单据"),
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

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
        self.table = QTableWidget(0, len(POLICY_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(POLICY_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(0, 96)
        self.table.setColumnWidth(1, 150)
        self.table.setColumnWidth(2, 200)
        self.table.setColumnWidth(3, 150)
        self.table.setColumnWidth(4, 80)

        form_box = QGroupBox(tr("新增版本（历史版本不可修改，新版本自生效日期起适用）"))
        grid = QGridLayout(form_box)
        self.effective_edit = DateEdit()
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
        self.effective_edit.message.connect(self._effective_refused)
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
        self.warnings_button = QPushButton(tr("疑点参数…"))  # ui.supervision.WarningParamsDialog
        self.warnings_button.clicked.connect(self.edit_warnings)
        self.status = QLabel()
        grid.addWidget(self.policy_message, r, 0, 1, 6)
        r += 1
        grid.addWidget(self.save_button, r, 0)
        grid.addWidget(self.warnings_button, r, 1)
        grid.addWidget(self.status, r, 2, 1, 4)
        self.luxury_box.toggled.connect(self._luxury_toggled)
        self.save_button.clicked.connect(self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("接待标准的各个版本（每条接待按其接待日期适用的版本判定）：")))
        layout.addWidget(self.table, 1)
        # the new version's fields: the national shape, then the regional parameters (issue 9)
        self.regional = RegionalPolicyForm()
        self.form_tabs = QTabWidget()
        self.form_tabs.addTab(form_box, tr("陪餐、餐费、检查项"))
        self.form_tabs.addTab(self.regional, tr("本地/外宾、住宿、单据、名单"))
        layout.addWidget(self.form_tabs)
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
                regional_text(p),
            )
            for col, text in enumerate(cells):
                item = read_only_item(text)
                item.setToolTip(text)
                self.table.setItem(i, col, item)
        latest = max(policies, key=lambda p: p.effective_from)
        self.fill_form(latest)

    def fill_form(self, p: Policy) -> None:
        """Start the new version from ``p``, effective the day after today or after ``p``, if later.
        ``base`` is ``p``; ``form_base`` is ``p`` as the form gives it back untouched, so that a
        save knows which fields the user changed."""
        start = max(date.today(), p.effective_from)
        start = date.fromordinal(start.toordinal() + 1)
        self.effective_edit.setDate(QDate(start.year, start.month, start.day))
        self._show_policy(p)
        self.base = p
        self.form_base = self.policy_from_form() or p

    def _show_policy(self, p: Policy) -> None:
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
        self.regional.fill(p)
        self.warnings = p.warnings

    def edit_warnings(self) -> WarningParamsDialog:
        dialog = WarningParamsDialog(self.warnings, self)
        dialog.accepted.connect(lambda: setattr(self, "warnings", dialog.params()))
        dialog.open()
        return dialog

    def _effective_refused(self, text: str) -> None:
        self.effective_message.setText(text)
        self.effective_message.setVisible(bool(text))

    def _confirm(self, policy: Policy) -> bool:
        """A new version is written only when the user says so, and is warned when it keeps the old name."""
        same = [p for p in self.service.policies() if p.name == policy.name]
        text = tr("新增自 {d} 起执行的版本“{name}”？历史版本不可修改，保存后不能撤回。").format(
            d=policy.effective_from.isoformat(), name=policy.name
        )
        if same:
            text += "\n\n" + tr("注意：名称与 {d} 起执行的版本相同，打印和台账中将无法区分。建议先改名称。").format(
                d=same[-1].effective_from.isoformat()
            )
        answer = QMessageBox.question(self, tr("新增标准版本"), text)
        return answer == QMessageBox.StandardButton.Yes

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
        if self.effective_edit.refusal():
            bad_date = {"effective_from": self.effective_edit.refusal()}
        else:
            bad_date = {}
        if bad or bad_date:
            self.messages.show({**bad_date, **({"meal_caps": "；".join(bad)} if bad else {})})
            return None
        qd = self.effective_edit.date()
        latest = self.regional.apply(self.base)
        if latest is None:
            self.form_tabs.setCurrentWidget(self.regional)
            return None
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
            warnings=self.warnings,
        )

    def changes(self, policy: Policy) -> dict[str, object]:
        """The fields of ``policy`` (the form's) the user changed since the form was filled."""
        names = [f.name for f in fields(Policy) if f.name != "effective_from"]
        return {n: getattr(policy, n) for n in names if getattr(policy, n) != getattr(self.form_base, n)}

    def _rebase(self, stored: Policy, changes: dict[str, object]) -> None:
        """Another desk's version is the new start; the user's changes stay in the form."""
        on = self.effective_edit.date()
        self.reload()
        self.fill_form(stored)
        self._show_policy(replace(stored, **changes))  # type: ignore[arg-type]
        self.effective_edit.setDate(on)

    def save(self) -> bool:
        self.messages.clear()
        self.status.clear()
        form = self.policy_from_form()
        if form is None:
            return False
        # only what was changed here goes onto the version as stored (another desk's stays)
        changes = self.changes(form)
        base = self.base
        policy = replace(base, effective_from=form.effective_from, **changes)  # type: ignore[arg-type]

        def refused(exc: LedgerError) -> None:
            if isinstance(exc, ChangedElsewhere) and isinstance(exc.current, Policy):
                self._rebase(exc.current, changes)
            if isinstance(exc, InvalidReception):
                self.messages.show(exc.problems, self.policy_message)
            else:
                show_ledger_error(self, exc)

        if not run(
            lambda: self.service.add_policy(self.user, policy, since=base),
            parent=self,
            hub=self.hub,
            confirm=lambda: self._confirm(policy),
            refused=refused,
            settings=True,
        ):
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
    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
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
        self.loaded = self.service.reduction_for(self.year_spin.value())  # as this tab read it
        self.reduction_edit.setText(self.percent_text(self.loaded))
        self.reduction_message.hide()
        self.status.clear()

    def reload_table(self) -> None:
        this_year = date.today().year
        years = sorted(set(self.service.years()) | {this_year, this_year + 1}, reverse=True)
        self.table.setRowCount(len(years))
        for i, y in enumerate(years):
            self.table.setItem(i, 0, read_only_item(str(y)))
            self.table.setItem(i, 1, read_only_item(self.percent_text(self.service.reduction_for(y)) + "%"))

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

        year, reduction, loaded = self.year_spin.value(), percent / 100, self.loaded
        if reduction == loaded:  # nothing to write: another desk's target for the year stays
            self._year_changed()
            self.status.setStyleSheet("")
            self.status.setText(
                tr("没有修改；{y} 年的压减比例为 {p}%").format(y=year, p=self.percent_text(self.loaded))
            )
            return True

        def refused(exc: LedgerError) -> None:
            if not isinstance(exc, InvalidReception):
                show_ledger_error(self, exc)
                return
            if isinstance(exc, ChangedElsewhere) and isinstance(exc.current, Decimal):
                self.loaded = exc.current  # seen at the field: the next save is meant
                self.reload_table()
            self.reduction_message.setText("；".join(exc.problems.values()))
            self.reduction_message.show()

        if not run(
            lambda: self.service.set_reduction(self.user, year, reduction, since=loaded),
            parent=self,
            hub=self.hub,
            refused=refused,
            settings=True,
        ):
            return False
        self.loaded = reduction
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

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
        self.setWindowTitle(tr("设置"))
        self.tabs = QTabWidget()
        self.bureau_tab = BureauTab(service, user, hub=hub)
        self.users_tab = UsersTab(service, user, hub=hub)
        self.policy_tab = PolicyTab(service, user, hub=hub)
        self.targets_tab = TargetsTab(service, user, hub=hub)
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
        fit_window(self, "settings", QSize(980, 680))

    @classmethod
    def open_for(
        cls, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> SettingsDialog | None:
        if not user.has(Role.ADMIN):
            QMessageBox.information(parent, tr("设置"), tr("只有管理员可以修改设置"))
            return None
        dialog = cls(service, user, parent, hub)
        dialog.exec()
        return dialog
