"""The reception form (接待登记): every field of one reception, checked as the officer types.

The form builds a ``Reception`` from its widgets, asks ``LedgerService.assess`` for the
breaches, lists them with their figures at the side, marks the offending fields, and
gives each breach its explanation box (情况说明). Every write goes through the service:
save a draft, submit, approve, return, reopen, add or remove an attachment.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.money import ZERO, MoneyError, fmt, parse_money
from ledger.policy import RULES
from ledger.records import (
    ACTIVITY_KINDS,
    ATTACHMENT_KINDS,
    PAYMENT_METHODS,
    Assessment,
    Attachment,
    Meal,
    Reception,
    Role,
    Status,
    User,
)
from ledger.service import (
    MAX_ATTACHMENT_BYTES,
    InvalidReception,
    LedgerError,
    LedgerService,
    StaleEdit,
)
from reports.output import output_error, write_atomic
from ui.approval_view import ApproveConfirm
from ui.autosave import AutosavedDraft, Autosaver
from ui.meals_model import (
    AMOUNT,
    DATE,
    DINERS,
    INVOICE,
    KIND,
    TOBACCO,
    VENUE,
    VENUE_TYPE,
    CountDelegate,
    DateDelegate,
    MealsModel,
    MoneyDelegate,
    meal_kind_delegate,
    venue_type_delegate,
)
from ui.people_model import PeopleModel
from ui.widgets import ok_cancel_buttons

CHECK_DELAY_MS = 150
NOT_FINAL = tr("（有金额输入有误，合计未含该项）")
MAX_PEOPLE = 9999

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


# ====================================================================== small dialogs (replaceable in tests)
class CommentDialog(QDialog):
    """A comment or reason for approving, returning or reopening."""

    def __init__(self, parent: QWidget | None, title: str, prompt: str, *, required: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._required = required
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(prompt))
        self.text = QPlainTextEdit()
        self.text.setMinimumSize(380, 110)
        layout.addWidget(self.text)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel_buttons(self, tr("确定"), reject=super().reject))

    def accept(self) -> None:
        if self._required and not self.text.toPlainText().strip():
            self.error.setText(tr("此项必须填写"))
            self.error.show()
            self.text.setFocus()
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, title: str, prompt: str, *, required: bool) -> str | None:
        dialog = cls(parent, title, prompt, required=required)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.text.toPlainText().strip()


class UnsavedPrompt:
    """Closing with unsaved changes: 保存 / 不保存 / 取消."""

    SAVE, DISCARD, CANCEL = "save", "discard", "cancel"

    @classmethod
    def ask(cls, parent: QWidget) -> str:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(tr("尚未保存"))
        box.setText(tr("此接待登记有未保存的修改，是否保存？"))
        save = box.addButton(tr("保存"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(tr("不保存"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.exec()
        if box.clickedButton() is save:
            return cls.SAVE
        if box.clickedButton() is discard:
            return cls.DISCARD
        return cls.CANCEL


class FilePrompt:
    """Choosing a scan or PDF to attach; confirming a removal; opening a file."""

    @classmethod
    def choose(cls, parent: QWidget) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent,
            tr("选择附件（公函扫描件、发票、菜单）"),
            "",
            tr("扫描件或 PDF (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp);;所有文件 (*)"),
        )
        return Path(name) if name else None

    @classmethod
    def confirm(cls, parent: QWidget, text: str) -> bool:
        answer = QMessageBox.question(parent, tr("请确认"), text)
        return answer == QMessageBox.StandardButton.Yes

    @classmethod
    def open(cls, path: Path) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


# ====================================================================== field widgets
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


class RuleBox(QFrame):
    """One rule's breaches with their figures, and its explanation (情况说明)."""

    def __init__(self, rule: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rule = rule
        self.setObjectName("ruleBox")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        self.title = QLabel(RULES.get(rule, rule))
        self.title.setObjectName("ruleTitle")
        layout.addWidget(self.title)
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.messages)
        self.prompt = QLabel(tr("情况说明（提交前必填）："))
        layout.addWidget(self.prompt)
        self.explanation = QPlainTextEdit()
        self.explanation.setPlaceholderText(tr("写明原因和处理情况，例如：超标部分由个人承担"))
        self.explanation.setFixedHeight(64)
        self.explanation.setTabChangesFocus(True)
        layout.addWidget(self.explanation)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

    def text(self) -> str:
        return self.explanation.toPlainText()


BREACH_COLOUR = QColor("#fde3e1")
PROBLEM_COLOUR = QColor("#f6bcbc")
READ_ONLY_COLOUR = QColor("#f0f0f0")  # as the style sheet greys read-only text fields


def _mark(widget: QWidget, name: str, on: bool) -> None:
    """Mark a field as breaching a rule or holding a problem (properties drive the style sheet)."""
    if bool(widget.property(name)) == on:
        return
    widget.setProperty(name, on)
    _restyle(widget)


def _restyle(widget: QWidget) -> None:
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


def _field_error() -> QLabel:
    """The hidden, wrapping message a field shows beneath it (styled as ``#fieldError``)."""
    error = QLabel()
    error.setObjectName("fieldError")
    error.setWordWrap(True)
    error.hide()
    return error


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


# ====================================================================== the form
class ReceptionDialog(QDialog):
    """Create, edit, submit, approve, return or reopen one reception.

    ``changed(reception_id)`` fires after every successful write.
    """

    changed = Signal(int)

    def __init__(
        self,
        service: LedgerService,
        user: User,
        reception_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        if reception_id is None:
            self._reception = Reception(reception_date=date.today(), clerk_name=user.label)
        else:
            self._reception = service.get(reception_id)
        self._version = self._reception.version
        self._assessment: Assessment | None = None
        self._dirty = False
        self._loading = False
        self._submit_tried = False
        self._service_problems: dict[str, str] = {}
        self._persons = 0
        self._reception_day = self._reception.reception_date
        self._field: dict[str, QWidget] = {}
        self._field_error: dict[str, QLabel] = {}
        self._field_tab: dict[str, int] = {}
        self.rule_boxes: dict[str, RuleBox] = {}
        self._problems: dict[str, str] = {}
        self._user_cache: list[User] | None = None
        self._latest_dialog: ReceptionDialog | None = None
        try:
            self._bureau_name = service.bureau().name
        except LedgerError:
            self._bureau_name = ""

        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, False)
        self.setStyleSheet(STYLE)
        self.resize(1200, 800)
        self._build()

        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.refresh_check)
        self._autosaver = Autosaver(
            service,
            user,
            self._reception.id,
            lambda: self.current_reception(all_explanations=True),
            lambda: self._version,
            self,
        )

        self._load(self._reception)
        self._connect_edits()
        self._update_actions()
        self.refresh_check()

    # ------------------------------------------------------------------ public
    @property
    def reception_id(self) -> int | None:
        return self._reception.id

    @property
    def reception(self) -> Reception:
        """The stored record this form was opened at (or last saved as)."""
        return self._reception

    @property
    def assessment(self) -> Assessment | None:
        return self._assessment

    @property
    def autosaver(self) -> Autosaver:
        return self._autosaver

    def is_dirty(self) -> bool:
        return self._dirty

    def is_editable(self) -> bool:
        return self.user.has(Role.CLERK) and self._reception.status in (Status.DRAFT, Status.RETURNED)

    def current_reception(self, *, all_explanations: bool = False) -> Reception:
        """A Reception built from the widgets (refused texts keep their last good value).

        Explanations are those of the breaches present, or every one typed when
        ``all_explanations`` (the autosave keeps them all).
        """
        r = replace(
            self._reception,
            reception_date=_pydate(self.reception_date.date()),
            end_date=_pydate(self.end_date.date()) if self.multi_day.isChecked() else None,
            visiting_unit=self.visiting_unit.text(),
            activity=self.activity.text(),
            activity_kind=self.activity_kind.currentText(),
            letter_no=self.letter_no.text(),
            letter_title=self.letter_title.text(),
            phone_record=self.phone_record.text(),
            guest_count=self.guest_count.value(),
            guests=self.guests_model.people(),
            companion_count=self.companion_count.value(),
            companions=self.companions_model.people(),
            staff=self.staff_model.people(),
            meals=self.meals_model.meals(),
            accommodation=self.accommodation.value(),
            transport=self.transport.value(),
            other_cost=self.other_cost.value(),
            gift_amount=self.gift_amount.value(),
            gift_description=self.gift_description.text(),
            payment_method=self.payment_method.currentText(),
            classified=self.classified.isChecked(),
            classified_reason=self.classified_reason.text(),
            remarks=self.remarks.toPlainText(),
            clerk_name=self.clerk_name.text(),
            explanations={},
            version=self._version,
        )
        if all_explanations:
            rules = [rule for rule, box in self.rule_boxes.items() if box.text().strip()]
        else:
            rules = list(self.service.assess(r).rules)
        texts = {rule: self.rule_boxes[rule].text() for rule in rules if rule in self.rule_boxes}
        return replace(r, explanations={k: v for k, v in texts.items() if v.strip()})

    def explanation_for(self, rule: str) -> QPlainTextEdit:
        """The explanation box of a rule (after checking the form as it stands)."""
        self.refresh_check()
        return self._rule_box(rule).explanation

    def restore_autosaved(self, draft: AutosavedDraft) -> None:
        """Fill the form with an autosaved state (after a crash); it stays marked unsaved."""
        self._autosaver.path = draft.path
        if draft.reception_id is not None and draft.version:
            self._version = draft.version
        recovered = replace(
            draft.reception,
            id=self._reception.id,
            ref=self._reception.ref,
            status=self._reception.status,
        )
        self._load(recovered)
        note = tr("已恢复 {t} 自动保存的内容，尚未保存到台账。").format(
            t=draft.saved_at.strftime("%Y-%m-%d %H:%M:%S")
        )
        if self._reception.id is not None and self._reception.version != self._version:
            note += tr("注意：此接待在自动保存之后已在别处被修改（第 {a} 版 → 第 {b} 版）。").format(
                a=self._version, b=self._reception.version
            )
        if not self.is_editable():
            note += tr("此接待当前为“{s}”，不能保存这些修改。").format(s=self._reception.status.label)
        self._show_banner(note, "warn")
        self._set_dirty(True)
        self._autosaver.changed()
        self.refresh_check()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        head = QHBoxLayout()
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        head.addWidget(self.title_label)
        head.addStretch(1)
        self.people_line = QLabel()
        self.people_line.setStyleSheet("color: #555;")
        head.addWidget(self.people_line)
        outer.addLayout(head)

        banner_row = QHBoxLayout()
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        banner_row.addWidget(self.banner, 1)
        self.open_latest_button = QPushButton(tr("在新窗口打开最新版本"))
        self.open_latest_button.setAutoDefault(False)
        self.open_latest_button.hide()
        self.open_latest_button.clicked.connect(self._open_latest)
        banner_row.addWidget(self.open_latest_button)
        outer.addLayout(banner_row)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._basic_tab(), tr("基本信息"))
        self.tabs.addTab(self._people_tab(), tr("人员"))
        self.tabs.addTab(self._costs_tab(), tr("用餐与费用"))
        self.tabs.addTab(self._attachments_tab(), tr("附件"))
        splitter.addWidget(self.tabs)
        splitter.addWidget(self._check_panel())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([780, 420])
        outer.addWidget(splitter, 1)

        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.hide()
        outer.addWidget(self.message_label)
        self.refusal_label = QLabel()
        self.refusal_label.setObjectName("refusal")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.hide()
        outer.addWidget(self.refusal_label)

        buttons = QHBoxLayout()
        self.history_button = self._button(tr("历史记录"), self.show_history)
        buttons.addWidget(self.history_button)
        buttons.addStretch(1)
        self.save_button = self._button(tr("保存草稿"), self.save_draft)
        self.save_button.setToolTip(tr("保存草稿（Ctrl+S）"))
        self.submit_button = self._button(tr("提交审核"), self.submit)
        self.approve_button = self._button(tr("审核通过"), self.approve)
        self.return_button = self._button(tr("退回"), self.return_to_clerk)
        self.reopen_button = self._button(tr("重新打开"), self.reopen)
        self.close_button = self._button(tr("关闭"), self.reject)
        for b in (
            self.save_button,
            self.submit_button,
            self.approve_button,
            self.return_button,
            self.reopen_button,
            self.close_button,
        ):
            buttons.addWidget(b)
        outer.addLayout(buttons)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self._save_shortcut)

    def _button(self, text: str, slot: object) -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.setDefault(False)
        b.clicked.connect(lambda _checked=False: slot())  # type: ignore[operator]
        return b

    def _row(self, form: QFormLayout, tab: int, label: str, key: str, widget: QWidget) -> None:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(1)
        v.addWidget(widget)
        error = _field_error()
        v.addWidget(error)
        form.addRow(label, box)
        self._register(key, widget, error, tab)

    def _register(self, key: str, widget: QWidget, error: QLabel, tab: int) -> None:
        self._field[key] = widget
        self._field_error[key] = error
        self._field_tab[key] = tab

    def _basic_tab(self) -> QWidget:
        page = QWidget()
        page_layout = QVBoxLayout(page)
        form = QFormLayout()
        page_layout.addLayout(form)
        page_layout.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.ref_label = QLabel()
        form.addRow(tr("编号："), self.ref_label)

        self.reception_date = QDateEdit()
        self.reception_date.setDisplayFormat("yyyy-MM-dd")
        self.reception_date.setCalendarPopup(True)
        self.reception_date.setMaximumWidth(160)
        self._row(form, 0, tr("接待日期："), "reception_date", self.reception_date)

        end_box = QWidget()
        h = QHBoxLayout(end_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.multi_day = QCheckBox(tr("跨天接待，结束日期"))
        self.end_date = QDateEdit()
        self.end_date.setDisplayFormat("yyyy-MM-dd")
        self.end_date.setCalendarPopup(True)
        self.end_date.setMaximumWidth(160)
        self.end_date.setEnabled(False)
        h.addWidget(self.multi_day)
        h.addWidget(self.end_date)
        h.addStretch(1)
        self._row(form, 0, "", "end_date", end_box)
        self._field["end_date"] = self.end_date

        self.visiting_unit = QLineEdit()
        self.visiting_unit.setPlaceholderText(tr("例如：市教育局"))
        self._row(form, 0, tr("来访单位："), "visiting_unit", self.visiting_unit)
        self.activity = QLineEdit()
        self.activity.setPlaceholderText(tr("例如：义务教育均衡发展督导检查"))
        self._row(form, 0, tr("公务活动："), "activity", self.activity)
        self.activity_kind = QComboBox()
        self.activity_kind.addItems(list(ACTIVITY_KINDS))
        self._row(form, 0, tr("活动类型："), "activity_kind", self.activity_kind)

        letter = QGroupBox(tr("公函或电话通知（二者至少有一）"))
        lform = QFormLayout(letter)
        self.letter_no = QLineEdit()
        self.letter_no.setPlaceholderText(tr("例如：市教函〔2025〕12号"))
        self._row(lform, 0, tr("公函文号："), "letter_no", self.letter_no)
        self.letter_title = QLineEdit()
        self._row(lform, 0, tr("公函标题："), "letter_title", self.letter_title)
        self.phone_record = QLineEdit()
        self.phone_record.setPlaceholderText(tr("无公函时填写：何时、哪个单位何人电话通知、记录人"))
        self._row(lform, 0, tr("电话记录："), "phone_record", self.phone_record)
        form.addRow(letter)

        self.payment_method = QComboBox()
        self.payment_method.addItems(list(PAYMENT_METHODS))
        self._row(form, 0, tr("支付方式："), "payment_method", self.payment_method)

        secret_box = QWidget()
        h = QHBoxLayout(secret_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.classified = QCheckBox(tr("涉密（不在公示表中公开）"))
        self.classified_reason = QLineEdit()
        self.classified_reason.setPlaceholderText(tr("涉密理由"))
        self.classified_reason.setEnabled(False)
        h.addWidget(self.classified)
        h.addWidget(self.classified_reason, 1)
        self._row(form, 0, tr("涉密："), "classified_reason", secret_box)
        self._field["classified_reason"] = self.classified_reason

        self.clerk_name = QLineEdit()
        self.clerk_name.setMaximumWidth(240)
        self._row(form, 0, tr("经办人："), "clerk_name", self.clerk_name)
        self.remarks = QPlainTextEdit()
        self.remarks.setFixedHeight(70)
        self.remarks.setTabChangesFocus(True)
        self._row(form, 0, tr("备注："), "remarks", self.remarks)
        return page

    def _people_table(self, model: PeopleModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.verticalHeader().setDefaultSectionSize(24)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        return view

    def _people_group(
        self, title: str, key: str, model: PeopleModel, count: QSpinBox | None, default_unit: object
    ) -> tuple[QGroupBox, QPushButton, QPushButton]:
        group = QGroupBox(title)
        v = QVBoxLayout(group)
        top = QHBoxLayout()
        if count is not None:
            top.addWidget(QLabel(tr("人数：")))
            count.setRange(0, MAX_PEOPLE)
            count.setMaximumWidth(100)
            top.addWidget(count)
        top.addStretch(1)
        add = QPushButton(tr("添加一人"))
        remove = QPushButton(tr("删除所选"))
        for b in (add, remove):
            b.setAutoDefault(False)
            top.addWidget(b)
        v.addLayout(top)
        error = _field_error()
        v.addWidget(error)
        view = self._people_table(model)
        v.addWidget(view, 1)
        if count is not None:
            count_key = "guest_count" if key == "guests" else "companion_count"
            self._register(count_key, count, error, 1)
            list_error = QLabel()
            list_error.setObjectName("fieldError")
            list_error.hide()
            v.addWidget(list_error)
            self._register(key, view, list_error, 1)
        else:
            self._register(key, view, error, 1)

        def add_person() -> None:
            row = model.add_person(default_unit())  # type: ignore[operator]
            view.setCurrentIndex(model.index(row, 0))
            view.edit(model.index(row, 0))

        def remove_people() -> None:
            rows = sorted({ix.row() for ix in view.selectionModel().selectedIndexes()}, reverse=True)
            if not rows and view.currentIndex().isValid():
                rows = [view.currentIndex().row()]
            for row in rows:
                model.removeRows(row, 1)

        add.clicked.connect(add_person)
        remove.clicked.connect(remove_people)
        setattr(self, f"{key}_view", view)
        return group, add, remove

    def _people_tab(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.guest_count = QSpinBox()
        self.companion_count = QSpinBox()
        self.guests_model = PeopleModel(parent=self)
        self.companions_model = PeopleModel(parent=self)
        self.staff_model = PeopleModel(parent=self)
        guests, self.add_guest_button, self.remove_guest_button = self._people_group(
            tr("接待对象"),
            "guests",
            self.guests_model,
            self.guest_count,
            lambda: self.visiting_unit.text().strip(),
        )
        companions, self.add_companion_button, self.remove_companion_button = self._people_group(
            tr("陪餐人员（本单位）"),
            "companions",
            self.companions_model,
            self.companion_count,
            lambda: self._bureau_name,
        )
        staff, self.add_staff_button, self.remove_staff_button = self._people_group(
            tr("工作保障人员（不计入陪餐）"), "staff", self.staff_model, None, lambda: self._bureau_name
        )
        grid.addWidget(guests, 0, 0, 2, 1)
        grid.addWidget(companions, 0, 1)
        grid.addWidget(staff, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        return page

    def _costs_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        meals = QGroupBox(tr("用餐（每餐一行；餐费不含烟酒）"))
        mv = QVBoxLayout(meals)
        top = QHBoxLayout()
        self.add_meal_button = QPushButton(tr("添加一餐"))
        self.remove_meal_button = QPushButton(tr("删除所选餐"))
        for b in (self.add_meal_button, self.remove_meal_button):
            b.setAutoDefault(False)
        self.add_meal_button.clicked.connect(self.add_meal)
        self.remove_meal_button.clicked.connect(self._remove_meals)
        top.addWidget(self.add_meal_button)
        top.addWidget(self.remove_meal_button)
        top.addStretch(1)
        self.meal_totals = QLabel()
        top.addWidget(self.meal_totals)
        mv.addLayout(top)
        self.meals_model = MealsModel(parent=self)
        self.meals_view = QTableView()
        self.meals_view.setModel(self.meals_model)
        self._meal_delegates = [
            (DATE, DateDelegate(self.meals_view)),
            (KIND, meal_kind_delegate(self.meals_view)),
            (VENUE_TYPE, venue_type_delegate(self.meals_view)),
            (DINERS, CountDelegate(self.meals_view)),
            (AMOUNT, MoneyDelegate(self.meals_view)),
            (TOBACCO, MoneyDelegate(self.meals_view)),
        ]
        for column, delegate in self._meal_delegates:
            self.meals_view.setItemDelegateForColumn(column, delegate)
        header = self.meals_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in (
            (DATE, 88),
            (KIND, 44),
            (VENUE_TYPE, 92),
            (DINERS, 64),
            (AMOUNT, 80),
            (TOBACCO, 84),
            (INVOICE, 96),
        ):
            self.meals_view.setColumnWidth(column, width)
        # the venue name takes the width left, so every column fits the form without a scrollbar
        header.setSectionResizeMode(VENUE, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.meals_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.meals_view.setMinimumHeight(150)
        mv.addWidget(self.meals_view, 1)
        self.meals_error = _field_error()
        mv.addWidget(self.meals_error)
        self._register("meals", self.meals_view, self.meals_error, 2)
        v.addWidget(meals, 1)

        other = QGroupBox(tr("其他费用与礼品"))
        form = QFormLayout(other)
        self.accommodation = MoneyEdit()
        self._row(form, 2, tr("住宿费（元）："), "accommodation", self.accommodation)
        self.transport = MoneyEdit()
        self._row(form, 2, tr("交通费（元）："), "transport", self.transport)
        self.other_cost = MoneyEdit()
        self._row(form, 2, tr("其他费用（元）："), "other_cost", self.other_cost)
        self.gift_amount = MoneyEdit()
        self._row(form, 2, tr("礼品金额（元）："), "gift_amount", self.gift_amount)
        self.gift_description = QLineEdit()
        self.gift_description.setPlaceholderText(tr("礼品、纪念品、土特产：按规定不得赠送；如有须如实登记"))
        self._row(form, 2, tr("礼品说明："), "gift_description", self.gift_description)
        v.addWidget(other)
        return page

    def _attachments_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("类型：")))
        self.attachment_kind = QComboBox()
        for key, label in ATTACHMENT_KINDS.items():
            self.attachment_kind.addItem(label, key)
        top.addWidget(self.attachment_kind)
        self.add_attachment_button = self._button(tr("添加附件…"), self.add_attachment)
        self.open_attachment_button = self._button(tr("打开"), self.open_attachment)
        self.remove_attachment_button = self._button(tr("删除附件"), self.remove_attachment)
        for b in (self.add_attachment_button, self.open_attachment_button, self.remove_attachment_button):
            top.addWidget(b)
        top.addStretch(1)
        v.addLayout(top)
        self.attachments_table = QTableWidget(0, 5)
        self.attachments_table.setHorizontalHeaderLabels(
            [tr("类型"), tr("文件名"), tr("大小"), tr("添加时间"), tr("SHA-256 校验值")]
        )
        self.attachments_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attachments_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attachments_table.horizontalHeader().setStretchLastSection(True)
        self.attachments_table.doubleClicked.connect(lambda _ix: self.open_attachment())
        v.addWidget(self.attachments_table, 1)
        self.attachments_error = _field_error()
        v.addWidget(self.attachments_error)
        self._register("attachments", self.attachments_table, self.attachments_error, 3)
        hint = QLabel(tr("公函扫描件、发票、菜单等；文件连同其校验值保存在台账中，打开时核对。"))
        hint.setStyleSheet("color: #666;")
        v.addWidget(hint)
        return page

    def _check_panel(self) -> QWidget:
        panel = QGroupBox(tr("合规检查与情况说明"))
        v = QVBoxLayout(panel)
        figures = QGridLayout()
        self.total_label = QLabel()
        self.over_label = QLabel()
        self.reimbursable_label = QLabel()
        self.per_person_label = QLabel()
        for row, (name, label) in enumerate(
            (
                (tr("费用合计："), self.total_label),
                (tr("超标金额："), self.over_label),
                (tr("可报销金额："), self.reimbursable_label),
                (tr("人均："), self.per_person_label),
            )
        ):
            figures.addWidget(QLabel(name), row, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.addWidget(label, row, 1)
        figures.setColumnStretch(2, 1)
        v.addLayout(figures)
        self.not_final_label = QLabel(NOT_FINAL)
        self.not_final_label.setObjectName("fieldError")
        self.not_final_label.setWordWrap(True)
        self.not_final_label.hide()
        v.addWidget(self.not_final_label)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        v.addWidget(self.verdict_label)
        self.policy_label = QLabel()
        self.policy_label.setStyleSheet("color: #666;")
        v.addWidget(self.policy_label)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        self._rules_layout = QVBoxLayout(holder)
        self._rules_layout.setContentsMargins(0, 0, 0, 0)
        self._rules_layout.addStretch(1)
        scroll.setWidget(holder)
        v.addWidget(scroll, 1)
        return panel

    # ------------------------------------------------------------------ loading
    def _load(self, r: Reception) -> None:
        self._loading = True
        try:
            self.reception_date.setDate(_qdate(r.reception_date))
            self._reception_day = r.reception_date
            self.multi_day.setChecked(r.end_date is not None)
            self.end_date.setDate(_qdate(r.end_date or r.reception_date))
            self.end_date.setEnabled(r.end_date is not None)
            self.visiting_unit.setText(r.visiting_unit)
            self.activity.setText(r.activity)
            if self.activity_kind.findText(r.activity_kind) < 0:
                self.activity_kind.addItem(r.activity_kind)
            self.activity_kind.setCurrentText(r.activity_kind)
            self.letter_no.setText(r.letter_no)
            self.letter_title.setText(r.letter_title)
            self.phone_record.setText(r.phone_record)
            if r.payment_method and self.payment_method.findText(r.payment_method) < 0:
                self.payment_method.addItem(r.payment_method)
            self.payment_method.setCurrentText(r.payment_method)
            self.classified.setChecked(r.classified)
            self.classified_reason.setText(r.classified_reason)
            self.clerk_name.setText(r.clerk_name)
            self.remarks.setPlainText(r.remarks)
            self.guest_count.setValue(r.guest_count)
            self.companion_count.setValue(r.companion_count)
            self._persons = r.guest_count + r.companion_count
            self.guests_model.set_people(r.guests)
            self.companions_model.set_people(r.companions)
            self.staff_model.set_people(r.staff)
            self.meals_model.set_meals(r.meals)
            self.accommodation.set_value(r.accommodation)
            self.transport.set_value(r.transport)
            self.other_cost.set_value(r.other_cost)
            self.gift_amount.set_value(r.gift_amount)
            self.gift_description.setText(r.gift_description)
            for rule, text in r.explanations.items():
                self._rule_box(rule).explanation.setPlainText(text)
            self._fill_attachments(self._reception.attachments)
        finally:
            self._loading = False
        self._update_header()

    def _fill_attachments(self, attachments: tuple[Attachment, ...]) -> None:
        t = self.attachments_table
        t.setRowCount(len(attachments))
        for row, a in enumerate(attachments):
            size = f"{a.size / 1024:.1f} KB" if a.size < 1024 * 1024 else f"{a.size / 1048576:.1f} MB"
            cells = (
                ATTACHMENT_KINDS.get(a.kind, a.kind),
                a.filename,
                size,
                a.added_at.strftime("%Y-%m-%d %H:%M") if a.added_at else "",
                a.sha256,
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, a.id)
                t.setItem(row, col, item)
        t.resizeColumnsToContents()

    def _update_header(self) -> None:
        r = self._reception
        ref = r.ref or tr("新登记（保存后编号）")
        self.ref_label.setText(r.ref or tr("保存后自动编号"))
        title = tr("接待登记 {ref}（{status}）").format(ref=ref, status=r.status.label)
        self.title_label.setText(title)
        self.setWindowTitle(title + (" *" if self._dirty else ""))
        names = {u.username: u.label for u in self._users()}
        parts = []
        if r.created_by:
            parts.append(tr("录入：{who}").format(who=names.get(r.created_by, r.created_by)))
        if r.submitted_by:
            when = f" {r.submitted_at:%Y-%m-%d %H:%M}" if r.submitted_at else ""
            parts.append(
                tr("提交：{who}{when}").format(who=names.get(r.submitted_by, r.submitted_by), when=when)
            )
        if r.approved_by:
            when = f" {r.approved_at:%Y-%m-%d %H:%M}" if r.approved_at else ""
            parts.append(
                tr("审核：{who}{when}").format(who=names.get(r.approved_by, r.approved_by), when=when)
            )
        if r.id is not None:
            parts.append(tr("第 {v} 版").format(v=self._version))
        self.people_line.setText("　".join(parts))
        if r.status == Status.RETURNED and r.review_comment:
            self._show_banner(tr("已退回，分管领导意见：{c}").format(c=r.review_comment), "warn")
        elif r.status == Status.APPROVED:
            self._show_banner(self._review_text(names), "info")

    def _review_text(self, names: dict[str, str]) -> str:
        """The leader's decision on an approved reception: comment, who and when."""
        r = self._reception
        who = "，".join(
            x
            for x in (
                names.get(r.approved_by, r.approved_by),
                f"{r.approved_at:%Y-%m-%d}" if r.approved_at else "",
            )
            if x
        )
        signed = tr("（{who}）").format(who=who) if who else ""
        if r.review_comment:
            return tr("审核意见：{c}{signed}").format(c=r.review_comment, signed=signed)
        return tr("已审核通过，未填写审核意见{signed}").format(signed=signed)

    def _users(self) -> list[User]:
        if self._user_cache is None:
            try:
                self._user_cache = self.service.users()
            except LedgerError:
                self._user_cache = []
        return self._user_cache

    # ------------------------------------------------------------------ edits
    def _line_edits(self) -> tuple[QLineEdit, ...]:
        """The form's one-line text and money fields."""
        return (
            self.visiting_unit,
            self.activity,
            self.letter_no,
            self.letter_title,
            self.phone_record,
            self.classified_reason,
            self.clerk_name,
            self.gift_description,
            self.accommodation,
            self.transport,
            self.other_cost,
            self.gift_amount,
        )

    def _connect_edits(self) -> None:
        for line in self._line_edits():
            line.textChanged.connect(self._edited)
        self.remarks.textChanged.connect(self._edited)
        for combo in (self.activity_kind, self.payment_method):
            combo.currentIndexChanged.connect(self._edited)
        self.reception_date.dateChanged.connect(self._reception_date_changed)
        self.end_date.dateChanged.connect(self._edited)
        self.multi_day.toggled.connect(self._multi_day_toggled)
        self.classified.toggled.connect(self._classified_toggled)
        self.guest_count.valueChanged.connect(self._counts_changed)
        self.companion_count.valueChanged.connect(self._counts_changed)
        self.guests_model.edited.connect(self._guests_edited)
        self.companions_model.edited.connect(self._companions_edited)
        self.staff_model.edited.connect(self._edited)
        self.meals_model.edited.connect(self._edited)
        self.meals_model.refused.connect(self._meal_refused)

    def _edited(self) -> None:
        if self._loading:
            return
        self._set_dirty(True)
        self._autosaver.changed()
        self._check_timer.start()

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        title = self.title_label.text()
        self.setWindowTitle(title + (" *" if dirty else ""))

    def _reception_date_changed(self, qd: QDate) -> None:
        if self._loading:
            return
        new = _pydate(qd)
        old = self._reception_day
        self._reception_day = new
        # meals still on the old reception date move with it
        for row, m in enumerate(self.meals_model.meals()):
            if m.date == old:
                self.meals_model.setData(self.meals_model.index(row, DATE), _qdate(new))
        if not self.multi_day.isChecked():
            self.end_date.setDate(qd)
        self._edited()

    def _multi_day_toggled(self, on: bool) -> None:
        self.end_date.setEnabled(on and self.is_editable())
        if on and self.end_date.date() < self.reception_date.date():
            self.end_date.setDate(self.reception_date.date())
        self._edited()

    def _classified_toggled(self, on: bool) -> None:
        self.classified_reason.setEnabled(on and self.is_editable())
        self._edited()

    def _counts_changed(self) -> None:
        if self._loading:
            return
        persons = self.guest_count.value() + self.companion_count.value()
        self.meals_model.follow_persons(self._persons, persons)
        self._persons = persons
        self._edited()

    def _guests_edited(self) -> None:
        if not self._loading and self.guests_model.named_count() > self.guest_count.value():
            self.guest_count.setValue(self.guests_model.named_count())
        self._edited()

    def _companions_edited(self) -> None:
        if not self._loading and self.companions_model.named_count() > self.companion_count.value():
            self.companion_count.setValue(self.companions_model.named_count())
        self._edited()

    def _meal_refused(self, row: int, column: int, message: str) -> None:
        self.tabs.setCurrentIndex(2)
        self.meals_view.setCurrentIndex(self.meals_model.index(row, column))

    def add_meal(self) -> int:
        meals = self.meals_model.meals()
        last = meals[-1] if meals else None
        meal = Meal(
            date=_pydate(self.reception_date.date()),
            kind="lunch",
            venue=last.venue if last else "",
            venue_type=last.venue_type if last else "学校食堂",
            diners=self.guest_count.value() + self.companion_count.value(),
        )
        row = self.meals_model.add_meal(meal)
        self.meals_view.setCurrentIndex(self.meals_model.index(row, VENUE))
        return row

    def _remove_meals(self) -> None:
        rows = sorted({ix.row() for ix in self.meals_view.selectionModel().selectedIndexes()}, reverse=True)
        if not rows and self.meals_view.currentIndex().isValid():
            rows = [self.meals_view.currentIndex().row()]
        if not rows:
            return
        self.meals_model.remove_meals(rows)  # emits edited

    # ------------------------------------------------------------------ live check
    def refresh_check(self) -> None:
        """Assess the form as it stands: breaches, figures, marks and problems."""
        self._check_timer.stop()
        r = self.current_reception(all_explanations=True)
        counted, refused = self._counted(r)
        assessment = self.service.assess(counted)
        self._assessment = assessment
        self._show_assessment(counted, assessment, not_final=refused)
        self._show_problems(self._live_problems(r, assessment))

    def _money_edits(self) -> tuple[tuple[str, MoneyEdit], ...]:
        return (
            ("accommodation", self.accommodation),
            ("transport", self.transport),
            ("other_cost", self.other_cost),
            ("gift_amount", self.gift_amount),
        )

    def _counted(self, r: Reception) -> tuple[Reception, bool]:
        """The reception the figures are made of: an amount whose text is refused counts as 0
        (not as the last good value read while typing); True when some amount was left out."""
        amounts = {name: edit.counted() for name, edit in self._money_edits() if edit.error()}
        meals, meals_refused = self.meals_model.counted_meals()
        if not amounts and not meals_refused:
            return r, False
        return replace(r, meals=meals, **amounts), True

    def _show_assessment(self, r: Reception, a: Assessment, *, not_final: bool = False) -> None:
        self.not_final_label.setVisible(not_final)
        self.total_label.setText(tr("{x} 元").format(x=fmt(a.total)))
        over = tr("{x} 元").format(x=fmt(a.over_standard_amount))
        self.over_label.setText(
            f"<b style='color:#b71c1c'>{over}</b>" if a.over_standard_amount > 0 else over
        )
        self.reimbursable_label.setText(tr("{x} 元").format(x=fmt(a.reimbursable)))
        self.per_person_label.setText(tr("{x} 元（{n} 人）").format(x=fmt(r.per_person), n=r.persons))
        self.meal_totals.setText(
            tr("餐费 {m} 元　烟酒 {t} 元　合计 {x} 元").format(
                m=fmt(r.meal_total), t=fmt(r.tobacco_alcohol_total), x=fmt(a.total)
            )
            + (NOT_FINAL if not_final else "")
        )
        self.meal_totals.setStyleSheet("color: #c62828;" if not_final else "")
        self.policy_label.setText(
            tr("依据 {d} 起执行的接待标准").format(d=a.policy_effective_from.isoformat())
        )
        if a.compliant:
            self.verdict_label.setObjectName("compliant")
            self.verdict_label.setText(tr("✓ 符合接待标准"))
        else:
            self.verdict_label.setObjectName("breachCount")
            # a breach without an over-standard amount (too many companions, no letter) costs nothing
            over = a.over_standard_amount > 0
            if self.is_editable():
                advice = tr("请逐项填写情况说明；超标部分不予报销。") if over else tr("请逐项填写情况说明。")
            else:
                advice = tr("超标部分不予报销。") if over else ""
            self.verdict_label.setText(tr("发现 {n} 处违规。").format(n=len(a.violations)) + advice)
        self.verdict_label.style().unpolish(self.verdict_label)
        self.verdict_label.style().polish(self.verdict_label)

        by_rule: dict[str, list[str]] = {}
        meal_breaches: dict[int, list[str]] = {}
        for v in a.violations:
            line = v.message
            if v.excess > 0 and fmt(v.excess) not in line:
                line += tr("（超标 {x} 元）").format(x=fmt(v.excess))
            by_rule.setdefault(v.rule, []).append(line)
            if v.meal_index is not None:
                meal_breaches.setdefault(v.meal_index, []).append(v.message)
        for rule in RULES:
            if rule in by_rule:
                box = self._rule_box(rule)
                box.messages.setText("\n".join(f"• {line}" for line in by_rule[rule]))
                box.show()
            elif rule in self.rule_boxes:
                self.rule_boxes[rule].hide()  # the text typed stays, should the breach come back

        def breach(widget: QWidget, rule: str) -> None:
            on = rule in by_rule
            _mark(widget, "breach", on)
            widget.setToolTip("\n".join(by_rule[rule]) if on else "")

        breach(self.companion_count, "companions_over_cap")
        breach(self.letter_no, "missing_official_letter")
        breach(self.phone_record, "missing_official_letter")
        breach(self.gift_amount, "gift")
        breach(self.gift_description, "gift")
        breach(self.meals_view, "too_many_meals")
        self.meals_model.set_breaches(meal_breaches)

    def _rule_box(self, rule: str) -> RuleBox:
        box = self.rule_boxes.get(rule)
        if box is None:
            box = RuleBox(rule)
            box.hide()
            box.explanation.setReadOnly(not self.is_editable())
            _restyle(box.explanation)
            box.explanation.textChanged.connect(self._edited)
            self.rule_boxes[rule] = box
            order = list(RULES)
            position = (
                sum(
                    1 for other in self.rule_boxes if other != rule and order.index(other) < order.index(rule)
                )
                if rule in order
                else len(self.rule_boxes) - 1
            )
            self._rules_layout.insertWidget(position, box)
        return box

    def _live_problems(self, r: Reception, a: Assessment) -> dict[str, str]:
        problems: dict[str, str] = {}
        for key, edit in self._money_edits():
            if edit.error():
                problems[key] = edit.error()
        problems.update(self.meals_model.problems())
        for key, message in self.service.validate(r, for_submit=self._submit_tried).items():
            problems.setdefault(key, message)
        if self._submit_tried:
            for rule in a.rules:
                box = self.rule_boxes.get(rule)
                if box is None or not box.text().strip():
                    problems[f"explanations.{rule}"] = tr("请为“{rule}”填写情况说明后再提交").format(
                        rule=RULES.get(rule, rule)
                    )
        # problems the service reported that the form cannot recompute (e.g. attachments)
        for key, message in self._service_problems.items():
            if (
                key not in problems
                and not key.startswith(("explanations.", "meals["))
                and key not in self._field
            ):
                problems[key] = message
        return problems

    def _show_problems(self, problems: dict[str, str]) -> None:
        meal_lines: list[str] = []
        for key, error in self._field_error.items():
            message = problems.get(key, "")
            _mark(self._field[key], "problem", bool(message))
            error.setText(message)
            error.setVisible(bool(message))
        for key, message in problems.items():
            if key.startswith("meals["):
                meal_lines.append(message)
        self.meals_model.set_problems(problems)
        if meal_lines:
            self.meals_error.setText("\n".join(dict.fromkeys(meal_lines)))
            self.meals_error.show()
            _mark(self.meals_view, "problem", True)
        elif not problems.get("meals"):
            self.meals_error.hide()
        for rule, box in self.rule_boxes.items():
            message = problems.get(f"explanations.{rule}", "")
            _mark(box.explanation, "problem", bool(message))
            box.error.setText(message)
            box.error.setVisible(bool(message))
        self._problems = problems

    def problems(self) -> dict[str, str]:
        """What the form currently refuses or the service reported, by field."""
        return dict(self._problems)

    # ------------------------------------------------------------------ actions
    def _save_shortcut(self) -> None:
        if self.save_button.isVisible() and self.save_button.isEnabled():
            self.save_draft()

    def _refused_locally(self, doing: str) -> bool:
        """Refuse before writing while a field holds text that is not a value."""
        self.refresh_check()
        bad = {
            k: v
            for k, v in self._problems.items()
            if k in ("accommodation", "transport", "other_cost", "gift_amount")
            or k in self.meals_model.problems()
        }
        if bad:
            self._say(
                tr("未{doing}：以下内容填写有误，请先改正标红处：{list}").format(
                    doing=doing, list="；".join(bad.values())
                ),
                error=True,
            )
            self._focus_problem(next(iter(bad)))
            return True
        return False

    def save_draft(self) -> bool:
        """Save a draft (new or changed); True when saved."""
        if not self.is_editable():
            return False
        if self._refused_locally(tr("保存")):
            return False
        return self._write(
            tr("保存"),
            lambda: self.service.save(self.user, self.current_reception()),
            tr("已保存草稿 {ref}（第 {v} 版）"),
        )

    def submit(self) -> bool:
        if not self.is_editable():
            return False
        if self._refused_locally(tr("提交")):
            return False
        self._submit_tried = True
        return self._write(tr("提交"), self._submit_now, tr("{ref} 已提交审核，等待分管领导审核"))

    def _submit_now(self) -> Reception:
        saved = self.service.submit(self.user, self.current_reception())
        self._submit_tried = False  # before the form is checked again, as a submitted record
        return saved

    def approve(self) -> bool:
        r = self._reception
        reason = self.service.approval_refusal(self.user, r)
        if reason or r.id is None:
            self._say(reason or tr("接待记录尚未保存"), error=True)
            return False
        # the same question as the 待审核 queue asks, on the breaches recorded at submission
        breaches = len(self.service.violations_of([r.id]).get(r.id, []))
        if breaches and not ApproveConfirm.ask(r.ref, breaches, self):
            return False
        return self._decide(
            self.service.approve,
            tr("审核通过"),
            tr("审核意见（可不填）："),
            required=False,
            doing=tr("审核"),
            done=tr("{ref} 已审核通过"),
        )

    def return_to_clerk(self) -> bool:
        return self._decide(
            self.service.return_reception,
            tr("退回"),
            tr("退回意见（必填，经办人将看到）："),
            required=True,
            doing=tr("退回"),
            done=tr("{ref} 已退回经办人"),
        )

    def reopen(self) -> bool:
        return self._decide(
            self.service.reopen,
            tr("重新打开"),
            tr("重新打开的理由（必填，记入历史记录）："),
            required=True,
            doing=tr("重新打开"),
            done=tr("{ref} 已重新打开，退回经办人更正"),
        )

    def _decide(
        self,
        decide: Callable[..., Reception],
        title: str,
        prompt: str,
        *,
        required: bool,
        doing: str,
        done: str,
    ) -> bool:
        """A decision on the stored record (approve, return, reopen): ask its comment, then write."""
        rid = self._reception.id
        if rid is None:
            return False
        comment = CommentDialog.ask(self, title, prompt, required=required)
        if comment is None:
            return False
        return self._write(doing, lambda: decide(self.user, rid, comment, version=self._version), done)

    def _write(
        self,
        doing: str,
        write: Callable[[], Reception],
        done: str,
        after: Callable[[Reception, str], None] | None = None,
        **names: str,
    ) -> bool:
        """One service write; True when it went through.

        A refusal is shown by ``_refused``, naming what was not done (``doing``). On success
        ``after`` (``_after_write`` unless given) gets the stored record and ``done`` filled in
        with its ``ref``, its version ``v`` and ``names``.
        """
        try:
            saved = write()
        except LedgerError as exc:
            self._refused(exc, doing)
            return False
        (after or self._after_write)(saved, done.format(ref=saved.ref, v=saved.version, **names))
        return True

    def show_history(self) -> None:
        if self._reception.id is None:
            return
        from ui.history_dialog import HistoryDialog

        HistoryDialog(self.service, self._reception.id, self).exec()

    def _after_write(self, saved: Reception, message: str) -> None:
        self._reception = saved
        self._version = saved.version
        self._service_problems = {}
        self._load(saved)
        self._set_dirty(False)
        self._autosaver.set_reception_id(saved.id)
        self._autosaver.saved()
        self._hide_banner()
        self._update_header()
        self._update_actions()
        self.refresh_check()
        self._say(message)
        if saved.id is not None:
            self.changed.emit(saved.id)

    def _refused(self, exc: LedgerError, doing: str) -> None:
        """Show why a write was refused; the form keeps everything typed."""
        if isinstance(exc, StaleEdit):
            self._show_banner(
                str(exc) + tr("您填写的内容仍保留在此窗口中（并已自动保存），可对照最新版本后重新填写。"),
                "error",
            )
            self.open_latest_button.setVisible(self._reception.id is not None)
            self._autosaver.changed()
            self._autosaver.write_now()
            self._say(tr("未{doing}：记录已在别处被修改").format(doing=doing), error=True)
            return
        if isinstance(exc, InvalidReception):
            self._service_problems = dict(exc.problems)
            problems = self._live_problems(
                self.current_reception(all_explanations=True), self._assessment_now()
            )
            problems.update(exc.problems)
            self._show_problems(problems)
            lines = list(dict.fromkeys([*exc.problems.values(), *problems.values()]))
            self._say(tr("未{doing}：").format(doing=doing) + "；".join(lines), error=True)
            self._focus_problem(next(iter(exc.problems)))
            return
        self._say(tr("未{doing}：{reason}").format(doing=doing, reason=exc), error=True)

    def _assessment_now(self) -> Assessment:
        return self.service.assess(self.current_reception(all_explanations=True))

    def _focus_problem(self, key: str) -> None:
        if key.startswith("explanations."):
            box = self.rule_boxes.get(key.split(".", 1)[1])
            if box is not None:
                box.explanation.setFocus()
            return
        if key.startswith("meals["):
            self.tabs.setCurrentIndex(2)
            self.meals_view.setFocus()
            return
        if key in self._field:
            self.tabs.setCurrentIndex(self._field_tab[key])
            self._field[key].setFocus()

    def _say(self, message: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message_label.setText(message)
        self.message_label.show()

    def _show_banner(self, text: str, kind: str) -> None:
        colours = {
            "error": "background: #ffebee; color: #b71c1c;",
            "warn": "background: #fff8e1; color: #6d4c00;",
            "info": "background: #e8f5e9; color: #1b5e20;",
        }
        self.banner.setStyleSheet(colours.get(kind, ""))
        self.banner.setText(text)
        self.banner.show()

    def _hide_banner(self) -> None:
        self.banner.hide()
        self.open_latest_button.hide()

    def _open_latest(self) -> None:
        if self._reception.id is None:
            return
        latest = ReceptionDialog(self.service, self.user, self._reception.id, self.parentWidget())
        latest.changed.connect(self.changed)
        latest.show()
        self._latest_dialog = latest

    # ------------------------------------------------------------------ attachments
    def _selected_attachment(self) -> Attachment | None:
        row = self.attachments_table.currentRow()
        if row < 0 or row >= len(self._reception.attachments):
            return None
        return self._reception.attachments[row]

    def _attachment_write_ok(self) -> bool:
        """Attachments are their own writes: refuse if someone else changed the record meanwhile."""
        if self._reception.id is None:
            return False
        stored = self.service.get(self._reception.id)
        if stored.version != self._version:
            self._refused(
                StaleEdit(
                    tr("{ref} 已在别处被修改（您打开的是第 {a} 版，现在是第 {b} 版），未更改附件。").format(
                        ref=stored.ref, a=self._version, b=stored.version
                    )
                ),
                tr("更改附件"),
            )
            return False
        return True

    def _after_attachment(self, stored: Reception, message: str) -> None:
        """Take the new version and file list; the fields being typed stay as they are."""
        self._reception = replace(stored)
        self._version = stored.version
        self._fill_attachments(stored.attachments)
        self._update_header()
        self._say(message)
        if stored.id is not None:
            self.changed.emit(stored.id)

    def add_attachment(self, path: Path | None = None) -> bool:
        if not self.is_editable():
            return False
        if self._reception.id is None:
            self._say(tr("添加附件前先保存草稿……"))
            if not self.save_draft():
                return False
        path = path or FilePrompt.choose(self)
        if path is None:
            return False
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            self._say(
                tr("无法读取文件 {name}：{e}").format(name=Path(path).name, e=exc.strerror or exc), error=True
            )
            return False
        if len(content) > MAX_ATTACHMENT_BYTES:
            self._say(tr("附件不能超过 20 MB：{name}").format(name=Path(path).name), error=True)
            return False
        if not self._attachment_write_ok():
            return False
        rid = self._reception.id
        return self._write(
            tr("添加附件"),
            lambda: self.service.add_attachment(
                self.user, rid, Path(path).name, content, self.attachment_kind.currentData()
            ),
            tr("已添加附件 {name}"),
            self._after_attachment,
            name=Path(path).name,
        )

    def open_attachment(self) -> Path | None:
        att = self._selected_attachment()
        if att is None:
            self._say(tr("请先在列表中选中一个附件"), error=True)
            return None
        try:
            content = self.service.attachment_content(att.id)
        except LedgerError as exc:
            self._say(str(exc), error=True)
            return None
        if hashlib.sha256(content).hexdigest() != att.sha256:
            self._say(
                tr("附件 {name} 的内容与登记时的校验值不符，可能已被改动，未打开").format(name=att.filename),
                error=True,
            )
            return None
        target = Path(tempfile.gettempdir()) / safe_attachment_name(att.filename)  # an old unsafe name too
        try:
            target = write_atomic(Path(tempfile.mkdtemp(prefix="ledger-attachment-")) / target.name, content)
        except OSError as exc:
            self._say(str(output_error(exc, target)), error=True)
            return None
        if not FilePrompt.open(target):
            self._say(
                tr("系统没有能打开 {name} 的程序；文件已存到 {path}").format(name=att.filename, path=target)
            )
        else:
            self._say(tr("已打开 {name}（校验值一致）").format(name=att.filename))
        return target

    def remove_attachment(self) -> bool:
        att = self._selected_attachment()
        if att is None or not self.is_editable():
            return False
        if not FilePrompt.confirm(self, tr("删除附件“{name}”？删除记入历史记录。").format(name=att.filename)):
            return False
        if not self._attachment_write_ok():
            return False
        return self._write(
            tr("删除附件"),
            lambda: self.service.remove_attachment(self.user, att.id),
            tr("已删除附件 {name}"),
            self._after_attachment,
            name=att.filename,
        )

    # ------------------------------------------------------------------ permissions
    def _update_actions(self) -> None:
        r = self._reception
        status = r.status
        is_clerk = self.user.has(Role.CLERK)
        is_approver = self.user.has(Role.APPROVER)
        editable = self.is_editable()
        self._set_read_only(not editable)

        # the record's own lock comes first, whoever opens it; the role only for an open record
        lock_reason = ""
        if status == Status.SUBMITTED:
            lock_reason = tr("已提交审核，等待分管领导审核，不能修改")
        elif status == Status.APPROVED:
            lock_reason = tr("已审核，记录已锁定；如需更正，须由分管领导重新打开")
        elif not is_clerk:
            lock_reason = tr("您没有“经办人”角色，只能查看")
        for b in (self.save_button, self.submit_button):
            b.setVisible(is_clerk)
            b.setEnabled(editable)
            b.setToolTip(lock_reason if not editable else "")
        self.save_button.setToolTip(tr("保存草稿（Ctrl+S）") if editable else lock_reason)

        approvable = is_approver and status == Status.SUBMITTED
        self.approve_button.setVisible(approvable)
        self.return_button.setVisible(approvable)
        refusal = self.service.approval_refusal(self.user, r) if approvable else None
        self.approve_button.setEnabled(approvable and refusal is None)
        self.approve_button.setToolTip(refusal or "")
        self.return_button.setEnabled(approvable)
        self.reopen_button.setVisible(is_approver and status == Status.APPROVED)
        self.reopen_button.setToolTip(tr("已审核的记录如需更正，由分管领导写明理由后重新打开"))
        self.history_button.setVisible(r.id is not None)

        reasons = []
        if refusal:
            reasons.append(tr("不能审核：{why}").format(why=refusal))
        if lock_reason and (is_clerk or not approvable):
            reasons.append(lock_reason)
        self.refusal_label.setText("；".join(reasons))
        self.refusal_label.setVisible(bool(reasons))

    def _set_read_only(self, read_only: bool) -> None:
        for line in self._line_edits():
            line.setReadOnly(read_only)
        self.remarks.setReadOnly(read_only)
        for spin in (self.guest_count, self.companion_count):
            spin.setReadOnly(read_only)
            spin.setButtonSymbols(
                QSpinBox.ButtonSymbols.NoButtons if read_only else QSpinBox.ButtonSymbols.UpDownArrows
            )
        self.reception_date.setReadOnly(read_only)
        self.end_date.setReadOnly(read_only)
        # read-only fields look it (grey, like the disabled choices), not like white empty boxes
        for w in (
            *self._line_edits(),
            self.remarks,
            self.guest_count,
            self.companion_count,
            self.reception_date,
            self.end_date,
        ):
            _restyle(w)
        for w in (
            self.activity_kind,
            self.payment_method,
            self.multi_day,
            self.classified,
            self.attachment_kind,
        ):
            w.setEnabled(not read_only)
        self.end_date.setEnabled(not read_only and self.multi_day.isChecked())
        self.classified_reason.setEnabled(not read_only and self.classified.isChecked())
        for model in (self.guests_model, self.companions_model, self.staff_model, self.meals_model):
            model.set_read_only(read_only)
        for b in (
            self.add_guest_button,
            self.remove_guest_button,
            self.add_companion_button,
            self.remove_companion_button,
            self.add_staff_button,
            self.remove_staff_button,
            self.add_meal_button,
            self.remove_meal_button,
            self.add_attachment_button,
            self.remove_attachment_button,
        ):
            b.setVisible(not read_only)
        for box in self.rule_boxes.values():
            box.explanation.setReadOnly(read_only)
            _restyle(box.explanation)
            box.prompt.setText(tr("情况说明（提交前必填）：") if not read_only else tr("情况说明："))

    # ------------------------------------------------------------------ closing
    def reject(self) -> None:
        """Closing (Esc, 关闭, the window's ×): unsaved changes are asked about."""
        if self._dirty:
            answer = UnsavedPrompt.ask(self)
            if answer == UnsavedPrompt.CANCEL:
                return
            if answer == UnsavedPrompt.SAVE:
                if not self.save_draft():
                    return
            else:
                self._autosaver.discard()
                self._set_dirty(False)
        self._check_timer.stop()
        super().reject()
