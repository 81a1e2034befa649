"""The county's rollup workbook: one row per bureau's ledger, a total row (ledger.rollup).

Amounts in 万元 for the disclosure figures (as published) and in yuan for the target and the
over-standard amount; numbers are number cells, every text a string cell (reports.workbook).
A ledger that could not be read is a row with its address and the reason.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook

from ledger.disclosure import wan
from ledger.i18n import tr
from ledger.risks import CODES
from ledger.rollup import BureauFigures, has_previous_year, totals
from ledger.targets import STATUS_LABELS
from reports.workbook import _prepare

SHEET_ROLLUP = "各单位汇总"
NO_PREVIOUS_YEAR = tr("上年台账中没有已审核的公务接待记录，不计增减")
WAN_FORMAT = "#,##0.00"

HEADERS: tuple[str, ...] = (
    "单位",
    "账本",
    "公务接待费（万元）",
    "上年（万元）",
    "增减（万元）",
    "增减幅度",
    "国内批次",
    "国内人次",
    "外宾批次",
    "外宾人次",
    "年度目标（元）",
    "目标状态",
    "违规接待（次）",
    "超标金额（元）",
    *CODES.values(),
    "疑点合计",
    "说明",
)


def write_rollup(fh: BinaryIO, rows: list[BureauFigures], year: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_ROLLUP)
    widths = [24, 30, 12, 12, 12, 10, 9, 9, 9, 9, 14, 14, 10, 14, *([10] * len(CODES)), 9, 40]
    styles = _prepare(sheet, widths, freeze="C3")
    styles.append([styles.cell(tr("{year}年度各单位公务接待汇总").format(year=year), styles.bold)])
    styles.append([styles.cell(tr(h), styles.header) for h in HEADERS])
    money, percent = styles.money, styles.percent
    for r in rows:
        if r.error is not None or r.disclosure is None:
            styles.append([tr("（未计入）"), r.source, *([None] * (len(HEADERS) - 3)), r.error or ""])
            continue
        d = r.disclosure
        t = r.target
        compared = has_previous_year(r)  # else its change on last year is not known
        target: Any = styles.cell(t.target_total, money) if t and t.target_total is not None else tr("无")
        status = STATUS_LABELS.get(t.status, "") if t else r.target_note
        styles.append(
            [
                r.name or tr("（未填单位名称）"),
                r.source,
                styles.cell(wan(d.total), money),
                # a bureau whose previous year is not in its ledger: no previous figure, no change
                styles.cell(wan(d.previous_total), money) if compared else "—",
                styles.cell(d.change_wan, money) if compared else "—",  # the published figures' difference
                styles.cell(d.change_rate, percent) if compared and d.change_rate is not None else "—",
                d.batches,
                d.person_visits,
                d.foreign_batches,
                d.foreign_person_visits,
                target,
                status,
                r.breaches,
                styles.cell(r.over_standard, money),
                *(r.warnings.get(code, 0) for code in CODES),
                r.warning_total,
                "" if compared else NO_PREVIOUS_YEAR,
            ]
        )
    t_ = totals(rows)
    # the change on last year only over the bureaus that have one: a ledger started this year
    # would count its whole spending as an increase
    change = t_["compared_total"] - t_["previous_total"]  # type: ignore[operator]
    rate = (
        (change / t_["previous_total"]).quantize(Decimal("0.0001"), ROUND_HALF_UP)  # type: ignore[operator]
        if t_["previous_total"]
        else None
    )
    warnings: dict[str, int] = t_["warnings"]  # type: ignore[assignment]
    # the 万元 totals are the sums of the 万元 figures above, so that a reader who adds the
    # column (or subtracts the two totals) finds the figures printed
    read = [r for r in rows if r.error is None and r.disclosure is not None]
    total_wan = sum((wan(r.disclosure.total) for r in read if r.disclosure), Decimal("0.00"))
    previous_wan = sum((wan(r.disclosure.previous_total) for r in read if r.disclosure), Decimal("0.00"))
    compared_wan = sum(
        (wan(r.disclosure.total) for r in read if r.disclosure and has_previous_year(r)), Decimal("0.00")
    )
    styles.append(
        [
            styles.cell(tr("合计"), styles.bold),
            tr("{n} 个账本").format(n=t_["ledgers"]),
            styles.cell(total_wan, styles.bold_money),
            styles.cell(previous_wan, styles.bold_money),
            styles.cell(compared_wan - previous_wan, styles.bold_money) if t_["compared"] else "—",
            styles.cell(rate, styles.bold_percent) if rate is not None else "—",
            t_["batches"],
            t_["person_visits"],
            t_["foreign_batches"],
            t_["foreign_person_visits"],
            styles.cell(t_["target_total"], styles.bold_money)
            if t_["target_total"] is not None
            else tr("无"),
            "",
            t_["breaches"],
            styles.cell(t_["over_standard"], styles.bold_money),
            *(warnings[code] for code in CODES),
            sum(warnings.values()),
            _total_note(t_),
        ]
    )
    workbook.save(fh)


def _total_note(t: dict[str, object]) -> str:
    """What the total row's change is over, when some bureau has no previous year."""
    left_out: list[str] = t["not_compared"]  # type: ignore[assignment]
    if not left_out:
        return ""
    names = "、".join(left_out)
    if not t["compared"]:
        return tr("各单位上年台账中都没有已审核的公务接待记录（{names}），合计不计增减").format(names=names)
    return tr(
        "增减、增减幅度只计上年台账中有已审核接待记录的 {n} 个单位；{names} 上年台账中没有记录，"
        "未计入增减（其本年支出计入合计）"
    ).format(n=t["compared"], names=names)
