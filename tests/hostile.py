"""Hostile import workbooks, written as raw .xlsx XML so that any cell can be malformed.

``hostile_workbook(path, seed)`` writes one file and returns what a correct reader must
make of it: ``None`` when the file as a whole is unusable (exit 2), else a map of every
non-empty data row to ``None`` (a good row, compliant) or the column its error must name.
Used by tests/test_hostile_workbooks.py and bench/bench_hostile.py.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

from reports.template import HEADERS, REQUIRED

# a good row, as (column → cell); a cell is (t attribute or "", s attribute or "", inner XML)
GOOD: dict[str, tuple[str, str, str]] = {
    "接待日期": ("s", "", "2025-03-05"),
    "公务活动": ("s", "", "督导检查"),
    "公函文号": ("s", "", "市教函〔2025〕12号"),
    "接待对象人数": ("", "", "6"),
    "接待对象名单": ("s", "", "王伟、李娜"),
    "陪餐人数": ("", "", "2"),
    "就餐场所": ("s", "", "局机关食堂"),
    "场所类型": ("s", "", "机关食堂"),
    "餐费": ("", "", "300"),
}


def _text(value: str) -> tuple[str, str, str]:
    return ("s", "", value)


def _inline(value: str) -> tuple[str, str, str]:
    return ("inlineStr", "", value)


def _num(value: str, style: str = "") -> tuple[str, str, str]:
    return ("", style, value)


# harmless oddities: the row stays good
FINE: list[tuple[str, tuple[str, str, str]]] = [
    ("接待日期", _num("45721", "1")),  # a real date cell
    ("接待日期", _text("2025/03/05")),
    ("接待日期", ("d", "", "2025-03-05T00:00:00")),
    ("接待日期", _inline("2025年3月5日")),
    ("接待对象人数", _text("6人")),
    ("接待对象人数", _text(" ６ ")),  # full-width digit
    ("餐费", _text("300.00")),
    ("餐费", _text("¥300")),
    ("餐费", _num("300.0")),
    ("住宿费", _num("-0")),
    ("住宿费", _text("-0")),
    ("公函文号", _text('=HYPERLINK("http://x")')),
    ("备注", _text("+1-2@#\u202e反向\u200b零宽\ufeff")),
    ("公务活动", ("str", "", "督导\u200b检查")),
    ("经办人", _text("李\u200d会计")),
    ("涉密", ("b", "", "0")),
    ("礼品", _text(" 0.00 ")),
    ("礼品", _num("0")),
    ("陪餐人员名单", _text("\t张三；\n李四\u00a0")),
]

# one bad cell: the row must be refused naming that column
BAD: list[tuple[str, tuple[str, str, str]]] = [
    ("餐费", _num("1e30")),
    ("餐费", _num("-1e30")),
    ("餐费", _num("1e999")),
    ("餐费", _num("-1e999")),
    ("餐费", _num("nan")),
    ("餐费", _num("abc")),
    ("餐费", _num(str(2**63))),
    ("餐费", _num("-5")),
    ("餐费", _num("12.345")),
    ("餐费", _text("三百")),
    ("餐费", _text("inf")),
    ("餐费", _text("1e30")),
    ("餐费", ("zz", "", "1")),
    ("餐费", _num("300", "999")),
    ("餐费", _num("300", "x")),
    ("餐费", ("e", "", "#N/A")),
    ("住宿费", _text("NaN")),
    ("住宿费", _num("9" * 400)),
    ("交通费", _num("1000000000")),
    ("烟酒费", _num("-0.01")),
    ("礼品", _num("1e30")),
    ("接待对象人数", _num(str(2**63))),
    ("接待对象人数", _num("-3")),
    ("接待对象人数", _num("0")),
    ("接待对象人数", _num("1e30")),
    ("接待对象人数", _num("1.5")),
    ("接待对象人数", _num("inf")),
    ("接待对象人数", _text("六")),
    ("接待对象人数", _text("100001")),
    ("陪餐人数", _num("-1")),
    ("陪餐人数", _text("")),
    ("接待日期", _text("2025-13-40")),
    ("接待日期", _num("9999999", "1")),
    ("接待日期", _num("-5", "1")),
    ("接待日期", _num("abc", "1")),
    ("接待日期", ("d", "", "not-a-date")),
    ("接待日期", _text("0001-01-01")),
    ("接待日期", _num("45721")),  # a bare number is no date
    ("来访单位", _text("长" * 300)),
    ("来访单位", _text("长" * 40_000)),
    ("来访单位", ("s", "", "\u200b\u200b")),  # nothing visible: empty
    ("来访单位", ("s!", "", "999999")),  # shared string index that does not exist
    ("公务活动", _text("活" * 600)),
    ("公函文号", _text("号" * 101)),
    ("接待对象名单", _text("名" * 70)),
    ("陪餐人员名单", _text("王五、" + "名" * 65)),
    ("就餐场所", _text("所" * 201)),
    ("场所类型", _text("豪华会所")),
    ("经办人", _text("经" * 70)),
    ("审核人", _text("审" * 70)),
    ("备注", _text("备" * 4001)),
    ("电话记录", _text("电" * 4001)),
    ("涉密", ("b", "", "maybe")),
    ("涉密", _text("也许")),
]


def _col(index: int) -> str:
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Sheet:
    def __init__(self) -> None:
        self.strings: list[str] = []
        self.rows: list[str] = []

    def cell(self, ref: str, cell: tuple[str, str, str]) -> str:
        kind, style, value = cell
        s = f' s="{style}"' if style else ""
        if kind == "s":
            self.strings.append(value)
            return f'<c r="{ref}" t="s"{s}><v>{len(self.strings) - 1}</v></c>'
        if kind == "s!":
            return f'<c r="{ref}" t="s"{s}><v>{value}</v></c>'
        if kind == "inlineStr":
            return f'<c r="{ref}" t="inlineStr"{s}><is><t>{escape(value)}</t></is></c>'
        t = f' t="{kind}"' if kind else ""
        return f'<c r="{ref}"{t}{s}><v>{escape(value)}</v></c>'

    def row(self, number: int, cells: dict[int, tuple[str, str, str]]) -> None:
        inner = "".join(self.cell(f"{_col(i)}{number}", c) for i, c in sorted(cells.items()))
        self.rows.append(f'<row r="{number}">{inner}</row>')


_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
)


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@contextmanager
def _package(path: Path) -> Iterator[zipfile.ZipFile]:
    """An .xlsx zip with its content types and root relationship written; the caller adds the
    workbook, its relationships and its sheets (also tests/attack/reader_fuzz.py)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        yield z


def write_xlsx(
    path: Path,
    sheet: _Sheet,
    *,
    dimension: str = "",
    sheet_name: str = "台账",
    prefix: str = "",
    extra_members: dict[str, bytes] | None = None,
) -> Path:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = _REL
    sst = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in sheet.strings)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    with _package(path) as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} xmlns:r="{rel}"><sheets>'
            f'<sheet name="说明" sheetId="2" r:id="rId9"/>'
            f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
            if sheet_name == "台账"
            else f'<workbook {ns} xmlns:r="{rel}"><sheets>'
            f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/>'
            f'<sheet name="说明" sheetId="2" r:id="rId9"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId9" Type="{rel}/worksheet" Target="/xl/worksheets/sheet9.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", f"<sst {ns}>{sst}</sst>")
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f"{prefix}<worksheet {ns}>{dim}<sheetData>{''.join(sheet.rows)}</sheetData></worksheet>",
        )
        z.writestr(
            "xl/worksheets/sheet9.xml",
            f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>说明</t></is></c>'
            "</row></sheetData></worksheet>",
        )
        for name, data in (extra_members or {}).items():
            z.writestr(name, data)
    return path


Expected = dict[int, str | None] | None


def hostile_workbook(path: Path, seed: int) -> Expected:
    """Write one hostile workbook; return what must be made of it (see the module doc)."""
    rng = random.Random(seed)
    roll = rng.random()
    if roll < 0.04:
        return _unusable(path, rng)
    headers = list(HEADERS)
    rng.shuffle(headers)
    if rng.random() < 0.2:
        headers.insert(rng.randrange(len(headers)), rng.choice(headers))  # a repeated header
    if rng.random() < 0.2:
        headers.insert(rng.randrange(len(headers)), "无关列")
    sheet = _Sheet()
    sheet.row(1, {i + 1: _text(h) for i, h in enumerate(headers)})
    first = {h: headers.index(h) + 1 for h in headers}  # the first column of each header
    expected: dict[int, str | None] = {}
    number = 1
    for i in range(rng.randint(1, 12)):
        number += rng.choice((1, 1, 1, 2, 50))
        cells = dict(GOOD)
        cells["来访单位"] = _text(f"单位{seed}-{i}")
        verdict: str | None = None
        kind = rng.random()
        if kind < 0.35:
            column, cell = rng.choice(FINE)
            cells[column] = cell
        elif kind < 0.85:
            column, cell = rng.choice(BAD)
            cells[column] = cell
            verdict = column
        row = {first[h]: c for h, c in cells.items()}
        if rng.random() < 0.1:
            row[rng.randint(201, 16384)] = _num("1e999")  # beyond the columns read: ignored
        if rng.random() < 0.1:
            sheet.rows.append(f'<row r="{number}"/>')  # an empty row: not listed
            number += 1
        if rng.random() < 0.05:
            sheet.row(number, {first["备注"]: _text("   ")})  # blank cells only: not listed
            number += 1
        sheet.row(number, row)
        expected[number] = verdict
    if rng.random() < 0.1:
        number = 1_048_576  # the last row Excel has
        sheet.row(number, {first[h]: c for h, c in {**GOOD, "来访单位": _text(f"末行{seed}")}.items()})
        expected[number] = None
    dimension = rng.choice(("", "", "A1:XFD1048576", "A1:B2", "garbage"))
    write_xlsx(path, sheet, dimension=dimension, sheet_name=rng.choice(("台账", "Sheet1")))
    return expected


def _unusable(path: Path, rng: random.Random) -> None:
    """A file that must be refused as a whole, with one line."""
    what = rng.randrange(8)
    sheet = _Sheet()
    if what == 0:
        path.write_bytes(b"not a workbook at all")
    elif what == 1:
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))  # encrypted / OLE
    elif what == 2:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "no worksheet here")
    elif what == 3:
        sheet.row(2, {1: _text("2025-03-05")})  # no header row
        write_xlsx(path, sheet)
    elif what == 4:
        left_out = rng.choice(REQUIRED)
        sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS) if h != left_out})
        write_xlsx(path, sheet)
    elif what == 5:
        sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
        sheet.row(1_048_577, {1: _text("2025-03-05")})  # beyond Excel's last row
        write_xlsx(path, sheet)
    elif what == 6:
        sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
        write_xlsx(path, sheet, prefix='<!DOCTYPE x [<!ENTITY a "aaaa">]>')
    else:
        sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
        sheet.rows.append("<row r='2'><c r='A2'><v>1")  # cut off
        write_xlsx(path, sheet)
    return None


def bombs(folder: Path, size: int = 16) -> dict[str, Path]:
    """Small files that claim much: they must be refused or read in seconds, in little memory.

    ``size`` 16 gives a 1.5 GB sheet of whitespace in 1.5 MB; from 4 on, all but the first must
    be refused by the size limits."""
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    sheet = _Sheet()
    sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
    cells = {HEADERS.index(h) + 1: c for h, c in {**GOOD, "来访单位": _text("末行")}.items()}
    sheet.row(1_048_576, cells)
    out["claims A1:XFD1048576"] = write_xlsx(folder / "dimension.xlsx", sheet, dimension="A1:XFD1048576")
    # shared strings: millions of tiny entries
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    header = _Sheet()
    header.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
    path = write_xlsx(folder / "sst.xlsx", header)
    _stream_member(
        path,
        "xl/sharedStrings.xml",
        [f"<sst {ns}>", "<si><t>x</t></si>" * 100_000] * (12 * size) + ["</sst>"],
    )
    out["shared strings bomb"] = path
    # whitespace in the sheet (1.5 GB), and one cell of 600 MB
    open_sheet = f"<worksheet {ns}><sheetData>" + header.rows[0]
    path = write_xlsx(folder / "whitespace.xlsx", header)
    _stream_member(
        path,
        "xl/worksheets/sheet1.xml",
        [open_sheet, *[" " * (1 << 20)] * (96 * size), "</sheetData></worksheet>"],
    )
    out["whitespace"] = path
    path = write_xlsx(folder / "cell.xlsx", header)
    cell = '<row r="2"><c r="B2" t="inlineStr"><is><t>'
    _stream_member(
        path,
        "xl/worksheets/sheet1.xml",
        [open_sheet, cell, *["长" * (1 << 20)] * (12 * size), "</t></is></c></row></sheetData></worksheet>"],
    )
    out["one huge cell"] = path
    return out


def _stream_member(path: Path, name: str, pieces: list[str]) -> None:
    """Replace one member of a zip by the pieces, written as a stream (never whole in memory)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist() if n != name}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members.items():
            z.writestr(n, d)
        with z.open(name, "w", force_zip64=True) as out:
            for piece in pieces:
                out.write(piece.encode())
