"""Before the meal: the pre-approval (接待审批) and the letter register (公函登记), as records.

A plan is what the clerk writes when a letter or phone notice arrives — who comes, how many
companions, which meals at what standard, lodging, the budget — and what the leader approves
before the reception. The reception started from it is compared with it (``comparison``): more
guests, companions, meals or money than approved is said on the form and on the list. Pure
functions only; the writes are in ``ledger.plans`` and ``ledger.letters``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger import limits
from ledger.i18n import tr
from ledger.models import LetterRow, PlanRow
from ledger.money import ZERO, fmt, from_fen
from ledger.records import (
    ACTIVITY_KINDS,
    GUEST_ORIGINS,
    MEAL_KINDS,
    VENUE_TYPES,
    Meal,
    Person,
    Reception,
    Status,
)
from ledger.text import clean_line, clean_prose, text_key
from ledger.workdays import FIRST_DAY, LAST_DAY

PLAN_PREFIX = "SP"  # 审批

# a plan's status as the pre-approval says it (a reception's 待审核 / 已审核 read 待审批 / 已批准)
PLAN_STATUS: dict[Status, str] = {
    Status.DRAFT: tr("草稿"),
    Status.SUBMITTED: tr("待审批"),
    Status.APPROVED: tr("已批准"),
    Status.RETURNED: tr("已退回"),
    Status.VOID: tr("已作废"),
}


def plan_ref(year: int, seq: int) -> str:
    return f"{PLAN_PREFIX}-{year}-{seq:04d}"


def key_of(letter_no: str) -> str:
    """A letter number as the register compares it (ledger.text.text_key, within the column)."""
    return text_key(letter_no)[: limits.LETTER_NO]


@dataclass(frozen=True)
class PlannedMeal:
    """One meal as planned: its day, kind, venue and standard per person (餐标)."""

    date: date
    kind: str = "lunch"  # a key of MEAL_KINDS
    venue: str = ""
    venue_type: str = "学校食堂"
    diners: int = 0
    standard: Decimal = ZERO  # yuan per person

    @property
    def kind_label(self) -> str:
        return MEAL_KINDS.get(self.kind, self.kind)

    @property
    def amount(self) -> Decimal:
        return self.standard * self.diners

    def to_json(self) -> dict[str, Any]:
        """The meal as plain JSON values (amounts as text with two decimals)."""
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "venue": self.venue,
            "venue_type": self.venue_type,
            "diners": self.diners,
            "standard": f"{self.standard:.2f}",
            "amount": f"{self.amount:.2f}",
        }


@dataclass(frozen=True)
class Plan:
    """A pre-approval. ``id is None`` until saved; workflow fields are the service's."""

    start_date: date
    visiting_unit: str = ""
    activity: str = ""
    activity_kind: str = "其他"
    end_date: date | None = None
    letter_no: str = ""
    phone_record: str = ""
    guest_origin: str = ""
    guest_count: int = 0
    guests: tuple[Person, ...] = ()
    companion_count: int = 0
    companions: tuple[Person, ...] = ()
    meals: tuple[PlannedMeal, ...] = ()
    lodging_persons: int = 0
    lodging_nights: int = 0
    budget: Decimal = ZERO  # the whole reception's budget (meals, lodging, transport, other)
    remarks: str = ""

    # set by the service
    id: int | None = None
    ref: str = ""
    status: Status = Status.DRAFT
    version: int = 0
    created_by: str = ""
    created_at: datetime | None = None
    submitted_by: str = ""
    submitted_at: datetime | None = None
    approved_by: str = ""
    approved_at: datetime | None = None
    review_comment: str = ""
    void_reason: str = ""
    receptions: tuple[str, ...] = field(default=(), compare=False)  # refs started from it (not void)

    @property
    def last_day(self) -> date:
        return self.end_date or self.start_date

    @property
    def meal_budget(self) -> Decimal:
        return sum((m.amount for m in self.meals), ZERO)

    @property
    def is_locked(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.APPROVED, Status.VOID)

    def snapshot(self) -> dict[str, Any]:
        """What the history keeps of a plan (compared by ``verify``)."""
        return {
            "ref": self.ref,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "visiting_unit": self.visiting_unit,
            "activity": self.activity,
            "activity_kind": self.activity_kind,
            "letter_no": self.letter_no,
            "phone_record": self.phone_record,
            "guest_origin": self.guest_origin,
            "guest_count": self.guest_count,
            "companion_count": self.companion_count,
            "people": people_json(self),
            "meals": meals_json(self.meals),
            "lodging_persons": self.lodging_persons,
            "lodging_nights": self.lodging_nights,
            "budget": f"{self.budget:.2f}",
            "remarks": self.remarks,
            "status": str(self.status),
            "created_by": self.created_by,
            "created_at": _moment(self.created_at),
            "submitted_by": self.submitted_by,
            "submitted_at": _moment(self.submitted_at),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.replace(microsecond=0).isoformat() if self.approved_at else None,
            "review_comment": self.review_comment,
            "void_reason": self.void_reason,
        }


def _moment(at: datetime | None) -> str | None:
    return at.replace(microsecond=0).isoformat() if at else None


def people_json(plan: Plan) -> list[list[str]]:
    return [
        [role, p.name, p.unit, p.title]
        for role, group in (("guest", plan.guests), ("companion", plan.companions))
        for p in group
    ]


def meals_json(meals: tuple[PlannedMeal, ...]) -> list[list[Any]]:
    return [[m.date.isoformat(), m.kind, m.venue, m.venue_type, m.diners, f"{m.standard:.2f}"] for m in meals]


def meals_from_json(data: list[list[Any]]) -> tuple[PlannedMeal, ...]:
    return tuple(
        PlannedMeal(date.fromisoformat(day), kind, venue, venue_type, int(diners), Decimal(standard))
        for day, kind, venue, venue_type, diners, standard in data
    )


@dataclass(frozen=True)
class PreApproval:
    """What the rule ``pre_approval_missing`` needs to know of a reception's plan."""

    ref: str
    approved: bool
    approved_on: date | None


@dataclass(frozen=True)
class Letter:
    """A letter in the register. ``id is None`` until registered."""

    letter_no: str
    sending_unit: str = ""
    title: str = ""
    letter_date: date | None = None
    id: int | None = None
    version: int = 0
    scan_filename: str = ""
    scan_sha256: str = ""
    scan_size: int = 0
    created_by: str = ""
    created_at: datetime | None = None
    uses: tuple[LetterUse, ...] = ()


@dataclass(frozen=True)
class LetterUse:
    """A plan or reception naming a letter."""

    kind: str  # "plan" | "reception"
    id: int
    ref: str
    status: Status
    day: date

    @property
    def label(self) -> str:
        what = tr("接待审批") if self.kind == "plan" else tr("接待")
        status = PLAN_STATUS[self.status] if self.kind == "plan" else self.status.label
        return tr("{what} {ref}（{day}，{status}）").format(
            what=what, ref=self.ref, day=self.day.isoformat(), status=status
        )


# ---------------------------------------------------------------------------- normal form and checks
def normalized_plan(p: Plan) -> Plan:
    from dataclasses import replace

    def people(group: tuple[Person, ...]) -> tuple[Person, ...]:
        cleaned = (Person(clean_line(x.name), clean_line(x.unit), clean_line(x.title)) for x in group)
        return tuple(x for x in cleaned if x.name or x.unit or x.title)

    return replace(
        p,
        visiting_unit=clean_line(p.visiting_unit),
        activity=clean_prose(p.activity),
        letter_no=clean_line(p.letter_no),
        phone_record=clean_prose(p.phone_record),
        remarks=clean_prose(p.remarks),
        guests=people(p.guests),
        companions=people(p.companions),
        meals=tuple(replace(m, venue=clean_line(m.venue)) for m in p.meals),
    )


def plan_problems(p: Plan, *, for_submit: bool = False) -> dict[str, str]:
    """Field problems (field name → message) of a plan in its normal form."""
    out: dict[str, str] = {}
    texts = {
        "visiting_unit": (tr("来访单位"), limits.UNIT),
        "activity": (tr("公务活动"), limits.ACTIVITY),
        "letter_no": (tr("公函文号"), limits.LETTER_NO),
        "phone_record": (tr("电话记录"), limits.PROSE),
        "remarks": (tr("备注"), limits.PROSE),
    }
    for name, (label, most) in texts.items():
        if len(getattr(p, name)) > most:
            out[name] = tr("{label}不能超过 {n} 个字").format(label=label, n=most)
    if not p.visiting_unit:
        out["visiting_unit"] = tr("请填写来访单位")
    if not p.activity:
        out["activity"] = tr("请填写公务活动")
    if p.activity_kind not in ACTIVITY_KINDS:
        out["activity_kind"] = tr("未知的活动类型")
    if p.guest_origin and p.guest_origin not in GUEST_ORIGINS:
        out["guest_origin"] = tr("来宾类别只能是 本地、外地 或 外宾")
    if not FIRST_DAY <= p.start_date <= LAST_DAY:
        out["start_date"] = tr("计划日期须在 1900 年至 9998 年之间")
    elif p.end_date is not None and p.end_date < p.start_date:
        out["end_date"] = tr("结束日期不能早于开始日期")
    elif p.end_date is not None and (p.end_date - p.start_date).days > 31:
        out["end_date"] = tr("一次接待不超过 31 天")
    counts = (
        ("guest_count", p.guest_count, tr("接待对象"), 1),
        ("companion_count", p.companion_count, tr("陪餐人数"), 0),
        ("lodging_persons", p.lodging_persons, tr("住宿人数"), 0),
        ("lodging_nights", p.lodging_nights, tr("住宿天数"), 0),
    )
    for name, value, label, least in counts:
        if value < least:
            out[name] = tr("接待对象至少 1 人") if least else tr("{label}不能为负数").format(label=label)
        elif value > limits.MAX_COUNT:
            out[name] = tr("{label}超过 {max}，请核对").format(label=label, max=limits.MAX_COUNT)
    budget = _money_problem(p.budget, tr("预算"))
    if budget:
        out["budget"] = budget
    for i, m in enumerate(p.meals):
        where = tr("第 {n} 餐：").format(n=i + 1)
        standard = _money_problem(m.standard, tr("餐标"))
        if m.kind not in MEAL_KINDS:
            out[f"meals.{i}"] = where + tr("未知的餐别")
        elif m.venue_type and m.venue_type not in VENUE_TYPES:
            out[f"meals.{i}"] = where + tr("未知的场所类型")
        elif not p.start_date <= m.date <= p.last_day:
            out[f"meals.{i}"] = where + tr("就餐日期 {d} 不在接待日期内").format(d=m.date.isoformat())
        elif not 0 < m.diners <= limits.MAX_COUNT:
            out[f"meals.{i}"] = where + (
                tr("就餐人数至少 1 人")
                if m.diners <= 0
                else tr("就餐人数超过 {max}，请核对").format(max=limits.MAX_COUNT)
            )
        elif standard:
            out[f"meals.{i}"] = where + standard
        elif m.amount > limits.MAX_AMOUNT:
            out[f"meals.{i}"] = where + tr("餐费（餐标 × 人数）超过 {max} 元，请核对").format(
                max=limits.MAX_AMOUNT
            )
        elif len(m.venue) > limits.UNIT:
            out[f"meals.{i}"] = where + tr("场所名称太长")
    if for_submit and not p.letter_no and not p.phone_record:
        out["letter_no"] = tr("无公函不接待：请填写公函文号，或电话通知记录")
    return out


def _money_problem(value: Decimal, label: str) -> str:
    if not value.is_finite():
        return tr("{label}不是有效金额").format(label=label)
    if not ZERO <= value <= limits.MAX_AMOUNT:
        return tr("{label}须在 0 至 {max} 元之间").format(label=label, max=limits.MAX_AMOUNT)
    if value != value.quantize(Decimal("0.01")):
        return tr("{label}最多两位小数").format(label=label)
    return ""


def reception_from_plan(plan: Plan, letter_title: str = "") -> Reception:
    """A new reception filled in from an approved plan: the clerk corrects what really happened."""
    return Reception(
        reception_date=plan.start_date,
        end_date=plan.end_date,
        visiting_unit=plan.visiting_unit,
        activity=plan.activity,
        activity_kind=plan.activity_kind,
        letter_no=plan.letter_no,
        letter_title=letter_title,
        phone_record=plan.phone_record,
        guest_origin=plan.guest_origin,
        guest_count=plan.guest_count,
        guests=plan.guests,
        companion_count=plan.companion_count,
        companions=plan.companions,
        meals=tuple(Meal(m.date, m.kind, m.venue, m.venue_type, m.diners) for m in plan.meals),
        lodging_persons=plan.lodging_persons,
        lodging_nights=plan.lodging_nights,
        plan_id=plan.id,
    )


@dataclass(frozen=True)
class PlanLine:
    """One figure planned against what happened, for the form and the list."""

    label: str
    planned: str
    actual: str
    over: bool


@dataclass(frozen=True)
class Actual:
    """The figures of a reception the comparison with its plan reads (the workbook reads these
    for a year of plans in one query, without building whole receptions)."""

    ref: str
    reception_date: date
    status: Status
    guest_count: int
    companion_count: int
    meal_count: int
    meal_total: Decimal
    person_nights: int
    total: Decimal

    @classmethod
    def of(cls, r: Reception) -> Actual:
        return cls(
            r.ref,
            r.reception_date,
            r.status,
            r.guest_count,
            r.companion_count,
            len(r.meals),
            r.meal_total,
            r.lodging_persons * r.lodging_nights,
            r.total,
        )


def comparison(reception: Reception | Actual, plan: Plan) -> list[PlanLine]:
    """The reception's figures next to the plan's; ``over`` where it exceeds what was approved."""
    actual = reception if isinstance(reception, Actual) else Actual.of(reception)
    return _lines(actual, plan)


def _lines(reception: Actual, plan: Plan) -> list[PlanLine]:
    lines = [
        PlanLine(
            tr("接待对象"),
            str(plan.guest_count),
            str(reception.guest_count),
            reception.guest_count > plan.guest_count,
        ),
        PlanLine(
            tr("陪餐人数"),
            str(plan.companion_count),
            str(reception.companion_count),
            reception.companion_count > plan.companion_count,
        ),
        PlanLine(
            tr("用餐次数"),
            str(len(plan.meals)),
            str(reception.meal_count),
            reception.meal_count > len(plan.meals),
        ),
        PlanLine(
            tr("餐费"),
            fmt(plan.meal_budget),
            fmt(reception.meal_total),
            bool(plan.meals) and reception.meal_total > plan.meal_budget,
        ),
        PlanLine(
            tr("住宿（人·晚）"),
            str(plan.lodging_persons * plan.lodging_nights),
            str(reception.person_nights),
            reception.person_nights > plan.lodging_persons * plan.lodging_nights,
        ),
        PlanLine(
            tr("合计 / 预算"),
            fmt(plan.budget),
            fmt(reception.total),
            plan.budget > 0 and reception.total > plan.budget,
        ),
    ]
    return lines



# ---------------------------------------------------------------------------- stored rows
def plan_of_row(row: PlanRow, receptions: tuple[str, ...] = ()) -> Plan:
    people: dict[str, list[Person]] = {"guest": [], "companion": []}
    for role, name, unit, title in json.loads(row.people or "[]"):
        people.setdefault(role, []).append(Person(name, unit, title))
    return Plan(
        start_date=row.start_date,
        end_date=row.end_date,
        visiting_unit=row.visiting_unit,
        activity=row.activity,
        activity_kind=row.activity_kind,
        letter_no=row.letter_no,
        phone_record=row.phone_record,
        guest_origin=row.guest_origin,
        guest_count=row.guest_count,
        guests=tuple(people["guest"]),
        companion_count=row.companion_count,
        companions=tuple(people["companion"]),
        meals=meals_from_json(json.loads(row.meals or "[]")),
        lodging_persons=row.lodging_persons,
        lodging_nights=row.lodging_nights,
        budget=from_fen(row.budget_fen),
        remarks=row.remarks,
        id=row.id,
        ref=row.ref,
        status=Status(row.status),
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        submitted_by=row.submitted_by,
        submitted_at=row.submitted_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        review_comment=row.review_comment,
        void_reason=row.void_reason,
        receptions=receptions,
    )


def plan_snapshot(row: PlanRow) -> dict[str, Any]:
    """What the history keeps of a stored plan."""
    return plan_of_row(row).snapshot()


def letter_snapshot(row: LetterRow | Any) -> dict[str, Any]:
    """What the history keeps of a letter, from its row or anything with the row's attributes
    (the migration that started the register writes the same)."""
    return {
        "letter_no": row.letter_no,
        "sending_unit": row.sending_unit,
        "title": row.title,
        "letter_date": row.letter_date.isoformat() if row.letter_date else None,
        "scan_filename": row.scan_filename,
        "scan_sha256": row.scan_sha256,
        "scan_size": row.scan_size,
        "created_by": row.created_by,
        "created_at": row.created_at.replace(microsecond=0).isoformat() if row.created_at else None,
    }
