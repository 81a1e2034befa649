"""The import's bulk writer (ledger.importing: Core executemany for receptions, people, meals,
breaches and history) stores exactly what the one-by-one writer (ledger.workflow.save →
_record_change) stores for the same receptions, and both keep ``verify`` clean."""

from __future__ import annotations

import gc
import json
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger.db import Database
from ledger.models import ExplanationRow, HistoryRow, MealRow, PersonRow, ReceptionRow, ViolationRow
from ledger.records import ImportRow, LedgerQuery, Person
from ledger.service import LedgerService
from tests.conftest import Team, make_team, sample_reception

AT = datetime(2025, 6, 1, 9, 30)


def receptions() -> list[Any]:
    return [
        sample_reception(date(2025, 3, 5)),
        sample_reception(date(2025, 3, 6), companions=9, unit="省财政局"),  # a breach: companions
        sample_reception(date(2025, 4, 1), unit="县审计局", amount="1234.56", guests=3),
        sample_reception(
            date(2025, 5, 2), unit="市教研院", transport=Decimal("88.80"), gift_description="茶叶"
        ),
    ]


def stored(service: LedgerService) -> tuple[list[Any], ...]:
    with service.db.read() as s:

        def rows(model: Any, skip: tuple[str, ...] = ("id",)) -> list[dict[str, Any]]:
            names = [c.key for c in model.__table__.columns if c.key not in skip]
            return [
                dict(zip(names, r, strict=True))
                for r in s.execute(
                    select(*(getattr(model, n) for n in names)).order_by(
                        *(getattr(model, n) for n in names[:3])
                    )
                )
            ]

        history = [
            (h.action, h.entity, h.ref, json.loads(h.after) if h.after else None, h.before)
            for h in s.scalars(
                select(HistoryRow).where(HistoryRow.entity == "reception").order_by(HistoryRow.id)
            )
        ]
        return (
            rows(ReceptionRow),
            rows(PersonRow),
            rows(MealRow),
            rows(ExplanationRow),
            rows(ViolationRow),
            history,
        )


def test_bulk_import_stores_what_one_by_one_saves_store(tmp_path: Path, db_url: str) -> None:
    copy = tmp_path / "other.sqlite3"
    shutil.copyfile(db_url.removeprefix("sqlite:///"), copy)
    one_db, bulk_db = Database(db_url), Database(f"sqlite:///{copy}")
    try:
        one, bulk = LedgerService(one_db), LedgerService(bulk_db)
        one.clock = bulk.clock = lambda: AT
        clerk_one, clerk_bulk = make_team(one).clerk, make_team(bulk).clerk
        items = receptions()
        items[0] = items[0].__class__(
            **{**items[0].__dict__, "guests": (Person("王伟", "市教育局", "科长"),)}
        )
        for r in items:
            one.save(clerk_one, r)
        outcomes = bulk.import_rows(clerk_bulk, [ImportRow(n + 2, r) for n, r in enumerate(items)])
        assert [o.ref for o in outcomes] == ["JD-2025-0001", "JD-2025-0002", "JD-2025-0003", "JD-2025-0004"]
        a, b = stored(one), stored(bulk)
        assert a[:5] == b[:5]  # the same receptions, people, meals, explanations and breaches
        assert any(v for v in a[4])  # (one of them has a breach)
        # the same history snapshots; only the action says how each came in
        assert [(h[1], h[2], h[3], h[4]) for h in a[5]] == [(h[1], h[2], h[3], h[4]) for h in b[5]]
        assert {h[0] for h in a[5]} == {"create"} and {h[0] for h in b[5]} == {"import"}
        assert one.verify().ok and bulk.verify().ok
    finally:
        one_db.dispose()
        bulk_db.dispose()


def test_file_duplicates_keep_their_verdicts_on_disk() -> None:
    """The rows seen are kept in a temporary database (bounded memory for a million rows): the
    same verdicts as before — the first row repeated, unless both carry different 编号."""
    from dataclasses import replace as changed

    from ledger.import_keys import FileDuplicates
    from tests.conftest import sample_reception

    seen = FileDuplicates()
    first = sample_reception(unit="市教育局")
    assert seen.earlier(first) is None
    seen.add(first, 2)
    assert seen.earlier(sample_reception(unit=" 市教育局 ")) == 2  # the same unit, spaced
    assert seen.earlier(sample_reception(unit="市教育局", amount="301.00")) is None
    numbered = changed(first, ref="JD-2025-0001")
    seen.add(numbered, 3)
    assert seen.earlier(changed(first, ref="JD-2025-0002")) == 2  # row 2 carries no 编号
    other = FileDuplicates()
    other.add(numbered, 5)
    assert other.earlier(changed(first, ref="JD-2025-0002")) is None  # two numbers: two receptions
    assert other.earlier(changed(first, ref="JD-2025-0001")) == 5


@pytest.mark.parametrize("bits", [1 << 24, 8])  # 8: every key shares a bit with others
def test_file_duplicates_answer_as_a_dict_of_their_keys(bits: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bitmap in front of the temporary database and the rows written to it a thousand at a
    time give the verdicts a dict of the keys would: rows repeated long after (written out) and
    just after (not yet written), and keys that share a bit without being the same."""
    from ledger.import_keys import FileDuplicates

    monkeypatch.setattr(FileDuplicates, "_BITS", bits)
    seen = FileDuplicates()
    kept: dict[tuple[date, str, str], int] = {}
    units = [f"第{i}教育局" for i in range(50)]
    for row in range(2, 2600):
        key = (date(2025, 1, 1 + row % 28), units[row % 50], f"{100 + row % 7}.00")
        r = sample_reception(key[0], unit=key[1], amount=key[2])
        assert seen.earlier(r) == kept.get(key), row
        if key not in kept:
            kept[key] = row
            seen.add(r, row)
    assert len(kept) < 2598  # some rows did repeat


def test_taken_refs_answer_as_a_set_of_their_texts() -> None:
    """The numbers an import has taken are bits of a year's bitmap (bounded memory for a
    million rows): every text is in it exactly when a set of the texts would hold it."""
    from ledger.import_keys import TakenRefs

    added = [
        "JD-2025-0007",
        "JD-2025-12345",
        "JD-2024-0001",
        "JD-2025-99999999",  # beyond the bitmaps: kept as text
        "JD-2025-007",  # not as the ledger writes it
        "jd-2025-0008",
        "某号",
        "JD-٢٠٢٥-0009",
    ]
    taken = TakenRefs()
    taken.update(added[:4])
    for text in added[4:]:
        taken.add(text)
    probes = [*added, "JD-2025-0006", "JD-2025-0008", "JD-2026-0007", "JD-2025-12344", "JD-2025-0009", "", "JD--"]
    assert {p for p in probes if p in taken} == set(added)
    # asked by year and sequence, as the import asks for each number it gives
    from ledger.mapping import ref

    for year, seq in [(2025, 7), (2025, 12345), (2024, 1), (2025, 99999999), (2025, 8), (2026, 7), (2025, 0)]:
        assert taken.holds(year, seq) == (ref(year, seq) in taken), (year, seq)


def test_a_letter_cited_in_two_batches_is_registered_once(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch looks its letters up afresh (no map of every letter the import met): a letter
    registered by an earlier batch of the same import is found there, not registered again."""
    from datetime import date

    import ledger.importing as importing
    from ledger.records import ImportRow
    from tests.conftest import sample_reception

    monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
    monkeypatch.setattr(importing, "_STORE_BATCH", 1)
    rows = [
        ImportRow(2, sample_reception(date(2025, 6, 1), letter_no="县函〔2025〕6号")),
        ImportRow(3, sample_reception(date(2025, 6, 2), letter_no="县函〔2025〕6号", unit="市审计局")),
    ]
    outcomes = service.import_rows(team.clerk, rows)
    register = {x.letter_no: [u.ref for u in x.uses] for x in service.letters()}
    assert register == {"县函〔2025〕6号": [outcomes[0].ref, outcomes[1].ref]}
    assert service.verify().ok


def test_bulk_inserts_store_times_as_every_other_write_does(service: LedgerService, team: Team) -> None:
    """SQLite keeps times as text: an imported reception's, its history's and its letter's are
    written as the ORM writes them ("2025-06-01 09:30:00.000000"), so text comparisons and
    sorting in SQL treat them alike."""
    from sqlalchemy import text

    saved = service.save(team.clerk, sample_reception(date(2025, 3, 4), letter_no="县函〔2025〕1号"))
    service.import_rows(team.clerk, [ImportRow(2, sample_reception(date(2025, 3, 5), letter_no="县函〔2025〕2号"))])
    with service.db.read() as s:
        shapes = {
            table: sorted({len(t) for (t,) in s.execute(text(f"SELECT created_at FROM {table}"))})
            for table in ("receptions", "letters")
        }
        shapes["history"] = sorted({len(t) for (t,) in s.execute(text("SELECT at FROM history"))})
    assert saved.ref and shapes == {"receptions": [26], "letters": [26], "history": [26]}


def _totals_and_triggers(service: LedgerService) -> tuple[list[Any], list[Any], set[str]]:
    from sqlalchemy import text

    with service.db.read() as s:
        kept = sorted(
            s.execute(
                text(
                    "SELECT year, month, status, breach, receptions, total_fen, guests, canteen_meals,"
                    " meal_count, over_standard_fen FROM reception_totals WHERE receptions > 0"
                )
            ).all()
        )
        counted = sorted(
            s.execute(
                text(
                    "SELECT CAST(substr(reception_date, 1, 4) AS INTEGER), CAST(substr(reception_date, 6, 2) AS INTEGER),"
                    " status, violation_count > 0, count(*), sum(total_fen), sum(guest_count), sum(canteen_meals),"
                    " sum(meal_count), sum(over_standard_fen) FROM receptions GROUP BY 1, 2, 3, 4"
                )
            ).all()
        )
        triggers = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    return kept, counted, triggers


def test_an_import_keeps_the_monthly_totals_and_the_search_as_saving_does(
    service: LedgerService, team: Team
) -> None:
    """On SQLite the import does the totals' and the search's insert-trigger work over a batch at
    once: the status bar's month figures, the search and a later deletion come out as if every
    row had been saved one by one, and the triggers are back for the next save."""

    service.save(team.clerk, sample_reception(date(2025, 3, 4)))  # a month the import adds to
    _, _, before = _totals_and_triggers(service)
    outcomes = service.import_rows(team.clerk, [ImportRow(n + 2, r) for n, r in enumerate(receptions())])
    kept, counted, triggers = _totals_and_triggers(service)
    assert kept == counted and len(kept) == 4  # March (with and without a breach), April, May
    assert triggers == before and {"reception_totals_insert", "receptions_search_insert"} <= triggers
    summary = service.ledger_summary(LedgerQuery(year=2025, month=3))
    assert (summary.count, summary.exact) == (3, True)
    [found] = service.ledger_rows(LedgerQuery(text="审计局"))
    assert found.ref == outcomes[2].ref

    service.delete_draft(team.clerk, found.id)  # the delete triggers meet an imported row
    service.save(team.clerk, sample_reception(date(2025, 4, 2), unit="县审计局"))  # the insert triggers again
    kept, counted, _ = _totals_and_triggers(service)
    assert kept == counted
    assert [r.reception_date for r in service.ledger_rows(LedgerQuery(text="审计局"))] == [date(2025, 4, 2)]
    assert service.verify().ok


def test_a_failed_import_leaves_the_triggers_and_totals_as_they_were(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger.importing as importing

    service.save(team.clerk, sample_reception(date(2025, 3, 4)))
    was = _totals_and_triggers(service)

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(importing.history, "append_many", fail)  # after the receptions are inserted
    with pytest.raises(OSError):
        service.import_rows(team.clerk, [ImportRow(n + 2, r) for n, r in enumerate(receptions())])
    assert _totals_and_triggers(service) == was
    assert service.ledger_rows(LedgerQuery(text="审计局")) == []
    assert gc.isenabled()  # paused for the import only (ledger.spool.Collector)


def test_an_import_of_several_batches_into_postgresql_stores_every_person_and_meal(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each batch's lookups are planned afresh and its children's inserts use the
    server's kept plans (ledger.importing._store switches between the two): across batches every
    row, person and meal arrives, and the history vouches for them."""
    import ledger.importing as importing

    monkeypatch.setattr(importing, "_STORE_BATCH", 3)
    service = LedgerService(Database(pg_url))
    try:
        clerk = make_team(service).clerk
        items = [sample_reception(date(2025, 3, 1 + n), unit=f"第{n}考察组") for n in range(10)]
        outcomes = service.import_rows(clerk, [ImportRow(n + 2, r) for n, r in enumerate(items)])
        assert [o.ref for o in outcomes] == [f"JD-2025-{n:04d}" for n in range(1, 11)]
        with service.db.read() as s:
            people = s.scalar(select(func.count()).select_from(PersonRow))
            meals = s.scalar(select(func.count()).select_from(MealRow))
        assert (people, meals) == (
            sum(len(r.guests) + len(r.companions) for r in items),
            sum(len(r.meals) for r in items),
        )
        assert service.verify().ok
    finally:
        service.db.dispose()


def _receptions_indexes(service: LedgerService) -> list[Any]:
    from sqlalchemy import text

    with service.db.read() as s:
        return sorted(
            s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'receptions'")).all()
        )


def _statements(service: LedgerService) -> list[str]:
    """Every statement the ledger's connections run from now on."""
    from sqlalchemy import event

    said: list[str] = []
    for engine in {service.db.engine, service.db.write_engine}:
        event.listen(engine, "before_cursor_execute", lambda *a: said.append(a[2]))
    return said


def test_an_import_as_large_as_the_ledger_builds_the_indexes_again(service: LedgerService, team: Team) -> None:
    """An import of at least a quarter of the receptions after it sets the receptions' indexes
    aside and builds them again once (SQLite): every order of the ledger view still finds every
    row, through the same indexes as before, and SQLite finds them whole."""
    from sqlalchemy import text

    service.save(team.clerk, sample_reception(date(2025, 3, 4), unit="本局", amount="99.00"))
    was = _receptions_indexes(service)
    said = _statements(service)
    outcomes = service.import_rows(team.clerk, [ImportRow(n + 2, r) for n, r in enumerate(receptions())])
    assert all(o.ref for o in outcomes)
    assert any(s.startswith("DROP INDEX") for s in said)
    assert _receptions_indexes(service) == was
    for sort in ("reception_date", "total", "visiting_unit", "activity", "guest_count", "violation_count"):
        shown = service.ledger_rows(LedgerQuery(year=2025, sort=sort))
        assert len(shown) == 5, sort
    assert [r.visiting_unit for r in service.ledger_rows(LedgerQuery(sort="total", descending=True))][0] == "县审计局"
    with service.db.read() as s:
        assert s.scalar(text("PRAGMA integrity_check")) == "ok"
    assert service.verify().ok


def test_an_import_small_beside_the_ledger_keeps_the_indexes(service: LedgerService, team: Team) -> None:
    for n in range(20):
        service.save(team.clerk, sample_reception(date(2025, 2, 1 + n), unit=f"第{n}组"))
    said = _statements(service)
    service.import_rows(team.clerk, [ImportRow(n + 2, r) for n, r in enumerate(receptions())])
    assert not any(s.startswith("DROP INDEX") for s in said)


def test_a_failed_import_leaves_the_indexes_it_set_aside(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger.importing as importing

    was = _receptions_indexes(service)

    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(importing.history, "append_many", fail)  # the indexes are set aside by then
    with pytest.raises(OSError):
        service.import_rows(team.clerk, [ImportRow(n + 2, r) for n, r in enumerate(receptions())])
    assert _receptions_indexes(service) == was and len(was) > 10
    assert service.ledger_rows(LedgerQuery(year=2025)) == []
