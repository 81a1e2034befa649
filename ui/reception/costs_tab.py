"""用餐与费用: one row per meal, the other costs and any gift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import Meal, Reception
from ui.columns import fit_columns
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
from ui.reception.fields import TABLE_EDIT_TRIGGERS, FieldIndex, MoneyEdit, field_error, qdate, restyle

TAB = 2
# what such a column usually holds at its widest: its width whatever the rows (ui.columns)
MEAL_SAMPLES = {
    DATE: "2026-11-30",
    KIND: tr("晚餐"),
    VENUE: tr("教工食堂"),
    VENUE_TYPE: tr("定点饭店"),
    DINERS: "12",
    AMOUNT: "1,000.00",
    TOBACCO: "0.00",
    INVOICE: "12345678",
}


class CostsTab(QWidget):
    """Meals and costs. ``edited`` on every change."""

    edited = Signal()

    def __init__(
        self,
        fields: FieldIndex,
        reception_day: Callable[[], date],
        persons: Callable[[], int],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._day = reception_day
        self._persons = persons
        v = QVBoxLayout(self)
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
        # the venue name takes the width left, so every column fits the form without a scrollbar
        self.meals_columns = fit_columns(self.meals_view, VENUE, MEAL_SAMPLES, elide=True)
        self.meals_view.setEditTriggers(TABLE_EDIT_TRIGGERS)
        self.meals_view.setMinimumHeight(150)
        mv.addWidget(self.meals_view, 1)
        self.meals_error = field_error()
        mv.addWidget(self.meals_error)
        fields.register("meals", self.meals_view, self.meals_error, TAB)
        v.addWidget(meals, 1)

        other = QGroupBox(tr("其他费用与礼品"))
        form = QFormLayout(other)
        self.accommodation = MoneyEdit()
        fields.row(form, TAB, tr("住宿费（元）："), "accommodation", self.accommodation)
        # 住宿人数 × 住宿天数: the person-nights the lodging cap multiplies
        nights = QWidget()
        row = QHBoxLayout(nights)
        row.setContentsMargins(0, 0, 0, 0)
        self.lodging_persons = QSpinBox()
        self.lodging_nights = QSpinBox()
        for spin, suffix in ((self.lodging_persons, tr(" 人")), (self.lodging_nights, tr(" 晚"))):
            spin.setRange(0, 9999)
            spin.setSuffix(suffix)
            spin.valueChanged.connect(self.edited)
        row.addWidget(self.lodging_persons)
        row.addWidget(QLabel("×"))
        row.addWidget(self.lodging_nights)
        row.addStretch(1)
        fields.row(form, TAB, tr("住宿人数 × 天数："), "lodging_persons", nights)
        fields.register("lodging_nights", self.lodging_nights, fields.error["lodging_persons"], TAB)
        self.transport = MoneyEdit()
        fields.row(form, TAB, tr("交通费（元）："), "transport", self.transport)
        self.other_cost = MoneyEdit()
        fields.row(form, TAB, tr("其他费用（元）："), "other_cost", self.other_cost)
        self.gift_amount = MoneyEdit()
        fields.row(form, TAB, tr("礼品金额（元）："), "gift_amount", self.gift_amount)
        self.gift_description = QLineEdit()
        self.gift_description.setPlaceholderText(tr("礼品、纪念品、土特产：按规定不得赠送；如有须如实登记"))
        fields.row(form, TAB, tr("礼品说明："), "gift_description", self.gift_description)
        v.addWidget(other)

        for line in self.line_edits():
            line.textChanged.connect(self.edited)
        self.meals_model.edited.connect(self.edited)

    def money_edits(self) -> tuple[tuple[str, MoneyEdit], ...]:
        return (
            ("accommodation", self.accommodation),
            ("transport", self.transport),
            ("other_cost", self.other_cost),
            ("gift_amount", self.gift_amount),
        )

    def line_edits(self) -> tuple[QLineEdit, ...]:
        return (self.gift_description, *(edit for _key, edit in self.money_edits()))

    def load(self, r: Reception) -> None:
        self.meals_model.set_meals(r.meals)
        self.accommodation.set_value(r.accommodation)
        self.transport.set_value(r.transport)
        self.other_cost.set_value(r.other_cost)
        self.gift_amount.set_value(r.gift_amount)
        self.gift_description.setText(r.gift_description)
        self.lodging_persons.blockSignals(True)
        self.lodging_nights.blockSignals(True)
        self.lodging_persons.setValue(r.lodging_persons)
        self.lodging_nights.setValue(r.lodging_nights)
        self.lodging_persons.blockSignals(False)
        self.lodging_nights.blockSignals(False)

    def values(self) -> dict[str, Any]:
        """The amounts typed (a refused text keeps its last good value)."""
        return {
            "meals": self.meals_model.meals(),
            **{key: edit.value() for key, edit in self.money_edits()},
            "gift_description": self.gift_description.text(),
            "lodging_persons": self.lodging_persons.value(),
            "lodging_nights": self.lodging_nights.value(),
        }

    def counted(self, r: Reception) -> tuple[Reception, bool]:
        """The reception the figures are made of: an amount whose text is refused counts as 0
        (not as the last good value read while typing); True when some amount was left out."""
        amounts = {key: edit.counted() for key, edit in self.money_edits() if edit.error()}
        meals, meals_refused = self.meals_model.counted_meals()
        if not amounts and not meals_refused:
            return r, False
        return replace(r, meals=meals, **amounts), True

    def problems(self) -> dict[str, str]:
        """What these fields refuse as typed (not money, a bad meal cell), by field."""
        found = {key: edit.error() for key, edit in self.money_edits() if edit.error()}
        found.update(self.meals_model.problems())
        return found

    def set_read_only(self, read_only: bool) -> None:
        for line in self.line_edits():
            line.setReadOnly(read_only)
            restyle(line)
        self.meals_model.set_read_only(read_only)
        for spin in (self.lodging_persons, self.lodging_nights):
            spin.setReadOnly(read_only)
            restyle(spin)
        for b in (self.add_meal_button, self.remove_meal_button):
            b.setVisible(not read_only)

    def move_meals(self, old: date, new: date) -> None:
        """Meals still on the old reception date move with it."""
        for row, m in enumerate(self.meals_model.meals()):
            if m.date == old:
                self.meals_model.setData(self.meals_model.index(row, DATE), qdate(new))

    def add_meal(self) -> int:
        meals = self.meals_model.meals()
        last = meals[-1] if meals else None
        meal = Meal(
            date=self._day(),
            kind="lunch",
            venue=last.venue if last else "",
            venue_type=last.venue_type if last else "学校食堂",
            diners=self._persons(),
        )
        row = self.meals_model.add_meal(meal)
        self.meals_view.setCurrentIndex(self.meals_model.index(row, VENUE))
        self.meals_view.setFocus()  # the keyboard goes on in the new meal, not on the button
        return row

    def _remove_meals(self) -> None:
        rows = sorted({ix.row() for ix in self.meals_view.selectionModel().selectedIndexes()}, reverse=True)
        if not rows and self.meals_view.currentIndex().isValid():
            rows = [self.meals_view.currentIndex().row()]
        if rows:
            self.meals_model.remove_meals(rows)  # emits edited
