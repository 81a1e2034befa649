from pathlib import Path

import pytest

from ledger.backup import BackupError
from ledger.db import Database
from ledger.records import LedgerQuery
from ledger.service import LedgerService, PermissionDenied, WorkflowError
from tests.cli import run_cli
from tests.conftest import Team, sample_reception


def filled(service: LedgerService, team: Team) -> None:
    r = service.save(team.clerk, sample_reception(unit="市教育局"))
    service.approve(team.approver, service.submit(team.clerk, r).id)  # type: ignore[arg-type]
    service.add_attachment(
        team.clerk,
        service.save(team.clerk, sample_reception(unit="邻县教育局")).id,
        "函.pdf",
        b"%PDF",
        "letter",
    )  # type: ignore[arg-type]


def test_backup_and_restore_into_an_empty_ledger(tmp_path: Path, service: LedgerService, team: Team) -> None:
    filled(service, team)
    counts = service.backup(tmp_path / "b.sqlite3")
    assert counts["receptions"] == 2 and counts["reception_attachments"] == 1
    fresh = LedgerService(Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"))
    fresh.restore(None, tmp_path / "b.sqlite3")
    assert fresh.count_and_total(LedgerQuery()) == service.count_and_total(LedgerQuery())
    assert fresh.get_by_ref("JD-2025-0001").status == "approved"
    assert fresh.verify().ok
    assert fresh.history()[-1].action == "restore"


def test_restore_over_a_ledger_in_use_needs_replace_and_an_admin(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    filled(service, team)
    service.backup(tmp_path / "b.sqlite3")
    service.save(team.clerk, sample_reception(unit="备份之后的记录"))
    with pytest.raises(WorkflowError, match="--replace"):
        service.restore(team.admin, tmp_path / "b.sqlite3")
    with pytest.raises(PermissionDenied):
        service.restore(team.clerk, tmp_path / "b.sqlite3", replace_existing=True)
    service.restore(team.admin, tmp_path / "b.sqlite3", replace_existing=True)
    assert service.count_and_total(LedgerQuery())[0] == 2
    assert service.verify().ok


def test_a_non_backup_is_refused(tmp_path: Path, service: LedgerService) -> None:
    (tmp_path / "x.sqlite3").write_text("hello")
    with pytest.raises(BackupError, match="不是台账备份文件"):
        service.restore(None, tmp_path / "x.sqlite3")


def test_backup_restore_across_databases(
    tmp_path: Path, pg_url: str, service: LedgerService, team: Team
) -> None:
    filled(service, team)
    service.backup(tmp_path / "b.sqlite3")
    pg = LedgerService(Database(pg_url))
    pg.restore(None, tmp_path / "b.sqlite3")
    assert pg.verify().ok
    # ids continue after the restored ones
    admin = pg.user("admin")
    assert pg.save(pg.user("li"), sample_reception(unit="恢复后新增")).ref == "JD-2025-0003"
    assert admin.username == "admin"
    pg.db.dispose()


def test_cli_backup_restore(tmp_path: Path, service: LedgerService, team: Team, db_url: str) -> None:
    filled(service, team)
    out = run_cli("backup", "-o", str(tmp_path / "copy.sqlite3"), "--db", db_url)
    assert out.returncode == 0 and "2 条接待" in out.stdout
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    back = run_cli("restore", str(tmp_path / "copy.sqlite3"), "--db", target)
    assert back.returncode == 0, back.stderr
    assert run_cli("verify", "--db", target).returncode == 0
    missing = run_cli("restore", str(tmp_path / "nope.sqlite3"), "--db", target)
    assert missing.returncode == 2 and "找不到备份文件" in missing.stderr
