"""Hostile .xls files for reports/xls_reader.py: each is one line (TemplateError), or that cell's
error where the damage is the cell's, never a traceback, a hang or memory that grows with what
the file claims (README: "no input file, however hostile, produces a traceback, a hang,
unbounded memory or a partial import")."""

from __future__ import annotations

import random
import struct
import time
import tracemalloc
from pathlib import Path

import pytest

from reports import xls_reader
from reports.xlsx_reader import BoundExceeded, TemplateError, Unreadable
from tests.cli import run_cli
from tests.formats import biff, bof, compound_file, write_biff, write_xls, xls_cell, xls_stream, xls_text
from tests.reports.test_xls_reader import HEADERS, ROWS, number, rows_of, xf

DAMAGED = "加密的或已损坏的旧版"
RECORDS = "工作表已损坏"


def small_book(tmp_path: Path, name: str = "a.xls", *, rows: int = 40) -> Path:
    """A workbook whose stream spans several sectors: a row of text and a number a row."""
    cells = b"".join(xls_cell(0x0204, n, 0, xls_text(f"单位{n}"), 0) + number(n, 1, n) for n in range(rows))
    return write_biff(tmp_path / name, xls_stream([("台账", 0, cells)], xf(0)))


def fat_entry(data: bytearray, sector: int, value: int) -> None:
    """Set the allocation table's entry of ``sector`` (the table's sectors listed in the header)."""
    table = struct.unpack_from("<109I", data, 0x4C)
    struct.pack_into("<I", data, (table[sector // 128] + 1) * 512 + sector % 128 * 4, value)


def directory_entry(data: bytearray, index: int) -> int:
    """Where the directory entry ``index`` is in the file (the directory's first sector)."""
    return (struct.unpack_from("<I", data, 0x30)[0] + 1) * 512 + index * 128


def one_line(path: Path, match: str) -> None:
    with pytest.raises(TemplateError, match=match) as caught:
        rows_of(path)
    assert "\n" not in str(caught.value)


def changed(path: Path, change: object) -> Path:
    data = bytearray(path.read_bytes())
    change(data)  # type: ignore[operator]
    path.write_bytes(bytes(data))
    return path


# ------------------------------------------------------------------ the compound file
def test_a_sector_chain_that_loops_or_leaves_the_file_is_one_line(tmp_path: Path) -> None:
    assert len(rows_of(small_book(tmp_path))) == 40
    # the stream's second sector leads back to its first
    one_line(changed(small_book(tmp_path, "loop.xls"), lambda d: fat_entry(d, 1, 0)), DAMAGED)
    # its first leads past the end of the file
    one_line(changed(small_book(tmp_path, "past.xls"), lambda d: fat_entry(d, 0, 10**6)), DAMAGED)
    # the directory's chain leads to itself
    def directory_loop(data: bytearray) -> None:
        start = struct.unpack_from("<I", data, 0x30)[0]
        fat_entry(data, start, start)
        data.extend(bytes(512))  # (a second directory sector would be read, were it followed)

    one_line(changed(small_book(tmp_path, "directory.xls"), directory_loop), DAMAGED)
    # the stream starts past the end of the file; it claims 4 GB
    one_line(changed(small_book(tmp_path, "start.xls"), lambda d: struct.pack_into("<I", d, directory_entry(d, 1) + 116, 10**6)), DAMAGED)
    one_line(changed(small_book(tmp_path, "size.xls"), lambda d: struct.pack_into("<I", d, directory_entry(d, 1) + 120, 0xFFFFFFFF)), DAMAGED)
    # the file is cut in the middle of the stream
    data = small_book(tmp_path, "cut.xls").read_bytes()
    (tmp_path / "cut.xls").write_bytes(data[:3000])
    one_line(tmp_path / "cut.xls", DAMAGED)


def test_a_mini_stream_chain_that_loops_is_one_line(tmp_path: Path) -> None:
    path = write_biff(tmp_path / "mini.xls", xls_stream([("台账", 0, number(0, 0, 1.0) * 80)], xf(0)), mini=True)
    assert rows_of(path) == [(1, (1,))]

    def loop(data: bytearray) -> None:  # the mini table's entry 3 leads back to 0
        start = struct.unpack_from("<I", data, 0x3C)[0]
        struct.pack_into("<I", data, (start + 1) * 512 + 3 * 4, 0)

    one_line(changed(path, loop), DAMAGED)


def test_sector_tables_claiming_huge_counts_are_read_as_the_file_holds(tmp_path: Path) -> None:
    """A FAT count and DIFAT count of 2^32 - 1, and a DIFAT listing one FAT sector for each sector
    of a 2 MB file: read as listed, that made a table of 512 Ki entries (9 bytes of memory for
    each byte of the file); the table is as long as the file's sectors need."""
    base = small_book(tmp_path)
    huge = changed(base, lambda d: struct.pack_into("<II", d, 0x2C, 0xFFFFFFFF, struct.unpack_from("<I", d, 0x30)[0]))
    assert len(rows_of(huge)) == 40
    data = bytearray(small_book(tmp_path, "listed.xls").read_bytes())
    sectors = (len(data) - 512) // 512
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]
    count = 32
    for n in range(count):  # DIFAT sectors, each listing the one FAT sector 127 times
        data += struct.pack("<128I", *[fat_sector] * 127, sectors + n + 1 if n < count - 1 else 0xFFFFFFFE)
    data += bytes(2 << 20)
    struct.pack_into("<I", data, 0x2C, 109 + 127 * count)
    struct.pack_into("<II", data, 0x44, sectors, 0xFFFFFFFF)
    struct.pack_into("<109I", data, 0x4C, *[fat_sector] * 109)
    path = tmp_path / "listed.xls"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        assert len(rows_of(path)) == 40
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < len(data) // 4


def test_a_directory_of_many_streams_is_looked_through_in_bounded_memory(tmp_path: Path) -> None:
    """40,000 streams of other names before the workbook's (5 MB of directory): only the names
    looked for are kept."""
    none = 0xFFFFFFFF
    book = xls_stream([("台账", 0, number(0, 0, 1.0))], xf(0))
    others = [(f"流{n}", 2, b"", none, none) for n in range(40_000)]
    path = tmp_path / "many.xls"
    path.write_bytes(compound_file([*others, ("Workbook", 2, book, none, none)]))
    rows_of(small_book(tmp_path))  # (what the first reading imports is not its memory)
    tracemalloc.start()
    try:
        assert rows_of(path) == [(1, (1,))]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_an_encrypted_workbook_or_one_of_no_workbook_stream_is_one_line(tmp_path: Path) -> None:
    filepass = biff(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48))  # RC4 encryption
    one_line(write_biff(tmp_path / "rc4.xls", xls_stream([("台账", 0, number(0, 0, 1.0))], filepass + xf(0))), DAMAGED)
    encrypted_xlsx = tmp_path / "encrypted.xlsx"  # an .xlsx with a password: EncryptionInfo, EncryptedPackage
    none = 0xFFFFFFFF
    encrypted_xlsx.write_bytes(
        compound_file([("EncryptionInfo", 2, bytes(300), none, 2), ("EncryptedPackage", 2, bytes(5000), none, none)])
    )
    result = run_cli("check", str(encrypted_xlsx))
    assert result.returncode == 2 and DAMAGED in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_excel_4_and_older_are_one_line_naming_what_to_do(tmp_path: Path) -> None:
    biff4 = tmp_path / "old.xls"  # no compound file: the records alone, from a BOF of BIFF4
    biff4.write_bytes(biff(0x0409, struct.pack("<HHH", 0, 0x0010, 0)) + biff(0x000A))
    inside = write_biff(tmp_path / "inside.xls", bof(version=0x0400) + biff(0x000A), name="Book")
    for path in (biff4, inside):
        result = run_cli("check", str(path))
        assert result.returncode == 2 and "Excel 4.0 或更早版本" in result.stderr and "另存为 .xlsx" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


# ------------------------------------------------------------------ records
def test_a_record_running_past_the_stream_or_rows_out_of_order_are_one_line(tmp_path: Path) -> None:
    long_record = struct.pack("<HH", 0x0203, 0xFFFF) + bytes(20)
    stream = xls_stream([("台账", 0, number(0, 0, 1.0) + number(1, 0, 2.0))], xf(0))
    path = write_biff(tmp_path / "long.xls", stream[: stream.rindex(biff(0x000A))] + long_record)
    with pytest.raises(TemplateError, match=RECORDS):
        list(xls_reader.XlsWorkbook(path).rows())
    unended = write_biff(tmp_path / "unended.xls", stream[: stream.rindex(biff(0x000A))])
    one_line(unended, RECORDS)
    disordered = write_biff(tmp_path / "order.xls", xls_stream([("台账", 0, number(4, 0, 1.0) + number(2, 0, 2.0))], xf(0)))
    one_line(disordered, "第 3 行重复或顺序错乱")


def test_shared_strings_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An SST declaring 2^31 strings holds the two it holds; more strings than the bound are
    refused (as an .xlsx's); a string longer than a cell holds is that cell's error."""
    two = biff(0x00FC, struct.pack("<II", 2**31, 2**31) + xls_text("甲") + xls_text("乙"))
    cells = b"".join(xls_cell(0x00FD, 0, i, struct.pack("<I", i), 0) for i in range(3))
    path = write_biff(tmp_path / "claims.xls", xls_stream([("台账", 0, cells)], xf(0) + two))
    started = time.monotonic()
    assert rows_of(path) == [(1, ("甲", "乙", Unreadable("无法读取的单元格（共享字符串编号无效）")))]
    assert time.monotonic() - started < 5
    # 20,000 empty CONTINUE records after the strings (looked through one by one, not by recursion)
    empty = write_biff(tmp_path / "empty.xls", xls_stream([("台账", 0, cells)], xf(0) + two + biff(0x003C) * 20_000))
    assert rows_of(empty) == rows_of(path)
    five = biff(0x00FC, struct.pack("<II", 5, 5) + b"".join(xls_text(t) for t in "abcde"))
    monkeypatch.setattr(xls_reader, "MAX_SHARED_STRINGS", 3)
    with pytest.raises(BoundExceeded):
        rows_of(write_biff(tmp_path / "many.xls", xls_stream([("台账", 0, cells)], xf(0) + five)))
    monkeypatch.undo()
    longest = "x" * 32_767  # (one byte a character: each string fits a record)
    strings = biff(0x00FC, struct.pack("<II", 2, 2) + xls_text(longest)) + biff(0x003C, xls_text(longest + "x"))
    long_path = write_biff(tmp_path / "longest.xls", xls_stream([("台账", 0, cells[:-14])], xf(0) + strings))
    assert rows_of(long_path) == [(1, (longest, Unreadable("单元格超过 32767 个字")))]


def test_the_reading_has_a_deadline(tmp_path: Path) -> None:
    path = small_book(tmp_path)
    with pytest.raises(TemplateError, match="超时，文件过大或已损坏"):
        list(xls_reader.XlsWorkbook(path, deadline=0.0).rows())


def test_damaged_xls_files_are_one_line_never_a_traceback(tmp_path: Path) -> None:
    good = write_xls(tmp_path / "good.xls", HEADERS, ROWS)
    data = good.read_bytes()
    expected = rows_of(good)
    rng = random.Random(15)
    bad = tmp_path / "bad.xls"
    for n in range(300):
        damaged = bytearray(data)
        if n % 3 == 0:
            damaged = damaged[: rng.randrange(8, len(damaged))]
        for _ in range(1 + n % 8):
            damaged[rng.randrange(8, len(damaged))] = rng.randrange(256)
        bad.write_bytes(bytes(damaged))
        try:
            rows = rows_of(bad)
        except TemplateError as exc:
            assert "\n" not in str(exc)
        else:
            assert len(rows) <= len(expected) + 30


# ------------------------------------------------------------------ memory
def _sheet_of(rows: int) -> bytes:
    strings = biff(0x00FC, struct.pack("<II", 3, 3) + b"".join(xls_text(t) for t in ("市教育局", "督导检查", "机关食堂")))
    cells = b"".join(
        xls_cell(0x00FD, n, 0, struct.pack("<I", n % 3), 0) + number(n, 1, 45721.0 + n % 300, 1)
        + xls_cell(0x027E, n, 2, struct.pack("<I", (n % 9 + 1) << 2 | 2), 0)
        for n in range(rows)
    )
    return xls_stream([("台账", 0, cells)], xf(0) + xf(14) + strings)


def _read_peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in xls_reader.XlsWorkbook(path).rows())  # (the rows one at a time, held by none)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_rows(tmp_path: Path) -> None:
    """65,535 rows (the most an .xls holds besides its header; 3 MB of records) are read with a
    peak of under 2 MB (0.9 MB; holding the rows took 13 MB): the file is read a run of sectors
    at a time (256 KB), the rows given one by one. (The 65,535 rows of 23 columns of
    bench/import_workbooks.py, 23 MB as LibreOffice writes them, are checked with a peak RSS of
    109 MB: README.)"""
    import openpyxl.utils.datetime  # noqa: F401 (imported by the first date read: not the reading's memory)

    many = write_biff(tmp_path / "many.xls", _sheet_of(65_535))
    assert many.stat().st_size > 3_000_000
    count, peak = _read_peak(many)
    assert count == 65_535 and peak < 2 << 20
