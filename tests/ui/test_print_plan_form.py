"""The plans tab's 打印审批单: the 接待审批单 in the preview, its fingerprint in the register."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team
from tests.reports.test_plan_form import approved
from ui.pdf_preview import PdfPreviewDialog
from ui.print_actions import print_plan_form


def test_print_plan_form_previews_the_form(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)
    plan = approved(service, team)
    shown: list[tuple[bytes, str, str]] = []
    outputs: list[Callable[[], object]] = []
    monkeypatch.setattr(
        PdfPreviewDialog,
        "preview",
        classmethod(
            lambda cls, pdf, title, name, parent=None, on_output=None: shown.append((pdf, title, name))
            or outputs.append(on_output)
        ),
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    assert print_plan_form(parent, service, team.clerk, plan)
    pdf, title, name = shown[0]
    assert (
        title == "XX县教育局公务接待审批单 SP-2026-0001"
        and name == "XX县教育局公务接待审批单_SP-2026-0001.pdf"
    )
    text = re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "分管领导审批意见：同意，陪餐人数请压减" in text
    assert service.printed_fingerprints() == []  # only looked at so far
    outputs[0]()  # printed or saved from the preview
    printed = service.printed_fingerprints()
    assert (printed[0].document, printed[0].reference, printed[0].username) == (
        "preapproval",
        "SP-2026-0001",
        "li",
    )


def test_a_plan_that_is_gone_is_said_in_a_message(
    qtbot: QtBot, service: LedgerService, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda _parent, title, text, *a: said.append(f"{title}|{text}")
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    assert not print_plan_form(parent, service, team.clerk, "SP-2026-0099")
    assert said == ["接待审批单|找不到接待审批 SP-2026-0099"]
