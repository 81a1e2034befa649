"""The desktop application: font, database, first start or login, then the main window."""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ledger.i18n import tr
from ledger.records import User
from ledger.service import LedgerError, LedgerService, NotFound
from ui.autosave import PLAN, RecoveryPrompt, drafts_for
from ui.hub import ChangeHub
from ui.plan_dialog import PlanDialog
from ui.prefs import APPLICATION, ORGANIZATION, app_settings
from ui.reception import ReceptionDialog

_open_dialogs: list[QWidget] = []  # recovered forms opened without a parent stay alive here


def offer_recovery(
    parent: QWidget | None, service: LedgerService, user: User, hub: ChangeHub | None = None
) -> list[QWidget]:
    """After login: offer each autosaved draft of this user and ledger back.

    Restored drafts open in their form (a ReceptionDialog, or a PlanDialog for a plan),
    listening to ``hub``, filled with the recovered values and marked unsaved; the opened
    forms are returned.
    """
    opened: list[QWidget] = []
    for draft in drafts_for(service, user):
        answer = RecoveryPrompt.ask(parent, draft)
        if answer == RecoveryPrompt.DISCARD:
            with contextlib.suppress(FileNotFoundError):
                draft.path.unlink()
            continue
        if answer != RecoveryPrompt.RESTORE:
            continue
        form = PlanDialog if draft.kind == PLAN else ReceptionDialog
        try:
            dialog: ReceptionDialog | PlanDialog = form(service, user, draft.record_id, parent, hub)
        except NotFound:  # the record was deleted meanwhile: recover it as a new one
            dialog = form(service, user, None, parent, hub)
        dialog.restore_autosaved(draft)  # type: ignore[arg-type]
        if parent is None:
            _open_dialogs.append(dialog)
            dialog.finished.connect(
                lambda _r, d=dialog: _open_dialogs.remove(d) if d in _open_dialogs else None
            )
        dialog.show()
        opened.append(dialog)
    return opened


class GuiSession:
    """One ledger open in the window: setup on an empty ledger, login, and switching user."""

    def __init__(self, app: QApplication, service: LedgerService) -> None:
        self.app = app
        self.service = service
        self.window: QWidget | None = None

    def login(self) -> User | None:
        from ui.login_dialog import LoginDialog, last_user_key
        from ui.setup_dialog import SetupDialog

        if not self.service.has_users():
            admin = SetupDialog.ask(self.service)
            if admin is None:
                return None
            app_settings().setValue(last_user_key(self.service), admin.username)
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
        window.adopt_dialogs(offer_recovery(window, self.service, user, window.hub))

    def _closed(self, window: QWidget) -> None:
        if window is self.window:  # closed by the user, not while switching user
            self.app.quit()

    def switch_user(self) -> None:
        old = self.window
        self.window = None
        if old is not None and not old.close():
            self.window = old  # a form with unsaved changes asked to stay
            return
        self.service.forget_keys()  # the signing keys unlocked in this session leave memory
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


def install_qt_translations(app: QApplication) -> list[QTranslator]:
    """Qt's own texts in Chinese too: standard buttons (是/否/取消), context menus, file and
    print dialogs. PySide6 ships the catalogues; LEDGER_LANG set to another language skips this."""
    import os

    from PySide6.QtCore import QLibraryInfo, QLocale

    lang = os.environ.get("LEDGER_LANG", "")
    if lang and not lang.startswith("zh"):
        return []
    installed: list[QTranslator] = []
    china = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(china)  # the calendar popup: 十一月, 周一 … instead of November, Mon
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for catalogue in ("qtbase", "qt"):
        translator = QTranslator(app)
        if translator.load(china, catalogue, "_", folder):
            app.installTranslator(translator)
            installed.append(translator)
    gaps = _QtCatalogueGaps(app)
    app.installTranslator(gaps)  # installed last: asked first
    return [*installed, gaps]


class _QtCatalogueGaps(QTranslator):
    """The few texts of Qt's own dialogs that its zh_CN catalogue leaves in English (the
    non-native file dialog's "Look in:" and "Files of type:")."""

    TEXTS: dict[tuple[str, str], str] = {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：",
        ("QFileDialog", "Look in:"): "查找范围：",
        ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
        ("QFileDialog", "Files of type:"): "文件类型：",
    }

    def translate(  # type: ignore[override]
        self, context: str, source_text: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        return self.TEXTS.get((context, source_text))  # None: not here, ask the next catalogue

    def isEmpty(self) -> bool:
        return False


def _exit_when_shown_if_asked(app: QApplication) -> None:
    """LEDGER_EXIT_WHEN_SHOWN=1 (the bundle's start check): once the first window is on the
    screen, print its title, then leave (the check measures the time from outside)."""
    import os

    if os.environ.get("LEDGER_EXIT_WHEN_SHOWN") != "1":
        return
    from PySide6.QtCore import QTimer

    def look() -> None:
        shown = [w for w in app.topLevelWidgets() if w.isVisible() and w.windowTitle()]
        if not shown:
            QTimer.singleShot(50, look)
            return
        print(f"shown: {shown[0].windowTitle()}", flush=True)
        os._exit(0)

    QTimer.singleShot(0, look)


def run_gui(options: argparse.Namespace) -> int:
    """Open the window on ``options.db`` (or LEDGER_DB, or the user's data folder)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.db import Database, DatabaseError
    from ui.desktop_check import desktop_problem
    from ui.fonts import install_cjk_font

    if QApplication.instance() is None and (problem := desktop_problem()):
        print(problem, file=sys.stderr)  # (Qt would abort the process with a line of its own)
        return 2
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
    _exit_when_shown_if_asked(app)
    try:
        if not session.start():
            return 0
        return app.exec()
    finally:
        sys.excepthook = previous_hook
        service.db.dispose()
