"""Other desks' writes, announced on this window's change hub without 刷新.

``LiveUpdates`` asks the front desk what changed since the last history entry it has seen
(``service.changes_since``: other desks' writes only) and announces it on the hub, as if the
write had been made here: the ledger view and the queue reload, the dashboard marks itself
stale, an open form reloads itself or, with unsaved edits, says that the reception changed.

When it asks:

- PostgreSQL: when a notice arrives on the listening connection (``ledger.changes.Listener``,
  watched with a ``QSocketNotifier``: no thread, no waiting); a lost connection is opened
  again every few seconds, and asked once when it is back;
- SQLite: every ``POLL_MS`` and whenever the application becomes active again, when
  ``PRAGMA data_version`` says another connection committed to the file.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, QSocketNotifier, Qt, QTimer
from PySide6.QtGui import QGuiApplication

from ledger.changes import DataVersion, Listener
from ledger.service import LedgerError, LedgerService
from ui.hub import ChangeHub

POLL_MS = 2000
RECONNECT_MS = 5000


class LiveUpdates(QObject):
    """Announces other desks' changes on ``hub`` (see the module's text)."""

    def __init__(self, service: LedgerService, hub: ChangeHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.hub = hub
        self._seen = service.history_head()
        self._watch: Listener | DataVersion | None = None
        self._notifier: QSocketNotifier | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._open_watch()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._state_changed)

    # ------------------------------------------------------------------ asking
    def check(self) -> bool:
        """Ask what other desks changed and announce it; True when something had."""
        try:
            found = self.service.changes_since(self._seen)
        except LedgerError:
            return False
        self._seen = found.head
        if found.receptions or found.some_receptions:
            self.hub.announce(() if found.some_receptions else found.receptions)
        if found.settings:
            self.hub.announce_settings()
        if found.plans:
            self.hub.announce_plans()
        return bool(found)

    # ------------------------------------------------------------------ watching
    def _open_watch(self) -> None:
        try:
            self._watch = self.service.db.change_watch()
        except Exception:  # the server is away: try again later
            self._watch = None
            self._timer.start(RECONNECT_MS)
            return
        if isinstance(self._watch, Listener):
            self._notifier = QSocketNotifier(self._watch.fileno(), QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._readable)
            self._timer.stop()
        elif isinstance(self._watch, DataVersion):
            self._timer.start(POLL_MS)

    def _readable(self) -> None:
        assert isinstance(self._watch, Listener)
        try:
            foreign = self._watch.foreign()
        except OSError:
            self._lost()
            return
        if foreign:
            self.check()

    def _lost(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._watch is not None:
            with contextlib.suppress(Exception):
                self._watch.close()
        self._watch = None
        self._timer.start(RECONNECT_MS)

    def _tick(self) -> None:
        if self._watch is None:  # PostgreSQL, reconnecting
            self._open_watch()
            if self._watch is not None:
                self.check()  # what was written while we were not listening
            return
        if isinstance(self._watch, DataVersion):
            try:
                changed = self._watch.changed()
            except Exception:  # the file is busy for a moment: next tick
                return
            if changed:
                self.check()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive and self._watch is not None:
            if isinstance(self._watch, DataVersion):
                self._tick()
            else:
                self._readable()

    def close(self) -> None:
        self._timer.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
        if self._watch is not None:
            with contextlib.suppress(Exception):
                self._watch.close()
        self._watch = None
