"""What a new finance officer met importing a workbook (1 Dec): each test asserts what is on the
screen — the result dialog's lines and size, the message of a refused file."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from tests.workbooks import good_row, write_template
from ui.import_result import ImportResultDialog, ImportSummary
from ui.main_window import MainWindow


def imported(
    qtbot: QtBot, service: LedgerService, user: object, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ImportSummary | None, list[str]]:
    """The import's summary and the warnings shown (the result dialog itself is not opened)."""
    warned: list[str] = []

    def warning(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        warned.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(ImportResultDialog, "present", classmethod(lambda cls, s, parent=None: None))
    window = MainWindow(service, user)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window.import_workbook(path), warned


def test_a_day_that_does_not_exist_is_said_so_not_sent_back_to_the_format_it_was_written_in(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2025-02-30 is written YYYY-MM-DD: "无法识别的日期…，请写成 YYYY-MM-DD" sent the clerk looking for
    a mistake in the format; the day itself is what is wrong."""
    rows = [
        good_row(接待日期="2025-02-30", 来访单位="市财政局"),
        good_row(接待日期="2024年4月31日", 来访单位="市审计局"),
        good_row(接待日期="2025-3-5", 来访单位="市教育局"),
    ]
    summary, _ = imported(qtbot, service, team.clerk, write_template(tmp_path / "t.xlsx", rows), monkeypatch)
    assert summary is not None and summary.imported == 1
    assert summary.refused == [
        (2, "接待日期", "日期“2025-02-30”不存在：2025 年 2 月只有 28 天"),
        (3, "接待日期", "日期“2024年4月31日”不存在：2024 年 4 月只有 30 天"),
    ]
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, 2).text() == "日期“2025-02-30”不存在：2025 年 2 月只有 28 天"


def test_a_workbook_moved_away_is_said_in_chinese(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system's own words ("No such file or directory") were shown to the clerk."""
    gone = tmp_path / "台账.xlsx"
    summary, warned = imported(qtbot, service, team.clerk, gone, monkeypatch)
    assert summary is None
    assert warned == [f"找不到文件 {gone}：它可能已被移动、改名或删除，请重新选择"]
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    _, warned = imported(qtbot, service, team.clerk, folder, monkeypatch)
    assert warned == [f"{folder} 是一个文件夹：请选择一个文件"]


def test_a_clean_result_after_a_long_one_is_not_a_large_empty_dialog(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result dialog remembered the size of the last one, with its tables: five rows all
    imported then showed their one line alone in the middle of a 760×480 empty dialog."""
    long = ImportSummary(rows=1, refused=[(2, "餐费", "金额最多两位小数：300.125")], refused_rows=1, refused_lines=1)
    first = ImportResultDialog(long)
    qtbot.addWidget(first)
    first.show()
    first.close()  # its size is remembered
    clean = ImportSummary(rows=5, imported=5, first_ref="JD-2025-0001", last_ref="JD-2025-0005")
    dialog = ImportResultDialog(clean)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.height() < 300, dialog.size()
    assert dialog.summary.geometry().top() < 40


def test_a_row_stored_under_another_number_than_it_carries_is_told(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows carrying JD-2025-0001 (a typing slip in the paper ledger): the second was stored
    as JD-2025-0002 and the result said only "编号 JD-2025-0001 至 JD-2025-0003" — the vouchers
    on paper then named a number the ledger gives another reception."""
    rows = [
        good_row(接待日期="2025-03-05", 来访单位="市教育局", 编号="JD-2025-0001"),
        good_row(接待日期="2025-03-08", 来访单位="市卫健委", 编号="JD-2025-0001"),
        good_row(接待日期="2025-03-09", 来访单位="市财政局"),
    ]
    summary, _ = imported(qtbot, service, team.clerk, write_template(tmp_path / "t.xlsx", rows), monkeypatch)
    assert summary is not None and summary.imported == 3
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == (
        "共 3 行：已导入 3 行（均为草稿），未导入 0 行。编号 JD-2025-0001 至 JD-2025-0003。"
        "1 行填写的编号已被占用（账本或本表已有）或不是该接待年度的编号，已另给编号："
        "第 3 行 JD-2025-0001 → JD-2025-0002。纸质单据上的编号请相应更正。"
    )
