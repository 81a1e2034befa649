"""The same rows written as .xlsx, .xls and .ods (and .xlsb from its committed fixture).

A row is a dict header → value; a value is a str, int, float, bool, date (a date cell) or
None. Row numbers are given, so gaps (empty rows) are kept. .xls is written with xlwt,
.ods as its XML zip by hand (LibreOffice is not needed), .xlsx with openpyxl.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
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
