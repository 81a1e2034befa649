"""reports.xlsb_errors and reports.ods_errors: the error cells of an .xlsb or .ods sheet, found in
its own records, whatever the chunks its member is decompressed in; a file they cannot follow
gives none, never an exception; a bomb and a sheet of error cells are refused in one line."""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reports import ods_errors, xlsb_errors
from reports.xls_errors import TooManyErrorCells
from reports.xlsx_reader import BoundExceeded
from tests.formats import _record, _wide, write_ods, write_xlsb

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


def row_header(row: int) -> bytes:
    return _record(0x00, struct.pack("<IIHHI", row, 0, 300, 0, 0))


def cell_error(column: int, code: int) -> bytes:
    return _record(0x03, struct.pack("<II", column, 0) + bytes([code]))


def formula_error(column: int, code: int) -> bytes:
    formula = struct.pack("<I", 3) + b"\x1e\x01\x00" + struct.pack("<I", 0)  # =1
    return _record(0x0B, struct.pack("<II", column, 0) + bytes([code]) + b"\x00\x00" + formula)


def long_text(column: int, length: int) -> bytes:
    return _record(0x06, struct.pack("<II", column, 0) + _wide("说" * length))  # sizes of 2 and 3 bytes


def test_error_cells_are_found_wherever_the_chunks_cut_the_records() -> None:
    rng = random.Random(7)
    body = bytearray(_record(0x81) + _record(0x91))  # BrtBeginSheet, BrtBeginSheetData
    expected = {}
    for row in range(300):
        body += row_header(row)
        for column in range(6):
            choice = rng.random()
            if choice < 0.1:
                body += cell_error(column, 0x07)
                expected[(row, column)] = "#DIV/0!"
            elif choice < 0.2:
                body += formula_error(column, 0x2A)
                expected[(row, column)] = "#N/A"
            elif choice < 0.3:
                body += long_text(column, rng.choice([3, 60, 70, 9000]))
            else:
                body += _record(0x05, struct.pack("<II", column, 0) + struct.pack("<d", 1.5))
    # after the sheet's data an error record is no cell (nor is one before it)
    body += _record(0x92) + cell_error(1, 0x07) + _record(0x82)
    body = cell_error(2, 0x07) + bytes(body)
    assert expected
    for seed in range(5):
        assert xlsb_errors._sheet_errors(pieces(body, seed), Path("x.xlsb")) == expected
    assert xlsb_errors._sheet_errors(iter([body]), Path("x.xlsb")) == expected


def xlsb_with_error(path: Path, sheet: str = "台账") -> Path:
    write_xlsb(path, HEADERS, {2: ROW | {"住宿费": "@@E@@"}}, sheet)
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    text = _record(0x06, struct.pack("<II", 3, 0) + _wide("@@E@@"))
    members["xl/worksheets/sheet1.bin"] = members["xl/worksheets/sheet1.bin"].replace(text, cell_error(3, 0x07))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_the_named_sheet_is_found_through_the_workbooks_relationships(tmp_path: Path) -> None:
    path = xlsb_with_error(tmp_path / "a.xlsb", sheet="2025年台账")
    assert xlsb_errors.error_cells(path, "2025年台账") == {(1, 3): "#DIV/0!"}
    assert xlsb_errors.error_cells(path, "台账") == {}


def test_damaged_xlsb_files_give_no_error_cells_and_no_exception(tmp_path: Path) -> None:
    path = xlsb_with_error(tmp_path / "a.xlsb")
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    rng = random.Random(3)
    for trial in range(150):
        damaged = dict(members)
        name = rng.choice(["xl/workbook.bin", "xl/_rels/workbook.bin.rels", "xl/worksheets/sheet1.bin"])
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
        found = xlsb_errors.error_cells(target, "台账")
        assert isinstance(found, dict) and len(found) <= 10


def test_an_xlsb_bomb_is_refused_not_walked(tmp_path: Path) -> None:
    path = xlsb_with_error(tmp_path / "a.xlsb")
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    # 80 MB of records that compress to almost nothing (past the 64 MB read at any ratio)
    members["xl/worksheets/sheet1.bin"] = _record(0x81) + _record(0x91) + (b"\x01\x7e" + bytes(126)) * (80 << 13)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    with pytest.raises(BoundExceeded):
        xlsb_errors.error_cells(path, "台账")


def test_a_sheet_too_large_for_calamine_to_hold_is_not_walked_to_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two-byte records (the slowest to walk), more of them than calamine could hold: refused
    after 128 MB (7.6 s here), not walked for minutes; 4 MB in the test."""
    monkeypatch.setattr(xlsb_errors, "MAX_WALKED_BYTES", 4 << 20)
    chunk = b"\x01\x00" * (1 << 15)
    endless = (chunk for _ in range(1 << 20))  # 64 GB
    with pytest.raises(BoundExceeded):
        xlsb_errors._sheet_errors(endless, Path("x.xlsb"))


def test_a_sheet_of_error_cells_is_refused_rather_than_held() -> None:
    cells = b"".join(cell_error(c, 0x07) for c in range(10))
    body = _record(0x91) + b"".join(row_header(row) + cells for row in range(12_000))
    with pytest.raises(TooManyErrorCells):
        xlsb_errors._sheet_errors(iter([body]), Path("x.xlsb"))


# ------------------------------------------------------------------ .ods
_CALC_EXT = 'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '


def ods_content(rows: str, name: str = "台账", before: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" ' + _CALC_EXT + 'office:version="1.3">'
        f'<office:body><office:spreadsheet>{before}<table:table table:name="{name}">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    ).encode()


def error(text: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell{repeated} table:formula="of:=1/0" office:value-type="string" '
        f'office:string-value="" calcext:value-type="error"><text:p>{text}</text:p></table:table-cell>'
    )


PLAIN = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'


def test_ods_rows_and_cells_are_counted_with_their_repeats() -> None:
    rows = (
        f"<table:table-row>{PLAIN}{PLAIN}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="3">{PLAIN}{error("#N/A")}</table:table-row>'
        '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="2"/>'
        f'<table:covered-table-cell/>{error("#DIV/0!", 2)}</table:table-row>'
    )
    # an earlier sheet of another name, and a sheet of the same name after, are not read
    other = f'<table:table table:name="其他"><table:table-row>{error("#REF!")}</table:table-row></table:table>'
    later = f'<table:table table:name="台账"><table:table-row>{error("#REF!")}</table:table-row></table:table>'
    content = ods_content(rows, before=other).replace(b"</office:spreadsheet>", later.encode() + b"</office:spreadsheet>")
    expected = {(1, 1): "#N/A", (2, 1): "#N/A", (3, 1): "#N/A", (1048004, 3): "#DIV/0!", (1048004, 4): "#DIV/0!"}
    for seed in range(3):
        assert ods_errors._sheet_errors(pieces(content, seed), "台账", Path("x.ods")) == expected


def test_an_ods_without_the_mark_is_not_walked(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "a.ods", HEADERS, {2: ROW})
    assert ods_errors.error_cells(path, "台账") == {}
    assert not ods_errors._marked(pieces(ods_content(PLAIN), 1))
    assert ods_errors._marked(pieces(ods_content(error("#N/A")), 1))


def test_damaged_ods_files_give_no_error_cells_and_no_exception(tmp_path: Path) -> None:
    content = ods_content(f"<table:table-row>{PLAIN}{error('#N/A')}</table:table-row>")
    rng = random.Random(5)
    for trial in range(100):
        data = bytearray(content)
        if trial % 2:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(4):
                data[rng.randrange(len(data))] = rng.randrange(256)
        target = tmp_path / f"d{trial}.ods"
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", bytes(data))
        assert isinstance(ods_errors.error_cells(target, "台账"), dict)


def test_an_ods_too_large_for_calamine_to_hold_is_not_walked_to_its_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ods_errors, "MAX_ELEMENTS", 10_000)
    content = ods_content(f"<table:table-row>{error('#N/A')}</table:table-row>" + "<table:table-row/>" * 20_000)
    with pytest.raises(BoundExceeded):
        ods_errors._sheet_errors(pieces(content, 2), "台账", Path("x.ods"))


def test_an_ods_with_a_dtd_gives_no_error_cells(tmp_path: Path) -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "#N/A">]>' + ods_content(error("&e;"))[21:]
    target = tmp_path / "dtd.ods"
    with zipfile.ZipFile(target, "w") as z:
        z.writestr("content.xml", content)
    assert ods_errors.error_cells(target, "台账") == {}
