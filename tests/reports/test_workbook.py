"""The ledger workbook (台账.xlsx): read back with openpyxl, round-tripped through the import,
and, where LibreOffice is installed, recalculated to check the live formulas."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ledger.db import Database
from ledger.records import Meal, Reception
from ledger.service import LedgerService
from ledger.targets import year_figures
from reports.template import HEADERS, read_import
from reports.workbook import (
    SHEET_BREACHES,
    SHEET_DISCLOSURE,
    SHEET_LEDGER,
    SHEET_MONTHLY,
    SHEET_TARGET,
    SHEET_VOID,
    export_year,
)
from tests.conftest import Team, make_team, sample_reception


def approve(service: LedgerService, team: Team, reception: Reception) -> Reception:
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


@pytest.fixture
def year_2025(service: LedgerService, team: Team) -> list[Reception]:
    """A few approved receptions of 2025 covering every column, one of 2024, and a draft."""
    approve(
        service,
        team,
        sample_reception(
            date(2024, 3, 4), amount="400.00", accommodation=Decimal("100.00"), unit="去年来访单位"
        ),
    )
    approve(
        service,
        team,
        sample_reception(
            date(2024, 11, 5), amount="400.00", accommodation=Decimal("300.00"), unit="去年来访单位"
        ),
    )
    on = date(2025, 3, 5)
    made = [
        approve(service, team, sample_reception(on, amount="300.00")),
        approve(
            service,
            team,
            sample_reception(
                date(2025, 3, 18),
                guests=2,
                companions=1,
                unit="市审计局",
                amount="150.00",
                letter_no="",
                phone_record="3月17日电话通知",
                transport=Decimal("60.00"),
                accommodation=Decimal("320.00"),
                other_cost=Decimal("15.50"),
                remarks="审计进点",
            ),
        ),
        approve(
            service,
            team,
            sample_reception(
                date(2025, 5, 20),
                guests=10,
                companions=4,
                unit="省教育厅督导组",
                amount="650.00",
                gift_description="校史纪念册",
                explanations={
                    "companions_over_cap": "分管股室负责人临时陪同汇报工作",
                    "gift": "赠送校史纪念册，已收回",
                },
            ),
        ),
        approve(
            service,
            team,
            sample_reception(
                date(2025, 9, 9),
                guests=4,
                companions=2,
                unit="邻县教育局",
                meals=(
                    Meal(
                        date(2025, 9, 9),
                        "dinner",
                        "县政府接待定点饭店",
                        "定点饭店",
                        6,
                        Decimal("290.00"),
                        Decimal("168.00"),
                    ),
                ),
                gift_amount=Decimal("120.00"),
                explanations={"tobacco_alcohol": "已由个人承担", "gift": "已由个人承担"},
            ),
        ),
        approve(
            service,
            team,
            sample_reception(
                date(2025, 10, 14),
                unit="国家教育考试命题中心",
                amount="240.00",
                classified=True,
                classified_reason="涉及考试命题",
            ),
        ),
    ]
    service.save(team.clerk, sample_reception(date(2025, 11, 3), unit="草稿来访单位", amount="99.00"))
    return made


def sheet_values(path: Path, name: str) -> list[tuple[object, ...]]:
    workbook = load_workbook(path)
    try:
        return [tuple(row) for row in workbook[name].iter_rows(values_only=True)]
    finally:
        workbook.close()


def test_ledger_sheet_has_the_import_columns_and_one_row_per_approved_reception(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    summary = export_year(service, 2025, path)
    assert summary.receptions == 5
    assert summary.total == sum((r.total for r in year_2025), Decimal(0))

    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        SHEET_LEDGER,
        SHEET_MONTHLY,
        SHEET_BREACHES,
        "审批与实际",
        "公函登记",
        SHEET_TARGET,
        SHEET_DISCLOSURE,
        SHEET_VOID,
    ]
    ledger = workbook[SHEET_LEDGER]
    rows = list(ledger.iter_rows(values_only=True))
    assert rows[0] == (*HEADERS, "超标金额", "可报销金额", "凭证号", "报销日期")
    assert len(rows) == 6  # header + 5; the draft and last year's receptions are not in it
    assert ledger.freeze_panes == "A2"
    col = {h: i for i, h in enumerate(HEADERS)}

    audit = rows[2]
    assert audit[col["接待日期"]] == datetime(2025, 3, 18)
    assert audit[col["来访单位"]] == "市审计局"
    assert audit[col["公函文号"]] is None
    assert audit[col["接待对象人数"]] == 2 and audit[col["陪餐人数"]] == 1
    assert audit[col["接待对象名单"]] == "客人0、客人1"
    assert audit[col["就餐场所"]] == "局机关食堂" and audit[col["场所类型"]] == "机关食堂"
    assert Decimal(str(audit[col["餐费"]])) == Decimal("150.00")
    assert Decimal(str(audit[col["住宿费"]])) == Decimal("320.00")
    assert Decimal(str(audit[col["其他费用"]])) == Decimal("15.50")
    assert audit[col["涉密"]] == "否"
    assert audit[col["经办人"]] == "李会计" and audit[col["审核人"]] == "张副局长"
    assert isinstance(audit[col["审核日期"]], datetime)
    assert audit[col["备注"]] == "审计进点"
    assert rows[3][col["礼品"]] == "校史纪念册"  # a gift of unknown amount: its description
    dinner = rows[4]
    assert Decimal(str(dinner[col["礼品"]])) == Decimal("120.00")
    assert Decimal(str(dinner[col["烟酒费"]])) == Decimal("168.00")
    assert Decimal(str(dinner[col["餐费"]])) == Decimal("290.00")  # the meal without tobacco and alcohol
    assert rows[5][col["涉密"]] == "是"

    # money formatted, dates as dates
    second = 3
    assert ledger.cell(second, col["餐费"] + 1).number_format == "#,##0.00"
    assert ledger.cell(second, col["住宿费"] + 1).number_format == "#,##0.00"
    assert ledger.cell(second, col["接待日期"] + 1).is_date
    assert ledger.column_dimensions["B"].width >= 20
    workbook.close()


def test_export_import_export_gives_the_same_ledger_sheet(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    first = tmp_path / "first.xlsx"
    export_year(service, 2025, first)

    fresh_db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        fresh = LedgerService(fresh_db)
        team = make_team(fresh)
        outcomes = fresh.import_rows(team.both, read_import(first), historical=True)
        assert [o.errors for o in outcomes if o.errors] == []
        assert len(outcomes) == 5
        again = tmp_path / "again.xlsx"
        export_year(fresh, 2025, again)
    finally:
        fresh_db.dispose()
    assert sheet_values(again, SHEET_LEDGER) == sheet_values(first, SHEET_LEDGER)


def test_monthly_sheet_is_live_formulas(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    monthly = load_workbook(path)[SHEET_MONTHLY]
    assert [c.value for c in monthly[1]] == ["月份", "2025年金额", "2024年金额", "增减额", "同比变化"]
    for row in range(2, 14):
        assert str(monthly.cell(row, 2).value).startswith("=SUMIFS('台账'!")
        assert str(monthly.cell(row, 4).value).startswith("=")
    assert monthly["A14"].value == "全年合计"
    assert monthly["B14"].value == "=SUM(B2:B13)"
    assert monthly["C14"].value == "=SUM(C2:C13)"
    assert monthly["E14"].value == '=IF(C14=0,"",B14/C14-1)'
    # last year's months are the ledger's figures
    assert Decimal(str(monthly["C4"].value)) == Decimal("500.00")  # March 2024
    assert Decimal(str(monthly["C12"].value)) == Decimal("700.00")  # November 2024 (row = month + 1)
    assert monthly["B2"].number_format == "#,##0.00"


def test_breaches_sheet_lists_each_breach_with_its_explanation(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    rows = sheet_values(path, SHEET_BREACHES)
    assert rows[0][:4] == ("编号", "接待日期", "来访单位", "违规事项")
    found = {(r[2], r[3]): r[8] for r in rows[1:]}
    assert not any(unit == "市审计局" for unit, _ in found)  # a phone notice replaces the letter
    assert found[("省教育厅督导组", "陪餐人数超标")] == "分管股室负责人临时陪同汇报工作"
    assert found[("省教育厅督导组", "赠送礼品")] == "赠送校史纪念册，已收回"
    assert found[("邻县教育局", "烟酒消费")] == "已由个人承担"
    excess = {(r[2], r[3]): Decimal(str(r[7])) for r in rows[1:]}
    assert excess[("邻县教育局", "烟酒消费")] == Decimal("168.00")
    # 限额 and 实际 are numbers a finance office can add up; a rule without figures keeps its words
    limits = {(r[2], r[3]): (r[5], r[6]) for r in rows[1:]}
    assert limits[("省教育厅督导组", "陪餐人数超标")] == (3, 4)
    limit, actual = limits[("邻县教育局", "烟酒消费")]
    assert (Decimal(str(limit)), Decimal(str(actual))) == (Decimal("0"), Decimal("168.00"))
    assert isinstance(actual, float | int)
    gift_limit, gift_actual = limits[("省教育厅督导组", "赠送礼品")]
    assert gift_limit == "不得赠送"


def test_ledger_sheet_has_the_over_standard_and_reimbursable_amounts(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    rows = sheet_values(path, SHEET_LEDGER)
    over_at, paid_at = rows[0].index("超标金额"), rows[0].index("可报销金额")
    assert over_at == len(HEADERS) and paid_at == len(HEADERS) + 1  # after the template's columns
    unit_at = rows[0].index("来访单位")
    by_unit = {r[unit_at]: r for r in rows[1:]}
    for reception in year_2025:
        row = by_unit[reception.visiting_unit]
        over = sum(
            (v.excess for v in service.violations_of([reception.id]).get(reception.id, [])), Decimal(0)
        )
        assert Decimal(str(row[over_at])).quantize(Decimal("0.01")) == over
        assert Decimal(str(row[paid_at])).quantize(Decimal("0.01")) == reception.total - over
    dinner = by_unit["邻县教育局"]
    assert Decimal(str(dinner[over_at])) >= Decimal("168.00")  # the tobacco and alcohol at least


def test_target_sheet_shows_the_years_target(
    service: LedgerService, year_2025: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    rows = {r[0]: r[1] for r in sheet_values(path, SHEET_TARGET)[1:]}
    assert Decimal(str(rows["上年基数（2024年已审核接待合计）"])) == Decimal("1200.00")
    assert Decimal(str(rows["压减比例"])) == Decimal("0.2")
    assert rows["年度目标（不超过）"] == "=ROUND(B3*(1-B4),2)"
    figures = year_figures(service, 2025)
    assert Decimal(str(rows["本年累计"])) == figures.ytd_total
    said = {r[0]: r[2] for r in sheet_values(path, SHEET_TARGET)[1:]}
    assert said["压减比例"] == "默认比例（管理员未为本年另行设置）"  # nobody set it


def test_target_sheet_says_when_an_administrator_set_the_reduction(
    service: LedgerService, team: Team, year_2025: list[Reception], tmp_path: Path
) -> None:
    service.set_reduction(team.admin, 2025, Decimal("0.25"))
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)
    rows = {r[0]: (r[1], r[2]) for r in sheet_values(path, SHEET_TARGET)[1:]}
    assert (Decimal(str(rows["压减比例"][0])), rows["压减比例"][1]) == (Decimal("0.25"), "管理员为本年设置的比例")


# ------------------------------------------------------------------ LibreOffice recalculation
LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.fixture
def recalculated(service: LedgerService, year_2025: list[Reception], tmp_path: Path) -> Iterator[Path]:
    if LIBREOFFICE is None:
        pytest.skip(
            "LibreOffice is not installed (apt-get install libreoffice-calc-nogui): formulas not recalculated"
        )
    source = tmp_path / "ledger.xlsx"
    export_year(service, 2025, source)
    out = tmp_path / "recalculated"
    out.mkdir()
    # converting xlsx to xlsx makes LibreOffice compute every formula and store the values
    subprocess.run(
        [
            LIBREOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    yield out / "ledger.xlsx"


def test_libreoffice_computes_the_ledgers_totals(
    service: LedgerService, year_2025: list[Reception], recalculated: Path
) -> None:
    workbook = load_workbook(recalculated, data_only=True)
    monthly = workbook[SHEET_MONTHLY]
    by_month = {m: Decimal(0) for m in range(1, 13)}
    for r in year_2025:
        by_month[r.reception_date.month] += r.total
    for month in range(1, 13):
        assert Decimal(str(monthly.cell(month + 1, 2).value)).quantize(Decimal("0.01")) == by_month[month], (
            month
        )
    total = sum(by_month.values(), Decimal(0))
    assert Decimal(str(monthly["B14"].value)).quantize(Decimal("0.01")) == total
    assert Decimal(str(monthly["C14"].value)).quantize(Decimal("0.01")) == Decimal("1200.00")
    change = Decimal(str(monthly["E14"].value))
    assert abs(change - (total / Decimal("1200.00") - 1)) < Decimal("0.000001")
    target = workbook[SHEET_TARGET]
    figures = year_figures(service, 2025)
    assert Decimal(str(target["B5"].value)).quantize(Decimal("0.01")) == figures.target_total
    workbook.close()
