"""Hint points on the split view: a click adds one on either side of the line, a drag moves it, Delete removes it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.hint_edits import HintEdits
from desktop.images import make_display
from desktop.widgets.hint_overlay import HintOverlay
from desktop.widgets.split_view import SplitView

AFTER_RGB = (220, 40, 30)


def solid(width, height, rgb):
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[:] = rgb
    return make_display(pixels)


def mouse(view, kind, pos, button=Qt.MouseButton.LeftButton):
    """A mouse event through the view's window, as the window system sends it: Qt picks the widget under
    the pointer (or the one that took the press), and a press nobody takes goes on to the parents."""
    window = view.window().windowHandle()
    where = view.mapTo(view.window(), QPointF(pos)).toPoint()
    if kind == QEvent.Type.MouseButtonPress:
        QTest.mousePress(window, button, Qt.KeyboardModifier.NoModifier, where)
    elif kind == QEvent.Type.MouseButtonRelease:
        QTest.mouseRelease(window, button, Qt.KeyboardModifier.NoModifier, where)
    else:
        QTest.mouseMove(window, where)


def click(view, pos):
    mouse(view, QEvent.Type.MouseButtonPress, pos)
    mouse(view, QEvent.Type.MouseButtonRelease, pos)


def drag(view, start, end, steps=10):
    mouse(view, QEvent.Type.MouseButtonPress, start)
    for i in range(1, steps + 1):
        t = i / steps
        mouse(view, QEvent.Type.MouseMove, QPointF(start.x() + t * (end.x() - start.x()), start.y() + t * (end.y() - start.y())))
    mouse(view, QEvent.Type.MouseButtonRelease, end)


@pytest.fixture
def view(qtbot):
    widget = SplitView()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.set_images(solid(200, 150, (128, 128, 128)), solid(200, 150, AFTER_RGB))  # 2 screen pixels per photo pixel
    widget.show()
    return widget


@pytest.fixture
def overlay(view):
    hints = HintOverlay(view)
    hints.set_edits(HintEdits())
    hints.set_active(True)
    return hints


def test_click_on_either_side_of_the_split_adds_a_point_in_photo_pixels(view, overlay, qtbot):
    assert view.split == 0.5
    with qtbot.waitSignal(overlay.hints_changed):
        click(view, QPointF(100, 60))  # left of the line: the "before" side
    click(view, QPointF(301, 201))  # right of it
    assert [(p.x, p.y) for p in overlay.edits.points] == [(50, 30), (150, 100)]
    assert view.split == 0.5  # the line stayed where it was
    # A new point starts with the colour shown there, so adding one changes nothing by itself.
    assert overlay.edits.points[0].rgb == AFTER_RGB
    assert overlay.selected_point() == overlay.edits.points[1]


def test_drag_moves_a_point_as_one_undo_step(view, overlay, qtbot):
    click(view, QPointF(100, 100))
    with qtbot.waitSignal(overlay.drag_finished):
        drag(view, QPointF(101, 101), QPointF(241, 161))
    assert [(p.x, p.y) for p in overlay.edits.points] == [(120, 80)]
    assert overlay.undo()
    assert [(p.x, p.y) for p in overlay.edits.points] == [(50, 50)]
    assert overlay.redo()
    assert [(p.x, p.y) for p in overlay.edits.points] == [(120, 80)]


def test_a_drag_off_the_photo_keeps_the_point_on_its_edge(view, overlay):
    view.zoom_actual()  # the 200x150 photo in the middle of the 400x300 view
    drag(view, QPointF(150, 110), QPointF(390, 10))
    assert [(p.x, p.y) for p in overlay.edits.points] == [(199, 0)]


def test_select_and_delete_removes_a_point(view, overlay, qtbot):
    click(view, QPointF(60, 60))
    click(view, QPointF(300, 60))
    click(view, QPointF(61, 61))  # on the first point: selects it, adds nothing
    assert len(overlay.edits) == 2 and overlay.selected_point().x == 30
    with qtbot.waitSignal(overlay.selection_changed, check_params_cb=lambda p: p is None):
        QApplication.sendEvent(overlay, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Delete, Qt.KeyboardModifier.NoModifier))
    assert [(p.x, p.y) for p in overlay.edits.points] == [(150, 30)]
    assert overlay.undo() and len(overlay.edits) == 2


def test_out_of_hint_mode_the_view_gets_the_mouse_and_no_points_are_drawn(view, overlay):
    click(view, QPointF(100, 100))
    overlay.set_active(False)
    click(view, QPointF(300, 100))
    assert len(overlay.edits) == 1
    assert view.split == pytest.approx(0.75)  # the view took the click: the line moved there
    overlay.set_active(True)
    drag(view, QPointF(view.split_x(), 150), QPointF(100, 150))  # on the line: it is still the view's
    assert view.split == pytest.approx(0.25) and len(overlay.edits) == 1


def test_points_are_drawn_as_outlined_swatches(view, overlay):
    view.set_split(0.0)  # all "after": a red photo
    click(view, QPointF(200, 150))
    overlay.recolour_selected((30, 60, 220))
    overlay.edits.select(None)
    shot = view.grab().toImage()
    centre = QColor(shot.pixel(201, 151))
    assert (centre.red(), centre.green(), centre.blue()) == (30, 60, 220)  # the swatch
    ring = [QColor(shot.pixel(201 + dx, 151)) for dx in range(5, 12)]
    assert any(c.lightness() < 40 for c in ring) and any(c.lightness() > 200 for c in ring)  # dark and light outline
    assert QColor(shot.pixel(230, 151)).red() == AFTER_RGB[0]  # the photo around it is untouched


def test_zoom_keeps_points_on_their_photo_pixels(view, overlay):
    click(view, QPointF(100, 60))
    view.zoom_to(4.0, QPointF(100, 60))
    hit = overlay._point_at(QPointF(view.photo_to_widget(QPointF(50.5, 30.5))))
    assert hit is not None and (hit.x, hit.y) == (50, 30)


def test_at_actual_pixels_on_a_200_percent_display_points_and_picked_colours_land_on_the_photo_pixel_clicked(
    view, overlay, qtbot, monkeypatch
):
    """There a photo pixel is one screen pixel, half a view pixel: a click or drag covers two photo pixels a view pixel."""
    monkeypatch.setattr(view, "devicePixelRatioF", lambda: 2.0)
    halves = np.empty((150, 200, 3), np.uint8)
    halves[:, :100], halves[:, 100:] = AFTER_RGB, (20, 90, 200)
    view.set_images(solid(200, 150, (128, 128, 128)), make_display(halves))
    view.zoom_actual()  # 200x150 photo pixels on 100x75 view pixels from (150, 112.5)
    click(view, QPointF(175, 125))
    assert [(p.x, p.y) for p in overlay.edits.points] == [(50, 25)]
    with qtbot.waitSignal(overlay.drag_finished):
        drag(view, QPointF(175, 125), QPointF(240, 180))
    assert [(p.x, p.y) for p in overlay.edits.points] == [(180, 135)]
    assert overlay.start_picking()
    with qtbot.waitSignal(overlay.colour_picked) as picked:
        click(view, QPointF(210, 150))  # photo x 120: the blue half
    assert picked.args[0] == (20, 90, 200)


def test_taking_a_colour_from_the_photo_recolours_nothing_by_itself_and_adds_no_point(view, overlay, qtbot):
    halves = np.empty((150, 200, 3), np.uint8)
    halves[:, :100], halves[:, 100:] = AFTER_RGB, (20, 90, 200)
    view.set_images(solid(200, 150, (128, 128, 128)), make_display(halves))
    assert not overlay.start_picking()  # no point selected: nothing to take a colour for
    click(view, QPointF(60, 60))
    assert overlay.start_picking() and overlay.picking
    with qtbot.waitSignal(overlay.colour_picked) as picked:
        click(view, QPointF(340, 200))  # on the blue half: a colour, not a second point
    assert picked.args[0] == (20, 90, 200) and len(overlay.edits) == 1 and not overlay.picking
    assert overlay.start_picking()
    QTest.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.picking and overlay.selected_point() is not None  # Esc cancels the picking, not the selection
    overlay.start_picking()
    with qtbot.assertNotEmitted(overlay.colour_picked):
        view.zoom_to(1.0)  # 200 x 150 photo pixels in the middle of the 400 x 300 view: a click beside it
        click(view, QPointF(395, 295))
    assert not overlay.picking and len(overlay.edits) == 1


def test_the_overlays_tooltip_fits_the_smallest_window(overlay):
    """On one line it ran about 870 px, past the edge of a 746 px window."""
    overlay.set_active(True)
    widest = max(overlay.fontMetrics().horizontalAdvance(line) for line in overlay.toolTip().splitlines())
    assert widest < 600


def focus_view(view, qtbot):
    view.activateWindow()
    view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)


def test_tab_reaches_the_points_in_hint_mode_only_and_shows_it(view, overlay, qtbot):
    """The overlay took the focus on a click only: a keyboard user never reached the points."""
    focus_view(view, qtbot)
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert overlay.hasFocus()
    shot = view.grab().toImage()
    highlight = overlay.palette().color(overlay.palette().ColorRole.Highlight)
    assert shot.pixelColor(1, shot.height() // 2).name() == highlight.name()  # the focus frame
    overlay.set_active(False)
    assert view.hasFocus()  # its keys (arrows, +/-) still act
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert not overlay.hasFocus()


def test_in_hint_mode_tab_stops_on_the_photo_once_and_the_views_keys_still_act_there(qtbot):
    """Tab stopped on the view first (Enter and N did nothing there), then on the points, with the same frame."""
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    before, view, after = QPushButton("before"), SplitView(), QPushButton("after")
    layout = QVBoxLayout(window)
    for widget in (before, view, after):
        layout.addWidget(widget)
    window.resize(400, 400)
    view.set_images(solid(200, 150, (128, 128, 128)), solid(200, 150, AFTER_RGB))
    window.show()
    overlay = HintOverlay(view)
    overlay.set_edits(HintEdits())
    overlay.set_active(True)
    window.activateWindow()
    before.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(before.hasFocus)
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    assert overlay.hasFocus()  # the photo's one stop takes the hint keys
    qtbot.keyClick(overlay, Qt.Key.Key_Plus)  # and the view's own
    assert not view.is_fit
    qtbot.keyClick(overlay, Qt.Key.Key_0)
    assert view.is_fit
    qtbot.keyClick(overlay, Qt.Key.Key_Tab)
    assert after.hasFocus()
    qtbot.keyClick(after, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.hasFocus()
    overlay.set_active(False)  # out of hint mode the view is the stop again
    assert view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert after.hasFocus()
    qtbot.keyClick(after, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert view.hasFocus()


def test_enter_adds_a_selected_point_in_the_middle_of_the_after_side_in_view(view, overlay, qtbot):
    overlay.setFocus()
    with qtbot.waitSignal(overlay.hints_changed):
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    # The "After" half is widget x 200..400: its middle, photo pixel (150, 75), with the colour shown there, as a click.
    assert [(p.x, p.y, p.rgb) for p in overlay.edits.points] == [(150, 75, AFTER_RGB)]
    view.zoom_to(4.0, QPointF(100, 60))  # photo pixel (50, 30) stays under widget (100, 60); the line at widget x 300
    qtbot.keyClick(overlay, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert (overlay.selected_point().x, overlay.selected_point().y) == (112, 52) and len(overlay.edits) == 2
    view.set_split(0.6)  # the line at widget x 380: too little "After" to hold a point, the middle of the view is clear of it
    qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert (overlay.selected_point().x, overlay.selected_point().y) == (75, 52) and len(overlay.edits) == 3


def test_enter_again_puts_the_next_point_beside_the_last_on_the_after_side_not_on_it(view, overlay, qtbot):
    """Enter twice put a second point exactly on the first: hidden under it, and a second hint all the same."""
    from desktop.widgets.hint_overlay import GRAB_RADIUS

    overlay.setFocus()
    for _ in range(6):
        qtbot.keyClick(overlay, Qt.Key.Key_Return)
    assert len(overlay.edits) == 6
    assert (overlay.edits.points[0].x, overlay.edits.points[0].y) == (150, 75)  # the first where it always went
    shown = [view.photo_to_widget(QPointF(p.x + 0.5, p.y + 0.5)) for p in overlay.edits.points]
    for i, a in enumerate(shown):
        assert view.split_x() + 24 <= a.x() <= 400 and 0 <= a.y() <= 300  # on the After side, in view, off the line
        for b in shown[i + 1:]:
            assert math.hypot(a.x() - b.x(), a.y() - b.y()) >= 2 * GRAB_RADIUS  # each its own point to see and pick up
    assert overlay.selected_point() == overlay.edits.points[-1]


def test_enter_keeps_the_point_off_the_split_line_and_its_handle(view, overlay, qtbot):
    """At the default 50 % the point landed on the line's handle: a press there took the point, not the line."""
    overlay.setFocus()
    qtbot.keyClick(overlay, Qt.Key.Key_Return)
    point = overlay.selected_point()
    assert abs(view.photo_to_widget(QPointF(point.x + 0.5, point.y + 0.5)).x() - view.split_x()) >= 25
    drag(view, QPointF(view.split_x(), 150), QPointF(100, 150))  # on the handle
    assert view.split == pytest.approx(0.25) and [(p.x, p.y) for p in overlay.edits.points] == [(point.x, point.y)]
    view.set_split(0.5)
    view.zoom_to(0.25)  # the photo 50 x 37 screen pixels: too narrow either side; the point goes as far off the line as it can
    qtbot.keyClick(overlay, Qt.Key.Key_Return)
    point = overlay.selected_point()
    assert view.split_x() - view.photo_to_widget(QPointF(point.x + 0.5, point.y + 0.5)).x() >= 24


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")  # (offscreen: a menu)
def test_the_menu_key_keeps_the_selected_point_and_opens_the_menu_on_it(view, overlay, qtbot):
    """The Menu key selected what lay under the menu's spot (nothing): Delete Point was greyed out."""
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QAction, QContextMenuEvent

    opened = []

    def read_and_close_menu():
        menu = QApplication.activePopupWidget()
        opened.append(menu.pos())
        menu.close()

    def menu_event(reason, pos):
        QTimer.singleShot(0, read_and_close_menu)  # (inside the menu's own event loop)
        overlay.contextMenuEvent(QContextMenuEvent(reason, pos, overlay.mapToGlobal(pos)))

    overlay.set_menu_actions([QAction("Delete Point", overlay)])
    click(view, QPointF(301, 201))  # photo pixel (150, 100)
    point = overlay.selected_point()
    empty = QPoint(20, 20)
    menu_event(QContextMenuEvent.Reason.Keyboard, empty)
    assert overlay.selected_point() == point
    assert opened[-1] == overlay.mapToGlobal(QPoint(301, 201))  # on the point, not somewhere else
    overlay.edits.select(None)  # none selected: the menu opens in the middle
    menu_event(QContextMenuEvent.Reason.Keyboard, empty)
    assert opened[-1] == overlay.mapToGlobal(overlay.rect().center())
    overlay.edits.select(point.id)
    menu_event(QContextMenuEvent.Reason.Mouse, empty)  # a right-click acts on what is under it: nothing
    assert overlay.selected_point() is None and opened[-1] == overlay.mapToGlobal(empty)


def test_n_and_shift_n_select_the_next_and_previous_point_round_the_ends(view, overlay, qtbot):
    for x in (60, 140, 340):
        click(view, QPointF(x, 60))
    revision = overlay.edits.revision
    overlay.setFocus()
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert overlay.selected_point() is None

    def selected_after(key, modifier=Qt.KeyboardModifier.NoModifier):
        with qtbot.waitSignal(overlay.selection_changed):
            qtbot.keyClick(overlay, key, modifier)
        return overlay.selected_point().x

    assert selected_after(Qt.Key.Key_N) == 30  # none selected: the first
    assert selected_after(Qt.Key.Key_N) == 70
    assert selected_after(Qt.Key.Key_N) == 170
    assert selected_after(Qt.Key.Key_N) == 30  # round the end
    assert selected_after(Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier) == 170  # and back
    assert selected_after(Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier) == 70
    assert len(overlay.edits) == 3 and overlay.edits.revision == revision  # selecting is no edit


def test_arrows_move_the_selected_point_a_step_each_and_pan_without_one(view, overlay, qtbot):
    click(view, QPointF(101, 101))  # photo pixel (50, 50); 2 screen pixels per photo pixel
    overlay.setFocus()
    with qtbot.waitSignal(overlay.drag_finished):  # colours and suggestions follow as after a drag
        qtbot.keyClick(overlay, Qt.Key.Key_Right)
    with qtbot.waitSignal(overlay.drag_finished):
        qtbot.keyClick(overlay, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)  # further
    assert [(p.x, p.y) for p in overlay.edits.points] == [(51, 60)]
    assert overlay.undo() and [(p.x, p.y) for p in overlay.edits.points] == [(51, 50)]  # a step each, after a pause
    for _ in range(6):
        qtbot.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert [(p.x, p.y) for p in overlay.edits.points] == [(0, 50)]  # kept on the photo

    view.zoom_to(4.0)
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)  # no point selected: the arrows pan the view, as before
    middle = view.widget_to_photo(QPointF(200, 150))
    qtbot.keyClick(overlay, Qt.Key.Key_Right)
    assert view.widget_to_photo(QPointF(200, 150)).x() > middle.x()
    assert [(p.x, p.y) for p in overlay.edits.points] == [(0, 50)]


def test_an_arrow_held_down_moves_the_point_as_one_drag(view, overlay, qtbot):
    """X11 sends a held key as a release and a press every 40 ms, mostly not marked as repeats: each was a step to undo."""
    click(view, QPointF(101, 101))
    overlay.setFocus()
    quick = []
    overlay.hints_changed.connect(lambda: quick.append(overlay.edits.dragging))

    def key(kind):
        QApplication.sendEvent(overlay, QKeyEvent(kind, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier))

    with qtbot.assertNotEmitted(overlay.drag_finished):
        key(QEvent.Type.KeyPress)
        for _ in range(3):
            key(QEvent.Type.KeyRelease)
            key(QEvent.Type.KeyPress)
    assert quick == [True] * 4  # quick previews, as while dragging
    with qtbot.waitSignal(overlay.drag_finished):
        key(QEvent.Type.KeyRelease)
    assert [(p.x, p.y) for p in overlay.edits.points] == [(54, 50)]
    assert overlay.undo() and [(p.x, p.y) for p in overlay.edits.points] == [(50, 50)]  # one step


def in_view(view, point, margin=0):
    where = view.photo_to_widget(QPointF(point.x + 0.5, point.y + 0.5))
    return QRectF(view.rect()).adjusted(margin, margin, -margin, -margin).contains(where)


def test_n_pans_a_zoomed_view_to_the_point_it_selects(view, overlay, qtbot):
    """Zoomed in, N selected a point outside the view and the view stayed put: the key seemed to do nothing."""
    click(view, QPointF(60, 60))  # photo pixel (30, 30)
    click(view, QPointF(340, 240))  # (170, 120)
    view.zoom_to(4.0, QPointF(60, 60))  # (30, 30) stays under the pointer; (170, 120) far off the view
    first, second = overlay.edits.points
    overlay.setFocus()
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    shown = view.widget_to_photo(QPointF(200, 150))
    qtbot.keyClick(overlay, Qt.Key.Key_N)
    assert overlay.selected_point() == first and view.widget_to_photo(QPointF(200, 150)) == shown  # in view: no pan
    assert not in_view(view, second)
    qtbot.keyClick(overlay, Qt.Key.Key_N)
    assert overlay.selected_point() == second and in_view(view, second, 18) and view.scale() == 4.0
    qtbot.keyClick(overlay, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.selected_point() == first and in_view(view, first, 18)
    view.zoom_fit()
    shown = view.widget_to_photo(QPointF(200, 150))
    qtbot.keyClick(overlay, Qt.Key.Key_N)
    assert view.is_fit and view.widget_to_photo(QPointF(200, 150)) == shown  # all of the photo shows: it stays fitted


def test_arrows_bring_a_zoomed_view_along_with_the_point(view, overlay, qtbot):
    """A point moved by the arrows past the view's edge went out of sight, with the view left behind."""
    click(view, QPointF(101, 101))  # photo pixel (50, 50)
    view.zoom_to(4.0, QPointF(101, 101))
    overlay.setFocus()
    start = view.widget_to_photo(QPointF(200, 150))
    for _ in range(20):  # 5 photo pixels (20 screen pixels) a press: 400 screen pixels, past the view's right edge
        qtbot.keyClick(overlay, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        assert in_view(view, overlay.selected_point(), 18)
    assert overlay.selected_point().x == 150 and view.widget_to_photo(QPointF(200, 150)).x() > start.x()
    assert view.widget_to_photo(QPointF(200, 150)).y() == start.y()  # the least pan: across only


def test_a_colour_is_taken_from_the_photo_by_keyboard_alone_with_a_mark_the_arrows_move(view, overlay, qtbot):
    """Take Colour From Photo could only end with a click: the keyboard alone could start it and cancel it, never finish."""
    halves = np.empty((150, 200, 3), np.uint8)
    halves[:, :100], halves[:, 100:] = AFTER_RGB, (20, 90, 200)
    view.set_images(solid(200, 150, (128, 128, 128)), make_display(halves))
    view.set_split(0.0)  # all "after"
    click(view, QPointF(60, 60))  # a point on photo pixel (30, 30), on the red half
    assert overlay.pick_mark() is None and overlay.start_picking()
    assert overlay.pick_mark() == (30, 30)  # the mark starts on the selected point
    for _ in range(8):  # Shift: 20 screen pixels, 10 photo pixels a press (as a point moves)
        QTest.keyClick(overlay, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(overlay, Qt.Key.Key_Down)  # 2 screen pixels: 1 photo pixel
    assert overlay.pick_mark() == (110, 31) and overlay.picking
    assert [(p.x, p.y) for p in overlay.edits.points] == [(30, 30)]  # the arrows moved the mark, not the point
    # The mark is drawn there: its ring (12 px round the spot) shows dark and light on the blue, the spot itself uncovered.
    centre = view.photo_to_widget(QPointF(110.5, 31.5))
    shot = view.grab().toImage()
    ring = [QColor(shot.pixel(round(centre.x()) + dx, round(centre.y()))) for dx in range(9, 16)]
    assert any(c.lightness() < 40 for c in ring) and any(c.lightness() > 200 for c in ring), [c.name() for c in ring]
    spot = QColor(shot.pixel(round(centre.x()), round(centre.y())))
    assert (spot.red(), spot.green(), spot.blue()) == (20, 90, 200)
    with qtbot.waitSignal(overlay.colour_picked) as picked:
        QTest.keyClick(overlay, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert picked.args[0] == overlay.shown_colour(110.5, 31.5) == (20, 90, 200)  # what a click on the mark takes
    assert not overlay.picking and overlay.pick_mark() is None and len(overlay.edits) == 1
    assert overlay.start_picking() and overlay.pick_mark() == (30, 30)  # anew from the point
    QTest.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(overlay, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.pick_mark() == (0, 30)  # kept on the photo, at its first column
    with qtbot.assertNotEmitted(overlay.colour_picked):
        QTest.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.picking and overlay.pick_mark() is None and len(overlay.edits) == 1
    with qtbot.assertNotEmitted(overlay.colour_picked):
        QTest.keyClick(overlay, Qt.Key.Key_Return)  # not picking: Enter adds a point, as before
    assert len(overlay.edits) == 2


def test_taking_a_colour_ends_when_the_point_it_was_for_goes(view, overlay, qtbot):
    """Delete (or Undo) while taking a colour left it on for no point: the next click "gave" the colour to nothing."""
    click(view, QPointF(60, 60))
    click(view, QPointF(300, 60))
    assert overlay.start_picking()
    with qtbot.waitSignal(overlay.picking_changed, check_params_cb=lambda on: not on):
        QTest.keyClick(overlay, Qt.Key.Key_Delete)
    assert overlay.selected_point() is None and not overlay.picking and overlay.pick_mark() is None
    assert [(p.x, p.y) for p in overlay.edits.points] == [(30, 30)]
    click(view, QPointF(61, 61))  # the other point
    assert overlay.start_picking()
    assert overlay.clear()  # Clear All Hints, from the menu
    assert not overlay.picking and overlay.pick_mark() is None


def test_taking_a_colour_ends_when_another_point_is_selected(view, overlay, qtbot):
    """N (or a right-click on another point) while taking a colour moved the selection and left picking on:
    the colour went to a point other than the one it was asked for."""
    click(view, QPointF(60, 60))  # photo pixel (30, 30)
    click(view, QPointF(300, 60))  # (150, 30), selected
    overlay.setFocus()
    assert overlay.start_picking()
    with qtbot.waitSignal(overlay.picking_changed, check_params_cb=lambda on: not on):
        QTest.keyClick(overlay, Qt.Key.Key_N)
    assert overlay.selected_point().x == 30  # N still selects the next point
    assert not overlay.picking and overlay.pick_mark() is None
    with qtbot.assertNotEmitted(overlay.colour_picked):
        QTest.keyClick(overlay, Qt.Key.Key_Return)  # not picking now: Enter adds a point
    assert len(overlay.edits) == 3
    assert overlay.start_picking()
    overlay.edits.select(overlay.edits.points[0].id)  # the right-click menu's way: select, then say so
    overlay.selection_changed.emit(overlay.edits.selected_point)
    assert not overlay.picking
    assert overlay.start_picking()
    overlay.selection_changed.emit(overlay.selected_point())  # the same point again (moved by Undo): picking stays on
    assert overlay.picking and overlay.pick_mark() == (30, 30)


def test_the_picking_mark_stays_whole_in_view_while_the_view_can_pan_to_it(view, overlay, qtbot):
    """Zoomed in, Shift+Right held the mark at the photo's last pixel on the view's very edge, its ring cut in half
    (found by QA): the view pans ahead of the mark to show its ring and ticks whole, clear of the focus frame, as
    long as there is photo to pan to. Only on the photo's outermost pixels is the mark cut by the view's edge."""
    from desktop.widgets.focus_frame import FRAME_WIDTH
    from desktop.widgets.hint_overlay import PICK_MARK_REACH

    click(view, QPointF(101, 101))  # photo pixel (50, 50)
    view.zoom_to(4.0, QPointF(101, 101))
    assert overlay.start_picking()
    ring = PICK_MARK_REACH + FRAME_WIDTH + 2  # (the dark pen's outer edge), clear of the focus frame: the ticks touched it
    for key, count in ((Qt.Key.Key_Right, 40), (Qt.Key.Key_Down, 40), (Qt.Key.Key_Left, 80), (Qt.Key.Key_Up, 80)):
        for _ in range(count):
            QTest.keyClick(overlay, key, Qt.KeyboardModifier.ShiftModifier)
            x, y = overlay.pick_mark()
            centre = view.photo_to_widget(QPointF(x + 0.5, y + 0.5))
            photo = view.photo_rect()
            for at, low, high, photo_low, photo_high in ((centre.x(), 0, view.width(), photo.left(), photo.right()),
                                                         (centre.y(), 0, view.height(), photo.top(), photo.bottom())):
                if at - photo_low >= ring and photo_high - at >= ring:  # photo enough beyond it to pan to
                    assert low + ring <= at <= high - ring, (key, x, y, centre)
    assert overlay.pick_mark() == (0, 0)  # the photo's corner pixel all the same


def test_the_picking_mark_in_a_top_corner_is_not_covered_by_the_after_badge(view, overlay, qtbot):
    """In the view's top-right corner the mark sat under the "After" badge, the spot it samples hidden (found by QA):
    the badge is left out while the mark is on it, and back once the mark has gone."""
    view.set_split(0.0)  # all "after": its badge in the top-right corner
    click(view, QPointF(300, 60))  # photo pixel (150, 30)
    assert [text for text, _box in view.label_boxes()] == ["After"]
    assert overlay.start_picking()
    for key, count in ((Qt.Key.Key_Right, 4), (Qt.Key.Key_Up, 2)):  # to photo pixel (190, 10), under the badge
        for _ in range(count):
            QTest.keyClick(overlay, key, Qt.KeyboardModifier.ShiftModifier)
    x, y = overlay.pick_mark()
    centre = view.photo_to_widget(QPointF(x + 0.5, y + 0.5))
    badge = view.label_boxes(every=True)[0][1]
    assert badge.intersects(QRectF(overlay._pick_mark_rect()))  # the mark is where the badge is drawn
    assert view.label_boxes() == []
    shot = view.grab().toImage()
    for d in range(-8, 9):  # round the spot, inside the ring: the photo, no badge
        for px, py in ((centre.x() + d, centre.y()), (centre.x(), centre.y() + d)):
            colour = QColor(shot.pixel(round(px), round(py)))
            assert (colour.red(), colour.green(), colour.blue()) == AFTER_RGB, (px, py)
    top = QColor(shot.pixel(round(badge.left()) + 3, round(badge.top()) + 3))  # (off the ring and its ticks)
    assert (top.red(), top.green(), top.blue()) == AFTER_RGB  # where the badge was: the photo
    QTest.keyClick(overlay, Qt.Key.Key_Escape)
    assert [text for text, _box in view.label_boxes()] == ["After"]


def _edged(width=200, height=150):
    """A photo whose last column is blue, last row green and last pixel yellow (the rest red), to tell them by colour."""
    pixels = np.empty((height, width, 3), np.uint8)
    pixels[:] = AFTER_RGB
    pixels[:, -1], pixels[-1, :], pixels[-1, -1] = (20, 90, 200), (30, 180, 60), (240, 220, 20)
    return make_display(pixels)


def _take_by_keys(overlay, qtbot, keys) -> tuple:
    """Start picking at the selected point, hold each of ``keys`` (with Shift) until the mark stops, then Enter:
    the colour taken."""
    assert overlay.start_picking()
    for key in keys:
        for _ in range(100):
            before = overlay.pick_mark()
            QTest.keyClick(overlay, key, Qt.KeyboardModifier.ShiftModifier)
            if overlay.pick_mark() == before:
                break
    with qtbot.waitSignal(overlay.colour_picked) as picked:
        QTest.keyClick(overlay, Qt.Key.Key_Return)
    return picked.args[0]


def _mark_shows(view, overlay) -> bool:
    """The mark's spot is in the view and some of its dark ring is drawn there."""
    x, y = overlay.pick_mark()
    centre = view.photo_to_widget(QPointF(x + 0.5, y + 0.5))
    if not QRectF(view.rect()).contains(centre):
        return False
    shot = view.grab().toImage()
    inward = -1 if centre.x() > view.width() / 2 else 1  # along the ring's radius towards the view's middle
    ring = [QColor(shot.pixel(round(centre.x()) + inward * d, round(centre.y()))) for d in range(9, 16)]
    return any(c.lightness() < 40 for c in ring)


@pytest.mark.parametrize("zoom", [None, 4.0])  # fitted (the photo fills the view), and zoomed in
def test_the_picking_mark_reaches_every_photo_pixel_by_keys_as_a_click_does(view, overlay, qtbot, zoom):
    """The arrows stopped the mark where its ring showed whole, 14 photo pixels short of each edge when the photo
    filled the view: the last column and row could be taken only by a click. The mark now reaches every pixel,
    drawn cut by the view's edge where the view cannot pan further, its spot and inner half in view."""
    view.set_images(solid(200, 150, (128, 128, 128)), _edged())
    view.set_split(0.0)  # all "after"
    click(view, QPointF(101, 101))  # photo pixel (50, 50)
    if zoom:
        view.zoom_to(zoom, QPointF(101, 101))
    overlay.setFocus()
    assert _take_by_keys(overlay, qtbot, [Qt.Key.Key_Right]) == (20, 90, 200)  # the last column's blue
    assert _take_by_keys(overlay, qtbot, [Qt.Key.Key_Down]) == (30, 180, 60)  # the last row's green
    assert overlay.start_picking()
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Down):
        while overlay.pick_mark()[0 if key == Qt.Key.Key_Right else 1] < (199 if key == Qt.Key.Key_Right else 149):
            QTest.keyClick(overlay, key, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.pick_mark() == (199, 149) and _mark_shows(view, overlay)  # the very last pixel, its mark in sight
    with qtbot.waitSignal(overlay.colour_picked) as picked:
        QTest.keyClick(overlay, Qt.Key.Key_Return)
    assert picked.args[0] == (240, 220, 20) == overlay.shown_colour(199.5, 149.5)  # what a click there takes
    assert overlay.start_picking()
    for key in (Qt.Key.Key_Left, Qt.Key.Key_Up):
        for _ in range(100):
            QTest.keyClick(overlay, key, Qt.KeyboardModifier.ShiftModifier)
    assert overlay.pick_mark() == (0, 0) and _mark_shows(view, overlay)  # and the first
