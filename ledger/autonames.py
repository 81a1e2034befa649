"""Where a ledger's automatic backups go and how they are named: by the ledger's identity.

Two ledgers may share an automatic backup folder (``LEDGER_AUTO_BACKUP_DIR``; on PostgreSQL
the user's data folder by default) and a name (``a/ledger.sqlite3`` and ``b/ledger.sqlite3``;
a database ``ledger`` on two servers). A copy's name therefore carries a short hash of the
ledger's full location (the resolved file path; ``host:port/database`` on a server) after a
readable name: ``ledger-3f2a9c1e-每日-20250301-174500.sqlite3``. Only copies bearing this
ledger's hash are its own (listed, rotated).

This module imports nothing of the ledger (ledger.db uses it for the copy before an upgrade).
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from ledger.addresses import server_identity

AUTO_FOLDER = "自动备份"
SQLITE_SUFFIXES = ("-wal", "-shm", "-journal")
NOTE_SUFFIX = "-writing"  # beside a SQLite ledger while an import stores its rows (ledger.writing)


def sqlite_file(url: str) -> Path | None:
    """The resolved file of a SQLite ledger at ``url`` (None for memory or a server)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    database = parsed.database
    if database.startswith("file:"):  # a URI: file:/path?mode=ro
        database = database[len("file:") :]
    return Path(database).expanduser().resolve()


def location(url: str) -> str:
    """The ledger's full location: its resolved file (a path, so a restored file keeps its
    backups), or ``host:port/database`` on a server, spelled as ledger.addresses compares it."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    backend, host, port, database = server_identity(make_url(url))
    return f"{backend}://{host}:{port}/{database}"


def readable_name(url: str) -> str:
    path = sqlite_file(url)
    if path is not None:
        return path.stem
    return make_url(url).database or "ledger"


def identity(url: str) -> str:
    """Eight hex digits telling this ledger from any other sharing its folder or its name."""
    return hashlib.sha256(location(url).encode("utf-8")).hexdigest()[:8]


def folder(url: str) -> Path:
    """The automatic backup folder: beside a SQLite ledger, else in the user's data folder
    (``LEDGER_AUTO_BACKUP_DIR`` replaces either)."""
    chosen = os.environ.get("LEDGER_AUTO_BACKUP_DIR", "").strip()
    if chosen:
        return Path(chosen)
    path = sqlite_file(url)
    if path is not None:
        return path.parent / AUTO_FOLDER
    from platformdirs import user_data_dir

    return Path(user_data_dir("ReceptionLedger", appauthor=False)) / AUTO_FOLDER


def new_path(url: str, kind: str, now: datetime) -> Path:
    """A fresh name for this ledger's automatic backup of ``kind`` made at ``now``."""
    base = folder(url) / f"{readable_name(url)}-{identity(url)}-{kind}-{now:%Y%m%d-%H%M%S}"
    path, n = Path(f"{base}.sqlite3"), 1
    while path.exists():
        n += 1
        path = Path(f"{base}-{n}.sqlite3")
    return path
