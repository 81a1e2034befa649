"""One way to write: ask → write → show the refusal in place → announce what changed.

Every write of the window (the form, the queue, settings, printing, import, demo data)
goes through ``run``::

    outcome = run(lambda: service.approve(user, rid, comment), parent=self, hub=self.hub,
                  title=tr("未能审核"), changed=lambda saved: [saved.id])

``confirm`` asks first (False: nothing is written). While another desk holds the write lock
(an import storing its rows), a write would wait in the window's thread, which froze for up to
``WAIT_SECONDS`` and then refused: ``wait_for_writer`` waits instead behind a dialog that counts
the seconds and lets the user give up (nothing is written, the form keeps what was typed). A refusal of the service (a
``LedgerError``, or a ``DatabaseError``: a full disk, a constraint added to the database by
hand) goes to ``refused`` when given — the form puts each problem at its field —
or else to a message box in the service's own words. On success ``done`` gets the result,
then the hub announces the receptions ``changed`` names (None: none changed; an empty
list: some, ids unknown) (and ``settings_changed`` when
``settings``, ``plans_changed`` when ``plans``), so every screen showing them refreshes itself.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from ledger.db import DatabaseError, LedgerBusy, StoppedWaiting, when_free
from ledger.i18n import tr
from ledger.service import LedgerError
from ui.hub import ChangeHub
from ui.widgets import show_ledger_error

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a write came to: ``ok`` with its ``value``, or the ``error`` that refused it."""

    ok: bool
    value: T | None = None
    error: LedgerError | DatabaseError | None = None

    def __bool__(self) -> bool:
        return self.ok


def run(
    write: Callable[[], T],
    *,
    parent: QWidget | None,
    hub: ChangeHub | None,
    title: str = "",
    confirm: Callable[[], bool] | None = None,
    refused: Callable[[LedgerError | DatabaseError], None] | None = None,
    done: Callable[[T], None] | None = None,
    changed: Callable[[T], Iterable[int | None] | None] | None = None,
    settings: bool = False,
    plans: bool = False,
    wait: bool = True,
) -> Outcome[T]:
    """Run one service write the one way every screen does (see the module's text). ``wait``
    False: the write waits for another desk itself (an import, in its progress dialog)."""
    if confirm is not None and not confirm():
        return Outcome(False)
    busy = hub.writer_busy if hub is not None and wait else None
    try:
        if busy is not None and hub is not None:
            waited = lambda: wait_for_writer(parent, busy, hub.writing_now)  # noqa: E731
            value = when_free(write, waited, hub.at_once or contextlib.nullcontext)
        else:
            value = write()
    except StoppedWaiting:
        return Outcome(False)
    except LedgerBusy as exc:  # it waited WAIT_SECONDS in vain
        show_ledger_error(parent, exc, title)
        return Outcome(False)
    except (LedgerError, DatabaseError) as exc:  # (a full disk, a constraint added by hand)
        if refused is not None:
            refused(exc)
        else:
            show_ledger_error(parent, exc, title)
        return Outcome(False, error=exc)
    if done is not None:
        done(value)
    if hub is not None:
        ids = changed(value) if changed is not None else None
        if ids is not None:  # None: nothing changed after all
            hub.announce(ids)
        if settings:
            hub.announce_settings()
        if plans:
            hub.announce_plans()
    return Outcome(True, value)


POLL_MS = 300  # how often the waiting dialog asks whether the write lock is free


def wait_for_writer(
    parent: QWidget | None, busy: Callable[[], bool], writing_now: Callable[[], str] | None = None
) -> bool:
    """True at once when no other desk is writing, else once it has finished; False when the
    user stops waiting. The window stays responsive meanwhile (its own event loop); the dialog
    says what the other desk is doing when it says so itself (``writing_now``: an import)."""
    if not busy():
        return True
    dialog = QProgressDialog(parent)
    dialog.setWindowTitle(tr("请稍候"))
    # every window: a second write started from another form while this one waits would nest
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setRange(0, 0)  # a busy bar: how long the other desk takes is not known here
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setCancelButtonText(tr("不再等待"))
    started = time.monotonic()
    loop = QEventLoop()
    free = False

    def show_waited() -> None:
        doing = writing_now() if writing_now is not None else ""
        dialog.setLabelText(
            tr(
                "账本正由另一处写入（如导入），本次操作在其完成后进行。\n{doing}已等待 {s} 秒。\n\n"
                "选“不再等待”则本次不写入，已填写的内容仍保留。"
            ).format(doing=doing + "\n" if doing else "", s=int(time.monotonic() - started))
        )

    def poll() -> None:
        nonlocal free
        if busy():
            show_waited()
            dialog.show()  # not before: another desk's ordinary save is over in a moment
        else:
            free = True
            loop.quit()

    timer = QTimer(dialog)
    timer.setInterval(POLL_MS)
    timer.timeout.connect(poll)
    dialog.canceled.connect(loop.quit)  # 不再等待, the window's close button
    dialog.finished.connect(loop.quit)  # Esc (the dialog's reject)
    timer.start()
    loop.exec()
    timer.stop()
    dialog.close()
    dialog.deleteLater()
    return free

