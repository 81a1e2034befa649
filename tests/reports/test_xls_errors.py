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
    return record(0x0006, struct.pack("<HHH", row, column, 15) + result + b"\x00" * 6)


def workbook_stream(sheets: list[tuple[str, int, list[bytes]]]) -> bytes:
    """A BIFF8 stream: the globals with one BOUNDSHEET per sheet, then each sheet's records."""
    globals_size = len(record(0x0809, b"\x00" * 16)) + len(record(0x000A))
    globals_size += sum(len(boundsheet(0, name, kind)) for name, kind, _ in sheets)
    at, bodies, entries = globals_size, [], []
    for name, kind, cells in sheets:
        body = record(0x0809, b"\x00" * 16) + b"".join(cells) + record(0x000A)
        entries.append(boundsheet(at, name, kind))
        bodies.append(body)
        at += len(body)
    return record(0x0809, b"\x00" * 16) + b"".join(entries) + record(0x000A) + b"".join(bodies)


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
