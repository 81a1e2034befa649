"""Open every window and dialog on one screen and report what sticks out (run by test_screen_fit).

    python -m tests.ui.screen_probe DB_URL

run with QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json; prints one JSON line per window:
its name, the screen's available area, the window's frame, and the push buttons (outside any
scroll area: the ones that must always be reachable) that are not wholly on the screen.
A separate process, because a QApplication's screens are fixed when it starts.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QScrollArea, QWidget

from ui.screen_fit import FRAME_ALLOWANCE, title_width

if TYPE_CHECKING:
    from ledger.preapproval import Plan
    from ledger.service import LedgerService
    from tests.conftest import Team


def _in_scroll_area(widget: QWidget, top: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def report(name: str, window: QWidget) -> dict[str, object]:
    window.show()
    for _ in range(5):
        QApplication.processEvents()
    screen = window.screen()
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    outside = []
    for button in window.findChildren(QPushButton):
        if not button.isVisible() or _in_scroll_area(button, window):
            continue
        top_left = button.mapToGlobal(button.rect().topLeft())
        bottom_right = button.mapToGlobal(button.rect().bottomRight())
        if not (area.contains(top_left) and area.contains(bottom_right)):
            outside.append(button.text())
    labels = [w for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
    overlapping = [
        f"{a.text()[:12]} / {b.text()[:12]}"
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if a.parentWidget() is b.parentWidget() and a.geometry().intersects(b.geometry())
    ]
    result = {
        "window": name,
        "overlapping": overlapping,  # labels squeezed into each other
        "area": [area.x(), area.y(), area.width(), area.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "inside": area.contains(frame) or area.contains(window.geometry()),
        "outside": outside,
        # the whole title (with the application's name the window system adds) fits its bar
        "title_fits": window.width() >= min(title_width(window), area.width() - FRAME_ALLOWANCE.width()),
    }
    window.hide()
    return result


def every_window(service: LedgerService, team: Team) -> list[tuple[str, Callable[[], QWidget]]]:
    """Every window and dialog of the app, by name, each with what opens it on sample data
    (a draft with breaches, an approved reception and its slip); also used by test_tab_order."""
    from reports.slip import load_slip, render_slip
    from tests.conftest import sample_reception
    from ui.history_dialog import HistoryDialog
    from ui.import_result import ImportResultDialog, ImportSummary
    from ui.letters_dialog import LetterDialog, LettersDialog
    from ui.login_dialog import ChangePasswordDialog, LoginDialog
    from ui.main_window import MainWindow
    from ui.pdf_preview import PdfPreviewDialog
    from ui.plan_dialog import PlanDialog
    from ui.print_actions import NoticeDialog
    from ui.reception import ReceptionDialog
    from ui.review_dialogs import ReturnDialog
    from ui.settings_dialog import SettingsDialog
    from ui.settings_users import ResetPasswordDialog, UserDialog
    from ui.setup_dialog import SetupDialog
    from ui.supervision import DisclosureDialog

    breach = sample_reception(date(2025, 3, 5), guests=10, companions=4, amount="900.00")
    draft = service.save(team.clerk, breach)
    submitted = service.submit(
        team.clerk, sample_reception(date(2025, 3, 6), explanations={}, unit="市审计局")
    )
    approved = service.approve(team.approver, submitted.id)
    slip_pdf = render_slip(load_slip(service, approved))
    plan = sample_plan(date(2025, 3, 20), companions=4, letter_no=breach.letter_no)  # over the cap
    plan_draft = service.save_plan(team.clerk, plan)
    plan_waiting = service.submit_plan(team.clerk, sample_plan(date(2025, 3, 21), letter_no="市审函〔2025〕2号"))

    openers: list[tuple[str, Callable[[], QWidget]]] = [
        ("main window (clerk)", lambda: MainWindow(service, team.clerk)),
        ("main window (approver)", lambda: MainWindow(service, team.approver)),
        ("reception form with breaches", lambda: ReceptionDialog(service, team.clerk, draft.id)),
        ("new reception form", lambda: ReceptionDialog(service, team.clerk)),
        ("PDF preview", lambda: PdfPreviewDialog(slip_pdf, "接待清单", "清单.pdf")),
        ("settings", lambda: SettingsDialog(service, team.admin)),
        ("history", lambda: HistoryDialog(service, approved.id)),
        ("import result", lambda: ImportResultDialog(ImportSummary())),
        ("return", lambda: ReturnDialog(approved.ref)),
        ("notice period", lambda: NoticeDialog(5)),
        ("login", lambda: LoginDialog(service)),
        ("setup", lambda: SetupDialog(service)),
        ("change password", lambda: ChangePasswordDialog(service, team.clerk)),
        ("add user", lambda: UserDialog(service, team.admin)),
        ("reset password", lambda: ResetPasswordDialog(service, team.admin, team.clerk)),
        ("new plan form", lambda: PlanDialog(service, team.clerk)),
        ("plan form with breaches", lambda: PlanDialog(service, team.clerk, plan_draft.id)),
        ("plan form (approver)", lambda: PlanDialog(service, team.approver, plan_waiting.id)),
        ("letter register", lambda: LettersDialog(service, team.clerk)),
        ("register a letter", lambda: LetterDialog(service, team.clerk)),
        ("yearly disclosure", lambda: DisclosureDialog(service, 2025)),
    ]
    return openers


def sample_plan(on: date, *, companions: int = 2, letter_no: str = "") -> Plan:
    """A pre-approval for six guests with one lunch (over the companions cap with 4 companions)."""
    from decimal import Decimal

    from ledger.preapproval import Plan, PlannedMeal
    from ledger.records import Person

    return Plan(
        start_date=on,
        visiting_unit="市审计局",
        activity="专项审计调查",
        activity_kind="检查指导",
        letter_no=letter_no,
        guest_count=6,
        guests=tuple(Person(f"审计{i}", "市审计局", "科员") for i in range(6)),
        companion_count=companions,
        meals=(PlannedMeal(on, "lunch", "局机关食堂", "机关食堂", 6 + companions, Decimal("40.00")),),
        budget=Decimal("400.00"),
    )


def main() -> None:
    os.environ.setdefault("LEDGER_AUTOSAVE_DIR", tempfile.mkdtemp())
    app = QApplication(sys.argv[:1])
    app.setApplicationDisplayName("公务接待台账")
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from ledger.db import Database
    from ledger.service import LedgerService
    from tests.conftest import make_team
    from ui.fonts import install_cjk_font

    install_cjk_font(app)
    service = LedgerService(Database(sys.argv[1]))
    openers = every_window(service, make_team(service))
    for name, make in openers:
        window = make()
        print(json.dumps(report(name, window), ensure_ascii=False), flush=True)
        window.deleteLater()
    service.db.dispose()
    sys.stdout.flush()
    os._exit(0)  # PySide6 may abort in the interpreter's teardown; every line is printed


if __name__ == "__main__":
    main()
