"""Issue 10's whole life in the window: the letter arrives, the clerk writes the plan and submits
it, the leader approves it, the reception is started from it and goes over it, is submitted,
withdrawn, corrected, submitted again, approved in the queue, and reimbursed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from ledger.preapproval import Letter
from ledger.records import Person, Status
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.test_plans_ui import LETTER, a_plan, answer, show
from tests.ui.test_reception_dialog import click
from ui.approval_view import ApprovalView
from ui.main_window import MainWindow
from ui.meals_model import AMOUNT
from ui.plan_dialog import PlanDialog
from ui.reception import ReceptionDialog, UnsavedPrompt
from ui.reception.life import Confirm, ReimbursementDialog


def test_from_the_letter_to_the_reimbursement(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, comment="同意")
    monkeypatch.setattr(Confirm, "ask", classmethod(lambda cls, parent, title, text: True))
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    service.clock = lambda: datetime(2026, 3, 2, 9, 0)
    service.register_letter(
        team.clerk, Letter(LETTER, "市教育局", "关于督导检查的函"), ("函.pdf", b"%PDF scan")
    )

    # the clerk writes the plan and submits it from its form
    draft = service.save_plan(team.clerk, a_plan())
    form = show(qtbot, PlanDialog(service, team.clerk, draft.id))
    assert form.submit(), form.message_label.text()
    assert service.plan(draft.id).status == Status.SUBMITTED
    form.close()

    # the leader approves it in the 接待审批 tab; the clerk who wrote it could not
    service.clock = lambda: datetime(2026, 3, 5, 16, 0)
    leader = show(qtbot, MainWindow(service, team.approver))
    assert leader.tabs.currentWidget() is leader.plans_view  # only a plan waits: the day starts there
    leader.plans_view.select_plan(draft.id)
    leader.plans_view.approve_button.click()
    assert service.plan(draft.id).status == Status.APPROVED
    leader.close()

    # the visit: the reception is started from the plan, two more guests came than approved
    service.clock = lambda: datetime(2026, 3, 10, 17, 0)
    clerk = show(qtbot, MainWindow(service, team.clerk))
    clerk.plans_view.select_plan(draft.id)
    clerk.plans_view.start_button.click()
    reception = next(f for f in clerk._forms if isinstance(f, ReceptionDialog))
    people = reception.people
    people.guests_model.set_people(people.guests_model.people() + (Person("督导6"), Person("督导7")))
    people.guest_count.setValue(8)
    meals = reception.costs.meals_model
    meals.setData(meals.index(0, AMOUNT), "300.00")
    reception.refresh_check()
    qtbot.waitUntil(lambda: reception.plan_panel.over_labels() == ["接待对象"])
    assert reception.check.documents_label.isHidden()  # the default policy requires no documents
    assert reception.save_draft(), reception.message_label.text()
    saved = service.get(reception.reception_id)  # type: ignore[arg-type]
    assert saved.plan_id == draft.id and saved.guest_count == 8

    # submitted, then taken back before the leader acts, corrected and submitted again
    service.clock = lambda: datetime(2026, 3, 11, 9, 0)
    click(qtbot, reception.submit_button)
    assert service.get(saved.id).status is Status.SUBMITTED  # type: ignore[arg-type]
    click(qtbot, reception.withdraw_button)
    assert service.get(saved.id).status is Status.DRAFT  # type: ignore[arg-type]
    meals.setData(meals.index(0, AMOUNT), "360.00")
    click(qtbot, reception.submit_button)
    sent = service.get(saved.id)  # type: ignore[arg-type]
    assert sent.status is Status.SUBMITTED and sent.meals[0].amount == Decimal("360.00")

    # the leader approves it in the queue
    service.clock = lambda: datetime(2026, 3, 12, 15, 0)
    queue = show(qtbot, ApprovalView(service, team.approver))
    assert queue.selected_reception_id() == sent.id
    assert queue.approve_selected()
    assert service.get(sent.id).status is Status.APPROVED  # type: ignore[arg-type]

    # the clerk records the reimbursement
    service.clock = lambda: datetime(2026, 3, 20, 10, 0)

    def present(dialog: ReimbursementDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.number.setText("记-2026-03-118")
        dialog.day.setDate(QDate(2026, 3, 20))
        dialog.accept()
        return dialog.result() == 1

    monkeypatch.setattr(ReimbursementDialog, "present", staticmethod(present))
    paid = show(qtbot, ReceptionDialog(service, team.clerk, sent.id))
    click(qtbot, paid.reimburse_button)
    final = service.get(sent.id)  # type: ignore[arg-type]
    assert (final.reimbursement_no, final.reimbursed_on) == ("记-2026-03-118", date(2026, 3, 20))
    assert paid.reimbursement_label.text() == "报销：凭证号 记-2026-03-118，日期 2026-03-20（李会计登记）"
    actions = [e.action for e in service.history(sent.id)]  # type: ignore[arg-type]
    assert actions == ["create", "submit", "withdraw", "edit", "submit", "approve", "reimburse"]
    assert service.verify().ok
