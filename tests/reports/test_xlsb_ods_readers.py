"""reports.xlsb_reader and reports.ods_reader: the rows of an .xlsb or .ods sheet, streamed,
whatever the chunks its member is decompressed in; what a cell holds as the .xlsx reader gives
it; a damaged file is one line (TemplateError), never a traceback; a bomb is refused."""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from reports.ods_reader import OdsWorkbook
from reports.xlsb_reader import XlsbWorkbook
from reports.xlsx_reader import BoundExceeded, TemplateError, Unreadable
from tests.formats import _record, _wide, rezip, rows_of, write_ods, write_xlsb

HEADERS = ["接待日期", "来访单位", "餐费", "住宿费"]
ROW = {"接待日期": date(2025, 3, 5), "来访单位": "市教育局", "餐费": 300, "住宿费": 120}


def pieces(data: bytes, seed: int) -> Iterator[bytes]:
    """``data`` in chunks of 1 to 40 bytes: every record header and field cut somewhere."""
    rng = random.Random(seed)
    at = 0
    while at < len(data):
        size = rng.randint(1, 40)
        yield data[at : at + size]
        at += size


# ------------------------------------------------------------------ .xlsb
def row_header(row: int) -> bytes:
    return _record(0x00, struct.pack("<IIHHI", row, 0, 300, 0, 0))


def cell(kind: int, column: int, value: bytes, style: int = 0) -> bytes:
    return _record(kind, struct.pack("<II", column, style) + value)


def rk(number: int) -> bytes:
    return struct.pack("<I", (number << 2 | 2) & 0xFFFFFFFF)


def sheet_records(body: bytes) -> bytes:
    return _record(0x81) + _record(0x91) + body + _record(0x92) + _record(0x82)


def test_every_kind_of_xlsb_cell_whatever_the_chunks(tmp_path: Path) -> None:
    """Numbers as reals and RK records (whole, negative, in hundredths), a date by its style,
    text, shared text, booleans, errors typed and of formulas, formulas' cached values, and text
    long enough to run over several chunks; row 3 is empty and passed over."""
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    book.shared = ["共享文字"]
    long_text = "说" * 20_000
    formula = struct.pack("<I", 3) + b"\x1e\x01\x00" + struct.pack("<I", 0)
    body = (
        row_header(1)
        + cell(0x05, 0, struct.pack("<d", 12.5))
        + cell(0x02, 1, rk(45721), style=1)  # a date typed in Excel: a whole number, its date style
        + cell(0x02, 2, rk(-7))
        + cell(0x02, 3, struct.pack("<I", 1234 << 2 | 3))  # 12.34
        + cell(0x06, 4, _wide("督导检查"))
        + cell(0x07, 5, struct.pack("<I", 0))
        + cell(0x04, 6, b"\x01")
        + cell(0x03, 7, b"\x07")
        + cell(0x0B, 8, b"\x2a\x00\x00" + formula)
        + cell(0x09, 9, struct.pack("<d", 300.0) + b"\x00\x00" + formula)
        + cell(0x08, 10, _wide("公式文字") + b"\x00\x00" + formula)
        + cell(0x01, 11, b"")
        + cell(0x06, 12, _wide(long_text))
        + row_header(3)
        + cell(0x01, 0, b"")
        + row_header(4)
        + cell(0x07, 1, struct.pack("<I", 9))  # a shared string that does not exist
        + cell(0x05, 2, struct.pack("<d", 45721.0), style=7)  # a style that does not exist
    )
    expected = [
        (
            2,
            (12.5, datetime(2025, 3, 5), -7, 12.34, "督导检查", "共享文字", True, "#DIV/0!", "#N/A", 300, "公式文字", None, long_text),
        ),
        (
            5,
            (
                None,
                Unreadable("无法读取的单元格（共享字符串编号无效）"),
                Unreadable("无法读取的单元格（样式编号“7”无效）"),
            ),
        ),
    ]
    data = sheet_records(body)
    for seed in range(4):
        assert list(book._rows(pieces(data, seed))) == expected
    assert list(book._rows(iter([data]))) == expected
    book.close()


def test_xlsb_records_outside_the_sheet_data_are_no_cells(tmp_path: Path) -> None:
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    data = row_header(0) + cell(0x06, 0, _wide("前")) + sheet_records(row_header(0) + cell(0x06, 0, _wide("表头")))
    assert list(book._rows(iter([data + cell(0x06, 1, _wide("后"))]))) == [(1, ("表头",))]
    book.close()


def test_a_damaged_string_cell_is_that_cells_error_and_disordered_rows_one_line(tmp_path: Path) -> None:
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    # a string whose length runs past its record: that cell's error; the next cell reads on
    short_string = _record(0x06, struct.pack("<II", 0, 0) + struct.pack("<I", 50) + b"ab")
    rows = list(book._rows(iter([sheet_records(row_header(0) + short_string + cell(0x04, 1, b"\x01"))])))
    assert rows == [(1, (Unreadable("无法读取的单元格（文字长度超出其记录）"), True))]
    with pytest.raises(TemplateError, match="重复或顺序错乱"):
        list(book._rows(iter([sheet_records(row_header(4) + cell(0x04, 0, b"\x01") + row_header(2))])))
    book.close()


def test_the_ledger_sheet_is_found_through_the_workbooks_relationships(tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}, sheet="2025年台账")
    assert rows_of(path)[1] == (2, (datetime(2025, 3, 5), "市教育局", 300, 120))


def test_damaged_xlsb_files_are_one_line_never_a_traceback(tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW, 3: ROW})
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    rng = random.Random(3)
    for trial in range(200):
        damaged = dict(members)
        name = rng.choice(["xl/workbook.bin", "xl/_rels/workbook.bin.rels", "xl/worksheets/sheet1.bin", "xl/styles.bin"])
        data = bytearray(damaged[name])
        how = trial % 3
        if how == 0:
            del damaged[name]
        elif how == 1:
            damaged[name] = bytes(data[: rng.randrange(len(data))])
        else:
            for _ in range(5):
                data[rng.randrange(len(data))] = rng.randrange(256)
            damaged[name] = bytes(data)
        target = tmp_path / f"d{trial}.xlsb"
        with zipfile.ZipFile(target, "w") as z:
            for member, content in damaged.items():
                z.writestr(member, content)
        try:
            rows = rows_of(target)
        except TemplateError as exc:
            assert "\n" not in str(exc)
        else:
            assert len(rows) <= 3


def test_an_xlsb_bomb_is_refused(tmp_path: Path) -> None:
    path = write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW})
    # 80 MB of records that compress to almost nothing (past the 64 MB read at any ratio)
    rezip(path, path, {"xl/worksheets/sheet1.bin": _record(0x81) + _record(0x91) + (b"\x01\x7e" + bytes(126)) * (80 << 13)})
    with pytest.raises(BoundExceeded):
        rows_of(path)


# ------------------------------------------------------------------ .ods
_CALC_EXT = 'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '


def ods_content(rows: str, name: str = "台账", before: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" ' + _CALC_EXT + 'office:version="1.3">'
        f'<office:body><office:spreadsheet>{before}<table:table table:name="{name}">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    ).encode()


def ods(tmp_path: Path, content: bytes, name: str = "a.ods") -> Path:
    path = write_ods(tmp_path / name, HEADERS, {2: ROW})
    return rezip(path, path, {"content.xml": content})


def error(text: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell{repeated} table:formula="of:=1/0" office:value-type="string" '
        f'office:string-value="" calcext:value-type="error"><text:p>{text}</text:p></table:table-cell>'
    )


def number(value: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell{repeated} office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def test_ods_cells_as_the_xlsx_reader_gives_them(tmp_path: Path) -> None:
    text = (
        '<table:table-cell office:value-type="string"><office:annotation><dc:creator>审计</dc:creator>'
        "<text:p>批注不算</text:p></office:annotation>"
        '<text:p>第一段<text:s text:c="3"/>空格<text:span>加粗</text:span></text:p>\n  '
        "<text:p>第二段<text:tab/>制表<text:line-break/>换行</text:p></table:table-cell>"
    )
    rows = (
        "<table:table-row>"
        + number("300")
        + number("12.5")
        + '<table:table-cell office:value-type="percentage" office:value="0.15"><text:p>15%</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="date" office:date-value="2025-03-05"><text:p>2025/3/5</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="date" office:date-value="2025-03-05T10:30:00"><text:p>x</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="time" office:time-value="PT10H30M00S"><text:p>10:30:00</text:p></table:table-cell>'
        + text
        + error("#DIV/0!")
        + '<table:table-cell office:value-type="float" office:value="0" calcext:value-type="error"><text:p>Err:502</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="float" office:value="abc"><text:p>abc</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="date" office:date-value="5.3.2025"><text:p>x</text:p></table:table-cell>'
        + '<table:table-cell office:value-type="string" office:string-value="属性文字"><text:p>显示</text:p></table:table-cell>'
        + "</table:table-row>"
    )
    got = rows_of(ods(tmp_path, ods_content(rows)))
    assert got == [
        (
            1,
            (
                300,
                12.5,
                0.15,
                datetime(2025, 3, 5),
                datetime(2025, 3, 5, 10, 30),
                True,
                "10:30:00",
                "第一段   空格加粗\n第二段\t制表\n换行",
                "#DIV/0!",
                "Err:502",
                Unreadable("无法读取的数字“abc”"),
                Unreadable("无法读取的日期“5.3.2025”"),
                "属性文字",
            ),
        )
    ]


def test_ods_rows_and_cells_are_counted_with_their_repeats(tmp_path: Path) -> None:
    """Equal cells and rows written once are each of them; empty ones cost nothing (the sheet's
    million trailing rows of 1,024 empty cells); an earlier sheet of another name, and a later
    one of the same name, are not read."""
    rows = (
        f"<table:table-row>{number('1')}{number('2')}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="3">{number("5", 3)}</table:table-row>'
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        f"<table:covered-table-cell/>{error('#N/A', 2)}<table:table-cell table:number-columns-repeated=\"1019\"/></table:table-row>"
    )
    other = f'<table:table table:name="其他"><table:table-row>{number("9")}</table:table-row></table:table>'
    later = f'<table:table table:name="台账"><table:table-row>{number("8")}</table:table-row></table:table>'
    content = ods_content(rows, before=other).replace(b"</office:spreadsheet>", later.encode() + b"</office:spreadsheet>")
    expected = [(1, (1, 2)), (2, (5, 5, 5)), (3, (5, 5, 5)), (4, (5, 5, 5)), (1048005, (None, None, None, "#N/A", "#N/A"))]
    assert rows_of(ods(tmp_path, content)) == expected
    book = OdsWorkbook(ods(tmp_path, content, "b.ods"))
    for seed in range(3):
        assert list(book._rows(pieces(content, seed))) == expected
    book.close()


def test_an_ods_row_with_content_repeated_beyond_any_ledger_is_refused(tmp_path: Path) -> None:
    """A kilobyte file repeating one filled row a million times was a million rows to judge
    (hours, with long cells); a thousand equal rows are still read."""
    many = f'<table:table-row table:number-rows-repeated="1048575">{number("5", 3)}</table:table-row>'
    refused = "^工作表第 2 行起有 1000 行以上内容完全相同：请删除重复的行后再导入$"
    with pytest.raises(TemplateError, match=refused):
        rows_of(ods(tmp_path, ods_content(f"<table:table-row>{number('1')}</table:table-row>" + many)))
    # the same run written as many elements of a few repeats each
    split = f'<table:table-row table:number-rows-repeated="10">{number("5", 3)}</table:table-row>' * 101
    with pytest.raises(TemplateError, match=refused):
        rows_of(ods(tmp_path, ods_content(f"<table:table-row>{number('1')}</table:table-row>" + split), "c.ods"))
    some = f'<table:table-row table:number-rows-repeated="1000">{number("5", 3)}</table:table-row>'
    other = f'<table:table-row table:number-rows-repeated="1000">{number("6", 3)}</table:table-row>'
    assert len(rows_of(ods(tmp_path, ods_content(some + other), "b.ods"))) == 2000


def test_without_a_ledger_sheet_the_first_table_is_read(tmp_path: Path) -> None:
    first = f'<table:table table:name="Sheet1"><table:table-row>{number("7")}</table:table-row></table:table>'
    content = ods_content(f"<table:table-row>{number('8')}</table:table-row>", name="Sheet2", before=first)
    assert rows_of(ods(tmp_path, content)) == [(1, (7,))]


def test_an_ods_cell_longer_than_a_cell_may_be_is_that_cells_error(tmp_path: Path) -> None:
    rows = f'<table:table-row><table:table-cell office:value-type="string"><text:p>{"长" * 40_000}</text:p></table:table-cell>{number("1")}</table:table-row>'
    assert rows_of(ods(tmp_path, ods_content(rows))) == [(1, (Unreadable("单元格超过 32767 个字"), 1))]


def test_damaged_ods_files_are_one_line_never_a_traceback(tmp_path: Path) -> None:
    content = ods_content(f"<table:table-row>{number('1')}{error('#N/A')}</table:table-row>")
    rng = random.Random(5)
    for trial in range(150):
        data = bytearray(content)
        if trial % 2:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(4):
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            rows = rows_of(ods(tmp_path, bytes(data), f"d{trial}.ods"))
        except TemplateError as exc:
            assert "\n" not in str(exc)
        else:
            assert len(rows) <= 1


def test_an_ods_with_a_dtd_is_refused(tmp_path: Path) -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "#N/A">]>' + ods_content(error("&e;"))[38:]
    with pytest.raises(TemplateError, match="DTD"):
        rows_of(ods(tmp_path, content))


@pytest.mark.parametrize("kind", [0x06, 0x08, 0x3E])
@pytest.mark.parametrize("size", [8, 9, 11])
def test_a_string_record_too_short_for_its_length_is_one_line(tmp_path: Path, kind: int, size: int) -> None:
    """A string cell whose record ends before the string's length field: read past the record
    (and past the bytes read so far, a struct.error) before."""
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    short = _record(kind, struct.pack("<II", 0, 0) + bytes(size - 8))
    for after in (b"", _record(0x92) + bytes(20)):  # the sheet's last record, or one before others
        with pytest.raises(TemplateError, match="记录不完整"):
            list(book._rows(iter([_record(0x91) + row_header(0) + short + after])))
    book.close()


def test_a_sheet_that_ends_inside_a_record_is_one_line(tmp_path: Path) -> None:
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    whole = sheet_records(row_header(0) + cell(0x06, 0, _wide("接待日期")))
    for cut in (1, 2, 10):  # (3 would take the last record away whole)
        with pytest.raises(TemplateError, match="记录不完整"):
            list(book._rows(pieces(whole[:-cut], cut)))
    book.close()


def short(kind: int, value: bytes, style: int = 0) -> bytes:
    return _record(kind, struct.pack("<I", style) + value)


def test_short_cell_records_take_the_next_column(tmp_path: Path) -> None:
    """SheetJS (and Aspose, asked to) write each cell after a row's first without its column
    (BrtShortBlank ... BrtShortIsst, [MS-XLSB] 2.5.10): they were passed over, and such a row
    read one column wide."""
    book = XlsbWorkbook(write_xlsb(tmp_path / "a.xlsb", HEADERS, {2: ROW}))
    book.shared = ["共享"]
    body = (
        row_header(1)
        + cell(0x02, 0, rk(45721), style=1)
        + short(0x11, _wide("市教育局"))
        + short(0x0D, rk(300))
        + short(0x10, struct.pack("<d", 12.5))
        + short(0x0C, b"")
        + short(0x0F, b"\x01")
        + short(0x0E, b"\x07")
        + short(0x12, struct.pack("<I", 0))
        + row_header(2)
        + short(0x11, _wide("行首"))  # a row that starts short: its first column
    )
    data = sheet_records(body)
    expected = [
        (2, (datetime(2025, 3, 5), "市教育局", 300, 12.5, None, True, "#DIV/0!", "共享")),
        (3, ("行首",)),
    ]
    for seed in range(3):
        assert list(book._rows(pieces(data, seed))) == expected
    book.close()
