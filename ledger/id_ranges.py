"""``verify``'s walk over a table a range of ids at a time: every live row against the last
history entry of its id (ledger.history compares receptions, letters and plans this way, in
worker processes for a big ledger), and the ranges the workers share."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.i18n import tr
from ledger.models import HistoryRow

CHUNK = 2000  # ids compared at a time: one chunk of rows in memory, whatever the ledger's size


def id_bounds(s: Session, table: Any, entity: str) -> tuple[int, int]:
    """The smallest id and one past the largest of ``entity``'s rows, live or in the history."""
    history_t = HistoryRow.__table__
    live = s.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
    logged = s.execute(
        select(func.min(history_t.c.entity_id), func.max(history_t.c.entity_id)).where(
            history_t.c.entity == entity, *numbers_only(s, history_t.c.entity_id)
        )
    ).one()
    lows = [math.floor(v) for v in (live[0], logged[0]) if v is not None]  # a REAL put there too
    highs = [math.floor(v) for v in (live[1], logged[1]) if v is not None]
    return (min(lows), max(highs) + 1) if lows else (0, 0)


def numbers_only(s: Session, column: Any) -> list[Any]:
    """Conditions keeping a column's numbers only: SQLite keeps text put into an INTEGER column
    outside the program (the chain names such an entry), and text is larger than every number
    there, so a smallest or largest id would be text."""
    if s.get_bind().dialect.name == "sqlite":
        return [func.typeof(column).in_(("integer", "real"))]
    return []


def ranges(bounds: tuple[int, int], parts: int) -> list[tuple[int, int]]:
    start, stop = bounds
    if stop <= start:
        return []
    step = -(-(stop - start) // parts)
    return [(lo, min(lo + step, stop)) for lo in range(start, stop, step)]


def compare_in_ranges(
    s: Session,
    problems: list[str],
    entity: str,
    id_column: Any,
    rows_of: Callable[[int, int], dict[int, Any]],
    problem_of: Callable[[Any, str | None], str | None],
    start: int | None = None,
    stop: int | None = None,
) -> None:
    """Each live row of ``entity`` (ids in [start, stop); all of them, from the smallest, with
    no start) against its last history entry, and each entity whose last entry is not a
    deletion against the live rows, a range of ids at a time; problems in id order, so that
    workers' ranges give them in the order of one pass."""
    history_t = HistoryRow.__table__
    if start is None:  # a row inserted outside the program may have any id, even a negative one
        start = id_bounds(s, id_column.class_.__table__, entity)[0]
    lo = start
    while stop is None or lo < stop:
        hi = lo + CHUNK if stop is None else min(lo + CHUNK, stop)
        last_ids = (
            select(func.max(history_t.c.id))
            .where(history_t.c.entity == entity, history_t.c.entity_id >= lo, history_t.c.entity_id <= hi - 1)
            .group_by(history_t.c.entity_id)
        )
        last = dict(
            s.execute(
                select(history_t.c.entity_id, history_t.c.after).where(history_t.c.id.in_(last_ids))
            ).all()
        )
        live = rows_of(lo, hi)
        for key in sorted(live.keys() | last.keys()):
            if key in live:
                message = problem_of(live[key], last.get(key))
            elif last[key]:
                gone = json.loads(last[key])
                name = gone.get("ref") or gone.get("letter_no")
                message = tr("记录 {name} 已在程序外被删除").format(name=name)
            else:
                message = None  # deleted through the program: its last entry is the deletion
            if message:
                problems.append(message)
        if live or last:
            lo = hi
            continue
        following = [
            s.scalar(select(func.min(id_column)).where(id_column >= hi)),
            s.scalar(
                select(func.min(history_t.c.entity_id)).where(
                    history_t.c.entity == entity, history_t.c.entity_id >= hi, *numbers_only(s, history_t.c.entity_id)
                )
            ),
        ]
        found = [f for f in following if f is not None]
        if not found:
            return
        lo = math.floor(min(found))
