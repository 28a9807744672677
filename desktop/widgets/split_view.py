"""Before and after in one view: a draggable split line, zoom (fit, 100 %, wheel) and pan at full resolution.

The view paints from ``DisplayImage``s: at small scales it draws their
downscaled copy, when zoomed in only the visible part of the full-resolution
image, so painting stays cheap for 12 MP photos. Colours come from the palette.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.images import DisplayImage
from desktop.widgets.focus_frame import paint_focus_frame

MIN_SCALE, MAX_SCALE = 0.02, 32.0
GRAB_DISTANCE = 8  # pixels either side of the split line that pick it up
HANDLE_RADIUS = 11  # the round handle on the split line
WHEEL_STEP = 1.25  # zoom factor per wheel notch (and per + or - key)
# An arrow key pans a tenth of the view (Shift: half), or moves the split line a tenth of the photo.
ARROW_STEP, ARROW_STEP_LARGE = 0.1, 0.5


class SplitView(QWidget):
    split_moved = Signal(float)
    """The split line moved; its position as a fraction of the photo's width."""
    zoom_changed = Signal(float)
    """The zoom changed; view pixels per photo pixel (``scale``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._before: DisplayImage | None = None
        self._after: DisplayImage | None = None
        self._split = 0.5
        self.labels_clear_of: Callable[[], QRectF] | None = None  # where no badge is drawn (the picking mark: see label_boxes)
        self._fit = True
        self._scale = 1.0
        self._centre = QPointF()  # the photo point shown at the middle of the view
        self._drag: str | None = None  # "split" or "pan"
        self._drag_origin = QPointF()
        self._drag_centre = QPointF()
        self._busy_text = ""
        self._placeholder = ""
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setToolTip("Drag the line to compare; wheel to zoom, drag to pan when zoomed; double-click: fit / 100 %")

    # -- content ---------------------------------------------------------------------------
    def set_images(self, before: DisplayImage | None, after: DisplayImage | None, keep_view: bool = False) -> None:
        """Show ``before`` left of the line and ``after`` right of it; ``keep_view`` keeps zoom and pan."""
        old_size = self.photo_size()
        self._before, self._after = before, after
        if not keep_view or self.photo_size() != old_size:
            self._fit = True
        if self._fit:
            self._centre = self._photo_centre()
        self.update()

    def set_after(self, after: DisplayImage | None) -> None:
        """Replace the coloured side only (a new strength or model), keeping zoom and pan."""
        self._after = after
        self.update()

    def set_busy(self, text: str) -> None:
        """A short note painted over the after side ("Colouring..."); empty to clear."""
        self._busy_text = text
        self.update()

    def set_placeholder(self, text: str) -> None:
        """What the view says when it has no photo."""
        self._placeholder = text
        self.update()

    def clear(self) -> None:
        self.set_images(None, None)

    def photo_size(self) -> QSize:
        for display in (self._before, self._after):
            if display is not None:
                return QSize(display.size)
        return QSize()

    @property
    def before(self) -> DisplayImage | None:
        return self._before

    @property
    def after(self) -> DisplayImage | None:
        return self._after

    # -- split -----------------------------------------------------------------------------
    @property
    def split(self) -> float:
        return self._split

    def set_split(self, fraction: float) -> None:
        fraction = min(1.0, max(0.0, float(fraction)))
        if fraction != self._split:
            self._split = fraction
            self.split_moved.emit(fraction)
            self.update()

    # -- zoom and pan ----------------------------------------------------------------------
    @property
    def is_fit(self) -> bool:
        return self._fit

    def scale(self) -> float:
        """View pixels per photo pixel as shown now (the widget's own, logical pixels)."""
        return self._fit_scale() if self._fit else self._scale

    def screen_pixel_ratio(self) -> float:
        """Screen pixels per view pixel: 2 on a display scaled to 200 %."""
        return self.devicePixelRatioF()

    def screen_scale(self) -> float:
        """Screen pixels per photo pixel as shown now: the zoom the view reports, 1 at Actual Pixels."""
        return self.scale() * self.screen_pixel_ratio()

    def zoom_fit(self) -> None:
        self._fit = True
        self._centre = self._photo_centre()
        self.zoom_changed.emit(self.scale())
        self.update()

    def zoom_actual(self, anchor: QPointF | None = None) -> None:
        """100 %: one photo pixel per screen pixel (not per view pixel, which a scaled display enlarges), keeping
        the photo point under ``anchor`` in place."""
        self.zoom_to(1.0 / self.screen_pixel_ratio(), anchor)

    def zoom_in(self) -> None:
        self.zoom_to(self.scale() * WHEEL_STEP)

    def zoom_out(self) -> None:
        self.zoom_to(self.scale() / WHEEL_STEP)

    def zoom_to(self, scale: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``scale`` view pixels per photo pixel, keeping the photo point under ``anchor`` (widget coordinates;
        default the middle) still."""
        if self.photo_size().isEmpty():
            return
        anchor = QPointF(anchor) if anchor is not None else self._view_centre()
        fixed = self.widget_to_photo(anchor)
        ratio = self.screen_pixel_ratio()  # (the limits are on the zoom shown, in screen pixels)
        self._scale = min(MAX_SCALE, max(MIN_SCALE, scale * ratio)) / ratio
        self._fit = False
        self._centre = fixed - (anchor - self._view_centre()) / self._scale
        self._clamp_centre()
        self.zoom_changed.emit(self._scale)
        self.update()

    def pan_to_show(self, point: QPointF, margin: float = 0.0, centre: bool = False) -> bool:
        """Pan, keeping the zoom, so photo point ``point`` lies at least ``margin`` screen pixels inside the
        view: as little as that takes, or with ``centre`` as near the middle as the photo's edges let it.
        Nothing where it does already (fitted, all of the photo does). True: the view panned."""
        if self.photo_size().isEmpty() or self._fit:
            return False
        where = self.photo_to_widget(point)
        inner = QRectF(self.rect()).adjusted(margin, margin, -margin, -margin)
        if inner.contains(where):
            return False
        before = QPointF(self._centre)
        if centre:
            self._centre = QPointF(point)
        else:
            dx = min(0.0, where.x() - inner.left()) + max(0.0, where.x() - inner.right())
            dy = min(0.0, where.y() - inner.top()) + max(0.0, where.y() - inner.bottom())
            self._centre = self._centre + QPointF(dx, dy) / self._scale
        self._clamp_centre()
        if self._centre == before:
            return False
        self.update()
        return True

    def widget_to_photo(self, point: QPointF) -> QPointF:
        return self._current_centre() + (QPointF(point) - self._view_centre()) / self.scale()

    def photo_to_widget(self, point: QPointF) -> QPointF:
        return self._view_centre() + (QPointF(point) - self._current_centre()) * self.scale()

    def photo_rect(self) -> QRectF:
        """Where the whole photo lies, in widget coordinates."""
        size = self.photo_size()
        top_left = self.photo_to_widget(QPointF(0, 0))
        return QRectF(top_left, QPointF(top_left.x() + size.width() * self.scale(), top_left.y() + size.height() * self.scale()))

    def split_x(self) -> float:
        rect = self.photo_rect()
        return rect.left() + self._split * rect.width()

    def _fit_scale(self) -> float:
        size = self.photo_size()
        if size.isEmpty():
            return 1.0
        return max(MIN_SCALE / self.screen_pixel_ratio(), min(self.width() / size.width(), self.height() / size.height()))

    def _photo_centre(self) -> QPointF:
        size = self.photo_size()
        return QPointF(size.width() / 2, size.height() / 2)

    def _current_centre(self) -> QPointF:
        return self._photo_centre() if self._fit else self._centre

    def _view_centre(self) -> QPointF:
        return QPointF(self.width() / 2, self.height() / 2)

    def _clamp_centre(self) -> None:
        """Keep the photo from being panned out of view: its middle stays within it."""
        size = self.photo_size()
        half_w, half_h = self.width() / 2 / self._scale, self.height() / 2 / self._scale
        # When the photo is smaller than the view it stays centred on that axis.
        x = size.width() / 2 if size.width() <= 2 * half_w else min(max(self._centre.x(), half_w), size.width() - half_w)
        y = size.height() / 2 if size.height() <= 2 * half_h else min(max(self._centre.y(), half_h), size.height() - half_h)
        self._centre = QPointF(x, y)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Dark if self._before or self._after else QPalette.ColorRole.Base))
        if self.photo_size().isEmpty():
            self._paint_placeholder(painter, palette)
            return
        photo = self.photo_rect()
        split_x = self.split_x()
        view = QRectF(self.rect())
        left = photo.intersected(QRectF(view.left(), view.top(), max(0.0, split_x - view.left()), view.height()))
        right = photo.intersected(QRectF(split_x, view.top(), max(0.0, view.right() - split_x + 1), view.height()))
        before, after = self._before or self._after, self._after or self._before
        self._paint_part(painter, before, left, photo)
        self._paint_part(painter, after, right, photo)
        self._paint_labels(painter, palette)
        self._paint_split_line(painter, palette, photo, split_x)
        self._paint_zoom(painter, palette)
        paint_focus_frame(self, painter)  # arrows, +/-, 0 and 1 act on the view (keyPressEvent)

    def zoom_text(self) -> str:
        """The zoom as shown in the view's corner, in screen pixels: "37 %" (fitted: "Fit 37 %")."""
        percent = self.screen_scale() * 100
        text = f"{percent:.0f} %" if percent >= 10 else f"{percent:.1f} %"
        return f"Fit {text}" if self._fit else text

    def _paint_zoom(self, painter: QPainter, palette: QPalette) -> None:
        metrics = QFontMetrics(self.font())
        text, pad = self.zoom_text(), 6
        box = QRectF(0, 0, metrics.horizontalAdvance(text) + 2 * pad, metrics.height() + pad)
        box.moveBottomRight(QPointF(self.width() - pad, self.height() - pad))
        background = QColor(palette.color(QPalette.ColorRole.Window))
        background.setAlpha(200)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_part(self, painter: QPainter, display: DisplayImage | None, target: QRectF, photo: QRectF) -> None:
        if display is None or target.isEmpty():
            return
        scale = self.scale()
        image = display.source_for(self.screen_scale())  # (as many pixels as the screen shows, not the view)
        ratio = image.width() / display.size.width()  # image pixels per photo pixel
        source = QRectF(
            (target.left() - photo.left()) / scale * ratio,
            (target.top() - photo.top()) / scale * ratio,
            target.width() / scale * ratio,
            target.height() / scale * ratio,
        )
        # Smooth when shrinking or mildly enlarging on the screen; crisp pixels when inspecting close up.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.screen_scale() * ratio < 2 or display.is_preview)
        painter.drawImage(target, image, source)

    def label_boxes(self, every: bool = False) -> list[tuple[str, QRectF]]:
        """The "Before" and "After" badges as drawn now (each where its side is wide enough): text and widget rect.

        A badge over ``labels_clear_of`` is left out (``every``: not): on the picking mark it hid the spot sampled.
        """
        if self.photo_size().isEmpty():
            return []
        photo, split_x = self.photo_rect(), self.split_x()
        metrics = QFontMetrics(self.font())
        pad = 6
        visible = photo.intersected(QRectF(self.rect()))
        boxes = []
        if split_x - visible.left() > 60:
            boxes.append(("Before", visible.left() + pad))
        right_text = self._busy_text or "After"
        if visible.right() - split_x > 60:
            boxes.append((right_text, visible.right() - pad - metrics.horizontalAdvance(right_text) - 2 * pad))
        shown = [(text, QRectF(x, visible.top() + pad, metrics.horizontalAdvance(text) + 2 * pad, metrics.height() + pad)) for text, x in boxes]
        clear = QRectF(self.labels_clear_of()) if self.labels_clear_of is not None and not every else QRectF()
        return [(text, box) for text, box in shown if clear.isEmpty() or not box.intersects(clear)]

    def _paint_labels(self, painter: QPainter, palette: QPalette) -> None:
        background = QColor(palette.color(QPalette.ColorRole.Window))
        background.setAlpha(200)
        for text, box in self.label_boxes():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_split_line(self, painter: QPainter, palette: QPalette, photo: QRectF, split_x: float) -> None:
        visible = photo.intersected(QRectF(self.rect()))
        if not visible.left() - 1 <= split_x <= visible.right() + 1:
            return
        highlight = palette.color(QPalette.ColorRole.Highlight)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(highlight, 2))
        painter.drawLine(QPointF(split_x, visible.top()), QPointF(split_x, visible.bottom()))
        # The handle stays whole inside the view with the line at either edge (it was cut in half there).
        handle = QPointF(min(max(split_x, HANDLE_RADIUS + 1), self.width() - HANDLE_RADIUS - 1), visible.center().y())
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawEllipse(handle, HANDLE_RADIUS, HANDLE_RADIUS)
        painter.setBrush(highlight)
        painter.setPen(Qt.PenStyle.NoPen)
        for direction in (-1, 1):
            tip = handle.x() + direction * 7
            base = handle.x() + direction * 2
            painter.drawPolygon([QPointF(tip, handle.y()), QPointF(base, handle.y() - 5), QPointF(base, handle.y() + 5)])

    def _paint_placeholder(self, painter: QPainter, palette: QPalette) -> None:
        if not self._placeholder:
            return
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(self.rect().adjusted(24, 24, -24, -24), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)

    # -- mouse -----------------------------------------------------------------------------
    def _near_split(self, pos: QPointF) -> bool:
        return not self.photo_size().isEmpty() and abs(pos.x() - self.split_x()) <= GRAB_DISTANCE

    def _can_pan(self) -> bool:
        rect = self.photo_rect()
        return rect.width() > self.width() + 0.5 or rect.height() > self.height() + 0.5

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self.photo_size().isEmpty():
            return super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._can_pan() and not self._near_split(pos)
        ):
            self._drag = "pan"
            self._drag_origin = pos
            self._drag_centre = self._current_centre()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif event.button() == Qt.MouseButton.LeftButton:
            # Not zoomed in: a press anywhere takes the line there, and dragging moves it.
            self._drag = "split"
            self._move_split_to(pos)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._drag == "split":
            self._move_split_to(pos)
        elif self._drag == "pan":
            if self._fit:
                self._scale, self._fit = self._fit_scale(), False
            self._centre = self._drag_centre - (pos - self._drag_origin) / self._scale
            self._clamp_centre()
            self.update()
        elif self._near_split(pos):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        elif self._can_pan():
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.unsetCursor()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None
        self.unsetCursor()
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.photo_size().isEmpty():
            return
        if self._fit or abs(self.screen_scale() - 1.0) > 1e-6:
            self.zoom_actual(event.position())
        else:
            self.zoom_fit()

    def _move_split_to(self, pos: QPointF) -> None:
        rect = self.photo_rect()
        if rect.width() > 0:
            self.set_split((pos.x() - rect.left()) / rect.width())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        notches = event.angleDelta().y() / 120
        if notches and not self.photo_size().isEmpty():
            self.zoom_to(self.scale() * WHEEL_STEP**notches, event.position())
            event.accept()
        else:
            event.ignore()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        """With the view focused: arrows pan a zoomed photo (or move the split line when all of it
        shows), + and - zoom, 0 fits and 1 shows actual pixels; Shift makes an arrow's step larger."""
        key, size = event.key(), self.photo_size()
        if size.isEmpty() or event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            return super().keyPressEvent(event)  # (Ctrl+ keys are the window's actions)
        big = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if key in arrows:
            dx, dy = arrows[key]
            if self._can_pan():
                step = (ARROW_STEP_LARGE if big else ARROW_STEP) * min(self.width(), self.height()) / self.scale()
                self._scale, self._fit = self.scale(), False
                self._centre = self._current_centre() + QPointF(dx * step, dy * step)
                self._clamp_centre()
                self.update()
            elif dx:
                self.set_split(self._split + dx * (ARROW_STEP_LARGE if big else ARROW_STEP))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.zoom_fit()
        elif key == Qt.Key.Key_1:
            self.zoom_actual()
        else:
            return super().keyPressEvent(event)
        event.accept()

    def focusInEvent(self, event) -> None:  # noqa: N802 - the focus frame appears
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self.update()
        super().focusOutEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        if not self._fit:
            self._clamp_centre()
        super().resizeEvent(event)
