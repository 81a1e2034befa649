"""文件 → 导入工作簿… in the window: the rows are counted before anything is written, the
question about rows reviewed on paper gives their number, and the result lists what was
refused and breached — the first LISTED lines of each, the rest counted."""

from __future__ import annotations

import contextlib
import os
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


def warned_about(
    qtbot: QtBot, service: LedgerService, user: object, path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ImportSummary | None, list[str]]:
    """The import's summary and the warnings shown (the result dialog itself is not opened)."""
    warned: list[str] = []

    def warning(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        warned.append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", warning)
    summary, _ = imported(qtbot, service, user, path, monkeypatch)
    return summary, warned


# ---------------------------------------------------------------------------- a new user's trial (1 Dec)
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
    summary, _ = warned_about(qtbot, service, team.clerk, write_template(tmp_path / "t.xlsx", rows), monkeypatch)
    assert summary is not None and summary.imported == 1
    assert summary.refused == [
        (2, "接待日期", "日期“2025-02-30”不存在：2025 年 2 月只有 28 天"),
        (3, "接待日期", "日期“2024年4月31日”不存在：2024 年 4 月只有 30 天"),
    ]
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    assert dialog.table.item(0, 2).text() == "日期“2025-02-30”不存在：2025 年 2 月只有 28 天"


def test_a_day_is_said_not_to_exist_only_when_mending_the_day_would_do(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """"2025/02-30" was told "2 月只有 28 天", yet 2025/02-28 is refused too (its separators differ);
    "0000-02-30" was told "0 年 2 月只有 29 天" (there is no year 0) and 9999-12-32 "只有 31 天",
    yet after mending the day both are outside the dates a reception may have."""
    rows = [
        good_row(接待日期="2025/02-30", 来访单位="市财政局"),
        good_row(接待日期="2025-02-30日", 来访单位="市审计局"),
        good_row(接待日期="0000-02-30", 来访单位="市教育局"),
        good_row(接待日期="9999-12-32", 来访单位="市卫健委"),
    ]
    summary, _ = warned_about(qtbot, service, team.clerk, write_template(tmp_path / "t.xlsx", rows), monkeypatch)
    assert summary is not None
    assert summary.refused == [
        (2, "接待日期", "无法识别的日期“2025/02-30”，请写成 YYYY-MM-DD"),
        (3, "接待日期", "无法识别的日期“2025-02-30日”，请写成 YYYY-MM-DD"),
        (4, "接待日期", "日期应在 1900-01-01 至 9998-12-31 之间，而不是 0000-02-30"),
        (5, "接待日期", "日期应在 1900-01-01 至 9998-12-31 之间，而不是 9999-12-32"),
    ]


def test_a_workbook_moved_away_is_said_in_chinese(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system's own words ("No such file or directory") were shown to the clerk."""
    gone = tmp_path / "台账.xlsx"
    summary, warned = warned_about(qtbot, service, team.clerk, gone, monkeypatch)
    assert summary is None
    assert warned == [f"找不到文件 {gone}：请检查文件名和位置（它可能已被移动、改名或删除）"]
    folder = tmp_path / "文件夹.xlsx"
    folder.mkdir()
    _, warned = warned_about(qtbot, service, team.clerk, folder, monkeypatch)
    assert warned == [f"{folder} 是一个文件夹：请选择一个文件"]
    # its folder gone, a file of that name in its place: "Not a directory" was shown
    (tmp_path / "月报").write_bytes(b"")
    under_a_file = tmp_path / "月报" / "台账.xlsx"
    _, warned = warned_about(qtbot, service, team.clerk, under_a_file, monkeypatch)
    assert warned == [f"找不到文件 {under_a_file}：请检查文件名和位置（它可能已被移动、改名或删除）"]


def test_a_workbook_whose_disk_fails_is_said_in_chinese(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A network share dropped or a USB stick pulled while reading: "Input/output error" was shown."""
    import errno
    import hashlib

    def failing(*_args: object, **_kwargs: object) -> object:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(hashlib, "file_digest", failing)
    book = write_template(tmp_path / "台账.xlsx", [good_row()])
    summary, warned = warned_about(qtbot, service, team.clerk, book, monkeypatch)
    assert summary is None
    assert warned == [f"读取 {book} 时出错（磁盘、U 盘或网络共享出现故障）：请检查后重试"]


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


@pytest.mark.parametrize(
    ("numbers", "told"),
    [
        # a typing slip in the paper ledger: the second was stored as JD-2025-0002 and the result
        # said only "编号 JD-2025-0001 至 JD-2025-0003" (the voucher then named another's number)
        (["JD-2025-0001", "JD-2025-0001", ""], "1 行…：第 3 行 JD-2025-0001 → JD-2025-0002。"),
        # not numbers the ledger gives (a slip of the keyboard): not to be called taken or of another year
        (["JD-2025-99999", "JD-2025-00007"], "2 行…：第 2 行 JD-2025-99999 → JD-2025-0001；第 3 行 JD-2025-00007 → JD-2025-0002。"),
    ],
)
def test_the_rows_stored_under_another_number_than_they_carry_are_told(
    numbers: list[str],
    told: str,
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [good_row(接待日期=f"2025-03-{5 + i:02d}", 来访单位=f"单位{i}", 编号=n) for i, n in enumerate(numbers)]
    summary, _ = warned_about(qtbot, service, team.clerk, write_template(tmp_path / "t.xlsx", rows), monkeypatch)
    assert summary is not None and summary.imported == len(numbers)
    dialog = ImportResultDialog(summary)
    qtbot.addWidget(dialog)
    count, named = told.split("…：")
    assert dialog.summary.text() == (
        f"共 {len(numbers)} 行：已导入 {len(numbers)} 行（均为草稿），未导入 0 行。"
        f"编号 JD-2025-0001 至 JD-2025-000{len(numbers)}。"
        f"{count}填写的编号不能沿用（已被占用、不是该接待年度的编号，或不是账本给出的编号），已另给编号："
        f"{named}纸质单据上的编号请相应更正。"
    )


def _readers() -> list[int]:
    """This process's reading processes still running (started anew: ``spawn_main``)."""
    import subprocess

    found = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()
    running = []
    for pid in found:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                running.append(int(pid))
    return running


def _second_reader(monkeypatch: pytest.MonkeyPatch, cancel_at: int = 0) -> list[dict[str, object]]:
    """Every import read in a second process (as a large one is on two cores); the calls seen.
    With ``cancel_at``, 取消 is pressed in the import's dialog as that row is taken."""
    from PySide6.QtWidgets import QApplication, QProgressDialog

    import reports.template as template

    monkeypatch.setattr(import_result, "SECOND_READER_FROM", 1)
    monkeypatch.setattr(template, "_cores", lambda: 2)
    original, calls = template.stream_import, []

    def spy(path: Path, **options: object):  # type: ignore[no-untyped-def]
        calls.append(options)
        for n, row in enumerate(original(path, **options), 1):
            if n == cancel_at:
                for dialog in QApplication.topLevelWidgets():
                    if isinstance(dialog, QProgressDialog) and "正在导入" in dialog.labelText():
                        dialog.cancel()
            yield row

    monkeypatch.setattr(template, "stream_import", spy)
    return calls


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a second reading process where processes can be forked")
def test_a_large_import_is_read_by_a_second_process_with_the_same_result(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From SECOND_READER_FROM receptions the window's import reads the workbook in a process
    started anew (the window's threads are not forked), which also brings the rows into their
    normal form and finds their field problems: the same result as reading in the window's own."""
    calls = _second_reader(monkeypatch)
    rows = [good_row(接待日期=f"2025-04-{d:02d}", 来访单位=f"单位{d}\u200b ") for d in range(1, 6)]
    rows += [good_row(接待日期="2025-04-01", 来访单位="单位1")]  # repeats the first, once in its normal form
    rows += [good_row(接待日期="2025-05-01", 来访单位="市教育局", 餐费="三百")]  # refused: not an amount
    rows += [good_row(接待日期="2025-05-02", 来访单位="市教育局", 陪餐人数=5)]  # a breach
    rows += [good_row(接待日期="2025-05-03", 来访单位="市教育局", 就餐日期="2025-05-20")]  # a meal outside its days
    summary, _ = imported(qtbot, service, team.clerk, write_template(tmp_path / "many.xlsx", rows), monkeypatch)
    assert calls == [{"prepare": True, "fresh": True}]
    assert summary is not None
    assert (summary.rows, summary.imported, summary.refused_rows, summary.breach_rows) == (9, 6, 3, 1)
    assert sorted(r.visiting_unit for r in service.receptions(LedgerQuery())) == [
        "单位1", "单位2", "单位3", "单位4", "单位5", "市教育局"
    ]
    assert _readers() == []
    assert service.verify().ok


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a second reading process where processes can be forked")
def test_cancel_while_a_second_process_reads_writes_nothing_and_leaves_no_process(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    calls = _second_reader(monkeypatch, cancel_at=450)
    rows = [good_row(接待日期="2025-03-05", 来访单位=f"单位{i}") for i in range(3000)]
    summary, shown = imported(qtbot, service, team.clerk, write_template(tmp_path / "big.xlsx", rows), monkeypatch)
    assert calls and summary is None and shown == []
    assert told == ["导入已取消，未写入任何数据"]
    assert service.count_and_total(LedgerQuery())[0] == 0
    assert _readers() == []
