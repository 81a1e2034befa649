"""The same rows written as .xlsx, .xls and .ods (and .xlsb from its committed fixture).

A row is a dict header → value; a value is a str, int, float, bool, date (a date cell) or
None. Row numbers are given, so gaps (empty rows) are kept. .xls is written with xlwt,
.ods as its XML zip by hand (LibreOffice is not needed), .xlsx with openpyxl.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

Rows = dict[int, dict[str, object]]


def write_xlsx(path: Path, headers: list[str], rows: Rows, sheet: str = "台账") -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    for i, h in enumerate(headers, 1):
        ws.cell(1, i, h)
    for number, values in rows.items():
        for h, v in values.items():
            cell = ws.cell(number, headers.index(h) + 1, v)
            if isinstance(v, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # text, as the other formats write it (openpyxl made it a formula)
    book.save(path)
    return path


def write_xls(path: Path, headers: list[str], rows: Rows, sheet: str = "台账") -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for i, h in enumerate(headers):
        ws.write(0, i, h)
    for number, values in rows.items():
        for h, v in values.items():
            if isinstance(v, date):
                ws.write(number - 1, headers.index(h), v, day)
            elif v is not None:
                ws.write(number - 1, headers.index(h), v)
    book.save(str(path))
    return path


_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="boolean" office:boolean-value="{str(value).lower()}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def write_ods(path: Path, headers: list[str], rows: Rows, sheet: str = "台账") -> Path:
    """An OpenDocument spreadsheet as LibreOffice writes one: mimetype first and stored."""
    lines = ["<table:table-row>" + "".join(_ods_cell(h) for h in headers) + "</table:table-row>"]
    last = 1
    for number in sorted(rows):
        if number > last + 1:
            lines.append(
                f'<table:table-row table:number-rows-repeated="{number - last - 1}"><table:table-cell/></table:table-row>'
            )
        values = rows[number]
        lines.append(
            "<table:table-row>" + "".join(_ods_cell(values.get(h)) for h in headers) + "</table:table-row>"
        )
        last = number
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        f"<office:body><office:spreadsheet><table:table table:name={quoteattr(sheet)}>"
        + "".join(lines)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


# ---------------------------------------------------------------- .xlsb (BIFF12 records in a zip)
def _record(kind: int, data: bytes = b"") -> bytes:
    """One BIFF12 record: its type and size as 7-bit little-endian varints, then its data."""
    out = bytearray()
    for value, most in ((kind, 2), (len(data), 4)):
        for _ in range(most):
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + data


def _wide(text: str) -> bytes:
    import struct

    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded) // 2) + encoded


def _xlsb_cell(column: int, value: object) -> bytes:
    import struct

    head = struct.pack("<I", column)
    if isinstance(value, bool):
        return _record(0x04, head + struct.pack("<I", 0) + bytes([int(value)]))  # BrtCellBool
    if isinstance(value, int | float):
        return _record(0x05, head + struct.pack("<I", 0) + struct.pack("<d", float(value)))  # BrtCellReal
    if isinstance(value, date):
        serial = (value - date(1899, 12, 30)).days
        return _record(
            0x05, head + struct.pack("<I", 1) + struct.pack("<d", float(serial))
        )  # style 1: a date
    return _record(0x06, head + struct.pack("<I", 0) + _wide(str(value)))  # BrtCellSt


def write_xlsb(path: Path, headers: list[str], rows: Rows, sheet: str = "台账") -> Path:
    """An Excel binary workbook (MS-XLSB) with the records a reader needs: the sheet list,
    two cell styles (general, and date by the built-in format 14) and the cells."""
    import struct

    table = {1: dict(zip(headers, headers, strict=True)), **rows}
    last_row, last_column = max(table) - 1, len(headers) - 1
    body = bytearray(_record(0x81))  # BrtBeginSheet
    body += _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_column))  # BrtWsDim
    body += _record(0x91)  # BrtBeginSheetData
    for number in sorted(table):
        body += _record(0x00, struct.pack("<IIHHI", number - 1, 0, 300, 0, 0))  # BrtRowHdr
        for h, v in table[number].items():
            if v is not None:
                body += _xlsb_cell(headers.index(h), v)
    body += _record(0x92) + _record(0x82)  # BrtEndSheetData, BrtEndSheet
    book = (
        _record(0x83)  # BrtBeginBook
        + _record(0x8F)  # BrtBeginBundleShs
        + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))  # BrtBundleSh
        + _record(0x90)  # BrtEndBundleShs
        + _record(0x84)  # BrtEndBook
    )
    styles = (
        _record(0x0116)  # BrtBeginStyleSheet
        + _record(0x0267, struct.pack("<I", 0))  # BrtBeginFmts (none of our own)
        + _record(0x0268)
        + _record(0x0269, struct.pack("<I", 2))  # BrtBeginCellXFs
        + _record(0x2F, struct.pack("<HH", 0xFFFF, 0) + bytes(12))  # BrtXF: general
        + _record(0x2F, struct.pack("<HH", 0xFFFF, 14) + bytes(12))  # BrtXF: built-in date format
        + _record(0x026A)
        + _record(0x0117)
    )
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        )
        z.writestr(
            "xl/_rels/workbook.bin.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.bin"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.bin"/></Relationships>',
        )
        z.writestr("xl/workbook.bin", book)
        z.writestr("xl/styles.bin", styles)
        z.writestr("xl/worksheets/sheet1.bin", bytes(body))
    return path


# ---------------------------------------------------------------- changing a written workbook
def read_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def rezip(source: Path, target: Path, replace: dict[str, bytes]) -> Path:
    """``source`` with some members replaced or added, written to ``target`` (which may be
    ``source``); an .ods's mimetype stays first and stored."""
    with zipfile.ZipFile(source) as z:
        members = {name: z.read(name) for name in z.namelist()}
    members.update(replace)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    return target


# ---------------------------------------------------------------- .xls records by hand ([MS-XLS], [MS-CFB])
BIFF8, BIFF5 = 0x0600, 0x0500


def biff(kind: int, data: bytes = b"") -> bytes:
    """One BIFF record: its type and length (two bytes each), then its data."""
    import struct

    return struct.pack("<HH", kind, len(data)) + data


def xls_text(text: str, *, count: int = 2, version: int = BIFF8, codec: str = "gbk", wide: bool | None = None) -> bytes:
    """A string as a record holds it: its count (``count`` bytes), then in BIFF8 a flag byte and
    the characters (one byte each where all fit, else UTF-16), in BIFF5 the code page's bytes."""
    if version == BIFF5:
        raw = text.encode(codec)
        return len(raw).to_bytes(count, "little") + raw
    wide = any(ord(c) > 255 for c in text) if wide is None else wide
    raw = text.encode("utf-16-le") if wide else text.encode("latin-1")
    return len(text).to_bytes(count, "little") + bytes([int(wide)]) + raw


def bof(kind: int = 0x0005, version: int = BIFF8) -> bytes:
    """A BOF record: 0x0005 the workbook globals, 0x0010 a worksheet, 0x0020 a chart."""
    import struct

    return biff(0x0809, struct.pack("<HHHH", version, kind, 0x0DBB, 0x07CC) + (bytes(8) if version == BIFF8 else b""))


def boundsheet(offset: int, name: str, sheet_type: int = 0, version: int = BIFF8) -> bytes:
    import struct

    return biff(0x0085, struct.pack("<IBB", offset, 0, sheet_type) + xls_text(name, count=1, version=version))


def xls_stream(sheets: list[tuple[str, int, bytes]], globals_records: bytes = b"", *, version: int = BIFF8) -> bytes:
    """A Workbook stream: the globals (BOF, ``globals_records``, one BOUNDSHEET a sheet, EOF),
    then each sheet's substream (BOF, its records, EOF); a sheet is (name, type, records)."""
    head = bof(version=version) + globals_records
    size = len(head) + len(biff(0x000A)) + sum(len(boundsheet(0, name, kind, version)) for name, kind, _ in sheets)
    entries, bodies = b"", b""
    for name, kind, records in sheets:
        entries += boundsheet(size + len(bodies), name, kind, version)
        bodies += bof(0x0010 if kind == 0 else 0x0020, version) + records + biff(0x000A)
    return head + entries + biff(0x000A) + bodies


def compound_file(entries: list[tuple[str, int, bytes, int, int]], *, mini: bool = False) -> bytes:
    """A version 3 compound file: the root (its child the entry 1), then the directory entries
    (name, type: 1 storage or 2 stream, the stream, child, right sibling). A stream is in sectors
    of its own, padded to 4096 bytes; with ``mini``, one shorter than 4096 bytes is in the mini
    stream instead (the root's), in sectors of 64 bytes with their own table."""
    import struct

    end, none = 0xFFFFFFFE, 0xFFFFFFFF
    body, fat = bytearray(), []

    def place(data: bytes) -> int:
        start = len(fat)
        fat.extend([*range(start + 1, start + len(data) // 512), end])
        body.extend(data)
        return start

    small, mini_fat, placed = bytearray(), [], []
    for _, _, data, _, _ in entries:
        if data and mini and len(data) < 4096:
            start = len(mini_fat)
            count = -(-len(data) // 64)
            mini_fat.extend([*range(start + 1, start + count), end])
            small.extend(data.ljust(count * 64, b"\x00"))
            placed.append((start, len(data)))
        elif data:
            padded = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\x00")
            placed.append((place(padded), len(padded)))
        else:
            placed.append((end, 0))
    root = (place(bytes(small.ljust(-(-len(small) // 512) * 512, b"\x00"))), len(small)) if small else (end, 0)
    mini_fat_start = place(struct.pack(f"<{len(mini_fat)}I", *mini_fat).ljust(512, b"\xff")) if mini_fat else end
    directory = []
    for (name, kind, _, child, right), (start, size) in zip([("Root Entry", 5, b"", 1, none), *entries], [root, *placed], strict=True):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory.append(
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
            + b"\x00" * 36
            + struct.pack("<III", start, size, 0)
        )
    directory_start = place(b"".join(directory).ljust(-(-len(directory) // 4) * 512, b"\x00"))
    fat_count = -(-len(fat) // 127)  # (each table sector lists itself too)
    assert fat_count <= 109
    first_fat = len(fat)
    fat.extend([0xFFFFFFFD] * fat_count)
    table = struct.pack(f"<{len(fat)}I", *fat).ljust(fat_count * 512, b"\xff")
    body.extend(table)
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<9I", 0, fat_count, directory_start, 0, 4096, mini_fat_start, 1 if mini_fat else 0, end, 0)
    header += struct.pack("<109I", *range(first_fat, first_fat + fat_count), *[none] * (109 - fat_count))
    return header + bytes(body)


def write_biff(path: Path, stream: bytes, *, name: str = "Workbook", mini: bool = False) -> Path:
    """A compound file holding ``stream`` as its one stream."""
    path.write_bytes(compound_file([(name, 2, stream, 0xFFFFFFFF, 0xFFFFFFFF)], mini=mini))
    return path


def xls_cell(kind: int, row: int, column: int, data: bytes, style: int = 15) -> bytes:
    import struct

    return biff(kind, struct.pack("<HHH", row, column, style) + data)


def write_xls95(path: Path, headers: list[str], rows: Rows, sheet: str = "台账", *, codec: str = "gbk") -> Path:
    """An Excel 5.0/95 workbook (BIFF5, in a compound file's "Book" stream) as Excel 95 writes
    one: the code page (936: GBK), a font, a date format of its own, 15 style XFs, the cell XF
    15 and the date XF 16; text as LABEL records in the code page, numbers as NUMBER records,
    booleans as BOOLERR records."""
    import struct

    codepage = {"gbk": 936, "cp1252": 1252}[codec]
    styles = b"".join(biff(0x00E0, struct.pack("<HHH", 0, 0, 0xFFF5) + bytes(10)) for _ in range(15))
    styles += biff(0x00E0, struct.pack("<HHH", 0, 0, 0x0001) + bytes(10))
    styles += biff(0x00E0, struct.pack("<HHH", 0, 164, 0x0001) + bytes(10))
    font = biff(0x0031, struct.pack("<HHHHHBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0x86, 0) + xls_text("宋体", count=1, version=BIFF5))
    globals_records = (
        biff(0x0042, struct.pack("<H", codepage))
        + biff(0x0022, struct.pack("<H", 0))
        + font * 5
        + biff(0x041E, struct.pack("<H", 164) + xls_text("YYYY-MM-DD", count=1, version=BIFF5))
        + styles
    )
    cells = bytearray()
    for number, values in sorted({1: dict(zip(headers, headers, strict=True)), **rows}.items()):
        for h, v in values.items():
            column = headers.index(h)
            if isinstance(v, bool):
                cells += xls_cell(0x0205, number - 1, column, bytes([int(v), 0]))
            elif isinstance(v, int | float):
                cells += xls_cell(0x0203, number - 1, column, struct.pack("<d", v))
            elif isinstance(v, date):
                serial = (v - date(1899, 12, 30)).days
                cells += xls_cell(0x0203, number - 1, column, struct.pack("<d", serial), style=16)
            elif v is not None:
                cells += xls_cell(0x0204, number - 1, column, xls_text(str(v), version=BIFF5, codec=codec))
    stream = xls_stream([(sheet, 0, bytes(cells))], globals_records, version=BIFF5)
    return write_biff(path, stream, name="Book")


# ---------------------------------------------------------------- LibreOffice, where installed
def libreoffice() -> str | None:
    import shutil

    return shutil.which("libreoffice") or shutil.which("soffice")


def converted(source: Path, target: str, folder: Path) -> Path:
    """``source`` saved by LibreOffice as ``target`` ("ods", "xls:MS Excel 97", ...) in a folder
    of ``folder``'s (LibreOffice must be installed: see ``libreoffice``)."""
    import subprocess

    office = libreoffice()
    assert office is not None
    out = folder / f"converted-{target.split(':')[0]}"
    subprocess.run(
        [office, f"-env:UserInstallation=file://{folder / 'lo-profile'}", "--headless", "--convert-to", target,
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return out / f"{source.stem}.{target.split(':')[0]}"


def rows_of(path: Path) -> list[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the workbook's rows, as its reader gives them, whatever its kind."""
    from reports.sheets import open_workbook

    book = open_workbook(path)
    try:
        return list(book.rows())
    finally:
        book.close()
