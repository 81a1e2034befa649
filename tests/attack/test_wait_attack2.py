"""Second attack on waiting for another desk (README: "When another desk is writing"): a third
desk taking the lock as it comes free, a link or a pipe planted at the note's scratch name, and
clocks that differ between the desks."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from ledger import db as db_module
from ledger import writing
from ledger.db import Database
from ledger.records import ImportRow, LedgerQuery, Reception, Status
from ledger.service import LedgerService
from ledger.writing import ImportNote
from tests.conftest import Team, make_team, sample_reception
from tests.ui.test_writer_wait import Holding
from ui import operations
from ui.hub import ChangeHub

WAIT = 2  # the lock's time-out here (30 s in use), read as a desk opens the ledger


@pytest.fixture(params=["sqlite", "postgresql"])
def three_desks(
    request: pytest.FixtureRequest, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LedgerService, LedgerService, LedgerService, Team, Reception]]:
    monkeypatch.setattr(db_module, "WAIT_SECONDS", WAIT)
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    here, other, third = (LedgerService(Database(url)) for _ in range(3))
    team = make_team(here)
    submitted = here.submit(
        team.clerk,
        sample_reception(
            guests=10, companions=4, explanations={"companions_over_cap": "分管股室负责人临时陪同汇报工作"}
        ),
    )
    yield here, other, third, team, submitted
    for desk in (here, other, third):
        desk.db.dispose()


def hold_in_thread(desk: LedgerService, team: Team, seconds: float) -> threading.Event:
    """A third desk storing an import of its own for ``seconds`` (from a thread of its own, as
    another computer would): returns once it holds the lock."""
    taken = threading.Event()

    def work() -> None:
        holding = Holding(desk, importing=team.both)
        taken.set()
        time.sleep(seconds)
        holding.release()

    threading.Thread(target=work, daemon=True).start()
    assert taken.wait(10)
    return taken


def test_a_write_whose_wait_ends_as_a_third_desk_takes_the_lock_waits_again_behind_the_dialog(
    qtbot: QtBot,
    three_desks: tuple[LedgerService, LedgerService, LedgerService, Team, Reception],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two desks wait for the same import (a window save and another desk's import, say): the
    import ends, the dialog sees the lock free and lets the write go, and in that instant the
    other waiting desk takes the lock. The write, asked for at once, waits again behind the
    dialog and goes through once the third desk is done (it had frozen the window for the
    lock's time-out and been refused)."""
    here, other, third, team, submitted = three_desks
    refusals: list[str] = []
    monkeypatch.setattr(operations, "show_ledger_error", lambda parent, exc, title: refusals.append(str(exc)))
    parent = QWidget()
    qtbot.addWidget(parent)
    first = Holding(other, importing=team.clerk)
    raced: list[bool] = []

    def busy() -> bool:
        found = here.writer_busy()
        if not found and not raced:  # free: the other waiting desk takes the lock right now
            raced.append(True)
            hold_in_thread(third, team, WAIT + 2)
        return found

    hub = ChangeHub(writer_busy=busy, writing_now=here.writing_now, at_once=here.at_once)  # as the window's
    QTimer.singleShot(700, first.release)
    started = time.monotonic()
    try:
        outcome = operations.run(
            lambda: here.approve(team.approver, submitted.id),
            parent=parent,
            hub=hub,
            title="未能审核",  # type: ignore[arg-type]
        )
    except db_module.DatabaseError as exc:  # (the window's excepthook shows it in a box)
        refusals.append(str(exc))
        outcome = operations.Outcome(False)
    finally:
        first.release()
    took = time.monotonic() - started
    assert raced
    assert refusals == [], f"refused after the window froze {took:.1f} s without a dialog: {refusals}"
    assert outcome.ok
    assert here.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]


def test_a_checked_import_whose_wait_ends_as_a_third_desk_takes_the_lock_is_not_thrown_away(
    three_desks: tuple[LedgerService, LedgerService, LedgerService, Team, Reception],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README: an import whose rows are checked "waits for another desk's import as long as it
    takes": a second waiting desk that takes the lock as it comes free is waited for too (the
    checked import had asked with the lock's 30 s time-out and been thrown away)."""
    here, other, third, team, _ = three_desks
    monkeypatch.setattr(db_module, "POLL_SECONDS", 0.05)
    first = Holding(other, importing=team.clerk)
    told: list[str] = []
    raced: list[bool] = []
    probe = here.db.writer_busy

    def busy() -> bool:
        found = probe()
        if not found and not raced:  # free: the other waiting desk takes the lock right now
            raced.append(True)
            hold_in_thread(third, team, WAIT + 2)
        return found

    monkeypatch.setattr(here.db, "writer_busy", busy)

    def waiting(doing: str) -> bool:
        told.append(doing)
        if len(told) == 3:
            first.release()
        return True

    try:
        outcomes = here.import_rows(team.clerk, _rows("甲县局"), waiting=waiting)
    except db_module.DatabaseError as exc:
        pytest.fail(f"a checked import that waited was thrown away: {exc}")
    finally:
        first.release()
    assert raced
    assert [o.ref for o in outcomes if o.ref]
    assert "甲县局" in {r.visiting_unit for r in here.receptions(LedgerQuery())}


def _rows(unit: str) -> list[ImportRow]:
    return [ImportRow(2, sample_reception(date(2025, 4, 1), unit=unit))]


def test_the_import_note_does_not_write_through_a_link_planted_in_the_shared_folder(
    service: LedgerService, team: Team, tmp_path: Path
) -> None:
    """A SQLite ledger shared by several desks lies in a folder every desk may write: a link
    planted at a name the note might be written under (``<ledger>-writing.<pid>``) is never
    written through; the note is written to a new file of its own, then renamed."""
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("the importing user's own file\n", encoding="utf-8")
    ledger_file = service.db.sqlite_file
    assert ledger_file is not None
    planted = ledger_file.with_name(f"{ledger_file.name}-writing.{os.getpid()}")
    planted.symlink_to(victim)
    with service.db.write() as s, ImportNote(service.db, s, team.clerk.id, 10) as note:
        note.update(5)
    assert victim.read_text(encoding="utf-8") == "the importing user's own file\n"


def test_pg_the_waiting_desk_is_told_the_imports_start_by_the_servers_clock(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the start the waiting desks read ("李会计 自 09:12 起") is the server's
    clock at the import's transaction start, not the importing computer's (3 hours slow here)."""
    importer, waiting = LedgerService(Database(pg_url)), LedgerService(Database(pg_url))
    try:
        team = make_team(importer)
        slow = datetime.now() - timedelta(hours=3)

        class SlowClock(datetime):
            @classmethod
            def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
                return slow if tz is None else slow.astimezone(tz)

        with importer.db.write() as s:
            monkeypatch.setattr(writing, "datetime", SlowClock)  # the importing computer's clock
            note = ImportNote(importer.db, s, team.clerk.id, 100)
            monkeypatch.undo()
            note.update(40)
            told = writing.current(waiting.db)
            note.__exit__(None)
        assert told is not None and told.since is not None
        off = abs((told.since - datetime.now()).total_seconds())
        assert off < 120, (
            f"told the import began at {told.since:%H:%M}, {off / 3600:.1f} h off: {told.text()}"
        )
    finally:
        importer.db.dispose()
        waiting.db.dispose()


def test_a_live_import_on_another_computer_is_told_though_the_waiting_desks_clock_is_off(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note written on another computer is judged stale against the times the file server gives
    the ledger's own files, never against the waiting desk's clock (5 minutes fast here): the
    note of an import storing its rows right now is believed."""
    ledger_file = service.db.sqlite_file
    assert ledger_file is not None
    path = ledger_file.with_name(ledger_file.name + "-writing")
    note = {
        "user_id": team.clerk.id,
        "done": 5,
        "total": 9,
        "since": datetime.now().isoformat(),
        "pid": 4242,
        "host": "another-desk",
    }
    path.write_text(json.dumps(note), encoding="utf-8")  # replaced just now, by the other computer
    assert "已处理 5 / 9 行" in service.writing_now()
    fast = time.time() + 300
    sleep = time.sleep

    class FastClock:
        @staticmethod
        def time() -> float:
            return fast

        @staticmethod
        def sleep(seconds: float) -> None:
            sleep(seconds)

    monkeypatch.setattr(writing, "time", FastClock)
    assert "李会计" in service.writing_now() and "已处理 5 / 9 行" in service.writing_now()


def test_a_fifo_planted_at_the_notes_scratch_name_does_not_hang_the_import_holding_the_lock(
    service: LedgerService, team: Team
) -> None:
    """A FIFO at a name the note might be written under does not hang the import holding the
    ledger's write lock (every desk would wait behind it)."""
    ledger_file = service.db.sqlite_file
    assert ledger_file is not None
    planted = ledger_file.with_name(f"{ledger_file.name}-writing.{os.getpid()}")
    os.mkfifo(planted)
    finished = threading.Event()

    def store() -> None:
        with service.db.write() as s, ImportNote(service.db, s, team.clerk.id, 10) as note:
            note.update(5)
        finished.set()

    worker = threading.Thread(target=store, daemon=True)
    worker.start()
    try:
        assert finished.wait(5), "the import hangs on the planted FIFO, holding the ledger's write lock"
    finally:
        if not finished.is_set():  # let the stuck writer go: open the FIFO's other end
            with open(planted, "rb") as reader:
                reader.read()
            worker.join(10)
