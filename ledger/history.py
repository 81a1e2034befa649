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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from ledger.db import Database
from ledger.digests import sm3_hex
from ledger.i18n import tr
from ledger.mapping import snapshot, user_snapshot
from ledger.models import HistoryRow, PolicyRow, ReceptionRow, SettingRow, TargetRow, UserRow
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
    if (get("algo") or "") == "sm3":  # 国密: chosen in the settings, recorded with each entry
        return sm3_hex(body.encode("utf-8"))
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
    algo: str = "",
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
        algo=algo,
    )
    row.hash = _entry_hash(row)
    session.add(row)
    session.flush()
    return row


def append_many(session: Session, entries: list[dict[str, Any]], algo: str = "") -> None:
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
            "algo": algo,
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
    notes: list[str] = field(default_factory=list)  # worth saying, not a sign of tampering
    signatures: int = 0  # signed decisions found good (ledger.signing)
    signatures_after: int = 0  # only those after this entry were checked (the rest were last time)

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


def verify_ledger(db: Database, anchor: Path, clock: Callable[[], datetime]) -> VerifyResult:
    """Recompute the history chain and compare every record with its last entry; then compare
    with the head this machine saw at its last clean verification (``anchor``), and remember
    the new head when all is well."""
    result = VerifyResult()
    with db.read() as s:
        last = verify_chain(s, result)
        live: set[tuple[str, int]] = set()
        stmt = (
            select(ReceptionRow)
            .order_by(ReceptionRow.id)
            .options(
                selectinload(ReceptionRow.people),
                selectinload(ReceptionRow.meals),
                selectinload(ReceptionRow.explanations),
                selectinload(ReceptionRow.attachments),
                selectinload(ReceptionRow.violations),
            )
        )
        for row in s.scalars(stmt).yield_per(1000):
            result.records += 1
            key = ("reception", row.id)
            live.add(key)
            if key not in last:
                result.problems.append(tr("接待 {ref}：历史中没有记录（在程序外插入）").format(ref=row.ref))
                continue
            if last[key] != canonical(snapshot(row)):
                result.problems.append(
                    tr("接待 {ref}：当前内容与最后一条历史记录不符（在程序外被改动）").format(ref=row.ref)
                )
            elif any(hashlib.sha256(a.content).hexdigest() != a.sha256 for a in row.attachments):
                result.problems.append(
                    tr("接待 {ref}：附件内容与登记的校验值不符（在程序外被改动）").format(ref=row.ref)
                )
        for trow in s.scalars(select(TargetRow)):
            key = ("target", trow.year)
            live.add(key)
            if last.get(key) != canonical({"year": trow.year, "reduction": trow.reduction}):
                result.problems.append(
                    tr("{year} 年的压减目标与历史记录不符（在程序外被改动）").format(year=trow.year)
                )
        settings = {r.key: r.value for r in s.scalars(select(SettingRow))}
        if settings or ("bureau", 0) in last:
            live.add(("bureau", 0))
            if last.get(("bureau", 0)) != canonical(settings):
                result.problems.append(
                    tr("单位信息（名称、监督电话、公示期）与历史记录不符（在程序外被改动）")
                )
        for prow in s.scalars(select(PolicyRow)):
            key = ("policy", prow.id)
            live.add(key)
            if (
                last.get(key) != prow.params
                or _effective_from(prow.params) != prow.effective_from.isoformat()
            ):
                result.problems.append(
                    tr("{d} 起执行的接待标准与历史记录不符（在程序外被改动）").format(d=prow.effective_from)
                )
        for urow in s.scalars(select(UserRow)):
            key = ("user", urow.id)
            live.add(key)
            if last.get(key) != canonical(user_snapshot(urow)):
                result.problems.append(
                    tr("用户 {name} 的资料与历史记录不符（在程序外被改动）").format(name=urow.username)
                )
        for key, after in last.items():
            if key[0] in ("reception", "policy", "user", "target") and after and key not in live:
                gone = json.loads(after)
                name = (
                    gone.get("ref")
                    or gone.get("username")
                    or gone.get("effective_from")
                    or tr("{year} 年压减目标").format(year=gone.get("year"))
                )
                result.problems.append(tr("记录 {name} 已在程序外被删除").format(name=name))
        # the newest entries cut off together with the records they changed leave a shorter,
        # intact chain: compare with the head this machine saw at its last verification
        seen_head = read_anchor(anchor)
        first = first_hash(s)
        if seen_head is not None and _other_ledger(seen_head["first"], first):
            # another ledger now stands where this machine verified one (a new file, a new
            # database of the same name): it starts a record of its own
            result.notes.append(
                tr("本机上次校验的是此位置上的另一个账本（第一条历史不同），现改为记住这个账本")
            )
        elif seen_head is not None:
            seen = s.scalar(select(HistoryRow.hash).where(HistoryRow.id == seen_head["id"]))
            if seen != seen_head["hash"]:
                result.problems.append(
                    tr(
                        "历史记录第 {id} 条与本机上次校验（{at}）时所见不同或已不存在：历史记录在程序外被截断或改写"
                    ).format(id=seen_head["id"], at=seen_head["at"])
                )
        head = s.execute(
            select(HistoryRow.id, HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1)
        ).first()
    if result.ok and head is not None:
        write_anchor(anchor, head[0], head[1], clock(), first)
    return result


def first_hash(s: Session) -> str:
    """The hashes of the ledger's first two history entries: what tells one ledger from another
    (the second, the first administrator, holds a salted password hash: no two ledgers share it)."""
    return ",".join(s.scalars(select(HistoryRow.hash).order_by(HistoryRow.id).limit(2)))


def _other_ledger(seen: str, now: str) -> bool:
    """Whether the first entries differ where both ledgers have them."""
    return any(a != b for a, b in zip(seen.split(","), now.split(","), strict=False) if a and b)


def anchor_path(url: str) -> Path:
    """Where this machine keeps the history head it last verified, for the ledger at ``url``."""
    folder = os.environ.get("LEDGER_ANCHOR_DIR")
    if not folder:
        from platformdirs import user_data_dir

        folder = str(Path(user_data_dir("ReceptionLedger", appauthor=False)) / "anchors")
    return Path(folder) / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".json")


def _effective_from(params: str) -> str | None:
    """The effective date a stored policy version's parameters name (the column must agree)."""
    try:
        return str(json.loads(params).get("effective_from"))
    except (ValueError, AttributeError):
        return None
