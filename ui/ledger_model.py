"""The ledger table: a thin adapter over LedgerService.ledger_rows.

The model knows the number of matching receptions and fetches the rows a view actually
paints, a page at a time, keyed by offset. Sorting and filtering are done by the database:
``sort()`` and ``set_query()`` only change the LedgerQuery and reset. The count and total come
from ``LedgerService.ledger_summary``: exact from the database's monthly totals for the year,
month, status and compliance filters; a search matching more than ``SUMMARY_CAP`` receptions
shows its first ``SUMMARY_CAP`` rows and says "more than" instead of counting a million rows.
So 1,000,000 receptions cost a few index reads and a page or two, not 1,000,000 records.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from ledger.i18n import tr
from ledger.money import ZERO, fmt
from ledger.records import LedgerQuery, LedgerRow, Status
from ledger.service import LedgerService
from ui.table_model import FlatTableModel

PAGE_SIZE = 200
MAX_CACHED_PAGES = 64

BREACH_COLOR = QColor("#c62828")
COMPLIANT_COLOR = QColor("#2e7d32")
STATUS_COLORS = {
    Status.DRAFT: QColor("#616161"),
    Status.SUBMITTED: QColor("#e65100"),
    Status.APPROVED: QColor("#1b5e20"),
    Status.RETURNED: QColor("#b71c1c"),
    Status.VOID: QColor("#9e9e9e"),
}
VOID_COLOR = QColor("#9e9e9e")  # a void reception's row is greyed: it counts nowhere
# columns shown but not offered as a sort order (no index keeps them in order at a million rows)
UNSORTED = frozenset({"reimbursement_no"})

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str  # the LedgerQuery.sort key
    title: str
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("ref", tr("编号")),
    Column("reception_date", tr("接待日期")),
    Column("visiting_unit", tr("来访单位")),
    Column("activity", tr("公务活动")),
    Column("guest_count", tr("接待/陪餐"), numeric=True),
    Column("total", tr("金额（元）"), numeric=True),
    Column("meal_amount", tr("餐费（元）"), numeric=True),
    Column("meal_per_person", tr("人均餐费（元）"), numeric=True),
    Column("status", tr("状态")),
    Column("violation_count", tr("合规")),
    Column("reimbursement_no", tr("报销")),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)


def compliance_text(row: LedgerRow) -> str:
    if row.compliant:
        return tr("合规")
    return tr("违规 {n} 项").format(n=row.violation_count)


def status_text(row: LedgerRow) -> str:
    """The status, with 涉密 and 已公示 (on a printed public notice) marked: ``已审核·已公示``."""
    text = row.status.label
    if row.classified:
        text += tr("·涉密")
    if row.posted_on:
        text += tr("·已公示")
    return text


class LedgerTableModel(FlatTableModel):
    """Rows of the ledger for one LedgerQuery, fetched on demand in pages."""

    totals_changed = Signal(int, object)  # count, total (Decimal) of what is shown
    ID_ROLE = Qt.ItemDataRole.UserRole + 1
    columns = tuple(c.title for c in COLUMNS)

    def __init__(self, service: LedgerService, query: LedgerQuery | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._service = service
        self._query = query or LedgerQuery()
        self._pages: OrderedDict[int, list[LedgerRow]] = OrderedDict()
        self._void = 0
        self._count, self._total = self._summary(self._query)

    # ------------------------------------------------------------------ the query
    @property
    def query(self) -> LedgerQuery:
        return self._query

    @property
    def count(self) -> int:
        return self._count

    @property
    def total(self) -> Decimal | None:
        """The total of what the query selects; None when there are more than ``count`` rows."""
        return self._total

    @property
    def exact(self) -> bool:
        return self._total is not None

    @property
    def void(self) -> int:
        """How many of the receptions counted are void (listed, not in the total)."""
        return self._void

    def _summary(self, query: LedgerQuery) -> tuple[int, Decimal | None]:
        summary = self._service.ledger_summary(query)
        self._void = summary.void
        return summary.count, summary.total if summary.exact else None

    def set_query(self, query: LedgerQuery) -> None:
        """Show what ``query`` selects, in its sort order."""
        self.beginResetModel()
        self._query = query
        self._pages.clear()
        self._count, self._total = self._summary(query)
        self.endResetModel()
        self.totals_changed.emit(self._count, self._total)

    def refresh(self) -> None:
        """Read again after a change (a save, an approval, an import)."""
        self.set_query(self._query)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        key = COLUMNS[column].key
        if key in UNSORTED:
            self.layoutChanged.emit()  # the header shows the order the rows are really in
            return
        if key == self._query.sort and descending == self._query.descending:
            return
        self.beginResetModel()
        self._query = replace(self._query, sort=key, descending=descending)
        self._pages.clear()
        self.endResetModel()

    # ------------------------------------------------------------------ rows
    def row_at(self, row: int) -> LedgerRow | None:
        """The ledger row at a view row, fetching its page when needed."""
        if not 0 <= row < self._count:
            return None
        start = row - row % PAGE_SIZE
        page = self._pages.get(start)
        if page is None:
            page = self._read_page(start)
            self._pages[start] = page
            while len(self._pages) > MAX_CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(start)
        within = row - start
        return page[within] if within < len(page) else None

    def _read_page(self, start: int) -> list[LedgerRow]:
        """Rows ``start`` .. ``start + PAGE_SIZE``; the far half is read from the other end.

        An OFFSET costs as many rows as it skips, so a page past the middle is read in the
        opposite order from the end and reversed (the sort always ends on the id, so the
        two orders mirror each other exactly).
        """
        end = min(start + PAGE_SIZE, self._count)
        if start <= self._count // 2 or not self.exact:  # "more than N": the end is not known
            return self._service.ledger_rows(self._query, offset=start, limit=PAGE_SIZE)
        mirrored = replace(self._query, descending=not self._query.descending)
        rows = self._service.ledger_rows(mirrored, offset=self._count - end, limit=end - start)
        rows.reverse()
        return rows

    def reception_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.id if found else None

    def row_of(self, reception_id: int) -> int | None:
        """The view row of a reception among the pages already read, if any."""
        for start, page in self._pages.items():
            for i, r in enumerate(page):
                if r.id == reception_id:
                    return start + i
        return None

    # ------------------------------------------------------------------ Qt model API
    def row_total(self) -> int:
        return self._count

    def vertical_header(self, section: int) -> Any:
        return section + 1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and orientation == Qt.Orientation.Horizontal:
            return int(Qt.AlignmentFlag.AlignCenter) if 0 <= section < len(COLUMNS) else None
        return super().headerData(section, orientation, role)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.column() >= len(COLUMNS):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        key = COLUMNS[index.column()].key
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if COLUMNS[index.column()].numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if key in ("status", "violation_count", "reception_date", "ref"):
                return int(Qt.AlignmentFlag.AlignCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.status == Status.VOID:
                return QBrush(VOID_COLOR)
            if key == "violation_count":
                return QBrush(COMPLIANT_COLOR if row.compliant else BREACH_COLOR)
            if key == "status":
                return QBrush(STATUS_COLORS[row.status])
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, key)
        if role == self.ID_ROLE:
            return row.id
        return None

    @staticmethod
    def _display(row: LedgerRow, key: str) -> str:
        if key == "ref":
            return row.ref
        if key == "reception_date":
            return row.reception_date.isoformat()
        if key == "visiting_unit":
            return row.visiting_unit
        if key == "activity":
            return row.activity
        if key == "guest_count":
            return f"{row.guest_count} / {row.companion_count}"
        if key == "total":
            return fmt(row.total)
        if key == "meal_amount":
            return fmt(row.meal_amount)
        if key == "meal_per_person":
            return fmt(row.meal_per_person) if row.meal_diners else "—"
        if key == "status":
            return status_text(row)
        if key == "reimbursement_no":
            return row.reimbursement_no
        return compliance_text(row)

    @staticmethod
    def _tooltip(row: LedgerRow, key: str) -> str | None:
        if key == "violation_count" and not row.compliant:
            return tr("{n} 项违规，超标金额 ¥{amount}").format(
                n=row.violation_count, amount=fmt(row.over_standard_amount)
            )
        if key == "status" and (row.classified or row.posted_on):
            lines = [tr("涉密接待：不在公示表中公开")] if row.classified else []
            if row.posted_on:
                lines.append(tr("已于 {d} 公示").format(d=row.posted_on.isoformat()))
            return "\n".join(lines)
        if key == "guest_count":
            return tr("接待对象 {g} 人，陪餐 {c} 人").format(g=row.guest_count, c=row.companion_count)
        if key in ("visiting_unit", "activity"):
            return row.visiting_unit if key == "visiting_unit" else row.activity
        return None


def summary_text(count: int, total: Decimal | None = ZERO, void: int = 0) -> str:
    """The status-bar line for what the ledger view shows; ``total`` None: more than ``count``
    receptions match (a broad search), of which the first ``count`` are listed; ``void`` of
    them are void (作废), listed but not in the total."""
    if total is None:
        return tr("超过 {n} 条，列出前 {n} 条（未计合计）：请缩小搜索范围").format(n=f"{count:,}")
    if void:
        return tr("共 {n} 条（其中已作废 {v} 条，不计金额），合计 ¥{total}").format(
            n=count, v=void, total=fmt(total)
        )
    return tr("共 {n} 条，合计 ¥{total}").format(n=count, total=fmt(total))
