"""The command line (no Qt). A thin face over LedgerService and the reports.

Exit codes: 0 success; 1 completed but found breaches or rejected rows (or, for
``verify``, a tampered ledger); 2 unusable input, with a one-line message on stderr.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.i18n import tr
from ui.cli_args import PROG, Parser, UsageError, iso_date, year
from ui.cli_report import Report as _Report
from ui.cli_report import login_waiting, told_while_waiting

if TYPE_CHECKING:
    from ledger.records import ImportRow

EXIT_OK, EXIT_FOUND, EXIT_UNUSABLE = 0, 1, 2


# the parser of every command and subcommand (Chinese errors and help) and the option types
_Parser = Parser
_iso_date = iso_date
_year = year


def _write_output(path: Path, suffix: str, content: Any) -> None:
    """Write an output file all at once (reports.output); a failure is one line, exit 2."""
    from reports.output import OutputError, write_atomic

    try:
        write_atomic(_output(path, suffix), content)
    except OutputError as exc:
        raise UsageError(str(exc)) from None


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        default=default,
        metavar="URL",
        help=tr(
            "数据库地址（SQLAlchemy URL 或 SQLite 文件路径）；默认取环境变量 LEDGER_DB，否则为用户数据目录中的 SQLite 文件"
        ),
    )
    parser.add_argument(
        "--user",
        default=default,
        metavar="NAME",
        help=tr("操作人用户名（写入类命令需要）；默认取环境变量 LEDGER_USER"),
    )
    parser.add_argument(
        "--password",
        default=default,
        metavar="PW",
        help=tr("操作人密码；默认取环境变量 LEDGER_PASSWORD，否则在终端提示输入"),
    )


Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=tr("公务接待台账。不带命令运行时打开图形界面。"),
    )
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p, top=False)
        p.set_defaults(handler=handler)
        return p

    p = command("check", cmd_check, tr("按接待标准检查工作簿，不写入数据库"))
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))
    p.add_argument(
        "--policy", type=Path, default=None, metavar="FILE.toml", help=tr("按此标准文件检查（不用账本中的版本）")
    )

    from ui.cli_policy import CliTools, add_policy_command

    tools = CliTools(open_service, acting_user, _write_output, UsageError, EXIT_OK)
    add_policy_command(command, _common, _Parser, _iso_date, tools)

    p = command("import", cmd_import, tr("把工作簿各行导入为草稿"))
    p.add_argument("file", type=Path)
    p.add_argument(
        "--historical", action="store_true", help=tr("有“审核人/审核日期”的行按纸质审核导入为已审核")
    )
    p.add_argument(
        "--allow-duplicates", action="store_true", help=tr("允许导入与已有记录日期、单位、金额相同的行")
    )
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))

    from ui import cli_trust  # verify (with --anchor / --archive), archive, crypto, fingerprints

    cli_trust.register(command, cli_trust.Helpers(cmd_verify, open_service, acting_user, UsageError))

    p = command("targets", cmd_targets, tr("本年公务接待费同比压减目标的完成情况"))
    p.add_argument("--year", type=_year, required=True, help=tr("年份"))
    p.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        metavar="DATE",
        help=tr("截止日期（默认今天，往年为 12 月 31 日）"),
    )
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))

    p = command("notice", cmd_notice, tr("公示表：期间内已审核、非涉密接待的公示表 PDF"))
    p.add_argument(
        "--from", dest="date_from", type=_iso_date, required=True, metavar="DATE", help=tr("开始日期")
    )
    p.add_argument(
        "--to", dest="date_to", type=_iso_date, required=True, metavar="DATE", help=tr("结束日期（含）")
    )
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")
    p.add_argument(
        "--posted",
        type=_iso_date,
        default=None,
        metavar="DATE",
        help=tr("公示日期，公示期从这天起按工作日计算（默认今天）；给出 --user 时把这些接待标记为已公示"),
    )
    p.add_argument(
        "--internal", action="store_true", help=tr("内部核对本：加上“公示合计 + 涉密合计 = 台账合计”核对行")
    )

    p = command("slip", cmd_slip, tr("接待清单：一次接待的报销用清单 PDF"))
    p.add_argument("ref", help=tr("接待编号，如 JD-2025-0007"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")

    p = command("export", cmd_export, tr("导出一年的台账工作簿（台账、月度对比、违规情况、年度目标）"))
    p.add_argument("--year", type=_year, required=True, help=tr("年份"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx")

    p = command("template", cmd_template, tr("空白的导入模板（带填写说明），填好后用 import 导入"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx")

    p = command("user", cmd_user, tr("用户管理"))
    user_sub = p.add_subparsers(dest="user_command", parser_class=_Parser, required=True)
    add = user_sub.add_parser("add", help=tr("添加用户"))
    _common(add, top=False)
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, help=tr("角色，逗号分隔：clerk 经办人, approver 分管领导, admin 管理员")
    )
    add.add_argument("--display-name", default="", help=tr("显示名（默认同用户名）"))
    add.add_argument("--new-password", default=None, help=tr("新用户的密码（默认在终端提示输入）"))
    lst = user_sub.add_parser("list", help=tr("列出用户"))
    _common(lst, top=False)

    p = command("demo", cmd_demo, tr("为空账本生成两年的示例接待数据（账本已有用户时须以管理员登录）"))
    p.add_argument("--year", type=_year, default=None, help=tr("示例数据的本年（默认今年）"))

    p = command("backup", cmd_backup, tr("把整个账本一致地复制到一个备份文件"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")

    p = command("restore", cmd_restore, tr("从备份文件恢复账本"))
    p.add_argument("file", type=Path)
    p.add_argument("--replace", action="store_true", help=tr("账本已有数据时，用备份整体替换（需要管理员）"))
    p.add_argument(
        "--accept-older",
        action="store_true",
        help=tr("备份缺少本机上次校验时已有的历史记录时，确认仍用它恢复"),
    )
    p.add_argument(
        "--other-ledger",
        action="store_true",
        help=tr("备份是另一个账本的（历史记录的第一条不同）时，确认用它整体替换本账本"),
    )

    from ui import cli_supervision  # risks, disclosure, rollup

    cli_supervision.add_commands(command, sys.modules[__name__])

    from ui import cli_bureau, cli_plans  # plans, plan-form, letters; bureau

    cli_plans.add_commands(command, sys.modules[__name__])
    cli_bureau.add_commands(command, sys.modules[__name__])
    return parser


# ---------------------------------------------------------------------------- helpers
def open_service(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    """The ledger named by --db / LEDGER_DB / the default. Only commands that can start a new
    ledger (user add, import, demo, restore) create a missing SQLite file: a mistyped path must
    not be reported as an intact, empty ledger."""
    from ledger.db import Database
    from ledger.service import LedgerService

    return LedgerService(Database(args.db, create=create))


def _output(path: Path, suffix: str) -> Path:
    if path.suffix.lower() != suffix:
        raise UsageError(tr("输出文件应以 {suffix} 结尾：{path}").format(suffix=suffix, path=path))
    return path


def acting_user(service: Any, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The user a write command acts as, authenticated by password."""
    name = args.user or os.environ.get("LEDGER_USER", "")
    if not service.has_users():
        raise UsageError(tr("账本还没有用户：请先运行 user add 姓名 --role admin,clerk 创建管理员"))
    if not name:
        raise UsageError(tr("请用 --user 指定操作人（或设置环境变量 LEDGER_USER）"))
    password = args.password or os.environ.get("LEDGER_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError(
                tr("请用 --password 或环境变量 LEDGER_PASSWORD 提供 {name} 的密码").format(name=name)
            )
        password = getpass.getpass(tr("{name} 的密码：").format(name=name))
    # judged once no other desk writes: a wrong password must be counted before it is answered
    return service.authenticate(name, password, login_waiting(service.writer_busy, service.writing_now))


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _summary_line(summary: dict[str, int]) -> str:
    return tr(
        "共 {rows} 行：合规 {compliant} 行，有违规 {with_violations} 行，有错误 {with_errors} 行（未通过检查，不能导入）"
    ).format(**summary)


# ---------------------------------------------------------------------------- commands
def cmd_check(args: argparse.Namespace) -> int:
    from ledger.db import Database
    from ledger.import_keys import FileDuplicates, duplicate_message
    from ledger.importing import sealed_message
    from ledger.mapping import normalized
    from ledger.policy import evaluate, load_default_policy, policy_in_force
    from ledger.records import CellError
    from ledger.spool import Collector
    from ledger.validation import reception_problems
    from reports.template import column_of, stream_import

    policies = [load_default_policy()]
    if args.policy is not None:
        from ledger.policy_files import PolicyFileError, load_policy_file

        try:
            # the file's numbers judge every row, whatever its date
            policies = [replace(load_policy_file(args.policy), effective_from=date.min)]
        except PolicyFileError as exc:
            raise UsageError(str(exc)) from None
    items = stream_import(args.file)
    first = next(items, None)  # a file unusable as a whole says so before anything is printed
    # the policy versions of the ledger when one is reachable, else the default policy
    sealed: set[int] = set()  # the ledger's archived years: an import refuses their rows
    if args.db or os.environ.get("LEDGER_DB"):
        from ledger.db import DatabaseError
        from ledger.service import stored_policies
        from ledger.settings import stored_sealed_years

        where = args.db or os.environ.get("LEDGER_DB")
        try:
            # nothing is created or changed; a ledger with no versions yet is judged by the default
            ledger = Database(args.db, migrate=False, create=False, read_only=True)
            policies = (stored_policies(ledger, strict=True) or policies) if args.policy is None else policies
            sealed = stored_sealed_years(ledger)
        except DatabaseError as exc:
            from ledger.addresses import one_line, shown

            reason = one_line(str(exc), where, shown(where))
            if args.policy is None:
                raise UsageError(tr("无法使用账本 {db}，未检查：{reason}").format(db=shown(where), reason=reason)) from None
            # the policy file judges the rows: a ledger out of reach costs only its sealed years
            print(tr("注意：无法使用账本 {db}（{reason}），未按其已封存年度检查").format(db=shown(where), reason=reason), file=sys.stderr)
    report = _Report(as_json=args.json, imported=False)
    in_file = FileDuplicates()
    collector = Collector()  # (a check, as an import, makes millions of objects and no cycles)
    try:
        for item in itertools.chain((first,) if first is not None else (), items):
            # the verdicts import gives: the reception as it would be stored, its field problems
            reception = normalized(item.reception) if item.reception is not None else None
            errors = list(item.errors)
            if reception is not None and not errors:
                # a repeated row within the file, as import refuses it (stored receptions: import only)
                earlier = in_file.earlier(reception)
                if earlier is not None:
                    errors = [CellError(column_of("reception_date"), duplicate_message(earlier))]
                else:
                    in_file.add(reception, item.row)
                    errors = [CellError(column_of(f), m) for f, m in reception_problems(reception, imported=True).items()]
            if reception is not None and reception.reception_date.year in sealed:
                errors.append(CellError(column_of("reception_date"), sealed_message(reception.reception_date.year)))
            violations = []
            if reception is not None and not errors:
                violations = list(
                    evaluate(reception, policy_in_force(policies, reception.reception_date)).violations
                )
            # the 编号 the row carries (import keeps it where it is free, else gives a new one)
            report.add(item.row, (item.reception.ref if item.reception else item.ref) or None, violations, errors)
            collector.now_and_then(report.summary["rows"])
    finally:
        collector.close()
    summary = report.summary
    report.print(summary, _summary_line(summary))
    return EXIT_FOUND if summary["with_violations"] or summary["with_errors"] else EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from ledger.import_keys import RENUMBERED_NAMED, renumbered_message
    from reports.template import column_of, stream_import

    items = stream_import(args.file, prepare=True)  # read by a second process while this one checks and stores
    service = open_service(args, create=True)
    actor = acting_user(service, args)
    report = _Report(as_json=args.json, imported=True)
    imported = approved = on_paper = renumbered = 0
    paper_rows = bytearray()  # a bit per row number: the row carries 审核人
    named: list[tuple[int, str, str]] = []  # the first rows stored under another 编号 than they carry

    def outcome(o: Any) -> None:
        nonlocal imported, approved, on_paper, renumbered
        imported += 1 if o.ref else 0
        approved += 1 if o.approved else 0
        if o.ref and o.written_ref:
            renumbered += 1
            if len(named) < RENUMBERED_NAMED:
                named.append((o.row, o.written_ref, o.ref))
        if o.ref and o.row >> 3 < len(paper_rows) and paper_rows[o.row >> 3] & (1 << (o.row & 7)):
            on_paper += 1  # imported, though it carries 审核人: a draft without --historical
        violations = o.assessment.violations if o.assessment and not o.errors else []
        report.add(o.row, o.ref, violations, o.errors)

    def noted(rows: Iterable[ImportRow]) -> Iterator[ImportRow]:
        for item in rows:
            if item.approved_by:
                if item.row >> 3 >= len(paper_rows):
                    paper_rows.extend(bytes((item.row >> 3) + 1 - len(paper_rows) + 4096))
                paper_rows[item.row >> 3] |= 1 << (item.row & 7)
            yield item

    committed = False

    def stored() -> None:
        nonlocal committed
        committed = True

    try:
        service.import_rows(
            actor,
            noted(items),
            historical=args.historical,
            allow_duplicates=args.allow_duplicates,
            column_of=column_of,
            on_outcome=outcome,
            waiting=told_while_waiting(),
            on_committed=stored,
        )
        summary = dict(report.summary) | {"imported": imported}
        line = _summary_line(summary) + tr("；已导入 {n} 行").format(n=imported)
        if args.historical:  # how many came in approved on paper, the rest as drafts
            summary["approved"] = approved
            if imported:
                line += tr("（其中 {a} 行按纸质审核记为已审核，其余为草稿）").format(a=approved)
        report.print(summary, line)
    except KeyboardInterrupt:
        if not committed:
            raise  # nothing written: 已中断
        # the rows are committed: only the report was cut short
        print(tr("已中断报告的输出；导入已完成，已导入 {n} 行").format(n=imported), file=sys.stderr)
        return EXIT_UNUSABLE
    if renumbered:  # paper vouchers carry the number the file gave: they are to be corrected
        print(tr("提示：") + renumbered_message(renumbered, named), file=sys.stderr)
    if on_paper and not args.historical:
        print(
            tr("提示：{n} 行填写了“审核人”，未加 --historical，均已导入为草稿（按纸质审核导入见 import --historical）").format(
                n=on_paper
            ),
            file=sys.stderr,
        )
    return EXIT_FOUND if summary["with_violations"] or summary["with_errors"] else EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    result = open_service(args).verify(
        full=getattr(args, "full", False), accept_restore=getattr(args, "accept_restore", False)
    )
    for note in result.notes:
        print(tr("注意：{note}").format(note=note))
    if result.ok:
        signatures = (
            tr("本次检查了 {n} 个新签名（此前已在本机检查过的 {m} 个未变；加 --full 全部重查）").format(
                n=result.signatures, m=result.signatures_before
            )
            if result.signatures_after
            else tr("{s} 个签名有效").format(s=result.signatures)
        )
        print(
            tr("历史记录完整：{n} 条历史，{m} 条接待，{sig}，未发现程序外的改动").format(
                n=result.entries, m=result.records, sig=signatures
            )
        )
        for warning in result.warnings:
            print(tr("警告：{w}").format(w=warning))
        return EXIT_OK
    print(
        tr("发现 {n} 处程序外的改动，第一处：{first}").format(
            n=len(result.problems), first=result.problems[0]
        )
    )
    for problem in result.problems[1:20]:
        print("  " + problem)
    if len(result.problems) > 20:
        print("  " + tr("……另有 {n} 处").format(n=len(result.problems) - 20))
    for warning in result.warnings:
        print(tr("警告：{w}").format(w=warning))
    return EXIT_FOUND


def cmd_targets(args: argparse.Namespace) -> int:
    from ledger.targets import TargetsError, summary_lines, year_figures

    try:
        figures = year_figures(open_service(args), args.year, args.as_of)
    except TargetsError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        _print_json(figures.to_json())
    else:
        print("\n".join(summary_lines(figures)))
    return EXIT_OK


def cmd_user(args: argparse.Namespace) -> int:
    from ledger.auth import parse_roles
    from ledger.records import Role

    service = open_service(args, create=True)
    if args.user_command == "list":
        for u in service.users():
            roles = "、".join(r.label for r in Role if r in u.roles)
            state = "" if u.active else tr("（已停用）")
            print(f"{u.username}\t{u.display_name}\t{roles}{state}")
        return EXIT_OK
    try:
        roles = parse_roles(args.role)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    actor = acting_user(service, args) if service.has_users() else None
    password = args.new_password or os.environ.get("LEDGER_NEW_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise UsageError(tr("请用 --new-password 提供新用户的密码"))
        password = getpass.getpass(tr("为 {name} 设置密码：").format(name=args.name))
    user = service.add_user(actor, args.name, args.display_name, roles, password)
    print(
        tr("已添加用户 {name}（{roles}）").format(
            name=user.username, roles="、".join(r.label for r in Role if r in user.roles)
        )
    )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from ledger.backup import BackupError
    from reports.output import output_error

    service = open_service(args)
    try:
        counts = service.backup(args.output)  # written beside the target, renamed when complete
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(str(output_error(exc, args.output))) from None
    print(
        tr("已备份到 {path}：{r} 条接待，{h} 条历史，{u} 位用户").format(
            path=args.output, r=counts["receptions"], h=counts["history"], u=counts["users"]
        )
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.backup import BackupError

    service = open_service(args, create=True)
    try:
        actor = acting_user(service, args) if args.replace and service.has_users() else None
        done = service.restore(
            actor,
            args.file,
            replace_existing=args.replace,
            accept_older=args.accept_older,
            accept_other=args.other_ledger,
        )
    except BackupError as exc:
        raise UsageError(str(exc)) from None
    except SQLAlchemyError as exc:  # the live ledger refused the transaction: it was rolled back
        raise UsageError(
            tr("恢复失败，账本未改动：{error}").format(error=getattr(exc, "orig", None) or exc)
        ) from None
    print(
        tr("已从 {path} 恢复：{r} 条接待，{h} 条历史").format(
            path=args.file, r=done.counts["receptions"], h=done.counts["history"]
        )
    )
    if done.other:
        print(tr("注意：{other}（已按 --other-ledger 确认，并记入历史）").format(other=done.other))
    if done.older:
        print(tr("注意：{older}（已按 --accept-older 确认，并记入历史）").format(older=done.older))
    if done.auto_backup:
        print(tr("被替换的账本已自动备份到 {path}").format(path=done.auto_backup))
    result = service.verify()
    if not result.ok:
        print(tr("注意：恢复的账本未通过完整性校验：{first}").format(first=result.problems[0]))
        return EXIT_FOUND
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """On a ledger with users only a logged-in administrator may add the demo (see ledger.demo)."""
    from ledger.demo import DEMO_PASSWORD, fill_demo

    service = open_service(args, create=True)
    actor = acting_user(service, args) if service.has_users() else None
    summary = fill_demo(service, actor=actor, this_year=args.year)
    line = tr("已生成示例数据：{n} 条接待（{years}）。示例用户：{users}，密码均为 {pw}").format(
        n=summary.receptions,
        years="、".join(str(y) for y in summary.years),
        users="、".join(summary.users),
        pw=summary.password,
    )
    if summary.password != DEMO_PASSWORD:
        line += tr("（只显示这一次，请记下）")
    print(line)
    return EXIT_OK


def cmd_notice(args: argparse.Namespace) -> int:
    """Write the notice sheet; with an acting user (--user / LEDGER_USER) also mark it posted.

    Without a user the PDF is written and nothing is marked; the internal copy is never
    posted on the board, so it marks nothing either.
    """
    from ledger.money import fmt
    from reports.notice import NoticeError, load_notice, render_notice

    service = open_service(args)
    wants_marking = bool(args.user or os.environ.get("LEDGER_USER")) and not args.internal
    actor = acting_user(service, args) if wants_marking else None
    try:
        notice = load_notice(
            service, args.date_from, args.date_to, posted_on=args.posted, internal=args.internal
        )
    except NoticeError as exc:
        raise UsageError(str(exc)) from None
    stamp = service.print_stamp("notice", notice.period, actor)
    _write_output(args.output, ".pdf", render_notice(notice, stamp))
    marked = service.mark_posted(actor, notice.reception_ids, notice.posted_on) if actor else 0
    line = tr("已生成公示表 {path}：{n} 条接待，合计 {total} 元，公示期至 {until}").format(
        path=args.output,
        n=len(notice.receptions),
        total=fmt(notice.published_total),
        until=notice.posting_until.isoformat(),
    )
    if actor:
        line += tr("；{m} 条标记为已公示（{day}）").format(m=marked, day=notice.posted_on.isoformat())
    print(line)
    from ui.cli_bureau import missing_details

    if warning := missing_details(service.bureau()):
        print(warning, file=sys.stderr)
    return EXIT_OK


def cmd_slip(args: argparse.Namespace) -> int:
    from ledger.money import fmt
    from reports.slip import load_slip, render_slip

    service = open_service(args)
    slip = load_slip(service, args.ref)
    _write_output(args.output, ".pdf", render_slip(slip, service.print_stamp("slip", slip.reception.ref)))
    print(
        tr("已生成接待清单 {path}：{ref}，合计 {total} 元").format(
            path=args.output, ref=slip.reception.ref, total=fmt(slip.reception.total)
        )
    )
    print(_plan_summary(slip))
    return EXIT_OK


def _plan_summary(slip: Any) -> str:
    """The slip's 与接待审批对比 in one line: the plan, and what exceeds it."""
    if slip.plan is None:
        return tr("接待审批：无")
    over = [
        tr("{label} 审批 {planned}，实际 {actual}").format(label=x.label, actual=x.actual, planned=x.planned)
        for x in slip.plan_lines
        if x.over
    ]
    return tr("与接待审批 {ref} 对比：{what}").format(
        ref=slip.plan.ref, what=tr("超出审批：") + "；".join(over) if over else tr("未超出审批")
    )


def cmd_template(args: argparse.Namespace) -> int:
    from reports.blank_template import write_template
    from reports.output import OutputError

    try:
        path = write_template(_output(args.output, ".xlsx"))
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    print(tr("已写入导入模板 {path}：填写“台账”表（黄色列必填，各列见“填写说明”表）后用 import 导入").format(path=path))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from ledger.money import fmt
    from reports.output import OutputError
    from reports.workbook import export_year

    try:
        summary = export_year(open_service(args), args.year, _output(args.output, ".xlsx"))
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    print(
        tr("已导出 {year} 年台账 {path}：{n} 条已审核接待，合计 {total} 元；{w} 条有违规，共 {b} 处").format(
            year=summary.year,
            path=args.output,
            n=summary.receptions,
            total=fmt(summary.total),
            w=summary.with_breaches,
            b=summary.breaches,
        )
    )
    return EXIT_OK


# ---------------------------------------------------------------------------- entry
def gui_options(argv: Sequence[str]) -> argparse.Namespace | None:
    """The parsed options when ``argv`` names no command (open the window), else None."""
    if any(a in ("-h", "--help") for a in argv):
        return None  # help is printed once, by run()
    try:
        args = build_parser().parse_args(list(argv))
    except (UsageError, SystemExit):
        return None
    return args if args.command is None else None


def run(argv: Sequence[str]) -> int:
    from ledger.db import DatabaseError
    from ledger.service import LedgerError
    from reports.template import TemplateError

    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_UNUSABLE
        return args.handler(args)
    except (UsageError, TemplateError, DatabaseError, LedgerError) as exc:
        print(f"{tr('错误')}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:  # the reader went away (e.g. `| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{tr('错误')}: {_one_line(str(exc.strerror or exc) + where)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print(tr("已中断"), file=sys.stderr)
        return EXIT_UNUSABLE


def _one_line(message: str) -> str:
    return " ".join(message.split())
