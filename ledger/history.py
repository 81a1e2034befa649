"""The hash-chained history of every change, and its verification.

Each entry stores who, when, what, the full before and after snapshots, and
``hash = sha256(prev_hash + canonical entry)``. ``verify`` recomputes the chain and
compares the live tables with the last snapshot of each record, so an edit, insert
or delete made outside the application is found and named.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ledger.i18n import tr
from ledger.models import HistoryRow
from ledger.records import HistoryEntry

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _entry_hash(row: HistoryRow | dict[str, Any]) -> str:
    """sha256 over the previous hash, the entry's short fields and its before/after JSON.

    The parts are joined by newlines: the before/after texts are canonical JSON, which never
    holds a raw newline, and the short fields are one JSON line, so the joining is unambiguous.
    """
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    header = canonical(
        [
            get("at").replace(microsecond=0).isoformat(),
            get("username"),
            get("action"),
            get("entity"),
            get("entity_id"),
            get("ref"),
            get("comment"),
        ]
    )
    body = "\n".join((get("prev_hash"), header, get("before"), get("after")))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    username: str,
    action: str,
    entity: str,
    entity_id: int | None,
    ref: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> HistoryRow:
    """Append one entry. The caller holds the write lock (see Database.write)."""
    last = session.scalars(select(HistoryRow).order_by(HistoryRow.id.desc()).limit(1)).first()
    row = HistoryRow(
        at=(at or datetime.now()).replace(microsecond=0),
        username=username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        ref=ref,
        before="" if before is None else canonical(before),
        after="" if after is None else canonical(after),
        comment=comment,
        prev_hash=last.hash if last else GENESIS,
    )
    row.hash = _entry_hash(row)
    session.add(row)
    session.flush()
    return row


def append_many(session: Session, entries: list[dict[str, Any]]) -> None:
    """Append several entries (keyword dicts as for ``append``) in one bulk insert: imports."""
    last = session.scalars(select(HistoryRow).order_by(HistoryRow.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    values = []
    for e in entries:
        before, after = e.get("before"), e.get("after")
        row = {
            "at": (e.get("at") or datetime.now()).replace(microsecond=0),
            "username": e["username"],
            "action": e["action"],
            "entity": e["entity"],
            "entity_id": e.get("entity_id"),
            "ref": e.get("ref", ""),
            "before": "" if before is None else canonical(before),
            "after": "" if after is None else canonical(after),
            "comment": e.get("comment", ""),
            "prev_hash": prev,
        }
        row["hash"] = prev = _entry_hash(row)
        values.append(row)
    if values:
        session.connection().execute(insert(HistoryRow.__table__), values)


def to_entry(row: HistoryRow) -> HistoryEntry:
    return HistoryEntry(
        id=row.id,
        at=row.at,
        username=row.username,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        ref=row.ref,
        before=json.loads(row.before) if row.before else None,
        after=json.loads(row.after) if row.after else None,
        comment=row.comment,
        hash=row.hash,
    )


@dataclass
class VerifyResult:
    entries: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(session: Session, result: VerifyResult) -> dict[tuple[str, int], str]:
    """Check every link; return the last ``after`` (canonical JSON) of each record."""
    last_state: dict[tuple[str, int], str] = {}
    prev = GENESIS
    for row in session.scalars(select(HistoryRow).order_by(HistoryRow.id)).yield_per(2000):
        result.entries += 1
        where = tr("历史记录第 {id} 条（{at}，{user}，{action}{ref}）").format(
            id=row.id,
            at=row.at,
            user=row.username,
            action=row.action,
            ref=f"，{row.ref}" if row.ref else "",
        )
        # ids may skip numbers (PostgreSQL does not give back the ids of a rolled-back or killed
        # import), so an entry removed from the middle is found by the next entry's link alone
        if row.prev_hash != prev:
            result.problems.append(
                tr("{where}：与前一条的链接断开（前一条被改动或删除）").format(where=where)
            )
        if _entry_hash(row) != row.hash:
            result.problems.append(tr("{where}：内容与校验值不符（被改动）").format(where=where))
        prev = row.hash
        if row.entity_id is not None:
            last_state[(row.entity, row.entity_id)] = row.after
    return last_state


def read_anchor(path: Path) -> dict[str, Any] | None:
    """The history head recorded by this machine's last successful verification, if any."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"id": int(data["id"]), "hash": str(data["hash"]), "at": str(data.get("at", ""))}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_anchor(path: Path, entry_id: int, entry_hash: str, at: datetime) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.write_text(
            json.dumps(
                {"id": entry_id, "hash": entry_hash, "at": at.replace(microsecond=0).isoformat(sep=" ")}
            ),
            encoding="utf-8",
        )
        os.replace(temp, path)
    except OSError:
        pass  # a read-only home folder must not stop verification
