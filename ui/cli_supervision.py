"""The supervision commands of the command line: ``risks``, ``disclosure`` and ``rollup``.

Registered by ``ui/cli.py`` (``add_commands``), which hands over its ``command`` helper and
itself as ``face`` (open_service, UsageError, the output helpers), so this module imports
nothing of it. Exit codes as everywhere: 0 done, 1 found something, 2 unusable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ledger.i18n import tr

Command = Callable[..., argparse.ArgumentParser]


def add_commands(command: Command, face: ModuleType) -> None:
    def risks(args: argparse.Namespace) -> int:
        return cmd_risks(args, face)

    def disclosure(args: argparse.Namespace) -> int:
        return cmd_disclosure(args, face)

    def rollup(args: argparse.Namespace) -> int:
        return cmd_rollup(args, face)

    p = command(
        "risks", risks, tr("列出一年的疑点提示（一函多餐、拆分接待、节假日接待等），有疑点时退出码为 1")
    )
    p.add_argument("--year", type=face._year, required=True, help=tr("年份"))
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))

    p = command(
        "disclosure", disclosure, tr("年度三公经费公务接待费公开：万元金额、增减、批次与人次、公开说明")
    )
    p.add_argument("--year", type=face._year, required=True, help=tr("年份"))
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))
    p.add_argument("-o", "--output", type=Path, default=None, metavar="FILE.pdf", help=tr("另存为 PDF"))
    p.add_argument("--reason", default="", help=tr("增减变化的主要原因（写入公开说明）"))

    p = command(
        "rollup", rollup, tr("汇总多个单位的账本（只读打开）：每个单位一行，含公开数据、目标、违规与疑点")
    )
    p.add_argument("--year", type=face._year, required=True, help=tr("年份"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx")
    p.add_argument("urls", nargs="+", metavar="URL", help=tr("各单位账本：SQLite 文件路径或 PostgreSQL 地址"))


def cmd_risks(args: argparse.Namespace, face: Any) -> int:
    from ledger.risks import CODES, counts

    service = face.open_service(args)
    found = service.risks(args.year)
    if not service.work_calendar().knows(args.year):
        print(
            tr("注意：尚未收录 {year} 年的国务院节假日安排，节假日接待按周六、周日判断").format(year=args.year),
            file=sys.stderr,
        )
    if args.json:
        face._print_json({"year": args.year, "risks": [r.to_json() for r in found]})
    else:
        for r in found:
            print(f"[{r.label}] {'、'.join(r.refs)}：{r.message}")
        tally = counts(found)
        parts = [f"{CODES[c]} {n}" for c, n in tally.items() if n]
        print(
            tr("{year} 年共 {n} 处疑点：{parts}").format(year=args.year, n=len(found), parts="，".join(parts))
            if found
            else tr("{year} 年没有疑点").format(year=args.year)
        )
    return face.EXIT_FOUND if found else face.EXIT_OK


def cmd_disclosure(args: argparse.Namespace, face: Any) -> int:
    from reports.disclosure import figure_rows, render_disclosure

    service = face.open_service(args)
    d = service.disclosure(args.year)
    if d.unfinished_note():
        print(d.unfinished_note(), file=sys.stderr)
    if args.reason.strip() and not d.has_previous:
        print(
            tr("注意：上年台账中没有已审核的公务接待记录，公开说明不写增减，--reason 未写入"), file=sys.stderr
        )
    if args.output is not None:
        face._write_output(
            args.output,
            ".pdf",
            render_disclosure(
                d, service.bureau().name, args.reason, stamp=service.print_stamp("disclosure", str(args.year))
            ),
        )
    if args.json:
        face._print_json(d.to_json(args.reason))
    else:
        for label, value in figure_rows(d):
            print(f"{label}：{value}")
        print()
        print(d.text(args.reason))
        if args.output is not None:
            print(tr("已生成 {path}").format(path=args.output))
    return face.EXIT_OK


def cmd_rollup(args: argparse.Namespace, face: Any) -> int:
    from ledger.rollup import rollup
    from reports.rollup import write_rollup

    target = face._output(args.output, ".xlsx")
    rows = rollup(args.urls, args.year)
    face._write_output(target, ".xlsx", lambda fh: write_rollup(fh, rows, args.year))
    opened = [r for r in rows if r.error is None]
    print(tr("已汇总 {year} 年 {n} 个账本到 {path}").format(year=args.year, n=len(opened), path=args.output))
    for r in rows:
        if r.error is not None:
            print(tr("未计入 {url}：{error}").format(url=r.source, error=r.error))
    return face.EXIT_OK if len(opened) == len(rows) else face.EXIT_FOUND
