"""Live training and validation loss on a log scale (pyqtgraph).

Points go into growing numpy buffers; a ~10 Hz timer redraws only when something
changed, with one ``setData`` per curve, so a fast training loop never floods the
GUI thread with redraws. Colours follow the palette.

The legend is a line of text above the plot, never over the curves. The log axis
labels only "nice" values (1, 2, 5 x 10^k, or decades on a wide range), as many as
fit its height, so the labels never crowd. Each point keeps its training step, so a
run stopped and resumed carries on from its checkpoint without losing what was drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from desktop.form_fields import send_wheel_to_scroll_area

REDRAW_MS = 100
MIN_PLOT_HEIGHT = 160  # below this the curves are unreadable: the page scrolls or the window stops shrinking
MIN_LABEL_SPACING_PX = 28  # vertical room one tick label needs
SHORT_CURVE = 3  # a training curve of fewer points is drawn with a dot on each (a line needs two points)
# Mantissas per 10^k tried from coarse to fine; the finest whose labels fit is used.
NICE_MANTISSAS = ((1,), (1, 3), (1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9))


def nice_log_ticks(low: float, high: float, height_px: float) -> list[float]:
    """log10 values of readable tick labels between ``low`` and ``high`` (log10 units) on an axis ``height_px`` tall.

    Starts from decades (every 2nd, 3rd ... decade on a very wide range) and refines
    with 1-2-5 style mantissas while the labels still fit; no two labels closer than
    ``MIN_LABEL_SPACING_PX``.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low or height_px <= 0:
        return []
    max_labels = max(2, int(height_px // MIN_LABEL_SPACING_PX))
    px_per_unit = height_px / (high - low)
    kept: list[float] = []
    for tick in _nice_candidates(low, high, max_labels):
        if not kept or (tick - kept[-1]) * px_per_unit >= MIN_LABEL_SPACING_PX:
            kept.append(tick)
    return kept


def _nice_candidates(low: float, high: float, max_labels: int) -> list[float]:
    decades = range(math.floor(low), math.ceil(high) + 1)
    for every in range(1, len(decades) + 1):  # every decade, else every 2nd, 3rd ... until they fit
        best = [float(d) for d in decades if d % every == 0 and low <= d <= high]
        if len(best) <= max_labels:
            break
    if every > 1:
        return best
    for mantissas in NICE_MANTISSAS[1:]:  # a narrower range: 1-2-5 steps and finer, while they fit
        if len(best) >= max(3, max_labels // 2):
            break
        ticks = [d + math.log10(m) for d in decades for m in mantissas if low <= d + math.log10(m) <= high]
        if len(ticks) > max_labels:
            break
        best = ticks
    if len(best) < 2:  # a range narrower than any mantissa step (a loss between 4.8 and 4.95): linear 1-2-5 steps
        best = [math.log10(v) for v in _linear_ticks(10.0**low, 10.0**high, max_labels)]
    return best


def _linear_ticks(low: float, high: float, max_labels: int) -> list[float]:
    """Round values (multiples of 1, 2 or 5 x 10^k) between ``low`` and ``high``, at most ``max_labels``."""
    span = high - low
    if span <= 0 or low <= 0:
        return []
    for exponent in range(math.floor(math.log10(span)) - 2, math.floor(math.log10(span)) + 2):
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            first = math.ceil(low / step)
            values = [k * step for k in range(first, math.floor(high / step) + 1)]
            if 2 <= len(values) <= max_labels:
                return values
    return []


def tick_label(log_value: float, digits: int = 2) -> str:
    """The loss at a tick, short: ``0.02``, ``1.5``, ``300``, ``3e-5``, ``1.2e6``; ``digits`` significant digits."""
    value = 10.0**log_value
    if 1e-3 <= value < 1e4:
        text = f"{value:.{digits}g}"
        return f"{value:.0f}" if "e" in text else text  # 300, not 3e+02
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    return f"{mantissa}e{int(exponent)}"  # one style at every size: 1e4 ... 1e12, not 1.0e4 ... 1.0e+10


def tick_labels(log_values: list[float]) -> list[str]:
    """Labels for ticks, with as few digits as keep them apart (4.8, 4.85, 4.9 on a narrow range)."""
    for digits in range(2, 7):
        labels = [tick_label(v, digits) for v in log_values]
        if len(set(labels)) == len(labels):
            return labels
    return labels


class _WheelScrollsPage(QObject):
    """Hands every wheel event over a plot's viewport to the scroll area around the plot."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        send_wheel_to_scroll_area(watched.parentWidget(), event)  # (the viewport's parent is the plot)
        return True


_WHEEL_TO_PAGE: _WheelScrollsPage | None = None


def follow_data_only(plot: pg.PlotWidget) -> None:
    """The plot's ranges follow its data: the mouse neither zooms nor pans it, and the wheel over it scrolls the page.

    pyqtgraph's default mouse interaction zoomed a plot to epochs -30..50 as soon as a page scrolled by the
    wheel brought it under the pointer, and the page stopped scrolling there. Its right-click menu (Export...,
    a "Mouse enabled" tick that brought the zooming back) and its "A" auto-range button are a developer's
    tools, so they go too.
    """
    global _WHEEL_TO_PAGE
    if _WHEEL_TO_PAGE is None:
        _WHEEL_TO_PAGE = _WheelScrollsPage()
    item = plot.getPlotItem()
    item.setMouseEnabled(x=False, y=False)
    item.setMenuEnabled(False, enableViewBoxMenu=False)
    item.hideButtons()
    plot.viewport().installEventFilter(_WHEEL_TO_PAGE)


class LogLossAxis(pg.AxisItem):
    """A left axis for a log-mode plot with uncrowded, readable labels."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        if not self.logMode:
            return super().tickValues(minVal, maxVal, size)
        low, high = min(minVal, maxVal), max(minVal, maxVal)
        return [(1.0, nice_log_ticks(low, high, size))]

    def tickStrings(self, values, scale, spacing):  # noqa: N802
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        return tick_labels(list(values))


class CountAxis(pg.AxisItem):
    """A bottom axis of steps or epochs: ticks on whole numbers only while its values are whole (a step, an epoch
    of a run logged once an epoch), where pyqtgraph labelled two epochs 1.0, 1.2 ... 2.0; fractions where they are
    (a run logged within its epochs)."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        self.whole = True

    def set_whole(self, whole: bool) -> None:
        """Whether the values on the axis are whole numbers (its ticks are then)."""
        if whole != self.whole:
            self.whole = whole
            self.picture = None  # (pyqtgraph's cached drawing of the ticks)
            self.update()

    def tickValues(self, minVal, maxVal, size):  # noqa: N802, N803 (pyqtgraph's names)
        levels = super().tickValues(minVal, maxVal, size)
        if not self.whole:
            return levels
        whole = [(spacing, [v for v in values if abs(v - round(v)) < 1e-9]) for spacing, values in levels if spacing >= 1]
        if not any(values for _spacing, values in whole):  # a range narrower than pyqtgraph's whole steps: 1, 2
            low, high = min(minVal, maxVal), max(minVal, maxVal)
            whole = [(1.0, [float(v) for v in range(math.ceil(low), math.floor(high) + 1)])]
        return whole


class _Series:
    """A growing (x, y, step) buffer: appends are amortised O(1), reads are views."""

    def __init__(self, capacity: int = 1024):
        self._data = np.empty((3, capacity), dtype=np.float64)
        self.count = 0

    def append(self, x: float, y: float, step: float = math.nan) -> None:
        if self.count == self._data.shape[1]:
            grown = np.empty((3, 2 * self.count), dtype=np.float64)
            grown[:, : self.count] = self._data
            self._data = grown
        self._data[:, self.count] = (x, y, step)
        self.count += 1

    @property
    def x(self) -> np.ndarray:
        return self._data[0, : self.count]

    @property
    def y(self) -> np.ndarray:
        return self._data[1, : self.count]

    @property
    def steps(self) -> np.ndarray:
        return self._data[2, : self.count]

    def truncate_after(self, step: int) -> None:
        """Forget points logged after ``step`` (a resumed run redoes them from its checkpoint)."""
        keep = ~(self.steps > step)  # points without a step are kept
        kept = self._data[:, : self.count][:, keep]
        self.count = kept.shape[1]
        self._data[:, : self.count] = kept

    def clear(self) -> None:
        self.count = 0


class EmptyPlotNote(QWidget):
    """A plot with words over it while it has nothing to draw, instead of axes numbered for no data."""

    def __init__(self, plot: pg.PlotWidget, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = plot
        self.note = QLabel(text)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setWordWrap(True)
        self.note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        stack = QStackedLayout(self)
        stack.setStackingMode(QStackedLayout.StackingMode.StackAll)
        stack.addWidget(plot)
        stack.addWidget(self.note)
        stack.setCurrentWidget(self.note)  # (all are shown; the current one on top)
        self.set_empty(True)

    def set_empty(self, empty: bool) -> None:
        self.note.setVisible(empty)
        for axis in ("left", "bottom"):
            self.plot.getPlotItem().getAxis(axis).setStyle(showValues=not empty)

    @property
    def empty(self) -> bool:
        return not self.note.isHidden()


class LossPlot(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.train = _Series()
        self.val = _Series()
        self.run = None  # the run folder whose history is shown (a resumed run keeps it)
        self._dirty = False
        self._axis = LogLossAxis("left")
        self._epoch_axis = CountAxis("bottom")
        self._plot = pg.PlotWidget(axisItems={"left": self._axis, "bottom": self._epoch_axis})
        self._plot.setAccessibleName("Loss curves")
        self._plot.setMinimumHeight(MIN_PLOT_HEIGHT)
        follow_data_only(self._plot)
        self.legend = QLabel()  # off the data: above the plot
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.legend)
        self.empty_note = EmptyPlotNote(self._plot, "The losses are drawn here as the model trains.")
        layout.addWidget(self.empty_note, 1)
        item = self._plot.getPlotItem()
        item.setLogMode(y=True)
        # pyqtgraph's SI prefix on a log axis turns a loss of 0.7 into "7·10²" under "(x0.001)".
        item.getAxis("left").enableAutoSIPrefix(False)
        item.showGrid(x=True, y=True, alpha=0.25)
        item.setLabel("bottom", "epoch")
        item.setLabel("left", "loss")
        item.setDownsampling(mode="peak")
        item.setClipToView(True)
        # Anti-aliased, these two curves only (pyqtgraph's global option would slow every plot): they were drawn in
        # stair-steps.
        self._train_curve = item.plot(name="training", symbolSize=5, antialias=True)  # dots while it is short: see _redraw
        self._val_curve = item.plot(name="validation", symbol="o", symbolSize=6, antialias=True)
        self.apply_palette()
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self.setToolTip("Loss per epoch (log scale): training (line) and validation (dots)")

    def apply_palette(self) -> None:
        """Take background, text and curve colours from the widget's palette (light or dark)."""
        palette = self.palette()
        paint_plot_axes(self._plot, palette)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        # Validation in the highlight's complementary hue: distinct from training on any palette.
        other = QColor.fromHsv((max(highlight.hsvHue(), 0) + 180) % 360, max(highlight.hsvSaturation(), 160), max(highlight.value(), 200))
        self._train_curve.setPen(pg.mkPen(highlight, width=2))
        self._train_curve.setSymbolBrush(highlight)
        self._train_curve.setSymbolPen(highlight)
        self._val_curve.setPen(pg.mkPen(other, width=2))
        self._val_curve.setSymbolBrush(other)
        self._val_curve.setSymbolPen(other)
        self.legend.setText(
            f"<span style='color:{highlight.name()}'>━━</span> training loss &nbsp;&nbsp; "
            f"<span style='color:{other.name()}'>━●━</span> validation loss &nbsp;&nbsp; (log scale)"
        )

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)

    def add_train(self, epoch: float, loss: float, step: int | None = None) -> None:
        self.train.append(epoch, max(float(loss), 1e-12), math.nan if step is None else step)  # a log axis cannot show 0
        self._dirty = True

    def add_val(self, epoch: float, loss: float, step: int | None = None) -> None:
        self.val.append(epoch, max(float(loss), 1e-12), math.nan if step is None else step)
        self._dirty = True

    def truncate_after(self, step: int) -> None:
        """Drop points past ``step``: the run resumes from its checkpoint there."""
        self.train.truncate_after(step)
        self.val.truncate_after(step)
        self._dirty = True

    def clear(self) -> None:
        """No curves and neutral axes (an earlier run's ranges do not stay behind)."""
        self.train.clear()
        self.val.clear()
        self.run = None
        self._dirty = True
        self._redraw()
        item = self._plot.getPlotItem()
        item.setRange(xRange=(0, 1), yRange=(-1, 1), padding=0)  # epochs 0-1, loss 0.1-10 (log10 units)
        item.enableAutoRange()  # the next run's points set the ranges again

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        # A line needs two points: after the first logged step the curve would draw nothing.
        dots = "o" if self.train.count < SHORT_CURVE else None
        if self._train_curve.opts["symbol"] != dots:
            self._train_curve.setSymbol(dots)
        self._train_curve.setData(self.train.x, self.train.y)
        self._val_curve.setData(self.val.x, self.val.y)
        epochs = np.concatenate((self.train.x, self.val.x))
        self._epoch_axis.set_whole(bool(np.all(epochs == np.round(epochs))))
        self.empty_note.set_empty(self.train.count == 0 and self.val.count == 0)

    def flush(self) -> None:
        """Draw pending points now (before a screenshot, say)."""
        self._redraw()

    def label_texts(self) -> list[str]:
        """The left axis's tick labels as drawn now (for tests)."""
        self.flush()
        view = self._plot.getPlotItem().getViewBox()
        (low, high) = view.viewRange()[1]
        ticks = self._axis.tickValues(low, high, self._axis.geometry().height() or self._plot.height())
        return [label for _spacing, values in ticks for label in self._axis.tickStrings(values, 1.0, 1.0)]


def paint_plot_axes(plot: pg.PlotWidget, palette: QPalette) -> QColor:
    """Background and axes of a pyqtgraph plot from a Qt palette (light or dark); returns the text colour."""
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for axis in ("left", "bottom"):
        ax = plot.getPlotItem().getAxis(axis)
        ax.setPen(text)
        ax.setTextPen(text)
    return text
