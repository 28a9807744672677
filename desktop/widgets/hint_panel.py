"""The colour of the selected hint point: the model's suggestions, a full colour picker, recent colours.

Shown beside the split view in hint mode. The page fills in the suggestions
(they come from the model, off the UI thread); a click on any swatch, or a
colour from the picker, is reported as ``colour_chosen`` and joins the recent
colours, which are kept in the settings across sessions.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPixmap
from PySide6.QtWidgets import QColorDialog, QGridLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from desktop import settings
from desktop.hint_edits import RGB, hex_colour

SWATCHES = 8  # suggestions and recent colours shown, each
COLUMNS = 4
SWATCH_SIZE = QSize(28, 28)
RECENT_KEY = "hints/recent"
AVOID = 24  # pixels around the point being coloured that the colour dialog leaves in sight (its mark, and more)
GAP = 16  # between that and the dialog
NO_POINT_TEXT = "Click the photo to add a hint point, or click a point to change its colour. Or press Enter to add one; N selects the next point."


def read_recent() -> list[RGB]:
    out: list[RGB] = []
    for text in str(settings.read(RECENT_KEY, "", str)).split(","):
        colour = QColor(text.strip())
        if text.strip() and colour.isValid():
            out.append((colour.red(), colour.green(), colour.blue()))
    return out[:SWATCHES]


def remember_recent(rgb: RGB) -> list[RGB]:
    """Put ``rgb`` first among the recent colours (kept in the settings); returns them."""
    recent = [rgb] + [c for c in read_recent() if c != rgb]
    settings.write(RECENT_KEY, ",".join(hex_colour(c) for c in recent[:SWATCHES]))
    return recent[:SWATCHES]


def swatch_icon(rgb: RGB, size: QSize = SWATCH_SIZE) -> QIcon:
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor(0, 0, 0, 160))
    painter.setBrush(QColor(*rgb))
    painter.drawRoundedRect(1, 1, size.width() - 2, size.height() - 2, 4, 4)
    painter.end()
    return QIcon(pixmap)


ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class SwatchButton(QToolButton):
    """A colour swatch that Enter and Return press, as Space does (a tool button takes Space only)."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in ENTER_KEYS and not event.isAutoRepeat():
            self.animateClick()
            event.accept()
        else:
            super().keyPressEvent(event)


class SwatchGrid(QWidget):
    """A few colour swatches in a grid; a click reports the colour."""

    clicked = Signal(tuple)
    """A swatch was clicked; its (r, g, b)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.setColumnStretch(COLUMNS, 1)  # swatches line up on the left, however few
        self.buttons: list[SwatchButton] = []
        self.colours: list[RGB] = []

    def set_colours(self, colours: list[RGB]) -> None:
        # The swatches are recoloured in place, not made anew: choosing a recent colour with Space reorders its
        # row, and the focused swatch, deleted, took the focus with it (the next Tab went to the window's tab bar).
        self.colours = list(colours[:SWATCHES])
        while len(self.buttons) < len(self.colours):
            self.buttons.append(self._new_button(len(self.buttons)))
        while len(self.buttons) > len(self.colours):
            button = self.buttons.pop()
            if button.hasFocus() and self.buttons:
                self.buttons[-1].setFocus(Qt.FocusReason.OtherFocusReason)
            button.deleteLater()
        for button, rgb in zip(self.buttons, self.colours):
            button.setIcon(swatch_icon(rgb))
            button.setToolTip(hex_colour(rgb))
            button.setAccessibleName(f"colour {hex_colour(rgb)}")

    def _new_button(self, index: int) -> SwatchButton:
        button = SwatchButton(self)
        button.setIconSize(SWATCH_SIZE)
        button.setAutoRaise(True)
        button.clicked.connect(lambda _checked=False, i=index: self.clicked.emit(self.colours[i]))
        self._layout.addWidget(button, index // COLUMNS, index % COLUMNS)
        return button


class HintPanel(QWidget):
    colour_chosen = Signal(tuple)
    """The user chose a colour for the selected point: (r, g, b)."""
    pick_requested = Signal()
    """The user asked to take the selected point's colour from somewhere on the photo."""
    delete_pressed = Signal()
    """Delete (or Backspace) was pressed in the panel, outside a text field: the selected point should go."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._current: RGB | None = None
        self._locate_point = None  # says where the selected point is on the screen (set_point_locator)
        self._appearance = None  # says how a colour looks on the photo where the selected point is (set_appearance)
        self.current_swatch = QLabel()
        self.current_label = QLabel()
        self.seen_swatch = QLabel()
        self.seen_label = QLabel()
        self.seen_label.setWordWrap(True)
        self.help = QLabel(NO_POINT_TEXT)
        self.help.setWordWrap(True)
        self.suggestions_label = QLabel("Suggested by the model here:")
        self.suggestions_label.setWordWrap(True)
        self.suggestions = SwatchGrid()
        self.suggestions_note = QLabel()
        self.suggestions_note.setWordWrap(True)
        self.picker_button = QPushButton("More Colours…")
        self.picker_button.setToolTip("Pick any colour for this point")
        self.pick_button = QPushButton("Take From Photo")
        self.pick_button.setCheckable(True)  # pressed while the next click on the photo takes a colour
        self.pick_button.setToolTip(
            "Give this point a colour shown elsewhere on the photo: click there next,\nor move the mark there with the arrows and press Enter (I; Esc cancels)"
        )
        for button in (self.picker_button, self.pick_button):
            button.setAutoDefault(True)  # Enter and Return press it, as Space does, outside a dialog too
        self.recent_label = QLabel("Recently used:")
        self.recent = SwatchGrid()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        title = QLabel("<b>Hint colour</b>")
        layout.addWidget(title)
        current = QGridLayout()
        current.addWidget(self.current_swatch, 0, 0)
        current.addWidget(self.current_label, 0, 1)
        current.addWidget(self.seen_swatch, 1, 0)
        current.addWidget(self.seen_label, 1, 1)
        current.setColumnStretch(1, 1)
        layout.addLayout(current)
        layout.addWidget(self.help)
        layout.addSpacing(6)
        layout.addWidget(self.suggestions_label)
        layout.addWidget(self.suggestions)
        layout.addWidget(self.suggestions_note)
        layout.addWidget(self.picker_button)
        layout.addWidget(self.pick_button)
        layout.addSpacing(6)
        layout.addWidget(self.recent_label)
        layout.addWidget(self.recent)
        layout.addStretch(1)
        self.setMinimumWidth(4 * (SWATCH_SIZE.width() + 12) + 12)

        self.suggestions.clicked.connect(self.choose)
        self.recent.clicked.connect(self.choose)
        self.picker_button.clicked.connect(self.open_picker)
        self.pick_button.clicked.connect(self._on_pick_clicked)
        self._show_recent(read_recent())
        self.show_point(None)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        # The key its buttons leave (a text field keeps its own). Delete Point's shortcut acts where the points have
        # the focus only (in the photo list Delete removes photos), and a suggestion chosen from the keyboard, or
        # More Colours… closed, leaves the focus here: Delete did nothing.
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            self.delete_pressed.emit()
            event.accept()
        else:
            super().keyPressEvent(event)

    def show_point(self, rgb: RGB | None) -> None:
        """The selected point's colour (None: no point selected, nothing to choose for)."""
        self._current = rgb
        has_point = rgb is not None
        for widget in (self.suggestions_label, self.suggestions, self.picker_button, self.pick_button, self.current_swatch, self.current_label):
            widget.setVisible(has_point)
        self.suggestions_note.setVisible(has_point and bool(self.suggestions_note.text()))  # no blank line when empty
        self.help.setVisible(not has_point)
        seen = self._appearance(rgb) if has_point and self._appearance is not None else None
        for widget in (self.seen_swatch, self.seen_label):
            widget.setVisible(seen is not None)
        if seen is not None:
            seen_rgb, text = seen
            self.seen_swatch.setPixmap(swatch_icon(seen_rgb).pixmap(SWATCH_SIZE))
            self.seen_label.setText(text)
            tip = (
                f"A point gives its part of the photo the hue and intensity of {hex_colour(rgb)}; the lightness stays the "
                "photo's own,\nso there it looks like this swatch."
            )
            for widget in (self.seen_swatch, self.seen_label):
                widget.setToolTip(tip)
        if has_point:
            self.current_swatch.setPixmap(swatch_icon(rgb).pixmap(SWATCH_SIZE))
            self.current_label.setText(hex_colour(rgb))
        else:
            self.suggestions.set_colours([])
            self._order_tabs()

    def set_suggestions(self, colours: list[RGB] | None, note: str = "") -> None:
        """The model's colours for the selected point (None: still working them out)."""
        self.suggestions.set_colours(colours or [])
        self._order_tabs()
        self.suggestions_note.setText("Working…" if colours is None else note)
        self.suggestions_note.setVisible(self._current is not None and bool(self.suggestions_note.text()))

    def choose(self, rgb) -> None:
        rgb = tuple(int(c) for c in rgb)
        if self._current is not None:  # the selected point takes it: show its new colour
            self.show_point(rgb)
        self._show_recent(remember_recent(rgb))
        self.colour_chosen.emit(rgb)

    def _show_recent(self, colours: list[RGB]) -> None:
        self.recent.set_colours(colours)
        self.recent_label.setVisible(bool(colours))  # no heading over nothing
        self._order_tabs()

    def _order_tabs(self) -> None:
        """Tab goes top to bottom: swatches made later joined the end (after the buttons below the suggestions)."""
        stops = [*self.suggestions.buttons, self.picker_button, self.pick_button, *self.recent.buttons]
        for first, second in zip(stops, stops[1:]):
            QWidget.setTabOrder(first, second)

    def _on_pick_clicked(self) -> None:
        self.pick_button.setChecked(False)  # pressed again by ``show_picking`` once the photo takes the click
        self.pick_requested.emit()

    def show_picking(self, on: bool) -> None:
        """Whether the next click on the photo takes a colour (the button stays pressed meanwhile)."""
        self.pick_button.setChecked(on)

    def open_picker(self) -> None:
        colour = self.ask_colour(QColor(*(self._current or (128, 128, 128))))
        if colour.isValid():
            self.choose((colour.red(), colour.green(), colour.blue()))

    def ask_colour(self, start: QColor) -> QColor:
        """The full colour picker, opened beside the photo (an invalid colour when cancelled): centred over the
        window it hid the point being coloured."""
        dialog = QColorDialog(start, self)
        dialog.setWindowTitle("Hint colour")
        screen = (self.screen() or dialog.screen()).availableGeometry()
        panel = QRect(self.mapToGlobal(QPoint(0, 0)), self.size())
        point = self.point_on_screen()
        avoid = QRect() if point is None else QRect(point - QPoint(AVOID, AVOID), QSize(2 * AVOID, 2 * AVOID))
        dialog.move(place_beside(dialog.sizeHint(), avoid, screen, panel))  # (moved: not centred on showing)
        accepted = dialog.exec() == QColorDialog.DialogCode.Accepted
        return dialog.selectedColor() if accepted else QColor()

    def point_on_screen(self) -> QPoint | None:
        """Where the selected point is, in global coordinates (None: unknown); the page tells (``set_point_locator``)."""
        return self._locate_point() if self._locate_point is not None else None

    def set_appearance(self, appearance) -> None:
        """``appearance(rgb)``: how ``rgb`` looks on the photo at the selected point, ``((r, g, b), text)``, or None
        when it looks as it is; shown under the point's colour."""
        self._appearance = appearance

    def set_point_locator(self, locate) -> None:
        """``locate()`` says where the selected point is on the screen (a QPoint, or None)."""
        self._locate_point = locate


def place_beside(size: QSize, avoid: QRect, screen: QRect, panel: QRect) -> QPoint:
    """Where a dialog of ``size`` goes: over the panel's side of the window if that leaves ``avoid`` (the point
    being coloured) in sight, else right of, left of, below or above it; always on ``screen``."""
    w, h = size.width(), size.height()
    middle = avoid.center() if not avoid.isEmpty() else panel.center()
    candidates = [
        QPoint(panel.right() + 1 - w, panel.top()),  # over the panel, its right edge on the window's
        QPoint(avoid.right() + GAP, middle.y() - h // 2),
        QPoint(avoid.left() - GAP - w, middle.y() - h // 2),
        QPoint(panel.right() + 1 - w, avoid.bottom() + GAP),
        QPoint(panel.right() + 1 - w, avoid.top() - GAP - h),
    ]

    def on_screen(corner: QPoint) -> QPoint:
        x = max(screen.left(), min(corner.x(), screen.right() + 1 - w))
        y = max(screen.top(), min(corner.y(), screen.bottom() + 1 - h))
        return QPoint(x, y)

    placed = [on_screen(corner) for corner in candidates]
    return next((corner for corner in placed if avoid.isEmpty() or not QRect(corner, size).intersects(avoid)), placed[0])
