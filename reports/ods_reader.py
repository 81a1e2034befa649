"""A streaming reader for the 台账 (else the first) sheet of an OpenDocument spreadsheet (.ods).

WPS and LibreOffice save a ledger as ``content.xml`` in a zip. This reads it with expat, in
chunks, as ``reports.xlsx_reader.Workbook`` reads an .xlsx, and gives the same rows: the sheet
is never held (memory does not grow with the rows), every member goes through the same bounds,
no DTD or entity is accepted, and the same deadline holds. A cell's value comes from its
``office:value-type``:

- float, percentage, currency: the number (``office:value``); date: the day and time
  (``office:date-value``); boolean: True or False; string: its text, paragraphs joined by line
  breaks (``text:s`` spaces, tabs and line breaks kept; a comment, ``office:annotation``, a
  ruby's phonetic guide and a drawing anchored to the cell are no part of it); time of day and
  duration: the text shown, which no amount or date accepts;
- an error (LibreOffice marks it ``calcext:value-type="error"``, a 0 or an empty string beside
  it): the error's text (#DIV/0!, Err:502), as the .xlsx reader gives an error cell;
- rows and cells written once with ``number-rows-repeated`` / ``number-columns-repeated`` are as
  many rows and cells (empty ones cost nothing: a sheet's million trailing empty rows are one
  element), up to the reader's ``MAX_ROWS`` and ``MAX_COLUMNS``; a row with content repeated
  more than ``MAX_SAME_ROWS`` times is refused.

The sheet named 台账 is found first by a search at C speed over ``content.xml`` for the table
elements' start tags and their name; without one the first table is read. Elements nested deeper
than ``MAX_DEPTH`` and a start tag longer than ``MAX_TAG_BYTES`` are refused (expat's memory).
"""

from __future__ import annotations

import math
import re
from collections.abc import Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger.i18n import tr
from reports.xlsx_reader import (
    _INT,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_DEPTH,
    MAX_ODS_SHEET_BYTES,
    MAX_RAW_CHARS,
    MAX_ROWS,
    MAX_TAG_BYTES,
    TemplateError,
    Unreadable,
    Workbook,
    _chunks,
    _parser,
    _too_long,
    tags_bounded,
    too_deep,
)
from reports.xlsx_scan import _text as xml_text

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
_CALC_EXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0 "
_TABLE_TAG, _ROW_TAG = _TABLE + "table", _TABLE + "table-row"
_CELL_TAGS = frozenset({_TABLE + "table-cell", _TABLE + "covered-table-cell"})
_PARAGRAPH = _TEXT + "p"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0 "
# what a cell holds but does not show as its text: a comment, a ruby's phonetic guide; and any
# drawing anchored to the cell (a text box, a stamp), whose elements are all in _DRAW
_NOT_SHOWN = frozenset({_OFFICE + "annotation", _TEXT + "ruby-text"})
_VALUE_TYPE, _ERROR_TYPE = _OFFICE + "value-type", _CALC_EXT + "value-type"
_BREAKS = {_TEXT + "s": " ", _TEXT + "tab": "\t", _TEXT + "line-break": "\n"}
_TABLE_START = re.compile(rb"<[A-Za-z_][\w.-]*:table(?=[\s/>])")
# a whole start tag: its attributes (a value may hold ">", never "<"), then > or />
_TABLE_TAG_WHOLE = re.compile(
    rb"""<[A-Za-z_][\w.-]*:table((?>\s+[^\s=>/<"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*/?>"""
)
_NAME_ATTRIBUTE = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.-]*:)?name\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class OdsWorkbook(Workbook):
    """The sheet of an .ods the import needs, read through the .xlsx reader's bounds."""

    sheet_limit = MAX_ODS_SHEET_BYTES

    def _resolve(self) -> None:
        if "content.xml" not in self.members:
            raise TemplateError(tr("不是 .ods 表格（缺少 content.xml）：{path}").format(path=self.path))
        self.sheet = "content.xml"  # (which of its tables is searched for when the rows are read)

    def _names_ledger(self) -> bool:
        """Whether a table is named 台账: its start tags found by a pattern (C speed, once each:
        the search goes on after the tag), their name attribute read as expat reads it (either
        quote, character references, a ">" within a value)."""
        carry = b""
        for chunk in _chunks(self.zip, self.members["content.xml"], MAX_ODS_SHEET_BYTES, self.budget):
            data, carried, carry = carry + chunk, len(carry), b""
            at = 0
            while (found := _TABLE_START.search(data, at)) is not None:
                # a tag carried from the last chunk holds no ">" there: it is not matched again
                # until one comes (a tag of megabytes is not searched once a chunk)
                seen = carried if found.start() == 0 else found.end()
                tag = _TABLE_TAG_WHOLE.match(data, found.start()) if data.find(b">", seen) >= 0 else None
                if tag is None:
                    if data.find(b">", seen) < 0:  # the tag may go on in the next chunk
                        carry = data[found.start() :] if len(data) - found.start() < MAX_TAG_BYTES else b""
                        break
                    at = found.end()  # no start tag (in a comment, or not XML): passed over
                    continue
                for attribute in _NAME_ATTRIBUTE.finditer(tag.group(1)):
                    raw = attribute.group(1) if attribute.group(1) is not None else attribute.group(2)
                    try:
                        if xml_text(raw) == "台账":
                            return True
                    except (UnicodeDecodeError, ValueError, KeyError, OverflowError):
                        continue  # (read before expat checks it: &#99999999999; is no character)
                at = tag.end()
            else:
                carry = data[-64:]  # a "<table:table" cut by the chunk's end
        return False

    def _rows(self, chunks: Iterator[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        # searched here, not on opening: a workbook opened to see that it is one is not read twice
        before = self.budget.total
        wanted = "台账" if self._names_ledger() else None
        self.budget.total = before  # that search is no read of the sheet's
        found = yield from self._table_rows(chunks, wanted)
        if not found and wanted is not None:
            # a 台账 the search saw is no table of the spreadsheet (a namespace of its own): the first table
            more = _chunks(self.zip, self.members["content.xml"], MAX_ODS_SHEET_BYTES, self.budget)
            found = yield from self._table_rows(more, None)
        if not found:
            raise TemplateError(tr("工作簿 {path} 中没有工作表").format(path=self.path))

    def _table_rows(self, chunks: Iterator[bytes], wanted: str | None) -> Generator[tuple[int, tuple[Any, ...]], None, bool]:
        reader = _OdsSheet(wanted, self.path)
        parser = _parser(reader.start, reader.end)
        parser.CharacterDataHandler = reader.text
        for chunk in tags_bounded(chunks, self.path):
            parser.Parse(chunk, False)
            yield from _expand(reader.done)
            reader.done = []
            if reader.finished:
                return True
        parser.Parse(b"", True)
        yield from _expand(reader.done)
        return reader.found


class _OdsSheet:
    """expat callbacks collecting the rows of the wanted table."""

    def __init__(self, wanted: str | None, path: Path) -> None:
        self.wanted = wanted
        self.path = path
        self.level = 0  # elements open
        self.found = False
        self.finished = False
        self.depth = 0  # tables open within the wanted one (1: in it; more: a table nested in it)
        self.done: list[tuple[int, int, tuple[Any, ...]]] = []  # first and last row, values
        self.row_number = 0  # rows passed, including repeated and empty ones
        self.repeat_rows = 1
        # the run of equal filled rows the last one ends: its length, first row, last row, values
        self.same, self.same_from, self.same_until = 0, 0, 0
        self.same_values: tuple[Any, ...] = ()
        self.cells: list[Any] = []
        self.empty = 0  # empty cells after the row's last value so far
        self.filled = False
        self.cell: dict[str, str] | None = None  # the attributes of the cell being read
        self.repeat_cells = 1
        self.paragraphs = 0
        self.in_paragraph = 0
        self.parts: list[str] = []
        self.size = 0
        self.hidden = 0  # inside what the cell does not show (_NOT_SHOWN, a drawing): no part of its value

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise too_deep(self.path)
        if tag == _TABLE_TAG:
            if self.depth:
                self.depth += 1
            elif not self.found and self.wanted in (None, attrs.get(_TABLE + "name")):
                self.found, self.depth = True, 1
            return
        if self.depth != 1:
            return
        if tag in _CELL_TAGS:
            self.cell = attrs
            self.repeat_cells = _repeat(attrs.get(_TABLE + "number-columns-repeated"), MAX_COLUMNS)
            self.paragraphs = self.in_paragraph = 0
            self.parts = []
            self.size = 0
        elif tag == _ROW_TAG:
            self.repeat_rows = _repeat(attrs.get(_TABLE + "number-rows-repeated"), MAX_ROWS)
            self.cells = []
            self.empty = 0
            self.filled = False
        elif self.cell is not None:
            if tag in _NOT_SHOWN or tag.startswith(_DRAW):
                self.hidden += 1
            elif self.hidden:
                return
            elif tag == _PARAGRAPH:
                if self.paragraphs:
                    self._add("\n")
                self.paragraphs += 1
                self.in_paragraph += 1
            elif tag in _BREAKS and self.in_paragraph:
                count = _repeat(attrs.get(_TEXT + "c"), MAX_CELL_CHARS + 1) if tag == _TEXT + "s" else 1
                self._add(_BREAKS[tag] * count)

    def end(self, tag: str) -> None:
        self.level -= 1
        if self.depth != 1:
            if self.depth and tag == _TABLE_TAG:
                self.depth -= 1  # a table nested in the wanted one ends
            return
        if self.hidden:  # (its paragraphs were not counted: a drawing's inside a shown one)
            if tag in _NOT_SHOWN or tag.startswith(_DRAW):
                self.hidden -= 1
            return
        if tag == _PARAGRAPH:
            if self.in_paragraph:
                self.in_paragraph -= 1
        elif tag in _CELL_TAGS:
            self._end_cell()
        elif tag == _ROW_TAG:
            first = self.row_number + 1
            self.row_number += self.repeat_rows
            if self.filled:
                if self.row_number > MAX_ROWS:
                    raise TemplateError(
                        tr("工作表超过 {n} 行（第 {row} 行），无法导入").format(n=MAX_ROWS, row=min(self.row_number, MAX_ROWS + 1))
                    )
                values = tuple(self.cells)
                # a few bytes repeating one row a million times (in one element or in many): each
                # copy would be judged (hours for a file of a kilobyte), and all but one are the
                # same reception
                if first == self.same_until + 1 and values == self.same_values:
                    self.same += self.repeat_rows
                else:
                    self.same, self.same_from, self.same_values = self.repeat_rows, first, values
                self.same_until = self.row_number
                if self.same > MAX_SAME_ROWS:
                    raise TemplateError(
                        tr("工作表第 {row} 行起有 {n} 行以上内容完全相同：请删除重复的行后再导入").format(
                            row=self.same_from, n=MAX_SAME_ROWS
                        )
                    )
                self.done.append((first, self.row_number, values))
        elif tag == _TABLE_TAG:
            self.depth = 0
            self.finished = True

    def _end_cell(self) -> None:
        cell = self.cell
        if cell is None:
            return
        self.cell = None
        room = MAX_COLUMNS - len(self.cells) - self.empty
        if room <= 0:
            return
        width = self.repeat_cells if self.repeat_cells < room else room
        if self.parts or _VALUE_TYPE in cell or _ERROR_TYPE in cell:
            value = _value(cell, "".join(self.parts) if self.size <= MAX_RAW_CHARS else None)
        else:
            value = None  # an empty cell (perhaps styled), or the row's empty rest
        if value is None:
            self.empty += width  # added only if a value follows: a row's trailing empty cells cost nothing
            return
        if self.empty:
            self.cells.extend([None] * self.empty)
            self.empty = 0
        self.cells.extend([value] * width)
        self.filled = True

    def text(self, data: str) -> None:
        if self.in_paragraph and self.cell is not None and not self.hidden:
            self._add(data)

    def _add(self, data: str) -> None:
        self.size += len(data)
        if self.size <= MAX_RAW_CHARS:
            self.parts.append(data)


def _expand(done: list[tuple[int, int, tuple[Any, ...]]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The rows of each (first, last, values): a row written once for several is each of them."""
    for first, last, values in done:
        for number in range(first, last + 1):
            yield number, values


def _value(attrs: dict[str, str], text: str | None) -> Any:
    """A cell's value from its attributes and its text (None: longer than a cell may be)."""
    kind = attrs.get(_VALUE_TYPE)
    if attrs.get(_ERROR_TYPE) == "error":
        return _text(text) or "#VALUE!"
    if kind in ("float", "percentage", "currency"):
        raw = attrs.get(_OFFICE + "value", "").strip()
        try:
            number: int | float = int(raw) if _INT.match(raw) else float(raw)
        except ValueError:
            return Unreadable(tr("无法读取的数字“{v}”").format(v=raw[:40]))
        if isinstance(number, float):
            if not math.isfinite(number):
                return Unreadable(tr("无法读取的数字“{v}”").format(v=raw[:40]))
            if number.is_integer() and abs(number) < 2**53:
                number = int(number)  # as the .xlsx reader gives "300"
        return number
    if kind == "date":
        raw = attrs.get(_OFFICE + "date-value", "").strip()
        try:
            return datetime.fromisoformat(raw[:26])
        except ValueError:
            return Unreadable(tr("无法读取的日期“{v}”").format(v=raw[:40]))
    if kind == "boolean":
        raw = attrs.get(_OFFICE + "boolean-value", "").strip().lower()
        if raw in ("true", "false", "1", "0"):  # xsd:boolean
            return raw in ("true", "1")
        return Unreadable(tr("无法读取的单元格（布尔值“{v}”无效）").format(v=raw[:40]))
    if kind == "string" and _OFFICE + "string-value" in attrs:
        return _text(attrs[_OFFICE + "string-value"])
    return _text(text)  # a string; a time or a duration as it is shown; a cell of no type


def _text(text: str | None) -> str | Unreadable | None:
    if text is None or len(text) > MAX_CELL_CHARS:
        return _too_long()
    return text or None


# consecutive rows of one content (an .ods writes them once, "repeated"): more is no ledger
MAX_SAME_ROWS = 1000


def _repeat(value: str | None, most: int) -> int:
    """A ``number-...-repeated`` count: 1 when absent or not a whole number, at most ``most``."""
    value = value.strip() if value is not None else ""
    if not value.isascii() or not value.isdigit():  # ("²" is a digit to isdigit, not to int)
        return 1
    return max(1, min(int(value[:12]) if len(value) <= 12 else most, most))
