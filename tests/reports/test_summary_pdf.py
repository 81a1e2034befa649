"""The one-page year summary: what the leadership meeting reads on paper."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from ledger.records import ImportRow
from ledger.service import LedgerService
from ledger.targets import dashboard_figures
from reports.summary import render_summary, write_summary
from tests.conftest import Team, sample_reception


def approved(service: LedgerService, team: Team, entries: list[tuple[date, str, str]]) -> None:
    rows = []
    for i, (on, total, unit) in enumerate(entries):
        meal = min(Decimal(total), Decimal("100.00"))
        r = replace(sample_reception(on, unit=unit, amount=str(meal)), accommodation=Decimal(total) - meal)
        rows.append(ImportRow(row=i + 2, reception=r, approved_by="张副局长", approved_on=on))
    assert all(o.ref for o in service.import_rows(team.both, rows, historical=True, allow_duplicates=True))


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    return re.sub(r"\s+", "", reader.pages[0].extract_text())


def test_summary_of_a_year_at_risk_shows_the_figures_and_the_status(
    service: LedgerService, team: Team
) -> None:
    approved(
        service,
        team,
        [
            (date(2025, 1, 15), "1000.00", "市教育局"),
            (date(2025, 2, 10), "1000.00", "市教育局"),
            (date(2025, 7, 1), "8000.00", "省教育厅督导组"),
            (date(2026, 1, 20), "1800.00", "邻县教育局"),
        ],
    )
    dash = dashboard_figures(service, 2026, date(2026, 2, 28))
    text = text_of(render_summary(dash, "XX县教育局", printed_on=date(2026, 3, 2)))
    assert "XX县教育局2026年公务接待费年度汇总" in text
    assert "统计截至2026年2月28日" in text and "打印日期：2026年3月2日" in text
    assert "目标完成情况：预计超出目标" in text
    assert "10,000.00元" in text  # baseline
    assert "8,000.00元（压减20%）" in text  # target
    assert "1,800.00元" in text  # this year so far
    assert "2,000.00元" in text  # same period last year
    assert "-10.0%" in text
    assert "9,000.00元（按上年各月分布推算）" in text
    assert "1批次/6人次" in text
    assert "尚余6,200.00元" in text
    assert "各月接待费：本年与上年对比" in text and "累计接待费与年度目标" in text
    assert "年度目标8,000.00" in text  # the target line's legend
    assert "邻县教育局" in text  # the visiting units received


def test_summary_of_a_year_without_baseline_says_so(
    service: LedgerService, team: Team, tmp_path: Path
) -> None:
    approved(service, team, [(date(2025, 4, 1), "1234.50", "市审计局")])
    path = write_summary(tmp_path / "summary.pdf", dashboard_figures(service, 2025), "XX县教育局")
    text = text_of(path.read_bytes())
    assert "目标完成情况：无上年基数，无法计算目标" in text
    assert "1,234.50元（全年实际）" in text
    assert "进度正常" not in text


def test_summary_of_a_met_year_and_the_classified_unit_is_not_named(
    service: LedgerService, team: Team
) -> None:
    approved(service, team, [(date(2024, 5, 1), "10000.00", "市教育局")])
    secret = sample_reception(date(2025, 5, 2), unit="某保密单位", classified=True, classified_reason="涉密")
    service.import_rows(
        team.both,
        [ImportRow(row=2, reception=secret, approved_by="张副局长", approved_on=date(2025, 5, 2))],
        historical=True,
    )
    text = text_of(render_summary(dashboard_figures(service, 2025), "XX县教育局"))
    assert "目标完成情况：已完成目标" in text
    assert "300.00元" in text  # the classified reception is counted in the amount
    assert "某保密单位" not in text
