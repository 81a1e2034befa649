"""Every workbook a bureau keeps (.xlsx, .xls, .xlsb, .ods), told by its content, read as rows.

``open_workbook(path)`` looks at the file's first bytes and, for a zip, at its members - never
at its name - and returns a reader whose ``rows()`` yields (row number, values) exactly as
``reports.xlsx_reader.Workbook.rows`` does, so the template sees the same values, row numbers
and per-cell errors whatever the format:

- **.xlsx** (a zip with ``xl/workbook.xml``): our streaming reader (reports.xlsx_reader), which
  holds no sheet in memory and bounds everything a hostile file could ask for;
- **.xls** (an OLE compound file), **.xlsb** (a zip with ``xl/workbook.bin``) and **.ods** (a
  zip whose ``mimetype`` is an OpenDocument spreadsheet): python-calamine (Rust), which holds a
  whole sheet in memory. It runs in a child process under a memory limit
  (``CALAMINE_MEMORY``) and the reader's deadline: a file that asks for more (a declared
  dimension of millions of cells, a bomb) ends that process, never this one, and is one line
  for the user. Its values are converted in the child to the xlsx reader's kinds (None, str,
  int, float, bool, datetime, ``Unreadable``).

Anything else is a ``TemplateError`` with one line.
"""

from __future__ import annotations

import math
import os
import time
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ledger.i18n import tr
from ledger.text import clean_line
from reports.xlsx_reader import (
    _MAX_SERIAL,
    _OLE_MAGIC,
    DEADLINE_SECONDS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    TemplateError,
    Unreadable,
)
from reports.xlsx_scan import FastWorkbook

# address space the reading child may add to what it inherits: with the ~60 MB it starts with,
# its peak stays under the 300 MB bar (256 MB let a 1 MB .ods of 1 GB of whitespace peak at 303 MB)
CALAMINE_MEMORY = 232 << 20
_BATCH = 500
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

XLSX, XLS, XLSB, ODS = "xlsx", "xls", "xlsb", "ods"


def kind_of(path: Path) -> str:
    """Which workbook the file is, by content: ``xlsx``, ``xls``, ``xlsb`` or ``ods``."""
    path = Path(path)
    if not path.is_file():
        if path.exists():  # a folder, a pipe, a device: there, but nothing to read as a workbook
            raise TemplateError(not_a_workbook(path))
        raise TemplateError(tr("找不到文件：{path}").format(path=path))
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise TemplateError(tr("无法打开文件 {path}：{error}").format(path=path, error=exc)) from None
    if magic == _OLE_MAGIC:
        return XLS  # Excel 97-2003, or an encrypted workbook (said when it is read)
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = set(z.namelist())
                if "mimetype" in names:
                    info = z.getinfo("mimetype")
                    if info.file_size < 200 and z.read("mimetype").strip() == _ODS_MIME:
                        return ODS
                if "xl/workbook.bin" in names:
                    return XLSB
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            pass  # the xlsx reader says what is wrong with it
        return XLSX
    raise TemplateError(not_a_workbook(path))


def not_a_workbook(path: Path) -> str:
    return tr("不是 Excel 工作簿（.xlsx、.xls、.xlsb）或 .ods 表格：{path}").format(path=path)


def open_workbook(path: Path, *, deadline: float = DEADLINE_SECONDS) -> FastWorkbook | CalamineSheet:
    """The reader for the file's kind (see the module doc)."""
    kind = kind_of(path)
    if kind == XLSX:
        return FastWorkbook(Path(path), deadline=deadline)
    return CalamineSheet(Path(path), kind, deadline=deadline)


class CalamineSheet:
    """The 台账 worksheet (else the first worksheet) of an .xls, .xlsb or .ods, read by a child process."""

    def __init__(self, path: Path, kind: str, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.path = path
        self.kind = kind
        self.deadline = time.monotonic() + deadline

    def close(self) -> None:
        pass  # the child ends with its rows (see rows())

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        import multiprocessing

        if "fork" not in multiprocessing.get_all_start_methods():
            yield from _calamine_rows(self.path)  # no child where processes cannot be forked
            return
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_read_in_child, args=(self.path, send, os.getpid()), daemon=True)
        child.start()
        send.close()
        try:
            while True:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise TemplateError(tr("读取工作簿 {path} 超时，文件过大或已损坏").format(path=self.path))
                if not receive.poll(min(left, 1.0)):
                    if not child.is_alive() and not receive.poll(0):
                        raise self._died()
                    continue
                try:
                    item = receive.recv()
                except (EOFError, OSError):
                    raise self._died() from None
                if item is None:
                    return
                if isinstance(item, str):
                    raise TemplateError(item)
                paused = time.monotonic()
                yield from item
                self.deadline += time.monotonic() - paused  # the rows' checking is not the reading's
        finally:
            receive.close()
            if child.is_alive():
                child.kill()
            child.join()

    def _died(self) -> TemplateError:
        return TemplateError(
            tr("工作簿 {path} 过大或已损坏，无法读取；请在 Excel 中另存为 .xlsx 后再试").format(
                path=self.path
            )
        )


def die_with_parent(parent: int) -> None:
    """In the reading process: end when the importing process ends, even by kill -9."""
    import os
    import signal
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass  # not Linux: the watcher below does it

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _read_in_child(path: Path, send: Any, parent: int) -> None:
    """The reading process: batches of rows, then None; or the one line that stopped it."""
    import resource

    die_with_parent(parent)
    try:  # a panic inside calamine must not print a trace on the user's terminal
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 2)
        os.close(quiet)
    except OSError:
        pass
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[0])
        inherited = pages * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (inherited + CALAMINE_MEMORY, inherited + CALAMINE_MEMORY))
    except (OSError, ValueError, AttributeError):
        pass  # not Linux: the deadline still holds
    try:
        batch: list[tuple[int, tuple[Any, ...]]] = []
        for row in _calamine_rows(path):
            batch.append(row)
            if len(batch) == _BATCH:
                send.send(batch)
                batch = []
        send.send(batch)
        send.send(None)
    except TemplateError as exc:
        send.send(str(exc))
    except MemoryError:
        os._exit(3)
    except BaseException as exc:  # calamine's errors and panics: a damaged or encrypted file
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            os._exit(3)
        try:
            send.send(_calamine_message(path, exc))
        except BaseException:
            os._exit(3)
    finally:
        send.close()


def _calamine_message(path: Path, exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PasswordError" or kind_of(path) == XLS:
        # an OLE file calamine cannot read is an encrypted workbook (any version) or a damaged .xls
        return tr("{path} 是加密的或已损坏的旧版（.xls）工作簿；请在 Excel 中取消密码并另存为 .xlsx").format(
            path=path
        )
    text = " ".join(str(exc).split())[:200]
    return tr("工作簿 {path} 过大或已损坏，无法读取（{error}）").format(path=path, error=text or name)


def _calamine_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows holding a cell, as reports.xlsx_reader gives them."""
    import tempfile

    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        kind = kind_of(path)
        # calamine picks its reader by the name: give it a name that says what the content is
        folder = tempfile.mkdtemp(prefix="ledger-sheet-")
        named = Path(folder) / f"sheet.{kind}"
        named.symlink_to(Path(path).resolve())
        try:
            book = CalamineWorkbook.from_path(str(named))
        finally:
            named.unlink()
            os.rmdir(folder)
        # worksheets only, as the xlsx reader: a chart sheet placed first holds no rows
        names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if not names:
            raise TemplateError(tr("工作簿 {path} 中没有工作表").format(path=path))
        name = "台账" if "台账" in names else names[0]
        # calamine gives an error cell (#DIV/0!) as empty, or LibreOffice's as its 0: they are
        # found in the file's own records (before calamine holds the sheet: the two never take
        # the memory at once), and given as their text, as the .xlsx reader gives them (no
        # amount or date accepts it)
        errors: dict[int, list[tuple[int, str]]] = {}
        for (row_index, column), text in _error_cells(path, kind, name).items():
            errors.setdefault(row_index + 1, []).append((column, text))
        sheet = book.get_sheet_by_name(name)
    except TemplateError:
        raise
    except BaseException as exc:  # calamine's errors, and its panics (a BaseException)
        if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise TemplateError(_calamine_message(path, exc)) from None
    start = sheet.start
    if start is None:
        return
    _, first_column = start
    pad = (None,) * first_column
    convert = _convert
    # calamine gives a whole number an .xlsb stores as an RK record (as Excel stores a date typed
    # in a cell) without its cell's date format: in a date column of an .xlsb it is a date serial
    epoch = _xlsb_epoch(path) if kind == XLSB else None
    dates: frozenset[int] = frozenset()
    for number, values in _numbered_rows(path, sheet):
        cells = [convert(v) for v in values[: max(0, MAX_COLUMNS - first_column)]]
        for column, text in errors.get(number, ()):
            index = column - first_column
            if 0 <= index < MAX_COLUMNS - first_column:
                cells += [None] * (index + 1 - len(cells))
                cells[index] = text
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if number > MAX_ROWS:
            raise TemplateError(
                tr("工作表超过 {n} 行（第 {row} 行），无法导入").format(n=MAX_ROWS, row=number)
            )
        row = pad + tuple(cells)
        if number == 1 and epoch is not None:
            dates = frozenset(i for i, v in enumerate(row) if isinstance(v, str) and clean_line(v) in DATE_HEADERS)
        elif dates:
            row = tuple(_serial_date(v, epoch) if i in dates else v for i, v in enumerate(row))
        yield number, row


def _error_cells(path: Path, kind: str, sheet: str) -> dict[tuple[int, int], str]:
    if kind == XLS:
        from reports import xls_errors

        return xls_errors.error_cells(path, sheet)
    if kind == XLSB:
        from reports import xlsb_errors

        return xlsb_errors.error_cells(path, sheet)
    from reports import ods_errors

    return ods_errors.error_cells(path, sheet)


def _numbered_rows(path: Path, sheet: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of the sheet's rows: calamine's ``iter_rows`` starts at the sheet's
    row 1 (empty rows above the first used one included), so the count is the row number. A
    cell calamine cannot give to Python (an .xls duration of 10^12 days: OverflowError) refuses
    the file naming its row, not as a damaged file."""
    rows = sheet.iter_rows()
    number = 0
    while True:
        number += 1
        try:
            values = next(rows)
        except StopIteration:
            return
        except (OverflowError, ValueError) as exc:
            why = tr("日期或时长超出范围") if isinstance(exc, OverflowError) else tr("数值无效")
            raise TemplateError(
                tr("工作簿 {path} 第 {row} 行有无法读取的单元格（{why}）；请在表格软件中改正后重试").format(
                    path=path, row=number, why=why
                )
            ) from None
        yield number, values


# the template's date columns (reports.template's COLUMNS)
DATE_HEADERS = frozenset({"接待日期", "审核日期", "就餐日期"})


# the dates a reception can have: a whole number in a date column outside them (a year, 202503
# typed for a month, 20250305) is no date serial and stays a number, refused as in an .xlsx
_FIRST_DAY, _LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _serial_date(value: Any, epoch: date) -> Any:
    """An .xlsb date column's whole number as the date it stands for in the workbook's date
    system (``epoch``: its day 0), if that is a day a reception can have."""
    if type(value) is not int or not 0 < value <= _MAX_SERIAL:
        return value
    from openpyxl.utils.datetime import from_excel

    day = from_excel(value, datetime.combine(epoch, datetime.min.time()))
    return day if _FIRST_DAY <= day.date() <= _LAST_DAY else value


def _xlsb_epoch(path: Path) -> date:
    """Day 0 of an .xlsb's dates: 1904-01-01 when its BrtWbProp record says f1904, else
    1899-12-30. Records (MS-XLSB 2.1.4) are a type of one or two bytes and a size of one to
    four, each seven bits a byte, then the data."""
    standard = date(1899, 12, 30)
    try:
        with zipfile.ZipFile(path) as z, z.open("xl/workbook.bin") as f:
            data = f.read(1 << 16)  # BrtWbProp comes before the sheet list
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return standard
    at = 0
    while at < len(data):
        kind, at = _record_number(data, at, 2)
        size, at = _record_number(data, at, 4)
        if kind == 0x99 and size >= 4 and at < len(data):  # BrtWbProp: its flags, bit 0 f1904
            return date(1904, 1, 1) if data[at] & 1 else standard
        if kind in (0x8F, -1) or size < 0:  # BrtBeginBundleShs (past the properties), or cut short
            return standard
        at += size
    return standard


def _record_number(data: bytes, at: int, most: int) -> tuple[int, int]:
    """A record's type or size at ``at`` and where it ends; -1 when the data ends first."""
    value = 0
    for i in range(most):
        if at >= len(data):
            return -1, at
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            break
    return value, at


def _convert(value: Any) -> Any:
    """A calamine value as the xlsx reader would give it."""
    if value == "" or value is None:
        return None
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            return Unreadable(tr("单元格超过 {n} 个字").format(n=MAX_CELL_CHARS))
        return value
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return Unreadable(tr("无法读取的数字“{v}”").format(v=value))
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return str(value)  # a time of day or a duration: text, which no date or amount accepts
