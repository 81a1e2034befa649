"""A streaming reader for the 台账 (else the first) worksheet of an Excel 97–2003 (.xls) or Excel
5.0/95 workbook.

An .xls is an OLE compound file ([MS-CFB]) holding a "Workbook" stream (Excel 5.0/95: "Book")
of BIFF records ([MS-XLS]): the workbook globals (date system, code page, number formats, cell
styles, the sheet list, the shared strings), then one substream a sheet. This reads it as
``reports.xlsx_reader.Workbook`` reads an .xlsx, and gives the same rows:

- the file is never read whole: the compound file's sector tables are kept as arrays of sector
  numbers, the stream's sectors are read on demand from the open file, the records parsed as
  they come; memory does not grow with the rows (only the shared strings are held, under the
  .xlsx reader's ``MAX_SHARED_STRINGS`` and ``MAX_SHARED_BYTES``);
- a number is a date where its cell's style (XF) shows one, in the workbook's date system, by
  ``xlsx_reader.styled_number``; an error cell (#DIV/0!, a formula's cached error) gives its
  text, as the .xlsx reader gives it; a formula gives its cached result;
- an embedded chart's substream inside the sheet (BOF ... EOF) is no part of its cells;
- a cell that cannot be converted (a shared string that does not exist, a style that does not
  exist, a date out of range, a record too short for its cell) is that cell's ``Unreadable``;
  a damaged file (a sector chain that loops or leaves the file, a record running past the
  stream, rows out of order), an encrypted one, an Excel 4.0 or older one and the reader's
  deadline are one line (``TemplateError``).

The globals are read when the workbook is opened, except the shared strings, which are read
with the rows (a workbook opened only to see that it is one costs little).
"""

from __future__ import annotations

import codecs
import math
import struct
import sys
import time
from array import array
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from ledger.i18n import tr
from reports.xlsx_reader import (
    _OLE_MAGIC,
    DEADLINE_SECONDS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_SHARED_BYTES,
    MAX_SHARED_STRINGS,
    TemplateError,
    Unreadable,
    Workbook,
    _Budget,
    _too_large,
    _too_long,
    is_date_format,
    styled_number,
)

ERROR_TEXTS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}

_END, _FREE = 0xFFFFFFFE, 0xFFFFFFFF  # a sector chain's end; a sector of no chain
_MINI_CUTOFF, _MINI_SIZE = 4096, 64  # streams shorter than 4096 bytes live in the mini stream
_CHUNK = 1 << 18  # bytes of a stream read at once
_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_F64 = struct.Struct("<d").unpack_from
_HEADER = struct.Struct("<HH").unpack_from  # a record's type and length; a cell's row and column
# the records read ([MS-XLS] 2.3)
_BOF, _EOF, _CONTINUE, _FILEPASS, _CODEPAGE, _DATEMODE = 0x0809, 0x000A, 0x003C, 0x002F, 0x0042, 0x0022
_FORMAT, _XF, _BOUNDSHEET, _SST = 0x041E, 0x00E0, 0x0085, 0x00FC
_LABELSST, _NUMBER, _RK, _MULRK, _FORMULA, _STRING = 0x00FD, 0x0203, 0x027E, 0x00BD, 0x0006, 0x0207
_BOOLERR, _LABEL, _RSTRING, _BLANK, _MULBLANK = 0x0205, 0x0204, 0x00D6, 0x0201, 0x00BE
# each cell record: the bytes it must hold (row, column, style and its value)
_NEED = {_LABELSST: 10, _NUMBER: 14, _RK: 10, _MULRK: 12, _FORMULA: 14, _BOOLERR: 8, _LABEL: 8, _RSTRING: 8}
_OLD_BOFS = (0x0009, 0x0209, 0x0409)  # BIFF2-4: Excel 2.x to 4.0
_BIFF5 = 0x0500  # Excel 5.0 and 95 (BIFF5/BIFF7): 8-bit strings in the code page, no SST
_CODECS = {367: "ascii", 1200: "latin-1", 10000: "mac_roman", 32768: "mac_roman", 32769: "cp1252", 65001: "utf-8",
           10002: "big5", 10008: "gb2312", 20936: "gb2312", 51936: "gb2312", 54936: "gb18030"}  # (Chinese ones)


def rk_number(raw: int) -> int | float:
    """An RK number ([MS-XLS] 2.5.217, and the .xlsb's RkNumber): 30 bits of an integer or of a
    double's high bits, perhaps in hundredths."""
    if raw & 2:  # a signed integer of 30 bits
        value: int | float = (raw >> 2) - ((raw >> 31) << 30)
    else:
        value = _F64(struct.pack("<II", 0, raw & 0xFFFFFFFC))[0]
    if raw & 1:
        value = value / 100
    return value


def old_excel(path: Path) -> TemplateError:
    return TemplateError(tr("{path} 是 Excel 4.0 或更早版本的工作簿，无法读取；请在 Excel 中另存为 .xlsx").format(path=path))


class _Short(Exception):
    """A string or a record runs past the data that holds it."""


class _CompoundFile:
    """The sector tables of an OLE compound file and its streams, read from the open file."""

    def __init__(self, file: IO[bytes], length: int, damaged: TemplateError, budget: _Budget) -> None:
        self.file, self.damaged, self.budget = file, damaged, budget
        header = file.read(512)
        if len(header) < 512 or header[:8] != _OLE_MAGIC:
            raise damaged
        shift, mini_shift = struct.unpack_from("<HH", header, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise damaged
        self.size = size = 1 << shift
        self.sectors = max(0, -(-(length - size) // size))  # (the last may be cut short)
        per = size // 4
        fat_count, self.directory_start = struct.unpack_from("<II", header, 0x2C)
        self.mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<IIII", header, 0x3C)
        # the sectors of the allocation table: 109 in the header, the rest in a chain of DIFAT
        # sectors; no more than the file's sectors need (a table listed over and over, or a
        # count of 2^32, would make a table of more entries than the file has bytes)
        fat_count = min(fat_count, -(-self.sectors // per))
        listed = _words(header[0x4C:512])
        at = difat_start
        for _ in range(min(difat_count, -(-max(0, fat_count - 109) // (per - 1)))):
            if len(listed) >= fat_count or at >= self.sectors:
                break
            entries = _words(self.sector(at))
            listed.extend(entries[:-1])
            at = entries[-1]
        self.fat = array("I")
        for n in listed[:fat_count]:
            if n >= self.sectors:
                raise damaged
            self.fat.extend(_words(self.sector(n)))
            budget.check_time()

    def sector(self, n: int) -> bytes:
        self.file.seek((n + 1) * self.size)
        return self.file.read(self.size).ljust(self.size, b"\x00")

    def chain(self, start: int, most: int) -> array:
        """The sectors of the chain from ``start``, at most ``most``; one that loops or leaves the
        file is damage."""
        found = array("I")
        seen = bytearray(min(len(self.fat), self.sectors))
        at = start
        while at != _END and len(found) < most:
            if at >= len(seen) or seen[at]:
                raise self.damaged
            seen[at] = 1
            found.append(at)
            at = self.fat[at]
        return found

    def stream(self, names: tuple[str, ...]) -> _Stream:
        """The first stream listed under the first of ``names`` the directory holds (an embedded
        workbook's own "Workbook" stream is listed after the file's)."""
        wanted = [name.upper() for name in names]  # (names are compared regardless of case)
        found: dict[str, tuple[int, int]] = {}  # (only those: a directory may list millions)
        root = None
        for n in self.chain(self.directory_start, self.sectors):
            data = self.sector(n)
            for at in range(0, self.size, 128):
                length, kind = struct.unpack_from("<HB", data, at + 64)
                start, low, high = struct.unpack_from("<III", data, at + 116)
                size = low if self.size == 512 else low | high << 32  # (version 3: the high half may be anything)
                if kind == 5 and root is None:
                    root = (start, size)
                elif kind == 2:
                    name = data[at : at + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace").upper()
                    if name in wanted:
                        found.setdefault(name, (start, size))
            self.budget.check_time()
        name = next((name for name in wanted if name in found), None)
        if name is None:
            raise self.damaged  # (an encrypted .xlsx is a compound file without one)
        start, size = found[name]
        if size >= _MINI_CUTOFF:
            sectors = self.chain(start, -(-size // self.size))
            if len(sectors) * self.size < size:
                raise self.damaged
            return _Stream(self, size, sectors, None)
        if root is None:
            raise self.damaged
        return _Stream(self, size, None, self._mini_stream(start, size, root))

    def _mini_stream(self, start: int, size: int, root: tuple[int, int]) -> bytes:
        """A small stream, from the mini stream (the root's) in sectors of 64 bytes, followed
        through the mini allocation table (read only where the chain goes)."""
        table = self.chain(self.mini_fat_start, self.sectors)
        holder = self.chain(root[0], self.sectors)
        per = self.size // 4
        parts: list[bytes] = []
        seen: set[int] = set()
        at = start
        for _ in range(-(-size // _MINI_SIZE)):
            offset = at * _MINI_SIZE
            if at in seen or at // per >= len(table) or offset // self.size >= len(holder) or offset >= root[1]:
                raise self.damaged
            seen.add(at)
            data = self.sector(holder[offset // self.size])
            parts.append(data[offset % self.size : offset % self.size + _MINI_SIZE])
            at = _U32(self.sector(table[at // per]), at % per * 4)[0]
        return b"".join(parts)[:size]


def _words(data: bytes) -> array:
    words = array("I", data)
    if sys.byteorder == "big":
        words.byteswap()
    return words


class _Stream:
    """A stream of the compound file: its sectors read on demand, or (a small one) its bytes."""

    def __init__(self, cfb: _CompoundFile, size: int, sectors: array | None, data: bytes | None) -> None:
        self.cfb, self.size, self.sectors, self.data = cfb, size, sectors, data

    def chunks(self, start: int) -> Iterator[bytes]:
        """The stream's bytes from ``start``, a run of consecutive sectors at a time."""
        if self.data is not None:
            yield self.data[start:]
            return
        assert self.sectors is not None
        sectors, size, cfb = self.sectors, self.cfb.size, self.cfb
        at = start
        while at < self.size:
            first = at // size
            last = first + 1
            while last < len(sectors) and sectors[last] == sectors[last - 1] + 1 and (last - first) * size < _CHUNK:
                last += 1
            cfb.file.seek((sectors[first] + 1) * size + at % size)
            want = min((last - first) * size - at % size, self.size - at)
            data = cfb.file.read(want)
            if len(data) < want:
                raise cfb.damaged  # the file ends before the stream
            cfb.budget.check_time()
            at += want
            yield data


class _Records:
    """The BIFF records of a stream from an offset: (type, data), each read whole (at most 64 KB)."""

    def __init__(self, stream: _Stream, start: int, damaged: TemplateError) -> None:
        self.chunks = stream.chunks(start)
        self.damaged = damaged
        self.data = b""
        self.at = 0
        self.passed = start  # the stream's offset of data[0]
        self.offset = start  # the stream's offset of the last record given

    def _fill(self, need: int) -> bool:
        while len(self.data) - self.at < need:
            chunk = next(self.chunks, None)
            if chunk is None:
                return False
            self.passed += self.at
            self.data = self.data[self.at :] + chunk
            self.at = 0
        return True

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        while True:
            data, at = self.data, self.at
            if at + 4 > len(data):
                if not self._fill(4):
                    if self.at < len(self.data):
                        raise self.damaged  # the stream ends inside a record's header
                    return
                data, at = self.data, self.at
            kind, length = _HEADER(data, at)
            end = at + 4 + length
            if end > len(data):
                if not self._fill(4 + length):
                    raise self.damaged  # a record runs past the stream
                data, at = self.data, self.at
                end = at + 4 + length
            self.at = end
            self.offset = self.passed + at
            yield kind, data[at + 4 : end]

    def continuation(self) -> bytes | None:
        """The data of the next record if it is a CONTINUE (then read), else None."""
        if not self._fill(4) or _U16(self.data, self.at)[0] != _CONTINUE:
            return None
        kind, data = next(iter(self))
        return data


class _Segments:
    """A record's data and its CONTINUE records', read one after another ([MS-XLS] 2.1.7.20.2)."""

    def __init__(self, data: bytes, at: int, records: _Records | None) -> None:
        self.data, self.at, self.records = data, at, records
        self.read = len(data)

    def _next(self) -> None:
        more = self.records.continuation() if self.records is not None else None
        if more is None:
            raise _Short
        self.data, self.at = more, 0
        self.read += len(more)

    def ended(self) -> bool:
        while self.at >= len(self.data):  # (a CONTINUE record may be empty)
            try:
                self._next()
            except _Short:
                return True
        return False

    def take(self, count: int) -> bytes:
        """``count`` bytes, across records (a string's header, its runs)."""
        parts = []
        while count:
            if self.at >= len(self.data):
                self._next()
            part = self.data[self.at : self.at + count]
            self.at += len(part)
            count -= len(part)
            parts.append(part)
        return b"".join(parts)

    def skip(self, count: int) -> None:
        while count:
            if self.at >= len(self.data):
                self._next()
            step = min(count, len(self.data) - self.at)
            self.at += step
            count -= step

    def chars(self, count: int, wide: bool) -> str:
        """``count`` characters of a BIFF8 string, one byte each (compressed) or two: a string
        that goes on in a CONTINUE record starts it with a flag byte saying which."""
        parts = []
        while True:
            width = 2 if wide else 1
            n = min(count, (len(self.data) - self.at) // width)
            raw = self.data[self.at : self.at + n * width]
            self.at += n * width
            parts.append(raw.decode("utf-16-le", "replace") if wide else raw.decode("latin-1"))
            count -= n
            if not count:
                return "".join(parts)
            self._next()
            if not self.data:
                raise _Short
            wide = bool(self.data[0] & 1)
            self.at = 1


class XlsWorkbook(Workbook):
    """The sheet of an .xls the import needs, read record by record from the open file."""

    def __init__(self, path: Path, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            if self.path.exists():
                raise TemplateError(tr("不是 Excel 工作簿（.xls）：{path}").format(path=self.path))
            raise TemplateError(tr("找不到文件：{path}").format(path=self.path))
        self.budget = _Budget(self.path, deadline)
        try:
            self.file = open(self.path, "rb")
            length = self.path.stat().st_size
        except OSError as exc:
            raise TemplateError(tr("无法打开文件 {path}：{error}").format(path=self.path, error=exc)) from None
        try:
            cfb = _CompoundFile(self.file, length, self._encrypted_or_damaged(), self.budget)
            self.stream = cfb.stream(("Workbook", "Book"))
            self._globals()
        except TemplateError:
            self.file.close()
            raise
        except (_Short, struct.error, IndexError, ValueError, OverflowError, OSError, UnicodeError):
            self.file.close()
            raise self._encrypted_or_damaged() from None
        except BaseException:
            self.file.close()
            raise

    def close(self) -> None:
        self.file.close()

    def _encrypted_or_damaged(self) -> TemplateError:
        return TemplateError(
            tr("{path} 是加密的或已损坏的旧版（.xls）工作簿；请在 Excel 中取消密码并另存为 .xlsx").format(path=self.path)
        )

    def _damaged(self) -> TemplateError:
        return TemplateError(tr("工作簿 {path} 的工作表已损坏（记录不完整），无法读取").format(path=self.path))

    # ------------------------------------------------------------------ the globals
    def _globals(self) -> None:
        """The workbook globals: the BIFF version, code page, date system, number formats, cell
        styles and sheet list; where the shared strings are (read with the rows)."""
        records = _Records(self.stream, 0, self._encrypted_or_damaged())
        items = iter(records)
        first = next(items, None)
        if first is None or first[0] in _OLD_BOFS:
            raise old_excel(self.path) if first else self._encrypted_or_damaged()
        if first[0] != _BOF or len(first[1]) < 4:
            raise self._encrypted_or_damaged()
        version = _U16(first[1], 0)[0]
        if version in (0x0002, 0x0007, 0x0200, 0x0300, 0x0400):
            raise old_excel(self.path)
        self.biff8 = version != _BIFF5
        self.codec = "cp1252"
        self.epoch = datetime(1899, 12, 30)
        self.sst_at: int | None = None
        custom: dict[int, str] = {}
        formats: list[int] = []
        first_sheet: str | None = None
        offsets: dict[str, int] = {}  # the last worksheet of each name that may be read
        for kind, data in items:
            if kind == _EOF:
                break
            if kind == _FILEPASS:
                raise self._encrypted_or_damaged()
            if kind == _SST and self.biff8 and self.sst_at is None:
                self.sst_at = records.offset
            elif kind == _XF and len(data) >= 4:
                if len(formats) >= 1_000_000:
                    raise _too_large(self.path)
                formats.append(_U16(data, 2)[0])
            elif kind == _FORMAT and len(data) >= 3:
                try:
                    custom[_U16(data, 0)[0]] = self._text(data, 2, wide_count=self.biff8)[:256]
                except _Short:
                    pass  # a damaged format: no date
            elif kind == _BOUNDSHEET and len(data) >= 7:
                position, sheet_type = _U32(data, 0)[0], data[5]
                try:
                    name = self._text(data, 6, wide_count=False).replace("\x00", "")
                except _Short:
                    continue  # a damaged entry of the sheet list: that sheet is not offered
                if sheet_type == 0:  # a worksheet (1: a macro sheet, 2: a chart sheet, 6: a module)
                    first_sheet = name if first_sheet is None else first_sheet
                    if name in ("台账", first_sheet):
                        offsets[name] = position
            elif kind == _CODEPAGE and len(data) >= 2:
                self.codec = _codec(_U16(data, 0)[0])
            elif kind == _DATEMODE and len(data) >= 2:
                self.epoch = datetime(1904, 1, 1) if _U16(data, 0)[0] == 1 else datetime(1899, 12, 30)
        else:
            raise self._encrypted_or_damaged()  # the globals never end
        if first_sheet is None:
            raise TemplateError(tr("工作簿 {path} 中没有工作表").format(path=self.path))
        self.sheet_at = offsets.get("台账", offsets[first_sheet])
        known: dict[int, bool] = {}
        self.date_styles = [is_date_format(f, custom, known) for f in formats]
        self.shared: list[str | Unreadable | None] = []

    def _text(self, data: bytes, at: int, *, wide_count: bool) -> str:
        """A string of a globals record: its count (two bytes, or one), then (BIFF8) a flag
        byte and the characters, or (BIFF5) bytes in the code page."""
        if wide_count:
            count, at = _U16(data, at)[0], at + 2
        else:
            count, at = data[at], at + 1
        if not self.biff8:
            if at + count > len(data):
                raise _Short
            return data[at : at + count].decode(self.codec, "replace")
        if at >= len(data):
            raise _Short
        segments = _Segments(data, at + 1, None)
        return segments.chars(count, bool(data[at] & 1))

    def _shared_strings(self) -> list[str | Unreadable | None]:
        """The SST and its CONTINUE records: each string (None for an empty one). A string cut
        short ends them (that one damaged: a cell naming a later one has an index of none)."""
        strings: list[str | Unreadable | None] = []
        if self.sst_at is None:
            return strings
        records = _Records(self.stream, self.sst_at, self._damaged())
        kind, data = next(iter(records))
        segments = _Segments(data, 8, records)
        if len(data) < 8:
            return strings
        too_long = _too_long()
        append = strings.append
        for _ in range(_U32(data, 4)[0]):  # (the count declared; what the records hold may end first)
            if len(strings) >= MAX_SHARED_STRINGS or segments.read > MAX_SHARED_BYTES:
                raise _too_large(self.path)
            data, at = segments.data, segments.at
            if at + 9 <= len(data):  # the usual string: whole in this record, with its runs and phonetics
                count, flags = _U16(data, at)[0], data[at + 2]
                start, runs, phonetic = at + 3, 0, 0
                if flags & 0x08:
                    runs, start = _U16(data, start)[0], start + 2
                if flags & 0x04:
                    phonetic, start = _U32(data, start)[0], start + 4
                end = start + (count << (flags & 1))
                if end + 4 * runs + phonetic <= len(data):
                    raw = data[start:end]
                    segments.at = end + 4 * runs + phonetic
                    if count > MAX_CELL_CHARS:
                        append(too_long)
                    else:
                        append((raw.decode("utf-16-le", "replace") if flags & 1 else raw.decode("latin-1")) or None)
                    continue
            try:
                if segments.ended():
                    break
                count, flags = struct.unpack("<HB", segments.take(3))
                runs = _U16(segments.take(2), 0)[0] if flags & 0x08 else 0
                phonetic = _U32(segments.take(4), 0)[0] if flags & 0x04 else 0
                text = segments.chars(count, bool(flags & 1))
                segments.skip(4 * runs + phonetic)
            except _Short:
                append(Unreadable(tr("无法读取的单元格（共享字符串已损坏）")))
                break
            append(too_long if count > MAX_CELL_CHARS else text or None)
        return strings

    # ------------------------------------------------------------------ the sheet
    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values) of every row of the sheet that holds a cell, in file order (see
        ``reports.xlsx_reader.Workbook.rows``)."""
        budget = self.budget
        try:
            self.shared = self._shared_strings()
            for row in self._sheet_rows():
                paused = time.monotonic()
                yield row
                budget.deadline += time.monotonic() - paused  # the rows' checking is not the reading's
        except (_Short, struct.error, IndexError, ValueError, OverflowError, OSError, UnicodeError) as exc:
            if isinstance(exc, TemplateError):
                raise
            raise self._damaged() from None

    def _sheet_rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        records = _Records(self.stream, self.sheet_at, self._damaged())
        items = iter(records)
        first = next(items, None)
        if first is None or first[0] != _BOF:
            raise self._damaged()
        depth = 1  # substreams open: 1 in the sheet; more inside an embedded chart's
        row = -1  # the row being read, from 0
        cells: dict[int, Any] = {}
        pending: int | None = None  # the column of a formula whose text follows (STRING)
        need, shared = _NEED, self.shared
        for kind, data in items:
            if kind == _BOF:
                depth += 1
                continue
            if kind == _EOF:
                depth -= 1
                if not depth:
                    break
                continue
            if depth > 1:
                continue  # an embedded chart's cached series are no cells of the sheet
            if kind == _STRING:
                if pending is not None:
                    value = self._string(data, 0, records)
                    if value is not None:
                        cells[pending] = value
                    pending = None
                continue
            wanted = need.get(kind)
            if wanted is None:
                continue  # BLANK, MULBLANK: no value; any other record: no cell
            pending = None
            if len(data) < 4:
                raise self._damaged()
            number, column = _HEADER(data, 0)
            if number != row:
                if number < row:
                    raise TemplateError(
                        tr("工作表的第 {row} 行重复或顺序错乱；请在 Excel 中另存后再试").format(row=number + 1)
                    )
                if cells:
                    yield row + 1, _row(cells)
                    cells = {}
                row = number
            if column >= MAX_COLUMNS:
                continue
            if len(data) < wanted:
                cells[column] = Unreadable(tr("无法读取的单元格（记录不完整）"))
                continue
            if kind == _LABELSST:  # (the usual cells first, without a call)
                index = _U32(data, 6)[0]
                value = shared[index] if index < len(shared) else self._value(kind, data, records)
            elif kind == _RK:
                value = self._number(_U16(data, 4)[0], rk_number(_U32(data, 6)[0]))
            elif kind == _MULRK:
                for at in range(4, len(data) - 7, 6):
                    if column < MAX_COLUMNS:
                        value = self._number(_U16(data, at)[0], rk_number(_U32(data, at + 2)[0]))
                        if value is not None:
                            cells[column] = value
                    column += 1
                continue
            elif kind == _FORMULA and data[12:14] == b"\xff\xff" and data[6] == 0:
                pending = column  # a text result: in the STRING record that follows
                continue
            else:
                value = self._value(kind, data, records)
            if value is not None:
                cells[column] = value
            elif column in cells:
                del cells[column]
        else:
            raise self._damaged()  # the sheet ends without its EOF
        if cells:
            yield row + 1, _row(cells)

    def _value(self, kind: int, data: bytes, records: _Records) -> Any:
        style = _U16(data, 4)[0]
        if kind == _LABELSST:
            index = _U32(data, 6)[0]
            if index < len(self.shared):
                return self.shared[index]
            return Unreadable(tr("无法读取的单元格（共享字符串编号无效）"))
        if kind == _NUMBER:
            return self._number(style, _F64(data, 6)[0])
        if kind == _RK:
            return self._number(style, rk_number(_U32(data, 6)[0]))
        if kind == _BOOLERR:
            return _bool_or_error(data[6], data[7])
        if kind == _FORMULA:
            if data[12:14] != b"\xff\xff":
                return self._number(style, _F64(data, 6)[0])
            if data[6] in (1, 2):  # a boolean, an error
                return _bool_or_error(data[8], data[6] - 1)
            if data[6] == 3:  # an empty text
                return None
            return Unreadable(tr("无法读取的单元格（公式结果类型“{t}”无效）").format(t=data[6]))
        return self._string(data, 6, records)  # LABEL, RSTRING

    def _string(self, data: bytes, at: int, records: _Records) -> str | Unreadable | None:
        """The text of a LABEL, RSTRING or STRING record from ``at``: a count of two bytes, then
        (BIFF8) the flag byte and characters, which may go on in CONTINUE records."""
        try:
            if at + 2 > len(data):
                raise _Short  # (a STRING record cut inside its count: the cell's damage)
            count = _U16(data, at)[0]
            if not count:
                return None  # (a BIFF8 writer may leave out the flag byte of no characters)
            if count > MAX_CELL_CHARS:
                return _too_long()
            if not self.biff8:
                if at + 2 + count > len(data):
                    raise _Short
                text = data[at + 2 : at + 2 + count].decode(self.codec, "replace")
            else:
                if at + 2 >= len(data):
                    raise _Short
                text = _Segments(data, at + 3, records).chars(count, bool(data[at + 2] & 1))
        except _Short:
            return Unreadable(tr("无法读取的单元格（文字长度超出其记录）"))
        return text or None

    def _number(self, style: int, value: int | float) -> Any:
        if isinstance(value, float):
            if not math.isfinite(value):
                return styled_number(self, style, value, repr(value))
            if value.is_integer() and abs(value) < 2**53:
                value = int(value)  # as the .xlsx reader gives "300"
        dates = self.date_styles
        if style < len(dates) and not dates[style]:
            return value
        return styled_number(self, style, value, str(value))


def _bool_or_error(value: int, is_error: int) -> Any:
    if is_error:
        return ERROR_TEXTS.get(value, "#N/A")
    if value > 1:  # as the .xlsx reader refuses t="b" holding 2
        return Unreadable(tr("无法读取的单元格（布尔值“{v}”无效）").format(v=value))
    return value == 1


def _row(cells: dict[int, Any]) -> tuple[Any, ...]:
    return tuple(cells.get(i) for i in range(max(cells) + 1))


def _codec(codepage: int) -> str:
    """The Python codec of a BIFF5 workbook's code page (1252 where Python knows none)."""
    name = _CODECS.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name
