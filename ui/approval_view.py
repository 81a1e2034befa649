"""The approval queue (待审核): submitted receptions, their breaches and explanations."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import fmt
from ledger.policy import RULES
from ledger.records import ATTACHMENT_KINDS, LedgerQuery, Reception, Status, User
from ledger.risks import Risk, by_ref
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub
from ui.ledger_model import BREACH_COLOR, COMPLIANT_COLOR
from ui.operations import run
from ui.review_dialogs import BatchApproveConfirm, Review
from ui.supervision import WARNING_COLOUR, risks_html
from ui.table_model import FlatTableModel
from ui.widgets import show_ledger_error

_Index = QModelIndex | QPersistentModelIndex

QUEUE_COLUMNS: tuple[str, ...] = (
    tr("编号"),
    tr("接待日期"),
    tr("来访单位"),
    tr("金额（元）"),
    tr("提交人"),
    tr("合规"),
    tr("疑点"),
    tr("缺少单据"),
)
UNIT_COLUMN, RISK_COLUMN, MISSING_COLUMN = 2, 6, 7
# after an approval or a return the next reception is selected; the approve button waits this
# long before it takes a click, so a double click never approves the next one unseen
NEXT_GUARD_MS = 800


class ApprovalQueueModel(FlatTableModel):
    """The submitted receptions, oldest first, with their recorded breaches."""

    columns = QUEUE_COLUMNS

    def __init__(self, service: LedgerService, parent: Any = None) -> None:
        super().__init__(parent)
        self._service = service
        self._items: list[Reception] = []
        self._violation_counts: dict[int, int] = {}
        self._names: dict[str, str] = {}
        self._risks: dict[str, list[Risk]] = {}
        self._missing: dict[int, tuple[str, ...]] = {}
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        listed = self._service.receptions(LedgerQuery(status=Status.SUBMITTED))
        # each with its attachments (a few dozen at most): the documents are checked against them
        self._items = [self._service.get(r.id) for r in listed if r.id is not None]
        self._missing = {r.id: self._service.missing_documents(r) for r in self._items if r.id is not None}
        ids = [r.id for r in self._items if r.id is not None]
        self._violation_counts = {rid: len(v) for rid, v in self._service.violations_of(ids).items()}
        self._names = {u.username: u.label for u in self._service.users()}
        self._risks = {}
        for year in sorted({r.reception_date.year for r in self._items}):
            self._risks |= by_ref(self._service.risks(year))
        self.endResetModel()

    def risks_of(self, ref: str) -> list[Risk]:
        """The supervision warnings naming this reception (never a reason to refuse it)."""
        return self._risks.get(ref, [])

    def reception(self, row: int) -> Reception | None:
        return self._items[row] if 0 <= row < len(self._items) else None

    def row_of(self, reception_id: int) -> int | None:
        for i, r in enumerate(self._items):
            if r.id == reception_id:
                return i
        return None

    def breach_count(self, reception_id: int) -> int:
        """The breaches recorded for a reception in the queue (what the 合规 column shows)."""
        return self._violation_counts.get(reception_id, 0)

    def missing_of(self, reception_id: int) -> tuple[str, ...]:
        """The required document kinds this reception lacks (service.missing_documents)."""
        return self._missing.get(reception_id, ())

    def user_label(self, username: str) -> str:
        return self._names.get(username, username)

    def row_total(self) -> int:
        return len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.reception(index.row()) if index.isValid() else None
        if r is None or not 0 <= index.column() < len(QUEUE_COLUMNS):
            return None
        breaches = self._violation_counts.get(r.id or 0, 0)
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.ref
            if col == 1:
                return r.reception_date.isoformat()
            if col == 2:
                return r.visiting_unit
            if col == 3:
                return fmt(r.total)
            if col == 4:
                return self.user_label(r.submitted_by)
            if col == 6:
                risks = self._risks.get(r.ref, [])
                return "、".join(dict.fromkeys(x.label for x in risks))
            if col == MISSING_COLUMN:
                return kind_labels(self._missing.get(r.id or 0, ()))
            return tr("违规 {n} 项").format(n=breaches) if breaches else tr("合规")
        if role == Qt.ItemDataRole.ForegroundRole and col == 5:
            return QBrush(BREACH_COLOR if breaches else COMPLIANT_COLOR)
        if role == Qt.ItemDataRole.ForegroundRole and col == 6:
            return QBrush(QColor(WARNING_COLOUR))
        if role == Qt.ItemDataRole.ForegroundRole and col == MISSING_COLUMN:
            return QBrush(BREACH_COLOR)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def kind_labels(kinds: tuple[str, ...]) -> str:
    return "、".join(ATTACHMENT_KINDS.get(k, k) for k in kinds)


def reception_html(r: Reception, service: LedgerService, names: dict[str, str]) -> str:
    """A reception's essentials, its breaches in red and each explanation highlighted."""
    e = html.escape
    who = names.get(r.submitted_by, r.submitted_by)
    creator = names.get(r.created_by, r.created_by)
    lines = [
        f"<h3 style='margin:0'>{e(r.ref)}　{e(r.visiting_unit)}</h3>",
        "<table cellspacing='0' cellpadding='3'>",
    ]
    facts = [
        (
            tr("接待日期"),
            r.reception_date.isoformat() + (f" — {r.end_date.isoformat()}" if r.end_date else ""),
        ),
        (tr("公务活动"), f"{r.activity}（{r.activity_kind}）"),
        (tr("公函文号"), r.letter_no or (tr("电话记录：") + r.phone_record if r.phone_record else tr("无"))),
        (tr("接待对象 / 陪餐"), tr("{g} 人 / {c} 人").format(g=r.guest_count, c=r.companion_count)),
        (tr("用餐场所"), r.venue_summary or tr("无")),
        (
            tr("金额"),
            tr("¥{t}（餐费 ¥{m}，人均餐费 ¥{p}；其他费用 ¥{o}）").format(
                t=fmt(r.total), m=fmt(r.meal_total), p=fmt(r.meal_per_person), o=fmt(r.other_costs_total)
            ),
        ),
        (
            tr("录入 / 提交"),
            tr("{c} / {s}，{at}").format(
                c=creator, s=who, at=r.submitted_at.strftime("%Y-%m-%d %H:%M") if r.submitted_at else ""
            ),
        ),
    ]
    if r.classified:
        facts.append((tr("涉密"), tr("是：{why}").format(why=r.classified_reason)))
    for label, value in facts:
        lines.append(f"<tr><td style='color:#555'>{e(label)}</td><td>{e(value)}</td></tr>")
    lines.append("</table>")
    assessment = service.assess(r)
    if assessment.compliant:
        lines.append(f"<p style='color:#2e7d32'><b>{e(tr('未发现违反接待标准的情况。'))}</b></p>")
    else:
        lines.append(
            "<p style='color:#c62828'><b>"
            + e(
                tr("违规 {n} 项，超标金额 ¥{x}（由个人承担，不予报销）").format(
                    n=len(assessment.violations), x=fmt(assessment.over_standard_amount)
                )
                if assessment.over_standard_amount > 0
                else tr("违规 {n} 项").format(n=len(assessment.violations))
            )
            + "</b></p>"
        )
        for v in assessment.violations:
            explanation = r.explanations.get(v.rule, "").strip()
            lines.append(
                "<div style='margin:4px 0 8px 0'>"
                f"<div style='color:#c62828'><b>{e(RULES.get(v.rule, v.rule))}</b>：{e(v.message)}</div>"
                "<div style='background:#fff3c4; padding:4px'>"
                f"<b>{e(tr('情况说明'))}：</b>{e(explanation) if explanation else e(tr('（未填写）'))}"
                "</div></div>"
            )
    missing = service.missing_documents(r)
    if missing:
        lines.append(f"<p style='color:#c62828'><b>{e(tr('缺少单据'))}：</b>{e(kind_labels(missing))}</p>")
    if r.review_comment:
        lines.append(f"<p><b>{e(tr('此前的审核意见'))}：</b>{e(r.review_comment)}</p>")
    return "".join(lines)


class ApprovalView(QWidget):
    """Queue on the left (several may be selected for 批量审核通过); the selected reception with
    approve / return on the right."""

    changed = Signal(int)  # a reception was approved or returned here
    open_requested = Signal(int)
    history_requested = Signal(int)
    count_changed = Signal(int)
    selection_changed = Signal()  # another reception is shown (or none)

    def __init__(
        self, service: LedgerService, user: User, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.user = user
        self.hub = hub or ChangeHub(self)
        self.review = Review(service, user, self.hub, self)
        self.model = ApprovalQueueModel(service, self)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        # the visiting unit takes the room the other columns leave: they are as wide as their
        # contents (at 100 px each they left the unit 19 px of a 1366-pixel screen)
        header = self.table.horizontalHeader()
        for column in range(len(QUEUE_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(UNIT_COLUMN, QHeaderView.ResizeMode.Stretch)
        # the warnings and the missing documents can be long: a fixed width (the details show them whole)
        for column, sample in ((RISK_COLUMN, tr("同一单位频繁接待")), (MISSING_COLUMN, tr("缺少单据"))):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, self.fontMetrics().horizontalAdvance(sample) + 24)
        self.table.setAlternatingRowColors(True)
        self.empty_label = QLabel(tr("没有待审核的接待。"))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.batch_button = QPushButton(tr("批量审核通过…"))
        self.batch_hint = QLabel(tr("按住 Ctrl 或 Shift 可选中多条合规的接待，一并审核通过。"))
        self.batch_hint.setStyleSheet("color: #666;")
        self.batch_hint.setWordWrap(True)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText(tr("审核意见（审核通过时可不填）"))
        self.approve_button = QPushButton(tr("审核通过"))
        self.return_button = QPushButton(tr("退回…"))
        self.open_button = QPushButton(tr("打开接待单"))
        self.history_button = QPushButton(tr("历史记录"))
        self.refusal_label = QLabel()
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setStyleSheet("color: #e65100;")
        self.refusal_label.hide()
        # what the last approval or return did: it names the reference, so nothing passes unnoticed
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setStyleSheet(
            "background: #e8f5e9; color: #1b5e20; padding: 6px; border-radius: 3px; font-weight: bold;"
        )
        self.status_label.hide()
        # after an approval or return the next one is selected (the row the decided one stood in)
        self._next_row: int | None = None
        self._keep_status = False  # the status line of the last decision stays over the next one
        self._shown_id: int | None = None
        self._guard = QTimer(self)  # the approve button waits a moment after moving on by itself
        self._guard.setSingleShot(True)
        self._guard.setInterval(NEXT_GUARD_MS)
        self._guard.timeout.connect(self._fill_details)

        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.return_button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.history_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.status_label)
        right_layout.addWidget(self.details, 1)
        right_layout.addWidget(self.refusal_label)
        right_layout.addWidget(self.comment_edit)
        right_layout.addLayout(buttons)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.empty_label)
        batch_row = QHBoxLayout()
        batch_row.addWidget(self.batch_hint, 1)
        batch_row.addWidget(self.batch_button)
        left_layout.addLayout(batch_row)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.table.doubleClicked.connect(lambda _i: self._open())
        self.approve_button.clicked.connect(self.approve_selected)
        self.return_button.clicked.connect(self.return_selected)
        self.batch_button.clicked.connect(self.approve_batch)
        self.open_button.clicked.connect(self._open)
        self.history_button.clicked.connect(self._history)
        self.model.modelReset.connect(self._after_reload)
        self.hub.receptions_changed.connect(lambda _ids: self.refresh())  # a submission may join the queue
        self.hub.settings_changed.connect(self.refresh)  # the names of users
        self._after_reload()

    # ------------------------------------------------------------------ state
    def refresh(self) -> None:
        selected = [r.id for r in self.selected_receptions() if r.id is not None]
        moving_on = self._next_row is not None  # after a decision: the next one (_after_reload)
        self.model.reload()
        if not moving_on and selected and not self.select_receptions(selected):
            self._after_reload()  # none of them is left: the first

    def _after_reload(self) -> None:
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)
        if self._next_row is not None:
            row, self._next_row = self._next_row, None
            if not empty:  # the one after the decided one now stands in its row (or the last)
                self._guard.start()
                self._keep_status = True
                self._select_row(min(row, self.model.rowCount() - 1))
                self._keep_status = False
        elif not empty and not self.table.selectionModel().hasSelection():
            self._select_row(0)
        self._show_selected()
        self.count_changed.emit(self.model.rowCount())

    def selected_receptions(self) -> list[Reception]:
        """Every selected reception, in the queue's order."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        return [r for r in (self.model.reception(row) for row in rows) if r is not None]

    def selected_reception(self) -> Reception | None:
        """The one reception shown and decided on alone (None when none or several are selected)."""
        chosen = self.selected_receptions()
        return chosen[0] if len(chosen) == 1 else None

    def selected_reception_id(self) -> int | None:
        r = self.selected_reception()
        return r.id if r else None

    def select_reception(self, reception_id: int) -> bool:
        row = self.model.row_of(reception_id)
        if row is None:
            return False
        self._select_row(row)
        return True

    def _select_row(self, row: int) -> None:
        """Select that one row, whatever keys are held (``QTableView.selectRow`` in a multi-selection
        view adds to the selection while Ctrl or Shift is down)."""
        index = self.model.index(row, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def select_receptions(self, reception_ids: list[int]) -> int:
        """Select these receptions (those still in the queue); how many were found."""
        rows = [row for row in (self.model.row_of(rid) for rid in reception_ids) if row is not None]
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, self.model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.table.selectionModel().select(selection, flags)
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        return len(rows)

    def _show_selected(self) -> None:
        if self.table.selectionModel().hasSelection():
            shown = self.selected_reception_id()
            if shown != self._shown_id:
                # what was said and typed about the last reception does not stand over the next
                if not self._keep_status:
                    self.status_label.hide()
                self.comment_edit.clear()
            self._shown_id = shown
        self._fill_details()
        self.selection_changed.emit()

    def select_next(self) -> bool:
        """Select the next reception of the queue (the first when none is); False at the end."""
        rows = self.table.selectionModel().selectedRows()
        row = max(i.row() for i in rows) + 1 if rows else 0
        if row >= self.model.rowCount():
            return False
        self._select_row(row)
        self.table.setFocus()
        return True

    def may_approve_selected(self) -> bool:
        return self.approve_button.isEnabled()

    def _fill_details(self) -> None:
        chosen = self.selected_receptions()
        self._fill_batch(chosen)
        r = chosen[0] if len(chosen) == 1 else None
        has = r is not None
        for w in (self.return_button, self.open_button, self.history_button, self.comment_edit):
            w.setEnabled(has)
        if r is None:
            if len(chosen) > 1:
                self.details.setHtml(self._batch_html(chosen))
            else:
                self.details.setHtml(
                    f"<p style='color:#777'>{html.escape(tr('请在左侧选择一条待审核的接待。'))}</p>"
                )
            self.approve_button.setEnabled(False)
            self.approve_button.setToolTip(tr("已选中多条：请用“批量审核通过…”") if chosen else "")
            self.refusal_label.hide()
            return
        names = {u.username: u.label for u in self.service.users()}
        self.details.setHtml(
            reception_html(r, self.service, names) + risks_html(self.model.risks_of(r.ref), r.ref)
        )
        refusal = self.service.approval_refusal(self.user, r)
        self.approve_button.setEnabled(refusal is None and not self._guard.isActive())
        self.return_button.setEnabled(refusal is None)  # a return is a review too
        self.return_button.setToolTip(refusal or "")
        self.approve_button.setToolTip(refusal or tr("审核通过后接待单锁定，可打印公示"))
        self.refusal_label.setText(tr("不能审核：{why}").format(why=refusal) if refusal else "")
        self.refusal_label.setVisible(refusal is not None)

    # ------------------------------------------------------------------ several at once
    def batch_refusal(self, chosen: list[Reception] | None = None) -> str | None:
        """Why the selected receptions cannot be approved together, or None."""
        chosen = self.selected_receptions() if chosen is None else chosen
        if len(chosen) < 2:
            return tr("按住 Ctrl 或 Shift 选中两条以上合规的接待后，可一并审核通过")
        for r in chosen:
            refusal = self.service.approval_refusal(self.user, r)
            if refusal:
                return tr("{ref}：{why}").format(ref=r.ref, why=refusal)
            breaches = self.model.breach_count(r.id or 0)
            if breaches:
                return tr("{ref} 有 {n} 处违规，须逐条审核").format(ref=r.ref, n=breaches)
            missing = self.model.missing_of(r.id or 0)
            if missing:
                return tr("{ref} 缺少单据：{kinds}").format(ref=r.ref, kinds=kind_labels(missing))
        return None

    def _fill_batch(self, chosen: list[Reception]) -> None:
        refusal = self.batch_refusal(chosen)
        self.batch_button.setEnabled(refusal is None)
        self.batch_button.setToolTip(
            refusal
            or tr("一并审核通过所选的 {n} 条接待（确认一次，每条各记一条签名的审核记录）").format(
                n=len(chosen)
            )
        )

    def _batch_html(self, chosen: list[Reception]) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(r.ref)}</td><td>{e(r.reception_date.isoformat())}</td><td>{e(r.visiting_unit)}</td>"
            f"<td align='right'>{e(fmt(r.total))}</td></tr>"
            for r in chosen
        )
        refusal = self.batch_refusal(chosen)
        verdict = (
            f"<p style='color:#c62828'><b>{e(tr('不能批量审核：'))}</b>{e(refusal)}</p>"
            if refusal
            else f"<p style='color:#2e7d32'><b>{e(tr('均合规、单据齐全，可一并审核通过。'))}</b></p>"
        )
        total = sum((r.total for r in chosen), Decimal(0))
        return (
            f"<h3 style='margin:0'>{e(tr('已选中 {n} 条，合计 ¥{t}').format(n=len(chosen), t=fmt(total)))}</h3>"
            f"<table cellspacing='0' cellpadding='3'>{rows}</table>{verdict}"
        )

    def approve_batch(self) -> bool:
        """批量审核通过…: one confirmation listing them, one transaction, one signed entry each."""
        chosen = self.selected_receptions()
        refusal = self.batch_refusal(chosen)
        if refusal:
            self.refusal_label.setText(tr("不能批量审核：{why}").format(why=refusal))
            self.refusal_label.show()
            return False
        said: list[str | None] = [None]

        def confirm() -> bool:
            said[0] = BatchApproveConfirm.ask(chosen, self)
            return said[0] is not None

        first_row = self.model.row_of(chosen[0].id or 0)

        def done(approved: list[Reception]) -> None:
            self.status_label.setText(
                tr("已批量审核通过 {n} 条：{refs}").format(
                    n=len(approved), refs="、".join(r.ref for r in approved)
                )
                + "。"
            )
            self.status_label.show()
            self._next_row = first_row

        outcome = run(
            lambda: self.service.approve_many(
                self.user, [(r.id or 0, r.version) for r in chosen], said[0] or ""
            ),
            parent=self,
            hub=self.hub,
            confirm=confirm,
            refused=lambda exc: self._refused(exc, tr("未能批量审核")),
            done=done,
            changed=lambda approved: [r.id for r in approved],
        )
        return outcome.ok

    # ------------------------------------------------------------------ actions
    def approve_selected(self) -> bool:
        r = self.selected_reception()
        if r is None or r.id is None or self._guard.isActive():
            return False

        def not_allowed(
            why: str,
        ) -> None:  # the button is disabled then; a shortcut or a stale view lands here
            self.refusal_label.setText(tr("不能审核通过：{why}").format(why=why))
            self.refusal_label.show()

        row = self.model.row_of(r.id)
        outcome = self.review.approve(
            r,
            version=r.version,
            comment=self.comment_edit.text().strip(),
            not_allowed=not_allowed,
            refused=lambda exc: self._refused(exc, tr("未能审核")),
            done=lambda saved: self._done(tr("{ref} 已审核通过").format(ref=saved.ref), row, clear=True),
        )
        if outcome.ok:
            self.changed.emit(r.id)
        return outcome.ok

    def _refused(self, exc: LedgerError, title: str) -> None:
        show_ledger_error(self, exc, title)
        self.refresh()

    def _done(self, message: str, row: int | None, *, clear: bool = False) -> None:
        """After an approval or a return: say what happened and select the next one (its
        approve button waits a moment, so a double click does not approve it unseen)."""
        if clear:
            self.comment_edit.clear()
        more = self.model.row_total() > 1
        self.status_label.setText(message + ("。" + tr("已选中下一条，请审阅。") if more else "。"))
        self.status_label.show()
        self._next_row = row if row is not None else 0  # the hub's announcement reloads the queue next

    def return_selected(self) -> bool:
        r = self.selected_reception()
        if r is None or r.id is None:
            return False
        row = self.model.row_of(r.id)
        outcome = self.review.return_to_clerk(
            r,
            version=r.version,
            refused=lambda exc: self._refused(exc, tr("未能退回")),
            done=lambda saved: self._done(tr("{ref} 已退回").format(ref=saved.ref), row),
        )
        if outcome.ok:
            self.changed.emit(r.id)
        return outcome.ok

    def _open(self) -> None:
        rid = self.selected_reception_id()
        if rid is not None:
            self.open_requested.emit(rid)

    def _history(self) -> None:
        rid = self.selected_reception_id()
        if rid is not None:
            self.history_requested.emit(rid)
