"""What an import did, shown after 文件 → 导入工作簿…: the rows taken, the rows refused with
their column, and the rows taken that breach the standards."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.service import ImportOutcome
from ui.screen_fit import fit_window


class ImportResultDialog(QDialog):
    """What an import did: how many rows came in, and every refused row with its column."""

    def __init__(self, outcomes: list[ImportOutcome], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入结果"))
        imported = [o for o in outcomes if o.ref]
        rejected = [o for o in outcomes if not o.ref]
        breaches = [o for o in imported if o.assessment and o.assessment.violations]
        text = tr("共 {n} 行：已导入 {ok} 行（均为草稿），未导入 {bad} 行。").format(
            n=len(outcomes), ok=len(imported), bad=len(rejected)
        )
        if breaches:
            text += tr("已导入的行中有 {b} 行违反接待标准，提交审核前须逐项填写情况说明。").format(
                b=len(breaches)
            )
        if imported:
            text += tr("编号 {first} 至 {last}。").format(first=imported[0].ref, last=imported[-1].ref)
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("行号"), tr("列"), tr("问题")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        rows = [(o.row, e.column, e.message) for o in rejected for e in o.errors]
        self.table.setRowCount(len(rows))
        for i, (row, column, message) in enumerate(rows):
            for col, value in enumerate((str(row), column, message)):
                self.table.setItem(i, col, QTableWidgetItem(value))
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        self.table.setVisible(bool(rows))
        self.breach_table = QTableWidget(0, 3)
        self.breach_table.setHorizontalHeaderLabels([tr("行号"), tr("编号"), tr("违规")])
        self.breach_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.breach_table.verticalHeader().hide()
        self.breach_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.breach_table.setRowCount(len(breaches))
        for i, o in enumerate(breaches):
            messages = "\n".join(v.message for v in o.assessment.violations) if o.assessment else ""
            for col, value in enumerate((str(o.row), o.ref or "", messages)):
                self.breach_table.setItem(i, col, QTableWidgetItem(value))
        self.breach_table.setWordWrap(True)
        self.breach_table.resizeRowsToContents()
        self.breach_table.setVisible(bool(breaches))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        if rows:
            layout.addWidget(QLabel(tr("未导入的行（请在工作簿中改正后重新导入这些行）：")))
        layout.addWidget(self.table, 1)
        if breaches:
            layout.addWidget(
                QLabel(tr("已导入但违反接待标准的行（提交审核前须在接待单中逐项填写情况说明）："))
            )
        layout.addWidget(self.breach_table, 1)
        layout.addWidget(buttons)
        fit_window(self, "import_result", QSize(760, 480 if rows or breaches else 160))

    @classmethod
    def present(cls, outcomes: list[ImportOutcome], parent: QWidget | None = None) -> None:
        cls(outcomes, parent).exec()
