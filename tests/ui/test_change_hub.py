"""Screens refresh on their own when something they show changed elsewhere (ui/hub.py), and one
click on the form asks the rule engine once (ui/operations.py, ui/reception/check.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ledger.records import Reception, Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.conftest import type_text
from ui.hub import ChangeHub
from ui.ledger_model import COLUMN_KEYS
from ui.main_window import MainWindow
from ui.reception import ReceptionDialog, UnsavedPrompt
from ui.review_dialogs import ApproveConfirm


@pytest.fixture(autouse=True)
def no_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    monkeypatch.setattr(ApproveConfirm, "ask", classmethod(lambda cls, ref, n, parent=None: True))


def window_for(qtbot: QtBot, service: LedgerService, user: Any) -> MainWindow:
    window = MainWindow(service, user)
    qtbot.addWidget(window)
    window.show()
    return window


def ledger_status(window: MainWindow, reception_id: int) -> str:
    model = window.ledger_view.model
    model.row_at(0)  # rows are read as they are shown
    row = model.row_of(reception_id)
    assert row is not None
    return str(model.data(model.index(row, COLUMN_KEYS.index("status"))))


def test_an_open_form_reloads_when_its_reception_is_approved_from_the_queue(
    qtbot: QtBot, service: LedgerService, team: Team, submitted: Reception
) -> None:
    window = window_for(qtbot, service, team.approver)
    form = window.open_reception(submitted.id)
    assert isinstance(form, ReceptionDialog)
    assert "待审核" in form.title_label.text() and form.approve_button.isVisible()

    queue = window.approval_view
    assert queue is not None
    window.show_queue()
    assert queue.select_reception(submitted.id)  # type: ignore[arg-type]
    qtbot.mouseClick(queue.approve_button, Qt.MouseButton.LeftButton)

    assert service.get(submitted.id).status == Status.APPROVED  # type: ignore[arg-type]
    assert "已审核" in form.title_label.text()  # the form reloaded by itself
    assert form.reception.status == Status.APPROVED
    assert not form.approve_button.isVisible()
    assert form.reopen_button.isVisible()
    assert form.banner.isVisible() and "审核" in form.banner.text()
    assert not form.is_dirty()
    form.close()


def test_an_open_form_with_unsaved_edits_keeps_them_and_says_the_record_changed(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    draft = service.save(team.clerk, sample_reception(unit="市教育局"))
    hub = ChangeHub()
    form = ReceptionDialog(service, team.clerk, draft.id, hub=hub)
    qtbot.addWidget(form)
    form.show()
    type_text(qtbot, form.visiting_unit, "（修改中）")
    assert form.is_dirty()

    other = ReceptionDialog(service, team.clerk, draft.id, hub=hub)  # a second desk of the same clerk
    qtbot.addWidget(other)
    other.basic.activity.setText("另一处的修改")
    assert other.save_draft()

    assert form.visiting_unit.text() == "市教育局（修改中）"  # nothing typed is lost
    assert form.banner.isVisible()
    assert form.banner.text().startswith("此接待已在别处被修改")
    assert form.open_latest_button.isVisible()


def test_the_ledger_shows_a_new_status_after_a_write_elsewhere_without_f5(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_for(qtbot, service, team.both)
    draft = service.save(team.clerk, sample_reception(date.today(), unit="市审计局"))
    window.refresh()  # the draft written outside the window: the one time F5 is needed
    assert ledger_status(window, draft.id) == "草稿"  # type: ignore[arg-type]
    refreshes = Counter[str]()
    monkeypatch.setattr(window, "refresh", lambda: refreshes.update(["F5"]))

    form = window.open_reception(draft.id)
    assert isinstance(form, ReceptionDialog)
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    assert service.get(draft.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    assert ledger_status(window, draft.id) == "待审核"  # type: ignore[arg-type]
    assert window.approval_view is not None and window.approval_view.model.row_of(draft.id) is not None  # type: ignore[arg-type]
    assert refreshes == Counter()  # nobody pressed F5
    form.close()


def test_a_settings_change_reaches_the_dashboard_but_does_not_reload_the_ledger(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    window = window_for(qtbot, service, team.admin)
    reloads: list[int] = []
    window.ledger_view.model.modelReset.connect(lambda: reloads.append(1))
    window.tabs.setCurrentWidget(window.ledger_view)
    window.hub.announce_settings()
    assert reloads == []
    assert window.dashboard_view._stale  # redrawn the next time it is shown
    window.hub.announce([])
    assert reloads  # receptions changed: the ledger reads its page again


class CountingService:
    """The service as the form sees it, counting the form's own calls of the rule engine."""

    def __init__(self, service: LedgerService) -> None:
        self._service = service
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._service, name)
        if name not in ("assess", "validate"):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


def test_one_click_on_submit_asks_the_rule_engine_once(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    draft = service.save(
        team.clerk,
        sample_reception(guests=10, companions=4, explanations={"companions_over_cap": "临时陪同汇报"}),
    )
    counting = CountingService(service)
    form = ReceptionDialog(counting, team.clerk, draft.id)  # type: ignore[arg-type]
    qtbot.addWidget(form)
    form.show()
    counting.calls.clear()
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    assert service.get(draft.id).status == Status.SUBMITTED  # type: ignore[arg-type]
    assert counting.calls == Counter(assess=1, validate=1)

    # the same after typing (the pending live check is the one the write uses)
    again = service.save(team.clerk, sample_reception(unit="市教育局"))
    form = ReceptionDialog(counting, team.clerk, again.id)  # type: ignore[arg-type]
    qtbot.addWidget(form)
    form.show()
    type_text(qtbot, form.visiting_unit, "基础教育科")
    counting.calls.clear()
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    assert service.get(again.id).visiting_unit == "市教育局基础教育科"  # type: ignore[arg-type]
    assert counting.calls == Counter(assess=1, validate=1)


def test_a_closed_form_no_longer_listens_and_later_writes_show_no_error(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """A user closed a form, opened another and saved: the closed form's letter watch (一函一事)
    must not answer the announcement after its form is gone ("出现意外错误 … already deleted")."""
    import shiboken6

    window = window_for(qtbot, service, team.clerk)
    first = window.open_reception()
    assert isinstance(first, ReceptionDialog)
    first.close()
    qtbot.waitUntil(lambda: not shiboken6.isValid(first))  # the closed form is deleted
    second = window.open_reception()
    assert isinstance(second, ReceptionDialog)
    type_text(qtbot, second.visiting_unit, "市教育局")
    window.hub.announce()  # as a save does; pytest-qt fails the test on an error in a slot
    qtbot.wait(50)
    second.close()
