"""Attack on issue 10: edits made to the SQLite file outside the app that ``verify`` misses.

README (The history and `verify`): "An amount changed, a row inserted or deleted ... directly in
the database is found and named"; the register and the plans are under ``verify`` (issue 10).
Each test makes one edit with sqlite3 that changes what a user sees or may do, then expects
``verify`` to name it.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal

import pytest

from ledger.db import Database
from ledger.errors import WorkflowError
from ledger.preapproval import Letter, Plan, PlannedMeal
from ledger.records import Person
from ledger.service import LedgerService
from tests.conftest import Team

LETTER = "市教函〔2026〕7号"


@pytest.fixture(autouse=True)
def _march(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        visiting_unit="市教育局督导室",
        activity="督导",
        activity_kind="检查指导",
        letter_no=LETTER,
        guest_count=6,
        guests=tuple(Person(f"督导{i}", "市教育局督导室", "科员") for i in range(6)),
        companion_count=2,
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 8, Decimal("40.00")),),
        budget=Decimal("400.00"),
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def outside(db_url: str, service: LedgerService, sql: str) -> LedgerService:
    """Run ``sql`` on the ledger file with sqlite3 (as someone outside the app), reopen it."""
    service.db.dispose()
    con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    con.execute(sql)
    con.commit()
    con.close()
    return LedgerService(Database(db_url))


def test_unlinking_a_plan_from_its_letter_hides_the_one_letter_one_visit_warning_and_verify_is_silent(
    service: LedgerService, team: Team, db_url: str
) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    service.approve_plan(team.approver, plan.id, version=plan.version)
    assert service.letter_uses(LETTER)  # the register names the plan: 一函一事 is said at once
    assert service.verify().ok

    again = outside(db_url, service, f"UPDATE plans SET letter_id = NULL WHERE id = {plan.id}")
    # a second reception citing the same letter is no longer warned about ...
    assert again.letter_uses(LETTER) == []
    # ... and verify must name the change
    result = again.verify()
    assert not result.ok, "verify missed plans.letter_id set to NULL outside the app"
    again.db.dispose()


def test_unlinking_a_reception_from_its_letter_is_named_by_verify(
    service: LedgerService, team: Team, db_url: str
) -> None:
    from tests.conftest import sample_reception

    r = service.save(team.clerk, sample_reception(date(2026, 3, 5), letter_no=LETTER))
    assert service.letter_uses(LETTER)
    again = outside(db_url, service, f"UPDATE receptions SET letter_id = NULL WHERE id = {r.id}")
    assert again.letter_uses(LETTER) == []
    assert not again.verify().ok, "verify missed receptions.letter_id set to NULL outside the app"
    again.db.dispose()


def test_changing_a_letters_key_lets_the_same_letter_be_registered_twice_and_verify_is_silent(
    service: LedgerService, team: Team, db_url: str
) -> None:
    letter = service.register_letter(team.clerk, Letter(LETTER, "市教育局", "督导函", date(2026, 3, 1)))
    again = outside(db_url, service, f"UPDATE letters SET key = 'x' WHERE id = {letter.id}")
    assert not again.verify().ok, "verify missed letters.key rewritten outside the app"
    again.db.dispose()


def test_removing_a_letters_scan_is_named_by_verify_and_no_longer_counts_as_the_letter(
    service: LedgerService, team: Team, db_url: str
) -> None:
    letter = service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "督导函", date(2026, 3, 1)), ("公函.pdf", b"%PDF-1.4 scan")
    )
    again = outside(db_url, service, f"UPDATE letters SET scan = NULL WHERE id = {letter.id}")
    # 查看扫描件 now fails, but the register still says it has a scan of 13 bytes
    assert again.letter(letter.id).scan_size == len(b"%PDF-1.4 scan")
    assert not again.verify().ok, "verify missed a letter's scan removed outside the app"
    again.db.dispose()


def test_clearing_submitted_at_lets_a_submitted_plan_be_deleted_and_verify_is_silent(
    service: LedgerService, team: Team, db_url: str
) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.withdraw_plan(team.clerk, plan.id, version=plan.version)
    with pytest.raises(WorkflowError):
        service.delete_plan(team.clerk, plan.id)  # submitted once: void only
    again = outside(db_url, service, f"UPDATE plans SET submitted_at = NULL WHERE id = {plan.id}")
    assert not again.verify().ok, "verify missed plans.submitted_at cleared outside the app"
    again.db.dispose()
