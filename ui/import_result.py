"""文件 → 导入工作簿…: the workbook read (twice: counted, then imported), the question about the
rows reviewed on paper, and what the import did: the rows taken, the rows refused with their
column, and the rows taken that breach the standards.

The import hands each row's outcome to an ``ImportSummary`` as it is stored and keeps none
(memory stays bounded however many rows); the summary keeps the counts and the first
``LISTED`` lines of each table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ledger.db import DatabaseError
from ledger.errors import ImportCancelled, LedgerError
from ledger.files import read_failure
from ledger.i18n import tr
from ledger.import_keys import RENUMBERED_NAMED, renumbered_message
from ledger.records import ImportRow, User
from ledger.service import ImportOutcome, LedgerService
from reports.xlsx_reader import TemplateError
from ui.hub import ChangeHub
from ui.operations import run
from ui.prefs import app_settings
from ui.screen_fit import fit_window
from ui.widgets import show_ledger_error

IMPORT_DIR_KEY = "import/last_dir"  # the folder the last workbook was imported from
LISTED = 2000  # lines of each table; the rest are counted


@dataclass
class ImportSummary:
    """The outcomes of an import, one row at a time (``add``): counts, the numbers given, the
    refused rows' problems and the imported rows' breaches."""

    rows: int = 0
    imported: int = 0
    approved: int = 0  # of the imported: approved on paper (an import with 审核人, "是")
    first_ref: str = ""
    last_ref: str = ""
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # row, column, problem
    refused_rows: int = 0
    refused_lines: int = 0
    breaches: list[tuple[int, str, str]] = field(default_factory=list)  # row, 编号, breaches
    breach_rows: int = 0
    renumbered: list[tuple[int, str, str]] = field(default_factory=list)  # row, 编号 written, given
    renumbered_rows: int = 0

    def add(self, outcome: ImportOutcome) -> None:
        self.rows += 1
        if not outcome.ref:
            self.refused_rows += 1
            for e in outcome.errors:
                self.refused_lines += 1
                if len(self.refused) < LISTED:
                    self.refused.append((outcome.row, e.column, e.message))
            return
        self.imported += 1
        if outcome.approved:
            self.approved += 1
        self.first_ref = self.first_ref or outcome.ref
        self.last_ref = outcome.ref
        if outcome.written_ref:
            self.renumbered_rows += 1
            if len(self.renumbered) < RENUMBERED_NAMED:
                self.renumbered.append((outcome.row, outcome.written_ref, outcome.ref))
        if outcome.assessment and outcome.assessment.violations:
            self.breach_rows += 1
            if len(self.breaches) < LISTED:
                messages = "\n".join(v.message for v in outcome.assessment.violations)
                self.breaches.append((outcome.row, outcome.ref, messages))


def _cell(text: str) -> str:
    """One cell of tab-separated text as a spreadsheet reads it pasted."""
    if any(c in text for c in "\t\n\r\""):
        return '"' + text.replace('"', '""') + '"'
    return text


# the receptions from which an import in the window reads its workbook in a second process on two
# cores, while this one checks the rows (measured: 100,000 rows stored in 37-39 s instead of
# 45-51 s, 10,000 in 3.6 s instead of 4.1); below, starting that process anew, about half a second,
# costs what it saves (5,000 rows: even; 2,000: 1.4 s instead of 0.8)
SECOND_READER_FROM = 10_000


class CountedRows:
    """The rows of the workbook a first reading counted, read again as they are asked for.

    ``len`` is that count (ledger.importing sizes its progress by it). The reading ends by
    comparing the file's SHA-256 with the one taken before the first reading: a workbook
    saved again meanwhile (a shared folder) stops the import with a message, and since the
    rows are only checked by then, nothing is written — what the clerk was asked about is
    what is imported."""

    def __init__(self, path: Path, count: int, digest: str) -> None:
        self.path, self.count, self.digest = path, count, digest

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[ImportRow]:
        from reports.template import iter_import, stream_import

        if self.count >= SECOND_READER_FROM:  # read (and prepared) by a second process on two cores
            yield from stream_import(self.path, prepare=True, fresh=True)
        else:
            yield from iter_import(self.path)
        if file_digest(self.path) != self.digest:
            raise TemplateError(
                tr("工作簿 {name} 在导入过程中被修改，未写入任何数据：请重新导入").format(name=self.path.name)
            )


def file_digest(path: Path) -> str:
    """The file's SHA-256, or a ``TemplateError`` in one line when it cannot be read."""
    import hashlib

    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise TemplateError(read_failure(exc, path)) from None


class ImportResultDialog(QDialog):
    """What an import did: how many rows came in, and every refused row with its column."""

    def __init__(self, summary: ImportSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("导入结果"))
        if summary.approved:
            text = tr("共 {n} 行：已导入 {ok} 行（其中 {a} 行按纸质审核记为已审核，其余为草稿），未导入 {bad} 行。").format(
                n=summary.rows, ok=summary.imported, a=summary.approved, bad=summary.refused_rows
            )
        else:
            text = tr("共 {n} 行：已导入 {ok} 行（均为草稿），未导入 {bad} 行。").format(
                n=summary.rows, ok=summary.imported, bad=summary.refused_rows
            )
        if summary.breach_rows:
            text += tr("已导入的行中有 {b} 行违反接待标准，提交审核前须逐项填写情况说明。").format(
                b=summary.breach_rows
            )
        if summary.imported:
            text += tr("编号 {first} 至 {last}。").format(first=summary.first_ref, last=summary.last_ref)
        if summary.renumbered_rows:
            text += renumbered_message(summary.renumbered_rows, summary.renumbered)
        unlisted = summary.refused_lines - len(summary.refused) + summary.breach_rows - len(summary.breaches)
        if unlisted:
            text += tr("下表各列出前 {n} 条，另有 {more} 条未列出（用命令行 import --json 可得全部）。").format(
                n=LISTED, more=unlisted
            )
        self.summary = QLabel(text)
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([tr("行号"), tr("列"), tr("问题")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        rows = summary.refused
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
        breaches = summary.breaches
        self.breach_table.setRowCount(len(breaches))
        for i, (row, ref, messages) in enumerate(breaches):
            for col, value in enumerate((str(row), ref, messages)):
                self.breach_table.setItem(i, col, QTableWidgetItem(value))
        self.breach_table.setWordWrap(True)
        self.breach_table.resizeRowsToContents()
        self.breach_table.setVisible(bool(breaches))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(tr("关闭"))
        buttons.rejected.connect(self.reject)
        if rows or breaches:  # to work through them in a spreadsheet, beside the workbook
            self.copy_button = buttons.addButton(tr("复制清单"), QDialogButtonBox.ButtonRole.ActionRole)
            self.copy_button.setToolTip(tr("复制下面的清单（制表符分隔），可粘贴到 Excel 或 WPS 表格"))
            self.copy_button.clicked.connect(self.copy_lists)
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
        # a result without tables keeps a size of its own: in the tables' size its line would
        # stand alone in the middle of a large empty dialog
        listed = bool(rows or breaches)
        fit_window(self, "import_result" if listed else "import_result_short", QSize(760, 480 if listed else 160))

    def copy_lists(self) -> None:
        """The lists shown, as tab-separated lines with their headers, to the clipboard (a cell
        holding a line break, a tab or a quote is quoted, as Excel reads it when pasted)."""
        lines: list[str] = []
        for table in (self.table, self.breach_table):
            if not table.rowCount():
                continue
            if lines:
                lines.append("")
            headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
            lines.append("\t".join(headers))
            for r in range(table.rowCount()):
                lines.append("\t".join(_cell(table.item(r, c).text()) for c in range(table.columnCount())))
        QApplication.clipboard().setText("\n".join(lines) + "\n")
        self.copy_button.setText(tr("已复制"))

    @classmethod
    def present(cls, summary: ImportSummary, parent: QWidget | None = None) -> None:
        cls(summary, parent).exec()


def import_workbook(
    parent: QWidget,
    service: LedgerService,
    user: User,
    hub: ChangeHub,
    progress_dialog: Callable[[str, int], tuple[QProgressDialog, Callable[[int, int], bool]]],
    path: str | Path | None = None,
) -> ImportSummary | None:
    """Import the rows of a workbook as drafts; show what was refused, row by row.

    The workbook is read twice, a row at a time, never held: once to count its rows and
    the rows reviewed on paper (asked about before anything is written), once to import
    them (ledger.importing keeps the checked rows in a spool on disk) — the same file, or
    nothing is written (``CountedRows``). Each row's outcome goes into an ``ImportSummary``
    as it is stored."""
    from reports.template import column_of, count_import

    settings = app_settings()
    if path is None:
        start = str(settings.value(IMPORT_DIR_KEY, "") or str(Path.home()))
        chosen, _ = QFileDialog.getOpenFileName(
            parent, tr("导入工作簿"), start, tr("工作簿 (*.xlsx *.xls *.xlsb *.ods);;所有文件 (*)")
        )
        if not chosen:
            return None
        path = chosen
    path = Path(path)
    settings.setValue(IMPORT_DIR_KEY, str(path.parent))
    reading, _ = progress_dialog(tr("正在读取 {name}…").format(name=path.name), 0)
    reading.setMaximum(0)  # a busy bar: the rows are not counted yet

    busy = [True]  # the wait cursor, until the reading dialog takes clicks

    def idle() -> None:
        if busy:
            busy.clear()
            QApplication.restoreOverrideCursor()

    def read(rows: int) -> bool:
        idle()
        reading.setLabelText(tr("正在读取 {name}：{n} 行…").format(name=path.name, n=rows))
        QApplication.processEvents()
        return not reading.wasCanceled()

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the file's digest, its opening
    try:
        digest = file_digest(path)
        receptions, paper_approved = count_import(path, read)
    except ImportCancelled as exc:
        QMessageBox.information(parent, tr("导入已取消"), str(exc))
        return None
    except TemplateError as exc:
        QMessageBox.warning(parent, tr("无法导入"), str(exc))
        return None
    except OSError as exc:
        QMessageBox.warning(parent, tr("无法导入"), read_failure(exc, path))
        return None
    finally:
        idle()
        reading.close()
        reading.deleteLater()
    if not receptions:
        QMessageBox.information(
            parent, tr("导入工作簿"), tr("工作簿中没有数据行（第 1 行为表头，数据从第 2 行起）。")
        )
        return None
    historical = False
    if paper_approved and not service.may_import_approved(user):
        # only a leader or an administrator may enter rows as approved on paper: not offered
        answer = QMessageBox.information(
            parent,
            tr("导入为草稿"),
            tr(
                "工作簿中有 {n} 行填写了“审核人/审核日期”。按纸质审核导入为已审核需要“分管领导”或"
                "“管理员”角色，您导入的各行均为草稿，提交后由分管领导审核。\n继续导入？"
            ).format(n=paper_approved),
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return None
    elif paper_approved:
        answer = QMessageBox.question(
            parent,
            tr("按纸质审核导入？"),
            tr(
                "工作簿中有 {n} 行填写了“审核人/审核日期”。\n"
                "选“是”：这些行按纸质审核导入为已审核（历史中记为导入）；\n"
                "选“否”：全部导入为草稿。"
            ).format(n=paper_approved),
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return None
        historical = answer == QMessageBox.StandardButton.Yes
    label = tr("正在导入 {name}…").format(name=path.name)
    progress, report = progress_dialog(label, receptions)
    summary = ImportSummary()

    def waiting(doing: str) -> bool:
        """The rows are checked; another desk holds the write lock (ledger: import_rows)."""
        progress.setLabelText(
            label
            + "\n"
            + tr("账本正由另一处写入（如导入），检查完毕的各行在其完成后写入。")
            + ("\n" + doing if doing else "")
        )
        return report(progress.value(), progress.maximum())

    def refused(exc: LedgerError | DatabaseError) -> None:
        progress.close()  # the message alone on the screen, not over the progress dialog
        if isinstance(exc, ImportCancelled):
            QMessageBox.information(parent, tr("导入已取消"), str(exc))
        else:
            show_ledger_error(parent, exc, tr("无法导入"))

    try:
        outcome = run(
            lambda: service.import_rows(
                user,
                CountedRows(path, receptions, digest),
                historical=historical,
                progress=report,
                column_of=column_of,
                on_outcome=summary.add,
                waiting=waiting,
            ),
            parent=parent,
            hub=hub,
            refused=refused,
            changed=lambda _: [] if summary.imported else None,  # []: some, ids not kept
            wait=False,  # the rows are checked meanwhile, then wait in the progress dialog
        )
    except TemplateError as exc:  # the file changed or broke between the two readings
        progress.close()
        QMessageBox.warning(parent, tr("无法导入"), str(exc))
        return None
    finally:
        progress.close()
        progress.deleteLater()
    if not outcome.ok:
        return None
    ImportResultDialog.present(summary, parent)
    return summary
