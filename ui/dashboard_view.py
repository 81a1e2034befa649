"""The dashboard (仪表盘): the year's reduction target at a glance.

Cards for 本年累计, 上年同期, 同比, 年度目标, 预计全年 and the status in its colour; the
month-by-month bars of this year against last year and the cumulative spend against the
target line (Qt Charts); the canteen share, the compliance rate, the over-standard total and
the visiting units received most often. Clicking a month bar or a unit emits ``open_ledger``
with the LedgerQuery of the approved receptions behind it. Figures come from ledger.targets.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetricsF, QPainter, QPen, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import ZERO, fmt
from ledger.records import LedgerQuery, Status
from ledger.service import LedgerService
from ledger.targets import (
    DashboardFigures,
    TargetsError,
    dashboard_figures,
    percent,
    reduction_percent,
    signed_percent,
)
from ui.hub import ChangeHub
from ui.screen_fit import scrolling
from ui.supervision import DisclosureDialog, RiskPanel

THIS_YEAR_COLOUR = "#1565c0"
LAST_YEAR_COLOUR = "#9e9e9e"
TARGET_COLOUR = "#c62828"
DECREASE_COLOUR = "#2e7d32"
INCREASE_COLOUR = "#c62828"
PROJECTION_METHODS = {
    "actual": tr("全年实际"),
    "seasonal": tr("按上年各月分布推算"),
    "run_rate": tr("按本年日均支出推算"),
}
TOP_UNITS = 10
# room Qt Charts keeps around what it draws (px, measured with the bundled font, a little more):
# beside a month label; around a legend marker's name (its symbol and spacing); in a chart beside
# its plot (margins, and the value axis's widest label besides); around the legend; the view's
# margins and scroll bar
MONTH_LABEL_ROOM = 16
LEGEND_MARKER_ROOM = 32
PLOT_ROOM = 40
LEGEND_ROOM = 30
VIEW_ROOM = 36


def _yuan(amount: Decimal) -> str:
    return tr("{amount} 元").format(amount=fmt(amount))


def _chart_value(amount: Decimal) -> float:
    """Chart coordinates only: money is drawn as a float, never computed with one."""
    return float(amount)


class Card(QFrame):
    """A figure with its title and a note underneath."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(title)
        self.value = QLabel("—")
        self.note = QLabel("")
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self._background: str | None = None
        self._value_colour: str | None = None
        self._paint()

    def set(self, value: str, note: str = "", *, colour: str | None = None) -> None:
        self.value.setText(value)
        self.note.setText(note)
        self._value_colour = colour
        self._paint()

    def set_colours(self, background: str | None = None) -> None:
        """A filled card in ``background`` with white text (the status), or the plain one."""
        self._background = background
        self._paint()

    def _paint(self) -> None:
        if self._background:
            self.setStyleSheet(f"#dashboardCard {{ background: {self._background}; border-radius: 6px; }}")
            for label in (self.title, self.value, self.note):
                label.setStyleSheet("color: white;")
            return
        self.setStyleSheet("#dashboardCard { background: palette(base); border-radius: 6px; }")
        self.title.setStyleSheet("color: #616161;")
        self.note.setStyleSheet("color: #616161;")
        self.value.setStyleSheet(f"color: {self._value_colour};" if self._value_colour else "")


class DashboardView(QWidget):
    """The year's figures; ``open_ledger(LedgerQuery)`` when a month bar or a unit is clicked."""

    open_ledger = Signal(object)

    def __init__(
        self, service: LedgerService, parent: QWidget | None = None, hub: ChangeHub | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.hub = hub or ChangeHub(self)
        # figures follow receptions and targets: redraw when shown
        self.hub.receptions_changed.connect(lambda _ids: self.mark_stale())
        self.hub.settings_changed.connect(self.mark_stale)
        self.figures: DashboardFigures | None = None
        self._stale = False

        self.year_combo = QComboBox()
        self.year_combo.setAccessibleName(tr("年度"))
        self.as_of_label = QLabel()
        self.as_of_label.setStyleSheet("color: #616161;")
        self.refresh_button = QPushButton(tr("刷新"))
        self.print_button = QPushButton(tr("打印年度汇总（PDF）…"))
        self.print_button.setToolTip(
            tr("一页纸的年度汇总：各项数字、两张图和目标完成状态，供局领导班子会议使用")
        )
        self.message = QLabel()
        self.message.setStyleSheet("color: #c62828;")
        self.message.hide()

        top = QHBoxLayout()
        top.addWidget(QLabel(tr("年度")))
        top.addWidget(self.year_combo)
        top.addWidget(self.as_of_label)
        top.addStretch(1)
        top.addWidget(self.message)
        top.addWidget(self.refresh_button)
        self.disclosure_button = QPushButton(tr("年度公开…"))
        self.disclosure_button.setToolTip(
            tr("三公经费公务接待费年度公开：万元金额、增减、批次人次和公开说明")
        )
        top.addWidget(self.disclosure_button)
        top.addWidget(self.print_button)

        self.cards: dict[str, Card] = {
            "ytd": Card(tr("本年累计")),
            "same_period": Card(tr("上年同期")),
            "yoy": Card(tr("同比")),
            "target": Card(tr("年度目标")),
            "projected": Card(tr("预计全年")),
            "status": Card(tr("目标完成情况")),
        }
        self.cards["status"].value.setWordWrap(True)
        cards = QGridLayout()
        cards.setSpacing(8)
        for i, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, i)
            cards.setColumnStretch(i, 1)

        # month by month, this year against last year
        self.monthly_chart = QChart()
        self.monthly_chart.setTitle(tr("各月接待费：本年与上年对比（点击柱形查看台账）"))
        self.monthly_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.monthly_chart.setMargins(QMargins(4, 4, 4, 4))
        self.monthly_view = QChartView(self.monthly_chart)
        self.monthly_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.monthly_view.setMinimumHeight(220)
        self.last_year_set: QBarSet | None = None
        self.this_year_set: QBarSet | None = None

        # cumulative spend against the target line
        self.cumulative_chart = QChart()
        self.cumulative_chart.setTitle(tr("累计接待费与年度目标"))
        self.cumulative_chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.cumulative_chart.setMargins(QMargins(4, 4, 4, 4))
        self.cumulative_view = QChartView(self.cumulative_chart)
        self.cumulative_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.cumulative_view.setMinimumHeight(220)

        # side by side where both charts show every month and legend in full, else one below
        # the other (the laptop at 150 %): never "10…" or "上年累计（…"
        self.charts = charts = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        charts.addWidget(self.monthly_view, 3)
        charts.addWidget(self.cumulative_view, 2)

        # the bureau's own commitments, and who comes most often
        self.side_cards: dict[str, Card] = {
            "canteen": Card(tr("食堂就餐占比（学校、机关食堂）")),
            "compliance": Card(tr("合规率（无违规的接待）")),
            "over_standard": Card(tr("超标金额")),
        }
        side = QVBoxLayout()
        side.setSpacing(8)
        for card in self.side_cards.values():
            side.addWidget(card)
        side.addStretch(1)

        self.units_table = QTableWidget(0, 3)
        self.units_table.setHorizontalHeaderLabels([tr("来访单位"), tr("批次"), tr("金额（元）")])
        self.units_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.units_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.units_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.units_table.verticalHeader().hide()
        self.units_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.units_table.setCursor(Qt.CursorShape.PointingHandCursor)
        self.units_table.setToolTip(tr("点击单位，在台账中查看该单位本年已审核的接待"))
        units_box = QVBoxLayout()
        units_title = QLabel(tr("接待最多的来访单位（点击查看台账）"))
        units_title.setStyleSheet("font-weight: bold;")
        units_box.addWidget(units_title)
        units_box.addWidget(self.units_table, 1)

        self.risk_panel = RiskPanel()
        self.risk_panel.open_ledger.connect(self.open_ledger)

        bottom = QHBoxLayout()
        bottom.addLayout(side, 2)
        bottom.addLayout(units_box, 3)
        bottom.addWidget(self.risk_panel, 2)

        # the year bar stays; the figures scroll where the screen is small (150 % on 1920×1080)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(cards)
        body_layout.addLayout(charts, 3)
        body_layout.addLayout(bottom, 2)
        self.body_area = scrolling(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.body_area, 1)

        self.year_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        self.print_button.clicked.connect(self.print_summary)
        self.disclosure_button.clicked.connect(self.show_disclosure)
        self.units_table.cellClicked.connect(self._unit_clicked)
        # figures are read when the tab is first shown, so the window opens without waiting for them
        self.reload_years()
        self._stale = True

    # ------------------------------------------------------------------ years
    def reload_years(self) -> None:
        """The years with receptions (and the current one), newest first; keeps the choice."""
        current = self.year_combo.currentData()
        this_year = date.today().year
        years = sorted({y for y in self.service.years() if y <= this_year} | {this_year}, reverse=True)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in years:
            self.year_combo.addItem(tr("{y}年").format(y=y), y)
        index = self.year_combo.findData(current if current is not None else this_year)
        self.year_combo.setCurrentIndex(max(index, 0))
        self.year_combo.blockSignals(False)

    @property
    def year(self) -> int:
        return int(self.year_combo.currentData())

    def set_year(self, year: int) -> None:
        index = self.year_combo.findData(year)
        if index < 0:
            self.year_combo.addItem(tr("{y}年").format(y=year), year)
            index = self.year_combo.count() - 1
        self.year_combo.setCurrentIndex(index)
        self.refresh()

    # ------------------------------------------------------------------ figures
    def mark_stale(self) -> None:
        """The ledger changed: redraw now if shown, else the next time the tab is shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()
        self._place_charts()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_charts()

    def charts_side_by_side(self) -> bool:
        return self.charts.direction() == QBoxLayout.Direction.LeftToRight

    def side_by_side_width(self) -> float:
        """The width of the view from which both charts show every month label and the whole
        legend side by side (the row gives the months 3/5 and the cumulative chart 2/5)."""
        axes = self.monthly_chart.axes()
        labels = QFontMetricsF(axes[0].labelsFont() if axes else self.font())
        widest = max((labels.horizontalAdvance(f"{a.max():.0f}") for a in axes if isinstance(a, QValueAxis)), default=0)
        monthly = 12 * (labels.horizontalAdvance(tr("12月")) + MONTH_LABEL_ROOM) + PLOT_ROOM + widest
        legend = self.cumulative_chart.legend()
        names = QFontMetricsF(legend.font())
        markers = sum(names.horizontalAdvance(m.label()) + LEGEND_MARKER_ROOM for m in legend.markers())
        return max(monthly * 5 / 3, (markers + LEGEND_ROOM) * 5 / 2) + VIEW_ROOM

    def _place_charts(self) -> None:
        # the view's own width: it does not change when the stacked charts bring a scroll bar
        side = self.width() >= self.side_by_side_width()
        direction = QBoxLayout.Direction.LeftToRight if side else QBoxLayout.Direction.TopToBottom
        if self.charts.direction() != direction:
            self.charts.setDirection(direction)

    def refresh(self) -> None:
        """Read the years and the figures of the chosen year again and redraw everything."""
        self._stale = False
        self.reload_years()
        try:
            dash = dashboard_figures(self.service, self.year, top=TOP_UNITS)
        except TargetsError as exc:
            self.message.setStyleSheet("color: #c62828;")
            self.message.setText(str(exc))
            self.message.show()
            return
        self.message.hide()
        self.figures = dash
        f = dash.figures
        state = tr("全年") if f.finished else tr("截至{m}月{d}日").format(m=f.as_of.month, d=f.as_of.day)
        self.as_of_label.setText(tr("{state}（统计已审核的接待，按接待日期）").format(state=state))
        self._show_cards(dash)
        self._show_monthly(dash)
        self._show_cumulative(dash)
        self._place_charts()  # the legend's names changed with the year
        self._show_side(dash)
        self._show_units(dash)
        self.risk_panel.set_risks(self.year, self.service.risks(self.year))

    def _show_cards(self, dash: DashboardFigures) -> None:
        f = dash.figures
        visits = tr("{b} 批次 · {v} 人次")
        self.cards["ytd"].set(_yuan(f.ytd_total), visits.format(b=f.batches, v=f.person_visits))
        self.cards["same_period"].set(
            _yuan(f.same_period_last_year),
            visits.format(b=f.same_period_batches, v=f.same_period_person_visits),
        )
        if f.yoy_change is None:
            self.cards["yoy"].set("—", tr("上年同期为 0，无法计算"))
        else:
            colour = DECREASE_COLOUR if f.yoy_change <= 0 else INCREASE_COLOUR
            change = f.ytd_total - f.same_period_last_year
            note = (tr("比上年同期减少 {a}") if change <= 0 else tr("比上年同期增加 {a}")).format(
                a=_yuan(abs(change))
            )
            self.cards["yoy"].set(signed_percent(f.yoy_change), note, colour=colour)
        if f.target_total is None:
            self.cards["target"].set("—", tr("无上年基数，无法计算目标"))
        else:
            self.cards["target"].set(
                _yuan(f.target_total),
                tr("上年 {base} ×（1 − {p}）").format(
                    base=fmt(f.baseline_total or ZERO), p=reduction_percent(f.reduction)
                ),
            )
        over = f.target_total is not None and f.projected_total > f.target_total
        self.cards["projected"].set(
            _yuan(f.projected_total),
            PROJECTION_METHODS[f.projection_method],
            colour=INCREASE_COLOUR if over else None,
        )
        if f.headroom is None:
            note = tr("缺少上年数据，无法与目标比较")
        elif f.headroom >= 0:
            note = tr("距目标尚余 {a}").format(a=_yuan(f.headroom))
        else:
            note = tr("已超出目标 {a}").format(a=_yuan(-f.headroom))
        self.cards["status"].set(f.status_label, note)
        self.cards["status"].set_colours(f.status_colour)

    def _show_monthly(self, dash: DashboardFigures) -> None:
        chart = self.monthly_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        last_year, this_year = dash.year - 1, dash.year
        self.last_year_set = QBarSet(tr("上年（{y}）").format(y=last_year))
        self.this_year_set = QBarSet(tr("本年（{y}）").format(y=this_year))
        self.last_year_set.setColor(QColor(LAST_YEAR_COLOUR))
        self.this_year_set.setColor(QColor(THIS_YEAR_COLOUR))
        self.last_year_set.append([_chart_value(v) for v in dash.monthly_last_year])
        self.this_year_set.append([_chart_value(v) for v in dash.monthly])
        self.last_year_set.clicked.connect(lambda index: self.open_month(last_year, index + 1))
        self.this_year_set.clicked.connect(lambda index: self.open_month(this_year, index + 1))
        monthly = {last_year: dash.monthly_last_year, this_year: dash.monthly}
        self.last_year_set.hovered.connect(
            lambda on, index: self._month_tip(on, last_year, index, monthly[last_year][index])
        )
        self.this_year_set.hovered.connect(
            lambda on, index: self._month_tip(on, this_year, index, monthly[this_year][index])
        )
        series = QBarSeries()
        series.append(self.last_year_set)
        series.append(self.this_year_set)
        chart.addSeries(series)
        months = QBarCategoryAxis()
        months.append([tr("{m}月").format(m=m) for m in range(1, 13)])
        chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(months)
        values = QValueAxis()
        values.setLabelFormat("%.0f")
        values.setMin(0)
        values.setMax(_nice_max(list(dash.monthly) + list(dash.monthly_last_year)))
        values.setTickCount(5)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(values)

    def _month_tip(self, on: bool, year: int, index: int, amount: Decimal) -> None:
        if on:
            QToolTip.showText(
                QCursor.pos(),
                tr("{y}年{m}月：{a}（点击查看台账）").format(y=year, m=index + 1, a=_yuan(amount)),
            )
        else:
            QToolTip.hideText()

    def _show_cumulative(self, dash: DashboardFigures) -> None:
        chart = self.cumulative_chart
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        f = dash.figures
        all_series: list[QLineSeries] = []
        last = QLineSeries()
        last.setName(tr("上年累计（{y}）").format(y=dash.year - 1))
        pen = QPen(QColor(LAST_YEAR_COLOUR), 1.5, Qt.PenStyle.DashLine)
        last.setPen(pen)
        for m, value in enumerate(dash.cumulative_last_year, start=1):
            last.append(QPointF(m, _chart_value(value)))
        if any(dash.monthly_last_year):
            all_series.append(last)
        this = QLineSeries()
        this.setName(tr("本年累计（{y}）").format(y=dash.year))
        this.setPen(QPen(QColor(THIS_YEAR_COLOUR), 2.5))
        this.setPointsVisible(True)
        for m, value in enumerate(dash.cumulative, start=1):
            this.append(QPointF(m, _chart_value(value)))
        all_series.append(this)
        values = [*dash.cumulative, *dash.cumulative_last_year]
        if f.target_total is not None:
            target = QLineSeries()
            target.setName(tr("年度目标 {a}").format(a=fmt(f.target_total)))
            target.setPen(QPen(QColor(TARGET_COLOUR), 2, Qt.PenStyle.DashLine))
            target.append(QPointF(1, _chart_value(f.target_total)))
            target.append(QPointF(12, _chart_value(f.target_total)))
            all_series.append(target)
            values.append(f.target_total)
        months = QCategoryAxis()
        months.setRange(1, 12)
        months.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        for m in range(1, 13):
            months.append(str(m), m)
        months.setTitleText(tr("月份"))
        amounts = QValueAxis()
        amounts.setMin(0)
        amounts.setMax(_nice_max(values))
        amounts.setTickCount(5)
        amounts.setLabelFormat("%.0f")
        chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(amounts, Qt.AlignmentFlag.AlignLeft)
        for series in all_series:
            chart.addSeries(series)
            series.attachAxis(months)
            series.attachAxis(amounts)

    def _show_side(self, dash: DashboardFigures) -> None:
        f = dash.figures
        if dash.canteen_share is None:
            self.side_cards["canteen"].set("—", tr("本年没有用餐记录"))
        else:
            self.side_cards["canteen"].set(
                percent(dash.canteen_share),
                tr("{c} / {n} 餐在学校或机关食堂").format(c=dash.canteen_meals, n=dash.meal_count),
            )
        if dash.compliance_rate is None:
            self.side_cards["compliance"].set("—", tr("本年没有已审核的接待"))
        else:
            self.side_cards["compliance"].set(
                percent(dash.compliance_rate),
                tr("{c} / {n} 批次未违反接待标准").format(c=dash.compliant, n=f.batches),
                colour=DECREASE_COLOUR if dash.compliant == f.batches else None,
            )
        self.side_cards["over_standard"].set(
            _yuan(dash.over_standard_total),
            tr("超出标准、应由个人承担的部分"),
            colour=INCREASE_COLOUR if dash.over_standard_total > 0 else None,
        )

    def _show_units(self, dash: DashboardFigures) -> None:
        table = self.units_table
        table.setRowCount(len(dash.top_units))
        for row, unit in enumerate(dash.top_units):
            items = (
                QTableWidgetItem(unit.visiting_unit),
                QTableWidgetItem(str(unit.receptions)),
                QTableWidgetItem(fmt(unit.total)),
            )
            items[0].setData(Qt.ItemDataRole.UserRole, unit.visiting_unit)
            for col, item in enumerate(items):
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(row, col, item)

    # ------------------------------------------------------------------ going to the ledger
    def open_month(self, year: int, month: int) -> None:
        self.open_ledger.emit(LedgerQuery(year=year, month=month, status=Status.APPROVED))

    def open_unit(self, visiting_unit: str) -> None:
        self.open_ledger.emit(
            LedgerQuery(year=self.year, visiting_unit=visiting_unit, status=Status.APPROVED)
        )

    def _unit_clicked(self, row: int, _column: int) -> None:
        item = self.units_table.item(row, 0)
        if item is not None:
            self.open_unit(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_disclosure(self) -> DisclosureDialog:
        dialog = DisclosureDialog(self.service, self.year, self)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ paper
    def print_summary(self) -> None:
        if self.figures is None:
            return
        suggested = str(Path.home() / tr("{y}年公务接待费年度汇总.pdf").format(y=self.figures.year))
        path, _ = QFileDialog.getSaveFileName(self, tr("保存年度汇总"), suggested, tr("PDF 文件 (*.pdf)"))
        if path:
            self.save_summary(path)

    def save_summary(self, path: str | Path) -> Path | None:
        """Write the one-page summary of the year shown; tell the user where, or why not."""
        from reports.output import output_error
        from reports.summary import write_summary

        if self.figures is None:
            return None
        path = Path(path)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            stamp = self.service.print_stamp("summary", str(self.figures.figures.year))
            written = write_summary(path, self.figures, self.service.bureau().name, stamp=stamp)
        except OSError as exc:
            QMessageBox.warning(self, tr("未能保存"), str(output_error(exc, path)))
            return None
        self.message.setStyleSheet("color: #2e7d32;")
        self.message.setText(tr("年度汇总已保存：{path}").format(path=written))
        self.message.show()
        return written


def _nice_max(values: list[Decimal]) -> float:
    """The top of an amount axis: just above the largest value, on a round number."""
    top = max([_chart_value(v) for v in values] + [1.0])
    step = 10 ** max(len(str(int(top))) - 1, 0)
    return float((int(top / step) + 1) * step)
