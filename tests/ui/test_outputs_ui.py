"""Files the window writes for the user: the preview's 另存为…, the export, an opened attachment."""

from __future__ import annotations

import errno
import io
import os
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from ledger.models import AttachmentRow
from ledger.records import Reception
from ledger.service import LedgerService
from reports.notice import load_notice, render_notice
from reports.slip import load_slip, render_slip
from tests.conftest import Team, sample_reception
from ui.pdf_preview import PdfPreviewDialog


def approve(service: LedgerService, team: Team, reception: Reception) -> Reception:
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


@pytest.fixture
def march(service: LedgerService, team: Team) -> list[Reception]:
    return [
        approve(service, team, sample_reception(date(2025, 3, 3), unit="市教育局", amount="300.00")),
        approve(service, team, sample_reception(date(2025, 3, 12), unit="市审计局", amount="240.00")),
    ]


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def embedded_fonts(path: Path) -> set[str]:
    """The names of the fonts whose program is in the file (what `pdffonts` shows as emb yes)."""
    names = set()
    for page in PdfReader(io.BytesIO(path.read_bytes())).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add(str(font["/BaseFont"]))
    return names


@pytest.mark.parametrize("kind", ["notice", "slip"])
def test_save_as_button_writes_the_pdf_with_its_font(
    qtbot: QtBot,
    service: LedgerService,
    march: list[Reception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    if kind == "notice":
        pdf = render_notice(
            load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3))
        )
        expected = "市审计局"
    else:
        pdf = render_slip(load_slip(service, march[0].ref))
        expected = march[0].ref
    dialog = PdfPreviewDialog(pdf, "预览", f"{kind}.pdf")
    qtbot.addWidget(dialog)
    asked: list[str] = []

    def choose(_parent: object, _title: str, start: str, _filter: str) -> tuple[str, str]:
        asked.append(start)
        return str(tmp_path / "我的文件"), "PDF 文件 (*.pdf)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    with qtbot.waitSignal(dialog.saved, timeout=5000) as signal:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "我的文件.pdf"
    assert signal.args == [str(saved)]
    assert asked and asked[0].endswith(f"{kind}.pdf")
    assert saved.read_bytes() == pdf and saved.read_bytes().startswith(b"%PDF")
    assert expected in pdf_text(saved)
    assert any("WenQuanYi" in name or "wqy" in name.lower() for name in embedded_fonts(saved))
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]  # no temporary file left


def test_save_as_on_a_full_disk_keeps_the_old_file(
    qtbot: QtBot,
    service: LedgerService,
    march: list[Reception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pdf = render_slip(load_slip(service, march[0].ref))
    dialog = PdfPreviewDialog(pdf, "预览", "slip.pdf")
    qtbot.addWidget(dialog)
    folder = tmp_path / "out"
    folder.mkdir()
    old = folder / "清单.pdf"
    old.write_bytes(b"old")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    warnings: list[str] = []
    monkeypatch.setattr(os, "fsync", full)
    monkeypatch.setattr("ui.pdf_preview.QMessageBox.warning", lambda _p, _t, text: warnings.append(text))
    saved: list[str] = []
    dialog.saved.connect(saved.append)
    assert dialog.save_as(old) is None
    assert warnings == [f"磁盘空间不足，未能写入 {old}：请腾出空间或换一个位置后重试"]
    assert saved == [] and old.read_bytes() == b"old" and os.listdir(folder) == ["清单.pdf"]


def test_export_from_the_menu_on_a_full_disk_says_so(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    march: list[Reception],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.main_window import MainWindow

    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    folder = tmp_path / "out"
    folder.mkdir()

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    warnings: list[str] = []
    monkeypatch.setattr(os, "fsync", full)
    monkeypatch.setattr("ui.print_actions.QMessageBox.warning", lambda _p, _t, text: warnings.append(text))
    assert window.print_actions.export_workbook(year=2025, path=folder / "台账") is None
    assert warnings == [f"磁盘空间不足，未能写入 {folder / '台账.xlsx'}：请腾出空间或换一个位置后重试"]
    assert os.listdir(folder) == []


def test_an_attachment_stored_with_an_unsafe_name_opens_under_a_safe_one(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.reception import FilePrompt, ReceptionDialog, UnsavedPrompt

    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    draft = service.save(team.clerk, sample_reception(date(2025, 3, 5)))
    assert draft.id is not None
    service.add_attachment(team.clerk, draft.id, "公函.pdf", b"%PDF-1.4 letter", "letter")
    with service.db.write() as s:  # a name stored before names were made safe
        for row in s.query(AttachmentRow).all():
            row.filename = ".."
    opened: list[Path] = []
    monkeypatch.setattr(FilePrompt, "open", classmethod(lambda cls, path: opened.append(path) or True))
    form = ReceptionDialog(service, team.clerk, draft.id)
    qtbot.addWidget(form)
    form.show()
    form.attachments_table.selectRow(0)
    target = form.open_attachment()
    assert target is not None and target.name == "附件" and target.read_bytes() == b"%PDF-1.4 letter"
    assert opened == [target]


def test_the_blank_import_template_is_saved_from_the_file_menu(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from ui.main_window import MainWindow

    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    action = window.print_actions.template_action
    assert action in window.file_menu.actions() and action.text() == "保存导入模板…"
    chosen = tmp_path / "我的模板"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    action.trigger()
    saved = tmp_path / "我的模板.xlsx"
    assert load_workbook(saved).sheetnames == ["台账", "填写说明"]
    assert window.statusBar().currentMessage() == f"已保存导入模板到 {saved}：填写“台账”表后用“导入工作簿…”导入"
