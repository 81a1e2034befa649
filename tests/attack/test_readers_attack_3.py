"""Third attack on the .xlsb and .ods readers, through `import` as a bureau would use it.

Held (no test needed): the demo's 2025 ledger exported, converted by LibreOffice to .ods and .xls
and written as .xlsb (tests/formats.py) imports into fresh ledgers with the same 150 receptions,
verdicts, `verify` and re-export in every format; an .ods or .xlsb of 10,000 rows broken at row
5,000 (damaged XML, a cut member, a cut or short record, rows out of order, a bomb member),
`kill -9` of the import or of its reader while it reads or stores, Ctrl-C while it reads or
stores and two desks importing the same rows or the same numbers at once all store nothing (or
exactly one copy, renumbered), say one line and leave `verify` clean; 1904 dates, cached formula
text, percentage and currency cells, hidden 台账 sheets and 5,000 sheets read as the .xlsx reader
reads them.

Found and fixed: the .ods reader took as a cell's text paragraphs that LibreOffice (and the same
row as .xlsx) does not show as its text: a drawing anchored to the cell (a text box, a stamp shape) and
the ruby (phonetic guide) over its text — the counterpart of the .xlsx phonetic runs (rPh) the
.xlsx reader already passes over.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, Team
from tests.formats import rows_of, write_ods, write_xlsx

HEADERS = ["接待日期", "来访单位", "公务活动", "公函文号", "接待对象人数", "陪餐人数", "餐费"]
_DRAW_NS = (
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
)


def _row(day: int, unit: str, meal: object = 300) -> dict[str, object]:
    return {
        "接待日期": date(2025, 3, day),
        "来访单位": unit,
        "公务活动": "督导检查",
        "公函文号": f"市教函〔2025〕{day}号",
        "接待对象人数": 5,
        "陪餐人数": 2,
        "餐费": meal,
    }


def _ods_with_cells(path: Path, rows: dict[int, dict[str, object]], cells: dict[str, str]) -> Path:
    """An .ods of ``rows`` (tests/formats.py) in which each text cell whose text is a key of
    ``cells`` is replaced by the raw XML given (the drawing namespaces declared)."""
    write_ods(path, HEADERS, rows)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    content = members["content.xml"].decode()
    content = content.replace("<office:document-content ", "<office:document-content " + _DRAW_NS, 1)
    for text, xml in cells.items():
        old = f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
        assert old in content
        content = content.replace(old, xml)
    members["content.xml"] = content.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return path


# A text box and a custom shape (a red 已审核 stamp) anchored to the cell: LibreOffice writes a
# drawing anchored "to cell" inside that cell's element, and shows the cell as its own paragraph
# only (converted by `soffice --convert-to xlsx`, the cells hold 市教育局 and 县教育局).
_TEXT_BOX = (
    '<table:table-cell office:value-type="string"><text:p>市教育局</text:p>'
    '<draw:frame svg:width="2cm" svg:height="1cm"><draw:text-box><text:p>已审核盖章</text:p></draw:text-box>'
    "</draw:frame></table:table-cell>"
)
_STAMP = (
    '<table:table-cell office:value-type="string"><draw:custom-shape svg:width="2cm" svg:height="2cm">'
    "<text:p>已审核</text:p></draw:custom-shape><text:p>县教育局</text:p></table:table-cell>"
)
_STAMPED_AMOUNT = (
    '<table:table-cell office:value-type="string"><text:p>300</text:p>'
    '<draw:custom-shape svg:width="2cm" svg:height="2cm"><text:p>已报销</text:p></draw:custom-shape>'
    "</table:table-cell>"
)


def test_ods_drawing_anchored_to_a_cell_is_no_part_of_the_imported_unit(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    rows = {2: _row(3, "@A@"), 3: _row(4, "@B@")}
    path = _ods_with_cells(tmp_path / "stamped.ods", rows, {"@A@": _TEXT_BOX, "@B@": _STAMP})
    result = run_cli("--db", service.db.url, "--user", "li", "--password", PASSWORD, "import", str(path))
    assert "已导入 2 行" in result.stdout, (result.stdout[-300:], result.stderr[-300:])
    # what the same rows typed into an .xlsx store
    assert sorted(r.visiting_unit for r in service.receptions()) == ["县教育局", "市教育局"]


def test_ods_amount_cell_with_a_stamp_has_the_verdict_of_the_same_row_as_xlsx(tmp_path: Path) -> None:
    ods = _ods_with_cells(tmp_path / "a.ods", {2: _row(3, "市教育局", "@M@")}, {"@M@": _STAMPED_AMOUNT})
    xlsx = write_xlsx(tmp_path / "a.xlsx", HEADERS, {2: _row(3, "市教育局", "300")})
    verdicts = []
    for path in (xlsx, ods):
        result = run_cli("check", str(path), "--json")
        assert result.returncode in (0, 1), result.stderr[-300:]
        verdicts.append(json.loads(result.stdout)["rows"])
    assert verdicts[1] == verdicts[0]


def test_ods_ruby_text_is_no_part_of_the_cell(tmp_path: Path) -> None:
    ruby = (
        '<table:table-cell office:value-type="string"><text:p><text:ruby><text:ruby-base>市教育局'
        "</text:ruby-base><text:ruby-text>shi</text:ruby-text></text:ruby></text:p></table:table-cell>"
    )
    ods = _ods_with_cells(tmp_path / "ruby.ods", {2: _row(3, "@R@")}, {"@R@": ruby})
    xlsx = write_xlsx(tmp_path / "plain.xlsx", HEADERS, {2: _row(3, "市教育局")})
    assert [values[1] for _, values in rows_of(ods)] == [values[1] for _, values in rows_of(xlsx)]


def test_a_drawing_inside_a_shown_paragraph_leaves_the_paragraph_whole(tmp_path: Path) -> None:
    """A frame anchored inside a paragraph: its own paragraph's end was counted as the shown
    one's, and the rest of the shown paragraph was lost."""
    from tests.reports.test_xlsb_ods_readers import ods, ods_content, rows_of

    frame = (
        '<draw:frame xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0">'
        "<draw:text-box><text:p>已审核</text:p></draw:text-box></draw:frame>"
    )
    cell = f'<table:table-cell office:value-type="string"><text:p>市教育局{frame}第二组</text:p></table:table-cell>'
    assert rows_of(ods(tmp_path, ods_content(f"<table:table-row>{cell}</table:table-row>"))) == [(1, ("市教育局第二组",))]
