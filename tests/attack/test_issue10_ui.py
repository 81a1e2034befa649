"""Attack on issue 10 in the window: the plan form takes what it should refuse at the field.

README: "As you type, each problem is said under its field"; dates outside 1900-01-01 to
9998-12-31 are refused; the plan approved becomes a reception by 据此登记接待.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import gui_app, type_text  # noqa: F401  (gui_app: an unanswered box raises; answered below)
from ui.plan_dialog import PlanDialog
from ui.reception import UnsavedPrompt


@pytest.fixture(autouse=True)
def _march(gui_app: QApplication, service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # noqa: F811  (the gui_app fixture, imported above)
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    yield
    for widget in QApplication.topLevelWidgets():  # closed while the answer above still holds
        if isinstance(widget, PlanDialog) and widget.isVisible():
            widget.reject()


def test_the_plan_form_does_not_save_a_plan_typed_as_dated_1800(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    form = PlanDialog(service, team.clerk)
    qtbot.addWidget(form)
    form.resize(1366, 768)
    form.show()
    qtbot.waitExposed(form)
    type_text(qtbot, form.form.visiting_unit, "市审计局")
    type_text(qtbot, form.form.activity, "专项审计调查")
    form.form.guest_count.setValue(2)
    start = form.form.start_date
    start.setFocus()
    start.lineEdit().selectAll()
    start.lineEdit().setText("1800-01-01")  # typed, then Tab: the field takes it without a word
    start.editingFinished.emit()
    assert start.date() == QDate(1800, 1, 1) and start.refusal() == ""
    form.grab().save(str(tmp_path / "plan-1800.png"))
    form.save_draft()
    # today: saved as SP-1800-0001
    assert [p.ref for p in service.plans()] == [], [p.ref for p in service.plans()]
    assert "start_date" in form.fields.error and form.fields.error["start_date"].isVisible()


def test_every_breach_of_a_five_day_plan_can_be_read_in_the_panel(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    """A five-day training with three meals a day above the cap: 15 meal breaches, the companions
    and the number of meals. Today the panel 对照接待标准 grows no scroll bar and cuts the list
    off at 1366×768 (the last lines — 工作餐次数超标 among them — are below its edge)."""
    from datetime import date, timedelta
    from decimal import Decimal

    from ledger.preapproval import Plan, PlannedMeal

    kinds = ("breakfast", "lunch", "dinner")
    meals = tuple(
        PlannedMeal(
            date(2026, 3, 10) + timedelta(days=i // 3), kinds[i % 3], "县宾馆", "其他", 12, Decimal("80")
        )
        for i in range(15)
    )
    plan = service.save_plan(
        team.clerk,
        Plan(
            start_date=date(2026, 3, 10),
            end_date=date(2026, 3, 14),
            visiting_unit="省教育厅培训班",
            activity="校长培训",
            activity_kind="检查指导",
            letter_no="省教函〔2026〕20号",
            guest_count=8,
            companion_count=4,
            meals=meals,
            budget=Decimal("9000.00"),
        ),
    )
    form = PlanDialog(service, team.clerk, plan.id)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.grab().save(str(tmp_path / "plan-15-breaches.png"))
    panel = form.breach_panel
    assert "工作餐次数超标" in panel.text()
    label = panel.verdict
    needed = label.heightForWidth(label.width())
    shown = label.visibleRegion().boundingRect().height()
    reachable = shown + panel.scroll.verticalScrollBar().maximum()  # what scrolling brings into view
    assert reachable >= needed, (
        f"the breach list needs {needed} px, {reachable} px of it can be seen or scrolled to"
    )
    frame = form.frameGeometry()
    assert frame.height() <= 768, "the dialog grew off a 1366×768 screen"
