"""Attack on the import's rows taken back (a stored reception they repeated was voided, deleted or
changed while they were checked), the outcomes' approved flag and carried numbers (1 Dec 2026)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

import ledger.importing as importing
from ledger.records import ImportRow, Status
from ledger.service import ImportOutcome, LedgerService
from tests.conftest import PASSWORD, once, sample_reception
from ui.import_result import ImportSummary


def summary_of(outcomes: list[ImportOutcome]) -> ImportSummary:
    s = ImportSummary()
    for o in outcomes:
        s.add(o)
    return s


def stored_approved(service: LedgerService) -> int:
    return sum(1 for r in service.receptions() if r.status == Status.APPROVED)


def test_taken_back_historical_counts(two_desks, monkeypatch) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    r = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)

    def void() -> None:
        other.void(team.both, r.id, "录重了", version=r.version)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="甲局"), approved_by="老赵", approved_on=date(2025, 7, 1)),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0006"), approved_by="老赵", approved_on=date(2025, 7, 1)),
        ImportRow(4, sample_reception(date(2025, 6, 2), unit="市审计局"), approved_by="老赵", approved_on=date(2025, 7, 1)),
        ImportRow(5, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0007"), approved_by="老赵", approved_on=date(2025, 7, 1)),
        ImportRow(6, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0008")),
        ImportRow(7, sample_reception(date(2025, 6, 4), unit="乙局")),
    ]
    # `both` is clerk+approver: may import historical
    outcomes = importer.import_rows(team.both, rows, historical=True, progress=once(void))
    by = {o.row: o for o in outcomes}
    s = summary_of(outcomes)
    assert s.approved == stored_approved(importer)
    assert importer.verify().ok
    assert by[3].ref == "JD-2025-0006" and by[3].approved
    assert not by[4].ref
    assert by[5].ref == "JD-2025-0007" and by[5].approved
    assert by[6].ref == "JD-2025-0008" and not by[6].approved


def test_deleted_meanwhile_number_carried(two_desks, monkeypatch) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    r = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    assert r.ref == "JD-2025-0001"
    other.authenticate("wang", PASSWORD)

    def delete() -> None:
        other.delete_draft(team.both, r.id)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="甲局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0001")),
        ImportRow(4, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0001")),
    ]
    outcomes = importer.import_rows(team.clerk, rows, progress=once(delete))
    by = {o.row: o for o in outcomes}
    assert by[3].ref and by[3].ref != "JD-2025-0001" and by[3].written_ref == "JD-2025-0001"
    assert not by[4].ref
    assert importer.verify().ok


def test_changed_meanwhile_still_matching_other(two_desks, monkeypatch) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    r = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)

    def change() -> None:
        got = other.get(r.id)
        other.save(team.both, replace(got, visiting_unit="市财政局"))

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="甲局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局")),
        ImportRow(4, sample_reception(date(2025, 6, 2), unit="市财政局")),  # the changed one's key
    ]
    outcomes = importer.import_rows(team.clerk, rows, progress=once(change))
    by = {o.row: o for o in outcomes}
    assert by[3].ref
    assert not by[4].ref
    assert importer.verify().ok


def test_sealed_meanwhile(two_desks, monkeypatch) -> None:
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    r = importer.save(team.both, sample_reception(date(2024, 6, 2), unit="市审计局"))
    other.authenticate("admin", PASSWORD)
    other.authenticate("wang", PASSWORD)

    def void_and_seal() -> None:
        other.void(team.both, r.id, "录重了", version=r.version)
        other.seal_year(team.admin, 2024, "0" * 64)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="甲局")),
        ImportRow(3, sample_reception(date(2024, 6, 2), unit="市审计局")),
        ImportRow(4, sample_reception(date(2024, 6, 5), unit="乙局")),
    ]
    outcomes = importer.import_rows(team.clerk, rows, progress=once(void_and_seal))
    by = {o.row: o for o in outcomes}
    assert by[2].ref
    assert not by[3].ref and not by[4].ref
    assert all(x.reception_date.year != 2024 or x.status == Status.VOID for x in importer.receptions())
    assert importer.verify().ok


def test_own_numbers(service, team, monkeypatch) -> None:
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 2)
    service.save(team.both, sample_reception(date(2025, 1, 2), unit="先存局"))  # JD-2025-0001
    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 1), unit="甲局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="乙局", ref="JD-2025-0002")),
        ImportRow(4, sample_reception(date(2025, 6, 3), unit="丙局", ref="JD-2025-0001")),  # taken
        ImportRow(5, sample_reception(date(2025, 6, 4), unit="丁局", ref="JD-2024-0005")),  # other year
        ImportRow(6, sample_reception(date(2025, 6, 5), unit="戊局", ref="JD-2025-99999")),
        ImportRow(7, sample_reception(date(2025, 6, 6), unit="己局", ref="JD-2025-0002")),  # carried twice
        ImportRow(8, sample_reception(date(2025, 6, 2), unit="乙局", ref="JD-2025-0009")),  # same key, diff ref
        ImportRow(9, sample_reception(date(2025, 6, 2), unit="乙局")),  # same key no ref: dup
        ImportRow(10, sample_reception(date(2025, 6, 7), unit="庚局", ref="JD-2025-0003")),
        ImportRow(11, sample_reception(date(2025, 6, 8), unit="辛局")),
    ]
    outcomes = service.import_rows(team.clerk, rows)
    by = {o.row: o for o in outcomes}
    refs = [o.ref for o in outcomes if o.ref]
    assert len(refs) == len(set(refs))
    assert by[3].ref == "JD-2025-0002" and not by[3].written_ref
    assert by[4].ref != "JD-2025-0001" and by[4].written_ref == "JD-2025-0001"
    assert by[10].ref == "JD-2025-0003"
    assert by[2].ref not in ("JD-2025-0002", "JD-2025-0003", "JD-2025-0009")
    assert service.verify().ok


@pytest.mark.parametrize("store_batch", [2000, 1])
def test_taken_back_rows_with_their_own_numbers_far_apart(two_desks, monkeypatch, store_batch) -> None:
    """Two rows repeating a stored reception, each carrying its own different 编号 (two receptions
    of one unit on one day for the same amount stay two): the reception is voided while the rows
    are checked, so both are taken back. Whether the second is stored must not depend on whether
    the two rows fall in the same store batch (2,000 rows)."""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    monkeypatch.setattr(importing, "_STORE_BATCH", store_batch)
    r = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)

    def void() -> None:
        other.void(team.both, r.id, "录重了", version=r.version)

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 3), unit="甲局")),
        ImportRow(3, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0005")),
        ImportRow(4, sample_reception(date(2025, 6, 2), unit="市审计局", ref="JD-2025-0006")),
    ]
    fired = []

    def progress(checked: int, total: int) -> bool:
        if checked == 3 and not fired:
            fired.append(1)
            void()
        return True

    outcomes = importer.import_rows(team.clerk, rows, progress=progress)
    by = {o.row: o for o in outcomes}
    assert by[3].ref == "JD-2025-0005"
    assert by[4].ref == "JD-2025-0006", [e.message for e in by[4].errors]


def test_a_row_still_repeating_another_reception_names_that_one(two_desks, monkeypatch) -> None:
    """Two stored receptions with the same date, unit and total (JD-2025-0001, JD-2025-0002);
    a row repeats them. JD-2025-0001 is voided while the row is checked: the row is still a
    duplicate, of JD-2025-0002, which the refusal names (it named the void JD-2025-0001)."""
    importer, other, team = two_desks
    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    a = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    b = importer.save(team.both, sample_reception(date(2025, 6, 2), unit="市审计局"))
    other.authenticate("wang", PASSWORD)
    fired = []

    def progress(checked: int, total: int) -> bool:
        if checked == 2 and not fired:
            fired.append(1)
            other.void(team.both, a.id, "录重了", version=a.version)
        return True

    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 2), unit="市审计局")),
        ImportRow(3, sample_reception(date(2025, 6, 3), unit="甲局")),
    ]
    outcomes = importer.import_rows(team.clerk, rows, progress=progress)
    by = {o.row: o for o in outcomes}
    msgs = [e.message for e in by[2].errors]
    assert not by[2].ref
    assert b.ref in msgs[0], msgs
