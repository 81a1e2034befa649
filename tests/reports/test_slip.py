"""The reception list (接待清单) of one reception: what the reimbursement desk reads."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ledger.records import Meal, Person, Reception
from ledger.service import LedgerService
from reports.slip import load_slip, render_slip
from tests.conftest import Team, sample_reception

GUESTS = (
    Person("周明", "市教育局督导室", "督学"),
    Person("吴芳", "市教育局基础教育科", "副科长"),
    Person("郑强", "市教育科学研究院", "教研员"),
)
COMPANIONS = (Person("王局长", "XX县教育局", "局长"),)


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def with_breaches(service: LedgerService, team: Team) -> Reception:
    """3 guests + 1 companion; lunch 280.00 for 4 (cap 200.00), accommodation 220.00, a gift of 150.00.

    Total 650.00; over-standard 80.00 (meal) + 150.00 (gift) = 230.00; reimbursable 420.00.
    """
    on = date(2025, 3, 5)
    reception = Reception(
        reception_date=on,
        visiting_unit="市教育局督导室",
        activity="春季开学工作检查",
        activity_kind="检查指导",
        letter_no="市教函〔2025〕31号",
        letter_title="关于开展春季开学工作检查的通知",
        guest_count=3,
        guests=GUESTS,
        companion_count=1,
        companions=COMPANIONS,
        meals=(
            Meal(
                on, "lunch", "县政府接待定点饭店", "定点饭店", 4, Decimal("280.00"), invoice_no="No.00123456"
            ),
        ),
        accommodation=Decimal("220.00"),
        gift_amount=Decimal("150.00"),
        gift_description="地方土特产",
        explanations={
            "meal_over_cap": "食堂停伙，改在定点饭店，超标部分由个人承担。",
            "gift": "赠送土特产一份，已由个人退还费用。",
        },
    )
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id, "同意，超标部分个人承担。")


def test_slip_shows_total_in_capitals_people_breaches_and_signatures(
    service: LedgerService, with_breaches: Reception
) -> None:
    assert with_breaches.total == Decimal("650.00")
    slip = load_slip(service, with_breaches.ref)
    raw = text_of(render_slip(slip))
    text = flat(raw)

    assert "XX县教育局公务接待清单" in text
    assert with_breaches.ref in text
    assert "人民币陆佰伍拾元整" in text
    for person in (*GUESTS, *COMPANIONS):
        assert person.name in text and person.unit in text and person.title in text
    # each breach, with its figures and its explanation
    assert "餐费超标" in text and "食堂停伙，改在定点饭店，超标部分由个人承担。" in text
    assert "赠送礼品" in text and "赠送土特产一份，已由个人退还费用。" in text
    assert slip.assessment.over_standard_amount == Decimal("230.00")
    assert "超标金额230.00（超标准部分由个人承担，不予报销）" in text
    assert "可报销金额420.00人民币肆佰贰拾元整" in text
    # meal, letter, costs
    assert "县政府接待定点饭店" in text and "No.00123456" in text and "市教函〔2025〕31号" in text
    assert "220.00" in text and "地方土特产" in text
    # signature lines
    approved_on = with_breaches.approved_at.date()  # type: ignore[union-attr]
    day = f"{approved_on.year}年{approved_on.month}月{approved_on.day}日"
    assert "经办人：李会计" in text
    assert f"分管领导：张副局长签字：________________审核日期：{day}" in text
    assert "分管领导审核意见：同意，超标部分个人承担。" in text
    assert "未经审核" not in text


def test_compliant_slip_says_there_is_no_breach(service: LedgerService, team: Team) -> None:
    reception = service.submit(team.clerk, sample_reception(amount="300.00"))
    assert reception.id is not None
    text = flat(text_of(render_slip(load_slip(service, reception.id))))
    assert "无违规事项" in text
    assert "人民币叁佰元整" in text
    assert "超标金额0.00" in text
    # submitted, not yet approved: not a voucher for reimbursement, no approval date yet
    assert "未经审核，不能作为报销凭证" in text
    assert "审核日期：____年__月__日" in text


def test_slip_of_an_unknown_reference_is_refused(service: LedgerService, team: Team) -> None:
    from ledger.service import NotFound

    with pytest.raises(NotFound, match="JD-2025-9999"):
        load_slip(service, "JD-2025-9999")


def test_the_list_names_every_guest_and_says_when_the_list_is_short(
    service: LedgerService, team: Team
) -> None:
    full = service.save(team.clerk, sample_reception(guests=3, amount="250.00", guest_origin="本地"))
    text = flat(text_of(render_slip(load_slip(service, full.ref))))
    for i in range(3):
        assert f"客人{i}" in text
    assert "名单只列了" not in text
    assert "来宾类别本地" in text
    from dataclasses import replace

    short = service.save(team.clerk, replace(sample_reception(guests=5, amount="250.00"), guests=GUESTS[:2]))
    text = flat(text_of(render_slip(load_slip(service, short.ref))))
    assert "周明" in text and "吴芳" in text
    assert "注：接待对象5人，名单只列了2人的姓名。" in text


def test_a_reception_of_sixteen_people_keeps_its_signatures_on_the_one_page(
    service: LedgerService, team: Team
) -> None:
    """12 guests and 4 companions pushed the signature lines alone onto a second page, no use
    as a reimbursement form: such a list is set tighter and stays on one page."""
    guests = tuple(Person(f"来宾{n}", "省电化教育馆", "科长") for n in range(1, 13))
    companions = tuple(Person(f"陪同{n}", "XX县教育局", "副局长") for n in range(1, 5))
    reception = sample_reception(
        guests=12, companions=4, amount="340.00", unit="省电化教育馆", explanations={"companions_over_cap": "省馆带队"}
    )
    reception = Reception(**{**reception.__dict__, "guests": guests, "companions": companions})
    sent = service.submit(team.clerk, reception)
    approved = service.approve(team.approver, sent.id, "同意。")  # type: ignore[arg-type]
    pdf = render_slip(load_slip(service, approved.ref))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    page = flat(pages[0].extract_text() or "")
    assert "来宾12" in page and "陪同4" in page and "分管领导：张副局长签字" in page


def test_a_list_of_forty_people_keeps_the_signatures_with_the_section_before_them(
    service: LedgerService, team: Team
) -> None:
    guests = tuple(Person(f"来宾{n}", "省电化教育馆", "科长") for n in range(1, 37))
    companions = tuple(Person(f"陪同{n}", "XX县教育局", "副局长") for n in range(1, 5))
    reception = sample_reception(guests=36, companions=4, amount="1200.00", unit="省电化教育馆")
    reception = Reception(**{**reception.__dict__, "guests": guests, "companions": companions})
    sent = service.submit(team.clerk, reception)
    approved = service.approve(team.approver, sent.id, "同意。")  # type: ignore[arg-type]
    pages = PdfReader(io.BytesIO(render_slip(load_slip(service, approved.ref)))).pages
    assert len(pages) == 2
    last = flat(pages[-1].extract_text() or "")
    assert "来宾36" in flat("".join(p.extract_text() or "" for p in pages))
    assert "分管领导：张副局长签字" in last and "接待审批：无" in last  # not alone


def test_a_long_remark_is_not_carried_to_a_new_page_with_the_signatures(
    service: LedgerService, team: Team
) -> None:
    """A 3,900-character 备注 kept together with the signatures had left page 1 half blank and
    taken three pages instead of two."""
    remark = "经核实，本次接待因工作需要延长，相关情况已向分管领导报告。" * 130
    sent = service.submit(team.clerk, sample_reception(guests=3, companions=1, amount="100.00", remarks=remark[:3900]))
    approved = service.approve(team.approver, sent.id, "同意。")  # type: ignore[arg-type]
    pages = PdfReader(io.BytesIO(render_slip(load_slip(service, approved.ref)))).pages
    assert len(pages) == 2
    assert "分管领导：张副局长签字" in flat(pages[-1].extract_text() or "")
