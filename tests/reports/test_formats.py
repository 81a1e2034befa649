"""Every format (SPEC §4): the same rows as .xlsx, .xls, .xlsb and .ods give the same verdicts,
row numbers and columns; the kind is told by the content, not the name."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reports.sheets import kind_of
from reports.template import TemplateError, read_import
from tests.cli import run_cli
from tests.formats import Rows, write_ods, write_xls, write_xlsb, write_xlsx

HEADERS = [
    "接待日期",
    "来访单位",
    "公务活动",
    "接待对象人数",
    "陪餐人数",
    "场所类型",
    "餐费",
    "住宿费",
    "涉密",
    "备注",
]


def good(**changes: object) -> dict[str, object]:
    return {
        "接待日期": date(2025, 3, 5),
        "来访单位": "市教育局",
        "公务活动": "督导检查",
        "接待对象人数": 6,
        "陪餐人数": 2,
        "场所类型": "机关食堂",
        "餐费": 300,
        "住宿费": 120.5,
        "涉密": "否",
        "备注": None,
    } | changes


# row number → row: dates as date cells and as text, numbers, text, a boolean, gaps between rows
ROWS: Rows = {
    2: good(),
    3: good(接待日期="2025-03-06", 来访单位="省财政局", 餐费=200.25),
    4: good(接待日期="2025-13-40"),  # no such date
    6: good(餐费=-5),  # after an empty row
    7: good(接待对象人数=0),
    8: good(场所类型="豪华会所"),
    9: good(餐费="三百", 住宿费=None),
    # a breach: companions over the cap (another unit: the same as row 2 would be a repeated row)
    10: good(涉密=True, 来访单位="市教研院", 公务活动="调研座谈", 陪餐人数=7),
    25: good(来访单位="县审计局", 备注='=HYPERLINK("x")'),
}
EXPECTED_ERRORS = {
    2: [],
    3: [],
    4: ["接待日期"],
    6: ["餐费"],
    7: ["接待对象人数"],
    8: ["场所类型"],
    9: ["餐费"],
}


def verdicts(path: Path) -> list[tuple[int, list[str], str | None, list[str]]]:
    return [
        (
            r.row,
            sorted(e.column for e in r.errors),
            r.reception.reception_date.isoformat() if r.reception else None,
            [str(r.reception.total), r.reception.visiting_unit, str(r.reception.classified)]
            if r.reception
            else [],
        )
        for r in read_import(path)
    ]


def written(tmp_path: Path) -> dict[str, Path]:
    return {
        "xlsx": write_xlsx(tmp_path / "a.xlsx", HEADERS, ROWS),
        "xls": write_xls(tmp_path / "a.xls", HEADERS, ROWS),
        "ods": write_ods(tmp_path / "a.ods", HEADERS, ROWS),
        "xlsb": write_xlsb(tmp_path / "a.xlsb", HEADERS, ROWS),
    }


def test_the_same_rows_give_the_same_verdicts_in_every_format(tmp_path: Path) -> None:
    files = written(tmp_path)
    found = {kind: verdicts(path) for kind, path in files.items()}
    xlsx = found["xlsx"]
    assert [row for row, *_ in xlsx] == sorted(ROWS)
    assert {row: columns for row, columns, *_ in xlsx if columns or row in EXPECTED_ERRORS} == EXPECTED_ERRORS
    assert xlsx[0][2:] == ("2025-03-05", ["420.50", "市教育局", "False"])
    assert xlsx[1][2:] == ("2025-03-06", ["320.75", "省财政局", "False"])
    for kind, rows in found.items():
        assert rows == xlsx, kind


def test_a_strict_open_xml_workbook_reads_as_the_transitional_one(tmp_path: Path) -> None:
    """Excel's "Strict Open XML" save names its parts' namespaces otherwise: it was refused as a
    workbook without a worksheet."""
    plain = write_xlsx(tmp_path / "a.xlsx", HEADERS, ROWS)
    strict = tmp_path / "strict.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info).replace(
                b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                b"http://purl.oclc.org/ooxml/spreadsheetml/main",
            ).replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships",
            )
            target.writestr(info, data)
    assert b"purl.oclc.org" in zipfile.ZipFile(strict).read("xl/workbook.xml")
    assert verdicts(strict) == verdicts(plain)


def test_check_json_is_the_same_for_every_format(tmp_path: Path) -> None:
    outputs: dict[str, Any] = {}
    for kind, path in written(tmp_path).items():
        result = run_cli("check", str(path), "--json")
        assert result.returncode == 1, result.stderr
        outputs[kind] = json.loads(result.stdout)
    assert outputs["xlsx"]["summary"] == {"rows": 9, "compliant": 0, "with_violations": 4, "with_errors": 5}
    for kind in ("xls", "ods", "xlsb"):
        assert outputs[kind] == outputs["xlsx"], kind


def test_import_stores_the_same_receptions_from_every_format(tmp_path: Path) -> None:
    """The command line's import reads every format in a second process (an .xls read by
    python-calamine once had a child of its own, which that process could not start: "daemonic
    processes are not allowed to have children"): every format must import."""
    imported: dict[str, Any] = {}
    for kind, path in written(tmp_path).items():
        url = f"sqlite:///{tmp_path / f'{kind}.sqlite3'}"
        added = run_cli("--db", url, "user", "add", "li", "--role", "admin,clerk", "--new-password", "secret123")
        assert added.returncode == 0, added.stderr
        result = run_cli(
            "--db", url, "import", str(path), "--json", env={"LEDGER_USER": "li", "LEDGER_PASSWORD": "secret123"}
        )
        assert result.returncode == 1, (kind, result.stderr)  # rows refused and breaches: imported still
        imported[kind] = json.loads(result.stdout)
    assert imported["xlsx"]["summary"]["imported"] == 4
    assert [r["ref"] for r in imported["xlsx"]["rows"] if r.get("ref")] == [
        "JD-2025-0001", "JD-2025-0002", "JD-2025-0003", "JD-2025-0004"
    ]
    for kind in ("xls", "ods", "xlsb"):
        assert imported[kind] == imported["xlsx"], kind


def test_the_kind_is_told_by_content_not_name(tmp_path: Path) -> None:
    files = written(tmp_path)
    swapped = {
        "xlsx": tmp_path / "really-xlsx.ods",
        "xls": tmp_path / "really-xls.xlsx",
        "ods": tmp_path / "really-ods.xls",
        "xlsb": tmp_path / "really-xlsb.ods",
    }
    for kind, target in swapped.items():
        shutil.copy(files[kind], target)
        assert kind_of(target) == kind
        assert verdicts(target) == verdicts(files["xlsx"])


def test_a_file_of_no_known_kind_is_one_line(tmp_path: Path) -> None:
    cases = {
        "text.xlsx": b"hello",
        "pdf.xls": b"%PDF-1.4 not a sheet",
        "zip.ods": None,
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is None:
            with zipfile.ZipFile(path, "w") as z:
                z.writestr("a.txt", "x")
        else:
            path.write_bytes(content)
        result = run_cli("check", str(path))
        assert result.returncode == 2 and "不是 Excel 工作簿" in result.stderr, name
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_damaged_or_encrypted_old_workbook_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "ole.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(TemplateError, match="加密的或已损坏的旧版"):
        read_import(path)
    ods = write_ods(tmp_path / "cut.ods", HEADERS, ROWS)
    data = ods.read_bytes()
    (tmp_path / "cut2.ods").write_bytes(data[: len(data) // 2])
    result = run_cli("check", str(tmp_path / "cut2.ods"))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_a_sheet_declaring_millions_of_cells_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """A row at 1,000,000 with a cell in the 200th column: the rows it holds, or one line (a
    reader holding a sheet whole, as python-calamine did, went past its memory limit)."""
    rows: Rows = {2: good(), 1_000_000: good()}
    headers = [*HEADERS, *(f"列{i}" for i in range(200))]
    rows[1_000_000] |= {"列199": "far right"}
    ods = write_ods(tmp_path / "far.ods", headers, rows)
    result = run_cli("check", str(ods), "--json")
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert "过大或已损坏" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    else:
        assert [r["row"] for r in json.loads(result.stdout)["rows"]] == [2, 1_000_000]


def test_a_workbook_cut_short_while_it_is_read_says_so(tmp_path: Path) -> None:
    """A file cut short under the reader (a copy or a download still going) said
    "已损坏，无法读取（）": the error it met (EOFError) has no words of its own."""
    from reports.sheets import open_workbook

    rows: Rows = {n: good(来访单位=f"单位{n}") for n in range(2, 3000)}
    path = write_xlsx(tmp_path / "a.xlsx", HEADERS, rows)
    book = open_workbook(path)  # (the zip's directory read, the sheet not yet)
    sheet = zipfile.ZipFile(path).getinfo(book.sheet)
    with open(path, "r+b") as f:
        f.truncate(sheet.header_offset + sheet.compress_size // 2)
    with pytest.raises(TemplateError) as refused:
        for _ in book.rows():
            pass
    book.close()
    assert str(refused.value) == f"工作簿 {path} 已损坏，无法读取（文件不完整，可能未复制或下载完）"
