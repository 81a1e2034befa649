"""The verdicts on template cells are remembered (reports.template_cells): a remembered verdict
must be the verdict, for every row that repeats the cell, and never the verdict of another
value that merely compares equal (True == 1 == 1.0)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from reports import template_cells, xlsx_scan
from reports.template import read_import
from reports.template_cells import Row
from tests.workbooks import good_row, write_template


def judged(cells: dict[str, object], call: str, *args: object, **kwargs: object) -> tuple[object, list[str]]:
    row = Row(2, dict(cells), [])
    result = getattr(row, call)(*args, **kwargs)
    return result, [f"{e.column}: {e.message}" for e in row.errors]


def test_a_repeated_bad_cell_is_an_error_of_every_row_that_has_it() -> None:
    for _ in range(3):
        assert judged({"接待日期": "2025-13-40"}, "date", "接待日期", required=True) == (
            None,
            ["接待日期: 无法识别的日期“2025-13-40”，请写成 YYYY-MM-DD"],
        )
        assert judged({"餐费": "三百"}, "money", "餐费") == (Decimal("0"), ["餐费: 不是金额：三百"])
        assert judged({"来访单位": "单" * 201}, "text", "来访单位") == ("", ["来访单位: 最多 200 个字（现有 201 个）"])


def test_values_that_compare_equal_keep_their_own_verdicts() -> None:
    # True == 1 == 1.0 and hash alike: each is judged as what it is
    assert judged({"备注": True}, "text", "备注") == ("True", [])
    assert judged({"备注": 1}, "text", "备注") == ("1", [])
    assert judged({"备注": 1.0}, "text", "备注") == ("1", [])
    assert judged({"备注": True}, "text", "备注") == ("True", [])
    assert judged({"陪餐人数": 2}, "count", "陪餐人数", minimum=0) == (2, [])
    assert judged({"陪餐人数": True}, "count", "陪餐人数", minimum=0) == (0, ["陪餐人数: 应为整数，而不是“True”"])
    assert judged({"接待对象人数": 0}, "count", "接待对象人数", minimum=1) == (0, ["接待对象人数: 应不小于 1，而不是 0"])
    assert judged({"陪餐人数": 0}, "count", "陪餐人数", minimum=0) == (0, [])
    day = datetime(2025, 3, 5)
    assert judged({"接待日期": day}, "date", "接待日期", required=True) == (date(2025, 3, 5), [])
    assert judged({"接待日期": date(2025, 3, 6)}, "date", "接待日期", required=True) == (date(2025, 3, 6), [])


def test_values_equal_but_written_differently_keep_their_own_verdicts() -> None:
    # the same instant at two UTC offsets (an .xlsx t="d" cell keeps its offset): two dates
    east = datetime.fromisoformat("2025-03-05T00:00:00+08:00")
    utc = datetime.fromisoformat("2025-03-04T16:00:00+00:00")
    assert east == utc
    assert judged({"接待日期": east}, "date", "接待日期", required=True) == (date(2025, 3, 5), [])
    assert judged({"接待日期": utc}, "date", "接待日期", required=True) == (date(2025, 3, 4), [])
    assert judged({"备注": utc}, "text", "备注") == ("2025-03-04 16:00:00+00:00", [])
    assert str(judged({"餐费": 0.0}, "money", "餐费")[0]) == "0.00"
    remembered = str(judged({"餐费": -0.0}, "money", "餐费")[0])
    assert remembered == str(judged_fresh({"餐费": -0.0}, "money", "餐费")[0])


def judged_fresh(cells: dict[str, object], call: str, *args: object) -> tuple[object, list[str]]:
    template_cells._JUDGED.clear()
    template_cells._TEXTS.clear()
    return judged(cells, call, *args)


def test_the_same_value_in_another_column_is_judged_by_that_column() -> None:
    long_name = "名" * 70  # within a unit's length (200), beyond a person's (64)
    assert judged({"来访单位": long_name}, "text", "来访单位") == (long_name, [])
    result, errors = judged({"经办人": long_name}, "text", "经办人")
    assert result == "" and errors and errors[0].startswith("经办人: 最多")


def test_verdicts_stay_right_when_the_memory_starts_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_cells, "_JUDGED_CELLS", 5)
    monkeypatch.setattr(xlsx_scan, "MEMO_CELLS", 7)
    template_cells._JUDGED.clear()
    template_cells._TEXTS.clear()
    rows = [
        good_row(来访单位=f"第{i % 9}教育局", 餐费=100 + i % 4, 接待日期=f"2025-03-{1 + i % 28:02d}", 陪餐人数=i % 3)
        for i in range(60)
    ]
    rows[17]["餐费"] = "三百"
    rows[41]["接待日期"] = "2025-02-30"
    path = write_template(tmp_path / "t.xlsx", rows)
    found = read_import(path)
    assert [r.row for r in found] == list(range(2, 62))
    for i, r in enumerate(found):
        if i in (17, 41):
            assert r.reception is None and [e.column for e in r.errors] == (["餐费"] if i == 17 else ["接待日期"])
            continue
        assert r.reception is not None, r.errors
        assert r.reception.visiting_unit == f"第{i % 9}教育局"
        assert r.reception.meals[0].amount == 100 + i % 4
        assert r.reception.reception_date == date(2025, 3, 1 + i % 28)
        assert r.reception.companion_count == i % 3
