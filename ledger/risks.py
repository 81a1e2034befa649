"""Supervision warnings (疑点, SPEC §2): patterns across receptions that no single record shows.

Warnings never block anything: they are listed for the leader (approval queue, the form),
on the dashboard (疑点提示) and by ``risks --year``. They are computed for one year in the
database: each code is one query over the year's receptions (grouped or filtered by the
database where it can; letters, invoices and units are compared after normalising, which
SQL cannot do portably, so those codes read one narrow column list and group it here).

What is counted:

- every reception recorded with a reception date in the year, whatever its status (a draft
  already shows its warnings on the form and in the queue), but a void one (作废: it counts
  nowhere);
- the parameters are the policy version's ``warnings`` in force on 31 December of the year;
- ``late_entry`` and ``late_posting`` leave out receptions imported as approved on paper
  (``import --historical``: approved before they were entered), since their dates are the
  paper's; ``late_posting`` leaves out classified receptions (never posted) and those whose
  posting period has not run out yet on ``today``;
- ``letter_reused``, ``invoice_reused`` and the unit codes compare after :func:`text_key`
  (NFKC, so full-width forms become half-width; every bracket 〔〕[]【】（）… becomes ();
  all spaces removed; case folded).

Beyond SPEC §2 one code from the audit literature is added, because it is clear and
testable: ``invoice_reused`` (一票多报), one invoice number on the meals of more than one
reception, the duplicate-reimbursement pattern audit offices report year after year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session

from ledger.db import Database
from ledger.i18n import tr
from ledger.models import MealRow, ReceptionRow
from ledger.policy import Policy, WarningParams, policy_in_force
from ledger.records import Status
from ledger.text import text_key
from ledger.workdays import WorkCalendar

CODES: dict[str, str] = {
    "letter_reused": tr("一函多餐"),
    "split_reception": tr("疑似拆分接待"),
    "frequent_unit": tr("同一单位频繁接待"),
    "holiday_reception": tr("节假日接待"),
    "late_entry": tr("补录滞后"),
    "late_posting": tr("审核后未及时公示"),
    "cash_payment": tr("现金支付"),
    "invoice_reused": tr("一票多报"),
}

@dataclass(frozen=True)
class Risk:
    """One occurrence: a group of receptions (or one reception) showing the pattern."""

    code: str
    refs: tuple[str, ...]  # sorted
    message: str

    @property
    def label(self) -> str:
        return CODES.get(self.code, self.code)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "refs": list(self.refs), "message": self.message}


def params_for(policies: Sequence[Policy], year: int) -> WarningParams:
    """The warning parameters of the policy version in force on 31 December of ``year``."""
    if not policies:
        return WarningParams()
    return policy_in_force(list(policies), date(year, 12, 31)).warnings


def year_risks(
    s: Session,
    year: int,
    params: WarningParams,
    calendar: WorkCalendar,
    today: date,
) -> list[Risk]:
    """Every warning of ``year``, grouped by code in the order of CODES, then by first ref."""
    c = s.connection()  # Core rows: no ORM bookkeeping for a year of narrow rows
    start, end = date(year, 1, 1), date(year, 12, 31)
    in_year = and_(
        ReceptionRow.reception_date >= start,
        ReceptionRow.reception_date <= end,
        ReceptionRow.status != Status.VOID.value,  # a void reception counts nowhere
    )
    out: list[Risk] = []
    if params.letter_reused or params.split_reception or params.frequent_unit:
        out += _letters_and_units(c, in_year, params)
    if params.holiday_reception:
        out += _holidays(c, year, in_year, calendar)
    if params.late_entry:
        out += _late_entry(c, in_year, params.late_entry_days)
    if params.late_posting:
        out += _late_posting(c, in_year, params.late_posting_days, calendar, today)
    if params.cash_payment:
        out += _cash(c, in_year)
    if params.invoice_reused:
        out += _invoice_reused(c, year, in_year)
    order = {code: i for i, code in enumerate(CODES)}
    out.sort(key=lambda r: (order.get(r.code, 99), r.refs))
    return out


def by_ref(risks: Iterable[Risk]) -> dict[str, list[Risk]]:
    """Each reception's warnings (a group's warning appears under each of its refs)."""
    out: dict[str, list[Risk]] = defaultdict(list)
    for risk in risks:
        for ref in risk.refs:
            out[ref].append(risk)
    return dict(out)


def counts(risks: Iterable[Risk]) -> dict[str, int]:
    """Occurrences by code, every code present (0 when none)."""
    out = dict.fromkeys(CODES, 0)
    for risk in risks:
        out[risk.code] = out.get(risk.code, 0) + 1
    return out


# ---------------------------------------------------------------------------- the codes
def _sorted(refs: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(refs)))


def _grouped_by_key(rows: Iterable[tuple[str, str]]) -> list[tuple[str, tuple[str, ...]]]:
    """(text, ref) rows → (first text seen, refs) for each key used by more than one reception."""
    groups: dict[str, list[str]] = {}  # key → [first text seen, ref, ref, …]
    for text, ref in rows:
        key = text_key(text)
        if not key:
            continue
        group = groups.get(key)
        if group is None:
            groups[key] = [text, ref]
        else:
            group.append(ref)
    shared = ((g[0], set(g[1:])) for g in groups.values() if len(g) > 2)
    return [(shown, _sorted(refs)) for shown, refs in shared if len(refs) > 1]


def _letters_and_units(s: Connection, in_year: ColumnElement[bool], params: WarningParams) -> list[Risk]:
    """letter_reused, split_reception and frequent_unit from one read of the year."""
    r = ReceptionRow
    letters: list[tuple[str, str]] = []
    visits: dict[str, list[tuple[date, str, str]]] = defaultdict(list)
    unit_key: dict[str, str] = {}  # a few dozen units received again and again: normalise each once
    for letter, unit, day, ref in s.execute(
        select(r.letter_no, r.visiting_unit, r.reception_date, r.ref)
        .where(in_year)
        .order_by(r.reception_date)
    ).all():
        if letter:
            letters.append((letter, ref))
        if unit:
            key = unit_key.get(unit)
            if key is None:
                key = unit_key[unit] = text_key(unit)
            visits[key].append((day, ref, unit))
    out: list[Risk] = []
    if params.letter_reused:
        out += [
            Risk(
                "letter_reused",
                refs,
                tr("公函“{letter}”用于 {n} 次接待（一函多餐）").format(letter=letter, n=len(refs)),
            )
            for letter, refs in _grouped_by_key(letters)
        ]
    if params.split_reception or params.frequent_unit:
        out += _units(visits, params)
    return out


def _invoice_reused(s: Connection, year: int, in_year: ColumnElement[bool]) -> list[Risk]:
    """Invoice numbers on the meals of more than one reception of the year."""
    r, m = ReceptionRow, MealRow
    margin = timedelta(days=60)  # meals are dated with their reception; a read of the meals alone
    groups: dict[str, tuple[str, set[int]]] = {}
    for invoice, rid in s.execute(
        select(m.invoice_no, m.reception_id).where(
            m.invoice_no != "",
            m.meal_date >= date(year, 1, 1) - margin,
            m.meal_date <= date(year, 12, 31) + margin,
        )
    ):
        key = text_key(invoice)
        if key:
            groups.setdefault(key, (invoice, set()))[1].add(rid)
    shared = [(invoice, ids) for invoice, ids in groups.values() if len(ids) > 1]
    if not shared:
        return []
    refs: dict[int, str] = {}
    wanted = sorted({rid for _, ids in shared for rid in ids})
    for chunk in _chunks(wanted, 500):
        refs.update(
            (int(i), str(f)) for i, f in s.execute(select(r.id, r.ref).where(in_year, r.id.in_(chunk)))
        )
    out = []
    for invoice, ids in shared:
        named = _sorted(refs[i] for i in ids if i in refs)
        if len(named) > 1:
            out.append(
                Risk(
                    "invoice_reused",
                    named,
                    tr("发票号“{invoice}”出现在 {n} 次接待中（一票多报）").format(
                        invoice=invoice, n=len(named)
                    ),
                )
            )
    return out


def _units(visits: dict[str, list[tuple[date, str, str]]], params: WarningParams) -> list[Risk]:
    """split_reception and frequent_unit: the year's receptions of each unit, in date order."""
    out: list[Risk] = []
    for items in visits.values():  # in date order (read so)
        unit = items[0][2]
        if params.frequent_unit and len(items) > params.frequent_times:
            out.append(
                Risk(
                    "frequent_unit",
                    _sorted(ref for _, ref, _ in items),
                    tr("{unit}全年接待 {n} 次，超过 {limit} 次").format(
                        unit=unit, n=len(items), limit=params.frequent_times
                    ),
                )
            )
        if not params.split_reception:
            continue
        group = [items[0]]
        for item in [*items[1:], None]:
            if item is not None and (item[0] - group[-1][0]).days <= params.split_days:
                group.append(item)
                continue
            if len(group) > 1:
                out.append(
                    Risk(
                        "split_reception",
                        _sorted(ref for _, ref, _ in group),
                        tr("{unit}在 {a} 至 {b} 间接待 {n} 次，相隔不超过 {days} 天（疑似拆分接待）").format(
                            unit=unit,
                            a=group[0][0].isoformat(),
                            b=group[-1][0].isoformat(),
                            n=len(group),
                            days=params.split_days,
                        ),
                    )
                )
            if item is not None:
                group = [item]
    return out


def _holidays(s: Connection, year: int, in_year: ColumnElement[bool], calendar: WorkCalendar) -> list[Risk]:
    """A reception whose date, or one of whose meals' dates, is not a working day."""
    r, m = ReceptionRow, MealRow
    first = date(year, 1, 1) - timedelta(days=60)
    off = [d for d in (first + timedelta(days=i) for i in range(365 + 121)) if calendar.is_holiday(d)]
    in_year_off = [d for d in off if d.year == year]
    hits: dict[int, tuple[str, set[date]]] = {}
    for chunk in _chunks(in_year_off, 400):
        for rid, ref, day in s.execute(
            select(r.id, r.ref, r.reception_date).where(in_year, r.reception_date.in_(chunk))
        ):
            hits[rid] = (ref, {day})
    # meals on a day off, of receptions that may have started on a working day (several days)
    others: dict[int, set[date]] = defaultdict(set)
    for chunk in _chunks(off, 400):
        for rid, day in s.execute(select(m.reception_id, m.meal_date).where(m.meal_date.in_(chunk))):
            if rid in hits:
                hits[rid][1].add(day)
            else:
                others[rid].add(day)
    wanted = sorted(others)
    for chunk in _chunks(wanted, 500):
        for rid, ref in s.execute(select(r.id, r.ref).where(in_year, r.id.in_(chunk))):
            hits[rid] = (ref, others[rid])
    return [
        Risk(
            "holiday_reception",
            (ref,),
            tr("在休息日接待：{days}").format(days="、".join(_day_label(d) for d in sorted(days_of))),
        )
        for ref, days_of in hits.values()
    ]


_WEEKDAYS = "一二三四五六日"


def _day_label(day: date) -> str:
    kind = tr("法定节假日") if day.weekday() < 5 else tr("周末")
    return tr("{d}（周{w}，{kind}）").format(d=day.isoformat(), w=_WEEKDAYS[day.weekday()], kind=kind)


def _plus_days(s: Connection, column: Any, days: int) -> ColumnElement[Any]:
    """``column + days`` as a date, in the dialect of the session (SQLite stores ISO text)."""
    if s.dialect.name == "sqlite":
        return func.date(column, f"+{int(days)} days")
    return column + literal_column(str(int(days)))


def _historical() -> ColumnElement[bool]:
    """Imported as approved on paper: approved before it was entered."""
    return and_(ReceptionRow.approved_at.is_not(None), ReceptionRow.approved_at < ReceptionRow.created_at)


def _late_entry(s: Connection, in_year: ColumnElement[bool], days: int) -> list[Risk]:
    r = ReceptionRow
    held = func.coalesce(r.end_date, r.reception_date)
    rows = s.execute(
        select(r.ref, held, r.created_at).where(
            in_year, r.created_at >= _plus_days(s, held, days + 1), ~_historical()
        )
    )
    out = []
    for ref, held_on, created in rows:
        held_on = held_on if isinstance(held_on, date) else date.fromisoformat(str(held_on))
        out.append(
            Risk(
                "late_entry",
                (ref,),
                tr("接待于 {held}，{created} 才录入，相隔 {n} 天（超过 {limit} 天）").format(
                    held=held_on.isoformat(),
                    created=created.date().isoformat(),
                    n=(created.date() - held_on).days,
                    limit=days,
                ),
            )
        )
    return out


def _late_posting(
    s: Connection, in_year: ColumnElement[bool], days: int, calendar: WorkCalendar, today: date
) -> list[Risk]:
    """Approved, not classified, and posted (or still unposted) after N working days, or
    posted on a date before its approval (a backdated posting would otherwise hide a late one)."""
    r = ReceptionRow
    # a cheap prefilter in the database: N working days are at least N calendar days
    approved_day = func.date(r.approved_at)
    rows = s.execute(
        select(r.ref, r.approved_at, r.posted_on).where(
            in_year,
            r.status == Status.APPROVED.value,
            r.classified.is_(False),
            ~_historical(),
            or_(
                r.posted_on.is_(None),
                r.posted_on > _plus_days(s, approved_day, days),
                r.posted_on < approved_day,
            ),
        )
    )
    deadlines: dict[date, date] = {}
    out = []
    for ref, approved_at, posted_on in rows:
        approved = approved_at.date() if isinstance(approved_at, datetime) else approved_at
        deadline = deadlines.get(approved)
        if deadline is None:
            deadline = deadlines[approved] = _deadline(calendar, approved, days)
        if posted_on is None:
            if today <= deadline:
                continue
            message = tr("{a} 审核，应在 {n} 个工作日内（最迟 {d}）公示，至今未公示").format(
                a=approved.isoformat(), n=days, d=deadline.isoformat()
            )
        elif posted_on < approved:  # a posting date before the review: wrong, or backdated
            message = tr("公示日期 {p} 早于审核日期 {a}（日期有误或倒填）").format(
                p=posted_on.isoformat(), a=approved.isoformat()
            )
        elif posted_on > deadline:
            message = tr("{a} 审核，{p} 才公示，超过 {n} 个工作日（最迟应在 {d}）").format(
                a=approved.isoformat(), p=posted_on.isoformat(), n=days, d=deadline.isoformat()
            )
        else:
            continue
        out.append(Risk("late_posting", (ref,), message))
    return out


def _deadline(calendar: WorkCalendar, approved: date, days: int) -> date:
    """The last day within ``days`` working days after the approval day."""
    day, left = approved, days
    while left:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def _cash(s: Connection, in_year: ColumnElement[bool]) -> list[Risk]:
    r = ReceptionRow
    refs = s.execute(select(r.ref).where(in_year, r.payment_method == "现金")).scalars()
    return [Risk("cash_payment", (ref,), tr("以现金支付（应使用公务卡或转账）")) for ref in refs]


class RiskBook:
    """The year's warnings for the front desk, computed again only when the year's receptions,
    the policy or the day changed (the queue and the form ask for them often)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[int, tuple[tuple[Any, ...], list[Risk]]] = {}

    def year(self, year: int, policies: Sequence[Policy], calendar: WorkCalendar, today: date) -> list[Risk]:
        params = params_for(policies, year)
        r = ReceptionRow
        with self.db.read() as s:
            stamp_row = s.execute(
                select(func.count(r.id), func.coalesce(func.sum(r.version), 0), func.max(r.id)).where(
                    r.reception_date >= date(year, 1, 1), r.reception_date <= date(year, 12, 31)
                )
            ).one()
            stamp = (tuple(stamp_row), params, today, calendar.local_holidays)
            cached = self._cache.get(year)
            if cached is not None and cached[0] == stamp:
                return list(cached[1])
            risks = year_risks(s, year, params, calendar, today)
        self._cache[year] = (stamp, risks)
        return list(risks)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
