"""Importing a worksheet's rows (SPEC §4): checked row by row without the write lock, then
stored in one transaction under it (``Importer.import_rows`` says how the two meet).

Bulk inserts (``models.insert_many``), with the history appended in the same transaction;
a refused, cancelled or failed import commits nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from ledger import changes, history, letters, limits, writing
from ledger.db import StoppedWaiting, polled, when_free
from ledger.desk import Desk, chain_algo, has, require
from ledger.errors import ImportCancelled, PermissionDenied, StaleEdit
from ledger.i18n import tr
from ledger.import_keys import FileDuplicates, TakenRefs, duplicate_key, duplicate_message
from ledger.mapping import derived, ref, storage
from ledger.models import (
    ExplanationRow,
    HistoryRow,
    MealRow,
    PersonRow,
    ReceptionRow,
    SealedYearRow,
    ViolationRow,
    build_indexes,
    insert_many,
    insert_receptions,
    set_aside_indexes,
)
from ledger.money import to_fen
from ledger.preapproval import key_of
from ledger.records import Assessment, CellError, ImportRow, Reception, Role, Status, User
from ledger.settings import Settings
from ledger.spool import Collector, Spool
from ledger.text import clean_line, person_key
from ledger.validation import prepared
from ledger.workflow import next_seq

_IMPORT_BATCH = 200
# rows stored at once under the write lock: each batch costs a few lookups and statements
_STORE_BATCH = 2000
_STORE_PEOPLE = 20_000  # or fewer rows, where they name this many people


@dataclass(frozen=True)
class ImportOutcome:
    """A row stored (its number ``ref``, what the rules found, entered as approved or a draft),
    or refused (no number; ``errors`` says why)."""

    row: int
    ref: str | None
    assessment: Assessment | None
    errors: tuple[Any, ...]  # CellError
    # the 编号 the row carried when it was stored under another (taken, or not of its year)
    written_ref: str = ""
    approved: bool = False  # entered as approved on paper (import --historical)


@dataclass
class _ImportState:
    """What one import carries from batch to batch."""

    actor: User
    historical: bool
    allow_duplicates: bool
    now: datetime
    column_of: Callable[[str], str]  # the face's name for a field (the template's column)
    on_outcome: Callable[[ImportOutcome], None] | None = None
    on_committed: Callable[[], None] | None = None
    outcomes: list[ImportOutcome] = field(default_factory=list)
    done: int = 0
    ready: int = 0  # rows that passed the check, to be stored
    watermark: int = 0  # the last history entry when the rows began to be checked
    # the last history entry any read of the check saw, and its hash: under the write lock the
    # same entry must still be there (the chain then vouches for everything read), else a
    # backup was restored meanwhile
    seen: tuple[int, str] = (0, "")
    existing: dict[tuple[date, str, int], str] = field(default_factory=dict)
    in_file: FileDuplicates = field(default_factory=lambda: FileDuplicates())
    next_seq: dict[int, int] = field(default_factory=dict)
    refs_taken: TakenRefs = field(default_factory=lambda: TakenRefs())  # in the ledger or given here
    # the numbers the file's rows carry (refused ones too): a new number is never one of them,
    # so a row without 编号 cannot take the number a later row keeps (see _carrying)
    carried: TakenRefs = field(default_factory=lambda: TakenRefs())
    latest: date | None = None  # the latest date of the file's readable rows
    loaded_dates: set[date] = field(default_factory=set)
    deleted_read: bool = False
    # receptions another desk stored while the rows were checked (key → number): see _catch_up
    stored_since: dict[tuple[date, str, int], str] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)  # the numbers of the receptions changed meanwhile
    taken_back: FileDuplicates | None = None  # rows refused at the check, stored after all
    last_before: int = 0  # the last reception's id before this import stored any (_taken_back)
    custom_plans: bool = False  # PostgreSQL plans each lookup afresh (see _store)
    sealed: set[int] = field(default_factory=set)  # the archived years: closed to new receptions

    def add(self, outcome: ImportOutcome) -> None:
        self.done += 1
        if self.on_outcome is None:
            self.outcomes.append(outcome)
        else:
            self.on_outcome(outcome)


@dataclass
class _Ready:
    """A row that passed every check, stored as it is once its number is given (_store)."""

    row: int
    action: str
    columns: dict[str, Any]  # without its number: ref, year, seq, search_text's first word
    children: dict[str, list[dict[str, Any]]]
    carried: str  # the 编号 the row carries (kept where it is free: _free_seq)
    assessment: Assessment
    after: str  # the history's "after" (canonical JSON), its number written in when it is given
    # refused at the check as the duplicate of this stored reception: stays refused unless
    # another desk changed that reception meanwhile so that it no longer is one (_store)
    repeats: str = ""
    refusal: ImportOutcome | None = None


# Where the number goes in a ready row's history text: the record's "ref" and the first word
# of its derived "search_text" are a NUL there (JSON "\u0000"), which no stored text can hold
# (ledger.text removes control characters), so each stands exactly once in the text.
_NUMBER, _SEARCH = '"\\u0000"', '"\\u0000'


def _after_text(snapshot: dict[str, Any]) -> str:
    snapshot["ref"] = "\0"
    snapshot["derived"]["search_text"] = "\0" + snapshot["derived"]["search_text"]
    text = history.canonical_plain(snapshot)
    if text.count(_NUMBER) != 1 or text.count(_SEARCH) != 2:  # never: the record's text is cleaned
        raise AssertionError("a control character in a cleaned record")
    return text


class Importer:
    def __init__(self, desk: Desk, settings: Settings) -> None:
        self.desk = desk
        self.settings = settings

    def import_rows(
        self,
        actor: User,
        rows: Iterable[ImportRow],
        *,
        historical: bool = False,
        allow_duplicates: bool = False,
        progress: Callable[[int, int], bool] | None = None,
        column_of: Callable[[str], str] | None = None,
        on_outcome: Callable[[ImportOutcome], None] | None = None,
        waiting: Callable[[str], bool] | None = None,
        on_committed: Callable[[], None] | None = None,
    ) -> list[ImportOutcome]:
        """Add the readable rows as drafts, all in one transaction; list every row's outcome.

        ``rows`` may be a list or a stream (see reports.template.stream_import, which reads
        the workbook in another process while this one checks and stores). A row matching
        a stored reception (or an earlier row of the same sheet) on date, visiting unit and
        total is refused unless ``allow_duplicates``. With ``historical``, a row carrying
        审核人 enters as approved by that person. ``progress(done, total)`` may return False
        to cancel: nothing is committed then (total is 0 for a stream; the rows are counted
        twice, once checked and once stored). ``column_of`` names the face's column for a
        field the ledger refuses (reports.template.column_of); without it, problems carry the
        field names. With ``on_outcome``, each row's outcome is handed to it as the row is
        stored and none is kept (an import of a million rows in bounded memory): the outcomes
        stand only once this returns, since a later failure commits nothing. With ``waiting``,
        an import whose rows are checked while another desk holds the write lock (its own import)
        waits for it without the lock's time-out, calling ``waiting`` with what that desk says it
        does every fifth of a second; False stops the import, nothing written (the window, whose
        thread would otherwise freeze for the time-out and then lose the whole check).
        ``on_committed`` is called the moment the rows are committed, before anything else is
        done: a Ctrl-C after it is no longer a cancelled import (the command line says so).

        Two steps, so that other desks are not kept waiting while a big file is checked: every
        row is checked without the write lock (reading the ledger as it is) into a spool on
        disk; then, in one transaction under the write lock, what other desks stored meanwhile
        is caught up with (_catch_up), the numbers are given and the rows are stored with their
        history. The lock is held for the storing only.
        """
        total = len(rows) if isinstance(rows, Sized) else 0
        state = _ImportState(
            actor=actor,
            historical=historical,
            allow_duplicates=allow_duplicates,
            now=self.desk.clock(),
            column_of=column_of or str,
            on_outcome=on_outcome,
            on_committed=on_committed,
        )
        spool = Spool()
        collector = Collector()
        try:
            with self.desk.db.read() as s:
                self._allowed(s, state)
                state.watermark = changes.head(s)
                state.seen = (state.watermark, _hash_of_entry(s, state.watermark))
                state.sealed = set(s.scalars(select(SealedYearRow.year)))
            self.settings.policies()  # after the watermark: a version added later is seen there
            checked = named = 0
            batch: list[ImportRow] = []
            for item in rows:
                batch.append(item)
                if (r := item.reception) is not None:
                    named += len(r.guests) + len(r.companions) + len(r.staff)
                if len(batch) == _IMPORT_BATCH or named >= _STORE_PEOPLE:
                    spool.put(self._check_batch(state, _carrying(state, batch)))
                    checked += len(batch)
                    batch, named = [], 0
                    collector.now_and_then(checked)
                    if progress and progress(checked, 2 * total) is False:
                        raise ImportCancelled(tr("导入已取消，未写入任何数据"))
            spool.put(self._check_batch(state, _carrying(state, batch)))
            checked += len(batch)

            def store() -> None:
                self._store_all(state, spool, collector, checked, progress, total)

            if waiting is None:
                store()
            else:
                try:
                    when_free(store, lambda: self._waited(waiting), self.desk.db.at_once)
                except StoppedWaiting:
                    raise ImportCancelled(tr("导入已取消，未写入任何数据")) from None
        finally:
            collector.close()
            spool.close()
        return state.outcomes

    def _waited(self, waiting: Callable[[str], bool]) -> bool:
        """Once no other desk holds the write lock; False when ``waiting``, told what that desk
        does every fifth of a second, says to stop."""
        return polled(self.desk.db.writer_busy, lambda: waiting(writing.said(self.desk.db)))

    def _store_all(
        self,
        state: _ImportState,
        spool: Spool,
        collector: Collector,
        checked: int,
        progress: Callable[[int, int], bool] | None,
        total: int,
    ) -> None:
        """The checked rows stored in one transaction under the write lock."""
        with self.desk.db.write() as s:
            if (committed := state.on_committed) is not None:  # told at the commit itself
                event.listen(s, "after_commit", lambda _session: committed())
            dialect = s.get_bind().dialect
            if dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (12,):
                # each batch's lookups planned for the tables as they grow in this
                # transaction: a plan cached while they were small scans them whole
                s.execute(sql_text(_CUSTOM_PLANS))
                state.custom_plans = True
            self._allowed(s, state)  # a role taken away meanwhile counts
            self._same_history(s, state)
            self._catch_up(s, state)
            with writing.ImportNote(self.desk.db, s, state.actor.id, checked) as note:  # for waiting desks
                state.last_before = s.scalar(select(func.coalesce(func.max(ReceptionRow.id), 0))) or 0
                set_aside = set_aside_indexes(s.connection(), state.ready)
                for items in _joined(spool.batches_in_order(), _STORE_BATCH):
                    self._store(s, state, items)
                    note.update(state.done)
                    collector.now_and_then(checked + state.done)
                    if progress and progress(checked + state.done, 2 * (total or checked)) is False:
                        raise ImportCancelled(tr("导入已取消，未写入任何数据"))
                build_indexes(s.connection(), set_aside)

    def may_enter_approved(self, actor: User) -> bool:
        """Whether ``actor`` may import rows reviewed on paper as approved (``historical``)."""
        with self.desk.db.read() as s:
            return _may_enter_approved(s, actor)

    @staticmethod
    def _allowed(s: Session, state: _ImportState) -> None:
        require(s, state.actor, Role.CLERK, tr("导入接待"))
        if state.historical and not _may_enter_approved(s, state.actor):
            raise PermissionDenied(
                tr("按纸质审核导入（--historical）会直接记为已审核，需要“分管领导”或“管理员”角色")
            )

    def _check_batch(self, state: _ImportState, rows: list[ImportRow]) -> list[ImportOutcome | _Ready]:
        """Check one batch of worksheet rows against the ledger as it is (no write lock): each
        row's refusal, or the row ready to be stored."""
        if not rows:
            return []
        with self.desk.db.read() as s:
            self._read_known(s, state, rows)
            head = changes.head(s)
            state.seen = (head, _hash_of_entry(s, head))
        actor, now = state.actor, state.now
        out: list[ImportOutcome | _Ready] = []
        for item in rows:
            item = prepared(item)  # (done already by the reading process when it had the time)
            r, problems = item.reception, dict(item.problems or ())
            errors = list(item.errors)
            repeats = ""
            if r is not None and not errors:
                key = (r.reception_date, person_key(r.visiting_unit), to_fen(r.total))
                if not state.allow_duplicates and key in state.existing:
                    repeats = state.existing[key]
                    errors.append(_stored_duplicate(state, repeats))
                elif not state.allow_duplicates and (earlier := state.in_file.earlier(r)) is not None:
                    errors.append(CellError(state.column_of("reception_date"), duplicate_message(earlier)))
                else:
                    state.in_file.add(r, item.row)
                    errors += [CellError(state.column_of(f), m) for f, m in problems.items()]
            approved_by = clean_line(item.approved_by)
            if r is not None and r.reception_date.year in state.sealed:
                errors.append(CellError(state.column_of("reception_date"), sealed_message(r.reception_date.year)))
            if r is not None:
                errors += [
                    CellError(state.column_of(f), m)
                    for f, m in _paper_review_problems(state, r, item, approved_by)
                ]
            refusal = None
            if r is None or errors:
                refusal = ImportOutcome(item.row, None, None, tuple(errors))
                # refused only as a stored reception's duplicate: kept, in case that one changes
                kept = (
                    r is not None
                    and repeats
                    and len(errors) == 1
                    and not problems
                )
                if not kept:
                    out.append(refusal)
                    continue
            assert r is not None
            workflow: dict[str, Any] = {
                "clerk_name": r.clerk_name or actor.label,
                "ref": "",  # given under the write lock (_store)
                "status": Status.DRAFT,
                "version": 1,
                "created_by": actor.username,
                "created_at": now,
                "submitted_by": "",
                "submitted_at": None,
                "approved_by": "",
                "approved_at": None,
                "review_comment": "",
                "posted_on": None,
            }
            action = "import"
            if state.historical and approved_by:
                approved_at = datetime.combine(item.approved_on or r.reception_date, datetime.min.time())
                workflow |= {
                    "status": Status.APPROVED,
                    "submitted_by": workflow["clerk_name"],
                    "submitted_at": approved_at,
                    "approved_by": approved_by,
                    "approved_at": approved_at,
                }
                action = "import_historical"
            record = Reception.from_storage(**(r.__dict__ | workflow | {"ref": r.ref}))
            assessment = self.settings.assess(record)
            columns, children = storage(record, assessment, "")
            del workflow["clerk_name"], workflow["ref"]
            columns |= workflow | {"status": workflow["status"].value}
            snapshot = record.snapshot() | {"derived": derived(columns, children["violations"])}
            after = _after_text(snapshot)
            out.append(_Ready(item.row, action, columns, children, r.ref, assessment, after, repeats, refusal))
            state.ready += 1
        return out

    @staticmethod
    def _read_known(s: Session, state: _ImportState, rows: list[ImportRow]) -> None:
        """The stored receptions of the batch's dates (read once an import) and the numbers
        its rows ask for."""
        # a date read for an earlier batch is not read again (its rows stored by this import
        # are in ``in_file``), so the cost stays linear in the rows
        dates = sorted({r.reception.reception_date for r in rows if r.reception} - state.loaded_dates)
        state.loaded_dates.update(dates)
        for first in range(0, len(dates), 500):
            _stored_keys(s, ReceptionRow.reception_date.in_(dates[first : first + 500]), state.existing)
        wanted = {r.reception.ref for r in rows if r.reception and r.reception.ref}
        if wanted:
            state.refs_taken.update(s.scalars(select(ReceptionRow.ref).where(ReceptionRow.ref.in_(wanted))))
            if not state.deleted_read:  # a deleted draft's number is never given out again,
                state.deleted_read = True  # not even to a row that names it (read once an import)
                state.refs_taken.update(
                    s.scalars(
                        select(HistoryRow.ref).where(
                            HistoryRow.entity == "reception", HistoryRow.action == "delete"
                        )
                    )
                )

    @staticmethod
    def _same_history(s: Session, state: _ImportState) -> None:
        """Under the write lock: the history still holds the last entry the check saw, with
        its hash, so nothing the check read was taken away. A backup restored meanwhile
        replaced the ledger (another history, or this one cut short): what it holds cannot
        be caught up with from the entries after the watermark, so the import stops, with
        nothing written."""
        entry_id, entry_hash = state.seen
        if _hash_of_entry(s, entry_id) != entry_hash:
            raise StaleEdit(tr("导入期间账本已被整体替换（恢复了备份），未写入任何数据：请重新导入"))
        # rows approved on paper are never judged again once stored: a policy version added
        # meanwhile that is in force on the date of one of them stops the import (drafts are
        # judged again when they are submitted)
        if state.historical and state.latest is not None:
            added = select(HistoryRow.ref).where(HistoryRow.id > state.watermark, HistoryRow.entity == "policy")
            if any(date.fromisoformat(start) <= state.latest for start in s.scalars(added)):
                raise StaleEdit(
                    tr("导入期间管理员新增了接待标准版本，各行须按新标准重新检查，未写入任何数据：请重新导入")
                )

    @staticmethod
    def _catch_up(s: Session, state: _ImportState) -> None:
        """Under the write lock: what other desks did to receptions while the rows were checked
        (every write leaves a history entry after the watermark). Their numbers, also of
        deleted drafts, are taken; a reception stored or changed meanwhile refuses the rows
        that repeat it."""
        since = select(HistoryRow.entity_id, HistoryRow.ref).where(
            HistoryRow.id > state.watermark, HistoryRow.entity == "reception"
        )
        touched: set[int] = set()
        for entity_id, number in s.execute(since):
            state.refs_taken.add(number)
            state.touched.add(number)
            if entity_id is not None:
                touched.add(entity_id)
        state.sealed = set(s.scalars(select(SealedYearRow.year)))  # a year sealed meanwhile too
        ids = sorted(touched)
        for first in range(0, len(ids), 500):
            _stored_keys(s, ReceptionRow.id.in_(ids[first : first + 500]), state.stored_since)

    @staticmethod
    def _taken_back(s: Session, state: _ImportState, item: _Ready) -> bool:
        """Under the write lock: whether a row refused at the check as the duplicate of a stored
        reception is stored after all — that reception was voided, deleted or changed meanwhile
        and no reception of the ledger has the row's date, visiting unit and total now. Such rows
        are then compared with each other as the rows of one file are (not with the receptions
        this import stored before them, which are theirs: two that carry different numbers stay
        two, in one store batch or in two). A row still refused names a reception it repeats now."""
        if item.repeats not in state.touched:
            return False  # untouched: still the same reception
        columns = item.columns
        if state.taken_back is None:
            state.taken_back = FileDuplicates()
        key = duplicate_key(columns["reception_date"], columns["visiting_unit"], columns["total_fen"])
        earlier = state.taken_back.earlier_at(key, item.carried)  # (stored by this import: before the ledger)
        if earlier is not None:
            error = CellError(state.column_of("reception_date"), duplicate_message(earlier))
            item.refusal = ImportOutcome(item.row, None, None, (error,))
            return False
        _, unit, total = key
        if (still := _still_stored(s, (columns["reception_date"], unit, total), state.last_before)) is not None:
            item.refusal = ImportOutcome(item.row, None, None, (_stored_duplicate(state, still),))
            return False
        state.taken_back.add_at(key, item.carried, item.row)
        return True

    def _store(self, s: Session, state: _ImportState, items: list[ImportOutcome | _Ready]) -> None:
        """Under the write lock: number the batch's ready rows and store them with their history."""
        accepted: list[_Ready] = []
        for item in items:
            if isinstance(item, ImportOutcome):
                state.add(item)
                continue
            columns = item.columns
            if item.repeats and not self._taken_back(s, state, item):
                assert item.refusal is not None
                state.add(item.refusal)
                continue
            year = columns["reception_date"].year
            if year in state.sealed:  # sealed while the rows were checked
                error = CellError(state.column_of("reception_date"), sealed_message(year))
                state.add(ImportOutcome(item.row, None, None, (error,)))
                continue
            if state.stored_since and not state.allow_duplicates:
                key = (columns["reception_date"], person_key(columns["visiting_unit"]), columns["total_fen"])
                if key in state.stored_since:
                    error = _stored_duplicate(state, state.stored_since[key])
                    state.add(ImportOutcome(item.row, None, None, (error,)))
                    continue
            if year not in state.next_seq:
                state.next_seq[year] = next_seq(s, year)
            kept = _free_seq(state, item.carried, year)
            if kept is not None:  # 编号 of an exported ledger, still free here: kept
                seq = kept
                state.next_seq[year] = max(state.next_seq[year], seq + 1)
            else:
                seq = state.next_seq[year]
                state.next_seq[year] += 1
                while state.refs_taken.holds(year, seq) or state.carried.holds(year, seq):
                    seq = state.next_seq[year]
                    state.next_seq[year] += 1
            number = ref(year, seq)
            state.refs_taken.add(number)
            written = item.carried if item.carried != number else ""
            search_text = number.lower() + columns["search_text"]  # (storage's first word)
            item.after = item.after.replace(_NUMBER, history.canonical(number), 1).replace(
                _SEARCH, history.canonical(number.lower())[:-1], 1
            )
            item.columns |= {"ref": number, "year": year, "seq": seq, "search_text": search_text}
            accepted.append(item)
            approved = columns["status"] == Status.APPROVED.value
            state.add(ImportOutcome(item.row, number, item.assessment, (), written, approved))
        if not accepted:
            return
        actor, now = state.actor, state.now
        # Core bulk inserts: an ORM unit of work costs several times more per row (a plain
        # executemany; the new ids are read back by reference, since RETURNING makes SQLite
        # insert row by row)
        cited = [
            (key_of(c["letter_no"]), c["letter_no"], c["letter_title"], c["visiting_unit"])
            for c in (a.columns for a in accepted)
        ]
        # the batch's letters are looked up afresh (one query per batch): a map of every letter
        # the import met would hold a million-row import's ~150 MB of keys
        letter_ids = letters.link_many(s, actor.username, now, cited, {})
        for a, (key, *_) in zip(accepted, cited, strict=True):
            a.columns["letter_id"] = letter_ids.get(key)
        connection = s.connection()
        table = ReceptionRow.__table__
        before = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        insert_receptions(connection, [a.columns for a in accepted], before)
        found = dict(connection.execute(select(table.c.ref, table.c.id).where(table.c.id > before)).all())
        ids = [found[a.columns["ref"]] for a in accepted]
        if state.custom_plans:
            # not for the children: each child row's foreign key is checked by a plan the
            # server keeps, by the reception's primary key; planned afresh for every row it
            # cost five times the check (1.2 s instead of 0.26 s for 40,000 people)
            # (the plans made afresh: one the connection kept from before the import, made while
            # the receptions were few, would read the whole table for every person)
            connection.exec_driver_sql("DISCARD PLANS")
            connection.exec_driver_sql("SET LOCAL plan_cache_mode TO DEFAULT")
        for child, kind in (
            (PersonRow, "people"),
            (MealRow, "meals"),
            (ExplanationRow, "explanations"),
            (ViolationRow, "violations"),
        ):
            values = []  # (the children's dicts are the spool's, read for this batch: given their id)
            for rid, a in zip(ids, accepted, strict=True):
                for c in a.children[kind]:
                    c["reception_id"] = rid
                    values.append(c)
            if values:
                insert_many(connection, child.__table__, values)
        if state.custom_plans:
            connection.exec_driver_sql(_CUSTOM_PLANS)
        history.append_many(
            s,
            [
                {
                    "username": actor.username,
                    "action": a.action,
                    "entity": "reception",
                    "entity_id": rid,
                    "ref": a.columns["ref"],
                    "after": a.after,
                    "at": now,
                    "comment": tr("第 {row} 行").format(row=a.row),
                }
                for rid, a in zip(ids, accepted, strict=True)
            ],
            algo=chain_algo(s),
        )


_CUSTOM_PLANS = "SET LOCAL plan_cache_mode = force_custom_plan"


def sealed_message(year: int) -> str:
    """Why a row dated in a sealed year is refused (``check --db`` says it too)."""
    return tr("{year} 年已封存（年度已归档）：不能再导入该年度的接待").format(year=year)


def _may_enter_approved(s: Session, actor: User) -> bool:
    return has(s, actor, Role.APPROVER) or has(s, actor, Role.ADMIN)


def _joined(batches: Iterable[list[Any]], size: int, people: int = _STORE_PEOPLE) -> Iterator[list[Any]]:
    """The batches joined into batches of at least ``size`` items, or fewer holding ``people``
    named people (a row naming thousands costs megabytes), the last may be smaller."""
    joined: list[Any] = []
    named = 0
    for batch in batches:
        joined += batch
        named += sum(len(item.children["people"]) for item in batch if isinstance(item, _Ready))
        if len(joined) >= size or named >= people:
            yield joined
            joined, named = [], 0
    if joined:
        yield joined


def _still_stored(s: Session, key: tuple[date, str, int], last: int) -> str | None:
    """The number of the first reception up to id ``last`` that is not void and has this
    duplicate key now, or None."""
    day, unit, total = key
    found = select(ReceptionRow.visiting_unit, ReceptionRow.ref).where(
        ReceptionRow.reception_date == day,
        ReceptionRow.total_fen == total,
        ReceptionRow.status != Status.VOID.value,
        ReceptionRow.id <= last,
    ).order_by(ReceptionRow.id)
    return next((number for u, number in s.execute(found) if person_key(u) == unit), None)


def _hash_of_entry(s: Session, entry_id: int) -> str:
    return (s.scalar(select(HistoryRow.hash).where(HistoryRow.id == entry_id)) or "") if entry_id else ""


def _stored_keys(s: Session, where: Any, into: dict[tuple[date, str, int], str]) -> None:
    """The duplicate keys (date, visiting unit, total) of the stored receptions ``where`` says,
    with their numbers; a void reception is no duplicate."""
    stmt = select(
        ReceptionRow.reception_date, ReceptionRow.visiting_unit, ReceptionRow.total_fen, ReceptionRow.ref
    ).where(where, ReceptionRow.status != Status.VOID.value)
    for d, unit, total, known in s.execute(stmt):
        into.setdefault((d, person_key(unit), total), known)


def _stored_duplicate(state: _ImportState, number: str) -> CellError:
    return CellError(
        state.column_of("reception_date"),
        tr("与已有接待 {ref} 重复（日期、来访单位、金额相同）").format(ref=number),
    )


def _paper_review_problems(
    state: _ImportState, r: Reception, item: ImportRow, approved_by: str
) -> list[tuple[str, str]]:
    """Why a row's 审核人/审核日期 cannot stand (field, message): the same rules as a review in
    the ledger — nobody approves what they imported or entered, and never before the reception."""
    if len(approved_by) > limits.PERSON_NAME:
        return [("approved_by", tr("审核人最多 {n} 个字").format(n=limits.PERSON_NAME))]
    if not (state.historical and approved_by):
        return []
    actor, reviewer = state.actor, person_key(approved_by)
    if reviewer in (person_key(actor.username), person_key(actor.display_name)):
        return [("approved_by", tr("审核人不能是导入人本人（{name}）").format(name=approved_by))]
    if r.clerk_name and reviewer == person_key(r.clerk_name):
        return [("approved_by", tr("审核人不能是经办人本人（{name}）").format(name=approved_by))]
    if item.approved_on is None:
        return [("approved_on", tr("按纸质审核导入时请填写审核日期"))]
    if item.approved_on < r.reception_date:
        return [("approved_on", tr("审核日期 {d} 早于接待日期").format(d=item.approved_on.isoformat()))]
    if item.approved_on > state.now.date():
        return [("approved_on", tr("审核日期 {d} 晚于今天").format(d=item.approved_on.isoformat()))]
    return []


_PLAIN_SEQ = 9999  # the four digits of JD-2025-0007


def _own_seq(number: str, year: int) -> int | None:
    """The sequence number of a row's 编号 when it is a number of the reception's ``year`` as the
    ledger writes it (JD-2025-0007 for a reception of 2025); else None."""
    parts = number.split("-")
    if len(parts) != 3 or parts[0] != "JD" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    seq = int(parts[2])
    if int(parts[1]) != year or seq < 1 or ref(year, seq) != number:
        return None
    return seq


def _carrying(state: _ImportState, rows: list[ImportRow]) -> list[ImportRow]:
    """``rows`` as read, the numbers they carry noted in ``state.carried`` — also a row refused
    for a cell, which keeps its number when it is imported again corrected — (of four digits: a
    typed JD-2025-9999999 would cost a megabyte of bitmap and is seldom kept), and their latest
    date in ``state.latest``."""
    for item in rows:
        r = item.reception
        number = r.ref if r is not None else item.ref
        place = TakenRefs.place_of(number) if number else None
        if place is not None and place[1] <= _PLAIN_SEQ and (r is None or place[0] == r.reception_date.year):
            state.carried.add(number)
        if r is not None and (state.latest is None or r.reception_date > state.latest):
            state.latest = r.reception_date
    return rows


def _free_seq(state: _ImportState, number: str, year: int) -> int | None:
    """The sequence number of the 编号 a row carries when it belongs to the reception's ``year``
    and no reception of the ledger or of this import has it; else None (a new number is given)."""
    seq = _own_seq(number, year)
    if seq is None:
        return None
    # beyond four digits only where the ledger's own numbering has reached it: a typed
    # JD-2025-99999 would otherwise push every later number of the year past 100000
    if seq > _PLAIN_SEQ and seq > state.next_seq.get(year, 1):
        return None
    return None if number in state.refs_taken else seq
