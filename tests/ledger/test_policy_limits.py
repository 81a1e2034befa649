"""Policy versions hold only what a user can read and a ledger can use: warnings settings kept
through a file, effective dates in the calendar's range, clean names, bounded figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.errors import InvalidReception
from ledger.policy import Policy, WarningParams, load_default_policy
from ledger.policy_files import PolicyFileError, load_policy_file, parse_policy, policy_toml
from ledger.service import LedgerService
from tests.conftest import Team

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "resources" / "default_policy.toml"


def test_the_default_policy_file_with_its_warnings_reads_as_a_policy_file() -> None:
    policy = load_policy_file(DEFAULT_FILE)
    assert policy == load_default_policy()
    assert policy.warnings.late_posting_days == 5


def test_export_then_add_keeps_the_warning_settings() -> None:
    warnings = WarningParams(split_reception=False, split_days=4, frequent_times=9, cash_payment=False)
    policy = replace(load_default_policy(), effective_from=date(2026, 1, 1), name="新标准", warnings=warnings)
    text = policy_toml(policy)
    assert "[policy.warnings]" in text and "split_days = 4" in text
    assert parse_policy(text) == policy


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("effective_from = 9999-12-31", "policy.effective_from（第 2 行）：生效日期须在 1900-01-01 至 9998-12-31 之间"),
        ("effective_from = 1899-12-31", "policy.effective_from（第 2 行）"),
        ("effective_from = 2026-01-01\ncompanion_ratio_den = 0", "policy.companion_ratio_den（第 3 行）：陪餐比例的分母至少为 1"),
        ("effective_from = 2026-01-01\ncompanion_base_cap = 100001", "policy.companion_base_cap（第 3 行）"),
        (
            'effective_from = 2026-01-01\n[policy.meal_caps]\nlunch = "99999999999999999999999.00"',
            "policy.meal_caps.lunch（第 4 行）：午餐标准必须是不小于0、不超过 999,999,999.99",
        ),
        (
            'effective_from = 2026-01-01\n[policy.lodging]\ncap_per_person_night = "1000000000.00"',
            "policy.lodging.cap_per_person_night（第 4 行）",
        ),
        ("effective_from = 2026-01-01\n[policy.warnings]\nsplit_days = 100001", "policy.warnings.split_days（第 4 行）"),
        ('effective_from = 2026-01-01\nname = "\\u200b\\u202e\\u0007"', "policy.name（第 3 行）：名称不能只有不可见字符"),
        ('effective_from = 2026-01-01\nname = "' + "长" * 101 + '"', "policy.name（第 3 行）：名称不能超过 100 个字"),
        (
            'effective_from = 2026-01-01\nlocal_units = ["县教育局", "\\u200b"]',
            "policy.local_units（第 3 行）：本地单位名单中不能有空项",
        ),
    ],
)
def test_out_of_range_values_are_refused_at_their_key_and_line(lines: str, message: str) -> None:
    with pytest.raises(PolicyFileError) as caught:
        parse_policy("[policy]\n" + lines + "\n")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_policy_names_units_and_document_kinds_are_cleaned() -> None:
    text = (
        "[policy]\neffective_from = 2026-01-01\n"
        'name = "新\\t标准\\u202e\\u200b\\n（二）"\n'
        'local_units = [" 县\\u200b教育局 ", "ＸＸ乡"]\n'
        '[policy.documents]\nrequired = ["发\\u200b票"]\n'
    )
    policy = parse_policy(text)
    assert policy.name == "新 标准 (二)"
    assert policy.local_units == ("县教育局", "XX乡")
    assert policy.documents.required == ("invoice",)


def test_the_window_path_refuses_the_same_values(service: LedgerService, team: Team) -> None:
    base = service.policies()[-1]
    bad = [
        replace(base, effective_from=date(9999, 12, 31), name="永久"),
        replace(base, effective_from=date(2030, 1, 1), name="\u200b\u2060"),
        replace(base, effective_from=date(2030, 1, 1), name="大", meal_caps={"lunch": Decimal("1000000000.00")}),
        replace(base, effective_from=date(2030, 1, 1), name="大", max_work_meals=100_001),
        replace(base, effective_from=date(2030, 1, 1), name="大", companion_ratio_den=0),
    ]
    for policy in bad:
        with pytest.raises(InvalidReception):
            service.add_policy(team.admin, policy)
    # refused: the ledger still takes a later version
    later = service.add_policy(team.admin, replace(base, effective_from=date(2030, 1, 1), name="新\n标准"))
    assert later.name == "新 标准" and service.policies()[-1].name == "新 标准"


def test_a_stored_version_reads_its_name_cleaned() -> None:
    data = load_default_policy().to_dict() | {"name": "旧\n\t版\u202e"}
    assert Policy.from_dict(data).name == "旧 版"


def test_a_negative_zero_cap_reads_as_zero(tmp_path: Path) -> None:
    from ledger.policy_files import load_policy_file, policy_toml

    path = tmp_path / "zero.toml"
    path.write_text('[policy]\neffective_from = 2026-01-01\n[policy.meal_caps]\nbreakfast = "-0.00"\n', "utf-8")
    policy = load_policy_file(path)
    assert str(policy.meal_caps["breakfast"]) == "0.00"
    assert '"-0.00"' not in policy_toml(policy, source="")
