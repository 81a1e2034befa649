"""The letter register (公函登记): every letter kept once, linked to its plan and reception.

A letter is found by its normalised number (``text_key``: 市教函〔2025〕12号 = 市教函[２０２５] 12号).
Saving a plan or a reception that names a letter links it to the register's row, registering
the letter with what the record says of it when it is new (``link_in``); the clerk may also
register a letter on its own, with its date and scan, when it arrives. One letter is one
reception (一函一事): ``uses`` names every plan and reception that cites it, so the form says at
once when a letter is already used elsewhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ledger import history, limits
from ledger.desk import Desk, chain_algo, require
from ledger.errors import InvalidReception, NotFound, StaleEdit
from ledger.filenames import safe_attachment_name
from ledger.i18n import tr
from ledger.models import LetterRow, PlanRow, ReceptionRow, insert_many, one_of
from ledger.preapproval import Letter, LetterUse, key_of, letter_snapshot
from ledger.records import Role, Status, User
from ledger.text import clean_line

MAX_SCAN_BYTES = 20 * 1024 * 1024


def record_of(row: LetterRow, uses: tuple[LetterUse, ...] = ()) -> Letter:
    return Letter(
        letter_no=row.letter_no,
        sending_unit=row.sending_unit,
        title=row.title,
        letter_date=row.letter_date,
        id=row.id,
        version=row.version,
        scan_filename=row.scan_filename,
        scan_sha256=row.scan_sha256,
        scan_size=row.scan_size,
        created_by=row.created_by,
        created_at=row.created_at,
        uses=uses,
    )


def normalized(letter: Letter) -> Letter:
    return replace(
        letter,
        letter_no=clean_line(letter.letter_no),
        sending_unit=clean_line(letter.sending_unit),
        title=clean_line(letter.title),
    )


def problems(letter: Letter) -> dict[str, str]:
    out: dict[str, str] = {}
    if not letter.letter_no:
        out["letter_no"] = tr("请填写公函文号")
    elif not any(ch.isalnum() for ch in letter.letter_no):
        out["letter_no"] = tr("公函文号须含文字或数字")
    elif len(letter.letter_no) > limits.LETTER_NO:
        out["letter_no"] = tr("公函文号不能超过 {n} 个字").format(n=limits.LETTER_NO)
    if len(letter.sending_unit) > limits.UNIT:
        out["sending_unit"] = tr("来文单位不能超过 {n} 个字").format(n=limits.UNIT)
    if len(letter.title) > limits.LETTER_TITLE:
        out["title"] = tr("公函标题不能超过 {n} 个字").format(n=limits.LETTER_TITLE)
    if letter.letter_date is not None and not date(1990, 1, 1) <= letter.letter_date <= date(9998, 12, 31):
        out["letter_date"] = tr("发文日期不合理")
    return out


class Letters:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    # ------------------------------------------------------------------ reading
    def all(self) -> list[Letter]:
        with self.desk.db.read() as s:
            rows = s.scalars(select(LetterRow).order_by(LetterRow.id.desc())).all()
            uses = uses_of_letters(s, [r.id for r in rows])
            return [record_of(r, tuple(uses.get(r.id, ()))) for r in rows]

    def chunks(self, chunk: int = 2000, year: int | None = None) -> Iterator[list[Letter]]:
        """The register in order of registration, ``chunk`` letters at a time with their uses,
        read at one moment and without the scans: the workbook and the command line. With
        ``year``, only letters cited by a plan or reception of that year, dated or registered in
        it (the workbook's candidates; it keeps those that concern the year)."""
        with self.desk.db.snapshot() as s:
            ids = (
                list(s.scalars(select(LetterRow.id).order_by(LetterRow.id)))
                if year is None
                else _of_year(s, year)
            )
            for start in range(0, len(ids), chunk):
                part = ids[start : start + chunk]
                table = LetterRow.__table__
                # Core rows without the scan (record_of reads the columns by name)
                columns = [c for c in table.c if c.name != "scan"]
                rows = s.execute(
                    select(*columns).where(one_of(table.c.id, part, s.get_bind().dialect.name)).order_by(table.c.id)
                ).all()
                uses = uses_of_letters(s, part)
                yield [record_of(r, tuple(uses.get(r.id, ()))) for r in rows]  # type: ignore[arg-type]

    def get(self, letter_id: int) -> Letter:
        with self.desk.db.read() as s:
            row = _row(s, letter_id)
            return record_of(row, tuple(uses_of_letters(s, [row.id]).get(row.id, ())))

    def find(self, letter_no: str) -> Letter | None:
        key = key_of(clean_line(letter_no))
        if not key:
            return None
        with self.desk.db.read() as s:
            row = s.scalars(select(LetterRow).where(LetterRow.key == key)).first()
            return (
                None if row is None else record_of(row, tuple(uses_of_letters(s, [row.id]).get(row.id, ())))
            )

    def scan(self, letter_id: int) -> bytes:
        with self.desk.db.read() as s:
            row = _row(s, letter_id)
            if row.scan is None:
                raise NotFound(tr("公函 {no} 没有扫描件").format(no=row.letter_no))
            return bytes(row.scan)

    def other_uses(
        self, letter_no: str, *, reception_id: int | None = None, plan_id: int | None = None
    ) -> list[LetterUse]:
        """The plans and receptions (not void) citing this letter, other than the record being
        edited and the plan it was started from (and that plan's reception): 一函一事."""
        key = key_of(clean_line(letter_no))
        if not key:
            return []
        with self.desk.db.read() as s:
            letter_id = s.scalar(select(LetterRow.id).where(LetterRow.key == key))
            if letter_id is None:
                return []
            own_plan = plan_id
            if reception_id is not None and own_plan is None:
                own_plan = s.scalar(select(ReceptionRow.plan_id).where(ReceptionRow.id == reception_id))
            out = []
            for use in uses_of_letters(s, [letter_id]).get(letter_id, []):
                if use.kind == "reception" and use.id == reception_id:
                    continue
                if use.kind == "plan" and use.id == own_plan:
                    continue
                if use.kind == "reception" and own_plan is not None and _plan_of(s, use.id) == own_plan:
                    continue
                out.append(use)
            return out

    # ------------------------------------------------------------------ writing
    def register(self, actor: User, letter: Letter, scan: tuple[str, bytes] | None = None) -> Letter:
        """Register a letter as it arrives (number, sending unit, title, date, scan)."""
        letter = normalized(letter)
        found = problems(letter)
        if found:
            raise InvalidReception(found)
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("登记公函"))
            existing = s.scalars(
                select(LetterRow).where(LetterRow.key == key_of(letter.letter_no)).with_for_update()
            ).first()
            if existing is not None and not existing.scan_size:
                # registered when a plan or reception first cited it: the letter itself has come
                return self._complete(s, actor, existing, letter, scan)
            if existing is not None:
                raise InvalidReception(
                    {
                        "letter_no": tr("公函 {no} 已登记（登记为“{same}”），不能重复登记").format(
                            no=letter.letter_no, same=existing.letter_no
                        )
                    }
                )
            row = LetterRow(
                letter_no=letter.letter_no,
                key=key_of(letter.letter_no),
                sending_unit=letter.sending_unit,
                title=letter.title,
                letter_date=letter.letter_date,
                version=1,
                created_by=actor.username,
                created_at=self.desk.clock(),
            )
            if scan is not None:
                _set_scan(row, *scan)
            s.add(row)
            s.flush()
            self._log(s, row, actor, "register", None)
            return record_of(row)

    def _complete(
        self, s: Session, actor: User, row: LetterRow, letter: Letter, scan: tuple[str, bytes] | None
    ) -> Letter:
        """Fill in a letter the register holds only as a number someone cited."""
        before = letter_snapshot(row)
        row.sending_unit = letter.sending_unit or row.sending_unit
        row.title = letter.title or row.title
        row.letter_date = letter.letter_date or row.letter_date
        if scan is not None:
            _set_scan(row, *scan)
        return self._edited(s, row, actor, before)

    def update(self, actor: User, letter: Letter, scan: tuple[str, bytes] | None = None) -> Letter:
        """Correct a registered letter's details or replace its scan. Its number may change
        only while no plan or reception cites it."""
        letter = normalized(letter)
        found = problems(letter)
        if found:
            raise InvalidReception(found)
        with self.desk.db.write() as s:
            require(s, actor, Role.CLERK, tr("修改公函登记"))
            row = _row(s, letter.id, lock=True)
            if letter.version and row.version != letter.version:
                raise StaleEdit(tr("公函 {no} 已在别处被修改，请重新打开后再改").format(no=row.letter_no))
            key = key_of(letter.letter_no)
            if key != row.key:
                if uses_of_letters(s, [row.id]).get(row.id):
                    raise InvalidReception(
                        {"letter_no": tr("公函 {no} 已被引用，文号不能再改").format(no=row.letter_no)}
                    )
                if s.scalar(select(LetterRow.id).where(LetterRow.key == key)) is not None:
                    raise InvalidReception({"letter_no": tr("公函 {no} 已登记").format(no=letter.letter_no)})
            before = letter_snapshot(row)
            row.letter_no, row.key = letter.letter_no, key
            row.sending_unit, row.title, row.letter_date = (
                letter.sending_unit,
                letter.title,
                letter.letter_date,
            )
            if scan is not None:
                _set_scan(row, *scan)
            return self._edited(s, row, actor, before)

    def _edited(self, s: Session, row: LetterRow, actor: User, before: dict[str, Any]) -> Letter:
        """The letter as changed: a new version with its history entry, unless nothing changed."""
        if letter_snapshot(row) != before:
            row.version += 1
            s.flush()
            self._log(s, row, actor, "edit", before)
        return record_of(row)

    def link_in(
        self, s: Session, actor: User, letter_no: str, *, title: str = "", unit: str = ""
    ) -> int | None:
        """The register's id for ``letter_no`` (in the caller's write transaction), registering
        the letter with what the plan or reception says of it when it is new."""
        key = key_of(letter_no)
        if not key:
            return None
        found = s.scalar(select(LetterRow.id).where(LetterRow.key == key))
        if found is not None:
            return int(found)
        row = LetterRow(**registered(letter_no, title, unit, key, actor.username, self.desk.clock())[0])
        s.add(row)
        s.flush()
        self._log(s, row, actor, "register", None)
        return row.id

    def _log(
        self, s: Session, row: LetterRow, actor: User, action: str, before: dict[str, Any] | None
    ) -> None:
        self.desk.log(
            s,
            username=actor.username,
            action=action,
            entity="letter",
            entity_id=row.id,
            ref=row.letter_no[:32],
            before=before,
            after=letter_snapshot(row),
        )


def _of_year(s: Session, year: int) -> list[int]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    cited = set(
        s.scalars(
            select(PlanRow.letter_id).where(
                PlanRow.start_date.between(first, last), PlanRow.letter_id.is_not(None)
            )
        )
    )
    cited.update(
        s.scalars(
            select(ReceptionRow.letter_id).where(
                ReceptionRow.reception_date.between(first, last), ReceptionRow.letter_id.is_not(None)
            )
        )
    )
    dated = s.scalars(
        select(LetterRow.id).where(
            or_(
                LetterRow.letter_date.between(first, last),
                and_(
                    LetterRow.letter_date.is_(None),
                    LetterRow.created_at >= datetime(year, 1, 1),
                    LetterRow.created_at < datetime(year + 1, 1, 1),
                ),
            )
        )
    )
    cited.update(dated)
    return sorted(cited)


def _set_scan(row: LetterRow, filename: str, content: bytes) -> None:
    if len(content) > MAX_SCAN_BYTES:
        raise InvalidReception({"scan": tr("扫描件不能超过 20 MB")})
    if not content:
        raise InvalidReception({"scan": tr("扫描件是空文件")})
    row.scan = content
    row.scan_filename = safe_attachment_name(filename)
    row.scan_sha256 = hashlib.sha256(content).hexdigest()
    row.scan_size = len(content)


def _row(s: Session, letter_id: int | None, *, lock: bool = False) -> LetterRow:
    if letter_id is None:
        raise NotFound(tr("公函尚未登记"))
    stmt = select(LetterRow).where(LetterRow.id == letter_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalars(stmt).first()
    if row is None:
        raise NotFound(tr("公函登记不存在"))
    return row


def _plan_of(s: Session, reception_id: int) -> int | None:
    return s.scalar(select(ReceptionRow.plan_id).where(ReceptionRow.id == reception_id))


def uses_of_letters(s: Session, letter_ids: list[int]) -> dict[int, list[LetterUse]]:
    """The plans and receptions (void ones left out) citing each letter, oldest first."""
    out: dict[int, list[LetterUse]] = {}
    if not letter_ids:
        return out
    dialect = s.get_bind().dialect.name
    for start in range(0, len(letter_ids), 500):
        part = letter_ids[start : start + 500]
        plans = s.execute(
            select(PlanRow.letter_id, PlanRow.id, PlanRow.ref, PlanRow.status, PlanRow.start_date)
            .where(one_of(PlanRow.letter_id, part, dialect), PlanRow.status != Status.VOID.value)
            .order_by(PlanRow.id)
        )
        for letter_id, pid, ref, status, day in plans:
            out.setdefault(letter_id, []).append(LetterUse("plan", pid, ref, Status(status), day))
        receptions = s.execute(
            select(
                ReceptionRow.letter_id,
                ReceptionRow.id,
                ReceptionRow.ref,
                ReceptionRow.status,
                ReceptionRow.reception_date,
            )
            .where(one_of(ReceptionRow.letter_id, part, dialect), ReceptionRow.status != Status.VOID.value)
            .order_by(ReceptionRow.id)
        )
        for letter_id, rid, ref, status, day in receptions:
            out.setdefault(letter_id, []).append(LetterUse("reception", rid, ref, Status(status), day))
    return out


def has_scan(s: Session, letter_no: str) -> bool:
    """Whether the register holds a scan of this letter (it counts as the 公函 document)."""
    key = key_of(letter_no)
    if not key:
        return False
    return bool(s.scalar(select(LetterRow.scan_size).where(LetterRow.key == key)))


def link_many(
    s: Session, username: str, now: datetime, cited: list[tuple[str, str, str, str]], known: dict[str, int]
) -> dict[str, int]:
    """The register's ids of many letters at once (an import): ``cited`` holds (key, number,
    title, unit) as the rows give them (the key: ``key_of(number)``); ``known`` (key → id) is
    what earlier batches found, and is extended. New letters are registered in bulk, each with
    its history entry."""
    wanted = {}
    for key, number, title, unit in cited:
        if key and key not in known and key not in wanted:
            wanted[key] = (number, title, unit)
    keys = list(wanted)
    dialect = s.get_bind().dialect.name
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        known.update(s.execute(select(LetterRow.key, LetterRow.id).where(one_of(LetterRow.key, part, dialect))).all())
    new = [(key, v) for key, v in wanted.items() if key not in known]
    if not new:
        return known
    connection = s.connection()
    made = [registered(number, title, unit, key, username, now) for key, (number, title, unit) in new]
    insert_many(connection, LetterRow.__table__, [values for values, _ in made])
    ids = dict(
        connection.execute(
            select(LetterRow.key, LetterRow.id).where(one_of(LetterRow.key, [k for k, _ in new], dialect))
        ).all()
    )
    known.update(ids)
    history.append_many(
        s,
        [
            {
                "username": username,
                "action": "register",
                "entity": "letter",
                "entity_id": ids[values["key"]],
                "ref": values["letter_no"][:32],
                "after": history.canonical_plain(after),
                "at": now,
            }
            for values, after in made
        ],
        algo=chain_algo(s),
    )
    return known


def registered(
    number: str, title: str, unit: str, key: str, username: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A letter registered because a plan, a reception or an import cites it: its row's
    values and its history entry's "after" (``letter_snapshot`` of those values, what ``verify``
    compares with the row; no ORM row is made, for bulk inserts)."""
    values = {
        "letter_no": number[: limits.LETTER_NO],
        "key": key,
        "sending_unit": unit[: limits.UNIT],
        "title": title[: limits.LETTER_TITLE],
        "letter_date": None,
        "scan_filename": "",
        "scan_sha256": "",
        "scan_size": 0,
        "scan": None,
        "version": 1,
        "created_by": username,
        "created_at": now,
    }
    return values, letter_snapshot(SimpleNamespace(**values))
