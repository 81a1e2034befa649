"""Attack on the .xlsx fast path (reports.xlsx_scan, commits 1dd02d9 and e0cb926): found by a
differential fuzzer (tests/attack/reader_fuzz.py) comparing the new fast path, the fast path of
4412e99 and the expat reference (``Workbook.expat_rows``).

Regression: ``_whole_rows`` stops at the first ``<row>`` opening tag whose closing tag is not in
the bytes read so far ("the row goes on in the next chunk"). An opening tag inside a comment, a
processing instruction or a CDATA section between rows, with a prefix no real row closes
(``<!-- <x:row> -->`` before unprefixed rows), is never closed: every later row waits for it,
and at the end of the sheet they are dropped without a word. The old lazy pattern matched such
an opening to the next real ``</row>``, saw the comment and handed the sheet to expat. ``check``
then reports a file with a bad amount as clean (exit 0, no rows).

The last two tests are older defects of the same contract (the fast path gives what expat gives),
present at 4412e99 already. All are fixed: the content of a row ends at the first closing row tag
of any prefix, as the lazy pattern ended it, and an opening tag never closed lets the search go on
to the rows after it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reports.sheets import open_workbook
from reports.template import HEADERS
from reports.xlsx_reader import TemplateError, Workbook
from tests.hostile import GOOD, _Sheet, _text, write_xlsx
from ui.cli import run

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _rows(book: Any) -> list[tuple[int, tuple[Any, ...]]] | str:
    try:
        return list(book.rows())
    except TemplateError as exc:
        return str(exc)


def _sheet(tmp_path: Path, rows: list[str], prefix: str = "") -> Path:
    sheet = _Sheet()
    sheet.row(1, {1: ("inlineStr", "", "接待日期")})
    sheet.rows.extend(rows)
    return write_xlsx(tmp_path / "fuzz.xlsx", sheet, prefix=prefix)


DATA = [
    '<row r="2"><c r="A2"><v>1</v></c></row>',
    '<row r="3"><c r="A3" t="inlineStr"><is><t>三</t></is></c></row>',
]


@pytest.mark.parametrize(
    "gap",
    [
        "<!-- <x:row> -->",  # a comment that mentions a prefixed row tag
        "<?note <x:row>?>",  # a processing instruction
        "<![CDATA[<x:row>]]>",  # a CDATA section between rows
    ],
)
def test_a_row_tag_in_a_comment_between_rows_loses_no_row(tmp_path: Path, gap: str) -> None:
    path = _sheet(tmp_path, [gap, *DATA])
    expected = [(1, ("接待日期",)), (2, (1,)), (3, ("三",))]
    assert _rows(Workbook(path)) == expected  # the expat reference
    assert _rows(open_workbook(path)) == expected  # the fast path: [(1, ...)] only, rows 2 and 3 lost


def test_a_row_tag_never_closed_before_an_empty_row_gives_expat_s_verdict(tmp_path: Path) -> None:
    """Found by the fuzzer after the first fix: the search for rows must go on past an opening
    tag that is never closed, so that a later <row/> is seen and the comment before it hands
    the sheet to expat (which refuses row 0)."""
    path = _sheet(tmp_path, ['<!-- <row r="9"> -->', "<row r='0'/>"])
    assert _rows(open_workbook(path)) == _rows(Workbook(path)) == "工作表的第 0 行重复或顺序错乱；请在 Excel 中另存后再试"


def test_a_row_tag_in_a_comment_before_the_sheet_loses_no_row(tmp_path: Path) -> None:
    path = _sheet(tmp_path, DATA, prefix="<!-- <x:row> -->")
    expected = [(1, ("接待日期",)), (2, (1,)), (3, ("三",))]
    assert _rows(Workbook(path)) == expected
    assert _rows(open_workbook(path)) == expected  # the fast path: [] (no row at all)


def test_a_row_tag_in_a_comment_before_prefixed_rows_loses_no_row(tmp_path: Path) -> None:
    """The same with rows written as <x:row> (as some exporters do) and an unprefixed tag in a comment."""
    rows = [
        "<!-- <row> -->",
        '<x:row r="2" xmlns:x="' + MAIN + '"><x:c r="A2"><x:v>7</x:v></x:c></x:row>',
    ]
    path = _sheet(tmp_path, rows)
    expected = [(1, ("接待日期",)), (2, (7,))]
    assert _rows(Workbook(path)) == expected
    assert _rows(open_workbook(path)) == expected


def test_check_still_reports_a_bad_amount_after_such_a_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _Sheet()
    sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
    sheet.rows.append("<!-- <x:row> -->")
    cells = {**GOOD, "来访单位": _text("市教育局"), "餐费": ("", "", "abc")}
    sheet.row(2, {HEADERS.index(h) + 1: c for h, c in cells.items()})
    path = write_xlsx(tmp_path / "bad_amount.xlsx", sheet)
    code = run(["check", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    # at 4412e99: exit 1, row 2 with 餐费 “无法读取的数字“abc””; now: exit 0 and "rows": []
    assert [(r["row"], [e["column"] for e in r["errors"]]) for r in report["rows"]] == [(2, ["餐费"])]
    assert report["summary"]["with_errors"] == 1
    assert code == 1


# ---------------------------------------------------------------- older defects (present at 4412e99)


def test_a_row_with_a_non_ascii_prefix_is_not_dropped(tmp_path: Path) -> None:
    """``_NAME`` takes ASCII prefixes only: a row written <é:row> (well-formed, same namespace) is
    skipped silently by the fast path while the rows around it are read."""
    rows = [
        f'<é:row xmlns:é="{MAIN}" r="2"><é:c r="A2" t="inlineStr"><é:is><é:t>甲</é:t></é:is></é:c></é:row>',
        '<row r="3"><c r="A3" t="inlineStr"><is><t>乙</t></is></c></row>',
    ]
    path = _sheet(tmp_path, rows)
    expected = [(1, ("接待日期",)), (2, ("甲",)), (3, ("乙",))]
    assert _rows(Workbook(path)) == expected
    assert _rows(open_workbook(path)) == expected  # the fast path: row 2 missing


def test_a_row_number_written_as_a_character_reference(tmp_path: Path) -> None:
    """r="&#52;" is row 4 to expat; the fast path reads the raw bytes, cannot parse them and
    numbers the row 3, so errors name the wrong row."""
    path = _sheet(
        tmp_path,
        ['<row r="&#50;"><c r="A2"><v>1</v></c></row>', '<row r="&#52;"><c r="A4"><v>2</v></c></row>'],
    )
    expected = [(1, ("接待日期",)), (2, (1,)), (4, (2,))]
    assert _rows(Workbook(path)) == expected
    assert _rows(open_workbook(path)) == expected
