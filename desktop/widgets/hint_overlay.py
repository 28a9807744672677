"""Hint points over the split view: drawn as small outlined swatches, added, dragged and deleted with the mouse.

The overlay is a transparent child of ``SplitView`` covering it exactly, so it
shares the view's photo <-> widget mapping on both sides of the split line. In
hint mode it takes the left button: a click on the photo adds a point (and a
drag right after places it), a press on a point selects it and drags it,
Delete removes the selected one. What it does not use (the wheel, the middle
button for panning, a press on the split line, double-clicks) goes on to the
view. Out of hint mode it is invisible to the mouse and draws nothing.

Tab reaches it in hint mode, in the view's place (one stop on the photo), for the keyboard alone: Enter adds a point in the
middle of the "After" side in view (clear of the split line, and beside a point already there), N selects the next point (Shift+N the
one before; N is free in the window and on every keyboard layout, unlike [ and
], and Tab must still move the focus on), the arrows move the selected point
(held down, or pressed in quick succession, as one drag); zoomed in, the view
pans to keep the selected point in sight. Taking a colour from the photo (I) ends with a click, or
from the keyboard: a mark (a ring with four ticks) starts on the selected point, the arrows move it
(Shift: further) and Enter takes the colour under it, as a click there would. Keys it does not use
(arrows with no point selected, +/-) go on to the view.

Edits go to a ``desktop.hint_edits.HintEdits`` (the photo's hints); the overlay
only reports that they changed.
"""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QContextMenuEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QMenu, QWidget

from desktop.hint_edits import RGB, HintEdits, HintPoint
from desktop.widgets.focus_frame import FRAME_WIDTH, paint_focus_frame
from desktop.widgets.split_view import GRAB_DISTANCE, HANDLE_RADIUS, SplitView

SWATCH = 12  # side of a point's swatch, screen pixels
SELECTED_SWATCH = 16
GRAB_RADIUS = 10  # screen pixels around a point that pick it up
NEUTRAL: RGB = (128, 128, 128)
KEEP_IN_VIEW = SELECTED_SWATCH // 2 + 10  # screen pixels between the selected point and the view's edge: its swatch and ring show
# How far from the split line Enter puts a point: its swatch and ring clear of the line's handle, and
# out of a press that takes the line (a press on the line took the point, not the line).
LINE_CLEARANCE = max(HANDLE_RADIUS + SELECTED_SWATCH // 2 + 6, GRAB_DISTANCE + GRAB_RADIUS + 1)
# Enter again puts the next point this far (screen pixels) from any other: each swatch seen, each picked up alone.
POINTS_APART = 2 * GRAB_RADIUS
SPIRAL_STEP = 3 * SELECTED_SWATCH  # between the rings of spots round the middle tried for it
SPIRAL_RINGS = 6
SHIFT = Qt.KeyboardModifier.ShiftModifier
SHIFT_OR_KEYPAD = SHIFT | Qt.KeyboardModifier.KeypadModifier  # the only modifiers the point keys take (Ctrl+ keys are the window's)
ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
NUDGE, NUDGE_LARGE = 2, 20  # screen pixels an arrow moves the selected point (Shift: further); at least one photo pixel
# Arrow presses this close together are one drag. X11 sends a held key as a release and a press
# every 40 ms, mostly not marked as repeats (seen under Xvfb): each became a step to undo.
NUDGE_PAUSE_MS = 300
# A line each: on one line it ran about 870 px, past the window's edge at its smallest.
EDIT_TIP = "\n".join([
    "Click or Enter: add a hint point · drag or arrows: move it · Delete: remove it",
    "N, Shift+N: select the next, previous point · I: take its colour from the photo",
    "Right-click: undo, redo, clear · middle-drag: pan",
])
PICK_TIP = "\n".join([
    "Click where the colour is shown: the selected point takes it · Esc: cancel",
    "Or move the mark there with the arrows (Shift: further), then Enter",
])
PICK_MARK_RADIUS = 12  # screen pixels: the ring round the spot whose colour Enter takes, clear of the spot itself
PICK_MARK_TICK = 8  # and the ticks out from it, so it shows on any zoom beside a point's swatch
PICK_MARK_REACH = PICK_MARK_RADIUS + PICK_MARK_TICK + 2  # screen pixels from its spot to the dark pen's outer edge
# From its spot to the view's edge: all of it shows, clear of the focus frame (at REACH the ticks touched it).
PICK_MARK_MARGIN = PICK_MARK_REACH + FRAME_WIDTH + 4


class HintOverlay(QWidget):
    hints_changed = Signal()
    """The points changed (added, moved, recoloured, removed, undone): the colours should follow."""
    drag_finished = Signal()
    """A drag of a point ended (the moment for a full-size render)."""
    selection_changed = Signal(object)
    """Another point (a ``HintPoint``) or none (None) is selected."""
    colour_picked = Signal(tuple)
    """The user took the colour shown at a spot of the photo for the selected point: (r, g, b)."""
    picking_changed = Signal(bool)
    """The next click on the photo takes a colour (True), or adds and moves points again (False)."""

    def __init__(self, view: SplitView):
        super().__init__(view)
        self.view = view
        self._edits: HintEdits | None = None
        self._active = False
        self._picking = False
        self._pick_mark: tuple[int, int] | None = None  # the photo pixel whose colour Enter takes while picking
        self.picked_on_before = False  # the last colour taken was under the "Before" side (the After side's colour)
        self._picking_for: int | None = None  # the id of the point the colour is taken for while picking
        self._key_drag = False  # arrow keys move the selected point: a drag until they pause
        self._key_drag_pause = QTimer(self, singleShot=True, interval=NUDGE_PAUSE_MS)
        self._key_drag_pause.timeout.connect(self._end_key_drag)
        self._menu_actions: list[QAction | None] = []
        self.new_point_colour: Callable[[float, float], RGB] = self.shown_colour
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab reaches it in hint mode only
        self.setToolTip(EDIT_TIP)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setGeometry(view.rect())
        view.installEventFilter(self)
        view.zoom_changed.connect(self.update)
        view.labels_clear_of = self._pick_mark_rect  # a "Before" or "After" badge under the mark is not drawn
        self.selection_changed.connect(self._on_selection_changed)
        self.show()  # a child made after its parent is shown stays hidden unless told

    # -- what it shows -------------------------------------------------------------------------
    @property
    def edits(self) -> HintEdits | None:
        return self._edits

    def set_edits(self, edits: HintEdits | None) -> None:
        """Show (and edit) these hints: the selected photo's, or None when there is no photo."""
        if edits is self._edits:
            return
        if self._edits is not None and self._edits.dragging:
            self._edits.end_drag()
        self._key_drag = False
        self.stop_picking()  # (the colour was asked for the other photo's point)
        self._edits = edits
        self.selection_changed.emit(self.selected_point())
        self.update()

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        """Hint mode on (take the mouse, draw the points) or off (leave everything to the view)."""
        self._active = bool(active)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not self._active)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if self._active else Qt.FocusPolicy.NoFocus)
        if self._active:
            # One Tab stop on the photo: the view was another, framed the same, where Enter and N did nothing.
            # Its own keys (+/-, 0, 1, arrows) still act here: the overlay passes on what it does not use.
            # (Qt moves in the Tab order only widgets that take the focus: before the view lets go of it.)
            QWidget.setTabOrder(self.view, self)  # in the view's place, however late the overlay was made
            self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            if self.view.hasFocus():
                self.setFocus(Qt.FocusReason.OtherFocusReason)
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.raise_()
        else:
            self.view.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.stop_picking()
            self.unsetCursor()
            if self.hasFocus():
                self.view.setFocus(Qt.FocusReason.OtherFocusReason)  # its arrows, +/- and 0 still act there
            if self._edits is not None and self._edits.dragging:
                self._finish_drag()
        self.update()

    @property
    def picking(self) -> bool:
        return self._picking

    def start_picking(self) -> bool:
        """Let the next click on the photo take the colour shown there for the selected point (Esc cancels)."""
        if not self._active or self.selected_point() is None or (self._edits is not None and self._edits.dragging):
            return False
        if not self._picking:
            self._picking = True
            point = self.selected_point()
            self._picking_for = point.id
            self._pick_mark = (point.x, point.y)  # the arrows move it from there; Enter takes the colour under it
            self._update_around(self._pick_mark_rect())
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip(PICK_TIP)
            self.picking_changed.emit(True)
        return True

    def stop_picking(self) -> None:
        if self._picking:
            self._picking = False
            self._update_around(self._pick_mark_rect())
            self._pick_mark = None
            self._picking_for = None
            self.setToolTip(EDIT_TIP)
            if self._active:
                self.setCursor(Qt.CursorShape.CrossCursor)
            self.picking_changed.emit(False)

    def _on_selection_changed(self, point: HintPoint | None) -> None:
        if point is None:
            self.stop_picking()  # the point went (Delete, Undo, Clear): no colour to take for it
        elif point.id != self._picking_for:
            # Another point is selected (N, Shift+N, a right-click on it, Undo): the colour was asked for the
            # first one. Picking ends rather than N being ignored: N keeps doing what it says, as Delete does
            # while picking, and the mark going and the button coming up show it; taking the colour for a
            # point the user did not start with (as before) was the surprise.
            self.stop_picking()

    def pick_mark(self) -> tuple[int, int] | None:
        """The photo pixel whose colour Enter takes while picking (None: not picking)."""
        return self._pick_mark

    def take_at_mark(self) -> bool:
        """The selected point takes the colour shown under the mark (Enter while picking): what a click on
        the mark would take. False: not picking."""
        if not self._picking or self._pick_mark is None:
            return False
        x, y = self._pick_mark
        self.stop_picking()
        self._note_pick_side(self.view.photo_to_widget(QPointF(x + 0.5, y + 0.5)))
        self.colour_picked.emit(self.shown_colour(x + 0.5, y + 0.5))  # (a click on the mark lands on its pixel's middle)
        return True

    def set_menu_actions(self, actions: list[QAction | None]) -> None:
        """The right-click menu (None: a separator)."""
        self._menu_actions = list(actions)

    def selected_point(self) -> HintPoint | None:
        return self._edits.selected_point if self._edits is not None else None

    def selected_on_screen(self) -> QPoint | None:
        """Where the selected point is drawn, in global coordinates (None: no point selected)."""
        point = self.selected_point()
        return None if point is None else self.mapToGlobal(self._widget_pos(point).toPoint())

    def _note_pick_side(self, where: QPointF) -> None:
        """Whether the colour about to be taken at widget point ``where`` lies on the grey "Before" side (left of the
        line): it is the colour the "After" side shows there all the same (``shown_colour``), since a grey hint would
        only take colour out, and the status line says so (it said a colour seen nowhere on that side)."""
        self.picked_on_before = self.view.after is not None and where.x() < self.view.split_x()

    def shown_colour(self, x: float, y: float) -> RGB:
        """The colour the view shows at photo pixel (x, y) now: a new point starts with it, so adding changes nothing."""
        display = self.view.after or self.view.before
        if display is None or display.size.isEmpty():
            return NEUTRAL
        image = display.image
        ratio = image.width() / display.size.width()
        colour = image.pixelColor(min(image.width() - 1, int(x * ratio)), min(image.height() - 1, int(y * ratio)))
        return (colour.red(), colour.green(), colour.blue())

    # -- editing from outside (panel, menu, keys) ----------------------------------------------
    def add_in_view(self) -> HintPoint | None:
        """A new point, selected, with the colour shown there (Enter): in the middle of the "After" side in
        view, where the colours change, or, where that side is too narrow, of the photo in view, clear of the split line;
        beside any point already there."""
        if self._edits is None or self.view.photo_size().isEmpty():
            return None
        where = self._clamped_photo_point(self._free_spot_in_view())
        x, y = int(where.x()), int(where.y())
        point = self._edits.add(x, y, self.new_point_colour(x, y))
        self._changed(selection=True)
        return point

    def _free_spot_in_view(self) -> QPointF:
        """Where Enter puts a point, in widget coordinates (the middle of the photo in view was on the line at 50 %)."""
        shown = self.view.photo_rect().intersected(QRectF(self.rect()))
        split_x = self.view.split_x()
        after = shown.intersected(QRectF(split_x, shown.top(), max(0.0, shown.right() - split_x), shown.height()))
        if after.width() >= 2 * LINE_CLEARANCE:
            return self._clear_of_points(after.center(), after.adjusted(LINE_CLEARANCE, 0, 0, 0))
        spot = shown.center()
        if abs(spot.x() - split_x) < LINE_CLEARANCE:  # away from the line, towards the wider "Before" side
            spot.setX(max(shown.left(), split_x - LINE_CLEARANCE))
        return self._clear_of_points(spot, shown)

    def _clear_of_points(self, spot: QPointF, area: QRectF) -> QPointF:
        """``spot`` or, if a point is there, the first spot free of points on rings round it, inside ``area`` and
        clear of the split line if one is (else anywhere on the photo in view): Enter twice put a second point
        exactly on the first, hidden under it and a second hint all the same."""
        taken = [self._widget_pos(p) for p in self._edits.points]

        def free(pos: QPointF) -> bool:
            where = self.view.photo_to_widget(self._pixel_middle_of(self._clamped_photo_point(pos)))  # where it is drawn
            return all(math.hypot(where.x() - t.x(), where.y() - t.y()) >= POINTS_APART for t in taken)

        if free(spot):
            return spot
        rings = [
            spot + QPointF(ring * SPIRAL_STEP * math.cos(turn * math.pi / 4), ring * SPIRAL_STEP * math.sin(turn * math.pi / 4))
            for ring in range(1, SPIRAL_RINGS + 1) for turn in (2, 0, 4, 6, 1, 3, 5, 7)  # below, right, left, above first
        ]
        shown = self.view.photo_rect().intersected(QRectF(self.rect()))
        split_x = self.view.split_x()
        inside = [p for p in rings if area.contains(p) and abs(p.x() - split_x) >= LINE_CLEARANCE]
        in_view = [p for p in rings if shown.contains(p)]
        return next((p for p in inside + in_view if free(p)), spot)

    def select_next(self, step: int = 1) -> HintPoint | None:
        """Select the point after the selected one (``step`` -1: before it), in the order they were added, round the ends (N, Shift+N)."""
        if self._edits is None or not len(self._edits) or self._edits.dragging:
            return None
        ids = [p.id for p in self._edits.points]
        at = ids.index(self._edits.selected) + step if self._edits.selected in ids else (0 if step > 0 else -1)
        point = self._edits.points[at % len(ids)]
        if self._edits.select(point.id):
            self.selection_changed.emit(point)
            self.update()
        # Zoomed in, the point may lie outside the view: bring it to the middle, or the key seemed to do nothing.
        self.view.pan_to_show(self._pixel_middle(point), KEEP_IN_VIEW, centre=True)
        return point

    def remove_selected(self) -> bool:
        if self._edits is None or not self._edits.remove(self._edits.selected):
            return False
        self._changed(selection=True)
        return True

    def recolour_selected(self, rgb: RGB) -> bool:
        if self._edits is None or self._edits.selected is None or not self._edits.recolour(self._edits.selected, rgb):
            return False
        self._changed()
        return True

    def undo(self) -> bool:
        if self._edits is None or not self._edits.undo():
            return False
        self._changed(selection=True)
        return True

    def redo(self) -> bool:
        if self._edits is None or not self._edits.redo():
            return False
        self._changed(selection=True)
        return True

    def clear(self) -> bool:
        if self._edits is None or not self._edits.clear():
            return False
        self._changed(selection=True)
        return True

    def _changed(self, selection: bool = False) -> None:
        self.update()
        self.hints_changed.emit()
        if selection:
            self.selection_changed.emit(self.selected_point())

    # -- geometry --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.view.rect())
        return False

    def _photo_point(self, pos: QPointF) -> QPointF | None:
        """The photo pixel under ``pos``, or None outside the photo."""
        size = self.view.photo_size()
        if size.isEmpty():
            return None
        p = self.view.widget_to_photo(pos)
        if not (0 <= p.x() < size.width() and 0 <= p.y() < size.height()):
            return None
        return p

    def _clamped_photo_point(self, pos: QPointF) -> QPointF:
        size = self.view.photo_size()
        p = self.view.widget_to_photo(pos)
        return QPointF(min(max(p.x(), 0.0), size.width() - 1.0), min(max(p.y(), 0.0), size.height() - 1.0))

    def _point_at(self, pos: QPointF) -> HintPoint | None:
        if self._edits is None or self.view.photo_size().isEmpty():
            return None
        p = self.view.widget_to_photo(pos)
        return self._edits.nearest(p.x(), p.y(), GRAB_RADIUS / self.view.scale())

    def _swatch_rect(self, point: HintPoint | None) -> QRect:
        """The widget pixels a point's swatch (selected, with its ring) may cover."""
        if point is None:
            return QRect()
        centre = self._widget_pos(point)
        half = SELECTED_SWATCH // 2 + 10
        return QRect(int(centre.x()) - half, int(centre.y()) - half, 2 * half + 2, 2 * half + 2)

    def _pick_mark_rect(self) -> QRect:
        """The widget pixels the picking mark covers (none while not picking)."""
        if self._pick_mark is None:
            return QRect()
        centre = self.view.photo_to_widget(QPointF(self._pick_mark[0] + 0.5, self._pick_mark[1] + 0.5))
        half = PICK_MARK_RADIUS + PICK_MARK_TICK + 4
        return QRect(int(centre.x()) - half, int(centre.y()) - half, 2 * half + 2, 2 * half + 2)

    def _widget_pos(self, point: HintPoint) -> QPointF:
        return self.view.photo_to_widget(self._pixel_middle(point))

    @staticmethod
    def _pixel_middle(point: HintPoint) -> QPointF:
        """A point stands for its pixel: it is drawn on the pixel's middle."""
        return QPointF(point.x + 0.5, point.y + 0.5)

    @staticmethod
    def _pixel_middle_of(photo_point: QPointF) -> QPointF:
        """The middle of the pixel a new point at ``photo_point`` stands for (its coordinates are whole pixels)."""
        return QPointF(int(photo_point.x()) + 0.5, int(photo_point.y()) + 0.5)

    # -- mouse and keys ----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._edits is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()  # the middle button pans, the right one opens the menu
            return
        if self._key_drag:
            self._finish_drag()  # (an arrow still held) the moves so far are one step to undo, this press another
        pos = event.position()
        if self._picking:
            where = self._photo_point(pos)
            self.stop_picking()  # one colour per click; a click beside the photo just cancels
            if where is not None:
                self._note_pick_side(pos)
                self.colour_picked.emit(self.shown_colour(where.x(), where.y()))
            event.accept()
            return
        hit = self._point_at(pos)
        if hit is None:
            where = self._photo_point(pos)
            if where is None or abs(pos.x() - self.view.split_x()) <= GRAB_DISTANCE / 2:
                event.ignore()  # off the photo, or on the split line: the view's
                return
            x, y = int(where.x()), int(where.y())
            hit = self._edits.add(x, y, self.new_point_colour(x, y))
            self._edits.begin_drag(hit.id)  # before telling anyone: work that can wait for the release does
            self._changed(selection=True)
        else:
            selected = self._edits.select(hit.id)
            self._edits.begin_drag(hit.id)
            if selected:
                self.selection_changed.emit(hit)
                self.update()
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._edits is not None and self._edits.dragging and not self._key_drag:
            p = self._clamped_photo_point(event.position())
            before = self._edits.selected_point
            if self._edits.drag_to(int(p.x()), int(p.y())):
                # Repaint where the point was and where it is only: the view under a transparent
                # overlay repaints whatever the overlay does, and a whole 12 MP view costs ~10 ms a time.
                self.update(self._swatch_rect(before))
                self.update(self._swatch_rect(self._edits.selected_point))
                self.hints_changed.emit()
            event.accept()
            return
        hovering = self._point_at(event.position()) is not None
        self.setCursor(Qt.CursorShape.OpenHandCursor if hovering else Qt.CursorShape.CrossCursor)
        event.ignore()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._edits is not None and self._edits.dragging:
            self._finish_drag()
            self.setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        event.ignore()

    def _finish_drag(self) -> None:
        self._key_drag = False
        self._edits.end_drag()
        self.drag_finished.emit()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        event.accept()  # a double-click in hint mode is two clicks on a point, not a zoom

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._picking:
            self.take_at_mark()
            event.accept()
        elif event.key() in ARROWS and self._picking and not event.modifiers() & ~SHIFT_OR_KEYPAD:
            self._move_pick_mark(*ARROWS[event.key()], event.modifiers() & SHIFT)
            event.accept()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self._picking and self.add_in_view() is not None:
            event.accept()
        elif event.key() == Qt.Key.Key_N and not event.modifiers() & ~SHIFT_OR_KEYPAD and self.select_next(-1 if event.modifiers() & SHIFT else 1):
            event.accept()
        elif event.key() in ARROWS and not event.modifiers() & ~SHIFT_OR_KEYPAD and self._nudge(*ARROWS[event.key()], event.modifiers() & SHIFT):
            event.accept()
        elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selected_point() is not None:
            self.remove_selected()
            event.accept()
        elif event.key() == Qt.Key.Key_Escape and self._picking:
            self.stop_picking()
            event.accept()
        elif event.key() == Qt.Key.Key_Escape and self.selected_point() is not None:
            self._edits.select(None)
            self.selection_changed.emit(None)
            self.update()
            event.accept()
        else:
            event.ignore()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in ARROWS and self._key_drag:
            self._key_drag_pause.start()  # the drag ends unless another press follows
            event.accept()
        else:
            event.ignore()

    def _end_key_drag(self) -> None:
        if self._key_drag:
            self._finish_drag()

    def _nudge(self, dx: int, dy: int, large: bool) -> bool:
        """Move the selected point a step (an arrow key). Presses in quick succession (a key held
        down) move it as a drag does: quick previews, one step to undo. False: no point to move (the view pans)."""
        point = self.selected_point()
        size = self.view.photo_size()
        if point is None or self._picking or size.isEmpty():
            return False
        if self._edits.dragging and not self._key_drag:
            return True  # the mouse holds it
        self._key_drag_pause.stop()
        if not self._edits.dragging:
            self._edits.begin_drag(point.id)
            self._key_drag = True
        step = max(1, round((NUDGE_LARGE if large else NUDGE) / self.view.scale()))
        x = min(max(point.x + dx * step, 0), size.width() - 1)
        y = min(max(point.y + dy * step, 0), size.height() - 1)
        if self._edits.drag_to(x, y):
            moved = self._edits.selected_point
            if self.view.pan_to_show(self._pixel_middle(moved), KEEP_IN_VIEW):
                self.update()  # the view follows the point, as a scrolled list follows its current row
            else:
                self.update(self._swatch_rect(point))
                self.update(self._swatch_rect(moved))
            self.hints_changed.emit()
        return True

    def _move_pick_mark(self, dx: int, dy: int, large: bool) -> None:
        """Move the picking mark a step (an arrow key; Shift: further), as far as a point moves, within the photo."""
        size = self.view.photo_size()
        if self._pick_mark is None or size.isEmpty():
            return
        step = max(1, round((NUDGE_LARGE if large else NUDGE) / self.view.scale()))
        before = self._pick_mark_rect()
        x = min(max(self._pick_mark[0] + dx * step, 0), size.width() - 1)
        y = min(max(self._pick_mark[1] + dy * step, 0), size.height() - 1)
        # Zoomed in, the view pans to show the mark whole. At the photo's outermost pixels, where it cannot pan
        # further (or shows the whole photo), the mark goes on to them, cut by the view's edge: its spot and inner
        # half show. Stopping it where it showed whole left the last 14 pixels a click could take out of reach.
        panned = self.view.pan_to_show(QPointF(x + 0.5, y + 0.5), PICK_MARK_MARGIN)
        self._pick_mark = (x, y)
        if panned:
            self.update()  # zoomed in, the view follows the mark
        else:
            self._update_around(before)
            self._update_around(self._pick_mark_rect())

    def _update_around(self, rect: QRect) -> None:
        """Repaint ``rect`` (where the picking mark was or is) and any badge it touches: shown or hidden now."""
        self.update(rect)
        for _text, badge in self.view.label_boxes(every=True):
            if badge.intersects(QRectF(rect)):
                self.update(badge.toAlignedRect())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        if not self._menu_actions:
            event.ignore()
            return
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            # The Menu key acts on the selected point, the menu on it (or in the middle): selecting what lay
            # under the event's spot deselected the point, greying out "Delete Point".
            point = self.selected_point()
            where = self.mapToGlobal(self._widget_pos(point).toPoint() if point is not None else self.rect().center())
        else:
            # The menu acts on the point clicked, or on none: "Delete Point" on an empty spot deleted a point elsewhere.
            hit = self._point_at(QPointF(event.pos()))
            if self._edits is not None and self._edits.select(hit.id if hit is not None else None):
                self.selection_changed.emit(hit)
                self.update()
            where = event.globalPos()
        menu = QMenu(self)
        for action in self._menu_actions:
            menu.addSeparator() if action is None else menu.addAction(action)
        menu.exec(where)

    def focusInEvent(self, event) -> None:  # noqa: N802 - the focus frame appears
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        if self._key_drag:
            self._finish_drag()  # the arrow's release goes elsewhere now
        self.update()
        super().focusOutEvent(event)

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self._active:
            return
        painter = QPainter(self)
        paint_focus_frame(self, painter)  # the keys act on the points (keyPressEvent)
        if self._edits is None or not len(self._edits) or self.view.photo_size().isEmpty():
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        visible = QRectF(self.rect()).adjusted(-SELECTED_SWATCH, -SELECTED_SWATCH, SELECTED_SWATCH, SELECTED_SWATCH)
        selected = self._edits.selected
        for point in self._edits.points:
            centre = self._widget_pos(point)
            if not visible.contains(centre):
                continue
            side = SELECTED_SWATCH if point.id == selected else SWATCH
            # Whole pixels, so the rings stay crisp; dark outside, light inside: the swatch stands
            # out on a bright sky and a dark coat alike.
            x, y = round(centre.x() - side / 2), round(centre.y() - side / 2)
            box = QRectF(x, y, side, side)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(0, 0, 0, 230))
            painter.drawRoundedRect(box.adjusted(-3, -3, 3, 3), 4, 4)
            painter.setBrush(QColor(255, 255, 255))
            painter.drawRoundedRect(box.adjusted(-1.5, -1.5, 1.5, 1.5), 3, 3)
            painter.setBrush(QColor(*point.rgb))
            painter.drawRect(box)
            if point.id == selected:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(highlight, 2))
                painter.drawRoundedRect(box.adjusted(-6, -6, 6, 6), 6, 6)
        if self._pick_mark is not None:
            self._paint_pick_mark(painter)

    def _paint_pick_mark(self, painter: QPainter) -> None:
        """A ring with four ticks round the spot whose colour Enter takes; dark under light, as the swatches are,
        to show on any photo. The spot itself stays uncovered: its colour is what is being chosen."""
        centre = self.view.photo_to_widget(QPointF(self._pick_mark[0] + 0.5, self._pick_mark[1] + 0.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        ticks = [
            (centre + QPointF(dx, dy) * PICK_MARK_RADIUS, centre + QPointF(dx, dy) * (PICK_MARK_RADIUS + PICK_MARK_TICK))
            for dx, dy in ARROWS.values()
        ]
        for pen in (QPen(QColor(0, 0, 0, 230), 4), QPen(QColor(255, 255, 255), 2)):
            painter.setPen(pen)
            painter.drawEllipse(centre, PICK_MARK_RADIUS, PICK_MARK_RADIUS)
            for start, end in ticks:
                painter.drawLine(start, end)
