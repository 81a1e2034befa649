"""Table columns whose header and cells stay readable at any size and scale.

``fit_columns(view, stretch, samples)`` gives every column of a table at least the width its
header needs (in bold: the header of the current column is drawn bold) and the width of its
widest cell or of a sample text (what such a column usually holds, e.g. "局机关食堂" for a venue),
and the ``stretch`` column whatever is left besides. Where the table is narrower than the
columns need (a very small window) it scrolls sideways instead of cutting a text to "局机…";
with ``elide``, the stretch column (a free text such as a venue) gives way first, down to its
title and sample, and its longer texts end in "…".
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHeaderView, QTableView
from shiboken6 import isValid

CELL_PADDING = 16  # the cell's margins and focus frame around its text


class ColumnFit(QObject):
    """Keeps ``view``'s columns fitted as it is resized and its rows change."""

    def __init__(
        self, view: QTableView, stretch: int, samples: Mapping[int, str] | None = None, elide: bool = False
    ) -> None:
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.elide = elide  # the stretch column needs only its title and sample: longer texts end in "…"
        self.samples = dict(samples or {})
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.viewport().installEventFilter(self)
        model = view.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self.fit)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def minimum(self, column: int) -> int:
        """The width column ``column`` needs for its header, its cells and its sample text."""
        view = self.view
        header = view.horizontalHeader()
        title = str(view.model().headerData(column, header.orientation()) or "")
        bold = header.font()
        bold.setBold(True)
        sample = self.samples.get(column, "")
        return max(
            header.sectionSizeHint(column),
            max(QFontMetrics(bold).horizontalAdvance(line) for line in title.split("\n")) + CELL_PADDING,
            0 if self.elide and column == self.stretch else view.sizeHintForColumn(column),
            view.fontMetrics().horizontalAdvance(sample) + CELL_PADDING if sample else 0,
        )

    def fit(self, *_args: object) -> None:
        view = self.view
        if not isValid(view):  # a QTableWidget's own model still signals while the table goes
            return
        columns = range(view.model().columnCount())
        widths = {c: self.minimum(c) for c in columns}
        others = sum(w for c, w in widths.items() if c != self.stretch)
        widths[self.stretch] = max(widths.get(self.stretch, 0), view.viewport().width() - others)
        for column, width in widths.items():
            if view.columnWidth(column) != width:
                view.setColumnWidth(column, width)


def fit_columns(
    view: QTableView, stretch: int, samples: Mapping[int, str] | None = None, elide: bool = False
) -> ColumnFit:
    return ColumnFit(view, stretch, samples, elide)
