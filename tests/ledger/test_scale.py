"""A million receptions (migration 0004): the indexes, the database's monthly totals and the
substring search give the same answers as reading every row, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from ledger import history, queries
from ledger.db import MIGRATIONS, Database
from ledger.records import ImportRow, LedgerQuery, Status
from ledger.service import LedgerService
from tests.conftest import PASSWORD, Team, copied_ledger, make_team, new_pg_database, sample_reception

UNITS = ("市教育局", "省教育厅督导组", "邻县教研院", "市审计局", "对口县财政局", "Ab_%局")


def fill(service: LedgerService, team: Team) -> None:
    """A small ledger with ties on every sorted column, every status and breaches."""
    rows = [
        ImportRow(
            row=i + 2,
            reception=sample_reception(
                date(2024 + i % 2, 1 + i % 12, 1 + i % 27),
                guests=1 + i % 5,
                companions=i % 3,
                amount=f"{100 + (i * 37) % 9 * 50}.00",
                unit=UNITS[i % len(UNITS)],
                activity=f"督导检查第{i % 7}批",
                letter_no=f"教函〔{2024 + i % 2}〕{i}号" if i % 4 else "",
            ),
        )
        for i in range(60)
    ]
    outcomes = service.import_rows(team.clerk, rows, allow_duplicates=True)
    stored = [service.get_by_ref(o.ref) for o in outcomes if o.ref]
    for r in stored[:20]:
        explained = {v.rule: "情况说明" for v in service.assess(r).violations}
        service.submit(team.clerk, replace(r, explanations=explained))
    for r in stored[:10]:
        service.approve(team.approver, r.id)  # type: ignore[arg-type]
    service.delete_draft(team.clerk, stored[-1].id)  # type: ignore[arg-type]
    moved = service.get(stored[-2].id)  # type: ignore[arg-type]
    service.save(team.clerk, replace(moved, reception_date=date(2025, 12, 30), meals=()))
    assert len(stored) == 60


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, _migrated_template: Path
) -> Iterator[LedgerService]:
    """One filled ledger per engine for the module's tests, which only read it (filling one
    took 5 to 8 s on PostgreSQL, for each of some fifty tests)."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = copied_ledger(_migrated_template, tmp_path_factory.mktemp("filled"))
        else:
            url = stack.enter_context(new_pg_database())
        service = LedgerService(Database(url))
        fill(service, make_team(service))
        yield service
        service.db.dispose()


def every_row(service: LedgerService) -> list:  # type: ignore[type-arg]
    return service.ledger_rows(LedgerQuery(sort="ref", descending=False), 0, 10_000)


def search_texts(service: LedgerService) -> dict[int, str]:
    with service.db.read() as s:
        return dict(s.execute(text("SELECT id, search_text FROM receptions")).all())


@pytest.mark.parametrize(
    "words",
    [
        "教研院",
        "教研",
        "研",
        "督导检查第3批",
        "第3",
        "〔2025〕1",
        "jd-2025-000",
        "JD-2024-0001",
        "ab_%",
        "_",
        "%",
        "无此单位",
    ],
)
def test_search_finds_what_reading_every_row_finds(
    filled: LedgerService, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = sorted(i for i, t in search_texts(filled).items() if words.lower() in t)
    found = sorted(r.id for r in filled.ledger_rows(LedgerQuery(text=words), 0, 10_000))
    assert found == expected
    # a text too common for its trigram postings is tested row by row: the same rows
    monkeypatch.setattr(queries, "SUMMARY_CAP", 2)
    assert sorted(r.id for r in filled.ledger_rows(LedgerQuery(text=words), 0, 10_000)) == expected
    monkeypatch.undo()
    summary = filled.ledger_summary(LedgerQuery(text=words))
    assert (summary.count, summary.exact) == (len(expected), True)
    assert summary.total == filled.count_and_total(LedgerQuery(text=words))[1]


@pytest.mark.parametrize(
    "query",
    [
        LedgerQuery(),
        LedgerQuery(year=2025),
        LedgerQuery(year=2024, month=3),
        LedgerQuery(year=2025, month=12),
        LedgerQuery(status=Status.APPROVED),
        LedgerQuery(status=Status.DRAFT, compliance="breach"),
        LedgerQuery(year=2025, compliance="compliant"),
        LedgerQuery(visiting_unit="市教育局"),
        LedgerQuery(date_from=date(2024, 5, 1), date_to=date(2025, 2, 1)),
    ],
)
def test_the_status_bar_counts_what_the_rows_are(filled: LedgerService, query: LedgerQuery) -> None:
    rows = filled.ledger_rows(query, 0, 10_000)
    summary = filled.ledger_summary(query)
    assert summary.exact and summary.count == len(rows)
    assert summary.total == sum((r.total for r in rows), Decimal(0))
    assert filled.count_and_total(query) == (len(rows), summary.total)


def test_the_monthly_totals_follow_every_write(filled: LedgerService) -> None:
    """The sums the database keeps per month equal a grouped reading of every row."""
    with filled.db.read() as s:
        kept = sorted(queries.approved_by_month(s, 2000, 2100))
        days = queries.approved_by_day(s, date(2000, 1, 1), date(2100, 1, 1))
    read: dict[tuple[int, int], list[int]] = {}
    for day, *values in days:
        sums = read.setdefault((day.year, day.month), [0] * len(values))
        for i, v in enumerate(values):
            sums[i] += int(v or 0)
    assert [(y, m, *map(int, v)) for y, m, *v in kept if v[1]] == sorted(
        (y, m, *v) for (y, m), v in read.items()
    )
    assert kept


def test_a_broad_search_says_more_than_the_cap(
    filled: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SUMMARY_CAP", 5)
    summary = filled.ledger_summary(LedgerQuery(text="局"))
    assert (summary.count, summary.total, summary.exact) == (5, None, False)
    # filters the monthly totals answer stay exact whatever their size
    assert filled.ledger_summary(LedgerQuery()).exact


SORTS = (
    "ref",
    "reception_date",
    "visiting_unit",
    "activity",
    "guest_count",
    "total",
    "per_person",
    "meal_amount",
    "meal_per_person",
    "status",
    "violation_count",
)


def _key(row, sort: str):  # type: ignore[no-untyped-def]
    persons = row.guest_count + row.companion_count
    return {
        "ref": (int(row.ref.split("-")[1]), int(row.ref.split("-")[2])),
        "reception_date": (row.reception_date, row.id),
        "visiting_unit": (row.visiting_unit, row.id),
        "activity": (row.activity, row.id),
        "guest_count": (row.guest_count, row.id),
        "total": (row.total, row.id),
        "per_person": (row.total / persons if persons else Decimal(-1), row.id),
        "meal_amount": (row.meal_amount, row.id),
        "meal_per_person": (row.meal_amount / persons if persons else Decimal(-1), row.id),
        "status": (row.status.value, row.reception_date, row.id),
        "violation_count": (row.violation_count, row.id),
    }[sort]


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_orders_as_its_columns_say(filled: LedgerService, sort: str) -> None:
    rows = every_row(filled)
    for descending in (False, True):
        got = filled.ledger_rows(LedgerQuery(sort=sort, descending=descending), 0, 10_000)
        expected = sorted(rows, key=lambda r: _key(r, sort), reverse=descending)
        assert [r.id for r in got] == [r.id for r in expected]
        # a page from the middle is the same slice
        assert [r.id for r in filled.ledger_rows(LedgerQuery(sort=sort, descending=descending), 17, 9)] == [
            r.id for r in got[17:26]
        ]


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_walks_an_index(db_url: str, sort: str) -> None:
    """A page in any order of the ledger view is an index walk on SQLite: no sorting of the
    whole table (a million receptions: 0.4-0.6 s for 餐费 and 人均餐费 before migration 0008)."""
    from sqlalchemy import select

    from ledger.models import ReceptionRow

    db = Database(db_url)
    try:
        with db.read() as s:
            for descending in (False, True):
                order = [c.desc() if descending else c for c in queries.SORT_COLUMNS[sort]]
                stmt = select(ReceptionRow.id).order_by(*order).limit(200)
                sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
                plan = " ".join(str(r[-1]) for r in s.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert "TEMP B-TREE" not in plan, (sort, plan)
    finally:
        db.dispose()


def _alembic(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _downgrade_to_0003(db: Database) -> None:
    """Back to the revision before 0004 (the scale indexes)."""
    cfg = _alembic(db.url)
    with db.write_engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0003")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_an_existing_ledger_migrates_with_its_figures(
    request: pytest.FixtureRequest, db_url: str, engine: str
) -> None:
    url = db_url if engine == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    fill(service, make_team(service))
    before = [
        (q, service.count_and_total(q))
        for q in (LedgerQuery(), LedgerQuery(year=2025, status=Status.APPROVED))
    ]
    found_before = sorted(r.id for r in service.ledger_rows(LedgerQuery(text="教研院"), 0, 1000))
    _downgrade_to_0003(service.db)
    service.db.dispose()
    with service.db.engine.connect() as c:
        assert "ix_receptions_date_id" not in {i["name"] for i in inspect(c).get_indexes("receptions")}
        assert "reception_totals" not in inspect(c).get_table_names()

    reopened = LedgerService(Database(url))  # an existing ledger at 0003 opens: it migrates
    with reopened.db.engine.connect() as c:
        indexes = {i["name"] for i in inspect(c).get_indexes("receptions")}
        assert {"ix_receptions_date_id", "ix_receptions_total_id", "ix_receptions_activity_id"} <= indexes
        assert c.execute(text("SELECT count(*) FROM reception_totals")).scalar()
    assert [(q, reopened.count_and_total(q)) for q, _ in before] == before
    assert [(q, reopened.ledger_summary(q).count) for q, _ in before] == [(q, n) for q, (n, _t) in before]
    assert sorted(r.id for r in reopened.ledger_rows(LedgerQuery(text="教研院"), 0, 1000)) == found_before
    # the downgrade also dropped the signing keys and signatures (0006), which a ledger from before
    # 0004 never had; everything else in the history must still hold
    problems = reopened.verify().problems
    assert [p for p in problems if "公钥" not in p and "签名" not in p] == []
    reopened.db.dispose()


def test_sqlite_search_uses_the_trigram_index(service: LedgerService, team: Team) -> None:
    service.save(team.clerk, sample_reception(unit="邻县教研院"))
    path = service.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        assert c.execute(
            "SELECT rowid FROM receptions_search WHERE receptions_search MATCH '\"教研院\"'"
        ).fetchall()


@pytest.mark.postgres
def test_postgres_without_the_right_to_create_extensions_keeps_a_plain_search(pg_url: str) -> None:
    role = f"clerk_{uuid.uuid4().hex[:8]}"
    name = pg_url.rsplit("/", 1)[1]
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE ROLE {role} LOGIN"))
        c.execute(text(f'REVOKE CREATE ON DATABASE "{name}" FROM PUBLIC'))
        c.execute(text(f"GRANT CREATE, USAGE ON SCHEMA public TO {role}"))
    try:
        url = pg_url.replace("postgres@", f"{role}@")
        service = LedgerService(Database(url))
        team = make_team(service)
        service.save(team.clerk, sample_reception(unit="邻县教研院", letter_no="教函〔2025〕77号"))
        with service.db.engine.connect() as c:
            assert (
                c.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar() == 0
            )
            assert "ix_receptions_search_trgm" not in {
                i["name"] for i in inspect(c).get_indexes("receptions")
            }
        assert [r.visiting_unit for r in service.ledger_rows(LedgerQuery(text="教研"), 0, 10)] == [
            "邻县教研院"
        ]
        assert service.ledger_summary(LedgerQuery(text="〔2025〕77")).count == 1
        assert service.authenticate("admin", PASSWORD)
        service.db.dispose()
    finally:
        with admin.connect() as c:
            c.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"), {"r": role}
            )
            c.execute(text(f"DROP OWNED BY {role}"))
        admin.dispose()
        with create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        ).connect() as c:
            c.execute(text(f"DROP ROLE IF EXISTS {role}"))


@pytest.mark.postgres
def test_postgres_search_has_its_trigram_index(pg_url: str) -> None:
    service = LedgerService(Database(pg_url))
    with service.db.engine.connect() as c:
        assert "ix_receptions_search_trgm" in {i["name"] for i in inspect(c).get_indexes("receptions")}
    service.db.dispose()


def test_verify_in_worker_processes_finds_what_the_single_pass_finds(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fill(service, team)
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    assert service.verify().ok
    path = service.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        c.execute("UPDATE receptions SET activity = '改过的活动' WHERE id = (SELECT min(id) FROM receptions)")
        c.execute("DELETE FROM receptions WHERE id = (SELECT max(id) FROM receptions)")
        c.execute("UPDATE letters SET sending_unit = '改过的单位' WHERE id = (SELECT min(id) FROM letters)")
        c.execute("UPDATE letters SET title = '改过的标题' WHERE id = (SELECT max(id) FROM letters)")
    parallel = service.verify()
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify()
    assert not parallel.ok
    assert parallel.problems == single.problems and parallel.records == single.records
    assert any("在程序外被改动" in p for p in parallel.problems)
    assert any("已在程序外被删除" in p for p in parallel.problems)
    # the first and the last letter: checked by workers too, each its own range of the register
    assert len([p for p in parallel.problems if p.startswith("公函登记")]) == 2


def test_chain_checked_in_ranges_finds_what_one_pass_finds(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers check the chain a range of entries at a time: an entry changed or removed at
    the first entry of a range, inside one, or at the very start is named as one pass names it,
    in the same order, and the last state of users and targets is the chain's last."""
    fill(service, team)
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    assert service.verify().ok
    path = service.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        low, high = c.execute("SELECT min(id), max(id) FROM history").fetchone()
        step = -(-(high + 1 - low) // (history.WORKERS * 8))
        first_of_second_range = low + step
        c.execute("UPDATE history SET comment = '改' WHERE id = ?", (first_of_second_range,))
        c.execute("DELETE FROM history WHERE id = ?", (first_of_second_range + 2 * step - 1,))
        c.execute("UPDATE history SET username = 'x' WHERE id = ?", (low,))
    parallel = service.verify()
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify()
    assert parallel.problems == single.problems and parallel.entries == single.entries
    changed = [p for p in parallel.problems if "内容与校验值不符" in p]
    assert [p.split("（")[0] for p in changed] == [f"历史记录第 {low} 条", f"历史记录第 {first_of_second_range} 条"]
    # a changed entry keeps its stored hash, to which the next one links; the one after the
    # removed entry (the first of the third range) no longer links
    broken = [p.split("（")[0] for p in parallel.problems if "链接断开" in p]
    assert broken == [f"历史记录第 {first_of_second_range + 2 * step} 条"]


def test_a_range_after_an_entry_whose_hash_was_emptied_links_as_one_pass(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry before a range emptied of its hash, and the range's first entry made to link to
    that emptiness: one pass names two changed entries and no broken link; the range must not
    take the empty hash for the chain's start."""
    fill(service, team)
    path = service.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as c:
        low, high = c.execute("SELECT min(id), max(id) FROM history").fetchone()
        first_of_second_range = low + -(-(high + 1 - low) // (history.WORKERS * 8))
        c.execute("UPDATE history SET hash = '' WHERE id = ?", (first_of_second_range - 1,))
        c.execute("UPDATE history SET prev_hash = '' WHERE id = ?", (first_of_second_range,))
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    parallel = service.verify()
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify()
    assert parallel.problems == single.problems
    assert not any("链接断开" in p for p in single.problems[:3])
    assert len([p for p in single.problems if "内容与校验值不符" in p]) == 2


def test_verify_in_worker_processes_of_a_ledger_without_letters(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    service.save(team.clerk, sample_reception(date(2025, 3, 4), letter_no="", phone_record="电话通知"))
    assert service.letters() == []
    result = service.verify()
    assert result.ok and result.records == 1


def test_receptions_in_chunks_are_the_receptions_with_their_breaches(filled: LedgerService) -> None:
    query = LedgerQuery(date_from=date(2024, 1, 1), date_to=date(2025, 12, 31))
    whole = filled.receptions(query, approved_only=False)
    chunks = list(filled.receptions_in_chunks(query, chunk=7))
    assert len(chunks) == -(-len(whole) // 7) > 2
    assert [r for records, _ in chunks for r in records] == whole
    breaches = {k: v for _, violations in chunks for k, v in violations.items()}
    assert breaches == filled.violations_of([r.id for r in whole if r.id is not None])
    assert any(breaches.values())


def test_years_are_every_year_numbered(filled: LedgerService) -> None:
    """The year list walks the (year, seq) index one year at a time: the same years as reading
    every row."""
    with filled.db.read() as s:
        every = {int(y) for y in s.scalars(text("SELECT year FROM receptions"))}
    assert filled.years() == sorted(every, reverse=True) == [2025, 2024]
