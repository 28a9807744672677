"""The keyboard focus is visible on the slider and the photo list (Fusion marks neither)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from desktop.widgets.focus_frame import FocusSlider
from desktop.widgets.photo_queue import PhotoQueue


def _edge_colours(widget: QWidget) -> set[str]:
    image = widget.grab().toImage()
    return {image.pixelColor(1, image.height() // 2).name(), image.pixelColor(image.width() // 2, 1).name()}


@pytest.mark.parametrize("make", [lambda: FocusSlider(Qt.Orientation.Horizontal), PhotoQueue], ids=["slider", "photo list"])
def test_the_widget_with_the_focus_has_a_highlight_frame_and_loses_it_with_the_focus(qtbot, make):
    window = QWidget()
    qtbot.addWidget(window)
    widget, other = make(), QPushButton("other")
    row = QHBoxLayout(window)
    row.addWidget(widget)
    row.addWidget(other)
    window.resize(400, 200)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    highlight = widget.palette().color(QPalette.ColorRole.Highlight).name()

    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)
    assert _edge_colours(widget) == {highlight}

    other.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(other.hasFocus)
    assert highlight not in _edge_colours(widget)
