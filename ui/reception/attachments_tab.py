"""附件: the scans and PDFs kept with a reception, each with its SHA-256, checked when opened.

Adding or removing a file of a stored reception is a write of its own (the typed fields stay
as they are); it is refused when someone else changed the record meanwhile. On a new form
(nothing stored yet) a file is kept pending (listed as 待保存) and written with the draft when
the user saves it, in the same transaction: adding a file never creates a record by itself.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.records import ATTACHMENT_KINDS, Attachment, Reception, User
from ledger.service import MAX_ATTACHMENT_BYTES, LedgerError, LedgerService, StaleEdit
from reports.output import output_error, write_atomic
from ui.hub import ChangeHub
from ui.operations import run
from ui.reception.fields import FieldIndex, field_error

TAB = 3
PENDING = tr("待保存")


class FilePrompt:
    """Choosing a scan or PDF to attach; confirming a removal; opening a file."""

    @classmethod
    def choose(cls, parent: QWidget) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent,
            tr("选择附件（公函扫描件、发票、菜单）"),
            "",
            tr("扫描件或 PDF (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp);;所有文件 (*)"),
        )
        return Path(name) if name else None

    @classmethod
    def confirm(cls, parent: QWidget, text: str) -> bool:
        answer = QMessageBox.question(parent, tr("请确认"), text)
        return answer == QMessageBox.StandardButton.Yes

    @classmethod
    def open(cls, path: Path) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AttachmentHost(Protocol):
    """What the tab needs of the form it sits in."""

    service: LedgerService
    user: User
    hub: ChangeHub

    @property
    def reception(self) -> Reception: ...
    @property
    def version(self) -> int: ...
    def is_editable(self) -> bool: ...
    def file_pending(self, message: str) -> None: ...
    def say(self, message: str, *, error: bool = False) -> None: ...
    def refused(self, exc: LedgerError, doing: str) -> None: ...
    def after_attachment(self, stored: Reception, message: str) -> None: ...


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


class AttachmentsTab(QWidget):
    """The file list with 添加附件… / 打开 / 删除附件."""

    def __init__(self, host: AttachmentHost, fields: FieldIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._host = host
        self._attachments: tuple[Attachment, ...] = ()
        self._pending: list[tuple[str, bytes, str]] = []  # a new form's files: saved with the draft
        v = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("类型：")))
        self.attachment_kind = QComboBox()
        for key, label in ATTACHMENT_KINDS.items():
            self.attachment_kind.addItem(label, key)
        top.addWidget(self.attachment_kind)
        self.add_attachment_button = self._button(tr("添加附件…"), self.add_attachment)
        self.open_attachment_button = self._button(tr("打开"), self.open_attachment)
        self.remove_attachment_button = self._button(tr("删除附件"), self.remove_attachment)
        for b in (self.add_attachment_button, self.open_attachment_button, self.remove_attachment_button):
            top.addWidget(b)
        top.addStretch(1)
        v.addLayout(top)
        self.attachments_table = QTableWidget(0, 5)
        self.attachments_table.setHorizontalHeaderLabels(
            [tr("类型"), tr("文件名"), tr("大小"), tr("添加时间"), tr("SHA-256 校验值")]
        )
        self.attachments_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attachments_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attachments_table.horizontalHeader().setStretchLastSection(True)
        self.attachments_table.doubleClicked.connect(lambda _ix: self.open_attachment())
        v.addWidget(self.attachments_table, 1)
        self.attachments_error = field_error()
        v.addWidget(self.attachments_error)
        fields.register("attachments", self.attachments_table, self.attachments_error, TAB)
        hint = QLabel(tr("公函扫描件、发票、菜单等；文件连同其校验值保存在台账中，打开时核对。"))
        hint.setStyleSheet("color: #666;")
        v.addWidget(hint)

    @staticmethod
    def _button(text: str, slot: Any) -> QPushButton:
        b = QPushButton(text)
        b.setAutoDefault(False)
        b.setDefault(False)
        b.clicked.connect(lambda _checked=False: slot())
        return b

    # ------------------------------------------------------------------ the tab's contract
    def load(self, r: Reception) -> None:
        self._attachments = r.attachments
        self._pending = []  # the stored record: what was pending is in it now (or was dropped)
        self._render()

    def _render(self) -> None:
        t = self.attachments_table
        rows = [
            (
                ATTACHMENT_KINDS.get(a.kind, a.kind),
                a.filename,
                _size(a.size),
                a.added_at.strftime("%Y-%m-%d %H:%M") if a.added_at else "",
                a.sha256,
            )
            for a in self._attachments
        ]
        rows += [
            (
                ATTACHMENT_KINDS.get(kind, kind),
                name,
                _size(len(content)),
                PENDING,
                hashlib.sha256(content).hexdigest(),
            )
            for name, content, kind in self._pending
        ]
        t.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if row < len(self._attachments):
                    item.setData(Qt.ItemDataRole.UserRole, self._attachments[row].id)
                elif col == 3:
                    item.setForeground(QColor("#e65100"))  # 待保存
                t.setItem(row, col, item)
        t.resizeColumnsToContents()

    def values(self) -> dict[str, Any]:
        """Nothing typed: files are written one by one, not with the form."""
        return {}

    def pending(self) -> list[tuple[str, bytes, str]]:
        """The files chosen on a new form, to be written with its first save: (name, bytes, kind)."""
        return list(self._pending)

    def set_read_only(self, read_only: bool) -> None:
        self.attachment_kind.setEnabled(not read_only)
        for b in (self.add_attachment_button, self.remove_attachment_button):
            b.setVisible(not read_only)

    # ------------------------------------------------------------------ actions
    def _selected(self) -> Attachment | None:
        row = self.attachments_table.currentRow()
        return self._attachments[row] if 0 <= row < len(self._attachments) else None

    def _selected_pending(self) -> int | None:
        """The index in ``_pending`` of the selected row, when it is a file not saved yet."""
        index = self.attachments_table.currentRow() - len(self._attachments)
        return index if 0 <= index < len(self._pending) else None

    def _unchanged_elsewhere(self) -> bool:
        """Refuse if someone else changed the record since the form read it."""
        host = self._host
        rid = host.reception.id
        if rid is None:
            return False
        stored = host.service.get(rid)
        if stored.version != host.version:
            host.refused(
                StaleEdit(
                    tr("{ref} 已在别处被修改（您打开的是第 {a} 版，现在是第 {b} 版），未更改附件。").format(
                        ref=stored.ref, a=host.version, b=stored.version
                    )
                ),
                tr("更改附件"),
            )
            return False
        return True

    def _write(self, doing: str, write: Any, done: str) -> bool:
        host = self._host
        return run(
            write,
            parent=self,
            hub=host.hub,
            refused=lambda exc: host.refused(exc, doing),
            done=lambda stored: host.after_attachment(stored, done),
            changed=lambda stored: [stored.id],
        ).ok

    def add_attachment(self, path: Path | None = None) -> bool:
        host = self._host
        if not host.is_editable():
            return False
        path = path or FilePrompt.choose(self)
        if path is None:
            return False
        name = Path(path).name
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            host.say(tr("无法读取文件 {name}：{e}").format(name=name, e=exc.strerror or exc), error=True)
            return False
        if len(content) > MAX_ATTACHMENT_BYTES:
            host.say(tr("附件不能超过 20 MB：{name}").format(name=name), error=True)
            return False
        kind = self.attachment_kind.currentData()
        if host.reception.id is None:  # nothing is stored until the user saves the form
            self._pending.append((safe_attachment_name(name), content, kind))
            self._render()
            host.file_pending(tr("已添加附件 {name}（待保存）：保存草稿时与接待一并保存").format(name=name))
            return True
        if not self._unchanged_elsewhere():
            return False
        rid = host.reception.id
        return self._write(
            tr("添加附件"),
            lambda: host.service.add_attachment(host.user, rid, name, content, kind),
            tr("已添加附件 {name}").format(name=name),
        )

    def open_attachment(self) -> Path | None:
        host = self._host
        att = self._selected()
        waiting = self._selected_pending()
        if waiting is not None:  # a file not saved yet: opened from what was read
            name, content, kind = self._pending[waiting]
            att = Attachment(0, kind, name, hashlib.sha256(content).hexdigest(), len(content))
        elif att is None:
            host.say(tr("请先在列表中选中一个附件"), error=True)
            return None
        else:
            try:
                content = host.service.attachment_content(att.id)
            except LedgerError as exc:
                host.say(str(exc), error=True)
                return None
        if hashlib.sha256(content).hexdigest() != att.sha256:
            host.say(
                tr("附件 {name} 的内容与登记时的校验值不符，可能已被改动，未打开").format(name=att.filename),
                error=True,
            )
            return None
        target = Path(tempfile.gettempdir()) / safe_attachment_name(att.filename)  # an old unsafe name too
        try:
            target = write_atomic(Path(tempfile.mkdtemp(prefix="ledger-attachment-")) / target.name, content)
        except OSError as exc:
            host.say(str(output_error(exc, target)), error=True)
            return None
        if not FilePrompt.open(target):
            host.say(
                tr("系统没有能打开 {name} 的程序；文件已存到 {path}").format(name=att.filename, path=target)
            )
        else:
            host.say(tr("已打开 {name}（校验值一致）").format(name=att.filename))
        return target

    def remove_attachment(self) -> bool:
        host = self._host
        waiting = self._selected_pending()
        if waiting is not None and host.is_editable():  # never stored: simply left out
            name = self._pending.pop(waiting)[0]
            self._render()
            host.file_pending(tr("已移除待保存的附件 {name}").format(name=name))
            return True
        att = self._selected()
        if att is None or not host.is_editable():
            return False
        if not FilePrompt.confirm(self, tr("删除附件“{name}”？删除记入历史记录。").format(name=att.filename)):
            return False
        if not self._unchanged_elsewhere():
            return False
        return self._write(
            tr("删除附件"),
            lambda: host.service.remove_attachment(host.user, att.id),
            tr("已删除附件 {name}").format(name=att.filename),
        )
