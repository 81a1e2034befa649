"""``bureau`` and ``bureau set``: the bureau's name, supervision telephone, posting period and
address from the command line — what the window's first-run setup and 设置 → 单位信息 hold.

A ledger started with ``user add`` has none of them until they are set here; every sheet
prints them (the notice sheet's title and its 监督电话). Registered by ``ui/cli.py``
(``add_commands``), which hands over its ``command`` helper and itself as ``face``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

from ledger.i18n import tr
from ledger.records import Bureau

Command = Callable[..., argparse.ArgumentParser]


def add_commands(command: Command, face: ModuleType) -> None:
    p = command(
        "bureau",
        lambda args: cmd_bureau(args, face),
        tr("单位信息：名称、监督电话、公示期、地址（各表头和公示表打印；bureau set 修改，需管理员）"),
    )
    sub = p.add_subparsers(dest="bureau_command", parser_class=face._Parser)
    change = sub.add_parser("set", help=tr("修改单位信息（未给出的项不变）"))
    face._common(change, top=False)
    change.add_argument("--name", default=None, help=tr("单位名称，如 XX县教育局"))
    change.add_argument("--phone", default=None, help=tr("监督电话，如 0710-1234567"))
    change.add_argument("--posting-days", type=int, default=None, help=tr("公示期（工作日，1 至 30）"))
    change.add_argument("--address", default=None, help=tr("地址"))


def cmd_bureau(args: argparse.Namespace, face: ModuleType) -> int:
    if getattr(args, "bureau_command", None) == "set":
        service = face.open_service(args)
        actor = face.acting_user(service, args)
        given = {
            "name": args.name,
            "supervision_phone": args.phone,
            "posting_days": args.posting_days,
            "address": args.address,
        }
        changes = {k: v for k, v in given.items() if v is not None}
        if not changes:
            raise face.UsageError(tr("请给出要修改的项：--name、--phone、--posting-days 或 --address"))
        bureau = service.change_bureau(actor, **changes)
        print(tr("已保存单位信息。"))
    else:
        bureau = face.open_service(args).bureau()
    _show(bureau)
    return int(face.EXIT_OK)


def _show(bureau: Bureau) -> None:
    unset = tr("（未填写）")
    print(tr("单位名称：{v}").format(v=bureau.name or unset))
    print(tr("监督电话：{v}").format(v=bureau.supervision_phone or unset))
    print(tr("公示期：{n} 个工作日").format(n=bureau.posting_days))
    print(tr("地址：{v}").format(v=bureau.address or unset))


def missing_details(bureau: Bureau) -> str:
    """A warning for a sheet printed before the bureau's name or telephone was filled in."""
    missing = [label for label, value in ((tr("单位名称"), bureau.name), (tr("监督电话"), bureau.supervision_phone)) if not value]
    if not missing:
        return ""
    return tr("提示：账本尚未填写{what}，表上为空白；用 bureau set --name … --phone … 填写（需管理员）").format(
        what="、".join(missing)
    )
