"""The reception rules as data, and the pure rule engine.

Every number is a policy parameter. Policies are versioned by the date they take
effect; a reception is judged by the version in force on its reception date.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.i18n import tr
from ledger.limits import MAX_AMOUNT, MAX_COUNT, POLICY_NAME, UNIT
from ledger.money import ZERO, fmt, to_fen
from ledger.preapproval import PreApproval
from ledger.records import (
    ATTACHMENT_KINDS,
    FOREIGN,
    GUEST_ORIGINS,
    LOCAL,
    MEAL_KINDS,
    NON_LOCAL,
    Assessment,
    Reception,
    Violation,
)
from ledger.text import clean_line
from ledger.workdays import FIRST_DAY, LAST_DAY

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "resources" / "default_policy.toml"

RULES: dict[str, str] = {
    "companions_over_cap": tr("陪餐人数超标"),
    "meal_over_cap": tr("餐费超标"),
    "too_many_meals": tr("工作餐次数超标"),
    "missing_official_letter": tr("无公函或电话记录"),
    "luxury_venue": tr("高档场所"),
    "gift": tr("赠送礼品"),
    "tobacco_alcohol": tr("烟酒消费"),
    "lodging_over_cap": tr("住宿费超标"),
    "pre_approval_missing": tr("无接待审批"),
}

_CENT = Decimal("0.01")
# said in a meal breach when the cap is not the ordinary (外地) one
_ORIGIN_NOTE = {LOCAL: tr("本地来宾标准"), FOREIGN: tr("外宾标准")}


def _caps(values: Any, default: Decimal = Decimal("50.00")) -> dict[str, Decimal]:
    return (
        {k: Decimal(str(v)) for k, v in dict(values).items()}
        if values is not None
        else {k: default for k in MEAL_KINDS}
    )


def _bad_money(value: Decimal) -> bool:
    return not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(_CENT)


@dataclass(frozen=True)
class LodgingRule:
    """``lodging_over_cap``: accommodation above cap × person-nights (off by default)."""

    check: bool = False
    cap_per_person_night: Decimal = Decimal("0.00")

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "cap_per_person_night": f"{self.cap_per_person_night:.2f}"}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LodgingRule:
        return cls(
            check=bool(data.get("check", False)),
            cap_per_person_night=Decimal(str(data.get("cap_per_person_night", "0.00"))),
        )


@dataclass(frozen=True)
class ForeignRule:
    """外宾: receptions of foreign guests are judged by these, never by the domestic caps."""

    meal_caps: dict[str, Decimal] = field(default_factory=lambda: _caps(None, Decimal("50.00")))
    max_banquets: int = 1

    def meal_cap(self, kind: str) -> Decimal:
        return self.meal_caps.get(kind, self.meal_caps.get("lunch", Decimal("50.00")))

    def to_dict(self) -> dict[str, Any]:
        return {
            "meal_caps": {k: f"{v:.2f}" for k, v in sorted(self.meal_caps.items())},
            "max_banquets": self.max_banquets,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForeignRule:
        return cls(
            meal_caps=_caps(data.get("meal_caps"), Decimal("50.00")),
            max_banquets=int(data.get("max_banquets", 1)),
        )


@dataclass(frozen=True)
class DocumentRule:
    """The attachments (by kind) a reception needs before it is submitted and approved."""

    required: tuple[str, ...] = ()  # keys of ATTACHMENT_KINDS

    def missing(self, reception: Reception, evidence: frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The required kinds the reception has no attachment of. A phone-notice record with no
        letter number stands in for the 公函 (the national rule accepts either); ``evidence``
        are the kinds the ledger holds elsewhere (the letter's scan in the register, the
        approved plan)."""
        have = {a.kind for a in reception.attachments} | evidence
        out = []
        for kind in self.required:
            if kind in have:
                continue
            if kind == "letter" and not reception.letter_no.strip() and reception.phone_record.strip():
                continue
            out.append(kind)
        return tuple(out)

    def labels(self, kinds: tuple[str, ...] | None = None) -> str:
        return "、".join(ATTACHMENT_KINDS.get(k, k) for k in (self.required if kinds is None else kinds))

    def to_dict(self) -> dict[str, Any]:
        return {"required": list(self.required)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRule:
        return cls(required=tuple(document_kind(str(k)) for k in data.get("required", ())))


_KIND_BY_LABEL = {label: key for key, label in ATTACHMENT_KINDS.items()}


def document_kind(text: str) -> str:
    """An attachment kind from its key (``invoice``) or its Chinese name (发票)."""
    text = clean_line(text)
    if text in ATTACHMENT_KINDS:
        return text
    if text in _KIND_BY_LABEL:
        return _KIND_BY_LABEL[text]
    raise ValueError(
        tr("未知的单据类型“{v}”（可选：{kinds}）").format(v=text, kinds="、".join(ATTACHMENT_KINDS.values()))
    )


@dataclass(frozen=True)
class WarningParams:
    """The supervision warnings (疑点, SPEC §2): each switchable, with its figures.

    Stored under ``warnings`` in a policy version (TOML ``[policy.warnings]``); a version
    stored before warnings existed reads as these defaults.
    """

    letter_reused: bool = True
    split_reception: bool = True
    split_days: int = 2  # receptions of one unit at most this many days apart
    frequent_unit: bool = True
    frequent_times: int = 6  # more receptions of one unit than this in a year
    holiday_reception: bool = True
    late_entry: bool = True
    late_entry_days: int = 15  # recorded more than this many days after the reception
    late_posting: bool = True
    late_posting_days: int = 5  # working days from approval to the public notice
    cash_payment: bool = True
    invoice_reused: bool = True  # one invoice number on several receptions (一票多报)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WarningParams:
        values: dict[str, Any] = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name not in data:
                continue
            value = data[name]
            if spec.type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(tr("疑点参数 {name} 应为 true 或 false").format(name=name))
            elif isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(tr("疑点参数 {name} 应为整数").format(name=name))
            values[name] = value
        return cls(**values)

    def problems(self) -> list[tuple[str, str]]:
        """(key, message) for each figure out of range; the key is the name under ``warnings``."""
        out = []
        for name in ("split_days", "late_entry_days"):
            if getattr(self, name) < 0:
                out.append((name, tr("疑点的天数不能为负数")))
        if self.frequent_times < 1:
            out.append(("frequent_times", tr("同一单位频繁接待的次数至少为 1")))
        if self.late_posting_days < 1:
            out.append(("late_posting_days", tr("公示期限至少为 1 个工作日")))
        for name in ("split_days", "late_entry_days", "frequent_times", "late_posting_days"):
            if getattr(self, name) > MAX_COUNT:
                out.append((name, tr("疑点的天数或次数不能超过 {n}").format(n=MAX_COUNT)))
        return out


@dataclass(frozen=True)
class Policy:
    effective_from: date
    name: str = ""
    companion_base_cap: int = 3
    companion_threshold: int = 10
    companion_ratio_num: int = 1
    companion_ratio_den: int = 3
    meal_caps: dict[str, Decimal] = field(default_factory=lambda: {k: Decimal("50.00") for k in MEAL_KINDS})
    max_work_meals: int = 1
    require_letter: bool = True
    luxury_venue_types: tuple[str, ...] = ("高档酒店", "私人会所", "高消费餐饮场所")
    check_luxury_venue: bool = True
    check_gift: bool = True
    check_tobacco_alcohol: bool = True
    # -- issue 9: caps by guest origin, lodging, foreign guests, documents, guest list ------
    # meal_caps above are the caps for 外地 guests; these for 本地 (None: the same numbers)
    meal_caps_local: dict[str, Decimal] | None = None
    # visiting units whose name contains one of these count as 本地 unless the reception says
    local_units: tuple[str, ...] = ()
    lodging: LodgingRule = field(default_factory=LodgingRule)
    foreign: ForeignRule = field(default_factory=ForeignRule)
    documents: DocumentRule = field(default_factory=DocumentRule)
    # pre_approval_missing: until receptions carry a pre-approval of their own, an attachment
    # of kind 审批单 is the evidence of an approved plan (see README)
    check_pre_approval: bool = False
    # a reception cannot be submitted with fewer named guests than its guest count
    require_guest_names: bool = True

    def __post_init__(self) -> None:
        # one normal form for the texts a version shows and compares (see ledger/text.py); a name
        # of invisible characters only is kept as typed, so that validate() refuses it
        name = clean_line(self.name)
        if name or not self.name.strip():  # blank is no name ("未命名")
            object.__setattr__(self, "name", name)
        object.__setattr__(self, "local_units", tuple(clean_line(u) for u in self.local_units))
        object.__setattr__(self, "luxury_venue_types", tuple(clean_line(u) for u in self.luxury_venue_types))

    def origin_of(self, reception: Reception) -> str:
        """本地 / 外地 / 外宾: as the reception says, else by the local units, else 外地."""
        if reception.guest_origin in GUEST_ORIGINS:
            return reception.guest_origin
        unit = reception.visiting_unit
        if any(marker and marker in unit for marker in self.local_units):
            return LOCAL
        return NON_LOCAL

    def local_meal_cap(self, kind: str) -> Decimal:
        caps = self.meal_caps_local if self.meal_caps_local is not None else self.meal_caps
        return caps.get(kind, caps.get("lunch", self.meal_cap(kind)))

    def meal_cap_for(self, kind: str, origin: str) -> Decimal:
        if origin == FOREIGN:
            return self.foreign.meal_cap(kind)
        if origin == LOCAL:
            return self.local_meal_cap(kind)
        return self.meal_cap(kind)
    warnings: WarningParams = field(default_factory=WarningParams)

    def companion_cap(self, guests: int) -> int:
        if guests <= self.companion_threshold:
            return self.companion_base_cap
        return guests * self.companion_ratio_num // self.companion_ratio_den

    def meal_cap(self, kind: str) -> Decimal:
        return self.meal_caps.get(kind, self.meal_caps.get("lunch", Decimal("50.00")))

    # -- plain data, for storage and the settings screen ----------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "effective_from": self.effective_from.isoformat(),
            "name": self.name,
            "companion_base_cap": self.companion_base_cap,
            "companion_threshold": self.companion_threshold,
            "companion_ratio_num": self.companion_ratio_num,
            "companion_ratio_den": self.companion_ratio_den,
            "meal_caps": {k: f"{v:.2f}" for k, v in sorted(self.meal_caps.items())},
            "max_work_meals": self.max_work_meals,
            "require_letter": self.require_letter,
            "luxury_venue_types": list(self.luxury_venue_types),
            "check_luxury_venue": self.check_luxury_venue,
            "check_gift": self.check_gift,
            "check_tobacco_alcohol": self.check_tobacco_alcohol,
            "local_units": list(self.local_units),
            "lodging": self.lodging.to_dict(),
            "foreign": self.foreign.to_dict(),
            "documents": self.documents.to_dict(),
            "check_pre_approval": self.check_pre_approval,
            "require_guest_names": self.require_guest_names,
            "warnings": self.warnings.to_dict(),
        } | (
            {}
            if self.meal_caps_local is None
            else {"meal_caps_local": {k: f"{v:.2f}" for k, v in sorted(self.meal_caps_local.items())}}
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, validate: bool = True) -> Policy:
        eff = data["effective_from"]
        values: dict[str, Any] = dict(data)
        values["effective_from"] = eff if isinstance(eff, date) else date.fromisoformat(str(eff))
        if "meal_caps" in values:
            values["meal_caps"] = {k: Decimal(str(v)) for k, v in values["meal_caps"].items()}
        if "luxury_venue_types" in values:
            values["luxury_venue_types"] = tuple(values["luxury_venue_types"])
        # versions stored before schema 0003 carry none of these: they read as the defaults,
        # and 本地 guests keep the caps every guest had (today's numbers unchanged)
        if values.get("meal_caps_local") is not None:
            values["meal_caps_local"] = {k: Decimal(str(v)) for k, v in values["meal_caps_local"].items()}
        if "local_units" in values:
            values["local_units"] = tuple(str(u) for u in values["local_units"])
        if "lodging" in values:
            values["lodging"] = LodgingRule.from_dict(values["lodging"])
        if "foreign" in values:
            values["foreign"] = ForeignRule.from_dict(values["foreign"])
        if "documents" in values:
            values["documents"] = DocumentRule.from_dict(values["documents"])
        if "warnings" in values:
            values["warnings"] = WarningParams.from_dict(dict(values["warnings"]))
        known = set(cls.__dataclass_fields__)
        policy = cls(**{k: v for k, v in values.items() if k in known})
        if validate:
            policy.validate()
        return policy

    def validate(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("；".join(dict.fromkeys(message for _, message in problems)))

    def problems(self) -> list[tuple[str, str]]:
        """(key, message) for each value out of range; the key is its dotted name in a policy file
        (``companion_ratio_den``, ``meal_caps.lunch``, ``warnings.split_days``)."""
        problems: list[tuple[str, str]] = []
        if not FIRST_DAY <= self.effective_from <= LAST_DAY:
            problems.append(
                (
                    "effective_from",
                    tr("生效日期须在 {a} 至 {b} 之间").format(a=FIRST_DAY.isoformat(), b=LAST_DAY.isoformat()),
                )
            )
        if self.name.strip() and not clean_line(self.name):
            problems.append(("name", tr("名称不能只有不可见字符")))
        elif len(self.name) > POLICY_NAME:
            problems.append(("name", tr("名称不能超过 {n} 个字").format(n=POLICY_NAME)))
        counts = (
            ("companion_base_cap", self.companion_base_cap, tr("陪餐基本上限")),
            ("companion_threshold", self.companion_threshold, tr("陪餐人数分档线")),
            ("companion_ratio_num", self.companion_ratio_num, tr("陪餐比例的分子")),
            ("companion_ratio_den", self.companion_ratio_den, tr("陪餐比例的分母")),
            ("max_work_meals", self.max_work_meals, tr("工作餐次数")),
            ("foreign.max_banquets", self.foreign.max_banquets, tr("外宾宴请次数")),
        )
        for key, value, label in counts:
            if value < 0:
                problems.append((key, tr("{label}不能为负数").format(label=label)))
            elif value > MAX_COUNT:
                problems.append((key, tr("{label}不能超过 {n}").format(label=label, n=MAX_COUNT)))
        if 0 <= self.companion_ratio_den < 1:
            problems.append(("companion_ratio_den", tr("陪餐比例的分母至少为 1")))
        money_rule = tr("必须是不小于0、不超过 {max}、最多两位小数的金额").format(max=fmt(MAX_AMOUNT))
        groups = (
            ("meal_caps", "", self.meal_caps),
            ("meal_caps_local", tr("本地"), self.meal_caps_local or {}),
            ("foreign.meal_caps", tr("外宾"), self.foreign.meal_caps),
        )
        for prefix, group, caps in groups:
            for kind, cap in caps.items():
                if kind not in MEAL_KINDS:
                    problems.append(
                        (f"{prefix}.{kind}", tr("未知的餐别“{k}”（可选：breakfast、lunch、dinner）").format(k=kind))
                    )
                elif _bad_money(cap):
                    problems.append(
                        (f"{prefix}.{kind}", tr("{group}{meal}标准").format(group=group, meal=MEAL_KINDS[kind]) + money_rule)
                    )
        if _bad_money(self.lodging.cap_per_person_night):
            problems.append(("lodging.cap_per_person_night", tr("住宿标准") + money_rule))
        for kind in self.documents.required:
            if kind not in ATTACHMENT_KINDS:
                problems.append(("documents.required", tr("未知的单据类型“{v}”").format(v=kind)))
        for key, texts, label in (
            ("local_units", self.local_units, tr("本地单位名单")),
            ("luxury_venue_types", self.luxury_venue_types, tr("高档场所类型")),
        ):
            if any(not u for u in texts):
                problems.append((key, tr("{label}中不能有空项（或只有不可见字符的项）").format(label=label)))
            if any(len(u) > UNIT for u in texts):
                problems.append((key, tr("{label}中每项不能超过 {n} 个字").format(label=label, n=UNIT)))
            if len(texts) > 1000:
                problems.append((key, tr("{label}不能超过 1000 项").format(label=label)))
        problems += [(f"warnings.{key}", message) for key, message in self.warnings.problems()]
        return problems


def load_default_policy(path: Path = DEFAULT_POLICY_FILE) -> Policy:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return Policy.from_dict(data["policy"])


def policy_in_force(policies: list[Policy], on: date) -> Policy:
    """The latest version whose effective date is not after ``on``."""
    chosen = None
    for p in policies:
        if p.effective_from <= on and (chosen is None or p.effective_from > chosen.effective_from):
            chosen = p
    return chosen or min(policies, key=lambda p: p.effective_from)


def evaluate(reception: Reception, policy: Policy, pre_approval: PreApproval | None = None) -> Assessment:
    """Judge one reception by one policy. Pure: no I/O, no clock. ``pre_approval`` is what the
    ledger knows of the plan the reception was started from (``ledger.plans.pre_approval_in``)."""
    violations: list[Violation] = []
    r = reception

    cap = policy.companion_cap(r.guest_count)
    if r.companion_count > cap:
        violations.append(
            Violation(
                rule="companions_over_cap",
                message=tr("陪餐{actual}人，超过上限{cap}人（接待对象{guests}人）").format(
                    actual=r.companion_count, cap=cap, guests=r.guest_count
                ),
                limit=str(cap),
                actual=str(r.companion_count),
            )
        )

    origin = policy.origin_of(r)
    for index, meal in enumerate(r.meals):
        meal_cap = policy.meal_cap_for(meal.kind, origin)
        limit_fen = to_fen(meal_cap) * meal.diners
        amount_fen = to_fen(meal.amount)
        if amount_fen > limit_fen:
            excess = meal.amount - meal_cap * meal.diners
            violations.append(
                Violation(
                    rule="meal_over_cap",
                    message=tr(
                        "{day}{meal}就餐{diners}人，餐费{amount}元，超过标准{limit}元"
                        "（{origin}{cap}元/人），超标{excess}元"
                    ).format(
                        day=f"{meal.date:%m-%d}" if len(r.meals) > 1 else "",
                        meal=meal.kind_label,
                        diners=meal.diners,
                        amount=fmt(meal.amount),
                        limit=fmt(meal_cap * meal.diners),
                        cap=fmt(meal_cap),
                        origin=_ORIGIN_NOTE.get(origin, ""),
                        excess=fmt(excess),
                    ),
                    limit=f"{meal_cap * meal.diners:.2f}",
                    actual=f"{meal.amount:.2f}",
                    excess=excess,
                    meal_index=index,
                )
            )

    allowed = policy.foreign.max_banquets if origin == FOREIGN else policy.max_work_meals
    if len(r.meals) > allowed:
        violations.append(
            Violation(
                rule="too_many_meals",
                message=(
                    tr("外宾宴请{actual}次，超过{limit}次")
                    if origin == FOREIGN
                    else tr("安排工作餐{actual}次，超过{limit}次")
                ).format(actual=len(r.meals), limit=allowed),
                limit=str(allowed),
                actual=str(len(r.meals)),
            )
        )

    if policy.lodging.check and r.accommodation > 0:
        person_nights = r.lodging_persons * r.lodging_nights
        limit = policy.lodging.cap_per_person_night * person_nights
        if to_fen(r.accommodation) > to_fen(limit):
            excess = r.accommodation - limit
            violations.append(
                Violation(
                    rule="lodging_over_cap",
                    message=tr(
                        "住宿费{amount}元，超过标准{limit}元（{cap}元/人·晚 × {persons}人 × {nights}晚），超标{excess}元"
                    ).format(
                        amount=fmt(r.accommodation),
                        limit=fmt(limit),
                        cap=fmt(policy.lodging.cap_per_person_night),
                        persons=r.lodging_persons,
                        nights=r.lodging_nights,
                        excess=fmt(excess),
                    ),
                    limit=f"{limit:.2f}",
                    actual=f"{r.accommodation:.2f}",
                    excess=excess,
                )
            )

    if policy.check_pre_approval:
        problem = _pre_approval_problem(r, pre_approval)
        if problem:
            violations.append(
                Violation(
                    rule="pre_approval_missing",
                    message=problem,
                    limit=tr("须事前审批"),
                    actual=tr("无") if pre_approval is None else pre_approval.ref,
                )
            )

    if policy.require_letter and not r.letter_no.strip() and not r.phone_record.strip():
        violations.append(
            Violation(
                rule="missing_official_letter",
                message=tr("无公函文号，也无电话通知记录"),
                limit=tr("须有公函或电话记录"),
                actual=tr("无"),
            )
        )

    if policy.check_luxury_venue:
        for index, meal in enumerate(r.meals):
            if meal.venue_type in policy.luxury_venue_types:
                violations.append(
                    Violation(
                        rule="luxury_venue",
                        message=tr("在{venue_type}就餐（{venue}），属禁止场所").format(
                            venue_type=meal.venue_type, venue=meal.venue or tr("未填名称")
                        ),
                        limit=tr("不得安排"),
                        actual=meal.venue_type,
                        meal_index=index,
                    )
                )

    if policy.check_gift and r.has_gift:
        what = r.gift_description.strip() or tr("礼品")
        violations.append(
            Violation(
                rule="gift",
                message=tr("赠送{what}，金额{amount}元").format(what=what, amount=fmt(r.gift_amount))
                if r.gift_amount > 0
                else tr("赠送{what}，金额不详").format(what=what),
                limit=tr("不得赠送"),
                actual=f"{r.gift_amount:.2f}",
                excess=r.gift_amount,
            )
        )

    if policy.check_tobacco_alcohol:
        for index, meal in enumerate(r.meals):
            if meal.tobacco_alcohol > 0:
                violations.append(
                    Violation(
                        rule="tobacco_alcohol",
                        message=tr("{meal}消费烟酒{amount}元").format(
                            meal=meal.kind_label, amount=fmt(meal.tobacco_alcohol)
                        ),
                        limit="0.00",
                        actual=f"{meal.tobacco_alcohol:.2f}",
                        excess=meal.tobacco_alcohol,
                        meal_index=index,
                    )
                )

    over = sum((v.excess for v in violations), ZERO)
    return Assessment(
        violations=tuple(violations),
        total=r.total,
        over_standard_amount=over,
        policy_effective_from=policy.effective_from,
    )


def _pre_approval_problem(r: Reception, pre_approval: PreApproval | None) -> str:
    """Why the reception has no pre-approval in force, or "": an approved plan it was started
    from, approved on or before the reception date, or a paper 审批单 attached (receptions
    approved on paper before the ledger kept plans)."""
    if pre_approval is not None and pre_approval.approved:
        if pre_approval.approved_on is None or pre_approval.approved_on <= r.reception_date:
            return ""
        return tr("接待审批 {ref} 于 {day} 批准，晚于接待日期，不是事前审批").format(
            ref=pre_approval.ref, day=pre_approval.approved_on.isoformat()
        )
    if any(a.kind == "approval" for a in r.attachments):
        return ""
    if pre_approval is not None:
        return tr("接待审批 {ref} 尚未批准").format(ref=pre_approval.ref)
    return tr("无经批准的接待审批（未据审批单登记，也未附审批单）")
