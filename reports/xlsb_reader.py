"""A streaming reader for the 台账 (else the first) worksheet of an Excel binary workbook (.xlsb).

An .xlsb is an .xlsx whose parts are binary records ([MS-XLSB] 2.1.4) instead of XML: a record
is its type (one or two bytes) and its size (one to four), seven bits a byte, then its data. This
reads them as ``reports.xlsx_reader.Workbook`` reads the XML, and gives the same rows: the sheet
is streamed and never held (memory does not grow with the rows), the workbook's relationships,
date system (BrtWbProp), sheet list (BrtBundleSh), number formats and cell styles (BrtFmt,
BrtXF) and shared strings (BrtSSTItem) are read first, through the same bounds on every zip
member, the same deadline and the same cell rules:

- a number is a date where its cell's style shows one (a date typed in Excel is a whole number
  stored as an RK record, with its date style), in the workbook's date system;
- an error cell (BrtCellError, a formula's BrtFmlaError) gives its text (#DIV/0!), which no
  amount or date accepts, as the .xlsx reader gives it;
- a cell that cannot be converted (a shared string that does not exist, a style that does not
  exist, a date out of range, a string longer than a cell holds) is that cell's ``Unreadable``;
  a record cut short ends the file with one line.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ledger.i18n import tr
from reports.xls_reader import ERROR_TEXTS, rk_number
from reports.xlsx_reader import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_SHARED_BYTES,
    MAX_SHARED_STRINGS,
    MAX_SMALL_BYTES,
    TemplateError,
    Unreadable,
    Workbook,
    _chunks,
    _too_large,
    _too_long,
    is_date_format,
    styled_number,
)

_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_F64 = struct.Struct("<d").unpack_from
# BrtRowHdr; the cells (each: its column, its style, its value); BrtBeginSheetData, BrtEndSheetData
_ROW = 0x00
_BLANK, _RK, _ERROR, _BOOL, _REAL, _TEXT, _SHARED = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
_FORMULA_TEXT, _FORMULA_NUMBER, _FORMULA_BOOL, _FORMULA_ERROR, _RICH_TEXT = 0x08, 0x09, 0x0A, 0x0B, 0x3E
_BEGIN_DATA, _END_DATA = 0x91, 0x92
_SHORT_TEXT = 0x11  # BrtShortSt
# the bytes of a cell's data read here (a formula's follow, unread; a string's are its length)
_NEED = {_ROW: 4, _BLANK: 8, _RK: 12, _ERROR: 9, _BOOL: 9, _REAL: 16, _TEXT: 12, _SHARED: 12}
_NEED |= {_FORMULA_TEXT: 12, _FORMULA_NUMBER: 16, _FORMULA_BOOL: 9, _FORMULA_ERROR: 9, _RICH_TEXT: 13}
# BrtShortBlank ... BrtShortIsst (12-18): the cells of types 1-7 without their column, which is
# the previous cell's and one (SheetJS and Aspose write them; Excel writes the full form)
_SHORT = {kind + 11: kind for kind in range(_BLANK, _SHARED + 1)}
_NEED |= {short: _NEED[kind] - 4 for short, kind in _SHORT.items()}
_LONGEST = 2 * MAX_CELL_CHARS + 13  # a string cell held whole: Excel's longest text and the rest


def header(data: bytes | bytearray, at: int) -> tuple[int, int, int]:
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


def records(chunks: Iterator[bytes], most: int) -> Iterator[tuple[int, bytes | None]]:
    """(type, data) of each record of a part, streamed chunk by chunk; the data of a record longer
    than ``most`` bytes is passed over unread (None). A part that ends inside a record ends there."""
    data = b""
    at = 0
    skip = 0
    for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        data = data[at:] + chunk[skip:]
        at, skip = 0, 0
        while True:
            kind, size, start = header(data, at)
            if start < 0:
                break
            if size > most:
                yield kind, None
                if start + size > len(data):
                    skip, at = start + size - len(data), len(data)
                    break
            elif start + size > len(data):
                break  # the record runs into the next chunk
            else:
                yield kind, data[start : start + size]
            at = start + size


def wide(data: bytes, at: int) -> tuple[str, int]:
    """An XLWideString at ``at`` (a count of UTF-16 units, then the units) and where it ends; a
    null XLNullableWideString is ""."""
    count = _U32(data, at)[0]
    if count == 0xFFFFFFFF:
        return "", at + 4
    end = at + 4 + 2 * count
    if end > len(data):
        raise ValueError("a string past its record")
    return data[at + 4 : end].decode("utf-16-le", "replace"), end


class XlsbWorkbook(Workbook):
    """The parts of an .xlsb the import needs, read through the .xlsx reader's bounds."""

    book_part = "xl/workbook.bin"

    def _sheets(self, book: str, rels: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
        sheets: list[tuple[str, str]] = []
        for kind, data in records(self._chunks_of(book, MAX_SMALL_BYTES), _LONGEST):
            if data is None:
                continue
            try:
                if kind == 0x99 and data:  # BrtWbProp: its flags, bit 0 the 1904 date system
                    self.epoch = datetime(1904, 1, 1) if data[0] & 1 else datetime(1899, 12, 30)
                elif kind == 0x9C and len(data) >= 12:  # BrtBundleSh: state, tab id, rel id, name
                    rel_id, after = wide(data, 8)
                    name, _ = wide(data, after)
                    rel = rels.get(rel_id)
                    if rel and rel[0] == "worksheet" and rel[1] in self.members:
                        sheets.append((name, rel[1]))
            except (ValueError, struct.error):
                continue  # a damaged entry of the sheet list: that sheet is not offered
        return sheets

    def _read_parts(self, by_kind: dict[str, str]) -> None:
        self.date_styles = self._xlsb_date_styles(by_kind.get("styles", "xl/styles.bin"))
        self.shared = self._xlsb_shared_strings(by_kind.get("sharedStrings", "xl/sharedStrings.bin"))

    def _chunks_of(self, name: str, limit: int) -> Iterator[bytes]:
        info = self.members.get(name)
        return iter(()) if info is None else _chunks(self.zip, info, limit, self.budget)

    def _xlsb_date_styles(self, member: str) -> list[bool]:
        """For each cell style (BrtXF within BrtBeginCellXFs), whether its format shows a date."""
        custom: dict[int, str] = {}
        known: dict[int, bool] = {}
        styles: list[bool] = []
        in_cell_styles = False
        for kind, data in records(self._chunks_of(member, MAX_SMALL_BYTES), _LONGEST):
            if data is None:
                continue
            if kind == 0x2C and len(data) >= 6:  # BrtFmt: its id and its code
                try:
                    custom[_U16(data, 0)[0]] = wide(data, 2)[0]
                except ValueError:
                    pass
            elif kind == 0x269:  # BrtBeginCellXFs
                in_cell_styles = True
            elif kind == 0x26A:  # BrtEndCellXFs
                in_cell_styles = False
            elif kind == 0x2F and in_cell_styles and len(data) >= 4:  # BrtXF: parent, format, ...
                styles.append(is_date_format(_U16(data, 2)[0], custom, known))
                if len(styles) > 1_000_000:
                    raise _too_large(self.path)
        return styles

    def _xlsb_shared_strings(self, member: str) -> list[str | Unreadable]:
        strings: list[str | Unreadable] = []
        too_long, damaged = _too_long(), Unreadable(tr("无法读取的单元格（共享字符串已损坏）"))
        for kind, data in records(self._chunks_of(member, MAX_SHARED_BYTES), _LONGEST + (1 << 16)):
            if kind != 0x13:  # BrtSSTItem: a RichStr (flags, then the text, then its runs)
                continue
            if len(strings) >= MAX_SHARED_STRINGS:  # every item counts, damaged ones too
                raise _too_large(self.path)
            if data is None:
                strings.append(too_long)
                continue
            try:
                text, _ = wide(data, 1)
            except (ValueError, struct.error):
                strings.append(damaged)
                continue
            strings.append(text if len(text) <= MAX_CELL_CHARS else too_long)
        return strings

    # ------------------------------------------------------------------ the sheet
    def _rows(self, chunks: Iterator[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The rows holding a cell, the sheet's records streamed chunk by chunk: a record whose
        data runs past the chunk waits for the next (up to what is read of it); the rest of a
        long record is passed over unread."""
        number = 0  # the row being read, from 1
        column = 0  # the last cell's, from 1
        cells: dict[int, Any] = {}
        in_data = False
        data = b""
        at = 0
        skip = 0  # bytes of the last record still to pass in the next chunks
        for chunk in chunks:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            data = data[at:] + chunk[skip:]
            at, skip, end = 0, 0, len(data)
            while at + 2 <= end:
                kind, size = data[at], data[at + 1]
                if kind < 0x80 and size < 0x80:  # the usual cell: type and size a byte each
                    start = at + 2
                else:
                    kind, size, start = header(data, at)
                    if start < 0:
                        break  # the header runs into the next chunk
                need = _NEED.get(kind) if in_data else None
                if need is not None:
                    if kind in (_TEXT, _FORMULA_TEXT, _RICH_TEXT, _SHORT_TEXT):  # read whole, up to a cell's most
                        need = max(need, min(size, _LONGEST))
                    if start + need > end:
                        break  # what is read of it runs into the next chunk
                    if size < need:
                        raise self._damaged()
                    if kind == _ROW:
                        if cells:
                            yield number, _row(cells)
                            cells = {}
                        number = self._next_row(number, _U32(data, start)[0] + 1)
                        column = 0
                    else:
                        if kind in _SHORT:  # read as the full cell whose column would come first
                            kind, start, size, column = _SHORT[kind], start - 4, size + 4, column + 1
                        else:
                            column = _U32(data, start)[0] + 1
                        if column <= MAX_COLUMNS and number:
                            value = self._value(kind, data, start, size)
                            if value is not None:
                                cells[column] = value
                elif kind == _BEGIN_DATA:
                    in_data = True
                elif kind == _END_DATA:
                    in_data = False
                if start + size > end:
                    skip, at = start + size - end, end
                    break
                at = start + size
        if skip or at < len(data):
            raise self._damaged()  # the sheet ends inside a record
        if cells:
            yield number, _row(cells)

    def _next_row(self, previous: int, number: int) -> int:
        if number > MAX_ROWS:
            raise TemplateError(tr("工作表超过 {n} 行（第 {row} 行），无法导入").format(n=MAX_ROWS, row=number))
        if number <= previous:
            raise TemplateError(tr("工作表的第 {row} 行重复或顺序错乱；请在 Excel 中另存后再试").format(row=number))
        return number

    def _value(self, kind: int, data: bytes, start: int, size: int) -> Any:
        style = int.from_bytes(data[start + 4 : start + 7], "little")  # 24 bits, then 8 of flags
        if kind == _BLANK:
            return None
        if kind == _RK:
            value = rk_number(_U32(data, start + 8)[0])
            return self._number(style, value)
        if kind in (_REAL, _FORMULA_NUMBER):
            return self._number(style, _F64(data, start + 8)[0])
        if kind in (_BOOL, _FORMULA_BOOL):
            if data[start + 8] > 1:  # as the .xlsx reader refuses t="b" holding 2
                return Unreadable(tr("无法读取的单元格（布尔值“{v}”无效）").format(v=data[start + 8]))
            return data[start + 8] == 1
        if kind in (_ERROR, _FORMULA_ERROR):
            return ERROR_TEXTS.get(data[start + 8], "#N/A")
        if kind == _SHARED:
            index = _U32(data, start + 8)[0]
            if index < len(self.shared):
                return self.shared[index]
            return Unreadable(tr("无法读取的单元格（共享字符串编号无效）"))
        # a string: BrtCellSt and BrtFmlaString hold it at once, BrtCellRString after its flags
        at = start + (9 if kind == _RICH_TEXT else 8)
        count = _U32(data, at)[0]
        if count > MAX_CELL_CHARS:
            return _too_long()
        if at + 4 + 2 * count > start + size:  # the record's size is known: the next cell reads on
            return Unreadable(tr("无法读取的单元格（文字长度超出其记录）"))
        return data[at + 4 : at + 4 + 2 * count].decode("utf-16-le", "replace")

    def _number(self, style: int, value: int | float) -> Any:
        shown = repr(value)
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            value = int(value)  # as the .xlsx reader gives "300"
        return styled_number(self, style, value, shown)

    def _damaged(self) -> TemplateError:
        return TemplateError(tr("工作簿 {path} 的工作表已损坏（记录不完整），无法读取").format(path=self.path))


def _row(cells: dict[int, Any]) -> tuple[Any, ...]:
    return tuple(cells.get(i) for i in range(1, max(cells) + 1))
