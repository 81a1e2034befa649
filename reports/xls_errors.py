"""Where an Excel 97 (.xls) sheet holds error values (#DIV/0!, #N/A, ...).

python-calamine gives an error cell as empty, so a broken formula in an optional amount would
import as 0.00 where an .xlsx refuses it at its column (the .xlsx reader gives the error's text,
which no amount or date accepts). This finds the error cells in the sheet's records, so the
calamine reader gives their text too.

The file is an OLE compound file ([MS-CFB]) holding the "Workbook" stream of BIFF8 records
([MS-XLS]); only what is needed is read: the sector tables, the directory, the stream, the
sheet list (BOUNDSHEET) and the sheet's FORMULA and BOOLERR records. Anything it cannot follow
(a damaged or unusual file) gives no error cells: the file reads as before, never worse.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_END = 0xFFFFFFFE  # the end of a sector chain
ERROR_TEXTS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A"}


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column), both from 0, of each error cell of the worksheet named ``sheet`` → its
    text as Excel shows it; {} where the file cannot be followed."""
    try:
        data = Path(path).read_bytes()
        return _sheet_errors(_workbook_stream(data), sheet)
    except (ValueError, IndexError, KeyError, struct.error, OSError, UnicodeDecodeError):
        return {}


def _workbook_stream(data: bytes) -> bytes:
    if data[:8] != _MAGIC:
        raise ValueError("not a compound file")
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    if size not in (512, 4096):
        raise ValueError("sector size")
    mini_size = 1 << struct.unpack_from("<H", data, 0x20)[0]
    fat_count, directory_start = struct.unpack_from("<II", data, 0x2C)
    cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<IIIII", data, 0x38)
    sectors = (len(data) - 512) // size + 1

    def sector(n: int) -> bytes:
        if n >= sectors:
            raise ValueError("sector outside the file")
        return data[(n + 1) * size : (n + 2) * size]

    # the sectors of the allocation table: 109 in the header, the rest in a chain of DIFAT sectors;
    # no more than the file's sectors need (one listed over and over would make a table of a
    # quarter as many entries as the file has bytes)
    fat_count = min(fat_count, -(-sectors // (size // 4)))
    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    at = difat_start
    for _ in range(min(difat_count, -(-max(0, fat_count - 109) // (size // 4 - 1)))):
        entries = struct.unpack(f"<{size // 4}I", sector(at))
        fat_sectors += entries[:-1]
        at = entries[-1]
    fat: list[int] = []
    for n in fat_sectors[:fat_count]:
        fat += struct.unpack(f"<{size // 4}I", sector(n))

    def chain(start: int, table: list[int]) -> list[int]:
        found: list[int] = []
        while start != _END:
            if start >= len(table) or len(found) > len(table):
                raise ValueError("broken chain")
            found.append(start)
            start = table[start]
        return found

    directory = b"".join(sector(n) for n in chain(directory_start, fat))
    entries = {}
    root = None
    for at in range(0, len(directory) - 127, 128):
        length = struct.unpack_from("<H", directory, at + 64)[0]
        name = directory[at : at + max(0, min(length, 64) - 2)].decode("utf-16-le")
        kind = directory[at + 66]
        start, stream_size = struct.unpack_from("<II", directory, at + 116)
        if kind == 5:
            root = (start, stream_size)
        elif kind == 2:  # the first so named, as calamine reads (an embedded workbook's is later)
            entries.setdefault(name, (start, stream_size))
    start, stream_size = entries["Workbook"] if "Workbook" in entries else entries["Book"]
    if stream_size >= cutoff or root is None:
        return b"".join(sector(n) for n in chain(start, fat))[:stream_size]
    # a small stream lives in the mini stream, in sectors of 64 bytes with a table of their own
    mini_fat: list[int] = []
    for n in chain(mini_fat_start, fat):
        mini_fat += struct.unpack(f"<{size // 4}I", sector(n))
    mini = b"".join(sector(n) for n in chain(root[0], fat))
    return b"".join(mini[n * mini_size : (n + 1) * mini_size] for n in chain(start, mini_fat))[:stream_size]


def _records(stream: bytes, at: int) -> Iterator[tuple[int, int, int, bool]]:
    """(type, where its data starts, its length, whether it lies in a nested substream) of the
    records from ``at`` to the EOF that closes the substream starting there (an embedded chart's
    BOF ... EOF lies inside: its cached series values are Number and BoolErr records at (point,
    series), no cells of the sheet, which calamine skips)."""
    depth = 0
    header = struct.Struct("<HH").unpack_from
    while at + 4 <= len(stream):
        kind, length = header(stream, at)
        if kind == 0x0809:  # BOF
            depth += 1
        yield kind, at + 4, length, depth > 1
        at += 4 + length
        if kind == 0x000A:  # EOF
            depth -= 1
            if depth <= 0:
                return


def _sheet_errors(stream: bytes, wanted: str) -> dict[tuple[int, int], str]:
    offset = None
    for kind, at, _, _ in _records(stream, 0):
        if kind != 0x0085:  # BOUNDSHEET: where a sheet's records start, its type and its name
            continue
        position, _, sheet_type, count, wide = struct.unpack_from("<IBBBB", stream, at)
        raw = stream[at + 8 : at + 8 + count * (2 if wide & 1 else 1)]
        name = raw.decode("utf-16-le") if wide & 1 else raw.decode("latin-1")
        if name == wanted:  # the last so named: calamine keeps its sheets by name
            offset = position if sheet_type == 0 else None
    if offset is None:
        return {}
    errors: dict[tuple[int, int], str] = {}
    for kind, at, length, nested in _records(stream, offset):
        if nested:
            continue
        if kind == 0x0006 and length >= 14:  # FORMULA: its cached result is an error
            row, column = struct.unpack_from("<HH", stream, at)
            result = stream[at + 6 : at + 14]
            if result[0] == 0x02 and result[6:8] == b"\xff\xff":
                errors[(row, column)] = ERROR_TEXTS.get(result[2], "#N/A")
        elif kind == 0x0205 and length >= 8:  # BOOLERR: a typed-in error value
            row, column = struct.unpack_from("<HH", stream, at)
            if stream[at + 7] == 1:
                errors[(row, column)] = ERROR_TEXTS.get(stream[at + 6], "#N/A")
    return errors
