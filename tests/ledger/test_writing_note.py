"""While an import stores its rows under the write lock, a waiting desk can read who imports,
since when and how far (ledger.writing), on SQLite and PostgreSQL; a note left by a killed
import is not believed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

import ledger.importing as importing
from ledger.records import ImportRow
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


def rows(n: int) -> list[ImportRow]:
    return [
        ImportRow(i + 2, sample_reception(date(2025, 1, 1) + timedelta(days=i), unit=f"邻县{i}局"))
        for i in range(n)
    ]


def test_a_waiting_desk_reads_who_imports_and_how_far(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)  # spooled a row at a time,
    monkeypatch.setattr(importing, "_STORE_BATCH", 3)  # stored three at a time
    seen: list[tuple[bool, str]] = []

    def progress(done: int, total: int) -> bool:
        if done > 10:  # the storing: the rows were checked (10), now they are stored
            seen.append((other.writer_busy(), other.writing_now()))
        return True

    assert other.writing_now() == ""
    importer.import_rows(team.clerk, rows(10), progress=progress)
    assert seen, "the storing was never seen"
    busy, note = seen[0]
    assert busy
    assert note.startswith(team.clerk.label) and "正在导入接待，已处理 3 / 10 行" in note
    assert "自 " in note and " 起" in note
    assert "已处理 9 / 10 行" in seen[-2][1]
    # done: the lock and the note are gone with the commit
    assert not other.writer_busy() and other.writing_now() == ""
    if other.db.sqlite_file is not None:
        assert not Path(f"{other.db.sqlite_file}-writing").exists()


def test_a_failed_import_leaves_no_note(two_desks: tuple[LedgerService, LedgerService, Team]) -> None:
    importer, other, team = two_desks

    def fail(done: int, total: int) -> bool:
        if done > 2:
            raise RuntimeError("the disk went away")
        return True

    with pytest.raises(RuntimeError):
        importer.import_rows(team.clerk, rows(2), progress=fail)
    assert other.writing_now() == "" and not other.writer_busy()
    with importer.db.write():  # the session that imported writes again, named no import
        assert other.writing_now() == ""


def note_of(service: LedgerService, **changes: object) -> Path:
    assert service.db.sqlite_file is not None
    path = Path(f"{service.db.sqlite_file}-writing")
    note = {"user_id": 1, "done": 5, "total": 9, "since": "2026-11-30T09:12:00", "pid": os.getpid(), "host": socket.gethostname()}
    path.write_text(json.dumps(note | changes), encoding="utf-8")
    return path


def test_a_note_left_by_a_killed_import_is_not_believed(service: LedgerService, team: Team) -> None:
    assert service.writing_now() == ""
    note_of(service)  # this process: alive
    assert "自 09:12 起正在导入接待，已处理 5 / 9 行" in service.writing_now()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    note_of(service, pid=int(dead.stdout))
    assert service.writing_now() == ""
    # written on another computer: believed while it is replaced, not once two minutes old
    path = note_of(service, host="another-desk", pid=1)
    assert "已处理 5 / 9 行" in service.writing_now()
    old = time.time() - 180
    os.utime(path, (old, old))
    assert service.writing_now() == ""
    path.write_text("{not json", encoding="utf-8")
    assert service.writing_now() == ""


def test_a_write_that_waited_in_vain_says_who_imports(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import db as db_module
    from ledger.db import Database, LedgerBusy
    from ledger.writing import ImportNote

    importer, other, team = two_desks
    monkeypatch.setattr(db_module, "WAIT_SECONDS", 1)  # read as a desk opens the ledger
    waiting = LedgerService(Database(other.db.url))
    with importer.db.write() as session, ImportNote(importer.db, session, team.clerk.id, 50) as note:
        note.update(20)
        with pytest.raises(LedgerBusy) as refused:
            waiting.save(team.clerk, sample_reception(date(2025, 6, 1)))
    waiting.db.dispose()
    assert str(refused.value).startswith("账本正由另一处写入（如导入），请稍后再试（李会计 自 ")
    assert str(refused.value).endswith("正在导入接待，已处理 20 / 50 行）")
