"""Frozen records the rest of the program passes around.

The GUI, the command line and the reports receive these, never live ORM objects.
Edits are made with ``dataclasses.replace`` and handed back to the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from typing import Any

from ledger.i18n import tr
from ledger.money import ZERO, per_person


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    VOID = "void"  # 作废: keeps its number, counts nowhere

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: tr("草稿"),
    Status.SUBMITTED: tr("待审核"),
    Status.APPROVED: tr("已审核"),
    Status.RETURNED: tr("已退回"),
    Status.VOID: tr("已作废"),
}


class Role(StrEnum):
    CLERK = "clerk"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: tr("经办人"),
    Role.APPROVER: tr("分管领导"),
    Role.ADMIN: tr("管理员"),
}

ACTIVITY_KINDS: tuple[str, ...] = (
    "检查指导",
    "考察调研",
    "学习交流",
    "出席会议",
    "执行任务",
    "请示汇报",
    "其他",
)

VENUE_TYPES: tuple[str, ...] = (
    "学校食堂",
    "机关食堂",
    "定点饭店",
    "高档酒店",
    "私人会所",
    "高消费餐饮场所",
    "其他",
)
CANTEEN_VENUE_TYPES: tuple[str, ...] = ("学校食堂", "机关食堂")

MEAL_KINDS: dict[str, str] = {"breakfast": tr("早餐"), "lunch": tr("午餐"), "dinner": tr("晚餐")}

PAYMENT_METHODS: tuple[str, ...] = ("公务卡", "转账", "现金")

ATTACHMENT_KINDS: dict[str, str] = {
    "letter": tr("公函"),
    "invoice": tr("发票"),
    "list": tr("接待清单"),
    "approval": tr("审批单"),
    "menu": tr("菜单"),
    "other": tr("其他"),
}

# 来宾类别: "" means "by the bureau's list of local units" (外地 when none matches)
GUEST_ORIGINS: tuple[str, ...] = ("本地", "外地", "外宾")
LOCAL, NON_LOCAL, FOREIGN = GUEST_ORIGINS


@dataclass(frozen=True)
class Person:
    """A guest, a companion at the table, or a member of the support staff."""

    name: str
    unit: str = ""
    title: str = ""


@dataclass(frozen=True)
class Meal:
    date: date
    kind: str = "lunch"  # a key of MEAL_KINDS
    venue: str = ""
    venue_type: str = "学校食堂"
    diners: int = 0
    amount: Decimal = ZERO  # the meal itself, without tobacco or alcohol
    tobacco_alcohol: Decimal = ZERO
    invoice_no: str = ""

    @property
    def kind_label(self) -> str:
        return MEAL_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Attachment:
    id: int
    kind: str
    filename: str
    sha256: str
    size: int
    added_at: datetime | None = None


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    limit: str
    actual: str
    excess: Decimal = ZERO  # the over-standard amount this breach accounts for
    meal_index: int | None = None  # the meal concerned, for marking fields

    def to_json(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "message": self.message,
            "limit": self.limit,
            "actual": self.actual,
            "excess": f"{self.excess:.2f}",
        }


@dataclass(frozen=True)
class Reception:
    """One official reception: what the clerk records, plus its workflow state.

    ``id is None`` for a reception not yet saved. Workflow fields are set by the
    service only; a value handed back in them is ignored.
    """

    reception_date: date
    visiting_unit: str = ""
    activity: str = ""
    activity_kind: str = "其他"
    end_date: date | None = None
    letter_no: str = ""
    letter_title: str = ""
    phone_record: str = ""
    guest_count: int = 0
    guests: tuple[Person, ...] = ()
    companion_count: int = 0
    companions: tuple[Person, ...] = ()
    staff: tuple[Person, ...] = ()
    meals: tuple[Meal, ...] = ()
    accommodation: Decimal = ZERO
    transport: Decimal = ZERO
    other_cost: Decimal = ZERO
    gift_amount: Decimal = ZERO
    gift_description: str = ""
    payment_method: str = "公务卡"
    guest_origin: str = ""  # 本地 / 外地 / 外宾, or "" (by the policy's local units)
    lodging_persons: int = 0  # 住宿人数
    lodging_nights: int = 0  # 住宿天数
    classified: bool = False
    classified_reason: str = ""
    remarks: str = ""
    clerk_name: str = ""  # 经办人 as written on paper (imports); defaults to the creator
    explanations: dict[str, str] = field(default_factory=dict)  # rule code -> 情况说明

    # set by the service
    id: int | None = None
    ref: str = ""
    status: Status = Status.DRAFT
    version: int = 0
    created_by: str = ""
    created_at: datetime | None = None
    submitted_by: str = ""
    submitted_at: datetime | None = None
    approved_by: str = ""  # user name, or the paper reviewer's name for historical imports
    approved_at: datetime | None = None
    review_comment: str = ""  # the leader's comment when returning, or the reopen reason
    posted_on: date | None = None  # when it appeared on a printed public notice
    plan_id: int | None = None  # the pre-approval (接待审批) it was started from; set by the clerk
    void_reason: str = ""  # 作废 with a reason: the number is kept and never given out again
    voided_by: str = ""
    voided_at: datetime | None = None
    reimbursement_no: str = ""  # 记账凭证号 / 报销单号, recorded after approval
    reimbursed_on: date | None = None
    reimbursed_by: str = ""
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_storage(cls, **values: Any) -> Reception:
        """Build a record read back from storage, every field given.

        A frozen dataclass sets each of its ~45 fields through ``object.__setattr__``;
        reading a year of receptions for an export builds tens of thousands of them, so
        this fills the instance dictionary at once. Only for complete, trusted values.
        """
        if len(values) != len(_ALL_FIELDS):
            missing = set(_ALL_FIELDS) - set(values)
            raise TypeError(f"Reception.from_storage needs every field; missing {sorted(missing)}")
        record = object.__new__(cls)
        record.__dict__.update(values)
        return record

    # -- derived figures -------------------------------------------------------------
    @property
    def meal_total(self) -> Decimal:
        return sum((m.amount for m in self.meals), ZERO)

    @property
    def tobacco_alcohol_total(self) -> Decimal:
        return sum((m.tobacco_alcohol for m in self.meals), ZERO)

    @property
    def total(self) -> Decimal:
        return (
            self.meal_total
            + self.tobacco_alcohol_total
            + self.accommodation
            + self.transport
            + self.other_cost
            + self.gift_amount
        )

    @property
    def persons(self) -> int:
        """Guests and companions: the people the reception was for."""
        return self.guest_count + self.companion_count

    @property
    def per_person(self) -> Decimal:
        """The whole cost per guest and companion (internal figures only, never next to a cap)."""
        return per_person(self.total, self.persons)

    @property
    def meal_diners(self) -> int:
        """The diners of all meals together (the meal's own people, not the reception's)."""
        return sum(m.diners for m in self.meals)

    @property
    def meal_per_person(self) -> Decimal:
        """人均餐费: the meals' amount divided by their diners, without lodging or transport."""
        return per_person(self.meal_total, self.meal_diners)

    @property
    def other_costs_total(self) -> Decimal:
        """Everything but the meals themselves: tobacco/alcohol, lodging, transport, other, gifts."""
        return self.total - self.meal_total

    @property
    def has_gift(self) -> bool:
        return self.gift_amount > 0 or bool(self.gift_description.strip())

    @property
    def is_locked(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.APPROVED, Status.VOID)

    @property
    def venue_summary(self) -> str:
        names: list[str] = []
        for m in self.meals:
            if m.venue and m.venue not in names:
                names.append(m.venue)
        return "、".join(names)

    # -- snapshots for the history -------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Every recorded fact as plain JSON values: what the history hashes and compares.

        Fields added after a ledger was started appear only when they hold a value, so the
        records written before them still match their last history entry."""
        # every field read at once (C), then only the fields that are not plain JSON converted
        out = dict(zip(_SNAPSHOT_FIELDS, _snapshot_values(self), strict=True))
        for name, convert in _SNAPSHOT_CONVERTED:
            out[name] = convert(out[name])
        for name, empty in _LATER_FIELDS.items():
            if out[name] == empty:
                del out[name]
        out["attachments"] = [
            {"kind": a.kind, "filename": a.filename, "sha256": a.sha256, "size": a.size}
            for a in self.attachments
        ]
        return out


_ALL_FIELDS = tuple(f.name for f in fields(Reception))
_SNAPSHOT_FIELDS = tuple(f.name for f in fields(Reception) if f.name not in ("attachments", "version", "id"))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
# fields added by schema 0003, left out of a snapshot while empty
_LATER_FIELDS: dict[str, Any] = {
    "guest_origin": "",
    "lodging_persons": 0,
    "lodging_nights": 0,
    # schema 0007
    "plan_id": None,
    "void_reason": "",
    "voided_by": "",
    "voided_at": None,
    "reimbursement_no": "",
    "reimbursed_on": None,
    "reimbursed_by": "",
}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str) and not isinstance(value, StrEnum):
        return value
    if isinstance(value, Decimal):
        text = f"{value:.2f}"
        return "0.00" if text == "-0.00" else text  # one form per value: the history compares texts
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    names = _FIELD_NAMES.get(type(value))
    if names is None:
        names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
    return {name: _plain(getattr(value, name)) for name in names}


def _as_is(value: Any) -> Any:
    return value


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def _day_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment_text(value: datetime | None) -> str | None:
    # (to the second: value.replace(microsecond=0).isoformat(), without the new datetime)
    return None if value is None else value.isoformat(timespec="seconds")


def _people_plain(people: tuple[Person, ...]) -> list[dict[str, str]]:
    return [{"name": p.name, "unit": p.unit, "title": p.title} for p in people]


def _meals_plain(meals: tuple[Meal, ...]) -> list[dict[str, Any]]:
    return [
        {
            "date": m.date.isoformat(),
            "kind": m.kind,
            "venue": m.venue,
            "venue_type": m.venue_type,
            "diners": m.diners,
            "amount": f"{m.amount:.2f}",
            "tobacco_alcohol": f"{m.tobacco_alcohol:.2f}",
            "invoice_no": m.invoice_no,
        }
        for m in meals
    ]


# Snapshots are taken for every write and every imported row: each field converted directly
# (the same values _plain gives, without inspecting types at run time).
_SNAPSHOT_AS: dict[str, Any] = {
    **{name: _as_is for name in _SNAPSHOT_FIELDS},
    **{name: _money_text for name in ("accommodation", "transport", "other_cost", "gift_amount")},
    **{name: _day_text for name in ("reception_date", "end_date", "posted_on", "reimbursed_on")},
    **{name: _moment_text for name in ("created_at", "submitted_at", "approved_at", "voided_at")},
    "guests": _people_plain,
    "companions": _people_plain,
    "staff": _people_plain,
    "meals": _meals_plain,
    "status": str,
    "explanations": lambda value: dict(sorted(value.items())),
}
_snapshot_values = attrgetter(*_SNAPSHOT_FIELDS)
_SNAPSHOT_CONVERTED = tuple(
    (name, _SNAPSHOT_AS[name]) for name in _SNAPSHOT_FIELDS if _SNAPSHOT_AS[name] is not _as_is
)


@dataclass(frozen=True)
class Assessment:
    """What the rule engine found for one reception under one policy."""

    violations: tuple[Violation, ...]
    total: Decimal
    over_standard_amount: Decimal
    policy_effective_from: date

    @property
    def compliant(self) -> bool:
        return not self.violations

    @property
    def reimbursable(self) -> Decimal:
        return self.total - self.over_standard_amount

    @property
    def rules(self) -> tuple[str, ...]:
        out: list[str] = []
        for v in self.violations:
            if v.rule not in out:
                out.append(v.rule)
        return tuple(out)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    roles: frozenset[Role]
    active: bool = True

    def has(self, role: Role) -> bool:
        return self.active and role in self.roles

    @property
    def label(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class Bureau:
    name: str = ""
    supervision_phone: str = ""
    posting_days: int = 5  # working days a notice stays on the board
    address: str = ""
    local_holidays: tuple[date, ...] = ()  # the bureau's own days off, beside the statutory ones


@dataclass(frozen=True)
class LedgerRow:
    """One line of the ledger view, read straight from indexed columns."""

    id: int
    ref: str
    reception_date: date
    visiting_unit: str
    activity: str
    guest_count: int
    companion_count: int
    total: Decimal
    status: Status
    violation_count: int
    over_standard_amount: Decimal
    classified: bool
    posted_on: date | None = None
    meal_amount: Decimal = ZERO  # 餐费: the meals themselves
    meal_diners: int = 0  # the diners of those meals
    reimbursement_no: str = ""  # 报销: the voucher recorded after approval

    @property
    def per_person(self) -> Decimal:
        return per_person(self.total, self.guest_count + self.companion_count)

    @property
    def meal_per_person(self) -> Decimal:
        """人均餐费: the meal ÷ its diners (no lodging, transport or other cost in it)."""
        return per_person(self.meal_amount, self.meal_diners)

    @property
    def compliant(self) -> bool:
        return self.violation_count == 0


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: datetime
    username: str
    action: str
    entity: str  # "reception", "user", "policy", "bureau", "target"
    entity_id: int | None
    ref: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    comment: str
    hash: str

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for every field that differs."""
        before = {k: v for k, v in (self.before or {}).items() if k != "derived"}
        after = {k: v for k, v in (self.after or {}).items() if k != "derived"}
        keys = [k for k in after if k in before or after[k] not in (None, "", [], {}, "0.00")]
        keys += [k for k in before if k not in after]
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


ACTION_LABELS: dict[str, str] = {
    "create": tr("新建"),
    "edit": tr("修改"),
    "submit": tr("提交审核"),
    "approve": tr("审核通过"),
    "return": tr("退回"),
    "reopen": tr("重新打开"),
    "delete": tr("删除草稿"),
    "withdraw": tr("撤回"),
    "void": tr("作废"),
    "reimburse": tr("登记报销"),
    "import": tr("导入"),
    "import_historical": tr("导入（纸质审核）"),
    "attach": tr("添加附件"),
    "detach": tr("删除附件"),
    "post": tr("公示"),
    "user_add": tr("添加用户"),
    "user_edit": tr("修改用户"),
    "password": tr("修改密码"),
    "policy_add": tr("新增标准版本"),
    "bureau_edit": tr("修改单位信息"),
    "target_set": tr("设置年度目标"),
    "restore": tr("从备份恢复"),
}

FIELD_LABELS: dict[str, str] = {
    "reception_date": tr("接待日期"),
    "end_date": tr("结束日期"),
    "visiting_unit": tr("来访单位"),
    "activity": tr("公务活动"),
    "activity_kind": tr("活动类型"),
    "letter_no": tr("公函文号"),
    "letter_title": tr("公函标题"),
    "phone_record": tr("电话记录"),
    "guest_count": tr("接待对象人数"),
    "guests": tr("接待对象名单"),
    "companion_count": tr("陪餐人数"),
    "companions": tr("陪餐人员"),
    "staff": tr("工作保障人员"),
    "meals": tr("用餐"),
    "accommodation": tr("住宿费"),
    "transport": tr("交通费"),
    "other_cost": tr("其他费用"),
    "gift_amount": tr("礼品金额"),
    "gift_description": tr("礼品说明"),
    "payment_method": tr("支付方式"),
    "guest_origin": tr("来宾类别"),
    "lodging_persons": tr("住宿人数"),
    "lodging_nights": tr("住宿天数"),
    "classified": tr("涉密"),
    "classified_reason": tr("涉密理由"),
    "remarks": tr("备注"),
    "clerk_name": tr("经办人"),
    "explanations": tr("情况说明"),
    "ref": tr("编号"),
    "status": tr("状态"),
    "created_by": tr("创建人"),
    "created_at": tr("创建时间"),
    "submitted_by": tr("提交人"),
    "submitted_at": tr("提交时间"),
    "approved_by": tr("审核人"),
    "approved_at": tr("审核时间"),
    "review_comment": tr("审核意见"),
    "posted_on": tr("公示日期"),
    "void_reason": tr("作废理由"),
    "voided_by": tr("作废人"),
    "voided_at": tr("作废时间"),
    "reimbursement_no": tr("记账凭证号/报销单号"),
    "reimbursed_on": tr("报销日期"),
    "reimbursed_by": tr("报销登记人"),
    "attachments": tr("附件"),
}


@dataclass(frozen=True)
class LedgerQuery:
    """What the ledger view shows: filters and the sort order."""

    year: int | None = None
    month: int | None = None  # 1..12, with year
    status: Status | None = None
    compliance: str = "all"  # "all" | "compliant" | "breach"
    text: str = ""  # matches unit, activity, letter number or reference
    visiting_unit: str = ""  # exact unit (from the dashboard)
    date_from: date | None = None
    date_to: date | None = None
    refs: tuple[str, ...] = ()  # these receptions only (a warning's receptions, from the dashboard)
    sort: str = "reception_date"  # a LedgerRow field
    descending: bool = True


@dataclass(frozen=True)
class LedgerSummary:
    """What the status bar says of a LedgerQuery: the count and total, exact or "more than
    ``count``" (``exact`` False: the total is then not known)."""

    count: int
    total: Decimal | None  # never counts a void reception's amount
    exact: bool = True
    void: int = 0  # how many of ``count`` are void (作废)


@dataclass(frozen=True)
class CellError:
    column: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"column": self.column, "message": self.message}


@dataclass(frozen=True)
class ImportRow:
    """One worksheet row read from the import template."""

    row: int  # worksheet row number
    reception: Reception | None  # None when a cell could not be read
    errors: tuple[CellError, ...] = ()
    approved_by: str = ""  # 审核人, for historical imports
    approved_on: date | None = None  # 审核日期
    ref: str = ""  # the 编号 of a row that cannot be read, as written (a readable row's is its reception's)
    # set where the row was read (ledger.validation.prepared): the reception is in its normal form
    # and these are its field problems as an import judges them; None: not done yet (a row is the
    # same row either way: what it says is compared, not how far it was checked)
    problems: tuple[tuple[str, str], ...] | None = field(default=None, compare=False)


# what ledger.mapping.snapshot_from_storage builds the same snapshots from (without a record)
SNAPSHOT_FIELDS = _SNAPSHOT_FIELDS
SNAPSHOT_AS = _SNAPSHOT_AS
SNAPSHOT_AS_IS = _as_is
LATER_FIELDS = _LATER_FIELDS
