"""Rows prepared by the reading process (ledger.validation.prepared: the normal form and the
field problems, done where the workbook is read when that process has the time) get the verdicts,
numbers and stored rows of rows the importer prepares itself."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.db import Database
from ledger.records import ImportRow
from ledger.service import LedgerService
from ledger.validation import prepared
from reports.template import read_import
from tests.conftest import make_team
from tests.ledger.test_import_bulk import stored
from tests.workbooks import good_row, write_template

AT = datetime(2025, 6, 1, 9, 30)


def tricky_rows() -> list[dict[str, Any]]:
    """Rows whose normal form differs from what was typed, rows with field problems, rows repeated
    in the file and one repeating a stored reception."""
    return [
        good_row(来访单位="市教育局\u200b", 公务活动="  督导检查  \n\n", 经办人="ＡＢＣ"),  # zero-width, spaces, full width
        good_row(来访单位="省财政局", 陪餐人数=9, 情况说明="陪餐超标：领导带队 "),  # a breach, explained
        good_row(来访单位="县审计局", 公务活动="调" * 600),  # too long
        good_row(来访单位="市教研院", 接待对象名单="王伟、 、李娜 "),  # an empty name dropped
        good_row(来访单位="县审计局 "),
        good_row(来访单位="市 教育局", 接待日期="2025-03-06"),
        good_row(来访单位="市 教育局", 接待日期="2025-03-06"),  # repeats the row above in the file
        good_row(来访单位="市教育局", 接待日期="2025-03-07", 餐费=200),  # repeats the stored reception
        good_row(来访单位="乡镇中心校", 接待日期="2025-03-08", 餐费=100, 就餐日期="2025-03-20"),  # meal outside
    ]


def imported(service: LedgerService, earlier: list[ImportRow], rows: list[ImportRow]) -> list[tuple[Any, ...]]:
    clerk = make_team(service).clerk
    service.import_rows(clerk, earlier)
    outcomes = service.import_rows(clerk, rows)
    return [(o.row, o.ref, [(e.column, e.message) for e in o.errors], o.approved) for o in outcomes]


def test_prepared_rows_import_as_rows_prepared_by_the_importer(tmp_path: Path, db_url: str) -> None:
    earlier = read_import(write_template(tmp_path / "stored.xlsx", [good_row(接待日期="2025-03-07", 餐费=200)]))
    rows = read_import(write_template(tmp_path / "a.xlsx", tricky_rows()))
    ready = [prepared(r) for r in rows]
    assert all(r.problems is not None for r in ready if r.reception is not None)
    assert ready[0].reception is not None and ready[0].reception.visiting_unit == "市教育局"  # its normal form
    assert ready[2].reception is None and ready[2].problems is None  # refused as read: nothing to prepare
    assert "meals[0].date" in dict(ready[8].problems or ()) and ready[0].problems == ()  # a meal outside its days
    assert [prepared(r) for r in ready] == ready  # (done once)
    copy = tmp_path / "other.sqlite3"
    shutil.copyfile(db_url.removeprefix("sqlite:///"), copy)
    plain_db, ready_db = Database(db_url), Database(f"sqlite:///{copy}")
    try:
        plain, early = LedgerService(plain_db), LedgerService(ready_db)
        plain.clock = early.clock = lambda: AT
        a, b = imported(plain, earlier, rows), imported(early, earlier, ready)
        assert a == b
        verdicts = {row: errors for row, _ref, errors, _approved in a}
        assert any("500" in m for _c, m in verdicts[4])  # the long activity refused
        assert any("第 7 行" in m for _c, m in verdicts[8])  # repeated within the file
        assert any("JD-2025-0001" in m for _c, m in verdicts[9])  # repeats the stored reception
        assert verdicts[10]  # the meal outside its days
        assert sum(1 for errors in verdicts.values() if not errors) >= 5
        assert stored(plain) == stored(early)
        assert plain.verify().ok and early.verify().ok
    finally:
        plain_db.dispose()
        ready_db.dispose()


def test_a_prepared_row_with_its_reception_replaced_is_prepared_again() -> None:
    """``problems`` belongs to the reception it was found for: a row built again from a prepared
    one with another reception (as parse_group does for a reception's further meals) is not
    taken as prepared unless it says so."""
    from tests.conftest import sample_reception

    row = prepared(ImportRow(2, sample_reception()))
    assert row.problems == ()
    again = replace(row, reception=replace(row.reception, visiting_unit=" 市教育局 "), problems=None)  # type: ignore[arg-type]
    assert prepared(again).reception.visiting_unit == "市教育局"  # type: ignore[union-attr]


@pytest.mark.parametrize("prepare", [True, False], ids=["an-import", "a-check"])
def test_the_reading_process_prepares_the_rows_it_parses_for_an_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prepare: bool
) -> None:
    """An import's reading process gives the rows it parses their normal form and problems; a
    check's does not (its caller has the time): the rows are the rows read either way."""
    import reports.template as template

    monkeypatch.setattr(template, "_cores", lambda: 2)
    monkeypatch.setattr(template, "_shared", lambda batch, _waiting: (True, [template.parse_group(g, e) for g, e in batch]))
    path = write_template(tmp_path / "a.xlsx", tricky_rows())
    streamed = list(template.stream_import(path, prepare=prepare))
    readable = [r for r in streamed if r.reception is not None]
    assert len(readable) == 8
    if prepare:
        assert all(r.problems is not None for r in readable)
        assert readable[0].reception.visiting_unit == "市教育局"  # type: ignore[union-attr]  # (its normal form)
        assert [(r, r.problems) for r in streamed] == [(r, r.problems) for r in map(prepared, read_import(path))]
    else:
        assert all(r.problems is None for r in streamed)
        assert streamed == read_import(path)
