"""The main window: menus, toolbar, the 台账 and 待审核 tabs, and the status bar.

Other screens hook in through clear attributes: ``tabs`` (add a tab), ``file_menu`` and
``print_menu`` (add actions; a menu with no visible action hides itself), ``ledger_view``
(``show_query``), ``service``, ``user`` and ``selected_reception_id()``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressDialog,
    QStyle,
    QTabWidget,
    QToolBar,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import LedgerQuery, Role, User
from ledger.service import LedgerError, LedgerService
from ui.approval_view import ApprovalView
from ui.backup_dialog import BackupActions
from ui.dashboard_view import DashboardView
from ui.history_dialog import HistoryDialog
from ui.hub import ChangeHub
from ui.import_result import ImportSummary, import_workbook
from ui.ledger_menu import install_ledger_menu
from ui.ledger_view import LedgerView
from ui.live import LiveUpdates
from ui.operations import run
from ui.plans_view import install_plans
from ui.prefs import app_settings
from ui.print_actions import PrintActions
from ui.reception import ReceptionDialog
from ui.screen_fit import fit_window, remember_place
from ui.widgets import show_ledger_error

STATE_KEY = "main_window/state"
APP_TITLE = tr("公务接待台账")


class _MenuWatcher(QObject):
    """Hides a menu while it has no visible action, shows it when one is added."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ActionAdded, QEvent.Type.ActionRemoved, QEvent.Type.ActionChanged):
            if isinstance(watched, QMenu) and shiboken6.isValid(watched):
                sync_menu_visibility(watched)
        return False


def sync_menu_visibility(menu: QMenu) -> None:
    """Show ``menu`` only while it holds a visible action; a parent menu follows its submenus."""
    action = menu.menuAction()
    if not shiboken6.isValid(action):
        return
    visible = has_visible_actions(menu)
    if action.isVisible() != visible:
        action.setVisible(visible)  # a parent menu watching this action gets ActionChanged


def has_visible_actions(menu: QMenu) -> bool:
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu) and not has_visible_actions(sub):
            continue
        return True
    return False


class MainWindow(QMainWindow):
    logout_requested = Signal()
    closed = Signal()  # the window accepted to close

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        # every screen of this window hears of every write through it; a write waits through it
        # (without freezing the window) while another desk holds the write lock
        self.hub = hub or ChangeHub(
            self, writer_busy=service.writer_busy, writing_now=service.writing_now, at_once=service.at_once
        )
        self.live = LiveUpdates(service, self.hub, self)  # and of other desks' writes
        self._reception_dialogs: dict[int, QWidget] = {}  # open forms by reception id
        self._forms: list[QWidget] = []  # every open form, new ones included

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.ledger_view = LedgerView(service, hub=self.hub)
        self.tabs.addTab(self.ledger_view, tr("台账"))
        self.approval_view: ApprovalView | None = None
        if user.has(Role.APPROVER):
            self.approval_view = ApprovalView(service, user, hub=self.hub)
            self.tabs.addTab(self.approval_view, tr("待审核"))
            self.approval_view.open_requested.connect(self.open_reception)
            self.approval_view.history_requested.connect(self.show_history)
            self.approval_view.count_changed.connect(self._queue_count_changed)
            self.approval_view.selection_changed.connect(self._update_actions)
            self._queue_count_changed(self.approval_view.model.rowCount())
        self.dashboard_view = DashboardView(service, hub=self.hub)
        self.tabs.addTab(self.dashboard_view, tr("仪表盘"))
        self.dashboard_view.open_ledger.connect(self.show_query)
        self.ledger_view.open_requested.connect(self.open_reception)
        self.ledger_view.selection_changed.connect(self._update_actions)
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())
        self.hub.receptions_changed.connect(self._receptions_changed)
        self.hub.settings_changed.connect(self._show_identity)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self.print_actions = PrintActions(  # 打印 menu and workbook export
            service, user, self, self.hub, self.selected_reception_id, self.statusBar().showMessage
        )
        self.print_actions.install(self.print_menu, self.file_menu, self.demo_action)
        self.backup_actions = BackupActions(service, user, self, self.hub)  # 备份 / 恢复, 国密 choice
        self.backup_actions.install(self.file_menu, self.settings_menu, self.logout_action)
        self.plans_view = install_plans(self)  # 接待审批 tab (Ctrl+4), 新建接待审批单…, 公函登记…
        self.ledger_menu = install_ledger_menu(self)  # right click on a row: 打开, 历史记录, 撤回, 作废…
        self.ledger_view.selection_changed.connect(self.print_actions.update_actions)
        self.tabs.currentChanged.connect(lambda _i: self.print_actions.update_actions())
        self.user_label = QLabel()
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.ledger_view.summary_label)
        self._show_identity()
        self._update_actions()
        reminder = self.backup_actions.reminder()
        if reminder:
            self.statusBar().showMessage(reminder)

        if self.approval_view is not None and self.approval_view.model.rowCount():
            self.tabs.setCurrentWidget(self.approval_view)  # the leader's day starts with the queue
        elif self.plans_view.waiting:
            self.tabs.setCurrentWidget(self.plans_view)  # or with the plans waiting for approval
        fit_window(self, "main", QSize(1280, 800))
        settings = app_settings()
        state = settings.value(STATE_KEY)
        if isinstance(state, QByteArray | bytes) and state:
            self.restoreState(QByteArray(state))
        self.ledger_view.restore_state()

    # ------------------------------------------------------------------ building
    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        u = self.user
        sp = QStyle.StandardPixmap
        self.new_action = self._action(
            tr("新建接待…"),
            lambda: self.open_reception(None),
            QKeySequence.StandardKey.New,
            tr("登记一次新的公务接待"),
            sp.SP_FileIcon,
        )
        self.open_action = self._action(
            tr("打开接待单"), self.open_selected, "Ctrl+O", tr("打开所选的接待"), sp.SP_DialogOpenButton
        )
        self.history_action = self._action(
            tr("历史记录…"),
            self.show_selected_history,
            "Ctrl+H",
            tr("所选接待的每一次操作和改动"),
            sp.SP_FileDialogDetailedView,
        )
        self.import_action = self._action(
            tr("导入工作簿…"),
            self.import_workbook,
            "Ctrl+I",
            tr("按导入模板把工作簿各行导入为草稿"),
            sp.SP_ArrowDown,
        )
        self.demo_action = self._action(
            tr("生成示例数据…"), self.generate_demo, None, tr("在空账本中生成两年的示例接待，便于试用")
        )
        self.change_password_action = self._action(tr("修改密码…"), self.change_password)
        self.logout_action = self._action(tr("注销/切换用户…"), self.request_logout)
        self.quit_action = self._action(tr("退出"), self.close, QKeySequence.StandardKey.Quit)
        self.find_action = self._action(
            tr("查找"), self.focus_search, QKeySequence.StandardKey.Find, tr("在台账中搜索")
        )
        self.refresh_action = self._action(
            tr("刷新"),
            self.refresh,
            QKeySequence.StandardKey.Refresh,
            tr("重新读取台账"),
            sp.SP_BrowserReload,
        )
        self.show_ledger_action = self._action(
            tr("台账"), lambda: self.tabs.setCurrentWidget(self.ledger_view), "Ctrl+1"
        )
        self.show_queue_action = self._action(
            tr("待审核队列"), self.show_queue, "Ctrl+2", tr("审核经办人提交的接待")
        )
        self.next_in_queue_action = self._action(
            tr("下一条待审核"), self.next_in_queue, "F8", tr("在待审核队列中选择下一条")
        )
        self.show_dashboard_action = self._action(
            tr("仪表盘"), self.show_dashboard, "Ctrl+3", tr("本年接待费与压减目标")
        )
        self.approve_action = self._action(
            tr("审核通过所选接待"),
            self.approve_selected,
            "Ctrl+Shift+A",
            tr("在待审核队列中审核通过所选接待"),
        )
        self.return_action = self._action(
            tr("退回所选接待…"), self.return_selected, "Ctrl+Shift+R", tr("写明审核意见后退回经办人")
        )
        self.reset_filters_action = self._action(tr("重置筛选"), self.ledger_view.reset_filters)
        self.settings_action = self._action(
            tr("设置…"),
            self.open_settings,
            QKeySequence.StandardKey.Preferences,
            tr("单位信息、用户、接待标准和年度目标"),
        )
        self.about_action = self._action(tr("关于公务接待台账"), self.show_about)

        is_clerk = u.has(Role.CLERK)
        self.new_action.setVisible(is_clerk)
        self.import_action.setVisible(is_clerk)
        self.demo_action.setVisible(u.has(Role.ADMIN))
        self.show_queue_action.setVisible(u.has(Role.APPROVER))
        self.next_in_queue_action.setVisible(u.has(Role.APPROVER))
        self.approve_action.setVisible(u.has(Role.APPROVER))
        self.return_action.setVisible(u.has(Role.APPROVER))
        self.settings_action.setVisible(u.has(Role.ADMIN))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu(tr("文件(&F)"))
        self.file_menu.addAction(self.new_action)
        self.file_menu.addAction(self.open_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.import_action)
        self.file_menu.addAction(self.demo_action)
        self.print_menu = QMenu(tr("打印(&P)"), self)
        self.file_menu.addSeparator()
        self.file_menu.addMenu(self.print_menu)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.logout_action)
        self.file_menu.addAction(self.quit_action)

        self.edit_menu = bar.addMenu(tr("编辑(&E)"))
        self.edit_menu.addAction(self.find_action)
        self.edit_menu.addAction(self.reset_filters_action)
        self.edit_menu.addSeparator()
        self.edit_menu.addAction(self.history_action)

        self.view_menu = bar.addMenu(tr("查看(&V)"))
        self.view_menu.addAction(self.show_ledger_action)
        self.view_menu.addAction(self.show_queue_action)
        self.view_menu.addAction(self.show_dashboard_action)
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.refresh_action)

        self.review_menu = bar.addMenu(tr("审核(&R)"))
        self.review_menu.addAction(self.show_queue_action)
        self.review_menu.addAction(self.next_in_queue_action)
        self.review_menu.addSeparator()
        self.review_menu.addAction(self.approve_action)
        self.review_menu.addAction(self.return_action)
        self.review_menu.menuAction().setVisible(self.user.has(Role.APPROVER))

        self.settings_menu = bar.addMenu(tr("设置(&S)"))
        self.settings_menu.addAction(self.settings_action)
        self.settings_menu.addAction(self.change_password_action)

        self.help_menu = bar.addMenu(tr("帮助(&H)"))
        self.help_menu.addAction(self.about_action)

        watcher = _MenuWatcher(self)
        for menu in (
            self.file_menu,
            self.print_menu,
            self.edit_menu,
            self.view_menu,
            self.settings_menu,
            self.help_menu,
        ):
            menu.installEventFilter(watcher)
        self.update_menu_visibility()

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar(tr("工具栏"))
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        for action in (self.new_action, self.open_action, self.history_action, self.import_action):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.refresh_action)

    def update_menu_visibility(self) -> None:
        """Show a menu only when it holds at least one visible action."""
        menus = (
            self.print_menu,
            self.file_menu,
            self.edit_menu,
            self.view_menu,
            self.settings_menu,
            self.help_menu,
        )
        for menu in menus:
            sync_menu_visibility(menu)
        self.review_menu.menuAction().setVisible(
            self.user.has(Role.APPROVER) and has_visible_actions(self.review_menu)
        )

    def _show_identity(self) -> None:
        bureau = self.service.bureau().name
        # the window system adds the application's name after a title that does not end with it
        self.setWindowTitle(f"{bureau} — {APP_TITLE}" if bureau else APP_TITLE)
        roles = "、".join(r.label for r in Role if r in self.user.roles)
        self.user_label.setText(tr("当前用户：{name}（{roles}）").format(name=self.user.label, roles=roles))

    def _queue_count_changed(self, count: int) -> None:
        if self.approval_view is None:
            return
        index = self.tabs.indexOf(self.approval_view)
        self.tabs.setTabText(index, tr("待审核（{n}）").format(n=count) if count else tr("待审核"))

    # ------------------------------------------------------------------ selection
    def selected_reception_id(self) -> int | None:
        """The reception selected in the tab on show (ledger or queue), if any."""
        if self.approval_view is not None and self.tabs.currentWidget() is self.approval_view:
            return self.approval_view.selected_reception_id()
        if self.tabs.currentWidget() is self.ledger_view:
            return self.ledger_view.selected_reception_id()
        return None

    def _update_actions(self) -> None:
        has = self.selected_reception_id() is not None
        self.open_action.setEnabled(has)
        self.history_action.setEnabled(has)
        in_queue = self.approval_view is not None and self.tabs.currentWidget() is self.approval_view
        self.approve_action.setEnabled(
            in_queue and self.approval_view is not None and self.approval_view.may_approve_selected()
        )
        self.return_action.setEnabled(in_queue and has)

    def approve_selected(self) -> None:
        if self.approval_view is not None and self.tabs.currentWidget() is self.approval_view:
            self.approval_view.approve_selected()

    def return_selected(self) -> None:
        if self.approval_view is not None and self.tabs.currentWidget() is self.approval_view:
            self.approval_view.return_selected()

    # ------------------------------------------------------------------ receptions
    def open_reception(self, reception_id: int | None = None) -> QWidget | None:
        """Open the reception form (non-modal); a reception already open is brought forward."""
        if reception_id is not None and reception_id in self._reception_dialogs:
            dialog = self._reception_dialogs[reception_id]
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        try:
            dialog = ReceptionDialog(self.service, self.user, reception_id, self, self.hub)
        except LedgerError as exc:
            show_ledger_error(self, exc, tr("无法打开接待"))
            self.refresh()
            return None
        self._track_dialog(dialog, reception_id)
        dialog.show()
        return dialog

    def _track_dialog(self, dialog: QWidget, reception_id: int | None) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._forms.append(dialog)
        dialog.destroyed.connect(
            lambda _obj=None, d=dialog: self._forms.remove(d) if d in self._forms else None
        )
        self._index_dialog(dialog, reception_id)
        # when the form closes the keyboard is back in the ledger: Enter opens the selected row
        dialog.finished.connect(lambda _result: self._keyboard_back_to_the_list())  # type: ignore[attr-defined]
        # a new form gets its id at its first save: from then on opening that reception brings it forward
        dialog.changed.connect(  # type: ignore[attr-defined]
            lambda rid, d=dialog: self._index_dialog(d, rid)
        )

    def _keyboard_back_to_the_list(self) -> None:
        self.activateWindow()
        current = self.tabs.currentWidget()
        table = getattr(current, "table", None)
        if isinstance(table, QWidget):
            table.setFocus()

    def _index_dialog(self, dialog: QWidget, reception_id: int | None) -> None:
        """Remember the form showing this reception (the first one, should two ever show it)."""
        if reception_id is None or reception_id in self._reception_dialogs:
            return
        self._reception_dialogs[reception_id] = dialog
        dialog.destroyed.connect(lambda _obj=None, rid=reception_id, d=dialog: self._forget_dialog(rid, d))

    def _forget_dialog(self, reception_id: int, dialog: QWidget) -> None:
        if self._reception_dialogs.get(reception_id) is dialog:
            del self._reception_dialogs[reception_id]

    def adopt_dialogs(self, dialogs: list[QWidget]) -> None:
        """Forms opened elsewhere (autosave recovery, on this window's hub) are tracked too."""
        for dialog in dialogs:
            if self.plans_view.adopt(dialog):  # a plan form: the 接待审批 tab tracks it
                continue
            self._forms.append(dialog)
            dialog.destroyed.connect(
                lambda _obj=None, d=dialog: self._forms.remove(d) if d in self._forms else None
            )
            self._index_dialog(dialog, getattr(dialog, "reception_id", None))
            dialog.changed.connect(  # type: ignore[attr-defined]
                lambda rid, d=dialog: self._index_dialog(d, rid)
            )

    def open_selected(self) -> None:
        rid = self.selected_reception_id()
        if rid is not None:
            self.open_reception(rid)

    def show_history(self, reception_id: int) -> HistoryDialog:
        dialog = HistoryDialog(self.service, reception_id, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_selected_history(self) -> None:
        rid = self.selected_reception_id()
        if rid is not None:
            self.show_history(rid)

    def _receptions_changed(self, ids: frozenset[int]) -> None:
        """After the views refreshed themselves: select the one changed reception if none is."""
        if len(ids) == 1 and self.ledger_view.selected_reception_id() is None:
            self.ledger_view.select_reception(next(iter(ids)))
        self._update_actions()

    def refresh(self) -> None:
        """刷新 (F5): read everything again (writes refresh the screens by themselves)."""
        self.ledger_view.refresh()
        if self.approval_view is not None:
            self.approval_view.refresh()
        self.dashboard_view.mark_stale()
        self.plans_view.refresh()
        self._update_actions()

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.ledger_view)
        self.ledger_view.focus_search()

    def show_query(self, query: LedgerQuery) -> None:
        self.tabs.setCurrentWidget(self.ledger_view)
        self.ledger_view.show_query(query)

    def show_dashboard(self) -> None:
        self.tabs.setCurrentWidget(self.dashboard_view)

    def next_in_queue(self) -> None:
        """The queue, with the next reception selected (the first when none is)."""
        if self.approval_view is None:
            return
        if self.tabs.currentWidget() is not self.approval_view:
            self.show_queue()
            if self.approval_view.selected_reception_id() is not None:
                return
        self.approval_view.select_next()

    def show_queue(self) -> None:
        if self.approval_view is not None:
            self.approval_view.refresh()
            self.tabs.setCurrentWidget(self.approval_view)

    # ------------------------------------------------------------------ long work
    def _progress(self, label: str, maximum: int) -> tuple[QProgressDialog, Callable[[int, int], bool]]:
        dialog = QProgressDialog(label, tr("取消"), 0, max(maximum, 1), self)
        dialog.setWindowTitle(APP_TITLE)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(300)
        dialog.setAutoReset(False)
        dialog.setAutoClose(False)
        dialog.setValue(0)

        def report(done: int, total: int) -> bool:
            dialog.setMaximum(max(total, 1))
            dialog.setValue(min(done, max(total, 1)))
            QApplication.processEvents()
            return not dialog.wasCanceled()

        return dialog, report

    def import_workbook(self, path: str | Path | None = None) -> ImportSummary | None:
        """Import the rows of a workbook as drafts; show what was refused, row by row
        (ui.import_result)."""
        return import_workbook(self, self.service, self.user, self.hub, self._progress, path)

    def generate_demo(self) -> bool:
        """Fill an empty ledger with two years of sample receptions (administrators)."""
        from ledger.demo import fill_demo

        if self.service.count_and_total(LedgerQuery())[0]:
            QMessageBox.information(
                self, tr("生成示例数据"), tr("示例数据只能生成到空账本中：此账本已有接待记录。")
            )
            return False
        answer = QMessageBox.question(
            self,
            tr("生成示例数据"),
            tr(
                "将在此账本中生成两年的示例接待，并添加示例经办人和分管领导（随机密码，完成后只显示一次）。继续吗？"
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        progress, report = self._progress(tr("正在生成示例数据…"), 300)
        try:
            outcome = run(
                lambda: fill_demo(self.service, actor=self.user, progress=report),
                parent=self,
                hub=self.hub,
                title=tr("无法生成示例数据"),
                changed=lambda _summary: [],  # many new receptions: every screen reads again
                settings=True,  # and sample users
            )
        finally:
            progress.close()
        summary = outcome.value
        if summary is None:
            return False
        QMessageBox.information(
            self,
            tr("生成示例数据"),
            tr(
                "已生成 {n} 条示例接待（{years}）。示例用户：{users}，密码均为 {pw}（只显示这一次，请记下）。"
            ).format(
                n=summary.receptions,
                years="、".join(str(y) for y in summary.years),
                users="、".join(summary.users),
                pw=summary.password,
            ),
        )
        return True

    # ------------------------------------------------------------------ account and settings
    def change_password(self) -> None:
        from ui.login_dialog import ChangePasswordDialog

        if ChangePasswordDialog(self.service, self.user, self).exec() == QDialog.DialogCode.Accepted:
            self.statusBar().showMessage(tr("密码已修改"), 5000)

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        SettingsDialog.open_for(self.service, self.user, self, self.hub)  # its writes announce themselves

    def request_logout(self) -> None:
        self.logout_requested.emit()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            tr("关于公务接待台账"),
            tr(
                "<h3>公务接待台账</h3><p>记录每一次公务接待，按接待标准自动检查，"
                "经分管领导审核后公示，并跟踪年度压减目标。</p>"
                "<p>界面字体：文泉驿微米黑（Apache-2.0），随程序提供。</p>"
            ),
        )

    # ------------------------------------------------------------------ closing
    def save_state(self) -> None:
        settings = app_settings()
        settings.setValue(STATE_KEY, self.saveState())
        remember_place(self)
        self.ledger_view.save_state()

    def closeEvent(self, event: QCloseEvent) -> None:
        for dialog in list(self._forms):
            if dialog.isVisible() and not dialog.close():
                event.ignore()
                return
        self.save_state()
        self.backup_actions.on_close()  # at most once a day
        self.live.close()
        super().closeEvent(event)
        self.closed.emit()
