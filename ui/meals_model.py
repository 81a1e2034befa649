"""Editable table of the meals of one reception, and the cell editors it needs.

Every cell refuses what it cannot hold: a bad amount, an unknown venue type, a
negative diner count. The text typed is kept on screen, marked red with the reason,
so nothing is lost; ``problems()`` lists such cells and the form refuses to save
until they are corrected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QLineEdit,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import ZERO, MoneyError, fmt, parse_money
from ledger.records import MEAL_KINDS, VENUE_TYPES, Meal
from ui.dates import ACCEPTED, DISPLAY_FORMAT, DateEdit, parse_date_text
from ui.table_model import FlatTableModel

ModelIndex = QModelIndex | QPersistentModelIndex

DATE, KIND, VENUE, VENUE_TYPE, DINERS, AMOUNT, TOBACCO, INVOICE = range(8)
HEADERS: tuple[str, ...] = (
    tr("日期"),
    tr("餐别"),
    tr("就餐场所"),
    tr("场所类型"),
    tr("就餐人数"),
    tr("餐费（元）"),
    tr("烟酒费（元）"),
    tr("发票号"),
)
# the titles shown over the columns: the long ones on two lines, so that the eight columns fit
# the form beside its check panel on a 1366×768 laptop at 150 % (messages name HEADERS)
TITLES: tuple[str, ...] = tuple(
    {tr("就餐人数"): tr("就餐\n人数"), tr("餐费（元）"): tr("餐费\n（元）"), tr("烟酒费（元）"): tr("烟酒费\n（元）")}.get(h, h)
    for h in HEADERS
)
# the Reception field each column holds, as used in InvalidReception.problems keys
FIELDS: tuple[str, ...] = (
    "date",
    "kind",
    "venue",
    "venue_type",
    "diners",
    "amount",
    "tobacco_alcohol",
    "invoice_no",
)
MAX_DINERS = 9999

BAD_CELL = QColor("#f4b6b6")
BREACH_ROW = QColor("#fde3e1")


DEFAULT_VENUE_TYPE = Meal.__dataclass_fields__["venue_type"].default
SCHOOL_WORDS = ("学校", "中学", "小学", "校")
NUMBERED_SCHOOL = re.compile(r"[一二三四五六七八九十]中")  # 县一中, 二中: a county's middle schools
RESTAURANT_WORDS = ("饭店", "定点")


def problem_key(row: int, column: int) -> str:
    return f"meals[{row}].{FIELDS[column]}"


def infer_venue_type(venue: str) -> str | None:
    """The venue type a venue's name suggests, or None for no name.

    A canteen is a school's when the name says so, else an office canteen; a 饭店 or a
    定点 place is the designated restaurant; anything else is 其他, never a silent 学校食堂
    (and never a guessed 高档酒店: that the clerk chooses).
    """
    name = venue.strip()
    if not name:
        return None
    if "食堂" in name:
        school = any(w in name for w in SCHOOL_WORDS) or NUMBERED_SCHOOL.search(name)
        return "学校食堂" if school else "机关食堂"
    if any(w in name for w in RESTAURANT_WORDS):
        return "定点饭店"
    return "其他"


@dataclass
class _Row:
    meal: Meal
    bad: dict[int, tuple[str, str]] = field(default_factory=dict)  # column -> (typed text, message)
    # the venue type was chosen (or stored) rather than defaulted: a typed venue name never changes it
    type_chosen: bool = True

    @classmethod
    def stored(cls, meal: Meal) -> _Row:
        """A meal read back: its type counts as chosen unless it is the default with no venue yet."""
        return cls(meal, type_chosen=bool(meal.venue.strip()) or meal.venue_type != DEFAULT_VENUE_TYPE)


class MealsModel(FlatTableModel):
    """The meals as rows; ``edited`` after any user change, ``refused(row, column, message)``."""

    edited = Signal()
    refused = Signal(int, int, str)
    columns = TITLES

    def __init__(self, meals: Iterable[Meal] = (), parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[_Row] = [_Row.stored(m) for m in meals]
        self._read_only = False
        self._breaches: dict[int, list[str]] = {}
        self._problems: dict[tuple[int, int], str] = {}

    # -- reading -------------------------------------------------------------------------
    def meals(self) -> tuple[Meal, ...]:
        """The last good value of every cell (a refused cell keeps its previous value)."""
        return tuple(r.meal for r in self._rows)

    def counted_meals(self) -> tuple[tuple[Meal, ...], bool]:
        """The meals as the figures count them: a refused amount or tobacco cell counts as 0;
        True when some cell was left out that way."""
        out = []
        left_out = False
        for r in self._rows:
            m = r.meal
            if AMOUNT in r.bad:
                m, left_out = replace(m, amount=ZERO), True
            if TOBACCO in r.bad:
                m, left_out = replace(m, tobacco_alcohol=ZERO), True
            out.append(m)
        return tuple(out), left_out

    def meal(self, row: int) -> Meal:
        return self._rows[row].meal

    def problems(self) -> dict[str, str]:
        """Cells holding refused text: ``meals[i].amount`` -> message."""
        return {
            problem_key(i, col): msg for i, r in enumerate(self._rows) for col, (_t, msg) in r.bad.items()
        }

    def breach_rows(self) -> set[int]:
        return set(self._breaches)

    # -- writing -------------------------------------------------------------------------
    def set_meals(self, meals: Iterable[Meal]) -> None:
        self.beginResetModel()
        self._rows = [_Row.stored(m) for m in meals]
        self._breaches = {}
        self._problems = {}
        self.endResetModel()

    def add_meal(self, meal: Meal) -> int:
        """A new meal: its venue type follows the venue name typed until the user picks one."""
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(_Row(meal, type_chosen=False))
        self.endInsertRows()
        self.edited.emit()
        return row

    def remove_meals(self, rows: Iterable[int]) -> None:
        """Drop these rows; the others keep what was typed in them (refused text, chosen types)."""
        gone = set(rows)
        self.beginResetModel()
        self._rows = [r for i, r in enumerate(self._rows) if i not in gone]
        self._breaches = {}
        self._problems = {}
        self.endResetModel()
        self.edited.emit()

    def follow_persons(self, old: int, new: int) -> None:
        """Meals still at the default diner count (guests + companions) follow its change."""
        for i, r in enumerate(self._rows):
            if r.meal.diners == old and DINERS not in r.bad and old != new:
                r.meal = replace(r.meal, diners=new)
                ix = self.index(i, DINERS)
                self.dataChanged.emit(ix, ix)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.all_changed()

    def set_breaches(self, breaches: dict[int, list[str]]) -> None:
        """Rows that break a rule (row -> the breach messages), shaded and explained."""
        if breaches != self._breaches:
            self._breaches = {k: list(v) for k, v in breaches.items()}
            self.all_changed()

    def set_problems(self, problems: dict[str, str]) -> None:
        """Problems the service found (``meals[i].field`` keys), marked at their cells."""
        found: dict[tuple[int, int], str] = {}
        for key, message in problems.items():
            for i in range(len(self._rows)):
                for col in range(len(FIELDS)):
                    if key == problem_key(i, col):
                        found[(i, col)] = message
        if found != self._problems:
            self._problems = found
            self.all_changed()

    # -- Qt model ------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._rows)

    def vertical_header(self, section: int) -> str:
        return tr("第{n}餐").format(n=section + 1)

    def editable(self) -> bool:
        return not self._read_only

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        col = index.column()
        m = r.meal
        bad = r.bad.get(col)
        if role == Qt.ItemDataRole.DisplayRole:
            if bad:
                return bad[0]
            return self._display(m, col)
        if role == Qt.ItemDataRole.EditRole:
            if bad:
                return bad[0]
            if col == DATE:
                return QDate(m.date.year, m.date.month, m.date.day)
            if col == KIND:
                return m.kind
            if col == DINERS:
                return m.diners
            if col in (AMOUNT, TOBACCO):
                return f"{m.amount if col == AMOUNT else m.tobacco_alcohol:.2f}"
            return self._display(m, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (DINERS, AMOUNT, TOBACCO):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if bad or (index.row(), col) in self._problems:
                return BAD_CELL
            if index.row() in self._breaches:
                return BREACH_ROW
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#a30000") if bad else None
        if role == Qt.ItemDataRole.ToolTipRole:
            if bad:
                return bad[1]
            if (index.row(), col) in self._problems:
                return self._problems[(index.row(), col)]
            if index.row() in self._breaches:
                return "\n".join(self._breaches[index.row()])
            return (m.venue or None) if col == VENUE else None  # the whole name, where it ends in "…"
        return None

    @staticmethod
    def _display(m: Meal, col: int) -> str | int:
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
        if col == AMOUNT:
            return fmt(m.amount)
        if col == TOBACCO:
            return fmt(m.tobacco_alcohol)
        return m.invoice_no

    def setData(self, index: ModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._read_only:
            return False
        row, col = index.row(), index.column()
        r = self._rows[row]
        try:
            meal = self._with(r.meal, col, value)
        except ValueError as exc:
            r.bad[col] = ("" if value is None else str(value), self._label(row, col) + str(exc))
            self.dataChanged.emit(index, index)
            self.refused.emit(row, col, r.bad[col][1])
            self.edited.emit()
            return False
        had_bad = r.bad.pop(col, None) is not None
        self._problems.pop((row, col), None)
        if col == VENUE_TYPE:
            r.type_chosen = True
        if meal == r.meal and not had_bad:
            return True
        r.meal = meal
        self.dataChanged.emit(index, index)
        if col == VENUE and not r.type_chosen and VENUE_TYPE not in r.bad:
            inferred = infer_venue_type(meal.venue)
            if inferred is not None and inferred != meal.venue_type:
                r.meal = replace(meal, venue_type=inferred)
                type_index = self.index(row, VENUE_TYPE)
                self.dataChanged.emit(type_index, type_index)
        self.edited.emit()
        return True

    @staticmethod
    def _label(row: int, col: int) -> str:
        return tr("第{n}餐{column}：").format(n=row + 1, column=HEADERS[col])

    @staticmethod
    def _with(m: Meal, col: int, value: object) -> Meal:
        """The meal with one cell changed; ValueError (with a Chinese message) if refused."""
        if col == DATE:
            return replace(m, date=_read_date(value, m.date.year))
        if col == KIND:
            return replace(m, kind=read_meal_kind(value))
        if col == VENUE:
            return replace(m, venue=str(value or ""))
        if col == VENUE_TYPE:
            return replace(m, venue_type=read_venue_type(value))
        if col == DINERS:
            return replace(m, diners=_read_count(value))
        if col in (AMOUNT, TOBACCO):
            try:
                amount = parse_money(value)
            except MoneyError as exc:
                raise ValueError(str(exc)) from None
            return replace(m, amount=amount) if col == AMOUNT else replace(m, tobacco_alcohol=amount)
        return replace(m, invoice_no=str(value or ""))


def _read_date(value: object, year: int) -> date:
    """A date from the calendar, or typed as the date fields take it (``year`` for ``11-24``)."""
    if isinstance(value, QDate):
        if not value.isValid():
            raise ValueError(tr("日期无效"))
        return date(value.year(), value.month(), value.day())
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    day = parse_date_text(text, year)
    if day is None:
        from reports.template_cells import no_such_day

        raise ValueError(
            no_such_day(text) or tr("“{text}”不是有效日期（可输入 {accepted}）").format(text=text, accepted=ACCEPTED)
        )
    return date(day.year(), day.month(), day.day())


def _read_count(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(tr("就餐人数应为整数"))
    if isinstance(value, int):
        n = value
    else:
        text = str(value or "").strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(tr("就餐人数应为整数"))
        n = int(text)
    if n < 0:
        raise ValueError(tr("就餐人数不能为负数"))
    if n > MAX_DINERS:
        raise ValueError(tr("就餐人数不能超过{n}").format(n=MAX_DINERS))
    return n


# ====================================================================== cell editors
class ChoiceDelegate(QStyledItemDelegate):
    """A combo box of fixed choices: (label shown, value stored)."""

    def __init__(self, choices: Iterable[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = list(choices)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        combo = QComboBox(parent)
        for label, value in self._choices:
            combo.addItem(label, value)
        return combo

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        i = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(i, 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


def venue_type_delegate(parent: QWidget | None = None) -> ChoiceDelegate:
    return ChoiceDelegate(((v, v) for v in VENUE_TYPES), parent)


def meal_kind_delegate(parent: QWidget | None = None) -> ChoiceDelegate:
    return ChoiceDelegate(((label, key) for key, label in MEAL_KINDS.items()), parent)


class DateDelegate(QStyledItemDelegate):
    """A meal's date, typed as in every date field. A text that is no date goes to the model as
    typed, which refuses it like any other cell: kept red in the cell, the reason under the
    table (the editor alone would only have said it in a tooltip, then closed)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        return DateEdit(parent=parent)

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QDateEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        model = index.model()
        if isinstance(value, QDate):
            editor.setDate(value)
        elif isinstance(model, MealsModel):  # a refused text: the editor starts at the last good date
            day = model.meal(index.row()).date
            editor.setDate(QDate(day.year, day.month, day.day))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, DateEdit)
        text = editor.refused_text() or editor.lineEdit().text().strip()
        if text != editor.date().toString(DISPLAY_FORMAT):  # refused, or typed and not yet taken
            day = parse_date_text(text, editor.date().year())
            model.setData(index, day if day is not None else text, Qt.ItemDataRole.EditRole)
            return
        model.setData(index, editor.date(), Qt.ItemDataRole.EditRole)


class CountDelegate(QStyledItemDelegate):
    """Diners: a spin box from 0, so a negative or a letter cannot even be typed."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        spin = QSpinBox(parent)
        spin.setRange(0, MAX_DINERS)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        return spin

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setValue(value if isinstance(value, int) else 0)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QSpinBox)
        editor.interpretText()
        model.setData(index, editor.value(), Qt.ItemDataRole.EditRole)


class MoneyDelegate(QStyledItemDelegate):
    """Amounts typed as text ("1,234.5", "¥80"); the model refuses what is not money."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: ModelIndex) -> QWidget:
        edit = QLineEdit(parent)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setPlaceholderText("0.00")
        return edit

    def setEditorData(self, editor: QWidget, index: ModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setText("" if value in (None, "0.00") else str(value))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: ModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


def read_meal_kind(value: object) -> str:
    """A meal kind typed in a cell (its key or its Chinese name); ValueError when it is none."""
    text = str(value or "").strip()
    for key, label in MEAL_KINDS.items():
        if text in (key, label):
            return key
    raise ValueError(tr("餐别应为{kinds}之一").format(kinds="、".join(MEAL_KINDS.values())))


def read_venue_type(value: object) -> str:
    """A venue type typed in a cell; ValueError when it is not one of VENUE_TYPES."""
    text = str(value or "").strip()
    if text not in VENUE_TYPES:
        raise ValueError(tr("场所类型应为{types}之一").format(types="、".join(VENUE_TYPES)))
    return text
