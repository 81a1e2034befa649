"""Automatic backups: once a day, 7 daily and 4 weekly copies kept, before a restore and a
migration, and the weekly reminder for an administrator (issue 12)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger import autobackup
from ledger.db import Database, copy_before_migration
from ledger.service import LedgerService
from tests.conftest import Team, downgrade_ledger, sample_reception


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "auto"
    monkeypatch.setenv("LEDGER_AUTO_BACKUP_DIR", str(target))
    return target


def test_at_most_once_a_day(service: LedgerService, team: Team, folder: Path) -> None:
    day = datetime(2025, 3, 1, 17, 0)
    service.clock = lambda: day
    first = service.auto_backup()
    assert first is not None and first.parent == folder and "每日-20250301" in first.name
    assert service.auto_backup() is None  # the window closed again the same day
    listed = service.automatic_backups()
    assert [(b.kind, b.at) for b in listed] == [("每日", day)]
    # the copy is a whole ledger
    with sqlite3.connect(first) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 4


def test_rotation_keeps_7_daily_and_4_weekly(service: LedgerService, team: Team, folder: Path) -> None:
    start = datetime(2025, 1, 1, 18, 0)  # a Wednesday
    for n in range(60):
        moment = start + timedelta(days=n)
        service.clock = lambda moment=moment: moment
        assert service.auto_backup() is not None
    kept = sorted(b.at.date() for b in service.automatic_backups())
    last = (start + timedelta(days=59)).date()
    daily = [last - timedelta(days=i) for i in range(7)]
    assert set(daily) <= set(kept)
    weekly = [d for d in kept if d not in daily]
    assert len(weekly) == 4 and len(kept) == 11
    # one per week, each the newest of its week, in the weeks just before the daily copies
    weeks = [d.isocalendar()[:2] for d in weekly]
    assert len(set(weeks)) == 4
    assert all(d.weekday() == 6 for d in weekly)  # Sunday: the newest of its week


def test_keep_never_removes_copies_made_before_a_restore(folder: Path) -> None:
    files = [
        autobackup.BackupFile(Path(f"x-每日-{i}"), datetime(2025, 1, 1) + timedelta(days=i), "每日", 1)
        for i in range(40)
    ]
    files.append(autobackup.BackupFile(Path("x-恢复前"), datetime(2024, 1, 1), "恢复前", 1))
    kept = autobackup.keep(files)
    assert Path("x-恢复前") not in kept  # not a daily copy: rotate() leaves it alone
    assert len(kept) == 11


def test_restore_saves_the_replaced_ledger_first(
    service: LedgerService, team: Team, folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    service.backup(copy)
    service.save(team.clerk, sample_reception(unit="恢复后会消失"))
    service.authenticate("admin", "secret123")
    done = service.restore(team.admin, copy, replace_existing=True)
    assert done.auto_backup is not None and done.auto_backup.parent == folder
    assert [b.kind for b in service.automatic_backups()] == ["恢复前"]


def test_migration_copies_the_old_ledger_first(tmp_path: Path, folder: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.dispose()
    downgrade_ledger(f"sqlite:///{path}", "0005")  # as a ledger of an earlier version
    Database(f"sqlite:///{path}").dispose()  # opening upgrades it
    copies = list(folder.glob("old-*-升级前-*.sqlite3"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"
    assert copy_before_migration("sqlite:///:memory:") is None


def test_reminder_for_an_administrator_after_a_week(service: LedgerService, team: Team, folder: Path) -> None:
    now = datetime.now()
    service.clock = lambda: now + timedelta(days=8)
    assert "还没有备份过" in service.backup_reminder(team.admin)
    assert service.backup_reminder(team.clerk) == ""
    service.clock = lambda: now + timedelta(days=1)
    service.auto_backup()
    service.clock = lambda: now + timedelta(days=3)
    assert service.backup_reminder(team.admin) == ""
    service.clock = lambda: now + timedelta(days=9)
    assert "已有 8 天没有备份" in service.backup_reminder(team.admin)
