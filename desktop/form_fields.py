"""One editor widget per setting, chosen by the type of its default value.

Used by the Train page for the training recipe and for each architecture's own
parameters, so a new architecture parameter appears in the form by itself.
"""

from __future__ import annotations

import json
import math
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox, QWidget


class FieldError(ValueError):
    """A form value that cannot be used; ``str()`` names the field and the reason."""


class Field:
    """An editor for one named value; ``value()`` returns it typed like the default, or raises ``FieldError``."""

    def __init__(self, name: str, label: str, default: Any, choices: list[str] | None = None, tip: str = ""):
        self.name, self.label, self.default, self.choices = name, label, default, choices
        self.widget = self._make_widget()
        self.set_value(default)
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
