"""Who may fill a ledger with the demo, and which users and password it uses."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger.demo import DEMO_PASSWORD, fill_demo
from ledger.models import HistoryRow
from ledger.records import LedgerQuery
from ledger.service import AuthError, LedgerService, PermissionDenied
from tests.cli import run_cli
from tests.conftest import PASSWORD, Team


def test_without_a_login_the_demo_refuses_a_ledger_that_has_users(service: LedgerService, team: Team) -> None:
    before = service.users()
    with pytest.raises(PermissionDenied, match="请以管理员身份登录"):
        fill_demo(service)
    with pytest.raises(PermissionDenied, match="只有管理员"):
        fill_demo(service, actor=team.clerk)
    assert service.users() == before
    assert service.count_and_total(LedgerQuery())[0] == 0


def test_an_administrators_demo_uses_its_own_users_and_a_random_password(
    service: LedgerService, team: Team
) -> None:
    summary = fill_demo(service, actor=team.admin, this_year=2025, progress=lambda done, total: done < 25)
    # the team's display names are 李会计 and 张副局长: the demo's users do not take them
    assert summary.users == ("李会计(示例)", "张副局长(示例)")
    assert summary.password != DEMO_PASSWORD and len(summary.password) >= 12
    assert service.authenticate("张副局长(示例)", summary.password).username == "张副局长(示例)"
    with pytest.raises(AuthError):
        service.authenticate("李会计(示例)", DEMO_PASSWORD)
    with service.db.read() as s:
        actors = set(
            s.scalars(select(HistoryRow.username).where(HistoryRow.action.in_(("approve", "return"))))
        )
        authors = set(s.scalars(select(HistoryRow.username).where(HistoryRow.action == "create")))
    assert actors == {"张副局长(示例)"} and authors == {"李会计(示例)"}
    assert service.authenticate("zhang", PASSWORD).username == "zhang"  # the real leader is untouched


def test_a_ledger_without_users_gets_the_published_password(service: LedgerService) -> None:
    summary = fill_demo(service, this_year=2025, progress=lambda done, total: done < 3)
    assert summary.users == ("管理员", "李会计", "张副局长") and summary.password == DEMO_PASSWORD
    assert service.authenticate("李会计", DEMO_PASSWORD).username == "李会计"


def test_the_demo_command_needs_an_administrator_once_a_ledger_has_users(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite3"
    url = f"sqlite:///{path}"
    for name, role in (("admin", "admin"), ("张副局长", "approver")):
        added = run_cli(
            "user", "add", name, "--role", role, "--new-password", PASSWORD,
            "--db", url, "--user", "admin", "--password", PASSWORD,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    anonymous = run_cli("demo", "--db", url)
    assert anonymous.returncode == 2 and "--user" in anonymous.stderr
    as_leader = run_cli("demo", "--db", url, "--user", "张副局长", "--password", PASSWORD)
    assert as_leader.returncode == 2 and "只有管理员可以生成示例数据" in as_leader.stderr
    done = run_cli("demo", "--db", url, "--year", "2025", "--user", "admin", "--password", PASSWORD)
    assert done.returncode == 0, done.stderr
    assert DEMO_PASSWORD not in done.stdout and "只显示这一次" in done.stdout
    assert "示例用户：李会计、张副局长(示例)，" in done.stdout
    password = re.search(r"密码均为 (\S+?)（只显示这一次", done.stdout).group(1)  # type: ignore[union-attr]
    with sqlite3.connect(path) as conn:
        approvers = {
            r[0] for r in conn.execute("SELECT DISTINCT username FROM history WHERE action='approve'")
        }
    assert approvers == {"张副局长(示例)"}
    again = run_cli("demo", "--db", url, "--user", "李会计", "--password", password)
    assert again.returncode == 2 and "已有接待记录" in again.stderr  # logged in, then refused
