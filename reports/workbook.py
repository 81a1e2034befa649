"""The ledger workbook (台账.xlsx) of one year (SPEC §6).

Sheets:

- **台账**: one row per approved reception of the year, in the import-template columns
  (reports.template.COLUMNS), so that exporting, importing the file with ``import
  --historical`` into an empty ledger and exporting again gives the same sheet. A row
  carries: 餐费 / 烟酒费 / 就餐场所 / 场所类型 / 餐别 / 发票号 / 就餐日期 / 就餐人数 of the
  first meal, a further row per further meal (the reception's 接待日期 and 编号 and that
  meal's columns only, which the import joins back), 礼品 = the gift's amount when
  there is one, else its description, 涉密 是/否, 经办人, 审核人 (the approver's name) and
  审核日期 (the approval date); after the template's columns, 超标金额 (the breaches'
  over-standard amount, borne by the persons), 可报销金额 (the total less it), 凭证号 and
  报销日期 (the reimbursement recorded after approval) — extra columns the import ignores.
  Drafts, submitted, returned and void receptions are not in the ledger yet (or never will
  be) and are left out, like in every total of the program.
- **月度对比**: this year against last year month by month; this year's amounts are live
  SUMIFS formulas over the 台账 sheet, the totals and the changes are formulas too.
- **违规情况**: every breach of those receptions with its explanation; 限额 and 实际 are
  numbers where the rule counts (people, meals, yuan), text where it does not (须有公函…).
- **年度目标**: the year's reduction target (ledger.targets), target and headroom as formulas.
- **作废记录**: the year's void receptions (编号, date, unit, reason, who, when), so every gap
  in the 台账 sheet's numbering is explained.
- **年度公开**: the yearly disclosure (ledger.disclosure): the figures in 万元 and the paragraph
  to publish, with its place for the reason of the change.
- **审批与实际**, **公函登记**: the plans of the year against their receptions, and the letter
  register (reports.workbook_plans).

Written with openpyxl in write-only mode, one cheap row at a time. Every text is written
as an explicit string cell (``_Styles.text``): openpyxl would otherwise turn a text that
starts with "=" into a live formula and "#N/A" into an error value, so a visiting unit typed
as ``=HYPERLINK(...)`` stays that text. Formulas are only the ones this module writes
(``_Styles.formula``). Characters an xlsx file cannot hold (control characters other than
tab, newline and carriage return) are left out instead of aborting the export.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ledger.i18n import tr
from ledger.money import ZERO
from ledger.policy import RULES
from ledger.records import LedgerQuery, Reception, Status
from reports.output import write_atomic
from reports.template import HEADERS, explanations_text

SHEET_LEDGER = "台账"
SHEET_MONTHLY = "月度对比"
SHEET_BREACHES = "违规情况"
SHEET_TARGET = "年度目标"
SHEET_DISCLOSURE = "年度公开"
SHEET_VOID = "作废记录"

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"

MONEY_COLUMNS = ("餐费", "住宿费", "交通费", "其他费用", "烟酒费", "礼品")
# written after the template's columns (the import reads the template's and ignores these)
EXTRA_LEDGER_COLUMNS = ("超标金额", "可报销金额", "凭证号", "报销日期")
WIDTHS: dict[str, float] = {
    "接待日期": 12,
    "来访单位": 26,
    "公务活动": 30,
    "公函文号": 22,
    "接待对象人数": 8,
    "接待对象名单": 36,
    "陪餐人数": 6,
    "陪餐人员名单": 24,
    "就餐场所": 20,
    "场所类型": 12,
    "涉密": 6,
    "经办人": 10,
    "审核人": 10,
    "审核日期": 12,
    "备注": 24,
    "编号": 14,
    "餐别": 6,
    "来宾类别": 8,
    "住宿人数": 8,
    "住宿天数": 8,
    "支付方式": 8,
    "发票号": 16,
    "电话记录": 24,
    "情况说明": 36,
    "凭证号": 16,
    "报销日期": 12,
}


@dataclass(frozen=True)
class ExportSummary:
    year: int
    receptions: int
    total: Decimal
    breaches: int  # the rows of 违规情况: one per breach
    with_breaches: int = 0  # the receptions with at least one


def _col(header: str) -> str:
    return get_column_letter(HEADERS.index(header) + 1)


class _Styles:
    """One style array per kind of cell, shared by every cell of that kind (cheap rows)."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.money = self._make(number_format=MONEY_FORMAT)
        self.percent = self._make(number_format=PERCENT_FORMAT)
        self.date = self._make(number_format=DATE_FORMAT)
        self.header = self._make(
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="E6E6E6"),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        )
        self.bold = self._make(font=Font(bold=True))
        self.bold_money = self._make(font=Font(bold=True), number_format=MONEY_FORMAT)
        self.bold_percent = self._make(font=Font(bold=True), number_format=PERCENT_FORMAT)
        self.wrap = self._make(alignment=Alignment(wrap_text=True, vertical="top"))

    def _make(self, **attrs: Any) -> Any:
        template = WriteOnlyCell(self.sheet)
        for name, value in attrs.items():
            setattr(template, name, value)
        return template._style

    def cell(self, value: Any, style: Any) -> WriteOnlyCell:
        """A styled cell; a text is always a string cell (see ``text``)."""
        if isinstance(value, str):
            return self.text(value, style)
        c = WriteOnlyCell(self.sheet, value)
        c._style = style
        return c

    def text(self, value: str, style: Any = None) -> WriteOnlyCell:
        """``value`` as a string cell whatever it starts with ("=", "+", "-", "@", "#")."""
        c = WriteOnlyCell(self.sheet)
        c._value = escaped(xlsx_text(value))
        c.data_type = "s"
        if style is not None:
            c._style = style
        return c

    def formula(self, formula: str, style: Any) -> WriteOnlyCell:
        """A live formula written by this module (never user text)."""
        c = WriteOnlyCell(self.sheet)
        c._value = formula
        c.data_type = "f"
        c._style = style
        return c

    def append(self, values: list[Any]) -> None:
        """Append a row to the sheet, every plain text in it as a string cell: the only way
        rows are written here, so no text reaches openpyxl's guessing of types."""
        text = self.text
        self.sheet.append([text(v) if isinstance(v, str) else v for v in values])


# what XML 1.0 cannot hold: control characters but tab, LF, CR; U+FFFE, U+FFFF; lone surrogates
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
MAX_CELL_TEXT = 32767  # Excel's limit for the text of one cell


def xlsx_text(value: str) -> str:
    """``value`` as an xlsx cell holds it and gives it back: without the characters XML cannot
    hold, line breaks as LF (an XML reader turns a CR into LF anyway), at most 32,767 long."""
    if _NOT_IN_XML.search(value):
        value = _NOT_IN_XML.sub("", value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value[:MAX_CELL_TEXT]


_LOOKS_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escaped(value: str) -> str:
    """Text as the cell stores it: a literal "_x0041_" escaped as "_x005F_x0041_", so Excel,
    LibreOffice and the import read back what was written, not the character it would name
    (reports.xlsx_reader.unescape)."""
    return _LOOKS_ESCAPED.sub("_x005F_", value) if "_x" in value else value


def _prepare(sheet: Any, widths: list[float], *, freeze: str = "A2") -> _Styles:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = freeze
    return _Styles(sheet)


def _names(people: tuple[Any, ...]) -> str | None:
    return "、".join(p.name for p in people if p.name) or None


def ledger_values(r: Reception, reviewer: str) -> list[Any]:
    """The 台账 row of a reception, in HEADERS order (plain values, amounts as Decimal)."""
    first = r.meals[0] if r.meals else None
    if r.gift_amount > 0:
        gift: Any = r.gift_amount
    else:
        gift = r.gift_description or None
    return [
        r.reception_date,
        r.visiting_unit,
        r.activity,
        r.letter_no or None,
        r.guest_count,
        _names(r.guests),
        r.companion_count,
        _names(r.companions),
        (first.venue or None) if first else None,
        first.venue_type if first else None,
        # the first meal's; further meals have rows of their own (meal_rows)
        first.amount if first else r.meal_total,
        r.accommodation,
        r.transport,
        r.other_cost,
        first.tobacco_alcohol if first else r.tobacco_alcohol_total,
        gift,
        tr("是") if r.classified else tr("否"),
        r.clerk_name or None,
        reviewer or None,
        r.approved_at.date() if r.approved_at else None,
        r.remarks or None,
        r.ref or None,
        first.kind_label if first else None,
        r.guest_origin or None,
        r.lodging_persons or None,
        r.lodging_nights or None,
        r.payment_method or None,
        (first.invoice_no or None) if first else None,
        r.phone_record or None,
        explanations_text(r.explanations) or None,
        first.date if first else None,
        first.diners if first else None,
    ]


_AT = {h: i for i, h in enumerate(HEADERS)}


def meal_rows(r: Reception) -> list[list[Any]]:
    """The rows after a reception's first: one per further meal, with the reception's date and
    编号 and that meal's columns only (the import joins them into the reception again)."""
    out = []
    for meal in r.meals[1:]:
        values: list[Any] = [None] * len(HEADERS)
        for header, value in (
            ("接待日期", r.reception_date),
            ("编号", r.ref or None),
            ("就餐日期", meal.date),
            ("餐别", meal.kind_label),
            ("就餐场所", meal.venue or None),
            ("场所类型", meal.venue_type or None),
            ("餐费", meal.amount),
            ("烟酒费", meal.tobacco_alcohol),
            ("发票号", meal.invoice_no or None),
            ("就餐人数", meal.diners),
        ):
            values[_AT[header]] = value
        out.append(values)
    return out


_MONEY_INDEXES = frozenset(HEADERS.index(h) for h in MONEY_COLUMNS)
_DATE_INDEXES = frozenset((HEADERS.index("接待日期"), HEADERS.index("审核日期"), HEADERS.index("就餐日期")))
_GIFT_INDEX = HEADERS.index("礼品")


def _ledger_writer(sheet: Any, reviewers: dict[str, str]) -> Callable[[Reception, list[Any]], int]:
    """The 台账 sheet's header, and the function that appends one reception's rows (its first
    with its breaches, for 超标金额 and 可报销金额 after the template's columns, then one row per
    further meal) and says how many."""
    headers = (*HEADERS, *EXTRA_LEDGER_COLUMNS)
    styles = _prepare(sheet, [WIDTHS.get(h, 11) for h in headers])
    styles.append([styles.cell(h, styles.header) for h in headers])
    money = styles.money
    make = styles.cell
    money_at = sorted(_MONEY_INDEXES - {_GIFT_INDEX})
    date_at = sorted(_DATE_INDEXES)
    append = styles.append

    def styled(values: list[Any]) -> list[Any]:
        for i in money_at:
            if values[i] is not None:
                values[i] = make(values[i], money)
        if isinstance(values[_GIFT_INDEX], Decimal):
            values[_GIFT_INDEX] = make(values[_GIFT_INDEX], money)
        for i in date_at:
            if values[i] is not None:
                values[i] = make(values[i], styles.date)
        return values

    def write(r: Reception, violations: list[Any]) -> int:
        values = styled(ledger_values(r, reviewers.get(r.approved_by, r.approved_by)))
        over = sum((v.excess for v in violations), ZERO)
        values.append(make(over, money))
        values.append(make(r.total - over, money))
        values.append(r.reimbursement_no or None)
        values.append(make(r.reimbursed_on, styles.date) if r.reimbursed_on else None)
        append(values)
        further = meal_rows(r)
        for row in further:
            append(styled(row))
        return 1 + len(further)

    return write


def _month_formula(year: int, month: int, last_row: int) -> str:
    dates = f"'{SHEET_LEDGER}'!${_col('接待日期')}$2:${_col('接待日期')}${last_row}"
    criteria = f'{dates},">="&DATE({year},{month},1),{dates},"<"&DATE({year},{month + 1},1)'
    parts = [
        f"SUMIFS('{SHEET_LEDGER}'!${c}$2:${c}${last_row},{criteria})"
        for c in (_col(h) for h in MONEY_COLUMNS)
    ]
    return "=" + "+".join(parts)


def _write_monthly(sheet: Any, year: int, rows: int, last_year: tuple[Decimal, ...]) -> None:
    styles = _prepare(sheet, [10, 16, 16, 16, 12])
    headers = [
        tr("月份"),
        tr("{y}年金额").format(y=year),
        tr("{y}年金额").format(y=year - 1),
        tr("增减额"),
        tr("同比变化"),
    ]
    styles.append([styles.cell(h, styles.header) for h in headers])
    last_row = max(rows + 1, 2)
    for month in range(1, 13):
        n = month + 1
        styles.append(
            [
                tr("{m}月").format(m=month),
                styles.formula(_month_formula(year, month, last_row), styles.money),
                styles.cell(last_year[month - 1], styles.money),
                styles.formula(f"=B{n}-C{n}", styles.money),
                styles.formula(f'=IF(C{n}=0,"",B{n}/C{n}-1)', styles.percent),
            ]
        )
    styles.append(
        [
            styles.cell(tr("全年合计"), styles.bold),
            styles.formula("=SUM(B2:B13)", styles.bold_money),
            styles.formula("=SUM(C2:C13)", styles.bold_money),
            styles.formula("=B14-C14", styles.bold_money),
            styles.formula('=IF(C14=0,"",B14/C14-1)', styles.bold_percent),
        ]
    )
    styles.append([])
    styles.append(
        [
            tr(
                "说明：本年金额为公式，按“台账”表各行的接待日期汇总餐费、住宿费、交通费、其他费用、烟酒费和礼品金额；"
                "上年金额为导出时台账中上年已审核接待的合计。"
            )
        ]
    )


_INTEGER = re.compile(r"-?\d{1,9}")
_AMOUNT = re.compile(r"-?\d{1,12}\.\d{2}")


def _figure(text: str, styles: _Styles) -> Any:
    """A breach's 限额 or 实际 as a number when it is one (3 people, 150.00 yuan), else the text."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _AMOUNT.fullmatch(text):
        return styles.cell(Decimal(text), styles.money)
    return text


class _BreachWriter:
    """The 违规情况 sheet: the header, then each reception's breaches as they come."""

    def __init__(self, sheet: Any) -> None:
        headers = [
            tr("编号"),
            tr("接待日期"),
            tr("来访单位"),
            tr("违规事项"),
            tr("具体情况"),
            tr("限额"),
            tr("实际"),
            tr("超标金额"),
            tr("情况说明"),
        ]
        self.styles = _prepare(sheet, [14, 12, 26, 14, 44, 10, 10, 12, 50])
        self.styles.append([self.styles.cell(h, self.styles.header) for h in headers])
        self.count = 0

    def write(self, r: Reception, violations: list[Any]) -> None:
        styles = self.styles
        for v in violations:
            styles.append(
                [
                    r.ref,
                    styles.cell(r.reception_date, styles.date),
                    r.visiting_unit,
                    RULES.get(v.rule, v.rule),
                    v.message,
                    _figure(v.limit, styles),
                    _figure(v.actual, styles),
                    styles.cell(v.excess, styles.money),
                    r.explanations.get(v.rule, "") or tr("（未填写）"),
                ]
            )
            self.count += 1

    def close(self) -> int:
        if not self.count:
            self.styles.append([tr("本年已审核的接待没有违规事项。")])
        return self.count


def _write_target(sheet: Any, service: Any, year: int) -> None:
    from ledger.targets import STATUS_LABELS, TargetsError, year_figures

    styles = _prepare(sheet, [34, 18, 50])
    styles.append([styles.cell(h, styles.header) for h in (tr("项目"), tr("数值"), tr("说明"))])
    try:
        f = year_figures(service, year)
    except TargetsError as exc:
        styles.append([tr("年度"), year, str(exc)])
        return
    money, percent = styles.money, styles.percent
    baseline: Any = styles.cell(f.baseline_total, money) if f.baseline_total is not None else tr("无")
    styles.append([tr("年度"), year, ""])
    styles.append(
        [
            tr("上年基数（{y}年已审核接待合计）").format(y=f.baseline_year),
            baseline,
            tr("上年没有已审核的接待，无法计算目标") if f.baseline_total is None else "",
        ]
    )
    said = tr("管理员为本年设置的比例") if f.reduction_set else tr("默认比例（管理员未为本年另行设置）")
    styles.append([tr("压减比例"), styles.cell(f.reduction, percent), said])
    if f.baseline_total is not None:
        styles.append(
            [
                tr("年度目标（不超过）"),
                styles.formula("=ROUND(B3*(1-B4),2)", money),
                tr("上年基数 ×（1 − 压减比例）"),
            ]
        )
    else:
        styles.append([tr("年度目标（不超过）"), tr("无"), tr("无上年基数，无法计算目标")])
    styles.append([tr("截止日期"), styles.cell(f.as_of, styles.date), ""])
    styles.append([tr("本年累计"), styles.cell(f.ytd_total, money), tr("截至截止日期的已审核接待合计")])
    if f.baseline_total is not None:
        styles.append([tr("距目标尚余（负数为已超出）"), styles.formula("=B5-B7", money), ""])
    else:
        styles.append([tr("距目标尚余（负数为已超出）"), tr("无"), ""])
    styles.append([tr("上年同期"), styles.cell(f.same_period_last_year, money), ""])
    change: Any = styles.cell(f.yoy_change, percent) if f.yoy_change is not None else tr("无法计算")
    styles.append([tr("同比变化"), change, tr("（本年累计 − 上年同期）÷ 上年同期")])
    styles.append([tr("预计全年"), styles.cell(f.projected_total, money), ""])
    styles.append([tr("状态"), STATUS_LABELS.get(f.status, f.status or ""), ""])
    styles.append([tr("批次"), f.batches, tr("已审核接待次数")])
    styles.append([tr("人次"), f.person_visits, tr("接待对象人数合计")])


def _write_disclosure(sheet: Any, disclosure: Any) -> None:
    from reports.disclosure import figure_rows

    styles = _prepare(sheet, [28, 90])
    styles.append([styles.cell(h, styles.header) for h in (tr("项目"), tr("数值"))])
    for label, value in figure_rows(disclosure):
        number: Any = value
        if value.replace(".", "", 1).lstrip("-").isdigit():
            number = styles.cell(Decimal(value), styles.money) if "." in value else int(value)
        styles.append([label, number])
    styles.append([tr("公开说明"), styles.cell(disclosure.text(), styles.wrap)])


def _before_the_meal(
    workbook: Any, service: Any, year: int, reviewers: dict[str, str]
) -> tuple[Any, Callable[[], int]]:
    """The sheets 审批与实际 (its plans written now, the receptions without a plan as the 台账
    pass meets them) and 公函登记 (written by the function returned, after the pass)."""
    from reports.workbook_plans import SHEET_LETTERS, SHEET_PLANS, PlanSheet, write_letters

    plans = PlanSheet(workbook.create_sheet(SHEET_PLANS), _prepare, service, year, reviewers)
    plans.plans()
    sheet = workbook.create_sheet(SHEET_LETTERS)
    return plans, lambda: write_letters(sheet, _prepare, service, year, reviewers)


def _write_void(sheet: Any, service: Any, year: int, names: dict[str, str]) -> None:
    """作废记录: the year's void receptions, so a gap in the 台账 sheet's numbers is explained."""
    headers = [tr("编号"), tr("接待日期"), tr("来访单位"), tr("作废理由"), tr("作废人"), tr("作废时间")]
    styles = _prepare(sheet, [14, 12, 26, 50, 12, 18])
    styles.append([styles.cell(h, styles.header) for h in headers])
    query = LedgerQuery(date_from=date(year, 1, 1), date_to=date(year, 12, 31), status=Status.VOID)
    void = sorted(service.receptions(query), key=lambda r: r.ref)
    for r in void:
        styles.append(
            [
                r.ref,
                styles.cell(r.reception_date, styles.date),
                r.visiting_unit,
                r.void_reason,
                names.get(r.voided_by, r.voided_by),
                r.voided_at.strftime("%Y-%m-%d %H:%M") if r.voided_at else "",
            ]
        )
    if not void:
        styles.append([tr("本年没有作废的接待。")])


def export_year(service: Any, year: int, path: Path | str) -> ExportSummary:
    """Write the ledger workbook of ``year`` to ``path`` (all or nothing: OutputError says why not)."""
    from ledger.targets import dashboard_figures

    query = LedgerQuery(date_from=date(year, 1, 1), date_to=date(year, 12, 31))
    reviewers = {u.username: u.label for u in service.users()}
    last_year = dashboard_figures(service, year, date(year, 12, 31), top=1).monthly_last_year

    workbook = Workbook(write_only=True)
    write_reception = _ledger_writer(workbook.create_sheet(SHEET_LEDGER), reviewers)
    monthly = workbook.create_sheet(SHEET_MONTHLY)
    breaches = _BreachWriter(workbook.create_sheet(SHEET_BREACHES))
    plans, letters = _before_the_meal(workbook, service, year, reviewers)
    # a chunk of records at a time: a year of a province's ledger is never held whole
    count, total, rows, with_breaches = 0, ZERO, 0, 0
    for receptions, violations in service.receptions_in_chunks(
        query, approved_only=True, include_classified=True
    ):
        for r in receptions:
            found = violations.get(r.id or 0, [])
            rows += write_reception(r, found)
            breaches.write(r, found)
            plans.reception(r, found)
            total += r.total
            with_breaches += bool(found)
        count += len(receptions)
    plans.close()
    letters()
    _write_monthly(monthly, year, rows, last_year)
    breach_count = breaches.close()
    _write_target(workbook.create_sheet(SHEET_TARGET), service, year)
    _write_disclosure(workbook.create_sheet(SHEET_DISCLOSURE), service.disclosure(year))
    _write_void(workbook.create_sheet(SHEET_VOID), service, year, reviewers)
    # built in memory (a failed write then leaves no half-written sheet files behind), then
    # written to a temporary file beside the target and renamed into place once complete
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_atomic(path, buffer.getvalue())
    return ExportSummary(year, count, total, breach_count, with_breaches)
