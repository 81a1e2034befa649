"""Starting the application: which ledger it opens, first start, login, switching user."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from ui.app import GuiSession, run_gui
from ui.cli import gui_options
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.setup_dialog import SetupDialog


def opened_url(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> str:
    """Start the GUI with ``argv``; the setup dialog notes the ledger and is cancelled."""
    seen: list[str] = []

    def cancel(cls, service: LedgerService, parent=None):  # type: ignore[no-untyped-def]
        seen.append(service.db.url)
        return None

    monkeypatch.setattr(SetupDialog, "ask", classmethod(cancel))
    options = gui_options(argv)
    assert options is not None
    assert run_gui(options) == 0  # cancelled first start: the application ends quietly
    assert len(seen) == 1
    return seen[0]


def test_the_window_opens_the_ledger_named_by_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'given.sqlite3'}"
    assert opened_url(monkeypatch, ["--db", url]) == url
    assert (tmp_path / "given.sqlite3").exists()


def test_without_db_the_window_opens_ledger_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from_env.sqlite3'}"
    monkeypatch.setenv("LEDGER_DB", url)
    assert opened_url(monkeypatch, []) == url


def test_login_opens_the_window_and_switching_user_replaces_it(
    qtbot: QtBot,
    qapp,
    service: LedgerService,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    users = iter([team.clerk, team.approver])
    monkeypatch.setattr(LoginDialog, "ask", classmethod(lambda cls, service, parent=None: next(users)))
    session = GuiSession(qapp, service)
    assert session.start()
    first = session.window
    assert isinstance(first, MainWindow) and first.user == team.clerk
    qtbot.addWidget(first)
    assert first.isVisible()

    first.logout_action.trigger()
    second = session.window
    assert isinstance(second, MainWindow) and second is not first
    qtbot.addWidget(second)
    assert second.user == team.approver
    assert second.approval_view is not None
    assert not first.isVisible()


def test_a_ledger_that_cannot_be_opened_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text))
    not_a_ledger = tmp_path / "photo.sqlite3"
    not_a_ledger.write_bytes(b"this is not a database at all" * 100)
    options = gui_options(["--db", str(not_a_ledger)])
    assert options is not None
    assert run_gui(options) == 2
    assert len(shown) == 1 and shown[0].startswith("无法打开数据库")


def test_qt_standard_buttons_speak_chinese(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTranslator
    from PySide6.QtWidgets import QMessageBox

    from ui.app import install_qt_translations

    install_qt_translations(qapp)
    try:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "删除附件",
            "删除？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        assert sorted(b.text() for b in box.buttons()) == ["否(&N)", "是(&Y)"]
    finally:
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)
            translator.deleteLater()
