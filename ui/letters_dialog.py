"""The letter register (公函登记): every letter once — number, sending unit, title, date, scan —
and the plans and receptions that cite it.

``LettersDialog`` lists the register (文件 → 公函登记…): 登记公函… and 修改… open a
``LetterDialog``; 查看扫描件 writes the scan to a temporary file and opens it with the
system's viewer. A refusal of the service (a number registered already, a number cited and
so fixed, a scan over 20 MB) is said at its field, and everything typed stays.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.letters import MAX_SCAN_BYTES
from ledger.preapproval import Letter
from ledger.records import Role, User
from ledger.service import LedgerError, LedgerService
from ui.dates import DateEdit
from ui.hub import ChangeHub
from ui.operations import run
from ui.reception.fields import pydate, qdate
from ui.screen_fit import fit_window
from ui.table_model import FlatTableModel
from ui.widgets import FieldMessages, error_label, ok_cancel_buttons

_Index = QModelIndex | QPersistentModelIndex
COLUMNS: tuple[str, ...] = (
    tr("公函文号"),
    tr("来文单位"),
    tr("标题"),
    tr("发文日期"),
    tr("扫描件"),
    tr("引用（一函一事）"),
)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


class LettersModel(FlatTableModel):
    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Letter] = []

    def set_letters(self, letters: list[Letter]) -> None:
        self.beginResetModel()
        self._items = list(letters)
        self.endResetModel()

    def letter(self, row: int) -> Letter | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_total(self) -> int:
        return len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        x = self.letter(index.row()) if index.isValid() else None
        if x is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return x.letter_no
            if col == 1:
                return x.sending_unit
            if col == 2:
                return x.title
            if col == 3:
                return x.letter_date.isoformat() if x.letter_date else ""
            if col == 4:
                return tr("有（{s}）").format(s=_size(x.scan_size)) if x.scan_size else tr("无")
            return "、".join(u.ref for u in x.uses)
        if role == Qt.ItemDataRole.ToolTipRole and col == 5 and x.uses:
            return "\n".join(u.label for u in x.uses)
        if role == Qt.ItemDataRole.ForegroundRole and col == 5 and len(x.uses) > 1:
            return (
                Qt.GlobalColor.darkRed
            )  # cited more than once: look at it (a plan and its reception is fine)
        return None


class LetterDialog(QDialog):
    """Register a letter, or correct a registered one (its number only while nobody cites it)."""

    def __init__(
        self,
        service: LedgerService,
        user: User,
        letter: Letter | None = None,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub
        self.letter = letter
        self.saved: Letter | None = None
        self._scan_path: Path | None = None
        self.setWindowTitle(tr("修改公函登记") if letter else tr("登记公函"))
        self.messages = FieldMessages()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.letter_no = QLineEdit()
        self.letter_no.setPlaceholderText(tr("例如：市教函〔2026〕7号"))
        self.messages.add_row(form, tr("公函文号："), self.letter_no, "letter_no")
        self.sending_unit = QLineEdit()
        self.messages.add_row(form, tr("来文单位："), self.sending_unit, "sending_unit")
        self.title = QLineEdit()
        self.messages.add_row(form, tr("标题："), self.title, "title")
        date_box = QWidget()
        h = QHBoxLayout(date_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.has_date = QCheckBox(tr("已知"))
        self.letter_date = DateEdit()
        self.letter_date.setMaximumWidth(160)
        h.addWidget(self.has_date)
        h.addWidget(self.letter_date)
        h.addStretch(1)
        self.messages.add_row(form, tr("发文日期："), date_box, "letter_date")
        scan_box = QWidget()
        h = QHBoxLayout(scan_box)
        h.setContentsMargins(0, 0, 0, 0)
        self.scan_label = QLabel()
        self.scan_label.setWordWrap(True)
        self.choose_button = QPushButton(tr("选择扫描件…"))
        self.choose_button.setAutoDefault(False)
        h.addWidget(self.scan_label, 1)
        h.addWidget(self.choose_button)
        self.messages.add_row(form, tr("扫描件："), scan_box, "scan")
        layout.addLayout(form)
        self.general = error_label()
        layout.addWidget(self.general)
        self.buttons = ok_cancel_buttons(self, tr("登记") if letter is None else tr("保存"))
        layout.addWidget(self.buttons)

        x = letter or Letter("", letter_date=None)
        self.letter_no.setText(x.letter_no)
        self.sending_unit.setText(x.sending_unit)
        self.title.setText(x.title)
        self.has_date.setChecked(x.letter_date is not None)
        self.letter_date.setDate(qdate(x.letter_date or service.clock().date()))
        self.letter_date.setEnabled(x.letter_date is not None)
        self.has_date.toggled.connect(self.letter_date.setEnabled)
        self.scan_label.setText(
            tr("{name}（{s}）").format(name=x.scan_filename, s=_size(x.scan_size))
            if x.scan_size
            else tr("未选择")
        )
        if letter is not None and letter.uses:
            self.letter_no.setReadOnly(True)
            self.letter_no.setToolTip(tr("已被引用的公函，文号不能再改"))
        self.choose_button.clicked.connect(lambda: self.choose_scan())
        fit_window(self, "letter", QSize(560, 0))

    def choose_scan(self, path: Path | None = None) -> bool:
        """Take a scan file (asked for when ``path`` is None); one over 20 MB is refused here."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self,
                tr("选择公函扫描件"),
                "",
                tr("扫描件或 PDF (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp);;所有文件 (*)"),
            )
            if not name:
                return False
            path = Path(name)
        label = self.messages.labels["scan"]
        try:
            size = path.stat().st_size
        except OSError as exc:
            label.setText(tr("无法读取 {name}：{e}").format(name=path.name, e=exc.strerror or exc))
            label.show()
            return False
        if size > MAX_SCAN_BYTES:
            label.setText(tr("扫描件不能超过 20 MB（{name} 为 {s}）").format(name=path.name, s=_size(size)))
            label.show()
            return False
        if size == 0:
            label.setText(tr("{name} 是空文件").format(name=path.name))
            label.show()
            return False
        label.hide()
        self._scan_path = path
        self.scan_label.setText(tr("{name}（{s}，保存时存入）").format(name=path.name, s=_size(size)))
        return True

    def record(self) -> Letter:
        base = self.letter or Letter("")
        return replace(
            base,
            letter_no=self.letter_no.text(),
            sending_unit=self.sending_unit.text(),
            title=self.title.text(),
            letter_date=pydate(self.letter_date.date()) if self.has_date.isChecked() else None,
        )

    def accept(self) -> None:
        scan: tuple[str, bytes] | None = None
        if self._scan_path is not None:
            try:
                scan = (safe_attachment_name(self._scan_path.name), self._scan_path.read_bytes())
            except OSError as exc:
                self.messages.show(
                    {"scan": tr("无法读取扫描件：{e}").format(e=exc.strerror or exc)}, self.general
                )
                return
        letter = self.record()
        write = self.service.update_letter if self.letter is not None else self.service.register_letter
        outcome = run(
            lambda: write(self.user, letter, scan),
            parent=self,
            hub=self.hub,
            refused=lambda exc: self.messages.refused(exc, self.general),
            plans=True,
        )
        if outcome.ok:
            self.saved = outcome.value
            super().accept()


class LettersDialog(QDialog):
    """The register: list, register, correct, view the scan."""

    def __init__(
        self,
        service: LedgerService,
        user: User,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub or ChangeHub(self)
        self.setWindowTitle(tr("公函登记"))
        self.model = LettersModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for column, width in ((0, 170), (1, 150), (3, 90), (4, 90), (5, 220)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.register_button = QPushButton(tr("登记公函…"))
        self.edit_button = QPushButton(tr("修改…"))
        self.scan_button = QPushButton(tr("查看扫描件"))
        self.close_button = QPushButton(tr("关闭"))
        buttons = QHBoxLayout()
        for b in (self.register_button, self.edit_button, self.scan_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("来文公函逐件登记；同一公函只用于一次接待（一函一事）。")))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        clerk = user.has(Role.CLERK)
        self.register_button.setVisible(clerk)
        self.edit_button.setVisible(clerk)

        self.register_button.clicked.connect(lambda: self.register())
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.scan_button.clicked.connect(lambda: self.open_scan())
        self.close_button.clicked.connect(self.reject)
        self.table.doubleClicked.connect(lambda _i: self.edit_selected() if clerk else self.open_scan())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.hub.plans_changed.connect(self.refresh)
        self.hub.receptions_changed.connect(self._receptions_changed)  # a method: dropped with the dialog
        fit_window(self, "letters", QSize(1100, 600))
        self.refresh()

    def _receptions_changed(self, _ids: object) -> None:
        self.refresh()

    def refresh(self) -> None:
        chosen = self.selected()
        try:
            self.model.set_letters(self.service.letters())
        except LedgerError as exc:
            self.say(str(exc), error=True)
            return
        if chosen is not None:
            for row in range(self.model.rowCount()):
                found = self.model.letter(row)
                if found is not None and found.id == chosen.id:
                    self.table.selectRow(row)
        self._update_buttons()

    def selected(self) -> Letter | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.letter(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        x = self.selected()
        self.edit_button.setEnabled(x is not None)
        self.scan_button.setEnabled(x is not None and x.scan_size > 0)

    def say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c62828;" if error else "color: #2e7d32;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def letter_dialog(self, letter: Letter | None = None) -> LetterDialog:
        return LetterDialog(self.service, self.user, letter, self, self.hub)

    def register(self) -> Letter | None:
        dialog = self.letter_dialog()
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.saved is None:
            return None
        self.say(tr("已登记公函 {no}").format(no=dialog.saved.letter_no))
        return dialog.saved

    def edit_selected(self) -> Letter | None:
        x = self.selected()
        if x is None:
            return None
        dialog = self.letter_dialog(x)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.saved is None:
            return None
        self.say(tr("已保存公函 {no}").format(no=dialog.saved.letter_no))
        return dialog.saved

    def open_scan(self) -> Path | None:
        """Write the scan to a temporary file and open it with the system's viewer."""
        x = self.selected()
        if x is None or x.id is None:
            return None
        try:
            content = self.service.letter_scan(x.id)
        except LedgerError as exc:
            self.say(str(exc), error=True)
            return None
        folder = Path(tempfile.mkdtemp(prefix="ledger-letter-"))
        target = folder / safe_attachment_name(x.scan_filename or "scan.pdf")
        try:
            target.write_bytes(content)
        except OSError as exc:
            self.say(tr("无法写出扫描件：{e}").format(e=exc.strerror or exc), error=True)
            return None
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self.say(tr("已打开 {name}").format(name=target.name))
        else:
            self.say(
                tr("系统没有能打开 {name} 的程序；文件已存到 {path}").format(name=target.name, path=target)
            )
        return target
