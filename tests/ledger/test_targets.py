"""Year-on-year figures checked against known, hand-computed values."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.records import ImportRow, Meal
from ledger.service import LedgerService
from ledger.targets import (
    JSON_KEYS,
    TargetsError,
    dashboard_figures,
    summary_lines,
    year_figures,
)
from tests.conftest import Team, sample_reception

ROOT = Path(__file__).resolve().parent.parent.parent


def spend(
    service: LedgerService,
    team: Team,
    entries: list[tuple[date, str]],
    *,
    guests: int = 6,
    unit: str = "市教育局",
    approved: bool = True,
    **changes: object,
) -> None:
    """Approved receptions with these totals: a canteen lunch of at most 100.00 plus accommodation."""
    rows = []
    for i, (on, total) in enumerate(entries):
        meal = min(Decimal(total), Decimal("100.00"))
        reception = sample_reception(on, guests=guests, unit=unit, amount=str(meal), **changes)  # type: ignore[arg-type]
        reception = replace(reception, accommodation=Decimal(total) - meal)
        rows.append(
            ImportRow(
                row=i + 2, reception=reception, approved_by="张副局长" if approved else "", approved_on=on
            )
        )
    outcomes = service.import_rows(team.both, rows, historical=True, allow_duplicates=True)
    assert all(o.ref for o in outcomes), [o.errors for o in outcomes]


# ---------------------------------------------------------------------------- no baseline
def test_a_year_without_baseline_has_no_target_and_no_status(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 1, 10), "400.00"), (date(2025, 3, 31), "500.00")], guests=4)
    f = year_figures(service, 2025, date(2025, 3, 31))
    assert f.baseline_year == 2024
    assert f.baseline_total is None
    assert f.target_total is None
    assert f.status is None
    assert f.ytd_total == Decimal("900.00")
    assert f.same_period_last_year == Decimal("0.00")
    assert f.yoy_change is None
    # run rate: 900.00 over 90 days (Jan 1 .. Mar 31) × 365 days
    assert f.projection_method == "run_rate"
    assert f.projected_total == Decimal("3650.00")
    assert (f.batches, f.person_visits) == (2, 8)
    out = f.to_json()
    assert out["status"] is None and out["target_total"] is None and out["baseline_total"] is None
    text = "\n".join(summary_lines(f))
    assert "无上年基数，无法计算目标" in text
    assert "进度正常" not in text


# ---------------------------------------------------------------------------- finished years
def test_a_finished_year_under_target_is_met(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2024, 3, 1), "6000.00"), (date(2024, 11, 5), "4000.00")])
    spend(service, team, [(date(2025, 2, 1), "3000.00"), (date(2025, 12, 31), "4000.00")])
    f = year_figures(service, 2025)  # a past year: as of Dec 31
    assert f.as_of == date(2025, 12, 31)
    assert f.baseline_total == Decimal("10000.00")
    assert f.reduction == Decimal("0.20")
    assert f.target_total == Decimal("8000.00")
    assert f.ytd_total == Decimal("7000.00")
    assert f.same_period_last_year == Decimal("10000.00")
    assert f.yoy_change == Decimal("-0.3000")
    assert f.projected_total == Decimal("7000.00") and f.projection_method == "actual"
    assert f.status == "met"
    assert f.to_json() == {
        "year": 2025,
        "baseline_year": 2024,
        "baseline_total": "10000.00",
        "reduction": "0.20",
        "target_total": "8000.00",
        "as_of": "2025-12-31",
        "ytd_total": "7000.00",
        "same_period_last_year": "10000.00",
        "yoy_change": "-0.3000",
        "projected_total": "7000.00",
        "status": "met",
        "batches": 2,
        "person_visits": 12,
    }


def test_a_finished_year_over_target_is_missed_and_exactly_on_target_is_met(
    service: LedgerService, team: Team
) -> None:
    spend(service, team, [(date(2024, 6, 1), "10000.00")])
    spend(service, team, [(date(2025, 6, 1), "8000.01")])
    assert year_figures(service, 2025).status == "missed"
    spend(service, team, [(date(2023, 6, 1), "10000.00")])
    # 2024 spent 10000.00 against 2023's 10000.00: target 8000.00, missed too
    assert year_figures(service, 2024).status == "missed"


def test_exactly_on_target_is_met(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2024, 6, 1), "10000.00")])
    spend(service, team, [(date(2025, 6, 1), "8000.00")])
    assert year_figures(service, 2025).status == "met"


# ---------------------------------------------------------------------------- running year
@pytest.fixture
def baseline_2025(service: LedgerService, team: Team) -> None:
    """2025: 1000.00 in January, 1000.00 in February, 8000.00 in July: target 2026 = 8000.00."""
    spend(
        service,
        team,
        [(date(2025, 1, 15), "1000.00"), (date(2025, 2, 10), "1000.00"), (date(2025, 7, 1), "8000.00")],
    )


@pytest.mark.usefixtures("baseline_2025")
def test_a_running_year_projected_above_target_is_at_risk(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 1, 20), "1800.00")])
    f = year_figures(service, 2026, date(2026, 2, 28))
    # last year had spent 2000.00 of 10000.00 by the end of February: share 0.2
    assert f.projection_method == "seasonal"
    assert f.projected_total == Decimal("9000.00")
    assert f.target_total == Decimal("8000.00")
    assert f.status == "at_risk"
    assert f.same_period_last_year == Decimal("2000.00")
    assert f.yoy_change == Decimal("-0.1000")
    assert f.headroom == Decimal("6200.00")


@pytest.mark.usefixtures("baseline_2025")
def test_a_running_year_projected_within_target_is_on_track(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 1, 20), "1500.00")])
    f = year_figures(service, 2026, date(2026, 2, 28))
    assert f.projected_total == Decimal("7500.00")
    assert f.status == "on_track"


@pytest.mark.usefixtures("baseline_2025")
def test_the_current_month_of_last_year_is_pro_rated_by_day(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 1, 20), "1200.00")])
    f = year_figures(service, 2026, date(2026, 2, 14))
    # share = (1000.00 + 1000.00 × 14/28) / 10000.00 = 0.15; projection = 1200.00 / 0.15
    assert f.projected_total == Decimal("8000.00")
    assert f.status == "on_track"  # exactly on the target is not above it
    # the same period counts real dates (Feb 10 ≤ Feb 14); only the projection pro-rates the month
    assert f.same_period_last_year == Decimal("2000.00")
    spend(service, team, [(date(2026, 2, 14), "0.03")])
    assert year_figures(service, 2026, date(2026, 2, 14)).status == "at_risk"


@pytest.mark.usefixtures("baseline_2025")
def test_a_running_year_already_over_target_is_missed(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 2, 1), "8500.00")])
    f = year_figures(service, 2026, date(2026, 3, 1))
    assert f.status == "missed"
    assert f.headroom == Decimal("-500.00")
    assert "已超出目标：500.00 元" in "\n".join(summary_lines(f))


def test_run_rate_when_last_year_spent_nothing_by_this_date(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 12, 10), "10000.00")])
    spend(service, team, [(date(2026, 2, 1), "900.00")])
    f = year_figures(service, 2026, date(2026, 3, 31))
    assert f.projection_method == "run_rate"
    assert f.projected_total == Decimal("3650.00")
    assert f.same_period_last_year == Decimal("0.00") and f.yoy_change is None
    assert f.status == "on_track"


# ---------------------------------------------------------------------------- details
def test_only_approved_receptions_count_and_by_reception_date(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 5, 5), "1000.00")])
    spend(service, team, [(date(2026, 5, 5), "300.00")])
    spend(service, team, [(date(2026, 5, 6), "700.00")], approved=False)  # imported as a draft
    submitted = service.submit(team.clerk, service.save(team.clerk, sample_reception(date(2026, 5, 7))))
    assert submitted.status == "submitted"
    f = year_figures(service, 2026, date(2026, 12, 31))
    assert f.ytd_total == Decimal("300.00")
    assert f.batches == 1
    service.approve(team.approver, submitted.id, "同意")  # type: ignore[arg-type]
    f = year_figures(service, 2026, date(2026, 12, 31))
    assert f.ytd_total == Decimal("600.00")
    assert year_figures(service, 2026, date(2026, 5, 6)).ytd_total == Decimal("300.00")


def test_the_reduction_set_by_the_administrator_is_used(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 5, 5), "10000.00")])
    service.set_reduction(team.admin, 2026, Decimal("0.15"))
    f = year_figures(service, 2026, date(2026, 6, 30))
    assert f.reduction == Decimal("0.15")
    assert f.target_total == Decimal("8500.00")
    assert f.to_json()["reduction"] == "0.15"
    assert year_figures(service, 2027, date(2027, 1, 1)).reduction == Decimal("0.20")


def test_target_is_rounded_to_the_fen(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 5, 5), "1000.05")])
    service.set_reduction(team.admin, 2026, Decimal("0.125"))
    f = year_figures(service, 2026, date(2026, 6, 30))
    assert f.target_total == Decimal("875.04")  # 875.04375 half-up
    assert f.to_json()["reduction"] == "0.125"


def test_yoy_change_is_rounded_half_up_to_four_places(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 3, 1), "20000.00")])
    spend(service, team, [(date(2026, 3, 1), "20001.00")])
    assert year_figures(service, 2026, date(2026, 3, 31)).to_json()["yoy_change"] == "0.0001"  # 0.00005
    spend(service, team, [(date(2025, 4, 1), "10000.00")])
    # 20001.00 against 30000.00: -0.33330 → -0.3333
    assert year_figures(service, 2026, date(2026, 4, 30)).to_json()["yoy_change"] == "-0.3333"


def test_feb_29_compares_with_feb_28_of_last_year(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2023, 2, 28), "500.00"), (date(2023, 3, 1), "700.00")])
    spend(service, team, [(date(2024, 2, 29), "400.00")])
    f = year_figures(service, 2024, date(2024, 2, 29))
    assert f.as_of == date(2024, 2, 29)
    assert f.same_period_last_year == Decimal("500.00")
    assert f.ytd_total == Decimal("400.00")
    assert f.yoy_change == Decimal("-0.2000")
    # share by the end of February 2023 = 500.00 / 1200.00: projection = 400.00 × 1200 / 500
    assert f.projected_total == Decimal("960.00")
    assert f.to_json()["as_of"] == "2024-02-29"


def test_person_visits_count_guests_not_companions(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 1, 5), "200.00")], guests=9)
    spend(service, team, [(date(2026, 1, 6), "200.00")], guests=3)
    f = year_figures(service, 2026, date(2026, 1, 31))
    assert (f.batches, f.person_visits) == (2, 12)


def test_dates_outside_the_year(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2025, 12, 30), "100.00")])
    assert year_figures(service, 2025, date(2026, 5, 1)).as_of == date(2025, 12, 31)
    with pytest.raises(TargetsError, match="早于 2026 年 1 月 1 日"):
        year_figures(service, 2026, date(2025, 12, 31))
    with pytest.raises(TargetsError, match="尚未开始"):
        year_figures(service, date.today().year + 1)


def test_an_empty_ledger_gives_zeros_not_errors(service: LedgerService) -> None:
    f = year_figures(service.db, 2026, date(2026, 3, 1))
    assert (f.ytd_total, f.projected_total, f.batches, f.status) == (
        Decimal("0.00"),
        Decimal("0.00"),
        0,
        None,
    )
    d = dashboard_figures(service, 2026, date(2026, 3, 1))
    assert d.canteen_share is None and d.compliance_rate is None and d.top_units == ()


# ---------------------------------------------------------------------------- dashboard figures
@pytest.mark.usefixtures("baseline_2025")
def test_dashboard_figures(service: LedgerService, team: Team) -> None:
    spend(service, team, [(date(2026, 1, 5), "300.00"), (date(2026, 3, 9), "500.00")], unit="市教育局")
    spend(service, team, [(date(2026, 3, 10), "250.00")], unit="邻县教育局", venue_type="定点饭店")
    # a breach: 50 yuan per person cap, 8 diners → 400.00; this meal costs 480.00
    over = sample_reception(date(2026, 3, 11), unit="省教育厅督导组", amount="480.00")
    service.import_rows(
        team.both,
        [ImportRow(row=2, reception=over, approved_by="张副局长", approved_on=date(2026, 3, 11))],
        historical=True,
    )
    secret = sample_reception(date(2026, 3, 12), unit="某涉密单位", classified=True, classified_reason="涉密")
    secret = replace(
        secret, meals=(Meal(date(2026, 3, 12), "lunch", "学校食堂", "学校食堂", 8, Decimal("100.00")),)
    )
    service.import_rows(
        team.both,
        [ImportRow(row=2, reception=secret, approved_by="张副局长", approved_on=date(2026, 3, 12))],
        historical=True,
    )
    d = dashboard_figures(service, 2026, date(2026, 3, 31))
    assert d.monthly[0] == Decimal("300.00")
    assert d.monthly[2] == Decimal("1330.00")
    assert sum(d.monthly[3:]) == 0
    assert d.monthly_last_year[:3] == (Decimal("1000.00"), Decimal("1000.00"), Decimal("0.00"))
    assert d.monthly_last_year[6] == Decimal("8000.00")
    assert d.cumulative == (Decimal("300.00"), Decimal("300.00"), Decimal("1630.00"))
    assert d.cumulative_last_year[-1] == Decimal("10000.00")
    assert d.figures.ytd_total == Decimal("1630.00") and d.figures.batches == 5
    # 5 meals, 4 of them in canteens (the 定点饭店 one is not)
    assert (d.canteen_meals, d.meal_count, d.canteen_share) == (4, 5, Decimal("0.8000"))
    assert (d.compliant, d.compliance_rate) == (4, Decimal("0.8000"))
    assert d.over_standard_total == Decimal("80.00")
    assert [(u.visiting_unit, u.receptions, u.total) for u in d.top_units] == [
        ("市教育局", 2, Decimal("800.00")),
        ("省教育厅督导组", 1, Decimal("480.00")),
        ("邻县教育局", 1, Decimal("250.00")),
    ]  # the classified reception's unit is never listed


# ---------------------------------------------------------------------------- command line
def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


@pytest.mark.usefixtures("baseline_2025")
def test_cli_targets_json_prints_exactly_the_spec_keys(
    service: LedgerService, team: Team, db_url: str
) -> None:
    spend(service, team, [(date(2026, 1, 20), "1800.00")])
    done = _run("--db", db_url, "targets", "--year", "2026", "--as-of", "2026-02-28", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert tuple(out) == JSON_KEYS
    assert out == {
        "year": 2026,
        "baseline_year": 2025,
        "baseline_total": "10000.00",
        "reduction": "0.20",
        "target_total": "8000.00",
        "as_of": "2026-02-28",
        "ytd_total": "1800.00",
        "same_period_last_year": "2000.00",
        "yoy_change": "-0.1000",
        "projected_total": "9000.00",
        "status": "at_risk",
        "batches": 1,
        "person_visits": 6,
    }


def test_cli_targets_text_and_bad_input(service: LedgerService, team: Team, db_url: str) -> None:
    spend(service, team, [(date(2025, 4, 1), "1234.50")])
    done = _run("targets", "--db", db_url, "--year", "2025")
    assert done.returncode == 0, done.stderr
    assert "本年累计：1,234.50 元，1 批次，6 人次" in done.stdout
    assert "无上年基数，无法计算目标" in done.stdout
    done = _run("--db", db_url, "targets", "--year", "2025", "--as-of", "2025-02-30")
    assert done.returncode == 2  # written YYYY-MM-DD, but no such day
    assert "2025-02-30 这一天不存在" in done.stderr and "Traceback" not in done.stderr
    done = _run("--db", db_url, "targets", "--year", "2025", "--as-of", "2025/02/28")
    assert done.returncode == 2
    assert "YYYY-MM-DD" in done.stderr and "Traceback" not in done.stderr
    done = _run("--db", db_url, "targets", "--year", "2026", "--as-of", "2025-12-31")
    assert done.returncode == 2 and "早于" in done.stderr
