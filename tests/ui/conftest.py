"""pytest-qt setup: offscreen Qt, the bundled font, a fresh ledger per test.

Fixtures from tests/conftest.py apply here too: ``service`` (an empty ledger on SQLite)
and ``team`` (admin, clerk, approver and a clerk-approver, password ``PASSWORD``).
The screen is 1366×768 (``screen-1366x768.json``). Every test in tests/ui gets a QApplication with the CJK font installed and QSettings
kept in the test's temporary folder, so no test reads or writes the user's settings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# offscreen, on the screen of the common office laptop (1366×768) rather than the plugin's 800×600
os.environ["QT_QPA_PLATFORM"] = "offscreen:configfile=" + os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "screen-1366x768.json"
)

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ledger.records import Reception
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


@pytest.fixture(autouse=True)
def gui_app(qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[QApplication]:
    """The QApplication with the CJK font; QSettings and autosaved drafts kept in tmp_path."""
    from ui.fonts import install_cjk_font

    install_cjk_font(qapp)
    settings_dir = tmp_path / "qsettings"
    settings_dir.mkdir(exist_ok=True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(settings_dir))
    monkeypatch.setenv("LEDGER_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    # a message box no test answers would wait forever offscreen: fail the test instead (a test
    # that expects one patches it with its answer)
    from PySide6.QtWidgets import QMessageBox

    def unanswered(kind: str):  # type: ignore[no-untyped-def]
        def ask(*args: object, **kwargs: object) -> object:
            raise AssertionError(f"unanswered QMessageBox.{kind}: {args[1:3]!r}")

        return ask

    for kind in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, unanswered(kind))
    yield qapp


@pytest.fixture
def submitted(service: LedgerService, team: Team) -> Reception:
    """A reception with a breach (4 companions for 10 guests), explained and submitted by the clerk."""
    reception = sample_reception(
        guests=10,
        companions=4,
        amount="600.00",
        unit="省教育厅督导组",
        explanations={"companions_over_cap": "分管股室负责人临时陪同汇报工作"},
    )
    return service.submit(team.clerk, reception)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type as a user does: key presses for ASCII, an input-method commit (拼音 input) for Chinese."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)
