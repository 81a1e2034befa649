"""Tab follows the screen in every window and dialog (issue 14): the keyboard goes through the
inputs in the order a reader of the form goes through them.

The rule, as a Chinese office user reads a form: line by line from the top, and left to right
within a line (two inputs whose vertical centres — of their first line, for a table or a text
box — are within ``ROW_TOLERANCE`` pixels stand on one line). A window made of separate panels
side by side (the form's pages and its 合规检查 panel, the queue beside its details) is read panel
by panel, column by column: each panel — a page of a tab widget, a group box, a scroll area's
contents, a splitter's side, a button box — is read whole before the next. So each step of the
chain is judged where its two ends part: two inputs of one panel by their first lines; otherwise
the two panels (or a panel and an input) that hold them inside the innermost panel they share,
by their whole areas — the second must be on a later line, further right on the same line, or
beside the first to its right. The focus chain is walked with ``QWidget.nextInFocusChain()``
from the window, keeping only what Tab stops at: visible, enabled widgets whose focus policy
takes Tab (and not those that hand their focus to another). Every page of every tab widget
(nested ones included) is shown in turn; the windows are those test_screen_fit opens, plus the
form as the approver sees a submitted reception.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialogButtonBox,
    QGroupBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from ledger.service import LedgerService
from tests.conftest import Team, sample_reception
from tests.ui.screen_probe import every_window
from ui.reception import ReceptionDialog, UnsavedPrompt

ROW_TOLERANCE = 8  # pixels between the centres of two inputs on one line
LINE_HEIGHT = 30  # a one-line input is at most this tall
SECTION_TYPES = (QGroupBox, QDialogButtonBox, QSplitter)


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UnsavedPrompt, "ask", classmethod(lambda cls, parent: UnsavedPrompt.DISCARD))


def tab_stops(window: QWidget) -> list[QWidget]:
    """The widgets Tab goes through, in the window's focus chain, from its first input."""
    stops: list[QWidget] = []
    widget = window.nextInFocusChain()
    seen: set[int] = set()
    while widget is not window and id(widget) not in seen:
        seen.add(id(widget))
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
            and widget.window() is window
        ):
            stops.append(widget)
        widget = widget.nextInFocusChain()
    return stops


def sections(widget: QWidget, window: QWidget) -> list[QWidget]:
    """The panels the widget is read in, outermost first (the window itself first): each group
    box, tab page, scroll area's contents, splitter side and button box around it."""
    found: list[QWidget] = []
    child, parent = widget, widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, (QSplitter, QStackedWidget)):  # a splitter's side, a tab page
            found.append(child)
        elif isinstance(parent, SECTION_TYPES):
            found.append(parent)
        elif isinstance(parent, QAbstractScrollArea) and child is not widget:
            found.append(parent)
        child, parent = parent, parent.parentWidget()
    return [window, *reversed(found)]


def first_line(widget: QWidget) -> QRect:
    """Where the eye meets the widget on the screen: its top line (all of a one-line input)."""
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return QRect(top_left.x(), top_left.y(), widget.width(), min(widget.height(), LINE_HEIGHT))


def area(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def read_after(before: QRect, after: QRect, before_line: QRect, after_line: QRect) -> bool:
    """Whether a reader meets ``after`` after ``before``: on a later line, further right on the
    same line, or in the next column beside it (side by side, overlapping in height)."""
    if after.top() >= before.bottom() - ROW_TOLERANCE:
        return True
    if abs(after_line.center().y() - before_line.center().y()) <= ROW_TOLERANCE:
        return after_line.left() >= before_line.left() - ROW_TOLERANCE
    side_by_side = after.top() < before.bottom() and after.bottom() > before.top()
    return side_by_side and after.left() >= before.right() - ROW_TOLERANCE


def read_in_order(before: QWidget, after: QWidget, window: QWidget) -> bool:
    """Compare the two where they part: the panels (or the inputs themselves) that hold them
    inside the innermost panel they share. Two inputs of one panel are compared by their first
    lines; two panels by their whole areas, so a panel is read whole before the one beside it."""
    outer_before, outer_after = sections(before, window), sections(after, window)
    shared = 0
    while (
        shared < min(len(outer_before), len(outer_after))
        and outer_before[shared] is outer_after[shared]
    ):
        shared += 1
    a = outer_before[shared] if shared < len(outer_before) else before
    b = outer_after[shared] if shared < len(outer_after) else after
    rect_a = area(a) if a is not before else first_line(a)
    rect_b = area(b) if b is not after else first_line(b)
    return read_after(rect_a, rect_b, first_line(a), first_line(b))


def name(widget: QWidget) -> str:
    label = widget.objectName() or getattr(widget, "text", lambda: "")() or widget.accessibleName()
    top_left = widget.mapToGlobal(QPoint(0, 0))
    return f"{type(widget).__name__}({label!s:.20})@({top_left.x()}, {top_left.y()})"


def out_of_order(window: QWidget) -> list[str]:
    """Each step of the chain that goes against the reading order."""
    stops = tab_stops(window)
    return [
        f"{name(before)} → {name(after)}"
        for before, after in zip(stops, stops[1:], strict=False)
        if not read_in_order(before, after, window)
    ]


def pages(window: QWidget) -> Iterator[str]:
    """Show every page of every tab widget in turn (a tab widget inside a page with its page
    shown), yielding which page is shown."""
    yield "first page"
    for tabs in window.findChildren(QTabWidget):
        child, parent = tabs, tabs.parentWidget()
        while parent is not None and parent is not window:  # show the pages holding it
            if isinstance(parent, QStackedWidget) and isinstance(parent.parentWidget(), QTabWidget):
                outer = parent.parentWidget()
                assert isinstance(outer, QTabWidget)
                outer.setCurrentIndex(outer.indexOf(child))
            child, parent = parent, parent.parentWidget()
        for i in range(tabs.count()):
            if not tabs.isTabEnabled(i):
                continue
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            yield tabs.tabText(i)


def test_tab_follows_the_screen_in_every_window_and_dialog(
    qtbot: QtBot, service: LedgerService, team: Team
) -> None:
    windows = every_window(service, team)  # the windows test_screen_fit opens
    # and a reception waiting in the queue, so the approver's buttons are enabled too
    pending = service.submit(team.clerk, sample_reception(date(2025, 3, 7), explanations={}, unit="市财政局"))
    windows.append(("reception form (approver)", lambda: ReceptionDialog(service, team.approver, pending.id)))
    found: dict[str, list[str]] = {}
    for title, make in windows:
        window = make()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        for page in pages(window):
            wrong = out_of_order(window)
            if wrong:
                found[f"{title} / {page}"] = wrong
        window.close()
    assert found == {}, "\n".join(f"{where}: {steps}" for where, steps in found.items())
