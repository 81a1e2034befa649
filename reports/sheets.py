"""Every workbook a bureau keeps (.xlsx, .xls, .xlsb, .ods), told by its content, read as rows.

``open_workbook(path)`` looks at the file's first bytes and, for a zip, at its members - never
at its name - and returns a reader whose ``rows()`` yields (row number, values) exactly as
``reports.xlsx_reader.Workbook.rows`` does, so the template sees the same values, row numbers
and per-cell errors whatever the format:

- **.xlsx** (a zip with ``xl/workbook.xml``), **.xlsb** (a zip with ``xl/workbook.bin``) and
  **.ods** (a zip whose ``mimetype`` is an OpenDocument spreadsheet): our streaming readers
  (reports.xlsx_reader, reports.xlsb_reader, reports.ods_reader), which hold no sheet in memory
  and bound everything a hostile file could ask for;
- **.xls** (an OLE compound file, at most 65,536 rows): python-calamine (Rust), which holds a
  whole sheet in memory. It runs in a child process under a memory limit
  (``CALAMINE_MEMORY``) and the reader's deadline: a file that asks for more (a declared
  dimension of millions of cells, a bomb) ends that process, never this one, and is one line
  for the user. Its values are converted in the child to the xlsx reader's kinds (None, str,
  int, float, bool, datetime, ``Unreadable``); its error cells, which calamine gives as empty,
  are found by reports.xls_errors.

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
from reports.xlsx_reader import (
    _OLE_MAGIC,
    DEADLINE_SECONDS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    TemplateError,
    Unreadable,
    Workbook,
)
from reports.xlsx_scan import FastWorkbook

# address space the reading child may add to what it inherits: with the ~60 MB it starts with,
# its peak stays under the 300 MB bar (the largest .xls, 65,535 rows of 23 columns, peaks at 241 MB)
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


def open_workbook(path: Path, *, deadline: float = DEADLINE_SECONDS) -> Workbook | CalamineSheet:
    """The reader for the file's kind (see the module doc)."""
    kind = kind_of(path)
    if kind == XLSX:
        return FastWorkbook(Path(path), deadline=deadline)
    if kind == XLSB:
        from reports.xlsb_reader import XlsbWorkbook

        return XlsbWorkbook(Path(path), deadline=deadline)
    if kind == ODS:
        from reports.ods_reader import OdsWorkbook

        return OdsWorkbook(Path(path), deadline=deadline)
    return CalamineSheet(Path(path), deadline=deadline)


class CalamineSheet:
    """The 台账 worksheet (else the first worksheet) of an .xls, read by a child process."""

    def __init__(self, path: Path, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.path = path
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
    # an OLE file calamine cannot read is an encrypted workbook (any version) or a damaged .xls
    return tr("{path} 是加密的或已损坏的旧版（.xls）工作簿；请在 Excel 中取消密码并另存为 .xlsx").format(path=path)


def _calamine_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows holding a cell, as reports.xlsx_reader gives them."""
    import tempfile

    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        # calamine picks its reader by the name: give it a name that says what the content is
        folder = tempfile.mkdtemp(prefix="ledger-sheet-")
        named = Path(folder) / "sheet.xls"
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
        # calamine gives an error cell (#DIV/0!) as empty: they are found in the file's own
        # records (before calamine holds the sheet: the two never take the memory at once), and
        # given as their text, as the .xlsx reader gives them (no amount or date accepts it)
        from reports.xls_errors import error_cells

        errors: dict[int, list[tuple[int, str]]] = {}
        for (row_index, column), text in error_cells(path, name).items():
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
        yield number, pad + tuple(cells)  # (an .xls numbers its rows in 16 bits: never past MAX_ROWS)


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
