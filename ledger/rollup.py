"""A county's bureaus side by side: one row of figures per ledger, each opened read-only.

For every ledger (a SQLite file or a PostgreSQL URL) of the list: the bureau's name, its
disclosure figures (ledger.disclosure), its target and status (ledger.targets, as of today
for the running year, Dec 31 for a past one), its breaches (approved receptions of the year
with at least one breach) and over-standard amount, and its warnings by code (ledger.risks,
by the ledger's own policy). A ledger that cannot be opened — missing file, unreachable
server, no permission, not a ledger, a schema this program would have to upgrade — is a row
saying why; the others are unaffected. Nothing is ever written to any of the ledgers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from ledger.addresses import identity, one_line, shown
from ledger.db import Database, MissingLedger
from ledger.disclosure import Disclosure, year_disclosure
from ledger.i18n import tr
from ledger.models import ReceptionRow, SettingRow
from ledger.money import ZERO, from_fen
from ledger.records import Status
from ledger.risks import CODES, counts, params_for, year_risks
from ledger.settings import local_holidays, stored_policies
from ledger.targets import TargetFigures, TargetsError, year_figures
from ledger.workdays import WorkCalendar


@dataclass(frozen=True)
class BureauFigures:
    source: str  # the ledger as given, a password hidden
    name: str = ""
    disclosure: Disclosure | None = None
    target: TargetFigures | None = None
    target_note: str = ""  # why there is no target figure
    breaches: int = 0
    over_standard: Decimal = ZERO
    warnings: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the ledger could not be read

    @property
    def warning_total(self) -> int:
        return sum(self.warnings.values())


def rollup(urls: list[str], year: int, today: date | None = None) -> list[BureauFigures]:
    """One row per ledger; a ledger named twice (under any spelling of its address) is read once
    and its later mentions are rows saying so, so the total never counts it twice."""
    today = today or date.today()
    rows: list[BureauFigures] = []
    first_row: dict[tuple[str, ...], int] = {}
    for number, url in enumerate(urls, start=1):
        key = identity(url)
        if key in first_row:
            rows.append(
                BureauFigures(
                    source=shown(url),
                    error=tr("与第 {n} 个账本是同一个账本，未重复计入").format(n=first_row[key]),
                )
            )
            continue
        first_row[key] = number
        rows.append(bureau_figures(url, year, today))
    return rows


def bureau_figures(url: str, year: int, today: date) -> BureauFigures:
    source = shown(url)
    for _attempt in range(2):
        try:
            db = Database(url, create=False, read_only=True)
        except MissingLedger as exc:  # named in the rollup's list, not by --db or LEDGER_DB
            missing = tr("找不到账本文件：{path}（请检查 rollup 命令行上给出的这个路径）").format(path=exc.path)
            return BureauFigures(source=source, error=one_line(missing, url, source))
        except Exception as exc:  # every reason a ledger cannot be opened is one line in its row
            return BureauFigures(source=source, error=one_line(str(exc), url, source))
        before = _file_state(db)
        try:
            figures = _read(db, source, year, today)
        except Exception as exc:
            figures = BureauFigures(source=source, error=one_line(str(exc), url, source))
        finally:
            db.dispose()
        # an idle SQLite ledger is read as the file it is (ledger.db: immutable); a desk that
        # opened and saved meanwhile may have changed it under the read: read again, sharing
        # that desk's files this time
        if db.access != "immutable" or _file_state(db) == before:
            return figures
    return figures


def _file_state(db: Database) -> tuple[int, int, bool] | None:
    if db.sqlite_file is None:
        return None
    try:
        stat = db.sqlite_file.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, Path(f"{db.sqlite_file}-wal").exists()


def _read(db: Database, source: str, year: int, today: date) -> BureauFigures:
    policies = stored_policies(db)
    r = ReceptionRow
    with db.snapshot() as s:
        name = s.scalar(select(SettingRow.value).where(SettingRow.key == "bureau_name")) or ""
        holidays = s.scalar(select(SettingRow.value).where(SettingRow.key == "local_holidays")) or ""
        disclosure = year_disclosure(s, year)
        breaches, over = s.execute(
            select(
                func.count(r.id).filter(r.violation_count > 0),
                func.coalesce(func.sum(r.over_standard_fen), 0),
            ).where(
                r.status == Status.APPROVED.value,
                r.reception_date >= date(year, 1, 1),
                r.reception_date <= date(year, 12, 31),
            )
        ).one()
        risks = year_risks(s, year, params_for(policies, year), WorkCalendar(local_holidays(holidays)), today)
    target, note = None, ""
    try:
        target = year_figures(db, year, min(today, date(year, 12, 31)) if year <= today.year else None)
    except TargetsError as exc:
        note = str(exc)
    return BureauFigures(
        source=source,
        name=name,
        disclosure=disclosure,
        target=target,
        target_note=note,
        breaches=int(breaches or 0),
        over_standard=from_fen(int(over or 0)),
        warnings=counts(risks),
    )


def has_previous_year(row: BureauFigures) -> bool:
    """Whether the bureau's ledger holds approved receptions of the year before: else its change
    on last year is not known (the ledger may have started this year), and counts in no total."""
    return row.disclosure is not None and row.disclosure.has_previous


def totals(rows: list[BureauFigures]) -> dict[str, object]:
    """The total row: sums over the ledgers that could be read; the change on last year over
    those that have a previous year (``compared``), the others named in ``not_compared``."""
    read = [r for r in rows if r.error is None]
    disclosures = [r.disclosure for r in read if r.disclosure is not None]
    compared = [r.disclosure for r in read if has_previous_year(r) and r.disclosure is not None]
    targets = [r.target.target_total for r in read if r.target and r.target.target_total is not None]
    return {
        "ledgers": len(read),
        "total": sum((d.total for d in disclosures), ZERO),
        "previous_total": sum((d.previous_total for d in disclosures), ZERO),
        "compared": len(compared),
        "compared_total": sum((d.total for d in compared), ZERO),
        "not_compared": [r.name or r.source for r in read if r.disclosure is not None and not has_previous_year(r)],
        "batches": sum(d.batches for d in disclosures),
        "person_visits": sum(d.person_visits for d in disclosures),
        "foreign_batches": sum(d.foreign_batches for d in disclosures),
        "foreign_person_visits": sum(d.foreign_person_visits for d in disclosures),
        "target_total": sum(targets, ZERO) if targets else None,
        "breaches": sum(r.breaches for r in read),
        "over_standard": sum((r.over_standard for r in read), ZERO),
        "warnings": {code: sum(r.warnings.get(code, 0) for r in read) for code in CODES},
    }
