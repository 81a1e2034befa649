"""Attacks on the changes of 30 Nov: the import's store step with its insert triggers set
aside, the paused garbage collector, verify's parallel ranges, Excel's _xHHHH_ escapes."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ledger import history
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


def _ledger_of_twenty(service: LedgerService, team: Team) -> str:
    for i in range(20):
        service.save(
            team.clerk, sample_reception(date(2025, 3, 1 + i), unit=f"单位{i}", letter_no=f"市教函〔2025〕{i}号")
        )
    service.db.dispose()
    return service.db.url.removeprefix("sqlite:///")


def _both_verifies(service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify().problems
    monkeypatch.setattr(history, "PARALLEL_FROM", 0)
    parallel = service.verify().problems
    return single, parallel


@pytest.mark.parametrize(
    "changes",
    [
        # within one 2,000-id chunk of the single pass, the altered 5 and the deleted 3; the
        # workers' ranges (2 ids each here) once put 3 first: `verify` names the first problem
        ("UPDATE receptions SET activity = '改过的活动' WHERE id = 5", "DELETE FROM receptions WHERE id = 3"),
        # the single pass compares users before the register; the workers' register results
        # were once added before the users were compared
        ("UPDATE users SET display_name = '改名' WHERE username = 'li'", "UPDATE letters SET title = '改过的标题' WHERE id = 2"),
    ],
)
def test_parallel_verify_gives_the_problems_in_the_order_of_the_single_pass(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch, changes: tuple[str, str]
) -> None:
    path = _ledger_of_twenty(service, team)
    with sqlite3.connect(path) as c:
        for change in changes:
            c.execute(change)
    single, parallel = _both_verifies(service, monkeypatch)
    assert sorted(single) == sorted(parallel) and len(single) == 2
    assert parallel == single


def test_single_pass_verify_misses_a_reception_and_a_letter_inserted_with_a_negative_id(
    service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The range walk starts at id 0 (single pass, and the plans in both): a row inserted outside
    the program with id -1 is in the ledger but never compared; the parallel path starts at the
    smallest id and finds it, so the two paths disagree too."""
    path = _ledger_of_twenty(service, team)
    with sqlite3.connect(path) as c:
        cols = [r[1] for r in c.execute("PRAGMA table_info(receptions)")]
        forged = {"id": "-1", "ref": "'JD-2025-9999'", "seq": "9999"}
        c.execute(
            f"INSERT INTO receptions ({','.join(cols)}) "
            f"SELECT {','.join(forged.get(x, x) for x in cols)} FROM receptions WHERE id = 1"
        )
        lcols = [r[1] for r in c.execute("PRAGMA table_info(letters)")]
        lforged = {"id": "-7", "letter_no": "'伪造函1号'", "key": "'伪造函1号'"}
        c.execute(
            f"INSERT INTO letters ({','.join(lcols)}) "
            f"SELECT {','.join(lforged.get(x, x) for x in lcols)} FROM letters WHERE id = 1"
        )
    monkeypatch.setattr(history, "PARALLEL_FROM", 10**9)
    single = service.verify()
    assert any("JD-2025-9999" in p for p in single.problems), single.problems
    assert any("伪造函1号" in p for p in single.problems), single.problems


def test_a_cell_with_escapes_is_refused_as_too_long_when_only_its_escaped_form_is(tmp_path: Path) -> None:
    """Excel (and our export, reports.workbook.escaped after xlsx_text's 32,767 cut) writes a
    literal "_x0041_" as "_x005F_x0041_": 22,799 characters of text become 34,199 in the file.
    The reader counts the escaped form against Excel's 32,767 and refuses the cell, in the
    shared strings and the inline strings alike, though Excel holds and shows it."""
    from reports.xlsx_reader import Workbook
    from tests.hostile import _Sheet, write_xlsx

    headers = ["接待日期", "来访单位", "公务活动", "接待对象人数", "陪餐人数", "餐费", "备注"]
    sheet = _Sheet()
    sheet.row(1, {i + 1: ("s", "", h) for i, h in enumerate(headers)})
    shown = "、".join(f"_x0041_{i:04d}" for i in range(1900))
    raw = shown.replace("_x", "_x005F_x")
    assert len(shown) < 32_767 < len(raw)
    sheet.row(2, {1: ("s", "", raw), 2: ("inlineStr", "", raw)})
    rows = dict(Workbook(write_xlsx(tmp_path / "long.xlsx", sheet)).rows())
    assert rows[2][:2] == (shown, shown)
