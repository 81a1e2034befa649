"""The ledger's context menu (台账, right click on a row, or the menu key): 打开, 历史记录, and
the steps of the form's 撤回, 删除草稿, 作废… and 登记报销….

The steps are the form's own (``ui.reception.life.LifeSteps``) taken on the row's reception as
stored: each is enabled only when the current user may take it on that row, and otherwise
says why in its tooltip (the service's words, ``ledger.corrections``); each asks the form's
question or reason and writes through ``ui.operations.run``, which announces the change on
the hub, so the ledger (and the queue, an open form) read the row again. What was done is
said in the status bar; a refusal in a message box.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QStatusBar, QWidget

from ledger.i18n import tr
from ledger.records import Reception, User
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.ledger_view import LedgerView
from ui.reception.life import STEPS, TIPS, LifeSteps
from ui.widgets import show_ledger_error

LABELS = {
    "withdraw": tr("撤回"),
    "delete": tr("删除草稿"),
    "void": tr("作废…"),
    "reimburse": tr("登记报销…"),
}


class RowHost:
    """What the form's steps need, for one row of the ledger (``ui.reception.life.LifeHost``)."""

    def __init__(
        self,
        service: LedgerService,
        user: User,
        hub: ChangeHub,
        reception: Reception,
        parent: QWidget,
        say: Callable[[str], None],
    ) -> None:
        self.service = service
        self.user = user
        self.hub = hub
        self._reception = reception
        self._parent = parent
        self._say = say

    @property
    def reception(self) -> Reception:
        return self._reception

    @property
    def version(self) -> int:
        return self._reception.version

    def is_dirty(self) -> bool:
        return False  # a row has no unsaved edits (an open form hears of the write on the hub)

    def after_write(self, saved: Reception, message: str) -> None:
        self._reception = saved
        self._say(message)

    def refused(self, exc: LedgerError, doing: str) -> None:
        show_ledger_error(self._parent, exc, tr("未能{doing}").format(doing=doing))

    def say(self, message: str, *, error: bool = False) -> None:
        self._say(message)

    def deleted(self) -> None:
        self._say(tr("已删除草稿 {ref}，编号不再使用").format(ref=self._reception.ref))


class LedgerMenuHost(Protocol):
    """What ``install_ledger_menu`` needs of the main window."""

    service: LedgerService
    user: User
    hub: ChangeHub
    ledger_view: LedgerView

    def open_reception(self, reception_id: int | None = None) -> QWidget | None: ...
    def show_history(self, reception_id: int) -> QWidget: ...
    def statusBar(self) -> QStatusBar: ...


class LedgerMenu(QObject):
    """Builds and shows the menu of the row under the mouse (see the module's text)."""

    def __init__(
        self,
        view: LedgerView,
        service: LedgerService,
        user: User,
        hub: ChangeHub,
        open_reception: Callable[[int], object],
        show_history: Callable[[int], object],
        say: Callable[[str], None],
    ) -> None:
        super().__init__(view)
        self.view = view
        self.service = service
        self.user = user
        self.hub = hub
        self._open = open_reception
        self._history = show_history
        self._say = say
        self.menu: QMenu | None = None  # the last one built (tests read its actions)
        self.actions: dict[str, QAction] = {}
        view.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.table.customContextMenuRequested.connect(self._requested)

    def _requested(self, pos: QPoint) -> None:
        table = self.view.table
        index = table.indexAt(pos)
        if index.isValid():
            table.selectRow(index.row())
        else:  # the menu key: the selected row, at its place
            rows = table.selectionModel().selectedRows()
            if not rows:
                return
            rect = table.visualRect(rows[0])
            pos = QPoint(rect.left() + 40, rect.bottom())
        rid = self.view.selected_reception_id()
        menu = self.menu_for(rid) if rid is not None else None
        if menu is not None:
            self.present(menu, table.viewport().mapToGlobal(pos))

    @staticmethod
    def present(menu: QMenu, at: QPoint) -> None:
        """Show the menu until an entry is chosen or it is closed (replaceable in tests)."""
        menu.exec(at)

    def menu_for(self, reception_id: int) -> QMenu | None:
        """The menu of one reception, as stored now (None: it is gone; the ledger is read again)."""
        try:
            reception = self.service.get(reception_id)
        except LedgerError as exc:
            show_ledger_error(self.view, exc, tr("无法打开接待"))
            self.view.refresh()
            return None
        menu = QMenu(self.view)
        menu.setToolTipsVisible(True)
        open_action = menu.addAction(tr("打开"))
        open_action.triggered.connect(lambda _c=False: self._open(reception_id))
        menu.setDefaultAction(open_action)
        history = menu.addAction(tr("历史记录"))
        history.triggered.connect(lambda _c=False: self._history(reception_id))
        menu.addSeparator()
        steps = LifeSteps(RowHost(self.service, self.user, self.hub, reception, self.view, self._say), self.view)
        refusals = steps.refusals()
        self.actions = {"open": open_action, "history": history}
        for key in STEPS:
            action = menu.addAction(LABELS[key])
            action.setEnabled(refusals[key] is None)
            action.setToolTip(refusals[key] or TIPS[key])
            action.setStatusTip(refusals[key] or TIPS[key])
            action.triggered.connect(lambda _c=False, step=getattr(steps, key): step())
            self.actions[key] = action
        menu.setObjectName("ledgerRowMenu")
        if self.menu is not None:
            self.menu.deleteLater()
        self.menu = menu
        return menu


def install_ledger_menu(window: LedgerMenuHost) -> LedgerMenu:
    """The context menu of the ledger's rows, in the main window."""
    bar = window.statusBar()
    return LedgerMenu(
        window.ledger_view,
        window.service,
        window.user,
        window.hub,
        window.open_reception,
        window.show_history,
        lambda text: bar.showMessage(text, 10000),
    )
