"""The Colourise page's controls: the engine's output formats, strength shown and remembered, the model picker."""

from __future__ import annotations

from pathlib import Path

from desktop import settings
from desktop.widgets.colourise_bar import ColouriseBar
from desktop.widgets.model_picker import ModelPicker
from engine.library import LibraryEntry
from engine.photo import OUTPUT_FORMATS


def test_formats_come_from_the_engine_and_strength_is_shown_and_remembered(qtbot):
    bar = ColouriseBar()
    qtbot.addWidget(bar)
    assert [bar.format_box.itemData(i) for i in range(bar.format_box.count())] == list(OUTPUT_FORMATS)  # WebP too
    with qtbot.waitSignal(bar.strength_changed) as changed:
        bar.strength.setValue(150)
    assert changed.args == [1.5] and bar.strength_label.text() == "150\u00a0%" and bar.strength_value() == 1.5
    assert bar.default_strength() == 1.0  # an edit is the selected photos' (PhotoStrengths), not the default
    bar.set_default_strength(1.3)
    assert ColouriseBar().strength_value() == 1.3 and settings.read("colourise/strength", 100, int) == 130  # remembered
    bar.format_box.setCurrentIndex(bar.format_box.findData("webp"))
    assert bar.output_format() == "webp" and ColouriseBar().output_format() == "webp"  # remembered


def test_showing_a_photos_strength_is_not_an_edit(qtbot):
    bar = ColouriseBar()
    qtbot.addWidget(bar)
    bar.set_default_strength(1.3)
    bar.strength.setValue(130)
    with qtbot.assertNotEmitted(bar.strength_changed):
        bar.show_strength(0.8)  # another photo selected
    assert bar.strength.value() == 80 and bar.strength_label.text() == "80\u00a0%"
    assert bar.default_strength() == 1.3 and settings.read("colourise/strength", 100, int) == 130


def test_a_remembered_strength_out_of_the_sliders_range_is_taken_within_it(qtbot):
    """Photos are coloured at the default strength, and the engine refuses one outside 0..2: a settings file
    edited by hand (or written by another version) must not make every photo added fail."""
    for stored, taken in ((500, 2.0), (-40, 0.0)):
        settings.write("colourise/strength", stored)
        bar = ColouriseBar()
        qtbot.addWidget(bar)
        assert bar.default_strength() == taken


def test_the_model_picker_shows_unreadable_models_but_does_not_offer_them(qtbot, library_dir, save_lineage_model):
    from engine.modelfile import read_info

    good = save_lineage_model(library_dir / "good.safetensors")
    picker = ModelPicker()
    qtbot.addWidget(picker)
    entries = [LibraryEntry("good", good, True, read_info(good)), LibraryEntry("bad", Path("bad.safetensors"), False, None, "truncated")]
    picker.fill(entries, "good")
    assert picker.currentData() == "good" and picker.itemText(0) == "good (bundled)"
    assert not picker.model().item(1).isEnabled() and "Unreadable: truncated" in picker.itemData(1, 3)  # 3: tooltip role
    assert not picker.select("bad") and not picker.select("missing") and picker.currentData() == "good"  # (not choosable by name either)


def _highlight_pixels(button) -> int:
    """How many of ``button``'s pixels, as drawn now, are its palette's highlight colour."""
    from PySide6.QtGui import QPalette

    highlight = button.palette().color(QPalette.ColorRole.Highlight)
    image = button.grab().toImage()
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if max(abs(a - b) for a, b in zip(image.pixelColor(x, y).getRgb()[:3], highlight.getRgb()[:3])) < 24)


def test_hint_modes_button_shows_it_is_on_in_the_highlight_colour_in_a_light_and_a_dark_palette(qtbot, dark_palette):
    """In a dark palette the button's "on" grey (71) was all but its "off" grey (58): on, it is now framed in the
    palette's highlight colour; off, it is drawn as before."""
    from PySide6.QtGui import QAction

    bar = ColouriseBar()
    qtbot.addWidget(bar)
    toggle = QAction("Hint Mode", bar)
    toggle.setCheckable(True)
    bar.hint_button.setDefaultAction(toggle)  # as the Colourise page does
    bar.show()
    qtbot.waitExposed(bar)
    for scheme in ("light", "dark"):
        if scheme == "dark":
            dark_palette()
        toggle.setChecked(False)
        assert _highlight_pixels(bar.hint_button) == 0, scheme
        toggle.setChecked(True)
        button = bar.hint_button
        assert _highlight_pixels(button) >= 2 * (button.width() + button.height()), scheme  # a frame all round


def test_the_replace_question_shows_the_folder_and_each_name_whole_on_lines_of_their_own(qtbot, monkeypatch, tmp_path, line_breaks):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from desktop.widgets.colourise_bar import ask_replace
    from desktop.widgets.confirm import as_typed

    asked = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: asked.append(box.text()) or 0)
    parent = QWidget()
    qtbot.addWidget(parent)
    folder = tmp_path / "qa-out put"
    existing = [folder / "qa-one_colourised.jpg", folder / "two-2_colourised.png"]
    assert ask_replace(parent, existing) == "cancel"
    lines = asked[0].splitlines()
    for shown in (folder, *(p.name for p in existing)):
        line = next(line for line in lines if as_typed(line) == str(shown))  # on a line of its own
        assert not line_breaks(line)
