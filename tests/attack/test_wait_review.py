"""The wait for another desk's write, as a review found it: a backup's mark and a note that
cannot be read."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from ledger.db import Database
from ledger.models import BackupMarkRow
from ledger.records import ImportRow
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


def _hold_for(service: LedgerService, seconds: float) -> threading.Thread:
    """An ordinary save on another desk: the write lock held for ``seconds``."""
    started = threading.Event()

    def hold() -> None:
        with service.db.write():
            started.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert started.wait(5)
    return thread


def test_a_manual_backup_made_while_another_desk_saves_for_a_moment_is_remembered(
    two_desks: tuple[LedgerService, LedgerService, Team], tmp_path: Path
) -> None:
    """Only the closing window's automatic backup gives up its mark behind another desk's write
    (README): a manual backup (window or `backup`) made while another desk saves for half a
    second keeps it, so the weekly reminder does not nag about a backup that was made."""
    here, other, _team = two_desks
    thread = _hold_for(other, 0.5)
    here.backup(tmp_path / "copy.sqlite3")
    thread.join()
    with here.db.read() as s:
        kinds = s.scalars(select(BackupMarkRow.kind)).all()
    assert "manual" in kinds, kinds


def test_a_note_that_cannot_be_read_does_not_stop_a_checked_import(
    db_url: str, team: Team, service: LedgerService
) -> None:
    """The note is a courtesy: one whose reading fails (here a user id SQLite cannot bind) does
    not throw away a checked import that waits for the lock (import_rows(waiting=...))."""
    other = LedgerService(Database(db_url))
    try:
        assert service.db.sqlite_file is not None
        note = Path(f"{service.db.sqlite_file}-writing")
        note.write_text(
            json.dumps(
                {"user_id": 2**70, "done": 1, "total": 2, "since": "2026-01-01T09:00:00",
                 "pid": os.getpid(), "host": socket.gethostname()}
            ),
            encoding="utf-8",
        )
        thread = _hold_for(other, 1.0)
        rows = [ImportRow(2, sample_reception(date(2025, 1, 1) + timedelta(days=1), unit="邻县局"))]
        said: list[str] = []
        outcomes = service.import_rows(team.clerk, rows, waiting=lambda doing: said.append(doing) or True)
        thread.join()
        assert len(outcomes) == 1 and said
    finally:
        other.db.dispose()

