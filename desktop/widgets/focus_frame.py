"""A frame in the highlight colour round a widget while it has the keyboard focus.

Fusion, the style the window runs under on Linux, marks the focus of buttons and text fields
but not of a slider, a list or a custom view; without a mark a keyboard user cannot tell where
the arrow keys will act.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QSlider, QWidget

FRAME_WIDTH = 2


def paint_focus_frame(widget: QWidget, painter: QPainter) -> None:
    """Draw the frame on ``widget``'s edge if it has the focus (call at the end of its paint)."""
    if not widget.hasFocus():
        return
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(widget.palette().color(QPalette.ColorRole.Highlight), FRAME_WIDTH))
    half = FRAME_WIDTH / 2
    painter.drawRect(QRectF(widget.rect()).adjusted(half, half, -half, -half))
    painter.restore()


class FocusSlider(QSlider):
    """A slider that shows its keyboard focus with the frame."""

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        paint_focus_frame(self, QPainter(self))


class FramesFocus:
    """Mixin for a scroll area (a list, a table): the frame round its border while it has the focus.

    A scroll area paints its border in its own paint event and its contents in the viewport's,
    so the frame is drawn after the border, on the outer widget; the class calls
    ``make_room_for_focus_frame()`` once built, or the viewport would cover the frame's inner half.
    """

    def make_room_for_focus_frame(self) -> None:
        room = max(0, FRAME_WIDTH - self.frameWidth())
        self.setViewportMargins(room, room, room, room)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint:  # a focus change repaints the whole widget already
            paint_focus_frame(self, QPainter(self))
        return handled
