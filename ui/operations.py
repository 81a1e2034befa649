"""One way to write: ask → write → show the refusal in place → announce what changed.

Every write of the window (the form, the queue, settings, printing, import, demo data)
goes through ``run``::

    outcome = run(lambda: service.approve(user, rid, comment), parent=self, hub=self.hub,
                  title=tr("未能审核"), changed=lambda saved: [saved.id])

``confirm`` asks first (False: nothing is written). A refusal of the service (a
``LedgerError``) goes to ``refused`` when given — the form puts each problem at its field —
or else to a message box in the service's own words. On success ``done`` gets the result,
then the hub announces the receptions ``changed`` names (None: none changed; an empty
list: some, ids unknown) (and ``settings_changed`` when
``settings``, ``plans_changed`` when ``plans``), so every screen showing them refreshes itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from PySide6.QtWidgets import QWidget

from ledger.service import LedgerError
from ui.hub import ChangeHub
from ui.widgets import show_ledger_error

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a write came to: ``ok`` with its ``value``, or the ``error`` that refused it."""

    ok: bool
    value: T | None = None
    error: LedgerError | None = None

    def __bool__(self) -> bool:
        return self.ok


def run(
    write: Callable[[], T],
    *,
    parent: QWidget | None,
    hub: ChangeHub | None,
    title: str = "",
    confirm: Callable[[], bool] | None = None,
    refused: Callable[[LedgerError], None] | None = None,
    done: Callable[[T], None] | None = None,
    changed: Callable[[T], Iterable[int | None] | None] | None = None,
    settings: bool = False,
    plans: bool = False,
) -> Outcome[T]:
    """Run one service write the one way every screen does (see the module's text)."""
    if confirm is not None and not confirm():
        return Outcome(False)
    try:
        value = write()
    except LedgerError as exc:
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
