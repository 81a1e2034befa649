"""What makes a reception unstorable: one list of field problems for every way in.

The window shows each message at its field, the import at its row and column, and
``check`` lists it exactly as ``import`` would refuse it. Drafts may be incomplete,
never wrong; ``for_submit`` adds what a submission needs.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ledger import limits
from ledger.i18n import tr
from ledger.mapping import normalized
from ledger.money import CENT
from ledger.policy import Policy
from ledger.records import (
    ACTIVITY_KINDS,
    GUEST_ORIGINS,
    MEAL_KINDS,
    PAYMENT_METHODS,
    VENUE_TYPES,
    ImportRow,
    Person,
    Reception,
)
from ledger.text import NAME_SEPARATORS
from ledger.workdays import FIRST_DAY, LAST_DAY

_PERSON_GROUPS = {"guests": tr("接待对象"), "companions": tr("陪餐人员"), "staff": tr("工作保障人员")}
_COUNT_OF = {"guests": "guest_count", "companions": "companion_count"}  # (staff are not counted)


def prepared(item: ImportRow) -> ImportRow:
    """A worksheet row with its reception in its normal form and its field problems as an import
    judges them (``ImportRow.problems``): the part of checking a row that needs no ledger, done
    by the process that reads the workbook when it has the time (reports.template)."""
    if item.reception is None or item.problems is not None:
        return item
    r = normalized(item.reception)
    return replace(item, reception=r, problems=tuple(reception_problems(r, imported=True).items()))


def reception_problems(r: Reception, *, for_submit: bool = False, imported: bool = False) -> dict[str, str]:
    """Field problems (field name → message), for a reception as it will be stored; a meal
    dated outside the reception's days is one when submitting or importing (a draft in the
    form may still be moving its dates)."""
    p: dict[str, str] = {}

    def money_ok(name: str, value: Decimal, label: str) -> None:
        if not value.is_finite():
            p[name] = tr("{label}不是有效金额").format(label=label)
        elif value < 0:
            p[name] = tr("{label}不能为负数").format(label=label)
        elif value > limits.MAX_AMOUNT:
            p[name] = tr("{label}超过 {max} 元，请核对").format(label=label, max=limits.MAX_AMOUNT)
        elif value != value.quantize(CENT):
            p[name] = tr("{label}最多两位小数").format(label=label)

    def count_ok(name: str, value: int, label: str) -> None:
        if value < 0:
            p[name] = tr("{label}不能为负数").format(label=label)
        elif value > limits.MAX_COUNT:
            p[name] = tr("{label}超过 {max}，请核对").format(label=label, max=limits.MAX_COUNT)

    def length_ok(name: str, value: str, maximum: int, label: str) -> None:
        if len(value) > maximum:
            p[name] = tr("{label}最多 {max} 个字（现有 {n} 个）").format(
                label=label, max=maximum, n=len(value)
            )

    # each check is a quick test first: its label and message are made only for a problem
    if not FIRST_DAY <= r.reception_date <= LAST_DAY:
        p["reception_date"] = tr("接待日期须在 1900 年至 9998 年之间")
    if r.end_date and r.end_date < r.reception_date:
        p["end_date"] = tr("结束日期不能早于接待日期")
    for name in ("guest_count", "companion_count"):
        if not 0 <= getattr(r, name) <= limits.MAX_COUNT:
            count_ok(name, getattr(r, name), _COUNT_LABELS[name])
    if r.activity_kind and r.activity_kind not in ACTIVITY_KINDS:
        p["activity_kind"] = tr("未知的活动类型：{v}").format(v=r.activity_kind)
    if r.payment_method and r.payment_method not in PAYMENT_METHODS:
        p["payment_method"] = tr("未知的支付方式：{v}").format(v=r.payment_method)
    if r.guest_origin and r.guest_origin not in GUEST_ORIGINS:
        p["guest_origin"] = tr("来宾类别应为 本地、外地 或 外宾，而不是“{v}”").format(v=r.guest_origin)
    for name in ("lodging_persons", "lodging_nights"):
        if not 0 <= getattr(r, name) <= limits.MAX_COUNT:
            count_ok(name, getattr(r, name), _COUNT_LABELS[name])
    for name, maximum in limits.RECEPTION_TEXT.items():
        if len(getattr(r, name)) > maximum:
            length_ok(name, getattr(r, name), maximum, _TEXT_LABELS[name])
    for group, group_label in _PERSON_GROUPS.items():
        people: tuple[Person, ...] = getattr(r, group)
        if len(people) > limits.MAX_COUNT:
            p[group] = tr("{label}名单过长").format(label=group_label)
            continue
        counted_by = _COUNT_OF.get(group)
        count = getattr(r, counted_by) if counted_by else len(people)
        if len(people) > count and (named := sum(1 for x in people if x.name)) > count:
            # a list longer than its count (the workbook would not import it back)
            p[group] = tr("{label}名单有 {n} 人，多于{label}人数 {count} 人：请核对名单或人数").format(
                label=group_label, n=named, count=count
            )
        for i, person in enumerate(people):
            if NAME_SEPARATORS.search(person.name):
                # one person, read back from the workbook as two
                p[f"{group}[{i}].name"] = tr("{group}第 {n} 人的姓名不能含有、，；等分隔符：每人填一行").format(
                    group=group_label, n=i + 1
                )
            for attr, maximum in limits.PERSON_TEXT.items():
                if len(getattr(person, attr)) > maximum:
                    label = tr("{group}第 {n} 人的{what}").format(
                        group=group_label, n=i + 1, what=_PERSON_LABELS[attr]
                    )
                    length_ok(f"{group}[{i}].{attr}", getattr(person, attr), maximum, label)
    for name in _MONEY_FIELDS:
        if not _money_fine(getattr(r, name)):
            money_ok(name, getattr(r, name), _MONEY_LABELS[name])
    for rule, text in r.explanations.items():
        if len(text) > limits.PROSE:
            length_ok(f"explanations.{rule}", text, limits.PROSE, tr("情况说明"))
    last_day = r.end_date or r.reception_date
    for i, m in enumerate(r.meals):
        if (
            m.kind in MEAL_KINDS
            and (not m.venue_type or m.venue_type in VENUE_TYPES)
            and 0 <= m.diners <= limits.MAX_COUNT
            and _money_fine(m.amount)
            and _money_fine(m.tobacco_alcohol)
            and len(m.venue) <= limits.UNIT
            and len(m.invoice_no) <= limits.INVOICE_NO
            and (not (for_submit or imported) or r.reception_date <= m.date <= last_day)
            and not (for_submit and m.amount > 0 and m.diners <= 0)
        ):
            continue  # the usual meal: nothing to say
        label = tr("第{n}餐").format(n=i + 1)
        if m.kind not in MEAL_KINDS:
            p[f"meals[{i}].kind"] = tr("{label}：未知餐别").format(label=label)
        if m.venue_type and m.venue_type not in VENUE_TYPES:
            p[f"meals[{i}].venue_type"] = tr("{label}：未知场所类型“{v}”").format(label=label, v=m.venue_type)
        count_ok(f"meals[{i}].diners", m.diners, label + tr("就餐人数"))
        money_ok(f"meals[{i}].amount", m.amount, label + tr("餐费"))
        money_ok(f"meals[{i}].tobacco_alcohol", m.tobacco_alcohol, label + tr("烟酒费"))
        length_ok(f"meals[{i}].venue", m.venue, limits.UNIT, label + tr("就餐场所"))
        length_ok(f"meals[{i}].invoice_no", m.invoice_no, limits.INVOICE_NO, label + tr("发票号"))
        if (for_submit or imported) and not r.reception_date <= m.date <= last_day:
            p[f"meals[{i}].date"] = tr("{label}：就餐日期 {d} 不在接待日期（{a}{b}）之内").format(
                label=label,
                d=m.date.isoformat(),
                a=r.reception_date.isoformat(),
                b=tr(" 至 {e}").format(e=last_day.isoformat()) if last_day != r.reception_date else "",
            )
        if for_submit and m.amount > 0 and m.diners <= 0:
            p[f"meals[{i}].diners"] = tr("{label}：请填写就餐人数").format(label=label)
    if for_submit:
        if not r.visiting_unit.strip():
            p["visiting_unit"] = tr("请填写来访单位")
        if not r.activity.strip():
            p["activity"] = tr("请填写公务活动")
        if r.guest_count < 1:
            p["guest_count"] = tr("接待对象至少 1 人")
        if r.classified and not r.classified_reason.strip():
            p["classified_reason"] = tr("涉密接待须写明涉密理由")
    return p


def submission_problems(
    r: Reception, policy: Policy, evidence: frozenset[str] = frozenset()
) -> dict[str, str]:
    """What the policy asks of a reception before it goes to the leader: every guest named
    (when ``require_guest_names``) and the required documents attached (``evidence``: the
    kinds the ledger holds elsewhere, see ``DocumentRule.missing``)."""
    p: dict[str, str] = {}
    named = sum(1 for g in r.guests if g.name.strip())
    if policy.require_guest_names and named < r.guest_count:
        p["guests"] = tr("接待对象 {n} 人，名单只写了 {k} 人的姓名：请补全名单后再提交").format(
            n=r.guest_count, k=named
        )
    missing = policy.documents.missing(r, evidence)
    if missing:
        p["attachments"] = tr("提交前须附上：{kinds}（现缺 {missing}）").format(
            kinds=policy.documents.labels(), missing=policy.documents.labels(missing)
        )
    return p


_TEXT_LABELS = {
    "visiting_unit": tr("来访单位"),
    "activity": tr("公务活动"),
    "letter_no": tr("公函文号"),
    "letter_title": tr("公函标题"),
    "phone_record": tr("电话记录"),
    "gift_description": tr("礼品说明"),
    "classified_reason": tr("涉密理由"),
    "remarks": tr("备注"),
    "clerk_name": tr("经办人"),
}
_PERSON_LABELS = {"name": tr("姓名"), "unit": tr("单位"), "title": tr("职务")}
_COUNT_LABELS = {
    "guest_count": tr("接待对象人数"),
    "companion_count": tr("陪餐人数"),
    "lodging_persons": tr("住宿人数"),
    "lodging_nights": tr("住宿天数"),
}
_MONEY_LABELS = {
    "accommodation": tr("住宿费"),
    "transport": tr("交通费"),
    "other_cost": tr("其他费用"),
    "gift_amount": tr("礼品金额"),
}
_MONEY_FIELDS = tuple(_MONEY_LABELS)


def _money_fine(value: Decimal) -> bool:
    """An amount ``money_ok`` has nothing to say about."""
    return value.is_finite() and 0 <= value <= limits.MAX_AMOUNT and value == value.quantize(CENT)
