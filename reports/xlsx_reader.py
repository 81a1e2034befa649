"""A streaming reader for the first (or 台账) sheet of an .xlsx file that never breaks.

An import template may come from anywhere, so this reads the workbook's XML itself with
expat, in chunks, and bounds everything a file could ask for:

- a cell that cannot be converted (bad number text, a date serial out of range, a shared
  string that does not exist, an unknown cell type, a bad style) becomes an ``Unreadable``
  value for that cell; reading goes on with the next cell;
- rows and cells that are not in the file cost nothing (a sheet claiming A1:XFD1048576 is
  read as the rows it holds), cells right of ``MAX_COLUMNS`` are skipped unread, rows past
  ``MAX_ROWS`` and a cell longer than Excel's 32,767 characters are refused;
- every zip member is decompressed through a counter: its declared and its real size are
  capped (the shared strings, which must be held whole, more tightly), as is the ratio of
  uncompressed to compressed size, so a zip bomb stops after a few megabytes;
- no DTD or entity is accepted, and the whole read has a deadline (the reading's own time: the
  time its rows spend being checked between two rows is not counted).

Whatever stops the whole file is a ``TemplateError`` with one Chinese line.
"""

from __future__ import annotations

import itertools
import math
import posixpath
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ledger.i18n import tr

MAX_ROWS = 1_048_576  # Excel's own
MAX_COLUMNS = 200  # cells beyond are ignored, never read into memory
MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
MAX_RAW_CHARS = 7 * MAX_CELL_CHARS  # a cell's text in the file: each character may be an _xHHHH_
MAX_SHEET_BYTES = 2 << 30  # uncompressed sheet XML (a full 100,000-row ledger is ~100 MB)
# an .ods says more a row (LibreOffice: 2.5 KB for the ledger's 32 columns; 1,048,576 rows 2.6 GB)
MAX_ODS_SHEET_BYTES = 4 << 30
MAX_SHARED_BYTES = 64 << 20  # the shared strings are held whole
MAX_SHARED_STRINGS = 2_000_000
MAX_SMALL_BYTES = 16 << 20  # workbook.xml, styles.xml, relationships
MAX_TOTAL_BYTES = 5 << 30
MAX_RATIO = 100  # uncompressed / compressed, for members above RATIO_FREE
RATIO_FREE = 64 << 20
DEADLINE_SECONDS = 600.0
MAX_DEPTH = 256  # elements open at once (a sheet needs about 6, an .ods about 12): expat keeps each
MAX_TAG_BYTES = 16 << 20  # bytes without a "<": expat holds a start tag (its attributes) whole
MAX_TAG_ATTRIBUTES = 100_000  # "=" without a "<" (a cell's text has at most 32,767)
_CHUNK = 1 << 16

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
# a sheet's relationship id: Transitional, and Strict Open XML (Excel's "Strict" save)
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d*)$")
# Excel writes a character XML cannot hold as _xHHHH_ (a carriage return as _x000D_) and a
# literal "_x" that would read as one as _x005F_x; Excel and LibreOffice read them back
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str | Unreadable:
    """A cell's text with Excel's _xHHHH_ escapes read as the characters they stand for, or
    ``Unreadable`` when it is longer than a cell may hold (counted as Excel counts: unescaped)."""
    if "_x" in text:
        text = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)
        if _SURROGATE.search(text):
            # _xD83D__xDE00_ is one emoji, written in halves; a half alone (a formula's LEFT()
            # cut the emoji in two) is no character at all: shown as �, as Excel shows it
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _too_long() if len(text) > MAX_CELL_CHARS else text


_SURROGATE = re.compile("[\ud800-\udfff]")
_INT = re.compile(r"[-+]?\d+$")
# built-in number formats that show dates (including the CJK locales' 27–36 and 50–58)
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)})
_MAX_SERIAL = 2_958_465  # 9999-12-31


class TemplateError(ValueError):
    """The file as a whole cannot be read (missing, not a workbook, wrong headers, too large)."""


class BoundExceeded(TemplateError):
    """The file asks for more than a read may take: bytes (a bomb) or time."""


class Unreadable:
    """A cell that could not be converted; ``message`` says why, for its row and column."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"Unreadable({self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unreadable) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)


class _Budget:
    """The bytes and time a whole read may take."""

    def __init__(self, path: Path, deadline: float) -> None:
        self.path = path
        self.total = 0
        self.deadline = time.monotonic() + deadline

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise BoundExceeded(tr("读取工作簿 {path} 超时，文件过大或已损坏").format(path=self.path))


def _too_large(path: Path) -> TemplateError:
    return BoundExceeded(
        tr("工作簿 {path} 解压后过大或压缩比异常，可能已损坏；请在 Excel 中另存后再试").format(path=path)
    )


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: _Budget) -> Iterator[bytes]:
    """A member's bytes, counted as they are decompressed (headers can lie)."""
    if info.file_size > limit or budget.total + info.file_size > MAX_TOTAL_BYTES:
        raise _too_large(budget.path)
    # beyond the first RATIO_FREE bytes, a member must not be more compressed than MAX_RATIO
    allowed = min(limit, max(RATIO_FREE, info.compress_size * MAX_RATIO))
    read = 0
    try:
        with zf.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    return
                read += len(chunk)
                budget.total += len(chunk)
                if read > allowed or budget.total > MAX_TOTAL_BYTES:
                    raise _too_large(budget.path)
                budget.check_time()
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        raise TemplateError(
            tr("工作簿 {path} 已损坏，无法读取（{error}）").format(path=budget.path, error=_damage(exc))
        ) from None


def _damage(exc: BaseException) -> str:
    """What broke, for the one line: a file cut short (EOFError) says nothing of itself."""
    return str(exc) or (tr("文件不完整，可能未复制或下载完") if isinstance(exc, EOFError) else type(exc).__name__)


def _parser(
    start: Callable[..., None] | None, end: Callable[[str], None] | None = None, *, path: Path | None = None
) -> Any:
    """An expat parser that refuses any DTD or entity declaration; without handlers it only
    checks the XML (at C speed). Given ``path``, the handlers are wrapped to refuse elements
    nested deeper than ``MAX_DEPTH`` (expat's memory grows with the depth)."""
    if path is not None:
        start, end = _depth_bounded(path, start, end)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK

    def no_dtd(*_: object) -> None:
        raise TemplateError(tr("工作簿含有不允许的 XML 声明（DTD）"))

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    return parser


def _depth_bounded(
    path: Path, start: Callable[..., None] | None, end: Callable[[str], None] | None
) -> tuple[Callable[..., None], Callable[[str], None]]:
    level = 0

    def on_start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal level
        level += 1
        if level > MAX_DEPTH:
            raise too_deep(path)
        if start is not None:
            start(tag, attrs)

    def on_end(tag: str) -> None:
        nonlocal level
        level -= 1
        if end is not None:
            end(tag)

    return on_start, on_end


def too_deep(path: Path) -> TemplateError:
    return TemplateError(tr("工作簿 {path} 的 XML 嵌套超过 {n} 层，可能已损坏").format(path=path, n=MAX_DEPTH))


def tags_bounded(chunks: Iterator[bytes], path: Path) -> Iterator[bytes]:
    """The chunks of an XML part, refused once ``MAX_TAG_BYTES`` pass without a "<", or
    ``MAX_TAG_ATTRIBUTES`` "=" (a start tag of one huge attribute, or of a million, which expat
    and the handlers' dictionary would hold whole; a "<" can be in no attribute value, where a
    ">" can). A tag within one chunk is small anyway."""
    since = assigned = 0
    for chunk in chunks:
        first, last = chunk.find(b"<"), chunk.rfind(b"<")
        if last < 0:
            since, assigned = since + len(chunk), assigned + chunk.count(b"=")
        else:
            # the run before this chunk's first "<" ends there
            if since + first > MAX_TAG_BYTES or assigned + chunk.count(b"=", 0, first) > MAX_TAG_ATTRIBUTES:
                raise _too_large(path)
            since, assigned = len(chunk) - last, chunk.count(b"=", last)
        if since > MAX_TAG_BYTES or assigned > MAX_TAG_ATTRIBUTES:
            raise _too_large(path)
        yield chunk


def _local(name: str) -> str:
    return name[name.rfind(" ") + 1 :]


def _feed_all(parser: Any, chunks: Iterator[bytes], path: Path) -> None:
    try:
        for chunk in tags_bounded(chunks, path):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, LookupError) as exc:  # (LookupError: an encoding Python does not know)
        raise TemplateError(
            tr("工作簿 {path} 的内容不是有效的 XML（{error}）").format(path=path, error=exc)
        ) from None


class Workbook:
    """The parts of an .xlsx the import needs: the sheet to read, shared strings, date styles."""

    sheet_limit = MAX_SHEET_BYTES
    book_part = "xl/workbook.xml"

    def __init__(self, path: Path, *, deadline: float = DEADLINE_SECONDS) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            if self.path.exists():  # a folder, a pipe, a device
                raise TemplateError(tr("不是 Excel 工作簿（.xlsx）：{path}").format(path=self.path))
            raise TemplateError(tr("找不到文件：{path}").format(path=self.path))
        try:
            with open(self.path, "rb") as f:
                magic = f.read(8)
        except OSError as exc:
            raise TemplateError(
                tr("无法打开文件 {path}：{error}").format(path=self.path, error=exc)
            ) from None
        if magic == _OLE_MAGIC:
            raise TemplateError(
                tr("{path} 是加密的或旧版（.xls）工作簿；请在 Excel 中取消密码并另存为 .xlsx").format(
                    path=self.path
                )
            )
        if not zipfile.is_zipfile(self.path):
            raise TemplateError(tr("不是 Excel 工作簿（.xlsx）：{path}").format(path=self.path))
        self.budget = _Budget(self.path, deadline)
        try:
            self.zip = zipfile.ZipFile(self.path)
            self.members = {info.filename: info for info in self.zip.infolist()}
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise TemplateError(
                tr("工作簿 {path} 已损坏，无法读取（{error}）").format(path=self.path, error=_damage(exc))
            ) from None
        try:
            self._resolve()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    # ------------------------------------------------------------------ structure
    def _attributes(self, name: str, wanted: set[str]) -> list[tuple[str, dict[str, str]]]:
        """(local element name, attributes) of the elements named ``wanted`` in a small part."""
        info = self.members.get(name)
        if info is None:
            return []
        found: list[tuple[str, dict[str, str]]] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local in wanted:
                if len(found) > 100_000:
                    raise _too_large(self.path)
                found.append((local, attrs))

        _feed_all(_parser(start, path=self.path), _chunks(self.zip, info, MAX_SMALL_BYTES, self.budget), self.path)
        return found

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type's last word, target member name) of a part."""
        folder, base = posixpath.split(part)
        rels: dict[str, tuple[str, str]] = {}
        for _, attrs in self._attributes(posixpath.join(folder, "_rels", base + ".rels"), {"Relationship"}):
            target = attrs.get("Target", "")
            if attrs.get("TargetMode") == "External" or not target:
                continue
            member = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            rels[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], member)
        return rels

    def _resolve(self) -> None:
        """The workbook part (through the package's relationships), its date system and
        worksheets, then the sheet to read and the parts its cells need (``_read_parts``)."""
        office = [t for kind, t in self._rels("").values() if kind == "officeDocument"]
        book = office[0] if office else self.book_part
        if book not in self.members:
            raise TemplateError(
                tr("不是 Excel 工作簿（缺少 {part}）：{path}").format(part=posixpath.basename(self.book_part), path=self.path)
            )
        rels = self._rels(book)
        self.epoch = datetime(1899, 12, 30)
        sheets = self._sheets(book, rels)
        if not sheets:
            raise TemplateError(tr("工作簿 {path} 中没有工作表").format(path=self.path))
        self.sheet = next((member for name, member in sheets if name == "台账"), sheets[0][1])
        self._read_parts({kind: member for kind, member in rels.values()})

    def _sheets(self, book: str, rels: dict[str, tuple[str, str]]) -> list[tuple[str, str]]:
        """(name, member) of each worksheet of the workbook part; sets ``self.epoch``."""
        sheets: list[tuple[str, str]] = []
        for local, attrs in self._attributes(book, {"sheet", "workbookPr"}):
            if local == "workbookPr":
                if attrs.get("date1904", "").lower() in ("1", "true"):
                    self.epoch = datetime(1904, 1, 1)
                continue
            rel = rels.get(next((attrs[key] for ns in _REL_NS if (key := f"{ns} id") in attrs), ""))
            if rel and rel[0] == "worksheet" and rel[1] in self.members:
                sheets.append((attrs.get("name", ""), rel[1]))
        return sheets

    def _read_parts(self, by_kind: dict[str, str]) -> None:
        """The cell styles that are dates and the shared strings (parts by relationship type)."""
        self.shared_member = by_kind.get("sharedStrings", "xl/sharedStrings.xml")
        self.styles_member = by_kind.get("styles", "xl/styles.xml")
        self.date_styles = self._date_styles()
        self.shared = self._shared_strings()

    def _date_styles(self) -> list[bool]:
        """For each cell style index (s=), whether its number format shows a date."""
        custom: dict[int, str] = {}
        known: dict[int, bool] = {}
        xfs: list[bool] = []
        depth = {"cellXfs": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "numFmt":
                try:
                    custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
                except ValueError:
                    pass
            elif local == "cellXfs":
                depth["cellXfs"] = True
            elif local == "xf" and depth["cellXfs"]:
                try:
                    fmt = int(attrs.get("numFmtId", "0"))
                except ValueError:
                    fmt = 0
                xfs.append(is_date_format(fmt, custom, known))
                if len(xfs) > 1_000_000:
                    raise _too_large(self.path)

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                depth["cellXfs"] = False

        info = self.members.get(self.styles_member)
        if info is not None:
            _feed_all(
                _parser(start, end, path=self.path), _chunks(self.zip, info, MAX_SMALL_BYTES, self.budget), self.path
            )
        return xfs

    def _shared_strings(self) -> list[str | Unreadable]:
        info = self.members.get(self.shared_member)
        strings: list[str | Unreadable] = []
        if info is None:
            return strings
        state = {"si": False, "rph": 0, "t": False}
        parts: list[str] = []
        size = [0]

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "si":
                state["si"] = True
                parts.clear()
                size[0] = 0
            elif local == "rPh":
                state["rph"] += 1
            elif local == "t" and state["si"] and not state["rph"]:
                state["t"] = True

        def end(tag: str) -> None:
            local = _local(tag)
            if local == "si":
                state["si"] = False
                if len(strings) >= MAX_SHARED_STRINGS:
                    raise _too_large(self.path)
                strings.append(_too_long() if size[0] > MAX_RAW_CHARS else unescape("".join(parts)))
            elif local == "rPh":
                state["rph"] -= 1
            elif local == "t":
                state["t"] = False

        def text(data: str) -> None:
            if state["t"]:
                size[0] += len(data)
                if size[0] <= MAX_RAW_CHARS:
                    parts.append(data)

        parser = _parser(start, end, path=self.path)
        parser.CharacterDataHandler = text
        _feed_all(parser, _chunks(self.zip, info, MAX_SHARED_BYTES, self.budget), self.path)
        return strings

    # ------------------------------------------------------------------ the sheet
    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values) of every row of the sheet that holds a cell, in file order.

        A value is None, str, int, float, bool, datetime or ``Unreadable``; the tuple is as
        long as the row's last cell (at most ``MAX_COLUMNS``).
        """
        chunks = _chunks(self.zip, self.members[self.sheet], self.sheet_limit, self.budget)
        budget = self.budget
        try:
            for row in self._rows(chunks):
                paused = time.monotonic()
                yield row
                # the deadline is the reading's: the time the rows spend being checked is added
                budget.deadline += time.monotonic() - paused
        # (the fast path decodes before expat checks; LookupError: an encoding Python does not know)
        except (expat.ExpatError, UnicodeDecodeError, LookupError) as exc:
            raise TemplateError(
                tr("工作簿 {path} 的工作表不是有效的 XML（{error}）").format(path=self.path, error=exc)
            ) from None

    def _rows(self, chunks: Iterator[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The rows, by expat callbacks (reports.xlsx_scan.FastWorkbook finds most by patterns)."""
        return self.expat_rows(_parser(None), b"", tags_bounded(chunks, self.path), 0)

    def expat_rows(
        self, parser: Any, pending: bytes, chunks: Iterator[bytes], row_number: int
    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The rows after ``row_number``, read by expat callbacks: ``parser`` has read the sheet
        up to ``pending``, which comes before the rest of ``chunks``."""
        reader = _SheetReader(self)
        reader.row_number = row_number
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        for chunk in itertools.chain((pending,), chunks):
            parser.Parse(chunk, False)
            if reader.done:
                yield from reader.done
                reader.done = []
        parser.Parse(b"", True)
        yield from reader.done


def no_cached_value() -> Unreadable:
    """A formula cell saved without its result (a program that writes formulas and never
    computes them): what Excel would show cannot be known."""
    return Unreadable(tr("公式没有保存计算结果：请在 Excel 或 WPS 中打开工作簿并保存后再导入"))


def _too_long() -> Unreadable:
    return Unreadable(tr("单元格超过 {n} 个字").format(n=MAX_CELL_CHARS))


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


class _SheetReader:
    """expat callbacks collecting the rows of a worksheet."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.done: list[tuple[int, tuple[Any, ...]]] = []
        self.level = 0  # elements open since the callbacks took over
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.column = 0
        self.kind = ""
        self.style = ""
        self.capture = False
        self.in_cell = False
        self.wanted = False
        self.rph = 0
        self.parts: list[str] = []
        self.size = 0
        self.has_value = False
        self.formula = False  # the cell holds a formula (<f>): without a <v> its result is unknown

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise too_deep(self.book.path)
        local = tag[tag.rfind(" ") + 1 :]
        if local == "c":
            ref = attrs.get("r")
            match = _CELL_REF.match(ref) if ref else None
            self.column = _column_index(match.group(1)) if match else self.column + 1
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s", "")
            self.in_cell = True
            self.wanted = self.column <= MAX_COLUMNS
            self.parts = []
            self.size = 0
            self.has_value = False
            self.formula = False
        elif local == "f" and self.in_cell:
            self.formula = True
        elif local == "v" or (local == "t" and self.in_cell and not self.rph):
            if self.wanted:
                self.capture = True
                self.has_value = True
        elif local == "row":
            self._start_row(attrs.get("r"))
        elif local == "rPh":
            self.rph += 1

    def _start_row(self, ref: str | None) -> None:
        previous = self.row_number
        try:
            number = int(ref) if ref is not None else previous + 1
        except ValueError:
            number = previous + 1
        if number > MAX_ROWS:
            raise TemplateError(
                tr("工作表超过 {n} 行（第 {row} 行），无法导入").format(n=MAX_ROWS, row=number)
            )
        if number <= previous:
            raise TemplateError(
                tr("工作表的第 {row} 行重复或顺序错乱；请在 Excel 中另存后再试").format(row=number)
            )
        self.row_number = number
        self.cells = {}
        self.column = 0

    def end(self, tag: str) -> None:
        self.level -= 1  # (from where it took over: it may end elements opened before)
        local = tag[tag.rfind(" ") + 1 :]
        if local == "c":
            self.in_cell = False
            if self.wanted and self.formula and not self.parts and (not self.has_value or self.kind != "str"):
                self.cells[self.column] = no_cached_value()  # (an empty text result is t="str")
            elif self.wanted and self.has_value:
                self.cells[self.column] = self._value()
        elif local in ("v", "t"):
            self.capture = False
        elif local == "row":
            if self.cells:
                width = max(self.cells)
                self.done.append((self.row_number, tuple(self.cells.get(i) for i in range(1, width + 1))))
                self.cells = {}  # (a row within a row is given once, at its own end)
        elif local == "rPh":
            self.rph -= 1

    def text(self, data: str) -> None:
        if self.capture:
            self.size += len(data)
            if self.size <= MAX_RAW_CHARS:
                self.parts.append(data)

    def _value(self) -> Any:
        if self.size > MAX_RAW_CHARS:
            return _too_long()
        return cell_value(self.book, self.kind, self.style, "".join(self.parts))


def cell_value(book: Workbook, kind: str, style: str, raw: str) -> Any:
    """A cell's value from its type (t=), style (s=) and text (of <v> or <t>), or ``Unreadable``."""
    if kind == "s":
        try:
            index = int(raw)
            if index < 0:
                raise IndexError
            return book.shared[index]
        except (ValueError, IndexError):
            return Unreadable(tr("无法读取的单元格（共享字符串编号无效）"))
    if kind in ("inlineStr", "str"):
        return unescape(raw)
    if kind == "e":
        return raw if len(raw) <= MAX_CELL_CHARS else _too_long()
    if kind == "n":
        return _number(book, style, raw)
    if kind == "b":
        if raw.strip() in ("1", "0", "true", "false"):
            return raw.strip() in ("1", "true")
        return Unreadable(tr("无法读取的单元格（布尔值“{v}”无效）").format(v=raw[:40]))
    if kind == "d":
        try:
            return datetime.fromisoformat(raw.strip())
        except ValueError:
            return Unreadable(tr("无法读取的日期“{v}”").format(v=raw[:40]))
    return Unreadable(tr("无法读取的单元格（未知类型“{t}”）").format(t=kind[:20]))


def _number(book: Workbook, style_text: str, raw: str) -> Any:
    text = raw.strip()
    if not text:
        return None
    try:
        value: int | float = int(text) if _INT.match(text) else float(text)
    except ValueError:
        return Unreadable(tr("无法读取的数字“{v}”").format(v=text[:40]))
    if not style_text:
        return value if not isinstance(value, float) or math.isfinite(value) else _bad_number(text)
    try:
        style = int(style_text)
    except ValueError:
        return Unreadable(tr("无法读取的单元格（样式编号“{s}”无效）").format(s=style_text[:20]))
    return styled_number(book, style, value, text)


def styled_number(book: Any, style: int, value: int | float, shown: str) -> Any:
    """A number with its cell style: a date where the style's format shows one (in the
    workbook's date system, ``book.epoch``), else the number; ``Unreadable`` when it is not
    finite, its style does not exist or its date is out of range. ``book.date_styles`` tells
    for each style index whether it is a date."""
    if isinstance(value, float) and not math.isfinite(value):
        return _bad_number(shown)
    try:
        is_date = book.date_styles[style] if style >= 0 else None
    except IndexError:
        is_date = None
    if is_date is None:
        if style == 0 and not book.date_styles:
            return value
        return Unreadable(tr("无法读取的单元格（样式编号“{s}”无效）").format(s=str(style)[:20]))
    if not is_date:
        return value
    if not 0 <= value <= _MAX_SERIAL:
        return Unreadable(tr("日期超出范围（{v}）").format(v=shown[:40]))
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(value, book.epoch)
    except (OverflowError, ValueError, TypeError):
        return Unreadable(tr("日期超出范围（{v}）").format(v=shown[:40]))


def _bad_number(shown: str) -> Unreadable:
    return Unreadable(tr("无法读取的数字“{v}”").format(v=shown[:40]))


def is_date_format(format_id: int, custom: dict[int, str], known: dict[int, bool]) -> bool:
    """Whether a number format (a built-in id, or one of the workbook's own) shows a date;
    ``known`` remembers the verdict by id (a style sheet may have a million cell styles using one
    format). A code longer than Excel's 255 characters is no date (and is not searched)."""
    from openpyxl.styles.numbers import is_date_format as shows_date

    verdict = known.get(format_id)
    if verdict is None:
        code = custom.get(format_id)
        verdict = format_id in _DATE_FORMAT_IDS or (code is not None and len(code) <= 255 and shows_date(code))
        known[format_id] = verdict
    return verdict
