"""The command line's pre-approvals and letters: ``plans``, ``plan-form`` and ``letters``.

Registered by ``ui/cli.py`` (``add_commands``), which hands over its ``command`` helper and
itself as ``face`` (open_service, UsageError, the output helpers), so this module imports
nothing of it. Read-only commands: no user is needed. Exit codes as everywhere: 0 done, 2
unusable input (an unknown plan number is one line on stderr).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ledger.i18n import tr

Command = Callable[..., argparse.ArgumentParser]


def add_commands(command: Command, face: ModuleType) -> None:
    p = command(
        "plans",
        lambda args: cmd_plans(args, face),
        tr("列出一年的接待审批单（事前审批）：状态、审批人数与预算、据此登记的接待、按标准核对的问题"),
    )
    p.add_argument("--year", type=face._year, required=True, help=tr("年份（按拟接待日期）"))
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))

    p = command("plan-form", lambda args: cmd_plan_form(args, face), tr("接待审批单 PDF（一份审批单）"))
    p.add_argument("ref", help=tr("审批单编号，如 SP-2026-0001"))
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.pdf")

    p = command(
        "letters", lambda args: cmd_letters(args, face), tr("公函登记簿：每份公函及引用它的审批单和接待")
    )
    p.add_argument("--json", action="store_true", help=tr("输出 JSON"))


# ---------------------------------------------------------------------------- plans
def plan_json(plan: Any, breaches: Any) -> dict[str, Any]:
    return {
        "ref": plan.ref,
        "status": str(plan.status),
        "start_date": plan.start_date.isoformat(),
        "end_date": plan.end_date.isoformat() if plan.end_date else None,
        "visiting_unit": plan.visiting_unit,
        "activity": plan.activity,
        "activity_kind": plan.activity_kind,
        "letter_no": plan.letter_no,
        "phone_record": plan.phone_record,
        "guest_count": plan.guest_count,
        "guests": [p.name for p in plan.guests if p.name],
        "companion_count": plan.companion_count,
        "companions": [p.name for p in plan.companions if p.name],
        "meals": [m.to_json() for m in plan.meals],
        "meal_budget": f"{plan.meal_budget:.2f}",
        "lodging_persons": plan.lodging_persons,
        "lodging_nights": plan.lodging_nights,
        "budget": f"{plan.budget:.2f}",
        "created_by": plan.created_by,
        "approved_by": plan.approved_by,
        "approved_at": plan.approved_at.replace(microsecond=0).isoformat() if plan.approved_at else None,
        "review_comment": plan.review_comment,
        "void_reason": plan.void_reason,
        "receptions": list(plan.receptions),
        "breaches": [v.to_json() for v in breaches],
    }


def plan_line(plan: Any, breaches: Any) -> str:
    from ledger.money import fmt
    from reports.plan_form import status_label

    when = plan.start_date.isoformat()
    if plan.end_date and plan.end_date != plan.start_date:
        when += tr("至") + plan.end_date.isoformat()
    line = tr(
        "{ref}  {when}  {unit}  {status}  接待对象 {g} 人，陪餐 {c} 人，用餐 {m} 次，预算 {budget} 元"
    ).format(
        ref=plan.ref,
        when=when,
        unit=plan.visiting_unit,
        status=status_label(plan.status),
        g=plan.guest_count,
        c=plan.companion_count,
        m=len(plan.meals),
        budget=fmt(plan.budget),
    )
    if plan.receptions:
        line += tr("；接待 {refs}").format(refs="、".join(plan.receptions))
    if breaches:
        line += tr("；按标准核对有 {n} 个问题：{what}").format(
            n=len(breaches), what="；".join(v.message for v in breaches)
        )
    return line


def cmd_plans(args: argparse.Namespace, face: Any) -> int:
    from ledger.records import Status

    service = face.open_service(args)
    found: list[dict[str, Any]] = []
    count = 0
    for chunk in service.plans_in_chunks(args.year):
        for plan, _actuals in chunk:
            breaches = service.plan_breaches(plan) if plan.status != Status.VOID else ()
            count += 1
            if args.json:
                found.append(plan_json(plan, breaches))
            else:
                print(plan_line(plan, breaches))
    if args.json:
        face._print_json({"year": args.year, "plans": found})
    else:
        print(
            tr("{year} 年共 {n} 份接待审批单").format(year=args.year, n=count)
            if count
            else tr("{year} 年没有接待审批单").format(year=args.year)
        )
    return face.EXIT_OK


def cmd_plan_form(args: argparse.Namespace, face: Any) -> int:
    from reports.plan_form import load_plan_form, render_plan_form, status_label

    service = face.open_service(args)
    target = face._output(args.output, ".pdf")  # a wrong suffix is said before anything is read
    form = load_plan_form(service, args.ref)
    face._write_output(
        target, ".pdf", render_plan_form(form, service.print_stamp("preapproval", form.plan.ref))
    )
    print(
        tr("已生成接待审批单 {path}：{ref}（{status}），按标准核对 {n} 个问题").format(
            path=args.output, ref=form.plan.ref, status=status_label(form.plan.status), n=len(form.breaches)
        )
    )
    return face.EXIT_OK


# ---------------------------------------------------------------------------- letters
def letter_json(letter: Any) -> dict[str, Any]:
    return {
        "letter_no": letter.letter_no,
        "sending_unit": letter.sending_unit,
        "title": letter.title,
        "letter_date": letter.letter_date.isoformat() if letter.letter_date else None,
        "scan": bool(letter.scan_size),
        "scan_filename": letter.scan_filename,
        "registered_by": letter.created_by,
        "registered_at": letter.created_at.replace(microsecond=0).isoformat() if letter.created_at else None,
        "uses": [
            {"kind": u.kind, "ref": u.ref, "status": str(u.status), "date": u.day.isoformat()}
            for u in letter.uses
        ],
    }


def cmd_letters(args: argparse.Namespace, face: Any) -> int:
    service = face.open_service(args)
    found: list[dict[str, Any]] = []
    count = 0
    for chunk in service.letters_in_chunks():
        for letter in chunk:
            count += 1
            if args.json:
                found.append(letter_json(letter))
                continue
            parts = [letter.letter_no, letter.sending_unit or "—"]
            if letter.title:
                parts.append(tr("《{title}》").format(title=letter.title))
            parts.append(letter.letter_date.isoformat() if letter.letter_date else tr("发文日期未填"))
            parts.append(tr("有扫描件") if letter.scan_size else tr("无扫描件"))
            uses = "；".join(u.label for u in letter.uses) or tr("未被引用")
            print("  ".join(parts) + tr("  引用：{uses}").format(uses=uses))
    if args.json:
        face._print_json({"letters": found})
    else:
        print(tr("公函登记簿共 {n} 份公函").format(n=count) if count else tr("公函登记簿是空的"))
    return face.EXIT_OK
