"""Attack on ``check``/``import`` of every workbook format (issue 15 point 2): the same rows as
.xlsx, .xls, .xlsb and .ods must give the same verdicts and row numbers, the kind is told by the
content, and a file that is none of them is one line (exit 2).

Found and fixed:
- an .xls/.xlsb whose first sheet is a chart sheet (a chart moved to a sheet of its own, placed
  first) was read from that chart sheet: no header, exit 2, where the same workbook as .xlsx
  reads its first worksheet;
- a folder, a named pipe or a device given as the workbook was "找不到文件" (it is there).

- calamine read an .xlsb number stored as an RK record (how Excel stores whole numbers, so a
  date typed in a cell) without its style: such a date was the number 45721 and the row was
  refused where the .xlsx is read (now a date column's number that is a day of 2000-2099 is a date).

- python-calamine read an error cell (#DIV/0!, #N/A) as empty, and LibreOffice's error cell
  as its float 0, so a broken formula in an optional amount imported as 0.00 from .xls/.xlsb/.ods
  where the .xlsx refuses the row (now each format's reader of our own gives an error cell as
  its text: reports.xls_reader, reports.xlsb_reader, reports.ods_reader).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest

from reports.template import read_import
from tests.cli import run_cli
from tests.formats import (
    Rows,
    _record,
    _wide,
    _xlsb_cell,
    read_member,
    rezip,
    write_ods,
    write_xlsb,
    write_xlsx,
)

HEADERS = ["接待日期", "来访单位", "公务活动", "接待对象人数", "陪餐人数", "餐费", "住宿费"]
GOOD: dict[str, object] = {
    "接待日期": date(2025, 3, 5),
    "来访单位": "市教育局",
    "公务活动": "督导检查",
    "接待对象人数": 6,
    "陪餐人数": 2,
    "餐费": 300,
    "住宿费": 120,
}
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def verdicts(path: Path) -> list[tuple[int, list[tuple[str, str]], str | None]]:
    return [
        (
            r.row,
            [(e.column, e.message) for e in r.errors],
            f"{r.reception.reception_date} {r.reception.total}" if r.reception else None,
        )
        for r in read_import(path)
    ]


# ------------------------------------------------------------------ fixed
def _chart_sheet_first(xlsb: Path, target: Path) -> Path:
    """The .xlsb with a chart sheet 图表1 before its worksheet, as Excel lists a chart moved to
    a sheet of its own and dragged to the front."""
    book = (
        _record(0x83)
        + _record(0x8F)
        + _record(0x9C, struct.pack("<II", 0, 2) + _wide("rId9") + _wide("图表1"))
        + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("Sheet1"))
        + _record(0x90)
        + _record(0x84)
    )
    with zipfile.ZipFile(xlsb) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.bin":
                data = book
            elif name == "xl/_rels/workbook.bin.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rId9" Type="{REL}/chartsheet" Target="chartsheets/sheet1.bin"/>'
                    "</Relationships>".encode(),
                )
            out.writestr(name, data)
        out.writestr("xl/chartsheets/sheet1.bin", _record(0x81) + _record(0x82))
    return target


def test_a_chart_sheet_before_the_worksheet_is_passed_over(tmp_path: Path) -> None:
    rows: Rows = {2: GOOD}
    xlsx = write_xlsx(tmp_path / "a.xlsx", HEADERS, rows, sheet="Sheet1")
    xlsb = _chart_sheet_first(write_xlsb(tmp_path / "plain.xlsb", HEADERS, rows, sheet="Sheet1"), tmp_path / "a.xlsb")
    assert verdicts(xlsx) == [(2, [], "2025-03-05 420.00")]
    assert verdicts(xlsb) == verdicts(xlsx)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_pipe_named_as_a_workbook_is_not_a_workbook_rather_than_missing(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "台账.xlsx"
    if kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    result = run_cli("check", str(path))
    assert result.returncode == 2, result.stderr
    assert "不是 Excel 工作簿" in result.stderr and "找不到文件" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "kind, member",
    [
        ("xlsx", "xl/worksheets/sheet1.xml"),
        ("xlsx", "xl/workbook.xml"),
        ("xlsx", "xl/styles.xml"),
        ("xlsb", "xl/_rels/workbook.bin.rels"),
        ("ods", "content.xml"),
    ],
)
def test_an_xml_part_in_an_encoding_python_does_not_know_is_one_line(tmp_path: Path, kind: str, member: str) -> None:
    """<?xml ... encoding="UTF-S"?> made expat ask Python for a codec that does not exist: the
    LookupError was a traceback (found by the .ods reader's fuzz test)."""
    writer = {"xlsx": write_xlsx, "xlsb": write_xlsb, "ods": write_ods}[kind]
    path = writer(tmp_path / f"e.{kind}", HEADERS, {2: GOOD})
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    body = members[member]
    if body.startswith(b"<?xml"):
        body = body[body.index(b"?>") + 2 :]
    members[member] = b'<?xml version="1.0" encoding="UTF-S"?>' + body
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    result = run_cli("check", str(path))
    assert result.returncode == 2, result.stderr
    assert "UTF-S" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ error cells
_ODS_DIV0 = (
    # LibreOffice's error cell: a float 0 marked as an error, the error shown as its text
    '<table:table-cell table:formula="of:=1/0" office:value-type="float" office:value="0" '
    'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>'
)


def _with_error_cells(tmp_path: Path) -> dict[str, Path]:
    rows: Rows = {2: GOOD | {"住宿费": "#DIV/0!"}}
    xlsx = write_xlsx(tmp_path / "e.xlsx", HEADERS, rows)  # openpyxl writes "#DIV/0!" as an error cell
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for i, h in enumerate(HEADERS):
        sheet.write(0, i, h)
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for i, h in enumerate(HEADERS[:-1]):
        sheet.write(1, i, GOOD[h], day if h == "接待日期" else xlwt.Style.default_style)
    sheet.row(1).set_cell_error(HEADERS.index("住宿费"), "#DIV/0!")
    xls = tmp_path / "e.xls"
    book.save(str(xls))
    ods = write_ods(tmp_path / "e.ods", HEADERS, {2: GOOD | {"住宿费": "@@DIV0@@"}})
    with zipfile.ZipFile(ods) as z:
        members = {name: z.read(name) for name in z.namelist()}
    cell = '<table:table-cell office:value-type="string"><text:p>@@DIV0@@</text:p></table:table-cell>'
    content = members["content.xml"].decode()
    content = content.replace(cell, _ODS_DIV0).replace(
        "office:version=", 'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version='
    )
    members["content.xml"] = content.encode()
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), members.pop("mimetype"), zipfile.ZIP_STORED)
        for name, data in members.items():
            z.writestr(name, data)
    xlsb = write_xlsb(tmp_path / "e.xlsb", HEADERS, {2: GOOD | {"住宿费": "@@DIV0@@"}})
    _replace_in_zip(xlsb, "xl/worksheets/sheet1.bin", _xlsb_cell(6, "@@DIV0@@"), _XLSB_DIV0)
    return {"xlsx": xlsx, "xls": xls, "ods": ods, "xlsb": xlsb}


# BrtFmlaError: the cell (column 6, style 0), the error #DIV/0!, its flags and a formula (=1/0)
_XLSB_DIV0 = _record(0x0B, struct.pack("<II", 6, 0) + b"\x07\x00\x00" + struct.pack("<I", 7) + bytes.fromhex("1e01001e000006") + struct.pack("<I", 0))


def _replace_in_zip(path: Path, member: str, old: bytes, new: bytes) -> None:
    data = read_member(path, member)
    assert data.count(old) == 1
    rezip(path, path, {member: data.replace(old, new)})


@pytest.mark.parametrize("kind", ["xls", "xlsb", "ods"])
def test_an_error_value_in_an_amount_is_refused_as_in_an_xlsx(tmp_path: Path, kind: str) -> None:
    """python-calamine gave an error cell as empty (.xls, .xlsb) or as LibreOffice's 0 (.ods):
    the row imported with 住宿费 0.00 (total 300.00). Each format's reader gives its text."""
    files = _with_error_cells(tmp_path)
    xlsx, other = verdicts(files["xlsx"]), verdicts(files[kind])
    assert [(row, [c for c, _ in errors]) for row, errors, _ in xlsx] == [(2, ["住宿费"])]
    assert [(row, errors) for row, errors, _ in other] == [(row, errors) for row, errors, _ in xlsx]
    assert "#DIV/0!" in xlsx[0][1][0][1]


def test_an_ods_error_cell_is_found_below_repeated_rows_and_cells(tmp_path: Path) -> None:
    """Rows and cells LibreOffice writes once with a repeat count are counted as calamine counted
    them: the error is named at its own row, and the good rows around it import."""
    ods = write_ods(tmp_path / "r.ods", HEADERS, {2: GOOD, 3: GOOD, 4: GOOD | {"住宿费": "@@DIV0@@"}})
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode()
    row = "<table:table-row>"
    first_data_row = content.index(row, content.index(row) + 1)
    # rows 2 and 3 become one row written twice, as LibreOffice writes equal rows
    second = content.index(row, first_data_row + 1)
    third = content.index(row, second + 1)
    content = content[:first_data_row] + '<table:table-row table:number-rows-repeated="2">' + content[first_data_row + len(row) : second] + content[third:]
    cell = '<table:table-cell office:value-type="string"><text:p>@@DIV0@@</text:p></table:table-cell>'
    content = content.replace(cell, _ODS_DIV0).replace(
        "office:version=", 'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version='
    )
    _replace_in_zip(ods, "content.xml", read_member(ods, "content.xml"), content.encode())
    got = verdicts(ods)
    assert [(row, [c for c, _ in errors]) for row, errors, _ in got] == [(2, []), (3, []), (4, ["住宿费"])]
    assert got[0][2] == "2025-03-05 420.00"


LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
def test_error_cells_of_an_ods_saved_by_libreoffice_are_refused_at_their_columns(tmp_path: Path) -> None:
    """The same workbook with formulas that fail (=1/0, =SQRT(-1), =NA()), saved as .ods by
    LibreOffice itself, which writes each error as an empty string marked as an error."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([*HEADERS, "交通费"])
    good = [GOOD[h] for h in HEADERS]
    sheet.append([*good[:-1], "=1/0", 10])
    sheet.append([*good, "=SQRT(-1)"])
    sheet.append([*good, "=NA()"])
    sheet.append([*good, 20])
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = "yyyy-mm-dd"
    book.save(tmp_path / "formulas.xlsx")
    subprocess.run(
        [LIBREOFFICE, f"-env:UserInstallation=file://{tmp_path / 'lo'}", "--headless", "--convert-to", "ods",
         "--outdir", str(tmp_path), str(tmp_path / "formulas.xlsx")],
        check=True, capture_output=True, timeout=180,
    )
    got = verdicts(tmp_path / "formulas.ods")
    assert [(row, errors) for row, errors, _ in got] == [
        (2, [("住宿费", "不是金额：#DIV/0!")]),
        (3, [("交通费", "不是金额：Err:502")]),
        (4, [("交通费", "不是金额：#N/A")]),
        (5, []),
    ]
    assert got[3][2] == "2025-03-05 440.00"
