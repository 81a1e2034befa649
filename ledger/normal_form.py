"""The one normal form of a reception on its way in, and where its field problems show.

``normalized`` is the reception exactly as the service stores it (text through
ledger.text); ``column_of`` names the import template's column for a field problem of
ledger.validation. The service's import and ``check`` both use them, so they agree.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ledger import limits
from ledger.records import Meal, Person, Reception
from ledger.text import clean_line, clean_prose


def normalized(r: Reception) -> Reception:
    """The reception exactly as it will be stored and read back: text in its normal form
    (ledger.text), no empty name rows, no blank explanations (amounts are compared as
    values, so need nothing)."""

    def people(group: tuple[Person, ...]) -> tuple[Person, ...]:
        cleaned = tuple(Person(clean_line(p.name), clean_line(p.unit), clean_line(p.title)) for p in group)
        if cleaned == group:
            return group  # the usual case: nothing to clean or drop
        return tuple(p for p in cleaned if p.name or p.unit or p.title)

    def meal(m: Meal) -> Meal:
        venue, invoice = clean_line(m.venue), clean_line(m.invoice_no)
        if venue == m.venue and invoice == m.invoice_no:
            return m
        return replace(m, venue=venue, invoice_no=invoice)

    changes: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = getattr(r, name)
        cleaned = clean_line(value) if name in _LINE_FIELDS else clean_prose(value)
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
_LINE_FIELDS = frozenset({"visiting_unit", "letter_no", "clerk_name"})
_TEXT_FIELDS = tuple(limits.RECEPTION_TEXT)


_FIELD_COLUMNS = {
    "reception_date": "接待日期",
    "visiting_unit": "来访单位",
    "activity": "公务活动",
    "letter_no": "公函文号",
    "guest_count": "接待对象人数",
    "guests": "接待对象名单",
    "companion_count": "陪餐人数",
    "companions": "陪餐人员名单",
    "accommodation": "住宿费",
    "transport": "交通费",
    "other_cost": "其他费用",
    "gift_amount": "礼品",
    "gift_description": "礼品",
    "clerk_name": "经办人",
    "remarks": "备注",
    "phone_record": "电话记录",
    "explanations": "情况说明",
}
_MEAL_FIELD_COLUMNS = {
    "venue_type": "场所类型",
    "tobacco": "烟酒费",
    "venue": "就餐场所",
    "diners": "接待对象人数",
}


def column_of(field_name: str) -> str:
    """The import template's column for a field problem ("meals[0].venue" → 就餐场所)."""
    if field_name.startswith("meals["):
        attr = field_name.rpartition(".")[2]
        return next((column for key, column in _MEAL_FIELD_COLUMNS.items() if attr.startswith(key)), "餐费")
    base = field_name.split("[", 1)[0].split(".", 1)[0]
    return _FIELD_COLUMNS.get(base, field_name)
