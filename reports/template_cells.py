"""A template row's cells judged one by one: text in the ledger's normal form, dates, whole
numbers and amounts, each with the message of its column when it is wrong (reports.template
builds receptions from them).

A ledger repeats most of its cells (units, venues, dates, amounts) and the verdict on a cell
depends on nothing but its column, its type and what it holds, so the verdicts are remembered
(``_JUDGED``), by the text itself or by the repr of any other value.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger import limits
from ledger.i18n import tr
from ledger.money import ZERO, MoneyError, parse_money
from ledger.records import MEAL_KINDS, CellError
from ledger.text import clean_line, clean_prose
from reports.workdays import FIRST_DAY, LAST_DAY
from reports.xlsx_reader import MAX_CELL_CHARS, Unreadable

# text columns: how a cell is cleaned (ledger.text, as the service stores it) and its length limit
_LINE, _PROSE = clean_line, clean_prose
TEXT_COLUMNS: dict[str, tuple[Any, int]] = {
    "来访单位": (_LINE, limits.UNIT),
    "公务活动": (_PROSE, limits.ACTIVITY),
    "公函文号": (_LINE, limits.LETTER_NO),
    "接待对象名单": (_PROSE, MAX_CELL_CHARS),
    "陪餐人员名单": (_PROSE, MAX_CELL_CHARS),
    "就餐场所": (_LINE, limits.UNIT),
    "场所类型": (_LINE, limits.UNIT),
    "礼品": (_PROSE, limits.PROSE),
    "涉密": (_LINE, limits.UNIT),
    "经办人": (_LINE, limits.PERSON_NAME),
    "审核人": (_LINE, limits.PERSON_NAME),
    "备注": (_PROSE, limits.PROSE),
    "电话记录": (_PROSE, limits.PROSE),
    "情况说明": (_PROSE, MAX_CELL_CHARS),
    "编号": (_LINE, 32),
    "餐别": (_LINE, limits.UNIT),
    "来宾类别": (_LINE, limits.UNIT),
    "支付方式": (_LINE, limits.UNIT),
    "发票号": (_LINE, limits.INVOICE_NO),
}


@dataclass
class Row:
    number: int
    cells: dict[str, Any]
    errors: list[CellError]

    def __post_init__(self) -> None:
        # a cell the reader could not convert is that column's one error; the column reads as empty
        self.unreadable: list[CellError] = []
        if Unreadable not in map(type, self.cells.values()):  # (the usual row: asked at C speed)
            return
        for column, value in self.cells.items():
            if isinstance(value, Unreadable):
                self.unreadable.append(CellError(column, value.message))
                self.cells[column] = None

    def has_error(self, column: str) -> bool:
        return any(e.column == column for e in self.errors)

    def all_errors(self) -> tuple[CellError, ...]:
        bad = {e.column for e in self.unreadable}
        return (*self.unreadable, *(e for e in self.errors if e.column not in bad))

    def raw(self, column: str) -> str:
        return _raw(self.cells.get(column))

    def _judged(self, kind: str, column: str, value: Any, judge: Any, *args: Any) -> Any:
        """``judge(column, value, *args)`` → (result, problem or None), remembered by the cell:
        a ledger repeats most cells (units, venues, dates, amounts), and the verdict on a cell
        depends on nothing else (the module's text). The problem, if any, is this row's error at
        that column."""
        # text by itself; anything else by its repr, which tells apart what compares equal but
        # reads differently: -0.0 and 0.0, the same instant at two UTC offsets
        key = (kind, column, type(value), value if type(value) is str else repr(value), *args)
        known = _JUDGED.get(key)
        if known is None:
            known = judge(column, value, *args)
            if type(value) is not str or len(value) <= _JUDGED_CHARS:
                if len(_JUDGED) >= _JUDGED_CELLS:
                    _JUDGED.clear()
                _JUDGED[key] = known
        result, problem = known
        if problem is not None:
            self.errors.append(CellError(column, problem))
        return result

    def text(self, column: str) -> str:
        """The cell as text in the ledger's normal form, within its column's length."""
        value = self.cells.get(column)
        if value is None:
            return ""
        if type(value) is str:  # the usual cell, looked up by itself (as _judged would, for less)
            known = _TEXTS.get((column, value))
            if known is not None:
                if known[1] is not None:
                    self.errors.append(CellError(column, known[1]))
                return known[0]
            known = _text(column, value)
            if len(value) <= _JUDGED_CHARS:
                if len(_TEXTS) >= _JUDGED_CELLS:
                    _TEXTS.clear()
                _TEXTS[column, value] = known
            if known[1] is not None:
                self.errors.append(CellError(column, known[1]))
            return known[0]
        return self._judged("text", column, value, _text)

    def date(self, column: str, *, required: bool) -> date | None:
        value = self.cells.get(column)
        if not filled(value):
            if required:
                self.errors.append(CellError(column, tr("必填，不能为空")))
            return None
        return self._judged("date", column, value, _date)

    def count(self, column: str, *, minimum: int) -> int:
        value = self.cells.get(column)
        if not filled(value):
            self.errors.append(CellError(column, tr("必填，不能为空")))
            return 0
        return self._judged("count", column, value, _count, minimum)

    def optional_count(self, column: str) -> int:
        """An optional integer ≥ 0: empty is 0."""
        value = self.cells.get(column)
        if not filled(value):
            return 0
        return self.count(column, minimum=0)

    def choice(self, column: str, choices: dict[str, str], default: str) -> str:
        """One of a fixed list (label → stored value); empty is ``default``."""
        text = self.text(column)
        if not text:
            return default
        if text not in choices:
            labels = [label for label in choices if label not in MEAL_KINDS]
            self.errors.append(
                CellError(column, tr("应为 {all} 之一，而不是“{v}”").format(all="、".join(labels), v=text[:40]))
            )
            return default
        return choices[text]

    def money(self, column: str, *, required: bool = False) -> Decimal:
        value = self.cells.get(column)
        if not filled(value):
            if required:
                self.errors.append(CellError(column, tr("必填，不能为空（没有用餐请填 0）")))
            return ZERO
        return self._judged("money", column, value, _money)


def filled(value: Any) -> bool:
    """A cell that holds something: not empty, not only spaces."""
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


_JUDGED: dict[tuple[Any, ...], tuple[Any, str | None]] = {}
_TEXTS: dict[tuple[str, str], tuple[str, str | None]] = {}  # Row.text's verdicts on text cells
_JUDGED_CELLS = 1 << 16  # verdicts remembered before the memory starts again
_JUDGED_CHARS = 100  # longer texts seldom repeat


def _raw(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _text(column: str, value: Any) -> tuple[str, str | None]:
    clean, maximum = TEXT_COLUMNS.get(column, (clean_prose, MAX_CELL_CHARS))
    text = clean(_raw(value))
    if len(text) > maximum:
        return "", tr("最多 {max} 个字（现有 {n} 个）").format(max=maximum, n=len(text))
    return text, None


def _date(column: str, value: Any) -> tuple[date | None, str | None]:
    day: date | None = None
    text = ""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif not isinstance(value, bool):
        text = clean_line(value)[:40]
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                day = datetime.strptime(text, pattern).date()
                break
            except ValueError:
                continue
    if day is None:
        unknown = tr("无法识别的日期“{v}”，请写成 YYYY-MM-DD").format(v=_raw(value)[:40])
        return None, no_such_day(text) or unknown
    if not FIRST_DAY <= day <= LAST_DAY:
        return None, tr("日期应在 {a} 至 {b} 之间，而不是 {v}").format(
            a=FIRST_DAY.isoformat(), b=LAST_DAY.isoformat(), v=day.isoformat()
        )
    return day, None


# the shapes _date reads (its strptime patterns), each with its own separators throughout
_DAY_SHAPE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日")


def no_such_day(text: str) -> str | None:
    """Why ``text``, written as a date the template reads (2025-02-30, 2025年2月30日), is no day:
    its month has fewer days, or its year is outside the dates a reception may have (None when
    it is not so written). Telling the clerk to write YYYY-MM-DD would send them looking for a
    mistake in what they already wrote so; telling them the month's days when no day of that
    year is taken would send them to mend the day in vain."""
    m = _DAY_SHAPE.fullmatch(text)
    if m is None:
        return None
    year, month, day = (int(g) for g in m.groups() if g is not None and g.isdigit())  # (not the separator)
    if not 1 <= month <= 12 or day < 1:
        return None
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        return tr("日期应在 {a} 至 {b} 之间，而不是 {v}").format(a=FIRST_DAY.isoformat(), b=LAST_DAY.isoformat(), v=text)
    days = calendar.monthrange(year, month)[1]
    if day <= days:
        return None
    return tr("日期“{v}”不存在：{y} 年 {m} 月只有 {n} 天").format(v=text, y=year, m=month, n=days)


def _count(column: str, value: Any, minimum: int) -> tuple[int, str | None]:
    shown = _raw(value)[:40]
    number = None
    if isinstance(value, float) and math.isfinite(value):
        number = Decimal(format(value, ".15g"))  # as the cell shows it: =0.1*70 is 7, not 7.000000000000001
    elif not isinstance(value, bool):
        try:
            number = Decimal(clean_line(value).removesuffix("人")[:40])
        except ArithmeticError:
            number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        return 0, tr("应为整数，而不是“{v}”").format(v=shown)
    if number < minimum:
        return 0, tr("应不小于 {n}，而不是 {v}").format(n=minimum, v=shown)
    if number > limits.MAX_COUNT:
        return 0, tr("超过 {max}，请核对（{v}）").format(max=limits.MAX_COUNT, v=shown)
    return int(number), None


def _money(column: str, value: Any) -> tuple[Decimal, str | None]:
    try:
        return parse_money(clean_line(value) if isinstance(value, str) else value), None
    except MoneyError as exc:
        return ZERO, str(exc)[:200]


