"""The history of a reception: who did what, when, and the before/after of each change."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.history_dialog import ChangesModel, HistoryDialog, HistoryModel


def changes(dialog: HistoryDialog) -> dict[str, tuple[str, str]]:
    m = dialog.changes_model
    return {
        m.data(m.index(r, 0)): (m.data(m.index(r, 1)), m.data(m.index(r, 2))) for r in range(m.rowCount())
    }


def test_history_lists_every_step_with_before_and_after(
    qtbot: QtBot,
    qtmodeltester,
    service: LedgerService,
    team: Team,  # type: ignore[no-untyped-def]
) -> None:
    draft = service.save(team.clerk, sample_reception(unit="市教育局", companions=2))
    edited = service.save(team.clerk, replace(draft, visiting_unit="市教育局基础教育科", companion_count=3))
    submitted = service.submit(team.clerk, edited)
    service.return_reception(team.approver, submitted.id, "请补充公函扫描件")  # type: ignore[arg-type]

    dialog = HistoryDialog(service, draft.id, None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == f"历史记录 — {draft.ref}"
    m = dialog.entries_model
    rows = [[m.data(m.index(r, c)) for c in (1, 2, 3)] for r in range(m.rowCount())]
    assert rows == [
        ["李会计（li）", "新建", ""],
        ["李会计（li）", "修改", ""],
        ["李会计（li）", "提交审核", ""],
        ["张副局长（zhang）", "退回", "请补充公函扫描件"],
    ]
    qtmodeltester.check(dialog.entries_model)
    qtmodeltester.check(dialog.changes_model)

    # the newest entry is selected first
    assert changes(dialog)["状态"] == ("待审核", "已退回")
    assert changes(dialog)["审核意见"] == ("（空）", "请补充公函扫描件")
    dialog.select_entry(1)
    edit = changes(dialog)
    assert edit["来访单位"] == ("市教育局", "市教育局基础教育科")
    assert edit["陪餐人数"] == ("2", "3")
    assert "状态" not in edit
    assert "2 项" in dialog.changes_label.text()


def test_models_are_sound_when_empty(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    qtmodeltester.check(HistoryModel([], {}))
    model = ChangesModel()
    model.set_entry(None)
    qtmodeltester.check(model)


def test_changes_show_times_people_and_meals_readably(
    qtbot: QtBot,
    service: LedgerService,
    team: Team,  # type: ignore[no-untyped-def]
) -> None:
    service.clock = lambda: datetime(2026, 11, 26, 20, 0, 26)
    draft = service.save(
        team.clerk,
        sample_reception(amount="312.50", classified=True, classified_reason="涉及考务安排"),
    )
    submitted = service.submit(team.clerk, draft)
    service.approve(team.approver, submitted.id, "同意。")  # type: ignore[arg-type]

    dialog = HistoryDialog(service, draft.id, None)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    m = dialog.entries_model
    assert m.data(m.index(2, 0)) == "2026-11-26 20:00"
    approved = changes(dialog)
    assert approved["审核时间"] == ("（空）", "2026-11-26 20:00")
    assert approved["审核人"] == ("（空）", "张副局长（zhang）")
    assert approved["审核意见"] == ("（空）", "同意。")
    # listed in the form's order, not alphabetically
    labels = [dialog.changes_model.data(dialog.changes_model.index(r, 0)) for r in range(4)]
    assert labels == ["状态", "审核人", "审核时间", "审核意见"]

    dialog.select_entry(0)
    created = changes(dialog)
    assert created["创建时间"] == ("（空）", "2026-11-26 20:00")
    assert created["涉密"] == ("（空）", "是")
    assert created["陪餐人员"][1] == "陪同0（XX县教育局，股长）、陪同1（XX县教育局，股长）"
    assert created["用餐"][1] == "2025-03-05 午餐 局机关食堂 机关食堂 8人 ¥312.50"
    shown = " ".join(v for pair in created.values() for v in pair)
    for raw in ("T20:00", "{", "[", "'name'", "True"):
        assert raw not in shown
