"""基本信息: date, visiting unit, activity, letter or phone record, payment, secrecy, clerk, remarks."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import ACTIVITY_KINDS, GUEST_ORIGINS, PAYMENT_METHODS, Reception
from ui.dates import DateEdit
from ui.reception.fields import FieldIndex, pydate, qdate, restyle

TAB = 0


def _date_edit() -> DateEdit:
    edit = DateEdit()
    edit.setMaximumWidth(160)
    return edit


def _set_choice(combo: QComboBox, text: str, *, empty_too: bool = False) -> None:
    """Choose ``text``, adding it first when an older record holds a choice no longer offered."""
    if (text or empty_too) and combo.findText(text) < 0:
        combo.addItem(text)
    combo.setCurrentText(text)


def _say(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class BasicTab(QWidget):
    """The facts of the visit. ``edited`` on every change; ``date_moved(old, new)`` when the
    reception date changes (meals on the old date move with it)."""

    edited = Signal()
    date_moved = Signal(object, object)

    def __init__(self, fields: FieldIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self._read_only = False
        self._day = date.today()
        page_layout = QVBoxLayout(self)
        form = QFormLayout()
        page_layout.addLayout(form)
        page_layout.addStretch(1)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.ref_label = QLabel()
        form.addRow(tr("编号："), self.ref_label)

        self.reception_date = _date_edit()
        fields.row(form, TAB, tr("接待日期："), "reception_date", self.reception_date)
        end_box = QWidget()
        h = QHBoxLayout(end_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.multi_day = QCheckBox(tr("跨天接待，结束日期"))
        self.end_date = _date_edit()
        self.end_date.setEnabled(False)
        h.addWidget(self.multi_day)
        h.addWidget(self.end_date)
        h.addStretch(1)
        fields.row(form, TAB, "", "end_date", end_box)
        fields.widget["end_date"] = self.end_date
        for key, edit in (("reception_date", self.reception_date), ("end_date", self.end_date)):
            edit.message.connect(lambda text, label=fields.error[key]: _say(label, text))

        self.visiting_unit = QLineEdit()
        self.visiting_unit.setPlaceholderText(tr("例如：市教育局"))
        fields.row(form, TAB, tr("来访单位："), "visiting_unit", self.visiting_unit)
        self.activity = QLineEdit()
        self.activity.setPlaceholderText(tr("例如：义务教育均衡发展督导检查"))
        fields.row(form, TAB, tr("公务活动："), "activity", self.activity)
        self.activity_kind = QComboBox()
        self.activity_kind.addItems(list(ACTIVITY_KINDS))
        fields.row(form, TAB, tr("活动类型："), "activity_kind", self.activity_kind)

        letter = QGroupBox(tr("公函或电话通知（二者至少有一）"))
        lform = QFormLayout(letter)
        self.letter_no = QLineEdit()
        self.letter_no.setPlaceholderText(tr("例如：市教函〔2025〕12号"))
        fields.row(lform, TAB, tr("公函文号："), "letter_no", self.letter_no)
        self.letter_title = QLineEdit()
        fields.row(lform, TAB, tr("公函标题："), "letter_title", self.letter_title)
        self.phone_record = QLineEdit()
        self.phone_record.setPlaceholderText(tr("无公函时填写：何时、哪个单位何人电话通知、记录人"))
        fields.row(lform, TAB, tr("电话记录："), "phone_record", self.phone_record)
        form.addRow(letter)

        self.payment_method = QComboBox()
        self.payment_method.addItems(list(PAYMENT_METHODS))
        fields.row(form, TAB, tr("支付方式："), "payment_method", self.payment_method)
        # 来宾类别: the caps of 本地 / 外地 guests, or the foreign-guest section for 外宾
        self.guest_origin = QComboBox()
        self.guest_origin.addItem(tr("按本地单位名单（未列入为外地）"), "")
        for origin in GUEST_ORIGINS:
            self.guest_origin.addItem(origin, origin)
        fields.row(form, TAB, tr("来宾类别："), "guest_origin", self.guest_origin)

        secret_box = QWidget()
        h = QHBoxLayout(secret_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.classified = QCheckBox(tr("涉密（不在公示表中公开）"))
        self.classified_reason = QLineEdit()
        self.classified_reason.setPlaceholderText(tr("涉密理由"))
        self.classified_reason.setEnabled(False)
        h.addWidget(self.classified)
        h.addWidget(self.classified_reason, 1)
        fields.row(form, TAB, tr("涉密："), "classified_reason", secret_box)
        fields.widget["classified_reason"] = self.classified_reason

        self.clerk_name = QLineEdit()
        self.clerk_name.setMaximumWidth(240)
        fields.row(form, TAB, tr("经办人："), "clerk_name", self.clerk_name)
        self.remarks = QPlainTextEdit()
        self.remarks.setFixedHeight(70)
        self.remarks.setTabChangesFocus(True)
        fields.row(form, TAB, tr("备注："), "remarks", self.remarks)

        for line in self.line_edits():
            line.textChanged.connect(self.edited)
        self.remarks.textChanged.connect(self.edited)
        for combo in (self.activity_kind, self.payment_method, self.guest_origin):
            combo.currentIndexChanged.connect(self.edited)
        self.reception_date.dateChanged.connect(self._date_changed)
        self.end_date.dateChanged.connect(self.edited)
        self.multi_day.toggled.connect(self._multi_day_toggled)
        self.classified.toggled.connect(self._classified_toggled)

    def line_edits(self) -> tuple[QLineEdit, ...]:
        return (
            self.visiting_unit,
            self.activity,
            self.letter_no,
            self.letter_title,
            self.phone_record,
            self.classified_reason,
            self.clerk_name,
        )

    def day(self) -> date:
        return pydate(self.reception_date.date())

    def load(self, r: Reception) -> None:
        self._loading = True
        try:
            self.ref_label.setText(r.ref or tr("保存后自动编号"))
            self.reception_date.setDate(qdate(r.reception_date))
            self._day = r.reception_date
            self.multi_day.setChecked(r.end_date is not None)
            self.end_date.setDate(qdate(r.end_date or r.reception_date))
            self.end_date.setEnabled(r.end_date is not None and not self._read_only)
            self.visiting_unit.setText(r.visiting_unit)
            self.activity.setText(r.activity)
            _set_choice(self.activity_kind, r.activity_kind, empty_too=True)
            self.letter_no.setText(r.letter_no)
            self.letter_title.setText(r.letter_title)
            self.phone_record.setText(r.phone_record)
            _set_choice(self.payment_method, r.payment_method)
            self.guest_origin.setCurrentIndex(max(0, self.guest_origin.findData(r.guest_origin)))
            self.classified.setChecked(r.classified)
            self.classified_reason.setText(r.classified_reason)
            self.clerk_name.setText(r.clerk_name)
            self.remarks.setPlainText(r.remarks)
        finally:
            self._loading = False

    def problems(self) -> dict[str, str]:
        """The dates refused as typed (the date stays as it was, the field says why), by field."""
        found = {"reception_date": self.reception_date.refusal()}
        if self.multi_day.isChecked():
            found["end_date"] = self.end_date.refusal()
        return {key: message for key, message in found.items() if message}

    def values(self) -> dict[str, Any]:
        return {
            "reception_date": self.day(),
            "end_date": pydate(self.end_date.date()) if self.multi_day.isChecked() else None,
            "visiting_unit": self.visiting_unit.text(),
            "activity": self.activity.text(),
            "activity_kind": self.activity_kind.currentText(),
            "letter_no": self.letter_no.text(),
            "letter_title": self.letter_title.text(),
            "phone_record": self.phone_record.text(),
            "payment_method": self.payment_method.currentText(),
            "guest_origin": self.guest_origin.currentData() or "",
            "classified": self.classified.isChecked(),
            "classified_reason": self.classified_reason.text(),
            "remarks": self.remarks.toPlainText(),
            "clerk_name": self.clerk_name.text(),
        }

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for line in self.line_edits():
            line.setReadOnly(read_only)
        self.remarks.setReadOnly(read_only)
        self.reception_date.setReadOnly(read_only)
        self.end_date.setReadOnly(read_only)
        # read-only fields look it (grey, like the disabled choices), not like white empty boxes
        for w in (*self.line_edits(), self.remarks, self.reception_date, self.end_date):
            restyle(w)
        for w in (self.activity_kind, self.payment_method, self.guest_origin, self.multi_day, self.classified):
            w.setEnabled(not read_only)
        self.end_date.setEnabled(not read_only and self.multi_day.isChecked())
        self.classified_reason.setEnabled(not read_only and self.classified.isChecked())

    def _date_changed(self, qd: QDate) -> None:
        if self._loading:
            return
        old, self._day = self._day, pydate(qd)
        self.date_moved.emit(old, self._day)
        if not self.multi_day.isChecked():
            self.end_date.setDate(qd)
        self.edited.emit()

    def _multi_day_toggled(self, on: bool) -> None:
        self.end_date.setEnabled(on and not self._read_only)
        if on and self.end_date.date() < self.reception_date.date():
            self.end_date.setDate(self.reception_date.date())
        self.edited.emit()

    def _classified_toggled(self, on: bool) -> None:
        self.classified_reason.setEnabled(on and not self._read_only)
        self.edited.emit()
