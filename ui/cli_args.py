"""The command line's parser speaks Chinese: argparse's own messages, translated (no Qt).

Every parser of the command line (the commands and their subcommands) is a ``Parser``. Its
``error()`` raises ``UsageError`` — one Chinese line, exit code 2 — with argparse's English
message translated by ``said``: the message is matched against argparse's message templates
(``ARGPARSE_MESSAGES``, argparse's gettext msgids of Python 3.11 to 3.14, each with its Chinese
form), so the translation depends only on the text argparse gives ``error()``, not on how argparse
looks its messages up. A message no template matches (a newer Python's) is said as a general
Chinese line rather than printed in English; ``tests/test_cli_args.py`` lists the running Python's
msgids and fails on one that is neither translated nor known not to reach a user.

A mistyped command is named with its closest command when ``difflib`` finds one
(没有命令“tragets”，是否要用 targets？). The help (``-h``) has Chinese headings.

The option types of the command line live here too: ``iso_date`` (YYYY-MM-DD, a date that does not
exist said to be so) and ``year``.
"""

from __future__ import annotations

import argparse
import ast
import calendar
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

from ledger.i18n import tr

PROG = "python main.py"
MAX_CHOICES_LISTED = 8  # more commands than this: point to -h instead of listing them


class UsageError(Exception):
    """Unusable input: reported on one line, exit code 2."""


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help with a Chinese ``用法：`` before the usage line."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, tr("用法：") if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one Chinese line (``UsageError``) and whose help has
    Chinese headings; used for the program and every command and subcommand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        # the two groups every parser has (argparse names them in English at construction)
        self._positionals.title = tr("位置参数")
        self._optionals.title = tr("选项")
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help=tr("显示本帮助并退出")
            )

    def add_subparsers(self, **kwargs: Any) -> Any:
        """The commands, listed in the help under 命令."""
        kwargs.setdefault("title", tr("命令"))
        kwargs.setdefault("parser_class", Parser)
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(said(self, message))


# ---------------------------------------------------------------------------- the messages
@dataclass(frozen=True)
class _Template:
    """One of argparse's messages: its msgid, the pattern that finds its parts in a message, and
    what says it in Chinese (called with the parser, the argument's name or None, the parts)."""

    msgid: str
    pattern: re.Pattern[str]
    say: Callable[[argparse.ArgumentParser, str | None, dict[str, str]], str]


_PLACEHOLDER = re.compile(r"%\((\w+)\)([sr])|%([sr])")
_REPR = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|.+?"""  # (a repr of anything else: as before)


def _pattern(msgid: str) -> re.Pattern[str]:
    """A pattern matching ``msgid`` as formatted; placeholders become named groups (``%s`` in
    order: ``a0``, ``a1``; ``%r`` groups keep the quotes, see ``_plain``)."""
    parts, last, positional = [], 0, 0
    for m in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[last : m.start()]))
        if m.group(1):
            name = m.group(1)
        else:
            name, positional = f"a{positional}", positional + 1
        quoted = "r" in (m.group(2), m.group(3))  # a typed value's repr: the whole string literal
        parts.append(f"(?P<{name}>{_REPR if quoted else '.+?'})")
        last = m.end()
    parts.append(re.escape(msgid[last:]))
    return re.compile(r"\A" + "".join(parts) + r"\Z", re.DOTALL)


def _plain(quoted: str) -> str:
    """A value argparse wrote with %r ('tragets'), as typed (tragets)."""
    try:
        value = ast.literal_eval(quoted)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return quoted
    return str(value)


def _action_named(parser: argparse.ArgumentParser, name: str | None) -> argparse.Action | None:
    """The action argparse calls ``name`` in its messages (its option strings joined by /, its
    metavar or its dest)."""
    if not name:
        return None
    for action in parser._actions:
        if action.option_strings:
            names = {"/".join(action.option_strings)}
        else:
            names = {str(n) for n in (action.metavar, action.dest) if n not in (None, argparse.SUPPRESS)}
        if name in names:
            return action
    return None


def _is_command(action: argparse.Action | None) -> bool:
    return action is not None and action.nargs == argparse.PARSER


def _command_path(parser: argparse.ArgumentParser) -> str:
    """The commands typed before this parser's own (``user`` for ``python main.py user``)."""
    return parser.prog.removeprefix(PROG).strip()


def _listed(choices: Iterable[object]) -> str:
    return "、".join(str(c) for c in choices)


def _shown_name(parser: argparse.ArgumentParser, name: str) -> str:
    """An argument's name as the user reads it: a missing subcommand is 命令（add、list）."""
    action = _action_named(parser, name)
    if _is_command(action) and action is not None and action.choices:
        return tr("命令（{choices}）").format(choices=_listed(action.choices))
    return name


def _names(parser: argparse.ArgumentParser, joined: str, separator: str) -> str:
    return "、".join(_shown_name(parser, n) for n in joined.split(separator))


def _not_a_choice(parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
    """A value not among the choices; a mistyped command, with the closest command."""
    value = _plain(parts["value"])
    action = _action_named(parser, name)
    choices = [str(c) for c in action.choices] if action is not None and action.choices else []
    shown = _listed(choices) if choices else parts["choices"]
    closest = difflib.get_close_matches(value, choices, n=1) if choices else []
    if not closest and "closest" in parts:
        closest = [_plain(parts["closest"])]
    if _is_command(action):
        path = _command_path(parser)
        typed = f"{path} {value}".strip()
        if closest:
            return tr("没有命令“{typed}”，是否要用 {closest}？").format(
                typed=typed, closest=f"{path} {closest[0]}".strip()
            )
        if len(choices) > MAX_CHOICES_LISTED:
            return tr("没有命令“{typed}”（加 -h 列出所有命令）").format(typed=typed)
        return tr("没有命令“{typed}”，可用的命令：{choices}").format(typed=typed, choices=shown)
    line = tr("{name}：没有“{value}”这一项（可选：{choices}）").format(name=name, value=value, choices=shown)
    if closest:
        line += tr("，是否要用 {closest}？").format(closest=closest[0])
    return line


def _not_of_type(_parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
    kinds = {"int": tr("整数"), "float": tr("数字")}
    kind = kinds.get(parts["type"])
    value = _plain(parts["value"])
    if kind is None:
        return tr("{name}：“{value}”不是有效的值").format(name=name, value=value)
    return tr("{name}：“{value}”不是{kind}").format(name=name, value=value, kind=kind)


def _unknown_command(parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
    return _not_a_choice(parser, name, {"value": parts["parser_name"], "choices": parts["choices"]})


def _fixed(text: str) -> Callable[[argparse.ArgumentParser, str | None, dict[str, str]], str]:
    def say(_parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
        return text.format(name=name, **parts)

    return say


def _template(msgid: str, say: Callable[..., str] | str) -> _Template:
    return _Template(msgid, _pattern(msgid), _fixed(say) if isinstance(say, str) else say)


def _messages() -> tuple[_Template, ...]:
    """argparse's messages that reach ``error()``, with what says them; a ``{name}`` is the
    argument's name (``--as-of``, ``-o/--output``)."""

    def required(parser: argparse.ArgumentParser, _name: str | None, parts: dict[str, str]) -> str:
        return tr("缺少必需的参数：{names}").format(names=_names(parser, parts["a0"], ", "))

    def one_of(parser: argparse.ArgumentParser, _name: str | None, parts: dict[str, str]) -> str:
        return tr("须给出以下参数之一：{names}").format(names=_names(parser, parts["a0"], " "))

    def unrecognized(_parser: argparse.ArgumentParser, _name: str | None, parts: dict[str, str]) -> str:
        return tr("无法识别的参数：{args}").format(args=parts["a0"])

    def ambiguous(_parser: argparse.ArgumentParser, _name: str | None, parts: dict[str, str]) -> str:
        matches = "、".join(m.strip() for m in parts["matches"].split(","))
        return tr("选项 {option} 不明确，可能是 {matches}，请写全").format(option=parts["option"], matches=matches)

    def ignored(_parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
        return tr("{name} 不带值（多出了“{value}”）").format(name=name, value=_plain(parts["a0"]))

    def expected(_parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
        return tr("{name} 后面应跟 {n} 个值").format(name=name, n=parts["a0"])

    def cannot_open(_parser: argparse.ArgumentParser, name: str | None, parts: dict[str, str]) -> str:
        return tr("{name}：无法打开“{file}”：{error}").format(name=name, file=parts["filename"], error=parts["error"])

    return (
        _template("the following arguments are required: %s", required),
        _template("one of the arguments %s is required", one_of),
        _template("unrecognized arguments: %s", unrecognized),
        _template("ambiguous option: %(option)s could match %(matches)s", ambiguous),
        _template("unexpected option string: %s", tr("无法识别的选项：{a0}")),
        _template("not allowed with argument %s", tr("{name} 不能与 {a0} 同时使用")),
        _template("expected one argument", tr("{name} 后面应跟一个值")),
        _template("expected at most one argument", tr("{name} 后面最多跟一个值")),
        _template("expected at least one argument", tr("{name} 后面应至少跟一个值")),
        _template("expected %s argument", expected),
        _template("expected %s arguments", expected),
        _template("ignored explicit argument %r", ignored),
        _template("invalid %(type)s value: %(value)r", _not_of_type),
        _template("invalid choice: %(value)r (choose from %(choices)s)", _not_a_choice),
        _template(
            "invalid choice: %(value)r, maybe you meant %(closest)r? (choose from %(choices)s)", _not_a_choice
        ),
        _template("unknown parser %(parser_name)r (choices: %(choices)s)", _unknown_command),
        _template("can't open '%(filename)s': %(error)s", cannot_open),
    )


def _literal_length(t: _Template) -> int:
    return len(_PLACEHOLDER.sub("", t.msgid))


# the most specific first: "expected one argument" before "expected %s argument"
MESSAGES: tuple[_Template, ...] = tuple(sorted(_messages(), key=_literal_length, reverse=True))
ARGPARSE_MESSAGES: frozenset[str] = frozenset(t.msgid for t in MESSAGES)
_ARGUMENT = _pattern("argument %(argument_name)s: %(message)s")


def _translated(parser: argparse.ArgumentParser, message: str, name: str | None) -> str | None:
    for t in MESSAGES:
        m = t.pattern.match(message)
        if m:
            return t.say(parser, name, m.groupdict())
    return None


def said(parser: argparse.ArgumentParser, message: str) -> str:
    """argparse's ``message`` to ``parser.error`` in Chinese, on one line."""
    message = " ".join(message.split())
    m = _ARGUMENT.match(message)
    if m:
        name, inner = m.group("argument_name"), m.group("message")
        # an option type's own refusal (iso_date, year) is already the user's words
        return _translated(parser, inner, name) or tr("{name}：{message}").format(name=name, message=inner)
    return _translated(parser, message, None) or tr("命令行参数有误（加 -h 列出用法）")


# ---------------------------------------------------------------------------- option types
def iso_date(text: str) -> date:
    """A DATE option: YYYY-MM-DD within the calendar the program knows; a date so written that does
    not exist (2026-02-29) is said not to exist."""
    from reports.workdays import FIRST_DAY, LAST_DAY

    try:
        day = date.fromisoformat(text)
    except ValueError:
        reason = _no_such_day(text) or tr("日期应写成 YYYY-MM-DD：{v}").format(v=text)
        raise argparse.ArgumentTypeError(reason) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(_outside(text))
    return day


def _outside(text: str) -> str:
    from reports.workdays import FIRST_DAY, LAST_DAY

    return tr("日期应在 {a} 至 {b} 之间：{v}").format(a=FIRST_DAY.isoformat(), b=LAST_DAY.isoformat(), v=text)


def _no_such_day(text: str) -> str | None:
    """Why ``text``, written YYYY-MM-DD, is no day (None when it is not so written)."""
    from reports.workdays import FIRST_DAY, LAST_DAY

    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m is None:
        return None
    y, mo, _day = (int(g) for g in m.groups())
    if not FIRST_DAY.year <= y <= LAST_DAY.year:
        return _outside(text)
    if not 1 <= mo <= 12:
        return tr("{v} 这一天不存在（一年只有 12 个月）").format(v=text)
    days = calendar.monthrange(y, mo)[1]
    return tr("{v} 这一天不存在（{y} 年 {m} 月只有 {n} 天）").format(v=text, y=y, m=mo, n=days)


def year(text: str) -> int:
    """A --year: a whole number whose year, last year and next year are all in the calendar."""
    from reports.workdays import FIRST_DAY, LAST_DAY

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(tr("年份应为整数，如 2025：{v}").format(v=text)) from None
    if not FIRST_DAY.year <= value <= LAST_DAY.year:
        raise argparse.ArgumentTypeError(
            tr("年份应在 {a} 至 {b} 之间：{v}").format(a=FIRST_DAY.year, b=LAST_DAY.year, v=text)
        )
    return value
