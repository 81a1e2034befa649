"""The fixed import template (SPEC §4): reading a workbook into receptions and row errors.

The same column list is what the ledger workbook's 台账 sheet is written in, so an
export can be imported again.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledger.i18n import tr
from ledger.money import ZERO, MoneyError, parse_money
from ledger.policy import RULES
from ledger.records import ACTIVITY_KINDS, VENUE_TYPES, CellError, ImportRow, Meal, Person, Reception

# (header, required) in the order the ledger workbook writes them
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("接待日期", True),
    ("来访单位", True),
    ("公务活动", True),
    ("公函文号", False),
    ("接待对象人数", True),
    ("接待对象名单", False),
    ("陪餐人数", True),
    ("陪餐人员名单", False),
    ("就餐场所", False),
    ("场所类型", False),
    ("餐费", True),
    ("住宿费", False),
    ("交通费", False),
    ("其他费用", False),
    ("烟酒费", False),
    ("礼品", False),
    ("涉密", False),
    ("经办人", False),
    ("审核人", False),
    ("审核日期", False),
    ("备注", False),
    # beyond SPEC §4, so that an exported ledger imports again without losing facts
    ("电话记录", False),
    ("情况说明", False),
)
HEADERS = tuple(name for name, _ in COLUMNS)
REQUIRED = tuple(name for name, required in COLUMNS if required)
NAME_SEPARATORS = re.compile(r"[、;；,，\n]+")


class TemplateError(ValueError):
    """The file as a whole cannot be read (missing, not a workbook, wrong headers)."""


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]
    errors: list[CellError]

    def text(self, column: str) -> str:
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def date(self, column: str, *, required: bool) -> date | None:
        value = self.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors.append(CellError(column, tr("必填，不能为空")))
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        self.errors.append(CellError(column, tr("无法识别的日期“{v}”，请写成 YYYY-MM-DD").format(v=text)))
        return None

    def count(self, column: str, *, minimum: int) -> int:
        value = self.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.errors.append(CellError(column, tr("必填，不能为空")))
            return 0
        try:
            number = Decimal(str(value).strip().removesuffix("人"))
        except Exception:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            self.errors.append(CellError(column, tr("应为整数，而不是“{v}”").format(v=value)))
            return 0
        if number < minimum:
            self.errors.append(
                CellError(column, tr("应不小于 {n}，而不是 {v}").format(n=minimum, v=int(number)))
            )
            return 0
        return int(number)

    def money(self, column: str, *, required: bool = False) -> Decimal:
        value = self.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors.append(CellError(column, tr("必填，不能为空（没有用餐请填 0）")))
            return ZERO
        try:
            return parse_money(value)
        except MoneyError as exc:
            self.errors.append(CellError(column, str(exc)))
            return ZERO


def _names(text: str) -> tuple[Person, ...]:
    return tuple(Person(name.strip()) for name in NAME_SEPARATORS.split(text) if name.strip())


def explanations_text(explanations: dict[str, str]) -> str:
    """情况说明 as one cell: a line per breach, "陪餐人数超标：……"."""
    return "\n".join(f"{RULES.get(rule, rule)}：{text}" for rule, text in explanations.items())


def parse_explanations(text: str) -> tuple[dict[str, str], str]:
    """Read 情况说明 back: labelled lines become explanations of their rule; any other text
    is returned apart (the caller keeps it in the remarks, so nothing is lost)."""
    labels = {label: rule for rule, label in RULES.items()} | {rule: rule for rule in RULES}
    explanations: dict[str, str] = {}
    other: list[str] = []
    for line in text.splitlines():
        label, sep, rest = line.partition("：")
        if not sep:
            label, sep, rest = line.partition(":")
        rule = labels.get(label.strip()) if sep else None
        if rule and rest.strip():
            explanations[rule] = rest.strip()
        elif line.strip():
            other.append(line.strip())
    return explanations, "\n".join(other)


def iter_sheet_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, tuple[Any, ...]]]]:
    """Open a workbook's first sheet: its header row and an iterator of (row number, values)."""
    from openpyxl import load_workbook

    path = Path(path)
    if not path.is_file():
        raise TemplateError(tr("找不到文件：{path}").format(path=path))
    if not zipfile.is_zipfile(path):
        raise TemplateError(tr("不是 Excel 工作簿（.xlsx）：{path}").format(path=path))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TemplateError(tr("无法读取工作簿 {path}：{error}").format(path=path, error=exc)) from None
    sheet = workbook["台账"] if "台账" in workbook.sheetnames else workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    headers = [str(h).strip() if h is not None else "" for h in (header or ())]

    def numbered() -> Iterator[tuple[int, tuple[Any, ...]]]:
        try:
            yield from enumerate(rows, start=2)
        finally:
            workbook.close()

    return headers, numbered()


def read_import(path: Path) -> list[ImportRow]:
    """Every non-empty data row of the template, each either a reception or its cell errors."""
    return list(_import_rows(path))


def _import_rows(path: Path) -> Iterator[ImportRow]:
    headers, rows = iter_sheet_rows(path)
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise TemplateError(tr("工作簿缺少必填列：{cols}（第 1 行应为表头）").format(cols="、".join(missing)))
    index = {h: i for i, h in enumerate(headers) if h in HEADERS}
    for number, values in rows:
        if not any(v is not None and str(v).strip() for v in values):
            continue
        cells = {h: values[i] if i < len(values) else None for h, i in index.items()}
        yield parse_row(number, cells)


_STREAM_BATCH = 200


def _read_into(path: Path, queue: Any) -> None:
    """The reading process: batches of rows, then None; or the error that stopped it."""
    try:
        batch: list[ImportRow] = []
        for row in _import_rows(path):
            batch.append(row)
            if len(batch) == _STREAM_BATCH:
                queue.put(batch)
                batch = []
        queue.put(batch)
        queue.put(None)
    except TemplateError as exc:
        queue.put(exc)
    except Exception as exc:  # a damaged file: reported like any unreadable workbook
        queue.put(TemplateError(tr("无法读取工作簿 {path}：{error}").format(path=path, error=exc)))


def stream_import(path: Path) -> Iterator[ImportRow]:
    """The rows of ``read_import``, read by a separate process while the caller works.

    Reading a workbook is pure-Python XML parsing; checking and storing the rows is the
    other half of an import. On a machine with two cores they overlap. The file is checked
    (exists, is a workbook) at once; header and cell problems arrive as the rows do.
    Falls back to reading in this process where processes cannot be forked.
    """
    import multiprocessing

    path = Path(path)
    if not path.is_file():
        raise TemplateError(tr("找不到文件：{path}").format(path=path))
    if not zipfile.is_zipfile(path):
        raise TemplateError(tr("不是 Excel 工作簿（.xlsx）：{path}").format(path=path))
    if "fork" not in multiprocessing.get_all_start_methods():
        return _import_rows(path)
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=16)
    reader = context.Process(target=_read_into, args=(path, queue), daemon=True)
    reader.start()

    def rows() -> Iterator[ImportRow]:
        import queue as queues

        try:
            while True:
                try:
                    item = queue.get(timeout=1)
                except queues.Empty:
                    if not reader.is_alive():
                        raise TemplateError(tr("读取工作簿 {path} 时出错").format(path=path)) from None
                    continue
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise item
                yield from item
        finally:
            if reader.is_alive():
                reader.terminate()
            reader.join()

    return rows()


def parse_row(number: int, cells: dict[str, Any]) -> ImportRow:
    row = _Row(number, cells, [])
    on = row.date("接待日期", required=True)
    unit = row.text("来访单位")
    if not unit:
        row.errors.append(CellError("来访单位", tr("必填，不能为空")))
    activity = row.text("公务活动")
    if not activity:
        row.errors.append(CellError("公务活动", tr("必填，不能为空")))
    guests = row.count("接待对象人数", minimum=1)
    companions = row.count("陪餐人数", minimum=0)
    meal_amount = row.money("餐费", required=True)
    tobacco = row.money("烟酒费")
    venue_type = row.text("场所类型")
    if venue_type and venue_type not in VENUE_TYPES:
        row.errors.append(
            CellError(
                "场所类型",
                tr("未知的场所类型“{v}”，应为：{all}").format(v=venue_type, all="、".join(VENUE_TYPES)),
            )
        )
    gift_text = row.text("礼品")
    gift_amount = ZERO
    gift_description = ""
    if gift_text:
        try:
            gift_amount = parse_money(cells.get("礼品"))
        except MoneyError:
            gift_description = gift_text  # text describes a gift of unknown amount
            if re.fullmatch(r"[-+]?[\d,.\s]+元?", gift_text):
                row.errors.append(CellError("礼品", tr("礼品金额无效：{v}").format(v=gift_text)))
    classified_text = row.text("涉密")
    if classified_text not in ("", "是", "否", "Y", "N", "y", "n", "1", "0"):
        row.errors.append(CellError("涉密", tr("应填“是”或“否”，而不是“{v}”").format(v=classified_text)))
    classified = classified_text in ("是", "Y", "y", "1")
    reviewer = row.text("审核人")
    reviewed_on = row.date("审核日期", required=False)
    accommodation = row.money("住宿费")
    transport = row.money("交通费")
    other = row.money("其他费用")
    if row.errors or on is None:
        return ImportRow(number, None, tuple(row.errors), reviewer, reviewed_on)
    meals: tuple[Meal, ...] = ()
    if meal_amount > 0 or tobacco > 0:
        meals = (
            Meal(
                date=on,
                kind="lunch",
                venue=row.text("就餐场所"),
                venue_type=venue_type or "其他",
                diners=guests + companions,
                amount=meal_amount,
                tobacco_alcohol=tobacco,
            ),
        )
    letter = row.text("公函文号")
    explanations, unlabelled = parse_explanations(row.text("情况说明"))
    remarks = "\n".join(t for t in (row.text("备注"), unlabelled) if t)
    reception = Reception(
        reception_date=on,
        visiting_unit=unit,
        activity=activity,
        activity_kind=activity if activity in ACTIVITY_KINDS else "其他",
        letter_no=letter,
        guest_count=guests,
        guests=_names(row.text("接待对象名单")),
        companion_count=companions,
        companions=_names(row.text("陪餐人员名单")),
        meals=meals,
        accommodation=accommodation,
        transport=transport,
        other_cost=other,
        gift_amount=gift_amount,
        gift_description=gift_description,
        classified=classified,
        classified_reason=tr("导入时标记为涉密") if classified else "",
        clerk_name=row.text("经办人"),
        remarks=remarks,
        phone_record=row.text("电话记录"),
        explanations=explanations,
    )
    return ImportRow(number, reception, (), reviewer, reviewed_on)
