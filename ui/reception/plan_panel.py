"""What the reception form says of the plan it was started from, and of its letter.

``PlanPanel``: a strip under the header when the reception has a plan (``plan_id``): the
plan's ref and, figure by figure, what was approved against what is typed now (guests,
companions, meals, the meal cost, lodging, the whole against the budget); a figure over the
plan is red with the words 超出审批. It follows the form's live check (``show_for``).

``LetterUseWatch``: 一函一事 at the letter number — when the number typed is already cited by
another plan or reception (``service.letter_uses``), a warning beneath the field names them.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QLineEdit, QWidget

from ledger.i18n import tr
from ledger.preapproval import PlanLine
from ledger.records import Reception
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub

OVER = tr("超出审批")
OVER_STYLE = "color: #c62828; font-weight: bold;"
LETTER_DELAY_MS = 300
LETTER_USED_STYLE = "color: #b71c1c; background: #fff3e0; padding: 3px;"


class PlanPanel(QFrame):
    """The plan's ref and its figures against the reception's (hidden without a plan)."""

    def __init__(self, service: LedgerService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setObjectName("planPanel")
        self.setStyleSheet(
            "QFrame#planPanel { border: 1px solid #b0bec5; border-radius: 4px; background: #f7fafc; }"
        )
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(8, 4, 8, 4)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(1)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold;")
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.grid.addWidget(self.title, 0, 0)
        self.grid.addWidget(QLabel(tr("审批")), 1, 0)
        self.grid.addWidget(QLabel(tr("实际")), 2, 0)
        self.cells: dict[str, tuple[QLabel, QLabel, QLabel]] = {}
        self.lines: list[PlanLine] = []
        self.hide()

    def show_for(self, reception: Reception) -> None:
        """Compare the reception as typed with its plan; hide without one."""
        if reception.plan_id is None:
            self.hide()
            return
        found = self.service.plan_comparison(reception)
        if found is None:
            self.title.setText(tr("接待审批单已不存在"))
            self.show()
            return
        plan, lines = found
        self.lines = lines
        self.title.setText(tr("接待审批 {ref}").format(ref=plan.ref))
        self.title.setToolTip(
            tr("{unit}，{day}；批准：{who}").format(
                unit=plan.visiting_unit, day=plan.start_date.isoformat(), who=plan.approved_by or tr("未批准")
            )
        )
        for column, line in enumerate(lines, start=1):
            if line.label not in self.cells:
                name, planned, actual = QLabel(line.label), QLabel(), QLabel()
                name.setStyleSheet("color: #555;")
                for row, label in enumerate((name, planned, actual)):
                    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.grid.addWidget(label, row, column)
                self.cells[line.label] = (name, planned, actual)
            _name, planned, actual = self.cells[line.label]
            planned.setText(line.planned)
            actual.setText(f"{line.actual} {OVER}" if line.over else line.actual)
            actual.setStyleSheet(OVER_STYLE if line.over else "")
            actual.setToolTip(
                tr("实际 {a}，超过审批的 {p}").format(a=line.actual, p=line.planned) if line.over else ""
            )
        over = [x.label for x in lines if x.over]
        end = len(lines) + 1
        self.grid.addWidget(self.verdict, 0, end, 3, 1)
        self.grid.setColumnStretch(end, 1)
        e = html.escape
        self.verdict.setText(
            f"<span style='color:#c62828'><b>{e(OVER)}：{e('、'.join(over))}</b></span>"
            if over
            else f"<span style='color:#2e7d32'>{e(tr('未超出审批'))}</span>"
        )
        self.show()

    def over_labels(self) -> list[str]:
        return [x.label for x in self.lines if x.over]


class LetterUseWatch(QObject):
    """一函一事 beneath a letter number field (see the module's text)."""

    def __init__(
        self,
        service: LedgerService,
        edit: QLineEdit,
        ids: Callable[[], tuple[int | None, int | None]],
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(edit)
        self.service = service
        self.edit = edit
        self.ids = ids  # (reception id, plan id) of the record being edited
        self.label = QLabel()
        self.label.setObjectName("letterUses")
        self.label.setWordWrap(True)
        self.label.setStyleSheet(LETTER_USED_STYLE)
        self.label.hide()
        box = edit.parentWidget()
        if box is not None and box.layout() is not None:
            box.layout().addWidget(self.label)
        self._asked: tuple[str, int | None, int | None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LETTER_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        edit.textChanged.connect(lambda _t: self._timer.start())
        if hub is not None:  # another record may have taken (or let go of) the letter
            # methods of this object, not lambdas: Qt drops the connection when the form is
            # deleted, where a lambda would answer later announcements with a deleted timer
            hub.receptions_changed.connect(self._receptions_changed)
            hub.plans_changed.connect(self._plans_changed)

    def _receptions_changed(self, _ids: object) -> None:
        self.refresh(force=True)

    def _plans_changed(self) -> None:
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> None:
        self._timer.stop()
        number = self.edit.text().strip()
        reception_id, plan_id = self.ids()
        key = (number, reception_id, plan_id)
        if key == self._asked and not force:
            return
        self._asked = key
        try:
            uses = (
                self.service.letter_uses(number, reception_id=reception_id, plan_id=plan_id) if number else []
            )
        except LedgerError:
            uses = []
        text = (
            tr("一函一事：此公函已用于 {uses}").format(uses="；".join(u.label for u in uses)) if uses else ""
        )
        self.label.setText(text)
        self.label.setVisible(bool(text))

    def text(self) -> str:
        return self.label.text() if not self.label.isHidden() else ""
