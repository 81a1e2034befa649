"""Consistent copies of a whole ledger, whatever its database.

A backup is a SQLite file holding every table of the ledger, copied inside one read
transaction, so it is one consistent moment even while other machines write. It can
be restored into any empty ledger (SQLite or PostgreSQL), or opened directly with
``--db backup.sqlite3`` to look at it.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ledger.db import Database
from ledger.i18n import tr
from ledger.models import Base

CHUNK = 2000


class BackupError(ValueError):
    """The file is not a usable backup; the message is for the user."""


def _copy_tables(source: Connection | Session, target: Connection | Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = 0
        rows = source.execute(select(table)).mappings()
        while batch := rows.fetchmany(CHUNK):
            target.execute(insert(table), [dict(r) for r in batch])
            counts[table.name] += len(batch)
    return counts


def write_backup(db: Database, path: Path) -> dict[str, int]:
    """Copy every table into a new SQLite file at ``path`` (replaced atomically)."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(suffix=".sqlite3", dir=path.parent)
    os.close(handle)
    os.unlink(temp_name)
    temp = Path(temp_name)
    try:
        target = Database(f"sqlite:///{temp}")
        try:
            with db.snapshot() as source, target.write_engine.begin() as conn:
                counts = _copy_tables(source, conn)
        finally:
            target.dispose()
        with sqlite3.connect(temp) as conn:  # one self-contained file, no -wal beside it
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        os.replace(temp, path)
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return counts


def open_backup(path: Path) -> Database:
    path = Path(path)
    if not path.is_file():
        raise BackupError(tr("找不到备份文件：{path}").format(path=path))
    with path.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BackupError(tr("不是台账备份文件：{path}").format(path=path))
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError:
        raise BackupError(tr("不是台账备份文件：{path}").format(path=path)) from None
    if not {"receptions", "history", "users", "alembic_version"} <= tables:
        raise BackupError(tr("不是台账备份文件：{path}").format(path=path))
    return Database(f"sqlite:///{path.resolve()}")  # migrates an older backup forward


def is_empty(session: Session) -> bool:
    from ledger.models import ReceptionRow, UserRow

    return not session.scalar(select(func.count(ReceptionRow.id))) and not session.scalar(
        select(func.count(UserRow.id))
    )


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
