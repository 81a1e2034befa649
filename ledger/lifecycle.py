"""What the lives of receptions and plans share: the version check against another desk's
change, who has worked on a record (and so may not approve it), and the next number of a year
that never gives out a deleted draft's number again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.errors import StaleEdit
from ledger.i18n import tr
from ledger.models import HistoryRow


class Versioned(Protocol):
    ref: str
    version: int


def check_version(row: Versioned, version: int | None) -> None:
    """Refuse a write made from version ``version`` when the record has moved on since."""
    if version is not None and row.version != version:
        raise StaleEdit(
            tr(
                "{ref} 已在别处被修改（您打开的是第 {mine} 版，现在是第 {theirs} 版）。"
                "为避免覆盖他人的修改，本次未保存；请重新打开后再改。"
            ).format(ref=row.ref, mine=version, theirs=row.version)
        )


def worked_on(s: Session, entity: str, entity_id: int, username: str | None, actions: Iterable[str]) -> bool:
    """Whether ``username`` (None: anyone) ever did one of ``actions`` to this record (the
    history says)."""
    stmt = select(func.count(HistoryRow.id)).where(
        HistoryRow.entity == entity,
        HistoryRow.entity_id == entity_id,
        HistoryRow.action.in_(tuple(actions)),
    )
    if username is not None:
        stmt = stmt.where(HistoryRow.username == username)
    return bool(s.scalar(stmt))


def next_number(s: Session, entity: str, seq: Any, year_column: Any, year: int, prefix: str) -> int:
    """The next number of ``year`` (``seq``/``year_column``: the table's columns; ``prefix``: the
    reference before the four digits, e.g. ``JD-2026-``); a deleted draft's is never given again."""
    stored = s.scalar(select(func.max(seq)).where(year_column == year)) or 0
    deleted = s.scalars(
        select(HistoryRow.ref).where(
            HistoryRow.entity == entity,
            HistoryRow.action == "delete",
            HistoryRow.ref.startswith(prefix),
        )
    )
    return max([stored, *(int(r[len(prefix) :]) for r in deleted if r[len(prefix) :].isdigit())]) + 1
