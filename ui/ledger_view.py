"""The ledger view (台账): filters, a search box and the table of receptions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.records import LedgerQuery, Status
from ledger.service import LedgerService
from ui.hub import ChangeHub
from ui.ledger_model import COLUMN_KEYS, UNSORTED, LedgerTableModel, summary_text
from ui.prefs import app_settings

SEARCH_DEBOUNCE_MS = 250
HEADER_STATE_KEY = "ledger/header_state"
COMPLIANCE_CHOICES: tuple[tuple[str, str], ...] = (
    ("all", tr("全部")),
    ("compliant", tr("合规")),
    ("breach", tr("有违规")),
)
DEFAULT_WIDTHS = (105, 100, 170, 210, 80, 100, 90, 110, 90, 80, 100)  # 状态 holds 已审核·已公示; all fit a 1366-wide screen


class LedgerView(QWidget):
    """Filters over a LedgerTableModel; emits ``open_requested(id)`` on double-click or Enter."""

    open_requested = Signal(int)
    summary_changed = Signal(str)
    selection_changed = Signal()

    def __init__(
        self, service: LedgerService, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub or ChangeHub(self)
        # a write anywhere may change a row on show or add one: read the page again (not on
        # settings changes, which the ledger does not show)
        self.hub.receptions_changed.connect(lambda _ids: self.refresh())
        self.service = service
        # constraints that have no widget of their own (set by show_query, e.g. from the dashboard)
        self._extra: dict[str, object] = {}
        self._fit_pending = True  # until the user's own column widths are known

        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName(tr("年度"))
        self.month_combo = QComboBox()
        self.month_combo.setAccessibleName(tr("月份"))
        self.month_combo.addItem(tr("全年"), None)
        for m in range(1, 13):
            self.month_combo.addItem(tr("{m}月").format(m=m), m)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName(tr("状态"))
        self.status_combo.addItem(tr("全部状态"), None)
        for status in Status:
            self.status_combo.addItem(status.label, status.value)
        self.compliance_combo = QComboBox()
        self.compliance_combo.setAccessibleName(tr("合规"))
        for key, label in COMPLIANCE_CHOICES:
            self.compliance_combo.addItem(label, key)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(tr("搜索来访单位、公务活动、公函文号或编号（Ctrl+F）"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        self.extra_label = QLabel()
        self.extra_label.setStyleSheet("color: #0d47a1;")
        self.extra_clear = QPushButton(tr("清除此条件"))
        self.extra_label.hide()
        self.extra_clear.hide()
        self.reset_button = QPushButton(tr("重置筛选"))

        filters = QHBoxLayout()
        for label, widget in (
            (tr("年度"), self.year_combo),
            (tr("月份"), self.month_combo),
            (tr("状态"), self.status_combo),
            (tr("合规"), self.compliance_combo),
        ):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addSpacing(12)
        filters.addWidget(self.search_edit, 1)
        filters.addWidget(self.extra_label)
        filters.addWidget(self.extra_clear)
        filters.addWidget(self.reset_button)

        self.model = LedgerTableModel(service, self._query_from_widgets(), self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSortIndicator(COLUMN_KEYS.index("reception_date"), Qt.SortOrder.DescendingOrder)
        for i, width in enumerate(DEFAULT_WIDTHS):
            self.table.setColumnWidth(i, width)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_sort_indicator)

        self.summary_label = QLabel(summary_text(self.model.count, self.model.total, self.model.void))
        self.summary_label.setObjectName("ledgerSummary")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filters)

        self.reload_years()
        self.year_combo.currentIndexChanged.connect(self._year_changed)
        self.month_combo.currentIndexChanged.connect(self.apply_filters)
        self.status_combo.currentIndexChanged.connect(self.apply_filters)
        self.compliance_combo.currentIndexChanged.connect(self.apply_filters)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_now)
        self.extra_clear.clicked.connect(self._clear_extra)
        self.reset_button.clicked.connect(self.reset_filters)
        self.model.totals_changed.connect(self._show_totals)
        self.table.activated.connect(self._double_clicked)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self.selection_changed.emit())
        self.model.modelReset.connect(self.selection_changed.emit)
        self._year_changed()

    # ------------------------------------------------------------------ filters
    def reload_years(self) -> None:
        """Offer every year that has receptions, and this year."""
        current = self.year_combo.currentData()
        years = sorted(set(self.service.years()) | {date.today().year}, reverse=True)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem(tr("全部年度"), None)
        for y in years:
            self.year_combo.addItem(tr("{y}年").format(y=y), y)
        index = self.year_combo.findData(current) if current is not None else 0
        self.year_combo.setCurrentIndex(max(index, 0))
        self.year_combo.blockSignals(False)

    def _query_from_widgets(self) -> LedgerQuery:
        year = self.year_combo.currentData()
        month = self.month_combo.currentData() if year else None
        status = self.status_combo.currentData()
        model = getattr(self, "model", None)
        sort = model.query.sort if model else "reception_date"
        descending = model.query.descending if model else True
        return LedgerQuery(
            year=year,
            month=month,
            status=Status(status) if status else None,
            compliance=self.compliance_combo.currentData() or "all",
            text=self.search_edit.text().strip(),
            sort=sort,
            descending=descending,
            **self._extra,  # type: ignore[arg-type]
        )

    def _year_changed(self) -> None:
        self.month_combo.setEnabled(self.year_combo.currentData() is not None)
        self.apply_filters()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.apply_filters()

    def apply_filters(self) -> None:
        self._search_timer.stop()
        query = self._query_from_widgets()
        if query != self.model.query:
            self.model.set_query(query)

    def reset_filters(self) -> None:
        self.show_query(LedgerQuery(sort=self.model.query.sort, descending=self.model.query.descending))

    def _clear_extra(self) -> None:
        self._extra = {}
        self._show_extra()
        self.apply_filters()

    def _show_extra(self) -> None:
        parts = []
        if self._extra.get("visiting_unit"):
            parts.append(tr("来访单位：{u}").format(u=self._extra["visiting_unit"]))
        start, end = self._extra.get("date_from"), self._extra.get("date_to")
        if start or end:
            parts.append(
                tr("日期：{a} 至 {b}").format(
                    a=start.isoformat() if isinstance(start, date) else "…",
                    b=end.isoformat() if isinstance(end, date) else "…",
                )
            )
        refs = self._extra.get("refs")
        if isinstance(refs, tuple) and refs:
            parts.append(tr("疑点提示中的 {n} 条接待").format(n=len(refs)))
        self.extra_label.setText("；".join(parts))
        self.extra_label.setVisible(bool(parts))
        self.extra_clear.setVisible(bool(parts))

    def show_query(self, query: LedgerQuery) -> None:
        """Set every filter from ``query`` (e.g. from the dashboard) and show the result."""
        widgets = (
            self.year_combo,
            self.month_combo,
            self.status_combo,
            self.compliance_combo,
            self.search_edit,
        )
        for w in widgets:
            w.blockSignals(True)
        try:
            if query.year is not None and self.year_combo.findData(query.year) < 0:
                self.year_combo.addItem(tr("{y}年").format(y=query.year), query.year)
            self.year_combo.setCurrentIndex(max(self.year_combo.findData(query.year), 0) if query.year else 0)
            self.month_combo.setEnabled(query.year is not None)
            self.month_combo.setCurrentIndex(
                max(self.month_combo.findData(query.month), 0) if query.year and query.month else 0
            )
            status = Status(query.status).value if query.status else None
            self.status_combo.setCurrentIndex(max(self.status_combo.findData(status), 0) if status else 0)
            self.compliance_combo.setCurrentIndex(max(self.compliance_combo.findData(query.compliance), 0))
            self.search_edit.setText(query.text)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._search_timer.stop()
        self._extra = {
            k: v
            for k, v in (
                ("visiting_unit", query.visiting_unit),
                ("date_from", query.date_from),
                ("date_to", query.date_to),
                ("refs", query.refs),
            )
            if v
        }
        self._show_extra()
        header = self.table.horizontalHeader()
        if query.sort in COLUMN_KEYS:
            header.blockSignals(True)
            order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(COLUMN_KEYS.index(query.sort), order)
            header.blockSignals(False)
        target = replace(self._query_from_widgets(), sort=query.sort, descending=query.descending)
        self.model.set_query(target)

    def _keep_sort_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        """A column the ledger is not sorted by (报销) keeps the indicator where the order is."""
        if 0 <= column < len(COLUMN_KEYS) and COLUMN_KEYS[column] in UNSORTED:
            query = self.model.query
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(COLUMN_KEYS.index(query.sort), order)
            header.blockSignals(False)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def refresh(self) -> None:
        """Read the ledger again, keeping the filters and the selected reception."""
        selected = self.selected_reception_id()
        self.reload_years()
        self.model.refresh()
        if selected is not None:
            self.select_reception(selected)

    # ------------------------------------------------------------------ selection
    def selected_reception_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.reception_id(rows[0].row())

    def select_reception(self, reception_id: int) -> bool:
        """Select a reception if it is among the rows already read (near the top)."""
        self.model.row_at(0)
        row = self.model.row_of(reception_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _double_clicked(self, index: QModelIndex) -> None:
        rid = self.model.reception_id(index.row())
        if rid is not None:
            self.open_requested.emit(rid)

    def _show_totals(self, count: int, total: Decimal | None) -> None:
        text = summary_text(count, total, self.model.void)
        self.summary_label.setText(text)
        self.summary_changed.emit(text)

    # ------------------------------------------------------------------ remembered widths
    def save_state(self) -> None:
        app_settings().setValue(HEADER_STATE_KEY, self.table.horizontalHeader().saveState())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_pending:
            self._fit_pending = False
            QTimer.singleShot(0, self.fit_columns)  # once the layout has given the table its width

    def fit_columns(self) -> None:
        """Give the activity column the width the other columns leave free."""
        activity = COLUMN_KEYS.index("activity")
        others = sum(self.table.columnWidth(i) for i in range(len(COLUMN_KEYS)) if i != activity)
        free = self.table.viewport().width() - others - 2
        self.table.setColumnWidth(activity, max(DEFAULT_WIDTHS[activity], free))

    def restore_state(self) -> None:
        state = app_settings().value(HEADER_STATE_KEY)
        self._fit_pending = not state
        if isinstance(state, QByteArray | bytes) and state:
            header = self.table.horizontalHeader()
            header.restoreState(QByteArray(state))
            # the sort order is the model's, whatever the saved header says
            query = self.model.query
            header.blockSignals(True)
            order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(COLUMN_KEYS.index(query.sort), order)
            header.blockSignals(False)
