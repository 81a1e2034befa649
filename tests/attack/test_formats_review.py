"""Review of the .xlsb date serials and of row numbers below empty rows (reports/sheets.py, reports/xlsb_reader.py, reports/ods_reader.py)."""

from __future__ import annotations

import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest

from reports.template import TemplateError, read_import
from tests.attack.test_formats_attack import GOOD, HEADERS, verdicts
from tests.formats import Rows, _record, write_ods, write_xlsb, write_xlsx


def _xlsb_rk_date(tmp_path: Path, serial: int, *, date1904: bool) -> Path:
    """The .xlsb with its 接待日期 as an RK whole number with the date style (as Excel stores a
    typed date), in a workbook of the 1904 date system (BrtWbProp f1904) if asked."""
    plain = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD})
    real = _record(0x05, struct.pack("<II", 0, 1) + struct.pack("<d", float((GOOD["接待日期"] - date(1899, 12, 30)).days)))  # type: ignore[operator]
    target = tmp_path / "rk.xlsb"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.bin" and date1904:
                begin = _record(0x83)
                data = data.replace(begin, begin + _record(0x99, struct.pack("<III", 1, 0, 0)), 1)
            if name == "xl/worksheets/sheet1.bin":
                assert real in data
                data = data.replace(real, _record(0x02, struct.pack("<II", 0, 1) + struct.pack("<I", serial << 2 | 2)))
            out.writestr(name, data)
    return target


def test_an_xlsb_rk_date_in_the_1904_date_system_is_not_four_years_early(tmp_path: Path) -> None:
    """calamine read a date-styled real of a 1904 workbook right; the RK serial was taken in
    the 1900 system: 2025-03-05 imported as 2021-03-04."""
    serial = (date(2025, 3, 5) - date(1904, 1, 1)).days
    assert verdicts(_xlsb_rk_date(tmp_path, serial, date1904=True)) == [(2, [], "2025-03-05 420.00")]


@pytest.mark.parametrize("typed", [12345, 202503, 999999])
def test_a_number_in_an_xlsb_date_column_far_from_any_reception_is_still_refused(tmp_path: Path, typed: int) -> None:
    """202503 (a month typed as digits) became 2454-06-06 and 12345 became 1933-10-18, both
    accepted without a word, where the .xlsx refuses the number."""
    rows: Rows = {2: {**GOOD, "接待日期": typed}}
    xlsx = verdicts(write_xlsx(tmp_path / "n.xlsx", HEADERS, rows))
    assert verdicts(write_xlsb(tmp_path / "n.xlsb", HEADERS, rows)) == xlsx
    assert xlsx[0][2] is None


def _leading_empty_rows(path: Path, kind: str) -> Path:
    """The workbook with two empty rows above its header (header in row 3, the row in row 4)."""
    target = path.with_name("shifted." + kind)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.bin":
                hdr = [_record(0x00, struct.pack("<IIHHI", n, 0, 300, 0, 0)) for n in range(4)]
                data = data.replace(hdr[1], hdr[3]).replace(hdr[0], hdr[2])
            if name == "content.xml":
                data = data.replace(
                    b"<table:table-row",
                    b'<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row><table:table-row',
                    1,
                )
            if name == "mimetype":
                out.writestr(zipfile.ZipInfo("mimetype"), data)
            else:
                out.writestr(name, data)
    return target


@pytest.mark.parametrize("kind", ["xlsb", "ods"])
def test_rows_below_empty_leading_rows_keep_their_numbers(tmp_path: Path, kind: str) -> None:
    """When calamine read these, its iter_rows started at row 1 (empty rows first) and the rows
    were numbered from the sheet's first used row again: the header in row 3 was said to be in
    row 5. The streaming readers count rows as the file does."""
    from reports.sheets import open_workbook

    write = write_xlsb if kind == "xlsb" else write_ods
    shifted = _leading_empty_rows(write(tmp_path / f"a.{kind}", HEADERS, {2: GOOD}), kind)
    book = open_workbook(shifted)
    assert [number for number, _ in book.rows()] == [3, 4]
    book.close()
    with pytest.raises(TemplateError, match="第 1 行没有表头"):
        read_import(shifted)


def test_a_cell_calamine_could_not_convert_is_that_cells_error_as_in_an_xlsx(tmp_path: Path) -> None:
    """A duration of 10^12 days (1e12 styled [h]:mm:ss) in an .xls refused the whole file when
    calamine read it ("第 6 行有无法读取的单元格"); the .xls reader gives it as the .xlsx reader
    does: a date out of range, that row's error at its column, the other rows imported."""
    import xlwt
    from openpyxl import Workbook

    far = {**GOOD, "接待日期": 1e12}
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for row, values in ((0, dict(zip(HEADERS, HEADERS, strict=True))), (1, GOOD), (5, far)):
        for column, header in enumerate(HEADERS):
            value = values[header]
            style = xlwt.easyxf(num_format_str="[h]:mm:ss") if value == 1e12 else xlwt.Style.default_style
            style = day if isinstance(value, date) else style
            sheet.write(row, column, value, style)
    xls = tmp_path / "d.xls"
    book.save(str(xls))
    workbook = Workbook()
    ws = workbook.active
    ws.title = "台账"
    ws.append(HEADERS)
    ws.append([GOOD[h] for h in HEADERS])
    for column, header in enumerate(HEADERS, 1):
        ws.cell(6, column, far[header])
    ws["A2"].number_format = "yyyy-mm-dd"
    ws["A6"].number_format = "[h]:mm:ss"
    xlsx = tmp_path / "d.xlsx"
    workbook.save(xlsx)
    got = verdicts(xls)
    assert got == verdicts(xlsx)
    assert [(row, [c for c, _ in errors]) for row, errors, _ in got] == [(2, []), (6, ["接待日期"])]
    assert "日期超出范围" in got[1][1][0][1]
