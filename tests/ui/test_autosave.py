"""Autosaved drafts: written while typing, removed on save, offered back after a crash."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QWidget

from ledger.db import Database
from ledger.records import LedgerQuery, Meal
from ledger.service import LedgerService
from tests.conftest import Team, make_team, sample_reception
from ui import autosave
from ui.app import offer_recovery
from ui.autosave import RecoveryPrompt, drafts_for, reception_from_dict, reception_to_dict
from ui.reception import ReceptionDialog, UnsavedPrompt


@pytest.fixture(autouse=True)
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    target = tmp_path / "autosave"
    monkeypatch.setenv("LEDGER_AUTOSAVE_DIR", str(target))
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))
    return target


def answer_recovery(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Replace the question with fixed answers; returns the visiting units asked about."""
    asked: list[str] = []
    queue = list(answers)

    def ask(cls, parent, draft):  # type: ignore[no-untyped-def]
        asked.append(draft.reception.visiting_unit)
        return queue.pop(0)

    monkeypatch.setattr(RecoveryPrompt, "ask", classmethod(ask))
    return asked


def type_chinese(widget: QWidget, text: str) -> None:
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def form(qtbot, service: LedgerService, user, reception_id: int | None = None) -> ReceptionDialog:  # type: ignore[no-untyped-def]
    dialog = ReceptionDialog(service, user, reception_id)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_reception_survives_the_round_trip_through_json() -> None:
    original = sample_reception(
        guests=10,
        companions=4,
        amount="350.07",
        gift_amount=Decimal("88.00"),
        gift_description="土特产",
        end_date=sample_reception().reception_date.replace(day=6),
        meals=(
            Meal(
                sample_reception().reception_date,
                "dinner",
                "某酒店",
                "高档酒店",
                14,
                Decimal("700.10"),
                Decimal("120.00"),
            ),
        ),
        explanations={"companions_over_cap": "临时陪同", "gift": "已退回"},
        classified=True,
        classified_reason="涉及考试命题",
    )
    text = json.dumps(reception_to_dict(original), ensure_ascii=False)
    assert reception_from_dict(json.loads(text)) == original


def test_typing_writes_the_autosave_file_and_saving_removes_it(
    qtbot, service: LedgerService, team: Team, folder: Path
) -> None:
    dialog = form(qtbot, service, team.clerk)
    type_chinese(dialog.visiting_unit, "省教育厅督导组")
    path = dialog.autosaver.path
    assert path.parent.parent == folder
    qtbot.waitUntil(path.exists, timeout=5000)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["username"] == team.clerk.username
    assert data["reception_id"] is None
    assert data["reception"]["visiting_unit"] == "省教育厅督导组"
    assert list(folder.rglob("*.tmp")) == []  # written via a temporary file, then replaced

    assert dialog.save_draft()
    assert not path.exists()
    assert not dialog.autosaver.path.exists()


def test_after_a_crash_the_typed_form_is_offered_back_and_can_be_saved(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed = form(qtbot, service, team.clerk)
    type_chinese(crashed.visiting_unit, "市教研室")
    crashed.guest_count.setValue(10)
    crashed.companion_count.setValue(4)
    type_chinese(crashed.explanation_for("companions_over_cap"), "临时陪同汇报")
    assert crashed.autosaver.write_now()
    path = crashed.autosaver.path
    crashed.autosaver._stop()  # the process dies here: nothing more is written or removed
    crashed.hide()

    asked = answer_recovery(monkeypatch, RecoveryPrompt.RESTORE)
    dialogs = offer_recovery(None, service, team.clerk)
    for d in dialogs:
        qtbot.addWidget(d)
    assert asked == ["市教研室"]
    assert len(dialogs) == 1
    restored = dialogs[0]
    assert restored.visiting_unit.text() == "市教研室"
    assert restored.guest_count.value() == 10
    assert restored.companion_count.value() == 4
    assert restored.rule_boxes["companions_over_cap"].text() == "临时陪同汇报"
    assert restored.is_dirty()
    assert "自动保存" in restored.banner.text()
    assert restored.windowTitle().endswith("*")

    assert restored.save_draft()
    assert not path.exists()
    stored = service.get(restored.reception_id)  # type: ignore[arg-type]
    assert stored.visiting_unit == "市教研室"
    assert stored.explanations == {"companions_over_cap": "临时陪同汇报"}


def test_recovered_changes_to_a_saved_draft_keep_its_version(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = service.save(team.clerk, sample_reception())
    crashed = form(qtbot, service, team.clerk, draft.id)
    crashed.visiting_unit.clear()
    type_chinese(crashed.visiting_unit, "县政府办")
    crashed.autosaver.write_now()
    crashed.autosaver._stop()
    crashed.hide()

    answer_recovery(monkeypatch, RecoveryPrompt.RESTORE)
    (restored,) = offer_recovery(None, service, team.clerk)
    qtbot.addWidget(restored)
    assert restored.reception_id == draft.id
    assert restored.visiting_unit.text() == "县政府办"
    assert restored.save_draft()
    assert service.get(draft.id).visiting_unit == "县政府办"  # type: ignore[arg-type]
    assert service.get(draft.id).version == draft.version + 1  # type: ignore[arg-type]


def test_recovery_of_a_draft_changed_elsewhere_meanwhile_warns_and_does_not_overwrite(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = service.save(team.clerk, sample_reception())
    crashed = form(qtbot, service, team.clerk, draft.id)
    type_chinese(crashed.activity, "（补充）")
    crashed.autosaver.write_now()
    crashed.autosaver._stop()
    crashed.hide()
    service.save(team.both, replace(draft, visiting_unit="县政府办"))

    answer_recovery(monkeypatch, RecoveryPrompt.RESTORE)
    (restored,) = offer_recovery(None, service, team.clerk)
    qtbot.addWidget(restored)
    assert "已在别处被修改" in restored.banner.text()
    assert not restored.save_draft()
    assert "已在别处被修改" in restored.banner.text()
    assert service.get(draft.id).visiting_unit == "县政府办"  # type: ignore[arg-type]
    assert restored.activity.text().endswith("（补充）")


def test_discarded_drafts_are_deleted_and_later_ones_kept(
    qtbot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = []
    for unit in ("甲单位", "乙单位"):
        d = form(qtbot, service, team.clerk)
        type_chinese(d.visiting_unit, unit)
        d.autosaver.write_now()
        d.autosaver._stop()
        paths.append(d.autosaver.path)
        d.hide()
    answers = {"甲单位": RecoveryPrompt.DISCARD, "乙单位": RecoveryPrompt.LATER}
    monkeypatch.setattr(
        RecoveryPrompt, "ask", classmethod(lambda cls, p, d: answers[d.reception.visiting_unit])
    )
    assert offer_recovery(None, service, team.clerk) == []
    assert [p.exists() for p in paths] == [False, True]
    assert service.count_and_total(LedgerQuery())[0] == 0


def test_drafts_belong_to_their_user_and_their_ledger(
    qtbot, service: LedgerService, team: Team, tmp_path: Path
) -> None:
    d = form(qtbot, service, team.clerk)
    type_chinese(d.visiting_unit, "市教育局")
    d.autosaver.write_now()
    d.autosaver._stop()
    d.hide()
    assert [x.reception.visiting_unit for x in drafts_for(service, team.clerk)] == ["市教育局"]
    assert drafts_for(service, team.both) == []

    other_db = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        other = LedgerService(other_db)
        make_team(other)
        assert drafts_for(other, team.clerk) == []
    finally:
        other_db.dispose()


def test_a_broken_autosave_file_is_skipped(service: LedgerService, team: Team) -> None:
    folder = autosave.ledger_folder(service)
    folder.mkdir(parents=True)
    (folder / "li-new-broken.json").write_text("{not json", encoding="utf-8")
    assert drafts_for(service, team.clerk) == []
