"""The 接待审批 tab: the pre-approvals (接待审批单), by year and status, and what to do with them.

A clerk writes a new plan, opens one, starts the reception from an approved plan not yet used
(据此登记接待) and prints the 接待审批单; a leader sees how many wait (the tab's title says it)
and approves or returns the selected submitted plan — a plan they wrote or submitted shows
why not (tooltip and line) — or reopens an approved one not yet used (重新打开…, with a
reason; why not in the tooltip). The list hears of every plan or letter written here or at
another desk (the hub's ``plans_changed``) and of receptions (the one started from a plan).

``install_plans(window)`` puts the tab, its shortcut (Ctrl+4), 新建接待审批单… and 公函登记… into
the main window.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import fmt
from ledger.preapproval import PLAN_STATUS, Plan
from ledger.records import Reception, Role, Status, User
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.plan_actions import PlanActions, start_refusal
from ui.plan_dialog import PlanDialog
from ui.table_model import FlatTableModel

_Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[str, ...] = (
    tr("编号"),
    tr("计划日期"),
    tr("来访单位"),
    tr("接待对象"),
    tr("陪餐"),
    tr("预算（元）"),
    tr("状态"),
    tr("据此登记的接待"),
)
STATUS_COLOURS = {
    Status.SUBMITTED: QColor("#8a4b00"),
    Status.APPROVED: QColor("#2e7d32"),
    Status.RETURNED: QColor("#b71c1c"),
    Status.VOID: QColor("#888888"),
}


class PlansModel(FlatTableModel):
    """The plans of the chosen year and status, newest first."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Plan] = []

    def set_plans(self, plans: list[Plan]) -> None:
        self.beginResetModel()
        self._items = list(plans)
        self.endResetModel()

    def plan(self, row: int) -> Plan | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, plan_id: int) -> int | None:
        return next((i for i, p in enumerate(self._items) if p.id == plan_id), None)

    def row_total(self) -> int:
        return len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        p = self.plan(index.row()) if index.isValid() else None
        if p is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return p.ref
            if col == 1:
                return p.start_date.isoformat() + (f" — {p.end_date.isoformat()}" if p.end_date else "")
            if col == 2:
                return p.visiting_unit
            if col == 3:
                return p.guest_count
            if col == 4:
                return p.companion_count
            if col == 5:
                return fmt(p.budget)
            if col == 6:
                return PLAN_STATUS[p.status]
            return "、".join(p.receptions)
        if role == Qt.ItemDataRole.ForegroundRole and col == 6 and p.status in STATUS_COLOURS:
            return QBrush(STATUS_COLOURS[p.status])
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (3, 4, 5):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and p.status == Status.RETURNED and p.review_comment:
            return tr("退回意见：{c}").format(c=p.review_comment)
        return None


class PlansView(QWidget):
    """The list of plans with its filters and buttons (see the module's text)."""

    count_changed = Signal(int)  # plans waiting for approval (approvers)
    reception_requested = Signal(object)  # a Reception filled in from an approved plan
    dialog_opened = Signal(object)  # a PlanDialog this view opened

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub or ChangeHub(self)
        self.actions = PlanActions(service, user, self.hub, self)
        self._dialogs: dict[int, PlanDialog] = {}
        self.waiting = 0

        self.year_combo = QComboBox()
        self.status_combo = QComboBox()
        self.status_combo.addItem(tr("全部状态"), None)
        for status in (Status.SUBMITTED, Status.APPROVED, Status.DRAFT, Status.RETURNED, Status.VOID):
            self.status_combo.addItem(PLAN_STATUS[status], status)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(QLabel(tr("年度：")))
        filters.addWidget(self.year_combo)
        filters.addWidget(QLabel(tr("状态：")))
        filters.addWidget(self.status_combo)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        self.model = PlansModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 120), (1, 190), (3, 70), (4, 60), (5, 100), (6, 70), (7, 150)):
            self.table.setColumnWidth(column, width)
        self.empty_label = QLabel(tr("没有符合条件的接待审批单。"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.refusal_label = QLabel()
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setStyleSheet("color: #e65100;")
        self.refusal_label.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet("color: #1b5e20; font-weight: bold;")
        self.status_label.hide()

        buttons = QHBoxLayout()
        self.new_button = QPushButton(tr("新建审批单"))
        self.open_button = QPushButton(tr("打开"))
        self.start_button = QPushButton(tr("据此登记接待"))
        self.print_button = QPushButton(tr("打印审批单"))
        self.approve_button = QPushButton(tr("批准"))
        self.return_button = QPushButton(tr("退回…"))
        self.reopen_button = QPushButton(tr("重新打开…"))
        for b in (self.new_button, self.open_button, self.start_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.reopen_button)
        is_clerk, is_approver = user.has(Role.CLERK), user.has(Role.APPROVER)
        self.new_button.setVisible(is_clerk)
        self.start_button.setVisible(is_clerk)
        self.approve_button.setVisible(is_approver)
        self.return_button.setVisible(is_approver)
        self.reopen_button.setVisible(is_approver or user.has(Role.ADMIN))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.refusal_label)
        layout.addLayout(buttons)

        self.new_button.clicked.connect(lambda: self.open_plan(None))
        self.open_button.clicked.connect(self.open_selected)
        self.start_button.clicked.connect(self.start_reception)
        self.print_button.clicked.connect(self.print_selected)
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.year_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.hub.plans_changed.connect(self.refresh)
        self.hub.receptions_changed.connect(lambda _ids: self.refresh())  # a reception started from a plan
        self.hub.settings_changed.connect(self.refresh)
        self.show_action: QAction | None = None  # set by install_plans
        self.new_action: QAction | None = None
        self.letters_action: QAction | None = None
        self.refresh()

    # ------------------------------------------------------------------ reading
    def _fill_years(self) -> None:
        """The years that have plans, and this one; the current choice is kept. At first: this
        year, so a province's tens of thousands of plans are not all read at start — or, for a
        leader whose waiting plans are all of another year (December's plans for January), the
        newest of those years, so what the tab's title counts is in the list."""
        this_year = self.service.clock().year
        chosen = self.year_combo.currentData() if self.year_combo.count() else this_year
        try:
            years = self.service.plan_years()
            if not self.year_combo.count() and self.user.has(Role.APPROVER):
                waiting = self.service.plan_years(Status.SUBMITTED)
                chosen = this_year if this_year in waiting or not waiting else max(waiting)
        except LedgerError:
            years = set()
        years.add(this_year)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem(tr("全部年度"), None)
        for year in sorted(years, reverse=True):
            self.year_combo.addItem(tr("{y} 年").format(y=year), year)
        index = self.year_combo.findData(chosen) if chosen is not None else 0
        self.year_combo.setCurrentIndex(max(index, 0))
        self.year_combo.blockSignals(False)

    def refresh(self) -> None:
        """Read the plans again (the selection is kept); say how many wait."""
        selected = self.selected_plan()
        self._fill_years()  # a plan of another year may have come
        try:
            plans = self.service.plans(self.year_combo.currentData(), self.status_combo.currentData())
            waiting = self.service.plan_count(Status.SUBMITTED) if self.user.has(Role.APPROVER) else 0
        except LedgerError:
            return
        self.model.set_plans(plans)
        if selected is not None and selected.id is not None:
            self.select_plan(selected.id)
        self.empty_label.setVisible(not plans)
        self.count_label.setText(tr("共 {n} 份").format(n=len(plans)))
        self._update_buttons()
        self.waiting = waiting
        self.count_changed.emit(waiting)

    def selected_plan(self) -> Plan | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.plan(rows[0].row()) if rows else None

    def select_plan(self, plan_id: int) -> bool:
        row = self.model.row_of(plan_id)
        if row is None:
            return False
        self.table.selectRow(row)
        return True

    def _update_buttons(self) -> None:
        p = self.selected_plan()
        has = p is not None
        self.open_button.setEnabled(has)
        self.print_button.setEnabled(has)
        start = start_refusal(p) if p is not None else tr("请先选择一份已批准的审批单")
        self.start_button.setEnabled(start is None)
        self.start_button.setToolTip(start or tr("打开接待登记，按审批单填好"))
        refusal = None
        if p is not None and p.status == Status.SUBMITTED:
            refusal = self.actions.approval_refusal(p)
            self.approve_button.setEnabled(refusal is None)
            self.return_button.setEnabled(refusal is None)  # a return is a review too
            self.return_button.setToolTip(refusal or "")
            self.approve_button.setToolTip(refusal or tr("批准后审批单锁定，可据此登记接待"))
        else:
            self.approve_button.setEnabled(False)
            self.return_button.setEnabled(False)
            self.approve_button.setToolTip(tr("请选择一份待审批的审批单"))
        if p is not None and p.status == Status.APPROVED:
            reopen = self.actions.reopen_refusal(p)
        else:
            reopen = tr("请选择一份已批准的审批单")
        self.reopen_button.setEnabled(reopen is None)
        self.reopen_button.setToolTip(reopen or tr("写明理由后重新打开，审批单退回经办人修改后再报批"))
        show = refusal is not None and self.user.has(Role.APPROVER)
        self.refusal_label.setText(tr("不能批准：{why}").format(why=refusal) if refusal else "")
        self.refusal_label.setVisible(show)

    # ------------------------------------------------------------------ actions
    def open_plan(self, plan_id: int | None) -> PlanDialog | None:
        """Open the plan form (non-modal); a plan already open is brought forward."""
        if plan_id is not None and plan_id in self._dialogs:
            dialog = self._dialogs[plan_id]
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return dialog
        try:
            dialog = PlanDialog(self.service, self.user, plan_id, self.window(), self.hub)
        except LedgerError as exc:
            self.refusal_label.setText(str(exc))
            self.refusal_label.show()
            self.refresh()
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.adopt(dialog)
        dialog.show()
        return dialog

    def adopt(self, dialog: QWidget) -> bool:
        """Track a plan form opened here or elsewhere (autosave recovery); False: not a plan form."""
        if not isinstance(dialog, PlanDialog):
            return False
        self._index(dialog, dialog.plan_id)
        dialog.changed.connect(lambda pid, d=dialog: self._index(d, pid))
        dialog.reception_requested.connect(self.reception_requested)
        self.dialog_opened.emit(dialog)
        return True

    def _index(self, dialog: PlanDialog, plan_id: int | None) -> None:
        if plan_id is None or plan_id in self._dialogs:
            return
        self._dialogs[plan_id] = dialog
        dialog.destroyed.connect(lambda _o=None, pid=plan_id: self._dialogs.pop(pid, None))

    def open_selected(self) -> None:
        p = self.selected_plan()
        if p is not None and p.id is not None:
            self.open_plan(p.id)

    def start_reception(self) -> Reception | None:
        p = self.selected_plan()
        if p is None:
            return None
        filled = self.actions.start_reception(p)
        if filled is not None:
            self.reception_requested.emit(filled)
        return filled

    def print_selected(self) -> None:
        p = self.selected_plan()
        if p is not None:
            self.actions.print_form(p)

    def _not_allowed(self, why: str) -> None:
        self.refusal_label.setText(tr("不能批准：{why}").format(why=why))
        self.refusal_label.show()

    def _said(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.show()

    def approve_selected(self) -> bool:
        p = self.selected_plan()
        if p is None:
            return False
        return self.actions.approve(
            p,
            not_allowed=self._not_allowed,
            done=lambda saved: self._said(tr("{ref} 已批准").format(ref=saved.ref)),
        ).ok

    def reopen_selected(self) -> bool:
        p = self.selected_plan()
        if p is None:
            return False

        def not_allowed(why: str) -> None:
            self.refusal_label.setText(tr("不能重新打开：{why}").format(why=why))
            self.refusal_label.show()

        return self.actions.reopen(
            p,
            not_allowed=not_allowed,
            done=lambda saved: self._said(tr("{ref} 已重新打开，退回经办人修改").format(ref=saved.ref)),
        ).ok

    def return_selected(self) -> bool:
        p = self.selected_plan()
        if p is None:
            return False
        return self.actions.return_plan(
            p, done=lambda saved: self._said(tr("{ref} 已退回经办人").format(ref=saved.ref))
        ).ok


class PlansHost(Protocol):
    """What ``install_plans`` needs of the main window."""

    service: LedgerService
    user: User
    hub: ChangeHub
    tabs: QTabWidget
    file_menu: QMenu
    view_menu: QMenu
    open_action: QAction
    show_dashboard_action: QAction
    dashboard_view: QWidget
    _forms: list[QWidget]

    def open_reception(self, reception_id: int | None = None) -> QWidget | None: ...


def install_plans(window: PlansHost) -> PlansView:
    """The 接待审批 tab (Ctrl+4) and the menu entries of plans and letters, in the main window."""
    view = PlansView(window.service, window.user, hub=window.hub)
    window.tabs.insertTab(window.tabs.indexOf(window.dashboard_view), view, tr("接待审批"))
    owner = window.tabs

    def title(count: int) -> None:
        window.tabs.setTabText(
            window.tabs.indexOf(view), tr("接待审批（{n}）").format(n=count) if count else tr("接待审批")
        )

    view.count_changed.connect(title)
    title(view.waiting)

    def start(reception: Reception) -> None:
        form = window.open_reception(None)
        if form is not None:
            form.start_from(reception)  # type: ignore[attr-defined]

    view.reception_requested.connect(start)

    def track(dialog: QWidget) -> None:  # the window asks every open form before closing
        window._forms.append(dialog)
        dialog.destroyed.connect(
            lambda _o=None, d=dialog: window._forms.remove(d) if d in window._forms else None
        )

    view.dialog_opened.connect(track)

    show = QAction(tr("接待审批"), owner)
    show.setShortcut(QKeySequence("Ctrl+4"))
    show.setStatusTip(tr("事前审批：来访单位、人数、用餐标准和预算"))
    show.triggered.connect(lambda _c=False: window.tabs.setCurrentWidget(view))
    actions = window.view_menu.actions()
    after = actions.index(window.show_dashboard_action) + 1
    window.view_menu.insertAction(actions[after] if after < len(actions) else None, show)

    new_plan = QAction(tr("新建接待审批单…"), owner)
    new_plan.setStatusTip(tr("收到公函或电话通知后，填写接待审批单报分管领导审批"))
    new_plan.triggered.connect(lambda _c=False: view.open_plan(None))
    new_plan.setVisible(window.user.has(Role.CLERK))
    letters = QAction(tr("公函登记…"), owner)
    letters.setStatusTip(tr("来文公函的文号、来文单位、标题、日期和扫描件"))
    letters.triggered.connect(lambda _c=False: open_letters(window))
    file_actions = window.file_menu.actions()
    before = file_actions[file_actions.index(window.open_action) + 1]
    window.file_menu.insertAction(before, new_plan)
    window.file_menu.insertAction(before, letters)
    view.show_action, view.new_action, view.letters_action = show, new_plan, letters
    return view


def open_letters(window: PlansHost) -> QWidget:
    from ui.letters_dialog import LettersDialog

    dialog = LettersDialog(window.service, window.user, window.tabs.window(), window.hub)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
