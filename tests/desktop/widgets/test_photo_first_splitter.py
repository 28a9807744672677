"""The side panes give the photo room in a narrow window and take their widths back in a wide one."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.widgets.photo_first_splitter import PhotoFirstSplitter


def pane(minimum: int) -> QWidget:
    widget = QWidget()
    widget.setMinimumWidth(minimum)
    return widget


def make(qtbot, width: int):
    splitter = PhotoFirstSplitter(photo_room=300)
    qtbot.addWidget(splitter)
    side, photo, panel = pane(100), pane(50), pane(80)
    for widget in (side, photo, panel):
        splitter.addWidget(widget)
    splitter.set_photo_pane(photo)
    splitter.resize(width, 200)
    splitter.show()
    splitter.set_side_width(side, 200)
    splitter.set_side_width(panel, 150)
    return splitter, side, photo, panel


def widths(splitter) -> list[int]:
    return splitter.sizes()


def test_a_narrow_window_takes_width_from_the_side_panes_before_the_photo(qtbot):
    splitter, side, photo, panel = make(qtbot, 1000)
    assert widths(splitter)[0] == 200 and widths(splitter)[2] == 150
    splitter.resize(560, 200)
    side_w, photo_w, panel_w = widths(splitter)
    assert photo_w >= 300  # a plain QSplitter left it 560 - 350 - handles
    assert side_w >= 100 and panel_w >= 80 and side_w < 200 and panel_w < 150


def test_the_photo_gets_what_is_left_once_the_side_panes_are_at_their_minimum(qtbot):
    splitter, *_ = make(qtbot, 1000)
    splitter.resize(400, 200)
    side_w, photo_w, panel_w = widths(splitter)
    assert (side_w, panel_w) == (100, 80)
    assert photo_w == sum(widths(splitter)) - 180


def test_the_side_panes_take_their_widths_back_when_the_window_widens(qtbot):
    splitter, *_ = make(qtbot, 1000)
    splitter.resize(500, 200)
    splitter.resize(1100, 200)
    assert widths(splitter)[0] == 200 and widths(splitter)[2] == 150


def test_a_width_the_user_drags_a_pane_to_is_the_one_it_takes_back(qtbot):
    splitter, *_ = make(qtbot, 1000)
    splitter.moveSplitter(260, 1)  # the user drags the first handle
    assert widths(splitter)[0] == 260
    splitter.resize(500, 200)
    splitter.resize(1100, 200)
    assert widths(splitter)[0] == 260


def test_a_pane_shown_later_is_squeezed_too(qtbot):
    splitter, side, photo, panel = make(qtbot, 600)
    panel.hide()
    qtbot.waitUntil(lambda: widths(splitter)[2] == 0)
    assert widths(splitter)[0] == 200  # room for the photo without the panel
    panel.show()
    qtbot.waitUntil(lambda: widths(splitter)[2] > 0)
    assert widths(splitter)[1] >= 300
