"""The flat-table boilerplate every list model in the shell shares."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex


class FlatTableModel(QAbstractTableModel):
    """A flat table with one title per column in ``columns``; its items are selectable.

    A subclass tells how many rows it holds (``row_total``) and gives ``data``. It may name its
    rows in the vertical header (``vertical_header``); items are read-only unless ``editable()``.
    """

    columns: tuple[str, ...] = ()

    def row_total(self) -> int:
        raise NotImplementedError

    def vertical_header(self, section: int) -> Any:
        return None

    def editable(self) -> bool:
        return False

    def all_changed(self) -> None:
        """Every cell may look different (a read-only switch, new marks): views repaint them all."""
        if self.row_total():
            self.dataChanged.emit(self.index(0, 0), self.index(self.row_total() - 1, len(self.columns) - 1))

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return self.vertical_header(section)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.editable():
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags
