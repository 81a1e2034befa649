"""Editable table of people: the guests, the companions at the table, the support staff.

A thin adapter over a list of rows (name, unit, title). Blank rows are allowed while
typing and dropped when the list is read back as ``Person`` records.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ledger.i18n import tr
from ledger.records import Person
from ui.table_model import FlatTableModel

ModelIndex = QModelIndex | QPersistentModelIndex

NAME, UNIT, TITLE = range(3)
HEADERS: tuple[str, ...] = (tr("姓名"), tr("单位"), tr("职务"))


class PeopleModel(FlatTableModel):
    """Rows of [name, unit, title]; ``edited`` fires after any change a user makes."""

    edited = Signal()
    columns = HEADERS

    def __init__(self, people: Iterable[Person] = (), parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[list[str]] = [[p.name, p.unit, p.title] for p in people]
        self._read_only = False

    # -- reading -------------------------------------------------------------------------
    def people(self) -> tuple[Person, ...]:
        """The non-blank rows, as records."""
        return tuple(
            Person(name.strip(), unit.strip(), title.strip())
            for name, unit, title in self._rows
            if name.strip() or unit.strip() or title.strip()
        )

    def named_count(self) -> int:
        return len(self.people())

    # -- writing -------------------------------------------------------------------------
    def set_people(self, people: Iterable[Person]) -> None:
        self.beginResetModel()
        self._rows = [[p.name, p.unit, p.title] for p in people]
        self.endResetModel()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.all_changed()

    def add_person(self, unit: str = "") -> int:
        """Append a blank row (with a default unit) and return its row number."""
        row = len(self._rows)
        self.insertRows(row, 1)
        if unit:
            self._rows[row][UNIT] = unit
        return row

    # -- Qt model ------------------------------------------------------------------------
    def row_total(self) -> int:
        return len(self._rows)

    def vertical_header(self, section: int) -> str:
        return str(section + 1)

    def editable(self) -> bool:
        return not self._read_only

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[index.row()][index.column()]
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and index.column() == NAME
            and not self._rows[index.row()][NAME]
        ):
            return tr("双击填写姓名")
        return None

    def setData(self, index: ModelIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self._read_only:
            return False
        text = "" if value is None else str(value)
        if self._rows[index.row()][index.column()] == text:
            return True
        self._rows[index.row()][index.column()] = text
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.edited.emit()
        return True

    def insertRows(self, row: int, count: int, parent: ModelIndex = QModelIndex()) -> bool:
        if parent.isValid() or count < 1 or not (0 <= row <= len(self._rows)):
            return False
        self.beginInsertRows(QModelIndex(), row, row + count - 1)
        for _ in range(count):
            self._rows.insert(row, ["", "", ""])
        self.endInsertRows()
        self.edited.emit()
        return True

    def removeRows(self, row: int, count: int, parent: ModelIndex = QModelIndex()) -> bool:
        if parent.isValid() or count < 1 or row < 0 or row + count > len(self._rows):
            return False
        self.beginRemoveRows(QModelIndex(), row, row + count - 1)
        del self._rows[row : row + count]
        self.endRemoveRows()
        self.edited.emit()
        return True
