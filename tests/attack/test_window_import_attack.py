"""Attack on 文件 → 导入工作簿… as it reads the workbook twice (count, then import).

Each test asserts what the clerk sees; a failing test is a defect. All four found are fixed: the
reading asks about 取消 at its end too; the second reading ends by comparing the file's SHA-256
with the one counted; the summary counts the rows approved on paper; the reading child of
``check`` is born deaf to Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog
from pytestqt.qtbot import QtBot

import reports.template as template
from ledger.records import LedgerQuery, Status
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import gui_app  # noqa: F401  (QSettings in tmp_path, unanswered boxes fail)
from tests.workbooks import good_row, write_template
from ui.import_result import ImportResultDialog, ImportSummary
from ui.main_window import MainWindow


def window_for(
    qtbot: QtBot, service: LedgerService, user: object, monkeypatch: pytest.MonkeyPatch
) -> tuple[MainWindow, list[ImportSummary]]:
    shown: list[ImportSummary] = []
    monkeypatch.setattr(
        ImportResultDialog, "present", classmethod(lambda cls, s, parent=None: shown.append(s))
    )
    window = MainWindow(service, user)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    return window, shown


def stored(service: LedgerService) -> int:
    return service.count_and_total(LedgerQuery())[0]


def test_cancel_pressed_while_the_last_rows_are_read_writes_nothing(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clerk presses 取消 in the reading dialog ("正在读取 …：1000 行…") while the workbook's
    last rows are read. The press is seen at the next event processing; the reading asks only
    every 500 receptions and never at its end, so the press is lost and the import goes on."""
    rows = [good_row(接待日期="2025-03-05", 来访单位=f"单位{i}") for i in range(1100)]
    path = write_template(tmp_path / "big.xlsx", rows)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    window, shown = window_for(qtbot, service, team.clerk, monkeypatch)
    groups = template._groups
    pressed: list[QProgressDialog] = []

    def reading(p: Path):  # type: ignore[no-untyped-def]
        for n, item in enumerate(groups(p), 1):
            if n == 1050:  # the click, while the reading dialog is on screen
                dialogs = [d for d in window.findChildren(QProgressDialog) if "读取" in d.labelText()]
                for d in dialogs:
                    QTimer.singleShot(0, d.cancel)
                pressed.extend(dialogs)
            yield item

    monkeypatch.setattr(template, "_groups", reading)
    window.import_workbook(path)
    assert pressed and pressed[0].wasCanceled()  # the press reached the reading dialog
    assert stored(service) == 0, f"{stored(service)} receptions written after 取消"
    assert shown == [] and told == ["导入已取消，未写入任何数据"]


def test_the_rows_approved_on_paper_are_those_the_question_counted(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question says 1 row carries 审核人; while it waits for the answer a colleague saves the
    workbook (on a shared folder) with 3 such rows. "是" was the answer to 1 row, and 4412e99
    imported exactly the rows it had counted; now 3 receptions enter as approved on paper."""
    path = tmp_path / "shared.xlsx"
    paper = {"审核人": "张副局长", "审核日期": "2025-03-20"}
    write_template(
        path,
        [
            good_row(接待日期="2025-03-05", 来访单位="市教育局", **paper),
            good_row(接待日期="2025-03-06", 来访单位="市财政局"),
        ],
    )
    asked: list[str] = []

    def answer(parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        write_template(
            path, [good_row(接待日期=f"2025-03-0{d}", 来访单位=f"单位{d}", **paper) for d in (5, 6, 7)]
        )
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: asked.append(text))
    window, shown = window_for(qtbot, service, team.both, monkeypatch)
    window.import_workbook(path)
    assert asked[0].startswith("工作簿中有 1 行填写了“审核人/审核日期”。")
    approved = [r for r in service.receptions(LedgerQuery()) if r.status == Status.APPROVED]
    assert len(approved) <= 1, f"{len(approved)} receptions approved on paper after a question about 1 row"
    # fixed: the file read the second time is compared with the one counted; nothing is written
    assert asked[-1] == "工作簿 shared.xlsx 在导入过程中被修改，未写入任何数据：请重新导入"
    assert stored(service) == 0 and shown == []


def test_the_result_of_an_import_approved_on_paper_does_not_say_all_are_drafts(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "是" to 按纸质审核导入？: two receptions enter as 已审核, yet the result says every imported
    row is a draft ("已导入 3 行（均为草稿）"); ImportSummary does not count the approved ones.
    (The sentence is older than today; the summary it is built from is new.)"""
    paper = {"审核人": "张副局长", "审核日期": "2025-03-20"}
    rows = [
        good_row(接待日期="2025-03-05", 来访单位="市教育局", **paper),
        good_row(接待日期="2025-03-07", 来访单位="市财政局"),
        good_row(接待日期="2025-03-09", 来访单位="市审计局", **paper),
    ]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window, shown = window_for(qtbot, service, team.both, monkeypatch)
    window.import_workbook(write_template(tmp_path / "paper.xlsx", rows))
    approved = [r for r in service.receptions(LedgerQuery()) if r.status == Status.APPROVED]
    assert len(approved) == 2 and len(shown) == 1
    dialog = ImportResultDialog(shown[0])
    qtbot.addWidget(dialog)
    assert "均为草稿" not in dialog.summary.text(), dialog.summary.text()


ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(c) for c in found]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="check reads in a second process on two cores")
def test_ctrl_c_on_check_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the terminal's process group) while `check` reads a workbook: 4412e99,
    reading in-process, printed 已中断 and nothing else. Now the reading child takes the SIGINT
    too; its KeyboardInterrupt is not caught (_read_into catches Exception) and multiprocessing
    prints "Process ForkProcess-1:" and a Python traceback on the clerk's terminal - on about
    one Ctrl-C in three here."""
    path = write_template(tmp_path / "big.xlsx", [good_row(来访单位=f"单位{i}") for i in range(20000)])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    seen: list[str] = []
    for attempt in range(6):
        p = subprocess.Popen(
            [sys.executable, "main.py", "check", str(path), "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: (os.setsid(), signal.signal(signal.SIGINT, signal.SIG_DFL)),
        )
        deadline = time.monotonic() + 20
        while not _children(p.pid) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.02)
        time.sleep(0.2 + 0.15 * attempt)  # the child is reading
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C does
        _, err = p.communicate(timeout=30)
        seen.append(err)
        if "Traceback" in err:
            break
    assert all("Traceback" not in err and "ForkProcess" not in err for err in seen), next(
        err for err in seen if "Traceback" in err or "ForkProcess" in err
    )
    assert all(err.strip() in ("已中断", "") for err in seen)
