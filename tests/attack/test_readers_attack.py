"""Attack on the streaming .xlsb and .ods readers (reports/xlsb_reader.py, reports/ods_reader.py).

Each test states what README promises ("no input file, however hostile, produces a traceback, a
hang, unbounded memory (peak under 300 MB) or a partial import"; "the kind is told by content";
"the same rows give the same verdicts in every format"). All were found failing by a helper
attacking the readers the day they were written, and fixed: odd repeat counts and short records
were tracebacks, a cut .xlsb was read as complete, the 台账 search on raw bytes missed or
invented the sheet, deep nesting (in .xlsx too) and the .xlsb shared strings took memory without
bound, and a style sheet of one long format used by a million styles hung the reader.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reports.xlsb_reader import XlsbWorkbook
from reports.xlsx_reader import TemplateError
from tests.attack.test_formats_attack import GOOD
from tests.formats import _record, _wide, read_member, rezip, rows_of, write_ods, write_xlsb

ROOT = Path(__file__).resolve().parents[2]
HEADERS = ["接待日期", "来访单位", "公务活动", "接待对象人数", "陪餐人数", "餐费", "住宿费", "备注"]


def _content(path: Path) -> str:
    return read_member(path, "content.xml").decode()


def _peak_kb(path: Path, timeout: float = 300) -> tuple[int, int, str]:
    """``check --json`` of the file in a fresh process: exit code, peak RSS (KB) of the largest
    process, stderr."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "PEAK %M", sys.executable, "main.py", "check", str(path), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    peak = int(re.findall(r"PEAK (\d+)", proc.stderr)[-1])
    return proc.returncode, peak, proc.stderr


# ------------------------------------------------------------------ .ods: a repeat count int() refuses
def test_ods_repeat_count_that_isdigit_but_is_no_int(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain).replace(
        '<table:table-cell office:value-type="string"><text:p>市教育局',
        '<table:table-cell table:number-columns-repeated="²" office:value-type="string"><text:p>市教育局',
        1,
    )
    odd = rezip(plain, tmp_path / "odd.ods", {"content.xml": content.encode()})
    # _repeat's doc: "1 when absent or not a whole number"
    assert rows_of(odd) == rows_of(plain)


def test_ods_space_count_of_5000_digits(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain).replace("<text:p>市教育局", '<text:p>市<text:s text:c="%s"/>教育局' % ("9" * 5000), 1)
    odd = rezip(plain, tmp_path / "odd.ods", {"content.xml": content.encode()})
    try:
        rows = rows_of(odd)
    except TemplateError:
        return  # one line for the whole file would do
    assert rows[1][0] == 2  # (or the cell as too long)


# ------------------------------------------------------------------ .xlsb: records cut short
def _xlsb_with_tail(tmp_path: Path, tail: bytes, *, keep_end: bool) -> Path:
    source = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD, 3: dict(GOOD, 来访单位="县局", 备注="第3行备注")})
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.bin")
    end = sheet.rfind(_record(0x92) + _record(0x82))
    body = sheet[:end] + tail + (sheet[end:] if keep_end else b"")
    return rezip(source, tmp_path / "damaged.xlsb", {"xl/worksheets/sheet1.bin": body})


def test_xlsb_string_record_without_its_count_at_the_end(tmp_path: Path) -> None:
    path = _xlsb_with_tail(tmp_path, _record(0x06, struct.pack("<II", 7, 0)), keep_end=False)
    with pytest.raises(TemplateError):
        rows_of(path)


def test_xlsb_sheet_cut_inside_its_last_cell_is_refused(tmp_path: Path) -> None:
    source = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD, 3: dict(GOOD, 来访单位="县局", 备注="第3行备注")})
    with zipfile.ZipFile(source) as z:
        sheet = z.read("xl/worksheets/sheet1.bin")
    cut = sheet.rfind(_record(0x92) + _record(0x82)) - 3  # inside the 备注 cell of row 3
    path = rezip(source, tmp_path / "cut.xlsb", {"xl/worksheets/sheet1.bin": sheet[:cut]})
    # the module doc: "a record cut short ends the file with one line"; the .xlsx of a cut sheet
    # is refused as invalid XML. Row 3 once came without its 备注, no error.
    with pytest.raises(TemplateError):
        rows_of(path)


# ------------------------------------------------------------------ .ods: which sheet is 台账
def _two_sheets(tmp_path: Path, first_attrs: str, ledger_tag: str, pad: int = 0) -> Path:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain)
    first = (
        f'<table:table table:name="说明"{first_attrs}><table:table-row><table:table-cell office:value-type="string">'
        "<text:p>填写说明</text:p></table:table-cell></table:table-row></table:table>"
    )
    at = content.index('<table:table table:name="台账">')
    before = content[:at] + first
    padding = ""
    if pad:
        padding = "<!--" + "p" * (pad - len(before.encode()) - 7) + "-->"
    content = before + padding + ledger_tag + content[at + len('<table:table table:name="台账">') :]
    return rezip(plain, tmp_path / "two.ods", {"content.xml": content.encode()})


def test_ods_ledger_sheet_named_with_character_references(tmp_path: Path) -> None:
    path = _two_sheets(tmp_path, "", '<table:table table:name="&#21488;&#36134;">')
    assert rows_of(path)[0][1][:2] == ("接待日期", "来访单位")


def test_ods_ledger_sheet_tag_across_a_chunk_boundary(tmp_path: Path) -> None:
    tag = '<table:table table:style-name="' + "s" * 400 + '" table:name="台账">'
    path = _two_sheets(tmp_path, "", tag, pad=65536 - 300)
    assert rows_of(path)[0][1][:2] == ("接待日期", "来访单位")


def test_ods_style_named_like_the_ledger_does_not_hide_the_first_sheet(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    content = _content(plain).replace('table:name="台账"', 'table:name="Sheet1" table:style-name="台账"')
    path = rezip(plain, tmp_path / "style.ods", {"content.xml": content.encode()})
    assert rows_of(path)[0][1][:2] == ("接待日期", "来访单位")


# ------------------------------------------------------------------ memory and time
def test_ods_deeply_nested_elements_stay_under_300_mb(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    n = 5_000_000
    content = _content(plain).replace("<text:p>市教育局</text:p>", "<text:p>市教育局" + "<a>" * n + "</a>" * n + "</text:p>", 1)
    path = rezip(plain, tmp_path / "nest.ods", {"content.xml": content.encode()})
    assert path.stat().st_size < 100_000
    _, peak, _ = _peak_kb(path)
    assert peak < 300 * 1024


def test_xlsb_shared_strings_stay_under_300_mb(tmp_path: Path) -> None:
    plain = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD})
    items = _record(0x13, b"\x00" + _wide("台" * 12)) * 2_000_000
    path = rezip(plain, tmp_path / "sst.xlsb", {"xl/sharedStrings.bin": items})
    assert path.stat().st_size < 1_000_000
    _, peak, _ = _peak_kb(path)
    assert peak < 300 * 1024


_STYLE_BOMB = """
import struct, sys
sys.path.insert(0, {root!r})
from reports.xlsb_reader import XlsbWorkbook
from reports.xlsx_reader import TemplateError
try:
    XlsbWorkbook({path!r}, deadline=5).close()
except TemplateError:
    pass
"""


def test_xlsb_style_sheet_cannot_hang_past_the_deadline(tmp_path: Path) -> None:
    plain = write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD})
    styles = (
        _record(0x0116)
        + _record(0x0267, struct.pack("<I", 1))
        + _record(0x2C, struct.pack("<H", 200) + _wide("0" * 4_000_000))  # BrtFmt 200: no date
        + _record(0x0268)
        + _record(0x0269, struct.pack("<I", 2))
        + _record(0x2F, struct.pack("<HH", 0xFFFF, 0) + bytes(12))
        + _record(0x2F, struct.pack("<HH", 0xFFFF, 200)) * 1_000_000  # BrtXF using it
        + _record(0x026A)
        + _record(0x0117)
    )
    path = rezip(plain, tmp_path / "styles.xlsb", {"xl/styles.bin": styles})
    assert path.stat().st_size < 100_000
    script = _STYLE_BOMB.format(root=str(ROOT), path=str(path))
    try:
        subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("opening a 20 KB .xlsb took more than 60 s (its deadline was 5 s)")


# ------------------------------------------------------------------ found with the above, fixed
def _xlsx(tmp_path: Path, name: str, edit: dict[str, tuple[str, str]]) -> Path:
    """The one-row .xlsx with text replaced in some members ({member: (old, new)})."""
    from tests.formats import write_xlsx

    plain = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: GOOD, 3: GOOD})
    with zipfile.ZipFile(plain) as z:
        replace = {}
        for member, (old, new) in edit.items():
            text = z.read(member).decode()
            assert old in text, (member, old)
            replace[member] = text.replace(old, new, 1).encode()
    return rezip(plain, tmp_path / name, replace)


@pytest.mark.parametrize(
    "member, old",
    [
        ("xl/worksheets/sheet1.xml", "</sheetData>"),  # after the rows
        ("xl/worksheets/sheet1.xml", '<row r="3"'),  # between two rows
        ("xl/styles.xml", "</cellXfs>"),
        ("xl/workbook.xml", "</sheets>"),
    ],
)
def test_xlsx_elements_nested_past_the_bound_are_one_line(tmp_path: Path, member: str, old: str) -> None:
    """2,000 elements inside each other (expat keeps every open one: 7 M of them, 21 MB of a
    sheet, took 932 MB) are refused in one line wherever they are."""
    nest = "<b>" * 2000 + "</b>" * 2000
    path = _xlsx(tmp_path, "deep.xlsx", {member: (old, nest + old)})
    with pytest.raises(TemplateError, match="嵌套超过 256 层"):
        rows_of(path)


def test_an_element_between_two_rows_does_not_change_the_rows(tmp_path: Path) -> None:
    plain = rows_of(_xlsx(tmp_path, "plain2.xlsx", {}))
    shallow = _xlsx(tmp_path, "shallow.xlsx", {"xl/worksheets/sheet1.xml": ('<row r="3"', '<x:ext xmlns:x="urn:x"/><row r="3"')})
    assert rows_of(shallow) == plain


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_start_tag_longer_than_the_bound_is_one_line(tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An attribute of 150 MB that compresses within the bomb ratio held 500 MB in expat; a run
    of more than MAX_TAG_BYTES (16 MB; 1 MB here) without a ">" is refused."""
    import reports.xlsx_reader

    monkeypatch.setattr(reports.xlsx_reader, "MAX_TAG_BYTES", 1 << 20)
    long = "a" * (2 << 20)
    if kind == "xlsx":
        path = _xlsx(tmp_path, "long.xlsx", {"xl/worksheets/sheet1.xml": ('<row r="3"', f'<row x="{long}" r="3"')})
    else:
        plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
        content = _content(plain).replace("<table:table-cell ", f'<table:table-cell x="{long}" ', 3)
        path = rezip(plain, tmp_path / "long.ods", {"content.xml": content.encode()})
    with pytest.raises(TemplateError, match="解压后过大"):
        rows_of(path)


def test_ods_booleans_as_xsd_allows_them(tmp_path: Path) -> None:
    plain = write_ods(tmp_path / "plain.ods", HEADERS, {2: GOOD})
    cell = '<table:table-cell office:value-type="string"><text:p>督导检查</text:p></table:table-cell>'
    one = '<table:table-cell office:value-type="boolean" office:boolean-value="1"><text:p>TRUE</text:p></table:table-cell>'
    content = _content(plain).replace(cell, one, 1)
    path = rezip(plain, tmp_path / "bool.ods", {"content.xml": content.encode()})
    assert rows_of(path)[1][1][2] is True


def test_an_xlsb_boolean_other_than_0_or_1_is_that_cells_error(tmp_path: Path) -> None:
    book = XlsbWorkbook(write_xlsb(tmp_path / "plain.xlsb", HEADERS, {2: GOOD}))
    sheet = _record(0x91) + _record(0x00, struct.pack("<IIHHI", 0, 0, 300, 0, 0)) + _record(0x04, struct.pack("<II", 0, 0) + b"\x02")
    rows = list(book._rows(iter([sheet + _record(0x92)])))
    book.close()
    assert [type(v).__name__ for v in rows[0][1]] == ["Unreadable"]
