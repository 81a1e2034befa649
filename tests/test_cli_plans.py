"""plans, plan-form, letters and slip's comparison on the command line, run as a user would; backup,
restore and verify carry the plans and letters."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.db import Database
from ledger.preapproval import Letter
from ledger.records import Person
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import Team
from tests.reports.test_plan_form import LETTER, a_plan, approved
from tests.test_cli_reports import flat_pdf_text


@pytest.fixture
def plans(service: LedgerService, team: Team) -> dict[str, object]:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "关于开展督导检查的函", date(2026, 2, 26)), ("a.pdf", b"%PDF")
    )
    over = approved(service, team)
    started = service.reception_from_plan(over.id)
    reception = service.save(
        team.clerk,
        replace(
            started,
            guest_count=8,
            guests=started.guests + (Person("督导6"), Person("督导7")),
            meals=(replace(started.meals[0], diners=12, amount=Decimal("480.00")),),
        ),
    )
    draft = service.save_plan(
        team.clerk, a_plan(letter_no="县函〔2026〕2号", companion_count=2, companions=(), meals=())
    )
    return {"over": over, "reception": reception, "draft": draft}


def test_plans_json_lists_the_years_plans(db_url: str, plans: dict[str, object]) -> None:
    result = run_cli("--db", db_url, "plans", "--year", "2026", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["year"] == 2026
    by_ref = {p["ref"]: p for p in data["plans"]}
    assert list(by_ref) == ["SP-2026-0001", "SP-2026-0002"]
    first = by_ref["SP-2026-0001"]
    assert first["status"] == "approved" and first["approved_by"] == "zhang"
    assert first["guest_count"] == 6 and first["companion_count"] == 4 and first["budget"] == "1400.00"
    assert first["meals"][1] == {
        "date": "2026-03-11",
        "kind": "dinner",
        "venue": "县宾馆",
        "venue_type": "定点饭店",
        "diners": 10,
        "standard": "60.00",
        "amount": "600.00",
    }
    assert first["meal_budget"] == "1000.00" and first["receptions"] == [plans["reception"].ref]
    assert {b["rule"] for b in first["breaches"]} == {
        "companions_over_cap",
        "meal_over_cap",
        "too_many_meals",
    }
    assert by_ref["SP-2026-0002"]["status"] == "draft" and by_ref["SP-2026-0002"]["breaches"] == []

    text = run_cli("--db", db_url, "plans", "--year", "2026")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].startswith("SP-2026-0001  2026-03-10至2026-03-11  市教育局督导室  已批准")
    assert f"接待 {plans['reception'].ref}" in lines[0] and "按标准核对有 3 个问题" in lines[0]
    assert lines[-1] == "2026 年共 2 份接待审批单"
    assert run_cli("--db", db_url, "plans", "--year", "2030").stdout.strip() == "2030 年没有接待审批单"
    assert run_cli("--db", db_url, "plans", "--year", "二〇二六").returncode == 2


def test_plan_form_writes_the_pdf_and_an_unknown_number_is_one_line(
    db_url: str, plans: dict[str, object], tmp_path: Path
) -> None:
    out = tmp_path / "审批单.pdf"
    result = run_cli("--db", db_url, "plan-form", "sp-2026-0001", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert (
        "已生成接待审批单" in result.stdout and "SP-2026-0001（已批准），按标准核对 3 个问题" in result.stdout
    )
    text = flat_pdf_text(out)
    assert "XX县教育局公务接待审批单" in text and "分管领导：张副局长" in text and "账本指纹" in text

    missing = run_cli("--db", db_url, "plan-form", "SP-2026-9999", "-o", str(tmp_path / "x.pdf"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == "错误: 找不到接待审批 SP-2026-9999"
    assert not (tmp_path / "x.pdf").exists()
    wrong = run_cli("--db", db_url, "plan-form", "SP-2026-0001", "-o", str(tmp_path / "x.txt"))
    assert wrong.returncode == 2 and "应以 .pdf 结尾" in wrong.stderr
    fingerprints = run_cli("--db", db_url, "fingerprints")
    assert "事前审批单 SP-2026-0001" in fingerprints.stdout


def test_letters_lists_the_register_with_its_uses(db_url: str, plans: dict[str, object]) -> None:
    result = run_cli("--db", db_url, "letters", "--json")
    assert result.returncode == 0, result.stderr
    letters = {x["letter_no"]: x for x in json.loads(result.stdout)["letters"]}
    assert set(letters) == {LETTER, "县函〔2026〕2号"}
    letter = letters[LETTER]
    assert (letter["sending_unit"], letter["title"], letter["letter_date"], letter["scan"]) == (
        "市教育局",
        "关于开展督导检查的函",
        "2026-02-26",
        True,
    )
    assert [(u["kind"], u["ref"], u["status"]) for u in letter["uses"]] == [
        ("plan", "SP-2026-0001", "approved"),
        ("reception", plans["reception"].ref, "draft"),
    ]
    text = run_cli("--db", db_url, "letters").stdout.splitlines()
    assert text[0].startswith(
        f"{LETTER}  市教育局  《关于开展督导检查的函》  2026-02-26  有扫描件  引用：接待审批 SP-2026-0001（2026-03-10，已批准）"
    )
    assert text[-1] == "公函登记簿共 2 份公函"


def test_slip_compares_with_the_plan(db_url: str, plans: dict[str, object], tmp_path: Path) -> None:
    out = tmp_path / "slip.pdf"
    ref = plans["reception"].ref
    result = run_cli("--db", db_url, "slip", ref, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "与接待审批 SP-2026-0001 对比：超出审批：接待对象 审批 6，实际 8" in result.stdout
    text = flat_pdf_text(out)
    assert "与接待审批对比" in text and "接待对象68超出审批" in text


def test_backup_and_restore_keep_plans_and_letters(
    db_url: str, service: LedgerService, plans: dict[str, object], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.sqlite3"
    assert run_cli("--db", db_url, "backup", "-o", str(copy)).returncode == 0
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = run_cli("--db", target, "restore", str(copy))
    assert restored.returncode == 0, restored.stdout + restored.stderr

    other = LedgerService(Database(target))
    try:
        assert [p.ref for p in other.plans(2026)] == [p.ref for p in service.plans(2026)]
        assert other.plan_by_ref("SP-2026-0001").snapshot() == service.plan_by_ref("SP-2026-0001").snapshot()
        assert other.plan_by_ref("SP-2026-0001").receptions == (plans["reception"].ref,)
        letters = {x.letter_no: x for x in other.letters()}
        assert set(letters) == {x.letter_no for x in service.letters()}
        assert letters[LETTER].scan_size == 4 and len(letters[LETTER].uses) == 2
        assert other.letter_scan(letters[LETTER].id) == b"%PDF"
    finally:
        other.db.dispose()
    assert run_cli("--db", target, "verify").returncode == 0


def test_verify_names_a_plan_altered_outside_the_app(
    db_url: str, service: LedgerService, plans: dict[str, object]
) -> None:
    assert run_cli("--db", db_url, "verify").returncode == 0
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE plans SET budget_fen = 9990000 WHERE ref = 'SP-2026-0001'")
    conn.close()
    result = run_cli("--db", db_url, "verify")
    assert result.returncode == 1
    assert "接待审批单 SP-2026-0001 与历史记录不符（在程序外被改动）" in result.stdout
