"""Consistent copies of a whole ledger, whatever its database, and restoring them safely.

A backup is a SQLite file holding every table of the ledger, copied inside one read
transaction, so it is one consistent moment even while other machines write. It is
written under a temporary name (``.ledger-backup-*.tmp``) and renamed into place, so a
killed backup never leaves a half file under the chosen name; the next backup removes
such leftovers.

A restore never writes to the backup file: it copies its bytes to a private temporary
folder and checks the copy completely (SQLite's integrity check, the tables, the whole
history as ``verify`` does) before the live ledger is touched. The live ledger is then
saved to an automatic backup and replaced in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ledger import autonames
from ledger.db import Database, DatabaseError
from ledger.files import not_a_file_message, write_failure
from ledger.history import VerifyResult
from ledger.i18n import tr
from ledger.models import Base, HistoryRow

CHUNK = 2000
SQLITE_HEADER = b"SQLite format 3\x00"
TEMP_PREFIX = ".ledger-backup-"  # a backup being written; leftovers of a killed one are removed
TEMP_SUFFIX = ".tmp"
RESTORE_PREFIX = "ledger-restore-"  # the private copy a restore checks, in the system temp folder
STALE_SECONDS = 60
STALE_RESTORE_SECONDS = 6 * 3600
AUTO_FOLDER = autonames.AUTO_FOLDER
REQUIRED_TABLES = frozenset({"receptions", "history", "users", "alembic_version"})


class BackupError(ValueError):
    """The file is not a usable backup, or it cannot be written; the message is for the user."""


class OlderBackup(BackupError):
    """The backup lacks history this machine has already verified; restoring needs a confirmation."""


class OtherLedgerBackup(BackupError):
    """The backup's history starts differently from the live ledger's: it is another ledger's
    backup; replacing this ledger with it needs its own confirmation."""


@dataclass(frozen=True)
class CheckedBackup:
    """A private, fully checked copy of a backup file."""

    path: Path
    db: Database
    entries: int
    head_id: int
    head_hash: str
    head_at: datetime | None

    def holds(self, entry_id: int, entry_hash: str) -> bool:
        with self.db.read() as s:
            return s.scalar(select(HistoryRow.hash).where(HistoryRow.id == entry_id)) == entry_hash


@dataclass(frozen=True)
class Restored:
    counts: dict[str, int]
    auto_backup: Path | None  # where the replaced ledger was saved, if it held data
    older: str  # non-empty: the backup lacked history this machine had verified (confirmed)
    other: str = ""  # non-empty: the backup was another ledger's (confirmed)


# ---------------------------------------------------------------------------- leftovers
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _tag() -> str:
    """pid-host-random: lets a later run tell a dead writer's leftovers from a running one's."""
    return f"{os.getpid()}-{_host()}-{secrets.token_hex(4)}"


def _writer_gone(name: str, prefix: str) -> bool:
    parts = name[len(prefix) :].split("-")
    if os.name != "posix" or len(parts) < 2 or not parts[0].isdigit() or parts[1] != _host():
        return False  # another machine's file, or no safe way to ask: rely on its age
    try:
        os.kill(int(parts[0]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def clean_leftovers(folder: Path, prefix: str, older_than: float) -> None:
    """Remove what killed backups or restores left in ``folder`` (never a running one's files)."""
    now = time.time()
    try:
        entries = list(Path(folder).glob(prefix + "*"))
    except OSError:
        return
    for entry in entries:
        try:
            if now - entry.lstat().st_mtime > older_than or _writer_gone(entry.name, prefix):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()
        except OSError:
            pass


# ---------------------------------------------------------------------------- writing
def _copy_tables(source: Connection | Session, target: Connection | Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = 0
        rows = source.execute(select(table)).mappings()
        while batch := rows.fetchmany(CHUNK):
            target.execute(insert(table), [dict(r) for r in batch])
            counts[table.name] += len(batch)
    return counts


def _write_file(source: Connection | Session, path: Path) -> dict[str, int]:
    """Copy every table from ``source`` into a new SQLite file at ``path`` (replaced atomically)."""
    path = Path(path).resolve()
    refusal = not_a_file_message(path)
    if refusal:
        raise BackupError(refusal)
    temp = path.parent / f"{TEMP_PREFIX}{_tag()}{TEMP_SUFFIX}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(path.parent, TEMP_PREFIX, STALE_SECONDS)
        target = Database(f"sqlite:///{temp}")
        try:
            with target.write_engine.begin() as conn:
                counts = _copy_tables(source, conn)
        finally:
            target.dispose()
        with sqlite3.connect(temp) as conn:  # one self-contained file, no -wal beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        with temp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise BackupError(write_failure(exc, path)) from None
    except (sqlite3.Error, SQLAlchemyError, DatabaseError) as exc:
        raise BackupError(
            tr("备份失败，{path} 未写入：{error}").format(path=path, error=_line(exc))
        ) from None
    finally:
        for leftover in (temp, *(Path(f"{temp}{s}") for s in ("-wal", "-shm", "-journal"))):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass
    return counts


def is_the_ledger(db: Database, path: Path) -> bool:
    """Whether ``path`` names the ledger's own file: itself, through a symbolic or hard link,
    or its -wal, -shm or -journal (writing there would rename a copy over live writes)."""
    ledger = autonames.sqlite_file(db.url)
    if ledger is None:
        return False
    target = Path(path).expanduser().resolve()
    own = [ledger, *(Path(f"{ledger}{suffix}") for suffix in autonames.SQLITE_SUFFIXES)]
    if target in own:
        return True
    for name in own:
        try:
            if target.exists() and name.exists() and os.path.samefile(target, name):
                return True
        except OSError:
            continue
    return False


def write_backup(db: Database, path: Path) -> dict[str, int]:
    """A consistent copy of the whole ledger at ``path`` (never the ledger's own file)."""
    if is_the_ledger(db, path):
        raise BackupError(
            tr("备份文件不能是账本本身（{path}）：请另选一个文件名或文件夹；账本未改动").format(path=path)
        )
    try:
        with db.snapshot() as source:
            return _write_file(source, path)
    except SQLAlchemyError as exc:  # the ledger itself could not be read
        raise BackupError(tr("备份失败，无法读取账本：{error}").format(error=_line(exc))) from None


def auto_backup_path(db: Database, now: datetime) -> Path:
    """Where the ledger about to be replaced by a restore is saved first (named by the
    ledger's identity, see ledger.autonames)."""
    return autonames.new_path(db.url, tr("恢复前"), now)


def save_before_replacing(session: Session, db: Database, now: datetime) -> Path:
    """Inside the restore's write transaction: the live ledger, exactly as it is replaced."""
    path = auto_backup_path(db, now)
    try:
        _write_file(session, path)
    except BackupError as exc:
        raise BackupError(tr("无法先自动备份当前账本，恢复已取消：{error}").format(error=exc)) from None
    return path


# ---------------------------------------------------------------------------- checking
def _not_a_backup(path: Path) -> BackupError:
    return BackupError(tr("不是台账备份文件：{path}；账本未改动").format(path=path))


def _damaged(path: Path, detail: str) -> BackupError:
    return BackupError(tr("备份文件已损坏（{detail}）：{path}；账本未改动").format(detail=detail, path=path))


def _line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error)
    return " ".join(message.split())[:200]


def _check_sqlite(copy: Path, original: Path) -> None:
    with copy.open("rb") as fh:
        if fh.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise _not_a_backup(original)
    try:
        conn = sqlite3.connect(copy)
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")  # damaged text is still read
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
            if problems != ["ok"]:
                raise _damaged(original, tr("SQLite 完整性检查未通过"))
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not REQUIRED_TABLES <= tables:
                raise _not_a_backup(original)
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise _damaged(original, tr("记录之间的关联断开"))
        finally:
            conn.close()
    except BackupError:
        raise
    except (sqlite3.Error, ValueError):
        raise _damaged(original, tr("无法按 SQLite 数据库读取")) from None


def _check_copy(
    original: Path, scratch: Path, verify: Callable[[Database, Path], VerifyResult]
) -> CheckedBackup:
    copy = scratch / "backup.sqlite3"
    try:
        shutil.copyfile(original, copy)  # the original is only read: read-only media are fine
        if Path(f"{original}-wal").is_file():
            shutil.copyfile(f"{original}-wal", f"{copy}-wal")
    except OSError as exc:
        raise BackupError(
            tr("无法读取备份文件 {path}：{error}").format(path=original, error=exc.strerror or exc)
        ) from None
    _check_sqlite(copy, original)
    db: Database | None = None
    try:
        db = Database(f"sqlite:///{copy}")  # migrates the private copy of an older backup forward
        if not {t.name for t in Base.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names()):
            raise _not_a_backup(original)
        result = verify(db, scratch)
        if not result.ok:
            raise BackupError(
                tr("备份文件 {path} 未通过完整性校验（{n} 处问题），第一处：{first}；账本未改动").format(
                    path=original, n=len(result.problems), first=result.problems[0]
                )
            )
        with db.read() as s:
            entries = s.scalar(select(func.count(HistoryRow.id))) or 0
            head = s.execute(
                select(HistoryRow.id, HistoryRow.hash, HistoryRow.at).order_by(HistoryRow.id.desc()).limit(1)
            ).first()
        if head is None:
            raise _not_a_backup(original)
        return CheckedBackup(original, db, entries, head[0], head[1], head[2])
    except BackupError:
        if db is not None:
            db.dispose()
        raise
    except DatabaseError as exc:  # written by a newer program, or not a ledger at all
        if db is not None:
            db.dispose()
        raise BackupError(f"{exc}；{tr('账本未改动')}") from None
    except Exception:  # whatever a hostile file makes the checks trip over: not usable
        if db is not None:
            db.dispose()
        raise _damaged(original, tr("内容无法读取")) from None


@contextmanager
def checked_backup(path: Path, verify: Callable[[Database, Path], VerifyResult]) -> Iterator[CheckedBackup]:
    """A private copy of the backup at ``path``, checked completely; removed afterwards.

    ``verify`` runs the ledger's own verification over the copy; it gets the private folder
    for anything it wants to write (so this machine's verification anchors are untouched).
    """
    path = Path(path)
    if path.is_dir():
        raise BackupError(tr("{path} 是一个文件夹，不是备份文件").format(path=path))
    if not path.is_file():
        raise BackupError(tr("找不到备份文件：{path}").format(path=path))
    root = Path(tempfile.gettempdir())
    clean_leftovers(root, RESTORE_PREFIX, STALE_RESTORE_SECONDS)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f"{RESTORE_PREFIX}{_tag()}-", dir=root))
    except OSError as exc:
        raise BackupError(tr("无法创建临时文件夹：{error}").format(error=exc.strerror or exc)) from None
    try:
        checked = _check_copy(path, scratch, verify)
        try:
            yield checked
        finally:
            checked.db.dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def older_than_seen(checked: CheckedBackup, anchor: dict[str, Any] | None, live: Session) -> str:
    """Empty when the backup holds the history head this machine last verified (or none is known);
    otherwise what the backup lacks, in words.

    Undoing a restore is not going back: when that head is a restore entry, a backup holding
    the head of the ledger that restore replaced (its automatic backup) holds all that was seen.
    """
    if anchor is None or checked.holds(anchor["id"], anchor["hash"]):
        return ""
    seen = live.scalars(
        select(HistoryRow).where(HistoryRow.id == anchor["id"], HistoryRow.hash == anchor["hash"])
    ).first()
    if seen is not None and seen.action == "restore" and seen.before:
        replaced = json.loads(seen.before).get("replaced_head")
        with checked.db.read() as s:
            if replaced and s.scalar(select(HistoryRow.id).where(HistoryRow.hash == replaced)):
                return ""
    at = checked.head_at.replace(microsecond=0) if checked.head_at else ""
    if checked.head_id < anchor["id"]:
        return tr("备份只包含到第 {head} 条（{at}）的历史，比本机上次校验（{seen}）时少 {n} 条").format(
            head=checked.head_id, at=at, seen=anchor["at"], n=anchor["id"] - checked.head_id
        )
    return tr(
        "备份的历史与本机上次校验（{seen}）时所见的不同（第 {id} 条不符），可能是另一个账本的备份"
    ).format(seen=anchor["at"], id=anchor["id"])


def another_ledgers(checked: CheckedBackup, live: Session) -> str:
    """Empty when the backup is this ledger's (its first history entries are the live ledger's,
    see ledger.history.first_hash), or when the live ledger has no history; otherwise what
    tells it apart, in words.

    Undoing a restore of another ledger's backup is not another ledger: when the live ledger's
    newest entry is a restore, a backup holding the head that restore replaced is this ledger's.
    """
    from ledger.history import _other_ledger, first_hash

    live_first = first_hash(live)
    with checked.db.read() as s:
        backup_first = first_hash(s)
    if not live_first or not _other_ledger(live_first, backup_first):
        return ""
    newest = live.scalars(select(HistoryRow).order_by(HistoryRow.id.desc()).limit(1)).first()
    if newest is not None and newest.action == "restore" and newest.before:
        replaced = json.loads(newest.before).get("replaced_head")
        with checked.db.read() as s:
            if replaced and s.scalar(select(HistoryRow.id).where(HistoryRow.hash == replaced)):
                return ""
    live_entries = live.scalar(select(func.count(HistoryRow.id))) or 0
    return tr(
        "这是另一个账本的备份（历史记录的第一条与当前账本不同；备份 {b} 条历史，当前账本 {n} 条），不是本账本较旧的备份"
    ).format(b=checked.entries, n=live_entries)


# ---------------------------------------------------------------------------- replacing
def is_empty(session: Session) -> bool:
    from ledger.models import ReceptionRow, UserRow

    return not session.scalar(select(func.count(ReceptionRow.id))) and not session.scalar(
        select(func.count(UserRow.id))
    )


def head_of(session: Session) -> dict[str, Any]:
    """The history head and length of the ledger about to be replaced (for the restore entry)."""
    entries = session.scalar(select(func.count(HistoryRow.id))) or 0
    head = session.scalar(select(HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1))
    return {"replaced_head": head or "", "replaced_entries": entries}


def replace_contents(session: Session, backup: Database) -> dict[str, int]:
    """Inside the caller's write transaction: empty every table and fill it from the backup."""
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    with backup.read() as source:
        counts = _copy_tables(source, session)
    if session.get_bind().dialect.name == "postgresql":
        for table in Base.metadata.sorted_tables:
            _reset_sequence(session, table)
    return counts


def _reset_sequence(session: Session, table: Table) -> None:
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or not pk[0].autoincrement or pk[0].type.python_type is not int:
        return
    column = pk[0].name
    session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table.name}), 0) + 1, false)"
        )
    )
