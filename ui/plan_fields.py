"""The fields of a pre-approval (接待审批单), as the plan dialog shows them.

``PlanFields`` loads a ``Plan`` (``load``), gives back what is typed (``values()``: the Plan's
own fields), turns read-only, and reports what it refuses itself (``problems()``: a budget
that is not money, a meal cell that is no date). Each field sits in a ``FieldIndex`` row
(ui.reception.fields), so a problem the service reports (``visiting_unit``, ``meals.2`` …)
lands under its field. Read top to bottom: the visit and its letter beside the people, the
planned meals, then lodging, budget and remarks.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import ZERO
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import ACTIVITY_KINDS, GUEST_ORIGINS
from ui.columns import fit_columns
from ui.dates import DateEdit
from ui.meals_model import CountDelegate, DateDelegate, MoneyDelegate, meal_kind_delegate, venue_type_delegate
from ui.people_model import PeopleModel
from ui.plan_meals import AMOUNT, DATE, DINERS, KIND, STANDARD, VENUE, VENUE_TYPE, PlannedMealsModel
from ui.reception.fields import (
    TABLE_EDIT_TRIGGERS,
    FieldIndex,
    MoneyEdit,
    field_error,
    pydate,
    qdate,
    restyle,
)
from ui.reception.people_tab import people_table, wire_people_buttons

MAX_PEOPLE = 9999
# what the meals' columns usually hold, so that they are wide enough before any meal is typed
MEAL_SAMPLES = {
    DATE: "2026-11-30",
    KIND: tr("晚餐"),
    VENUE: tr("局机关食堂"),
    VENUE_TYPE: tr("高档酒店"),
    STANDARD: "1,000.00",
    AMOUNT: "10,000.00",
}


def _say(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


class PlanFields(QWidget):
    """Every field of a plan; ``edited`` on every change."""

    edited = Signal()

    def __init__(self, fields: FieldIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = fields
        self._loading = False
        self._read_only = False
        self._start = date.today()
        self._persons = 0
        self._grid = QGridLayout(self)
        self._groups = (self._visit_group(), self._people_group(), self._meals_group(), self._other_group())
        self._columns = 0
        self._place(2)

        for line in self.line_edits():
            line.textChanged.connect(self._changed)
        self.remarks.textChanged.connect(self._changed)
        for combo in (self.activity_kind, self.guest_origin):
            combo.currentIndexChanged.connect(self._changed)
        for spin in (self.lodging_persons, self.lodging_nights):
            spin.valueChanged.connect(self._changed)
        self.guest_count.valueChanged.connect(self._counts_changed)
        self.companion_count.valueChanged.connect(self._counts_changed)
        self.guests_model.edited.connect(lambda: self._named(self.guests_model, self.guest_count))
        self.companions_model.edited.connect(lambda: self._named(self.companions_model, self.companion_count))
        self.meals_model.edited.connect(self._changed)
        self.start_date.dateChanged.connect(self._start_moved)
        self.end_date.dateChanged.connect(self._changed)
        self.multi_day.toggled.connect(self._multi_day_toggled)

    # ------------------------------------------------------------------ building
    def fit_width(self, width: int) -> None:
        """The visit and the people side by side when both fit in ``width`` (the scroll area's),
        else one above the other: at 150 % on a 1366×768 screen the form would scroll sideways."""
        visit, people = self._groups[0], self._groups[1]
        margins = self._grid.contentsMargins()
        two = (
            visit.minimumSizeHint().width()
            + people.minimumSizeHint().width()
            + self._grid.horizontalSpacing()
            + margins.left()
            + margins.right()
        )
        self._place(2 if width >= two else 1)

    def _place(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        grid = self._grid
        for group in self._groups:
            grid.removeWidget(group)
        visit, people, meals, other = self._groups
        if columns == 2:
            grid.addWidget(visit, 0, 0)
            grid.addWidget(people, 0, 1)
        else:
            grid.addWidget(visit, 0, 0, 1, 2)
            grid.addWidget(people, 1, 0, 1, 2)
        first = 1 if columns == 2 else 2
        grid.addWidget(meals, first, 0, 1, 2)
        grid.addWidget(other, first + 1, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        for row in range(5):  # what is left goes below the fields, not into the tables
            grid.setRowStretch(row, 1 if row == first + 2 else 0)

    def _visit_group(self) -> QGroupBox:
        box = QGroupBox(tr("来访与公函"))
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        f = self.fields
        self.visiting_unit = QLineEdit()
        self.visiting_unit.setPlaceholderText(tr("例如：市教育局督导室"))
        f.row(form, 0, tr("来访单位："), "visiting_unit", self.visiting_unit)
        self.activity = QLineEdit()
        self.activity.setPlaceholderText(tr("例如：义务教育优质均衡督导"))
        f.row(form, 0, tr("公务活动："), "activity", self.activity)
        self.activity_kind = QComboBox()
        self.activity_kind.addItems(list(ACTIVITY_KINDS))
        f.row(form, 0, tr("活动类型："), "activity_kind", self.activity_kind)

        self.start_date = DateEdit()
        self.start_date.setMaximumWidth(160)
        f.row(form, 0, tr("计划日期："), "start_date", self.start_date)
        end_box = QWidget()
        h = QHBoxLayout(end_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.multi_day = QCheckBox(tr("跨天，结束日期"))
        self.end_date = DateEdit()
        self.end_date.setMaximumWidth(160)
        self.end_date.setEnabled(False)
        h.addWidget(self.multi_day)
        h.addWidget(self.end_date)
        h.addStretch(1)
        f.row(form, 0, "", "end_date", end_box)
        f.widget["end_date"] = self.end_date
        for key, edit in (("start_date", self.start_date), ("end_date", self.end_date)):
            edit.message.connect(lambda text, label=f.error[key]: _say(label, text))

        self.guest_origin = QComboBox()
        self.guest_origin.addItem(tr("按本地单位名单（未列入为外地）"), "")
        for origin in GUEST_ORIGINS:
            self.guest_origin.addItem(origin, origin)
        f.row(form, 0, tr("来宾类别："), "guest_origin", self.guest_origin)
        self.letter_no = QLineEdit()
        self.letter_no.setPlaceholderText(tr("例如：市教函〔2026〕7号"))
        f.row(form, 0, tr("公函文号："), "letter_no", self.letter_no)
        self.phone_record = QLineEdit()
        self.phone_record.setPlaceholderText(tr("无公函时：何时、哪个单位何人电话通知、记录人"))
        f.row(form, 0, tr("电话记录："), "phone_record", self.phone_record)
        return box

    def _people_group(self) -> QGroupBox:
        box = QGroupBox(tr("接待对象与陪餐人员"))
        v = QVBoxLayout(box)
        self.guest_count = QSpinBox()
        self.companion_count = QSpinBox()
        self.guests_model = PeopleModel(parent=self)
        self.companions_model = PeopleModel(parent=self)
        self.add_guest_button, self.remove_guest_button = self._people(
            v,
            tr("接待对象人数："),
            "guest_count",
            "guests",
            self.guest_count,
            self.guests_model,
            lambda: self.visiting_unit.text().strip(),
        )
        self.add_companion_button, self.remove_companion_button = self._people(
            v,
            tr("陪餐人数（本单位）："),
            "companion_count",
            "companions",
            self.companion_count,
            self.companions_model,
            lambda: "",
        )
        return box

    def _people(
        self,
        v: QVBoxLayout,
        label: str,
        count_key: str,
        key: str,
        count: QSpinBox,
        model: PeopleModel,
        default_unit: Any,
    ) -> tuple[QPushButton, QPushButton]:
        top = QHBoxLayout()
        top.addWidget(QLabel(label))
        count.setRange(0, MAX_PEOPLE)
        count.setMaximumWidth(90)
        top.addWidget(count)
        top.addStretch(1)
        add, remove = QPushButton(tr("添加一人")), QPushButton(tr("删除所选"))
        for b in (add, remove):
            b.setAutoDefault(False)
            top.addWidget(b)
        v.addLayout(top)
        error = field_error()
        v.addWidget(error)
        self.fields.register(count_key, count, error, 0)
        view = people_table(model)
        view.verticalHeader().setDefaultSectionSize(22)
        view.setMinimumHeight(70)
        view.setMaximumHeight(120)
        v.addWidget(view, 1)
        setattr(self, f"{key}_view", view)
        wire_people_buttons(view, model, add, remove, default_unit)
        return add, remove

    def _meals_group(self) -> QGroupBox:
        box = QGroupBox(tr("计划用餐（每餐一行：餐标为每人标准）"))
        v = QVBoxLayout(box)
        top = QHBoxLayout()
        self.add_meal_button = QPushButton(tr("添加一餐"))
        self.remove_meal_button = QPushButton(tr("删除所选餐"))
        for b in (self.add_meal_button, self.remove_meal_button):
            b.setAutoDefault(False)
            top.addWidget(b)
        top.addStretch(1)
        self.meal_total_label = QLabel()
        top.addWidget(self.meal_total_label)
        v.addLayout(top)
        self.meals_model = PlannedMealsModel(self)
        self.meals_view = QTableView()
        self.meals_view.setModel(self.meals_model)
        self._delegates = [
            (DATE, DateDelegate(self.meals_view)),
            (KIND, meal_kind_delegate(self.meals_view)),
            (VENUE_TYPE, venue_type_delegate(self.meals_view)),
            (DINERS, CountDelegate(self.meals_view)),
            (STANDARD, MoneyDelegate(self.meals_view)),
        ]
        for column, delegate in self._delegates:
            self.meals_view.setItemDelegateForColumn(column, delegate)
        # every column as wide as its header and what it holds; the venue takes what is left,
        # never less than a usual venue's name (at 150 % it was the narrowest: "局机…")
        self.meals_columns = fit_columns(self.meals_view, VENUE, MEAL_SAMPLES)
        self.meals_view.verticalHeader().setDefaultSectionSize(22)
        self.meals_view.setEditTriggers(TABLE_EDIT_TRIGGERS)
        self.meals_view.setMinimumHeight(100)
        self.meals_view.setMaximumHeight(130)
        v.addWidget(self.meals_view, 1)
        self.meals_error = field_error()
        v.addWidget(self.meals_error)
        self.fields.register("meals", self.meals_view, self.meals_error, 0)
        self.add_meal_button.clicked.connect(self.add_meal)
        self.remove_meal_button.clicked.connect(self._remove_meals)
        return box

    def _other_group(self) -> QGroupBox:
        """Lodging, budget and remarks on one line: the form stays on a 1366×768 screen."""
        box = QGroupBox(tr("住宿、预算与备注"))
        line = QHBoxLayout(box)
        forms = [QFormLayout() for _ in range(3)]
        for form, stretch in zip(forms, (0, 0, 1), strict=True):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            line.addLayout(form, stretch)
        nights = QWidget()
        row = QHBoxLayout(nights)
        row.setContentsMargins(0, 0, 0, 0)
        self.lodging_persons = QSpinBox()
        self.lodging_nights = QSpinBox()
        for spin, suffix in ((self.lodging_persons, tr(" 人")), (self.lodging_nights, tr(" 晚"))):
            spin.setRange(0, MAX_PEOPLE)
            spin.setSuffix(suffix)
            spin.setMinimumWidth(80)
        row.addWidget(self.lodging_persons)
        row.addWidget(QLabel("×"))
        row.addWidget(self.lodging_nights)
        self.fields.row(forms[0], 0, tr("住宿："), "lodging_persons", nights)
        self.fields.register("lodging_nights", self.lodging_nights, self.fields.error["lodging_persons"], 0)
        self.budget = MoneyEdit()
        self.budget.setMaximumWidth(130)
        self.fields.row(forms[1], 0, tr("预算（元）："), "budget", self.budget)
        self.remarks = QPlainTextEdit()
        self.remarks.setFixedHeight(48)
        self.remarks.setTabChangesFocus(True)
        self.fields.row(forms[2], 0, tr("备注："), "remarks", self.remarks)
        return box

    # ------------------------------------------------------------------ reading and writing
    def line_edits(self) -> tuple[QLineEdit, ...]:
        return (self.visiting_unit, self.activity, self.letter_no, self.phone_record, self.budget)

    def persons(self) -> int:
        return self.guest_count.value() + self.companion_count.value()

    def load(self, p: Plan) -> None:
        self._loading = True
        try:
            self.visiting_unit.setText(p.visiting_unit)
            self.activity.setText(p.activity)
            if self.activity_kind.findText(p.activity_kind) < 0:
                self.activity_kind.addItem(p.activity_kind)
            self.activity_kind.setCurrentText(p.activity_kind)
            self.start_date.setDate(qdate(p.start_date))
            self._start = p.start_date
            self.multi_day.setChecked(p.end_date is not None)
            self.end_date.setDate(qdate(p.end_date or p.start_date))
            self.end_date.setEnabled(p.end_date is not None and not self._read_only)
            self.guest_origin.setCurrentIndex(max(0, self.guest_origin.findData(p.guest_origin)))
            self.letter_no.setText(p.letter_no)
            self.phone_record.setText(p.phone_record)
            self.guest_count.setValue(p.guest_count)
            self.companion_count.setValue(p.companion_count)
            self._persons = self.persons()
            self.guests_model.set_people(p.guests)
            self.companions_model.set_people(p.companions)
            self.meals_model.set_meals(p.meals)
            self.lodging_persons.setValue(p.lodging_persons)
            self.lodging_nights.setValue(p.lodging_nights)
            self.budget.set_value(p.budget)
            self.remarks.setPlainText(p.remarks)
        finally:
            self._loading = False

    def values(self) -> dict[str, Any]:
        """The Plan's fields as typed (a refused text keeps its last good value)."""
        return {
            "visiting_unit": self.visiting_unit.text(),
            "activity": self.activity.text(),
            "activity_kind": self.activity_kind.currentText(),
            "start_date": pydate(self.start_date.date()),
            "end_date": pydate(self.end_date.date()) if self.multi_day.isChecked() else None,
            "guest_origin": self.guest_origin.currentData() or "",
            "letter_no": self.letter_no.text(),
            "phone_record": self.phone_record.text(),
            "guest_count": self.guest_count.value(),
            "guests": self.guests_model.people(),
            "companion_count": self.companion_count.value(),
            "companions": self.companions_model.people(),
            "meals": self.meals_model.meals(),
            "lodging_persons": self.lodging_persons.value(),
            "lodging_nights": self.lodging_nights.value(),
            "budget": self.budget.value(),
            "remarks": self.remarks.toPlainText(),
        }

    def problems(self) -> dict[str, str]:
        """What the fields refuse as typed, by field (no service asked)."""
        found = dict(self.meals_model.problems())
        if self.budget.error():
            found["budget"] = self.budget.error()
        for key, edit in (("start_date", self.start_date), ("end_date", self.end_date)):
            if edit.refusal():
                found[key] = edit.refusal()
        return found

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for line in self.line_edits():
            line.setReadOnly(read_only)
        self.remarks.setReadOnly(read_only)
        for edit in (self.start_date, self.end_date):
            edit.setReadOnly(read_only)
        for spin in (self.guest_count, self.companion_count, self.lodging_persons, self.lodging_nights):
            spin.setReadOnly(read_only)
            spin.setButtonSymbols(
                QSpinBox.ButtonSymbols.NoButtons if read_only else QSpinBox.ButtonSymbols.UpDownArrows
            )
        for w in (*self.line_edits(), self.remarks, self.start_date, self.end_date):
            restyle(w)
        for spin in (self.guest_count, self.companion_count, self.lodging_persons, self.lodging_nights):
            restyle(spin)
        for w in (self.activity_kind, self.guest_origin, self.multi_day):
            w.setEnabled(not read_only)
        self.end_date.setEnabled(not read_only and self.multi_day.isChecked())
        for model in (self.guests_model, self.companions_model, self.meals_model):
            model.set_read_only(read_only)
        for b in (
            self.add_guest_button,
            self.remove_guest_button,
            self.add_companion_button,
            self.remove_companion_button,
            self.add_meal_button,
            self.remove_meal_button,
        ):
            b.setVisible(not read_only)

    # ------------------------------------------------------------------ as the user types
    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def _counts_changed(self) -> None:
        if self._loading:
            return
        old, self._persons = self._persons, self.persons()
        for row, m in enumerate(self.meals_model.meals()):  # meals at the whole party follow it
            if m.diners == old and old != self._persons:
                self.meals_model.setData(self.meals_model.index(row, DINERS), self._persons)
        self.edited.emit()

    def _named(self, model: PeopleModel, count: QSpinBox) -> None:
        """A list longer than its head count raises the count."""
        if not self._loading and model.named_count() > count.value():
            count.setValue(model.named_count())
        self._changed()

    def _start_moved(self, qd: QDate) -> None:
        if self._loading:
            return
        old, self._start = self._start, pydate(qd)
        for row, m in enumerate(self.meals_model.meals()):  # meals on the old first day move with it
            if m.date == old:
                self.meals_model.setData(self.meals_model.index(row, DATE), qd)
        if not self.multi_day.isChecked():
            self.end_date.setDate(qd)
        self.edited.emit()

    def _multi_day_toggled(self, on: bool) -> None:
        self.end_date.setEnabled(on and not self._read_only)
        if on and self.end_date.date() < self.start_date.date():
            self.end_date.setDate(self.start_date.date())
        self._changed()

    def add_meal(self) -> int:
        meals = self.meals_model.meals()
        last = meals[-1] if meals else None
        meal = PlannedMeal(
            date=last.date if last else pydate(self.start_date.date()),
            kind="dinner" if last and last.kind == "lunch" else "lunch",
            venue=last.venue if last else "",
            venue_type=last.venue_type if last else "学校食堂",
            diners=self.persons(),
            standard=last.standard if last else ZERO,
        )
        row = self.meals_model.add_meal(meal)
        self.meals_view.setCurrentIndex(self.meals_model.index(row, VENUE))
        self.meals_view.setFocus()
        return row

    def _remove_meals(self) -> None:
        rows = {ix.row() for ix in self.meals_view.selectionModel().selectedIndexes()}
        if not rows and self.meals_view.currentIndex().isValid():
            rows = {self.meals_view.currentIndex().row()}
        self.meals_model.remove_meals(rows)
