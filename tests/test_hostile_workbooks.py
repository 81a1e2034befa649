"""Hostile workbooks (tests/hostile.py): check and import never break and always agree."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ledger.db import Database
from ledger.records import LedgerQuery
from ledger.service import LedgerService
from reports.template import TemplateError, column_of, read_import, stream_import
from tests.cli import ROOT, run_cli
from tests.conftest import Team, make_team
from tests.hostile import GOOD, _Sheet, _text, bombs, hostile_workbook, write_xlsx
from ui.cli import run

FILES = 300


def check_in_process(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any] | None, str]:
    code = run(["check", str(path), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, (json.loads(out) if code != 2 else None), err


def verdicts(rows: list[dict[str, Any]]) -> dict[int, list[str]]:
    return {r["row"]: sorted(e["column"] for e in r["errors"]) for r in rows}


def attack(
    service: LedgerService, team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str], seeds: range
) -> int:
    imported = 0
    for seed in seeds:
        path = tmp_path / f"h{seed}.xlsx"
        expected = hostile_workbook(path, seed)
        code, data, err = check_in_process(path, capsys)
        if expected is None:
            assert code == 2, (seed, data)
            assert err.strip() and len(err.strip().splitlines()) == 1, (seed, err)
            with pytest.raises(TemplateError):
                service.import_rows(team.clerk, read_import(path))
            continue
        assert code in (0, 1), (seed, err)
        assert data is not None
        checked = verdicts(data["rows"])
        assert [r["row"] for r in data["rows"]] == sorted(expected), seed  # each row once, in order
        for number, column in expected.items():
            if column is None:
                assert (
                    checked[number] == [] and not data["rows"][sorted(expected).index(number)]["violations"]
                ), (
                    seed,
                    number,
                    data,
                )
            else:
                assert column in checked[number], (seed, number, column, data)
        before = service.count_and_total(LedgerQuery())[0]
        outcomes = service.import_rows(team.clerk, read_import(path), column_of=column_of)
        assert {o.row: sorted(e.column for e in o.errors) for o in outcomes} == checked, seed
        assert sorted(o.row for o in outcomes if o.ref) == sorted(n for n, c in expected.items() if c is None)
        imported += sum(1 for o in outcomes if o.ref)
        assert service.count_and_total(LedgerQuery())[0] == before + sum(1 for o in outcomes if o.ref)
    assert service.verify().ok
    return imported


def test_hostile_workbooks_on_sqlite(
    service: LedgerService, team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert attack(service, team, tmp_path, capsys, range(FILES)) > 100


def test_hostile_workbooks_on_postgres(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(pg_url)
    try:
        service = LedgerService(db)
        assert attack(service, make_team(service), tmp_path, capsys, range(1000, 1060)) > 10
    finally:
        db.dispose()


def test_a_few_through_the_real_command_line(tmp_path: Path) -> None:
    for seed in (0, 3, 7, 11, 2024):
        path = tmp_path / f"h{seed}.xlsx"
        expected = hostile_workbook(path, seed)
        result = run_cli("check", str(path), "--json")
        assert "Traceback" not in result.stdout + result.stderr
        if expected is None:
            assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
        else:
            assert result.returncode in (0, 1), result.stderr
            assert [r["row"] for r in json.loads(result.stdout)["rows"]] == sorted(expected)


def test_files_that_claim_much_cost_little(tmp_path: Path) -> None:
    files = bombs(tmp_path, size=4)
    (row,) = read_import(files.pop("claims A1:XFD1048576"))
    assert row.row == 1_048_576 and not row.errors
    for name, path in files.items():
        with pytest.raises(TemplateError, match="解压后过大或压缩比异常"):
            read_import(path)
        result = run_cli("check", str(path))
        assert result.returncode == 2 and "解压后过大" in result.stderr, name
        assert len(result.stderr.strip().splitlines()) == 1


def test_unusable_files_are_one_line(tmp_path: Path) -> None:
    cases = {
        "ole.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "加密的或已损坏的旧版"),
        "text.xlsx": (b"hello", "不是 Excel 工作簿"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        result = run_cli("check", str(tmp_path / name))
        assert result.returncode == 2 and message in result.stderr
    import zipfile

    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w") as z:
        z.writestr("a.txt", "x")
    result = run_cli("check", str(tmp_path / "empty.xlsx"))
    assert result.returncode == 2 and "不是 Excel 工作簿" in result.stderr
    sheet = _Sheet()
    sheet.row(3, {1: _text("接待日期")})
    result = run_cli("check", str(write_xlsx(tmp_path / "noheader.xlsx", sheet)))
    assert result.returncode == 2 and "第 1 行没有表头" in result.stderr


# ---------------------------------------------------------------- killed and failed imports
def big_workbook(path: Path, rows: int, *, bad_last: bool = False) -> Path:
    from reports.template import HEADERS

    sheet = _Sheet()
    sheet.row(1, {i + 1: _text(h) for i, h in enumerate(HEADERS)})
    for n in range(2, rows + 2):
        cells = {**GOOD, "来访单位": _text(f"单位{n}")}
        sheet.row(n, {HEADERS.index(h) + 1: c for h, c in cells.items()})
    if bad_last:
        sheet.rows.append(f'<row r="{rows + 2}"><c r="A{rows + 2}"><v>1')  # the file breaks off
    return write_xlsx(path, sheet)


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def cli_ledger(url: str) -> dict[str, str]:
    env = {"LEDGER_USER": "admin", "LEDGER_PASSWORD": "secret123"}
    first = run_cli(
        "--db", url, "user", "add", "admin", "--role", "admin,clerk", "--new-password", "secret123"
    )
    assert first.returncode == 0, first.stderr
    return env


def kill_mid_import(url: str, tmp_path: Path) -> None:
    env = cli_ledger(url)
    path = big_workbook(tmp_path / "big.xlsx", 30_000)
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith("LEDGER_") or k == "LEDGER_ANCHOR_DIR"
    }
    full_env.update(env)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", url, "import", str(path)],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    readers: set[int] = set()
    deadline = time.monotonic() + 60
    while not readers and time.monotonic() < deadline and process.poll() is None:
        readers = children_of(process.pid)
        time.sleep(0.05)
    assert readers, "the import never started its reading process"
    time.sleep(0.5)
    assert process.poll() is None, "the import finished before it could be killed; use a larger file"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in readers), "the reading process outlived the killed import"
    listed = run_cli("--db", url, "verify")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    db = Database(url)
    try:
        assert LedgerService(db).count_and_total(LedgerQuery())[0] == 0
    finally:
        db.dispose()


def test_killed_import_on_sqlite(tmp_path: Path) -> None:
    kill_mid_import(f"sqlite:///{tmp_path / 'k.sqlite3'}", tmp_path)


def test_killed_import_on_postgres(pg_url: str, tmp_path: Path) -> None:
    kill_mid_import(pg_url, tmp_path)


def test_an_import_killed_while_it_stores_leaves_the_indexes_whole(tmp_path: Path) -> None:
    """Killed once it stores its rows into an empty ledger (the receptions' indexes set aside,
    ledger.models.set_aside_indexes): the ledger has every index, SQLite finds it whole, and no
    reception is there."""
    from sqlalchemy import text

    ledger_file = tmp_path / "k.sqlite3"
    url = f"sqlite:///{ledger_file}"
    env = cli_ledger(url)
    db = Database(url)
    with db.read() as s:
        indexes = sorted(s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
    db.dispose()
    path = big_workbook(tmp_path / "big.xlsx", 30_000)
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_") or k == "LEDGER_ANCHOR_DIR"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", url, "import", str(path)],
        cwd=ROOT,
        env=full_env | env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    note = ledger_file.with_name(ledger_file.name + "-writing")  # written as the storing begins
    deadline = time.monotonic() + 300
    while not note.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert note.exists(), "the import never began to store its rows"
    time.sleep(0.5)
    assert process.poll() is None, "the import finished before it could be killed; use a larger file"
    process.send_signal(signal.SIGKILL)
    process.wait()
    db = Database(url)
    try:
        with db.read() as s:
            assert sorted(s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all()) == indexes
            assert s.scalar(text("PRAGMA integrity_check")) == "ok"
        assert LedgerService(db).count_and_total(LedgerQuery())[0] == 0
    finally:
        db.dispose()


def failed_import_commits_nothing(service: LedgerService, tmp_path: Path) -> None:
    from ledger.service import ImportCancelled

    team = make_team(service)
    path = big_workbook(tmp_path / "broken.xlsx", 1500, bad_last=True)
    with pytest.raises(TemplateError):
        service.import_rows(team.clerk, stream_import(path))
    good = big_workbook(tmp_path / "good.xlsx", 1500)
    with pytest.raises(ImportCancelled):
        service.import_rows(team.clerk, stream_import(good), progress=lambda done, total: done < 600)
    assert service.count_and_total(LedgerQuery())[0] == 0
    assert service.verify().ok
    assert len([o for o in service.import_rows(team.clerk, stream_import(good)) if o.ref]) == 1500
    assert service.verify().ok


def test_failed_import_commits_nothing_on_sqlite(service: LedgerService, tmp_path: Path) -> None:
    failed_import_commits_nothing(service, tmp_path)


def test_failed_import_commits_nothing_on_postgres(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url)
    try:
        failed_import_commits_nothing(LedgerService(db), tmp_path)
    finally:
        db.dispose()
