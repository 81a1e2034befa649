"""The planned meals of a pre-approval (接待审批), as an editable table.

One row per meal: its day, kind, venue, venue type, diners and standard per person (餐标);
the amount (diners × standard) is shown, not typed. A cell refuses what it cannot hold — a
date that is no date, a standard that is not money — and keeps the text typed, red, with
the reason (``problems()``), so nothing is lost; the dialog refuses to save until it is
corrected. The service's problems (``meals.{i}``) and the plan's breaches (by meal) shade
their rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ledger.i18n import tr
from ledger.money import MoneyError, fmt, parse_money
from ledger.preapproval import PlannedMeal
from ui.meals_model import (
    BAD_CELL,
    BREACH_ROW,
    _read_count,
    _read_date,
    infer_venue_type,
    read_meal_kind,
    read_venue_type,
)
from ui.table_model import FlatTableModel, ModelIndex

DATE, KIND, VENUE, VENUE_TYPE, DINERS, STANDARD, AMOUNT = range(7)
HEADERS: tuple[str, ...] = (
    tr("日期"),
    tr("餐别"),
    tr("就餐场所"),
    tr("场所类型"),
    tr("就餐人数"),
    tr("餐标（元/人）"),
    tr("金额（元）"),
)
DEFAULT_VENUE_TYPE = PlannedMeal.__dataclass_fields__["venue_type"].default


@dataclass
class _Row:
    meal: PlannedMeal
    bad: dict[int, tuple[str, str]] = field(default_factory=dict)  # column -> (typed text, message)
    type_chosen: bool = True


class PlannedMealsModel(FlatTableModel):
    """The planned meals; ``edited`` after any change a user makes."""

    edited = Signal()
    columns = HEADERS

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[_Row] = []
        self._read_only = False
        self._problems: dict[int, str] = {}  # row -> the service's message
        self._breaches: dict[int, list[str]] = {}

    # -- reading -------------------------------------------------------------------------
    def meals(self) -> tuple[PlannedMeal, ...]:
        """The last good value of every cell (a refused cell keeps its previous value)."""
        return tuple(r.meal for r in self._rows)

    def problems(self) -> dict[str, str]:
        """Cells holding refused text, one message per row: ``meals.{i}`` -> message."""
        out: dict[str, str] = {}
        for i, r in enumerate(self._rows):
            if r.bad:
                out[f"meals.{i}"] = next(iter(r.bad.values()))[1]
        return out

    # -- writing -------------------------------------------------------------------------
    def set_meals(self, meals: Iterable[PlannedMeal]) -> None:
        self.beginResetModel()
        self._rows = [_Row(m) for m in meals]
        self._problems, self._breaches = {}, {}
        self.endResetModel()

    def add_meal(self, meal: PlannedMeal) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(_Row(meal, type_chosen=False))
        self.endInsertRows()
        self.edited.emit()
        return row

    def remove_meals(self, rows: Iterable[int]) -> None:
        gone = set(rows)
        if not gone:
            return
        self.beginResetModel()
        self._rows = [r for i, r in enumerate(self._rows) if i not in gone]
        self._problems, self._breaches = {}, {}
        self.endResetModel()
        self.edited.emit()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.all_changed()

    def set_marks(self, problems: dict[int, str], breaches: dict[int, list[str]]) -> None:
        """Rows the service refuses (row -> message) and rows that break a rule (row -> messages)."""
        if problems != self._problems or breaches != self._breaches:
            self._problems, self._breaches = dict(problems), {k: list(v) for k, v in breaches.items()}
            self.all_changed()

    # -- Qt model ------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._rows)

    def vertical_header(self, section: int) -> str:
        return tr("第{n}餐").format(n=section + 1)

    def editable(self) -> bool:
        return not self._read_only

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == AMOUNT:
            flags &= ~Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = index.row(), index.column()
        r = self._rows[row]
        m = r.meal
        bad = r.bad.get(col)
        if role == Qt.ItemDataRole.DisplayRole:
            return bad[0] if bad else _display(m, col)
        if role == Qt.ItemDataRole.EditRole:
            if bad:
                return bad[0]
            if col == DATE:
                return QDate(m.date.year, m.date.month, m.date.day)
            if col == KIND:
                return m.kind
            if col == DINERS:
                return m.diners
            if col == STANDARD:
                return f"{m.standard:.2f}"
            return _display(m, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (DINERS, STANDARD, AMOUNT):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if bad or row in self._problems:
                return BAD_CELL
            return BREACH_ROW if row in self._breaches else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#a30000") if bad else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if bad:
                return bad[1]
            lines = ([self._problems[row]] if row in self._problems else []) + self._breaches.get(row, [])
            return "\n".join(lines) or None
        return None

    def setData(self, index: ModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._read_only:
            return False
        row, col = index.row(), index.column()
        r = self._rows[row]
        try:
            meal = _with(r.meal, col, value)
        except ValueError as exc:
            label = tr("第{n}餐{column}：").format(n=row + 1, column=HEADERS[col])
            r.bad[col] = ("" if value is None else str(value), label + str(exc))
            self.dataChanged.emit(index, index)
            self.edited.emit()
            return False
        had_bad = r.bad.pop(col, None) is not None
        if col == VENUE_TYPE:
            r.type_chosen = True
        if meal == r.meal and not had_bad:
            return True
        if col == VENUE and not r.type_chosen:
            meal = replace(meal, venue_type=infer_venue_type(meal.venue) or meal.venue_type)
        r.meal = meal
        self.dataChanged.emit(self.index(row, 0), self.index(row, AMOUNT))
        self.edited.emit()
        return True


def _display(m: PlannedMeal, col: int) -> str | int:
    if col == DATE:
        return m.date.isoformat()
    if col == KIND:
        return m.kind_label
    if col == VENUE:
        return m.venue
    if col == VENUE_TYPE:
        return m.venue_type
    if col == DINERS:
        return m.diners
    if col == STANDARD:
        return fmt(m.standard)
    return fmt(m.amount)


def _with(m: PlannedMeal, col: int, value: object) -> PlannedMeal:
    """The meal with one cell changed; ValueError (with a Chinese message) when refused."""
    if col == DATE:
        day: date = _read_date(value, m.date.year)
        return replace(m, date=day)
    if col == KIND:
        return replace(m, kind=read_meal_kind(value))
    if col == VENUE:
        return replace(m, venue=str(value or ""))
    if col == VENUE_TYPE:
        return replace(m, venue_type=read_venue_type(value))
    if col == DINERS:
        return replace(m, diners=_read_count(value))
    if col == STANDARD:
        try:
            standard: Decimal = parse_money(value)
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
        return replace(m, standard=standard)
    raise ValueError(tr("金额按就餐人数和餐标计算"))
