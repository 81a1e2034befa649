"""The ledger workbook's 审批与实际 and 公函登记 sheets, read back with openpyxl."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ledger.preapproval import Letter
from ledger.records import Person, Reception
from ledger.service import LedgerService
from reports.workbook import export_year
from tests.conftest import Team, make_team, sample_reception
from tests.reports.test_plan_form import LETTER, approved


@pytest.fixture(autouse=True)
def _before_the_visits(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def approve_explained(service: LedgerService, team: Team, reception: Reception) -> Reception:
    """Submit with an explanation for each breach, and approve."""
    explained = replace(
        reception, explanations={v.rule: "情况属实，已说明。" for v in service.assess(reception).violations}
    )
    submitted = service.submit(team.clerk, explained)
    return service.approve(team.approver, submitted.id, version=submitted.version)


def rows_of(path: Path, sheet: str) -> list[tuple[object, ...]]:
    book = load_workbook(path)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


@pytest.fixture
def year_2026(service: LedgerService, team: Team) -> dict[str, object]:
    return make_year_2026(service, team)


def make_year_2026(service: LedgerService, team: Team) -> dict[str, object]:
    policy = service.policy_for(date(2026, 1, 1))
    service.add_policy(team.admin, replace(policy, effective_from=date(2026, 1, 1), check_pre_approval=True))
    service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "关于开展督导检查的函", date(2026, 2, 26)), ("a.pdf", b"%PDF")
    )
    over = approved(service, team)  # SP-2026-0001
    started = service.reception_from_plan(over.id)
    actual = replace(
        started,
        guest_count=8,
        guests=started.guests + (Person("督导6"), Person("督导7")),
        meals=(replace(started.meals[0], diners=12, amount=Decimal("480.00")),),
    )
    reception = approve_explained(service, team, service.save(team.clerk, actual))
    waiting = approved(service, team, letter_no="县函〔2026〕2号", visiting_unit='=HYPERLINK("http://x")')
    voided = service.void_plan(
        team.clerk,
        service.save_plan(team.clerk, replace(over, id=None, ref="", letter_no="县函〔2026〕3号")).id,
        "对方取消来访",
    )
    bare = approve_explained(
        service,
        team,
        service.save(team.clerk, sample_reception(date(2026, 4, 2), letter_no="县府函〔2026〕9号")),
    )
    return {"over": over, "reception": reception, "waiting": waiting, "voided": voided, "bare": bare}


def test_plans_against_receptions(
    service: LedgerService, year_2026: dict[str, object], tmp_path: Path
) -> None:
    path = tmp_path / "book.xlsx"
    export_year(service, 2026, path)
    book = load_workbook(path)
    assert book.sheetnames[:5] == ["台账", "月度对比", "违规情况", "审批与实际", "公函登记"]
    rows = rows_of(path, "审批与实际")
    header = rows[0]
    assert header[:4] == ("审批编号", "拟接待日期", "结束日期", "来访单位") and header[-2:] == (
        "超出审批",
        "说明",
    )
    by_ref = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[0]}

    first = by_ref["SP-2026-0001"]
    reception = year_2026["reception"]
    assert first["审批状态"] == "已批准" and first["审批人"] == "张副局长"
    assert first["拟接待日期"] == datetime(2026, 3, 10) and first["批准日期"] == datetime(2026, 3, 1)
    assert (first["审批接待对象"], first["审批陪餐人数"], first["审批用餐次数"]) == (6, 4, 2)
    assert (first["审批餐费"], first["审批预算"]) == (1000, 1400)
    assert first["接待编号"] == reception.ref and first["接待状态"] == "已审核"
    assert (first["实际接待对象"], first["实际陪餐人数"], first["实际用餐次数"]) == (8, 4, 1)
    assert (first["实际餐费"], first["实际合计"]) == (480, 480)
    assert first["超出审批"] == "接待对象"

    second = by_ref["SP-2026-0002"]
    assert second["来访单位"] == '=HYPERLINK("http://x")'  # text, not a live formula
    assert second["接待编号"] is None and second["说明"] == "尚无据此登记的接待"
    assert by_ref["SP-2026-0003"]["审批状态"] == "已作废"
    assert by_ref["SP-2026-0003"]["说明"] == "已作废：对方取消来访"

    # the approved reception without a plan, after the plans: a breach under this policy
    at = next(i for i, row in enumerate(rows) if row[0] == "本年已审核、未据本年接待审批单登记的接待")
    bare = [dict(zip(header, row, strict=True)) for row in rows[at + 1 :] if row[12]]
    assert [(b["接待编号"], b["来访单位"], b["说明"]) for b in bare] == [
        (year_2026["bare"].ref, "市教育局", "无接待审批（违规：按现行标准须事前审批）")
    ]
    assert reception.ref not in [b["接待编号"] for b in bare]
    # the cell holds a string, never a formula
    sheet = load_workbook(path)["审批与实际"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"


def test_letter_register_sheet(service: LedgerService, year_2026: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    export_year(service, 2026, path)
    rows = rows_of(path, "公函登记")
    assert rows[0] == (
        "公函文号",
        "来文单位",
        "公函标题",
        "发文日期",
        "扫描件",
        "登记人",
        "登记日期",
        "引用次数",
        "引用",
    )
    by_no = {row[0]: row for row in rows[1:]}
    # the voided plan's letter: registered this year, cited by nothing that counts
    assert set(by_no) == {LETTER, "县函〔2026〕2号", "县函〔2026〕3号", "县府函〔2026〕9号"}
    assert by_no["县函〔2026〕3号"][7:] == (0, "未被引用")
    letter = by_no[LETTER]
    assert letter[1:5] == ("市教育局", "关于开展督导检查的函", datetime(2026, 2, 26), "有")
    assert letter[5] == "李会计" and letter[7] == 2
    assert "接待审批 SP-2026-0001（2026-03-10，已批准）" in letter[8]
    assert year_2026["reception"].ref in letter[8]
    assert by_no["县府函〔2026〕9号"][4] == "无"


def test_a_year_without_plans_or_letters_says_so(service: LedgerService, team: Team, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    export_year(service, 2024, path)
    assert rows_of(path, "审批与实际")[1][0] == "本年没有接待审批单。"
    assert rows_of(path, "公函登记")[1][0] == "本年没有登记或引用的公函。"


@pytest.mark.postgres
def test_the_year_reads_the_same_from_postgresql(
    service: LedgerService, team: Team, pg_url: str, tmp_path: Path
) -> None:
    """The export reads its chunks of ids with one array parameter on PostgreSQL (models.one_of)
    and with IN lists on SQLite: the same ledger gives the same sheets."""
    from ledger.db import Database
    from reports.workbook import SHEET_LEDGER
    from reports.workbook_plans import SHEET_LETTERS, SHEET_PLANS

    pg = LedgerService(Database(pg_url))
    try:
        pg.clock = service.clock
        make_year_2026(service, team)
        make_year_2026(pg, make_team(pg))
        export_year(service, 2026, tmp_path / "sqlite.xlsx")
        export_year(pg, 2026, tmp_path / "pg.xlsx")
        for sheet in (SHEET_LEDGER, SHEET_PLANS, SHEET_LETTERS):
            rows = rows_of(tmp_path / "sqlite.xlsx", sheet)
            assert len(rows) > 2 and rows == rows_of(tmp_path / "pg.xlsx", sheet), sheet
    finally:
        pg.db.dispose()
