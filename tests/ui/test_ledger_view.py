"""The ledger view: a model that passes qtmodeltester, filters, search, sort and the status line."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.records import LedgerQuery, Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.conftest import type_text
from ui.ledger_model import COLUMN_KEYS, PAGE_SIZE, LedgerTableModel
from ui.ledger_view import LedgerView


@pytest.fixture
def ledger(service: LedgerService, team: Team) -> LedgerService:
    """Four receptions: one approved with a breach, one submitted, two drafts (one in 2024)."""
    breach = service.submit(
        team.clerk,
        sample_reception(
            date(2025, 3, 5),
            guests=10,
            companions=4,
            amount="600.00",
            unit="省教育厅督导组",
            activity="县域义务教育优质均衡发展评估",
            explanations={"companions_over_cap": "分管股室负责人临时陪同汇报工作"},
        ),
    )
    service.approve(team.approver, breach.id)  # type: ignore[arg-type]
    service.submit(team.clerk, sample_reception(date(2025, 4, 8), amount="300.00", unit="市教育局"))
    service.save(team.clerk, sample_reception(date(2025, 4, 20), amount="250.50", unit="邻县教育局"))
    service.save(
        team.clerk,
        sample_reception(date(2024, 11, 2), amount="180.00", unit="市审计局", letter_no="审函〔2024〕9号"),
    )
    return service


def column(name: str) -> int:
    return COLUMN_KEYS.index(name)


def shown(view: LedgerView, name: str) -> list[str]:
    model = view.model
    return [model.data(model.index(r, column(name))) for r in range(model.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester, ledger: LedgerService) -> None:  # type: ignore[no-untyped-def]
    model = LedgerTableModel(ledger)
    qtmodeltester.check(model)
    model.sort(column("total"), Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    model.set_query(LedgerQuery(compliance="breach"))
    qtmodeltester.check(model)


def test_model_fetches_pages_on_demand(service: LedgerService, team: Team) -> None:
    from ledger.records import ImportRow

    rows = [
        ImportRow(row=i + 2, reception=sample_reception(date(2025, 1, 1 + i % 28), amount=f"{100 + i}.00"))
        for i in range(PAGE_SIZE + 30)
    ]
    service.import_rows(team.clerk, rows)
    model = LedgerTableModel(service, LedgerQuery(sort="total", descending=False))
    assert model.rowCount() == PAGE_SIZE + 30
    assert model._pages == {}  # nothing read before a row is asked for
    assert model.data(model.index(PAGE_SIZE + 29, column("total"))) == f"{100 + PAGE_SIZE + 29:,}.00"
    assert list(model._pages) == [PAGE_SIZE]  # only the last page was read
    assert model.data(model.index(0, column("total"))) == "100.00"
    # pages past the middle are read from the other end: the same rows in the same order
    everything = service.ledger_rows(model.query, 0, PAGE_SIZE + 30)
    assert [model.reception_id(r) for r in range(model.rowCount())] == [r.id for r in everything]


def test_status_line_counts_and_sums_what_is_shown(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    assert view.summary_label.text() == "共 4 条，合计 ¥1,330.50"
    assert shown(view, "reception_date") == ["2025-04-20", "2025-04-08", "2025-03-05", "2024-11-02"]


def test_filters_narrow_the_rows(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    view.year_combo.setCurrentIndex(view.year_combo.findData(2025))
    assert view.month_combo.isEnabled()
    assert view.summary_label.text() == "共 3 条，合计 ¥1,150.50"
    view.month_combo.setCurrentIndex(view.month_combo.findData(4))
    assert shown(view, "visiting_unit") == ["邻县教育局", "市教育局"]
    view.status_combo.setCurrentIndex(view.status_combo.findData(Status.SUBMITTED.value))
    assert shown(view, "status") == ["待审核"]
    assert view.summary_label.text() == "共 1 条，合计 ¥300.00"

    view.reset_filters()
    view.compliance_combo.setCurrentIndex(view.compliance_combo.findData("breach"))
    assert shown(view, "visiting_unit") == ["省教育厅督导组"]
    assert shown(view, "violation_count") == ["违规 1 项"]
    assert shown(view, "status") == ["已审核"]
    assert view.summary_label.text() == "共 1 条，合计 ¥600.00"


def test_search_box_finds_unit_activity_and_letter_number(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    type_text(qtbot, view.search_edit, "省教育厅")
    assert view.search_edit.text() == "省教育厅"
    qtbot.waitUntil(lambda: view.model.count == 1)
    assert shown(view, "visiting_unit") == ["省教育厅督导组"]
    assert view.summary_label.text() == "共 1 条，合计 ¥600.00"

    view.search_edit.clear()
    type_text(qtbot, view.search_edit, "审函")  # the letter number
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)  # Enter searches at once
    assert shown(view, "visiting_unit") == ["市审计局"]

    view.search_edit.clear()
    type_text(qtbot, view.search_edit, "没有这样的单位")
    qtbot.keyClick(view.search_edit, Qt.Key.Key_Return)
    assert view.model.rowCount() == 0
    assert view.summary_label.text() == "共 0 条，合计 ¥0.00"


def test_clicking_a_header_sorts_in_the_database(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    view.table.sortByColumn(column("total"), Qt.SortOrder.AscendingOrder)
    assert view.model.query.sort == "total"
    assert shown(view, "total") == ["180.00", "250.50", "300.00", "600.00"]
    view.table.sortByColumn(column("visiting_unit"), Qt.SortOrder.DescendingOrder)
    assert view.model.query.descending
    assert shown(view, "visiting_unit") == sorted(shown(view, "visiting_unit"), reverse=True)


def test_double_click_asks_to_open_the_reception(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    view.resize(1000, 400)
    view.show()
    qtbot.waitExposed(view)
    expected = ledger.get_by_ref(shown(view, "ref")[1]).id
    rect = view.table.visualRect(view.model.index(1, column("visiting_unit")))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(view.open_requested) as blocker:
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [expected]
    assert view.selected_reception_id() == expected


def test_show_query_sets_the_filters(qtbot: QtBot, ledger: LedgerService) -> None:
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    view.show_query(LedgerQuery(year=2025, month=4, status=Status.DRAFT))
    assert view.year_combo.currentData() == 2025
    assert view.month_combo.currentData() == 4
    assert view.status_combo.currentData() == "draft"
    assert shown(view, "visiting_unit") == ["邻县教育局"]
    view.show_query(LedgerQuery(visiting_unit="市审计局"))
    assert view.extra_label.text() == "来访单位：市审计局"
    assert shown(view, "visiting_unit") == ["市审计局"]
    qtbot.mouseClick(view.extra_clear, Qt.MouseButton.LeftButton)
    assert view.model.count == 4


def test_status_shows_what_was_posted_on_a_public_notice(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    posted = service.submit(team.clerk, sample_reception(date(2025, 3, 5), unit="市教育局"))
    service.approve(team.approver, posted.id)  # type: ignore[arg-type]
    secret = service.submit(
        team.clerk,
        sample_reception(
            date(2025, 3, 6), unit="市公安局", classified=True, classified_reason="涉及案件侦办"
        ),
    )
    service.approve(team.approver, secret.id)  # type: ignore[arg-type]
    waiting = service.submit(team.clerk, sample_reception(date(2025, 3, 7), unit="市财政局"))
    service.approve(team.approver, waiting.id)  # type: ignore[arg-type]
    assert service.mark_posted(team.clerk, [posted.id, secret.id], date(2025, 4, 1)) == 1  # type: ignore[list-item]

    view = LedgerView(service)
    qtbot.addWidget(view)
    model = view.model
    rows = {model.data(model.index(r, column("visiting_unit"))): r for r in range(model.rowCount())}
    status = column("status")

    def cell(unit: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> str | None:
        return model.data(model.index(rows[unit], status), role)

    assert cell("市教育局") == "已审核·已公示"
    assert cell("市教育局", Qt.ItemDataRole.ToolTipRole) == "已于 2025-04-01 公示"
    assert cell("市公安局") == "已审核·涉密"
    assert cell("市公安局", Qt.ItemDataRole.ToolTipRole) == "涉密接待：不在公示表中公开"
    assert cell("市财政局") == "已审核"
    assert cell("市财政局", Qt.ItemDataRole.ToolTipRole) is None


def test_a_search_matching_more_than_the_cap_says_so(
    qtbot: QtBot, ledger: LedgerService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import queries

    monkeypatch.setattr(queries, "SUMMARY_CAP", 2)
    view = LedgerView(ledger)
    qtbot.addWidget(view)
    assert view.summary_label.text() == "共 4 条，合计 ¥1,330.50"  # the monthly totals: exact at any size
    view.search_edit.setText("教育")
    view.apply_filters()
    assert view.summary_label.text() == "超过 2 条，列出前 2 条（未计合计）：请缩小搜索范围"
    assert view.model.rowCount() == 2 and view.model.total is None
    assert len({view.model.reception_id(r) for r in range(2)}) == 2
    view.search_edit.setText("审计")
    view.apply_filters()
    assert view.summary_label.text() == "共 1 条，合计 ¥180.00"
