"""Ledgers opened read-only for a county's rollup, and the rows of ledgers that cannot be read."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.db import Database, ReadOnlyLedger
from ledger.records import ImportRow
from ledger.rollup import bureau_figures, rollup, shown
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


def test_read_only_ledgers_refuse_writes(db_url: str, pg_url: str) -> None:
    LedgerService(Database(pg_url)).db.dispose()
    for url in (db_url, pg_url):
        db = Database(url, read_only=True, create=False)
        assert db.read_only
        with pytest.raises(ReadOnlyLedger):
            with db.write():
                pass
        db.dispose()
    pg = Database(pg_url, read_only=True)
    from sqlalchemy import text

    with pytest.raises(Exception, match="read-only transaction"):
        with pg.read() as s:
            s.execute(text("UPDATE settings SET value = 'x'"))
    pg.dispose()


def test_unreadable_ledgers_are_rows_saying_why(db_url: str, tmp_path: Path) -> None:
    not_a_ledger = tmp_path / "notes.sqlite3"
    not_a_ledger.write_text("这不是数据库")
    older = tmp_path / "older.sqlite3"
    older.write_bytes(Path(db_url.removeprefix("sqlite:///")).read_bytes())
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    rows = rollup(
        [
            db_url,
            str(tmp_path / "missing.sqlite3"),
            str(not_a_ledger),
            str(older),
            str(empty),
            "postgresql://reader:secret@127.0.0.1:1/nothing",
        ],
        2025,
        date(2025, 12, 31),
    )
    assert rows[0].error is None
    errors = [r.error or "" for r in rows[1:]]
    assert "找不到账本文件" in errors[0] and "请检查 rollup 命令行上给出的这个路径" in errors[0]
    assert "--db" not in errors[0] and "LEDGER_DB" not in errors[0]  # rollup takes neither for its ledgers
    assert "无法打开数据库" in errors[1]
    assert "需要升级" in errors[2]
    assert "不是接待台账数据库" in errors[3]
    assert errors[4] and "secret" not in errors[4] and "secret" not in rows[5].source
    assert rows[5].source == "postgresql://reader:***@127.0.0.1:1/nothing"
    assert shown("/a/b.sqlite3") == "/a/b.sqlite3"


def test_rollup_row_leaves_historical_imports_out_of_late_entry(
    service: LedgerService, team: Team, db_url: str
) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 12)  # imported long after: approved on paper in 2025
    row = ImportRow(
        2, sample_reception(date(2025, 3, 5)), approved_by="张副局长", approved_on=date(2025, 3, 6)
    )
    assert service.import_rows(team.both, [row], historical=True)[0].ref
    service.clock = lambda: datetime(2026, 3, 1, 12)
    assert [r.code for r in service.risks(2025)] == []
    figures = bureau_figures(db_url, 2025, date(2026, 3, 1))
    assert figures.name == "XX县教育局" and figures.warning_total == 0
    assert figures.disclosure is not None and figures.disclosure.batches == 1
    assert figures.target is not None and figures.target.status is None  # no baseline year
    draft = service.save(
        team.clerk, sample_reception(date(2025, 4, 1), letter_no="市教函〔2025〕99号")
    )  # entered 11 months late
    assert [r.code for r in service.risks_of(draft)] == ["late_entry"]


def test_a_password_is_never_shown_however_it_is_written() -> None:
    from ledger.addresses import one_line as _one_line
    from ledger.addresses import shown

    in_query = "postgresql+psycopg://postgres@127.0.0.1/bureau?password=HuntMe456"
    assert "HuntMe456" not in shown(in_query) and "***" in shown(in_query)
    before_host = "postgresql://u:pa@ss@127.0.0.1/bureau"
    assert "pa" not in shown(before_host).split("@")[0] and shown(before_host).endswith("127.0.0.1/bureau")
    message = "connection failed for password HuntMe456 at " + in_query
    assert "HuntMe456" not in _one_line(message, in_query, shown(in_query))


def test_the_same_ledger_named_twice_is_counted_once(tmp_path: Path) -> None:
    from ledger.db import Database
    from ledger.rollup import rollup, totals

    path = tmp_path / "一中.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    rows = rollup([str(path), f"sqlite:///{path}", str(tmp_path / "." / "一中.sqlite3")], 2025, date(2026, 1, 5))
    assert rows[0].error is None
    assert [r.error for r in rows[1:]] == ["与第 1 个账本是同一个账本，未重复计入"] * 2
    assert totals(rows)["ledgers"] == 1


def test_every_spelling_of_one_ledger_is_one_ledger(tmp_path: Path) -> None:
    import os

    from ledger.addresses import identity

    path = tmp_path / "乙.sqlite3"
    Database(f"sqlite:///{path}").dispose()
    os.link(path, tmp_path / "link.sqlite3")
    assert identity(str(path)) == identity(str(tmp_path / "link.sqlite3")) == identity(f"sqlite:///{path}")
    assert identity("postgresql://postgres@127.0.0.1/ledger") == identity(
        "postgresql+psycopg://postgres@localhost:5432/ledger"
    )
    assert identity("postgresql://postgres@127.0.0.1/ledger") != identity("postgresql://postgres@127.0.0.1/other")


def test_the_total_row_adds_up_the_figures_shown(tmp_path: Path) -> None:
    import io

    from openpyxl import load_workbook

    from ledger.disclosure import Disclosure
    from ledger.rollup import BureauFigures
    from reports.rollup import write_rollup

    def bureau(name: str, total: str, previous: str) -> BureauFigures:
        d = Disclosure(2025, Decimal(total), Decimal("0"), Decimal(previous), 1, 3, 0, 0, 1)
        return BureauFigures(source=name, name=name, disclosure=d)

    # each bureau 0.4444万元 → 0.44 shown; their sum in yuan would round to 0.89, not 0.88
    rows = [bureau("甲", "4444.00", "5555.00"), bureau("乙", "4444.00", "5555.00")]
    buffer = io.BytesIO()
    write_rollup(buffer, rows, 2025)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, total = values[1], next(r for r in values if r[0] == "合计")
    by = dict(zip(header, total, strict=True))
    assert by["公务接待费（万元）"] == pytest.approx(0.88)
    assert by["上年（万元）"] == pytest.approx(1.12)  # 0.56 + 0.56, not 1.11
    assert by["增减（万元）"] == pytest.approx(-0.24)


def test_a_bureau_whose_previous_year_is_not_in_its_ledger_shows_no_previous_figure() -> None:
    import io

    from openpyxl import load_workbook

    from ledger.disclosure import Disclosure
    from ledger.rollup import BureauFigures
    from reports.rollup import write_rollup

    first_year = Disclosure(2025, Decimal("3000.00"), Decimal("0"), Decimal("0"), 2, 6, 0, 0, 0)
    buffer = io.BytesIO()
    write_rollup(buffer, [BureauFigures(source="新", name="新建学校", disclosure=first_year)], 2025)
    values = [list(r) for r in load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True)]
    row = dict(zip(values[1], next(r for r in values if r[0] == "新建学校"), strict=True))
    assert (row["上年（万元）"], row["增减（万元）"], row["增减幅度"]) == ("—", "—", "—")
    assert row["公务接待费（万元）"] == pytest.approx(0.30)


def test_the_totals_change_leaves_out_a_bureau_without_a_previous_year(tmp_path: Path) -> None:
    """乙 started its ledger this year: its 3,000 yuan are no increase on last year. The total's
    增减 and 增减幅度 are over 甲 alone (−50 %, not −20 %), and the sheet says so."""
    import io

    from openpyxl import load_workbook

    from ledger.disclosure import Disclosure
    from ledger.rollup import BureauFigures
    from reports.rollup import write_rollup

    def bureau(name: str, total: str, previous: str) -> BureauFigures:
        d = Disclosure(2026, Decimal(total), Decimal("0"), Decimal(previous), 1, 3, 0, 0, int(previous != "0"))
        return BureauFigures(source=name, name=name, disclosure=d)

    buffer = io.BytesIO()
    write_rollup(buffer, [bureau("甲", "5000.00", "10000.00"), bureau("乙", "3000.00", "0")], 2026)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = values[1]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in values[2:]}
    total = by_name["合计"]
    assert total["公务接待费（万元）"] == pytest.approx(0.80)  # both bureaus' spending
    assert total["上年（万元）"] == pytest.approx(1.00)
    assert total["增减（万元）"] == pytest.approx(-0.50)  # 甲's 0.50 against its 1.00
    assert total["增减幅度"] == pytest.approx(-0.5)
    assert total["说明"] == (
        "增减、增减幅度只计上年台账中有已审核接待记录的 1 个单位；乙 上年台账中没有记录，未计入增减（其本年支出计入合计）"
    )
    assert by_name["乙"]["增减（万元）"] == "—" and by_name["乙"]["增减幅度"] == "—"
    assert by_name["乙"]["说明"] == "上年台账中没有已审核的公务接待记录，不计增减"
    assert by_name["甲"]["增减幅度"] == pytest.approx(-0.5) and by_name["甲"]["说明"] in ("", None)

    buffer = io.BytesIO()  # no bureau has a previous year: no change at all, and why
    write_rollup(buffer, [bureau("乙", "3000.00", "0")], 2026)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    total = dict(zip(values[1], next(r for r in values if r[0] == "合计"), strict=True))
    assert total["增减（万元）"] == "—" and total["增减幅度"] == "—"
    assert total["说明"] == "各单位上年台账中都没有已审核的公务接待记录（乙），合计不计增减"
