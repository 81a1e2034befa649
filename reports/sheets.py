"""Every workbook a bureau keeps (.xlsx, .xls, .xlsb, .ods), told by its content, read as rows.

``open_workbook(path)`` looks at the file's first bytes and, for a zip, at its members - never
at its name - and returns a reader whose ``rows()`` yields (row number, values) exactly as
``reports.xlsx_reader.Workbook.rows`` does, so the template sees the same values, row numbers
and per-cell errors whatever the format:

- **.xlsx** (a zip with ``xl/workbook.xml``), **.xlsb** (a zip with ``xl/workbook.bin``),
  **.ods** (a zip whose ``mimetype`` is an OpenDocument spreadsheet) and **.xls** (an OLE
  compound file: Excel 97-2003, or Excel 5.0/95): our streaming readers (reports.xlsx_reader,
  reports.xlsb_reader, reports.ods_reader, reports.xls_reader), which hold no sheet in memory
  and bound everything a hostile file could ask for.

An Excel 4.0 or older workbook (BIFF2-4, no compound file) is one line saying to save it as
.xlsx; anything else is a ``TemplateError`` with one line.
"""

from __future__ import annotations

import errno
import os
import time
import zipfile
from pathlib import Path

from ledger.files import read_failure
from ledger.i18n import tr
from reports.xlsx_reader import (
    _OLE_MAGIC,
    DEADLINE_SECONDS,
    TemplateError,
    Workbook,
)
from reports.xlsx_scan import FastWorkbook

_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"

XLSX, XLS, XLSB, ODS = "xlsx", "xls", "xlsb", "ods"
# the first record of an Excel 2.x, 3.0 and 4.0 file: BOF and its length
_OLD_EXCEL = (b"\x09\x00\x04\x00", b"\x09\x02\x06\x00", b"\x09\x04\x06\x00")


def kind_of(path: Path) -> str:
    """Which workbook the file is, by content: ``xlsx``, ``xls``, ``xlsb`` or ``ods``."""
    path = Path(path)
    try:
        a_file = path.is_file()
        there = a_file or path.exists()
    except OSError as exc:  # a name too long for the system, say
        raise TemplateError(read_failure(exc, path)) from None
    if not a_file:
        if there:  # a folder, a pipe, a device: there, but nothing to read as a workbook
            raise TemplateError(not_a_workbook(path))
        raise TemplateError(read_failure(FileNotFoundError(errno.ENOENT, ""), path))
    try:
        with open(path, "rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise TemplateError(read_failure(exc, path)) from None
    if magic == _OLE_MAGIC:
        return XLS  # Excel 97-2003 or 5.0/95, or an encrypted workbook (said when it is read)
    if magic[:4] in _OLD_EXCEL:
        from reports.xls_reader import old_excel

        raise TemplateError(old_excel(path).args[0])
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


def open_workbook(path: Path, *, deadline: float = DEADLINE_SECONDS) -> Workbook:
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
    from reports.xls_reader import XlsWorkbook

    return XlsWorkbook(Path(path), deadline=deadline)


def die_with_parent(parent: int) -> None:
    """In the reading process: end when the importing process ends, even by kill -9."""
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
