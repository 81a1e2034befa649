"""This machine's memory of each ledger it verified: the history head seen at the last clean
``verify`` (with the ledger's first entries and the digest of the signatures checked), kept in
the user's data folder outside the ledger, so a history cut short or rewritten since is found."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import HistoryRow


def read_anchor(path: Path) -> dict[str, Any] | None:
    """The history head recorded by this machine's last successful verification, if any."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            "id": int(data["id"]),
            "hash": str(data["hash"]),
            "at": str(data.get("at", "")),
            "first": str(data.get("first", "")),
            "signatures": str(data.get("signatures", "")),
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_anchor(
    path: Path, entry_id: int, entry_hash: str, at: datetime, first: str = "", signatures: str = ""
) -> None:
    """Remember the head (and the first entry, which tells this ledger from a new one created
    later at the same place; and the digest of the signatures up to the head, see
    ledger.signing.signature_digest)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(
            json.dumps(
                {
                    "id": entry_id,
                    "hash": entry_hash,
                    "at": at.replace(microsecond=0).isoformat(sep=" "),
                    "first": first,
                    "signatures": signatures,
                }
            ),
            encoding="utf-8",
        )
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home folder must not stop verification


def anchor_path(url: str) -> Path:
    """Where this machine keeps the history head it last verified, for the ledger at ``url``."""
    folder = os.environ.get("LEDGER_ANCHOR_DIR")
    if not folder:
        from platformdirs import user_data_dir

        folder = str(Path(user_data_dir("ReceptionLedger", appauthor=False)) / "anchors")
    return Path(folder) / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".json")


def restore_replacing(s: Session, seen_hash: str) -> tuple[str, datetime] | None:
    """Who restored a backup over the history head ``seen_hash``, and when: a restore records
    the head it replaced (ledger.backup.head_of), so a head this machine saw that a restore on
    another computer replaced is not mistaken for a history cut short outside the program."""
    restores = select(HistoryRow.before, HistoryRow.username, HistoryRow.at).where(HistoryRow.action == "restore")
    for before, username, at in s.execute(restores):
        try:
            replaced = json.loads(before or "{}").get("replaced_head")
        except (ValueError, AttributeError):
            continue
        if replaced == seen_hash:
            return username, at
    return None
