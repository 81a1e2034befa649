"""The yearly disclosure (三公经费 公务接待费公开) as one A4 PDF page in the bundled CJK font.

The figures of ``ledger.disclosure`` in a table (万元 with two decimals), then the paragraph
a bureau publishes, with the reason of the change when the user wrote one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from ledger.disclosure import Disclosure, wan_text
from ledger.i18n import tr
from ledger.money import CENT
from ledger.trust import Stamp
from reports.common import CENTER, a4_pdf, cjk_style, long_date, para
from reports.fonts import register_cjk_font

CONTENT_WIDTH = A4[0] - 36 * mm


def figure_rows(d: Disclosure) -> list[tuple[str, str]]:
    """(label, value) of every figure, as on paper and in the workbook sheet."""
    rate = d.change_rate
    if d.has_previous:
        previous = wan_text(d.previous_total)
        change = f"{d.change_wan:.2f}" if d.change_wan else "0.00"
    else:  # not in the ledger: no previous figure, no change (never 0.00, as if nothing was spent)
        previous, change = tr("上年台账中没有已审核的公务接待记录"), "—"
    unfinished = [(tr("统计截至"), tr("{day}（年度尚未结束）").format(day=d.as_of.isoformat()))] if d.as_of else []
    return [
        (tr("年度"), str(d.year)),
        *unfinished,
        (tr("公务接待费支出（万元）"), wan_text(d.total)),
        (tr("上年支出（万元）"), previous),
        (tr("比上年增减（万元）"), change),
        (
            tr("增减幅度"),
            "—" if rate is None else f"{rate * 100:.2f}%" if (rate * 100).quantize(CENT) else "0.00%",
        ),
        (tr("国内公务接待费（万元）"), wan_text(d.domestic_total)),
        (tr("国内公务接待批次"), str(d.batches)),
        (tr("国内公务接待人次"), str(d.person_visits)),
        (tr("外宾接待费（万元）"), wan_text(d.foreign_total)),
        (tr("外宾接待批次"), str(d.foreign_batches)),
        (tr("外宾接待人次"), str(d.foreign_person_visits)),
    ]


def render_disclosure(
    d: Disclosure,
    bureau_name: str,
    reason: str = "",
    *,
    printed_on: date | None = None,
    stamp: Stamp | None = None,
) -> bytes:
    font = register_cjk_font()
    printed_on = printed_on or date.today()
    title = tr("{bureau}{year}年度公务接待费公开").format(bureau=bureau_name, year=d.year)
    cell = cjk_style("disclosure-cell", 10, leading=14)
    rows = [[para(label, cell), para(value, cell)] for label, value in figure_rows(d)]
    table = Table(rows, colWidths=[70 * mm, CONTENT_WIDTH - 70 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9e9e9e")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story: list[object] = [
        para(title, cjk_style("disclosure-title", 16, leading=22, align=CENTER)),
        para(
            tr("打印日期：{d}").format(d=long_date(printed_on)), cjk_style("disclosure-sub", 10, align=CENTER)
        ),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        para(tr("公开说明"), cjk_style("disclosure-head", 12, leading=16)),
        Spacer(1, 2 * mm),
        para(d.text(reason), cjk_style("disclosure-text", 11, leading=18)),
        Spacer(1, 6 * mm),
        para(
            tr(
                "统计口径：已审核的公务接待，按接待日期，涉密接待计入金额；批次为接待次数，"
                "人次为接待对象人数（不含陪餐人员）；来宾类别为外宾的接待单列。金额以万元计，保留两位小数。"
            ),
            cjk_style("disclosure-note", 8, leading=11),
        ),
    ]
    return a4_pdf(
        story, title=title, author=bureau_name, footer=title, font_size=10, side_margin_mm=18, stamp=stamp
    )


def write_disclosure(
    path: str | Path,
    d: Disclosure,
    bureau_name: str,
    reason: str = "",
    *,
    printed_on: date | None = None,
    stamp: Stamp | None = None,
) -> Path:
    from reports.output import write_atomic

    return write_atomic(path, render_disclosure(d, bureau_name, reason, printed_on=printed_on, stamp=stamp))
