"""编号 on import: kept only where it fits the ledger's numbering, read in any case, and shown by
``check --json`` as read."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.service import LedgerService
from reports.template import read_import
from tests.cli import run_cli
from tests.conftest import Team
from tests.workbooks import good_row, write_template


def test_a_number_beyond_four_digits_is_replaced_and_does_not_push_later_numbers(
    tmp_path: Path, service: LedgerService, team: Team
) -> None:
    path = write_template(
        tmp_path / "a.xlsx",
        [
            good_row(编号="JD-2025-99999"),
            good_row(来访单位="邻县教育局", 编号="JD-2025-0007"),
            good_row(来访单位="市财政局"),
        ],
    )
    outcomes = service.import_rows(team.clerk, read_import(path))
    assert [o.ref for o in outcomes] == ["JD-2025-0001", "JD-2025-0007", "JD-2025-0008"]


def test_a_lowercase_number_is_read_in_capitals(tmp_path: Path, service: LedgerService, team: Team) -> None:
    path = write_template(tmp_path / "a.xlsx", [good_row(编号="jd-2025-0009")])
    (row,) = read_import(path)
    assert not row.errors and row.reception is not None and row.reception.ref == "JD-2025-0009"
    (outcome,) = service.import_rows(team.clerk, read_import(path))
    assert outcome.ref == "JD-2025-0009" and not outcome.errors


def test_check_json_shows_the_number_each_row_carries(tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "a.xlsx", [good_row(编号="jd-2025-0009"), good_row(来访单位="邻县教育局")]
    )
    result = run_cli("check", str(path), "--json")
    rows = json.loads(result.stdout)["rows"]
    assert [r["ref"] for r in rows] == ["JD-2025-0009", None]
