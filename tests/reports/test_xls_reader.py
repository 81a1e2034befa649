"""reports.xls_reader: the rows of an .xls (Excel 97-2003, and 5.0/95) sheet, read record by record
from the compound file; what a cell holds as the .xlsx reader gives it; the same verdicts as the
.xlsx for the same rows; files written by xlwt, by LibreOffice and record by record here."""

from __future__ import annotations

import struct
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from reports.template import read_import
from reports.xlsx_reader import TemplateError, Unreadable
from tests.formats import (
    biff,
    compound_file,
    converted,
    libreoffice,
    rows_of,
    write_biff,
    write_xls95,
    write_xlsx,
    xls_cell,
    xls_stream,
    xls_text,
)
from tests.reports.test_formats import HEADERS, ROWS, verdicts

LIBREOFFICE = libreoffice()
NONE = 0xFFFFFFFF


def xf(number_format: int) -> bytes:
    return biff(0x00E0, struct.pack("<HH", 0, number_format) + bytes(16))


def sst(*strings: str) -> bytes:
    return biff(0x00FC, struct.pack("<II", len(strings), len(strings)) + b"".join(xls_text(s) for s in strings))


# styles: 0 general, 1 the built-in date 14, 2 a date format of the workbook's own, 3 "0.00"
STYLES = biff(0x041E, struct.pack("<H", 164) + xls_text("yyyy年m月d日")) + xf(0) + xf(14) + xf(164) + xf(2)


def rk(value: int, *, hundredths: bool = False) -> bytes:
    return struct.pack("<I", (value << 2 | 2 | int(hundredths)) & 0xFFFFFFFF)


def number(row: int, column: int, value: float, style: int = 0) -> bytes:
    return xls_cell(0x0203, row, column, struct.pack("<d", value), style)


def formula(row: int, column: int, result: bytes, style: int = 0) -> bytes:
    """A FORMULA record (=1) with its cached result (8 bytes)."""
    return xls_cell(0x0006, row, column, result + b"\x00" * 6 + b"\x03\x00\x1e\x01\x00", style)


def special(kind: int, value: int = 0) -> bytes:
    """A formula's cached result that is no number: 0 text, 1 boolean, 2 error, 3 empty text."""
    return bytes([kind, 0, value, 0, 0, 0, 0xFF, 0xFF])


DIV0 = special(2, 0x07)


def every_cell() -> bytes:
    chart = bof_chart = biff(0x0809, struct.pack("<HH", 0x0600, 0x0020) + bytes(12))
    chart = bof_chart + number(0, 30, 99.0) + xls_cell(0x0205, 1, 0, b"\x2a\x01") + formula(2, 0, DIV0) + biff(0x000A)
    row0 = (
        number(0, 0, 12.5)
        + xls_cell(0x027E, 0, 1, rk(45721), 1)  # a date typed in Excel: a whole number, its date style
        + xls_cell(0x027E, 0, 2, rk(-7), 0)
        + xls_cell(0x027E, 0, 3, rk(1234, hundredths=True), 0)
        + xls_cell(0x027E, 0, 4, struct.pack("<I", struct.unpack("<II", struct.pack("<d", 3.5))[1]), 0)
        + xls_cell(0x00FD, 0, 5, struct.pack("<I", 0))
        + xls_cell(0x0204, 0, 6, xls_text("督导检查"))
        + chart  # an embedded chart's substream: its EOF does not end the sheet
        + xls_cell(0x0205, 0, 7, b"\x01\x00")
        + xls_cell(0x0205, 0, 8, b"\x07\x01")
        + formula(0, 9, struct.pack("<d", 300.0))
        + formula(0, 10, special(0))
        + biff(0x0207, xls_text("公式文字"))
        + formula(0, 11, special(1, 0))
        + formula(0, 12, special(2, 0x2A))
        + formula(0, 13, special(3))
        + xls_cell(0x0201, 0, 14, b"")
        + xls_cell(0x00D6, 0, 15, xls_text("rich") + b"\x00\x00")
        + number(0, 16, 45721.0, 2)
        + number(0, 17, 5.0, 3)
        + biff(0x00BD, struct.pack("<HH", 0, 18) + struct.pack("<H", 0) + rk(1) + struct.pack("<H", 1) + rk(45722)
               + struct.pack("<H", 0) + rk(250, hundredths=True) + struct.pack("<H", 20))
        + number(0, 250, 1.0)  # right of the columns read
    )
    row1 = xls_cell(0x0201, 1, 0, b"") + biff(0x00BE, struct.pack("<HHHHH", 1, 1, 15, 15, 2))  # blanks only
    row3 = (
        xls_cell(0x00FD, 3, 0, struct.pack("<I", 99))
        + number(3, 1, 45721.0, 9)
        + biff(0x0203, struct.pack("<HHHH", 3, 2, 0, 0))  # a NUMBER cut short
        + xls_cell(0x0204, 3, 3, struct.pack("<HB", 40000, 0) + b"x" * 100)  # longer than a cell holds
        + xls_cell(0x0204, 3, 4, struct.pack("<HB", 50, 0) + b"ab")
        + number(3, 5, float("nan"))
        + xls_cell(0x0205, 3, 6, b"\x02\x00")
    )
    return row0 + row1 + row3


EXPECTED = [
    (
        1,
        (
            12.5, datetime(2025, 3, 5), -7, 12.34, 3.5, "共享文字", "督导检查", True, "#DIV/0!", 300, "公式文字",
            False, "#N/A", None, None, "rich", datetime(2025, 3, 5), 5, 1, datetime(2025, 3, 6), 2.5,
        ),
    ),
    (
        4,
        (
            Unreadable("无法读取的单元格（共享字符串编号无效）"),
            Unreadable("无法读取的单元格（样式编号“9”无效）"),
            Unreadable("无法读取的单元格（记录不完整）"),
            Unreadable("单元格超过 32767 个字"),
            Unreadable("无法读取的单元格（文字长度超出其记录）"),
            Unreadable("无法读取的数字“nan”"),
            Unreadable("无法读取的单元格（布尔值“2”无效）"),
        ),
    ),
]


@pytest.mark.parametrize("mini", [False, True], ids=["sectors", "mini-stream"])
def test_every_kind_of_xls_cell(tmp_path: Path, mini: bool) -> None:
    """Numbers (NUMBER, RK whole, negative, in hundredths and a double's high bits, MULRK), dates
    by their style (built-in and the workbook's own format), shared and inline text, booleans,
    errors typed and cached by formulas, a formula's text in the STRING record after it, an
    embedded chart's records inside the sheet passed over, a row of blanks passed over, and
    damaged cells each that cell's error; the same from a stream in the mini stream."""
    stream = xls_stream([("台账", 0, every_cell())], STYLES + sst("共享文字"))
    assert (len(stream) < 4096) is True  # (small enough for the mini stream)
    path = write_biff(tmp_path / "every.xls", stream, mini=mini)
    assert rows_of(path) == EXPECTED


def test_a_string_split_across_continue_records(tmp_path: Path) -> None:
    """An SST string goes on in a CONTINUE record that starts with its own flag byte (here
    compressed, then UTF-16); a rich string's runs split by a CONTINUE have none; xlwt splits
    long strings over its records of 8,224 bytes."""
    first = struct.pack("<II", 3, 3) + struct.pack("<HB", 5, 0) + b"abc"
    more = b"\x01" + "中文".encode("utf-16-le") + struct.pack("<HBH", 2, 0x09, 1) + "好的".encode("utf-16-le") + b"\x00\x00"
    last = b"\x00\x00" + struct.pack("<HBI", 3, 0x04, 3) + b"end" + b"\x01\x02\x03"
    strings = biff(0x00FC, first) + biff(0x003C, more) + biff(0x003C, last)
    cells = b"".join(xls_cell(0x00FD, 0, i, struct.pack("<I", i)) for i in range(3))
    path = write_biff(tmp_path / "split.xls", xls_stream([("台账", 0, cells)], xf(0) + strings))
    assert rows_of(path) == [(1, ("abc中文", "好的", "end"))]

    import xlwt

    texts = ["起" + "长" * 5000, "x" * 9000, "后面的", "y" * 20000]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for i, text in enumerate(texts):
        sheet.write(i, 0, text)
    book.save(str(tmp_path / "long.xls"))
    data = (tmp_path / "long.xls").read_bytes()
    assert data.count(b"\x3c\x00\x20\x20") >= 3  # CONTINUE records of 8,224 bytes
    assert rows_of(tmp_path / "long.xls") == [(i + 1, (text,)) for i, text in enumerate(texts)]


@pytest.mark.parametrize("date1904", [False, True], ids=["1900", "1904"])
def test_dates_by_their_style_in_both_date_systems(tmp_path: Path, date1904: bool) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = date1904
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, date(2025, 3, 5), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    sheet.write(0, 1, datetime(2025, 3, 5, 14, 30), xlwt.easyxf(num_format_str="yyyy/m/d h:mm"))
    sheet.write(0, 2, 45721)  # no date style: the number
    sheet.write(0, 3, 45721, xlwt.easyxf(num_format_str="0.00"))
    book.save(str(tmp_path / "d.xls"))
    assert rows_of(tmp_path / "d.xls") == [(1, (datetime(2025, 3, 5), datetime(2025, 3, 5, 14, 30), 45721, 45721))]


def ledger_cells(rows: dict[int, dict[str, Any]]) -> bytes:
    """The header row and ``rows`` as BIFF8 cells (text as LABEL, a date as a NUMBER of style 1,
    a number as NUMBER, bytes as the record itself)."""
    cells = b""
    for number, values in sorted({1: dict(zip(HEADERS, HEADERS, strict=True)), **rows}.items()):
        for h, v in values.items():
            column = HEADERS.index(h)
            if isinstance(v, bytes):
                cells += v
            elif isinstance(v, date):
                cells += number_cell(number - 1, column, (v - date(1899, 12, 30)).days, 1)
            elif isinstance(v, int | float):
                cells += number_cell(number - 1, column, v, 0)
            elif v is not None:
                cells += xls_cell(0x0204, number - 1, column, xls_text(str(v)), 0)
    return cells


def number_cell(row: int, column: int, value: float, style: int) -> bytes:
    return number(row, column, value, style)


def test_error_cells_are_refused_at_their_columns(tmp_path: Path) -> None:
    """A formula's cached error and a typed one: that row's error at their columns, as an .xlsx's."""
    column, activity = HEADERS.index("住宿费"), HEADERS.index("公务活动")
    rows: dict[int, dict[str, Any]] = {
        2: ROWS[2] | {"住宿费": formula(1, column, DIV0)},
        3: ROWS[2] | {"来访单位": "省财政局", "公务活动": xls_cell(0x0205, 2, activity, b"\x2a\x01")},
        4: ROWS[2] | {"来访单位": "县审计局"},
    }
    path = write_biff(tmp_path / "e.xls", xls_stream([("台账", 0, ledger_cells(rows))], xf(0) + xf(14)))
    got = read_import(path)
    assert [(r.row, [(e.column, e.message) for e in r.errors]) for r in got] == [
        (2, [("住宿费", "不是金额：#DIV/0!")]),
        (3, []),
        (4, []),
    ]
    assert got[1].reception is not None and got[1].reception.activity == "#N/A"  # text where text goes, as in an .xlsx


# ------------------------------------------------------------------ which sheet, which stream
def test_the_ledger_sheet_else_the_first_worksheet_and_of_two_of_one_name_the_last(tmp_path: Path) -> None:
    """台账 wherever it is, else the first worksheet (a chart sheet placed first passed over);
    of two worksheets of one name (Excel refuses it; a file can say so) the last, as calamine
    read them (it kept its sheets by name)."""
    one = number(0, 0, 1.0)
    cases = {
        "ledger": ([("封面", 0, number(0, 0, 9.0)), ("台账", 0, one)], 1),
        "chart-first": ([("图表1", 2, b""), ("Sheet1", 0, one), ("Sheet2", 0, number(0, 0, 9.0))], 1),
        "twice": ([("台账", 0, number(0, 0, 9.0)), ("台账", 0, one), ("台账", 2, b"")], 1),
    }
    for name, (sheets, expected) in cases.items():
        path = write_biff(tmp_path / f"{name}.xls", xls_stream(sheets, xf(0)))
        assert rows_of(path) == [(1, (expected,))], name
    path = write_biff(tmp_path / "charts.xls", xls_stream([("图表1", 2, b"")], xf(0)))
    with pytest.raises(TemplateError, match="中没有工作表"):
        rows_of(path)


def test_the_workbook_stream_is_the_first_so_named_whatever_its_case(tmp_path: Path) -> None:
    """An .xls holding an embedded Excel 97 workbook (an OLE object) has a second "Workbook"
    stream, in the object's storage: the first one listed is the file's. Compound file names are
    compared regardless of case (an Excel 5.0 file of another writer names its stream "BOOK")."""
    book = xls_stream([("Sheet1", 0, number(0, 0, 1.0))], xf(0))
    embedded = xls_stream([("Sheet1", 0, number(0, 0, 9.0))], xf(0))
    path = tmp_path / "embedded.xls"
    path.write_bytes(
        compound_file([("Workbook", 2, book, NONE, 2), ("MBD0001", 1, b"", 3, NONE), ("Workbook", 2, embedded, NONE, NONE)])
    )
    assert rows_of(path) == [(1, (1,))]
    assert rows_of(write_biff(tmp_path / "upper.xls", book, name="BOOK")) == [(1, (1,))]


# ------------------------------------------------------------------ real files
@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_an_xls_saved_by_libreoffice_gives_the_verdicts_of_its_xlsx(tmp_path: Path) -> None:
    """The test rows, and rows whose cells are formulas (a text result in its STRING record, a
    date, errors), saved as Excel 97 by LibreOffice (which computes them, and writes its numbers
    as RK and MULRK records): the verdicts and row numbers of the same rows as .xlsx."""
    from openpyxl import load_workbook

    xlsx = write_xlsx(tmp_path / "lo.xlsx", HEADERS, ROWS)
    book = load_workbook(xlsx)
    sheet = book["台账"]
    good = [sheet.cell(2, c).value for c in range(1, len(HEADERS) + 1)]
    formulas = {"来访单位": '="市"&"审计局"', "接待日期": "=DATE(2025,3,7)", "餐费": "=100*3", "住宿费": "=1/0"}
    for row, changes in ((30, formulas), (31, {"住宿费": "=NA()", "来访单位": "区财政局"}), (32, {"来访单位": "区教育局"})):
        for column, value in enumerate(good, 1):
            sheet.cell(row, column, changes.get(HEADERS[column - 1], value))
        sheet.cell(row, 1).number_format = "yyyy-mm-dd"
    book.save(xlsx)
    xls = converted(xlsx, "xls:MS Excel 97", tmp_path)
    assert xls.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    got = verdicts(xls)
    expected = verdicts(converted(xlsx, "xlsx:Calc MS Excel 2007 XML", tmp_path))  # the computed values, as .xlsx
    assert got == expected
    by_row = {row: (columns, day) for row, columns, day, _ in got}
    assert by_row[30] == (["住宿费"], None) and by_row[31] == (["住宿费"], None)
    assert by_row[32] == ([], "2025-03-05") and by_row[2] == ([], "2025-03-05")


def test_an_excel_95_workbook_gives_the_verdicts_of_its_xlsx(tmp_path: Path) -> None:
    """The test rows as an Excel 5.0/95 workbook (BIFF5: text in the code page, 936 here; the
    "Book" stream): the verdicts of the same rows as .xlsx. An error cell is refused at its
    column (calamine gave an Excel 95 error cell as empty)."""
    xlsx = write_xlsx(tmp_path / "a.xlsx", HEADERS, ROWS)
    xls95 = write_xls95(tmp_path / "a95.xls", HEADERS, ROWS)
    assert verdicts(xls95) == verdicts(xlsx)
    cp1252 = write_xls95(tmp_path / "latin.xls", ["Unit"], {2: {"Unit": "Café"}}, codec="cp1252")
    assert rows_of(cp1252) == [(1, ("Unit",)), (2, ("Café",))]
    # the NUMBER of row 2's 住宿费 becomes a BOOLERR holding #DIV/0! (and a record of nothing: the same length)
    data = xls95.read_bytes()
    at = data.index(struct.pack("<HHHH", 0x0203, 14, 1, HEADERS.index("住宿费")))
    error = struct.pack("<HHHHHBB", 0x0205, 8, 1, HEADERS.index("住宿费"), 15, 0x07, 1) + struct.pack("<HHH", 0x0000, 2, 0)
    broken = tmp_path / "error95.xls"
    broken.write_bytes(data[:at] + error + data[at + 18 :])
    assert [(r.row, [(e.column, e.message) for e in r.errors]) for r in read_import(broken)][0] == (
        2, [("住宿费", "不是金额：#DIV/0!")]
    )
    if LIBREOFFICE is not None:  # LibreOffice reads the hand-written Excel 95 file as this reader does
        assert verdicts(converted(xls95, "xlsx:Calc MS Excel 2007 XML", tmp_path)) == verdicts(xls95)
