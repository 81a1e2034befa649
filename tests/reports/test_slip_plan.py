"""The reception list against its pre-approval: 与接待审批对比, and the letter's register entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from ledger.preapproval import Letter
from ledger.records import Person
from ledger.service import LedgerService
from reports.slip import load_slip, render_slip
from tests.conftest import Team, sample_reception
from tests.reports.test_plan_form import LETTER, approved
from tests.reports.test_slip import flat, text_of


@pytest.fixture(autouse=True)
def _before_the_visits(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


def test_a_reception_over_its_plan_says_so_line_by_line(service: LedgerService, team: Team) -> None:
    service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "关于督导的函", date(2026, 2, 26)), ("a.pdf", b"x")
    )
    plan = approved(service, team)
    started = service.reception_from_plan(plan.id)
    actual = replace(
        started,
        guest_count=8,
        guests=started.guests + (Person("督导6"), Person("督导7")),
        meals=(replace(started.meals[0], diners=12, amount=Decimal("480.00")),),
    )
    saved = service.save(team.clerk, actual)
    text = flat(text_of(render_slip(load_slip(service, saved.ref))))

    assert "五、与接待审批对比（SP-2026-0001，2026年3月1日批准）" in text
    assert "项目审批实际对比" in text
    assert "接待对象68超出审批" in text
    assert "陪餐人数44—" in text
    assert "用餐次数21—" in text
    assert "餐费1,000.00480.00—" in text
    assert "合计/预算1,400.00480.00—" in text
    assert "接待审批：无" not in text
    assert "公函登记：市教函〔2026〕7号，来文单位市教育局，发文日期2026年2月26日，已存扫描件" in text


def test_over_the_budget_and_a_reception_without_plan(service: LedgerService, team: Team) -> None:
    plan = approved(service, team, budget=Decimal("300.00"))
    started = service.reception_from_plan(plan.id)
    saved = service.save(
        team.clerk, replace(started, meals=(replace(started.meals[0], amount=Decimal("350.00")),))
    )
    text = flat(text_of(render_slip(load_slip(service, saved.ref))))
    assert "合计/预算300.00350.00超出审批" in text

    bare = service.save(team.clerk, sample_reception(date(2026, 3, 12), letter_no="县府函〔2026〕3号"))
    text = flat(text_of(render_slip(load_slip(service, bare.ref))))
    assert "接待审批：无" in text and "与接待审批对比" not in text
    # the letter was registered by the save, with the unit the reception named
    assert "公函登记：县府函〔2026〕3号，来文单位市教育局，未存扫描件" in text
