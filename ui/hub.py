"""The change hub: one place where every write is announced and every screen listens.

``receptions_changed(ids)`` carries the ids of the receptions a write changed (a frozenset of
int); an empty set means "receptions were added or changed, ids unknown" (an import, the
demo data). ``settings_changed()`` follows a write in 设置 (bureau, users, policies, targets);
``plans_changed()`` a write of a pre-approval (接待审批) or of the letter register (公函登记).
The window's hub also knows whether another desk is writing (``writer_busy``), which
``ui.operations`` asks before every write.

The main window owns one hub and passes it to the screens it opens; a screen built alone
(in a test, say) makes its own. Writes announce through ``ui.operations``, never by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from PySide6.QtCore import QObject, Signal


class ChangeHub(QObject):
    """Announces what a write changed; the ledger view, the queue, the dashboard and open forms listen."""

    receptions_changed = Signal(object)  # frozenset[int]
    settings_changed = Signal()
    plans_changed = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        writer_busy: Callable[[], bool] | None = None,
        writing_now: Callable[[], str] | None = None,
        at_once: Callable[[], AbstractContextManager[None]] | None = None,
    ) -> None:
        super().__init__(parent)
        # whether another desk holds the write lock now (LedgerService.writer_busy): every
        # write of ui.operations asks first and waits with the user instead of freezing; what
        # that desk is doing, if it says (LedgerService.writing_now); and a write that does
        # not wait for the lock once it was seen free (LedgerService.at_once)
        self.writer_busy = writer_busy
        self.writing_now = writing_now
        self.at_once = at_once

    def announce(self, ids: Iterable[int | None] = ()) -> None:
        """Receptions changed: those of ``ids`` (None ids are dropped), or unknown ones when empty."""
        self.receptions_changed.emit(frozenset(i for i in ids if i is not None))

    def announce_settings(self) -> None:
        self.settings_changed.emit()

    def announce_plans(self) -> None:
        self.plans_changed.emit()


def concerns(ids: frozenset[int], reception_id: int | None) -> bool:
    """Whether an announcement may concern this reception (an empty set concerns every one)."""
    return not ids or (reception_id is not None and reception_id in ids)
