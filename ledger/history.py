"""The hash-chained history of every change, and its verification.

Each entry stores who, when, what, the full before and after snapshots, and
``hash = sha256(prev_hash + canonical entry)``. ``verify`` recomputes the chain and
compares the live tables with the last snapshot of each record, so an edit, insert
or delete made outside the application is found and named.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from orjson import OPT_SORT_KEYS as _SORTED
from orjson import dumps as _orjson_dumps
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ledger.anchors import compared_with_seen, read_anchor, write_anchor
from ledger.db import Database
from ledger.digests import sm3_hex
from ledger.errors import LedgerError
from ledger.i18n import tr
from ledger.id_ranges import compare_in_ranges, id_bounds, ranges
from ledger.kept_totals import totals_problems
from ledger.mapping import (
    DERIVED,
    children_of,
    grouped_by_reception,
    numbered_as,
    snapshot_from_storage,
    user_snapshot,
)
from ledger.models import (
    AttachmentRow,
    HistoryRow,
    LetterRow,
    PlanRow,
    PolicyRow,
    ReceptionRow,
    SettingRow,
    TargetRow,
    UserRow,
    ViolationRow,
    insert_many,
)
from ledger.preapproval import key_of, letter_snapshot, plan_ref, plan_snapshot
from ledger.records import Attachment, HistoryEntry

GENESIS = "0" * 64


# one encoder for every call (json.dumps with these options makes a new one each time)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def canonical(value: Any) -> str:
    return _CANONICAL(value)


def canonical_plain(value: Any) -> str:
    """``canonical`` of a value made of text, integers, booleans, None, lists and dicts with
    text keys only - a record's snapshot, an entry's short fields - by orjson's compiled
    encoder, seven times faster, which writes such values byte for byte as ``canonical`` does
    (keys sorted by code point, the same escapes, tested). Never for a value that may hold a
    float (orjson writes some floats otherwise). A value it refuses (a lone surrogate, an
    integer beyond 64 bits) is written by ``canonical``."""
    try:
        return _orjson_dumps(value, option=_SORTED).decode("utf-8")
    except TypeError:  # (orjson.JSONEncodeError is one)
        return _CANONICAL(value)


def _entry_hash(row: HistoryRow | dict[str, Any]) -> str:
    """sha256 over the previous hash, the entry's short fields and its before/after JSON.

    The parts are joined by newlines: the before/after texts are canonical JSON, which never
    holds a raw newline, and the short fields are one JSON line, so the joining is unambiguous.
    """
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return _hash_of(*(get(name) for name in _HASHED))


# the columns an entry's hash covers, in the order _hash_of takes them
_HASHED = (
    "prev_hash",
    "at",
    "username",
    "action",
    "entity",
    "entity_id",
    "ref",
    "comment",
    "before",
    "after",
    "algo",
)


def _hash_of(
    prev_hash: str,
    at: datetime | str,
    username: str,
    action: str,
    entity: str,
    entity_id: int | None,
    ref: str,
    comment: str,
    before: str,
    after: str,
    algo: str | None,
) -> str:
    """The entry's hash; ``at`` its time, or that time's text to the second (an import's
    entries share one, written once)."""
    # (to the second: at.replace(microsecond=0).isoformat(), without the new datetime)
    stamp = at if isinstance(at, str) else at.isoformat(timespec="seconds")
    header = canonical_plain([stamp, username, action, entity, entity_id, ref, comment])
    body = "\n".join((prev_hash, header, before, after))
    if (algo or "") == "sm3":  # 国密: chosen in the settings, recorded with each entry
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
    """Append several entries (keyword dicts as for ``append``; "after" may be its canonical
    JSON text already) in one bulk insert: imports."""
    last = session.scalars(select(HistoryRow).order_by(HistoryRow.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    values = []
    # an entry's time to the second and as its text, made once (an import's entries share one)
    times: dict[datetime, tuple[datetime, str]] = {}
    for e in entries:
        before, after = e.get("before"), e.get("after")
        given = e.get("at") or datetime.now()
        known = times.get(given)
        if known is None:
            second = given.replace(microsecond=0)
            known = times[given] = (second, second.isoformat())
        at, at_text = known
        row = {
            "at": at,
            "username": e["username"],
            "action": e["action"],
            "entity": e["entity"],
            "entity_id": e.get("entity_id"),
            "ref": e.get("ref", ""),
            "before": "" if before is None else canonical(before),
            "after": "" if after is None else after if isinstance(after, str) else canonical(after),
            "comment": e.get("comment", ""),
            "prev_hash": prev,
            "algo": algo,
        }
        row["hash"] = prev = _hash_of(
            prev,
            at_text,
            row["username"],
            row["action"],
            row["entity"],
            row["entity_id"],
            row["ref"],
            row["comment"],
            row["before"],
            row["after"],
            algo,
        )
        values.append(row)
    if values:
        insert_many(session.connection(), HistoryRow.__table__, values)


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
    signatures_before: int = 0  # the signatures up to that entry (checked last time, unchanged)
    unsigned: int = 0  # signed kinds of decision without a signature (all of the history)
    warnings: list[str] = field(default_factory=list)  # not tampering found, but to be said loudly

    @property
    def ok(self) -> bool:
        return not self.problems


# entities compared with their last entries a range of ids at a time (a million of them are
# never held at once): verify_chain keeps no state for them
_CHUNKED = ("reception", "letter", "plan")


def verify_chain(
    session: Session, result: VerifyResult, start: int | None = None, stop: int | None = None
) -> dict[tuple[str, int], str]:
    """Check every link of the entries with ids in [start, stop) (all of them without bounds),
    streaming the history in id order with plain Core rows; return the last ``after``
    (canonical JSON) of each record other than a reception, letter or plan in that range
    (those, a million of them, are compared range by range by ``id_ranges.compare_in_ranges``).

    Each entry holds the hash it links to, so a range is checked on its own: its first entry
    links to the last entry before ``start``."""
    last_state: dict[tuple[str, int], str] = {}
    table = HistoryRow.__table__
    prev = GENESIS
    if start is not None:  # (an entry before it whose hash was emptied links as one pass links it)
        before = session.execute(
            select(table.c.hash).where(table.c.id < start).order_by(table.c.id.desc()).limit(1)
        ).first()
        prev = before[0] if before is not None else GENESIS
    hashed = [table.c[name] for name in _HASHED]
    stmt = select(*hashed, table.c.hash, table.c.id).order_by(table.c.id)
    if start is not None:
        stmt = stmt.where(table.c.id >= start)
    if stop is not None:  # the last range ends one past the largest id, which SQLite may not hold
        stmt = stmt.where(table.c.id <= stop - 1)
    result_rows = session.connection().execution_options(yield_per=5000).execute(stmt)
    for part in result_rows.partitions():
        for row in part:
            # plain tuples in _HASHED's order, then hash and id: no attribute look-ups per entry
            values = tuple(row)
            result.entries += 1
            # ids may skip numbers (PostgreSQL does not give back the ids of a rolled-back or
            # killed import), so an entry removed from the middle is found by the next entry's link
            if values[0] != prev:
                result.problems.append(
                    tr("{where}：与前一条的链接断开（前一条被改动或删除）").format(where=_where_id(values))
                )
            if _hash_of(*values[:11]) != values[11]:
                result.problems.append(
                    tr("{where}：内容与校验值不符（被改动）").format(where=_where_id(values))
                )
            prev = values[11]
            if values[5] is not None and values[4] not in _CHUNKED:
                last_state[(values[4], values[5])] = values[9]
    return last_state


def verify_chain_range(url: str, start: int, stop: int) -> tuple[int, list[str], dict[tuple[str, int], str]]:
    """A worker process's share of the chain: the entries with ids in [start, stop)."""
    _worker_without_collector()
    db = Database(url, migrate=False)
    try:
        result = VerifyResult()
        with db.snapshot() as s:
            last = verify_chain(s, result, start, stop)
        return result.entries, result.problems, last
    finally:
        db.dispose()


def _where_id(values: tuple[Any, ...]) -> str:
    """Where an entry is, for a message: from the columns ``verify_chain`` reads (_HASHED's, hash, id)."""
    return tr("历史记录第 {id} 条（{at}，{user}，{action}{ref}）").format(
        id=values[12],
        at=values[1],
        user=values[2],
        action=values[3],
        ref=f"，{values[6]}" if values[6] else "",
    )


# from this many receptions on, worker processes compare the receptions while this one checks
# the chain (a million receptions: about a minute instead of three on two cores)
PARALLEL_FROM = 50_000
WORKERS = 2


def _worker_without_collector() -> None:
    """A verify worker makes objects by the million and no reference cycles, and ends with the
    verification: Python's cyclic garbage collector would only walk them again and again."""
    import gc

    gc.disable()


def verify_receptions_range(url: str, start: int, stop: int) -> tuple[int, list[str]]:
    """A worker process's share: the receptions with ids in [start, stop), in a read
    transaction of its own that sees one moment (each reception is compared with its own
    last entry, read in the same transaction)."""
    _worker_without_collector()
    db = Database(url, migrate=False)
    try:
        result = VerifyResult()
        with db.snapshot() as s:
            _verify_receptions(s, result, start, stop)
        return result.records, result.problems
    finally:
        db.dispose()


def verify_register_apart(url: str, part: str, start: int | None = None, stop: int | None = None) -> list[str]:
    """A worker process's share of _verify_register: the "plans", the "letters" with ids in
    [start, stop), or the receptions' "links" to them; or the monthly "totals" (kept_totals),
    in a read transaction of its own."""
    _worker_without_collector()
    db = Database(url, migrate=False)
    try:
        result = VerifyResult()
        with db.snapshot() as s:
            if part == "plans":
                _verify_plans(s, result)
            elif part == "letters":
                _verify_letters(s, result, start, stop)
            elif part == "totals":
                result.problems += totals_problems(s)
            else:
                _verify_letter_links(s, result)
        return result.problems
    finally:
        db.dispose()


def _verify_in_parallel(
    db: Database, s: Session, result: VerifyResult
) -> tuple[dict[tuple[str, int], str], list[str]]:
    """The chain, the receptions, and plans and letters (as many as receptions in a province's
    ledger), in worker processes, in ranges small enough that both cores stay busy to the end
    (the chain had been this process's one task: two million entries took it as long as the
    workers took for everything else). The chain's and the receptions' problems are added in
    the serial order; the register's are returned, for verify_ledger to add where the single
    pass compares the register."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    receptions = ranges(id_bounds(s, ReceptionRow.__table__, "reception"), WORKERS * 8)
    letters = ranges(id_bounds(s, LetterRow.__table__, "letter"), WORKERS * 4)
    history_t = HistoryRow.__table__
    low, high = s.execute(select(func.min(history_t.c.id), func.max(history_t.c.id))).one()
    chain = ranges((low, high + 1) if low is not None else (0, 0), WORKERS * 8)
    url = db.url
    try:
        with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
            links = [pool.submit(verify_chain_range, url, lo, hi) for lo, hi in chain]
            totals = pool.submit(verify_register_apart, url, "totals")
            register = [pool.submit(verify_register_apart, url, "plans")]
            register += [pool.submit(verify_register_apart, url, "letters", lo, hi) for lo, hi in letters]
            futures = [pool.submit(verify_receptions_range, url, lo, hi) for lo, hi in receptions]
            register.append(pool.submit(verify_register_apart, url, "links"))
            last: dict[tuple[str, int], str] = {}
            for link in links:  # in id order: a later range's last entries replace an earlier's
                entries, problems, states = link.result()
                result.entries += entries
                result.problems += problems
                last.update(states)
            for future in futures:
                records, problems = future.result()
                result.records += records
                result.problems += problems
            # the monthly totals follow the receptions, as in one pass (before users and targets)
            result.problems += totals.result()
            return last, [problem for part in register for problem in part.result()]
    except BrokenProcessPool:  # a worker killed (the out-of-memory killer, a `kill`): one line
        raise LedgerError(
            tr("核对进程意外结束（可能是内存不足、被终止或未能启动），核对未完成；账本未作任何改动，请重新运行 verify")
        ) from None


def _verify_receptions(s: Session, result: VerifyResult, start: int | None = None, stop: int | None = None) -> None:
    """Every live reception against the last history entry of its id, and every reception
    whose last entry is not a deletion against the live table, a range of ids at a time: the
    memory is one chunk's rows whatever the ledger's size."""

    def problem(row: tuple[int, str, str, bool, bool], after: str | None) -> str | None:
        rid, ref, live, attachments, numbered = row
        result.records += 1
        if after is None:
            return tr("接待 {ref}：历史中没有记录（在程序外插入）").format(ref=ref)
        if after != live:
            return tr("接待 {ref}：当前内容与最后一条历史记录不符（在程序外被改动）").format(ref=ref)
        if not numbered:  # the year and sequence kept beside the number (unique, and counted on)
            return tr("接待 {ref}：编号所属的年度或序号在程序外被改动").format(ref=ref)
        if attachments and _attachment_altered(s, rid):
            return tr("接待 {ref}：附件内容与登记的校验值不符（在程序外被改动）").format(ref=ref)
        return None

    def rows(lo: int, hi: int) -> dict[int, tuple[int, str, str, bool, bool]]:
        return {rid: (rid, *values) for rid, values in _reception_chunk(s, lo, hi).items()}

    compare_in_ranges(s, result.problems, "reception", ReceptionRow.id, rows, problem, start, stop)


def _reception_chunk(s: Session, lo: int, hi: int) -> dict[int, tuple[str, str, bool, bool]]:
    """Receptions with ids in [lo, hi): id → (ref, canonical snapshot, has attachments, year and
    sequence agree with the number), read
    with one Core query per table, as ``queries.receptions`` reads them for reports."""
    table = ReceptionRow.__table__
    violations_t = ViolationRow.__table__
    attachments_t = AttachmentRow.__table__
    result = s.execute(select(table).where(table.c.id >= lo, table.c.id <= hi - 1).order_by(table.c.id))
    keys = list(result.keys())
    rows = [dict(zip(keys, r, strict=True)) for r in result.all()]
    if not rows:
        return {}

    def where(reception_id: Any) -> Any:
        return (reception_id >= lo) & (reception_id <= hi - 1)

    def grouped(*columns: Any, order: tuple[Any, ...]) -> dict[int, list[tuple[Any, ...]]]:
        return grouped_by_reception(s, where, *columns, order=order)

    people, meals, explanations = children_of(s, where)
    violations = grouped(
        violations_t.c.reception_id,
        violations_t.c.rule,
        violations_t.c.message,
        violations_t.c.limit_text,
        violations_t.c.actual_text,
        violations_t.c.excess_fen,
        order=(violations_t.c.reception_id, violations_t.c.position),
    )
    attachments = grouped(
        attachments_t.c.reception_id,
        attachments_t.c.id,
        attachments_t.c.kind,
        attachments_t.c.filename,
        attachments_t.c.sha256,
        attachments_t.c.size,
        attachments_t.c.added_at,
        order=(attachments_t.c.reception_id, attachments_t.c.id),
    )
    out: dict[int, tuple[str, str, bool, bool]] = {}
    for row in rows:
        rid = row["id"]
        files = tuple(Attachment(*a) for a in attachments.get(rid, ()))
        snapshot = snapshot_from_storage(
            row, people.get(rid, ()), meals.get(rid, ()), explanations.get(rid, ()), files
        )
        # mapping.derived's form, from the breach rows' columns as they come
        kept = {c: row[c] for c in DERIVED}
        kept["violations"] = [list(v) for v in violations.get(rid, ())]
        snapshot["derived"] = kept
        after = canonical_plain(snapshot)
        out[rid] = (row["ref"], after, bool(files), numbered_as(row["ref"], row["year"], row["seq"]))
    return out


def _attachment_altered(s: Session, reception_id: int) -> bool:
    stmt = select(AttachmentRow.content, AttachmentRow.sha256).where(
        AttachmentRow.reception_id == reception_id
    )
    return any(hashlib.sha256(content).hexdigest() != digest for content, digest in s.execute(stmt))


def verify_ledger(
    db: Database, anchor: Path, clock: Callable[[], datetime], accept_restore: bool = False
) -> VerifyResult:
    """Recompute the history chain and compare every record with its last entry; then compare
    with the head this machine saw at its last clean verification (``anchor``), and remember
    the new head when all is well."""
    result = VerifyResult()
    # one moment for every read of this process (PostgreSQL's READ COMMITTED would show the
    # users, targets and receptions another desk saved after the chain was read: false alarms)
    with db.snapshot() as s:
        parallel = db.url.split("?")[0] not in ("sqlite://", "sqlite:///:memory:") and (
            (s.scalar(select(func.max(ReceptionRow.id))) or 0) >= PARALLEL_FROM
        )
        if parallel:  # plans and letters too
            last, register = _verify_in_parallel(db, s, result)
        else:
            last = verify_chain(s, result)
            _verify_receptions(s, result)
            result.problems += totals_problems(s)  # the published monthly totals, kept beside them
        live: set[tuple[str, int]] = set()
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
        if parallel:
            result.problems += register
        else:
            _verify_register(s, result)
        for key, after in last.items():
            if key[0] in ("policy", "user", "target", "plan", "letter") and after and key not in live:
                gone = json.loads(after)
                name = (
                    gone.get("ref")
                    or gone.get("letter_no")
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
            problem, warning = compared_with_seen(s, seen_head, accept_restore)
            result.problems += [problem] if problem else []
            result.warnings += [warning] if warning else []
        head = s.execute(
            select(HistoryRow.id, HistoryRow.hash).order_by(HistoryRow.id.desc()).limit(1)
        ).first()
    if result.ok and head is not None:
        write_anchor(anchor, head[0], head[1], clock(), first)
    return result


def _verify_register(s: Session, result: VerifyResult) -> None:
    """Plans and the letter register against their last history entries (issue 10), a range
    of ids at a time (a ledger of a million receptions has about as many letters), and the
    receptions' links to the register."""
    _verify_plans(s, result)
    _verify_letters(s, result)
    _verify_letter_links(s, result)


def _verify_letters(s: Session, result: VerifyResult, start: int | None = None, stop: int | None = None) -> None:
    letters_t = LetterRow.__table__
    letter_columns = [c for c in letters_t.c if c.key != "scan"]

    def letters(lo: int, hi: int) -> dict[int, Any]:
        stmt = select(*letter_columns).where(letters_t.c.id >= lo, letters_t.c.id <= hi - 1)
        return {row.id: row for row in s.execute(stmt).all()}

    def letter_problem(row: Any, after: str | None) -> str | None:
        if after != canonical_plain(letter_snapshot(row)) or row.key != key_of(row.letter_no):
            return tr("公函登记 {no} 与历史记录不符（在程序外被改动）").format(no=row.letter_no)
        if row.scan_size:  # a scan is recorded: read it (only then), also to find it removed
            scan = s.scalar(select(letters_t.c.scan).where(letters_t.c.id == row.id))
            if hashlib.sha256(scan or b"").hexdigest() != row.scan_sha256:
                return tr("公函 {no} 的扫描件在程序外被替换").format(no=row.letter_no)
        return None

    compare_in_ranges(s, result.problems, "letter", LetterRow.id, letters, letter_problem, start, stop)


def _verify_plans(s: Session, result: VerifyResult) -> None:
    linked: dict[int, str] = {}  # the letters the plans of the range cite: id → key

    def plans(lo: int, hi: int) -> dict[int, Any]:
        found = {p.id: p for p in s.scalars(select(PlanRow).where(PlanRow.id >= lo, PlanRow.id <= hi - 1))}
        for p in found.values():
            s.expunge(p)  # compared once: not kept in the session's identity map
        linked.clear()
        linked.update(_letter_keys(s, {p.letter_id for p in found.values()}))
        return found

    def plan_problem(row: Any, after: str | None) -> str | None:
        if (
            after != canonical(plan_snapshot(row))
            or row.ref != plan_ref(row.year, row.seq)
            or linked.get(row.letter_id, "") != key_of(row.letter_no)
        ):
            return tr("接待审批单 {ref} 与历史记录不符（在程序外被改动）").format(ref=row.ref)
        return None

    compare_in_ranges(s, result.problems, "plan", PlanRow.id, plans, plan_problem)


def _letter_keys(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    out: dict[int, str] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        out.update(
            s.execute(select(LetterRow.id, LetterRow.key).where(LetterRow.id.in_(part))).all()
        )
    return out


def _verify_letter_links(s: Session, result: VerifyResult) -> None:
    """Each reception's link to the register is the letter its number names (the link is
    derived, so the history does not keep it; an unlinked reception would hide 一函一事)."""
    r, letters_t = ReceptionRow.__table__, LetterRow.__table__
    stmt = (
        select(r.c.ref, r.c.letter_no, letters_t.c.key)
        .select_from(r.outerjoin(letters_t, letters_t.c.id == r.c.letter_id))
        .where(or_(r.c.letter_no != "", r.c.letter_id.is_not(None)))
        .execution_options(yield_per=5000)
    )
    for ref, letter_no, key in s.execute(stmt):
        if (key or "") != key_of(letter_no):
            result.problems.append(
                tr("接待 {ref} 与公函登记的关联在程序外被改动（公函 {no}）").format(
                    ref=ref, no=letter_no or tr("无")
                )
            )


def first_hash(s: Session) -> str:
    """The hashes of the ledger's first two history entries: what tells one ledger from another
    (the second, the first administrator, holds a salted password hash: no two ledgers share it)."""
    return ",".join(s.scalars(select(HistoryRow.hash).order_by(HistoryRow.id).limit(2)))


def _other_ledger(seen: str, now: str) -> bool:
    """Whether the first entries differ where both ledgers have them."""
    return any(a != b for a, b in zip(seen.split(","), now.split(","), strict=False) if a and b)


def _effective_from(params: str) -> str | None:
    """The effective date a stored policy version's parameters name (the column must agree)."""
    try:
        return str(json.loads(params).get("effective_from"))
    except (ValueError, AttributeError):
        return None
