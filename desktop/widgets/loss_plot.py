"""Live training and validation loss on a log scale (pyqtgraph).

Points go into growing numpy buffers; a ~10 Hz timer redraws only when something
changed, with one ``setData`` per curve, so a fast training loop never floods the
GUI thread with redraws. Colours follow the palette.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

REDRAW_MS = 100


class _Series:
    """A growing (x, y) buffer: appends are amortised O(1), reads are views."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty((2, capacity), dtype=np.float64)
        self.count = 0

    def append(self, x: float, y: float) -> None:
        if self.count == self._data.shape[1]:
            grown = np.empty((2, 2 * self.count), dtype=np.float64)
            grown[:, : self.count] = self._data
            self._data = grown
        self._data[:, self.count] = (x, y)
        self.count += 1

    @property
    def x(self) -> np.ndarray:
        return self._data[0, : self.count]

    @property
    def y(self) -> np.ndarray:
        return self._data[1, : self.count]

    def clear(self) -> None:
        self.count = 0


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.train = _Series()
        self.val = _Series()
        self._dirty = False
        self._plot = pg.PlotWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._plot)
        item = self._plot.getPlotItem()
        item.setLogMode(y=True)
        # pyqtgraph's SI prefix on a log axis turns a loss of 0.7 into "7·10²" under "(x0.001)".
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        item.setDownsampling(mode="peak")
        item.setClipToView(True)
        self._legend = item.addLegend(offset=(-10, 10))
        self._train_curve = item.plot(name="training")
        self._val_curve = item.plot(name="validation", symbol="o", symbolSize=6)
        self.apply_palette()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self.setToolTip("Loss per epoch (log scale): training (line) and validation (dots)")

    def apply_palette(self) -> None:
        """Take background, text and curve colours from the widget's palette (light or dark)."""
        palette = self.palette()
        self._plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for axis in ("left", "bottom"):
            ax = self._plot.getPlotItem().getAxis(axis)
            ax.setPen(text)
            ax.setTextPen(text)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        # Validation in the highlight's complementary hue: distinct from training on any palette.
        other = QColor.fromHsv((max(highlight.hsvHue(), 0) + 180) % 360, max(highlight.hsvSaturation(), 160), max(highlight.value(), 200))
        self._train_curve.setPen(pg.mkPen(highlight, width=2))
        self._val_curve.setPen(pg.mkPen(other, width=2))
        self._val_curve.setSymbolBrush(other)
        self._val_curve.setSymbolPen(other)
        self._legend.setLabelTextColor(text)

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)

    def add_train(self, epoch: float, loss: float) -> None:
        self.train.append(epoch, max(float(loss), 1e-12))  # a log axis cannot show 0
        self._dirty = True

    def add_val(self, epoch: float, loss: float) -> None:
        self.val.append(epoch, max(float(loss), 1e-12))
        self._dirty = True

    def clear(self) -> None:
        self.train.clear()
        self.val.clear()
        self._dirty = True
        self._redraw()

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._train_curve.setData(self.train.x, self.train.y)
        self._val_curve.setData(self.val.x, self.val.y)

    def flush(self) -> None:
        """Draw pending points now (before a screenshot, say)."""
        self._redraw()
