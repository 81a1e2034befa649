"""A window import started while another desk imports (ui.import_result.import_workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog
from pytestqt.qtbot import QtBot

from ledger.db import Database
from ledger.records import LedgerQuery
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.test_writer_wait import Holding
from tests.workbooks import good_row, write_template
from ui.import_result import ImportResultDialog
from ui.main_window import MainWindow


def test_a_window_import_begun_while_another_desk_imports_says_so_in_its_own_progress_dialog(
    qtbot: QtBot, db_url: str, team: Team, service: LedgerService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import checks its rows while the other desk stores, then waits in its own progress
    dialog, which says who imports; its 取消 works. (The wait dialog had been buried under the
    progress dialog, made first, its 取消 unread until the import started.)"""
    monkeypatch.setattr(ImportResultDialog, "present", classmethod(lambda cls, s, parent=None: None))
    other = LedgerService(Database(db_url))
    path = write_template(tmp_path / "rows.xlsx", [good_row(接待日期="2025-04-01", 来访单位="邻县局")])
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    window.show()
    holding = Holding(other, importing=team.both)
    seen: dict[str, Any] = {}

    def look() -> None:
        top = QApplication.activeModalWidget()
        seen["top"] = top.labelText() if isinstance(top, QProgressDialog) else repr(top)
        holding.release()

    QTimer.singleShot(1500, look)
    try:
        window.import_workbook(path)
    finally:
        holding.release()
        other.db.dispose()
    top = seen["top"]
    assert top.startswith("正在导入 rows.xlsx…\n账本正由另一处写入（如导入），检查完毕的各行在其完成后写入。"), top
    assert "王主任 自 " in top and "已处理 42,000 / 100,000 行" in top
    assert len(service.receptions(LedgerQuery())) == 1
