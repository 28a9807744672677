"""The Colourise page's controls: the row above the photos, the progress row below them, the replace question."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QToolButton, QWidget

from desktop import settings
from desktop.widgets.focus_frame import FocusSlider
from desktop.widgets.confirm import unbroken
from desktop.widgets.model_picker import ModelPicker
from engine.photo import OUTPUT_FORMATS


ON_FRAME_WIDTH = 2  # of the highlight-coloured frame round a toggle button while it is on


class ToggleButton(QToolButton):
    """A tool button that, while checked, is framed in the palette's highlight colour.

    Fusion tells a checked tool button by a slightly darker grey: in a dark palette, 71 against 58 when off, all but the
    same. The frame reads in any palette; unchecked, the button is drawn as the style draws it.
    """

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self.isChecked():
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), ON_FRAME_WIDTH))
        half = ON_FRAME_WIDTH / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(half, half, -half, -half), 2, 2)


class ColouriseBar(QWidget):
    """Open, model, colour strength (0-200 %), save format, Save and Save all; remembers strength and format.

    The slider shows the selected photo's strength (``show_strength``); the strength the
    user last set with it is remembered as the default for photos added later.
    """

    strength_changed = Signal(float)
    """The user moved the strength slider; the new strength (1.0 = as the model predicts)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.open_button = QToolButton()
        self.model_box = ModelPicker()
        self.strength = FocusSlider(Qt.Orientation.Horizontal)
        self.strength.setAccessibleName("Colour strength")
        self.strength.setRange(0, 200)
        self.strength.setPageStep(10)
        self.strength.setValue(int(round(settings.read("colourise/strength", 100, int))))
        self.strength.setToolTip("Colour strength: 0 % grey, 100 % as the model predicts, 200 % twice as vivid")
        self.strength.setMinimumWidth(140)
        # A no-break space: "110" and "%" never on two lines, however narrow the window.
        self.strength_label = QLabel(f"{self.strength.value()}\u00a0%")
        self.strength_label.setMinimumWidth(QLabel("200\u00a0%").sizeHint().width() + 4)
        self.format_box = QComboBox()
        for value, (label, _suffix) in OUTPUT_FORMATS.items():
            self.format_box.addItem(label, value)
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(settings.read("colourise/format", "same", str))))
        self.format_box.setToolTip("File format of saved photos")
        self.hint_button = ToggleButton()  # hint mode on/off (the page gives it HintMode's action)
        self.save_button = QPushButton("Save…")
        self.save_all_button = QPushButton("Save all…")

        # Two groups: what to colour with (head) and how to save (tail). A narrow window puts the
        # tail on a second row rather than growing past the screen (the window fits 800 x 600).
        self._head, self._tail = QWidget(), QWidget()
        for group, items in (
            (self._head, ((None, self.open_button, 0), ("Model:", self.model_box, 1), ("Strength:", self.strength, 0),
                          (None, self.strength_label, 0), ("", self.hint_button, 0))),
            (self._tail, (("Format:", self.format_box, 0), (None, self.save_button, 0), (None, self.save_all_button, 0))),
        ):  # fmt: skip
            row = QHBoxLayout(group)
            row.setContentsMargins(0, 0, 0, 0)
            for index, (label, widget, stretch) in enumerate(items):
                if label is not None and index:
                    row.addSpacing(8)
                if label:
                    row.addWidget(QLabel(label))
                row.addWidget(widget, stretch)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(16)
        self._grid.addWidget(self._head, 0, 0)
        self._grid.addWidget(self._tail, 0, 1)
        self._grid.setColumnStretch(0, 1)
        self.two_rows = False
        self._showing = False  # True while the slider is moved to show a photo's strength (no edit)
        self.strength.valueChanged.connect(self._on_strength_moved)
        self.format_box.currentIndexChanged.connect(lambda _i: settings.write("colourise/format", self.format_box.currentData()))

    def one_row_width(self) -> int:
        return self._head.minimumSizeHint().width() + self._grid.horizontalSpacing() + self._tail.minimumSizeHint().width()

    def minimumSizeHint(self):  # noqa: N802 - narrow enough for two rows
        hint = super().minimumSizeHint()
        hint.setWidth(max(self._head.minimumSizeHint().width(), self._tail.minimumSizeHint().width()))
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._arrange(event.size().width() < self.one_row_width())
        super().resizeEvent(event)

    def _arrange(self, two_rows: bool) -> None:
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        self._grid.removeWidget(self._tail)
        if two_rows:
            self._grid.addWidget(self._tail, 1, 0, Qt.AlignmentFlag.AlignRight)
        else:
            self._grid.addWidget(self._tail, 0, 1)

    def strength_value(self) -> float:
        return self.strength.value() / 100.0

    def show_strength(self, strength: float) -> None:
        """Move the slider to a photo's ``strength`` (another photo was selected): not an edit, so no
        ``strength_changed`` (nothing re-renders) and the default stays."""
        self._showing = True
        try:
            self.strength.setValue(int(round(strength * 100)))
        finally:
            self._showing = False

    def default_strength(self) -> float:
        """The strength a photo added now takes (remembered across sessions): the one last applied to all
        photos, or set with the slider while no photo was queued (``PhotoStrengths``). Kept within the slider's range:
        the engine refuses a strength outside it, and a settings file may say anything."""
        percent = min(max(settings.read("colourise/strength", 100, int), self.strength.minimum()), self.strength.maximum())
        return percent / 100.0

    def set_default_strength(self, strength: float) -> None:
        settings.write("colourise/strength", int(round(strength * 100)))

    def output_format(self) -> str:
        """The chosen key of ``engine.photo.OUTPUT_FORMATS``."""
        return self.format_box.currentData()

    def _on_strength_moved(self, value: int) -> None:
        self.strength_label.setText(f"{value}\u00a0%")
        if self._showing:
            return  # the slider follows the selection: an edit would re-render it
        self.strength_changed.emit(value / 100.0)


class ProgressRow(QWidget):
    """"Colouring 3 of 12" or "Saving 2 of 5", a progress bar and Cancel while something runs; otherwise a quiet
    line in the same room (``show_idle``), or hidden when there is none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop colouring or saving the queue (Esc)")
        for widget in (self.bar, self.cancel_button):  # hidden beside the quiet line, the row keeps its height
            policy = widget.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        self.running = False
        self._step = ""  # the running work's step, kept while the quiet line shows
        self._idle = ""  # the quiet line ("": the row hides while nothing runs)
        self._arrange()

    def set_running(self, running: bool) -> None:
        """Something runs (its step, the bar and Cancel show) or nothing does (the quiet line, if any)."""
        self.running = running
        self._arrange()

    def show_idle(self, text: str) -> None:
        """The quiet line shown while nothing runs ("": none, the row hides then and gives its room back)."""
        self._idle = text
        self._arrange()

    def show_step(self, text: str, value: int | None = None, total: int | None = None) -> None:
        self._step = text
        if self.running:
            self.label.setText(text)
        if total is not None:
            self.bar.setRange(0, total)
        if value is not None:
            self.bar.setValue(value)

    def step_text(self) -> str:
        """The running work's step as last shown ("Saving 2 of 5")."""
        return self._step

    def _arrange(self) -> None:
        self.label.setText(self._step if self.running else self._idle)
        self.bar.setVisible(self.running)
        self.cancel_button.setVisible(self.running)
        self.setVisible(self.running or bool(self._idle))


class PausedRow(QWidget):
    """"Cancelled: 16 photos still waiting. [Colour the Rest]"; hidden when none wait."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel()
        self.button = QToolButton()  # the page gives it its Colour the Rest action
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.button)
        self.hide()

    def show_waiting(self, waiting: int) -> None:
        self.label.setText(f"Cancelled: {waiting} photo{'s' if waiting != 1 else ''} still waiting.")
        self.setVisible(waiting > 0)


def ask_replace(parent: QWidget, existing: list[Path]) -> str:
    """Ask what to do about existing files: "replace", "keep" (save under new names) or "cancel"."""
    names = "\n".join(unbroken(p.name) for p in existing[:8]) + ("\n…" if len(existing) > 8 else "")
    where = f"{_files_exist(len(existing))} in the folder\n{unbroken(existing[0].parent)}"  # (lines of their own, whole)
    box = QMessageBox(QMessageBox.Icon.Question, "Colourise", f"{where}\n\n{names}", parent=parent)
    keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    box.setInformativeText("Keep Both saves the new photos under new names. Originals are never replaced.")
    box.exec()
    clicked = box.clickedButton()
    return "keep" if clicked is keep else "replace" if clicked is replace else "cancel"


def _files_exist(count: int) -> str:
    return "1 file already exists" if count == 1 else f"{count} files already exist"
