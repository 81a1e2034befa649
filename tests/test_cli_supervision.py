"""risks, disclosure and rollup on the command line, run in a subprocess as a user would."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger.db import Database
from ledger.records import Bureau, Reception
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import Team, sample_reception


def approve_on(service: LedgerService, team: Team, day: date, **changes: object) -> Reception:
    service.clock = lambda: datetime.combine(day, time(12))
    record = service.submit(team.clerk, sample_reception(day, **changes))  # type: ignore[arg-type]
    assert record.id is not None
    return service.approve(team.approver, record.id)


def seed(service: LedgerService, team: Team) -> dict[str, Reception]:
    """Two receptions sharing a letter, one paid in cash, one plain; all posted in time."""
    out = {
        "a": approve_on(service, team, date(2025, 3, 3), unit="市教育局", letter_no="市教函〔2025〕12号"),
        "b": approve_on(service, team, date(2025, 4, 8), unit="市审计局", letter_no="市教函[2025]12号"),
        "cash": approve_on(
            service,
            team,
            date(2025, 5, 6),
            unit="省教育厅",
            letter_no="省教函〔2025〕3号",
            payment_method="现金",
        ),
        "last": approve_on(service, team, date(2024, 5, 6), unit="市财政局", letter_no="市财函〔2024〕1号"),
    }
    for r in out.values():
        assert r.id is not None and r.approved_at is not None
        service.mark_posted(team.clerk, [r.id], r.approved_at.date())
    return out


def test_risks_json_lists_each_occurrence_and_exits_1(
    service: LedgerService, team: Team, db_url: str
) -> None:
    r = seed(service, team)
    result = run_cli("--db", db_url, "risks", "--year", "2025", "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2025
    assert [(x["code"], x["refs"]) for x in data["risks"]] == [
        ("letter_reused", sorted([r["a"].ref, r["b"].ref])),
        ("cash_payment", [r["cash"].ref]),
    ]
    assert all(x["message"] for x in data["risks"])
    text_run = run_cli("--db", db_url, "risks", "--year", "2025")
    assert text_run.returncode == 1
    assert "一函多餐" in text_run.stdout and "2025 年共 2 处疑点" in text_run.stdout


def test_risks_exit_0_when_there_are_none(service: LedgerService, team: Team, db_url: str) -> None:
    seed(service, team)
    result = run_cli("--db", db_url, "risks", "--year", "2024", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"year": 2024, "risks": []}
    assert "尚未收录" not in result.stderr  # the calendar knows 2024
    assert run_cli("--db", db_url, "risks", "--year", "abc").returncode == 2
    # a year the holiday calendar does not know yet: said, and the JSON stays as it is
    later = run_cli("--db", db_url, "risks", "--year", "2031", "--json")
    assert json.loads(later.stdout) == {"year": 2031, "risks": []}
    assert "尚未收录 2031 年的国务院节假日安排" in later.stderr


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def test_disclosure_json_text_and_pdf_with_embedded_font(
    service: LedgerService, team: Team, db_url: str, tmp_path: Path
) -> None:
    seed(service, team)
    out = tmp_path / "公开.pdf"
    result = run_cli(
        "--db", db_url, "disclosure", "--year", "2025", "--json", "-o", str(out), "--reason", "接待批次增加"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data) == [
        "year",
        "total",
        "previous_total",
        "change",
        "change_rate",
        "batches",
        "person_visits",
        "foreign_batches",
        "foreign_person_visits",
        "text",
    ]
    assert (data["total"], data["previous_total"], data["change"], data["change_rate"]) == (
        "900.00",
        "300.00",
        "600.00",
        "2.0000",
    )
    assert (data["batches"], data["person_visits"]) == (3, 18)
    assert data["text"].startswith(
        "2025年度公务接待费支出0.09万元，比上年增加0.06万元，增长200.00%。主要原因是接待批次增加。"
    )
    text = pdf_text(out)
    assert "XX县教育局2025年度公务接待费公开" in text
    assert "国内公务接待3批次、18人次" in text
    assert re.search(r"账本指纹\s*[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", text), text
    if shutil.which("pdffonts"):  # poppler-utils (.ci/run installs it where apt can)
        fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:]]
        assert rows and all(row[-5] == "yes" for row in rows), fonts  # every font embedded (emb column)
    plain = run_cli("--db", db_url, "disclosure", "--year", "2025")
    assert plain.returncode == 0 and "公务接待费支出（万元）：0.09" in plain.stdout
    assert "尚未结束" not in plain.stdout + plain.stderr  # a year over
    later = run_cli("--db", db_url, "disclosure", "--year", "2099")
    assert later.returncode == 0 and "统计截至：" in later.stdout
    assert later.stderr.startswith("注意：2099 年尚未结束，以上为截至 ")
    assert (
        run_cli("--db", db_url, "disclosure", "--year", "2025", "-o", str(tmp_path / "x.txt")).returncode == 2
    )


def test_export_has_the_disclosure_sheet(
    service: LedgerService, team: Team, db_url: str, tmp_path: Path
) -> None:
    seed(service, team)
    out = tmp_path / "台账.xlsx"
    assert run_cli("--db", db_url, "export", "--year", "2025", "-o", str(out)).returncode == 0
    sheet = load_workbook(out)["年度公开"]
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["公务接待费支出（万元）"] == pytest.approx(0.09)
    assert values["国内公务接待批次"] == 3
    assert str(values["公开说明"]).startswith("2025年度公务接待费支出0.09万元")


def test_a_first_year_in_the_ledger_states_no_change_on_the_command_line_in_pdf_and_workbook(
    service: LedgerService, team: Team, db_url: str, tmp_path: Path
) -> None:
    """The previous year is not in the ledger: no 比上年增加, no 上年支出 0.00 — in the printed figures,
    the JSON, the PDF and the workbook's sheet 年度公开; a --reason is not written (no change stated)."""
    approve_on(service, team, date(2025, 3, 3))
    out = tmp_path / "公开.pdf"
    result = run_cli("--db", db_url, "disclosure", "--year", "2025", "-o", str(out), "--reason", "接待批次增加")
    assert result.returncode == 0, result.stderr
    assert "上年支出（万元）：上年台账中没有已审核的公务接待记录" in result.stdout
    assert "比上年增减（万元）：—" in result.stdout and "比上年" not in result.stdout.split("\n\n", 1)[1]
    assert "上年台账中没有已审核的公务接待记录，未与上年比较" in result.stdout
    assert "--reason 未写入" in result.stderr and "接待批次增加" not in result.stdout
    assert "比上年增加" not in pdf_text(out) and "上年台账中没有已审核的公务接待记录" in pdf_text(out)
    data = json.loads(run_cli("--db", db_url, "disclosure", "--year", "2025", "--json").stdout)
    assert (data["previous_total"], data["change"], data["change_rate"]) == (None, None, None)
    book = tmp_path / "台账.xlsx"
    assert run_cli("--db", db_url, "export", "--year", "2025", "-o", str(book)).returncode == 0
    values = {row[0]: row[1] for row in load_workbook(book)["年度公开"].iter_rows(min_row=2, values_only=True)}
    assert values["上年支出（万元）"] == "上年台账中没有已审核的公务接待记录"
    assert values["比上年增减（万元）"] == "—" and "比上年增加" not in str(values["公开说明"])


def build_ledger(url: str, name: str, cash: bool) -> None:
    db = Database(url)
    service = LedgerService(db)
    admin = service.setup(Bureau(name=name), "admin", "管理员", "secret123")
    del admin
    team = make_team_in(service)
    approve_on(
        service, team, date(2024, 5, 6), unit="市财政局", letter_no="市财函〔2024〕1号", amount="400.00"
    )
    approve_on(
        service,
        team,
        date(2025, 3, 3),
        unit="市教育局",
        letter_no="市教函〔2025〕12号",
        payment_method="现金" if cash else "公务卡",
        guests=10,
        companions=4,  # a breach: 4 companions for 10 guests
        amount="600.00",
        explanations={"companions_over_cap": "督导组要求"},
    )
    db.dispose()


def make_team_in(service: LedgerService) -> Team:
    from ledger.records import Role
    from tests.conftest import PASSWORD

    admin = service.authenticate("admin", "secret123")
    clerk = service.add_user(admin, "li", "李会计", {Role.CLERK}, PASSWORD)
    approver = service.add_user(admin, "zhang", "张副局长", {Role.APPROVER}, PASSWORD)
    return Team(admin, clerk, approver, approver)


def test_rollup_over_sqlite_and_postgresql_with_an_unopenable_ledger(tmp_path: Path, pg_url: str) -> None:
    sqlite_path = tmp_path / "一中.sqlite3"
    build_ledger(f"sqlite:///{sqlite_path}", "XX县第一中学", cash=True)
    build_ledger(pg_url, "XX县实验小学", cash=False)
    sqlite_path.chmod(0o444)  # read-only: the rollup must not need to write
    before = sqlite_path.read_bytes()
    missing = tmp_path / "没有这个.sqlite3"
    out = tmp_path / "汇总.xlsx"
    result = run_cli("rollup", "--year", "2025", "-o", str(out), str(sqlite_path), pg_url, str(missing))
    assert result.returncode == 1, result.stderr  # one ledger could not be opened
    assert "已汇总 2025 年 2 个账本" in result.stdout
    assert sqlite_path.read_bytes() == before
    sheet = load_workbook(out)["各单位汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[1])
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    school = by_name["XX县第一中学"]
    assert school["公务接待费（万元）"] == pytest.approx(0.06)
    assert school["上年（万元）"] == pytest.approx(0.04)
    assert school["国内批次"] == 1 and school["国内人次"] == 10
    assert school["年度目标（元）"] == pytest.approx(320.00)
    assert school["目标状态"] == "已超出目标"
    assert school["违规接待（次）"] == 1
    assert school["现金支付"] == 1
    assert by_name["XX县实验小学"]["现金支付"] == 0
    assert by_name["XX县实验小学"]["违规接待（次）"] == 1
    broken = by_name["（未计入）"]
    assert broken["账本"] == str(missing) and "找不到账本文件" in broken["说明"]
    total = by_name["合计"]
    assert total["账本"] == "2 个账本"
    assert total["公务接待费（万元）"] == pytest.approx(0.12)
    assert total["违规接待（次）"] == 2 and total["现金支付"] == 1
    assert total["年度目标（元）"] == pytest.approx(640.00)


def test_rollup_as_the_county_reader_role_of_the_readme(pg_url: str, tmp_path: Path) -> None:
    """The grants the README gives the county's reader are enough for a rollup, and no more."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy import text as sql
    from sqlalchemy.engine import make_url

    build_ledger(pg_url, "XX县实验小学", cash=True)
    reader = f"county_reader_{uuid.uuid4().hex[:8]}"
    database = make_url(pg_url).database
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sql(f"CREATE ROLE {reader} LOGIN"))
        conn.execute(sql(f'GRANT CONNECT ON DATABASE "{database}" TO {reader}'))
        conn.execute(sql(f"GRANT USAGE ON SCHEMA public TO {reader}"))
        conn.execute(
            sql(
                "GRANT SELECT ON alembic_version, settings, policies, targets, receptions, reception_meals, reception_totals"
                f" TO {reader}"
            )
        )
    try:
        reader_url = f"postgresql://{reader}@127.0.0.1:5432/{database}"
        out = tmp_path / "汇总.xlsx"
        result = run_cli("rollup", "--year", "2025", "-o", str(out), reader_url)
        assert result.returncode == 0, result.stdout + result.stderr
        rows = list(load_workbook(out)["各单位汇总"].iter_rows(values_only=True))
        assert rows[2][0] == "XX县实验小学" and rows[2][13] == pytest.approx(0)
        header = list(rows[1])
        assert rows[2][header.index("现金支付")] == 1
        with create_engine(reader_url.replace("postgresql://", "postgresql+psycopg://")).connect() as conn:
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(sql("SELECT password_hash FROM users"))
    finally:
        with admin.connect() as conn:
            conn.execute(
                sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{reader}'")
            )
            conn.execute(sql(f'REVOKE ALL ON DATABASE "{database}" FROM {reader}'))
            conn.execute(sql(f"DROP OWNED BY {reader}"))
            conn.execute(sql(f"DROP ROLE {reader}"))
        admin.dispose()


def test_rollup_row_of_a_missing_ledger_does_not_send_the_user_to_db_or_ledger_db(tmp_path: Path) -> None:
    """A ledger path given to `rollup` as one of its URLs was reported, on the terminal and in the
    sheet's 说明 column, as "找不到账本文件：…（请检查 --db 或 LEDGER_DB）"; rollup takes no --db for its
    ledgers and ignores LEDGER_DB — the advice led the county's officer to the wrong place."""
    missing = tmp_path / "一中" / "ledger.sqlite3"
    out = tmp_path / "各单位汇总.xlsx"
    result = run_cli("rollup", "--year", "2026", "-o", str(out), str(missing))
    assert result.returncode == 1, result.stderr
    said = result.stdout + result.stderr
    assert "--db" not in said and "LEDGER_DB" not in said, said
    assert "请检查 rollup 命令行上给出的这个路径" in said, said
    sheet = load_workbook(out).active
    reasons = [row[-1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[-1]]
    assert reasons and not any("--db" in r or "LEDGER_DB" in r for r in reasons), reasons
    assert all("请检查 rollup 命令行上给出的这个路径" in r for r in reasons), reasons
    assert not missing.parent.exists()  # nothing is created for a missing ledger
