"""User text in the exported workbook stays text: never a live formula, never an error value,
never a reason for the export to fail (SPEC §8: user text never becomes a live formula)."""

from __future__ import annotations

import itertools
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from ledger.records import Reception
from ledger.service import LedgerService
from reports.sheets import open_workbook
from reports.template import HEADERS, read_import
from reports.workbook import SHEET_BREACHES, SHEET_LEDGER, _Styles, export_year, xlsx_text
from tests.conftest import Team, sample_reception
from tests.formats import converted, libreoffice

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "=1",
    "#N/A",
    "=1+1\r\n=2",
]
TEXT_FIELDS = {
    "visiting_unit": "来访单位",
    "activity": "公务活动",
    "letter_no": "公函文号",
    "remarks": "备注",
    "phone_record": "电话记录",
}


def approve(service: LedgerService, team: Team, reception: Reception) -> Reception:
    submitted = service.submit(team.clerk, reception)
    assert submitted.id is not None
    return service.approve(team.approver, submitted.id)


def sheet_xml(path: Path, index: int) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


@pytest.fixture
def hostile(service: LedgerService, team: Team) -> list[Reception]:
    """One approved reception per payload, the payload in every free-text field."""
    made = []
    for i, payload in enumerate(PAYLOADS):
        made.append(
            approve(
                service,
                team,
                sample_reception(date(2025, 3, 3 + i), **{field: payload for field in TEXT_FIELDS}),
            )
        )
    return [service.get(r.id) for r in made]  # as stored


def test_user_text_is_written_as_string_cells_and_read_back_identical(
    service: LedgerService, hostile: list[Reception], tmp_path: Path
) -> None:
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)

    # no formula anywhere in the ledger sheet: only the program's own SUMIFS elsewhere
    assert "<f>" not in sheet_xml(path, 1) and "<f " not in sheet_xml(path, 1)
    assert "SUMIFS(" in sheet_xml(path, 2)

    workbook = load_workbook(path)  # not data_only: a formula would come back as "=..."
    rows = list(workbook[SHEET_LEDGER].iter_rows(min_row=2))
    workbook.close()
    assert len(rows) == len(PAYLOADS)
    for stored, row in zip(hostile, rows, strict=True):
        for field, header in TEXT_FIELDS.items():
            cell = row[HEADERS.index(header)]
            expected = xlsx_text(getattr(stored, field))
            assert cell.data_type == "s", (header, cell.value)
            assert cell.value == expected
    # what the program stored is what the user typed (less surrounding blanks)
    assert hostile[0].visiting_unit == '=HYPERLINK("http://x","y")'
    assert hostile[1].activity == "=cmd|' /C calc'!A0"

    # and the import reads the same texts back
    imported = read_import(path)
    assert [item.errors for item in imported] == [()] * len(PAYLOADS)
    for stored, item in zip(hostile, imported, strict=True):
        assert item.reception is not None
        for field in TEXT_FIELDS:
            assert getattr(item.reception, field) == xlsx_text(getattr(stored, field)).strip()


def test_explanations_on_the_breaches_sheet_stay_text(
    service: LedgerService, team: Team, tmp_path: Path
) -> None:
    approve(
        service,
        team,
        sample_reception(
            date(2025, 5, 20),
            guests=10,
            companions=4,
            unit="=1+2",
            amount="650.00",
            explanations={"companions_over_cap": '=HYPERLINK("http://x","y")'},
        ),
    )
    path = tmp_path / "台账.xlsx"
    assert export_year(service, 2025, path).breaches == 1
    xml = sheet_xml(path, 3)
    assert "<f>" not in xml and "<f " not in xml
    workbook = load_workbook(path)
    row = next(workbook[SHEET_BREACHES].iter_rows(min_row=2))
    workbook.close()
    assert (row[2].data_type, row[2].value) == ("s", "=1+2")
    assert (row[8].data_type, row[8].value) == ("s", '=HYPERLINK("http://x","y")')


def test_control_characters_never_abort_an_export(service: LedgerService, team: Team, tmp_path: Path) -> None:
    """A vertical tab pasted into the visiting unit (stored before input was cleaned)."""
    stored = approve(service, team, sample_reception(date(2025, 3, 5)))
    with service.db.write() as s:  # input is cleaned on the way in now; older ledgers may hold such text
        s.execute(
            text("UPDATE receptions SET visiting_unit = :u, remarks = :r WHERE id = :i"),
            {"u": "市\v教育局", "r": "a\x00b\x1fc\u0007", "i": stored.id},
        )
    assert service.get(stored.id).visiting_unit == "市\v教育局"
    path = tmp_path / "台账.xlsx"
    assert export_year(service, 2025, path).receptions == 1
    workbook = load_workbook(path)
    row = next(workbook[SHEET_LEDGER].iter_rows(min_row=2, values_only=True))
    workbook.close()
    assert row[HEADERS.index("来访单位")] == "市教育局"
    assert row[HEADERS.index("备注")] == "abc"


def test_every_text_a_row_carries_is_a_string_cell(tmp_path: Path) -> None:
    """At the writer: plain str values in any row the module appends become string cells."""
    workbook = Workbook(write_only=True)
    styles = _Styles(workbook.create_sheet("t"))
    styles.append(["=1", "#DIV/0!", "x\ud800y", "a" * 40000, Decimal("1.50"), 3])
    styles.append([styles.formula("=1+1", styles.money)])
    path = tmp_path / "t.xlsx"
    workbook.save(path)
    formulas = re.findall(r"<f>(.*?)</f>", sheet_xml(path, 1))
    assert formulas == ["1+1"]
    book = load_workbook(path)
    first = list(book["t"].iter_rows(max_row=1))[0]
    book.close()
    assert [c.data_type for c in first[:4]] == ["s", "s", "s", "s"]
    assert [c.value for c in first[:3]] == ["=1", "#DIV/0!", "xy"]
    assert len(first[3].value) == 32767


def test_text_that_looks_like_an_excel_escape_comes_back_as_typed(
    service: LedgerService, team: Team, tmp_path: Path
) -> None:
    """"_x0041_" typed in a remark is not the letter A to Excel, LibreOffice or the import."""
    typed = {"remarks": "编码_x0041_与_x000D_照录", "activity": "检查_x005F_x0041_", "visiting_unit": "市_x4E2D_局"}
    approve(service, team, sample_reception(date(2025, 4, 1), **typed))
    path = tmp_path / "台账.xlsx"
    export_year(service, 2025, path)

    [item] = read_import(path)
    assert item.reception is not None
    assert {field: getattr(item.reception, field) for field in typed} == typed
    if libreoffice() is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui): its reading not checked")
    # LibreOffice reads the workbook's escapes as Excel does: saved as .ods (no escapes there), the text as typed
    book = open_workbook(converted(path, "ods", tmp_path))
    try:
        header, first = [values for _, values in itertools.islice(book.rows(), 2)]
    finally:
        book.close()
    assert header[: len(HEADERS)] == tuple(HEADERS)
    assert first[HEADERS.index("备注")] == typed["remarks"]
    assert first[HEADERS.index("来访单位")] == typed["visiting_unit"]
    assert first[HEADERS.index("公务活动")] == typed["activity"]
