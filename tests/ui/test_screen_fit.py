"""Every window fits the office laptop (1366×768 less the task bar) and a 1920×1080 screen at
150 % (1280×720 logical pixels less the task bar), with its buttons on the screen; sizes and
places are remembered per screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from ui.reception import ReceptionDialog
from ui.screen_fit import FRAME_ALLOWANCE, centred, fitted_size

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = {
    "main window (clerk)", "main window (approver)", "reception form with breaches", "new reception form",
    "PDF preview", "settings", "history", "import result", "return", "notice period", "login", "setup",
    "change password", "add user", "reset password",
    "new plan form", "plan form with breaches", "plan form (approver)", "letter register", "register a letter",
    "yearly disclosure",
}


def probe(tmp_path: Path, width: int, height: int) -> list[dict[str, object]]:
    config = tmp_path / f"screen-{width}x{height}.json"
    config.write_text(
        json.dumps(
            {
                "synchronousWindowSystemEvents": False,
                "windowFrameMargins": True,
                "screens": [{"name": "Probe", "x": 0, "y": 0, "width": width, "height": height,
                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}],
            }
        )
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": str(ROOT),
           "LEDGER_AUTOSAVE_DIR": str(tmp_path / "autosave")}
    result = subprocess.run(
        [sys.executable, "-m", "tests.ui.screen_probe", f"sqlite:///{tmp_path / 'probe.sqlite3'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, result.stderr[-2000:]
    return lines


@pytest.mark.parametrize(
    ("width", "height"),
    # 1366×768, 1920×1080 at 150 % and the office laptop (1366×768) at 150 %, each less a task bar
    [(1366, 728), (1280, 680), (911, 485)],
    ids=["1366x768", "1920x1080@150%", "1366x768@150%"],
)
def test_every_window_and_its_buttons_are_on_the_screen(tmp_path: Path, width: int, height: int) -> None:
    reports = probe(tmp_path, width, height)
    assert {r["window"] for r in reports} == WINDOWS
    for r in reports:
        assert r["area"] == [0, 0, width, height]
        assert r["inside"], f"{r['window']} sticks out of the screen: {r['frame']}"
        assert r["outside"] == [], f"{r['window']}: buttons off the screen: {r['outside']}"
        assert r["title_fits"], f"{r['window']}: the title is cut"
        assert r["overlapping"] == [], f"{r['window']}: labels squeezed into each other: {r['overlapping']}"


def test_a_preferred_size_larger_than_the_screen_is_shrunk_to_it() -> None:
    area = QRect(0, 0, 1366, 728)
    size = fitted_size(QSize(1200, 800), area)
    assert size == QSize(1200, 728 - FRAME_ALLOWANCE.height())
    assert fitted_size(QSize(860, 980), QRect(0, 0, 1280, 680)).height() == 680 - FRAME_ALLOWANCE.height()
    assert fitted_size(QSize(400, 0), area, QSize(380, 160)) == QSize(400, 160)
    # a minimum larger than the screen gives way to the screen
    assert fitted_size(QSize(400, 300), area, QSize(2000, 2000)).width() == 1366 - FRAME_ALLOWANCE.width()
    top_left = centred(QSize(1200, 688), area, area)
    assert top_left.y() >= 0 and top_left.y() + 688 + FRAME_ALLOWANCE.height() <= 728


def test_the_form_comes_back_at_the_size_and_place_it_was_left(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    rid = service.save(team.clerk, sample_reception()).id
    form = ReceptionDialog(service, team.clerk, rid)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    assert form.frameGeometry().bottom() <= QApplication.primaryScreen().availableGeometry().bottom()
    form.setGeometry(100, 80, 1000, 600)
    form.close()
    again = ReceptionDialog(service, team.clerk, rid)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert (again.width(), again.height()) == (1000, 600)
    assert (again.geometry().x(), again.geometry().y()) == (100, 80)


# ---------------------------------------------------------------- 年度公开 on the laptop's screen at 150 %
_PROBE = textwrap.dedent(
    """
    import json, sys, tempfile
    from datetime import date
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QPushButton
    app = QApplication(sys.argv)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())  # no place kept
    from ui.fonts import install_cjk_font
    install_cjk_font(app)
    from ledger.db import Database
    from ledger.service import LedgerService
    from ui.dashboard_view import DashboardView
    service = LedgerService(Database(sys.argv[1]))
    dashboard = DashboardView(service)
    dashboard.show()
    dialog = dashboard.show_disclosure()
    for _ in range(5):
        app.processEvents()
    area = dialog.screen().availableGeometry()
    off = []
    for b in dialog.findChildren(QPushButton):
        if b.isVisible():
            tl, br = b.mapToGlobal(b.rect().topLeft()), b.mapToGlobal(b.rect().bottomRight())
            if not (area.contains(tl) and area.contains(br)):
                off.append(b.text())
    g = dialog.frameGeometry()
    print(json.dumps({"area": [area.width(), area.height()], "frame": [g.x(), g.y(), g.width(), g.height()],
                      "off": off}))
    """
)


def test_the_disclosure_dialog_keeps_its_buttons_on_the_laptop_screen_at_150_percent(
    tmp_path: Path, db_url: str
) -> None:
    """仪表盘 → 年度公开… on the office laptop (1366×768) set to 150 %: every other window fitted
    itself to the screen (the form, the plan form, settings, the letter register), but this dialog
    was always 620×560 (`resize(620, 560)`, no fit to the screen), taller than the 512 logical
    pixels there: its title bar and its buttons 复制公开说明 / 另存为 PDF… / 关闭 were off the screen."""
    screen = tmp_path / "laptop.json"
    screen.write_text(
        json.dumps(
            {
                "synchronousWindowSystemEvents": False,
                "windowFrameMargins": True,
                "screens": [
                    {"name": "L", "x": 0, "y": 0, "width": 1366, "height": 768, "logicalDpi": 96,
                     "logicalBaseDpi": 96, "dpr": 1}
                ],
            }
        )
    )
    probe = tmp_path / "probe.py"
    probe.write_text(_PROBE)
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={screen}", QT_SCALE_FACTOR="1.5", PYTHONPATH=str(ROOT)
    )
    result = subprocess.run(
        [sys.executable, str(probe), db_url], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["off"] == [], seen


def test_the_form_of_a_reception_with_warnings_fits_the_laptop_at_150_percent(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """On the office laptop at 150 % (911×485 logical pixels for windows) the check panel's
    figures, verdict and warnings scroll together: the form may be that short, and its figures
    never squeeze into each other (the panel used to need 536 pixels and overlapped its lines)."""
    from datetime import date

    from PySide6.QtWidgets import QLabel

    for day in range(1, 9):  # the same unit eight times: a long warning under the figures
        r = service.submit(team.clerk, sample_reception(date(2025, 3, day), letter_no=f"市教函〔2025〕{day}号"))
        last = service.approve(team.approver, r.id)  # type: ignore[arg-type]
    form = ReceptionDialog(service, team.approver, last.id)
    qtbot.addWidget(form)
    form.show()
    assert form.minimumSizeHint().height() <= 485 - FRAME_ALLOWANCE.height()
    form.resize(900, 485 - FRAME_ALLOWANCE.height())
    qtbot.wait(20)
    assert form.height() == 485 - FRAME_ALLOWANCE.height()
    labels = [w for w in form.findChildren(QLabel) if w.isVisible() and w.text()]
    assert any(w.text().startswith("疑点提示") for w in labels)
    squeezed = [
        (a.text(), b.text())
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a.parentWidget() is b.parentWidget() and a.geometry().intersects(b.geometry())
    ]
    assert squeezed == []


def test_the_meals_eight_columns_fit_beside_the_check_panel_at_150_percent(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    """On the office laptop at 150 % (911 logical pixels wide) the meals table shows all eight
    columns without scrolling sideways: the long titles on two lines, the venue giving way
    first (its whole name in the tooltip)."""
    from datetime import date

    from PySide6.QtCore import Qt

    from ui.meals_model import INVOICE, VENUE

    venue = "县第一中学教职工食堂东楼二层"
    from dataclasses import replace

    reception = sample_reception(date(2025, 3, 4))
    reception = replace(reception, meals=(replace(reception.meals[0], venue=venue),))
    saved = service.save(team.clerk, reception)
    form = ReceptionDialog(service, team.clerk, saved.id)
    qtbot.addWidget(form)
    form.show()
    form.resize(911 - FRAME_ALLOWANCE.width(), 485 - FRAME_ALLOWANCE.height())
    form.tabs.setCurrentIndex(2)
    view = form.costs.meals_view
    qtbot.waitUntil(lambda: view.viewport().width() < 560)
    qtbot.wait(50)
    widths = [view.columnWidth(c) for c in range(view.model().columnCount())]
    assert sum(widths) <= view.viewport().width(), widths
    assert not view.horizontalScrollBar().isVisible()
    invoice_title = view.model().headerData(INVOICE, Qt.Orientation.Horizontal)
    assert view.columnWidth(INVOICE) >= view.fontMetrics().horizontalAdvance(invoice_title)
    assert view.model().index(0, VENUE).data(Qt.ItemDataRole.ToolTipRole) == venue
