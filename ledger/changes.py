"""What other desks wrote: the history entries since the last one this desk has seen.

Every write appends to the history (``history.append``), so the history is also the list
of changes. Writes are serialised (``Database.write``), so the entries one write appends
are the ids between the history's head before and after it: the database keeps those
ranges of its own writes (``OwnWrites``) and ``since`` leaves them out — this desk has
already announced them.

How a desk learns that there is something to read:

- PostgreSQL: each write that appended to the history sends ``NOTIFY`` on ``CHANNEL`` as
  part of its transaction (delivered on commit, never for a rolled-back write), with the
  writing database object's ``origin``; ``Listener`` holds a connection that LISTENs.
- SQLite: ``DataVersion`` reads ``PRAGMA data_version`` on a connection of its own; the
  number changes when any other connection (another process) committed to the file.

No Qt here: the window turns these into the change hub's signals (``ui/live.py``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import HistoryRow

CHANNEL = "reception_ledger_changes"
MAX_IDS = 2000  # more changed receptions than this: "some receptions changed" (an import)
SETTINGS_ENTITIES = frozenset({"bureau", "policy", "target", "user", "ledger"})
PLAN_ENTITIES = frozenset({"plan", "letter"})  # before the meal: pre-approvals and the letter register


@dataclass(frozen=True)
class Changes:
    """The foreign changes since an entry: up to ``head``."""

    head: int
    receptions: frozenset[int] = frozenset()
    some_receptions: bool = False  # receptions changed, too many (or ids unknown) to list
    settings: bool = False
    plans: bool = False  # a plan (接待审批) or a letter of the register changed

    def __bool__(self) -> bool:
        return bool(self.receptions or self.some_receptions or self.settings or self.plans)


class OwnWrites:
    """The history id ranges this database object wrote itself (the latest few hundred)."""

    def __init__(self) -> None:
        self._ranges: deque[tuple[int, int]] = deque(maxlen=512)
        self._lock = threading.Lock()

    def add(self, after: int, upto: int) -> None:
        if upto > after:
            with self._lock:
                self._ranges.append((after, upto))

    def __contains__(self, history_id: object) -> bool:
        with self._lock:
            return any(a < history_id <= b for a, b in self._ranges)  # type: ignore[operator]


def head(s: Session) -> int:
    """The id of the last history entry (0 for an empty history)."""
    return int(s.scalar(select(func.max(HistoryRow.id))) or 0)


def since(s: Session, after: int, own: OwnWrites) -> Changes:
    """What entries after ``after`` changed, leaving out this desk's own writes."""
    last = head(s)
    if last <= after:
        return Changes(max(last, after))
    rows = s.execute(
        select(HistoryRow.id, HistoryRow.entity, HistoryRow.entity_id)
        .where(HistoryRow.id > after, HistoryRow.id <= last)
        .order_by(HistoryRow.id)
        .limit(MAX_IDS + 1)
    ).all()
    receptions: set[int] = set()
    settings = plans = False
    for history_id, entity, entity_id in rows:
        if history_id in own:
            continue
        if entity == "reception" and entity_id is not None:
            receptions.add(entity_id)
        elif entity in SETTINGS_ENTITIES:
            settings = True
        elif entity in PLAN_ENTITIES:
            plans = True
    too_many = len(rows) > MAX_IDS
    return Changes(last, frozenset(receptions), too_many, settings, plans or too_many)


def notify_payload(origin: str) -> str:
    return json.dumps({"origin": origin})


def payload_origin(payload: str) -> str:
    try:
        value = json.loads(payload)
    except ValueError:
        return ""
    return str(value.get("origin", "")) if isinstance(value, dict) else ""


class Listener:
    """A PostgreSQL connection that LISTENs on ``CHANNEL`` (psycopg 3, autocommit).

    ``fileno()`` is its socket, to watch for reading; ``foreign()`` reads what arrived without
    waiting and says whether any notice came from another database object than ``origin``.
    """

    def __init__(self, url: str, origin: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(url).set(drivername="postgresql")
        self.origin = origin
        self.connection: Any = psycopg.connect(
            parsed.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        )
        self.connection.execute(f"LISTEN {CHANNEL}")

    def fileno(self) -> int:
        return int(self.connection.pgconn.socket)

    def foreign(self) -> bool:
        """Read the notices that arrived; True when one came from another desk. Raises
        ``OSError`` when the connection is lost."""
        import psycopg

        pgconn = self.connection.pgconn
        try:
            pgconn.consume_input()
        except psycopg.OperationalError as exc:
            raise OSError(str(exc)) from exc
        found = False
        while (notice := pgconn.notifies()) is not None:
            if payload_origin(notice.extra.decode("utf-8", "replace")) != self.origin:
                found = True
        return found

    def close(self) -> None:
        self.connection.close()


class DataVersion:
    """``PRAGMA data_version`` of a SQLite ledger file, on a connection of its own."""

    def __init__(self, path: Path) -> None:
        uri = f"file:{path}?mode=ro"
        self.connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=1)
        self.last = self.read()

    def read(self) -> int:
        return int(self.connection.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        """Whether another connection committed since the last call."""
        now = self.read()
        changed, self.last = now != self.last, now
        return changed

    def close(self) -> None:
        self.connection.close()
