"""The public noticeboard sheet (公示表): what a reader of the printed PDF sees."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ledger.records import ImportRow, Reception
from ledger.service import LedgerService
from reports.notice import NoticeError, load_notice, load_single_notice, month_bounds, render_notice
from reports.workdays import posting_end
from tests.conftest import Team, sample_reception

LONG_UNIT = "省教育厅基础教育课程教材发展中心义务教育质量监测与评价研究所联合调研组"


def approve(service: LedgerService, team: Team, reception: Reception) -> Reception:
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text without line breaks or spaces, so a wrapped unit name reads as one string."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def march(service: LedgerService, team: Team) -> dict[str, Reception]:
    """Approved receptions in March 2025, one classified, one draft, one in April."""
    made = {
        "city": approve(service, team, sample_reception(date(2025, 3, 3), unit="市教育局", amount="300.00")),
        "audit": approve(
            service,
            team,
            sample_reception(date(2025, 3, 12), guests=4, companions=2, unit="市审计局", amount="240.50"),
        ),
        "long": approve(
            service,
            team,
            sample_reception(date(2025, 3, 20), guests=3, companions=1, unit=LONG_UNIT, amount="150.00"),
        ),
        "secret": approve(
            service,
            team,
            sample_reception(
                date(2025, 3, 14),
                unit="国家教育考试命题中心",
                amount="200.00",
                classified=True,
                classified_reason="涉及考试命题工作",
            ),
        ),
        "april": approve(
            service, team, sample_reception(date(2025, 4, 2), unit="四月来访单位", amount="100.00")
        ),
    }
    made["draft"] = service.save(team.clerk, sample_reception(date(2025, 3, 25), unit="草稿来访单位"))
    return made


def test_notice_lists_every_approved_public_reception_and_hides_the_classified_one(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3))
    raw = "".join(pages_text(render_notice(notice)))
    text = flat(raw)

    assert "XX县教育局公务接待公示表" in text
    assert "2025年3月" in text
    for key in ("city", "audit", "long"):
        assert march[key].ref in text
        assert flat(march[key].visiting_unit) in text
    assert LONG_UNIT in text  # wrapped over lines, still all there
    assert "国家教育考试命题中心" not in text
    assert march["secret"].ref not in text
    assert "草稿来访单位" not in text
    assert "四月来访单位" not in text
    # total row: 3 receptions, 13 guests, 5 companions; meals 300.00 + 240.50 + 150.00 = 690.50 for
    # 18 diners, 38.36 per diner; no other costs; total 690.50
    assert re.search(r"合计（3 批次）\s+13\s+5\s+690\.50\s+38\.36\s+0\.00\s+690\.50", raw)
    assert "监督电话：0000-12345678" in text
    assert "制表人" in text and "审核人" in text
    assert notice.reception_ids == [march["city"].id, march["audit"].id, march["long"].id]


def test_posting_period_counts_working_days_from_the_posting_date(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    # posted on Friday 7 March 2025 for 5 working days: Fri 7, Mon 10 … Thu 13
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 3, 7))
    assert notice.posting_until == date(2025, 3, 13)
    text = flat("".join(pages_text(render_notice(notice))))
    assert "公示期：2025年3月7日至2025年3月13日（5个工作日）" in text
    assert "公示日期：2025年3月7日" in text


@pytest.mark.parametrize(
    ("posted", "days", "end"),
    [
        (date(2025, 3, 7), 5, date(2025, 3, 13)),  # Friday
        (date(2025, 3, 3), 5, date(2025, 3, 7)),  # Monday: the same week
        (date(2025, 3, 8), 5, date(2025, 3, 14)),  # Saturday: starts Monday
        (date(2025, 3, 9), 1, date(2025, 3, 10)),  # Sunday, one day: Monday
        (date(2025, 3, 7), 10, date(2025, 3, 20)),
    ],
)
def test_posting_end_skips_weekends(posted: date, days: int, end: date) -> None:  # no holiday in March
    assert posting_end(posted, days) == end


def test_internal_copy_reconciles_published_and_classified_with_the_ledger(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    notice = load_notice(
        service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3), internal=True
    )
    assert notice.reconciles
    assert notice.published_total == Decimal("690.50")
    assert notice.classified_total == Decimal("200.00")
    assert notice.ledger_total == Decimal("890.50")
    text = flat("".join(pages_text(render_notice(notice))))
    assert "内部核对本" in text
    assert (
        "公示合计690.50元（3批次）+涉密接待合计200.00元（1批次）=台账合计890.50元（4批次），核对相符" in text
    )
    assert "国家教育考试命题中心" not in text  # not even on the internal copy


def test_public_copy_has_no_reconciliation_line(service: LedgerService, march: dict[str, Reception]) -> None:
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3))
    text = flat("".join(pages_text(render_notice(notice))))
    assert "涉密接待合计" not in text and "内部核对" not in text


def test_many_rows_flow_onto_further_pages_with_the_header_repeated(
    service: LedgerService, team: Team
) -> None:
    rows = [
        ImportRow(
            row=i + 2,
            reception=sample_reception(
                date(2025, 5, 1) + timedelta(days=i % 28), unit=f"来访单位{i:03d}", amount=f"{100 + i}.00"
            ),
            approved_by="张副局长",
            approved_on=date(2025, 6, 1),
        )
        for i in range(90)
    ]
    outcomes = service.import_rows(team.both, rows, historical=True)
    assert all(o.ref for o in outcomes)
    notice = load_notice(service, *month_bounds(date(2025, 5, 15)), posted_on=date(2025, 6, 3))
    pages = pages_text(render_notice(notice))
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        body = flat(page)
        assert "来访单位" in body and "餐费（元）" in body and "人均餐费（元）" in body  # the header row
        assert f"第{number}页共{len(pages)}页" in body
    everything = flat("".join(pages))
    for i in range(90):
        assert f"来访单位{i:03d}" in everything
    expected = sum(Decimal(100 + i) for i in range(90))
    guests, companions = 90 * 6, 90 * 2
    assert re.search(rf"合计（90 批次）\s+{guests}\s+{companions}\s+{expected:,.2f}", "".join(pages))


def test_empty_period_says_so(service: LedgerService, team: Team) -> None:
    notice = load_notice(service, date(2025, 1, 1), date(2025, 1, 31), posted_on=date(2025, 2, 3))
    assert "本期无应公示的公务接待" in flat("".join(pages_text(render_notice(notice))))


def test_single_notice_right_after_approval(
    service: LedgerService, team: Team, march: dict[str, Reception]
) -> None:
    audit = march["audit"]
    assert audit.id is not None
    notice = load_single_notice(service, audit.id, posted_on=date(2025, 3, 13))
    text = flat("".join(pages_text(render_notice(notice))))
    assert audit.ref in text and "市审计局" in text
    assert march["city"].ref not in text
    assert "2025年3月12日" in text  # the period is the reception's day


def test_single_notice_refuses_classified_and_unapproved(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    secret, draft = march["secret"], march["draft"]
    assert secret.id is not None and draft.id is not None
    with pytest.raises(NoticeError, match="涉密"):
        load_single_notice(service, secret.id)
    with pytest.raises(NoticeError, match="只有已审核的接待才能公示"):
        load_single_notice(service, draft.id)


def test_reversed_period_is_refused(service: LedgerService, team: Team) -> None:
    with pytest.raises(NoticeError, match="早于开始日期"):
        load_notice(service, date(2025, 3, 31), date(2025, 3, 1))


def test_the_bundled_font_is_embedded_and_no_other_font_is_used(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    pdf = render_notice(load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3)))
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        assert "WenQuanYiMicroHei" in name, name
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), f"{name} is not embedded"


def test_every_character_printed_has_a_glyph_in_the_bundled_font(
    service: LedgerService, team: Team, march: dict[str, Reception]
) -> None:
    from reportlab.pdfbase import pdfmetrics

    from reports.fonts import register_cjk_font
    from reports.slip import load_slip, render_slip

    glyphs = pdfmetrics.getFont(register_cjk_font()).face.charToGlyph
    notice = load_notice(
        service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 4, 3), internal=True
    )
    text = "".join(pages_text(render_notice(notice)))
    text += "".join(pages_text(render_slip(load_slip(service, march["audit"].ref))))
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in glyphs})
    assert not missing, missing


def test_the_meal_stands_apart_from_transport_on_the_sheet(service: LedgerService, team: Team) -> None:
    """Issue 9: a 240-yuan lunch for six with 180 yuan of transport is 40.00 per diner on paper,
    not 70.00 (the whole cost per person, which a reader would hold against the 50-yuan cap)."""
    lunch = approve(
        service,
        team,
        sample_reception(date(2025, 3, 5), guests=4, companions=2, amount="240.00", transport=Decimal("180.00")),
    )
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 3, 7))
    raw = "".join(pages_text(render_notice(notice)))
    text = flat(raw)
    assert "餐费（元）" in text and "人均餐费（元）" in text and "其他费用（元）" in text
    row = re.search(re.escape(lunch.ref) + r".*?240\.00\s+(\S+)\s+(\S+)\s+(\S+)", raw, re.S)
    assert row is not None and row.groups() == ("40.00", "180.00", "420.00")
    assert "70.00" not in raw  # no figure mixes the transport into the meal
    assert re.search(r"合计（1 批次）\s+4\s+2\s+240\.00\s+40\.00\s+180\.00\s+420\.00", raw)
    assert "人均餐费 = 餐费 ÷ 就餐人数" in raw


def test_posting_over_national_day_2025_counts_chinas_working_days(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    # posted Tuesday 30 Sep 2025: 1-8 Oct is the National Day holiday, Saturday 11 Oct a make-up
    # working day: 30 Sep, 9, 10, 11, 13 Oct
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 9, 30))
    assert notice.posting_until == date(2025, 10, 13)
    text = flat("".join(pages_text(render_notice(notice))))
    assert "公示期：2025年9月30日至2025年10月13日（5个工作日）" in text
    assert "按周一至周五计算" not in text


def test_a_year_without_a_schedule_falls_back_to_weekdays_and_says_so(
    service: LedgerService, march: dict[str, Reception]
) -> None:
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2031, 9, 30))
    assert notice.posting_until == date(2031, 10, 6)  # Tue 30 Sep, Wed 1 … Mon 6 Oct: weekdays only
    text = flat("".join(pages_text(render_notice(notice))))
    assert "2031年的法定节假日安排本程序尚未收录，公示期按周一至周五计算。" in text


def test_a_local_holiday_lengthens_the_posting_period(
    service: LedgerService, team: Team, march: dict[str, Reception]
) -> None:
    from dataclasses import replace

    service.update_bureau(team.admin, replace(service.bureau(), local_holidays=(date(2025, 3, 10),)))
    notice = load_notice(service, date(2025, 3, 1), date(2025, 3, 31), posted_on=date(2025, 3, 7))
    assert notice.posting_until == date(2025, 3, 14)  # Fri 7, (Mon 10 off), Tue 11 … Fri 14
