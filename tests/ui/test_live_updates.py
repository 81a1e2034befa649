"""Live with other desks: another desk's write shows without 刷新 — on SQLite (another
connection to the same file, as another process has), on PostgreSQL (LISTEN/NOTIFY) — and an
open form whose reception changed elsewhere says so before the user types over it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from pytestqt.qtbot import QtBot

from ledger.db import Database
from ledger.service import LedgerService
from tests.conftest import Team, make_team, sample_reception
from tests.ui.conftest import type_text
from ui.hub import ChangeHub
from ui.live import LiveUpdates
from ui.main_window import MainWindow
from ui.reception import ReceptionDialog, UnsavedPrompt

WAIT_MS = 8000  # "within a few seconds"


@pytest.fixture
def other_desk(db_url: str) -> Iterator[LedgerService]:
    """A second desk on the same SQLite file: its own engine and connections."""
    db = Database(db_url)
    yield LedgerService(db)
    db.dispose()


def test_another_desks_new_reception_appears_in_the_ledger_without_refresh(
    qtbot: QtBot, service: LedgerService, team: Team, other_desk: LedgerService
) -> None:
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    window.show()
    assert window.ledger_view.model.count == 0
    other_desk.save(team.clerk, sample_reception(unit="邻县教育局"))
    qtbot.waitUntil(lambda: window.ledger_view.model.count == 1, timeout=WAIT_MS)
    assert "共 1 条" in window.ledger_view.summary_label.text() or window.ledger_view.model.count == 1


def test_own_writes_are_not_announced_a_second_time(
    qtbot: QtBot, service: LedgerService, team: Team, other_desk: LedgerService
) -> None:
    hub = ChangeHub()
    live = LiveUpdates(service, hub)
    heard: list[frozenset[int]] = []
    hub.receptions_changed.connect(heard.append)
    mine = service.save(team.clerk, sample_reception())
    assert live.check() is False and heard == []
    theirs = other_desk.save(team.clerk, sample_reception(unit="邻县教育局"))
    assert live.check() is True
    assert heard == [frozenset({theirs.id})]
    assert mine.id not in heard[0]
    live.close()


def test_another_desks_policy_change_is_announced_as_settings(
    qtbot: QtBot, service: LedgerService, team: Team, other_desk: LedgerService
) -> None:
    hub = ChangeHub()
    live = LiveUpdates(service, hub)
    with qtbot.waitSignal(hub.settings_changed, timeout=WAIT_MS):
        other_desk.update_bureau(team.admin, replace(other_desk.bureau(), supervision_phone="0000-87654321"))
    live.close()


def test_an_open_form_reloads_and_says_the_reception_changed_elsewhere(
    qtbot: QtBot, service: LedgerService, team: Team, other_desk: LedgerService
) -> None:
    saved = service.save(team.clerk, sample_reception())
    hub = ChangeHub()
    live = LiveUpdates(service, hub)
    form = ReceptionDialog(service, team.clerk, saved.id, hub=hub)
    qtbot.addWidget(form)
    form.show()
    other_desk.save(team.clerk, replace(other_desk.get(saved.id), visiting_unit="省教育厅"))
    qtbot.waitUntil(lambda: form.visiting_unit.text() == "省教育厅", timeout=WAIT_MS)
    assert form.header.banner.isVisibleTo(form)
    assert "此接待刚在别处被修改（现在是第 2 版）" in form.header.banner.text()
    live.close()


def test_a_form_with_unsaved_typing_keeps_it_and_warns(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,
    other_desk: LedgerService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    saved = service.save(team.clerk, sample_reception())
    hub = ChangeHub()
    live = LiveUpdates(service, hub)
    form = ReceptionDialog(service, team.clerk, saved.id, hub=hub)
    qtbot.addWidget(form)
    form.show()
    form.visiting_unit.clear()
    type_text(qtbot, form.visiting_unit, "市审计局")
    other_desk.save(team.clerk, replace(other_desk.get(saved.id), activity="另一项活动"))
    qtbot.waitUntil(lambda: "已在别处被修改" in form.header.banner.text(), timeout=WAIT_MS)
    assert form.visiting_unit.text() == "市审计局"  # nothing typed is lost
    assert "您的修改尚未保存" in form.header.banner.text()
    live.close()


@pytest.mark.postgres
def test_postgresql_a_write_on_another_computer_is_heard_through_notify(qtbot: QtBot, pg_url: str) -> None:
    here_db, there_db = Database(pg_url), Database(pg_url)
    try:
        here, there = LedgerService(here_db), LedgerService(there_db)
        team = make_team(there)
        hub = ChangeHub()
        live = LiveUpdates(here, hub)
        heard: list[frozenset[int]] = []
        hub.receptions_changed.connect(heard.append)
        mine = here.save(team.clerk, sample_reception(date(2025, 3, 1)))
        theirs = there.save(team.clerk, sample_reception(date(2025, 3, 2), unit="邻县教育局"))
        qtbot.waitUntil(lambda: any(theirs.id in ids for ids in heard), timeout=WAIT_MS)
        assert all(mine.id not in ids for ids in heard)  # this desk's own write is not news
        live.close()
    finally:
        here_db.dispose()
        there_db.dispose()
