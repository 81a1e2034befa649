"""The xlsx reader's fast path (reports.xlsx_scan) gives what the expat callbacks give, and
hands unusual rows to them without losing or repeating a row."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from reports.xlsx_reader import TemplateError, _chunks, _parser
from reports.xlsx_scan import FastWorkbook as Workbook
from tests.hostile import _Sheet, write_xlsx

ODD_ROWS = [
    # the usual cells
    '<row r="2"><c r="A2" s="1" t="n"><v>45721</v></c><c r="B2" t="inlineStr"><is><t>市教育局</t></is></c>'
    '<c r="C2" t="s"><v>0</v></c><c r="D2"><v>6</v></c></row>',
    # entities, character references, a carriage return, xml:space, single quotes, spaces in tags
    "<row r='3' spans='1:4'><c r='A3' t='inlineStr'><is><t xml:space='preserve'> A&amp;B &#x4E2D;&#25991;\r\n</t></is></c>"
    '<c r="B3" t="str" ><f>1+1</f><v>2</v></c ><c r="C3" t="b"><v>1</v></c><c r="D3" t="e"><v>#N/A</v></c></row >',
    # phonetic runs are left out, rich text runs joined; a cell without a reference follows the last
    '<row r="5"><c r="B5" t="inlineStr"><is><r><t>王</t></r><r><t>伟</t></r><rPh sb="0" eb="1"><t>ワン</t></rPh></is></c>'
    '<c t="inlineStr"><is><t>next</t></is></c><c r="E5"/><c r="F5" t="zz"><v>1</v></c><c r="G5" s="99"><v>3</v></c></row>',
    '<row r="6"/>',
    # a comment inside a row: the expat callbacks take over from here
    '<row r="7"><!-- a comment --><c r="A7" t="inlineStr"><is><t>after the comment</t></is></c></row>',
    '<row r="8"><c r="A8" t="inlineStr"><is><t><![CDATA[<b>cdata</b>]]></t></is></c></row>',
    '<row r="9"><c r="A9"><v>1.5</v></c></row>',
]


def expat_only(book: Workbook) -> list[tuple[int, tuple[Any, ...]]]:
    chunks = _chunks(book.zip, book.members[book.sheet], 1 << 30, book.budget)
    first = next(chunks)
    return list(book.expat_rows(_parser(None), first, chunks, 0))


def sheet_with(rows: list[str], tmp_path: Path, name: str = "a.xlsx", prefix: str = "") -> Path:
    sheet = _Sheet()
    sheet.strings.append("共享")
    sheet.row(1, {1: ("s", "", "接待日期")})
    sheet.rows.extend(rows)
    return write_xlsx(tmp_path / name, sheet, prefix=prefix)


def test_fast_path_and_expat_agree_on_odd_xml(tmp_path: Path) -> None:
    book = Workbook(sheet_with(ODD_ROWS, tmp_path))
    fast = list(book.rows())
    assert fast == expat_only(book)
    got = dict(fast)
    assert [n for n, _ in fast] == [1, 2, 3, 5, 7, 8, 9]
    assert got[2][1:] == ("市教育局", "共享", 6)
    assert got[3] == (" A&B 中文\n", "2", True, "#N/A")
    assert got[5][1:3] == ("王伟", "next") and type(got[5][5]).__name__ == "Unreadable"
    assert got[7] == ("after the comment",) and got[8] == ("<b>cdata</b>",) and got[9] == (1.5,)


def test_rows_in_many_chunks_are_each_read_once(tmp_path: Path) -> None:
    rows = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{"长" * (n % 50)}行{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
        for n in range(2, 20_000)
    ]
    book = Workbook(sheet_with(rows, tmp_path))
    fast = list(book.rows())
    assert [n for n, _ in fast] == [1, *range(2, 20_000)]
    assert fast == expat_only(book)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ['<row r="2"><c r="A2"><v>1</v></c></row>', '<row r="2"><c r="A2"><v>1</v></c></row>'],
            "重复或顺序错乱",
        ),
        (['<row r="2"><c r="A2"><v>1</v></c></row>', "<row r='3'><c r='A3'><v>1"], "不是有效的 XML"),
        (['<row r="2"><c r="A2"><v>1</v><v></c></row>'], "不是有效的 XML"),
        (['<row r="2"><c r="A2" t="inlineStr"><is><t>&undefined;</t></is></c></row>'], "不是有效的 XML"),
    ],
)
def test_broken_sheets_are_refused_as_before(tmp_path: Path, rows: list[str], message: str) -> None:
    book = Workbook(sheet_with(rows, tmp_path))
    with pytest.raises(TemplateError, match=message):
        list(itertools.islice(book.rows(), 10))


def test_a_row_inside_a_comment_is_no_row(tmp_path: Path) -> None:
    rows = [
        '<row r="2"><c r="A2"><v>1</v></c></row>',
        '<!-- <row r="3"><c r="A3"><v>99</v></c></row> -->',
        '<row r="4"><c r="A4"><v>4</v></c></row>',
    ]
    book = Workbook(sheet_with(rows, tmp_path))
    assert [n for n, _ in book.rows()] == [1, 2, 4]


def test_excel_escapes_read_as_excel_reads_them(tmp_path: Path) -> None:
    """Excel writes a carriage return as _x000D_ and a literal "_x0041_" as "_x005F_x0041_":
    every path of the reader gives the characters (as python-calamine did, when it read the other
    formats; LibreOffice reads the ledger workbook's so: tests/reports/test_workbook_text.py)."""
    sheet = _Sheet()
    sheet.strings.extend(["共享", "第一行_x000D__x000A_第二行"])
    sheet.row(1, {1: ("s", "", "接待日期")})
    sheet.rows.extend(
        [
            '<row r="2"><c r="A2" t="inlineStr"><is><t>甲_x0041_乙</t></is></c><c r="B2" t="s"><v>1</v></c></row>',
            # a phonetic run: not the plain path
            '<row r="3"><c r="A3" t="inlineStr"><is><r><t>_x005F_x0041_</t></r><rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
            '<c r="B3" t="str"><f>A1</f><v>a_x0009_b _x12_ _xZZZZ_</v></c></row>',
        ]
    )
    path = write_xlsx(tmp_path / "escaped.xlsx", sheet)
    book = Workbook(path)
    fast = dict(book.rows())
    assert fast == dict(expat_only(book))
    assert fast[2] == ("甲A乙", "第一行\r\n第二行")
    assert fast[3] == ("_x0041_", "a\tb _x12_ _xZZZZ_")


def test_a_cell_not_in_utf8_is_one_line_read_in_this_process(tmp_path: Path) -> None:
    """The fast path decodes a cell before expat has checked its bytes: a byte that is not UTF-8
    is the sheet's one line, as expat would say it, not a traceback (a one-core `check` and the
    window read in their own process)."""
    import zipfile

    from reports.template import iter_import

    sheet = _Sheet()
    sheet.row(1, {1: ("inlineStr", "", "接待日期")})
    sheet.row(2, {1: ("inlineStr", "", "MARK")})
    good = write_xlsx(tmp_path / "good.xlsx", sheet)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, data.replace(b"MARK", b"\xff") if info.filename.endswith("sheet1.xml") else data)
    with pytest.raises(TemplateError, match="的工作表不是有效的 XML"):
        list(iter_import(bad))


def test_a_row_number_in_other_digits_is_read_as_expat_reads_it(tmp_path: Path) -> None:
    sheet = _Sheet()
    sheet.row(1, {1: ("inlineStr", "", "接待日期")})
    sheet.rows.append('<row r="&#1633;&#1637;"><c r="A15"><v>1</v></c></row>')  # ١٥: 15
    path = write_xlsx(tmp_path / "digits.xlsx", sheet)
    assert list(Workbook(path).rows()) == [(1, ("接待日期",)), (15, (1,))]


def test_a_formula_saved_without_its_result_says_so_in_both_paths(tmp_path: Path) -> None:
    """A 餐费 of =100+200 written by a program that never computes it (openpyxl writes <v/>,
    others no <v> at all) read as an empty cell: "必填，不能为空" beside a cell that holds a
    formula. A formula whose result is empty text (t="str") is empty text."""
    rows = [
        '<row r="2"><c r="A2"><f>100+200</f><v /></c><c r="B2"><f t="shared" si="0"/></c>'
        '<c r="C2" t="str"><f>""</f><v></v></c><c r="D2"><f>1+1</f><v>2</v></c>'
        '<c r="E2" t="str"><f>"100"</f></c></row>',
    ]
    book = Workbook(sheet_with(rows, tmp_path))
    fast = dict(book.rows())
    assert fast == dict(expat_only(book))
    a, b, c, d, e = fast[2]
    said = "公式没有保存计算结果：请在 Excel 或 WPS 中打开工作簿并保存后再导入"
    assert a.message == said and b.message == said and e.message == said
    assert (c, d) == ("", 2)


def test_a_header_formula_saved_without_its_result_refuses_the_file(tmp_path: Path) -> None:
    """An optional header (公函文号) written as a formula without its result dropped the column
    silently: every row was then judged as having no letter."""
    from reports.template import read_import

    sheet = _Sheet()
    sheet.rows.append(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>接待日期</t></is></c><c r="B1"><f>"公函文号"</f></c></row>'
    )
    with pytest.raises(TemplateError, match=r"^表头（第 1 行）第 2 列无法读取：公式没有保存计算结果"):
        read_import(write_xlsx(tmp_path / "h.xlsx", sheet))
