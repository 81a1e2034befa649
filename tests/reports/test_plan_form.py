"""The pre-approval form (接待审批单) of one plan: what the leader signs before the visit."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.preapproval import Letter, Plan, PlannedMeal
from ledger.records import Person
from ledger.service import LedgerService
from reports.plan_form import load_plan_form, render_plan_form
from tests.conftest import Team
from tests.reports.test_pdf_fonts import fonts_of
from tests.reports.test_slip import flat, text_of

LETTER = "市教函〔2026〕7号"


@pytest.fixture(autouse=True)
def _before_the_visits(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 11),
        visiting_unit="市教育局督导室",
        activity="义务教育优质均衡督导",
        activity_kind="检查指导",
        letter_no=LETTER,
        guest_count=6,
        guests=tuple(Person(f"督导{i}", "市教育局督导室", "督学") for i in range(6)),
        companion_count=4,
        companions=tuple(Person(f"陪同{i}", "XX县教育局", "股长") for i in range(4)),
        meals=(
            PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 10, Decimal("40.00")),
            PlannedMeal(date(2026, 3, 11), "dinner", "县宾馆", "定点饭店", 10, Decimal("60.00")),
        ),
        lodging_persons=6,
        lodging_nights=1,
        budget=Decimal("1400.00"),
        remarks="督导组自带车辆",
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def approved(service: LedgerService, team: Team, **changes: object) -> Plan:
    plan = service.submit_plan(team.clerk, a_plan(**changes))
    return service.approve_plan(team.approver, plan.id, "同意，陪餐人数请压减", version=plan.version)


def test_form_shows_the_plan_its_breach_and_the_approval(service: LedgerService, team: Team) -> None:
    service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "关于开展督导检查的函", date(2026, 2, 26)), ("a.pdf", b"%PDF")
    )
    plan = approved(service, team)
    form = load_plan_form(service, plan.ref)
    assert {v.rule for v in form.breaches} == {"companions_over_cap", "meal_over_cap", "too_many_meals"}
    pdf = render_plan_form(form, service.print_stamp("preapproval", plan.ref))
    text = flat(text_of(pdf))

    assert "XX县教育局公务接待审批单" in text
    assert "编号：SP-2026-0001状态：已批准" in text
    assert "市教育局督导室" in text and "义务教育优质均衡督导" in text and "检查指导" in text
    assert LETTER in text and "来文单位市教育局" in text and "《关于开展督导检查的函》" in text
    assert "发文日期2026年2月26日" in text and "已存扫描件" in text
    assert "2026年3月10日至2026年3月11日" in text
    assert "接待对象6人" in text and "陪餐人员4人" in text
    assert "督导5" in text and "陪同3" in text
    # the meals: standard per person and amount, the meal budget
    assert "2026-03-11晚餐县宾馆定点饭店1060.00600.00" in text
    assert "用餐预算合计1,000.00" in text
    assert "6人×1晚" in text and "1,400.00元人民币壹仟肆佰元整" in text
    # the plan's own breaches, in the box
    assert "陪餐人数超标" in text and "陪餐4人，超过上限" in text
    assert "餐费超标" in text
    # the approver, the comment, the date
    assert "分管领导审批意见：同意，陪餐人数请压减" in text
    assert "分管领导：张副局长签字：________________审批日期：2026年3月1日" in text
    assert "经办人：李会计" in text and "督导组自带车辆" in text
    assert "未审批" not in text and "已作废" not in text
    assert "账本指纹" in text


def test_a_draft_says_it_is_not_approved_and_a_compliant_plan_says_so(
    service: LedgerService, team: Team
) -> None:
    plan = service.save_plan(team.clerk, a_plan(companion_count=2, companions=(), meals=(), letter_no=""))
    text = flat(text_of(render_plan_form(load_plan_form(service, plan.id))))
    assert "状态：草稿（未经审批，不能据此接待）" in text
    assert "未审批" in text  # across the page
    assert "经核对，本审批单所列安排符合现行接待标准。" in text
    assert "不安排用餐" in text and "公函文号无" in text
    assert "陪餐人员2人，名单只列了0人" in text
    assert "分管领导：________" in text and "审批日期：____年__月__日" in text
    assert "张副局长" not in text


def test_a_void_plan_says_so_prominently(service: LedgerService, team: Team) -> None:
    plan = service.save_plan(team.clerk, a_plan())
    plan = service.void_plan(team.clerk, plan.id, "对方取消来访")
    text = flat(text_of(render_plan_form(load_plan_form(service, plan))))
    assert "状态：已作废" in text and "已作废理由：对方取消来访" in text
    assert "未经审批" not in text


def test_long_lists_continue_on_a_second_page(service: LedgerService, team: Team) -> None:
    import io

    from pypdf import PdfReader

    many = tuple(Person(f"来宾{i:02d}", "省教育厅基础教育处督导评估组", "处长") for i in range(40))
    plan = service.save_plan(team.clerk, a_plan(guest_count=40, guests=many))
    pdf = render_plan_form(load_plan_form(service, plan.ref))
    pages = [flat(page.extract_text() or "") for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2
    assert "第1页共2页" in pages[0] and "第2页共2页" in pages[1]
    assert "类别序号姓名单位职务" in pages[1]  # the header repeated
    assert all(f"来宾{i:02d}" in "".join(pages) for i in range(40))
    assert "分管领导审批意见" in pages[1]


def test_every_font_is_embedded(service: LedgerService, team: Team, tmp_path: Path) -> None:
    plan = approved(service, team)
    pdf = render_plan_form(load_plan_form(service, plan), service.print_stamp("preapproval", plan.ref))
    fonts = fonts_of(pdf)
    assert fonts and {f: e for f, e in fonts.items() if not e} == {}
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdffonts) not installed")
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    listed = rows.splitlines()[2:]
    assert listed and all(row.split()[-5] == "yes" for row in listed), rows


def test_a_returned_plan_shows_the_leaders_comment(service: LedgerService, team: Team) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.return_plan(team.approver, plan.id, "陪餐人数请核减")
    text = flat(text_of(render_plan_form(load_plan_form(service, replace(plan)))))
    assert "状态：已退回" in text and "退回：陪餐人数请核减" in text
