"""``verify`` covers what the database keeps beside the records: the monthly totals every
published figure is read from, and the year and sequence kept beside each number; and a head
this computer saw that a restore on another computer replaced is said, not cried as tampering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from ledger.db import Database
from ledger.records import LedgerQuery
from ledger.service import LedgerService
from ledger.targets import year_figures
from tests.conftest import Team, make_team, sample_reception


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request: pytest.FixtureRequest, db_url: str) -> Iterator[tuple[LedgerService, Team]]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    service.clock = lambda: datetime(2026, 7, 1, 10, 0)
    yield service, make_team(service)
    service.db.dispose()


def outside(service: LedgerService, statement: str) -> None:
    """A change made with the database's own tools, past the program."""
    with service.db.engine.begin() as connection:
        connection.execute(text(statement))


def a_year_of_work(service: LedgerService, team: Team) -> None:
    """Every kind of write that moves the monthly totals: drafts, submissions, approvals, an
    amount corrected, a date moved to another month, a draft deleted, a reception voided, one
    reopened and approved again."""
    approved = []
    for i, day in enumerate((date(2026, 3, 5), date(2026, 3, 20), date(2026, 4, 8))):
        r = service.submit(team.clerk, sample_reception(day, unit=f"单位{i}", letter_no=f"函〔2026〕{i}号"))
        approved.append(service.approve(team.approver, r.id))
    moved = service.save(team.clerk, sample_reception(date(2026, 5, 6), unit="改期的单位", letter_no="函〔2026〕9号"))
    service.save(team.clerk, replace(moved, reception_date=date(2026, 6, 2), meals=moved.meals))
    gone = service.save(team.clerk, sample_reception(date(2026, 5, 7), unit="删除的单位", letter_no="函〔2026〕8号"))
    service.delete_draft(team.clerk, gone.id)  # type: ignore[arg-type]
    back = service.reopen(team.approver, approved[1].id, "重复登记")  # type: ignore[arg-type]
    service.void(team.clerk, back.id, "重复登记")  # type: ignore[arg-type]
    reopened = service.reopen(team.approver, approved[2].id, "金额有误")  # type: ignore[arg-type]
    corrected = service.submit(team.clerk, replace(reopened, remarks="已更正"))
    service.approve(team.approver, corrected.id)  # type: ignore[arg-type]


def test_a_year_of_ordinary_work_keeps_the_totals_verify_finds_nothing(desk: tuple[LedgerService, Team]) -> None:
    service, team = desk
    a_year_of_work(service, team)
    result = service.verify()
    assert result.ok, result.problems


def test_monthly_totals_changed_outside_the_program_are_named_by_verify(desk: tuple[LedgerService, Team]) -> None:
    service, team = desk
    a_year_of_work(service, team)
    before = year_figures(service, 2026, date(2026, 6, 30)).ytd_total
    outside(service, "UPDATE reception_totals SET total_fen = total_fen / 2 WHERE year = 2026 AND month = 3 AND status = 'approved'")
    assert year_figures(service, 2026, date(2026, 6, 30)).ytd_total < before  # the published figure moved
    result = service.verify()
    assert not result.ok
    assert result.problems == [
        "2026 年 3 月“已审核”合规的接待的月度合计与接待记录不符（在程序外被改动）：按记录 1 条、300.00 元，保存的合计 1 条、150.00 元"
    ]


def test_a_month_added_to_the_totals_outside_the_program_is_named(desk: tuple[LedgerService, Team]) -> None:
    service, team = desk
    a_year_of_work(service, team)
    outside(
        service,
        "INSERT INTO reception_totals (year, month, status, breach, receptions, total_fen, guests, "
        "canteen_meals, meal_count, over_standard_fen) VALUES (2025, 7, 'approved', false, 3, 90000, 9, 3, 3, 0)",
    )
    assert service.ledger_summary(LedgerQuery(year=2025)).total == Decimal("900.00")
    result = service.verify()
    assert [p.split("：")[0] for p in result.problems] == ["2025 年 7 月“已审核”合规的接待的月度合计与接待记录不符（在程序外被改动）"]
    assert result.problems[0].endswith("按记录 0 条、0.00 元，保存的合计 3 条、900.00 元")


def test_the_year_kept_beside_a_number_changed_outside_the_program_is_named(desk: tuple[LedgerService, Team]) -> None:
    service, team = desk
    r = service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2025, 6, 1))).id)
    outside(service, f"UPDATE receptions SET year = 2024, seq = 77 WHERE id = {r.id}")
    result = service.verify()
    assert result.problems == [f"接待 {r.ref}：编号所属的年度或序号在程序外被改动"]


def test_the_monthly_totals_are_checked_by_the_parallel_verify_too(
    desk: tuple[LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ledger of 50,000 receptions or more is compared in worker processes; the totals are
    one worker's share there, beside the plans and letters."""
    from ledger import history

    service, team = desk
    a_year_of_work(service, team)
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    assert service.verify().ok
    outside(service, "UPDATE reception_totals SET receptions = receptions + 1 WHERE year = 2026 AND month = 4 AND status = 'approved'")
    problems = service.verify().problems
    assert len(problems) == 1 and problems[0].startswith("2026 年 4 月“已审核”合规的接待的月度合计与接待记录不符")


def test_a_restore_on_another_computer_fails_verify_until_a_person_confirms_it(
    desk: tuple[LedgerService, Team], tmp_path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    """The restore's entry names the head it replaced but is not signed (the ledger's holder could
    forge one): the computer that saw that head fails until someone confirms, then is told loudly."""
    service, team = desk
    service.approve(team.approver, service.submit(team.clerk, sample_reception(date(2026, 3, 5))).id)
    backup = tmp_path / "backup.sqlite3"
    service.backup(backup)
    service.submit(team.clerk, sample_reception(date(2026, 4, 1), unit="省教育厅", letter_no="省教函〔2026〕1号"))
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))
    assert service.verify().ok
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "admins-computer"))
    service.restore(team.admin, backup, replace_existing=True)
    monkeypatch.setenv("LEDGER_ANCHOR_DIR", str(tmp_path / "clerks-computer"))
    (problem,) = service.verify().problems
    assert "用备份整体替换了账本" in problem and problem.endswith(
        "：请向管理员核实确有这次恢复后运行 verify --accept-restore；否则历史在程序外被截断或改写"
    )
    confirmed = service.verify(accept_restore=True)
    assert confirmed.ok and len(confirmed.warnings) == 1 and "管理员 于" in confirmed.warnings[0]
    assert service.verify().ok and not service.verify().warnings  # the new head is remembered
