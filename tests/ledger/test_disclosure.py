"""The yearly disclosure (三公经费 公务接待费公开): figures, the paragraph, and the query."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import text

from ledger.disclosure import REASON_PLACEHOLDER, Disclosure
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


def published(
    year: int,
    total: str,
    previous: str,
    batches: int,
    visits: int,
    foreign: str = "0",
    fb: int = 0,
    fv: int = 0,
    previous_receptions: int | None = None,
) -> Disclosure:
    """The figures of a year; the previous year is in the ledger when it spent something (unless
    ``previous_receptions`` says otherwise)."""
    return Disclosure(
        year=year,
        domestic_total=Decimal(total) - Decimal(foreign),
        foreign_total=Decimal(foreign),
        previous_total=Decimal(previous),
        batches=batches,
        person_visits=visits,
        foreign_batches=fb,
        foreign_person_visits=fv,
        previous_receptions=(1 if Decimal(previous) else 0) if previous_receptions is None else previous_receptions,
    )


def test_a_published_decrease_reads_as_published() -> None:
    # 2019年度公务接待费支出6.28万元，比上年减少0.28万元，下降4.27%……国内公务接待139批次、1205人次
    d = published(2019, "62800.00", "65600.00", 139, 1205)
    paragraph = d.text("严格执行公务接待标准，压减接待批次")
    assert paragraph.startswith("2019年度公务接待费支出6.28万元，比上年减少0.28万元，下降4.27%。")
    assert "主要原因是严格执行公务接待标准，压减接待批次。" in paragraph
    assert "国内公务接待139批次、1205人次" in paragraph
    assert paragraph.endswith("；未发生外宾接待。")
    assert d.to_json() == {
        "year": 2019,
        "total": "62800.00",
        "previous_total": "65600.00",
        "change": "-2800.00",
        "change_rate": "-0.0427",
        "batches": 139,
        "person_visits": 1205,
        "foreign_batches": 0,
        "foreign_person_visits": 0,
        "text": d.text(),
    }
    assert REASON_PLACEHOLDER in d.text()


def test_an_increase_with_foreign_guests_apart() -> None:
    d = published(2023, "15200.00", "11700.00", 40, 310, foreign="1200.00", fb=1, fv=4)
    paragraph = d.text()
    assert paragraph.startswith("2023年度公务接待费支出1.52万元，比上年增加0.35万元，增长29.91%。")
    assert "国内公务接待费1.40万元，国内公务接待40批次、310人次" in paragraph
    assert "外宾接待费0.12万元，外宾接待1批次、4人次。" in paragraph


def test_no_previous_year_and_no_change() -> None:
    from reports.disclosure import figure_rows

    first = published(2025, "3456.00", "0", 3, 12)
    assert not first.has_previous and first.change_rate is None
    # no increase is claimed, no reason asked for it: the previous year is not in the ledger
    assert first.text("严格执行接待标准").startswith(
        "2025年度公务接待费支出0.35万元（上年台账中没有已审核的公务接待记录，未与上年比较）。其中："
    )
    assert REASON_PLACEHOLDER not in first.text() and "严格执行" not in first.text("严格执行接待标准")
    json = first.to_json()
    assert (json["previous_total"], json["change"], json["change_rate"]) == (None, None, None)
    rows = dict(figure_rows(first))
    assert (rows["上年支出（万元）"], rows["比上年增减（万元）"], rows["增减幅度"]) == (
        "上年台账中没有已审核的公务接待记录",
        "—",
        "—",
    )
    same = published(2025, "5000.00", "5000.00", 3, 12)
    assert "0.50万元，与上年持平。其中" in same.text()
    # approved receptions last year that cost nothing: the ledger holds the year, spending 0.00
    free = published(2025, "3456.00", "0", 3, 12, previous_receptions=2)
    assert free.text().startswith("2025年度公务接待费支出0.35万元，比上年增加0.35万元。主要原因是")
    assert free.to_json()["previous_total"] == "0.00" and free.change_rate is None


def test_first_year_in_the_ledger_is_not_published_as_an_increase_over_last_year(
    service: LedgerService, team: Team
) -> None:
    """A bureau that starts the ledger in 2026 publishes its 2026 figures. The paragraph said
    "2026年度公务接待费支出0.03万元，比上年增加0.03万元（上年台账中没有已审核的公务接待记录）" and the
    figures "上年支出（万元）：0.00": it told the public the spending rose by the whole amount, i.e.
    that nothing was spent in 2025 — the README says such a year "says so … instead of claiming
    nothing was spent". The increase cannot be known; the paragraph does not state one."""
    from reports.disclosure import figure_rows

    reception = service.submit(team.clerk, sample_reception(date(2026, 3, 5)))
    service.approve(team.approver, reception.id)
    service.save(team.clerk, sample_reception(date(2025, 3, 5), unit="去年的草稿"))  # not spending
    d = service.disclosure(2026)
    text = d.text("严格执行接待标准")
    assert "上年台账中没有已审核的公务接待记录" in text
    assert "比上年增加" not in text, text
    assert "0.00" not in dict(figure_rows(d))["上年支出（万元）"]


def test_the_change_is_the_difference_of_the_published_figures() -> None:
    from reports.disclosure import figure_rows

    # 10,049.99 against 10,050.00: published 1.00 and 1.01 万元, so the change reads 0.01, not -0.00
    d = published(2025, "10049.99", "10150.00", 3, 12)
    assert d.text().startswith("2025年度公务接待费支出1.00万元，比上年减少0.02万元，下降0.99%。")
    rows = dict(figure_rows(d))
    assert (rows["公务接待费支出（万元）"], rows["上年支出（万元）"], rows["比上年增减（万元）"]) == ("1.00", "1.02", "-0.02")
    # the attack's case: 1.00 against 1.01 published reads as a decrease of 0.01, not of 0.00
    edge = published(2025, "10049.99", "10050.00", 3, 12)
    assert "1.00万元，比上年减少0.01万元，下降不足0.01%。" in edge.text()
    # a difference too small to show in 万元 is not called a decrease of 0.00
    tiny = published(2025, "10040.00", "10040.01", 3, 12)
    assert "1.00万元，与上年基本持平（相差不足0.01万元）。" in tiny.text()
    assert dict(figure_rows(tiny))["比上年增减（万元）"] == "0.00"
    assert dict(figure_rows(tiny))["增减幅度"] == "0.00%"
    assert tiny.to_json()["change_rate"] == "0.0000"  # never "-0.0000"


def approve_on(service: LedgerService, team: Team, day: date, **changes: object) -> int:
    service.clock = lambda: datetime.combine(day, time(12))
    record = service.submit(team.clerk, sample_reception(day, **changes))  # type: ignore[arg-type]
    assert record.id is not None
    service.approve(team.approver, record.id)
    return record.id


def test_disclosure_counts_approved_receptions_and_keeps_foreign_apart(
    service: LedgerService, team: Team
) -> None:
    approve_on(service, team, date(2024, 6, 3), amount="400.00", guests=8, companions=2)  # last year
    approve_on(service, team, date(2025, 3, 3), amount="300.00", guests=6, companions=2)
    approve_on(
        service,
        team,
        date(2025, 3, 14),
        amount="200.00",
        guests=4,
        companions=2,
        classified=True,
        classified_reason="涉密",
    )
    foreign = approve_on(service, team, date(2025, 5, 6), amount="250.00", guests=3, companions=2)
    service.clock = lambda: datetime(2025, 6, 1, 12)
    service.save(team.clerk, sample_reception(date(2025, 5, 7), amount="999.00"))  # a draft: not spending
    with service.db.write() as s:
        s.execute(text("UPDATE receptions SET guest_origin = '外宾' WHERE id = :i"), {"i": foreign})
    d = service.disclosure(2025).to_json()
    assert {k: d[k] for k in d if k != "text"} == {
        "year": 2025,
        "total": "750.00",
        "previous_total": "400.00",
        "change": "350.00",
        "change_rate": "0.8750",
        "batches": 2,
        "person_visits": 10,
        "foreign_batches": 1,
        "foreign_person_visits": 3,
    }
    assert d["text"].startswith("2025年度公务接待费支出0.08万元，比上年增加0.04万元，增长87.50%。")
    assert "外宾接待费0.03万元，外宾接待1批次、3人次。" in d["text"]


def test_a_year_not_over_is_marked_as_of_the_day_it_was_read(service: LedgerService, team: Team) -> None:
    """On 2 December the paragraph read like the whole year's, with nothing to say it was not."""
    from reports.disclosure import figure_rows

    service.clock = lambda: datetime(2026, 12, 2, 9, 0)
    reception = service.submit(team.clerk, sample_reception(date(2026, 3, 5)))
    service.approve(team.approver, reception.id)
    d = service.disclosure(2026)
    assert d.unfinished_note() == "注意：2026 年尚未结束，以上为截至 2026-12-02 的数字；年度公开应在年度结束后发布"
    assert dict(figure_rows(d))["统计截至"] == "2026-12-02（年度尚未结束）"
    over = service.disclosure(2025)
    assert over.unfinished_note() == "" and "统计截至" not in dict(figure_rows(over))
