"""The plan form is autosaved like the reception form: a crash while typing a plan loses
seconds, the plan is offered back after the next login, and the reception files already on
users' disks (written before plans were autosaved, without a kind) are still offered."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from ledger.preapproval import Plan, PlannedMeal
from ledger.records import Person, Status
from ledger.service import LedgerService
from tests.conftest import Team
from tests.ui.conftest import type_text
from ui import autosave
from ui.app import offer_recovery
from ui.autosave import PLAN, RecoveryPrompt, drafts_for, plan_from_dict, plan_to_dict
from ui.main_window import MainWindow
from ui.plan_dialog import PlanDialog
from ui.reception import ReceptionDialog


@pytest.fixture(autouse=True)
def _early_march(service: LedgerService, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans written in early March 2026; a form closed with unsaved changes discards them."""
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def a_plan(**changes: object) -> Plan:
    values: dict[str, object] = dict(
        start_date=date(2026, 3, 10),
        end_date=date(2026, 3, 11),
        visiting_unit="市教育局督导室",
        activity="义务教育优质均衡督导",
        activity_kind="检查指导",
        letter_no="市教函〔2026〕7号",
        guest_origin="外地",
        guest_count=2,
        guests=(Person("张督导", "市教育局督导室", "科长"), Person("王督导", "市教育局督导室", "科员")),
        companion_count=1,
        companions=(Person("李校长", "本局", "校长"),),
        meals=(PlannedMeal(date(2026, 3, 10), "lunch", "局机关食堂", "机关食堂", 3, Decimal("40.50")),),
        lodging_persons=2,
        lodging_nights=1,
        budget=Decimal("900.00"),
        remarks="住宿按协议价",
    )
    values.update(changes)
    return Plan(**values)  # type: ignore[arg-type]


def answer_recovery(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Fixed answers to the recovery question; returns the questions asked."""
    asked: list[str] = []
    queue = list(answers)

    def ask(cls, parent, draft):  # type: ignore[no-untyped-def]
        asked.append(autosave.question(draft))
        return queue.pop(0)

    monkeypatch.setattr(RecoveryPrompt, "ask", classmethod(ask))
    return asked


def crash(form: PlanDialog) -> Path:
    """The process dies after the last autosave: nothing more is written or removed."""
    assert form.autosaver.write_now()
    form.autosaver._stop()
    form.hide()
    return form.autosaver.path


def test_a_plan_survives_the_round_trip_through_json() -> None:
    original = a_plan()
    text = json.dumps(plan_to_dict(original), ensure_ascii=False)
    assert plan_from_dict(json.loads(text)) == original


def test_typing_a_plan_writes_its_file_and_saving_removes_it(
    qtbot: QtBot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    form = PlanDialog(service, team.clerk)
    qtbot.addWidget(form)
    form.show()
    type_text(qtbot, form.form.visiting_unit, "市审计局")
    path = form.autosaver.path
    assert path.name.startswith(f"{team.clerk.username}-plan-new-")
    qtbot.waitUntil(path.exists, timeout=5000)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["kind"], data["username"], data["plan_id"]) == ("plan", team.clerk.username, None)
    assert data["plan"]["visiting_unit"] == "市审计局"

    type_text(qtbot, form.form.activity, "专项审计调查")
    form.form.guest_count.setValue(3)
    assert form.save_draft(), form.message_label.text()
    assert not path.exists()
    assert not form.autosaver.path.exists()
    assert list((tmp_path / "autosave").rglob("*.json")) == []


def test_after_a_crash_the_typed_plan_is_offered_back_in_the_plan_form_and_saved(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed = PlanDialog(service, team.clerk)
    qtbot.addWidget(crashed)
    crashed.form.load(a_plan())
    crashed._edited()
    path = crash(crashed)

    asked = answer_recovery(monkeypatch, RecoveryPrompt.RESTORE)
    (restored,) = offer_recovery(None, service, team.clerk)
    qtbot.addWidget(restored)
    assert len(asked) == 1
    assert asked[0].startswith("发现上次未保存的新填写的接待审批单：\n来访单位：市教育局督导室\n计划日期：2026-03-10")
    assert isinstance(restored, PlanDialog)
    assert restored.current_plan() == replace(a_plan(), created_by="")  # every field as typed
    assert restored.form.visiting_unit.text() == "市教育局督导室"
    assert restored.form.meals_model.meals()[0].standard == Decimal("40.50")
    assert restored.is_dirty() and restored.title_label.text().endswith("*")
    assert "已恢复" in restored.banner.text() and "自动保存" in restored.banner.text()

    assert restored.save_draft(), restored.message_label.text()
    assert not path.exists()
    (stored,) = service.plans()
    assert (stored.visiting_unit, stored.budget, stored.remarks) == ("市教育局督导室", Decimal("900.00"), "住宿按协议价")


def test_a_recovered_plan_changed_elsewhere_meanwhile_warns_and_does_not_overwrite(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = service.save_plan(team.clerk, a_plan())
    crashed = PlanDialog(service, team.clerk, draft.id)
    qtbot.addWidget(crashed)
    crashed.show()
    type_text(qtbot, crashed.form.remarks, "（补充）")
    path = crash(crashed)
    assert path.name == f"{team.clerk.username}-plan-{draft.id}.json"
    service.save_plan(team.both, replace(draft, visiting_unit="县政府办"))

    asked = answer_recovery(monkeypatch, RecoveryPrompt.RESTORE)
    (restored,) = offer_recovery(None, service, team.clerk)
    qtbot.addWidget(restored)
    assert "已有接待审批单的修改" in asked[0]
    assert "已在别处被修改（第 1 版 → 第 2 版）" in restored.banner.text()
    assert not restored.save_draft()
    assert "已在别处被修改" in restored.banner.text()
    assert service.plan(draft.id).visiting_unit == "县政府办"  # type: ignore[arg-type]
    assert restored.form.remarks.toPlainText() == "（补充）住宿按协议价"  # nothing typed is lost


def test_discarding_a_plan_on_closing_deletes_its_file(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = PlanDialog(service, team.clerk)
    qtbot.addWidget(form)
    form.show()
    type_text(qtbot, form.form.visiting_unit, "市审计局")
    assert form.autosaver.write_now()
    path = form.autosaver.path
    assert path.exists()
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Discard
    )
    form.reject()
    assert asked == ["此审批单有未保存的修改，是否保存？"]
    assert not form.isVisible()
    assert not path.exists()
    assert drafts_for(service, team.clerk) == []


def test_receptions_and_plans_are_offered_together_and_the_window_tracks_both(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a reception's file as written before plans were autosaved: no kind, no plan keys
    folder = autosave.ledger_folder(service)
    folder.mkdir(parents=True)
    legacy = {
        "format": 1,
        "username": team.clerk.username,
        "reception_id": None,
        "version": 0,
        "saved_at": "2026-03-01T08:00:00",
        "reception": {"reception_date": "2026-02-27", "visiting_unit": "县财政局", "guests": [], "meals": []},
    }
    (folder / f"{team.clerk.username}-new-0123456789ab.json").write_text(
        json.dumps(legacy, ensure_ascii=False), encoding="utf-8"
    )
    crashed = PlanDialog(service, team.clerk)
    qtbot.addWidget(crashed)
    crashed.form.load(a_plan())
    crashed._edited()
    crash(crashed)
    assert [(d.kind, d.record.visiting_unit) for d in drafts_for(service, team.clerk)] == [
        ("reception", "县财政局"),
        (PLAN, "市教育局督导室"),
    ]

    asked = answer_recovery(monkeypatch, RecoveryPrompt.RESTORE, RecoveryPrompt.RESTORE)
    window = MainWindow(service, team.clerk)
    qtbot.addWidget(window)
    forms = offer_recovery(window, service, team.clerk, window.hub)
    window.adopt_dialogs(forms)
    assert "新登记的接待" in asked[0] and "县财政局" in asked[0]
    assert "新填写的接待审批单" in asked[1]
    reception, plan = forms
    assert isinstance(reception, ReceptionDialog) and reception.visiting_unit.text() == "县财政局"
    assert isinstance(plan, PlanDialog) and plan.form.visiting_unit.text() == "市教育局督导室"
    assert reception in window._forms and plan in window._forms  # closing the window asks both

    assert plan.save_draft()
    (stored,) = service.plans()
    assert window.plans_view.open_plan(stored.id) is plan  # the tab knows the recovered form
    assert stored.status == Status.DRAFT
    for f in forms:
        f.hide()
