"""The loss plot: readable log ticks, a legend off the data, a usable minimum height, history across resume."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from desktop.widgets.loss_plot import MIN_LABEL_SPACING_PX, MIN_PLOT_HEIGHT, LossPlot, nice_log_ticks, tick_labels


def _labels(low: float, high: float, height_px: int) -> list[str]:
    ticks = nice_log_ticks(math.log10(low), math.log10(high), height_px)
    gaps = [(b - a) * height_px / (math.log10(high) - math.log10(low)) for a, b in zip(ticks, ticks[1:])]
    assert all(gap >= MIN_LABEL_SPACING_PX for gap in gaps)  # labels never overlap
    return tick_labels(ticks)


@pytest.mark.parametrize(
    "low, high, height, expected",
    [
        (0.8, 1.0, 160, None),  # the crowded case: "1 / 0.9 / 0.8" on top of each other
        (0.01, 10, 160, ["0.01", "0.1", "1", "10"]),
        (10, 1e12, 330, ["100", "1e4", "1e6", "1e8", "1e10", "1e12"]),  # a run that diverged: one style throughout
        (1e-7, 1e-3, 160, ["1e-7", "1e-6", "1e-5", "1e-4", "0.001"]),
        (1e-6, 1e3, 100, None),
        (0.05, 0.5, 400, None),
        (4.78, 4.95, 160, None),  # a narrow band early in a run: still labelled
    ],
)
def test_log_ticks_are_few_enough_to_read_and_nicely_rounded(low, high, height, expected):
    labels = _labels(low, high, height)
    assert 2 <= len(labels) <= max(2, height // MIN_LABEL_SPACING_PX)
    assert len(set(labels)) == len(labels)  # no two ticks print the same
    for label in labels:  # round numbers: a 1-2-5 style mantissa, or a multiple of a 1-2-5 step
        mantissa = float(label) / 10 ** math.floor(math.log10(float(label)))
        assert len(f"{mantissa:g}".replace(".", "")) <= 3, label
    if expected:
        assert labels == expected


def test_the_legend_sits_above_the_plot_and_the_plot_keeps_a_usable_height(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    assert plot._plot.getPlotItem().legend is None  # nothing drawn over the curves
    assert "training" in plot.legend.text() and "validation" in plot.legend.text()
    plot.resize(400, 40)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot._plot.minimumHeight() >= MIN_PLOT_HEIGHT
    assert plot.minimumSizeHint().height() >= MIN_PLOT_HEIGHT


def test_an_empty_plot_says_what_it_will_show_instead_of_numbering_its_axes(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    axis = plot._plot.getPlotItem().getAxis("left")
    assert plot.empty_note.empty and not axis.style["showValues"]
    assert plot.empty_note.note.text() == "The losses are drawn here as the model trains."
    plot.add_train(0.1, 2.0, 1)
    plot.flush()
    assert not plot.empty_note.empty and axis.style["showValues"]
    plot.clear()
    assert plot.empty_note.empty and not axis.style["showValues"]


def test_truncating_at_a_checkpoint_keeps_the_history_before_it(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    for step in range(1, 21):
        plot.add_train(step / 10, 1 / step, step)
    plot.add_val(1.0, 0.5, 10)
    plot.add_val(2.0, 0.4, 20)
    plot.truncate_after(12)
    assert list(plot.train.steps) == list(range(1, 13))
    assert plot.val.count == 1 and plot.val.y[0] == 0.5


def test_clear_leaves_no_axes_of_an_earlier_run(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    for step in range(1, 50):
        plot.add_train(step * 100.0, 1e-4, step)
    plot.flush()
    plot.clear()
    (x_low, x_high), (y_low, y_high) = plot._plot.getPlotItem().getViewBox().viewRange()
    assert x_high <= 2 and y_low >= -2  # not epochs up to 4900 and losses near 1e-4


# Plain numbers on the log axes (no SI prefix: a loss of 0.7 never reads "7·10²" under "(x0.001)").
def left_axis_text(item) -> tuple[str, list[str]]:
    axis = item.getAxis("left")
    axis.resizeEvent()  # what a repaint does: picks the SI prefix for the shown range
    return axis.labelString(), axis.tickStrings([math.log10(0.7), math.log10(0.5)], axis.autoSIPrefixScale, 0.1)


def test_train_page_loss_axis_reads_in_plain_numbers(qtbot):
    from desktop.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    for i, loss in enumerate((0.9, 0.8, 0.7, 0.55, 0.45, 0.4)):
        plot.add_train(i / 2, loss)
        plot.add_val(i / 2, loss + 0.02)
    plot.flush()
    item = plot._plot.getPlotItem()
    item.getViewBox().autoRange()
    label, ticks = left_axis_text(item)
    assert "x0.001" not in label and "(x" not in label
    assert ticks == ["0.7", "0.5"]


def test_runs_page_loss_axis_reads_in_plain_numbers(qtbot, tmp_path):
    from desktop.library_model import Library
    from desktop.runs_page import RunsPage
    from desktop.workers import Lane

    lane = Lane("misc")
    page = RunsPage(Library(), lane, tmp_path / "runs")
    qtbot.addWidget(page)
    item = page.plot.getPlotItem()
    item.setLogMode(y=True)
    item.plot([1, 2, 3, 4], [0.9, 0.7, 0.5, 0.4])
    item.getViewBox().autoRange()
    label, ticks = left_axis_text(item)
    assert "(x" not in label and ticks == ["0.7", "0.5"]
    lane.stop_all()
    lane.wait(10_000)


def _pixels_of(widget, colour) -> int:
    """How many pixels of ``widget`` as drawn now are (nearly) ``colour``."""
    image = widget.grab().toImage()
    return sum(
        1
        for y in range(image.height())
        for x in range(image.width())
        if max(abs(a - b) for a, b in zip(image.pixelColor(x, y).getRgb()[:3], colour.getRgb()[:3])) < 40
    )


def shown_loss_plot(qtbot) -> LossPlot:
    """A LossPlot of 400 x 300, shown and exposed."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def test_the_first_training_point_is_drawn_before_a_second_one_exists(qtbot):
    """A line needs two points: after the first logged step the plot showed nothing (found by QA)."""
    from PySide6.QtGui import QPalette

    plot = shown_loss_plot(qtbot)
    training = plot.palette().color(QPalette.ColorRole.Highlight)
    plot.add_train(0.01, 2.0, 1)
    plot.flush()
    assert _pixels_of(plot._plot, training) >= 9  # a dot, not nothing
    for step in range(2, 40):
        plot.add_train(step / 100, 2.0 / step, step)
    plot.flush()
    assert plot._train_curve.opts["symbol"] is None  # a longer curve is a plain line, as on the Runs tab


def _right_click_opens_a_menu(plot, qtbot) -> bool:
    """Whether a right-click on the middle of ``plot``'s curves pops up a menu (closed again before returning)."""
    from PySide6.QtWidgets import QApplication

    viewport = plot.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=viewport.rect().center())
    menu = QApplication.activePopupWidget()
    if menu is not None:
        menu.close()
    return menu is not None


def _has_no_developer_controls(plot, qtbot) -> None:
    item = plot.getPlotItem()
    assert not item.menuEnabled() and not item.getViewBox().menuEnabled()
    assert not _right_click_opens_a_menu(plot, qtbot)  # no Export..., no "Mouse enabled" to tick
    item.getViewBox().disableAutoRange()  # what shows pyqtgraph's "A" button under a hovering pointer
    item.mouseHovering = True
    item.updateButtons()
    assert not item.autoBtn.isVisible()


def test_the_train_tabs_plot_has_no_pyqtgraph_menu_or_buttons(qtbot):
    """A right-click on the curves offered pyqtgraph's developer menu, whose "Mouse enabled" brought zooming back."""
    plot = shown_loss_plot(qtbot)
    for i, loss in enumerate((0.9, 0.7, 0.5)):
        plot.add_train(i, loss, i)
    plot.flush()
    _has_no_developer_controls(plot._plot, qtbot)


def test_the_runs_tabs_plot_has_no_pyqtgraph_menu_or_buttons(qtbot, tmp_path):
    from desktop.library_model import Library
    from desktop.runs_page import RunsPage
    from desktop.workers import Lane

    lane = Lane("misc")
    page = RunsPage(Library(), lane, tmp_path / "runs")
    qtbot.addWidget(page)
    page.resize(800, 700)
    page.show()
    qtbot.waitExposed(page)
    page.plot.getPlotItem().plot([1, 2, 3], [0.9, 0.7, 0.5])
    _has_no_developer_controls(page.plot, qtbot)
    lane.stop_all()
    lane.wait(10_000)


def bottom_axis_labels(plot) -> list[str]:
    """The bottom axis's tick labels over its range as it stands (every level pyqtgraph offers)."""
    item = plot.getPlotItem()
    axis = item.getAxis("bottom")
    low, high = item.getViewBox().viewRange()[0]
    return [label for spacing, values in axis.tickValues(low, high, axis.width()) for label in axis.tickStrings(values, axis.scale, spacing)]


def test_whole_epochs_are_labelled_in_whole_numbers_and_the_curves_are_smooth(qtbot):
    """Two epochs were labelled 1.0, 1.2 ... 2.0, and the curves were drawn in stair-steps (not anti-aliased)."""
    plot = shown_loss_plot(qtbot)
    for epoch in (1, 2):
        plot.add_train(float(epoch), 5.2 - 0.1 * epoch, epoch)
        plot.add_val(float(epoch), 5.7 - 0.1 * epoch, epoch)
    plot.flush()
    qtbot.waitUntil(lambda: plot._plot.getPlotItem().getViewBox().viewRange()[0][0] > 0.5)  # (the range follows the data)
    labels = bottom_axis_labels(plot._plot)
    assert labels and all(label.isdigit() for label in labels), labels
    assert {"1", "2"} <= set(labels)
    assert plot._train_curve.opts["antialias"] and plot._val_curve.opts["antialias"]

    plot.clear()
    for step in range(1, 11):  # a run logged within its epochs: fractions say where
        plot.add_train(step / 4, 1.0 / step, step)
    plot.flush()
    assert any("." in label for label in bottom_axis_labels(plot._plot))
