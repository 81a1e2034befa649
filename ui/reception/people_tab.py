"""人员: the guests (接待对象), the bureau's companions (陪餐) and the support staff (工作保障)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import Reception
from ui.people_model import PeopleModel
from ui.reception.fields import TABLE_EDIT_TRIGGERS, FieldIndex, field_error, restyle

TAB = 1
MAX_PEOPLE = 9999


def people_table(model: PeopleModel) -> QTableView:
    """A name list's table: one row a person, the columns stretched, edited in place."""
    view = QTableView()
    view.setModel(model)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    view.verticalHeader().setDefaultSectionSize(24)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(TABLE_EDIT_TRIGGERS)
    return view


def wire_people_buttons(
    view: QTableView,
    model: PeopleModel,
    add: QPushButton,
    remove: QPushButton,
    default_unit: Callable[[], str],
) -> None:
    """添加一人 adds a row (with the default unit) and starts editing its name; 删除所选 removes the
    selected rows, or the current one."""

    def add_person() -> None:
        row = model.add_person(default_unit())
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


class PeopleTab(QWidget):
    """Head counts and name lists. ``edited`` on every change; ``persons_changed(old, new)`` when
    guests + companions changes (the meals' diners follow it)."""

    edited = Signal()
    persons_changed = Signal(int, int)

    def __init__(
        self,
        fields: FieldIndex,
        guest_unit: Callable[[], str],
        own_unit: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._fields = fields
        self._loading = False
        self._persons = 0
        grid = QGridLayout(self)
        self.guest_count = QSpinBox()
        self.companion_count = QSpinBox()
        self.guests_model = PeopleModel(parent=self)
        self.companions_model = PeopleModel(parent=self)
        self.staff_model = PeopleModel(parent=self)
        guests, self.add_guest_button, self.remove_guest_button = self._group(
            tr("接待对象"), "guests", self.guests_model, self.guest_count, guest_unit
        )
        companions, self.add_companion_button, self.remove_companion_button = self._group(
            tr("陪餐人员（本单位）"), "companions", self.companions_model, self.companion_count, own_unit
        )
        staff, self.add_staff_button, self.remove_staff_button = self._group(
            tr("工作保障人员（不计入陪餐）"), "staff", self.staff_model, None, own_unit
        )
        grid.addWidget(guests, 0, 0, 2, 1)
        grid.addWidget(companions, 0, 1)
        grid.addWidget(staff, 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        self.guest_count.valueChanged.connect(self._counts_changed)
        self.companion_count.valueChanged.connect(self._counts_changed)
        self.guests_model.edited.connect(lambda: self._named(self.guests_model, self.guest_count))
        self.companions_model.edited.connect(lambda: self._named(self.companions_model, self.companion_count))
        self.staff_model.edited.connect(self.edited)

    def _group(
        self,
        title: str,
        key: str,
        model: PeopleModel,
        count: QSpinBox | None,
        default_unit: Callable[[], str],
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
        error = field_error()
        v.addWidget(error)
        view = people_table(model)
        v.addWidget(view, 1)
        if count is not None:
            self._fields.register("guest_count" if key == "guests" else "companion_count", count, error, TAB)
            list_error = QLabel()
            list_error.setObjectName("fieldError")
            list_error.hide()
            v.addWidget(list_error)
            self._fields.register(key, view, list_error, TAB)
        else:
            self._fields.register(key, view, error, TAB)

        wire_people_buttons(view, model, add, remove, default_unit)
        setattr(self, f"{key}_view", view)
        return group, add, remove

    def persons(self) -> int:
        return self.guest_count.value() + self.companion_count.value()

    def load(self, r: Reception) -> None:
        self._loading = True
        try:
            self.guest_count.setValue(r.guest_count)
            self.companion_count.setValue(r.companion_count)
            self._persons = r.guest_count + r.companion_count
            self.guests_model.set_people(r.guests)
            self.companions_model.set_people(r.companions)
            self.staff_model.set_people(r.staff)
        finally:
            self._loading = False

    def values(self) -> dict[str, Any]:
        return {
            "guest_count": self.guest_count.value(),
            "guests": self.guests_model.people(),
            "companion_count": self.companion_count.value(),
            "companions": self.companions_model.people(),
            "staff": self.staff_model.people(),
        }

    def set_read_only(self, read_only: bool) -> None:
        for spin in (self.guest_count, self.companion_count):
            spin.setReadOnly(read_only)
            spin.setButtonSymbols(
                QSpinBox.ButtonSymbols.NoButtons if read_only else QSpinBox.ButtonSymbols.UpDownArrows
            )
            restyle(spin)
        for model in (self.guests_model, self.companions_model, self.staff_model):
            model.set_read_only(read_only)
        for b in (
            self.add_guest_button,
            self.remove_guest_button,
            self.add_companion_button,
            self.remove_companion_button,
            self.add_staff_button,
            self.remove_staff_button,
        ):
            b.setVisible(not read_only)

    def _counts_changed(self) -> None:
        if self._loading:
            return
        old, self._persons = self._persons, self.persons()
        self.persons_changed.emit(old, self._persons)
        self.edited.emit()

    def _named(self, model: PeopleModel, count: QSpinBox) -> None:
        """A list longer than its head count raises the count."""
        if not self._loading and model.named_count() > count.value():
            count.setValue(model.named_count())
        self.edited.emit()
