"""Year-on-year figures: the reduction target, the projection and the dashboard's numbers.

Pure reads (no writes), computed from the denormalised columns of ``receptions`` with
grouped queries: one query grouped by reception date over last year and this year gives
every target figure; the dashboard adds one query grouped by visiting unit.

Definitions (quoted by the README):

- **Counted receptions**: approved receptions (已审核), by reception date. Drafts, submitted
  and returned receptions are not spending yet. Classified receptions count like any other.
- **as_of** (截止日期) defaults to today, or Dec 31 for a past year; a date after Dec 31 of the
  year is taken as Dec 31. A year that has not started yet is refused.
- **YTD** (本年累计) = approved totals with reception date in [Jan 1, as_of].
- **Same period last year** (上年同期) = [Jan 1 of last year, the same month/day of last year];
  Feb 29 maps to Feb 28.
- **Baseline** (上年基数): ``baseline_year = year − 1``; ``baseline_total`` = last year's
  full-year approved total. ``None`` (JSON ``null``) when last year has no approved
  receptions.
- **Reduction** (压减比例): the value the administrator set for the year
  (``LedgerService.set_reduction``), 0.20 otherwise.
- **Target** (年度目标) = baseline × (1 − reduction), rounded half-up to the fen; ``None``
  without a baseline.
- **yoy_change** (同比) = (YTD − same period last year) / same period last year, rounded
  half-up to 4 decimal places; ``None`` when the same period last year is 0.
- **Projection** (预计全年). For a finished year (as_of = Dec 31) it is the YTD itself.
  Otherwise, when last year has approved spending, it follows last year's monthly shape::

      share = (last year's total of the months before as_of's month
               + last year's total of as_of's month × min(day, days in that month last year)
                                                      / days in that month last year)
              / last year's full-year total
      projected_total = YTD / share

  When last year has no spending, or ``share`` is 0 (last year spent nothing up to this
  point), the run rate is used instead::

      projected_total = YTD / days elapsed (Jan 1 .. as_of inclusive) × days in the year

  Both rounded half-up to the fen. ``projection_method`` says which one was used
  (``"seasonal"``, ``"run_rate"`` or ``"actual"`` for a finished year).
- **Status** (状态), only when there is a target:

  - finished year (as_of = Dec 31): ``met`` if YTD ≤ target, else ``missed``;
  - running year: ``missed`` if YTD > target already, ``at_risk`` if the projection is
    above the target, else ``on_track``.

  Without a baseline there is no target to compare with, and calling that "on track" would
  be dishonest: ``status`` is ``None`` (JSON ``null``), and the text, the dashboard and the
  PDF say 无上年基数，无法计算目标.
- **Batches** (批次) = number of approved receptions in the YTD window; **person-visits**
  (人次) = the sum of their guest counts (接待对象人数), as the 三公经费 disclosures count them.
- Dashboard extras, over the YTD window: canteen share (食堂就餐占比) = canteen meals /
  meals (school and office canteens); compliance rate (合规率) = receptions with no breach /
  all counted receptions; over-standard total (超标金额); visiting units received most often
  (by number of receptions, then amount; classified receptions are left out of that list so a
  classified visitor is never named on a chart or a printed summary).

Money is ``Decimal`` in code; ``to_json`` writes money as strings with two decimals.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ledger import queries
from ledger.db import Database
from ledger.i18n import tr
from ledger.money import CENT, ZERO, fmt, from_fen

RATIO_PLACES = Decimal("0.0001")

STATUSES: tuple[str, ...] = ("on_track", "at_risk", "met", "missed")

STATUS_LABELS: dict[str | None, str] = {
    "on_track": tr("进度正常"),
    "at_risk": tr("预计超出目标"),
    "met": tr("已完成目标"),
    "missed": tr("已超出目标"),
    None: tr("无上年基数，无法计算目标"),
}

# the colours of the status everywhere it is drawn (GUI card, PDF)
STATUS_COLOURS: dict[str | None, str] = {
    "on_track": "#2e7d32",
    "at_risk": "#ef6c00",
    "met": "#2e7d32",
    "missed": "#c62828",
    None: "#757575",
}

JSON_KEYS: tuple[str, ...] = (
    "year",
    "baseline_year",
    "baseline_total",
    "reduction",
    "target_total",
    "as_of",
    "ytd_total",
    "same_period_last_year",
    "yoy_change",
    "projected_total",
    "status",
    "batches",
    "person_visits",
)


class TargetsError(ValueError):
    """Figures that cannot be computed for the asked year or date; the message is for the user."""


@dataclass(frozen=True)
class TargetFigures:
    year: int
    as_of: date
    baseline_year: int
    baseline_total: Decimal | None  # None: last year has no approved receptions
    reduction: Decimal
    reduction_set: bool  # an administrator set the year's reduction (else the default 20 %)
    target_total: Decimal | None
    ytd_total: Decimal
    same_period_last_year: Decimal
    yoy_change: Decimal | None  # None: nothing spent in the same period last year
    projected_total: Decimal
    projection_method: str  # "actual" | "seasonal" | "run_rate"
    status: str | None  # one of STATUSES, or None without a baseline
    batches: int
    person_visits: int
    same_period_batches: int
    same_period_person_visits: int

    @property
    def finished(self) -> bool:
        return self.as_of >= date(self.year, 12, 31)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS[self.status]

    @property
    def headroom(self) -> Decimal | None:
        """What may still be spent this year within the target (negative: over it)."""
        return None if self.target_total is None else self.target_total - self.ytd_total

    def to_json(self) -> dict[str, Any]:
        """Exactly the keys of SPEC §5, money as two-decimal strings."""
        return {
            "year": self.year,
            "baseline_year": self.baseline_year,
            "baseline_total": _money(self.baseline_total),
            "reduction": reduction_text(self.reduction),
            "target_total": _money(self.target_total),
            "as_of": self.as_of.isoformat(),
            "ytd_total": _money(self.ytd_total),
            "same_period_last_year": _money(self.same_period_last_year),
            "yoy_change": None if self.yoy_change is None else f"{self.yoy_change:.4f}",
            "projected_total": _money(self.projected_total),
            "status": self.status,
            "batches": self.batches,
            "person_visits": self.person_visits,
        }


@dataclass(frozen=True)
class UnitFigures:
    visiting_unit: str
    receptions: int
    total: Decimal


@dataclass(frozen=True)
class DashboardFigures:
    figures: TargetFigures
    monthly: tuple[Decimal, ...]  # 12 values: this year, months up to as_of
    monthly_last_year: tuple[Decimal, ...]  # 12 values: last year, whole months
    canteen_meals: int
    meal_count: int
    compliant: int  # receptions with no breach, in the YTD window
    over_standard_total: Decimal
    top_units: tuple[UnitFigures, ...]

    @property
    def year(self) -> int:
        return self.figures.year

    @property
    def canteen_share(self) -> Decimal | None:
        if not self.meal_count:
            return None
        return (Decimal(self.canteen_meals) / Decimal(self.meal_count)).quantize(RATIO_PLACES, ROUND_HALF_UP)

    @property
    def compliance_rate(self) -> Decimal | None:
        if not self.figures.batches:
            return None
        return (Decimal(self.compliant) / Decimal(self.figures.batches)).quantize(RATIO_PLACES, ROUND_HALF_UP)

    @property
    def cumulative(self) -> tuple[Decimal, ...]:
        """This year's running total at the end of each month up to as_of's month."""
        out: list[Decimal] = []
        running = ZERO
        for month in range(1, self.figures.as_of.month + 1):
            running += self.monthly[month - 1]
            out.append(running)
        return tuple(out)

    @property
    def cumulative_last_year(self) -> tuple[Decimal, ...]:
        out: list[Decimal] = []
        running = ZERO
        for value in self.monthly_last_year:
            running += value
            out.append(running)
        return tuple(out)


# ---------------------------------------------------------------------------- formatting
def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount.quantize(CENT, ROUND_HALF_UP):.2f}"


def reduction_text(reduction: Decimal) -> str:
    """At least two decimals, no trailing zeros beyond: 0.2 → "0.20", 0.125 → "0.125"."""
    text = f"{reduction.normalize():f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def percent(ratio: Decimal | None, places: int = 1) -> str:
    """0.2345 → "23.5%"; a signed change keeps its sign: -0.25 → "-25.0%"."""
    if ratio is None:
        return "—"
    value = (ratio * 100).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{value}%"


def reduction_percent(reduction: Decimal) -> str:
    """0.20 → "20%", 0.125 → "12.5%"."""
    return f"{(reduction * 100).normalize():f}%"


def signed_percent(ratio: Decimal | None) -> str:
    if ratio is None:
        return "—"
    text = percent(ratio)
    return text if ratio < 0 else "+" + text


def summary_lines(f: TargetFigures) -> list[str]:
    """A readable Chinese summary: the command line prints it, the PDF reuses it."""
    lines = [
        tr("{year} 年公务接待费压减目标（截至 {as_of}）").format(year=f.year, as_of=f.as_of.isoformat()),
    ]
    if f.baseline_total is None:
        lines.append(tr("上年基数：无（{y} 年没有已审核的接待），无法计算目标").format(y=f.baseline_year))
    else:
        lines.append(
            tr("上年基数：{y} 年全年 {amount} 元").format(y=f.baseline_year, amount=fmt(f.baseline_total))
        )
        lines.append(
            tr("压减比例：{p}；年度目标：不超过 {amount} 元").format(
                p=reduction_percent(f.reduction), amount=fmt(f.target_total or ZERO)
            )
        )
    lines.append(
        tr("本年累计：{amount} 元，{b} 批次，{v} 人次").format(
            amount=fmt(f.ytd_total), b=f.batches, v=f.person_visits
        )
    )
    lines.append(
        tr("上年同期：{amount} 元，{b} 批次，{v} 人次；同比 {change}").format(
            amount=fmt(f.same_period_last_year),
            b=f.same_period_batches,
            v=f.same_period_person_visits,
            change=signed_percent(f.yoy_change)
            if f.yoy_change is not None
            else tr("无法计算（上年同期为 0）"),
        )
    )
    method = {
        "actual": tr("全年实际"),
        "seasonal": tr("按上年各月分布推算"),
        "run_rate": tr("按本年日均支出推算"),
    }[f.projection_method]
    lines.append(tr("预计全年：{amount} 元（{method}）").format(amount=fmt(f.projected_total), method=method))
    if f.headroom is not None:
        if f.headroom >= 0:
            lines.append(tr("距目标尚余：{amount} 元").format(amount=fmt(f.headroom)))
        else:
            lines.append(tr("已超出目标：{amount} 元").format(amount=fmt(-f.headroom)))
    lines.append(tr("状态：{label}").format(label=f.status_label))
    return lines


# ---------------------------------------------------------------------------- queries
def _database(source: Any) -> Database:
    """Accept a Database or anything carrying one as ``.db`` (LedgerService)."""
    db = getattr(source, "db", source)
    if not isinstance(db, Database):
        raise TypeError(f"expected a Database or a LedgerService, got {type(source).__name__}")
    return db


def default_as_of(year: int, today: date | None = None) -> date:
    """Today for the running year (and for a year not yet begun), Dec 31 for a past year."""
    today = today or date.today()
    return today if year >= today.year else date(year, 12, 31)


def _resolve_as_of(year: int, as_of: date | None) -> date:
    as_of = as_of or default_as_of(year)
    if as_of < date(year, 1, 1):
        if as_of == date.today():
            raise TargetsError(tr("{year} 年尚未开始，没有可计算的数据").format(year=year))
        raise TargetsError(
            tr("截止日期 {d} 早于 {year} 年 1 月 1 日，该年尚无数据可算").format(
                d=as_of.isoformat(), year=year
            )
        )
    return min(as_of, date(year, 12, 31))


def same_day_last_year(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@dataclass
class _Day:
    total: int = 0
    receptions: int = 0
    guests: int = 0
    canteen_meals: int = 0
    meals: int = 0
    compliant: int = 0
    over_standard: int = 0


def _daily(db: Database, start: date, end: date) -> dict[date, _Day]:
    """Approved receptions by day in [start, end] (start a Jan 1): every whole month as one
    entry on its 1st, from the monthly totals the database keeps, and day by day only in the
    month of ``end`` and the same month a year before — the months the figures cut inside.
    A million receptions cost a few dozen rows and two months of the index, not two years."""
    cut = {(end.year, end.month), (end.year - 1, end.month)}
    days: dict[date, _Day] = {}
    with db.read() as s:
        for year, month, *values in queries.approved_by_month(s, start.year, end.year):
            first = date(year, month, 1)
            if (year, month) not in cut and start <= first <= end:
                days[first] = _Day(*(int(v or 0) for v in values))
        for year, month in sorted(cut):
            low = max(start, date(year, month, 1))
            high = min(end, date(year, month, calendar.monthrange(year, month)[1]))
            if low > high:
                continue
            for row in queries.approved_by_day(s, low, high):
                days[row[0]] = _Day(*(int(v or 0) for v in row[1:]))
    return days


def _reduction(db: Database, year: int) -> tuple[Decimal, bool]:
    """The year's reduction, and whether an administrator set it."""
    with db.read() as s:
        return queries.reduction_of(s, year)


def _sum(days: dict[date, _Day], start: date, end: date) -> _Day:
    out = _Day()
    for day, v in days.items():
        if start <= day <= end:
            out.total += v.total
            out.receptions += v.receptions
            out.guests += v.guests
            out.canteen_meals += v.canteen_meals
            out.meals += v.meals
            out.compliant += v.compliant
            out.over_standard += v.over_standard
    return out


def _monthly(days: dict[date, _Day], year: int, until: date) -> tuple[int, ...]:
    months = [0] * 12
    for day, v in days.items():
        if day.year == year and day <= until:
            months[day.month - 1] += v.total
    return tuple(months)


def _figures(db: Database, year: int, as_of: date, days: dict[date, _Day]) -> TargetFigures:
    last_year = year - 1
    jan1, last_jan1 = date(year, 1, 1), date(last_year, 1, 1)
    last_as_of = same_day_last_year(as_of)
    ytd = _sum(days, jan1, as_of)
    same = _sum(days, last_jan1, last_as_of)
    whole_last = _sum(days, last_jan1, date(last_year, 12, 31))

    reduction, reduction_set = _reduction(db, year)
    baseline = from_fen(whole_last.total) if whole_last.receptions else None
    target = (baseline * (1 - reduction)).quantize(CENT, ROUND_HALF_UP) if baseline is not None else None
    ytd_total = from_fen(ytd.total)
    same_total = from_fen(same.total)
    yoy = (
        ((ytd_total - same_total) / same_total).quantize(RATIO_PLACES, ROUND_HALF_UP) if same.total else None
    )

    finished = as_of >= date(year, 12, 31)
    if finished:
        projected, method = ytd_total, "actual"
    else:
        share = Decimal(0)
        if whole_last.total:
            last_months = _monthly(days, last_year, date(last_year, 12, 31))
            days_in_month = calendar.monthrange(last_year, as_of.month)[1]
            part = Decimal(min(as_of.day, days_in_month)) / Decimal(days_in_month)
            spent = (
                Decimal(sum(last_months[: as_of.month - 1])) + Decimal(last_months[as_of.month - 1]) * part
            )
            share = spent / Decimal(whole_last.total)
        if share > 0:
            projected, method = (ytd_total / share).quantize(CENT, ROUND_HALF_UP), "seasonal"
        else:
            elapsed = (as_of - jan1).days + 1
            in_year = 366 if calendar.isleap(year) else 365
            projected = (ytd_total / elapsed * in_year).quantize(CENT, ROUND_HALF_UP)
            method = "run_rate"

    status: str | None
    if target is None:
        status = None
    elif finished:
        status = "met" if ytd_total <= target else "missed"
    elif ytd_total > target:
        status = "missed"
    elif projected > target:
        status = "at_risk"
    else:
        status = "on_track"

    return TargetFigures(
        year=year,
        as_of=as_of,
        baseline_year=last_year,
        baseline_total=baseline,
        reduction=reduction,
        reduction_set=reduction_set,
        target_total=target,
        ytd_total=ytd_total,
        same_period_last_year=same_total,
        yoy_change=yoy,
        projected_total=projected,
        projection_method=method,
        status=status,
        batches=ytd.receptions,
        person_visits=ytd.guests,
        same_period_batches=same.receptions,
        same_period_person_visits=same.guests,
    )


def year_figures(source: Any, year: int, as_of: date | None = None) -> TargetFigures:
    """The target figures of ``year`` as of ``as_of`` (a Database or a LedgerService)."""
    db = _database(source)
    as_of = _resolve_as_of(year, as_of)
    days = _daily(db, date(year - 1, 1, 1), as_of)
    return _figures(db, year, as_of, days)


def dashboard_figures(
    source: Any, year: int, as_of: date | None = None, *, top: int = 10
) -> DashboardFigures:
    """Everything the dashboard and the printed summary show for ``year``."""
    db = _database(source)
    as_of = _resolve_as_of(year, as_of)
    days = _daily(db, date(year - 1, 1, 1), as_of)
    figures = _figures(db, year, as_of, days)
    ytd = _sum(days, date(year, 1, 1), as_of)
    with db.read() as s:
        units = tuple(
            UnitFigures(u, int(n), from_fen(int(t or 0)))
            for u, n, t in queries.top_units(s, year, as_of, top)
        )
    return DashboardFigures(
        figures=figures,
        monthly=tuple(from_fen(v) for v in _monthly(days, year, as_of)),
        monthly_last_year=tuple(from_fen(v) for v in _monthly(days, year - 1, date(year - 1, 12, 31))),
        canteen_meals=ytd.canteen_meals,
        meal_count=ytd.meals,
        compliant=ytd.compliant,
        over_standard_total=from_fen(ytd.over_standard),
        top_units=units,
    )
