"""Where an OpenDocument spreadsheet (.ods) sheet holds error values (#DIV/0!, Err:502, ...).

LibreOffice writes a formula's error as the number 0 marked ``calcext:value-type="error"``, with
the error's text as the cell's text; python-calamine reads the 0, so a broken formula in an
optional amount would import as 0.00 where an .xlsx refuses it at its column. This finds those
cells in ``content.xml``, as reports.xls_errors does for an .xls, so the calamine reader gives
their text, as the .xlsx reader does.

Most files hold no error cell: ``content.xml`` is first searched for the mark at C speed, and
only a file that has it is walked element by element (rows and cells counted with their
``number-rows-repeated`` and ``number-columns-repeated``, as calamine counts them). Both passes
stream the member through the reader's bounds; what cannot be followed gives no error cells.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers.expat import ExpatError

from reports.xls_errors import MAX_ERROR_CELLS, TooManyErrorCells
from reports.xlsx_reader import (
    DEADLINE_SECONDS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHEET_BYTES,
    BoundExceeded,
    TemplateError,
    _Budget,
    _chunks,
    _local,
    _parser,
    _too_large,
)

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALC_EXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_ERROR_TYPE = f"{_CALC_EXT} value-type"
_MARK = re.compile(rb"value-type\s*=\s*[\"']error[\"']")
# elements walked at most (about 20 s): calamine could not hold the cells of more in its memory
MAX_ELEMENTS = 16_000_000
_OVERLAP = 64  # bytes kept from a chunk's end, so a mark cut by the chunking is still found


class _Done(Exception):
    """The wanted sheet has ended: nothing after it is read."""


def error_cells(path: Path, sheet: str, *, deadline: float = DEADLINE_SECONDS) -> dict[tuple[int, int], str]:
    """(row, column), both from 0, of each error cell of the sheet named ``sheet`` → its text;
    {} where there is none or the file cannot be followed."""
    budget = _Budget(path, deadline)
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("content.xml")
            if not _marked(_chunks(z, info, MAX_SHEET_BYTES, budget)):
                return {}
            return _sheet_errors(_chunks(z, info, MAX_SHEET_BYTES, budget), sheet, path)
    except (BoundExceeded, TooManyErrorCells):
        raise  # a bomb, or a read past the deadline: refused as the .xlsx reader refuses it
    except (TemplateError, ExpatError, OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}


def _marked(chunks: Iterator[bytes]) -> bool:
    tail = b""
    for chunk in chunks:
        if _MARK.search(tail + chunk):
            return True
        tail = chunk[-_OVERLAP:]
    return False


def _sheet_errors(chunks: Iterator[bytes], wanted: str, path: Path) -> dict[tuple[int, int], str]:
    errors: dict[tuple[int, int], str] = {}
    depth = 0  # tables open; 1 inside the wanted sheet (a table nested in it is passed over)
    found = False
    row = 0
    rows_repeated = 1
    column = 0
    cell: tuple[int, int] | None = None  # an error cell being read: its first column, its count
    text: list[str] = []
    elements = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth, found, rows_repeated, column, cell, elements
        elements += 1
        if elements > MAX_ELEMENTS:
            raise _too_large(path)
        name = tag[tag.rfind(" ") + 1 :]
        namespace = tag[: tag.rfind(" ")]
        if namespace != _TABLE:
            return
        if name == "table":
            if depth or (not found and attrs.get(f"{_TABLE} name") == wanted):
                depth += 1
                found = True
            return
        if depth != 1:
            return
        if name == "table-row":
            rows_repeated = _repeat(attrs.get(f"{_TABLE} number-rows-repeated"), MAX_ROWS)
            column = 0
        elif name in ("table-cell", "covered-table-cell"):
            count = _repeat(attrs.get(f"{_TABLE} number-columns-repeated"), MAX_COLUMNS)
            if attrs.get(_ERROR_TYPE) == "error":
                cell = (column, count)
                text.clear()
            column += count

    def end(tag: str) -> None:
        nonlocal depth, row, cell
        if not depth or not tag.startswith(_TABLE):
            return
        name = _local(tag)
        if name == "table":
            depth -= 1
            if not depth:
                raise _Done
        elif depth != 1:
            return
        elif name == "table-row":
            row += rows_repeated
        elif name in ("table-cell", "covered-table-cell") and cell is not None:
            shown = " ".join("".join(text).split())[:40] or "#VALUE!"
            first, count = cell
            for r in range(row, min(row + rows_repeated, MAX_ROWS)):
                for c in range(first, min(first + count, MAX_COLUMNS)):
                    errors[(r, c)] = shown
                    if len(errors) > MAX_ERROR_CELLS:
                        raise TooManyErrorCells(path)
            cell = None

    def characters(data: str) -> None:
        if cell is not None and len(text) < 64:
            text.append(data)

    parser = _parser(start, end)
    parser.CharacterDataHandler = characters
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Done:
        pass
    return errors


def _repeat(value: str | None, most: int) -> int:
    """A ``number-...-repeated`` count: 1 when absent or not a whole number, at most ``most``."""
    if value is None or not value.isdigit():
        return 1
    return max(1, min(int(value), most))
