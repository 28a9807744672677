"""The before/after view: the split line follows the mouse, zoom and pan keep the right pixels in place."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.images import DISPLAY_SIDE, DisplayImage, make_display
from desktop.widgets.split_view import SplitView


def solid(width: int, height: int, rgb) -> DisplayImage:
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[:] = rgb
    return make_display(pixels)


def mouse(view, kind, pos, button=Qt.MouseButton.LeftButton, buttons=None):
    buttons = Qt.MouseButton.LeftButton if buttons is None else buttons
    if kind == QEvent.Type.MouseButtonRelease:
        buttons = Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(pos), view.mapToGlobal(QPointF(pos)), button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, event)


def wheel(view, pos, notches: int):
    event = QWheelEvent(
        QPointF(pos), view.mapToGlobal(QPointF(pos)), QPoint(), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(view, event)


@pytest.fixture
def view(qtbot):
    widget = SplitView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.set_images(solid(200, 150, (128, 128, 128)), solid(200, 150, (220, 40, 30)))
    return widget


def pixel(image: QImage, x: int, y: int) -> tuple[int, int, int]:
    colour = QColor(image.pixel(x, y))
    return colour.red(), colour.green(), colour.blue()


def test_fit_shows_the_whole_photo_centred(view):
    assert view.is_fit
    assert view.scale() == pytest.approx(2.0)  # 200x150 into 400x300
    rect = view.photo_rect()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx((0, 0, 400, 300))


def test_before_left_of_the_line_after_right_of_it(view):
    view.set_split(0.25)
    shot = view.grab().toImage()
    assert pixel(shot, 20, 150) == (128, 128, 128)  # left of x=100: before
    assert pixel(shot, 300, 150) == (220, 40, 30)  # right: after
    view.set_split(0.9)
    shot = view.grab().toImage()
    assert pixel(shot, 300, 150) == (128, 128, 128)


def test_the_split_handle_stays_whole_with_the_line_at_either_edge(view):
    """It was cut in half at the view's edge."""
    from desktop.widgets.split_view import HANDLE_RADIUS

    base = view.palette().color(view.palette().ColorRole.Base)
    for split, centre in ((0.0, HANDLE_RADIUS + 1), (1.0, view.width() - HANDLE_RADIUS - 1)):
        view.set_split(split)
        shot = view.grab().toImage()
        for side in (-1, 1):  # the handle's fill on both sides, above its arrows
            assert pixel(shot, centre + side * 5, 143) == (base.red(), base.green(), base.blue()), (split, side)


def test_dragging_moves_the_split_line(view, qtbot):
    with qtbot.waitSignal(view.split_moved) as moved:
        mouse(view, QEvent.Type.MouseButtonPress, QPointF(200, 150))  # on the line (it starts in the middle)
        mouse(view, QEvent.Type.MouseMove, QPointF(300, 150), button=Qt.MouseButton.NoButton)
        mouse(view, QEvent.Type.MouseButtonRelease, QPointF(300, 150))
    assert moved.args[0] == pytest.approx(0.75)
    assert view.split == pytest.approx(0.75)
    mouse(view, QEvent.Type.MouseMove, QPointF(50, 150), button=Qt.MouseButton.NoButton, buttons=Qt.MouseButton.NoButton)
    assert view.split == pytest.approx(0.75)  # released: moving the mouse no longer drags


def test_wheel_zooms_around_the_cursor(view):
    under_cursor = view.widget_to_photo(QPointF(100, 75))
    wheel(view, QPointF(100, 75), 2)
    assert not view.is_fit
    assert view.scale() == pytest.approx(2.0 * 1.25**2)
    after = view.widget_to_photo(QPointF(100, 75))
    assert (after.x(), after.y()) == pytest.approx((under_cursor.x(), under_cursor.y()), abs=1e-6)


def test_actual_size_fit_and_pan(view):
    view.set_images(solid(1600, 1200, (128, 128, 128)), solid(1600, 1200, (10, 200, 10)))
    view.zoom_actual()
    assert view.scale() == 1.0
    centre = view.widget_to_photo(QPointF(200, 150))
    assert (centre.x(), centre.y()) == pytest.approx((800, 600))
    # Drag away from the split line pans: the photo follows the mouse.
    mouse(view, QEvent.Type.MouseButtonPress, QPointF(50, 50))
    mouse(view, QEvent.Type.MouseMove, QPointF(80, 90), button=Qt.MouseButton.NoButton)
    mouse(view, QEvent.Type.MouseButtonRelease, QPointF(80, 90))
    centre = view.widget_to_photo(QPointF(200, 150))
    assert (centre.x(), centre.y()) == pytest.approx((770, 560))
    view.zoom_fit()
    assert view.is_fit and view.scale() == pytest.approx(0.25)


def on_a_200_percent_display(view, monkeypatch):
    """The view as on a display scaled to 200 %: two screen pixels per view pixel (offscreen, Qt's is 1)."""
    monkeypatch.setattr(view, "devicePixelRatioF", lambda: 2.0)


def test_actual_pixels_on_a_200_percent_display_show_one_photo_pixel_per_screen_pixel(view, monkeypatch):
    """At 200 % Actual Pixels showed each photo pixel over 2x2 screen pixels, and Fit said "Fit 200 %" for 4."""
    on_a_200_percent_display(view, monkeypatch)
    assert view.zoom_text() == "Fit 400 %"  # 200x150 into 400x300 view pixels: 4 screen pixels a photo pixel
    view.set_images(solid(1600, 1200, (128, 128, 128)), solid(1600, 1200, (10, 200, 10)))
    assert view.zoom_text() == "Fit 50 %"
    view.zoom_actual()
    assert view.scale() == pytest.approx(0.5)  # half a view pixel a photo pixel: one screen pixel
    assert view.zoom_text() == "100 %"
    centre = view.widget_to_photo(QPointF(200, 150))
    assert (centre.x(), centre.y()) == pytest.approx((800, 600))
    where = view.widget_to_photo(QPointF(250, 100))
    assert (where.x(), where.y()) == pytest.approx((900, 500))
    assert view.photo_to_widget(QPointF(900, 500)) == QPointF(250, 100)
    # A drag pans: the photo follows the mouse, two photo pixels for each view pixel.
    mouse(view, QEvent.Type.MouseButtonPress, QPointF(50, 50))
    mouse(view, QEvent.Type.MouseMove, QPointF(80, 90), button=Qt.MouseButton.NoButton)
    mouse(view, QEvent.Type.MouseButtonRelease, QPointF(80, 90))
    centre = view.widget_to_photo(QPointF(200, 150))
    assert (centre.x(), centre.y()) == pytest.approx((740, 520))
    QTest.keyClick(view, Qt.Key.Key_0)
    assert view.is_fit and view.scale() == pytest.approx(0.25)
    QTest.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))  # fitted: double-click, 100 %
    assert not view.is_fit and view.zoom_text() == "100 %"
    QTest.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 150))  # at 100 %: back to fit
    assert view.is_fit


def test_the_split_line_lands_where_clicked_on_a_200_percent_display(view, monkeypatch):
    on_a_200_percent_display(view, monkeypatch)
    view.zoom_actual()  # 200x150 photo pixels on 100x75 view pixels, in the middle of the view
    rect = view.photo_rect()
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == pytest.approx((150, 112.5, 100, 75))
    mouse(view, QEvent.Type.MouseButtonPress, QPointF(225, 150))
    mouse(view, QEvent.Type.MouseButtonRelease, QPointF(225, 150))
    assert view.split == pytest.approx(0.75)


def test_actual_pixels_painted_at_200_percent_show_each_photo_pixel_on_one_screen_pixel(view, monkeypatch):
    """A checkerboard photo: every screen pixel inside it is black or white (2x2 blocks, smoothed, before)."""
    on_a_200_percent_display(view, monkeypatch)
    pixels = np.zeros((150, 200, 3), np.uint8)
    pixels[::2, ::2] = pixels[1::2, 1::2] = 255
    board = make_display(pixels)
    view.set_images(board, board)
    view.zoom_actual()
    shot = QImage(800, 600, QImage.Format.Format_RGB32)
    shot.setDevicePixelRatio(2.0)
    view.render(shot)
    rect = view.photo_rect()
    left, top = round(rect.left() * 2), round(rect.top() * 2)
    seen = [[pixel(shot, left + 4 + x, top + 4 + y)[0] for x in range(6)] for y in range(2)]
    assert seen in ([[255, 0] * 3, [0, 255] * 3], [[0, 255] * 3, [255, 0] * 3]), seen


def test_a_big_photo_on_a_200_percent_display_paints_from_a_copy_as_big_as_it_shows_on_the_screen(view, monkeypatch):
    on_a_200_percent_display(view, monkeypatch)
    big = make_display(np.zeros((3000, 4000), np.uint8))
    asked = []
    monkeypatch.setattr(big, "source_for", lambda scale: asked.append(scale) or big.levels[0])
    view.set_images(big, big)
    view.zoom_to(0.2)  # 800 view pixels wide, 1600 screen pixels: the 2000 px copy, not the 1000 px one
    view.grab()
    assert asked and asked[0] == pytest.approx(0.4)


def test_keys_pan_zoom_fit_and_move_the_split_line_when_the_view_has_focus(view):
    """Its focus frame promised arrows, +/- and 0 (they once did nothing)."""
    QTest.keyClick(view, Qt.Key.Key_Right)  # all of the photo shows: the split line moves a tenth
    assert view.split == pytest.approx(0.6)
    QTest.keyClick(view, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert view.split == pytest.approx(0.1)
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert not view.is_fit and view.scale() == pytest.approx(2.0 * 1.25)
    QTest.keyClick(view, Qt.Key.Key_Equal)  # (+ without Shift)
    assert view.scale() == pytest.approx(2.0 * 1.25**2)
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert view.scale() == pytest.approx(2.0 * 1.25)
    middle = view.widget_to_photo(QPointF(200, 150))
    QTest.keyClick(view, Qt.Key.Key_Right)  # zoomed in: the photo pans a tenth of the view
    QTest.keyClick(view, Qt.Key.Key_Down)
    moved = view.widget_to_photo(QPointF(200, 150))
    step = 300 * 0.1 / view.scale()
    assert (moved.x() - middle.x(), moved.y() - middle.y()) == pytest.approx((step, step))
    assert view.split == pytest.approx(0.1)  # (panning leaves the line where it was on the photo)
    QTest.keyClick(view, Qt.Key.Key_1)
    assert view.scale() == 1.0
    QTest.keyClick(view, Qt.Key.Key_0)
    assert view.is_fit and view.scale() == pytest.approx(2.0)


def test_big_photos_paint_from_downscaled_copies_when_small_on_screen():
    big = make_display(np.zeros((3000, 4000), np.uint8))
    assert [(level.width(), level.height()) for level in big.levels] == [(2000, 1500), (1000, 750)]
    assert max(big.small.width(), big.small.height()) <= DISPLAY_SIDE
    assert big.source_for(0.2) is big.levels[1]  # 800 px wide on screen: the 1000 px copy
    assert big.source_for(0.4) is big.levels[0]  # 1600 px: the 2000 px copy
    assert big.source_for(1.0) is big.image  # 100 %: the full-resolution pixels


def test_a_preview_is_drawn_over_the_whole_photo(view):
    """A quarter-size preview of the colour stands for the full photo until the full render arrives."""
    preview = solid(50, 38, (220, 40, 30))
    view.set_after(DisplayImage(preview.image, QSize(200, 150)))
    view.set_split(0.0)
    shot = view.grab().toImage()
    assert pixel(shot, 390, 250) == (220, 40, 30)  # (the bottom-right corner holds the zoom label)


def test_placeholder_when_empty(qtbot):
    widget = SplitView()
    qtbot.addWidget(widget)
    widget.resize(300, 200)
    blank = widget.grab().toImage()
    widget.set_placeholder("Drop photos here")
    assert widget.photo_size().isEmpty()
    widget.zoom_in()  # nothing to zoom: no error
    assert widget.grab().toImage() != blank  # the placeholder is drawn
    widget.set_placeholder("")
    assert widget.grab().toImage() == blank
