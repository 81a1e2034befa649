"""Records ⇄ rows: the one mapping of a reception onto its table rows and back, its normal
form on the way in, and the snapshots the history keeps (of receptions and users)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from operator import itemgetter
from typing import Any

from sqlalchemy import select

from ledger import auth, limits
from ledger.models import ExplanationRow, MealRow, PersonRow, ReceptionRow, UserRow, ViolationRow
from ledger.money import from_fen, to_fen
from ledger.records import (
    CANTEEN_VENUE_TYPES,
    LATER_FIELDS,
    SNAPSHOT_AS,
    SNAPSHOT_AS_IS,
    SNAPSHOT_FIELDS,
    Assessment,
    Attachment,
    Meal,
    Person,
    Reception,
    Status,
    User,
)
from ledger.text import clean_line, clean_prose

DERIVED = (
    "meal_fen",
    "tobacco_fen",
    "total_fen",
    "over_standard_fen",
    "violation_count",
    "canteen_meals",
    "meal_count",
    "search_text",
)


def derived(columns: dict[str, Any], violations: list[dict[str, Any]]) -> dict[str, Any]:
    """The derived columns and breach rows of a reception, as the history keeps them."""
    return {c: columns[c] for c in DERIVED} | {
        "violations": [
            [v["rule"], v["message"], v["limit_text"], v["actual_text"], v["excess_fen"]] for v in violations
        ]
    }


PERSON_COLUMNS = ("role", "name", "unit", "title")
MEAL_COLUMNS = (
    "meal_date",
    "kind",
    "venue",
    "venue_type",
    "diners",
    "amount_fen",
    "tobacco_fen",
    "invoice_no",
)
RECEPTION_COLUMNS = tuple(c.key for c in ReceptionRow.__table__.columns)


def to_record(
    row: dict[str, Any],
    people_rows: Iterable[tuple[Any, ...]],
    meal_rows: Iterable[tuple[Any, ...]],
    explanation_rows: Iterable[tuple[str, str]],
    attachments: tuple[Attachment, ...],
) -> Reception:
    """A frozen record from a reception's columns and its child rows (tuples in the order of
    PERSON_COLUMNS and MEAL_COLUMNS, already in their stored order)."""
    people: dict[str, list[Person]] = {"guest": [], "companion": [], "staff": []}
    for role, name, unit, title in people_rows:
        people.setdefault(role, []).append(Person(name, unit, title))
    return Reception.from_storage(
        id=row["id"],
        ref=row["ref"],
        reception_date=row["reception_date"],
        end_date=row["end_date"],
        visiting_unit=row["visiting_unit"],
        activity=row["activity"],
        activity_kind=row["activity_kind"],
        letter_no=row["letter_no"],
        letter_title=row["letter_title"],
        phone_record=row["phone_record"],
        guest_count=row["guest_count"],
        guests=tuple(people["guest"]),
        companion_count=row["companion_count"],
        companions=tuple(people["companion"]),
        staff=tuple(people["staff"]),
        meals=tuple(
            Meal(day, kind, venue, venue_type, diners, from_fen(amount), from_fen(tobacco), invoice)
            for day, kind, venue, venue_type, diners, amount, tobacco, invoice in meal_rows
        ),
        accommodation=from_fen(row["accommodation_fen"]),
        transport=from_fen(row["transport_fen"]),
        other_cost=from_fen(row["other_cost_fen"]),
        gift_amount=from_fen(row["gift_fen"]),
        gift_description=row["gift_description"],
        payment_method=row["payment_method"],
        guest_origin=row["guest_origin"],
        lodging_persons=row["lodging_persons"],
        lodging_nights=row["lodging_nights"],
        classified=bool(row["classified"]),
        classified_reason=row["classified_reason"],
        remarks=row["remarks"],
        clerk_name=row["clerk_name"],
        explanations=dict(explanation_rows),
        status=Status(row["status"]),
        version=row["version"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        submitted_by=row["submitted_by"],
        submitted_at=row["submitted_at"],
        approved_by=row["approved_by"],
        approved_at=row["approved_at"],
        review_comment=row["review_comment"],
        posted_on=row["posted_on"],
        plan_id=row["plan_id"],
        void_reason=row["void_reason"],
        voided_by=row["voided_by"],
        voided_at=row["voided_at"],
        reimbursement_no=row["reimbursement_no"],
        reimbursed_on=row["reimbursed_on"],
        reimbursed_by=row["reimbursed_by"],
        attachments=attachments,
    )


def normalized(r: Reception) -> Reception:
    """The reception exactly as it will be stored and read back: text in its normal form
    (ledger.text), no empty name rows, no blank explanations (amounts are compared as
    values, so need nothing)."""

    def people(group: tuple[Person, ...]) -> tuple[Person, ...]:
        if all(clean_line(p.name) == p.name and clean_line(p.unit) == p.unit and clean_line(p.title) == p.title for p in group):
            return group  # the usual case: nothing to clean or drop (told without making a Person)
        cleaned = tuple(Person(clean_line(p.name), clean_line(p.unit), clean_line(p.title)) for p in group)
        return tuple(p for p in cleaned if p.name or p.unit or p.title)

    def meal(m: Meal) -> Meal:
        venue, invoice = clean_line(m.venue), clean_line(m.invoice_no)
        if venue == m.venue and invoice == m.invoice_no:
            return m
        return replace(m, venue=venue, invoice_no=invoice)

    changes: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = getattr(r, name)
        cleaned = clean_line(value) if name in LINE_FIELDS else clean_prose(value)
        if cleaned != value:
            changes[name] = cleaned
    for name in ("guests", "companions", "staff"):
        group = people(getattr(r, name))
        if group is not getattr(r, name):
            changes[name] = group
    meals = tuple(meal(m) for m in r.meals)
    if meals != r.meals:
        changes["meals"] = meals
    explanations = {k: clean_prose(v) for k, v in sorted(r.explanations.items()) if clean_prose(v)}
    if explanations != r.explanations:
        changes["explanations"] = explanations
    return replace(r, **changes) if changes else r


# identifying text (compared, searched, printed in narrow columns) is one NFKC line
LINE_FIELDS = frozenset({"visiting_unit", "letter_no", "clerk_name"})
TEXT_FIELDS = tuple(limits.RECEPTION_TEXT)


def storage(
    r: Reception, assessment: Assessment, ref: str
) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The one mapping of a (normalised) reception onto its table row and child rows."""
    columns: dict[str, Any] = {
        "reception_date": r.reception_date,
        "end_date": r.end_date,
        "visiting_unit": r.visiting_unit,
        "activity": r.activity,
        "activity_kind": r.activity_kind,
        "letter_no": r.letter_no,
        "letter_title": r.letter_title,
        "phone_record": r.phone_record,
        "guest_count": r.guest_count,
        "companion_count": r.companion_count,
        "accommodation_fen": to_fen(r.accommodation),
        "transport_fen": to_fen(r.transport),
        "other_cost_fen": to_fen(r.other_cost),
        "gift_fen": to_fen(r.gift_amount),
        "gift_description": r.gift_description,
        "payment_method": r.payment_method,
        "guest_origin": r.guest_origin,
        "lodging_persons": r.lodging_persons,
        "lodging_nights": r.lodging_nights,
        "classified": r.classified,
        "classified_reason": r.classified_reason,
        "remarks": r.remarks,
        "clerk_name": r.clerk_name,
        "plan_id": r.plan_id,
        # derived, so lists, filters and totals are single indexed queries
        "meal_fen": to_fen(r.meal_total),
        "tobacco_fen": to_fen(r.tobacco_alcohol_total),
        "total_fen": to_fen(r.total),
        "over_standard_fen": to_fen(assessment.over_standard_amount),
        "violation_count": len(assessment.violations),
        "meal_count": len(r.meals),
        "canteen_meals": sum(1 for m in r.meals if m.venue_type in CANTEEN_VENUE_TYPES),
        "search_text": " ".join([ref, r.visiting_unit, r.activity, r.letter_no, r.letter_title]).lower(),
    }
    children: dict[str, list[dict[str, Any]]] = {
        "people": [
            {"role": role, "position": i, "name": p.name, "unit": p.unit, "title": p.title}
            for role, group in (("guest", r.guests), ("companion", r.companions), ("staff", r.staff))
            for i, p in enumerate(group)
        ],
        "meals": [
            {
                "position": i,
                "meal_date": m.date,
                "kind": m.kind,
                "venue": m.venue,
                "venue_type": m.venue_type,
                "diners": m.diners,
                "amount_fen": to_fen(m.amount),
                "tobacco_fen": to_fen(m.tobacco_alcohol),
                "invoice_no": m.invoice_no,
            }
            for i, m in enumerate(r.meals)
        ],
        "explanations": [{"rule": rule, "text": text} for rule, text in r.explanations.items()],
        "violations": [
            {
                "position": i,
                "rule": v.rule,
                "message": v.message,
                "limit_text": v.limit,
                "actual_text": v.actual,
                "excess_fen": to_fen(v.excess),
            }
            for i, v in enumerate(assessment.violations)
        ],
    }
    return columns, children


def record_of(row: ReceptionRow, *, with_attachments: bool = True) -> Reception:
    """The frozen record of a stored reception (ORM row with its children loaded)."""
    attachments = (
        tuple(Attachment(a.id, a.kind, a.filename, a.sha256, a.size, a.added_at) for a in row.attachments)
        if with_attachments
        else ()
    )
    columns = {c: getattr(row, c) for c in RECEPTION_COLUMNS}
    people = [
        tuple(getattr(p, c) for c in PERSON_COLUMNS)
        for p in sorted(row.people, key=lambda p: (p.role, p.position))
    ]
    meals = [tuple(getattr(m, c) for c in MEAL_COLUMNS) for m in sorted(row.meals, key=lambda m: m.position)]
    explanations = [(e.rule, e.text) for e in row.explanations]
    return to_record(columns, people, meals, explanations, attachments)


def snapshot(row: ReceptionRow, record: Reception | None = None) -> dict[str, Any]:
    """What the history keeps of a reception: its facts, and the figures derived from them
    that lists, filters and paper read (so ``verify`` sees those altered too). Pass the
    record when it is already in hand."""
    violations = [
        {
            "rule": v.rule,
            "message": v.message,
            "limit_text": v.limit_text,
            "actual_text": v.actual_text,
            "excess_fen": v.excess_fen,
        }
        for v in sorted(row.violations, key=lambda v: v.position)
    ]
    return (record or record_of(row)).snapshot() | {
        "derived": derived({c: getattr(row, c) for c in DERIVED}, violations)
    }


def apply(row: ReceptionRow, stored: Reception, assessment: Assessment) -> None:
    """Copy a normalised reception's facts onto its row and set the derived columns from
    the assessment already made of it."""
    columns, children = storage(stored, assessment, row.ref or "")
    for name, value in columns.items():
        setattr(row, name, value)
    row.people = [PersonRow(**c) for c in children["people"]]
    row.meals = [MealRow(**c) for c in children["meals"]]
    row.explanations = [ExplanationRow(**c) for c in children["explanations"]]
    row.violations = [ViolationRow(**c) for c in children["violations"]]


def _fen_text(fen: int) -> str:
    """``f"{from_fen(fen):.2f}"`` for an integer, without the Decimal."""
    if fen == 0:  # (most of a reception's amounts: no gift, no transport, ...)
        return "0.00"
    whole, cents = divmod(-fen if fen < 0 else fen, 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


_ROW_MONEY = {
    "accommodation": "accommodation_fen",
    "transport": "transport_fen",
    "other_cost": "other_cost_fen",
    "gift_amount": "gift_fen",
}
_CHILD_FIELDS = ("guests", "companions", "staff", "meals", "explanations")
# the fields read straight from the reception's row: those kept as they are (field = column),
# then (field, column, conversion) of the others
_ROW_AS_IS = tuple(
    name
    for name in SNAPSHOT_FIELDS
    if name not in _CHILD_FIELDS
    and name not in _ROW_MONEY
    and name != "classified"
    and SNAPSHOT_AS[name] is SNAPSHOT_AS_IS
)
_row_as_is = itemgetter(*_ROW_AS_IS)
_ROW_CONVERTED = tuple(
    (
        name,
        _ROW_MONEY.get(name, name),
        _fen_text if name in _ROW_MONEY else bool if name == "classified" else SNAPSHOT_AS[name],
    )
    for name in SNAPSHOT_FIELDS
    if name not in _CHILD_FIELDS and name not in _ROW_AS_IS
)


def snapshot_from_storage(
    row: dict[str, Any],
    people_rows: Iterable[tuple[Any, ...]],
    meal_rows: Iterable[tuple[Any, ...]],
    explanation_rows: Iterable[tuple[str, str]],
    attachments: tuple[Attachment, ...],
) -> dict[str, Any]:
    """``to_record(...).snapshot()`` from the same rows, without building the record, its
    people, meals and amounts: ``verify`` compares a million receptions with their history."""
    out = dict(zip(_ROW_AS_IS, _row_as_is(row), strict=True))
    for name, column, convert in _ROW_CONVERTED:
        out[name] = convert(row[column])
    people: dict[str, list[dict[str, str]]] = {"guest": [], "companion": [], "staff": []}
    for role, name, unit, title in people_rows:
        people.setdefault(role, []).append({"name": name, "unit": unit, "title": title})
    out["guests"], out["companions"], out["staff"] = people["guest"], people["companion"], people["staff"]
    out["meals"] = [
        {
            "date": day.isoformat(),
            "kind": kind,
            "venue": venue,
            "venue_type": venue_type,
            "diners": diners,
            "amount": _fen_text(amount),
            "tobacco_alcohol": _fen_text(tobacco),
            "invoice_no": invoice,
        }
        for day, kind, venue, venue_type, diners, amount, tobacco, invoice in meal_rows
    ]
    out["explanations"] = dict(sorted(dict(explanation_rows).items()))
    for name, empty in LATER_FIELDS.items():
        if out[name] == empty:
            del out[name]
    out["attachments"] = [
        {"kind": a.kind, "filename": a.filename, "sha256": a.sha256, "size": a.size} for a in attachments
    ]
    return out


def ref(year: int, seq: int) -> str:
    return f"JD-{year}-{seq:04d}"


def numbered_as(number: str, year: object, seq: object) -> bool:
    """Whether ``number`` is the one ``year`` and ``seq`` make (False for values no program
    wrote: a text or a fraction put into those columns outside it)."""
    try:
        return type(year) is int and type(seq) is int and number == ref(year, seq)
    except (TypeError, ValueError):
        return False


def user_snapshot(row: UserRow) -> dict[str, Any]:
    return {
        "username": row.username,
        "display_name": row.display_name,
        "roles": row.roles,
        "active": row.active,
        "password": hashlib.sha256(row.password_hash.encode()).hexdigest(),
    }


def user_of(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        roles=auth.parse_roles(row.roles),
        active=row.active,
    )


# ---------------------------------------------------------------------------- children, read in bulk
def grouped_by_reception(
    connection: Any, where: Callable[[Any], Any], *columns: Any, order: tuple[Any, ...]
) -> dict[int, list[tuple[Any, ...]]]:
    """Rows of a child table (its ``reception_id`` first in ``columns``) for the receptions
    ``where(reception_id_column)`` selects, grouped by reception: one Core query."""
    out: dict[int, list[tuple[Any, ...]]] = {}
    child = columns[0].table
    stmt = select(*columns).where(where(child.c.reception_id)).order_by(*order)
    for row in connection.execute(stmt).all():  # fetched at once: no fetch call per row
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def children_of(connection: Any, where: Callable[[Any], Any]) -> tuple[dict[int, list[tuple[Any, ...]]], ...]:
    """People, meals and explanations of the receptions ``where`` selects, as ``to_record`` takes them."""
    people_t, meals_t, explanations_t = PersonRow.__table__, MealRow.__table__, ExplanationRow.__table__
    people = grouped_by_reception(
        connection,
        where,
        people_t.c.reception_id,
        *(people_t.c[c] for c in PERSON_COLUMNS),
        order=(people_t.c.reception_id, people_t.c.role, people_t.c.position),
    )
    meals = grouped_by_reception(
        connection,
        where,
        meals_t.c.reception_id,
        *(meals_t.c[c] for c in MEAL_COLUMNS),
        order=(meals_t.c.reception_id, meals_t.c.position),
    )
    explanations = grouped_by_reception(
        connection,
        where,
        explanations_t.c.reception_id,
        explanations_t.c.rule,
        explanations_t.c.text,
        order=(explanations_t.c.reception_id, explanations_t.c.rule),
    )
    return people, meals, explanations
