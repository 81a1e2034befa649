"""Two desks changing the same settings: each write carries only what its user changed, onto
the record as stored at the moment of the write. A field both desks changed, to different
values, is the one thing nobody may decide silently: it is refused at that field.

Pure functions over frozen dataclasses (``Bureau``, ``Policy``); the rooms that write use them
inside their write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from ledger.i18n import tr

# the policy's fields as the settings name them (a refusal names the ones both desks changed)
POLICY_LABELS: dict[str, str] = {
    "name": tr("名称"),
    "companion_base_cap": tr("陪餐基本上限"),
    "companion_threshold": tr("接待对象分档线"),
    "companion_ratio_num": tr("陪餐比例"),
    "companion_ratio_den": tr("陪餐比例"),
    "meal_caps": tr("餐费标准"),
    "max_work_meals": tr("工作餐次数上限"),
    "require_letter": tr("须有公函或电话记录"),
    "luxury_venue_types": tr("视为高档的场所类型"),
    "check_luxury_venue": tr("检查高档场所"),
    "check_gift": tr("检查礼品"),
    "check_tobacco_alcohol": tr("检查烟酒"),
    "meal_caps_local": tr("本地来宾餐费标准"),
    "local_units": tr("本地单位"),
    "lodging": tr("住宿"),
    "foreign": tr("外宾"),
    "documents": tr("提交前须附单据"),
    "check_pre_approval": tr("检查事前审批"),
    "require_guest_names": tr("接待对象名单须完整"),
    "warnings": tr("疑点参数"),
}


def clashes(base: Any, current: Any, wanted: Any, fields: Iterable[str]) -> list[str]:
    """The ``fields`` this desk changes (``wanted`` against ``base``, what it read) that another
    desk changed too (``current``, as stored, against ``base``) to something else."""
    out = []
    for field in fields:
        mine, theirs, was = getattr(wanted, field), getattr(current, field), getattr(base, field)
        if mine != was and theirs != was and theirs != mine:
            out.append(field)
    return out


def shown(value: object) -> str:
    """A stored detail as a message quotes it."""
    if isinstance(value, tuple) and all(isinstance(v, date) for v in value):
        return "、".join(v.isoformat() for v in value) or tr("（无）")
    if isinstance(value, str):
        return value or tr("（空）")
    return str(value)


def changed_at_field(now: object, was: object) -> str:
    """The message beneath a field another desk changed meanwhile."""
    return tr("另一处已改为“{now}”（您打开时为“{was}”），未保存：请核对，再次保存将以此处填写的为准").format(
        now=shown(now), was=shown(was)
    )
