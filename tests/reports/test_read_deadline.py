"""The reader's deadline is the reading's own time: a slow consumer of the rows (an import
checking each row, a million of them) never makes a good workbook "超时", while a reading
that itself takes too long still stops with one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reports.sheets import open_workbook
from reports.xlsx_reader import TemplateError
from tests.formats import Rows, write_xls, write_xlsx

HEADERS = ["接待日期", "来访单位"]
# 300 rows of 500 characters: the sheet is read in several chunks, the deadline looked at each
ROWS: Rows = {n: {"接待日期": "2025-03-05", "来访单位": f"单位{n}" + "长" * 500} for n in range(2, 302)}


@pytest.mark.parametrize("write", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_time_spent_between_rows_is_not_the_reading_s(
    tmp_path: Path, write: Callable[[Path, list[str], Rows], Path]
) -> None:
    path = write(tmp_path / f"t.{write.__name__.removeprefix('write_')}", HEADERS, ROWS)
    book = open_workbook(path, deadline=1.5)
    read = []
    for number, _values in book.rows():
        read.append(number)
        if number % 60 == 0:
            time.sleep(0.4)  # the rows being checked: 2 s in all, beyond the reading's 1.5 s
    assert read == list(range(1, 302))


def test_a_reading_that_takes_too_long_still_stops_with_one_line(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "t.xlsx", HEADERS, ROWS)
    with pytest.raises(TemplateError, match="超时，文件过大或已损坏"):
        list(open_workbook(path, deadline=0.0).rows())
