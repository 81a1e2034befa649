"""The desktop application: font, database, first start or login, then the main window."""

from __future__ import annotations

import argparse
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ledger.i18n import tr
from ledger.records import User
from ledger.service import LedgerError, LedgerService
from ui.prefs import APPLICATION, ORGANIZATION, app_settings


class GuiSession:
    """One ledger open in the window: setup on an empty ledger, login, and switching user."""

    def __init__(self, app: QApplication, service: LedgerService) -> None:
        self.app = app
        self.service = service
        self.window: QWidget | None = None

    def login(self) -> User | None:
        from ui.login_dialog import LAST_USER_KEY, LoginDialog
        from ui.setup_dialog import SetupDialog

        if not self.service.has_users():
            admin = SetupDialog.ask(self.service)
            if admin is None:
                return None
            app_settings().setValue(LAST_USER_KEY, admin.username)
        return LoginDialog.ask(self.service)

    def start(self) -> bool:
        user = self.login()
        if user is None:
            return False
        self.open_window(user)
        return True

    def open_window(self, user: User) -> None:
        from ui.main_window import MainWindow

        window = MainWindow(self.service, user)
        window.logout_requested.connect(self.switch_user)
        window.closed.connect(lambda w=window: self._closed(w))
        self.window = window
        window.show()
        from ui.autosave import offer_recovery

        window.adopt_dialogs(offer_recovery(window, self.service, user))

    def _closed(self, window: QWidget) -> None:
        if window is self.window:  # closed by the user, not while switching user
            self.app.quit()

    def switch_user(self) -> None:
        old = self.window
        self.window = None
        if old is not None and not old.close():
            self.window = old  # a form with unsaved changes asked to stay
            return
        user = self.login()
        if user is None:
            self.app.quit()
            return
        self.open_window(user)
        if old is not None:
            old.deleteLater()


def _report_unexpected(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """A refusal shows its message; anything else a short Chinese notice (details on stderr)."""
    from ledger.db import DatabaseError

    if isinstance(exc, (LedgerError, DatabaseError)):  # e.g. another desk is importing
        QMessageBox.warning(QApplication.activeWindow(), tr("未能完成"), str(exc))
        return
    traceback.print_exception(kind, exc, tb)
    QMessageBox.critical(
        QApplication.activeWindow(),
        tr("出现意外错误"),
        tr("操作未能完成：{e}\n已保存的数据不受影响。如问题反复出现，请联系管理员。").format(e=exc),
    )


def install_qt_translations(app: QApplication) -> None:
    """Qt's own texts in Chinese too: standard buttons (是/否/取消), context menus, file and
    print dialogs. PySide6 ships the catalogues; LEDGER_LANG set to another language skips this."""
    import os

    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    lang = os.environ.get("LEDGER_LANG", "")
    if lang and not lang.startswith("zh"):
        return
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for catalogue in ("qtbase", "qt"):
        translator = QTranslator(app)
        if translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), catalogue, "_", folder):
            app.installTranslator(translator)


def run_gui(options: argparse.Namespace) -> int:
    """Open the window on ``options.db`` (or LEDGER_DB, or the user's data folder)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.db import Database, DatabaseError
    from ui.fonts import install_cjk_font

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationDisplayName(tr("公务接待台账"))
    install_cjk_font(app)
    install_qt_translations(app)
    try:
        service = LedgerService(Database(getattr(options, "db", None)))
    except (DatabaseError, LedgerError) as exc:
        QMessageBox.critical(None, tr("无法打开账本"), str(exc))
        return 2
    except SQLAlchemyError as exc:  # e.g. a file that is not a database at all
        reason = getattr(exc, "orig", None) or exc
        QMessageBox.critical(None, tr("无法打开账本"), tr("无法打开数据库：{error}").format(error=reason))
        return 2
    # the session quits when the main window closes; dialogs in between never end the application
    app.setQuitOnLastWindowClosed(False)
    session = GuiSession(app, service)
    previous_hook = sys.excepthook
    sys.excepthook = _report_unexpected
    try:
        if not session.start():
            return 0
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        service.db.dispose()
