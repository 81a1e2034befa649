"""The dashboard shows the year's figures and leads into the ledger."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from pytestqt.qtbot import QtBot

from ledger.money import fmt
from ledger.records import ImportRow, LedgerQuery, Status
from ledger.service import LedgerService
from ledger.targets import dashboard_figures, percent, signed_percent, year_figures
from tests.conftest import Team, sample_reception
from ui.dashboard_view import DashboardView


def approved(service: LedgerService, team: Team, entries: list[tuple[date, str, str]]) -> None:
    rows = []
    for i, (on, total, unit) in enumerate(entries):
        meal = min(Decimal(total), Decimal("100.00"))
        r = replace(sample_reception(on, unit=unit, amount=str(meal)), accommodation=Decimal(total) - meal)
        rows.append(ImportRow(row=i + 2, reception=r, approved_by="张副局长", approved_on=on))
    assert all(o.ref for o in service.import_rows(team.both, rows, historical=True, allow_duplicates=True))


def test_dashboard_shows_the_demo_figures_and_a_unit_opens_the_ledger(
    qtbot: QtBot, demo_service: LedgerService
) -> None:
    service = demo_service
    year = date.today().year
    view = DashboardView(service)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    assert view.year == year
    f = year_figures(service, year)
    dash = dashboard_figures(service, year)
    cards = view.cards
    assert cards["ytd"].value.text() == f"{fmt(f.ytd_total)} 元"
    assert cards["ytd"].note.text() == f"{f.batches} 批次 · {f.person_visits} 人次"
    assert cards["same_period"].value.text() == f"{fmt(f.same_period_last_year)} 元"
    assert cards["yoy"].value.text() == signed_percent(f.yoy_change)
    assert cards["target"].value.text() == f"{fmt(f.target_total)} 元"  # type: ignore[arg-type]
    assert cards["projected"].value.text() == f"{fmt(f.projected_total)} 元"
    assert cards["status"].value.text() == f.status_label
    assert f.status_colour in cards["status"].styleSheet()
    assert view.side_cards["compliance"].value.text() == percent(dash.compliance_rate)
    assert view.side_cards["canteen"].value.text() == percent(dash.canteen_share)
    assert view.side_cards["over_standard"].value.text() == f"{fmt(dash.over_standard_total)} 元"
    # the bars hold the same monthly totals
    assert view.this_year_set is not None and view.last_year_set is not None
    assert [Decimal(str(view.this_year_set.at(i))).quantize(Decimal("0.01")) for i in range(12)] == list(
        dash.monthly
    )

    top = dash.top_units[0]
    assert view.units_table.item(0, 0).text() == top.visiting_unit
    assert view.units_table.item(0, 1).text() == str(top.receptions)
    rect = view.units_table.visualItemRect(view.units_table.item(0, 0))
    with qtbot.waitSignal(view.open_ledger, timeout=2000) as blocker:
        qtbot.mouseClick(view.units_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [LedgerQuery(year=year, visiting_unit=top.visiting_unit, status=Status.APPROVED)]


def test_a_month_bar_opens_that_month_and_a_year_without_baseline_says_so(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    approved(
        service, team, [(date(2025, 3, 10), "900.00", "市审计局"), (date(2025, 5, 6), "300.00", "市教育局")]
    )
    view = DashboardView(service)
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.set_year(2025)
    assert view.cards["ytd"].value.text() == "1,200.00 元"
    assert view.cards["target"].value.text() == "—"
    assert view.cards["target"].note.text() == "无上年基数，无法计算目标"
    assert view.cards["status"].value.text() == "无上年基数，无法计算目标"
    assert view.cards["yoy"].value.text() == "—"
    assert view.cards["projected"].note.text() == "全年实际"

    # click the middle of this year's March bar
    qtbot.waitExposed(view)
    series = view.this_year_set
    assert series is not None
    chart = view.monthly_chart
    bar_series = chart.series()[0]
    point = chart.mapToPosition(QPointF(2 + 0.12, 450.0), bar_series)
    pos = view.monthly_view.mapFromScene(chart.mapToScene(point))
    with qtbot.waitSignal(view.open_ledger, timeout=2000) as blocker:
        qtbot.mouseClick(view.monthly_view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args == [LedgerQuery(year=2025, month=3, status=Status.APPROVED)]

    written = view.save_summary(tmp_path / "summary")
    assert written == tmp_path / "summary.pdf" and written.stat().st_size > 0
    assert "年度汇总已保存" in view.message.text()


def test_the_status_follows_the_year_chosen(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    approved(
        service, team, [(date(2024, 6, 1), "10000.00", "市教育局"), (date(2025, 6, 1), "7000.00", "市教育局")]
    )
    view = DashboardView(service)
    qtbot.addWidget(view)
    assert view.figures is None  # nothing is read before the tab is shown
    view.show()
    years = [view.year_combo.itemData(i) for i in range(view.year_combo.count())]
    assert 2024 in years and 2025 in years
    view.year_combo.setCurrentIndex(view.year_combo.findData(2025))
    assert view.cards["status"].value.text() == "已完成目标"
    assert view.cards["target"].value.text() == "8,000.00 元"
    assert view.cards["yoy"].value.text() == "-30.0%"
    approved(service, team, [(date(2025, 9, 1), "1000.01", "市教育局")])
    view.refresh()
    assert view.cards["status"].value.text() == "已超出目标"
    assert view.cards["status"].note.text() == "已超出目标 0.01 元"


def test_in_the_main_window_a_unit_opens_the_ledger_filtered_to_it(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    from ui.main_window import MainWindow

    year = date.today().year
    approved(
        service,
        team,
        [
            (date(year, 1, 5), "200.00", "市审计局"),
            (date(year, 1, 6), "300.00", "市审计局"),
            (date(year, 1, 7), "50.00", "邻县教育局"),
        ],
    )
    service.save(team.clerk, sample_reception(date(year, 1, 8), unit="市审计局"))  # a draft: not counted
    window = MainWindow(service, team.approver)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.dashboard_view)
    assert window.tabs.tabText(window.tabs.indexOf(window.dashboard_view)) == "仪表盘"
    assert window.dashboard_view.cards["ytd"].value.text() == "550.00 元"
    table = window.dashboard_view.units_table
    assert table.item(0, 0).text() == "市审计局"
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(0, 0)).center()
    )
    assert window.tabs.currentWidget() is window.ledger_view
    assert window.ledger_view.summary_label.text() == "共 2 条，合计 ¥500.00"
    # a new approval shows on the dashboard when it is shown again
    approved(service, team, [(date(year, 1, 9), "1000.00", "市审计局")])
    window.refresh()
    window.tabs.setCurrentWidget(window.dashboard_view)
    assert window.dashboard_view.cards["ytd"].value.text() == "1,550.00 元"


def chart_texts(view: DashboardView) -> list[str]:
    """Every text the two charts draw (titles, axis labels, legend names), as drawn."""
    from PySide6.QtWidgets import QGraphicsTextItem

    return [
        item.toPlainText()
        for chart in (view.monthly_chart, view.cumulative_chart)
        for item in chart.scene().items()
        if isinstance(item, QGraphicsTextItem) and item.isVisible()
    ]


def test_month_labels_and_legends_are_whole_on_the_laptop_at_150_and_at_100_percent(
    qtbot: QtBot, demo_service: LedgerService
) -> None:
    """The 1366×768 laptop at 150 % leaves the dashboard about 890 px (logical): side by side
    the months read "10…" and the legend "上年累计（…"; there the charts stand one below the
    other, at 100 % (1340 px) side by side as before."""
    view = DashboardView(demo_service)
    qtbot.addWidget(view)
    view.show()
    for width, side_by_side in ((890, False), (1340, True)):
        view.resize(width, 600)
        qtbot.wait(50)
        assert view.charts_side_by_side() is side_by_side
        texts = chart_texts(view)
        assert [t for t in texts if t.endswith(("…", "..."))] == [], width
        for month in range(1, 13):
            assert f"{month}月" in texts
        year = view.year
        assert {f"上年累计（{year - 1}）", f"本年累计（{year}）"} <= set(texts)
        assert any(t.startswith("年度目标 ") and t[-3] == "." for t in texts)  # the amount, whole
