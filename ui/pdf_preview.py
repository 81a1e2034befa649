"""Print preview of a generated PDF (notice sheet, reception list): look, print, save.

The PDF is shown with QtPdf's QPdfView. Printing renders each page with
QPdfDocument.render at the printer's resolution (capped, so a 1,200 dpi printer does not
need a gigabyte of memory) and draws it on the page; saving writes the PDF bytes as they
are, with the font embedded, all at once (reports.output.write_atomic).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from reports.output import output_error, write_atomic
from ui.prefs import app_settings
from ui.screen_fit import fit_window

SAVE_DIR_KEY = "print/last_save_dir"
MAX_PRINT_DPI = 300


class PdfPreviewDialog(QDialog):
    """Shows ``pdf`` (bytes); 打印… and 另存为… emit ``printed`` / ``saved(path)`` when done."""

    printed = Signal()
    saved = Signal(str)

    def __init__(
        self, pdf: bytes, title: str, file_name: str = "document.pdf", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.pdf = pdf
        self.file_name = file_name
        self.document = QPdfDocument(self)
        # the buffer holds its own copy of the bytes and belongs to the document, so it
        # outlives everything the document does while it is destroyed
        self._buffer = QBuffer(self.document)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)

        self.pages_label = QLabel(tr("共 {n} 页").format(n=self.document.pageCount()))
        self.print_button = QPushButton(tr("打印…"))
        self.print_button.setDefault(True)
        self.save_button = QPushButton(tr("另存为…"))
        self.close_button = QPushButton(tr("关闭"))
        self.print_button.clicked.connect(self.print_document)
        # clicked(bool) would pass its "checked" flag as the path
        self.save_button.clicked.connect(lambda _checked=False: self.save_as())
        self.close_button.clicked.connect(self.reject)

        buttons = QHBoxLayout()
        buttons.addWidget(self.pages_label)
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        fit_window(self, "pdf_preview", QSize(860, 980))

        if self.document.status() != QPdfDocument.Status.Ready:
            self.print_button.setEnabled(False)
            self.pages_label.setText(tr("无法显示此 PDF"))

    # ------------------------------------------------------------------ entry point
    @classmethod
    def preview(
        cls,
        pdf: bytes,
        title: str,
        file_name: str,
        parent: QWidget | None = None,
        *,
        on_output: Callable[[], object] | None = None,
    ) -> PdfPreviewDialog:
        """Open the preview (modal) and return it once closed.

        ``on_output`` runs after the document was printed or saved (a notice marks its
        receptions as posted then).
        """
        dialog = cls(pdf, title, file_name, parent)
        if on_output is not None:
            dialog.printed.connect(lambda: on_output())
            dialog.saved.connect(lambda _path: on_output())
        dialog.exec()
        return dialog

    # ------------------------------------------------------------------ printing
    def print_document(self) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.windowTitle())
        printer.setFullPage(True)  # the PDF carries its own margins
        printer.setFromTo(1, max(self.document.pageCount(), 1))
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(tr("打印 {title}").format(title=self.windowTitle()))
        dialog.setMinMax(1, max(self.document.pageCount(), 1))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        return self.print_to(printer)

    def print_to(self, printer: QPrinter) -> bool:
        """Render every page (or the chosen range) onto ``printer``; emits ``printed``."""
        count = self.document.pageCount()
        if count == 0:
            return False
        first, last = 1, count
        if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
            first, last = max(1, printer.fromPage()), min(count, printer.toPage() or count)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, tr("打印"), tr("无法开始打印，请检查打印机设置。"))
            return False
        try:
            dpi = min(printer.resolution(), MAX_PRINT_DPI)
            for index in range(first - 1, last):
                if index > first - 1:
                    printer.newPage()
                self._draw_page(painter, printer, index, dpi)
        finally:
            painter.end()
        self.printed.emit()
        return True

    def _draw_page(self, painter: QPainter, printer: QPrinter, index: int, dpi: int) -> None:
        points = self.document.pagePointSize(index)
        image = self.document.render(
            index, QSize(round(points.width() / 72 * dpi), round(points.height() / 72 * dpi))
        )
        area = painter.viewport()
        target = QSize(image.width(), image.height()).scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        offset = QPointF((area.width() - target.width()) / 2, 0)
        painter.drawImage(QRect(offset.toPoint(), target), image)

    # ------------------------------------------------------------------ saving
    def save_as(self, path: str | Path | None = None) -> str | None:
        """Write the PDF to ``path`` (asked for when not given); emits ``saved(path)``."""
        settings = app_settings()
        if path is None:
            start = Path(str(settings.value(SAVE_DIR_KEY, "") or Path.home())) / self.file_name
            chosen, _ = QFileDialog.getSaveFileName(self, tr("另存为"), str(start), tr("PDF 文件 (*.pdf)"))
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            write_atomic(target, self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, tr("另存为"), str(output_error(exc, target)))
            return None
        settings.setValue(SAVE_DIR_KEY, str(target.parent))
        self.saved.emit(str(target))
        return str(target)
