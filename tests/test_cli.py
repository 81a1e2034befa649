"""The command line of SPEC §5, driven through a subprocess: output, JSON and exit codes."""

import json
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import copied_ledger
from tests.workbooks import good_row, write_template

CLERK_ENV = {"LEDGER_USER": "li", "LEDGER_PASSWORD": "secret123"}


@pytest.fixture(scope="module")
def _cli_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger with an administrator and a clerk, made on the command line once; each test
    gets a copy of its file (two runs of the command line cost seconds on a slow machine)."""
    path = tmp_path_factory.mktemp("cli") / "cli.sqlite3"
    url = f"sqlite:///{path}"
    first = run_cli("--db", url, "user", "add", "admin", "--role", "admin", "--new-password", "secret123")
    assert first.returncode == 0, first.stderr
    second = run_cli(
        "user",
        "add",
        "li",
        "--role",
        "clerk",
        "--display-name",
        "李会计",
        "--new-password",
        "secret123",
        "--db",
        url,
        env={"LEDGER_USER": "admin", "LEDGER_PASSWORD": "secret123"},
    )
    assert second.returncode == 0, second.stderr
    return path


@pytest.fixture
def ledger(tmp_path: Path, _cli_ledger: Path) -> str:
    return copied_ledger(_cli_ledger, tmp_path, "cli.sqlite3")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    return write_template(
        tmp_path / "台账.xlsx",
        [
            good_row(),
            good_row(来访单位="邻县教育局", 接待对象人数=10, 陪餐人数=4),
            good_row(来访单位="省教育厅", 接待对象人数=5, 陪餐人数=2, 餐费=350.07),
            good_row(接待日期="2025-02-30"),
        ],
    )


def test_check_json_lists_every_row(workbook: Path) -> None:
    result = run_cli("check", str(workbook), "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [r["row"] for r in data["rows"]] == [2, 3, 4, 5]
    assert data["rows"][0] == {"row": 2, "ref": None, "violations": [], "errors": []}
    assert data["rows"][1]["violations"] == [
        {
            "rule": "companions_over_cap",
            "message": "陪餐4人，超过上限3人（接待对象10人）",
            "limit": "3",
            "actual": "4",
            "excess": "0.00",
        }
    ]
    meal = data["rows"][2]["violations"][0]
    assert (meal["rule"], meal["limit"], meal["actual"], meal["excess"]) == (
        "meal_over_cap",
        "350.00",
        "350.07",
        "0.07",
    )
    assert data["rows"][3]["errors"][0]["column"] == "接待日期"
    assert data["summary"] == {"rows": 4, "compliant": 1, "with_violations": 2, "with_errors": 1}


def test_check_human_output_and_clean_workbook(tmp_path: Path, workbook: Path) -> None:
    result = run_cli("check", str(workbook))
    assert "第 3 行  违规  陪餐4人，超过上限3人（接待对象10人）" in result.stdout
    assert "第 4 行  违规" in result.stdout and "超标金额 0.07 元" in result.stdout
    # a row refused (here a date that does not exist; a duplicate too) is no unreadable row
    assert result.stdout.splitlines()[-1] == "共 4 行：合规 1 行，有违规 2 行，有错误 1 行（未通过检查，不能导入）"
    clean = write_template(tmp_path / "ok.xlsx", [good_row()])
    ok = run_cli("check", str(clean))
    assert ok.returncode == 0 and "共 1 行：合规 1 行" in ok.stdout


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.xlsx", "找不到文件"),
        (lambda p: (p / "x.xlsx").write_text("hello") and p / "x.xlsx", "不是 Excel 工作簿"),
        (lambda p: write_template(p / "h.xlsx", [good_row()], ("接待日期",)), "缺少必填列"),
        (lambda p: p / ("台账" * 100 + ".xlsx"), "文件名或路径过长，系统无法打开"),  # ("File name too long")
    ],
)
def test_unusable_input_is_one_line_exit_2(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("check", str(make(tmp_path)))
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_bad_arguments_exit_2_without_traceback() -> None:
    result = run_cli("import")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    result = run_cli("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_import_json_gives_each_row_its_reference(ledger: str, workbook: Path) -> None:
    result = run_cli("import", str(workbook), "--json", "--db", ledger, env=CLERK_ENV)
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert [r["ref"] for r in data["rows"]] == ["JD-2025-0001", "JD-2025-0002", "JD-2025-0003", None]
    assert data["summary"]["imported"] == 3 and data["summary"]["with_errors"] == 1
    again = run_cli("--db", ledger, "import", str(workbook), "--json", env=CLERK_ENV)
    rows = json.loads(again.stdout)["rows"]
    assert all(r["ref"] is None for r in rows)
    assert "与已有接待 JD-2025-0001 重复" in rows[0]["errors"][0]["message"]
    verify = run_cli("verify", "--db", ledger)
    assert verify.returncode == 0 and "历史记录完整" in verify.stdout


def test_import_says_which_rows_were_given_another_number(ledger: str, tmp_path: Path) -> None:
    """A 编号 the file repeats (or not of the row's year) is replaced: the clerk is told which,
    on stderr beside the report (the JSON keeps its fixed shape), to correct the paper vouchers."""
    rows = [good_row(接待日期=f"2025-03-{d:02d}", 来访单位=f"单位{d}", 编号="JD-2025-0001") for d in range(1, 6)]
    rows.append(good_row(接待日期="2025-04-01", 来访单位="单位9", 编号="JD-2024-0007"))
    book = write_template(tmp_path / "numbers.xlsx", rows)
    result = run_cli("--db", ledger, "import", str(book), "--json", env=CLERK_ENV)
    assert result.returncode == 0, result.stderr
    assert [r["ref"] for r in json.loads(result.stdout)["rows"]] == [f"JD-2025-000{n}" for n in range(1, 7)]
    assert result.stderr.strip().splitlines() == [
        "提示：5 行填写的编号不能沿用（已被占用、不是该接待年度的编号，或不是账本给出的编号），已另给编号："
        "第 3 行 JD-2025-0001 → JD-2025-0002；第 4 行 JD-2025-0001 → JD-2025-0003；"
        "第 5 行 JD-2025-0001 → JD-2025-0004等。纸质单据上的编号请相应更正。"
    ]


def test_import_needs_a_user_with_the_password(ledger: str, workbook: Path) -> None:
    result = run_cli(
        "import", str(workbook), "--db", ledger, env={"LEDGER_USER": "li", "LEDGER_PASSWORD": "wrong"}
    )
    assert result.returncode == 2 and "用户名或密码不正确" in result.stderr
    result = run_cli("import", str(workbook), "--db", ledger)
    assert result.returncode == 2 and "--user" in result.stderr


def test_import_historical(ledger: str, tmp_path: Path) -> None:
    path = write_template(tmp_path / "h.xlsx", [good_row(审核人="张副局长", 审核日期="2025-03-06")])
    refused = run_cli("import", str(path), "--historical", "--db", ledger, env=CLERK_ENV)
    assert refused.returncode == 2 and "分管领导" in refused.stderr  # a clerk alone cannot enter approvals
    other = write_template(
        tmp_path / "d.xlsx",
        [
            good_row(来访单位="邻县教育局", 审核人="张副局长", 审核日期="2025-03-06"),
            good_row(来访单位="", 审核人="张副局长", 审核日期="2025-03-06"),  # refused: not counted
        ],
    )
    drafts = run_cli("import", str(other), "--db", ledger, env=CLERK_ENV)  # without --historical: said so
    assert "已导入 1 行" in drafts.stdout
    assert "1 行填写了“审核人”，未加 --historical，均已导入为草稿" in drafts.stderr
    run_cli(
        "user",
        "add",
        "wang",
        "--role",
        "clerk,approver",
        "--new-password",
        "secret123",
        "--db",
        ledger,
        env={"LEDGER_USER": "admin", "LEDGER_PASSWORD": "secret123"},
    )
    result = run_cli(
        "import",
        str(path),
        "--historical",
        "--db",
        ledger,
        env={"LEDGER_USER": "wang", "LEDGER_PASSWORD": "secret123"},
    )
    assert result.returncode == 0, result.stderr
    assert "已导入 1 行（其中 1 行按纸质审核记为已审核，其余为草稿）" in result.stdout
    both = write_template(
        tmp_path / "b.xlsx",
        [good_row(来访单位="市审计局", 审核人="张副局长", 审核日期="2025-03-06"), good_row(来访单位="市财政局")],
    )
    as_json = run_cli(
        "import", str(both), "--historical", "--json", "--db", ledger,
        env={"LEDGER_USER": "wang", "LEDGER_PASSWORD": "secret123"},
    )
    assert {"imported": 2, "approved": 1}.items() <= json.loads(as_json.stdout)["summary"].items()


def test_verify_names_the_tampered_record(ledger: str, workbook: Path) -> None:
    import sqlite3

    run_cli("import", str(workbook), "--db", ledger, env=CLERK_ENV)
    with sqlite3.connect(ledger.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE reception_meals SET amount_fen = 1 WHERE reception_id = 2")
    result = run_cli("verify", "--db", ledger)
    assert result.returncode == 1
    assert "JD-2025-0002" in result.stdout.splitlines()[0]


def test_user_list_and_env_database(ledger: str) -> None:
    result = run_cli("user", "list", env={"LEDGER_DB": ledger})
    assert result.returncode == 0
    assert "li\t李会计\t经办人" in result.stdout


def test_first_user_must_be_an_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    result = run_cli("user", "add", "li", "--role", "clerk", "--new-password", "secret123", "--db", url)
    assert result.returncode == 2 and "第一个用户必须是管理员" in result.stderr


def test_demo_fills_two_years(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    result = run_cli("demo", "--db", url, "--year", "2025")
    assert result.returncode == 0, result.stderr
    assert "示例用户：管理员、李会计、张副局长" in result.stdout
    listing = run_cli("user", "list", "--db", url)
    assert "李会计" in listing.stdout and "张副局长" in listing.stdout
    again = run_cli("demo", "--db", url, "--user", "管理员", "--password", "demo1234")
    assert again.returncode == 2 and "空账本" in again.stderr
    assert run_cli("verify", "--db", url).returncode == 0


def test_a_file_that_is_not_a_ledger_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("just some notes, not a database " * 100)
    result = run_cli("--db", str(path), "verify")
    assert result.returncode == 2
    assert "无法打开数据库" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_help_is_printed_once() -> None:
    result = run_cli("check", "--help")
    assert result.returncode == 0
    assert result.stdout.count("用法：") == 1 and "按接待标准检查工作簿" in result.stdout


def test_a_mistyped_ledger_path_is_not_an_empty_ledger(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "ledger.sqlite3"
    result = run_cli("--db", str(missing), "verify")
    assert result.returncode == 2 and "找不到账本文件" in result.stderr
    assert "（请检查 --db 或 LEDGER_DB）" in result.stderr  # where this command's ledger is named
    assert not missing.parent.exists()


def test_outputs_must_have_the_right_kind(ledger: str, tmp_path: Path) -> None:
    result = run_cli("export", "--year", "2025", "-o", str(tmp_path / "台账.pdf"), "--db", ledger)
    assert result.returncode == 2 and "应以 .xlsx 结尾" in result.stderr


def test_check_never_touches_a_ledger_and_refuses_one_it_cannot_use(tmp_path: Path, workbook: Path) -> None:
    """A mistyped ledger is said, in one line, instead of judging by the default policy."""
    missing = tmp_path / "nowhere" / "ledger.sqlite3"
    result = run_cli("check", str(workbook), "--json", env={"LEDGER_DB": str(missing)})
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "无法使用账本" in result.stderr
    assert "找不到账本文件" in result.stderr
    assert not missing.parent.exists()
    not_a_ledger = tmp_path / "notes.sqlite3"
    not_a_ledger.write_bytes(b"")
    result = run_cli("check", str(workbook), "--db", f"sqlite:///{not_a_ledger}")
    assert result.returncode == 2 and "不是可用的台账" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not_a_ledger.read_bytes() == b""
    unreachable = run_cli("check", str(workbook), "--db", "postgresql://postgres@127.0.0.1:1/nothing")
    assert unreachable.returncode == 2 and "无法使用账本" in unreachable.stderr
    assert len(unreachable.stderr.strip().splitlines()) == 1


def test_reports_are_printed_exactly_as_json_dumps_would() -> None:
    """check/import print their JSON row by row from a spool (SPEC §5's format, unchanged)."""
    import json

    from ui.cli_report import json_text as _json_text

    samples = [
        {"rows": [], "summary": {"rows": 0, "compliant": 0}},
        {
            "rows": [
                {"row": 2, "ref": None, "violations": [], "errors": [{"column": "接\"待", "message": "a\nb\\"}]},
                {"row": 3, "ref": "JD-2025-0001", "violations": [{"rule": "x", "excess": "0.00"}], "errors": []},
            ],
            "summary": {"rows": 2, "imported": 1},
            "flags": [True, False, None, {}, []],
        },
    ]
    for value in samples:
        assert _json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)


@pytest.mark.postgres
def test_check_never_prints_the_password_of_an_unusable_ledger(tmp_path: Path, pg_url: str) -> None:
    from openpyxl import Workbook

    book = tmp_path / "t.xlsx"
    wb = Workbook()
    wb.active.append(["接待日期", "来访单位", "公务活动", "接待对象人数", "陪餐人数", "餐费"])
    wb.active.append(["2025-03-05", "市教育局", "督导", 3, 1, "100.00"])
    wb.save(book)
    for url in (
        "postgresql://postgres:S3cretPW@127.0.0.1:5432/no_such_ledger_db",
        "postgresql://postgres@127.0.0.1:5432/no_such_ledger_db?password=Q2secret",
    ):
        done = run_cli("--db", url, "check", str(book))
        assert done.returncode == 2, done.stdout + done.stderr
        assert "S3cretPW" not in done.stderr and "Q2secret" not in done.stderr and "***" in done.stderr
        assert "[SQL:" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_meal_row_dated_outside_its_reception_is_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = tmp_path / "meals.xlsx"
    wb = Workbook()
    wb.active.append(["编号", "接待日期", "来访单位", "公务活动", "接待对象人数", "陪餐人数", "餐费", "就餐日期"])
    wb.active.append(["JD-2025-0001", "2025-03-05", "市教育局", "督导", 3, 1, "100.00", "2025-03-05"])
    wb.active.append(["JD-2025-0001", "2025-03-05", None, None, None, None, "80.00", "2025-03-04"])
    wb.save(book)
    done = run_cli("check", str(book), "--json")
    assert done.returncode == 1, done.stderr
    errors = [e for r in json.loads(done.stdout)["rows"] for e in r["errors"]]
    assert {"column": "就餐日期", "message": "第2餐：就餐日期 2025-03-04 不在接待日期（2025-03-05）之内"} in errors


def test_import_waits_for_another_desks_import_once_its_rows_are_checked(ledger: str, workbook: Path) -> None:
    """A colleague's import storing its rows holds the write lock: the login waits for it (a
    wrong password must be counted before it is answered), said on stderr with who imports and
    how far, and the rows go in once it is done (they had waited 30 s, then failed)."""
    import os
    import subprocess
    import sys

    from ledger.db import Database
    from ledger.writing import ImportNote
    from tests.cli import ROOT

    db = Database(ledger)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")} | CLERK_ENV
    block = db.write()
    session = block.__enter__()
    try:
        ImportNote(db, session, 2, 100_000).update(42_000)  # li, 李会计, as the colleague
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--db", ledger, "import", str(workbook), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )
        assert child.stderr is not None
        login = child.stderr.readline()  # the password is judged once the colleague is done
    finally:
        block.__exit__(None, None, None)
        db.dispose()
    out, rest = child.communicate(timeout=60)
    assert login.startswith("账本正由另一处写入（如导入），登录在其完成后进行（Ctrl-C 中止）：李会计 自 ")
    assert login.rstrip().endswith("正在导入接待，已处理 42,000 / 100,000 行")
    assert child.returncode == 1, rest  # row 5 cannot be read
    assert json.loads(out)["summary"]["imported"] == 3
