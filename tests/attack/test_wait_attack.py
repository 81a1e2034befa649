"""Attacks on the wait for another desk's write (ui.operations.wait_for_writer,
Database.writer_busy) and on the note an import leaves for the waiting desks (ledger.writing)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ledger.db import Database
from ledger.service import LedgerService
from ledger.writing import ImportNote
from tests.conftest import Team, _postgres_admin_engine, make_team, new_pg_database


@pytest.fixture
def second_pg_url(pg_url: str) -> Iterator[str]:
    """Another ledger on the same PostgreSQL server (as a county keeps its bureaus' ledgers)."""
    with new_pg_database() as url:
        yield url


def test_pg_an_import_into_another_ledger_on_the_server_is_not_told_as_this_ledgers(
    pg_url: str, second_pg_url: str
) -> None:
    """Advisory locks belong to one database: a desk of ledger A is not told of an import into
    ledger B on the same server (it had been, with B's progress and a name looked up in A by
    B's user id), neither when nobody writes A nor when an ordinary save holds A's lock."""
    here = LedgerService(Database(pg_url))
    other_a = LedgerService(Database(pg_url))
    ledger_b = LedgerService(Database(second_pg_url))
    try:
        make_team(here)
        team_b = make_team(ledger_b)
        assert here.writing_now() == ""
        with ledger_b.db.write() as s_b, ImportNote(ledger_b.db, s_b, team_b.clerk.id, 100_000) as note:
            note.update(42_000)
            # ledger A itself: nobody writes, and then an ordinary save holds its lock
            nobody = here.writing_now()
            with other_a.db.write():
                assert here.writer_busy()
                told = here.writing_now()
        assert nobody == "", f"nobody writes ledger A, yet it says: {nobody!r}"
        assert told == "", f"an ordinary save holds ledger A, yet it says: {told!r}"
    finally:
        for service in (here, other_a, ledger_b):
            service.db.dispose()


def test_pg_an_import_gives_the_desk_its_own_application_name_back(pg_url: str) -> None:
    """A desk named in its URL (``?application_name=...``, how an administrator tells the desks
    apart in pg_stat_activity) keeps its name after it imported (the note had set it to '')."""
    db = Database(pg_url + "?application_name=desk-7")
    service = LedgerService(db)
    try:
        team = make_team(service)
        with db.read() as s:
            assert s.execute(text("SHOW application_name")).scalar() == "desk-7"
        with db.write() as s, ImportNote(db, s, team.clerk.id, 10) as note:
            note.update(10)
        with db.engine.connect() as c:
            names = (
                c.execute(
                    text("SELECT application_name FROM pg_stat_activity WHERE datname = current_database()")
                )
                .scalars()
                .all()
            )
        assert names and all(name == "desk-7" for name in names), names
    finally:
        db.dispose()


def _legacy_copy(db: Database) -> Path:
    assert db.sqlite_file is not None
    folder = db.sqlite_file.parent / "自动备份"
    folder.mkdir(exist_ok=True)
    old = folder / f"{db.sqlite_file.stem}-每日-20250301-170000.sqlite3"
    return old


def test_a_note_left_by_a_killed_import_does_not_hide_the_old_automatic_backups(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies named before copies carried the ledger's identity are listed only when no other
    file beside the ledger bears its name (autobackup._legacy_is_ours): the note an import keeps
    beside the ledger (``ledger.sqlite3-writing``), even one left behind by a killed import, does
    not count as such a file (the restore list had lost the old copies)."""
    import signal
    import subprocess
    import sys

    monkeypatch.delenv("LEDGER_AUTO_BACKUP_DIR", raising=False)
    service = LedgerService(Database(db_url))
    try:
        team = make_team(service)
        old = _legacy_copy(service.db)
        service.backup(old)
        assert [b.path for b in service.automatic_backups()] == [old]
        # an import in another process, killed (kill -9) while storing its rows
        script = (
            "import sys, time\n"
            "from ledger.db import Database\n"
            "from ledger.writing import ImportNote\n"
            "db = Database(sys.argv[1])\n"
            "with db.write() as s, ImportNote(db, s, int(sys.argv[2]), 1000) as note:\n"
            "    note.update(400)\n"
            "    print('storing', flush=True)\n"
            "    time.sleep(60)\n"
        )
        child = subprocess.Popen(
            [sys.executable, "-c", script, db_url, str(team.clerk.id)],
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        )
        try:
            assert child.stdout is not None and child.stdout.readline().strip() == "storing"
            assert service.writer_busy() and "已处理 400 / 1,000 行" in service.writing_now()
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert not service.writer_busy() and service.writing_now() == ""  # held: not believed
        assert Path(f"{service.db.sqlite_file}-writing").exists()  # left behind
        listed = [b.path for b in service.automatic_backups()]
        assert listed == [old], f"the copy of 2025-03-01 is no longer listed: {listed}"
    finally:
        service.db.dispose()


def test_a_fifo_named_like_the_note_is_not_read(service: LedgerService, team: Team) -> None:
    """A FIFO (or a link to /dev/zero) at ``<ledger>-writing`` is not read: it had blocked (or
    filled memory) in the window's thread, every 300 ms of the wait dialog. A note is a
    courtesy and never hangs the desk that reads it."""
    assert service.db.sqlite_file is not None
    note = Path(f"{service.db.sqlite_file}-writing")
    os.mkfifo(note)
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.append(service.writing_now()), daemon=True)
    reader.start()
    reader.join(3)
    hung = reader.is_alive()
    if hung:  # let it go
        fd = os.open(note, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        reader.join(3)
    assert not hung, "LedgerService.writing_now() was still reading the note after 3 s"
    assert said == [""]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_window_closes_at_once_while_another_desk_imports(
    qtbot, backend: str, db_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "Anything that writes asks first" (README), the day's automatic backup the window makes
    as it closes included (BackupActions.on_close -> auto_backup -> autobackup.mark): while
    another desk imports, the window closes at once (it froze for WAIT_SECONDS, 10 s here: far
    from the bar, so a loaded machine's slowness is not taken for a freeze)."""
    from ledger import db as db_module
    from ui.main_window import MainWindow

    monkeypatch.delenv("LEDGER_AUTO_BACKUP_DIR", raising=False)
    if backend == "sqlite":
        url = db_url
    else:
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv(
            "LEDGER_AUTO_BACKUP_DIR", str(Path(db_url.removeprefix("sqlite:///")).parent / "auto")
        )
    from ledger import autobackup

    monkeypatch.setattr(db_module, "WAIT_SECONDS", 10)  # read as a desk opens the ledger
    monkeypatch.setattr(autobackup, "CLOSING_WAIT", 0.3)  # (2 s: another desk's save is over by then)
    here, other = LedgerService(Database(url)), LedgerService(Database(url))
    try:
        team = make_team(here)
        window = MainWindow(here, team.admin)
        qtbot.addWidget(window)
        window.show()
        with other.db.write() as s, ImportNote(other.db, s, team.clerk.id, 100_000) as note:
            note.update(42_000)
            assert here.writer_busy()
            started = time.monotonic()
            window.close()
            took = time.monotonic() - started
        assert took < 5, f"the window took {took:.1f} s to close, frozen behind the other desk's import"
    finally:
        here.db.dispose()
        other.db.dispose()


def test_pg_desks_logging_in_as_their_own_roles_are_told_since_when(pg_url: str) -> None:
    """pg_stat_activity shows xact_start of another role's session only to a superuser or a
    member of pg_read_all_stats: where each desk connects as a role of its own, the waiting
    desk is still told "自 09:12 起" (the start travels in the note itself)."""
    from sqlalchemy import create_engine

    admin = _postgres_admin_engine()
    tag = uuid.uuid4().hex[:8]
    importer_role, waiting_role = f"desk_a_{tag}", f"desk_b_{tag}"
    database = pg_url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        for role in (importer_role, waiting_role):
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'ALTER DATABASE "{database}" OWNER TO "{importer_role}"'))
    owner = create_engine(pg_url.replace("postgres@", f"{importer_role}@"))
    services: list[LedgerService] = []
    try:
        with create_engine(pg_url).begin() as conn:
            conn.execute(text(f'GRANT ALL ON SCHEMA public TO "{importer_role}", "{waiting_role}"'))
        importer = LedgerService(Database(pg_url.replace("postgres@", f"{importer_role}@")))
        services.append(importer)
        team = make_team(importer)
        with create_engine(pg_url).begin() as conn:
            conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{waiting_role}"'))
            conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{waiting_role}"'))
        waiting = LedgerService(Database(pg_url.replace("postgres@", f"{waiting_role}@")))
        services.append(waiting)
        with importer.db.write() as s, ImportNote(importer.db, s, team.clerk.id, 100) as note:
            note.update(40)
            told = waiting.writing_now()
        assert told.startswith("李会计 自 ") and told.endswith("正在导入接待，已处理 40 / 100 行"), told
    finally:
        for service in services:
            service.db.dispose()
        owner.dispose()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": database},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            for role in (importer_role, waiting_role):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
