"""What an attacker found in backups (fix-backup): a backup written over the ledger itself,
automatic backups shared between ledgers, an upgrade without its safety copy, another ledger's
backup taken for an older one, and a rollup that leaves files behind or blames read-only."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from ledger import autonames
from ledger.backup import BackupError, OlderBackup, OtherLedgerBackup
from ledger.db import Database, DatabaseError
from ledger.records import LedgerQuery
from ledger.rollup import rollup
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, Team, downgrade_ledger, make_team, sample_reception

ADMIN = ("--user", "admin", "--password", PASSWORD)


def _receptions(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count = conn.execute("SELECT count(*) FROM receptions").fetchone()[0]
    conn.close()
    return int(count)


def _previous_version(path: Path) -> None:
    """Turn the ledger at ``path`` into one of the previous version (as an older program left it)."""
    downgrade_ledger(f"sqlite:///{path}", "0005")


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    conn.close()
    return str(revision)


# ---------------------------------------------------------------------------- 1. the ledger itself
def test_a_backup_over_the_ledger_itself_is_refused_by_every_name(
    tmp_path: Path, service: LedgerService, team: Team, db_url: str
) -> None:
    service.save(team.clerk, sample_reception())
    ledger = Path(db_url.removeprefix("sqlite:///"))
    link = tmp_path / "link.sqlite3"
    link.symlink_to(ledger)
    hard = tmp_path / "hard.sqlite3"
    os.link(ledger, hard)
    before = ledger.stat().st_ino
    for target in (ledger, link, hard, Path(f"{ledger}-wal"), Path(f"{ledger}-shm"), tmp_path / "." / ledger.name):
        with pytest.raises(BackupError, match="^备份文件不能是账本本身（.*）：请另选一个文件名或文件夹；账本未改动$"):
            service.backup(target)
    assert ledger.stat().st_ino == before and _receptions(ledger) == 1  # never renamed over
    service.backup(tmp_path / "elsewhere.sqlite3")  # any other name is fine


def test_cli_backup_over_the_ledger_is_refused_and_writes_go_on(tmp_path: Path, db_url: str) -> None:
    db = Database(db_url)
    service = LedgerService(db)
    team = make_team(service)
    ledger = Path(db_url.removeprefix("sqlite:///"))
    done = run_cli("--db", str(ledger), "backup", "-o", str(ledger))
    assert done.returncode == 2 and "备份文件不能是账本本身" in done.stderr
    assert done.stderr.count("\n") == 1
    service.save(team.clerk, sample_reception())  # the ledger still takes writes, on the same file
    db.dispose()
    assert _receptions(ledger) == 1


# ---------------------------------------------------------------------------- 2. whose backups
def _ledger(folder: Path) -> tuple[LedgerService, Team]:
    folder.mkdir(parents=True, exist_ok=True)
    service = LedgerService(Database(f"sqlite:///{folder / 'ledger.sqlite3'}"))
    return service, make_team(service)


def test_two_ledgers_of_one_name_share_a_backup_folder_but_not_their_backups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(shared))
    a, _ = _ledger(tmp_path / "a")
    b, _ = _ledger(tmp_path / "b")
    day = datetime(2025, 3, 1, 17, 0)
    a.clock = b.clock = lambda: day
    made_a = a.auto_backup()
    made_b = b.auto_backup()  # A's copy of the day is not B's
    assert made_a is not None and made_b is not None and made_a != made_b
    assert [x.path for x in a.automatic_backups()] == [made_a]
    assert [x.path for x in b.automatic_backups()] == [made_b]
    # a month of A's copies: the rotation removes only A's, never B's
    for n in range(1, 40):
        moment = day + timedelta(days=n)
        a.clock = lambda moment=moment: moment
        a.auto_backup()
    assert made_b.is_file() and [x.path for x in b.automatic_backups()] == [made_b]
    assert len(a.automatic_backups()) == 11
    a.db.dispose()
    b.db.dispose()


def test_two_servers_with_a_database_of_one_name_are_two_ledgers() -> None:
    one = autonames.new_path("postgresql+psycopg://u@server-a:5432/ledger", "每日", datetime(2025, 3, 1))
    two = autonames.new_path("postgresql+psycopg://u@server-b:5432/ledger", "每日", datetime(2025, 3, 1))
    other_port = autonames.identity("postgresql+psycopg://u@server-a:5433/ledger")
    assert one.parent == two.parent and one.name != two.name
    assert one.name.startswith("ledger-") and autonames.identity("postgresql+psycopg://x@server-a:5432/ledger") in one.name
    assert other_port not in one.name


def test_postgres_backups_are_named_by_the_server_and_database(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(tmp_path / "auto"))
    (tmp_path / "auto").mkdir()
    db = Database(pg_url)
    service = LedgerService(db)
    service.clock = lambda: datetime(2025, 3, 1, 17, 0)
    # a copy of a same-named database on another server, in the same folder
    stranger = autonames.new_path(pg_url.replace("127.0.0.1", "192.0.2.1"), "每日", service.clock())
    stranger.write_bytes(b"")
    # named as before, by the database name alone: whose it is cannot be told, so it is not ours
    old_name = tmp_path / "auto" / f"{autonames.readable_name(db.url)}-每日-20250301-120000.sqlite3"
    old_name.write_bytes(b"")
    made = service.auto_backup()  # neither copy of the day is this ledger's
    assert made is not None and [b.path for b in service.automatic_backups()] == [made]
    assert stranger.is_file() and old_name.is_file()
    assert made.name.split("-")[0] == stranger.name.split("-")[0]
    db.dispose()


def test_copies_named_before_are_listed_only_where_they_can_only_be_this_ledgers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEDGER_AUTO_BACKUP_DIR", raising=False)
    service, _ = _ledger(tmp_path / "a")
    beside = tmp_path / "a" / "自动备份"
    beside.mkdir()
    old = beside / "ledger-每日-20250301-170000.sqlite3"
    service.backup(old)
    listed = service.automatic_backups()
    assert [(b.path, b.legacy) for b in listed] == [(old, True)]
    # the rotation of the new copies never removes it
    start = datetime(2025, 3, 2, 17, 0)
    for n in range(30):
        moment = start + timedelta(days=n)
        service.clock = lambda moment=moment: moment
        service.auto_backup()
    assert old.is_file() and old in [b.path for b in service.automatic_backups()]
    # another ledger file of the same name beside it: whose the old copy is, is unknown
    (tmp_path / "a" / "ledger.db").write_bytes(b"")
    assert old not in [b.path for b in service.automatic_backups()]
    (tmp_path / "a" / "ledger.db").unlink()
    # a shared folder: old names are ignored
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(beside))
    other, _ = _ledger(tmp_path / "b")
    assert old not in [b.path for b in other.automatic_backups()]
    service.db.dispose()
    other.db.dispose()


# ---------------------------------------------------------------------------- 3. the upgrade's copy
def test_no_upgrade_without_its_safety_copy(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(db_url.removeprefix("sqlite:///"))
    _previous_version(path)
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", "/proc/nope")
    with pytest.raises(DatabaseError) as refused:
        Database(db_url)
    message = str(refused.value)
    assert "无法先做升级前的安全备份（/proc/nope：" in message and "未升级" in message
    assert "\n" not in message
    assert _revision(path) == "0005"
    done = run_cli("--db", str(path), "verify", env={"LEDGER_AUTO_BACKUP_DIR": "/proc/nope"})
    assert done.returncode == 2 and "无法先做升级前的安全备份" in done.stderr
    assert done.stderr.count("\n") == 1
    assert _revision(path) == "0005"
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(tmp_path / "auto"))
    Database(db_url).dispose()  # with a folder it can write, the upgrade goes ahead
    assert _revision(path) != "0005" and len(list((tmp_path / "auto").glob("ledger-*-升级前-*"))) == 1


# ---------------------------------------------------------------------------- 4. another ledger
def _two_bureaus(tmp_path: Path) -> tuple[LedgerService, Team, Path]:
    """A bureau's ledger in use, and another bureau's backup (fewer entries, another history)."""
    mine, team = _ledger(tmp_path / "mine")
    for i in range(5):
        mine.save(team.clerk, sample_reception(unit=f"来访单位{i}"))
    assert mine.verify().ok  # this machine has seen all of it
    theirs, their_team = _ledger(tmp_path / "theirs")
    theirs.save(their_team.clerk, sample_reception(unit="别的局"))
    backup = tmp_path / "theirs.sqlite3"
    theirs.backup(backup)
    theirs.db.dispose()
    return mine, team, backup


def test_another_ledgers_backup_is_called_so_and_needs_its_own_confirmation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(tmp_path / "auto"))
    mine, team, theirs = _two_bureaus(tmp_path)
    with pytest.raises(OtherLedgerBackup) as refused:
        mine.restore(team.admin, theirs, replace_existing=True, accept_older=True)  # --accept-older is not it
    message = str(refused.value)
    assert "另一个账本的备份" in message and "--other-ledger" in message
    assert "少" not in message and "--accept-older" not in message
    assert mine.count_and_total(LedgerQuery())[0] == 5
    done = mine.restore(team.admin, theirs, replace_existing=True, accept_other=True)
    assert "另一个账本的备份" in done.other and not done.older
    assert [r.visiting_unit for r in mine.receptions()] == ["别的局"]
    assert "另一个账本的备份" in mine.history()[-1].comment
    # undoing it (the copy saved before) is this ledger again: no confirmation needed
    assert done.auto_backup is not None
    back = mine.restore(team.admin, done.auto_backup, replace_existing=True)
    assert not back.other and mine.count_and_total(LedgerQuery())[0] == 5
    mine.db.dispose()


def test_this_ledgers_older_backup_is_still_older(tmp_path: Path, service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception())
    older = tmp_path / "older.sqlite3"
    service.backup(older)
    service.save(team.clerk, sample_reception(unit="后来的"))
    assert service.verify().ok
    with pytest.raises(OlderBackup):
        service.restore(team.admin, older, replace_existing=True)


def test_cli_restore_of_another_ledger(tmp_path: Path) -> None:
    env = {"LEDGER_AUTO_BACKUP_DIR": str(tmp_path / "auto")}
    mine, _, theirs = _two_bureaus(tmp_path)
    ledger = str(tmp_path / "mine" / "ledger.sqlite3")
    mine.db.dispose()
    refused = run_cli("restore", str(theirs), "--replace", "--accept-older", "--db", ledger, *ADMIN, env=env)
    assert refused.returncode == 2 and "另一个账本的备份" in refused.stderr
    assert "--other-ledger" in refused.stderr and refused.stderr.count("\n") == 1
    assert _receptions(Path(ledger)) == 5
    done = run_cli("restore", str(theirs), "--replace", "--other-ledger", "--db", ledger, *ADMIN, env=env)
    assert done.returncode == 0, done.stderr
    assert "另一个账本的备份" in done.stdout and "被替换的账本已自动备份到" in done.stdout
    assert _receptions(Path(ledger)) == 1


# ---------------------------------------------------------------------------- 5. rollup
def test_rollup_says_a_previous_version_needs_an_upgrade(db_url: str, tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite3"
    shutil.copyfile(db_url.removeprefix("sqlite:///"), older)
    _previous_version(older)
    [row] = rollup([str(older)], 2025, date(2025, 12, 31))
    assert row.error is not None and "需要升级" in row.error and "只读" not in row.error.split("（")[0]
    assert "账本文件是只读的" not in row.error
    assert _revision(older) == "0005"


def test_rollup_leaves_no_files_beside_the_ledgers(service: LedgerService, team: Team, db_url: str) -> None:
    service.save(team.clerk, sample_reception(on=date(2025, 3, 5)))
    service.db.dispose()
    ledger = Path(db_url.removeprefix("sqlite:///"))
    assert not Path(f"{ledger}-wal").exists() and not Path(f"{ledger}-shm").exists()
    [row] = rollup([str(ledger)], 2025, date(2025, 12, 31))
    assert row.error is None
    assert sorted(p.name for p in ledger.parent.iterdir() if p.name.startswith(ledger.name)) == [ledger.name]


def test_rollup_sees_a_desks_latest_commit(service: LedgerService, team: Team, db_url: str) -> None:
    """While a desk has the ledger open (its -wal holds commits), the rollup shares its files."""
    r = service.save(team.clerk, sample_reception(on=date(2025, 3, 5)))
    service.approve(team.approver, service.submit(team.clerk, r).id)  # type: ignore[arg-type]
    ledger = Path(db_url.removeprefix("sqlite:///"))
    assert Path(f"{ledger}-wal").exists()
    [row] = rollup([str(ledger)], 2025, date(2025, 12, 31))
    assert row.error is None and row.disclosure is not None and row.disclosure.batches == 1


def test_rollup_reads_again_when_a_desk_saved_during_its_read(
    service: LedgerService, team: Team, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import rollup as rollup_module

    r = service.save(team.clerk, sample_reception(on=date(2025, 3, 5)))
    service.approve(team.approver, service.submit(team.clerk, r).id)  # type: ignore[arg-type]
    service.save(team.clerk, sample_reception(on=date(2025, 3, 6)))
    service.db.dispose()  # nobody has the ledger open: it is read as the file it is
    ledger = Path(db_url.removeprefix("sqlite:///"))
    real_read = rollup_module._read
    calls: list[str] = []
    desks: list[sqlite3.Connection] = []

    def read_while_a_desk_saves(db: Database, *args: object) -> object:
        calls.append(db.access)
        figures = real_read(db, *args)  # type: ignore[arg-type]
        if len(calls) == 1:  # a desk opens the ledger and commits meanwhile (and stays open)
            desk = sqlite3.connect(ledger, isolation_level=None)
            desk.execute("PRAGMA journal_mode=WAL")
            desk.execute(
                "UPDATE receptions SET (status, submitted_at, approved_by, approved_at) = "
                "(SELECT status, submitted_at, approved_by, approved_at FROM receptions WHERE ref = 'JD-2025-0001') "
                "WHERE ref = 'JD-2025-0002'"
            )
            desks.append(desk)
        return figures

    monkeypatch.setattr(rollup_module, "_read", read_while_a_desk_saves)
    [row] = rollup([str(ledger)], 2025, date(2025, 12, 31))
    desks[0].close()
    assert calls == ["immutable", "ro"]
    assert row.error is None and row.disclosure is not None and row.disclosure.batches == 2


def test_two_spellings_of_one_server_ledger_share_one_backup_series() -> None:
    from ledger.autonames import identity

    assert identity("postgresql://postgres@127.0.0.1/ledger") == identity(
        "postgresql+psycopg://postgres@localhost:5432/ledger"
    )
    assert identity("postgresql://postgres@127.0.0.1/ledger") != identity("postgresql://postgres@10.0.0.2/ledger")
