"""``policy list|show|add|export`` and ``check --policy`` (SPEC §5), run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.policy_files import PolicyFileError, load_policy_file, parse_policy, policy_toml
from tests.cli import run_cli
from tests.workbooks import good_row, write_template

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "resources" / "policies"
ADMIN = {"LEDGER_USER": "admin", "LEDGER_PASSWORD": "secret123"}


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    first = run_cli(
        "--db", url, "user", "add", "admin", "--role", "admin,clerk", "--new-password", "secret123"
    )
    assert first.returncode == 0, first.stderr
    return url


@pytest.mark.parametrize(
    "name", ["national_default.toml", "hubei_county_example.toml", "four_documents_example.toml"]
)
def test_the_shipped_policy_files_read_and_round_trip(name: str) -> None:
    policy = load_policy_file(POLICIES / name)
    assert parse_policy(policy_toml(policy)) == policy
    assert "#" in (POLICIES / name).read_text(encoding="utf-8").splitlines()[0]  # a cited source comes first


def test_the_national_default_file_is_the_default_policy() -> None:
    from ledger.policy import load_default_policy

    assert load_policy_file(POLICIES / "national_default.toml") == load_default_policy()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[policy]\neffective_from = 2026-01-01\n\n[policy.meal_caps]\nlunch = "9O.00"\n',
            "policy.meal_caps.lunch（第 5 行）",
        ),
        (
            "[policy]\neffective_from = 2026-01-01\nmax_work_meal = 1\n",
            "policy.max_work_meal（第 3 行）：未知的参数",
        ),
        (
            '[policy]\neffective_from = 2026-01-01\nrequire_letter = "yes"\n',
            "policy.require_letter（第 3 行）：应为true 或 false",
        ),
        (
            '[policy]\neffective_from = 2026-01-01\n[policy.documents]\nrequired = ["收据"]\n',
            "policy.documents.required（第 4 行）：未知的单据类型“收据”",
        ),
        (
            '[policy]\neffective_from = 2026-01-01\n[policy.lodging]\ncap_per_person_night = "1.234"\n',
            "policy.lodging.cap_per_person_night（第 4 行）",
        ),
        (
            '[policy]\neffective_from = 2026-01-01\n[policy.foreign.meal_caps]\nsupper = "1"\n',
            "policy.foreign.meal_caps.supper（第 4 行）：未知的餐别",
        ),
        ('[policy]\nname = "x"\n', "policy.effective_from：缺少生效日期"),
        ("[policy]\neffective_from = 2026-13-01\n", "不是有效的 TOML（第 2 行"),
        ("[polcy]\neffective_from = 2026-01-01\n", "未知的表 [polcy]"),
    ],
)
def test_a_malformed_file_is_refused_with_the_key_and_line(text: str, message: str) -> None:
    with pytest.raises(PolicyFileError) as refused:
        parse_policy(text)
    assert message in str(refused.value)


def test_policy_commands(ledger: str, tmp_path: Path) -> None:
    listed = run_cli("policy", "list", "--db", ledger)
    assert listed.returncode == 0 and "2013-12-08\t公务接待默认标准" in listed.stdout
    refused = run_cli("policy", "add", str(POLICIES / "hubei_county_example.toml"), "--db", ledger)
    assert refused.returncode == 2 and "--user" in refused.stderr
    added = run_cli("policy", "add", str(POLICIES / "hubei_county_example.toml"), "--db", ledger, env=ADMIN)
    assert added.returncode == 0, added.stderr
    assert "2026-01-01 起执行" in added.stdout
    again = run_cli("policy", "add", str(POLICIES / "hubei_county_example.toml"), "--db", ledger, env=ADMIN)
    assert again.returncode == 2 and "必须晚于现行版本（2026-01-01）" in again.stderr
    shown = run_cli("policy", "show", "--on", "2026-03-01", "--db", ledger)
    assert "外地 50.00 / 90.00 / 90.00；本地 40.00 / 70.00 / 70.00" in shown.stdout
    assert "须附单据：公函、发票、接待清单" in shown.stdout
    old = run_cli("policy", "show", "--on", "2025-12-31", "--db", ledger)
    assert "生效日期：2013-12-08" in old.stdout
    assert "2025-12-31 执行的版本（自 2013-12-08 起执行）" in old.stdout
    early = run_cli("policy", "show", "--on", "2000-01-01", "--db", ledger)
    assert "2000-01-01 早于最早的版本；最早的版本自 2013-12-08 起执行" in early.stdout
    out = tmp_path / "exported.toml"
    exported = run_cli("policy", "export", "--on", "2026-03-01", "-o", str(out), "--db", ledger)
    assert exported.returncode == 0, exported.stderr
    assert load_policy_file(out) == load_policy_file(POLICIES / "hubei_county_example.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[policy]\neffective_from = 2027-01-01\nmax_work_meals = -1\n", encoding="utf-8")
    malformed = run_cli("policy", "add", str(bad), "--db", ledger, env=ADMIN)
    assert malformed.returncode == 2 and "policy.max_work_meals（第 3 行）" in malformed.stderr
    assert "Traceback" not in malformed.stderr


def test_check_judges_by_a_policy_file_or_by_the_ledgers_versions(ledger: str, tmp_path: Path) -> None:
    # a lunch of 480.00 for 6 外地 diners in 2026: over the national 50 (300), within Hubei's 90 (540)
    book = write_template(
        tmp_path / "t.xlsx",
        [good_row(接待日期="2026-03-05", 接待对象人数=4, 陪餐人数=2, 餐费=480, 来宾类别="外地", 餐别="午餐")],
    )
    national = json.loads(run_cli("check", str(book), "--json").stdout)
    assert [v["rule"] for v in national["rows"][0]["violations"]] == ["meal_over_cap"]
    hubei = run_cli("check", str(book), "--json", "--policy", str(POLICIES / "hubei_county_example.toml"))
    assert hubei.returncode == 0 and json.loads(hubei.stdout)["rows"][0]["violations"] == []
    local = write_template(
        tmp_path / "l.xlsx",
        [good_row(接待日期="2026-03-05", 接待对象人数=4, 陪餐人数=2, 餐费=480, 来宾类别="本地")],
    )
    judged = json.loads(
        run_cli("check", str(local), "--json", "--policy", str(POLICIES / "hubei_county_example.toml")).stdout
    )
    assert judged["rows"][0]["violations"][0]["limit"] == "420.00"  # 70 x 6
    # --db: the ledger's own versions, before and after it adds the Hubei version
    assert json.loads(run_cli("check", str(book), "--json", "--db", ledger).stdout)["rows"][0]["violations"]
    run_cli("policy", "add", str(POLICIES / "hubei_county_example.toml"), "--db", ledger, env=ADMIN)
    assert (
        json.loads(run_cli("check", str(book), "--json", "--db", ledger).stdout)["rows"][0]["violations"]
        == []
    )
    missing = run_cli("check", str(book), "--policy", str(tmp_path / "none.toml"))
    assert missing.returncode == 2 and "无法读取标准文件" in missing.stderr


@pytest.mark.parametrize("nested", ["[" * 200_000 + "]" * 200_000, "{ a = " * 200_000 + "1" + " }" * 200_000])
def test_a_policy_file_nested_too_deeply_is_one_line_naming_the_file(
    nested: str, ledger: str, tmp_path: Path
) -> None:
    deep = tmp_path / "深.toml"
    deep.write_text(f"[policy]\neffective_from = 2026-01-01\nx = {nested}\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="深.toml.*嵌套过深"):
        load_policy_file(deep)
    book = write_template(tmp_path / "t.xlsx", [good_row()])
    for args in (("check", str(book), "--policy", str(deep)), ("policy", "add", str(deep), "--db", ledger)):
        done = run_cli(*args, env=ADMIN)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "深.toml" in done.stderr and "嵌套过深" in done.stderr


def test_the_default_policy_file_is_accepted_and_export_keeps_its_warnings(ledger: str, tmp_path: Path) -> None:
    book = write_template(tmp_path / "in.xlsx", [good_row()])
    checked = run_cli("check", str(book), "--policy", str(ROOT / "resources" / "default_policy.toml"))
    assert checked.returncode == 0, checked.stderr
    text = (ROOT / "resources" / "default_policy.toml").read_text(encoding="utf-8")
    changed = tmp_path / "warn.toml"
    changed.write_text(
        text.replace("effective_from = 2013-12-08", "effective_from = 2026-01-01")
        .replace('name = "公务接待默认标准"', 'name = "2026 标准"')
        .replace("split_days = 2", "split_days = 7"),
        encoding="utf-8",
    )
    added = run_cli("policy", "add", str(changed), "--db", ledger, env=ADMIN)
    assert added.returncode == 0, added.stderr
    out = tmp_path / "out.toml"
    assert run_cli("policy", "export", "--on", "2026-06-01", "-o", str(out), "--db", ledger).returncode == 0
    assert load_policy_file(out) == load_policy_file(changed)
    assert load_policy_file(out).warnings.split_days == 7


def test_policy_add_warns_of_a_reused_name_and_national_checks_switched_off(ledger: str, tmp_path: Path) -> None:
    same_name = tmp_path / "same.toml"
    same_name.write_text('[policy]\neffective_from = 2026-01-01\nname = "公务接待默认标准"\n', encoding="utf-8")
    added = run_cli("policy", "add", str(same_name), "--db", ledger, env=ADMIN)
    assert added.returncode == 0, added.stderr
    assert "注意：名称与 2013-12-08 起执行的版本相同" in added.stderr
    lax = tmp_path / "lax.toml"
    lax.write_text(
        '[policy]\neffective_from = 2027-01-01\nname = "宽松"\ncheck_gift = false\nrequire_letter = false\n',
        encoding="utf-8",
    )
    added = run_cli("policy", "add", str(lax), "--db", ledger, env=ADMIN)
    assert added.returncode == 0, added.stderr
    assert "不检查全国性规定要求的“赠送礼品”“无公函或电话记录”" in added.stderr
    assert "名称" not in added.stderr
    plain = tmp_path / "plain.toml"
    plain.write_text('[policy]\neffective_from = 2028-01-01\nname = "新"\n', encoding="utf-8")
    added = run_cli("policy", "add", str(plain), "--db", ledger, env=ADMIN)
    assert added.returncode == 0 and added.stderr == ""


def test_policy_names_cannot_forge_lines_and_dates_cannot_lock_the_ledger(ledger: str, tmp_path: Path) -> None:
    forged = tmp_path / "forged.toml"
    forged.write_text(
        '[policy]\neffective_from = 2026-01-01\nname = "甲\\n2099-01-01\\t伪造\\u202e\\u0007"\n', encoding="utf-8"
    )
    assert run_cli("policy", "add", str(forged), "--db", ledger, env=ADMIN).returncode == 0
    listed = run_cli("policy", "list", "--db", ledger).stdout.splitlines()
    assert len(listed) == 2 and listed[1].startswith("2026-01-01\t甲 2099-01-01 伪造\t")
    forever = tmp_path / "forever.toml"
    forever.write_text('[policy]\neffective_from = 9999-12-31\nname = "永久"\n', encoding="utf-8")
    refused = run_cli("policy", "add", str(forever), "--db", ledger, env=ADMIN)
    assert refused.returncode == 2 and "policy.effective_from（第 2 行）" in refused.stderr
    later = tmp_path / "later.toml"
    later.write_text('[policy]\neffective_from = 2027-01-01\nname = "后来"\n', encoding="utf-8")
    assert run_cli("policy", "add", str(later), "--db", ledger, env=ADMIN).returncode == 0
