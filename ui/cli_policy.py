"""``policy list | show | add | export``: the policy versions of a ledger from the command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ledger.i18n import tr


def add_policy_command(
    command: Callable[..., argparse.ArgumentParser],
    common: Callable[..., None],
    parser_class: type[argparse.ArgumentParser],
    iso_date: Callable[[str], date],
) -> None:
    p = command("policy", cmd_policy, tr("接待标准的版本：列出、查看、新增（管理员）、导出为标准文件"))
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


def _versions(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    from ui.cli import open_service

    service = open_service(args)
    return service, service.policies()


def cmd_policy(args: argparse.Namespace) -> int:
    from ledger.policy import policy_in_force
    from ledger.policy_files import PolicyFileError, describe, load_policy_file, policy_toml
    from ui.cli import EXIT_OK, UsageError, _write_output, acting_user

    if args.policy_command == "add":
        try:
            policy = load_policy_file(args.file)
        except PolicyFileError as exc:
            raise UsageError(str(exc)) from None
        service, _ = _versions(args)
        actor = acting_user(service, args)
        service.add_policy(actor, policy)
        print(
            tr("已新增接待标准版本：{d} 起执行（{name}）").format(
                d=policy.effective_from.isoformat(), name=policy.name or tr("未命名")
            )
        )
        return EXIT_OK
    service, policies = _versions(args)
    if args.policy_command == "list":
        for p in policies:
            caps = "/".join(f"{p.meal_cap(k):.2f}" for k in ("breakfast", "lunch", "dinner"))
            print(f"{p.effective_from.isoformat()}\t{p.name}\t{tr('餐费')} {caps}")
        return EXIT_OK
    on = args.on or date.today()
    policy = policy_in_force(policies, on)
    if args.policy_command == "show":
        print(tr("{on} 执行的版本：").format(on=on.isoformat()))
        print(describe(policy))
        return EXIT_OK
    source = tr("由 公务接待台账 导出：{on} 执行的版本。").format(on=on.isoformat())
    _write_output(args.output, ".toml", policy_toml(policy, source=source).encode("utf-8"))
    print(tr("已导出 {d} 起执行的标准到 {path}").format(d=policy.effective_from.isoformat(), path=args.output))
    return EXIT_OK
