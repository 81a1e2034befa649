"""The blank import template a bureau fills in before its first import (文件 → 保存导入模板…,
``template -o``): its header row is the import's, blank it imports nothing, and a row filled in
with the 填写说明 sheet's own examples imports as they say."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from ledger.records import VENUE_TYPES
from ledger.service import LedgerService
from reports.blank_template import GUIDE, write_template
from reports.template import COLUMNS, HEADERS, REQUIRED, read_import
from tests.conftest import Team


def test_the_template_has_the_import_headers_marked_and_a_guide_for_each(tmp_path: Path) -> None:
    path = write_template(tmp_path / "模板.xlsx")
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["台账", "填写说明"]  # only the first sheet is imported
    ledger = workbook["台账"]
    assert tuple(c.value for c in ledger[1]) == HEADERS
    marked = tuple(c.value for c in ledger[1] if c.fill.fgColor.rgb.endswith("FFF2CC"))
    assert marked == REQUIRED
    assert ledger["A2"].number_format == "yyyy-mm-dd" and ledger.freeze_panes == "A2"
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ledger.data_validations.dataValidation}
    venue = ledger.cell(row=2, column=HEADERS.index("场所类型") + 1).coordinate
    assert lists[venue] == '"' + ",".join(VENUE_TYPES) + '"'
    guide = [tuple(r) for r in workbook["填写说明"].iter_rows(min_row=2, max_row=len(COLUMNS) + 1, values_only=True)]
    assert [(h, bool(required)) for h, required, *_ in guide] == [(h, r) for h, r in COLUMNS]
    assert all(meaning for _h, _r, meaning, _e in guide)


def test_the_blank_template_imports_no_row(tmp_path: Path) -> None:
    assert read_import(write_template(tmp_path / "模板.xlsx")) == []


def test_a_row_of_the_guides_examples_imports_as_the_guide_says(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    path = write_template(tmp_path / "模板.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["台账"]
    for column, header in enumerate(HEADERS, start=1):
        example = GUIDE[header][1]
        if example and header not in ("接待日期",):
            sheet.cell(row=2, column=column, value=example)
    sheet.cell(row=2, column=1, value=date(2026, 3, 5))
    workbook.save(path)
    (row,) = read_import(path)
    assert row.errors == ()
    (outcome,) = service.import_rows(team.clerk, [row])
    assert outcome.errors == () and outcome.ref is not None
    stored = service.get_by_ref(outcome.ref)
    assert (stored.visiting_unit, stored.letter_no, len(stored.guests), stored.companion_count) == (
        "市教育局",
        "市教函〔2026〕5号",
        3,
        1,
    )
    assert stored.meals[0].amount == Decimal("160.00") and stored.meals[0].venue_type == "机关食堂"
    assert stored.explanations == {"companions_over_cap": "分管股室负责人陪同汇报工作"}
    assert not stored.classified and stored.payment_method == "公务卡"
