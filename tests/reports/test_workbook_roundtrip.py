"""An exported year imports back exactly (``import --historical`` into a fresh ledger): every
reception's figures, meals, breaches and explanations, including receptions with several meals
and two receptions of one unit on one day for the same amount."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.db import Database
from ledger.records import LedgerQuery, Meal
from ledger.service import LedgerService
from reports.template import read_import
from reports.workbook import export_year
from tests.cli import run_cli
from tests.conftest import Team, make_team, sample_reception
from tests.workbooks import good_row, write_template

YEAR = 2025


def facts(service: LedgerService, year: int = YEAR) -> dict[str, Any]:
    """What a reader compares: per 编号, the figures, meals, breaches and explanations."""
    out: dict[str, Any] = {}
    for receptions, violations in service.receptions_in_chunks(
        LedgerQuery(date_from=date(year, 1, 1), date_to=date(year, 12, 31)), approved_only=True
    ):
        for r in receptions:
            out[r.ref] = {
                "date": r.reception_date,
                "unit": r.visiting_unit,
                "letter": r.letter_no,
                "counts": (r.guest_count, r.companion_count, len(r.guests), len(r.companions)),
                "money": (r.accommodation, r.transport, r.other_cost, r.gift_amount, r.total),
                "meals": r.meals,
                "breaches": sorted((v.rule, v.limit, v.actual, v.excess) for v in violations.get(r.id or 0, [])),
                "explanations": r.explanations,
                "origin": (r.guest_origin, r.payment_method, r.lodging_persons, r.lodging_nights),
            }
    return out


def import_into_fresh_ledger(tmp_path: Path, book: Path) -> tuple[LedgerService, Database, list[Any]]:
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    fresh = LedgerService(db)
    team = make_team(fresh)
    outcomes = fresh.import_rows(team.both, read_import(book), historical=True)
    return fresh, db, outcomes


def test_a_demo_year_exports_and_imports_back_exactly(tmp_path: Path, demo_service: LedgerService) -> None:
    service, year = demo_service, date.today().year - 1  # the demo's last year, a whole one
    before = facts(service, year)
    assert any(len(f["meals"]) > 1 for f in before.values())  # the demo has two-meal receptions
    book = tmp_path / "year.xlsx"
    export_year(service, year, book)
    fresh, db, outcomes = import_into_fresh_ledger(tmp_path, book)
    try:
        assert [o.errors for o in outcomes if o.errors] == []
        after = facts(fresh, year)
        assert after.keys() == before.keys()
        for ref, figures in before.items():
            assert after[ref] == figures, ref
    finally:
        db.dispose()


def test_two_meals_and_same_day_receptions_survive(tmp_path: Path, service: LedgerService, team: Team) -> None:
    on = date(YEAR, 3, 5)
    base = sample_reception(on, guests=4, companions=2, amount="240.00")
    two_meals = replace(
        base,
        end_date=on + timedelta(days=1),
        meals=(
            *base.meals,
            Meal(on + timedelta(days=1), "dinner", "局机关食堂", "机关食堂", 5, Decimal("200.00"), Decimal("0.00"), "No.7"),
        ),
        explanations={"too_many_meals": "督导检查持续两天，第二天安排工作餐。"},
    )
    twin_a = sample_reception(date(YEAR, 4, 1), unit="县审计局", amount="100.00", guests=2, companions=1)
    twin_b = replace(twin_a, letter_no="审函〔2025〕9号")
    for r in (two_meals, twin_a, twin_b):
        service.approve(team.approver, service.submit(team.clerk, r).id)  # type: ignore[arg-type]
    before = facts(service)
    book = tmp_path / "year.xlsx"
    export_year(service, YEAR, book)
    rows = read_import(book)
    assert len(rows) == 3 and all(not r.errors for r in rows)  # four sheet rows: one per meal
    checked = run_cli("check", str(book), "--json")
    assert [r["errors"] for r in json.loads(checked.stdout)["rows"]] == [[], [], []]
    fresh, db, outcomes = import_into_fresh_ledger(tmp_path, book)
    try:
        assert [o.errors for o in outcomes] == [(), (), ()]
        after = facts(fresh)
        assert after == before
        two = next(f for f in after.values() if len(f["meals"]) == 2)
        assert [b[0] for b in two["breaches"]] == ["too_many_meals"]
        assert two["explanations"] == {"too_many_meals": "督导检查持续两天，第二天安排工作餐。"}
    finally:
        db.dispose()


def test_check_reports_repeated_rows_as_import_refuses_them(tmp_path: Path, service: LedgerService, team: Team) -> None:
    book = write_template(
        tmp_path / "a.xlsx",
        [
            good_row(),
            good_row(),  # the same reception twice: refused by both
            good_row(来访单位="邻县教育局", 编号="JD-2025-0005"),
            good_row(来访单位="邻县教育局", 编号="JD-2025-0006", 公函文号="另一函"),  # two numbers: two receptions
            good_row(来访单位="邻县教育局"),  # no number: the same as the one above
        ],
    )
    checked = json.loads(run_cli("check", str(book), "--json").stdout)["rows"]
    check_errors = [[e["message"] for e in r["errors"]] for r in checked]
    outcomes = service.import_rows(team.clerk, read_import(book))
    import_errors = [[e.message for e in o.errors] for o in outcomes]
    assert check_errors == import_errors
    assert import_errors[1] == ["与本表第 2 行重复（日期、来访单位、金额相同）"]
    assert import_errors[2:] == [[], [], ["与本表第 4 行重复（日期、来访单位、金额相同）"]]


def test_a_meal_row_with_reception_columns_is_an_error_naming_its_row(tmp_path: Path) -> None:
    first = good_row(编号="JD-2025-0003")
    meal = {"编号": "JD-2025-0003", "餐费": 80, "礼品": "茶叶", "餐别": "夜宵"}
    headers = (*first.keys(), "礼品", "餐别")
    (row,) = read_import(write_template(tmp_path / "a.xlsx", [first, meal], headers))
    assert row.reception is None
    messages = {(e.column, e.message) for e in row.errors}
    assert ("礼品", "第 3 行：同一编号的后续行只记一餐，此列应留空（填在该接待的第一行）") in messages
    assert any(c == "餐别" and m.startswith("第 3 行：应为") for c, m in messages)

