"""The main window: what each role sees, menus, shortcuts, import and demo from the menus."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox, QProgressDialog
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Role, Status, User
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.import_result import ImportResultDialog, ImportSummary
from ui.main_window import MainWindow
from ui.prefs import app_settings


def window_for(qtbot: QtBot, service: LedgerService, user: User) -> MainWindow:
    window = MainWindow(service, user)
    qtbot.addWidget(window)
    return window


def visible_menus(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions() if a.isVisible()]


def test_what_each_role_sees(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    clerk = window_for(qtbot, service, team.clerk)
    assert clerk.new_action.isVisible() and clerk.import_action.isVisible()
    assert clerk.approval_view is None
    assert not clerk.settings_action.isVisible()
    assert not clerk.demo_action.isVisible()
    assert "审核(&R)" not in visible_menus(clerk)
    assert clerk.change_password_action.isVisible()  # everyone changes their own password

    approver = window_for(qtbot, service, team.approver)
    assert approver.approval_view is not None
    assert approver.tabs.indexOf(approver.approval_view) >= 0
    assert not approver.new_action.isVisible() and not approver.import_action.isVisible()
    assert "审核(&R)" in visible_menus(approver)
    assert not approver.settings_action.isVisible()

    admin = window_for(qtbot, service, team.admin)
    assert admin.settings_action.isVisible()
    assert admin.demo_action.isVisible()
    assert admin.approval_view is None
    assert admin.windowTitle() == "XX县教育局 — 公务接待台账"
    assert admin.user_label.text() == "当前用户：管理员（管理员）"

    both = window_for(qtbot, service, team.both)
    assert both.new_action.isVisible() and both.approval_view is not None


def test_an_empty_menu_hides_and_shows_when_an_action_is_added(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    window = window_for(qtbot, service, team.clerk)
    window.print_menu.clear()
    assert not window.print_menu.menuAction().isVisible()
    action = QAction("公示表…", window)
    window.print_menu.addAction(action)
    assert window.print_menu.menuAction().isVisible()
    action.setVisible(False)
    assert not window.print_menu.menuAction().isVisible()


def test_standard_shortcuts(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    window = window_for(qtbot, service, team.clerk)
    assert window.new_action.shortcut().toString() == "Ctrl+N"
    assert window.find_action.shortcut().toString() == "Ctrl+F"
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.ledger_view.search_edit.hasFocus())


def test_show_query_switches_to_the_ledger(
    qtbot: QtBot, service: LedgerService, team: Team, submitted
) -> None:  # type: ignore[no-untyped-def]
    window = window_for(qtbot, service, team.approver)
    window.tabs.setCurrentWidget(window.approval_view)
    window.show_query(LedgerQuery(status=Status.SUBMITTED))
    assert window.tabs.currentWidget() is window.ledger_view
    assert window.ledger_view.status_combo.currentData() == "submitted"
    assert window.ledger_view.summary_label.text() == "共 1 条，合计 ¥600.00"


def test_window_size_and_column_widths_are_remembered(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    window = window_for(qtbot, service, team.clerk)
    window.show()
    window.resize(770, 500)  # inside the 1366x768 test screen
    window.ledger_view.table.setColumnWidth(2, 333)
    window.save_state()
    settings = app_settings()
    assert [k for k in settings.allKeys() if k.startswith("windows/main/")]  # kept per screen
    again = window_for(qtbot, service, team.clerk)
    again.show()
    assert again.ledger_view.table.columnWidth(2) == 333
    assert (again.width(), again.height()) == (770, 500)


def write_workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(
        [
            "接待日期",
            "来访单位",
            "公务活动",
            "公函文号",
            "接待对象人数",
            "陪餐人数",
            "就餐场所",
            "场所类型",
            "餐费",
        ]
    )
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_import_from_the_menu_lists_refused_rows_with_row_and_column(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_workbook(
        tmp_path / "import.xlsx",
        [
            [
                "2025-03-05",
                "市教育局",
                "督导检查",
                "市教函〔2025〕1号",
                6,
                2,
                "局机关食堂",
                "机关食堂",
                "300",
            ],
            ["2025-13-40", "市审计局", "审计进点", "", 4, 1, "", "机关食堂", "100"],
            [
                "2025-03-07",
                "邻县教育局",
                "学习交流",
                "邻函〔2025〕3号",
                10,
                4,
                "局机关食堂",
                "机关食堂",
                "-5",
            ],
            ["2025-03-09", "省教育厅", "评估", "省函〔2025〕8号", 10, 4, "局机关食堂", "机关食堂", "650"],
        ],
    )
    shown: list[ImportSummary] = []
    monkeypatch.setattr(
        ImportResultDialog, "present", classmethod(lambda cls, o, parent=None: shown.append(o))
    )
    window = window_for(qtbot, service, team.clerk)
    outcomes = window.import_workbook(path)
    assert outcomes is not None and shown == [outcomes]
    assert window.ledger_view.summary_label.text() == "共 2 条，合计 ¥950.00"

    dialog = ImportResultDialog(outcomes)
    qtbot.addWidget(dialog)
    assert dialog.summary.text().startswith("共 4 行：已导入 2 行（均为草稿），未导入 2 行。")
    assert "有 1 行违反接待标准" in dialog.summary.text()
    table = dialog.table
    refused = [[table.item(r, c).text() for c in range(2)] for r in range(table.rowCount())]
    assert refused == [["3", "接待日期"], ["4", "餐费"]]
    breach = dialog.breach_table
    assert breach.rowCount() == 1
    assert breach.item(0, 0).text() == "5"
    assert breach.item(0, 2).text() == "陪餐4人，超过上限3人（接待对象10人）"


@pytest.mark.parametrize("kind", ["ods", "xlsb"])
def test_the_window_imports_an_ods_or_xlsb_as_it_imports_the_xlsx(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """文件 → 导入工作簿… with the same rows saved as LibreOffice/WPS (.ods) or Excel binary (.xlsb):
    read by the streaming readers, the same rows imported and refused at the same row and column."""
    from datetime import date

    from tests.formats import write_ods, write_xlsb

    headers = ["接待日期", "来访单位", "公务活动", "公函文号", "接待对象人数", "陪餐人数", "餐费"]
    rows = {
        2: dict(zip(headers, [date(2025, 3, 5), "市教育局", "督导检查", "市教函〔2025〕1号", 6, 2, 300], strict=True)),
        3: dict(zip(headers, ["2025-13-40", "市审计局", "审计进点", None, 4, 1, 100], strict=True)),
        4: dict(zip(headers, [date(2025, 3, 9), "省教育厅", "评估", "省函〔2025〕8号", 10, 4, 650], strict=True)),
    }
    path = (write_ods if kind == "ods" else write_xlsb)(tmp_path / f"import.{kind}", headers, rows)
    monkeypatch.setattr(ImportResultDialog, "present", classmethod(lambda cls, o, parent=None: None))
    window = window_for(qtbot, service, team.clerk)
    outcomes = window.import_workbook(path)
    assert outcomes is not None
    assert window.ledger_view.summary_label.text() == "共 2 条，合计 ¥950.00"
    dialog = ImportResultDialog(outcomes)
    qtbot.addWidget(dialog)
    assert dialog.summary.text().startswith("共 3 行：已导入 2 行（均为草稿），未导入 1 行。")
    table = dialog.table
    assert [[table.item(r, c).text() for c in range(2)] for r in range(table.rowCount())] == [["3", "接待日期"]]


def test_import_can_be_cancelled_and_writes_nothing(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        [f"2025-03-{d:02d}", f"单位{d}", "检查", "函〔2025〕1号", 5, 2, "食堂", "机关食堂", "200"]
        for d in range(1, 29)
    ]
    path = write_workbook(tmp_path / "many.xlsx", rows)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    window = window_for(qtbot, service, team.clerk)
    QTimer.singleShot(0, lambda: [d.cancel() for d in window.findChildren(QProgressDialog)])
    assert window.import_workbook(path) is None
    assert told == ["导入已取消，未写入任何数据"]
    assert service.count_and_total(LedgerQuery())[0] == 0


def test_demo_only_on_an_empty_ledger(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    submitted,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    window = window_for(qtbot, service, team.admin)
    assert window.generate_demo() is False
    assert told == ["示例数据只能生成到空账本中：此账本已有接待记录。"]


def test_demo_runs_with_a_cancellable_progress(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: told.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window = window_for(qtbot, service, team.admin)
    QTimer.singleShot(0, lambda: [d.cancel() for d in window.findChildren(QProgressDialog)])
    assert window.generate_demo() is True
    assert told and told[0].startswith("已生成 0 条示例接待")
    assert "demo1234" not in told[0] and "只显示这一次" in told[0]  # a random password, shown once
    assert service.count_and_total(LedgerQuery())[0] == 0
    # the sample users are there to log in with; the team's 李会计 is left alone
    assert Role.CLERK in service.user("李会计（示例）").roles
    assert service.user("li").display_name == "李会计"


def test_opening_a_reception_shows_the_form_and_its_changes_refresh_the_window(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    submitted,  # type: ignore[no-untyped-def]
) -> None:
    from ui.reception import ReceptionDialog

    window = window_for(qtbot, service, team.approver)
    form = window.open_reception(submitted.id)
    assert isinstance(form, ReceptionDialog) and form.isVisible()
    assert (
        window.open_reception(submitted.id) is form
    )  # the same reception is brought forward, not opened twice
    assert window.approval_view is not None and window.approval_view.model.rowCount() == 1

    service.approve(team.approver, submitted.id)  # as the form's 审核通过 button does
    window.hub.announce([submitted.id])  # and as every write is announced (ui.operations)
    assert window.approval_view.model.rowCount() == 0
    assert window.ledger_view.selected_reception_id() == submitted.id  # the changed reception is selected
    from ui.ledger_model import COLUMN_KEYS

    status = window.ledger_view.model.data(window.ledger_view.model.index(0, COLUMN_KEYS.index("status")))
    assert status == "已审核"
    form.close()


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warned.append(text))
    bad = tmp_path / "notes.xlsx"
    bad.write_text("这不是工作簿", encoding="utf-8")
    window = window_for(qtbot, service, team.clerk)
    assert window.import_workbook(bad) is None
    assert len(warned) == 1 and warned[0].startswith("不是 Excel 工作簿（.xlsx、.xls、.xlsb）或 .ods")


def test_review_menu_approves_the_selected_reception(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    submitted,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.review_dialogs import ApproveConfirm

    asked: list[int] = []
    monkeypatch.setattr(
        ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: not asked.append(n))
    )
    window = window_for(qtbot, service, team.approver)
    assert window.tabs.currentWidget() is window.approval_view  # with items waiting the queue opens
    window.tabs.setCurrentWidget(window.ledger_view)
    assert not window.approve_action.isEnabled()  # the ledger tab is on show
    window.show_queue()
    assert window.approve_action.isEnabled() and window.return_action.isEnabled()
    window.approve_action.trigger()
    assert asked == [1]  # the breach was confirmed first
    assert service.get(submitted.id).status == Status.APPROVED
    assert not window.approve_action.isEnabled()  # the queue is empty now

    own = window_for(qtbot, service, team.both)
    mine = service.submit(team.both, sample_reception(unit="市教育局"))
    own.show_queue()
    assert own.selected_reception_id() == mine.id
    assert not own.approve_action.isEnabled()


def test_a_new_form_once_saved_is_brought_forward_not_opened_twice(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.conftest import type_text
    from ui.reception import ReceptionDialog, UnsavedPrompt

    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    window = window_for(qtbot, service, team.clerk)
    window.show()
    window.new_action.trigger()  # Ctrl+N
    forms = [w for w in window.findChildren(ReceptionDialog) if w.isVisible()]
    assert len(forms) == 1
    form = forms[0]
    type_text(qtbot, form.visiting_unit, "市审计局")
    with qtbot.waitSignal(form.changed):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.reception_id is not None
    assert "已保存草稿" in form.message_label.text()

    # the saved draft is selected in the ledger; the clerk opens it from there (Ctrl+O)
    assert window.ledger_view.selected_reception_id() == form.reception_id
    window.open_action.trigger()
    shown = [w for w in window.findChildren(ReceptionDialog) if w.isVisible()]
    assert shown == [form]
    assert window.open_reception(form.reception_id) is form
    form.close()
