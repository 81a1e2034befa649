"""The print preview and the 打印 menu of the main window."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from PySide6.QtCore import QSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from ledger.records import Reception
from ledger.service import LedgerService
from reports.notice import load_notice, render_notice
from tests.conftest import Team, sample_reception
from ui.pdf_preview import PdfPreviewDialog
from ui.print_actions import NoticeDialog, NoticeRequest


def approve(service: LedgerService, team: Team, reception: Reception) -> Reception:
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


@pytest.fixture
def march(service: LedgerService, team: Team) -> list[Reception]:
    return [
        approve(service, team, sample_reception(date(2025, 3, 3), unit="市教育局", amount="300.00")),
        approve(service, team, sample_reception(date(2025, 3, 12), unit="市审计局", amount="240.00")),
        approve(
            service,
            team,
            sample_reception(
                date(2025, 3, 14), unit="命题中心", classified=True, classified_reason="涉及考试命题"
            ),
        ),
    ]


@pytest.fixture
def notice_pdf(service: LedgerService, march: list[Reception]) -> bytes:
    return render_notice(
        load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3))
    )


def test_preview_shows_the_pdf_with_its_pages(qtbot: QtBot, notice_pdf: bytes) -> None:
    dialog = PdfPreviewDialog(notice_pdf, "公示表", "notice.pdf")
    qtbot.addWidget(dialog)
    assert dialog.document.status() == QPdfDocument.Status.Ready
    assert dialog.document.pageCount() == 1
    assert dialog.pages_label.text() == "共 1 页"
    assert [b.text() for b in (dialog.print_button, dialog.save_button)] == ["打印…", "另存为…"]
    # QtPdf draws the page: the title and the table are dark pixels on white
    image = dialog.document.render(0, QSize(300, 424))
    dark = sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).value() < 128
    )
    assert dark > 500


def test_print_renders_every_page_on_the_printer(qtbot: QtBot, notice_pdf: bytes, tmp_path: Path) -> None:
    dialog = PdfPreviewDialog(notice_pdf, "公示表", "notice.pdf")
    qtbot.addWidget(dialog)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    with qtbot.waitSignal(dialog.printed, timeout=10000):
        assert dialog.print_to(printer)
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == dialog.document.pageCount()


def test_save_as_writes_the_pdf_and_reports_an_unwritable_place(
    qtbot: QtBot, notice_pdf: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = PdfPreviewDialog(notice_pdf, "公示表", "notice.pdf")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.saved, timeout=5000) as signal:
        saved = dialog.save_as(tmp_path / "公示表")
    assert saved == str(tmp_path / "公示表.pdf") == signal.args[0]
    assert Path(saved).read_bytes() == notice_pdf

    warnings: list[str] = []
    monkeypatch.setattr(
        "ui.pdf_preview.QMessageBox.warning", lambda _parent, _title, text: warnings.append(text)
    )
    assert dialog.save_as(tmp_path / "no-such-folder" / "x.pdf") is None
    assert warnings == [
        f"文件夹不存在，未能写入 {tmp_path / 'no-such-folder' / 'x.pdf'}：请先创建该文件夹或换一个位置"
    ]


def test_notice_dialog_checks_the_period_and_shows_the_posting_end(qtbot: QtBot) -> None:
    dialog = NoticeDialog(5, today=date(2025, 3, 7))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert dialog.request() == NoticeRequest(date(2025, 3, 1), date(2025, 3, 31), date(2025, 3, 7), False)
    assert "至 2025-03-13" in dialog.posting_label.text()
    dialog.last_month.click()
    assert dialog.request().date_from == date(2025, 2, 1) and dialog.request().date_to == date(2025, 2, 28)
    dialog.to_edit.setDate(dialog.from_edit.date().addDays(-1))
    assert not ok.isEnabled()
    assert dialog.period_error.text() == "结束日期不能早于开始日期"


# ------------------------------------------------------------------ in the main window
@pytest.fixture
def window(qtbot: QtBot, service: LedgerService, team: Team, march: list[Reception]):  # type: ignore[no-untyped-def]
    from ui.main_window import MainWindow

    w = MainWindow(service, team.clerk)
    qtbot.addWidget(w)
    return w


def test_print_menu_offers_the_notice_and_the_reception_list(window) -> None:  # type: ignore[no-untyped-def]
    texts = [a.text() for a in window.print_menu.actions() if not a.isSeparator()]
    assert texts == ["本月公示表…", "公示表…", "公示此接待", "接待清单"]
    assert window.print_actions.this_month_action.shortcut().toString() == "Ctrl+P"
    assert "导出台账工作簿…" in [a.text() for a in window.file_menu.actions()]


def test_saving_this_months_notice_marks_its_receptions_posted(
    window, service: LedgerService, march: list[Reception], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []

    def save_instead_of_showing(dialog: PdfPreviewDialog) -> int:
        shown.append(dialog.windowTitle())
        dialog.save_as(tmp_path / "notice.pdf")
        return 0

    monkeypatch.setattr(PdfPreviewDialog, "exec", save_instead_of_showing)
    notice = window.print_actions.this_month_notice(today=date(2025, 3, 31))
    assert notice is not None and len(notice.receptions) == 2
    assert shown == ["XX县教育局公务接待公示表 — 2025年3月"]
    assert service.get(march[0].id).posted_on == date(2025, 3, 31)
    assert service.get(march[1].id).posted_on == date(2025, 3, 31)
    assert service.get(march[2].id).posted_on is None  # classified: never posted
    printed = service.printed_fingerprints()
    assert [(p.document, p.reference) for p in printed] == [("notice", "2025年3月")]


def test_a_preview_closed_unprinted_registers_no_fingerprint_and_posts_nothing(
    window, service: LedgerService, march: list[Reception], monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Only paper carries a fingerprint: a notice, a reception list looked at and closed is no
    printing (the register listed one that never existed on paper)."""
    monkeypatch.setattr(PdfPreviewDialog, "exec", lambda d: 0)
    monkeypatch.setattr(window, "selected_reception_id", lambda: march[1].id)
    assert window.print_actions.this_month_notice(today=date(2025, 3, 31)) is not None
    assert window.print_actions.slip_for_selected()
    assert service.printed_fingerprints() == []
    assert service.get(march[0].id).posted_on is None


def test_internal_copy_marks_nothing(
    window, service: LedgerService, march: list[Reception], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        NoticeDialog,
        "ask",
        classmethod(
            lambda cls, days, parent=None, calendar=None: NoticeRequest(
                date(2025, 3, 1), date(2025, 3, 31), date(2025, 4, 3), True
            )
        ),
    )
    monkeypatch.setattr(PdfPreviewDialog, "exec", lambda d: d.save_as(tmp_path / "internal.pdf") and 0)
    notice = window.print_actions.notice_for_period()
    assert notice is not None and notice.internal and notice.reconciles
    assert service.get(march[0].id).posted_on is None
    assert [p.document for p in service.printed_fingerprints()] == ["notice"]  # paper all the same


def test_reception_list_of_the_selected_reception(
    window, service: LedgerService, march: list[Reception], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    titles: list[str] = []

    def print_it(dialog: PdfPreviewDialog) -> int:
        titles.append(dialog.windowTitle())
        printer = QPrinter()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        assert dialog.print_to(printer)
        return 0

    monkeypatch.setattr(PdfPreviewDialog, "exec", print_it)
    monkeypatch.setattr(window, "selected_reception_id", lambda: march[1].id)
    assert window.print_actions.slip_for_selected()
    assert titles == [f"XX县教育局公务接待清单 {march[1].ref}"]
    assert [(p.document, p.reference) for p in service.printed_fingerprints()] == [("slip", march[1].ref)]


def test_export_workbook_from_the_menu(window, march: list[Reception], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = window.print_actions.export_workbook(year=2025, path=tmp_path / "台账2025")
    assert target == tmp_path / "台账2025.xlsx"
    workbook = load_workbook(target, read_only=True)
    rows = list(workbook["台账"].iter_rows(values_only=True))
    workbook.close()
    assert [r[1] for r in rows[1:]] == ["市教育局", "市审计局", "命题中心"]
    assert "已导出 2025 年台账" in window.statusBar().currentMessage()
