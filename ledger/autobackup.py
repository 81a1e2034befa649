"""Automatic backups: when the window closes (at most once a day), before every restore and
before a migration, into the automatic backup folder (自动备份) of the ledger; the last 7
daily and 4 weekly copies are kept. On PostgreSQL the server's own dump (pg_dump) is the real
backup; the program reminds an administrator when no backup was made for a week.

A backup's ledger, kind and moment are in its name: ``台账-3f2a9c1e-每日-20250301-174500.sqlite3``
(the readable name, then a short hash of the ledger's full location, see ledger.autonames), so
ledgers sharing a folder or a name never see or rotate each other's copies. Copies named before
that (``台账-每日-…``) are still listed for a SQLite ledger in its own folder beside it when no
other ledger file there bears its name, and are never removed by the rotation; anywhere else
(a shared ``LEDGER_AUTO_BACKUP_DIR``, PostgreSQL) they are ignored: whose they are is unknown.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ledger import autonames, backup
from ledger.db import Database, DatabaseError
from ledger.i18n import tr
from ledger.models import BackupMarkRow, HistoryRow

KEEP_DAILY, KEEP_WEEKLY = 7, 4
REMIND_AFTER = timedelta(days=7)
DAILY, BEFORE_RESTORE, BEFORE_MIGRATION, MANUAL = "每日", "恢复前", "升级前", "手动"
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<id>[0-9a-f]{8})-(?P<kind>每日|恢复前|升级前)-(?P<at>\d{8}-\d{6})(?:-\d+)?\.sqlite3$"
)
_LEGACY = re.compile(r"^(?P<stem>.+)-(?P<kind>每日|恢复前|升级前)-(?P<at>\d{8}-\d{6})(?:-\d+)?\.sqlite3$")


@dataclass(frozen=True)
class BackupFile:
    path: Path
    at: datetime
    kind: str
    size: int
    legacy: bool = False  # named before copies carried the ledger's identity: never rotated


def folder_of(db: Database) -> Path:
    """The automatic backup folder: beside a SQLite ledger, else in the user's data folder
    (``LEDGER_AUTO_BACKUP_DIR`` replaces either)."""
    return autonames.folder(db.url)


def _legacy_is_ours(db: Database, folder: Path) -> bool:
    """Whether copies named by the file's stem alone can only be this ledger's: a SQLite ledger,
    its own folder beside it, and no other file there bearing the same stem."""
    ledger = autonames.sqlite_file(db.url)
    if ledger is None or folder != ledger.parent / autonames.AUTO_FOLDER:
        return False
    try:
        namesakes = [
            p
            for p in ledger.parent.glob(f"{_glob_escape(ledger.stem)}.*")
            if p != ledger
            and not p.name.endswith(autonames.SQLITE_SUFFIXES)
            and not p.name.startswith(ledger.name + autonames.NOTE_SUFFIX)  # an import's note
        ]
    except OSError:
        return False
    return not namesakes


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def backups(db: Database) -> list[BackupFile]:
    """This ledger's automatic backups, newest first."""
    folder = folder_of(db)
    stem, ident = autonames.readable_name(db.url), autonames.identity(db.url)
    found = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    legacy_ok: bool | None = None
    for entry in entries:
        match = _NAME.match(entry.name)
        legacy = False
        if match is None or match["id"] != ident:
            match = _LEGACY.match(entry.name)
            if match is None or match["stem"] != stem:
                continue
            if legacy_ok is None:
                legacy_ok = _legacy_is_ours(db, folder)
            if not legacy_ok:
                continue
            legacy = True
        try:
            found.append(
                BackupFile(
                    entry,
                    datetime.strptime(match["at"], "%Y%m%d-%H%M%S"),
                    match["kind"],
                    entry.stat().st_size,
                    legacy,
                )
            )
        except (ValueError, OSError):
            continue
    return sorted(found, key=lambda b: b.at, reverse=True)


def _path(db: Database, kind: str, now: datetime) -> Path:
    return autonames.new_path(db.url, kind, now)


def daily(db: Database, now: datetime) -> Path | None:
    """The day's backup, unless one was made today; then the rotation. None when not due."""
    if any(b.kind == DAILY and b.at.date() == now.date() for b in backups(db)):
        return None
    path = _path(db, DAILY, now)
    backup.write_backup(db, path)
    mark(db, now, "auto", path, wait=False)  # the window is closing
    rotate(db, now)
    return path


CLOSING_WAIT = 2.0  # seconds a closing window's backup mark waits for another desk's write


def mark(db: Database, now: datetime, kind: str, where: Path | str, *, wait: bool = True) -> None:
    """Remember that a backup was made (any desk sees it: the weekly reminder). Without
    ``wait`` (a closing window) the mark waits two seconds for another desk's write at most,
    then is left out: not worth a 30 s freeze behind an import; the copy is made all the same."""
    try:
        waited_until = time.monotonic() + CLOSING_WAIT
        while not wait and db.writer_busy():
            if time.monotonic() >= waited_until:
                return
            time.sleep(0.1)
        with db.write() as s:
            s.add(BackupMarkRow(at=now.replace(microsecond=0), kind=kind, place=str(where)[:1000]))
    except DatabaseError:  # read-only, or busy: the backup itself is made all the same
        pass


def keep(files: list[BackupFile]) -> set[Path]:
    """The daily copies to keep: the newest of each of the last 7 days that have one, and the
    newest of each of the 4 weeks before those."""
    kept: set[Path] = set()
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for b in sorted((f for f in files if f.kind == DAILY), key=lambda f: f.at, reverse=True):
        day = b.at.date()
        if day in days:
            continue
        if len(days) < KEEP_DAILY:
            days.add(day)
            kept.add(b.path)
            continue
        week = day.isocalendar()[:2]
        if week in weeks or len(weeks) >= KEEP_WEEKLY or any(d.isocalendar()[:2] == week for d in days):
            continue
        weeks.add(week)
        kept.add(b.path)
    return kept


def rotate(db: Database, now: datetime) -> list[Path]:
    """Remove the daily copies beyond 7 daily and 4 weekly; backups made before a restore or a
    migration are never removed. Returns what was removed."""
    files = backups(db)
    kept = keep(files)
    removed = []
    for b in files:
        if b.kind == DAILY and not b.legacy and b.path not in kept:
            try:
                b.path.unlink()
                removed.append(b.path)
            except OSError:
                pass
    return removed


def last_backup(db: Database) -> datetime | None:
    with db.read() as s:
        return s.scalar(select(func.max(BackupMarkRow.at)))


def reminder(db: Database, now: datetime) -> str:
    """For an administrator: the reminder when no backup was made for a week ("" when fine)."""
    last = last_backup(db)
    if last is None:
        with db.read() as s:
            # the ledger's first entry by id (append-only): min(at) would read the whole history
            first = s.scalar(select(HistoryRow.at).order_by(HistoryRow.id).limit(1))
        if first is None or now - first < REMIND_AFTER:
            return ""
        return tr("此账本还没有备份过：请备份（文件 → 备份 / 恢复，PostgreSQL 上用 pg_dump）")
    if now - last < REMIND_AFTER:
        return ""
    return tr(
        "已有 {n} 天没有备份此账本（上次 {at}）：请备份（文件 → 备份 / 恢复，PostgreSQL 上用 pg_dump）"
    ).format(n=(now - last).days, at=last.strftime("%Y-%m-%d %H:%M"))
