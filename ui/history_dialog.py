"""The history of one reception: who did what and when, with the before → after of each change."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.policy import RULES
from ledger.records import FIELD_LABELS, MEAL_KINDS, STATUS_LABELS, HistoryEntry, Status
from ledger.service import LedgerError, LedgerService
from ui.screen_fit import fit_window
from ui.table_model import FlatTableModel

_Index = QModelIndex | QPersistentModelIndex

ENTRY_COLUMNS = (tr("时间"), tr("操作人"), tr("操作"), tr("说明"))
CHANGE_COLUMNS = (tr("项目"), tr("修改前"), tr("修改后"))


def _person_text(p: dict[str, Any]) -> str:
    extra = "，".join(x for x in (p.get("unit", ""), p.get("title", "")) if x)
    return f"{p.get('name', '')}（{extra}）" if extra else str(p.get("name", ""))


def _meal_text(m: dict[str, Any]) -> str:
    parts = [
        str(m.get("date", "")),
        MEAL_KINDS.get(str(m.get("kind", "")), str(m.get("kind", ""))),
        str(m.get("venue", "")),
        str(m.get("venue_type", "")),
        tr("{n}人").format(n=m.get("diners", 0)),
        tr("¥{a}").format(a=m.get("amount", "0.00")),
    ]
    if m.get("tobacco_alcohol") not in (None, "0.00"):
        parts.append(tr("烟酒 ¥{a}").format(a=m["tobacco_alcohol"]))
    if m.get("invoice_no"):
        parts.append(tr("发票 {n}").format(n=m["invoice_no"]))
    return " ".join(p for p in parts if p)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_USER_FIELDS = ("created_by", "submitted_by", "approved_by")
# the order the reception form shows its fields in: changes are listed the same way
_FIELD_ORDER = {name: i for i, name in enumerate(FIELD_LABELS)}


def datetime_text(value: str) -> str:
    """An ISO timestamp from a snapshot as the rest of the app shows one: ``2026-11-26 20:00``."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def value_text(field: str, value: Any, names: dict[str, str] | None = None) -> str:
    """A snapshot value as a person reads it; ``names`` maps user names to display names."""
    if value is None or value == "" or value == [] or value == {}:
        return tr("（空）")
    if isinstance(value, bool):
        return tr("是") if value else tr("否")
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        return datetime_text(value)
    if field in _USER_FIELDS and isinstance(value, str) and names:
        label = names.get(value, value)
        return label if label == value else f"{label}（{value}）"
    if field == "status":
        try:
            return STATUS_LABELS[Status(value)]
        except ValueError:
            return str(value)
    if field == "meals" and isinstance(value, list):
        return "\n".join(_meal_text(m) if isinstance(m, dict) else str(m) for m in value)
    if field in ("guests", "companions", "staff") and isinstance(value, list):
        return "、".join(_person_text(p) if isinstance(p, dict) else str(p) for p in value)
    if field == "explanations" and isinstance(value, dict):
        return "\n".join(f"{RULES.get(k, k)}：{v}" for k, v in value.items())
    if field == "attachments" and isinstance(value, list):
        return "、".join(str(a.get("filename", "")) if isinstance(a, dict) else str(a) for a in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{v}" for k, v in value.items())
    return str(value)


class HistoryModel(FlatTableModel):
    columns = ENTRY_COLUMNS

    def __init__(self, entries: list[HistoryEntry], names: dict[str, str], parent: Any = None) -> None:
        super().__init__(parent)
        self._entries = entries
        self._names = names

    def entry(self, row: int) -> HistoryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_total(self) -> int:
        return len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        e = self.entry(index.row()) if index.isValid() else None
        if e is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        col = index.column()
        if col == 0:
            return e.at.strftime("%Y-%m-%d %H:%M")
        if col == 1:
            label = self._names.get(e.username, e.username)
            return label if label == e.username else f"{label}（{e.username}）"
        if col == 2:
            return e.action_label
        if col == 3:
            return e.comment
        return None


class ChangesModel(FlatTableModel):
    columns = CHANGE_COLUMNS

    def __init__(self, parent: Any = None, names: dict[str, str] | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str]] = []
        self._names = names or {}

    def set_entry(self, entry: HistoryEntry | None) -> None:
        self.beginResetModel()
        self._rows = []
        if entry is not None:
            changes = sorted(entry.changes(), key=lambda c: _FIELD_ORDER.get(c[0], len(_FIELD_ORDER)))
            for field, before, after in changes:
                if field in ("version",):
                    continue
                self._rows.append(
                    (
                        FIELD_LABELS.get(field, field),
                        value_text(field, before, self._names),
                        value_text(field, after, self._names),
                    )
                )
        self.endResetModel()

    def row_total(self) -> int:
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.column() >= 3:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None


class HistoryDialog(QDialog):
    """``HistoryDialog(service, reception_id, parent)``: the reception's history, newest last."""

    def __init__(self, service: LedgerService, reception_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        entries = service.history(reception_id)
        names = {u.username: u.label for u in service.users()}
        ref = next((e.ref for e in reversed(entries) if e.ref), "")
        try:
            ref = service.get(reception_id).ref or ref
        except LedgerError:
            pass  # a deleted draft still has its history
        self.setWindowTitle(tr("历史记录 — {ref}").format(ref=ref))

        self.entries_model = HistoryModel(entries, names, self)
        self.entries_table = QTableView()
        self.entries_table.setModel(self.entries_model)
        self.entries_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.entries_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entries_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries_table.verticalHeader().hide()
        self.entries_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.entries_table.setColumnWidth(0, 150)
        self.entries_table.setColumnWidth(1, 150)

        self.changes_model = ChangesModel(self, names)
        self.changes_table = QTableView()
        self.changes_table.setModel(self.changes_model)
        self.changes_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.changes_table.verticalHeader().hide()
        self.changes_table.setWordWrap(True)
        header = self.changes_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.changes_label = QLabel(tr("所选操作的改动："))

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.entries_table)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.changes_label)
        lower_layout.addWidget(self.changes_table)
        splitter.addWidget(lower)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("共 {n} 条记录。选中一条查看每一项的修改前后。").format(n=len(entries))))
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

        self.entries_table.selectionModel().selectionChanged.connect(lambda *_: self._entry_selected())
        if entries:
            self.entries_table.selectRow(len(entries) - 1)
        fit_window(self, "history", QSize(820, 560))

    def select_entry(self, row: int) -> None:
        self.entries_table.selectRow(row)

    def _entry_selected(self) -> None:
        rows = self.entries_table.selectionModel().selectedRows()
        entry = self.entries_model.entry(rows[0].row()) if rows else None
        self.changes_model.set_entry(entry)
        self.changes_table.resizeRowsToContents()
        if entry is not None:
            self.changes_label.setText(
                tr("{at} {action} 的改动（{n} 项）：").format(
                    at=entry.at.strftime("%Y-%m-%d %H:%M"),
                    action=entry.action_label,
                    n=self.changes_model.rowCount(),
                )
            )
