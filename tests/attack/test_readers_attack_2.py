"""Second attack on the workbook readers, after eab0097 (nesting bound, 16 MB tag bound, the .ods
台账 search by start tags, .xlsb parts streamed by ``records()``).

README ("Checking and importing an existing Excel ledger"): no input file, however hostile,
produces a traceback, a hang, memory above 300 MB at the peak, or a partial import. Each test
below was a file that broke one of these (found by a helper, fixed the same day); figures
measured on the 2-core test machine are in each test's comment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reports.sheets import open_workbook
from reports.xlsx_reader import MAX_DEPTH, TemplateError, Workbook
from tests.attack.test_readers_attack import GOOD, HEADERS, _content, _peak_kb
from tests.formats import _record, read_member, rezip, rows_of, write_ods, write_xlsb, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(path: Path) -> bytes:
    return read_member(path, "xl/worksheets/sheet1.xml")


def _read_seconds(path: Path, timeout: float) -> float | None:
    """Seconds a fresh process takes to open the workbook and read all its rows (a TemplateError
    counts as read); None when it has not finished after ``timeout``."""
    script = (
        "import sys, time\n"
        "from reports.sheets import open_workbook\n"
        "from reports.xlsx_reader import TemplateError\n"
        "t = time.monotonic()\n"
        "try:\n"
        "    book = open_workbook(sys.argv[1])\n"
        "    for _ in book.rows(): pass\n"
        "except TemplateError:\n"
        "    pass\n"
        "print(time.monotonic() - t)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return None
    assert proc.returncode == 0, proc.stderr[-2000:]
    return float(proc.stdout.split()[-1])


# ------------------------------------------------------------------ hangs (files of a few KB)
def test_ods_ledger_search_on_many_table_starts_before_one_gt(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain)
    at = content.index("<office:spreadsheet>") + len("<office:spreadsheet>")
    content = content[:at] + "<!--" + "<t:table " * 200_000 + ">-->" + content[at:]
    path = rezip(plain, tmp_path / "starts.ods", {"content.xml": content.encode()})
    assert path.stat().st_size < 10_000
    seconds = _read_seconds(path, timeout=60)
    assert seconds is not None, "a 2 KB .ods still being read after 60 s"


def test_xlsx_fast_path_phonetic_pattern_on_elements_named_rph_dot(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    sheet = _sheet(plain)
    cell = b'<c r="H2" t="inlineStr"><is><t>x</t>' + b"<rPh./>" * 140_000 + b"</is></c></row>"
    at = sheet.index(b"</row></sheetData>")
    path = rezip(plain, tmp_path / "rph.xlsx", {"xl/worksheets/sheet1.xml": sheet[:at] + cell + sheet[at + 6 :]})
    assert path.stat().st_size < 10_000
    reference = Workbook(path)  # the expat callbacks: row 2 ends with 备注 "x"
    try:
        assert list(reference.rows())[1][1][-1] == "x"
    finally:
        reference.close()
    seconds = _read_seconds(path, timeout=60)
    assert seconds is not None, "a 7 KB .xlsx still being read after 60 s"


def test_xlsx_fast_path_cell_pattern_on_unclosed_cells(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    sheet = _sheet(plain)
    at = sheet.index(b"</sheetData>")
    row = b'<row r="3">' + b"<c>" * 330_000 + b"</row>"
    path = rezip(plain, tmp_path / "cells.xlsx", {"xl/worksheets/sheet1.xml": sheet[:at] + row + sheet[at:]})
    assert path.stat().st_size < 10_000
    seconds = _read_seconds(path, timeout=60)
    assert seconds is not None, "a 5 KB .xlsx still being read after 60 s"


# ------------------------------------------------------------------ nesting the bound does not see
def _nested_rows(count: int, prefix: bytes) -> tuple[bytes, bytes]:
    """Rows 3.. that each leave one element open: the fast path takes a row's content up to the
    first closing row tag, which here closes an inner <row>, so the outer <p:row> stays open."""
    body = b"".join(b'<%s:row r="%d"><row></row>' % (prefix, i) for i in range(3, count + 3))
    return body, (b"</%s:row>" % prefix) * count


def test_xlsx_rows_left_open_pass_the_depth_bound(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    sheet = _sheet(plain).replace(b'<worksheet xmlns="', b'<worksheet xmlns:p="u" xmlns="', 1)
    body, close = _nested_rows(4 * MAX_DEPTH, b"p")
    at = sheet.index(b"</sheetData>")
    path = rezip(plain, tmp_path / "open.xlsx", {"xl/worksheets/sheet1.xml": sheet[:at] + body + close + sheet[at:]})
    reference = Workbook(path)
    try:
        with pytest.raises(TemplateError):
            list(reference.rows())
    finally:
        reference.close()
    with pytest.raises(TemplateError):
        rows_of(path)


def test_xlsx_rows_left_open_take_memory(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    prefix = b"p" * 100
    sheet = _sheet(plain).replace(b'<worksheet xmlns="', b'<worksheet xmlns:' + prefix + b'="u" xmlns="', 1)
    at = sheet.index(b"</sheetData>")
    count = 1_000_000
    path = tmp_path / "open.xlsx"
    with zipfile.ZipFile(plain) as s, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as d:
        for name in s.namelist():
            if name != "xl/worksheets/sheet1.xml":
                d.writestr(name, s.read(name))
        with d.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(sheet[:at])
            for first in range(3, count + 3, 10_000):
                out.write(b"".join(b'<%s:row r="%d"><row></row>' % (prefix, i) for i in range(first, min(first + 10_000, count + 3))))
            for _ in range(count // 10_000):
                out.write((b"</%s:row>" % prefix) * 10_000)
            out.write(sheet[at:])
    assert path.stat().st_size < 4_000_000
    code, peak, stderr = _peak_kb(path)
    assert peak < 300 * 1024, (code, peak)


# ------------------------------------------------------------------ attributes under the 16 MB bound
def _attribute_flood(count: int) -> bytes:
    return b"<x " + b"".join(b'a%x="" ' % i for i in range(count)) + b"/>"


def test_one_start_tag_of_many_attributes_in_the_sheet(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    sheet = _sheet(plain)
    at = sheet.index(b"<sheetData>")
    tag = _attribute_flood(1_560_000)
    assert len(tag) < 16 << 20
    path = rezip(plain, tmp_path / "attrs.xlsx", {"xl/worksheets/sheet1.xml": sheet[:at] + tag + sheet[at:]})
    code, peak, stderr = _peak_kb(path)
    assert peak < 300 * 1024, (code, peak)


# ------------------------------------------------------------------ .xlsb shared strings
def test_xlsb_damaged_shared_strings_are_not_counted(tmp_path: Path) -> None:
    plain = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD})
    items = _record(0x13, b"\x00") * 6_000_000
    path = rezip(plain, tmp_path / "sst.xlsb", {"xl/sharedStrings.bin": items})
    assert path.stat().st_size < 100_000
    code, peak, stderr = _peak_kb(path)
    assert peak < 300 * 1024, (code, peak)


def test_ods_ledger_tag_with_a_gt_in_a_value_before_its_name(tmp_path: Path) -> None:
    """XML allows ">" in an attribute value: the search took the tag to end there and missed
    the name after it, so the first table was read where expat reads 台账."""
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    first = (
        '<table:table table:name="说明"><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>填写说明</text:p></table:table-cell></table:table-row></table:table>"
    )
    content = _content(plain).replace('<table:table table:name="台账">', first + '<table:table table:style-name="a>b" table:name="台账">')
    path = rezip(plain, tmp_path / "gt.ods", {"content.xml": content.encode()})
    book = open_workbook(path)
    try:
        assert next(iter(book.rows()))[1][:2] == ("接待日期", "来访单位")
    finally:
        book.close()


# ------------------------------------------------------------------ found in review, fixed
def test_a_start_tag_with_a_gt_in_a_value_is_still_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """XML allows ">" in an attribute value: the bound counted from the last ">", so one value
    of ">" every 50,000 attributes let a tag of 1.5 M attributes through (446 MB). It counts from
    the last "<", which no value can hold."""
    import reports.xlsx_reader

    monkeypatch.setattr(reports.xlsx_reader, "MAX_TAG_ATTRIBUTES", 5_000)
    attributes = "".join(f' a{i}="{">" if i % 1000 == 0 else ""}"' for i in range(20_000))
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD, 3: GOOD})
    sheet = _sheet(plain).replace(b'<row r="3"', b"<x" + attributes.encode() + b'/><row r="3"', 1)
    path = rezip(plain, tmp_path / "gt.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(TemplateError, match="解压后过大"):
        list(open_workbook(path).rows())


def test_an_ods_table_named_by_a_reference_to_no_character_is_one_line(tmp_path: Path) -> None:
    """&#99999999999999999999; in a table's name: the 台账 search read it before expat did, and
    chr() raised OverflowError (a traceback)."""
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain).replace('table:name="台账"', 'table:name="&#99999999999999999999;"')
    path = rezip(plain, tmp_path / "ovf.ods", {"content.xml": content.encode()})
    with pytest.raises(TemplateError):
        list(open_workbook(path).rows())


def test_elements_nested_before_the_first_row_are_counted_too(tmp_path: Path) -> None:
    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD})
    deep = b"<a>" * 30_000 + b"</a>" * 30_000
    sheet = _sheet(plain).replace(b"<sheetData>", deep + b"<sheetData>", 1)
    path = rezip(plain, tmp_path / "deep.xlsx", {"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(TemplateError, match="嵌套超过 256 层"):
        list(open_workbook(path).rows())


def test_a_long_unfinished_table_tag_is_not_searched_once_a_chunk(tmp_path: Path) -> None:
    """A <x:table start of 12 MB without its ">" was matched again from its start for every 64 KB
    chunk: a 16 KB file took 7.7 s to open."""
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain)
    at = content.index("<office:spreadsheet>") + len("<office:spreadsheet>")
    content = content[:at] + '<!--<t:table' + ' a="x"' * (2 << 20) + '-->' + content[at:]
    path = rezip(plain, tmp_path / "long.ods", {"content.xml": content.encode()})
    seconds = _read_seconds(path, timeout=60)
    assert seconds is not None and seconds < 5
