"""The fast path of the .xlsx reader: a sheet's rows found by regular expressions.

Calling Python for every XML element costs five calls a cell; reading 100,000 rows that way
costs nearly half of what openpyxl does. Here the sheet's bytes are split into ``<row>``
elements and cells by compiled patterns (C speed, one Python step per cell), while the same
bytes go through an expat parser without handlers, which checks the XML as strictly as
before (no DTD, no entity, well-formed) before any row of them is given out. The values are
converted by ``reports.xlsx_reader.cell_value``, the same function the expat callbacks use.

A row the patterns do not cover (a comment, a CDATA section or a processing instruction in
it, or a row larger than ``MAX_PENDING``) and a sheet not in UTF-8 hand the rest of the sheet
to the expat callbacks (``Workbook.expat_rows``), which pick up after the last row given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ledger.i18n import tr
from reports.xlsx_reader import (
    _CELL_REF,
    MAX_COLUMNS,
    MAX_RAW_CHARS,
    MAX_ROWS,
    TemplateError,
    Workbook,
    _column_index,
    _parser,
    _too_long,
    cell_value,
    no_cached_value,
    tags_bounded,
    unescape,
)


class FastWorkbook(Workbook):
    """The .xlsx reader with this fast path (what reports.sheets.open_workbook gives)."""

    def _rows(self, chunks: Iterator[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
        self.cell_memo: dict[tuple[bytes, ...], tuple[int, Any]] = {}  # see _plain_cells
        return scan_rows(self, tags_bounded(chunks, self.path))

# elements before the first row (a sheet's properties, views, up to 16,384 column widths) beyond
# which the callbacks, which count how deep they are nested, read the sheet
_HEADER_ELEMENTS = 20_000
MAX_PENDING = 1 << 20  # bytes of one unfinished row (or of no row) before the expat callbacks take over

_NAME = rb"(?:[A-Za-z_\x80-\xff][\w.\-\x80-\xff]*:)?"  # a prefix: XML names may be non-ASCII
_ATTRS = rb"((?:\s+[^\s=>/<]+\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'))*)\s*"
_CELL = re.compile(rb"<" + _NAME + rb"c\b" + _ATTRS + rb"(?:/>|>(.*?)</" + _NAME + rb"c\s*>)", re.S)
_ATTR = re.compile(rb"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TEXT = re.compile(rb"<" + _NAME + rb"(?:v|t)\b" + _ATTRS + rb"(?:/>|>([^<]*)</" + _NAME + rb"(?:v|t)\s*>)")
# an rPh element (phonetic text: no part of the value), empty or with its content; the name ends
# there ("<rPh./>" is another element, which the pattern searched the whole cell after)
_PHONETIC = re.compile(
    rb"<" + _NAME + rb"rPh(?=[\s/>])[^>]*?/>|<" + _NAME + rb"rPh(?=[\s>])[^>]*>.*?</" + _NAME + rb"rPh\s*>", re.S
)
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_FORMULA = re.compile(rb"<" + _NAME + rb"f[\s/>]")
_UNUSUAL_GAP = re.compile(rb"<!|<\?(?!xml[\s?])")
# the usual cell, as Excel and openpyxl write it: <c r="B7" s="1" t="s"><v>12</v></c>; a row made
# of such cells only is read by one findall
_PLAIN = (
    rb'<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?'
    rb"(?:/>|></c>|><v>([^<&]+)</v></c>|><is><t>([^<&]+)</t></is></c>)"
)
_PLAIN_CELLS = re.compile(_PLAIN)
_ROW_OPEN = re.compile(rb"<" + _NAME + rb"row\b" + _ATTRS + rb"(/?)>")
_ROW_CLOSE = re.compile(rb"</" + _NAME + rb"row\s*>")
_ROW_REF = re.compile(rb' r="(\d+)"(?: spans="[\d:]*")?')
_PLAIN_ROW = re.compile(rb"(?:" + re.sub(rb"\((?!\?)", b"(?:", _PLAIN) + rb")*")


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _text(raw: bytes) -> str:
    """Character data as expat gives it: UTF-8, entities and references replaced, line ends as \\n."""
    text = raw.decode("utf-8")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(raw)}


def scan_rows(book: Workbook, chunks: Iterator[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of the rows holding a cell, exactly as the expat callbacks give them."""
    checker = _parser(None)
    pending = b""
    number = 0
    first = True
    for chunk in chunks:
        if first:
            first = False
            head = chunk[:200].lower()
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"encoding=" in head and b"utf-8" not in head):
                yield from book.expat_rows(checker, chunk, chunks, number)
                return
        pending += chunk
        if b"row" not in pending[-len(chunk) - 8 :]:  # no row ends in this chunk: nothing to scan
            if len(pending) > MAX_PENDING:
                yield from book.expat_rows(checker, pending, chunks, number)
                return
            continue
        found: list[tuple[int, bytes]] = []  # each whole row's number and content
        end = 0
        handover = False
        for start, stop, attrs, inner in _whole_rows(pending):
            if (
                (inner is not None and (b"<!" in inner or b"<?" in inner or (b"row" in inner and _ROW_OPEN.search(inner))))
                or _UNUSUAL_GAP.search(pending, end, start)
                or (number and pending.find(b"<", end, start) >= 0)
                or (not number and pending.count(b"<", end, start) > _HEADER_ELEMENTS)
            ):
                # a comment, CDATA or instruction in a row or around one, a row in a row, or an
                # element between two rows: the callbacks, which count how deep elements are
                # nested, read on from here
                handover = True
                break
            end = stop
            plain = _ROW_REF.fullmatch(attrs)  # the usual <row r="12" spans="1:23">
            number = _row_number(plain.group(1) if plain else _reference(_attributes(attrs).get(b"r")), number)
            if inner:
                found.append((number, inner))
        if end:
            # the XML is checked before the patterns look into its rows (a row that is no XML,
            # <c> after <c> never closed, could make a pattern search it again and again)
            checker.Parse(pending[:end], False)
            pending = pending[end:]
        for row_number, inner in found:
            values = _cells(book, inner)
            if values:
                yield row_number, values
        if handover or len(pending) > MAX_PENDING:
            yield from book.expat_rows(checker, pending, chunks, number)
            return
    # what follows the last row (less than MAX_PENDING) goes through the callbacks, which count
    # how deep its elements are nested
    yield from book.expat_rows(checker, pending, iter(()), number)


def _whole_rows(pending: bytes) -> Iterator[tuple[int, int, bytes, bytes | None]]:
    """(start, end, attributes, content or None for <row/>) of each whole <row> element in
    ``pending``: its content ends at the first closing row tag of any prefix (one in a comment
    too, which then hands the sheet to expat). The closing tag is found by a search of its own:
    a lazy pattern for the content (``.*?``) spent seven times as long."""
    closing, opening = _ROW_CLOSE.search, _ROW_OPEN.search
    position = 0
    unclosed = len(pending)  # no closing tag after this: searched once, never again
    while (match := opening(pending, position)) is not None:
        if match.group(2):
            position = match.end()
            yield match.start(), position, match.group(1), None
            continue
        close = closing(pending, match.end()) if match.end() < unclosed else None
        if close is None:
            # the row goes on in the next chunk - or the tag is in a comment: a later <row/>
            # is still given, so that the comment before it hands the sheet to expat
            unclosed = min(unclosed, match.end())
            position = match.start() + 1
            continue
        position = close.end()
        yield match.start(), position, match.group(1), pending[match.end() : close.start()]


def _reference(value: bytes | None) -> bytes | None:
    """An attribute's value with its character references read, as expat reads them."""
    if value is None or b"&" not in value:
        return value
    try:
        return _ENTITY.sub(_entity, value.decode("utf-8")).encode("utf-8")
    except (ValueError, OverflowError):  # not UTF-8, or no such character: expat refuses the file
        return value


def _row_number(ref: bytes | None, previous: int) -> int:
    try:
        number = int(ref.decode("utf-8")) if ref is not None else previous + 1  # any digits, as expat's str
    except ValueError:  # (UnicodeDecodeError too)
        number = previous + 1
    if number > MAX_ROWS:
        raise TemplateError(tr("工作表超过 {n} 行（第 {row} 行），无法导入").format(n=MAX_ROWS, row=number))
    if number <= previous:
        raise TemplateError(
            tr("工作表的第 {row} 行重复或顺序错乱；请在 Excel 中另存后再试").format(row=number)
        )
    return number


def _cells(book: Workbook, inner: bytes) -> tuple[Any, ...]:
    if _PLAIN_ROW.fullmatch(inner):
        return _plain_cells(book, inner)
    cells: dict[int, Any] = {}
    column = 0
    for match in _CELL.finditer(inner):
        attrs = _attributes(match.group(1))
        ref = attrs.get(b"r")
        ref = _reference(ref)
        found = _CELL_REF.match(ref.decode("utf-8", "replace")) if ref else None
        column = _column_index(found.group(1)) if found else column + 1
        body = match.group(2)
        if column > MAX_COLUMNS or not body:
            continue
        if b"rPh" in body:
            body = _PHONETIC.sub(b"", body)
        parts = [m.group(2) or b"" for m in _TEXT.finditer(body)]
        if not any(parts) and (not parts or attrs.get(b"t") != b"str") and _FORMULA.search(body):
            cells[column] = no_cached_value()  # a formula saved without its result (<v/> or none)
            continue
        if not parts:
            continue
        text = _text(b"".join(parts))
        if len(text) > MAX_RAW_CHARS:
            cells[column] = _too_long()
            continue
        kind = attrs.get(b"t", b"n").decode("utf-8", "replace")
        style = attrs.get(b"s", b"").decode("utf-8", "replace")
        cells[column] = cell_value(book, kind, style, text)
    return _as_row(cells)


_COLUMNS: dict[bytes, int] = {}
_SKIP = object()  # a cell that gives no value (beyond MAX_COLUMNS, or empty)
MEMO_CELLS = 1 << 16  # cells remembered per workbook before the memory starts again
_MEMO_BYTES = 64  # longer cells (prose) seldom repeat and are converted each time


def _plain_cells(book: Workbook, inner: bytes) -> tuple[Any, ...]:
    """A row of plain cells. A cell's value depends only on its markup and the workbook, and a
    ledger repeats most of its cells (dates, amounts, units, shared strings): each short cell's
    (column, value) is remembered by its markup."""
    row: list[Any] = [None] * MAX_COLUMNS
    width = 0
    memo: dict[tuple[bytes, ...], tuple[int, Any]] = book.__dict__.setdefault("cell_memo", {})  # FastWorkbook's
    for cell in _PLAIN_CELLS.findall(inner):
        known = memo.get(cell)
        if known is None:
            known = _plain_cell(book, *cell)
            if len(cell[3]) + len(cell[4]) <= _MEMO_BYTES:
                if len(memo) >= MEMO_CELLS:
                    memo.clear()
                memo[cell] = known
        column, value = known
        if value is not _SKIP:  # a column within MAX_COLUMNS: a later cell of it wins, as in a dict
            row[column - 1] = value
            if column > width:
                width = column
    return tuple(row[:width]) if width else ()


def _plain_cell(book: Workbook, letters: bytes, style: bytes, kind: bytes, v: bytes, t: bytes) -> tuple[int, Any]:
    column = _COLUMNS.get(letters)
    if column is None:
        column = _COLUMNS[letters] = _column_index(letters.decode())
    if column > MAX_COLUMNS or not (v or t):
        return column, _SKIP
    text = (v or t).decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_RAW_CHARS:
        return column, _too_long()
    if kind == b"inlineStr" or (t and not kind):
        return column, unescape(text) if kind else cell_value(book, "n", style.decode(), text)
    return column, cell_value(book, kind.decode() if kind else "n", style.decode(), text)


def _as_row(cells: dict[int, Any]) -> tuple[Any, ...]:
    if not cells:
        return ()
    width = max(cells)
    return tuple(cells.get(i) for i in range(1, width + 1))
