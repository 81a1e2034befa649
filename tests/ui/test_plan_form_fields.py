"""The plan form (接待审批 → 新建) as a clerk meets it: a new form is not red before anything is
typed, a field says its problem once it was changed or a save was tried, and the planned
meals' columns are wide enough for their headers and what they hold on the laptop at 150 %."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import type_text
from ui.plan_dialog import PlanDialog
from ui.plan_meals import VENUE, VENUE_TYPE


@pytest.fixture(autouse=True)
def _early_march(service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans are written in early March 2026; closing a form discards."""
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def new_form(qtbot: QtBot, service: LedgerService, team: Team) -> PlanDialog:
    form = PlanDialog(service, team.clerk)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    return form


def said(form: PlanDialog) -> dict[str, str]:
    """The messages under the fields, as shown."""
    return {key: label.text() for key, label in form.fields.error.items() if not label.isHidden()}


def red(form: PlanDialog) -> list[str]:
    return [key for key, widget in form.fields.widget.items() if widget.property("problem") is True]


def test_a_new_plan_form_is_not_red_before_anything_is_typed(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = new_form(qtbot, service, team)
    form.refresh_check()
    assert said(form) == {}
    assert red(form) == []


def test_a_field_says_its_problem_once_changed_and_every_field_once_a_save_was_tried(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = new_form(qtbot, service, team)
    type_text(qtbot, form.form.activity, "督导")
    form.form.activity.clear()  # typed, then taken back: this field was touched
    form.refresh_check()
    assert said(form) == {"activity": "请填写公务活动"}
    assert red(form) == ["activity"]

    assert form.save_draft() is False  # a save tried: every problem is said, nothing is written
    assert said(form)["visiting_unit"] == "请填写来访单位"
    assert said(form)["guest_count"] == "接待对象至少 1 人"
    assert "visiting_unit" in red(form)
    assert service.plans() == []


def test_the_planned_meals_columns_fit_their_headers_and_venues_on_the_laptop_at_150_percent(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """The 1366×768 laptop at 150 % is 910×512 logical pixels: the form gets about 900 of them.
    The venue column was the narrowest: its header and "局机关食堂" read "局机…"."""
    form = new_form(qtbot, service, team)
    form.resize(900, 480)
    model = form.form.meals_model
    for _ in range(2):
        row = form.form.add_meal()
        model.setData(model.index(row, VENUE), "局机关食堂")
        model.setData(model.index(row, VENUE_TYPE), "机关食堂")
    qtbot.wait(50)
    view = form.form.meals_view
    header = view.horizontalHeader()
    bold = header.font()
    bold.setBold(True)  # the header of the current column is drawn bold
    for column in range(model.columnCount()):
        title = model.headerData(column, header.orientation())
        assert view.columnWidth(column) >= QFontMetrics(bold).horizontalAdvance(title) + 8, title
        assert view.columnWidth(column) >= view.sizeHintForColumn(column), title
    assert view.columnWidth(VENUE) >= view.fontMetrics().horizontalAdvance("局机关食堂") + 8
    assert not view.horizontalScrollBar().isVisible()  # and no column pushed out of sight

    form.resize(1220, 700)  # at 100 % the venue takes the width left over
    qtbot.wait(50)
    assert view.columnWidth(VENUE) == max(view.columnWidth(c) for c in range(model.columnCount()))
