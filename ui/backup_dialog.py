"""文件 → 备份 / 恢复: the automatic backups with their dates, a backup to a chosen file, a
restore from a listed backup or a file (administrator); the daily backup when the window
closes; the weekly reminder for an administrator; and 设置 → 签名与校验算法 (国密 choice)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.backup import BackupError, OlderBackup, OtherLedgerBackup
from ledger.db import DatabaseError
from ledger.i18n import tr
from ledger.records import Role, User
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.operations import run, wait_for_writer
from ui.widgets import show_ledger_error


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


class BackupDialog(QDialog):
    """The list of automatic backups and what can be done with them."""

    def __init__(
        self, service: LedgerService, user: User, hub: ChangeHub | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.user, self.hub = service, user, hub
        self.setWindowTitle(tr("备份 / 恢复"))
        self.ask: Callable[[str, str], bool] = self._ask  # tests answer for the user
        self.choose_save: Callable[[], str] = self._choose_save
        self.choose_open: Callable[[], str] = self._choose_open
        layout = QVBoxLayout(self)
        self.reminder = QLabel()
        self.reminder.setWordWrap(True)
        self.reminder.setStyleSheet("color: #b71c1c;")
        layout.addWidget(self.reminder)
        layout.addWidget(
            QLabel(
                tr(
                    "关闭程序时每天自动备份一次，恢复和升级前也会先备份；保留最近 7 天和之前 4 周各一份。"
                    "PostgreSQL 账本请同时在服务器上用 pg_dump 备份。"
                )
            )
        )
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([tr("时间"), tr("类型"), tr("大小"), tr("文件")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.backup_button = QPushButton(tr("备份到文件…"))
        self.restore_selected_button = QPushButton(tr("用选中的备份恢复…"))
        self.restore_file_button = QPushButton(tr("从文件恢复…"))
        for b in (self.backup_button, self.restore_selected_button, self.restore_file_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        admin = user.has(Role.ADMIN)
        self.restore_selected_button.setVisible(admin)
        self.restore_file_button.setVisible(admin)
        self.backup_button.clicked.connect(lambda: self.backup_to(self.choose_save()))
        self.restore_selected_button.clicked.connect(self._restore_selected)
        self.restore_file_button.clicked.connect(lambda: self.restore_from(self.choose_open()))
        self.table.itemSelectionChanged.connect(self._update)
        self.resize(760, 420)
        self.reload()

    # -- list ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.backups = self.service.automatic_backups()
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            for col, text in enumerate(
                (b.at.strftime("%Y-%m-%d %H:%M:%S"), tr(b.kind), _size(b.size), str(b.path))
            ):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        message = self.service.backup_reminder(self.user)
        self.reminder.setText(message)
        self.reminder.setVisible(bool(message))
        self._update()

    def _update(self) -> None:
        self.restore_selected_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    # -- actions ------------------------------------------------------------------------
    def backup_to(self, path: str) -> bool:
        if not path:
            return False
        try:
            counts = self.service.backup(Path(path))
        except (BackupError, OSError, DatabaseError) as exc:
            QMessageBox.warning(self, tr("未能备份"), str(exc))
            return False
        QMessageBox.information(
            self,
            tr("已备份"),
            tr("已备份到 {path}：{r} 条接待，{h} 条历史").format(
                path=path, r=counts["receptions"], h=counts["history"]
            ),
        )
        self.reload()
        return True

    def _restore_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.restore_from(str(self.backups[rows[0].row()].path))

    def restore_from(self, path: str) -> bool:
        """Replace the ledger with the backup at ``path`` (asked first; a backup older than what
        this machine verified is asked about again)."""
        if not path:
            return False
        if not self.ask(
            tr("恢复账本"),
            tr("用备份 {path} 整体替换当前账本？当前账本会先自动备份。").format(path=path),
        ):
            return False
        if not wait_for_writer(self, self.service.writer_busy, self.service.writing_now):
            return False  # another desk imports; the user stopped waiting, nothing replaced
        accept_older = accept_other = False
        while True:
            try:
                done = self.service.restore(
                    self.user,
                    Path(path),
                    replace_existing=True,
                    accept_older=accept_older,
                    accept_other=accept_other,
                )
            except OtherLedgerBackup as exc:
                question = str(exc).split("；")[0] + tr(
                    "。用它整体替换本账本后，本账本的数据只留在自动备份里。确定要用另一个账本替换本账本吗？"
                )
                if accept_other or not self.ask(tr("另一个账本的备份"), question):
                    return False
                accept_other = True
                continue
            except OlderBackup as exc:
                if accept_older or not self.ask(tr("备份较旧"), str(exc) + tr("。仍要恢复吗？")):
                    return False
                accept_older = True
                continue
            except (BackupError, DatabaseError, OSError) as exc:
                QMessageBox.warning(self, tr("未能恢复"), str(exc))
                return False
            except LedgerError as exc:
                show_ledger_error(self, exc, tr("未能恢复"))
                return False
            break
        if self.hub is not None:
            self.hub.announce([])
            self.hub.announce_settings()
        QMessageBox.information(
            self,
            tr("已恢复"),
            tr(
                "已从备份恢复：{r} 条接待，{h} 条历史。被替换的账本已备份到 {saved}。请重新登录以继续签名审核。"
            ).format(r=done.counts["receptions"], h=done.counts["history"], saved=done.auto_backup or "—"),
        )
        self.reload()
        return True

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_save(self) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self, tr("备份到文件"), "台账备份.sqlite3", tr("备份文件 (*.sqlite3)")
        )
        return path

    def _choose_open(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("从文件恢复"), "", tr("备份文件 (*.sqlite3);;所有文件 (*)")
        )
        return path


class CryptoDialog(QDialog):
    """设置 → 签名与校验算法: default (SHA-256 + Ed25519) or 国密 (SM3 + SM2), going forward."""

    def __init__(
        self, service: LedgerService, user: User, hub: ChangeHub | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.user, self.hub = service, user, hub
        self.setWindowTitle(tr("签名与校验算法"))
        layout = QVBoxLayout(self)
        self.default = QRadioButton(tr("默认：SHA-256 校验链 + Ed25519 签名"))
        self.gm = QRadioButton(tr("国密：SM3 校验链 + SM2 签名（商用密码）"))
        self.loaded = service.crypto()  # as read: OK without a change writes nothing
        (self.gm if self.loaded == "gm" else self.default).setChecked(True)
        layout.addWidget(self.default)
        layout.addWidget(self.gm)
        note = QLabel(
            tr("更改自下一条记录起生效，以前的记录仍按原算法校验；各用户下次登录时生成新算法的密钥。")
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def save(self) -> None:
        choice = "gm" if self.gm.isChecked() else ""
        if choice == self.loaded:  # unchanged here: another desk's choice meanwhile stays
            self.accept()
            return
        outcome = run(
            lambda: self.service.set_crypto(self.user, choice),
            parent=self,
            hub=self.hub,
            title=tr("未能更改算法"),
            settings=True,
        )
        if outcome:
            self.accept()


class BackupActions:
    """Installs 文件 → 备份 / 恢复 and 设置 → 签名与校验算法, backs up when the window closes,
    and tells an administrator when no backup was made for a week."""

    def __init__(self, service: LedgerService, user: User, parent: QWidget, hub: ChangeHub | None) -> None:
        self.service, self.user, self.parent_widget, self.hub = service, user, parent, hub
        self.backup_action = QAction(tr("备份 / 恢复…"), parent)
        self.backup_action.setStatusTip(tr("自动备份的列表、备份到文件、从备份恢复"))
        self.backup_action.triggered.connect(lambda _checked=False: self.open_dialog())
        self.crypto_action = QAction(tr("签名与校验算法…"), parent)
        self.crypto_action.setVisible(user.has(Role.ADMIN))
        self.crypto_action.triggered.connect(
            lambda _checked=False: CryptoDialog(service, user, hub, parent).exec()
        )

    def install(self, file_menu: QMenu, settings_menu: QMenu, before: QAction | None = None) -> None:
        if before is not None:
            file_menu.insertAction(before, self.backup_action)
        else:
            file_menu.addAction(self.backup_action)
        settings_menu.addAction(self.crypto_action)

    def open_dialog(self) -> BackupDialog:
        dialog = BackupDialog(self.service, self.user, self.hub, self.parent_widget)
        dialog.show()
        return dialog

    def reminder(self) -> str:
        try:
            return self.service.backup_reminder(self.user)
        except DatabaseError:
            return ""

    def on_close(self) -> None:
        """The day's automatic backup; a failure never keeps the window from closing."""
        try:
            self.service.auto_backup()
        except (BackupError, DatabaseError, OSError):
            pass
