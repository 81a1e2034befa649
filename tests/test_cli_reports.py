"""notice, slip and export on the command line, run in a subprocess as a user would."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ledger.db import Database
from ledger.records import Reception
from ledger.service import LedgerService
from tests.cli import run_cli
from tests.conftest import PASSWORD, Team, make_team, sample_reception


def flat_pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture
def ledger(service: LedgerService, team: Team) -> dict[str, Reception]:
    def approve(reception: Reception) -> Reception:
        submitted = service.submit(team.clerk, reception)
        assert submitted.id is not None
        return service.approve(team.approver, submitted.id)

    return {
        "city": approve(sample_reception(date(2025, 3, 3), unit="市教育局", amount="300.00")),
        "slip": approve(
            sample_reception(
                date(2025, 3, 12), guests=10, companions=3, unit="省教育厅督导组", amount="650.00"
            )
        ),
        "secret": approve(
            sample_reception(
                date(2025, 3, 14),
                unit="国家教育考试命题中心",
                classified=True,
                classified_reason="涉及考试命题",
            )
        ),
    }


def test_notice_without_a_user_writes_the_pdf_and_marks_nothing(
    db_url: str, service: LedgerService, ledger: dict[str, Reception], tmp_path: Path
) -> None:
    out = tmp_path / "notice.pdf"
    result = run_cli(
        "--db",
        db_url,
        "notice",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "-o",
        str(out),
        "--posted",
        "2025-03-07",
    )
    assert result.returncode == 0, result.stderr
    text = flat_pdf_text(out)
    assert "市教育局" in text and "省教育厅督导组" in text
    assert "国家教育考试命题中心" not in text
    assert "公示期：2025年3月7日至2025年3月13日" in text
    assert service.get(ledger["city"].id).posted_on is None  # type: ignore[arg-type]


def test_notice_with_a_user_marks_the_receptions_posted(
    db_url: str, service: LedgerService, ledger: dict[str, Reception], tmp_path: Path
) -> None:
    out = tmp_path / "notice.pdf"
    result = run_cli(
        "notice", "--from", "2025-03-01", "--to", "2025-03-31", "-o", str(out), "--posted", "2025-04-03",
        "--db", db_url, "--user", "li",
        env={"LEDGER_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert service.get(ledger["city"].id).posted_on == date(2025, 4, 3)  # type: ignore[arg-type]
    assert service.get(ledger["slip"].id).posted_on == date(2025, 4, 3)  # type: ignore[arg-type]
    assert service.get(ledger["secret"].id).posted_on is None  # type: ignore[arg-type]
    # the internal copy reconciles and marks nothing more
    internal = tmp_path / "internal.pdf"
    result = run_cli(
        "--db",
        db_url,
        "notice",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "-o",
        str(internal),
        "--internal",
    )
    assert result.returncode == 0, result.stderr
    assert "=台账合计" in flat_pdf_text(internal)


@pytest.mark.parametrize(
    "args",
    [
        ("notice", "--from", "2025-02-30", "--to", "2025-03-31"),  # no such day
        ("notice", "--from", "2025-03-31", "--to", "2025-03-01"),  # reversed
        ("notice", "--from", "3/1/2025", "--to", "2025-03-31"),
    ],
)
def test_notice_with_a_bad_date_exits_2_with_one_line(
    db_url: str, ledger: dict[str, Reception], tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = run_cli("--db", db_url, *args, "-o", str(tmp_path / "n.pdf"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "n.pdf").exists()


def test_slip_writes_the_reception_list_and_refuses_an_unknown_reference(
    db_url: str, ledger: dict[str, Reception], tmp_path: Path
) -> None:
    out = tmp_path / "slip.pdf"
    result = run_cli("--db", db_url, "slip", ledger["slip"].ref, "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = flat_pdf_text(out)
    assert ledger["slip"].ref in text and "人民币陆佰伍拾元整" in text

    result = run_cli("--db", db_url, "slip", "JD-2025-0999", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "JD-2025-0999" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = run_cli("--db", db_url, "slip", ledger["slip"].ref, "-o", str(tmp_path / "missing" / "x.pdf"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_export_then_import_historical_then_export_gives_the_same_sheet(
    db_url: str, ledger: dict[str, Reception], tmp_path: Path
) -> None:
    first = tmp_path / "first.xlsx"
    result = run_cli("--db", db_url, "export", "--year", "2025", "-o", str(first))
    assert result.returncode == 0, result.stderr

    empty_url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    empty_db = Database(empty_url)
    make_team(LedgerService(empty_db))
    empty_db.dispose()
    result = run_cli(
        "--db",
        empty_url,
        "import",
        str(first),
        "--historical",
        "--user",
        "wang",
        env={"LEDGER_PASSWORD": PASSWORD},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    again = tmp_path / "again.xlsx"
    assert run_cli("--db", empty_url, "export", "--year", "2025", "-o", str(again)).returncode == 0

    def ledger_sheet(path: Path) -> list[tuple[object, ...]]:
        workbook = load_workbook(path, read_only=True)
        try:
            return [tuple(r) for r in workbook["台账"].iter_rows(values_only=True)]
        finally:
            workbook.close()

    rows = ledger_sheet(first)
    assert len(rows) == 4 and rows[3][1] == "国家教育考试命题中心"
    assert ledger_sheet(again) == rows

    result = run_cli("--db", db_url, "export", "--year", "2025", "-o", str(tmp_path / "missing" / "x.xlsx"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_export_says_how_many_receptions_have_a_breach_and_how_many_breaches(
    db_url: str, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    """"14 条违规" read as fourteen receptions where eleven had a breach."""
    for on, companions, gift in ((date(2025, 4, 1), 5, "80.00"), (date(2025, 4, 2), 4, "0")):
        r = sample_reception(
            on,
            companions=companions,
            gift_amount=Decimal(gift),
            gift_description="纪念册" if gift != "0" else "",
            explanations={"companions_over_cap": "上级检查组随行人员较多", "gift": "已由个人退回"},
        )
        submitted = service.submit(team.clerk, r)
        service.approve(team.approver, submitted.id)  # type: ignore[arg-type]
    out = tmp_path / "台账.xlsx"
    result = run_cli("--db", db_url, "export", "--year", "2025", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("2 条已审核接待，合计 680.00 元；2 条有违规，共 3 处"), result.stdout
    rows = list(load_workbook(out, read_only=True)["违规情况"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3


def test_slip_shows_the_reimbursement(
    db_url: str, service: LedgerService, team: Team, ledger: dict[str, Reception], tmp_path: Path
) -> None:
    r = service.get(ledger["city"].id)  # type: ignore[arg-type]
    service.record_reimbursement(team.clerk, r.id, "记-2025-0318", date(2025, 3, 20), version=r.version)  # type: ignore[arg-type]
    out = tmp_path / "slip.pdf"
    result = run_cli("--db", db_url, "slip", r.ref, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "报销：凭证号记-2025-0318，日期2025年3月20日" in flat_pdf_text(out)


def test_a_ledger_started_on_the_command_line_gets_its_bureau_and_telephone_with_bureau_set(
    tmp_path: Path,
) -> None:
    """README: the first `user add` starts a ledger; nothing asked for the bureau's name or its
    supervision telephone, and the notice sheet printed a blank 监督电话. `notice` now says so,
    and `bureau set` (an administrator) fills them in."""
    db = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    assert run_cli("--db", db, "user", "add", "adm", "--role", "admin,clerk,approver", "--new-password", PASSWORD).returncode == 0
    shown = run_cli("--db", db, "bureau")
    assert shown.returncode == 0 and "单位名称：（未填写）" in shown.stdout and "监督电话：（未填写）" in shown.stdout
    out = tmp_path / "notice.pdf"
    period = ("notice", "--from", "2025-03-01", "--to", "2025-03-31", "-o", str(out))
    before = run_cli("--db", db, *period)
    assert before.returncode == 0 and "尚未填写单位名称、监督电话" in before.stderr and "bureau set" in before.stderr

    wrong = run_cli("--db", db, "--user", "adm", "--password", PASSWORD, "bureau", "set", "--phone", "请拨打")
    assert wrong.returncode == 2 and "监督电话应为电话号码" in wrong.stderr
    done = run_cli(
        "--db", db, "--user", "adm", "--password", PASSWORD,
        "bureau", "set", "--name", "XX县教育局", "--phone", "0710-1234567",
    )
    assert done.returncode == 0 and "监督电话：0710-1234567" in done.stdout, done.stderr
    after = run_cli("--db", db, *period)
    assert after.returncode == 0 and after.stderr == ""
    text = flat_pdf_text(out)
    assert "XX县教育局" in text and "0710-1234567" in text


def test_template_writes_the_blank_import_template_without_a_ledger(tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    result = run_cli("--db", f"sqlite:///{tmp_path / 'none.sqlite3'}", "template", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"已写入导入模板 {out}：填写“台账”表（黄色列必填，各列见“填写说明”表）后用 import 导入"
    assert load_workbook(out).sheetnames == ["台账", "填写说明"]
    assert not (tmp_path / "none.sqlite3").exists()  # no ledger was made for it
    wrong = run_cli("template", "-o", str(tmp_path / "模板.xls"))
    assert wrong.returncode == 2 and "输出文件应以 .xlsx 结尾" in wrong.stderr


def test_check_with_a_ledger_refuses_a_sealed_years_rows_as_import_does(
    db_url: str, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    """check --db said 合规 for a row of an archived year that import then refused."""
    from tests.workbooks import good_row, write_template

    service.clock = lambda: datetime(2026, 3, 1, 10, 0)
    service.seal_year(team.admin, 2025, "ab" * 32)
    path = write_template(tmp_path / "a.xlsx", [good_row(接待日期="2025-11-03"), good_row(接待日期="2026-02-03")])
    checked = run_cli("--db", db_url, "check", str(path))
    assert checked.stdout.splitlines()[:2] == [
        "第 2 行  错误  [接待日期] 2025 年已封存（年度已归档）：不能再导入该年度的接待",
        "第 3 行  合规",
    ]
    alone = run_cli("check", str(path))  # without a ledger: nothing is known of its years
    assert alone.stdout.splitlines()[0] == "第 2 行  合规"


def test_check_reads_an_older_ledger_and_goes_on_without_one_beside_a_policy_file(
    db_url: str, tmp_path: Path
) -> None:
    """The sealed years made check refuse a ledger of the version before them (no such table),
    and a LEDGER_DB out of reach stopped a check the policy file alone judges."""
    import shutil

    from tests.conftest import downgrade_ledger
    from tests.workbooks import good_row, write_template

    older = tmp_path / "older.sqlite3"
    shutil.copyfile(db_url.removeprefix("sqlite:///"), older)
    downgrade_ledger(f"sqlite:///{older}", "0005")
    path = write_template(tmp_path / "a.xlsx", [good_row()])
    checked = run_cli("--db", f"sqlite:///{older}", "check", str(path))
    assert checked.returncode == 0 and checked.stdout.splitlines()[0] == "第 2 行  合规", checked.stderr

    policy = tmp_path / "p.toml"
    assert run_cli("policy", "export", "-o", str(policy), "--db", db_url).returncode == 0
    elsewhere = run_cli("check", str(path), "--policy", str(policy), env={"LEDGER_DB": str(tmp_path / "nowhere.db")})
    assert elsewhere.returncode == 0 and elsewhere.stdout.splitlines()[0] == "第 2 行  合规"
    assert elsewhere.stderr.startswith("注意：无法使用账本 ") and "未按其已封存年度检查" in elsewhere.stderr
    alone = run_cli("check", str(path), env={"LEDGER_DB": str(tmp_path / "nowhere.db")})
    assert alone.returncode == 2 and "未检查" in alone.stderr
