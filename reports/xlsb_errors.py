"""Where an Excel binary workbook (.xlsb) sheet holds error values (#DIV/0!, #N/A, ...).

python-calamine gives an error cell as empty, so a broken formula in an optional amount would
import as 0.00 where an .xlsx refuses it at its column. This finds the error cells in the sheet's
records ([MS-XLSB] 2.4), as reports.xls_errors does for an .xls, so the calamine reader gives
their text, as the .xlsx reader does.

A record is its type (one or two bytes) and its size (one to four), seven bits a byte, then its
data. Only the sheet list (BrtBundleSh in ``xl/workbook.bin``), the workbook's relationships and
the sheet's data (BrtRowHdr, BrtCellError, BrtFmlaError) are read; the sheet is streamed, never
held. What it cannot follow gives no error cells: the file reads as before, never worse. A member
that decompresses past the reader's bounds (a bomb) is refused as the .xlsx reader refuses it.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers.expat import ExpatError

from reports.xls_errors import ERROR_TEXTS, MAX_ERROR_CELLS, TooManyErrorCells
from reports.xlsx_reader import (
    DEADLINE_SECONDS,
    MAX_SHEET_BYTES,
    MAX_SMALL_BYTES,
    BoundExceeded,
    TemplateError,
    _Budget,
    _chunks,
    _local,
    _parser,
    _too_large,
)

_ROW, _CELL_ERROR, _FORMULA_ERROR = 0x00, 0x03, 0x0B  # BrtRowHdr, BrtCellError, BrtFmlaError
_BEGIN_DATA, _END_DATA, _BUNDLE_SHEET = 0x91, 0x92, 0x9C  # BrtBeginSheetData, BrtEndSheetData, BrtBundleSh
_NEED = {_ROW: 4, _CELL_ERROR: 9, _FORMULA_ERROR: 9}  # the bytes of a record's data read here
_U32 = struct.Struct("<I").unpack_from
# the sheet's bytes walked at most (a few seconds even in records of two bytes): calamine could
# not hold the cells of more in its memory (a 100,000-row ledger of 32 columns is 41 MB)
MAX_WALKED_BYTES = 128 << 20


def error_cells(path: Path, sheet: str, *, deadline: float = DEADLINE_SECONDS) -> dict[tuple[int, int], str]:
    """(row, column), both from 0, of each error cell of the worksheet named ``sheet`` → its
    text as Excel shows it; {} where the file cannot be followed."""
    budget = _Budget(path, deadline)
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_part(z, sheet, budget)
            if part is None:
                return {}
            return _sheet_errors(_chunks(z, z.getinfo(part), MAX_SHEET_BYTES, budget), path)
    except (BoundExceeded, TooManyErrorCells):
        raise  # a bomb, or a read past the deadline: refused as the .xlsx reader refuses it
    except (TemplateError, ExpatError, OSError, KeyError, ValueError, struct.error, zipfile.BadZipFile):
        return {}


def _sheet_part(z: zipfile.ZipFile, wanted: str, budget: _Budget) -> str | None:
    """The zip member holding the sheet named ``wanted``: its relationship id from the sheet
    list, its target from the workbook's relationships."""
    book = b"".join(_chunks(z, z.getinfo("xl/workbook.bin"), MAX_SMALL_BYTES, budget))
    relation = None
    at = 0
    while at < len(book):
        kind, size, start = _header(book, at)
        if start < 0 or start + size > len(book):
            return None
        if kind == _BUNDLE_SHEET and size >= 16:  # hsState, iTabID, strRelID, strName
            relation, after = _wide(book, start + 8)
            name, _ = _wide(book, after)
            if name == wanted:
                break
            relation = None
        at = start + size
    if relation is None:
        return None
    targets: dict[str, str] = {}

    def start_element(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs and "Target" in attrs:
            targets.setdefault(attrs["Id"], attrs["Target"])

    parser = _parser(start_element)
    for chunk in _chunks(z, z.getinfo("xl/_rels/workbook.bin.rels"), MAX_SMALL_BYTES, budget):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
    target = targets.get(relation)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _wide(data: bytes, at: int) -> tuple[str, int]:
    """An XLWideString at ``at`` (a count of UTF-16 units, then the units) and where it ends."""
    count = _U32(data, at)[0]
    if count == 0xFFFFFFFF:  # an XLNullableWideString that is null
        return "", at + 4
    end = at + 4 + 2 * count
    if end > len(data):
        raise ValueError("string past the record")
    return data[at + 4 : end].decode("utf-16-le"), end


def _header(data: bytes, at: int) -> tuple[int, int, int]:
    """A record's type, size and where its data starts; a start of -1 when ``data`` ends first."""
    values = []
    for most in (2, 4):
        value = 0
        for i in range(most):
            if at >= len(data):
                return 0, 0, -1
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                break
        values.append(value)
    return values[0], values[1], at


def _sheet_errors(chunks: Iterator[bytes], path: Path) -> dict[tuple[int, int], str]:
    """The error cells of the sheet's data, its records streamed chunk by chunk: a record whose
    data runs past the chunk is passed over in the next ones (only its first bytes are read)."""
    errors: dict[tuple[int, int], str] = {}
    row = 0
    in_data = False
    data = b""
    at = 0
    skip = 0  # bytes of the last record still to pass in the next chunks
    walked = 0
    for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        data = data[at:] + chunk[skip:]
        at, skip, end = 0, 0, len(data)
        walked += len(chunk)
        if walked > MAX_WALKED_BYTES:
            raise _too_large(path)
        while at + 2 <= end:
            kind, size = data[at], data[at + 1]
            if kind < 0x80 and size < 0x80:  # the usual cell: one byte each
                start = at + 2
            else:
                kind, size, start = _header(data, at)
                if start < 0:
                    break  # the header runs into the next chunk
            need = _NEED.get(kind, 0) if in_data else 0
            if start + need > end:
                break  # what is read of it runs into the next chunk
            if need and size >= need:
                if kind == _ROW:
                    row = _U32(data, start)[0]
                else:  # the cell: its column, its style, then the error's code
                    errors[(row, _U32(data, start)[0])] = ERROR_TEXTS.get(data[start + 8], "#N/A")
                    if len(errors) > MAX_ERROR_CELLS:
                        raise TooManyErrorCells(path)
            elif kind == _BEGIN_DATA:
                in_data = True
            elif kind == _END_DATA:
                return errors
            if start + size > end:
                skip, at = start + size - end, end
                break
            at = start + size
    return errors
