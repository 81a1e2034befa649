"""Policy files: the TOML form of a policy version, read with the key and line of any mistake,
and written back (``policy export``) in the same form.

A file holds one version under ``[policy]``; see resources/default_policy.toml and the
examples in resources/policies/. Amounts are yuan, as text ("50.00") or numbers.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ledger.i18n import tr
from ledger.policy import Policy, WarningParams, document_kind
from ledger.records import ATTACHMENT_KINDS, MEAL_KINDS


class PolicyFileError(ValueError):
    """A policy file that cannot be used; ``str()`` names the key and line."""


_MONEY, _INT, _BOOL, _TEXT, _TEXTS, _DATE, _CAPS = "money", "int", "bool", "text", "texts", "date", "caps"
SCHEMA: dict[str, dict[str, str]] = {
    "policy": {
        "effective_from": _DATE,
        "name": _TEXT,
        "companion_base_cap": _INT,
        "companion_threshold": _INT,
        "companion_ratio_num": _INT,
        "companion_ratio_den": _INT,
        "max_work_meals": _INT,
        "require_letter": _BOOL,
        "check_luxury_venue": _BOOL,
        "luxury_venue_types": _TEXTS,
        "check_gift": _BOOL,
        "check_tobacco_alcohol": _BOOL,
        "local_units": _TEXTS,
        "check_pre_approval": _BOOL,
        "require_guest_names": _BOOL,
        "meal_caps": _CAPS,
        "meal_caps_local": _CAPS,
        "lodging": "table",
        "foreign": "table",
        "documents": "table",
        "warnings": "table",
    },
    "policy.lodging": {"check": _BOOL, "cap_per_person_night": _MONEY},
    "policy.foreign": {"max_banquets": _INT, "meal_caps": _CAPS},
    "policy.documents": {"required": _TEXTS},
    "policy.warnings": {
        name: (_BOOL if spec.type == "bool" else _INT) for name, spec in WarningParams.__dataclass_fields__.items()
    },
}


def _line_of(text: str, table: str, key: str) -> int | None:
    """The line (1-based) where ``key`` is set inside ``[table]`` (or the table's own header)."""
    current = ""
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    for number, line in enumerate(text.splitlines(), start=1):
        m = header.match(line)
        if m:
            current = m.group(1).replace(" ", "")
            if current == f"{table}.{key}":
                return number
            continue
        if current == table and re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _fail(text: str, table: str, key: str, message: str) -> PolicyFileError:
    line = _line_of(text, table, key)
    where = tr("第 {n} 行").format(n=line) if line else tr("行号不详")
    return PolicyFileError(
        tr("{key}（{where}）：{message}").format(key=f"{table}.{key}", where=where, message=message)
    )


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError
    amount = Decimal(str(value).strip())
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError
    return abs(amount.quantize(Decimal("0.01")))  # "-0.00" is 0.00


def _check(text: str, table: str, data: dict[str, Any]) -> dict[str, Any]:
    schema = SCHEMA[table]
    out: dict[str, Any] = {}
    for key, value in data.items():
        kind = schema.get(key)
        if kind is None:
            raise _fail(text, table, key, tr("未知的参数（可用：{keys}）").format(keys="、".join(schema)))
        try:
            if kind == "table":
                if not isinstance(value, dict):
                    raise ValueError
                out[key] = _check(text, f"{table}.{key}", value)
            elif kind == _CAPS:
                if not isinstance(value, dict):
                    raise ValueError
                caps = {}
                for meal, cap in value.items():
                    if meal not in MEAL_KINDS:
                        raise _fail(
                            text, f"{table}.{key}", meal, tr("未知的餐别（可用：breakfast、lunch、dinner）")
                        )
                    try:
                        caps[meal] = _money(cap)
                    except (ValueError, InvalidOperation):
                        raise _fail(
                            text,
                            f"{table}.{key}",
                            meal,
                            tr("应为不小于0、最多两位小数的金额，而不是 {v!r}").format(v=cap),
                        ) from None
                out[key] = caps
            elif kind == _MONEY:
                out[key] = _money(value)
            elif kind == _INT:
                if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 100_000:
                    raise ValueError
                out[key] = value
            elif kind == _BOOL:
                if not isinstance(value, bool):
                    raise ValueError
                out[key] = value
            elif kind == _TEXT:
                if not isinstance(value, str):
                    raise ValueError
                out[key] = value
            elif kind == _TEXTS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ValueError
                out[key] = [v.strip() for v in value]
                if table == "policy.documents":
                    out[key] = [document_kind(v) for v in value]
            elif kind == _DATE:
                if isinstance(value, str):
                    value = date.fromisoformat(value.strip())
                if not isinstance(value, date) or hasattr(value, "hour"):
                    raise ValueError
                out[key] = value
        except PolicyFileError:
            raise
        except (ValueError, InvalidOperation) as exc:
            raise _fail(text, table, key, _expected(kind, value, exc)) from None
    return out


def _expected(kind: str, value: Any, exc: Exception) -> str:
    if str(exc) and "单据" in str(exc):
        return str(exc)
    wanted = {
        _MONEY: tr("不小于0、最多两位小数的金额"),
        _INT: tr("不小于0的整数"),
        _BOOL: tr("true 或 false"),
        _TEXT: tr("文字（加引号）"),
        _TEXTS: tr('文字列表，如 ["甲", "乙"]'),
        _DATE: tr("日期，如 2026-01-01"),
        _CAPS: tr("一张表，如 [policy.meal_caps]"),
        "table": tr("一张表"),
    }[kind]
    return tr("应为{wanted}，而不是 {v!r}").format(wanted=wanted, v=value)


def parse_policy(text: str) -> Policy:
    """A policy version from the text of a policy file, or PolicyFileError naming key and line."""
    try:
        data = tomllib.loads(text)
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise PolicyFileError(tr("不是有效的标准文件：数组或内联表嵌套过深")) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", message)
        where = tr("第 {n} 行第 {c} 列").format(n=m.group(1), c=m.group(2)) if m else tr("位置不详")
        raise PolicyFileError(
            tr("不是有效的 TOML（{where}）：{message}").format(where=where, message=message.split(" (at")[0])
        ) from None
    extra = [k for k in data if k != "policy"]
    if extra:
        raise PolicyFileError(tr("未知的表 [{key}]：标准文件只有 [policy] 及其子表").format(key=extra[0]))
    if not isinstance(data.get("policy"), dict):
        raise PolicyFileError(tr("缺少 [policy] 表"))
    values = _check(text, "policy", data["policy"])
    if "effective_from" not in values:
        raise PolicyFileError(tr("policy.effective_from：缺少生效日期（如 effective_from = 2026-01-01）"))
    try:
        policy = Policy.from_dict(values, validate=False)
    except (ValueError, TypeError) as exc:
        raise PolicyFileError(str(exc)) from None
    problems = policy.problems()
    if problems:
        key, message = problems[0]
        table, _, name = f"policy.{key}".rpartition(".")
        raise _fail(text, table, name, message)
    return policy


def load_policy_file(path: Path) -> Policy:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyFileError(tr("无法读取标准文件 {p}：{e}").format(p=path, e=exc.strerror or exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicyFileError(tr("标准文件 {p} 不是 UTF-8 文本").format(p=path)) from None
    try:
        return parse_policy(text)
    except RecursionError:  # a value nested too deeply for anything after the parser
        raise PolicyFileError(tr("标准文件 {p}：数组或内联表嵌套过深").format(p=path)) from None
    except PolicyFileError as exc:
        if "嵌套过深" in str(exc):
            raise PolicyFileError(tr("标准文件 {p}：数组或内联表嵌套过深").format(p=path)) from None
        raise


# -- writing -------------------------------------------------------------------------------
def _escape(c: str) -> str:
    code = ord(c)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _toml_text(value: str) -> str:
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if c.isprintable() else _escape(c) for c in out)
    return f'"{out}"'


def _caps_lines(caps: dict[str, Decimal]) -> list[str]:
    return [f'{k} = "{caps[k]:.2f}"' for k in MEAL_KINDS if k in caps]


def policy_toml(policy: Policy, *, source: str = "") -> str:
    """The policy as a policy file (what ``policy export`` writes; ``parse_policy`` reads it back)."""
    p = policy
    texts = lambda values: "[" + ", ".join(_toml_text(v) for v in values) + "]"  # noqa: E731
    local = {k: p.local_meal_cap(k) for k in MEAL_KINDS}
    lines = [
        "# 公务接待标准（一个版本）。" + (source or "由 公务接待台账 导出。"),
        "# 金额单位：元。meal_caps 为外地来宾的每人每餐标准，meal_caps_local 为本地来宾的标准。",
        "[policy]",
        f"effective_from = {p.effective_from.isoformat()}",
        f"name = {_toml_text(p.name)}",
        "# 陪餐：接待对象不超过 companion_threshold 人时至多 companion_base_cap 人，否则不超过",
        "# 接待对象人数 × companion_ratio_num ÷ companion_ratio_den（向下取整）",
        f"companion_base_cap = {p.companion_base_cap}",
        f"companion_threshold = {p.companion_threshold}",
        f"companion_ratio_num = {p.companion_ratio_num}",
        f"companion_ratio_den = {p.companion_ratio_den}",
        "# 一次接待可安排的工作餐次数",
        f"max_work_meals = {p.max_work_meals}",
        f"require_letter = {str(p.require_letter).lower()}",
        f"check_luxury_venue = {str(p.check_luxury_venue).lower()}",
        f"luxury_venue_types = {texts(p.luxury_venue_types)}",
        f"check_gift = {str(p.check_gift).lower()}",
        f"check_tobacco_alcohol = {str(p.check_tobacco_alcohol).lower()}",
        "# 来访单位名称含其中任一词语的，按本地来宾的标准（接待记录可另行指定来宾类别）",
        f"local_units = {texts(p.local_units)}",
        "# 提交前须列明每一位接待对象的姓名",
        f"require_guest_names = {str(p.require_guest_names).lower()}",
        "# 事前审批（pre_approval_missing）：须附“审批单”类附件",
        f"check_pre_approval = {str(p.check_pre_approval).lower()}",
        "",
        "[policy.meal_caps]  # 外地来宾，元/人·餐",
        *_caps_lines(p.meal_caps),
        "",
        "[policy.meal_caps_local]  # 本地来宾，元/人·餐",
        *_caps_lines(local),
        "",
        "[policy.lodging]  # lodging_over_cap：住宿费 > 标准 × 住宿人数 × 住宿天数",
        f"check = {str(p.lodging.check).lower()}",
        f'cap_per_person_night = "{p.lodging.cap_per_person_night:.2f}"',
        "",
        "[policy.foreign]  # 外宾接待：只按本节标准，不适用国内标准",
        f"max_banquets = {p.foreign.max_banquets}",
        "",
        "[policy.foreign.meal_caps]  # 元/人·餐",
        *_caps_lines(p.foreign.meal_caps),
        "",
        "[policy.documents]  # 提交审核前须附的单据（" + "、".join(ATTACHMENT_KINDS.values()) + "）",
        f"required = {texts([ATTACHMENT_KINDS[k] for k in p.documents.required])}",
        "",
        "[policy.warnings]  # 疑点：不阻止提交，供领导和首页查看；true 为检查，天数/次数为界限",
        *(
            f"{name} = {str(value).lower() if isinstance(value, bool) else value}"
            for name, value in p.warnings.to_dict().items()
        ),
        "",
    ]
    return "\n".join(lines)


def describe(policy: Policy) -> str:
    """A version in a few lines of Chinese, for ``policy show``."""
    p = policy
    caps = " / ".join(f"{p.meal_cap(k):.2f}" for k in MEAL_KINDS)
    local = " / ".join(f"{p.local_meal_cap(k):.2f}" for k in MEAL_KINDS)
    foreign = " / ".join(f"{p.foreign.meal_cap(k):.2f}" for k in MEAL_KINDS)
    return "\n".join(
        [
            tr("生效日期：{d}　{name}").format(d=p.effective_from.isoformat(), name=p.name),
            tr("陪餐：{t} 人以内至多 {b} 人，超过时不超过 {n}/{d}").format(
                t=p.companion_threshold,
                b=p.companion_base_cap,
                n=p.companion_ratio_num,
                d=p.companion_ratio_den,
            ),
            tr("餐费标准（早/午/晚，元/人）：外地 {caps}；本地 {local}").format(caps=caps, local=local),
            tr("本地单位：{u}").format(
                u="、".join(p.local_units) or tr("（未设置，未注明类别的来宾按外地）")
            ),
            tr("工作餐次数：{n}").format(n=p.max_work_meals),
            tr("住宿标准：{s}").format(
                s=tr("{c} 元/人·晚").format(c=f"{p.lodging.cap_per_person_night:.2f}")
                if p.lodging.check
                else tr("不检查")
            ),
            tr("外宾：餐费 {f}，宴请至多 {n} 次").format(f=foreign, n=p.foreign.max_banquets),
            tr("须附单据：{d}").format(d=p.documents.labels() or tr("无")),
            tr("名单须完整：{v}；事前审批：{a}").format(
                v=tr("是") if p.require_guest_names else tr("否"),
                a=tr("检查") if p.check_pre_approval else tr("不检查"),
            ),
            tr("公函：{l}；高档场所：{v}；礼品：{g}；烟酒：{t}").format(
                l=tr("必须") if p.require_letter else tr("不检查"),
                v=("、".join(p.luxury_venue_types) or tr("无")) if p.check_luxury_venue else tr("不检查"),
                g=tr("检查") if p.check_gift else tr("不检查"),
                t=tr("检查") if p.check_tobacco_alcohol else tr("不检查"),
            ),
        ]
    )
