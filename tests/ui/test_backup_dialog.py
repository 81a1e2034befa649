"""文件 → 备份 / 恢复 in the window, the backup when the window closes, the reminder, and the
algorithm choice under 设置 (issue 12)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import PASSWORD, Team, sample_reception
from ui.backup_dialog import BackupDialog, CryptoDialog
from ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def quiet_boxes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Ok)
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(tmp_path / "auto"))


def test_closing_the_window_backs_up_once_a_day(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    assert window.backup_actions.backup_action in window.file_menu.actions()
    window.close()
    listed = service.automatic_backups()
    assert [b.kind for b in listed] == ["每日"]
    again = MainWindow(service, team.clerk)
    qtbot.addWidget(again)
    again.close()
    assert len(service.automatic_backups()) == 1


def test_dialog_lists_backups_with_dates_and_restores(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    day = datetime(2025, 3, 1, 18, 30)
    service.clock = lambda: day
    service.auto_backup()
    service.clock = lambda: day + timedelta(days=1)
    service.auto_backup()
    service.save(team.clerk, sample_reception(unit="备份后才录入"))
    service.authenticate("admin", PASSWORD)
    dialog = BackupDialog(service, team.admin, None)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 0).text() == "2025-03-02 18:30:00"
    assert dialog.table.item(1, 0).text() == "2025-03-01 18:30:00"
    assert dialog.table.item(0, 1).text() == "每日"
    assert dialog.restore_selected_button.isVisibleTo(dialog)
    assert not dialog.restore_selected_button.isEnabled()
    dialog.table.selectRow(1)
    assert dialog.restore_selected_button.isEnabled()
    dialog.ask = lambda _title, _text: True
    dialog.restore_selected_button.click()
    assert not [r for r in service.receptions() if r.visiting_unit == "备份后才录入"]
    kinds = [dialog.table.item(i, 1).text() for i in range(dialog.table.rowCount())]
    assert "恢复前" in kinds  # the replaced ledger was saved first, and is listed
    # a backup to a chosen file
    target = tmp_path / "手动.sqlite3"
    assert dialog.backup_to(str(target)) and target.is_file()


def test_clerk_sees_no_restore(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    dialog = BackupDialog(service, team.clerk, None)
    qtbot.addWidget(dialog)
    assert not dialog.restore_selected_button.isVisibleTo(dialog)
    assert not dialog.restore_file_button.isVisibleTo(dialog)


def test_reminder_after_a_week(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    service.clock = lambda: datetime.now() + timedelta(days=10)
    window = MainWindow(service, team.admin)
    qtbot.addWidget(window)
    assert "还没有备份过" in window.statusBar().currentMessage()
    dialog = BackupDialog(service, team.admin, None)
    qtbot.addWidget(dialog)
    assert "还没有备份过" in dialog.reminder.text()


def test_crypto_choice_in_settings(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    window = MainWindow(service, team.admin)
    qtbot.addWidget(window)
    assert window.backup_actions.crypto_action in window.settings_menu.actions()
    assert window.backup_actions.crypto_action.isVisible()
    dialog = CryptoDialog(service, team.admin, window.hub, window)
    qtbot.addWidget(dialog)
    assert dialog.default.isChecked()
    dialog.gm.setChecked(True)
    dialog.save()
    assert service.crypto() == "gm"
    clerk = MainWindow(service, team.clerk)
    qtbot.addWidget(clerk)
    assert not clerk.backup_actions.crypto_action.isVisible()


def test_logout_forgets_the_signing_keys(
    qtbot: QtBot,
    qapp,
    service: LedgerService,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from ui.app import GuiSession
    from ui.login_dialog import LoginDialog

    names = iter(["li", "zhang"])
    monkeypatch.setattr(
        LoginDialog, "ask", classmethod(lambda cls, svc, parent=None: svc.authenticate(next(names), PASSWORD))
    )
    session = GuiSession(qapp, service)
    assert session.start()
    qtbot.addWidget(session.window)
    assert "li" in service._desk.keys
    session.window.logout_action.trigger()  # type: ignore[union-attr]
    qtbot.addWidget(session.window)
    assert set(service._desk.keys) == {"zhang"}  # only the user now logged in can sign here


def test_dialog_refuses_a_backup_over_the_ledger_and_names_another_ledgers_backup(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger.db import Database
    from tests.conftest import make_team

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warnings.append(text))
    service.save(team.clerk, sample_reception(unit="本局的"))
    service.authenticate("admin", PASSWORD)
    dialog = BackupDialog(service, team.admin, None)
    qtbot.addWidget(dialog)
    ledger = Path(db_url.removeprefix("sqlite:///"))
    assert not dialog.backup_to(str(ledger))
    assert warnings and warnings[-1].startswith("备份文件不能是账本本身")
    # another bureau's backup: asked as such, and refused when the answer is no
    (tmp_path / "theirs").mkdir()
    theirs = LedgerService(Database(f"sqlite:///{tmp_path / 'theirs' / 'ledger.sqlite3'}"))
    make_team(theirs)
    theirs.backup(tmp_path / "theirs.sqlite3")
    theirs.db.dispose()
    asked: list[tuple[str, str]] = []
    dialog.ask = lambda title, text: asked.append((title, text)) or len(asked) == 1
    assert not dialog.restore_from(str(tmp_path / "theirs.sqlite3"))
    assert asked[1][0] == "另一个账本的备份" and "这是另一个账本的备份" in asked[1][1]
    assert "--other-ledger" not in asked[1][1]
    assert [r.visiting_unit for r in service.receptions()] == ["本局的"]
    asked.clear()
    dialog.ask = lambda title, text: asked.append((title, text)) or True
    assert dialog.restore_from(str(tmp_path / "theirs.sqlite3"))
    assert service.receptions() == []
