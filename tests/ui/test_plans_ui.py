"""The 接待审批 tab, the plan form, the reception started from a plan and the letter register,
as a clerk and a leader use them (issue 10)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QMessageBox
from pytestqt.qtbot import QtBot

from ledger.db import Database
from ledger.preapproval import Letter, Plan, PlannedMeal
from ledger.records import Person, Status
from ledger.service import LedgerService, PermissionDenied
from tests.conftest import PASSWORD, Team, sample_reception
from tests.ui.conftest import type_text
from ui.hub import ChangeHub
from ui.letters_dialog import LetterDialog, LettersDialog
from ui.live import LiveUpdates
from ui.main_window import MainWindow
from ui.plan_dialog import PlanDialog
from ui.plan_meals import STANDARD, VENUE
from ui.plans_view import PlansView
from ui.reception import ReceptionDialog, UnsavedPrompt
from ui.review_dialogs import CommentDialog, ReturnDialog

LETTER = "市教函〔2026〕7号"
OWN = "此审批单由您填写或提交，不能由您本人审批"


@pytest.fixture(autouse=True)
def _before_the_visits(service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans are written in early March 2026, before the visits; closing a form discards."""
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        visiting_unit="市教育局督导室",
        activity="义务教育优质均衡督导",
        activity_kind="检查指导",
        letter_no=LETTER,
        guest_count=6,
        guests=tuple(Person(f"督导{i}", "市教育局督导室", "科员") for i in range(6)),
        companion_count=2,
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 8, Decimal("40.00")),),
        budget=Decimal("400.00"),
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def answer(monkeypatch: pytest.MonkeyPatch, *, comment: str = "同意", yes: bool = True) -> list[str]:
    """Answer the confirmations and comment dialogs; the questions asked are returned."""
    asked: list[str] = []

    def question(*args: object, **_kw: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(CommentDialog, "ask", classmethod(lambda cls, *a, **k: comment))
    monkeypatch.setattr(ReturnDialog, "ask", classmethod(lambda cls, *a, **k: comment))
    return asked


def show(qtbot: QtBot, widget):  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# ---------------------------------------------------------------------------- the clerk's form
def test_a_clerk_writes_a_plan_sees_its_breach_and_the_used_letter_as_she_types_then_submits(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    used = service.save(team.clerk, sample_reception(date(2026, 2, 20), letter_no="县府函〔2026〕3号"))
    form = show(qtbot, PlanDialog(service, team.clerk))
    assert form.fields.error["visiting_unit"].text() == ""  # an untouched new form says nothing yet
    type_text(qtbot, form.form.visiting_unit, "市审计局")
    type_text(qtbot, form.form.activity, "专项审计调查")
    qtbot.waitUntil(lambda: form.fields.error["visiting_unit"].isHidden())
    form.form.guest_count.setValue(6)
    form.form.companion_count.setValue(4)  # the cap for 6 guests is 3
    qtbot.waitUntil(lambda: "陪餐人数超标" in form.breach_panel.text())
    assert form.form.companion_count.property("breach") is True
    assert "超过上限3人" in form.form.companion_count.toolTip()

    # the letter is cited by another reception already: said at once beneath the number, with its ref
    type_text(qtbot, form.form.letter_no, "县府函[2026]3号")
    qtbot.waitUntil(lambda: form.letter_watch.text() != "")
    assert form.letter_watch.text().startswith("一函一事：此公函已用于 接待 " + used.ref)

    row = form.form.add_meal()
    model = form.form.meals_model
    model.setData(model.index(row, VENUE), "某酒店")
    model.setData(model.index(row, STANDARD), "60")
    assert model.meals()[0].diners == 10 and model.meals()[0].venue_type == "其他"
    form.refresh_check()
    assert "餐费超标" in form.breach_panel.text()
    model.setData(model.index(row, STANDARD), "六十")  # not money: kept red, refused before writing
    assert not form.submit()
    assert "第1餐餐标（元/人）" in form.message_label.text()
    model.setData(model.index(row, STANDARD), "40")

    assert form.submit(), form.message_label.text()
    stored = service.plans()[0]
    assert stored.status == Status.SUBMITTED and stored.companion_count == 4 and stored.ref == "SP-2026-0001"
    assert "SP-2026-0001　待审批" in form.title_label.text()
    assert form.form.visiting_unit.isReadOnly() and not form.save_button.isVisible()
    assert form.withdraw_button.isVisible() and "等待分管领导审批" in form.refusal_label.text()


def test_withdraw_void_and_delete_from_the_form(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = answer(monkeypatch, comment="对方取消来访")
    draft = service.save_plan(team.clerk, a_plan(letter_no="另函1号"))
    form = show(qtbot, PlanDialog(service, team.clerk, draft.id))
    assert form.delete_button.isVisible() and not form.void_button.isVisible()  # never submitted
    assert form.delete()
    assert service.plans() == [] and "编号 SP-2026-0001 不再使用" in asked[0]

    submitted = service.submit_plan(team.clerk, a_plan())
    form = show(qtbot, PlanDialog(service, team.clerk, submitted.id))
    assert form.withdraw()
    assert service.plan(submitted.id).status == Status.DRAFT
    assert form.void_button.isVisible() and not form.delete_button.isVisible()  # submitted once: void only
    assert form.void()
    assert service.plan(submitted.id).void_reason == "对方取消来访"
    assert form.banner.text() == "已作废，理由：对方取消来访"
    assert form.form.visiting_unit.isReadOnly()


def test_a_returned_plan_shows_the_leaders_comment(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    service.return_plan(team.approver, plan.id, "陪餐人数请核减")
    form = show(qtbot, PlanDialog(service, team.clerk, plan.id))
    assert form.banner.text() == "已退回，审批意见：陪餐人数请核减"
    assert not form.form.visiting_unit.isReadOnly() and form.submit_button.isEnabled()


# ---------------------------------------------------------------------------- the leader
def test_the_leader_approves_from_the_tab_and_its_title_counts_what_waits(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, comment="同意按标准接待")
    first = service.submit_plan(team.clerk, a_plan())
    service.submit_plan(team.clerk, a_plan(letter_no="另函2号", start_date=date(2026, 3, 12), meals=()))
    window = show(qtbot, MainWindow(service, team.approver))
    view = window.plans_view
    tab = window.tabs.indexOf(view)
    assert window.tabs.tabText(tab) == "接待审批（2）"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.ledger_view.table, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is view
    view.select_plan(first.id)
    assert view.approve_button.isEnabled() and not view.start_button.isVisible()
    view.approve_button.click()
    approved = service.plan(first.id)
    assert approved.status == Status.APPROVED and approved.review_comment == "同意按标准接待"
    assert view.status_label.text() == f"{first.ref} 已批准"
    assert window.tabs.tabText(tab) == "接待审批（1）"
    column = [view.model.index(r, 6).data() for r in range(view.model.rowCount())]
    assert sorted(column) == ["已批准", "待审批"]
    window.close()


def test_a_leader_may_not_approve_their_own_plan_and_sees_why(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch)
    plan = service.submit_plan(team.both, a_plan())
    view = show(qtbot, PlansView(service, team.both))
    view.select_plan(plan.id)
    assert not view.approve_button.isEnabled()
    assert view.approve_button.toolTip() == OWN
    assert view.refusal_label.isVisible() and view.refusal_label.text() == f"不能批准：{OWN}"
    assert not view.approve_selected()  # a shortcut or a stale list lands here: refused, nothing written
    assert service.plan(plan.id).status == Status.SUBMITTED

    assert not view.return_button.isEnabled() and view.return_button.toolTip() == OWN  # a review too

    form = show(qtbot, PlanDialog(service, team.both, plan.id))
    assert form.approve_button.isVisible() and not form.approve_button.isEnabled()
    assert form.approve_button.toolTip() == OWN and OWN in form.refusal_label.text()
    assert not form.return_button.isEnabled() and form.return_button.toolTip() == OWN
    with pytest.raises(PermissionDenied, match="不能由您本人退回：请用“撤回”收回后修改"):
        service.return_plan(team.both, plan.id, "我自己退回")
    assert service.withdraw_plan(team.both, plan.id).status == Status.DRAFT  # the author's way back


def test_the_leader_reopens_an_approved_plan_from_its_form_with_a_reason(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.approve_plan(team.approver, plan.id, "同意", version=plan.version)
    hub = ChangeHub()
    tab = show(qtbot, PlansView(service, team.clerk, hub=hub))  # the clerk's list, on the same hub
    clerk_form = show(qtbot, PlanDialog(service, team.clerk, plan.id, hub=hub))
    assert not clerk_form.reopen_button.isVisible()  # the clerk may not reopen

    prompts: list[tuple[str, str, bool]] = []

    def ask(cls, parent, title, prompt, *, required):  # type: ignore[no-untyped-def]
        prompts.append((title, prompt, required))
        return "预算需按新标准调整"

    monkeypatch.setattr(CommentDialog, "ask", classmethod(ask))
    form = show(qtbot, PlanDialog(service, team.approver, plan.id, hub=hub))
    assert form.form.visiting_unit.isReadOnly()
    assert form.reopen_button.isVisible() and form.reopen_button.isEnabled()
    assert form.reopen_button.toolTip() == "写明理由后重新打开，审批单退回经办人修改后再报批"
    form.reopen_button.click()
    assert prompts == [
        (f"重新打开 {plan.ref}", "重新打开的理由（必填，记入历史记录；审批单退回经办人，修改后须重新报批）：", True)
    ]
    stored = service.plan(plan.id)
    assert (stored.status, stored.review_comment, stored.approved_by) == (Status.RETURNED, "预算需按新标准调整", "")
    assert form.message_label.text() == f"{plan.ref} 已重新打开，退回经办人修改"
    assert not form.reopen_button.isVisible()
    # the hub told the others: the clerk's form is editable again with the reason, the list says 已退回
    assert clerk_form.banner.text() == "已退回，审批意见：预算需按新标准调整"
    assert not clerk_form.form.visiting_unit.isReadOnly() and clerk_form.submit_button.isVisible()
    assert tab.model.index(0, 6).data() == "已退回"


def test_reopening_is_refused_while_a_reception_uses_the_plan_and_the_tab_says_why(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, comment="改期")
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.approve_plan(team.approver, plan.id, "同意", version=plan.version)
    other = service.submit_plan(team.clerk, a_plan(letter_no="另函2号", start_date=date(2026, 3, 12), meals=()))
    other = service.approve_plan(team.approver, other.id, "同意", version=other.version)
    used = service.save(team.clerk, service.reception_from_plan(plan.id))
    view = show(qtbot, PlansView(service, team.approver))
    assert view.reopen_button.isVisible() and not view.reopen_button.isEnabled()
    assert view.reopen_button.toolTip() == "请选择一份已批准的审批单"
    view.select_plan(plan.id)
    why = f"{plan.ref} 已用于接待 {used.ref}，不能再改"
    assert not view.reopen_button.isEnabled() and view.reopen_button.toolTip() == why
    assert not view.reopen_selected()  # a stale click lands here: refused, said, nothing written
    assert view.refusal_label.text() == f"不能重新打开：{why}"
    assert service.plan(plan.id).status == Status.APPROVED
    form = show(qtbot, PlanDialog(service, team.approver, plan.id))
    assert form.reopen_button.isVisible() and not form.reopen_button.isEnabled()
    assert form.reopen_button.toolTip() == why

    view.select_plan(other.id)
    assert view.reopen_button.isEnabled()
    assert view.reopen_selected()
    assert service.plan(other.id).status == Status.RETURNED
    assert view.status_label.text() == f"{other.ref} 已重新打开，退回经办人修改"
    assert view.model.index(view.model.row_of(other.id), 6).data() == "已退回"  # type: ignore[arg-type]
    clerks = PlansView(service, team.clerk)
    qtbot.addWidget(clerks)
    assert clerks.reopen_button.isHidden()  # not offered to a clerk


def test_another_desks_plan_appears_in_the_tab(
    qtbot: QtBot, service: LedgerService, team: Team, db_url: str
) -> None:
    hub = ChangeHub()
    live = LiveUpdates(service, hub)
    view = show(qtbot, PlansView(service, team.approver, hub=hub))
    assert view.model.rowCount() == 0
    other = LedgerService(Database(db_url))  # another desk on the same ledger
    other.submit_plan(other.authenticate("li", PASSWORD), a_plan())
    assert live.check()
    assert view.model.rowCount() == 1 and view.waiting == 1
    live.close()
    other.db.dispose()


# ---------------------------------------------------------------------------- the reception from the plan
def test_a_reception_started_from_the_plan_is_filled_in_and_says_what_exceeds_it(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = service.submit_plan(team.clerk, a_plan())
    plan = service.approve_plan(team.approver, plan.id, "同意", version=plan.version)
    window = show(qtbot, MainWindow(service, team.clerk))
    view = window.plans_view
    view.select_plan(plan.id)
    assert view.start_button.isEnabled()
    view.start_button.click()
    forms = [f for f in window._forms if isinstance(f, ReceptionDialog)]
    assert len(forms) == 1
    form = forms[0]
    assert form.basic.visiting_unit.text() == "市教育局督导室" and form.people.guest_count.value() == 6
    assert form.basic.letter_no.text() == LETTER and form.costs.meals_model.rowCount() == 1
    assert form.plan_panel.isVisible() and form.plan_panel.title.text() == f"接待审批 {plan.ref}"
    assert form.letter_watch.text() == ""  # its own plan's letter is no second use
    assert form.plan_panel.over_labels() == []

    form.people.guest_count.setValue(8)  # two more guests came than approved
    qtbot.waitUntil(lambda: form.plan_panel.over_labels() == ["接待对象"])
    planned, actual = form.plan_panel.cells["接待对象"][1:]
    assert (planned.text(), actual.text()) == ("6", "8 超出审批")
    assert "超出审批：接待对象" in form.plan_panel.verdict.text()

    assert form.save_draft(), form.message_label.text()
    saved = service.get(form.reception_id)
    assert saved.plan_id == plan.id
    row = view.model.row_of(plan.id)
    assert view.model.index(row, 7).data() == saved.ref  # the list names the reception started from it
    view.select_plan(plan.id)
    assert not view.start_button.isEnabled() and "已用于接待" in view.start_button.toolTip()
    window.close()


def test_the_reception_form_says_when_its_letter_is_used_by_another(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    plan = service.save_plan(team.clerk, a_plan())
    form = show(qtbot, ReceptionDialog(service, team.clerk))
    type_text(qtbot, form.basic.letter_no, "市教函[2026]7号")
    qtbot.waitUntil(lambda: form.letter_watch.text() != "")
    assert f"接待审批 {plan.ref}" in form.letter_watch.text()
    form.basic.letter_no.clear()
    qtbot.waitUntil(lambda: form.letter_watch.text() == "")


# ---------------------------------------------------------------------------- the letter register
def test_the_register_takes_a_letter_with_its_scan_and_refuses_a_duplicate_at_the_field(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = ChangeHub()
    register = show(qtbot, LettersDialog(service, team.clerk, hub=hub))
    scan = tmp_path / "公函.pdf"
    scan.write_bytes(b"%PDF-1.4 the letter")
    big = tmp_path / "big.pdf"
    with big.open("wb") as f:
        f.truncate(20 * 1024 * 1024 + 1)

    letter = show(qtbot, LetterDialog(service, team.clerk, None, register, hub))
    type_text(qtbot, letter.letter_no, LETTER)
    type_text(qtbot, letter.sending_unit, "市教育局")
    type_text(qtbot, letter.title, "关于开展督导检查的函")
    assert not letter.choose_scan(big)
    assert letter.messages.text("scan").startswith("扫描件不能超过 20 MB")
    assert letter.choose_scan(scan)
    letter.accept()
    assert letter.saved is not None and letter.saved.scan_size == len(b"%PDF-1.4 the letter")
    assert register.model.rowCount() == 1  # the register heard of it
    assert register.model.index(0, 4).data().startswith("有")

    again = show(qtbot, LetterDialog(service, team.clerk, None, register, hub))
    type_text(qtbot, again.letter_no, "市教函[2026] 7号")
    again.accept()
    assert again.saved is None and again.isVisible()  # refused; what was typed stays
    assert again.messages.text("letter_no").startswith("公函 市教函[2026] 7号 已登记")
    assert again.letter_no.text() == "市教函[2026] 7号"

    opened: list[str] = []
    monkeypatch.setattr(
        "ui.letters_dialog.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    register.table.selectRow(0)
    path = register.open_scan()
    assert path is not None and path.read_bytes() == b"%PDF-1.4 the letter" and opened == [str(path)]
    assert service.letters()[0].title == "关于开展督导检查的函"


def test_a_letter_cited_keeps_its_number(qtbot: QtBot, service: LedgerService, team: Team) -> None:
    service.register_letter(team.clerk, Letter(LETTER, "市教育局"))
    service.save_plan(team.clerk, a_plan())
    cited = service.letters()[0]
    dialog = show(qtbot, LetterDialog(service, team.clerk, cited))
    assert dialog.letter_no.isReadOnly() and "不能再改" in dialog.letter_no.toolTip()
    type_text(qtbot, dialog.title, "督导检查的函")
    dialog.accept()
    assert dialog.saved is not None and service.letters()[0].title == "督导检查的函"


def test_the_tab_opens_on_this_year_and_counts_waiting_plans_without_reading_them(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's tens of thousands of plans are not all read when the window opens: the tab
    shows this year's, the years come from the database, the waiting ones are counted."""
    service.submit_plan(team.clerk, a_plan())
    service.save_plan(team.clerk, a_plan(start_date=date(2025, 11, 3), letter_no="旧函1号", meals=()))
    read: list[object] = []
    original = service.plans
    monkeypatch.setattr(service, "plans", lambda *a, **k: read.append(a) or original(*a, **k))
    view = show(qtbot, PlansView(service, team.approver))
    assert view.year_combo.currentData() == 2026
    assert [view.year_combo.itemData(i) for i in range(view.year_combo.count())] == [None, 2026, 2025]
    assert read == [(2026, None)]  # one read: this year's plans
    assert view.count_label.text() == "共 1 份" and view.waiting == 1
    view.year_combo.setCurrentIndex(view.year_combo.findData(None))
    assert view.count_label.text() == "共 2 份"


def test_a_leader_whose_waiting_plans_are_of_next_year_sees_them_at_once(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """December's plans for January: the tab opens on the year the waiting plans are of."""
    service.submit_plan(
        team.clerk,
        a_plan(
            start_date=date(2027, 1, 8),
            meals=(PlannedMeal(date(2027, 1, 8), "lunch", "局机关食堂", "机关食堂", 8, Decimal("40.00")),),
        ),
    )
    service.save_plan(team.clerk, a_plan(letter_no="本年函1号", meals=()))
    leader = show(qtbot, PlansView(service, team.approver))
    assert leader.year_combo.currentData() == 2027 and leader.count_label.text() == "共 1 份"
    clerk = show(qtbot, PlansView(service, team.clerk))
    assert clerk.year_combo.currentData() == 2026 and clerk.count_label.text() == "共 1 份"


def test_a_narrow_plan_form_puts_the_people_below_the_visit_instead_of_scrolling_sideways(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    form = show(qtbot, PlanDialog(service, team.clerk))
    visit, people = form.form.findChildren(QGroupBox)[:2]
    assert visit.title() == "来访与公函" and people.title() == "接待对象与陪餐人员"
    form.resize(895, 472)  # a 1366×768 screen at 150 %
    qtbot.waitUntil(lambda: people.y() > visit.geometry().bottom())
    assert form.form_area.horizontalScrollBar().maximum() == 0  # nothing to the right to scroll to
    assert people.width() == visit.width()
    form.resize(1220, 728)  # the same form on the screen itself
    qtbot.waitUntil(lambda: people.x() > visit.geometry().right())
    assert people.y() == visit.y() and form.form_area.horizontalScrollBar().maximum() == 0
