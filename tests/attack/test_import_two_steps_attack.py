"""Attack on the two-step import (ledger/importing.py): rows checked without the write lock,
stored in one transaction that catches up with what other desks did meanwhile.

README (Several computers on one ledger): "it first reads and checks the whole file while the
other desks go on saving, then, in one transaction, takes into account what they saved
meanwhile (a reception saved meanwhile that a row repeats refuses that row as a duplicate;
numbers they took or deleted are not given again) and stores its rows."
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import ledger.importing as importing
from ledger.db import Database
from ledger.errors import LedgerError
from ledger.records import ImportRow
from ledger.service import LedgerService
from tests.conftest import PASSWORD, Team, make_team, once, sample_reception


def after_the_last_check(action: Callable[[], None], rows: int) -> Callable[[int, int], bool]:
    """A progress callback running ``action`` once every row is checked, before the store."""
    run = once(action)

    def progress(checked: int, total: int) -> bool:
        return run(checked, total) if checked == rows else True

    return progress


def test_a_backup_restored_while_the_rows_are_checked_is_not_imported_over(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An administrator restores yesterday's backup (README: restore --replace --accept-older)
    while a clerk's import checks its rows. The import's "what other desks did meanwhile" is
    read from the history after the entry it started at — but the restored history is another
    one (shorter here): its receptions were never caught up with, so the file's row repeating
    the restored JD-2025-0001 was stored beside it as a second reception."""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    for i, unit in enumerate(["甲局", "乙局", "丙局"]):
        importer.save(team.both, sample_reception(date(2025, 5, 1 + i), unit=unit))
    importer.backup(tmp_path / "昨天.sqlite3")
    for r in importer.receptions():  # today's mistakes, undone by the restore
        importer.delete_draft(team.both, r.id)
    for i in range(6):
        importer.save(team.both, sample_reception(date(2024, 5, 1 + i), unit="己局"))
    other.authenticate("admin", PASSWORD)

    def restore() -> None:
        other.restore(team.admin, tmp_path / "昨天.sqlite3", replace_existing=True, accept_older=True)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 9), unit="丁局")),
        ImportRow(3, sample_reception(date(2025, 5, 1), unit="甲局")),  # JD-2025-0001 of the backup
    ]
    try:
        outcomes = importer.import_rows(team.clerk, rows, progress=after_the_last_check(restore, 2))
    except LedgerError as exc:  # refused in one line: nothing of the file was written
        assert "请重新导入" in str(exc)
        assert sorted(r.ref for r in importer.receptions()) == [
            "JD-2025-0001",
            "JD-2025-0002",
            "JD-2025-0003",
        ]
    else:
        by_row = {o.row: o for o in outcomes}
        assert [e.message for e in by_row[3].errors] == [
            "与已有接待 JD-2025-0001 重复（日期、来访单位、金额相同）"
        ], "the restored reception JD-2025-0001 was imported a second time"
    assert importer.verify().ok


def test_another_ledgers_backup_restored_meanwhile_is_no_traceback(
    two_desks: tuple[LedgerService, LedgerService, Team],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    _migrated_template: Path,
) -> None:
    """The same, with a row carrying the 编号 JD-2025-0002 (free in the ledger when checked, taken
    in the restored one): the import kept the number and died on the database's unique
    constraint — an IntegrityError traceback (CLI: the SQL statement) instead of one line."""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    shutil.copyfile(_migrated_template, tmp_path / "乙.sqlite3")
    elsewhere = LedgerService(Database(f"sqlite:///{tmp_path / '乙.sqlite3'}"))
    their = make_team(elsewhere)
    for i, unit in enumerate(["甲局", "乙局", "丙局"]):
        elsewhere.save(their.both, sample_reception(date(2025, 5, 1 + i), unit=unit))
    elsewhere.backup(tmp_path / "乙账本.sqlite3")
    elsewhere.db.dispose()
    for i in range(10):  # this ledger's history is the longer one
        importer.save(team.both, sample_reception(date(2024, 5, 1 + i), unit="己局"))
    other.authenticate("admin", PASSWORD)

    def restore() -> None:
        other.restore(team.admin, tmp_path / "乙账本.sqlite3", replace_existing=True, accept_other=True)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 9), unit="丁局")),
        ImportRow(3, sample_reception(date(2025, 6, 10), unit="戊局", ref="JD-2025-0002")),
    ]
    try:
        outcomes = importer.import_rows(team.clerk, rows, progress=after_the_last_check(restore, 2))
    except LedgerError as exc:
        assert "请重新导入" in str(exc)
    else:
        assert {o.row: o.ref for o in outcomes}[3] != "JD-2025-0002"
    refs = [r.ref for r in importer.receptions()]
    assert len(refs) == len(set(refs))
    assert importer.verify().ok


def test_a_row_repeating_a_reception_voided_meanwhile_is_not_refused_as_its_duplicate(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: "a void reception is no duplicate", and the import "takes into account what
    [other desks] saved meanwhile". A row checked while JD-2025-0001 stood is refused as its
    duplicate at the check; JD-2025-0001 is voided before the import stores anything, yet the
    row stays refused, naming a reception that is void when the import commits. (The catch-up
    only adds refusals; a refusal made at the check is never taken back.)"""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    wrong = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)

    def void() -> None:
        other.void(team.both, wrong.id, "录重了，以导入的为准", version=wrong.version)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 2), unit="市审计局")),
        ImportRow(3, sample_reception(date(2025, 6, 3), unit="市财政局")),
    ]
    outcomes = importer.import_rows(team.clerk, rows, progress=once(void))
    by_row = {o.row: o for o in outcomes}
    assert importer.get(wrong.id).status.value == "void"
    assert [e.message for e in by_row[2].errors] == [], "refused as a duplicate of the void JD-2025-0001"
    assert by_row[2].ref == "JD-2025-0002"
    assert importer.verify().ok


def test_a_backup_made_after_the_import_began_and_restored_before_it_stores(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The backup holds the entry the import started after (so the watermark alone looked
    unchanged), but not the reception another desk saved later, which the check read: the
    import stops in one line instead of judging rows by a reception that is gone."""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    other.authenticate("admin", PASSWORD)
    steps = iter(
        [
            lambda: (
                other.backup(tmp_path / "刚才.sqlite3"),
                other.save(team.both, sample_reception(date(2025, 6, 3), unit="戊局")),
            ),
            lambda: other.restore(
                team.admin, tmp_path / "刚才.sqlite3", replace_existing=True, accept_older=True
            ),
        ]
    )
    seen: list[int] = []

    def progress(checked: int, total: int) -> bool:
        if checked in (1, 2) and checked not in seen:
            seen.append(checked)
            next(steps)()
        return True

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 2), unit="丁局")),
        ImportRow(3, sample_reception(date(2025, 6, 3), unit="戊局")),  # the reception saved meanwhile
    ]
    with pytest.raises(LedgerError, match="请重新导入"):
        importer.import_rows(team.clerk, rows, progress=progress)
    assert importer.receptions() == []
    assert importer.verify().ok
