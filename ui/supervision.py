"""Supervision in the window: the 疑点提示 panel of the dashboard, the warnings of one reception
(approval queue, form) and the yearly disclosure dialog (仪表盘 → 年度公开).

Warnings never block anything and are never hidden; a click on a code in the panel shows its
receptions in the ledger view (``open_ledger`` with a LedgerQuery of their refs).
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ledger.disclosure import Disclosure
from ledger.i18n import tr
from ledger.policy import WarningParams
from ledger.records import LedgerQuery
from ledger.risks import CODES, Risk
from ledger.service import LedgerService
from ui.columns import fit_columns
from ui.screen_fit import fit_window, scrolling

WARNING_COLOUR = "#ef6c00"
MAX_REFS_SHOWN = 10_000  # receptions one click puts in the ledger view


def risk_lines(risks: list[Risk], ref: str) -> list[str]:
    """One line per warning of the reception ``ref``, naming the other receptions involved."""
    out = []
    for r in risks:
        line = f"{r.label}：{r.message}"
        others = [x for x in r.refs if x != ref]
        if others:
            named = "、".join(others[:8]) + (
                tr(" 等 {n} 条").format(n=len(others)) if len(others) > 8 else ""
            )
            line += tr("（另见 {refs}）").format(refs=named)
        out.append(line)
    return out


def risks_html(risks: list[Risk], ref: str) -> str:
    """The warnings of one reception for the approval queue; empty when there are none."""
    if not risks:
        return ""
    e = html.escape
    items = "".join(f"<li>{e(line)}</li>" for line in risk_lines(risks, ref))
    title = tr("疑点提示 {n} 项（供审核参考，不影响审核）").format(n=len(risks))
    return f"<p style='color:{WARNING_COLOUR}; margin-bottom:0'><b>{e(title)}</b></p><ul style='margin-top:2px'>{items}</ul>"


class RiskPanel(QGroupBox):
    """疑点提示: occurrences and receptions by code for the year; a click opens the receptions."""

    open_ledger = Signal(object)  # LedgerQuery

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("疑点提示（点击查看接待）"), parent)
        self.risks: list[Risk] = []
        self.table = QTableWidget(len(CODES), 3)
        self.table.setHorizontalHeaderLabels([tr("疑点"), tr("处"), tr("涉及接待")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setCursor(Qt.CursorShape.PointingHandCursor)
        self.table.setToolTip(tr("疑点不是违规，也不阻止任何操作；点击一行，在台账中查看涉及的接待"))
        for row, (code, label) in enumerate(CODES.items()):
            item = QTableWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.table.setItem(row, 0, item)
        # the counts as wide as they need, the warning's name what is left (at 150 % on the
        # laptop a stretched first column was squeezed to nothing beside two default-wide ones)
        self.columns = fit_columns(self.table, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.table.cellClicked.connect(lambda row, _col: self.open_code(self.code_at(row)))
        self.year = 0

    def code_at(self, row: int) -> str:
        item = self.table.item(row, 0)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def refs_of(self, code: str) -> tuple[str, ...]:
        return tuple(sorted({ref for r in self.risks if r.code == code for ref in r.refs}))

    def set_risks(self, year: int, risks: list[Risk]) -> None:
        self.year, self.risks = year, risks
        for row, code in enumerate(CODES):
            occurrences = sum(1 for r in risks if r.code == code)
            cells = (str(occurrences), str(len(self.refs_of(code))))
            for col, value in enumerate(cells, start=1):
                item = QTableWidgetItem(value)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if occurrences:
                    item.setForeground(QBrush(QColor(WARNING_COLOUR)))
                self.table.setItem(row, col, item)
        self.summary.setText(
            tr("{y} 年共 {n} 处疑点，涉及 {m} 条接待（疑点供核查，不是违规）").format(
                y=year, n=len(risks), m=len({ref for r in risks for ref in r.refs})
            )
            if risks
            else tr("{y} 年没有疑点").format(y=year)
        )

    def open_code(self, code: str) -> None:
        refs = self.refs_of(code)
        if refs:
            self.open_ledger.emit(
                LedgerQuery(refs=refs[:MAX_REFS_SHOWN], sort="reception_date", descending=False)
            )


class DisclosureDialog(QDialog):
    """年度公开: the figures, the reason the user writes, the paragraph to copy, the PDF."""

    def __init__(self, service: LedgerService, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from reports.disclosure import figure_rows

        self.service = service
        self.disclosure: Disclosure = service.disclosure(year)
        self.setWindowTitle(tr("{y}年度公务接待费公开").format(y=year))
        figures = QFormLayout()
        if note := self.disclosure.unfinished_note():
            unfinished = QLabel(note)
            unfinished.setWordWrap(True)
            unfinished.setStyleSheet("color: #e65100;")
            figures.addRow(unfinished)
        for label, value in figure_rows(self.disclosure):
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.addRow(label + "：", shown)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText(tr("增减变化的主要原因，例如：严格执行接待标准，减少陪餐人数"))
        self.reason_edit.setFixedHeight(60)
        self.reason_edit.setTabChangesFocus(True)
        if not self.disclosure.has_previous:  # no change is stated, so there is no reason to write
            self.reason_edit.setEnabled(False)
            self.reason_edit.setPlaceholderText(tr("上年台账中没有已审核的公务接待记录：公开说明不写增减，也不写其原因"))
        self.text_view = QTextBrowser()
        self.copy_button = QPushButton(tr("复制公开说明"))
        self.pdf_button = QPushButton(tr("另存为 PDF…"))
        close = QPushButton(tr("关闭"))
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        for b in (self.copy_button, self.pdf_button, close):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        # the figures, the reason and the paragraph scroll on a small screen; the buttons stay on it
        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(figures)
        body.addWidget(QLabel(tr("主要原因（由本单位填写，写入公开说明）：")))
        body.addWidget(self.reason_edit)
        body.addWidget(QLabel(tr("公开说明（可复制到部门决算公开）：")))
        self.text_view.setMinimumHeight(120)
        body.addWidget(self.text_view, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(content), 1)
        layout.addLayout(buttons)
        self.reason_edit.textChanged.connect(self._show_text)
        self.copy_button.clicked.connect(self.copy_text)
        self.pdf_button.clicked.connect(self._ask_pdf)
        close.clicked.connect(self.accept)
        self._show_text()
        fit_window(self, "disclosure", QSize(620, 560))

    def paragraph(self) -> str:
        return self.disclosure.text(self.reason_edit.toPlainText())

    def _show_text(self) -> None:
        self.text_view.setPlainText(self.paragraph())

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.paragraph())
        self.message.setText(tr("公开说明已复制"))

    def _ask_pdf(self) -> None:
        suggested = str(Path.home() / tr("{y}年度公务接待费公开.pdf").format(y=self.disclosure.year))
        path, _ = QFileDialog.getSaveFileName(self, tr("保存年度公开"), suggested, tr("PDF 文件 (*.pdf)"))
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str | Path) -> Path | None:
        from reports.disclosure import write_disclosure
        from reports.output import output_error

        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        try:
            written = write_disclosure(
                target,
                self.disclosure,
                self.service.bureau().name,
                self.reason_edit.toPlainText(),
                stamp=self.service.print_stamp("disclosure", str(self.disclosure.year)),
            )
        except OSError as exc:
            QMessageBox.warning(self, tr("未能保存"), str(output_error(exc, target)))
            return None
        self.message.setText(tr("已保存：{path}").format(path=written))
        return written


class WarningParamsDialog(QDialog):
    """The warning parameters of a new policy version (设置 → 接待标准 → 疑点参数…)."""

    def __init__(self, params: WarningParams, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("疑点参数"))
        self.boxes: dict[str, QCheckBox] = {}
        self.spins: dict[str, QSpinBox] = {}
        form = QFormLayout()
        rows = (
            ("letter_reused", None, tr("同一公函文号用于多次接待（一函多餐）"), ""),
            ("split_reception", "split_days", tr("同一单位相隔不超过"), tr("天再次接待（疑似拆分）")),
            ("frequent_unit", "frequent_times", tr("同一单位全年接待超过"), tr("次")),
            ("holiday_reception", None, tr("法定节假日或非调休周末接待"), ""),
            ("late_entry", "late_entry_days", tr("接待后超过"), tr("天才录入")),
            ("late_posting", "late_posting_days", tr("审核后超过"), tr("个工作日未公示")),
            ("cash_payment", None, tr("以现金支付"), ""),
            ("invoice_reused", None, tr("同一发票号出现在多次接待中（一票多报）"), ""),
        )
        for code, number, before, after in rows:
            box = QCheckBox(CODES[code])
            box.setChecked(bool(getattr(params, code)))
            self.boxes[code] = box
            line = QHBoxLayout()
            line.addWidget(QLabel(before))
            if number is not None:
                spin = QSpinBox()
                spin.setRange(1 if number in ("frequent_times", "late_posting_days") else 0, 366)
                spin.setValue(int(getattr(params, number)))
                spin.setAccessibleName(before + after)
                box.toggled.connect(spin.setEnabled)
                spin.setEnabled(box.isChecked())
                self.spins[number] = spin
                line.addWidget(spin)
                line.addWidget(QLabel(after))
            line.addStretch(1)
            form.addRow(box, line)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("疑点只作提示，不阻止保存、提交或审核；随新版本接待标准一起生效。")))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def params(self) -> WarningParams:
        values: dict[str, object] = {code: box.isChecked() for code, box in self.boxes.items()}
        values |= {name: spin.value() for name, spin in self.spins.items()}
        return WarningParams(**values)  # type: ignore[arg-type]
