"""An import checks its rows without the write lock, then stores them in one transaction
(ledger.importing): other desks save while a big file is being checked, and what they save
meanwhile is caught up with — their numbers are not given again and a row repeating their
reception is refused — on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest

import ledger.importing as importing
from ledger.errors import ImportCancelled
from ledger.records import ImportRow
from ledger.service import LedgerService
from tests.conftest import Team, once, sample_reception


def rows() -> list[ImportRow]:
    return [
        ImportRow(2, sample_reception(date(2025, 6, 2), unit="市审计局")),
        ImportRow(3, sample_reception(date(2025, 6, 3), unit="市财政局")),
        ImportRow(4, sample_reception(date(2025, 6, 4), unit="省教研院")),
        ImportRow(5, sample_reception(date(2025, 6, 5), unit="邻县教育局")),
    ]


def test_other_desks_save_while_the_rows_are_checked_and_are_caught_up_with(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    saved: list[str] = []

    def other_desk() -> None:
        # the same reception as the file's row 4, and the year's next number
        saved.append(other.save(team.both, sample_reception(date(2025, 6, 4), unit="省教研院")).ref)
        saved.append(other.save(team.both, sample_reception(date(2025, 7, 1), unit="县财政局")).ref)

    outcomes = importer.import_rows(team.clerk, rows(), progress=once(other_desk))
    assert saved == ["JD-2025-0001", "JD-2025-0002"]
    by_row = {o.row: o for o in outcomes}
    assert [e.message for e in by_row[4].errors] == [
        "与已有接待 JD-2025-0001 重复（日期、来访单位、金额相同）"
    ]
    assert [by_row[n].ref for n in (2, 3, 5)] == ["JD-2025-0003", "JD-2025-0004", "JD-2025-0005"]
    stored = sorted(r.ref for r in importer.receptions())
    assert stored == ["JD-2025-0001", "JD-2025-0002", "JD-2025-0003", "JD-2025-0004", "JD-2025-0005"]
    assert importer.verify().ok


def test_a_number_deleted_meanwhile_is_not_given_to_a_row_that_names_it(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    file_rows = rows()
    file_rows[3] = ImportRow(5, sample_reception(date(2025, 6, 5), unit="邻县教育局", ref="JD-2025-0001"))

    def other_desk() -> None:
        draft = other.save(team.both, sample_reception(date(2025, 8, 1), unit="县财政局"))
        other.delete_draft(team.both, draft.id)

    outcomes = importer.import_rows(team.clerk, file_rows, progress=once(other_desk))
    refs = {o.row: o.ref for o in outcomes}
    assert refs[5] != "JD-2025-0001"  # the deleted draft's number is never given out again
    assert len(set(refs.values())) == 4
    assert importer.verify().ok


def test_cancelled_while_storing_commits_nothing(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    monkeypatch.setattr(importing, "_STORE_BATCH", 1)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 6  # all four rows checked, then cancelled after two are stored

    with pytest.raises(ImportCancelled):
        service.import_rows(team.clerk, rows(), progress=progress)
    assert seen[-1] == (6, 8)
    assert service.receptions() == []
    assert service.verify().ok


def test_a_full_disk_while_the_rows_wait_is_one_line_and_commits_nothing(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    from ledger.db import DiskFull

    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            pass

    monkeypatch.setattr(tempfile, "TemporaryFile", FullDisk)
    with pytest.raises(DiskFull, match="磁盘已满，未写入任何数据"):
        service.import_rows(team.clerk, rows())
    assert service.receptions() == []


def test_rows_repeating_a_reception_voided_meanwhile_are_stored_once(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two rows of the file repeat JD-2025-0001, which is voided while the file is checked: the
    first is stored after all, the second is the first one's duplicate, as in any file."""
    from tests.conftest import PASSWORD

    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    wrong = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)
    file_rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="市财政局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局")),
        ImportRow(4, sample_reception(date(2025, 6, 2), unit="市审计局")),
    ]
    voided = once(lambda: other.void(team.both, wrong.id, "录重了", version=wrong.version))  # type: ignore[arg-type]
    outcomes = {o.row: o for o in importer.import_rows(team.clerk, file_rows, progress=voided)}
    assert outcomes[3].ref == "JD-2025-0003" and not outcomes[3].errors
    assert [e.message for e in outcomes[4].errors] == ["与本表第 3 行重复（日期、来访单位、金额相同）"]
    assert importer.verify().ok


def test_a_row_still_refused_when_the_reception_it_repeats_only_changed_its_remarks(
    two_desks: tuple[LedgerService, LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    stored = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    file_rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="市财政局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局")),
    ]
    edited = once(lambda: other.save(team.both, replace(stored, remarks="补记")) and None)
    outcomes = {o.row: o for o in importer.import_rows(team.clerk, file_rows, progress=edited)}
    assert [e.message for e in outcomes[3].errors] == [
        "与已有接待 JD-2025-0001 重复（日期、来访单位、金额相同）"
    ]
