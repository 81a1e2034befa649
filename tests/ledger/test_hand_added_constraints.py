"""A constraint or trigger added to the ledger's database by hand, outside the program (a
bureau's database administrator "tidying up"), that refuses a write: the write is one line
naming what refused it, nothing of it is kept, and the ledger stays usable.

Also one that *skips* a row instead of failing (SQLite's RAISE(IGNORE), a PostgreSQL BEFORE
trigger returning NULL), found by the attack of 1 Dec 2026: it gave a traceback (KeyError) or, on
the history, a write that "succeeded" without its history entry (verify then failed); a
PostgreSQL CHECK quoted the whole row (a password's hash too); an archive whose seal was refused
stayed on disk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from ledger.db import ConstraintRefused, Database
from ledger.models import HistoryRow, ReceptionRow
from ledger.records import ImportRow
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, Team, make_team, sample_reception
from tests.workbooks import good_row, write_template


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, db_url: str) -> Iterator[tuple[str, LedgerService, Team]]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    team = make_team(service)
    yield url, service, team
    service.db.dispose()


def _by_hand(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _counts(service: LedgerService) -> tuple[int, int]:
    with service.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(ReceptionRow)) or 0,
            s.scalar(select(func.count()).select_from(HistoryRow)) or 0,
        )


def test_a_hand_added_unique_index_refuses_an_import_in_one_line(ledger: tuple[str, LedgerService, Team]) -> None:
    url, service, team = ledger
    _by_hand(url, "CREATE UNIQUE INDEX one_per_unit ON receptions (visiting_unit)")
    before = _counts(service)
    rows = [ImportRow(2, sample_reception(date(2025, 3, 5))), ImportRow(3, sample_reception(date(2025, 3, 6)))]
    with pytest.raises(ConstraintRefused) as caught:
        service.import_rows(team.clerk, rows)
    message = str(caught.value)
    assert message.startswith("数据库的约束拒绝了这次写入，未写入任何数据：")
    assert "visiting_unit" in message or "one_per_unit" in message
    assert "\n" not in message and "INSERT" not in message  # not the statement and its rows
    assert _counts(service) == before
    # the ledger stays usable: without the index the same rows are imported
    _by_hand(url, "DROP INDEX one_per_unit")
    outcomes = service.import_rows(team.clerk, rows)
    assert [o.ref for o in outcomes] == ["JD-2025-0001", "JD-2025-0002"]
    assert service.verify().ok


def test_a_hand_added_trigger_refuses_a_save_in_one_line(ledger: tuple[str, LedgerService, Team]) -> None:
    url, service, team = ledger
    if url.startswith("sqlite"):
        _by_hand(
            url,
            "CREATE TRIGGER no_large BEFORE INSERT ON receptions WHEN NEW.total_fen > 100000 "
            "BEGIN SELECT RAISE(ABORT, '单次接待不得超过一千元'); END",
        )
    else:
        _by_hand(
            url,
            "CREATE FUNCTION no_large() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.total_fen > 100000 THEN RAISE EXCEPTION '单次接待不得超过一千元'; END IF; "
            "RETURN NEW; END $$",
            "CREATE TRIGGER no_large BEFORE INSERT ON receptions FOR EACH ROW EXECUTE FUNCTION no_large()",
        )
    before = _counts(service)
    with pytest.raises(ConstraintRefused, match="单次接待不得超过一千元"):
        service.save(team.clerk, sample_reception(amount="1200.00"))
    assert _counts(service) == before
    saved = service.save(team.clerk, sample_reception(amount="300.00"))  # what the trigger lets through
    assert saved.ref == "JD-2025-0001"


def test_the_command_line_names_the_index_in_one_line(url: str, tmp_path: Path) -> None:
    """On PostgreSQL with the key that repeats, not the COPY's line with the row's raw data."""
    _by_hand(url, "CREATE UNIQUE INDEX one_per_unit ON receptions (visiting_unit)")
    book = write_template(tmp_path / "两行.xlsx", [good_row(), good_row(接待日期="2025-03-06")])
    done = run_cli("--db", url, "import", str(book), env=CLERK)
    assert done.returncode == 2 and done.stdout == ""
    said = (
        "UNIQUE constraint failed: receptions.visiting_unit"
        if url.startswith("sqlite")
        else 'duplicate key value violates unique constraint "one_per_unit" Key (visiting_unit)=(市教育局) already exists.'
    )
    assert done.stderr.strip().splitlines() == [PREFIX + said]


# ---------------------------------------------------------------------------- a row skipped
PREFIX = "错误: 数据库的约束拒绝了这次写入，未写入任何数据："
ADMIN = {"LEDGER_USER": "admin", "LEDGER_PASSWORD": PASSWORD}
CLERK = {"LEDGER_USER": "li", "LEDGER_PASSWORD": PASSWORD}


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, db_url: str) -> Iterator[str]:
    chosen = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(chosen))
    make_team(service)
    service.db.dispose()
    yield chosen


def _table_counts(url: str) -> tuple[int, ...]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = tuple(
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("receptions", "history", "users", "reception_people")
        )
    engine.dispose()
    return found


def _skipping(url: str, table: str, event: str = "INSERT") -> None:
    """A trigger added by hand that skips every row written to ``table``, without an error."""
    if url.startswith("sqlite"):
        _by_hand(url, f"CREATE TRIGGER skip_all BEFORE {event} ON {table} BEGIN SELECT RAISE(IGNORE); END")
    else:
        _by_hand(
            url,
            "CREATE FUNCTION skip_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            f"CREATE TRIGGER skip_all BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION skip_all()",
        )


def _drop_skipping(url: str, table: str) -> None:
    _by_hand(url, "DROP TRIGGER skip_all" + ("" if url.startswith("sqlite") else f" ON {table}"))


def _verify_clean(url: str) -> None:
    done = run_cli("--db", url, "verify")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("table", ["receptions", "reception_people", "history"])
def test_a_trigger_skipping_an_imports_rows_is_one_line_and_nothing_is_written(
    url: str, table: str, tmp_path: Path
) -> None:
    _skipping(url, table)
    before = _table_counts(url)
    book = write_template(tmp_path / "两行.xlsx", [good_row(), good_row(接待日期="2025-03-06")])
    done = run_cli("--db", url, "import", str(book), env=CLERK)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + f"表 {table} 上的触发器略过了要写入的行"]
    assert done.stdout == ""
    assert _table_counts(url) == before
    _verify_clean(url)
    _drop_skipping(url, table)  # the ledger stays usable
    again = run_cli("--db", url, "import", str(book), env=CLERK)
    assert again.returncode == 0, again.stderr
    _verify_clean(url)


@pytest.mark.parametrize("table", ["history", "users"])
def test_a_trigger_skipping_a_new_users_rows_is_one_line_and_nothing_is_written(url: str, table: str) -> None:
    _skipping(url, table)
    before = _table_counts(url)
    done = run_cli("--db", url, "user", "add", "wu", "--role", "clerk", "--new-password", PASSWORD, env=ADMIN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + f"表 {table} 上的触发器略过了要写入的行"]
    assert _table_counts(url) == before
    _verify_clean(url)


def test_a_trigger_skipping_an_update_is_one_line(url: str) -> None:
    _skipping(url, "settings", "UPDATE")
    done = run_cli("--db", url, "bureau", "set", "--address", "某路 1 号", env=ADMIN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + "表 settings 上的触发器略过了要写入的行"]
    _verify_clean(url)
    assert "某路" not in run_cli("--db", url, "bureau").stdout


def test_a_check_added_by_hand_on_postgresql_does_not_quote_the_row(pg_url: str, tmp_path: Path) -> None:
    service = LedgerService(Database(pg_url))
    make_team(service)
    service.db.dispose()
    _by_hand(pg_url, "ALTER TABLE users ADD CONSTRAINT long_names CHECK (length(username) > 3) NOT VALID")
    done = run_cli("--db", pg_url, "user", "add", "wu", "--role", "clerk", "--new-password", PASSWORD, env=ADMIN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        PREFIX + 'new row for relation "users" violates check constraint "long_names"'
    ]  # not "Failing row contains (…, $argon2id$…)"
    _by_hand(pg_url, "ALTER TABLE receptions ADD CONSTRAINT small CHECK (total_fen < 20000) NOT VALID")
    book = write_template(tmp_path / "大额.xlsx", [good_row(餐费=250)])
    done = run_cli("--db", pg_url, "import", str(book), env=CLERK)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        PREFIX + 'new row for relation "receptions" violates check constraint "small"'
    ]  # not the COPY's line with the row's raw data


def test_an_archive_whose_seal_is_refused_is_not_left_on_disk(db_url: str, tmp_path: Path) -> None:
    service = LedgerService(Database(db_url))
    make_team(service)
    service.db.dispose()
    book = write_template(tmp_path / "一行.xlsx", [good_row()])
    assert run_cli("--db", db_url, "import", str(book), env=CLERK).returncode == 0
    _by_hand(
        db_url,
        "CREATE TRIGGER no_seal BEFORE INSERT ON sealed_years BEGIN SELECT RAISE(ABORT, '不得封存'); END",
    )
    target = tmp_path / "2025.zip"
    done = run_cli("--db", db_url, "archive", "--year", "2025", "-o", str(target), env=ADMIN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + "不得封存"]
    assert not target.exists()  # no "sealed" archive of a year that is not sealed
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]  # nor its temporary file
    _by_hand(db_url, "DROP TRIGGER no_seal")
    done = run_cli("--db", db_url, "archive", "--year", "2025", "-o", str(target), env=ADMIN)
    assert done.returncode == 0, done.stderr
    assert run_cli("verify", "--archive", str(target)).returncode == 0
