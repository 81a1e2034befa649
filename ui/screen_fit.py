"""Every window fits the screen it opens on, and comes back where the user left it.

An office laptop has 1366×768 pixels, less the task bar; a 1920×1080 screen at 150 % has
1280×720 logical pixels. A window asks for the size it would like (``preferred``); it gets
at most the screen's available area (``QScreen.availableGeometry``) less room for the title
bar, placed over its parent or in the middle of the screen. Its size and position are kept
per screen (the screen's name and available size), so the laptop on its own and the laptop at
the office monitor each remember their own; a remembered place that no longer fits the screen
(a smaller monitor, a changed scaling) is not used.

``fit_window(widget, name, preferred)`` does all this for one window: call it in the
constructor. Content that may be long goes into ``scrolling(content)`` so the window's
buttons, kept outside the scroll area, are always on the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from ui.prefs import app_settings

# what the window system adds around a window's content: the title bar and the borders
FRAME_ALLOWANCE = QSize(16, 40)


def fitted_size(preferred: QSize, available: QRect, minimum: QSize | None = None) -> QSize:
    """``preferred``, shrunk to ``available`` less the frame (never below ``minimum`` where
    that still fits: a minimum larger than the screen gives way to the screen)."""
    room_w = max(available.width() - FRAME_ALLOWANCE.width(), 200)
    room_h = max(available.height() - FRAME_ALLOWANCE.height(), 150)
    width = min(preferred.width(), room_w)
    height = min(preferred.height(), room_h)
    if minimum is not None:
        width = min(max(width, minimum.width()), room_w)
        height = min(max(height, minimum.height()), room_h)
    return QSize(width, height)


def centred(size: QSize, over: QRect, available: QRect) -> QPoint:
    """Where a window of ``size`` (content) sits centred over ``over``, inside ``available``."""
    outer_w = size.width() + FRAME_ALLOWANCE.width()
    outer_h = size.height() + FRAME_ALLOWANCE.height()
    x = over.center().x() - outer_w // 2
    y = over.center().y() - outer_h // 2
    x = max(available.left(), min(x, available.right() + 1 - outer_w))
    y = max(available.top(), min(y, available.bottom() + 1 - outer_h))
    return QPoint(x, y)


def screen_key(screen: QScreen) -> str:
    area = screen.availableGeometry()
    name = "".join(ch if ch.isalnum() else "_" for ch in screen.name()) or "screen"
    return f"{name}_{area.width()}x{area.height()}"


def screen_of(widget: QWidget) -> QScreen:
    parent = widget.parentWidget()
    for candidate in (parent.window() if parent is not None else None, widget):
        if candidate is not None and candidate.isVisible() and candidate.screen() is not None:
            return candidate.screen()
    screen = widget.screen() or QGuiApplication.primaryScreen()
    assert screen is not None
    return screen


class _Keeper(QObject):
    """Places its window when first shown; remembers the place when the window is hidden."""

    def __init__(self, widget: QWidget, name: str, preferred: QSize) -> None:
        super().__init__(widget)
        self.widget = widget
        self.name = name
        self.preferred = preferred
        self.placed = False
        widget.installEventFilter(self)

    def _key(self, screen: QScreen) -> str:
        return f"windows/{self.name}/{screen_key(screen)}"

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        widget = getattr(self, "widget", None)  # None while Python tears the window down
        if widget is not None and watched is widget:
            kind = event.type()
            if kind == QEvent.Type.Show and not self.placed:
                self.placed = True
                self.place()
            elif kind in (QEvent.Type.Hide, QEvent.Type.Close) and self.placed:
                self.remember()
        return False

    def place(self) -> None:
        w = self.widget
        screen = screen_of(w)
        area = screen.availableGeometry()
        saved = app_settings().value(self._key(screen))
        if isinstance(saved, QByteArray | bytes) and saved and w.restoreGeometry(QByteArray(saved)):
            if area.contains(w.frameGeometry()) or area.contains(w.geometry()):
                return
            if w.isMaximized():
                return
        if w.isMaximized() or w.isFullScreen():
            return
        size = fitted_size(self.preferred, area, w.minimumSizeHint().expandedTo(QSize(title_width(w), 0)))
        w.resize(size)
        parent = w.parentWidget()
        over = parent.window().frameGeometry() if parent is not None and parent.isVisible() else area
        w.move(centred(size, over, area))

    def remember(self) -> None:
        w = self.widget
        app_settings().setValue(self._key(screen_of(w)), w.saveGeometry())


def title_width(widget: QWidget) -> int:
    """The width a window needs for its whole title beside the title bar's buttons."""
    title = widget.windowTitle()
    name = QGuiApplication.applicationDisplayName()
    if name and not title.endswith(name):
        title = f"{title} — {name}" if title else name
    return widget.fontMetrics().horizontalAdvance(title) + 150


def fit_window(widget: QWidget, name: str, preferred: QSize) -> None:
    """Size ``widget`` for its screen and keep its place per screen (see the module's text)."""
    widget.resize(fitted_size(preferred, screen_of(widget).availableGeometry()))
    keeper = getattr(widget, "_screen_keeper", None)
    if isinstance(keeper, _Keeper):  # a subclass names its own window
        keeper.name, keeper.preferred = name, preferred
        return
    # held by the window's Python object too, so the filter never outlives its Python half
    widget._screen_keeper = _Keeper(widget, name, preferred)  # type: ignore[attr-defined]


def remember_place(widget: QWidget) -> None:
    """Keep the window's size and place for its screen now (it is also kept when it closes)."""
    keeper = getattr(widget, "_screen_keeper", None)
    if isinstance(keeper, _Keeper):
        keeper.remember()


def scrolling(content: QWidget) -> QScrollArea:
    """``content`` in a frameless vertical scroll area that widens with the window."""
    area = QScrollArea()
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    return area
