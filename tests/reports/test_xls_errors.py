"""reports.xls_errors: the error cells of an .xls sheet, found in its records; a file it cannot
follow gives none, never an exception."""

from __future__ import annotations

import random
import struct
from pathlib import Path

from reports.xls_errors import _sheet_errors, error_cells


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def boundsheet(offset: int, name: str, sheet_type: int = 0) -> bytes:
    encoded = name.encode("utf-16-le")
    return record(0x0085, struct.pack("<IBBBB", offset, 0, sheet_type, len(name), 1) + encoded)


def formula(row: int, column: int, result: bytes) -> bytes:
    return record(0x0006, struct.pack("<HHH", row, column, 15) + result + b"\x00" * 6 + b"\x03\x00\x1e\x01\x00")  # =1


BOF = record(0x0809, struct.pack("<HH", 0x0600, 0x0010) + b"\x00" * 12)  # BIFF8


def workbook_stream(sheets: list[tuple[str, int, list[bytes]]]) -> bytes:
    """A BIFF8 stream: the globals with one BOUNDSHEET per sheet, then each sheet's records."""
    globals_size = len(BOF) + len(record(0x000A))
    globals_size += sum(len(boundsheet(0, name, kind)) for name, kind, _ in sheets)
    at, bodies, entries = globals_size, [], []
    for name, kind, cells in sheets:
        body = BOF + b"".join(cells) + record(0x000A)
        entries.append(boundsheet(at, name, kind))
        bodies.append(body)
        at += len(body)
    return BOF + b"".join(entries) + record(0x000A) + b"".join(bodies)


DIV0 = bytes([0x02, 0, 0x07, 0, 0, 0, 0xFF, 0xFF])  # a FORMULA's cached result: the error #DIV/0!
NUMBER = struct.pack("<d", 3.5)


def test_formula_and_typed_errors_of_the_named_worksheet_only() -> None:
    chart = [formula(1, 1, DIV0)]
    ledger = [
        formula(1, 6, DIV0),
        formula(2, 6, NUMBER),
        record(0x0205, struct.pack("<HHHBB", 3, 5, 15, 0x2A, 1)),  # BOOLERR: #N/A typed in
        record(0x0205, struct.pack("<HHHBB", 4, 5, 15, 1, 0)),  # BOOLERR: TRUE, no error
        # an embedded chart's substream inside the sheet: its EOF does not end the sheet
        record(0x0809, b"\x00" * 16) + record(0x000A),
        formula(5, 2, bytes([0x02, 0, 0x0F, 0, 0, 0, 0xFF, 0xFF])),
    ]
    stream = workbook_stream([("图表", 2, chart), ("台账", 0, ledger)])
    assert _sheet_errors(stream, "台账") == {(1, 6): "#DIV/0!", (3, 5): "#N/A", (5, 2): "#VALUE!"}
    assert _sheet_errors(stream, "图表") == {}  # a chart sheet is no worksheet
    assert _sheet_errors(stream, "别的") == {}


def test_damaged_files_give_no_error_cells_and_no_exception(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for row in range(300):
        sheet.write(row, 0, f"单位{row}")
    sheet.row(7).set_cell_error(3, "#DIV/0!")
    good = tmp_path / "good.xls"
    book.save(str(good))
    data = good.read_bytes()
    assert error_cells(good, "台账") == {(7, 3): "#DIV/0!"}
    rng = random.Random(15)
    bad = tmp_path / "bad.xls"
    for n in range(300):
        damaged = bytearray(data)
        if n % 3 == 0:
            damaged = damaged[: rng.randrange(len(damaged))]
        for _ in range(1 + n % 8):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        bad.write_bytes(bytes(damaged))
        assert isinstance(error_cells(bad, "台账"), dict)
    bad.write_bytes(data[:8] + b"\xff" * 600)  # the magic, then nothing that can be followed
    assert error_cells(bad, "台账") == {}
    assert error_cells(tmp_path / "missing.xls", "台账") == {}


def compound_file(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A version 3 compound file: the root (its child the entry 1), then the directory entries
    (name, type: 1 storage or 2 stream, the stream, child, right sibling), each stream in sectors
    of its own, padded to 4096 bytes (none in the mini stream)."""
    end, none = 0xFFFFFFFE, 0xFFFFFFFF
    body, fat, directory = b"", [], []
    for name, kind, data, child, right in [("Root Entry", 5, b"", 1, none), *entries]:
        start, size = end, 0
        if data:
            data = data.ljust(max(4096, -(-len(data) // 512) * 512), b"\x00")
            start, size = len(fat), len(data)
            fat += [*range(start + 1, start + size // 512), end]
            body += data
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory.append(
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBBIII", len(encoded), kind, 1, none, right, child)
            + b"\x00" * 36
            + struct.pack("<III", start, size, 0)
        )
    blob = b"".join(directory).ljust(-(-len(directory) // 4) * 512, b"\x00")
    directory_start = len(fat)
    fat += [*range(directory_start + 1, directory_start + len(blob) // 512), end]
    body += blob
    fat_sector = len(fat)
    fat += [0xFFFFFFFD]
    assert len(fat) <= 128
    body += struct.pack("<128I", *fat, *[none] * (128 - len(fat)))
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<9I", 0, 1, directory_start, 0, 4096, end, 0, end, 0)
    header += struct.pack("<109I", fat_sector, *[none] * 108)
    return header + body


def number(row: int, column: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, column, 15, value))


def test_the_workbook_stream_is_the_first_so_named_as_calamine_reads(tmp_path: Path) -> None:
    # an .xls holding an embedded Excel 97 workbook (an OLE object) has a second "Workbook"
    # stream, in the object's storage; calamine reads the first one listed, so must this
    book = workbook_stream([("Sheet1", 0, [number(0, 0, 1.0), formula(1, 1, DIV0)])])
    embedded = workbook_stream([("Sheet1", 0, [number(0, 0, 9.0), formula(0, 0, DIV0)])])
    none = 0xFFFFFFFF
    path = tmp_path / "embedded.xls"
    path.write_bytes(
        compound_file(
            [("Workbook", 2, book, none, 2), ("MBD0001", 1, b"", 3, none), ("Workbook", 2, embedded, none, none)]
        )
    )
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Sheet1").to_python()[0][0] == 1.0  # not 9.0
    assert error_cells(path, "Sheet1") == {(1, 1): "#DIV/0!"}


def test_of_two_sheets_of_one_name_the_last_as_calamine_reads() -> None:
    # calamine keeps its sheets by name: of two BOUNDSHEETs of one name (not from Excel, which
    # refuses it, but a file can say so) it gives the last one's cells
    stream = workbook_stream(
        [("台账", 0, [number(0, 0, 1.0), formula(0, 1, DIV0)]), ("台账", 0, [number(0, 0, 5.0), number(0, 1, 7.0)])]
    )
    assert _sheet_errors(stream, "台账") == {}
    stream = workbook_stream([("台账", 0, [formula(0, 1, DIV0)]), ("台账", 2, [formula(0, 1, DIV0)])])
    assert _sheet_errors(stream, "台账") == {}  # the last is a chart sheet: no cells of a worksheet


def test_an_embedded_charts_cached_series_are_no_cells_of_the_sheet() -> None:
    # Excel writes an embedded chart's cached series values (SERIESDATA: Number, BoolErr, ...) in
    # the chart's substream inside the sheet's, at (point, series): a #N/A plotted is a BOOLERR
    # there; calamine skips the nested substream, so must this
    chart = record(0x0809, b"\x00" * 16) + number(0, 0, 99.0) + record(0x0205, struct.pack("<HHHBB", 1, 0, 15, 0x2A, 1))
    chart += formula(2, 0, DIV0) + record(0x000A)
    ledger = [number(0, 0, 1.0), number(1, 0, 2.0), number(2, 0, 3.0), chart, formula(3, 0, DIV0)]
    assert _sheet_errors(workbook_stream([("台账", 0, ledger)]), "台账") == {(3, 0): "#DIV/0!"}


def test_a_sector_table_listed_over_and_over_is_read_once(tmp_path: Path) -> None:
    # the DIFAT may list one FAT sector for each sector of the file: read as listed, a 2 MB
    # file gave a table of 512 Ki entries (9 bytes of memory for each byte of the file: a 25 MB
    # one took the reading child past its limit, and a file calamine reads was refused)
    import tracemalloc

    book = workbook_stream([("台账", 0, [number(0, 0, 1.0), formula(1, 1, DIV0)])])
    data = bytearray(compound_file([("Workbook", 2, book, 0xFFFFFFFF, 0xFFFFFFFF)]))
    sectors = (len(data) - 512) // 512
    fat_sector = struct.unpack_from("<I", data, 0x4C)[0]
    count = 32
    for n in range(count):  # DIFAT sectors, each listing the one FAT sector 127 times
        data += struct.pack("<128I", *[fat_sector] * 127, sectors + n + 1 if n < count - 1 else 0xFFFFFFFE)
    data += bytes(2 << 20)
    struct.pack_into("<I", data, 0x2C, 109 + 127 * count)
    struct.pack_into("<II", data, 0x44, sectors, count)
    struct.pack_into("<109I", data, 0x4C, *[fat_sector] * 109)
    path = tmp_path / "listed.xls"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        assert error_cells(path, "台账") == {(1, 1): "#DIV/0!"}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(data)

