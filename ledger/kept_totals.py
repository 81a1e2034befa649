"""The monthly totals the database keeps beside the receptions, recomputed for ``verify``.

``reception_totals`` is kept by triggers in every write's transaction (ledger/models.py) and
read by the status bar, the year-on-year target and the dashboard: the published figures. It
is in no history entry, so ``verify`` recomputes it from the receptions themselves (which are
compared with their history) and names every month whose kept figures differ.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from ledger.i18n import tr
from ledger.models import ReceptionRow, reception_totals
from ledger.money import from_fen
from ledger.records import Status

Key = tuple[int, int, str, bool]  # year, month, status, with a breach
Figures = tuple[int, ...]  # receptions, total, guests, canteen meals, meals, over-standard


def totals_problems(s: Session) -> list[str]:
    """One line for each month, status and compliance whose kept totals are not what the
    receptions add up to (in the order of the months)."""
    t = ReceptionRow.__table__
    year, month = extract("year", t.c.reception_date), extract("month", t.c.reception_date)
    breach = t.c.violation_count > 0
    recomputed = select(
        year,
        month,
        t.c.status,
        breach,
        func.count(),
        func.sum(t.c.total_fen),
        func.sum(t.c.guest_count),
        func.sum(t.c.canteen_meals),
        func.sum(t.c.meal_count),
        func.sum(t.c.over_standard_fen),
    ).group_by(year, month, t.c.status, breach)
    k = reception_totals.c
    kept = select(
        k.year,
        k.month,
        k.status,
        k.breach,
        k.receptions,
        k.total_fen,
        k.guests,
        k.canteen_meals,
        k.meal_count,
        k.over_standard_fen,
    )
    should, held = _figures(s.execute(recomputed)), _figures(s.execute(kept))
    problems = []
    for key in sorted(should.keys() | held.keys()):
        if should.get(key) != held.get(key):
            y, m, status, with_breach = key
            problems.append(
                tr(
                    "{year} 年 {month} 月{status}{kind}接待的月度合计与接待记录不符（在程序外被改动）："
                    "按记录 {n} 条、{total} 元，保存的合计 {kept_n} 条、{kept_total} 元"
                ).format(
                    year=y,
                    month=m,
                    status=_label(status),
                    kind=tr("有违规的") if with_breach else tr("合规的"),
                    n=should.get(key, (0, 0))[0],
                    total=from_fen(should.get(key, (0, 0))[1]),
                    kept_n=held.get(key, (0, 0))[0],
                    kept_total=from_fen(held.get(key, (0, 0))[1]),
                )
            )
    return problems


def _figures(rows: Any) -> dict[Key, Figures]:
    """The rows by key, their figures as plain integers (PostgreSQL sums are decimals); a month
    whose figures are all zero (its receptions deleted or moved) is as good as none."""
    out: dict[Key, Figures] = {}
    for y, m, status, breach, *figures in rows:
        values = tuple(int(v or 0) for v in figures)
        if any(values):
            out[(int(y), int(m), str(status), bool(breach))] = values
    return out


def _label(status: str) -> str:
    try:
        return tr("“{label}”").format(label=Status(status).label)
    except ValueError:
        return tr("“{status}”").format(status=status)
