"""The command line's trust commands: ``verify --anchor`` / ``verify --archive``, ``archive``,
``crypto`` and ``fingerprints``. Registered from ``ui.cli`` (no Qt); the helpers of the command
line (opening the ledger, the acting user, the usage error) are handed in, not imported."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.i18n import tr

EXIT_OK, EXIT_FOUND = 0, 1
Handler = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Helpers:
    verify: Handler  # the plain verify command
    open_service: Callable[..., Any]
    acting_user: Callable[[Any, argparse.Namespace], Any]
    usage_error: type[Exception]


def register(command: Callable[[str, Handler, str], argparse.ArgumentParser], helpers: Helpers) -> None:
    """Add the commands to the parser (``command`` is ui.cli's subcommand maker)."""
    p = command(
        "verify", lambda args: cmd_verify(args, helpers), tr("校验历史记录的完整性，发现程序外的改动")
    )
    p.add_argument(
        "--anchor",
        default=None,
        metavar="FINGERPRINT",
        help=tr("同时确认历史记录中仍有这个打印在纸上的账本指纹（如 1a2b-3c4d-5e6f-7a8b）"),
    )
    p.add_argument(
        "--archive", type=Path, default=None, metavar="FILE.zip", help=tr("校验年度封存文件（不需要数据库）")
    )
    p.add_argument(
        "--full",
        action="store_true",
        help=tr("重查全部签名（默认只查本机上次校验之后的签名，之前的由历史链保证未被改写）"),
    )
    p.add_argument(
        "--accept-restore",
        action="store_true",
        help=tr("已向管理员核实：本机上次校验后确有一次从备份恢复，替换了本机所见的历史"),
    )

    p = command(
        "archive",
        lambda args: cmd_archive(args, helpers),
        tr("封存一年：台账、公示表、接待清单、历史与签名、附件、公钥和签名清单写入一个 ZIP（管理员）"),
    )
    p.add_argument("--year", type=int, required=True, help=tr("年份"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.zip")

    p = command(
        "crypto",
        lambda args: cmd_crypto(args, helpers),
        tr("查看或更改签名与校验算法：default（SHA-256 + Ed25519）或 gm（国密 SM3 + SM2）"),
    )
    p.add_argument(
        "choice",
        nargs="?",
        choices=("default", "gm"),
        default=None,
        metavar=tr("算法"),
        help=tr("default 或 gm；不给出时显示现用的算法"),
    )

    command(
        "fingerprints", lambda args: cmd_fingerprints(args, helpers), tr("列出打印过的账本指纹（登记簿）")
    )


def cmd_verify(args: argparse.Namespace, helpers: Helpers) -> int:
    if args.archive is not None:
        return _verify_archive(args.archive, helpers)
    from ledger.errors import InvalidReception
    from ledger.trust import parse_fingerprint

    if args.anchor is not None and parse_fingerprint(args.anchor) is None:
        raise helpers.usage_error(
            tr("账本指纹应为 16 位十六进制数字（如 1a2b-3c4d-5e6f-7a8b），而不是“{t}”").format(t=args.anchor)
        )
    code = helpers.verify(args)
    if args.anchor is None:
        return code

    try:
        answer = helpers.open_service(args).anchor(args.anchor)
    except InvalidReception as exc:
        raise helpers.usage_error(str(exc)) from None
    if answer.found:
        print(
            tr("账本指纹 {fp} 在历史记录中：第 {id} 条（{at}）").format(
                fp=answer.fingerprint, id=answer.entry_id, at=answer.entry_at
            )
        )
    else:
        print(
            tr("账本指纹 {fp} 不在此账本的历史记录中：历史在该指纹打印之前被改写，或这不是同一本账").format(
                fp=answer.fingerprint
            )
        )
    for line in answer.printed:
        print("  " + tr("打印登记（未受校验保护）：{line}").format(line=line))
    if answer.printed:
        print("  " + tr("（打印登记簿不在历史链中，可在程序外增删；能证明的只有纸上的指纹本身）"))
    return code if answer.found else EXIT_FOUND


def _verify_archive(path: Path, helpers: Helpers) -> int:
    from reports.archive import ArchiveError, check_archive

    try:
        result = check_archive(path)
    except ArchiveError as exc:
        raise helpers.usage_error(str(exc)) from None
    for note in result.notes:
        print(tr("注意：{note}").format(note=note))
    if result.ok:
        print(
            tr("封存文件完整：{f} 个文件、{e} 条历史、{s} 个签名均与签名清单相符").format(
                f=result.files, e=result.entries, s=result.signatures
            )
        )
        return EXIT_OK
    print(
        tr("封存文件被改动（{n} 处），第一处：{first}").format(
            n=len(result.problems), first=result.problems[0]
        )
    )
    for problem in result.problems[1:20]:
        print("  " + problem)
    return EXIT_FOUND


def cmd_archive(args: argparse.Namespace, helpers: Helpers) -> int:
    from reports.archive import ArchiveError, write_archive
    from reports.output import OutputError

    if args.output.suffix.lower() != ".zip":
        raise helpers.usage_error(tr("输出文件应以 .zip 结尾：{path}").format(path=args.output))
    service = helpers.open_service(args)
    actor = helpers.acting_user(service, args)
    try:
        summary = write_archive(service, actor, args.year, args.output)
    except (ArchiveError, OutputError) as exc:
        raise helpers.usage_error(str(exc)) from None
    print(
        tr(
            "已封存 {year} 年到 {path}：{n} 条已审核接待，{f} 个文件；清单校验值 {h}。此后重新打开该年的接待需要管理员"
        ).format(
            year=summary.year,
            path=args.output,
            n=summary.receptions,
            f=summary.files,
            h=summary.manifest_sha256,
        )
    )
    return EXIT_OK


def cmd_crypto(args: argparse.Namespace, helpers: Helpers) -> int:
    service = helpers.open_service(args)
    if args.choice is not None:
        actor = helpers.acting_user(service, args)
        service.set_crypto(actor, "gm" if args.choice == "gm" else "")
    gm = service.crypto() == "gm"
    print(
        tr("当前算法：国密（SM3 校验链 + SM2 签名）")
        if gm
        else tr("当前算法：默认（SHA-256 校验链 + Ed25519 签名）")
    )
    if args.choice is not None:
        print(tr("自下一条记录起生效；各用户下次登录时生成新算法的密钥，以前的记录按原算法校验"))
    return EXIT_OK


def cmd_fingerprints(args: argparse.Namespace, helpers: Helpers) -> int:
    from ledger.trust import DOCUMENTS

    rows = helpers.open_service(args).printed_fingerprints()
    if not rows:
        print(tr("还没有打印过带账本指纹的文件"))
    else:
        print(tr("打印登记簿（未受校验保护：不在历史链中，可在程序外增删；以纸上的指纹和 verify --anchor 为准）"))
    for r in rows:
        print(
            f"{r.printed_at}  {tr('账本指纹')} {r.fingerprint}  {tr(DOCUMENTS.get(r.document, r.document))} {r.reference}  {r.username}"
        )
    return EXIT_OK
