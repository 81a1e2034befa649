"""What a long write (an import storing its rows) tells the desks that wait for the write lock.

An import of 100,000 rows holds the lock for about twenty seconds, a million for minutes. A
desk that wants to save meanwhile waits (ui.operations.wait_for_writer); this says who is
writing, since when and how far they are, so the user can decide to wait or come back later.

The note cannot be a row of the ledger: on SQLite the writer holds the only write lock, and a
row written in its transaction is seen by nobody until it commits. So:

- SQLite: a file beside the ledger (``<ledger>-writing``, as SQLite's own ``-wal``), replaced
  at once with each batch; it names the process, so a note left by a killed import is known
  for what it is;
- PostgreSQL: the writing session's ``application_name`` (ASCII only: the user's id, the
  counts, the start), which ``pg_stat_activity`` shows to every desk at once (to other roles
  too, unlike the transaction's start), read beside the advisory lock the writer holds in this
  ledger's database; a rolled-back or killed session takes it with it, a finished one gives the
  session its own name back.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ledger import autonames
from ledger.db import PG_WRITE_LOCK, Database
from ledger.i18n import tr
from ledger.models import UserRow

_PREFIX = "reception-ledger import "  # application_name: prefix, start (epoch), user id, done, total
NAME_LIMIT = 63  # PostgreSQL cuts application_name there: a longer note is not written
NOTE_LIMIT = 4096  # a note is some 150 bytes; what is longer is not one


@dataclass(frozen=True)
class Writing:
    """Another desk's long write, as the waiting desk reads it."""

    who: str
    since: datetime | None
    done: int
    total: int

    def text(self) -> str:
        since = tr("自 {t} 起").format(t=self.since.strftime("%H:%M")) if self.since else ""
        return tr("{who} {since}正在导入接待，已处理 {done:,} / {total:,} 行").format(
            who=self.who, since=since, done=self.done, total=self.total
        )


class ImportNote:
    """Kept up to date by an import while it stores its rows (``update`` after each batch)."""

    def __init__(self, db: Database, session: Session, user_id: int, total: int) -> None:
        self.db, self.session, self.user_id, self.total = db, session, user_id, total
        self.since = datetime.now().replace(microsecond=0)
        self.path = _note_path(db)
        self.own_name = ""
        self.start = int(self.since.timestamp())
        if db.dialect == "postgresql":  # the start by the server's clock, which every desk shares
            found = session.execute(
                text("SELECT current_setting('application_name'), extract(epoch FROM now())")
            ).one()
            self.own_name, self.start = found[0], int(found[1])
        self.update(0)

    def update(self, done: int) -> None:
        with contextlib.suppress(OSError):  # a note is a courtesy: never a reason to fail
            if self.db.dialect == "postgresql":
                name = f"{_PREFIX}{self.start} {self.user_id} {done} {self.total}"
                if len(name) <= NAME_LIMIT:
                    self.session.execute(text("SELECT set_config('application_name', :v, false)"), {"v": name})
            elif self.path is not None:
                note = {
                    "user_id": self.user_id,
                    "done": done,
                    "total": self.total,
                    "since": self.since.isoformat(),
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
                # a new file of its own (never one planted under a known name: a link, a pipe)
                handle, name = tempfile.mkstemp(prefix=self.path.name + ".", dir=self.path.parent)
                scratch = Path(name)
                try:
                    with os.fdopen(handle, "w", encoding="utf-8") as file:
                        file.write(json.dumps(note))
                    os.replace(scratch, self.path)
                except OSError:  # (a folder in its place, say): no scratch file left behind
                    scratch.unlink(missing_ok=True)
                    raise

    def __enter__(self) -> ImportNote:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Before the commit. On PostgreSQL a failed transaction takes the name back itself; a
        finished one must, or the pooled session would show it at its next write."""
        if self.db.dialect == "postgresql":
            if kind is None:
                self.session.execute(
                    text("SELECT set_config('application_name', :v, false)"), {"v": self.own_name}
                )
        elif self.path is not None:
            for _ in range(5):  # Windows refuses while a waiting desk reads the note: again
                try:
                    self.path.unlink(missing_ok=True)
                    break
                except OSError:
                    time.sleep(0.02)


def current(db: Database) -> Writing | None:
    """The long write holding the write lock now, if it left a note; None otherwise (an
    ordinary save, a writer of an older version, a note its process left behind)."""
    if db.dialect == "postgresql":
        with db.read() as s:
            found = s.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :k "
                    "AND l.objsubid = 1 "
                    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                ),
                {"k": PG_WRITE_LOCK},
            ).first()
            if found is None or not (found[0] or "").startswith(_PREFIX):
                return None
            try:
                start, user_id, done, total = (int(part) for part in found[0][len(_PREFIX) :].split())
                return Writing(_who(s, user_id), datetime.fromtimestamp(start), done, total)
            except (ValueError, OverflowError, OSError, SQLAlchemyError):
                return None
    path = _note_path(db)
    if path is None:
        return None
    try:
        note = json.loads(_small_file(path))
        user_id, done, total = int(note["user_id"]), int(note["done"]), int(note["total"])
        since = datetime.fromisoformat(note["since"])
        pid, host = int(note["pid"]), str(note["host"])
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return None
    if _left_behind(path, pid, host):
        return None  # its import was killed: SQLite rolled it back
    try:
        with db.read() as s:
            return Writing(_who(s, user_id), since, done, total)
    except (OverflowError, SQLAlchemyError):  # an id no database holds
        return None


def said(db: Database) -> str:
    """``current`` in a line for the waiting desk; "" when there is no note or it cannot be read
    (a courtesy: never a reason for a wait or a refusal to fail)."""
    try:
        found = current(db)
    except Exception:  # any failure to read a note means no note
        return ""
    return found.text() if found else ""


def _note_path(db: Database) -> Path | None:
    file = db.sqlite_file
    return None if file is None else file.with_name(file.name + autonames.NOTE_SUFFIX)


def _small_file(path: Path) -> bytes:
    """The note's bytes, read only from a plain file and at most NOTE_LIMIT of them: a pipe or a
    device put in its place would hang (or fill) the waiting window."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise ValueError("not a note")
    with path.open("rb") as file:
        data = file.read(NOTE_LIMIT + 1)
    if len(data) > NOTE_LIMIT:
        raise ValueError("not a note")
    return data


def _who(s: Session, user_id: int) -> str:
    row = s.execute(select(UserRow.display_name, UserRow.username).where(UserRow.id == user_id)).first()
    return (row[0] or row[1]) if row else tr("另一用户")


STALE_SECONDS = 120  # an import replaces its note with every batch (a second or less)


def _left_behind(path: Path, pid: int, host: str) -> bool:
    """Whether the note's import is gone: its process, when it ran here (POSIX: on Windows
    asking with os.kill would stop the process), else a note not replaced for two minutes
    while the ledger's own files were written (times of the same file server: the clocks of
    the desks never compared)."""
    if host == socket.gethostname() and os.name == "posix":
        if pid <= 0:  # os.kill would ask about a group of processes
            return True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:  # another user's process: it runs
            return False
        return False
    try:
        noted = path.stat().st_mtime
    except OSError:
        return True
    ledger = path.with_name(path.name.removesuffix(autonames.NOTE_SUFFIX))
    written = noted
    for file in (ledger, Path(f"{ledger}-wal")):
        with contextlib.suppress(OSError):
            written = max(written, file.stat().st_mtime)
    return written - noted > STALE_SECONDS
