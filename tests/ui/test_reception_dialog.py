"""The reception form, driven as a clerk and a leader would: typing, clicking, reading what shows."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QComboBox, QDateEdit, QLineEdit, QWidget

from ledger.records import LedgerQuery, Person, Reception, Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.meals_model import AMOUNT, DATE, DINERS, INVOICE, KIND, VENUE, VENUE_TYPE, MealsModel
from ui.people_model import PeopleModel
from ui.reception import FilePrompt, ReceptionDialog, UnsavedPrompt
from ui.review_dialogs import ApproveConfirm, CommentDialog, ReturnDialog

COMPANIONS_MESSAGE = "陪餐4人，超过上限3人（接待对象10人）"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Autosaves go to tmp_path; a form closed at teardown with changes is discarded without asking."""
    monkeypatch.setenv("LEDGER_AUTOSAVE_DIR", str(tmp_path / "autosave"))
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))


def open_form(qtbot, service: LedgerService, user, reception_id: int | None = None) -> ReceptionDialog:  # type: ignore[no-untyped-def]
    dialog = ReceptionDialog(service, user, reception_id)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    return dialog


def click(qtbot, button: QWidget) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible(), button.text()
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def type_into(qtbot, widget: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a user does: keys for ASCII, an input-method commit (拼音 input) for Chinese."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def set_spin(qtbot, spin, value: int) -> None:  # type: ignore[no-untyped-def]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    assert spin.value() == value


def open_editor(view: QAbstractItemView) -> QLineEdit:
    """The cell editor the view has just opened."""
    editors = [w for w in view.findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1, editors
    return editors[0]


def edit_cell(qtbot, dialog: ReceptionDialog, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type into a meals cell through its delegate's editor, and press Enter."""
    dialog.tabs.setCurrentIndex(2)
    view = dialog.meals_view
    index = dialog.meals_model.index(row, column)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = open_editor(view)
    editor.selectAll()
    type_into(qtbot, editor, text)
    commit(qtbot, editor)


def commit(qtbot, editor: QWidget) -> None:  # type: ignore[no-untyped-def]
    """Enter: the delegate commits the cell (queued) and closes the editor."""
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not shiboken6.isValid(editor) or not editor.isVisible())


def fill_basics(qtbot, dialog: ReceptionDialog, guests: int, companions: int) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, dialog.visiting_unit, "省教育厅督导组")
    type_into(qtbot, dialog.activity, "义务教育督导检查")
    type_into(qtbot, dialog.letter_no, "省教函〔2025〕3号")
    dialog.tabs.setCurrentIndex(1)
    set_spin(qtbot, dialog.guest_count, guests)
    set_spin(qtbot, dialog.companion_count, companions)
    # every guest named: the guest-list rule (on by default) refuses a shorter list at submission
    dialog.guests_model.set_people(Person(f"来宾{i + 1}", "省教育厅", "") for i in range(guests))


def rule_text(dialog: ReceptionDialog, rule: str) -> str:
    box = dialog.rule_boxes.get(rule)
    return box.messages.text() if box is not None and box.isVisible() else ""


# ====================================================================== the scenario
def test_clerk_sees_companion_breach_live_cannot_submit_unexplained_then_submits(
    qtbot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=10, companions=4)

    qtbot.waitUntil(lambda: COMPANIONS_MESSAGE in rule_text(form, "companions_over_cap"))
    assert form.companion_count.property("breach") is True
    assert form.guest_count.property("breach") is not True

    click(qtbot, form.submit_button)
    assert "请为“陪餐人数超标”填写情况说明后再提交" in form.message_label.text()
    box = form.rule_boxes["companions_over_cap"]
    assert box.error.isVisible()
    assert "情况说明" in box.error.text()
    assert service.count_and_total(LedgerQuery())[0] == 0  # nothing written
    assert form.visiting_unit.text() == "省教育厅督导组"  # nothing lost
    assert form.companion_count.value() == 4

    type_into(qtbot, box.explanation, "分管股室负责人临时陪同汇报工作")
    qtbot.waitUntil(lambda: not box.error.isVisible())
    with qtbot.waitSignal(form.changed) as signal:
        click(qtbot, form.submit_button)
    stored = service.get(signal.args[0])
    assert stored.status == Status.SUBMITTED
    assert stored.explanations == {"companions_over_cap": "分管股室负责人临时陪同汇报工作"}
    assert "待审核" in form.title_label.text()
    assert not form.save_button.isEnabled()
    assert "已提交审核" in form.save_button.toolTip()
    assert form.visiting_unit.isReadOnly()
    assert not form.is_dirty()


def test_approver_approves_and_it_opens_read_only(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CommentDialog, "ask", classmethod(lambda cls, *a, **k: "同意。"))
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))
    form = open_form(qtbot, service, team.approver, submitted.id)
    assert not form.save_button.isVisible()  # not a clerk
    assert COMPANIONS_MESSAGE in rule_text(form, "companions_over_cap")
    assert form.rule_boxes["companions_over_cap"].explanation.isReadOnly()
    with qtbot.waitSignal(form.changed):
        click(qtbot, form.approve_button)
    assert service.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert "已审核" in form.title_label.text()
    assert not form.approve_button.isVisible()
    assert form.reopen_button.isVisible()

    clerk_form = open_form(qtbot, service, team.clerk, submitted.id)
    assert clerk_form.visiting_unit.isReadOnly()
    assert not clerk_form.approve_button.isVisible()
    assert not clerk_form.save_button.isEnabled()
    assert "已锁定" in clerk_form.refusal_label.text()


def test_clerk_approver_cannot_approve_what_they_submitted(qtbot, service: LedgerService, team: Team) -> None:
    own = service.submit(team.both, sample_reception())
    form = open_form(qtbot, service, team.both, own.id)
    assert form.approve_button.isVisible()
    assert not form.approve_button.isEnabled()
    assert "不能由您本人审核" in form.approve_button.toolTip()
    assert form.refusal_label.isVisible()
    assert "不能由您本人审核" in form.refusal_label.text()
    assert not form.return_button.isEnabled()  # a return is a review too: 撤回 is the author's way
    assert "不能由您本人审核" in form.return_button.toolTip()

    clerk_only = open_form(qtbot, service, team.clerk, own.id)
    assert not clerk_only.approve_button.isVisible()


def test_return_needs_a_comment_and_the_clerk_sees_it(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([None, "请补充公函扫描件"])
    # the form asks with the queue's dialog: one return dialog in the window
    monkeypatch.setattr(ReturnDialog, "ask", classmethod(lambda cls, *a, **k: next(answers)))
    form = open_form(qtbot, service, team.approver, submitted.id)
    click(qtbot, form.return_button)  # cancelled
    assert service.get(submitted.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    click(qtbot, form.return_button)
    assert service.get(submitted.id).status == Status.RETURNED  # type: ignore[arg-type]

    clerk_form = open_form(qtbot, service, team.clerk, submitted.id)
    assert clerk_form.banner.isVisible()
    assert "请补充公函扫描件" in clerk_form.banner.text()
    assert not clerk_form.visiting_unit.isReadOnly()
    assert clerk_form.submit_button.isEnabled()


def test_comment_dialog_refuses_an_empty_required_reason(qtbot) -> None:
    dialog = CommentDialog(None, "重新打开", "理由：", required=True)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.error.text() == "此项必须填写"
    type_into(qtbot, dialog.text, "金额录错")
    dialog.accept()
    assert not dialog.isVisible()


def test_approver_reopens_an_approved_reception_with_a_reason(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.approve(team.approver, submitted.id, "同意")  # type: ignore[arg-type]
    monkeypatch.setattr(CommentDialog, "ask", classmethod(lambda cls, *a, **k: "餐费金额录错，需更正"))
    form = open_form(qtbot, service, team.approver, submitted.id)
    click(qtbot, form.reopen_button)
    stored = service.get(submitted.id)  # type: ignore[arg-type]
    assert stored.status == Status.RETURNED
    assert stored.review_comment == "餐费金额录错，需更正"
    assert service.history(submitted.id)[-1].action == "reopen"


# ====================================================================== meals and money
def test_meal_at_350_07_for_seven_diners_is_over_by_0_07(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=5, companions=2)
    form.tabs.setCurrentIndex(2)
    click(qtbot, form.add_meal_button)
    meal = form.meals_model.meal(0)
    assert meal.diners == 7  # guests + companions
    assert meal.date == QDate.currentDate().toPython()  # the reception date

    edit_cell(qtbot, form, 0, AMOUNT, "350.07")
    qtbot.waitUntil(lambda: "超标0.07元" in rule_text(form, "meal_over_cap"))
    assert "0.07 元" in form.over_label.text()
    assert form.total_label.text() == "350.07 元"
    assert form.reimbursable_label.text() == "350.00 元"
    assert 0 in form.meals_model.breach_rows()

    edit_cell(qtbot, form, 0, AMOUNT, "350.00")
    qtbot.waitUntil(lambda: rule_text(form, "meal_over_cap") == "")
    assert form.over_label.text() == "0.00 元"
    assert form.meals_model.breach_rows() == set()


def test_diners_follow_the_head_count_until_changed_by_hand(
    qtbot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=5, companions=2)
    form.add_meal()
    set_spin(qtbot, form.guest_count, 6)
    assert form.meals_model.meal(0).diners == 8
    form.meals_model.setData(form.meals_model.index(0, DINERS), 5)
    set_spin(qtbot, form.companion_count, 1)
    assert form.meals_model.meal(0).diners == 5


def test_bad_amount_is_refused_at_the_field_and_nothing_is_lost(
    qtbot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=3, companions=1)
    form.tabs.setCurrentIndex(2)
    type_into(qtbot, form.transport, "12a")
    qtbot.waitUntil(lambda: form.transport.property("problem") is True)
    error = form._field_error["transport"]
    assert error.isVisible()
    assert error.text() == "不是金额：12a"
    assert form.transport.text() == "12a"

    click(qtbot, form.save_button)
    assert "不是金额：12a" in form.message_label.text()
    assert service.count_and_total(LedgerQuery())[0] == 0

    form.add_meal()
    edit_cell(qtbot, form, 0, AMOUNT, "-5")
    assert form.meals_model.data(form.meals_model.index(0, AMOUNT)) == "-5"  # kept on screen
    qtbot.waitUntil(lambda: form.meals_error.isVisible())
    assert "第1餐餐费（元）：金额不能为负数：-5" in form.meals_error.text()

    form.transport.clear()
    type_into(qtbot, form.transport, "120")
    edit_cell(qtbot, form, 0, AMOUNT, "80")
    qtbot.waitUntil(lambda: not error.isVisible() and not form.meals_error.isVisible())
    click(qtbot, form.save_button)
    stored = service.get(form.reception_id)  # type: ignore[arg-type]
    assert str(stored.transport) == "120.00"
    assert str(stored.meals[0].amount) == "80.00"


def test_meal_cells_take_their_choices(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    form.tabs.setCurrentIndex(2)
    click(qtbot, form.add_meal_button)
    model = form.meals_model
    view = form.meals_view

    # the venue type and meal kind cells offer their fixed lists
    for column, choice in ((VENUE_TYPE, "私人会所"), (KIND, "晚餐")):
        index = model.index(0, column)
        view.setCurrentIndex(index)
        view.edit(index)
        (combo,) = [w for w in view.findChildren(QComboBox) if w.isVisible()]
        assert combo.count() == (7 if column == VENUE_TYPE else 3)
        combo.setCurrentIndex(combo.findText(choice))
        commit(qtbot, combo)
    assert model.meal(0).venue_type == "私人会所"
    assert model.meal(0).kind == "dinner"
    qtbot.waitUntil(lambda: "在私人会所就餐" in rule_text(form, "luxury_venue"))

    index = model.index(0, DATE)
    view.setCurrentIndex(index)
    view.edit(index)
    (date_edit,) = [w for w in view.findChildren(QDateEdit) if w.isVisible()]
    date_edit.setDate(QDate(2025, 3, 6))
    commit(qtbot, date_edit)
    assert model.data(index) == "2025-03-06"

    assert model.setData(model.index(0, VENUE_TYPE), "高档酒店")
    assert not model.setData(model.index(0, VENUE_TYPE), "五星宾馆")
    assert "场所类型应为" in model.problems()["meals[0].venue_type"]
    assert model.setData(model.index(0, VENUE_TYPE), "高档酒店")
    assert model.problems() == {}
    assert model.setData(model.index(0, KIND), "晚餐")
    assert model.meal(0).kind == "dinner"
    assert model.setData(model.index(0, DATE), QDate(2025, 3, 6))
    form.refresh_check()
    assert "在高档酒店就餐" in rule_text(form, "luxury_venue")


def test_a_wrong_meal_date_is_refused_under_the_meals_table(
    qtbot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team.clerk)
    form.tabs.setCurrentIndex(2)
    click(qtbot, form.add_meal_button)
    model, view = form.meals_model, form.meals_view
    before = model.meal(0).date
    index = model.index(0, DATE)
    view.setCurrentIndex(index)
    view.edit(index)
    (date_edit,) = [w for w in view.findChildren(QDateEdit) if w.isVisible()]
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit.lineEdit(), "2026-02-30")
    commit(qtbot, date_edit)
    assert model.data(index) == "2026-02-30"  # kept on screen, marked, not another day
    assert model.meal(0).date == before
    qtbot.waitUntil(lambda: form.meals_error.isVisible())
    assert "第1餐日期：日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in form.meals_error.text()
    click(qtbot, form.save_button)
    assert "日期“2026-02-30”不存在：2026 年 2 月只有 28 天" in form.message_label.text()
    assert service.count_and_total(LedgerQuery())[0] == 0

    view.setCurrentIndex(index)
    view.edit(index)
    (date_edit,) = [w for w in view.findChildren(QDateEdit) if w.isVisible()]
    assert date_edit.date() == QDate(before.year, before.month, before.day)  # the last good date
    date_edit.lineEdit().selectAll()
    qtbot.keyClicks(date_edit.lineEdit(), "2026/02/28")
    commit(qtbot, date_edit)
    assert model.data(index) == "2026-02-28"
    qtbot.waitUntil(lambda: not form.meals_error.isVisible())


# ====================================================================== convenience and closing
def test_guest_count_follows_a_longer_guest_list(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    type_into(qtbot, form.visiting_unit, "市教育局")
    form.tabs.setCurrentIndex(1)
    for name in ("张三", "李四"):
        click(qtbot, form.add_guest_button)
        editor = open_editor(form.guests_view)
        type_into(qtbot, editor, name)
        commit(qtbot, editor)
    assert form.guest_count.value() == 2
    people = form.guests_model.people()
    assert [p.name for p in people] == ["张三", "李四"]
    assert people[0].unit == "市教育局"


def test_closing_with_unsaved_changes_asks(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[str] = []

    def ask(cls, parent):  # type: ignore[no-untyped-def]
        return answers.pop(0)

    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(ask))
    form = open_form(qtbot, service, team.clerk)
    form.close()  # nothing typed: closes without asking
    assert not form.isVisible()

    form = open_form(qtbot, service, team.clerk)
    type_into(qtbot, form.visiting_unit, "市教育局")
    answers[:] = [UnsavedPrompt.CANCEL]
    form.close()
    assert form.isVisible()
    assert form.visiting_unit.text() == "市教育局"

    answers[:] = [UnsavedPrompt.SAVE]
    form.close()
    assert not form.isVisible()
    rows = service.ledger_rows(LedgerQuery())
    assert [r.visiting_unit for r in rows] == ["市教育局"]


def test_ctrl_s_saves_a_draft(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    type_into(qtbot, form.visiting_unit, "市教育局")
    qtbot.keyClick(form.visiting_unit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.reception_id is not None
    assert service.get(form.reception_id).visiting_unit == "市教育局"
    assert "已保存草稿" in form.message_label.text()
    assert not form.is_dirty()


def test_someone_elses_change_is_shown_and_typing_is_kept(qtbot, service: LedgerService, team: Team) -> None:
    draft = service.save(team.clerk, sample_reception())
    form = open_form(qtbot, service, team.clerk, draft.id)
    service.save(team.both, sample_reception(id=draft.id, version=draft.version, unit="县政府办"))
    form.visiting_unit.clear()
    type_into(qtbot, form.visiting_unit, "市教育局督导室")
    click(qtbot, form.save_button)
    assert form.banner.isVisible()
    assert "已在别处被修改" in form.banner.text()
    assert form.open_latest_button.isVisible()
    assert form.visiting_unit.text() == "市教育局督导室"
    assert form.is_dirty()
    assert form.autosaver.path.exists()
    assert service.get(draft.id).visiting_unit == "县政府办"  # type: ignore[arg-type]


def test_submit_shows_field_problems_next_to_the_fields(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    click(qtbot, form.submit_button)
    assert form._field_error["visiting_unit"].text() == "请填写来访单位"
    assert form._field_error["visiting_unit"].isVisible()
    assert form._field_error["guest_count"].text() == "接待对象至少 1 人"
    assert form.visiting_unit.property("problem") is True
    type_into(qtbot, form.visiting_unit, "市教育局")
    qtbot.waitUntil(lambda: not form._field_error["visiting_unit"].isVisible())


# ====================================================================== attachments
def test_attachment_is_added_kept_with_its_hash_and_opened(
    qtbot, service: LedgerService, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = tmp_path / "公函扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4 letter scan")
    opened: list[Path] = []
    monkeypatch.setattr(FilePrompt, "choose", classmethod(lambda cls, parent: scan))
    monkeypatch.setattr(FilePrompt, "open", classmethod(lambda cls, path: opened.append(path) or True))
    form = open_form(qtbot, service, team.clerk)
    type_into(qtbot, form.visiting_unit, "市教育局")
    form.tabs.setCurrentIndex(3)
    click(qtbot, form.add_attachment_button)  # kept pending: no record is created by adding a file
    assert form.reception_id is None
    assert service.count_and_total(LedgerQuery())[0] == 0
    assert form.attachments_table.item(0, 3).text() == "待保存"
    assert "待保存" in form.message_label.text() and form.is_dirty()
    form.attachments_table.selectRow(0)
    click(qtbot, form.open_attachment_button)  # a pending file opens from what was read
    assert opened and opened.pop().read_bytes() == scan.read_bytes()
    click(qtbot, form.save_button)  # the draft and its file in one write
    assert form.reception_id is not None
    assert [e.action for e in service.history(form.reception_id)] == ["create", "attach"]
    stored = service.get(form.reception_id)
    assert [a.filename for a in stored.attachments] == ["公函扫描件.pdf"]
    assert stored.attachments[0].sha256 == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert form.attachments_table.item(0, 1).text() == "公函扫描件.pdf"

    form.attachments_table.selectRow(0)
    click(qtbot, form.open_attachment_button)
    assert opened and opened[0].read_bytes() == scan.read_bytes()
    assert "校验值一致" in form.message_label.text()

    type_into(qtbot, form.activity, "督导")  # edits after attaching still save (version followed)
    click(qtbot, form.save_button)
    assert service.get(form.reception_id).activity == "督导"


# ====================================================================== models
def test_people_model_passes_the_model_tester(qtmodeltester) -> None:
    from ledger.records import Person

    model = PeopleModel([Person("张三", "市教育局", "科长"), Person("李四")])
    qtmodeltester.check(model)
    model.add_person("市教育局")
    model.setData(model.index(2, 0), "王五")
    model.removeRows(0, 1)
    qtmodeltester.check(model)
    assert [p.name for p in model.people()] == ["李四", "王五"]


def test_meals_model_passes_the_model_tester(qtmodeltester) -> None:
    reception = sample_reception()
    model = MealsModel(reception.meals)
    model.set_breaches({0: ["餐费超标"]})
    model.setData(model.index(0, AMOUNT), "abc")
    qtmodeltester.check(model)
    assert model.data(model.index(0, AMOUNT), Qt.ItemDataRole.ToolTipRole) == "第1餐餐费（元）：不是金额：abc"


def test_history_button_opens_the_history_of_this_reception(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import history_dialog

    shown: list[int] = []
    monkeypatch.setattr(history_dialog.HistoryDialog, "exec", lambda self: shown.append(1) or 0)
    new_form = open_form(qtbot, service, team.clerk)
    assert not new_form.history_button.isVisible()  # nothing recorded yet
    form = open_form(qtbot, service, team.approver, submitted.id)
    click(qtbot, form.history_button)
    assert shown == [1]
    dialog = form.findChild(history_dialog.HistoryDialog)
    assert dialog is not None


# ====================================================================== locks and the leader's decision
def test_a_locked_record_says_so_whoever_opens_it_and_shows_the_review(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.clock = lambda: datetime(2026, 11, 20, 16, 30)
    monkeypatch.setattr(CommentDialog, "ask", classmethod(lambda cls, *a, **k: "同意。"))
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))
    form = open_form(qtbot, service, team.approver, submitted.id)
    assert not form.banner.isVisible()  # nothing decided yet
    with qtbot.waitSignal(form.changed):
        click(qtbot, form.approve_button)
    review = "审核意见：同意。（张副局长，2026-11-20）"
    for who in (team.approver, team.clerk, team.admin):
        shown = open_form(qtbot, service, who, submitted.id)
        assert shown.refusal_label.isVisible()
        assert shown.refusal_label.text().startswith("已审核，记录已锁定"), who
        assert "经办人" not in shown.refusal_label.text()
        assert shown.banner.isVisible()
        assert shown.banner.text() == review
    assert form.banner.text() == review  # the form the leader approved in, too
    assert form.refusal_label.text().startswith("已审核，记录已锁定")


def test_the_return_comment_is_shown_on_a_returned_reception(
    qtbot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    service.return_reception(team.approver, submitted.id, "请补充公函扫描件")  # type: ignore[arg-type]
    for who in (team.clerk, team.approver):
        form = open_form(qtbot, service, who, submitted.id)
        assert form.banner.isVisible()
        assert form.banner.text() == "已退回，分管领导意见：请补充公函扫描件"
    assert form.refusal_label.text() == "您没有“经办人”角色，只能查看"  # an open record: the role matters


def _fill_colour(widget: QWidget) -> str:
    """The colour the user sees filling a field: the commonest one inside its frame."""
    image = widget.grab().toImage()
    seen = Counter(
        image.pixelColor(x, y).name()
        for x in range(4, image.width() - 4, 2)
        for y in range(4, image.height() - 4, 2)
    )
    return seen.most_common(1)[0][0]


def test_read_only_fields_look_read_only(
    qtbot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    draft = service.save(team.clerk, sample_reception(unit="市财政局"))
    editable = open_form(qtbot, service, team.clerk, draft.id)
    fields = ("visiting_unit", "remarks", "reception_date", "clerk_name")
    white = {name: _fill_colour(getattr(editable, name)) for name in fields}
    assert set(white.values()) == {"#ffffff"}, white

    locked = open_form(qtbot, service, team.clerk, submitted.id)
    grey = {name: _fill_colour(getattr(locked, name)) for name in fields}
    assert set(grey.values()) == {"#f0f0f0"}, grey  # like the greyed choices beside them
    locked.tabs.setCurrentIndex(1)
    assert _fill_colour(locked.guest_count) == "#f0f0f0"
    assert _fill_colour(locked.companion_count) == "#fde3e1"  # the breach stays marked
    locked.tabs.setCurrentIndex(2)
    assert _fill_colour(locked.transport) == "#f0f0f0"


def test_no_talk_of_unreimbursed_excess_when_there_is_none(
    qtbot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    # too many companions, but no money over the standard
    form = open_form(qtbot, service, team.approver, submitted.id)
    assert form.over_label.text() == "0.00 元"
    assert form.verdict_label.text() == "发现 1 处违规。"
    draft = service.save(team.clerk, sample_reception(guests=10, companions=4, amount="600.00"))
    clerk_form = open_form(qtbot, service, team.clerk, draft.id)
    assert clerk_form.verdict_label.text() == "发现 1 处违规。请逐项填写情况说明。"
    # money over the standard: then it is said
    over = service.save(team.clerk, sample_reception(guests=3, companions=1, amount="400.00"))
    over_form = open_form(qtbot, service, team.clerk, over.id)
    assert over_form.over_label.text() != "0.00 元"
    assert over_form.verdict_label.text().endswith("请逐项填写情况说明；超标部分不予报销。")


# ====================================================================== venue type from the venue's name
@pytest.mark.parametrize(
    ("venue", "venue_type"),
    [
        ("局机关食堂", "机关食堂"),
        ("县实验小学食堂", "学校食堂"),
        ("县一中学生食堂", "学校食堂"),
        ("县二中食堂", "学校食堂"),
        ("城关镇政府食堂", "机关食堂"),
        ("迎宾饭店", "定点饭店"),
        ("县政府定点接待点", "定点饭店"),
        ("金龙大酒店", "其他"),
        ("交通宾馆", "其他"),
        ("农家乐", "其他"),
    ],
)
def test_venue_type_follows_the_typed_venue_name(
    qtbot, service: LedgerService, team: Team, venue: str, venue_type: str
) -> None:
    form = open_form(qtbot, service, team.clerk)
    form.tabs.setCurrentIndex(2)
    click(qtbot, form.add_meal_button)
    assert form.meals_model.data(form.meals_model.index(0, VENUE_TYPE)) == "学校食堂"
    edit_cell(qtbot, form, 0, VENUE, venue)
    assert form.meals_model.data(form.meals_model.index(0, VENUE_TYPE)) == venue_type


def test_a_chosen_venue_type_is_never_overwritten(qtbot, service: LedgerService, team: Team) -> None:
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=3, companions=1)
    form.tabs.setCurrentIndex(2)
    click(qtbot, form.add_meal_button)
    model = form.meals_model
    edit_cell(qtbot, form, 0, VENUE, "局机关食堂")
    assert model.meal(0).venue_type == "机关食堂"
    edit_cell(qtbot, form, 0, VENUE, "县实验小学食堂")  # still the form's guess: it follows
    assert model.meal(0).venue_type == "学校食堂"

    # the clerk picks the type in the cell's list: from then on the name leaves it alone
    view = form.meals_view
    index = model.index(0, VENUE_TYPE)
    view.setCurrentIndex(index)
    view.edit(index)
    (combo,) = [w for w in view.findChildren(QComboBox) if w.isVisible()]
    combo.setCurrentIndex(combo.findText("高档酒店"))
    commit(qtbot, combo)
    edit_cell(qtbot, form, 0, VENUE, "局机关食堂")
    assert model.meal(0).venue_type == "高档酒店"
    qtbot.waitUntil(lambda: "在高档酒店就餐" in rule_text(form, "luxury_venue"))

    # a second meal starts from its own guess; removing the first keeps the second's state
    click(qtbot, form.add_meal_button)
    edit_cell(qtbot, form, 1, VENUE, "县一中食堂")
    assert model.meal(1).venue_type == "学校食堂"
    form.meals_view.setCurrentIndex(model.index(0, VENUE))
    click(qtbot, form.remove_meal_button)
    assert [m.venue for m in model.meals()] == ["县一中食堂"]
    edit_cell(qtbot, form, 0, VENUE, "局机关食堂")
    assert model.meal(0).venue_type == "机关食堂"

    # a stored meal's type is the clerk's: reopening the draft and renaming the venue keeps it
    click(qtbot, form.save_button)
    again = open_form(qtbot, service, team.clerk, form.reception_id)
    edit_cell(qtbot, again, 0, VENUE, "县实验小学食堂")
    assert again.meals_model.meal(0).venue_type == "机关食堂"


# ====================================================================== defects found by the tester
def test_approving_from_the_form_asks_the_breach_question_of_the_queue(
    qtbot, service: LedgerService, team: Team, submitted: Reception, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, int]] = []
    answer = iter([False, True])

    def confirm(cls, ref, n, parent=None):  # type: ignore[no-untyped-def]
        asked.append((ref, n))
        return next(answer)

    comments: list[str] = []
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(confirm))
    monkeypatch.setattr(
        CommentDialog, "ask", classmethod(lambda cls, *a, **k: comments.append("asked") or "同意。")
    )
    form = open_form(qtbot, service, team.approver, submitted.id)
    click(qtbot, form.approve_button)  # 取消 in the confirmation: nothing happens
    assert asked == [(submitted.ref, 1)]
    assert comments == []
    assert service.get(submitted.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    assert form.approve_button.isVisible()

    with qtbot.waitSignal(form.changed):
        click(qtbot, form.approve_button)  # 审核通过 in the confirmation
    assert len(asked) == 2
    assert service.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert "已审核" in form.title_label.text()


def test_approving_a_compliant_reception_from_the_form_asks_no_breach_question(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    def confirm(cls, ref, n, parent=None):  # type: ignore[no-untyped-def]
        raise AssertionError("no breaches: no confirmation")

    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(confirm))
    monkeypatch.setattr(CommentDialog, "ask", classmethod(lambda cls, *a, **k: ""))
    compliant = service.submit(team.clerk, sample_reception())
    form = open_form(qtbot, service, team.approver, compliant.id)
    with qtbot.waitSignal(form.changed):
        click(qtbot, form.approve_button)
    assert service.get(compliant.id).status == Status.APPROVED  # type: ignore[arg-type]


def test_a_refused_amount_counts_as_nothing_in_the_figures_typed_or_pasted(
    qtbot, service: LedgerService, team: Team
) -> None:
    stored = service.save(team.clerk, sample_reception(guests=10, companions=3, amount="1200.00"))
    form = open_form(qtbot, service, team.clerk, stored.id)
    form.tabs.setCurrentIndex(2)
    type_into(qtbot, form.accommodation, "20")
    qtbot.waitUntil(lambda: form.total_label.text() == "1,220.00 元")
    assert not form.not_final_label.isVisible()

    type_into(qtbot, form.transport, "12.345")  # key by key: "12.34" was good a moment ago
    qtbot.waitUntil(lambda: form.transport.property("problem") is True)
    assert form.total_label.text() == "1,220.00 元"
    assert form.not_final_label.isVisible()
    assert form.not_final_label.text() == "（有金额输入有误，合计未含该项）"
    assert form.meal_totals.text().endswith("合计 1,220.00 元（有金额输入有误，合计未含该项）")
    assert form.transport.text() == "12.345"  # what was typed stays

    form.transport.clear()
    qtbot.waitUntil(lambda: not form.not_final_label.isVisible())
    QApplication.clipboard().setText("12.345")
    form.transport.setFocus()
    form.transport.paste()
    qtbot.waitUntil(lambda: form.not_final_label.isVisible())
    assert form.total_label.text() == "1,220.00 元"  # the same as typed

    qtbot.keyClick(form.transport, Qt.Key.Key_Backspace)  # 12.34: good again
    qtbot.waitUntil(lambda: form.total_label.text() == "1,232.34 元")
    assert not form.not_final_label.isVisible()
    assert form.meal_totals.text() == "餐费 1,200.00 元　烟酒 0.00 元　合计 1,232.34 元"

    edit_cell(qtbot, form, 0, AMOUNT, "12OO")  # a refused meal amount counts as nothing too
    qtbot.waitUntil(lambda: form.total_label.text() == "32.34 元")
    assert form.not_final_label.isVisible()
    assert form.meal_totals.text().startswith("餐费 0.00 元")


def test_every_meals_column_fits_the_form_at_its_default_size(
    qtbot, service: LedgerService, team: Team
) -> None:
    form = open_form(qtbot, service, team.clerk, service.save(team.clerk, sample_reception()).id)
    form.tabs.setCurrentIndex(2)
    view = form.meals_view
    qtbot.waitUntil(view.isVisible)
    assert not view.horizontalScrollBar().isVisible()
    header = view.horizontalHeader()
    invoice_right = header.sectionViewportPosition(INVOICE) + header.sectionSize(INVOICE)
    assert invoice_right <= view.viewport().width()
    assert header.sectionSize(INVOICE) >= header.sectionSizeHint(INVOICE)  # "发票号" is not cut


def test_a_count_lowered_below_its_list_is_said_under_the_list_and_not_saved(
    qtbot, service: LedgerService, team: Team
) -> None:
    """The count could be lowered after naming people and the form saved: the exported year then
    did not import back (a list longer than its count is refused there)."""
    form = open_form(qtbot, service, team.clerk)
    fill_basics(qtbot, form, guests=2, companions=1)
    set_spin(qtbot, form.guest_count, 1)
    form.refresh_check()
    said = "接待对象名单有 2 人，多于接待对象人数 1 人：请核对名单或人数"
    qtbot.waitUntil(lambda: said in form.fields.error["guests"].text())
    click(qtbot, form.save_button)
    assert said in form.message_label.text()
    assert service.count_and_total(LedgerQuery())[0] == 0
