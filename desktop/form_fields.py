"""One editor widget per setting, chosen by the type of its default value.

Used by the Train page for the training recipe and for each architecture's own
parameters, so a new architecture parameter appears in the form by itself.

A field remembers the value the app filled in (``fill``): one the user changed
since is "touched" and survives a change of architecture. Spin and combo boxes take
the mouse wheel only once clicked (focused), so scrolling a long form never changes
a setting by accident.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)


class _WheelOnlyWhenFocused(QObject):
    """Passes a wheel event over an unfocused spin box, combo box or slider on to its parent (the form scrolls)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        send_wheel_to_scroll_area(watched, event)
        return True


def send_wheel_to_scroll_area(widget: QWidget, event: QEvent) -> None:
    """Hand a wheel event over ``widget`` to the scroll area around it (the page scrolls), or ignore it.

    Handed straight to the enclosing scroll area: Qt itself passes an ignored wheel
    event up only when it came from the window system, not when sent by the app.
    """
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        QApplication.sendEvent(parent.viewport(), event)
    else:
        event.ignore()


_WHEEL_FILTER: _WheelOnlyWhenFocused | None = None


def wheel_only_when_focused(widget: QWidget) -> QWidget:
    """Let ``widget`` (a spin box, combo box or slider) take wheel events only once it has the focus by a click or Tab."""
    global _WHEEL_FILTER
    if _WHEEL_FILTER is None:
        _WHEEL_FILTER = _WheelOnlyWhenFocused()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not WheelFocus: the wheel alone never focuses it
    widget.installEventFilter(_WHEEL_FILTER)
    return widget


def guard_wheel_in(container: QWidget) -> None:
    """``wheel_only_when_focused`` for every spin box, combo box and slider inside ``container``."""
    for kind in (QAbstractSpinBox, QComboBox, QAbstractSlider):
        for widget in container.findChildren(kind):
            wheel_only_when_focused(widget)


class FieldError(ValueError):
    """A form value that cannot be used; ``str()`` names the field and the reason."""


class Field:
    """An editor for one named value; ``value()`` returns it typed like the default, or raises ``FieldError``."""

    def __init__(self, name: str, label: str, default: Any, choices: list[str] | None = None, tip: str = ""):
        self.name, self.label, self.default, self.choices = name, label, default, choices
        self.widget = self._make_widget()
        if isinstance(self.widget, (QComboBox, QSpinBox)):
            wheel_only_when_focused(self.widget)
        self.filled = default
        self.held = False  # shows a run's own setting (``hold``)
        self.fill(default)
        if tip:
            self.widget.setToolTip(tip)

    def _make_widget(self) -> QWidget:
        default = self.default
        if self.choices:
            box = QComboBox()
            box.addItems(self.choices)
            return box
        if isinstance(default, bool):
            return QCheckBox()
        if isinstance(default, int):
            spin = QSpinBox()
            spin.setRange(0, 1_000_000_000)
            spin.setGroupSeparatorShown(True)
            return spin
        edit = QLineEdit()
        return edit

    def fill(self, value: Any) -> None:
        """Show a value chosen by the app (a default, a recipe): the field stays untouched."""
        self._show(value)
        self.held = False

    def hold(self, value: Any) -> None:
        """Show a run's own setting: it stays through what the app fills in by itself (a folder counted), but it is
        not the user's typing: a choice the user makes (another architecture, a fine-tune) replaces it."""
        self._show(value)
        self.held = True

    def _show(self, value: Any) -> None:
        self.set_value(value)
        try:
            self.filled = self.value()  # as the widget holds it (a float shown with %g, say)
        except FieldError:
            self.filled = value

    @property
    def touched(self) -> bool:
        """The user changed the value since the app last filled it in."""
        try:
            return self.value() != self.filled
        except FieldError:
            return True  # something typed that is not a value yet: the user's

    def set_value(self, value: Any) -> None:
        widget = self.widget
        if isinstance(widget, QComboBox):
            index = widget.findText(str(value))
            widget.setCurrentIndex(max(0, index))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(value, float):
            widget.setText(f"{value:g}")
        elif isinstance(value, (list, tuple)):
            widget.setText(", ".join(str(v) for v in value))
        elif isinstance(value, str):
            widget.setText(value)
        else:
            widget.setText(json.dumps(value))

    def value(self) -> Any:
        widget, default = self.widget, self.default
        if isinstance(widget, QComboBox):
            return widget.currentText()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        text = widget.text().strip()
        try:
            if isinstance(default, float):
                number = float(text)
                if not math.isfinite(number):
                    raise ValueError
                return number
            if isinstance(default, (list, tuple)):
                kind = type(default[0]) if default else float
                items = [kind(part.strip()) for part in text.strip("[]()").split(",") if part.strip()]
                return type(default)(items)
            if isinstance(default, str):
                return text
            return json.loads(text)
        except (ValueError, TypeError):
            raise FieldError(f"{self.label}: {text!r} is not {_kind_name(default)}") from None

    def value_or_text(self) -> Any:
        """The typed value, or the raw text when it is not one (yet)."""
        try:
            return self.value()
        except FieldError:
            return self.widget.text()

    @property
    def changed(self):
        """The widget's signal for a change of its value (by the user or the app)."""
        widget = self.widget
        if isinstance(widget, QComboBox):
            return widget.currentIndexChanged
        if isinstance(widget, QCheckBox):
            return widget.toggled
        if isinstance(widget, QSpinBox):
            return widget.valueChanged
        return widget.textChanged

    def shown(self, value: Any) -> str:
        """``value`` written as the field writes it ('9,000' in a spin box, '0.001' for a float, 'on' for a tick)."""
        if isinstance(self.widget, QSpinBox) and isinstance(value, int) and not isinstance(value, bool):
            return self.widget.textFromValue(value)
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, (list, tuple)):
            return ", ".join(self.shown(v) for v in value)
        return str(value)

    def set_enabled(self, enabled: bool) -> None:
        self.widget.setEnabled(enabled)


def _kind_name(default: Any) -> str:
    if isinstance(default, float):
        return "a number"
    if isinstance(default, (list, tuple)):
        return "a comma-separated list of numbers"
    return "a valid value"


def label_for(name: str) -> str:
    """``batch_size`` -> ``Batch size``."""
    return name.replace("_", " ").capitalize()
