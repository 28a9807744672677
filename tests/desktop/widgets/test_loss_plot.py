"""Loss plots on a log axis read in plain numbers: no "(x0.001)" unit with ticks of "7·10²" for a loss of 0.7."""

from __future__ import annotations

import math


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
