"""The letter register and the pre-approvals of a bench ledger (bench/bench_ledger.py).

Each reception citing a letter has it registered, as saving or importing it would
(``ledger.letters.registered``); half of last year's approved receptions were started from an
approved plan (接待审批), so the workbook's 审批与实际 sheet and ``verify``'s plan checks work on
a realistic share. Rows and history entries are made from the project's own records, so
``verify`` of the bench ledger is clean.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ledger import history, letters
from ledger.money import to_fen
from ledger.preapproval import Plan, PlannedMeal, key_of, meals_json, people_json, plan_ref
from ledger.records import Reception, Status


def letter_rows(
    r: Reception, letter_id: int, username: str, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The letter the reception cites: its row and its history entry (without the chain)."""
    values, after = letters.registered(
        r.letter_no, r.letter_title, r.visiting_unit, key_of(r.letter_no), username, now
    )
    entry = {
        "at": now,
        "username": username,
        "action": "register",
        "entity": "letter",
        "entity_id": letter_id,
        "ref": values["letter_no"][:32],
        "before": "",
        "after": history.canonical(after),
        "comment": "",
    }
    return values | {"id": letter_id}, entry


def plan_rows(
    r: Reception, plan_id: int, seq: int, letter_id: int | None, username: str, approver: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An approved plan the reception was started from, written two days before it: its row
    and its history entry (without the chain)."""
    day = datetime.combine(r.reception_date, time(9))
    plan = Plan(
        start_date=r.reception_date,
        visiting_unit=r.visiting_unit,
        activity=r.activity,
        activity_kind=r.activity_kind,
        letter_no=r.letter_no,
        phone_record="" if r.letter_no else "电话通知",
        guest_count=r.guest_count,
        guests=r.guests,
        companion_count=r.companion_count,
        companions=r.companions,
        meals=tuple(
            PlannedMeal(
                m.date,
                m.kind,
                m.venue,
                m.venue_type,
                m.diners,
                (m.amount / m.diners).quantize(Decimal("0.01")),
            )
            for m in r.meals
        ),
        budget=r.total,
        id=plan_id,
        ref=plan_ref(r.reception_date.year, seq),
        status=Status.APPROVED,
        version=3,
        created_by=username,
        created_at=day - timedelta(days=3),
        submitted_by=username,
        submitted_at=day - timedelta(days=3),
        approved_by=approver,
        approved_at=day - timedelta(days=2),
    )
    values = {
        "id": plan_id,
        "year": r.reception_date.year,
        "seq": seq,
        "ref": plan.ref,
        "letter_id": letter_id,
        "letter_no": plan.letter_no,
        "phone_record": plan.phone_record,
        "visiting_unit": plan.visiting_unit,
        "activity": plan.activity,
        "activity_kind": plan.activity_kind,
        "guest_origin": plan.guest_origin,
        "start_date": plan.start_date,
        "end_date": None,
        "guest_count": plan.guest_count,
        "companion_count": plan.companion_count,
        "people": json.dumps(people_json(plan), ensure_ascii=False),
        "meals": json.dumps(meals_json(plan.meals), ensure_ascii=False),
        "lodging_persons": 0,
        "lodging_nights": 0,
        "budget_fen": to_fen(plan.budget),
        "remarks": "",
        "status": Status.APPROVED.value,
        "version": plan.version,
        "created_by": plan.created_by,
        "created_at": plan.created_at,
        "submitted_by": plan.submitted_by,
        "submitted_at": plan.submitted_at,
        "approved_by": plan.approved_by,
        "approved_at": plan.approved_at,
        "review_comment": "",
        "void_reason": "",
    }
    entry = {
        "at": plan.approved_at,
        "username": username,
        "action": "create",
        "entity": "plan",
        "entity_id": plan_id,
        "ref": plan.ref,
        "before": "",
        "after": history.canonical(plan.snapshot()),
        "comment": "",
    }
    return values, entry
