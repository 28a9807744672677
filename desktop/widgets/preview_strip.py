"""Grey input, prediction and original for the fixed validation photos, refreshed after each validation."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QStyle, QVBoxLayout, QWidget

from desktop.images import array_to_qimage

ROWS = ("Grey input", "Prediction", "Original")
CELL = 96  # pixels per preview image (validation crops are small)
QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"


class PreviewStrip(QScrollArea):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Validation previews")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        # Up and down, the column the strip is in scrolls (a box scrolling inside it showed a row, cut off); sideways, it.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget()
        column = QVBoxLayout(self._inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(4)
        self._grid.setVerticalSpacing(4)
        self._caption = QLabel("Previews appear after the first validation.")
        self._caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Wrapped across the whole strip: on one line "..., each coloured with 5 hints from its original" held the
        # strip wider than the column, behind a sideways scroll bar of its own with only one photo to show.
        # (Above the grid, not spanning its columns: the spacing between its 100 columns would count.)
        self._caption.setWordWrap(True)
        column.addWidget(self._caption)
        column.addLayout(self._grid, 1)
        self._grid.setColumnStretch(99, 1)  # cells pack to the left
        self._grid.setRowStretch(len(ROWS) + 1, 1)
        for row, text in enumerate(ROWS, start=1):
            label = QLabel(text)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setFixedHeight(CELL)
            self._grid.addWidget(label, row, 0)
        self._cells: list[list[QLabel]] = []
        self._row_labels = [self._grid.itemAtPosition(row, 0).widget() for row in range(1, len(ROWS) + 1)]
        self.setWidget(self._inner)
        self.held_out = True  # False: the run held no photos out, so the previews are of training photos
        self._show_rows(False)
        self.setToolTip("The same validation photos after every epoch: grey input, the model's colours, the real colours")

    def sizeHint(self) -> QSize:  # noqa: N802 - all three rows when there is room (the loss plot takes the rest)
        hint = super().sizeHint()
        return QSize(hint.width(), self.maximumHeight()) if self.maximumHeight() < QWIDGETSIZE_MAX else hint

    @property
    def caption(self) -> str:
        """What the previews are, above them."""
        return self._caption.text()

    @property
    def count(self) -> int:
        """How many validation photos are shown."""
        return sum(1 for column in self._cells if column[0].pixmap() is not None and not column[0].pixmap().isNull())

    def _show_rows(self, shown: bool) -> None:
        """Until the first previews arrive the strip is one line high, leaving the room to the loss plot.

        Then it is as high as its three rows and the column it is in scrolls to them where the window
        is short (that column's least height, not the strip's, sets the window's minimum: at a fixed
        height the strip once held the whole window at least 737 px high, a laptop's screen being 768).
        At a row high with a scroll bar of its own inside that column it showed a row, cut off.
        """
        for label in self._row_labels:
            label.setVisible(shown)
        for column in self._cells:
            for cell in column:
                cell.setVisible(shown and cell.pixmap() is not None and not cell.pixmap().isNull())
        self._fit_height()

    def _fit_height(self) -> None:
        """As high as the caption, wrapped at the strip's width, and the rows where they are shown."""
        shown = self._row_labels[0].isVisibleTo(self)
        caption = self._caption.heightForWidth(max(1, self.viewport().width())) + 8
        if not shown:
            self.setFixedHeight(caption)
            return
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, self)  # to reach the last columns
        self.setFixedHeight(caption + len(ROWS) * (CELL + 4) + 8 + bar)

    def resizeEvent(self, event) -> None:  # noqa: N802 - the caption wraps to another number of lines
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def set_triplets(self, triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], epoch: float, hints: int = 0) -> None:
        """Show the previews of one validation; ``hints``: how many colour hints each prediction had (marked)."""
        which = "Validation photos" if self.held_out else "Training photos"
        caption = f"{which} after epoch {epoch:.3g}" + ("" if self.held_out else " (nothing held out)")
        self._caption.setText(caption + (f", each coloured with {hints} hints from its original" if hints else ""))
        self._fit_height()  # (shown already: its lines may be more or fewer now)
        self._row_labels[0].setText(f"Grey input\n+ {hints} hints" if hints else ROWS[0])
        self._row_labels[0].setToolTip("The squares mark where the hints were given" if hints else "")
        while len(self._cells) < len(triplets):
            column = len(self._cells) + 1
            cells = []
            for row in range(1, len(ROWS) + 1):
                cell = QLabel()
                cell.setFixedSize(CELL, CELL)
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self._grid.addWidget(cell, row, column)
                cells.append(cell)
            self._cells.append(cells)
        for column in self._cells[len(triplets):]:  # another run's with more photos: its previews go (they stayed on)
            for cell in column:
                cell.clear()
        for column, triplet in zip(self._cells, triplets):
            for cell, pixels in zip(column, triplet):
                image = array_to_qimage(np.ascontiguousarray(pixels))
                cell.setPixmap(QPixmap.fromImage(image).scaled(CELL, CELL, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        self._show_rows(True)  # (the columns with pictures: the rest hidden, not blank room behind a scroll bar)

    def clear(self) -> None:
        for column in self._cells:
            for cell in column:
                cell.clear()
        self._caption.setText("Previews appear after the first validation.")
        self._show_rows(False)
