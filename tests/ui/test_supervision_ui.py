"""Warnings in the window (dashboard panel, queue, form) and the yearly disclosure dialog."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ledger.records import Reception
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.test_outputs_ui import pdf_text
from ui.approval_view import ApprovalView
from ui.dashboard_view import DashboardView
from ui.ledger_view import LedgerView
from ui.reception import ReceptionDialog

TODAY = date.today()


def draft(service: LedgerService, team: Team, on: date, **changes: object) -> Reception:
    service.clock = lambda: datetime.combine(on, time(12))
    record = service.save(team.clerk, sample_reception(on, **changes))  # type: ignore[arg-type]
    service.clock = lambda: datetime.combine(TODAY, time(12))
    return record


def workdays_this_year() -> list[date]:
    from ledger.workdays import WorkCalendar

    cal = WorkCalendar()
    days = [date(TODAY.year, 1, 1)]
    out = []
    while len(out) < 3:
        day = days[-1]
        if cal.is_working_day(day) and day <= TODAY:
            out.append(day)
        days.append(date.fromordinal(day.toordinal() + 10))
    return out


def test_dashboard_panel_counts_by_code_and_a_click_shows_the_receptions(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    a, b, c = workdays_this_year()
    cash1 = draft(service, team, a, unit="市教育局", letter_no="市教函〔1〕1号", payment_method="现金")
    cash2 = draft(service, team, b, unit="市审计局", letter_no="市审函〔1〕2号", payment_method="现金")
    draft(service, team, c, unit="市财政局", letter_no="市财函〔1〕3号")
    view = DashboardView(service)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    panel = view.risk_panel
    row = [panel.code_at(i) for i in range(panel.table.rowCount())].index("cash_payment")
    assert panel.table.item(row, 0).text() == "现金支付"
    assert panel.table.item(row, 1).text() == "2"
    assert (
        panel.table.item(
            [panel.code_at(i) for i in range(panel.table.rowCount())].index("letter_reused"), 1
        ).text()
        == "0"
    )
    assert "共 2 处疑点" in panel.summary.text()
    with qtbot.waitSignal(view.open_ledger) as signal:
        panel.table.cellClicked.emit(row, 0)
    query = signal.args[0]
    assert query.refs == tuple(sorted([cash1.ref, cash2.ref]))
    ledger = LedgerView(service)
    qtbot.addWidget(ledger)
    ledger.show_query(query)
    assert ledger.model.rowCount() == 2
    assert "疑点提示中的 2 条接待" in ledger.extra_label.text()


def test_queue_and_form_show_the_warnings_without_blocking(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    day = workdays_this_year()[0]
    service.clock = lambda: datetime.combine(day, time(12))
    submitted = service.submit(team.clerk, sample_reception(day, payment_method="现金"))
    service.clock = lambda: datetime.combine(TODAY, time(12))
    queue = ApprovalView(service, team.approver)
    qtbot.addWidget(queue)
    assert queue.model.index(0, 6).data() == "现金支付"
    text = queue.details.toPlainText()
    assert "疑点提示 1 项" in text and "以现金支付" in text
    assert queue.approve_button.isEnabled()  # a warning never blocks the approval
    form = ReceptionDialog(service, team.clerk, submitted.id)
    qtbot.addWidget(form)
    form.show()
    assert form.check.risks_label.isVisible()
    assert "现金支付：以现金支付" in form.check.risks_label.text()


def test_disclosure_dialog_copies_the_paragraph_and_saves_the_pdf(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    for on, amount in ((date(2024, 4, 9), "400.00"), (date(2025, 4, 8), "300.00")):
        service.clock = lambda on=on: datetime.combine(on, time(12))
        record = service.submit(team.clerk, sample_reception(on, amount=amount))
        assert record.id is not None
        service.approve(team.approver, record.id)
    view = DashboardView(service)
    qtbot.addWidget(view)
    view.set_year(2025)
    dialog = view.show_disclosure()
    qtbot.addWidget(dialog)
    text = dialog.text_view.toPlainText()
    assert text.startswith(
        "2025年度公务接待费支出0.03万元，比上年减少0.01万元，下降25.00%。主要原因是（请填写"
    )
    dialog.reason_edit.setPlainText("压减陪餐人数")
    assert "主要原因是压减陪餐人数。" in dialog.text_view.toPlainText()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.text_view.toPlainText()
    written = dialog.save_pdf(tmp_path / "公开")
    assert written is not None and written.suffix == ".pdf"
    assert "主要原因是压减陪餐人数" in pdf_text(written)


def test_disclosure_dialog_of_a_first_year_states_no_change_and_asks_no_reason(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    service.clock = lambda: datetime(2025, 4, 8, 12)
    record = service.submit(team.clerk, sample_reception(date(2025, 4, 8), amount="300.00"))
    assert record.id is not None
    service.approve(team.approver, record.id)
    view = DashboardView(service)
    qtbot.addWidget(view)
    view.set_year(2025)
    dialog = view.show_disclosure()
    qtbot.addWidget(dialog)
    assert dialog.text_view.toPlainText().startswith(
        "2025年度公务接待费支出0.03万元（上年台账中没有已审核的公务接待记录，未与上年比较）。其中："
    )
    shown = [label.text() for label in dialog.findChildren(QLabel)]
    assert "上年台账中没有已审核的公务接待记录" in shown  # the figure 上年支出, not 0.00
    assert not dialog.reason_edit.isEnabled()


def test_warning_parameters_are_saved_with_a_new_policy_version(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.settings_dialog import SettingsDialog

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    settings = SettingsDialog(service, team.admin)
    qtbot.addWidget(settings)
    tab = settings.policy_tab
    dialog = tab.edit_warnings()
    qtbot.addWidget(dialog)
    assert dialog.boxes["cash_payment"].isChecked() and dialog.spins["split_days"].value() == 2
    dialog.boxes["cash_payment"].setChecked(False)
    dialog.spins["split_days"].setValue(4)
    dialog.boxes["late_entry"].setChecked(False)
    assert not dialog.spins["late_entry_days"].isEnabled()
    dialog.accept()
    tab.set_effective_date(date(2030, 1, 1))
    tab.save_button.click()
    assert "已新增 2030-01-01 起执行的版本" in tab.status.text()
    old, new = service.policies()
    assert old.warnings.cash_payment and old.warnings.split_days == 2
    assert not new.warnings.cash_payment and new.warnings.split_days == 4 and not new.warnings.late_entry


def test_the_warning_names_stay_readable_in_a_narrow_warnings_panel(qtbot: QtBot) -> None:
    """On the laptop at 150 % the dashboard's 疑点提示 panel is about 200 pixels wide: the counts
    take what they need and the warning's name the rest (a stretched first column beside two
    default-wide ones was squeezed to nothing)."""
    from PySide6.QtGui import QFontMetrics

    from ui.supervision import RiskPanel

    panel = RiskPanel()
    qtbot.addWidget(panel)
    panel.setFixedWidth(260)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(50)
    table = panel.table
    assert table.viewport().width() < 260
    metrics = QFontMetrics(table.font())
    names = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert table.columnWidth(0) >= max(metrics.horizontalAdvance(n) for n in names)
    for column in (1, 2):
        title = table.horizontalHeaderItem(column).text()
        assert table.columnWidth(column) >= metrics.horizontalAdvance(title)
    assert sum(table.columnWidth(c) for c in range(3)) <= table.viewport().width()  # all in sight
