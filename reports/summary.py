"""The one-page year summary (公务接待费年度汇总) for the leadership meeting, as PDF.

One A4 page: the year's figures (ledger.targets), the status in its colour, the month-by-month
bars of this year against last year, the cumulative spend against the target line, and the
visiting units received most often. Charts are reportlab graphics, the text uses the bundled
CJK font (reports.fonts.register_cjk_font), so it prints on a machine with no Chinese font.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from ledger.i18n import tr
from ledger.money import ZERO, fmt
from ledger.targets import (
    DashboardFigures,
    percent,
    reduction_percent,
    signed_percent,
)
from ledger.trust import Stamp
from reports.common import CENTER, a4_pdf, cjk_style, long_date, para
from reports.fonts import register_cjk_font

THIS_YEAR_COLOUR = colors.HexColor("#1565c0")
LAST_YEAR_COLOUR = colors.HexColor("#9e9e9e")
TARGET_COLOUR = colors.HexColor("#c62828")
CONTENT_WIDTH = A4[0] - 36 * mm

PROJECTION_METHODS = {
    "actual": tr("全年实际"),
    "seasonal": tr("按上年各月分布推算"),
    "run_rate": tr("按本年日均支出推算"),
}


def _axis_amount(value: float) -> str:
    """Axis labels: whole yuan with thousands separators (the figures table carries the fen)."""
    return f"{value:,.0f}"


def _scale_max(values: list[float]) -> float:
    top = max(values + [1.0])
    step = 10 ** max(len(str(int(top))) - 1, 0)
    return (int(top / step) + 1) * step


def monthly_chart(dash: DashboardFigures, width: float, height: float) -> Drawing:
    """This year against last year, month by month (amounts are drawn, never computed, as floats)."""
    font = register_cjk_font()
    drawing = Drawing(width, height)
    drawing.initialFontName = font  # else the renderer starts on Helvetica, a font the PDF cannot embed
    drawing.add(String(0, height - 12, tr("各月接待费：本年与上年对比（元）"), fontName=font, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y = 48, 30
    chart.width, chart.height = width - 60, height - 62
    last = [float(v) for v in dash.monthly_last_year]
    this = [float(v) for v in dash.monthly]
    chart.data = [last, this]
    chart.bars[0].fillColor = LAST_YEAR_COLOUR
    chart.bars[1].fillColor = THIS_YEAR_COLOUR
    chart.bars.strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = 6
    chart.categoryAxis.categoryNames = [tr("{m}月").format(m=m) for m in range(1, 13)]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _scale_max(last + this)
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_amount
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    drawing.add(chart)
    legend = Legend()
    legend.fontName = font
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.x, legend.y = width - 170, height - 6
    legend.dx = legend.dy = 7
    legend.deltax = 70
    legend.colorNamePairs = [
        (LAST_YEAR_COLOUR, tr("上年（{y}）").format(y=dash.year - 1)),
        (THIS_YEAR_COLOUR, tr("本年（{y}）").format(y=dash.year)),
    ]
    drawing.add(legend)
    return drawing


def cumulative_chart(dash: DashboardFigures, width: float, height: float) -> Drawing:
    """This year's running total against the target line (and last year's, for the shape)."""
    font = register_cjk_font()
    f = dash.figures
    drawing = Drawing(width, height)
    drawing.initialFontName = font  # else the renderer starts on Helvetica, a font the PDF cannot embed
    drawing.add(String(0, height - 12, tr("累计接待费与年度目标（元）"), fontName=font, fontSize=10))
    plot = LinePlot()
    plot.x, plot.y = 48, 30
    plot.width, plot.height = width - 60, height - 62
    this = [(float(m), float(v)) for m, v in enumerate(dash.cumulative, start=1)]
    last = [(float(m), float(v)) for m, v in enumerate(dash.cumulative_last_year, start=1)]
    lines = [last, this]
    colours = [LAST_YEAR_COLOUR, THIS_YEAR_COLOUR]
    names = [
        tr("上年累计（{y}）").format(y=dash.year - 1),
        tr("本年累计（{y}）").format(y=dash.year),
    ]
    if not any(v for _, v in last):  # no spending last year: no line lying on the axis
        lines[0] = [(1.0, 0.0)]
        names[0] = tr("上年（{y}）无支出").format(y=dash.year - 1)
    values = [v for _, v in last + this]
    if f.target_total is not None:
        target = float(f.target_total)
        lines.append([(1.0, target), (12.0, target)])
        colours.append(TARGET_COLOUR)
        names.append(tr("年度目标 {amount}").format(amount=fmt(f.target_total)))
        values.append(target)
    plot.data = lines
    for i, colour in enumerate(colours):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 2 if i == 1 else 1.2
    plot.lines[0].strokeDashArray = [3, 2]
    plot.lines[1].symbol = makeMarker("FilledCircle", size=3, fillColor=THIS_YEAR_COLOUR)
    if f.target_total is not None:
        plot.lines[2].strokeDashArray = [6, 3]
    plot.xValueAxis.valueMin = 1
    plot.xValueAxis.valueMax = 12
    plot.xValueAxis.valueSteps = list(range(1, 13))
    plot.xValueAxis.labelTextFormat = lambda v: tr("{m}月").format(m=int(v))
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin = 0
    plot.yValueAxis.valueMax = _scale_max(values)
    plot.yValueAxis.labelTextFormat = _axis_amount
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    drawing.add(plot)
    legend = Legend()
    legend.fontName = font
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.x, legend.y = 60, height - 24
    legend.dx, legend.dy = 10, 2
    legend.deltax = 110
    legend.colorNamePairs = list(zip(colours, names, strict=True))
    drawing.add(legend)
    return drawing


def _figure_rows(dash: DashboardFigures) -> list[list[str]]:
    f = dash.figures
    if f.baseline_total is None:
        baseline = tr("无（{y} 年没有已审核的接待）").format(y=f.baseline_year)
        target = tr("无上年基数，无法计算目标")
    else:
        baseline = tr("{amount} 元").format(amount=fmt(f.baseline_total))
        target = tr("{amount} 元（压减 {p}）").format(
            amount=fmt(f.target_total or ZERO), p=reduction_percent(f.reduction)
        )
    if f.headroom is None:
        headroom = "—"
    elif f.headroom >= 0:
        headroom = tr("尚余 {amount} 元").format(amount=fmt(f.headroom))
    else:
        headroom = tr("已超出 {amount} 元").format(amount=fmt(-f.headroom))
    canteen = (
        tr("{p}（{c}/{n} 餐）").format(p=percent(dash.canteen_share), c=dash.canteen_meals, n=dash.meal_count)
        if dash.canteen_share is not None
        else "—"
    )
    compliance = (
        tr("{p}（{c}/{n} 批次无违规）").format(p=percent(dash.compliance_rate), c=dash.compliant, n=f.batches)
        if dash.compliance_rate is not None
        else "—"
    )
    yoy = signed_percent(f.yoy_change) if f.yoy_change is not None else tr("无法计算（上年同期为 0）")
    return [
        [tr("上年基数（{y} 年）").format(y=f.baseline_year), baseline, tr("年度目标"), target],
        [
            tr("本年累计"),
            tr("{amount} 元").format(amount=fmt(f.ytd_total)),
            tr("批次 / 人次"),
            tr("{b} 批次 / {v} 人次").format(b=f.batches, v=f.person_visits),
        ],
        [
            tr("上年同期"),
            tr("{amount} 元").format(amount=fmt(f.same_period_last_year)),
            tr("同期批次 / 人次"),
            tr("{b} 批次 / {v} 人次").format(b=f.same_period_batches, v=f.same_period_person_visits),
        ],
        [
            tr("同比"),
            yoy,
            tr("预计全年"),
            tr("{amount} 元（{m}）").format(
                amount=fmt(f.projected_total), m=PROJECTION_METHODS[f.projection_method]
            ),
        ],
        [tr("距年度目标"), headroom, tr("食堂就餐占比"), canteen],
        [
            tr("合规率"),
            compliance,
            tr("超标金额"),
            tr("{amount} 元").format(amount=fmt(dash.over_standard_total)),
        ],
    ]


def render_summary(
    dash: DashboardFigures, bureau_name: str, *, printed_on: date | None = None, stamp: Stamp | None = None
) -> bytes:
    """The one-page summary of ``dash`` as PDF bytes; ``stamp``: the ledger fingerprint at its foot."""
    font = register_cjk_font()
    f = dash.figures
    printed_on = printed_on or date.today()
    title_style = cjk_style("summary-title", 16, leading=22, align=CENTER)
    subtitle_style = cjk_style("summary-subtitle", 10, leading=14, align=CENTER)
    cell_style = cjk_style("summary-cell", 9, leading=12)
    note_style = cjk_style("summary-note", 7.5, leading=10.5)
    status_style = cjk_style("summary-status", 13, leading=18, align=CENTER)
    status_style.textColor = colors.white

    title = tr("{bureau}{year}年公务接待费年度汇总").format(bureau=bureau_name, year=f.year)
    subtitle = tr("统计截至{d}　　打印日期：{p}").format(d=long_date(f.as_of), p=long_date(printed_on))

    status_text = tr("目标完成情况：{label}").format(label=f.status_label)
    status = Table([[para(status_text, status_style)]], colWidths=[CONTENT_WIDTH])
    status.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(f.status_colour)),
                ("TEXTCOLOR", (0, 0), (-1, -1), colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )

    rows = [[para(c, cell_style) for c in row] for row in _figure_rows(dash)]
    figures = Table(
        rows, colWidths=[32 * mm, CONTENT_WIDTH / 2 - 36 * mm, 32 * mm, CONTENT_WIDTH / 2 - 28 * mm]
    )
    figures.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9e9e9e")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eeeeee")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )

    story: list[object] = [
        para(title, title_style),
        para(subtitle, subtitle_style),
        Spacer(1, 4 * mm),
        status,
        Spacer(1, 3 * mm),
        figures,
        Spacer(1, 4 * mm),
        monthly_chart(dash, CONTENT_WIDTH, 62 * mm),
        Spacer(1, 3 * mm),
        cumulative_chart(dash, CONTENT_WIDTH, 62 * mm),
    ]
    if dash.top_units:
        unit_rows: list[list[object]] = [[tr("接待最多的来访单位"), tr("批次"), tr("金额（元）")]]
        for u in dash.top_units[:5]:
            unit_rows.append([para(u.visiting_unit, cell_style), str(u.receptions), fmt(u.total)])
        units = Table(unit_rows, colWidths=[CONTENT_WIDTH - 60 * mm, 25 * mm, 35 * mm])
        units.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9e9e9e")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        story += [Spacer(1, 3 * mm), units]
    story += [
        Spacer(1, 3 * mm),
        para(
            tr(
                "统计口径：已审核的公务接待，按接待日期；涉密接待计入金额，但不列单位名称。"
                "年度目标 = 上年全年接待费 ×（1 − 压减比例）。预计全年按上年各月分布推算"
                "（上年无支出时按本年日均支出推算）。批次为接待次数，人次为接待对象人数。"
            ),
            note_style,
        ),
    ]
    return a4_pdf(
        story, title=title, author=bureau_name, footer=title, font_size=9, side_margin_mm=18, stamp=stamp
    )


def write_summary(
    path: str | Path,
    dash: DashboardFigures,
    bureau_name: str,
    *,
    printed_on: date | None = None,
    stamp: Stamp | None = None,
) -> Path:
    from reports.output import write_atomic

    return write_atomic(path, render_summary(dash, bureau_name, printed_on=printed_on, stamp=stamp))
