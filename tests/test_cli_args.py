"""The command line's own messages about its arguments are Chinese (ui.cli_args): argparse's
errors, translated, one line, exit code 2 — for the program, every command and subcommand; a
mistyped command names the closest; a well-written date that does not exist says so; -h has
Chinese headings."""

from __future__ import annotations

import argparse
import ast
import inspect
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli import run_cli
from ui.cli import build_parser
from ui.cli_args import ARGPARSE_MESSAGES, Parser, UsageError, iso_date, said

ENGLISH = re.compile(r"[A-Za-z]{4,}(?: [A-Za-z]+)+")  # an English phrase, not a flag such as --year


def _english_words(stderr: str) -> list[str]:
    without_flags = re.sub(r"--?[A-Za-z][\w-]*|'[^']*'|YYYY-MM-DD|LEDGER_\w+", "", stderr)
    return ENGLISH.findall(without_flags)


# ---------------------------------------------------------------- through main.py, as a user types
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("targets",), "缺少必需的参数：--year"),  # forgot --year
        (("notice", "-o", "x.pdf"), "缺少必需的参数：--from、--to"),  # forgot --from/--to
        (("targets", "--year", "2026", "--bogus"), "无法识别的参数：--bogus"),  # a mistyped option
        (("tragets", "--year", "2026"), "没有命令“tragets”，是否要用 targets？"),  # a mistyped command
        (("export", "--year", "2026", "-o"), "-o/--output 后面应跟一个值"),  # -o without the file
        (("user",), "缺少必需的参数：命令（add、list）"),  # a subcommand forgotten
        (("bureau", "set", "--posting-days", "五"), "--posting-days：“五”不是整数"),
        (("notice", "--p", "2026-01-01"), "选项 --p 不明确，可能是 --password、--posted"),
        (("targets", "--year", "2026", "--json=yes"), "--json 不带值（多出了“yes”）"),
        (("crypto", "gn"), "算法：没有“gn”这一项（可选：default、gm）"),
        (("frobnicate",), "没有命令“frobnicate”（加 -h 列出所有命令）"),
    ],
    ids=[
        "missing-required",
        "missing-dates",
        "unknown-option",
        "unknown-command",
        "option-without-value",
        "missing-subcommand",
        "not-a-number",
        "ambiguous-option",
        "value-to-a-flag",
        "not-a-choice",
        "nothing-close",
    ],
)
def test_a_mistyped_command_line_is_answered_in_chinese(
    args: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    """README: "2 unusable input (… bad arguments …), with a one-line message on stderr"; every other
    message of the program is Chinese, and argparse's own were printed as they are:
    "错误: the following arguments are required: --year", "unrecognized arguments: --bogus",
    "argument command: invalid choice: 'tragets' (choose from …)", "expected one argument"."""
    result = run_cli("--db", str(tmp_path / "l.sqlite3"), *args)
    assert result.returncode == 2
    assert _english_words(result.stderr) == [], result.stderr
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "l.sqlite3").exists()


def test_a_mistyped_subcommand_is_named_with_its_command(tmp_path: Path) -> None:
    for args, expected in (
        (("user", "ad", "x"), "错误: 没有命令“user ad”，是否要用 user add？"),
        (("policy", "shw"), "错误: 没有命令“policy shw”，是否要用 policy show？"),
        (("bureau", "sett"), "错误: 没有命令“bureau sett”，是否要用 bureau set？"),
    ):
        result = run_cli("--db", str(tmp_path / "l.sqlite3"), *args)
        assert (result.returncode, result.stderr.strip()) == (2, expected)


def test_a_date_that_does_not_exist_is_said_not_to_exist_on_the_command_line(tmp_path: Path) -> None:
    """`targets --year 2026 --as-of 2026-02-29` answered "错误: argument --as-of: 日期应写成 YYYY-MM-DD：
    2026-02-29" — English, and wrong: the date *is* written YYYY-MM-DD; 2026 has no 29 February.
    The window says so for the same text (README *Dates*: "A date that does not exist … is refused
    at the field, which says so")."""
    result = run_cli("--db", str(tmp_path / "l.sqlite3"), "targets", "--year", "2026", "--as-of", "2026-02-29")
    assert result.returncode == 2
    assert "argument" not in result.stderr, result.stderr
    assert "应写成 YYYY-MM-DD" not in result.stderr, result.stderr  # it was written so
    assert "不存在" in result.stderr or "没有" in result.stderr, result.stderr
    assert "--as-of：2026-02-29 这一天不存在（2026 年 2 月只有 28 天）" in result.stderr


def test_help_has_chinese_headings() -> None:
    for args in (("-h",), ("targets", "-h"), ("user", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0 and result.stdout.startswith("用法：python main.py"), result.stdout
        assert "选项:" in result.stdout and "显示本帮助并退出" in result.stdout
        for english in ("usage:", "options:", "positional arguments", "show this help", "subcommands"):
            assert english not in result.stdout, (args, english)
    assert "命令:" in run_cli("-h").stdout and "命令:" in run_cli("user", "-h").stdout


# ---------------------------------------------------------------- each kind of argparse error, in process
def _refusal(parser: argparse.ArgumentParser, *args: str) -> str:
    with pytest.raises(UsageError) as caught:
        parser.parse_args(list(args))
    message = str(caught.value)
    assert "\n" not in message and _english_words(message) == [], message
    return message


@pytest.fixture
def parser() -> Parser:
    p = Parser(prog="python main.py")
    sub = p.add_subparsers(dest="command")
    mail = sub.add_parser("mail")
    either = mail.add_mutually_exclusive_group()
    either.add_argument("--pdf", action="store_true")
    either.add_argument("--xlsx", action="store_true")
    one = mail.add_mutually_exclusive_group(required=True)
    one.add_argument("--to")
    one.add_argument("--cc")
    mail.add_argument("--pair", nargs=2)
    mail.add_argument("--some", nargs="+")
    mail.add_argument("--count", type=int)
    mail.add_argument("--rate", type=float)
    mail.add_argument("--kind", choices=("lunch", "dinner"))
    mail.add_argument("--on", type=iso_date)
    return p


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("mail", "--to", "a", "--pdf", "--xlsx"), "--xlsx 不能与 --pdf 同时使用"),
        (("mail",), "须给出以下参数之一：--to、--cc"),
        (("mail", "--to", "a", "--pair", "x"), "--pair 后面应跟 2 个值"),
        (("mail", "--to", "a", "--some"), "--some 后面应至少跟一个值"),
        (("mail", "--to", "a", "--count", "many"), "--count：“many”不是整数"),
        (("mail", "--to", "a", "--rate", "fast"), "--rate：“fast”不是数字"),
        (("mail", "--to", "a", "--kind", "lnch"), "--kind：没有“lnch”这一项（可选：lunch、dinner），是否要用 lunch？"),
        (("mail", "--to", "a", "--on", "2025-04-31"), "--on：2025-04-31 这一天不存在（2025 年 4 月只有 30 天）"),
        (("mail", "--to", "a", "stray"), "无法识别的参数：stray"),
        (("mial",), "没有命令“mial”，是否要用 mail？"),
        (("post",), "没有命令“post”，可用的命令：mail"),
    ],
)
def test_every_kind_of_argparse_error_is_one_chinese_line(
    parser: Parser, args: tuple[str, ...], expected: str
) -> None:
    assert _refusal(parser, *args) == expected


def test_an_ambiguous_option_names_the_options_it_could_be(parser: Parser) -> None:
    assert _refusal(parser, "mail", "--to", "a", "--c", "1") == "选项 --c 不明确，可能是 --cc、--count，请写全"


def test_every_message_argparse_may_give_error_is_translated() -> None:
    """The running Python's argparse: every message it looks up (its gettext msgids) is either
    translated or one that never reaches a user of this command line — a newer Python with a new
    message fails here instead of printing it in English."""
    never_said = {
        "%(prog)s: error: %(message)s\n",  # Parser.error raises instead
        "argument %(argument_name)s: %(message)s",  # taken apart by said()
        # help: the parser's own headings, -h and usage prefix
        "usage: ", "positional arguments", "options", "optional arguments", "show this help message and exit",
        "%(heading)s:", "subcommands", "show program's version number and exit", " (default: %(default)s)",
        # deprecated arguments and commands (none here)
        "%(prog)s: warning: %(message)s\n", "option '%(option)s' is deprecated",
        "argument '%(argument_name)s' is deprecated", "command '%(parser_name)s' is deprecated",
        # mistakes of the program building a parser, raised as exceptions when it is built
        "%r is not callable", "'required' is an invalid argument for positionals", ".__call__() not defined",
        'argument "-" with mode %r', "cannot have multiple subparser arguments",
        "cannot merge actions - two groups are named %r", "conflicting option string: %s",
        "conflicting option strings: %s", "conflicting subparser alias: %s", "conflicting subparser: %s",
        "dest= is required for options like %r", "invalid conflict_resolution value: %r",
        "invalid option string %(option)r: must start with a character %(prefix_chars)r",
        "mutually exclusive arguments must be optional",
    }
    msgids = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            msgids |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    assert msgids, "argparse no longer looks its messages up through gettext: check ui/cli_args.py"
    assert msgids - never_said - ARGPARSE_MESSAGES == set()


def test_a_message_no_template_knows_is_said_in_chinese_all_the_same() -> None:
    p = Parser(prog="python main.py")
    assert said(p, "something new went wrong") == "命令行参数有误（加 -h 列出用法）"
    # an option type's own refusal is kept, after the option's name
    assert said(p, "argument --year: 年份应为整数，如 2025：x") == "--year：年份应为整数，如 2025：x"


def test_every_parser_of_the_command_line_speaks_chinese() -> None:
    """The program, every command and every subcommand are Parsers (their errors are translated)."""
    seen, waiting = 0, [build_parser()]
    while waiting:
        p = waiting.pop()
        assert isinstance(p, Parser), p.prog
        seen += 1
        for action in p._actions:
            if action.nargs == argparse.PARSER:
                waiting.extend(action.choices.values())  # type: ignore[union-attr]
    assert seen > 25


@pytest.mark.parametrize(
    ("text", "said_"),
    [
        ("2026-02-29", "2026-02-29 这一天不存在（2026 年 2 月只有 28 天）"),
        ("2026-13-01", "2026-13-01 这一天不存在（一年只有 12 个月）"),
        ("2026-06-00", "2026-06-00 这一天不存在（2026 年 6 月只有 30 天）"),
        ("0000-01-01", "日期应在 1900-01-01 至 9998-12-31 之间：0000-01-01"),
        ("1899-12-31", "日期应在 1900-01-01 至 9998-12-31 之间：1899-12-31"),
        ("2026/02/28", "日期应写成 YYYY-MM-DD：2026/02/28"),
    ],
)
def test_a_date_option_says_why_it_is_no_date(text: str, said_: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(said_)):
        iso_date(text)


def test_a_date_option_takes_a_real_day() -> None:
    assert iso_date("2024-02-29") == date(2024, 2, 29)
