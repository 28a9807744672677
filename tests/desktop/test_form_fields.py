"""Form fields: one editor per setting, typed like its default; a bad value names the field."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from desktop.form_fields import Field, FieldError, label_for


@pytest.mark.parametrize(
    "default, editor, typed, value",
    [
        (True, QCheckBox, None, True),
        (32, QSpinBox, None, 32),
        (0.001, QLineEdit, "2e-4", 2e-4),
        ((192, 128), QLineEdit, "64, 32, 16", (64, 32, 16)),
        ("mean", QLineEdit, " hue ", "hue"),
    ],
)
def test_each_default_gets_its_editor_and_values_come_back_typed(qtbot, default, editor, typed, value):
    field = Field("name", "Name", default)
    qtbot.addWidget(field.widget)
    assert isinstance(field.widget, editor)
    if typed is not None:
        field.widget.setText(typed)
    assert field.value() == value and type(field.value()) is type(value)


def test_choices_make_a_drop_down(qtbot):
    field = Field("optimizer", "Optimizer", "adamw", choices=["adam", "adamw", "sgd"])
    qtbot.addWidget(field.widget)
    assert isinstance(field.widget, QComboBox) and field.value() == "adamw"
    field.set_value("sgd")
    assert field.value() == "sgd"


@pytest.mark.parametrize("default, text, kind", [(0.1, "fast", "a number"), (0.1, "nan", "a number"), ((1, 2), "1, x", "a comma-separated list")])
def test_a_bad_value_names_the_field_and_what_it_should_be(qtbot, default, text, kind):
    field = Field("lr", "Learning rate", default)
    qtbot.addWidget(field.widget)
    field.widget.setText(text)
    with pytest.raises(FieldError, match=f"Learning rate: '{text}' is not {kind}"):
        field.value()


def test_labels_from_names():
    assert label_for("batch_size") == "Batch size"
