"""Every read of the ledger, as functions of an open session: the front desk wraps them in
a read transaction, and the year-on-year figures (ledger.targets) share them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from ledger import history
from ledger.errors import NotFound
from ledger.i18n import tr
from ledger.mapping import children_of, record_of, to_record
from ledger.models import (
    AttachmentRow,
    HistoryRow,
    MealRow,
    ReceptionRow,
    TargetRow,
    ViolationRow,
    one_of,
    reception_totals,
)
from ledger.money import from_fen
from ledger.records import HistoryEntry, LedgerQuery, LedgerRow, LedgerSummary, Reception, Status, Violation
from ledger.text import clean_line

DEFAULT_REDUCTION = Decimal("0.20")


def reception_row(s: Session, reception_id: int | None, *, lock: bool = False) -> ReceptionRow:
    if reception_id is None:
        raise NotFound(tr("接待记录尚未保存"))
    stmt = select(ReceptionRow).where(ReceptionRow.id == reception_id)
    if lock:
        stmt = stmt.with_for_update()
    row = s.scalars(stmt).first()
    if row is None:
        raise NotFound(tr("接待记录不存在（可能已被删除）"))
    return row


def get(s: Session, reception_id: int) -> Reception:
    return record_of(reception_row(s, reception_id))


def get_by_ref(s: Session, ref: str) -> Reception:
    row = s.scalars(select(ReceptionRow).where(ReceptionRow.ref == clean_line(ref))).first()
    if row is None:
        raise NotFound(tr("没有编号为 {ref} 的接待记录").format(ref=ref))
    return record_of(row)


def receptions(
    s: Session,
    query: LedgerQuery = LedgerQuery(),
    *,
    approved_only: bool = False,
    include_classified: bool = True,
) -> list[Reception]:
    """Whole records (without attachment lists), in date order: reports and exports.

    Read with plain Core queries, one per table, rather than through the ORM: a year of
    a busy ledger is tens of thousands of records.
    """
    return _records(s, _chosen(s, query, approved_only, include_classified).scalar_subquery())


def _chosen(s: Session, query: LedgerQuery, approved_only: bool, include_classified: bool) -> Select[Any]:
    ids = filtered(select(ReceptionRow.id), query, s)
    if approved_only:
        ids = ids.where(ReceptionRow.status == Status.APPROVED.value)
    if not include_classified:
        ids = ids.where(ReceptionRow.classified.is_(False))
    return ids


def reception_ids(
    s: Session, query: LedgerQuery, *, approved_only: bool = False, include_classified: bool = True
) -> list[int]:
    """The ids ``receptions`` would read, in its order (date, then reference)."""
    stmt = _chosen(s, query, approved_only, include_classified).order_by(
        ReceptionRow.reception_date, ReceptionRow.year, ReceptionRow.seq
    )
    return list(s.scalars(stmt))


def receptions_by_ids(s: Session, ids: Sequence[int]) -> list[Reception]:
    """Whole records of ``ids`` (a chunk: the database's parameter limit), in date order."""
    return _records(s, list(ids))


def _records(s: Session, chosen: Any) -> list[Reception]:
    table = ReceptionRow.__table__
    connection = s.connection()
    dialect = connection.dialect.name
    result = connection.execute(
        select(table)
        .where(one_of(table.c.id, chosen, dialect))
        .order_by(table.c.reception_date, table.c.year, table.c.seq)
    )
    keys = list(result.keys())
    rows = [dict(zip(keys, r, strict=True)) for r in result.all()]

    people, meals, explanations = children_of(connection, lambda reception_id: one_of(reception_id, chosen, dialect))
    return [
        to_record(r, people.get(r["id"], ()), meals.get(r["id"], ()), explanations.get(r["id"], ()), ())
        for r in rows
    ]


def violations_of(s: Session, reception_ids: Sequence[int]) -> dict[int, list[Violation]]:
    """The breaches recorded at the last save, by reception."""
    out: dict[int, list[Violation]] = {}
    dialect = s.get_bind().dialect.name
    for chunk_start in range(0, len(reception_ids), 500):
        chunk = list(reception_ids[chunk_start : chunk_start + 500])
        stmt = (
            select(ViolationRow)
            .where(one_of(ViolationRow.reception_id, chunk, dialect))
            .order_by(ViolationRow.reception_id, ViolationRow.position)
        )
        for v in s.scalars(stmt):
            out.setdefault(v.reception_id, []).append(
                Violation(
                    rule=v.rule,
                    message=v.message,
                    limit=v.limit_text,
                    actual=v.actual_text,
                    excess=from_fen(v.excess_fen),
                )
            )
    return out


_NOT_VOID = ReceptionRow.status != Status.VOID.value
_COUNTED_FEN = case((_NOT_VOID, ReceptionRow.total_fen), else_=0)  # a void reception adds nothing


def count_and_total(s: Session, query: LedgerQuery) -> tuple[int, Decimal]:
    """How many receptions ``query`` selects and their total, exactly (reports, notices); the
    count includes void ones, the total never does."""
    if _by_totals(query):
        count, total, _void = _from_totals(s, query)
        return count, total
    stmt = filtered(select(func.count(ReceptionRow.id), func.coalesce(func.sum(_COUNTED_FEN), 0)), query, s)
    count, total = s.execute(stmt).one()
    return int(count), from_fen(int(total))


SUMMARY_CAP = 10_000


def ledger_summary(s: Session, query: LedgerQuery, cap: int | None = None) -> LedgerSummary:
    """The status bar's count and total without reading a million rows.

    Filters by year, month, status and compliance are answered exactly from the monthly
    totals the database keeps (``reception_totals``). A search, a visiting unit or a date
    range reads at most ``cap + 1`` matching rows: up to ``cap`` the figures are exact, above
    it the summary says so (``exact`` False: "more than cap") instead of guessing.
    """
    if _by_totals(query):
        count, total, void = _from_totals(s, query)
        return LedgerSummary(count, total, exact=True, void=void)
    cap = SUMMARY_CAP if cap is None else cap
    text = clean_line(query.text).lower()
    if _trigram_search(s, query) and _only_text(query) and _postings(s, text, cap) > cap:
        return LedgerSummary(cap, None, exact=False)  # the trigram postings alone tell
    void_flag = case((_NOT_VOID, 0), else_=1)
    matching = (
        filtered(select(_COUNTED_FEN.label("fen"), void_flag.label("void")), query, s)
        .limit(cap + 1)
        .subquery()
    )
    count, total, void = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(matching.c.fen), 0),
            func.coalesce(func.sum(matching.c.void), 0),
        )
    ).one()
    if count > cap:
        return LedgerSummary(cap, None, exact=False)
    return LedgerSummary(int(count), from_fen(int(total)), exact=True, void=int(void))


def _only_text(q: LedgerQuery) -> bool:
    return not (
        q.year or q.status or q.compliance != "all" or q.visiting_unit or q.date_from or q.date_to or q.refs
    )


def _postings(s: Session, text: str, cap: int) -> int:
    """How many receptions hold ``text`` (three characters or more) by the FTS5 trigram
    index, counted up to ``cap + 1``: a few milliseconds whatever the ledger's size."""
    found = select(_FTS.c.rowid).where(_match(text)).limit(cap + 1).subquery()
    return int(s.scalar(select(func.count()).select_from(found)) or 0)


def _by_totals(q: LedgerQuery) -> bool:
    """Whether the monthly totals answer ``q`` (no search, unit, date range or list of refs)."""
    return not (clean_line(q.text) or q.visiting_unit or q.date_from or q.date_to or q.refs)


def _from_totals(s: Session, q: LedgerQuery) -> tuple[int, Decimal, int]:
    """Receptions, their total (void ones' amounts left out) and how many of them are void."""
    t = reception_totals
    is_void = t.c.status == Status.VOID.value
    stmt = select(
        func.coalesce(func.sum(t.c.receptions), 0),
        func.coalesce(func.sum(case((is_void, 0), else_=t.c.total_fen)), 0),
        func.coalesce(func.sum(case((is_void, t.c.receptions), else_=0)), 0),
    )
    if q.year:
        stmt = stmt.where(t.c.year == q.year)
        if q.month:
            stmt = stmt.where(t.c.month == q.month)
    if q.status:
        stmt = stmt.where(t.c.status == Status(q.status).value)
    if q.compliance == "compliant":
        stmt = stmt.where(t.c.breach.is_(False))
    elif q.compliance == "breach":
        stmt = stmt.where(t.c.breach.is_(True))
    count, total, void = s.execute(stmt).one()
    return int(count), from_fen(int(total)), int(void)


DEFERRED_FROM = 2000


def ledger_rows(s: Session, query: LedgerQuery, offset: int = 0, limit: int = 200) -> list[LedgerRow]:
    """One page of the ledger view, sorted and filtered in the database."""
    columns = SORT_COLUMNS.get(query.sort, SORT_COLUMNS["reception_date"])
    order = [c.desc() if query.descending else c.asc() for c in columns]
    stmt = filtered(
        select(
            ReceptionRow.id,
            ReceptionRow.ref,
            ReceptionRow.reception_date,
            ReceptionRow.visiting_unit,
            ReceptionRow.activity,
            ReceptionRow.guest_count,
            ReceptionRow.companion_count,
            ReceptionRow.total_fen,
            ReceptionRow.status,
            ReceptionRow.violation_count,
            ReceptionRow.over_standard_fen,
            ReceptionRow.classified,
            ReceptionRow.posted_on,
            ReceptionRow.meal_fen,
            _MEAL_DINERS,
            ReceptionRow.reimbursement_no,
        ),
        query,
        s,
    )
    if offset > DEFERRED_FROM:
        # far pages: walk the sort index for the page's ids alone (an index-only walk past
        # `offset` entries), then read those rows by id, in the page's order
        ids = list(
            s.scalars(
                filtered(select(ReceptionRow.id), query, s).order_by(*order).offset(offset).limit(limit)
            )
        )
        place = {rid: i for i, rid in enumerate(ids)}
        found = sorted(s.execute(stmt.where(ReceptionRow.id.in_(ids))), key=lambda r: place[r[0]])
    else:
        found = list(s.execute(stmt.order_by(*order).offset(offset).limit(limit)))
    return [
        LedgerRow(
            id=r[0],
            ref=r[1],
            reception_date=r[2],
            visiting_unit=r[3],
            activity=r[4],
            guest_count=r[5],
            companion_count=r[6],
            total=from_fen(r[7]),
            status=Status(r[8]),
            violation_count=r[9],
            over_standard_amount=from_fen(r[10]),
            classified=r[11],
            posted_on=r[12],
            meal_amount=from_fen(r[13]),
            meal_diners=int(r[14] or 0),
            reimbursement_no=r[15] or "",
        )
        for r in found
    ]


def filtered(
    stmt: Select[Any], q: LedgerQuery, s: Session | None = None, *, text_done: bool = False
) -> Select[Any]:
    """``stmt`` narrowed to what ``q`` selects (the session lets a search use the engine's
    index; ``text_done``: the caller already joined the search)."""
    conditions = []
    if q.year:
        if q.month:
            start = date(q.year, q.month, 1)
            end = date(q.year + (q.month == 12), q.month % 12 + 1, 1)
        else:
            start, end = date(q.year, 1, 1), date(q.year + 1, 1, 1)
        conditions += [ReceptionRow.reception_date >= start, ReceptionRow.reception_date < end]
    if q.date_from:
        conditions.append(ReceptionRow.reception_date >= q.date_from)
    if q.date_to:
        conditions.append(ReceptionRow.reception_date <= q.date_to)
    if q.status:
        conditions.append(ReceptionRow.status == Status(q.status).value)
    if q.compliance == "compliant":
        conditions.append(ReceptionRow.violation_count == 0)
    elif q.compliance == "breach":
        conditions.append(ReceptionRow.violation_count > 0)
    if q.visiting_unit:
        conditions.append(ReceptionRow.visiting_unit == q.visiting_unit)
    if q.refs:
        conditions.append(ReceptionRow.ref.in_(q.refs))
    text = clean_line(q.text).lower()
    if text and not text_done:
        conditions.append(_contains(text, s))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return stmt


def _contains(text: str, s: Session | None) -> Any:
    """``search_text`` holds ``text`` anywhere: one substring test with the same answers on
    every engine. PostgreSQL's planner uses the pg_trgm index for the LIKE when migration 0004
    could create it. On SQLite a text of three characters or more is looked up in the FTS5
    trigram index (a phrase of trigrams is a substring) when it is rare enough for its matches
    to be collected (at most ``SUMMARY_CAP``); a commoner one is found sooner by walking the
    page's sort index and testing each row. One or two characters (两个字) have no trigram:
    a LIKE over the rows."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = ReceptionRow.search_text.like(f"%{escaped}%", escape="\\")
    if s is None or len(text) < 3 or _dialect(s) != "sqlite":
        return like
    if _postings(s, text, SUMMARY_CAP) > SUMMARY_CAP:
        return like
    return ReceptionRow.id.in_(select(_FTS.c.rowid).where(_match(text)))


def _match(text: str) -> Any:
    return literal_column("receptions_search").op("MATCH")('"' + text.replace('"', '""') + '"')


def _trigram_search(s: Session, q: LedgerQuery) -> bool:
    return _dialect(s) == "sqlite" and len(clean_line(q.text)) >= 3


_FTS = table("receptions_search", column("rowid"))


def _dialect(s: Session | None) -> str:
    return s.get_bind().dialect.name if s is not None else ""


# per person: literals, not bound parameters, so the database matches its expression index
PER_PERSON = (ReceptionRow.total_fen * literal_column("1.0")).op("/")(
    func.nullif(ReceptionRow.guest_count + ReceptionRow.companion_count, literal_column("0"))
)

# the meal per person at the table, rendered as migration 0008's index has it (literals, no
# bound parameters), so that a sort by 人均餐费 walks that index
MEAL_PER_PERSON = (ReceptionRow.meal_fen * literal_column("1.0")).op("/")(
    func.nullif(ReceptionRow.guest_count + ReceptionRow.companion_count, literal_column("0"))
)

# the diners of a reception's meals, for 人均餐费 on the page shown (read for that page only)
_MEAL_DINERS = (
    select(func.coalesce(func.sum(MealRow.diners), 0))
    .where(MealRow.reception_id == ReceptionRow.id)
    .correlate(ReceptionRow)
    .scalar_subquery()
)

SORT_COLUMNS = {
    "ref": (ReceptionRow.year, ReceptionRow.seq),
    "reception_date": (ReceptionRow.reception_date, ReceptionRow.id),
    "visiting_unit": (ReceptionRow.visiting_unit, ReceptionRow.id),
    "activity": (ReceptionRow.activity, ReceptionRow.id),
    "guest_count": (ReceptionRow.guest_count, ReceptionRow.id),
    "companion_count": (ReceptionRow.companion_count, ReceptionRow.id),
    "total": (ReceptionRow.total_fen, ReceptionRow.id),
    "per_person": (PER_PERSON, ReceptionRow.id),
    "meal_amount": (ReceptionRow.meal_fen, ReceptionRow.id),
    # sorted by the meal per person at the table (the diners are guests and companions but
    # where a meal was recorded otherwise; the figure shown is always meal ÷ its diners)
    "meal_per_person": (MEAL_PER_PERSON, ReceptionRow.id),
    "status": (ReceptionRow.status, ReceptionRow.reception_date, ReceptionRow.id),  # rides the status index
    "violation_count": (ReceptionRow.violation_count, ReceptionRow.id),
    "compliant": (ReceptionRow.violation_count, ReceptionRow.id),
    "over_standard_amount": (ReceptionRow.over_standard_fen, ReceptionRow.id),
    "posted_on": (ReceptionRow.posted_on, ReceptionRow.id),
}


# the distinct years by a walk of the (year, seq) index, one probe per year: DISTINCT reads
# every row on PostgreSQL (a million receptions: about 100 ms, twice as the window opens)
_YEARS = text(
    "WITH RECURSIVE y(year) AS ("
    " SELECT max(year) FROM receptions"
    " UNION ALL SELECT (SELECT max(year) FROM receptions WHERE year < y.year) FROM y WHERE y.year IS NOT NULL"
    ") SELECT year FROM y WHERE year IS NOT NULL"
)


def years(s: Session) -> list[int]:
    return sorted((int(y) for y in s.scalars(_YEARS).all()), reverse=True)


def history_entries(s: Session, reception_id: int | None = None) -> list[HistoryEntry]:
    stmt = select(HistoryRow).order_by(HistoryRow.id)
    if reception_id is not None:
        stmt = stmt.where(HistoryRow.entity == "reception", HistoryRow.entity_id == reception_id)
    return [history.to_entry(r) for r in s.scalars(stmt)]


def attachment_content(s: Session, attachment_id: int) -> bytes:
    row = s.get(AttachmentRow, attachment_id)
    if row is None:
        raise NotFound(tr("附件不存在"))
    return row.content


def reduction_for(s: Session, year: int) -> Decimal:
    """The year's reduction target (20 % unless an administrator set another)."""
    return reduction_of(s, year)[0]


def reduction_of(s: Session, year: int) -> tuple[Decimal, bool]:
    """The year's reduction target, and whether an administrator set it."""
    row = s.get(TargetRow, year)
    return (Decimal(row.reduction), True) if row else (DEFAULT_REDUCTION, False)


def approved_by_month(s: Session, first_year: int, last_year: int) -> list[tuple[Any, ...]]:
    """Approved receptions per month of [first_year, last_year] from the totals the database
    keeps: year, month, then the columns of ``approved_by_day`` after the date."""
    t = reception_totals
    stmt = (
        select(
            t.c.year,
            t.c.month,
            func.sum(t.c.total_fen),
            func.sum(t.c.receptions),
            func.sum(t.c.guests),
            func.sum(t.c.canteen_meals),
            func.sum(t.c.meal_count),
            func.sum(case((t.c.breach.is_(False), t.c.receptions), else_=0)),
            func.sum(t.c.over_standard_fen),
        )
        .where(t.c.status == Status.APPROVED.value, t.c.year >= first_year, t.c.year <= last_year)
        .group_by(t.c.year, t.c.month)
    )
    return [tuple(row) for row in s.execute(stmt)]


def approved_by_day(s: Session, start: date, end: date) -> list[tuple[Any, ...]]:
    """Approved receptions grouped by reception date in [start, end]: date, total fen, count,
    guests, canteen meals, meals, compliant receptions, over-standard fen."""
    r = ReceptionRow
    stmt = (
        select(
            r.reception_date,
            func.sum(r.total_fen),
            func.count(),
            func.sum(r.guest_count),
            func.sum(r.canteen_meals),
            func.sum(r.meal_count),
            func.sum(case((r.violation_count == 0, 1), else_=0)),
            func.sum(r.over_standard_fen),
        )
        .where(r.status == Status.APPROVED.value, r.reception_date >= start, r.reception_date <= end)
        .group_by(r.reception_date)
    )
    return [tuple(row) for row in s.execute(stmt)]


def top_units(s: Session, year: int, as_of: date, top: int) -> list[tuple[str, int, int]]:
    """The visiting units received most often this year (approved, not classified): unit,
    receptions, total fen."""
    r = ReceptionRow
    stmt = (
        select(r.visiting_unit, func.count(r.id), func.sum(r.total_fen))
        .where(
            r.status == Status.APPROVED.value,
            r.reception_date >= date(year, 1, 1),
            r.reception_date <= as_of,
            r.classified.is_(False),
        )
        .group_by(r.visiting_unit)
        .order_by(func.count(r.id).desc(), func.sum(r.total_fen).desc(), r.visiting_unit)
        .limit(top)
    )
    return [(u, n, t) for u, n, t in s.execute(stmt)]
