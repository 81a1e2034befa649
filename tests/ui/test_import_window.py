"""文件 → 导入工作簿… in the window: the rows are counted before anything is written, the
question about rows reviewed on paper gives their number, and the result lists what was
refused and breached — the first LISTED lines of each, the rest counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Status
from ledger.service import LedgerService
from tests.conftest import Team
from tests.workbooks import good_row, write_template
from ui import import_result
from ui.import_result import ImportResultDialog, ImportSummary
from ui.main_window import MainWindow


def imported(
    qtbot: QtBot, service: LedgerService, user: object, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ImportSummary | None, list[ImportSummary]]:
    shown: list[ImportSummary] = []
    monkeypatch.setattr(ImportResultDialog, "present", classmethod(lambda cls, s, parent=None: shown.append(s)))
    window = MainWindow(service, user)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window.import_workbook(path), shown


def test_the_question_counts_the_rows_reviewed_on_paper(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        good_row(接待日期="2025-03-05", 来访单位="市教育局", 审核人="张副局长", 审核日期="2025-03-06"),
        good_row(接待日期="2025-03-07", 来访单位="市财政局"),
        good_row(接待日期="2025-03-09", 来访单位="市审计局", 审核人="张副局长", 审核日期="2025-03-10"),
    ]
    asked: list[str] = []

    def answer(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    summary, shown = imported(qtbot, service, team.both, write_template(tmp_path / "paper.xlsx", rows), monkeypatch)
    assert len(asked) == 1 and asked[0].startswith("工作簿中有 2 行填写了“审核人/审核日期”。")
    assert summary is not None and shown == [summary]
    assert (summary.rows, summary.imported, summary.refused_rows) == (3, 3, 0)
    stored = {r.visiting_unit: r.status for r in service.receptions(LedgerQuery())}
    assert stored == {"市教育局": Status.APPROVED, "市财政局": Status.DRAFT, "市审计局": Status.APPROVED}
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.summary.text().startswith("共 3 行：已导入 3 行（其中 2 行按纸质审核记为已审核，其余为草稿），未导入 0 行。")


def test_a_clerk_is_not_offered_paper_approval_and_is_told_the_rows_come_in_as_drafts(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An 经办人 without 分管领导 or 管理员 may not enter rows as approved: no 是 to choose (it was
    offered, then refused over a progress dialog still on screen)."""
    rows = [
        good_row(接待日期="2025-03-05", 来访单位="市教育局", 审核人="张副局长", 审核日期="2025-03-06"),
        good_row(接待日期="2025-03-07", 来访单位="市财政局"),
    ]
    told: list[str] = []

    def never(*_args: object) -> QMessageBox.StandardButton:
        raise AssertionError("the paper-approval question was put to a clerk")

    def inform(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        told.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "question", never)
    monkeypatch.setattr(QMessageBox, "information", inform)
    summary, _ = imported(qtbot, service, team.clerk, write_template(tmp_path / "paper.xlsx", rows), monkeypatch)
    assert len(told) == 1 and "1 行填写了“审核人/审核日期”" in told[0] and "均为草稿" in told[0]
    assert summary is not None and (summary.imported, summary.approved) == (2, 0)
    assert {r.status for r in service.receptions(LedgerQuery())} == {Status.DRAFT}


def test_the_result_lists_the_first_lines_and_counts_the_rest(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_result, "LISTED", 2)
    rows = [good_row(接待日期=f"2025-04-{d:02d}", 来访单位=f"单位{d}", 餐费="三百") for d in range(1, 6)]
    rows += [good_row(接待日期=f"2025-05-{d:02d}", 来访单位=f"单位{d}", 陪餐人数=5) for d in range(1, 4)]
    summary, _ = imported(qtbot, service, team.clerk, write_template(tmp_path / "many.xlsx", rows), monkeypatch)
    assert summary is not None
    assert (summary.rows, summary.imported, summary.refused_rows, summary.breach_rows) == (8, 3, 5, 3)
    assert summary.first_ref == "JD-2025-0001" and summary.last_ref == "JD-2025-0003"
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == (
        "共 8 行：已导入 3 行（均为草稿），未导入 5 行。"
        "已导入的行中有 3 行违反接待标准，提交审核前须逐项填写情况说明。"
        "编号 JD-2025-0001 至 JD-2025-0003。"
        "下表各列出前 2 条，另有 4 条未列出（用命令行 import --json 可得全部）。"
    )
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == ["2", "3"]
    assert [dialog.breach_table.item(r, 1).text() for r in range(dialog.breach_table.rowCount())] == [
        "JD-2025-0001",
        "JD-2025-0002",
    ]


def test_a_workbook_with_no_rows_writes_nothing_and_says_so(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    summary, shown = imported(qtbot, service, team.clerk, write_template(tmp_path / "empty.xlsx", []), monkeypatch)
    assert summary is None and shown == []
    assert told == ["工作簿中没有数据行（第 1 行为表头，数据从第 2 行起）。"]


def test_a_constraint_added_by_hand_refuses_the_import_in_its_own_words(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unique index someone added to the database refuses the import: the window says so under
    无法导入 (not as an unexpected error), shows no result, and nothing is written."""
    from sqlalchemy import text

    with service.db.engine.begin() as connection:
        connection.execute(text("CREATE UNIQUE INDEX one_per_unit ON receptions (visiting_unit)"))
    warned: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, message, *a: warned.append((title, message)))
    rows = [good_row(接待日期="2025-03-05"), good_row(接待日期="2025-03-06")]
    summary, shown = imported(qtbot, service, team.clerk, write_template(tmp_path / "two.xlsx", rows), monkeypatch)
    assert summary is None and shown == []
    assert warned == [
        ("无法导入", "数据库的约束拒绝了这次写入，未写入任何数据：UNIQUE constraint failed: receptions.visiting_unit")
    ]
    assert service.receptions(LedgerQuery()) == []


def test_the_lists_are_copied_for_a_spreadsheet(qtbot: QtBot) -> None:
    """复制清单 puts both lists on the clipboard as tab-separated lines with their headers; a
    breach's several lines stay in one quoted cell, as Excel and WPS read a paste."""
    from PySide6.QtWidgets import QApplication

    summary = ImportSummary(rows=3, imported=1, refused_rows=2, refused_lines=2, breach_rows=1)
    summary.refused = [(2, "接待日期", "日期“2025-02-30”不存在：2025 年 2 月只有 28 天"), (3, "餐费", "必填，不能为空")]
    summary.breaches = [(4, "JD-2025-0001", '陪餐人数超标\n餐费超标（"午餐"）')]
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QApplication.clipboard().text().split("\n") == [
        "行号\t列\t问题",
        "2\t接待日期\t日期“2025-02-30”不存在：2025 年 2 月只有 28 天",
        "3\t餐费\t必填，不能为空",
        "",
        "行号\t编号\t违规",
        '4\tJD-2025-0001\t"陪餐人数超标',
        '餐费超标（""午餐""）"',
        "",
    ]
    assert dialog.copy_button.text() == "已复制"
    clean = ImportResultDialog(ImportSummary(rows=1, imported=1))
    qtbot.addWidget(clean)
    assert not hasattr(clean, "copy_button")  # nothing listed: nothing to copy
