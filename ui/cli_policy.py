"""``policy list | show | add | export``: the policy versions of a ledger from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ledger.i18n import tr


@dataclass(frozen=True)
class CliTools:
    """What the policy command uses of ui/cli.py, handed in (so the two modules form no circle)."""

    open_service: Callable[[argparse.Namespace], Any]
    acting_user: Callable[[Any, argparse.Namespace], Any]
    write_output: Callable[[Path, str, Any], None]
    usage_error: type[Exception]
    exit_ok: int


def add_policy_command(
    command: Callable[..., argparse.ArgumentParser],
    common: Callable[..., None],
    parser_class: type[argparse.ArgumentParser],
    iso_date: Callable[[str], date],
    tools: CliTools,
) -> None:
    p = command("policy", lambda args: cmd_policy(args, tools), tr("接待标准的版本：列出、查看、新增（管理员）、导出为标准文件"))
    sub = p.add_subparsers(dest="policy_command", parser_class=parser_class, required=True)
    lst = sub.add_parser("list", help=tr("列出各版本及生效日期"))
    common(lst, top=False)
    show = sub.add_parser("show", help=tr("显示某日执行的版本（默认今天）"))
    common(show, top=False)
    show.add_argument("--on", type=iso_date, default=None, metavar="DATE")
    add = sub.add_parser("add", help=tr("从标准文件新增一个版本（生效日期取自文件）"))
    common(add, top=False)
    add.add_argument("file", type=Path, metavar="FILE.toml")
    export = sub.add_parser("export", help=tr("把某日执行的版本写成标准文件"))
    common(export, top=False)
    export.add_argument("--on", type=iso_date, default=None, metavar="DATE")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.toml")


def _add_warnings(policy: Any, earlier: list[Any]) -> list[str]:
    """What the window warns of before it saves a version: a reused name, national checks off."""
    out = []
    same = [p for p in earlier if p.name == policy.name]
    if same:
        out.append(
            tr("名称与 {d} 起执行的版本相同，打印和台账中将无法区分，建议改名后另增一个版本").format(
                d=same[-1].effective_from.isoformat()
            )
        )
    national = (
        (policy.check_gift, tr("赠送礼品")),
        (policy.check_tobacco_alcohol, tr("烟酒消费")),
        (policy.require_letter, tr("无公函或电话记录")),
    )
    off = [label for on, label in national if not on]
    if off:
        out.append(
            tr("本版本不检查全国性规定要求的“{rules}”，请确认这是有意为之").format(rules="”“".join(off))
        )
    return out


def cmd_policy(args: argparse.Namespace, tools: CliTools) -> int:
    from ledger.policy import policy_in_force
    from ledger.policy_files import PolicyFileError, describe, load_policy_file, policy_toml

    EXIT_OK, UsageError = tools.exit_ok, tools.usage_error

    if args.policy_command == "add":
        try:
            policy = load_policy_file(args.file)
        except PolicyFileError as exc:
            raise UsageError(str(exc)) from None
        service = tools.open_service(args)
        actor = tools.acting_user(service, args)
        earlier = service.policies()
        service.add_policy(actor, policy)
        print(
            tr("已新增接待标准版本：{d} 起执行（{name}）").format(
                d=policy.effective_from.isoformat(), name=policy.name or tr("未命名")
            )
        )
        for line in _add_warnings(policy, earlier):
            print(tr("注意：") + line, file=sys.stderr)
        return EXIT_OK
    policies = tools.open_service(args).policies()
    if args.policy_command == "list":
        for p in policies:
            caps = "/".join(f"{p.meal_cap(k):.2f}" for k in ("breakfast", "lunch", "dinner"))
            print(f"{p.effective_from.isoformat()}\t{p.name}\t{tr('餐费')} {caps}")
        return EXIT_OK
    on = args.on or date.today()
    policy = policy_in_force(policies, on)
    if args.policy_command == "show":
        if on < policy.effective_from:  # before the first version: that one is shown, and said so
            print(
                tr("{on} 早于最早的版本；最早的版本自 {d} 起执行：").format(
                    on=on.isoformat(), d=policy.effective_from.isoformat()
                )
            )
        else:
            print(
                tr("{on} 执行的版本（自 {d} 起执行）：").format(
                    on=on.isoformat(), d=policy.effective_from.isoformat()
                )
            )
        print(describe(policy))
        return EXIT_OK
    source = tr("由 公务接待台账 导出：{on} 执行的版本。").format(on=on.isoformat())
    tools.write_output(args.output, ".toml", policy_toml(policy, source=source).encode("utf-8"))
    print(tr("已导出 {d} 起执行的标准到 {path}").format(d=policy.effective_from.isoformat(), path=args.output))
    return EXIT_OK
