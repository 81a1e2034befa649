"""Text is normalised once on the way in, so what looks the same is the same person or unit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.records import ImportRow, Person, Role
from ledger.service import InvalidReception, LedgerService
from ledger.text import clean_line, clean_prose, person_key
from reports.template import column_of
from tests.conftest import PASSWORD, Team, sample_reception


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("市\u200b教育局", "市教育局"),
        ("\u202e市教育局\u202c", "市教育局"),
        ("  市教育局\t督导室 ", "市教育局 督导室"),
        ("ＡＢＣ１２３", "ABC123"),
        ("\ufeff王伟\u00ad", "王伟"),
        ("市教育局\x0b", "市教育局"),
        ("\u3000市教育局\u3000", "市教育局"),
    ],
)
def test_clean_line(typed: str, stored: str) -> None:
    assert clean_line(typed) == stored


def test_prose_keeps_chinese_punctuation_and_line_breaks() -> None:
    assert (
        clean_prose("第一行，含（括号）：\r\n第二行\u200b\x0b第三行  ")
        == "第一行，含（括号）：\n第二行\n第三行"
    )


@pytest.mark.parametrize("variant", ["boss\u200b", "BOSS", "ｂｏｓｓ", " boss ", "b\u200bo\u2066ss"])
def test_person_key_sees_through_spelling(variant: str) -> None:
    assert person_key(variant) == person_key("boss")
    assert person_key("张 局长") == person_key("张局长")


@pytest.mark.parametrize("spelling", ["王主任\u200b", "王 主任", "ＷＡＮＧ", "wang\u2060", "WANG"])
def test_historical_import_refuses_the_importer_under_another_spelling(
    service: LedgerService, team: Team, spelling: str
) -> None:
    row = ImportRow(2, sample_reception(), approved_by=spelling, approved_on=date(2025, 3, 6))
    (outcome,) = service.import_rows(team.both, [row], historical=True, column_of=column_of)
    assert outcome.ref is None
    assert [e.column for e in outcome.errors] == ["审核人"]
    assert "不能是导入人本人" in outcome.errors[0].message


def test_zero_width_characters_do_not_hide_a_duplicate(service: LedgerService, team: Team) -> None:
    rows = [
        ImportRow(2, sample_reception(unit="市教育局")),
        ImportRow(3, sample_reception(unit="市\u200b教育局")),
    ]
    first, second = service.import_rows(team.clerk, rows)
    assert first.ref and second.ref is None
    assert "与本表第 2 行重复" in second.errors[0].message
    (again,) = service.import_rows(team.clerk, [ImportRow(2, sample_reception(unit="市教育局\u2060"))])
    assert again.ref is None and first.ref in again.errors[0].message


def test_the_form_stores_the_normal_form(service: LedgerService, team: Team) -> None:
    typed = sample_reception(unit="ＸＸ市\u200b教育局", remarks="说明：\u202e倒序\u202c文字")
    saved = service.save(team.clerk, typed)
    again = service.get(saved.id)  # type: ignore[arg-type]
    assert again.visiting_unit == "XX市教育局"
    assert again.remarks == "说明：倒序文字"
    assert service.verify().ok


def test_over_long_text_is_refused_at_its_field(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, sample_reception(unit="单" * 201))
    assert "最多 200 个字" in refused.value.problems["visiting_unit"]
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, replace(sample_reception(guests=1), guests=(Person("名" * 65),)))
    assert "接待对象第 1 人的姓名最多 64 个字" in refused.value.problems["guests[0].name"]


def test_counts_and_amounts_have_a_ceiling(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, replace(sample_reception(), guest_count=2**63))
    assert "超过 100000" in refused.value.problems["guest_count"]
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, sample_reception(accommodation=Decimal("1e12")))
    assert "超过 999999999.99 元" in refused.value.problems["accommodation"]


def test_user_names_that_only_look_different_are_one_user(service: LedgerService, team: Team) -> None:
    for spelling in ("ZHANG", "zhang\u200b", "ｚｈａｎｇ"):
        with pytest.raises(InvalidReception, match="已存在"):
            service.add_user(team.admin, spelling, "冒名", {Role.APPROVER}, PASSWORD)
    assert service.authenticate("zhang\u200b", PASSWORD).username == "zhang"


@pytest.mark.parametrize(
    "mark", ["\u034f", "\u115f", "\u1160", "\u3164", "\uffa0", "\u17b4", "\ufe0f", "\u180b", "\U000e0041"]
)
def test_default_ignorable_characters_do_not_make_another_person(
    service: LedgerService, team: Team, mark: str
) -> None:
    assert person_key(f"wa{mark}ng") == person_key("wang")
    row = ImportRow(2, sample_reception(), approved_by=f"wa{mark}ng", approved_on=date(2025, 3, 6))
    (outcome,) = service.import_rows(team.both, [row], historical=True, column_of=column_of)
    assert outcome.ref is None and "不能是导入人本人" in outcome.errors[0].message
    with pytest.raises(InvalidReception, match="已存在"):
        service.add_user(team.admin, f"zh{mark}ang", "另一位", {Role.APPROVER}, PASSWORD)


def test_a_user_name_may_not_be_another_users_display_name(service: LedgerService, team: Team) -> None:
    with pytest.raises(InvalidReception) as refused:
        service.add_user(team.admin, "张副局长", "张某", {Role.APPROVER}, PASSWORD)
    assert "与已有用户 zhang（张副局长）的名字相同" in str(refused.value)
    with pytest.raises(InvalidReception) as refused:
        service.add_user(team.admin, "carol", "li", {Role.APPROVER}, PASSWORD)
    assert "与已有用户 li" in refused.value.problems["display_name"]
    with pytest.raises(InvalidReception):
        service.update_user(team.admin, "wang", display_name="ZHANG")


@pytest.mark.parametrize(
    ("reviewer", "reviewed_on", "column", "message"),
    [
        ("张副局长", date(2025, 3, 1), "审核日期", "早于接待日期"),
        ("张副局长", date(9998, 12, 31), "审核日期", "晚于今天"),
        ("张副局长", None, "审核日期", "请填写审核日期"),
        ("李 会计", date(2025, 3, 6), "审核人", "不能是经办人本人"),
    ],
)
def test_a_paper_review_follows_the_rules_of_a_review(
    service: LedgerService,
    team: Team,
    reviewer: str,
    reviewed_on: date | None,
    column: str,
    message: str,
) -> None:
    row = ImportRow(2, sample_reception(clerk_name="李会计"), approved_by=reviewer, approved_on=reviewed_on)
    (outcome,) = service.import_rows(team.both, [row], historical=True, column_of=column_of)
    assert outcome.ref is None
    assert [(e.column, message in e.message) for e in outcome.errors] == [(column, True)]
