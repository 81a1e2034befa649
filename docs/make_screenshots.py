"""Take the README's screenshots on a 1366×768 screen (offscreen), from the demo data.

    python docs/make_screenshots.py          # writes docs/ledger.png, form-breach.png,
                                             # approval.png, dashboard.png

A fresh ledger in a temporary folder gets the demo data (``main.py demo``); each window is
opened as the user who works with it, on the screen of the common office laptop, with the
font the application ships, and grabbed as it is drawn.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTH, HEIGHT = 1366, 768


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="screenshots-"))
    config = work / "screen.json"
    config.write_text(
        json.dumps(
            {
                "synchronousWindowSystemEvents": False,
                "windowFrameMargins": True,
                "screens": [{"name": "OfficeLaptop", "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT,
                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}],
            }
        )
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["LEDGER_AUTOSAVE_DIR"] = str(work / "autosave")
    os.environ.setdefault("LEDGER_ANCHOR_DIR", str(work / "anchors"))
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    app.setApplicationDisplayName("公务接待台账")

    from ledger.db import Database
    from ledger.demo import fill_demo
    from ledger.records import LedgerQuery, Status
    from ledger.service import LedgerService
    from ui.app import install_qt_translations
    from ui.fonts import install_cjk_font
    from ui.main_window import MainWindow
    from ui.reception import ReceptionDialog

    install_cjk_font(app)
    install_qt_translations(app)
    service = LedgerService(Database(f"sqlite:///{work / 'demo.sqlite3'}"))
    fill_demo(service, actor=None, this_year=date.today().year)
    users = {u.label: u for u in service.users()}
    clerk, approver = users["李会计"], users["张副局长"]

    def settle(widget: QWidget) -> None:
        for _ in range(20):
            app.processEvents()
        widget.repaint()
        app.processEvents()

    def save(widget: QWidget, name: str) -> None:
        settle(widget)
        path = DOCS / name
        widget.grab().save(str(path))
        print(f"{path.relative_to(ROOT)}: {widget.width()}×{widget.height()}")

    ledger = MainWindow(service, clerk)
    ledger.showMaximized()
    save(ledger, "ledger.png")

    # a reception with breaches and their explanations, in the form, on its costs tab
    year = date.today().year
    query = LedgerQuery(date_from=date(year - 1, 1, 1), date_to=date(year, 12, 31))
    every = service.receptions(query, approved_only=False, include_classified=False)
    # one the clerk is still working on, with breaches (their explanations to write), if any
    open_ones = [
        r for r in every
        if r.status in (Status.DRAFT, Status.RETURNED) and len(service.assess(r).violations) >= 2
    ]
    if open_ones:
        chosen = max(open_ones, key=lambda r: (len(service.assess(r).violations), r.reception_date))
    else:  # the clerk enters a copy of a breached one: one explanation written, one still to write
        model = max(
            (r for r in every if len(r.explanations) >= 2),
            key=lambda r: (len(r.explanations), r.reception_date),
        )
        first = next(iter(model.explanations))
        chosen = service.save(
            clerk,
            replace(
                model, id=None, ref="", status=Status.DRAFT, version=0, created_by="", created_at=None,
                submitted_by="", submitted_at=None, approved_by="", approved_at=None, review_comment="",
                posted_on=None, attachments=(), explanations={first: model.explanations[first]},
            ),
        )
    form = ReceptionDialog(service, clerk, chosen.id, ledger, ledger.hub)
    form.showMaximized()
    form.tabs.setCurrentIndex(2)
    save(form, "form-breach.png")
    form.close()
    ledger.close()

    leader = MainWindow(service, approver)
    leader.showMaximized()
    leader.show_queue()
    save(leader, "approval.png")
    leader.show_dashboard()
    settle(leader)
    save(leader, "dashboard.png")
    leader.close()
    service.db.dispose()
    sys.stdout.flush()
    os._exit(0)  # PySide6 may abort in the interpreter's final teardown


if __name__ == "__main__":
    main()
