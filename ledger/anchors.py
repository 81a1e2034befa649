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

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.i18n import tr
from ledger.models import HistoryRow, UserRow


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


def compared_with_seen(s: Session, seen: dict[str, Any], accept_restore: bool) -> tuple[str, str]:
    """(problem, warning) for the history as it is against the head this machine ``seen`` at
    its last clean verification: none while the history still holds it. A restore recorded in
    the history as replacing it (another computer's) is a problem until a person confirms it
    (``accept_restore``), then a warning: its entry is not signed, so whoever holds the ledger
    could have written one to hide a history cut short."""
    held = s.scalar(select(HistoryRow.hash).where(HistoryRow.id == seen["id"]))
    if held == seen["hash"]:
        return "", ""
    restore = _restore_replacing(s, seen["hash"], seen["at"])
    if restore is None:
        return tr(
            "历史记录第 {id} 条与本机上次校验（{at}）时所见不同或已不存在：历史记录在程序外被截断或改写"
        ).format(id=seen["id"], at=seen["at"]), ""
    said = tr(
        "本机上次校验（{at}）后，历史中记有 {who} 于 {when} 用备份整体替换了账本，本机所见的第 {id} 条历史随之被替换，"
        "替换前的记录只在当时的自动备份中"
    ).format(at=seen["at"], who=restore[0], when=f"{restore[1]:%Y-%m-%d %H:%M}", id=seen["id"])
    if accept_restore:
        return "", said
    return said + tr("：请向管理员核实确有这次恢复后运行 verify --accept-restore；否则历史在程序外被截断或改写"), ""


def _restore_replacing(s: Session, seen_hash: str, seen_at: str) -> tuple[str, datetime] | None:
    """Who restored a backup over the history head ``seen_hash``, and when, as the history
    says: a restore records the head it replaced (ledger.backup.head_of). Other desks may have
    written after this machine saw that head and before the restore: then a restore recorded
    since ``seen_at`` is the one (the latest)."""
    try:
        since: datetime | None = datetime.fromisoformat(seen_at)
    except ValueError:
        since = None
    later: tuple[str, datetime] | None = None
    restores = (
        select(HistoryRow.before, func.coalesce(UserRow.display_name, HistoryRow.username), HistoryRow.at)
        .outerjoin(UserRow, UserRow.username == HistoryRow.username)
        .where(HistoryRow.action == "restore")
    )
    for before, username, at in s.execute(restores):
        try:
            replaced = json.loads(before or "{}").get("replaced_head")
        except (ValueError, AttributeError):
            continue
        if replaced == seen_hash:
            return username, at
        if since is not None and at is not None and at >= since and (later is None or at >= later[1]):
            later = (username, at)
    return later
