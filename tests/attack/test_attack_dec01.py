"""Attack of 1 Dec 2026 on the hand-added constraints and triggers: a trigger that *skips* a row
instead of failing (SQLite's RAISE(IGNORE), a PostgreSQL BEFORE trigger returning NULL) gave a
traceback (KeyError) or, on the history, a write that "succeeded" without its history entry
(verify then failed); a PostgreSQL CHECK quoted the whole row (a password's hash too); an
archive whose seal was refused stayed on disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from ledger.db import Database
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, make_team
from tests.workbooks import good_row, write_template

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


def _by_hand(url: str, *statements: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _counts(url: str) -> tuple[int, ...]:
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
    before = _counts(url)
    book = write_template(tmp_path / "两行.xlsx", [good_row(), good_row(接待日期="2025-03-06")])
    done = run_cli("--db", url, "import", str(book), env=CLERK)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + f"表 {table} 上的触发器略过了要写入的行"]
    assert done.stdout == ""
    assert _counts(url) == before
    _verify_clean(url)
    _drop_skipping(url, table)  # the ledger stays usable
    again = run_cli("--db", url, "import", str(book), env=CLERK)
    assert again.returncode == 0, again.stderr
    _verify_clean(url)


@pytest.mark.parametrize("table", ["history", "users"])
def test_a_trigger_skipping_a_new_users_rows_is_one_line_and_nothing_is_written(url: str, table: str) -> None:
    _skipping(url, table)
    before = _counts(url)
    done = run_cli("--db", url, "user", "add", "wu", "--role", "clerk", "--new-password", PASSWORD, env=ADMIN)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [PREFIX + f"表 {table} 上的触发器略过了要写入的行"]
    assert _counts(url) == before
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


def test_a_unique_index_on_postgresql_names_the_key_not_the_copy_line(pg_url: str, tmp_path: Path) -> None:
    service = LedgerService(Database(pg_url))
    make_team(service)
    service.db.dispose()
    _by_hand(pg_url, "CREATE UNIQUE INDEX one_per_unit ON receptions (visiting_unit)")
    book = write_template(tmp_path / "两行.xlsx", [good_row(), good_row(接待日期="2025-03-06")])
    done = run_cli("--db", pg_url, "import", str(book), env=CLERK)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        PREFIX + 'duplicate key value violates unique constraint "one_per_unit" '
        "Key (visiting_unit)=(市教育局) already exists."
    ]


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
