"""A reception's name lists as the ledger keeps them: no longer than their counts, no name that a
workbook would read back as two — so that an exported year imports back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.records import Person
from ledger.service import InvalidReception, LedgerService
from tests.cli import run_cli
from tests.conftest import Team, sample_reception


def test_a_list_longer_than_its_count_is_refused_at_the_list(service: LedgerService, team: Team) -> None:
    r = sample_reception(guests=2, companions=1)
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, r.__class__(**{**r.__dict__, "guest_count": 1}))
    assert refused.value.problems["guests"] == "接待对象名单有 2 人，多于接待对象人数 1 人：请核对名单或人数"
    blank = sample_reception(guests=1, companions=1)  # a row of the form with no name is no one
    kept = service.save(team.clerk, blank.__class__(**{**blank.__dict__, "guests": (*blank.guests, Person(""))}))
    assert kept.guest_count == 1


@pytest.mark.parametrize("name", ["欧阳,娜娜", "张三、李四", "王五；赵六", "张三､李四"])
def test_a_name_holding_a_separator_is_refused(service: LedgerService, team: Team, name: str) -> None:
    r = sample_reception(guests=1)
    with pytest.raises(InvalidReception) as refused:
        service.save(team.clerk, r.__class__(**{**r.__dict__, "guests": (Person(name),)}))
    assert refused.value.problems["guests[0].name"] == "接待对象第 1 人的姓名不能含有、，；等分隔符：每人填一行"


def test_an_exported_year_imports_back(service: LedgerService, team: Team, db_url: str, tmp_path: Path) -> None:
    for i in range(3):
        r = service.submit(team.clerk, sample_reception(date(2025, 3, 3 + i), unit=f"单位{i}"))
        service.approve(team.approver, r.id)  # type: ignore[arg-type]
    out = tmp_path / "y.xlsx"
    assert run_cli("--db", db_url, "export", "--year", "2025", "-o", str(out)).returncode == 0
    checked = run_cli("check", str(out))
    assert checked.returncode == 0 and checked.stdout.splitlines()[-1].startswith("共 3 行：合规 3 行"), checked.stdout
