"""A constraint or trigger added to the ledger's database by hand, outside the program (a
bureau's database administrator "tidying up"), that refuses a write: the write is one line
naming what refused it, nothing of it is kept, and the ledger stays usable."""

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


def test_the_command_line_says_it_in_one_line(db_url: str, tmp_path: Path) -> None:
    service = LedgerService(Database(db_url))
    make_team(service)
    service.db.dispose()
    _by_hand(db_url, "CREATE UNIQUE INDEX one_per_unit ON receptions (visiting_unit)")
    book = write_template(tmp_path / "两行.xlsx", [good_row(), good_row(接待日期="2025-03-06")])
    done = run_cli("--db", db_url, "import", str(book), env={"LEDGER_USER": "li", "LEDGER_PASSWORD": PASSWORD})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "错误: 数据库的约束拒绝了这次写入，未写入任何数据：UNIQUE constraint failed: receptions.visiting_unit"
    ]
    assert done.stdout == ""
