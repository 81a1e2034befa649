"""The service on a shared PostgreSQL server: two machines on one ledger."""

import threading
from dataclasses import replace
from decimal import Decimal

import pytest

from ledger.db import Database
from ledger.records import LedgerQuery
from ledger.service import LedgerService, StaleEdit
from tests.conftest import PASSWORD, make_team, sample_reception

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_machines(pg_url: str):  # type: ignore[no-untyped-def]
    first = LedgerService(Database(pg_url))
    team = make_team(first)
    second = LedgerService(Database(pg_url))
    for user in (team.clerk, team.approver):  # on the other machine they log in: keys unlocked there
        second.authenticate(user.username, PASSWORD)
    yield first, second, team
    first.db.dispose()
    second.db.dispose()


def test_workflow_and_verify_on_postgres(two_machines) -> None:  # type: ignore[no-untyped-def]
    first, second, team = two_machines
    r = first.save(team.clerk, sample_reception(guests=10, companions=4, amount="700.00"))
    r = first.submit(team.clerk, replace(r, explanations={"companions_over_cap": "临时增加"}))
    approved = second.approve(team.approver, r.id)
    assert approved.status == "approved"
    assert second.count_and_total(LedgerQuery(compliance="breach")) == (1, Decimal("700.00"))
    assert first.verify().ok


def test_concurrent_edits_never_silently_overwrite(two_machines) -> None:  # type: ignore[no-untyped-def]
    first, second, team = two_machines
    original = first.save(team.clerk, sample_reception())
    on_a = first.get(original.id)
    on_b = second.get(original.id)
    first.save(team.clerk, replace(on_a, activity="甲机器的修改"))
    with pytest.raises(StaleEdit):
        second.save(team.clerk, replace(on_b, activity="乙机器的修改"))
    assert second.get(original.id).activity == "甲机器的修改"


def test_simultaneous_writers_keep_one_history_chain(two_machines) -> None:  # type: ignore[no-untyped-def]
    first, second, team = two_machines
    errors: list[BaseException] = []

    def write(service: LedgerService, unit: str) -> None:
        try:
            for i in range(15):
                service.save(team.clerk, sample_reception(unit=f"{unit}{i}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, u)) for s, u in ((first, "甲"), (second, "乙"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refs = [r.ref for r in first.ledger_rows(LedgerQuery(), 0, 100)]
    assert len(refs) == len(set(refs)) == 30
    result = first.verify()
    assert result.ok, result.problems


def test_large_amounts_fit_on_postgres(two_machines) -> None:  # type: ignore[no-untyped-def]
    first, _second, team = two_machines
    big = first.save(team.clerk, sample_reception(amount="30000000.00"))
    assert first.get(big.id).total == Decimal("30000000.00")
    assert first.count_and_total(LedgerQuery()) == (1, Decimal("30000000.00"))
    from ledger.targets import year_figures

    assert year_figures(first, 2025).ytd_total == Decimal("0.00")  # a draft counts nowhere


def test_a_backup_is_one_moment_while_another_machine_writes(two_machines, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ledger import backup

    first, second, team = two_machines
    first.save(team.clerk, sample_reception(unit="备份前"))
    original = backup._copy_tables

    def copy_while_someone_saves(source, target):  # type: ignore[no-untyped-def]
        execute = source.execute
        calls = []

        def execute_then_write(*args, **kwargs):  # type: ignore[no-untyped-def]
            result = execute(*args, **kwargs)
            calls.append(1)
            if len(calls) == 3:  # some tables copied, others not yet
                second.save(team.clerk, sample_reception(unit="备份中另一台机器保存"))
            return result

        source.execute = execute_then_write
        return original(source, target)

    backup._copy_tables = copy_while_someone_saves
    try:
        first.backup(tmp_path / "b.sqlite3")
    finally:
        backup._copy_tables = original
    restored = LedgerService(Database(f"sqlite:///{tmp_path / 'r.sqlite3'}"))
    restored.restore(None, tmp_path / "b.sqlite3")
    assert restored.verify().ok
    assert restored.count_and_total(LedgerQuery())[0] == 1
