"""Issue 9 on screen: the meal apart (餐费, 人均餐费 = meal ÷ its diners, other costs) in the ledger
view and the form's figures; the form's 来宾类别 and 住宿人数 × 天数 reach the rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.policy import LodgingRule, load_default_policy
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.test_reception_dialog import open_form
from ui.ledger_model import COLUMN_KEYS, LedgerTableModel


def lunch_with_transport():  # type: ignore[no-untyped-def]
    # the example: a 240-yuan lunch for six and 180 yuan of transport
    return sample_reception(
        date(2025, 3, 5), guests=4, companions=2, amount="240.00", transport=Decimal("180.00")
    )


def test_the_ledger_view_shows_the_meal_and_its_per_diner_figure(service: LedgerService, team: Team) -> None:
    service.save(team.clerk, lunch_with_transport())
    model = LedgerTableModel(service)
    model.refresh()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert "餐费（元）" in headers and "人均餐费（元）" in headers and "人均（元）" not in headers
    row = {key: model.data(model.index(0, c)) for c, key in enumerate(COLUMN_KEYS)}
    assert row["total"] == "420.00"
    assert row["meal_amount"] == "240.00"
    assert row["meal_per_person"] == "40.00"  # not 70.00: no transport in the meal


def test_the_forms_figures_keep_the_meal_apart(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    saved = service.save(team.clerk, lunch_with_transport())
    form = open_form(qtbot, service, team.clerk, saved.id)
    qtbot.waitUntil(lambda: form.per_person_label.text() != "")
    assert form.meal_label.text() == "240.00 元"
    assert form.per_person_label.text() == "40.00 元（6 人就餐）"
    assert form.other_label.text().startswith("180.00 元")
    assert form.total_label.text() == "420.00 元"


def test_guest_origin_and_person_nights_from_the_form_reach_the_rules(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    service.add_policy(
        team.admin,
        replace(
            load_default_policy(),
            effective_from=date(2024, 1, 1),
            lodging=LodgingRule(check=True, cap_per_person_night=Decimal("300.00")),
        ),
    )
    saved = service.save(team.clerk, sample_reception(date(2025, 3, 5), accommodation=Decimal("700.00")))
    form = open_form(qtbot, service, team.clerk, saved.id)
    assert form.guest_origin.currentData() == ""
    form.lodging_persons.setValue(2)
    form.lodging_nights.setValue(1)
    form.guest_origin.setCurrentIndex(form.guest_origin.findData("外宾"))
    box = form.rule_boxes["lodging_over_cap"]  # 700.00 for no person-nights: a breach from the start
    assert "超过标准0.00元" in box.messages.text()
    qtbot.waitUntil(lambda: "住宿费700.00元，超过标准600.00元" in box.messages.text())
    assert box.isVisible()
    form.lodging_nights.setValue(2)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert form.save_draft()
    stored = service.get(saved.id)  # type: ignore[arg-type]
    assert (stored.guest_origin, stored.lodging_persons, stored.lodging_nights) == ("外宾", 2, 2)
