"""Attacks on importing and checking Excel ledgers, on SQLite and PostgreSQL (30 Nov, after the
PostgreSQL import's plan_cache_mode switch in ledger.importing._store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.db import Database
from ledger.service import LedgerService
from reports.template import read_import
from tests.conftest import Team, make_team
from tests.workbooks import good_row, template_workbook, write_template


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, db_url: str) -> tuple[LedgerService, Team]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    service = LedgerService(Database(url))
    request.addfinalizer(service.db.dispose)
    return service, make_team(service)


def test_a_row_without_a_number_does_not_take_the_number_a_later_row_carries(
    tmp_path: Path, ledger: tuple[LedgerService, Team]
) -> None:
    """README: a 编号 of the reception's year that no reception of the ledger (or of the same
    file) has is kept. An exported ledger with one new reception added above its rows (sorted
    by date, as a clerk does): the new row, having no 编号, had been given JD-2025-0001 — the
    number the next row carries — and every exported reception shifted to another's number
    (JD-2025-0001 → 0002, 0002 → 0003), so the paper notices and slips no longer matched."""
    service, team = ledger
    path = write_template(
        tmp_path / "a.xlsx",
        [
            good_row(接待日期="2025-03-01", 来访单位="新增的单位"),  # added by hand, no 编号
            good_row(编号="JD-2025-0001"),
            good_row(编号="JD-2025-0002", 来访单位="邻县教育局"),
        ],
    )
    outcomes = service.import_rows(team.clerk, read_import(path))
    assert all(not o.errors for o in outcomes)
    assert [o.ref for o in outcomes][1:] == ["JD-2025-0001", "JD-2025-0002"]
    assert outcomes[0].ref not in ("JD-2025-0001", "JD-2025-0002")


def _children(pid: int) -> list[int]:
    import os

    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def test_check_whose_reading_process_is_killed_ends_instead_of_hanging(tmp_path: Path) -> None:
    """README: check and import read an .xlsx in a second process. When that process dies
    (the OOM killer picks it, a user's kill -9) while it is writing a batch of rows to the
    parent, the parent had waited for ever in queue.get (the batch is larger than the pipe, and
    the parent held the pipe's write end itself, so no end of file came). Now: one line, exit 2."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.cli import ROOT

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("the reading process is used on two cores or more")
    template_workbook(tmp_path / "big.xlsx", 2000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "check", str(tmp_path / "big.xlsx")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not (children := _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "no reading process started"
        proc.send_signal(signal.SIGSTOP)  # the parent busy elsewhere: the reader fills the pipe
        time.sleep(1.5)
        for child in children:
            os.kill(child, signal.SIGKILL)
        proc.send_signal(signal.SIGCONT)
        try:
            _, err = proc.communicate(timeout=6)
        except subprocess.TimeoutExpired:
            pytest.fail("check still waits for its killed reading process after 6 s (it hangs for ever)")
        assert proc.returncode == 2 and len(err.strip().splitlines()) == 1, (proc.returncode, err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_policy_version_added_while_a_paper_ledger_is_checked_stops_the_import(
    ledger: tuple[LedgerService, Team], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The administrator adds a stricter version (lunch 30 yuan, from 2025-01-01) at another desk
    while `import --historical` checks its rows; policy add is allowed then, since no reviewed
    reception is dated on or after 2025-01-01 yet. The import then commits approved receptions
    of June 2025 judged by the old 50-yuan version: a lunch of 300 yuan for 8 stays 合规 in the
    ledger although the version in force on its date makes it a breach — exactly what policy add
    refuses to allow ("已审核的记录不可重新评判"). The import catches up with the receptions,
    numbers and roles changed meanwhile, not with the policy versions. Now it stops, with nothing
    written, and says why; imported again, the rows are judged by the new version."""
    from dataclasses import replace
    from datetime import date
    from decimal import Decimal

    import ledger.importing as importing
    from ledger.errors import StaleEdit
    from ledger.policy import load_default_policy
    from ledger.records import ImportRow
    from tests.conftest import once, sample_reception

    service, team = ledger
    other = LedgerService(Database(service.db.url))
    try:
        monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
        rows = [
            ImportRow(n + 2, sample_reception(date(2025, 6, 2 + n), unit=f"第{n}考察组"), (), "张副局长", date(2025, 6, 20))
            for n in range(3)
        ]
        stricter = replace(
            load_default_policy(),
            effective_from=date(2025, 1, 1),
            name="新标准",
            meal_caps={k: Decimal("30.00") for k in ("breakfast", "lunch", "dinner")},
        )
        with pytest.raises(StaleEdit, match="新增了接待标准版本") as refused:
            service.import_rows(
                team.both, rows, historical=True, progress=once(lambda: other.add_policy(team.admin, stricter))
            )
        assert "未写入任何数据" in str(refused.value)
        assert service.receptions() == []
        # imported again, the rows are judged by the version in force on their dates
        outcomes = service.import_rows(team.both, rows, historical=True)
        assert all(o.ref and not o.errors for o in outcomes)
        service.policies()  # as any desk reads the versions again
        assert service.policy_for(date(2025, 6, 2)).name == "新标准"
        for o in outcomes:
            stored = service.get_by_ref(o.ref)
            assert stored.status.value == "approved"
            judged_now = [v.rule for v in service.assess(stored).violations]
            assert judged_now, "300 yuan for 8 is over 30 yuan a head"
            assert [v.rule for v in o.assessment.violations] == judged_now, (o.ref, o.assessment.violations)
    finally:
        other.db.dispose()


def _with_lone_surrogate(path: Path) -> Path:
    """Three rows; the second's 接待日期 is a wrong date followed by half an emoji, which Excel
    writes as _xD83D_ (a formula's LEFT() that cut an emoji in two leaves such a cell)."""
    from reports.template import HEADERS
    from tests.hostile import GOOD, _Sheet, _text, write_xlsx

    sheet = _Sheet()
    headers = list(HEADERS)
    sheet.row(1, {i + 1: _text(h) for i, h in enumerate(headers)})
    for n in range(3):
        cells = dict(GOOD) | {"来访单位": _text(f"第{n}考察组")}
        if n == 1:
            cells["接待日期"] = _text("2025-02-30_xD83D_")
        if n == 2:  # a whole emoji, written in its two halves
            cells["来访单位"] = _text("第2考察组_xD83D__xDE00_")
        sheet.row(n + 2, {headers.index(k) + 1: v for k, v in cells.items()})
    return write_xlsx(path, sheet)


@pytest.mark.parametrize("as_json", [False, True])
def test_check_of_a_cell_holding_half_an_emoji_is_that_rows_error_not_a_traceback(
    tmp_path: Path, as_json: bool
) -> None:
    """README: a cell that cannot be read makes its row an error naming the row and column.
    The date's error message had quoted the cell with its lone surrogate, and writing the report
    failed (UnicodeEncodeError 'surrogates not allowed', a traceback). Half an emoji reads as �."""
    from tests.cli import run_cli

    path = _with_lone_surrogate(tmp_path / "a.xlsx")
    result = run_cli("check", str(path), *(["--json"] if as_json else []))
    assert "Traceback" not in result.stderr, result.stderr[-400:]
    assert result.returncode == 1
    assert "3 行" in result.stdout or '"rows": 3' in result.stdout
    shown = result.stdout if not as_json else json.loads(result.stdout)["rows"][1]["errors"][0]["message"]
    assert "“2025-02-30\ufffd”" in shown  # the half read as �, quoted in the row's error


def test_import_of_a_cell_holding_half_an_emoji_imports_the_other_rows(
    tmp_path: Path, ledger: tuple[LedgerService, Team]
) -> None:
    """The same file imported had given a traceback and no row; the two good rows come in, the
    whole emoji kept."""
    from tests.cli import run_cli
    from tests.conftest import PASSWORD

    service, _team = ledger
    path = _with_lone_surrogate(tmp_path / "a.xlsx")
    result = run_cli("--db", service.db.url, "--user", "li", "--password", PASSWORD, "import", str(path))
    assert "Traceback" not in result.stderr, result.stderr[-400:]
    assert "已导入 2 行" in result.stdout, (result.stdout[-300:], result.stderr[-300:])
    assert sorted(r.visiting_unit for r in service.receptions()) == ["第0考察组", "第2考察组😀"]


def test_one_number_taken_in_the_ledger_does_not_shift_every_number_the_file_carries(
    tmp_path: Path, ledger: tuple[LedgerService, Team]
) -> None:
    """A desk saved one reception of 2025 (JD-2025-0001) before an exported ledger carrying
    JD-2025-0001..0004 is imported. Only the first row's number is taken; it was given the next
    free number, 0002 — the second row's — which then got 0003, and so on: every reception of
    the file changed number (seen with two desks importing 3,000 exported rows each into
    PostgreSQL while a third saved: not one of the 6,000 numbers was kept)."""
    from datetime import date

    from tests.conftest import sample_reception

    service, team = ledger
    service.save(team.clerk, sample_reception(date(2025, 1, 2), unit="本局自办"))
    path = write_template(
        tmp_path / "a.xlsx",
        [good_row(编号=f"JD-2025-{n:04d}", 来访单位=f"第{n}考察组") for n in range(1, 5)],
    )
    outcomes = service.import_rows(team.clerk, read_import(path))
    assert all(not o.errors for o in outcomes)
    assert [o.ref for o in outcomes][1:] == ["JD-2025-0002", "JD-2025-0003", "JD-2025-0004"]


def test_a_policy_version_for_later_dates_added_meanwhile_lets_the_import_through(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a version in force on a row's date can judge it otherwise: one that starts after the
    file's last date (or an import of drafts, judged again at submission) is not stopped."""
    from dataclasses import replace
    from datetime import date

    import ledger.importing as importing
    from ledger.policy import load_default_policy
    from ledger.records import ImportRow, Status
    from tests.conftest import once, sample_reception

    service = LedgerService(Database(db_url))
    other = LedgerService(Database(db_url))
    try:
        team = make_team(service)
        monkeypatch.setattr(importing, "_IMPORT_BATCH", 1)
        rows = [
            ImportRow(n + 2, sample_reception(date(2025, 6, 2 + n), unit=f"第{n}考察组"), (), "张副局长", date(2025, 6, 20))
            for n in range(3)
        ]
        later = replace(load_default_policy(), effective_from=date(2026, 1, 1), name="明年标准")
        outcomes = service.import_rows(
            team.both, rows, historical=True, progress=once(lambda: other.add_policy(team.admin, later))
        )
        assert [service.get_by_ref(o.ref).status for o in outcomes] == [Status.APPROVED] * 3  # type: ignore[arg-type]
        drafts = [ImportRow(n + 2, sample_reception(date(2026, 3, 2 + n), unit=f"第{n}调研组")) for n in range(2)]
        stricter = replace(load_default_policy(), effective_from=date(2026, 2, 1), name="新标准")
        stored = service.import_rows(team.clerk, drafts, progress=once(lambda: other.add_policy(team.admin, stricter)))
        assert all(o.ref for o in stored)
    finally:
        service.db.dispose()
        other.db.dispose()
