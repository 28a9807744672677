"""Hint mode on the Colourise page: points follow the photo, colours follow the points, hints are saved and offered back."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox


BLUE = (30, 80, 230)


def _save_hint_model(library_dir, name: str, seed: int) -> str:
    """Save a tiny untrained colour_unet with hint input (weights from ``seed``) in the library as ``name``."""
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(seed)
    model = create_model("colour_unet", hint_input=True, decoder_widths=(16, 16, 16, 16), working_size=64)
    save_model(library_dir / f"{name}.safetensors", model)
    return name


@pytest.fixture
def hint_model(library_dir) -> str:
    """The name of a library model that takes hints: a tiny untrained colour_unet with hint input."""
    return _save_hint_model(library_dir, "hinted-test", seed=0)


@pytest.fixture
def big_grey(tmp_path, grey_photo):
    return grey_photo(tmp_path / "album" / "street.png", width=160, height=120, seed=4)


def show(page, qtbot, path, model=None):
    if model is not None:
        assert page.select_model(model)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([path])


def click_photo(page, x, y, button=Qt.MouseButton.LeftButton):
    """A click on photo pixel (x, y), delivered through the window as the system would."""
    view = page.view
    where = view.mapTo(view.window(), view.photo_to_widget(QPointF(x + 0.5, y + 0.5))).toPoint()
    QTest.mouseClick(view.window().windowHandle(), button, Qt.KeyboardModifier.NoModifier, where)


def rgb_at(page, x, y):
    display = page.view.after
    image = display.image
    ratio = image.width() / display.size.width()
    c = image.pixelColor(int(x * ratio), int(y * ratio))
    return c.red(), c.green(), c.blue()


def bluish(rgb) -> bool:
    r, g, b = rgb
    return b > r + 40 and b > g + 20


def row_blue_share(page, key) -> float:
    """The share of bluish pixels in ``key``'s thumbnail in the list."""
    image = page.items[key].thumbs[page.photos.model]
    pixels = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    return sum(bluish((c.red(), c.green(), c.blue())) for c in pixels) / len(pixels)


def pin_blue_at(page, qtbot, x, y) -> None:
    """In Hint Mode, a point at photo pixel (x, y) given BLUE, and the hinted colours shown in full."""
    page.hints.set_active(True)
    with qtbot.waitSignal(page.hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        click_photo(page, x, y)
        page.hints.overlay.recolour_selected(BLUE)


def saved_at_140_with_a_blue_point(page, qtbot, photo, model, out):
    """``photo`` shown at strength 140 % with a BLUE point at (40, 60), then saved with Save All into ``out``."""
    show(page, qtbot, photo, model)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(140)
    pin_blue_at(page, qtbot, 40, 60)
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(out)
    return out


def test_a_click_adds_a_hint_and_the_preview_follows_without_blocking(hint_model, window, qtbot, big_grey, monkeypatch):
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    assert hints.toggle_action.isEnabled()
    hints.toggle_action.trigger()
    assert hints.active and hints.panel.isVisible()
    assert not bluish(rgb_at(page, 40, 60))

    with qtbot.waitSignal(hints.suggestions_ready, timeout=20_000) as suggested:
        click_photo(page, 40, 60)  # the "before" side of the split
    key = page.queue.current_key()
    assert len(hints.edits_for(key)) == 1
    colours = suggested.args[0]
    assert 1 <= len(colours) <= 8 and all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)
    assert hints.panel.suggestions.colours == colours
    hints.panel.suggestions.buttons[-1].click()  # one of the model's suggestions
    assert hints.edits_for(key).points[0].rgb == colours[-1]

    monkeypatch.setattr(hints.panel, "ask_colour", lambda start: QColor(*BLUE))
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        hints.panel.picker_button.click()  # any colour, from the full picker
        # The UI thread handed the work over and went on: the render is still in flight here.
        assert hints.preview.busy
    assert hints.edits_for(key).points[0].rgb == BLUE
    assert bluish(rgb_at(page, 40, 60))
    assert hints.panel.recent.colours[:2] == [BLUE, colours[-1]]  # now among the recent colours


def test_the_selected_points_suggestions_come_back_with_its_photo(hint_model, window, qtbot, big_grey, grey_photo, tmp_path):
    """Another photo shown and this one again: "Suggested by the model here:" stayed empty until the point was clicked."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.toggle_action.trigger()
    with qtbot.waitSignal(hints.suggestions_ready, timeout=20_000):
        click_photo(page, 40, 60)  # a point, selected
    street = page.queue.current_key()
    page.add_paths([grey_photo(tmp_path / "other.png", width=64, height=48, seed=2)])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 2)
    other = page.queue.keys()[1]
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == other and final, timeout=20_000):
        page.queue.select(other)
    with qtbot.waitSignal(hints.suggestions_ready, timeout=20_000) as suggested:
        page.queue.select(street)
    assert hints.overlay.selected_point() is not None and 1 <= len(suggested.args[0]) <= 8
    assert hints.panel.suggestions.colours == suggested.args[0]


def test_a_photo_removed_while_its_hints_are_coloured_says_nothing_when_that_fails_after(
    hint_model, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch
):
    """Removing a photo while its hinted colours were made left a late "Colouring with hints failed" line about it."""
    import threading

    import desktop.hint_preview

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    page.add_paths([grey_photo(tmp_path / "other.png", width=64, height=48, seed=2)])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 2 and not page.is_busy(), timeout=20_000)
    street, other = page.queue.keys()
    page.queue.select(street)
    qtbot.waitUntil(lambda: hints._shown is not None and hints._shown[0] == street, timeout=20_000)
    hints.toggle_action.trigger()
    fails = threading.Event()

    def render_hinted(request, state):  # a render that fails only once its photo has left the queue
        fails.wait(20)
        raise RuntimeError("out of memory")

    monkeypatch.setattr(desktop.hint_preview, "render_hinted", render_hinted)
    click_photo(page, 40, 60)  # a hint: its colours are being made
    qtbot.waitUntil(lambda: hints.preview.busy)
    said = []
    page.status_message.connect(said.append)
    page.remove_items([street])
    fails.set()
    qtbot.waitUntil(lambda: not hints.preview.busy, timeout=20_000)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert not [line for line in said if "failed" in line or "memory" in line], said
    assert page.queue.keys() == [other] and page.queue.selected_keys() == [other]


def test_the_rows_thumbnail_shows_the_hinted_colours_and_the_models_own_again_without_hints(hint_model, window, qtbot, big_grey):
    """It kept the model's own colours, red coats in the list beside a photo the hints made brown."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: page.photos.model in page.items[key].thumbs, timeout=20_000)
    assert row_blue_share(page, key) == 0
    pin_blue_at(page, qtbot, 40, 60)
    assert row_blue_share(page, key) > 0.05  # the object under the hint, blue in the list too
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        hints.clear_action.trigger()
    qtbot.waitUntil(lambda: row_blue_share(page, key) == 0, timeout=20_000)


def test_apply_strength_to_all_keeps_the_hinted_colours_in_the_rows_of_photos_not_shown(hint_model, window, qtbot, big_grey, grey_photo, tmp_path, wait_all_coloured):
    """Edit > Apply Strength to All Photos made a hinted photo's thumbnail anew in the model's own colours."""
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    hinted = page.queue.current_key()
    pin_blue_at(page, qtbot, 40, 60)
    assert row_blue_share(page, hinted) > 0.05
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key != hinted and final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "other.png", seed=5)])  # selected: the hinted photo is no longer shown
    wait_all_coloured(page, 2)
    at_100 = page.items[hinted].thumbs[page.photos.model]
    page.strength.setValue(150)
    page.strengths.apply_to_all_action.trigger()
    assert page.items[hinted].strength == 1.5
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert page.items[hinted].thumbs[page.photos.model] is not at_100
    assert row_blue_share(page, hinted) > 0.05  # made anew at 150 %, blue under the hint still


# (the offscreen platform cannot raise a popup menu or let it grab the keyboard)
@pytest.mark.qt_log_ignore("does not support propagateSizeHints", "does not support raise", "does not support grabbing the keyboard")
def test_the_right_click_menu_on_an_empty_spot_offers_no_point_to_delete(hint_model, window, qtbot, big_grey):
    """It offered "Delete Point", which deleted the point selected elsewhere."""
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.set_active(True)
    click_photo(page, 40, 60)  # a point, selected
    assert hints.delete_action.isEnabled()
    offered = []
    view, overlay = page.view, hints.overlay

    def read_and_close_menu():
        menu = QApplication.activePopupWidget()
        offered.append({a.text(): a.isEnabled() for a in menu.actions() if a.text()})
        menu.close()

    def right_click(x, y):
        where = overlay.mapFrom(view, view.photo_to_widget(QPointF(x + 0.5, y + 0.5))).toPoint()
        QTimer.singleShot(0, read_and_close_menu)  # (inside the menu's own event loop)
        overlay.contextMenuEvent(QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where, overlay.mapToGlobal(where)))

    right_click(150, 100)  # nowhere near the point
    assert offered[-1]["&Delete Point"] is False and len(hints.edits_for(page.queue.current_key())) == 1
    right_click(40, 60)  # on the point
    assert offered[-1]["&Delete Point"] is True


def test_delete_point_is_in_the_menu_and_its_key_leaves_the_photo_lists_delete_alone(hint_model, window, qtbot, big_grey, monkeypatch):
    """It was in the right-click menu only, where a keyboard user never finds it."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    edit_menu = window.menuBar().actions()[1].menu()
    assert hints.delete_action in edit_menu.actions() and not hints.delete_action.shortcut().isEmpty()
    hints.set_active(True)
    click_photo(page, 20, 20)
    click_photo(page, 100, 80)
    edits = hints.edits_for(page.queue.current_key())
    window.activateWindow()
    qtbot.waitUntil(hints.overlay.hasFocus)
    with qtbot.waitSignal(hints.delete_action.triggered):
        qtbot.keyClick(hints.overlay, Qt.Key.Key_Delete)
    assert [(p.x, p.y) for p in edits.points] == [(20, 20)]

    hints.overlay.select_next()  # a point selected, the focus in the photo list: Delete there is the list's
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    page.queue.setFocus()
    with qtbot.assertNotEmitted(hints.delete_action.triggered), qtbot.waitSignal(page.queue.remove_requested):
        qtbot.keyClick(page.queue, Qt.Key.Key_Delete)
    assert asked and len(edits) == 1  # it asked about taking the photo off the queue; No kept it


def test_delete_removes_the_selected_point_while_the_focus_is_in_the_hint_panel(hint_model, window, qtbot, big_grey):
    """Delete did nothing once the focus had gone to the colours beside the photo (a suggestion chosen from the
    keyboard, More Colours… closed): it acted only while the photo had the focus. A text field keeps its Delete."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.set_active(True)
    window.activateWindow()
    qtbot.waitUntil(hints.overlay.hasFocus)
    click_photo(page, 20, 20)
    with qtbot.waitSignal(hints.suggestions_ready, timeout=20_000):
        click_photo(page, 100, 80)
    edits = hints.edits_for(page.queue.current_key())
    qtbot.waitUntil(lambda: bool(hints.panel.suggestions.buttons))
    swatch = hints.panel.suggestions.buttons[0]
    swatch.setFocus(Qt.FocusReason.TabFocusReason)  # reached with Tab
    qtbot.waitUntil(swatch.hasFocus)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Space)  # the point takes it
    assert edits.selected_point.rgb == hints.panel.suggestions.colours[0]
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Delete)
    assert [(p.x, p.y) for p in edits.points] == [(20, 20)]  # the selected point went, the other stayed

    hints.overlay.select_next()
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())  # More Colours…, closed again
    QTest.mouseClick(hints.panel.picker_button, Qt.MouseButton.LeftButton)
    window.activateWindow()
    qtbot.waitUntil(hints.panel.picker_button.hasFocus)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Delete)
    assert len(edits) == 0

    click_photo(page, 40, 40)
    field = QLineEdit("#1e50e6", hints.panel)  # a text field there (a hex colour, say): Delete edits its text
    field.show()
    field.setFocus()
    field.setCursorPosition(0)
    qtbot.waitUntil(field.hasFocus)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Delete)
    assert field.text() == "1e50e6" and len(edits) == 1


def test_undo_redo_and_clear_from_the_keyboard_and_menu(hint_model, window, qtbot, big_grey):
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert hints.active
    click_photo(page, 20, 20)
    click_photo(page, 100, 80)
    edits = hints.edits_for(page.queue.current_key())
    assert len(edits) == 2
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(edits) == 1
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(edits) == 2
    assert hints.clear_action in window.menuBar().actions()[1].menu().actions()  # in the Edit menu too
    hints.clear_action.trigger()
    assert len(edits) == 0
    page.undo.undo_action.trigger()
    assert len(edits) == 2
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert not hints.active and not hints.panel.isVisible()


def test_arrows_move_the_selected_point_and_the_colours_and_suggestions_follow_in_full(hint_model, window, qtbot, big_grey):
    """Only the mouse moved a point."""
    from engine.inference import model_key

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    key = page.queue.current_key()
    suggested = []
    hints.suggestions_ready.connect(suggested.append)
    hints.overlay.setFocus()
    qtbot.keyClick(hints.overlay, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    point = hints.edits_for(key).points[0]
    assert point.x > 40 and (point.y, point.rgb) == (60, BLUE)
    model = model_key(page.current_model_path())
    qtbot.waitUntil(lambda: hints.prediction_for(key, model) is not None, timeout=20_000)  # the full pass, for where it is now
    qtbot.waitUntil(lambda: bool(suggested), timeout=20_000)  # the model's colours at the new place


def test_a_points_colour_taken_from_elsewhere_on_the_photo(hint_model, window, qtbot, big_grey):
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.set_active(True)
    click_photo(page, 20, 20)
    edits = hints.edits_for(page.queue.current_key())
    point = edits.selected_point
    shown_there = rgb_at(page, 120, 90)
    assert hints.panel.pick_button.isVisible() and hints.pick_action in window.menuBar().actions()[1].menu().actions()
    said = []
    page.status_message.connect(said.append)
    page.status_kept.connect(said.append)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_I)
    assert hints.overlay.picking and hints.panel.pick_button.isChecked()
    assert said[-1] == "Click the photo where the colour is shown, or move the mark there with the arrows and press Enter; Esc cancels."
    with qtbot.waitSignal(hints.hints_edited, timeout=10_000):
        click_photo(page, 120, 90)
    assert said[-1] == "The hint point took %s from the photo." % ("#%02x%02x%02x" % shown_there)
    assert len(edits) == 1 and edits.selected_point.rgb == shown_there and (edits.selected_point.x, edits.selected_point.y) == (point.x, point.y)
    assert not hints.overlay.picking and not hints.panel.pick_button.isChecked()
    assert hints.panel.current_label.text() == "#%02x%02x%02x" % shown_there  # the panel shows it, and it is a recent colour now
    assert shown_there in hints.panel.recent.colours
    page.undo.undo_action.trigger()
    assert edits.selected_point.rgb == point.rgb  # one undoable step
    # Without a mouse: I, the arrows move the mark from the point (Shift: further), Enter takes the colour under it.
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_I)
    assert hints.overlay.picking and hints.overlay.hasFocus() and hints.overlay.pick_mark() == (point.x, point.y)
    for _ in range(30):
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        if hints.overlay.pick_mark()[0] >= 120:
            break
    mark = hints.overlay.pick_mark()
    shown_at_mark = rgb_at(page, mark[0] + 0.5, mark[1] + 0.5)
    with qtbot.waitSignal(hints.hints_edited, timeout=10_000):
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Return)
    assert said[-1] == "The hint point took %s from the photo." % ("#%02x%02x%02x" % shown_at_mark)
    assert len(edits) == 1 and edits.selected_point.rgb == shown_at_mark and (edits.selected_point.x, edits.selected_point.y) == (point.x, point.y)
    assert not hints.overlay.picking and not hints.panel.pick_button.isChecked()


def test_hints_belong_to_their_photo_across_switching_and_models(
    hint_model, window, qtbot, big_grey, grey_photo, tmp_path, wait_all_coloured
):
    page = window.colourise_page
    hints = page.hints
    other = grey_photo(tmp_path / "album" / "pier.png", width=120, height=90, seed=5)
    show(page, qtbot, big_grey, hint_model)
    page.add_paths([other])
    wait_all_coloured(page, 2)
    first, second = page.queue.keys()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == first and final, timeout=20_000):
        page.queue.select(first)  # (an added photo is selected: back to the first)
    hints.set_active(True)
    click_photo(page, 30, 30)
    assert hints.overlay.edits is hints.edits_for(first) and len(hints.edits_for(first)) == 1

    with qtbot.waitSignal(page.view_updated, timeout=20_000):
        page.queue.select(second)
    assert hints.overlay.edits is hints.edits_for(second) and len(hints.edits_for(second)) == 0
    click_photo(page, 10, 10)
    click_photo(page, 50, 50)
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: key == first, timeout=20_000):
        page.queue.select(first)
    assert [(p.x, p.y) for p in hints.overlay.edits.points] == [(30, 30)]
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    assert page.saved_as(first) and page.saved_as(second)

    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model("alpha-test")  # takes no hints: its own colours, hint mode greyed out
    assert not hints.toggle_action.isEnabled() and not hints.active
    assert page.saved_as(first) is None and page.saved_as(second) is None  # other colours than the files hold
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model(hint_model)
    assert page.saved_as(first) == tmp_path / "out" / "street-colourised.png"  # as it was saved, again
    assert len(hints.edits_for(first)) == 1 and len(hints.edits_for(second)) == 2
    page.remove_items([second])
    assert second not in hints.edits


def test_hinted_colours_are_at_the_shown_photos_own_strength(hint_model, window, qtbot, big_grey, grey_photo, tmp_path, wait_all_coloured):
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    page.add_paths([grey_photo(tmp_path / "album" / "pier.png", width=120, height=90, seed=5)])
    wait_all_coloured(page, 2)
    street, pier = page.queue.keys()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == street and final, timeout=20_000):
        page.queue.select(street)
    hints.set_active(True)
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        click_photo(page, 40, 60)
        hints.overlay.recolour_selected(BLUE)
    far = (150, 110)  # a corner far from the hint: (this untrained model's colours are near grey) at most a tinge
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(0)  # the street's strength: the model's colours go grey, the hint keeps its colour
    assert bluish(rgb_at(page, 40, 60)) and np.ptp(rgb_at(page, *far)) < np.ptp(BLUE) / 8
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == pier and final, timeout=20_000):
        page.queue.select(pier)  # 100 %: the slider shows it, which sets nothing
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: key == street and final, timeout=20_000):
        page.queue.select(street)
    assert page.items[street].strength == 0 and bluish(rgb_at(page, 40, 60)) and np.ptp(rgb_at(page, *far)) < np.ptp(BLUE) / 8


def test_a_new_point_changes_nothing_at_a_strength_other_than_100(hint_model, window, qtbot, big_grey):
    """A point starts with the colour shown under it: at 160 % that colour was once made 60 % stronger again."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(160)
    before = [rgb_at(page, x, y) for x, y in ((40, 60), (44, 62), (36, 57))]
    hints.set_active(True)
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        click_photo(page, 40, 60)
    assert hints.edits_for(page.queue.current_key()).points[0].rgb == before[0]
    after = [rgb_at(page, x, y) for x, y in ((40, 60), (44, 62), (36, 57))]
    for was, now in zip(before, after):
        assert max(abs(p - q) for p, q in zip(was, now)) <= 3, (was, now)


def test_saved_hints_file_round_trip_and_the_reload_offer(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    key = page.queue.current_key()
    hints.set_active(True)
    click_photo(page, 40, 60)
    hints.overlay.recolour_selected(BLUE)
    click_photo(page, 150, 10)

    out = tmp_path / "out"
    with qtbot.waitSignal(window.statusBar().messageChanged, check_params_cb=lambda text: text.startswith("Saved"), timeout=20_000) as said:
        assert page.save_all_to(out)
    assert sorted(p.name for p in out.iterdir()) == ["street-colourised.png", "street-colourised.png.hints.json"]
    line = said.args[0]  # it said "Saved 1 photo." alone (the folder shortened in the middle where the bar is narrow)
    assert line.startswith("Saved 1 photo to ") and line.endswith("/out, with its colour hints beside it (.hints.json)."), line
    points = json.loads((out / "street-colourised.png.hints.json").read_text())["points"]
    assert [(p["x"], p["y"]) for p in points] == [(40, 60), (150, 10)]
    assert points[0]["colour"] == "#1e50e6"
    from PIL import Image

    with Image.open(out / "street-colourised.png") as im:  # the saved colours follow the hint too
        assert bluish(im.convert("RGB").getpixel((40, 60)))
        assert im.getexif()[0x0131].endswith(", 2 colour hints")  # and say that a hand was in them

    page.clear_queue()
    offered = []
    monkeypatch.setattr(hints, "ask_reload", lambda found: offered.append(dict(found)) or True)
    show(page, qtbot, big_grey)
    new_key = page.queue.current_key()
    assert new_key != key
    assert offered == [{new_key: out / "street-colourised.png.hints.json"}]
    qtbot.waitUntil(lambda: len(hints.edits_for(new_key)) == 2, timeout=20_000)
    assert hints.edits_for(new_key).as_tuples() == [(40.0, 60.0, BLUE), (150.0, 10.0, hints.edits_for(new_key).points[1].rgb)]
    assert hints.unsaved() == []  # as they are in the file they came from: quitting or removing the photo asks nothing


def test_hint_mode_at_the_smallest_window_gives_the_photo_the_room_the_list_and_panel_can_spare(hint_model, window, qtbot, big_grey):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    window.resize(746, 491)  # the window's smallest in the real window (docs/window-checks.md)
    page.hints.set_active(True)
    assert page.hints.active
    qtbot.waitUntil(lambda: page.splitter.sizes()[2] > 0)
    qtbot.waitUntil(lambda: page.view.width() >= 330)  # the list and panel kept 240 and 232 px and left it 248
    assert page.queue.width() >= page.queue.minimumWidth()
    window.resize(1200, 780)
    qtbot.waitUntil(lambda: page.queue.width() == 240)  # room again: the list takes its width back


def test_a_model_that_takes_no_hints_greys_hint_mode_out(window, qtbot, big_grey):
    page = window.colourise_page
    show(page, qtbot, big_grey)
    action = page.hints.toggle_action
    assert not action.isEnabled()
    assert "takes no hints" in action.toolTip()
    page.hints.set_active(True)
    assert not page.hints.active


def test_the_greyed_out_hint_mode_names_a_model_that_takes_hints_only_if_there_is_one(window, qtbot, big_grey, save_lineage_model, library_dir):
    page = window.colourise_page
    show(page, qtbot, big_grey)
    tip = page.hints.toggle_action.toolTip()
    assert "no model in your library takes hints" in tip and "bundled default" not in tip

    torch.manual_seed(0)
    from engine.modelfile import save_model
    from engine.models import create_model

    model = create_model("colour_unet", hint_input=True, decoder_widths=(16, 16, 16, 16), working_size=64)
    with qtbot.waitSignal(page.library.changed, timeout=5_000):
        save_model(library_dir / "hinted-later.safetensors", model)
    assert page.select_model("hinted-later") and page.select_model("alpha-test")
    assert "(such as “hinted-later”)" in page.hints.toggle_action.toolTip()


def test_the_greyed_out_hint_mode_suggests_the_default_model_where_it_takes_hints(window, qtbot, big_grey, library_dir):
    """It named the first model that takes hints ("colour_unet", sorted before it), not the default."""
    from engine.library import DEFAULT_MODEL
    from engine.modelfile import save_model
    from engine.models import create_model

    page = window.colourise_page
    show(page, qtbot, big_grey)
    torch.manual_seed(0)
    model = create_model("colour_unet", hint_input=True, decoder_widths=(16, 16, 16, 16), working_size=64)
    for name in ("colour_unet", DEFAULT_MODEL):
        with qtbot.waitSignal(page.library.changed, timeout=5_000):
            save_model(library_dir / f"{name}.safetensors", model)
    assert page.select_model("colour_unet") and page.select_model("alpha-test")
    assert f"(such as “{DEFAULT_MODEL}”)" in page.hints.toggle_action.toolTip()


def test_hint_modes_tooltip_names_the_keys_and_fits_the_smallest_window(hint_model, window, qtbot, big_grey):
    """It named the mouse only: a keyboard user read nothing of Enter or N."""
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    action = page.hints.toggle_action
    assert action.isEnabled()
    for tip in (action.toolTip(), action.statusTip()):
        assert "Enter" in tip and "N," in tip
        assert window.fontMetrics().horizontalAdvance(tip) < 746 - 24  # the window's smallest; the status bar shows it whole
    said: list[str] = []
    page.status_message.connect(said.append)
    page.status_kept.connect(said.append)
    page.hints.set_active(True)
    assert any("Enter" in line for line in said)  # the line on entering hint mode names the key too


def test_hint_keys_do_nothing_while_another_tab_is_shown(hint_model, window, qtbot, big_grey):
    # Typing "qa-alpha" on the Train page with the focus off a text field turned hint mode on
    # (and Ctrl+Z undid hints) on the hidden Colourise page.
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.toggle_action.trigger()
    click_photo(page, 40, 60)
    key = page.queue.current_key()
    assert hints.active and len(hints.edits_for(key)) == 1
    hints.toggle_action.trigger()
    assert not hints.active

    window.show_tab("Train")
    tab_bar = window.tabs.tabBar()
    tab_bar.setFocus()
    QTest.keyClick(tab_bar, Qt.Key.Key_H)
    QTest.keyClick(tab_bar, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not hints.active and not hints.toggle_action.isEnabled()
    assert len(hints.edits_for(key)) == 1

    window.show_tab("Colourise")
    assert hints.toggle_action.isEnabled()


def test_quitting_asks_only_while_hints_are_not_saved_as_they_are(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    asked = []
    answer = ["cancel"]
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: asked.append(list(keys)) or answer[0])
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    key = page.queue.current_key()
    assert not window.close() and window.isVisible()  # Cancel: the hints stay, and so does the window
    assert asked == [[key]]

    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    asked.clear()
    assert page.hints.unsaved() == []  # saved beside the photo as they are
    assert page.queue.item_text(key).endswith("Saved") and page.unsaved() == []
    click_photo(page, 150, 10)  # a change since the save
    assert page.hints.unsaved() == [key]
    assert not page.queue.item_text(key).endswith("Saved") and page.unsaved() == [key]  # its colours changed too
    answer[0] = "discard"
    with qtbot.waitSignal(window.closed, timeout=20_000):
        assert window.close()
    assert asked == [[key]]


def read_modal_box(qtbot, press: str, inspect=None) -> dict:
    """Once a message box is up: its text, informative text and button texts, and what ``inspect(box)``
    returns (a dict); then the button ``press`` clicked."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen: dict = {}

    def read() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, read)
            return
        seen.update(text=box.text(), informative=box.informativeText(), buttons=[b.text() for b in box.buttons()])
        seen.update(inspect(box) if inspect is not None else {})
        next(b for b in box.buttons() if b.text() == press).click()

    QTimer.singleShot(0, read)
    return seen


def test_the_quit_question_names_the_photos_and_offers_save_discard_and_cancel(hint_model, window, qtbot, big_grey):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    seen = read_modal_box(qtbot, "Cancel")
    assert not window.close() and window.isVisible()
    assert seen["text"] == "1 photo has colour hints that are not saved: street.png."  # it did not say which
    assert "&Save" in seen["buttons"] and "Quit &Without Saving" in seen["buttons"]  # Discard had no Alt key, and no Save
    assert "Cancel" in seen["buttons"] or "&Cancel" in seen["buttons"]
    assert len(page.hints.edits_for(page.queue.current_key())) == 1  # Cancel kept them


def test_the_quit_question_names_a_few_photos_then_how_many_more():
    from desktop.main_window import unsaved_work_text

    names = ["astronaut.jpg", "coffee.png", "street.png", "sky.png", "sea.png"]
    assert unsaved_work_text(names[:2], hinted=2) == "2 photos have colour hints that are not saved: astronaut.jpg, coffee.png."
    assert unsaved_work_text(names, hinted=5) == (
        "5 photos have colour hints that are not saved: astronaut.jpg, coffee.png, street.png and 2 more."
    )


def test_save_on_quit_saves_the_hinted_photos_then_quits_and_a_folder_not_chosen_keeps_the_window(
    hint_model, window, qtbot, big_grey, tmp_path, monkeypatch
):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    key = page.queue.current_key()
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: "save")
    folder = [""]
    monkeypatch.setattr("desktop.colourise_page.QFileDialog.getExistingDirectory", lambda *a, **k: folder[0])
    assert not window.close() and window.isVisible()  # no folder chosen: nothing saved, nothing lost
    assert page.hints.unsaved() == [key] and page._save_job is None

    out = tmp_path / "out"
    out.mkdir()
    (out / "street-colourised.png").write_bytes(b"someone else's")  # never replaced by a save on quitting
    folder[0] = str(out)
    with qtbot.waitSignal(window.closed, timeout=30_000):
        assert not window.close()  # not yet: it saves first, then closes
    assert sorted(p.name for p in out.iterdir()) == [
        "street-colourised-2.png", "street-colourised-2.png.hints.json", "street-colourised.png"
    ]
    assert (out / "street-colourised.png").read_bytes() == b"someone else's"
    assert json.loads((out / "street-colourised-2.png.hints.json").read_text())["points"][0]["x"] == 40


def test_save_on_quit_saves_a_photo_saved_before_into_its_file_without_asking_where(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    out = tmp_path / "out"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(out)
    click_photo(page, 150, 10)  # a change since
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: "save")
    monkeypatch.setattr("desktop.colourise_page.QFileDialog.getExistingDirectory", lambda *a, **k: pytest.fail("asked where"))
    with qtbot.waitSignal(window.closed, timeout=30_000):
        window.close()
    assert sorted(p.name for p in out.iterdir()) == ["street-colourised.png", "street-colourised.png.hints.json"]
    assert len(json.loads((out / "street-colourised.png.hints.json").read_text())["points"]) == 2


def test_save_on_quit_with_a_model_that_takes_no_hints_keeps_the_hints_beside_the_photo_and_quits(
    hint_model, window, qtbot, big_grey, tmp_path, monkeypatch
):
    """With a model that takes no hints chosen, Save on quitting saved the photo but not its hints, and the window
    stayed open saying "Not quitting": the user's hints could be kept only by choosing another model first."""
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    key = page.queue.current_key()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model("alpha-test")  # takes no hints: its own colours
    assert page.unsaved_work() == [key]  # the hints are still the user's work
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: "save")
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr("desktop.colourise_page.QFileDialog.getExistingDirectory", lambda *a, **k: str(out))
    said = []
    window.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(page.save_ended, timeout=30_000) as ended:
        assert not window.close()  # not yet: it saves first
    assert ended.args == [True]
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)  # then closes
    assert not [line for line in said if line.startswith("Not quitting")], said
    assert sorted(p.name for p in out.iterdir()) == ["street-colourised.png", "street-colourised.png.hints.json"]
    assert json.loads((out / "street-colourised.png.hints.json").read_text())["points"][0]["x"] == 40


def test_removing_a_photo_asks_only_while_its_hints_are_not_saved(hint_model, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch, wait_all_coloured):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.add_paths([grey_photo(tmp_path / "plain.png", seed=3)])
    wait_all_coloured(page, 2)
    hinted, plain = page.queue.keys()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == hinted and final, timeout=20_000):
        page.queue.select(hinted)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    asked, answer = [], [QMessageBox.StandardButton.No]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or answer[0])

    page.queue.remove_requested.emit([plain])  # Delete on a photo without hints: gone at once
    assert asked == [] and page.queue.keys() == [hinted]
    page.queue.remove_requested.emit([hinted])  # ... with hints not saved: asked, and No keeps it
    assert asked[-1].startswith("Take this photo off the queue?\n\nIts colour hints have not been saved")
    assert page.queue.keys() == [hinted] and len(page.hints.edits_for(hinted)) == 1
    answer[0] = QMessageBox.StandardButton.Yes
    page.queue.remove_requested.emit([hinted])
    assert page.queue.keys() == []


def test_a_folder_of_many_photos_is_listed_once_to_find_the_hints_saved_with_them(window, qtbot, tmp_path, grey_photo, monkeypatch):
    from engine.hints import SavedHints, hints_file_for

    album = tmp_path / "album"
    album.mkdir()
    for index in range(40):
        grey_photo(album / f"scan-{index:02}.png", seed=index)
    for stem in ("scan-07", "scan-31"):  # colour versions saved before, with their hints, beside the scans
        hints_file_for(album / f"{stem}-colourised.png").write_text('{"points": []}')
    page, hints = window.colourise_page, window.colourise_page.hints
    listed = []
    list_folder = SavedHints.__init__
    listed_on = []
    monkeypatch.setattr(
        SavedHints, "__init__",
        lambda self, folder, *args: listed.append(Path(folder)) or listed_on.append(threading.current_thread()) or list_folder(self, folder, *args),
    )
    offered = []
    monkeypatch.setattr(hints, "ask_reload", lambda found: offered.append(dict(found)) or False)
    page.add_paths([album])
    qtbot.waitUntil(lambda: bool(offered), timeout=10_000)
    names = {page.items[key].source.path.stem: path.name for key, path in offered[0].items()}
    assert names == {"scan-07": "scan-07-colourised.png.hints.json", "scan-31": "scan-31-colourised.png.hints.json"}
    assert listed == [album]  # once for all 40 photos (a glob for each photo listed it 80 times)
    assert listed_on and threading.main_thread() not in listed_on  # on a worker: a slow network folder must not freeze the window


@pytest.mark.parametrize("folder_name", ["out", "the coloured versions of the family album from grandmother's attic, 1952 to 1961"])
def test_the_reload_question_shows_the_folder_on_a_line_of_its_own_never_broken(window, qtbot, big_grey, tmp_path, folder_name):
    """The folder ran on in the first line, and the box broke its path mid-name onto the next."""
    from PySide6.QtWidgets import QLabel

    page = window.colourise_page
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    folder = tmp_path / folder_name

    def lines_and_details(box) -> dict:  # each line of the two labels, and whether it fits the label whole
        seen = {"details": box.detailedText()}
        for name in ("qt_msgbox_label", "qt_msgbox_informativelabel"):
            label = box.findChild(QLabel, name)
            width = label.contentsRect().width()
            seen[name] = [(line, label.fontMetrics().horizontalAdvance(line) <= width) for line in label.text().splitlines()]
        return seen

    seen = read_modal_box(qtbot, "Not Now", lines_and_details)
    assert not page.hints.ask_reload({key: folder / "street-colourised.png.hints.json"})
    lines = dict(seen["qt_msgbox_label"] + seen["qt_msgbox_informativelabel"])  # (sentences may wrap, between words)
    assert lines.get("street.png  ←  street-colourised.png.hints.json"), lines  # the names on a line of their own, whole
    folder_line = next(line for line in lines if line.startswith("/") or line.startswith("…"))
    assert lines[folder_line], lines  # the folder too, never broken
    if folder_line != str(folder):  # too long for the box: shortened in the middle, and whole under Show Details
        assert "…" in folder_line and folder_line.endswith(folder_name[-3:]) and str(folder) in seen["details"]


def test_saved_hints_bring_back_the_strength_the_photo_was_saved_at(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    """The hints file did not say at what strength the photo was saved: reloaded, the photo opened at 100 %."""
    page = window.colourise_page
    out = saved_at_140_with_a_blue_point(page, qtbot, big_grey, hint_model, tmp_path / "out")
    assert json.loads((out / "street-colourised.png.hints.json").read_text())["strength"] == 1.4

    page.clear_queue()
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: True)
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: len(page.hints.edits_for(key)) == 1, timeout=20_000)
    assert page.items[key].strength == 1.4 and page.strength.value() == 140
    assert "140\u00a0%" in page.queue.item_text(key)
    assert page.unsaved_work() == []  # as in the file it came from: quitting asks nothing
    page.strength.setValue(120)
    assert page.unsaved_work() == [key]


def test_more_colours_opens_beside_the_photo_not_over_the_point(hint_model, window, qtbot, big_grey):
    """The colour dialog opened centred over the window, hiding the point being coloured."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QColorDialog

    window.move(0, 0)
    window.resize(780, 560)  # (the offscreen screen is 800 px wide: no room beside the window)
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    for x in (40, 120):  # a point on the left of the photo, then one on the right
        click_photo(page, x, 60)
        point = page.view.mapToGlobal(page.view.photo_to_widget(QPointF(x + 0.5, 60.5)).toPoint())
        seen = {}

        def read() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, QColorDialog):
                QTimer.singleShot(10, read)
                return
            seen["geometry"] = dialog.frameGeometry()
            dialog.reject()

        QTimer.singleShot(0, read)
        page.hints.panel.picker_button.click()
        assert not seen["geometry"].contains(point), (seen["geometry"], point)
        assert window.screen().availableGeometry().contains(seen["geometry"])  # on screen


def test_the_instruction_for_taking_a_colour_stays_in_the_status_bar_while_the_mark_is_shown(hint_model, window, qtbot, big_grey, monkeypatch):
    """It went after the status bar's 8 s while the mark was still moved about (found by QA)."""
    from desktop.hint_mode import PICK_STATUS, POINT_STATUS

    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 20, 20)
    bar = window.statusBar()
    shown = []
    show_message = bar.showMessage
    monkeypatch.setattr(bar, "showMessage", lambda text, timeout=0: (shown.append((text, timeout)), show_message(text, timeout)))
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_I)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert page.hints.overlay.picking and bar.currentMessage() == PICK_STATUS
    assert shown[-1] == (PICK_STATUS, 0)  # until picking ends, not for a few seconds
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_Escape)
    assert not page.hints.overlay.picking and bar.currentMessage() == POINT_STATUS  # (hint mode's own line again)


def test_a_colour_taken_on_the_before_side_says_it_is_the_after_sides(hint_model, window, qtbot, big_grey):
    """Over the grey "Before" side the status said "The hint point took #304c8f from the photo", a colour seen nowhere
    there (found by QA): a hint takes the colour the After side shows there (a grey one would only take colour out)."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    hints.set_active(True)
    click_photo(page, 20, 20)
    said = []
    page.status_message.connect(said.append)
    after_there = rgb_at(page, 120, 90)
    page.view.set_split(1.0)  # all of the photo on the "Before" side
    assert hints.start_picking()
    with qtbot.waitSignal(hints.hints_edited, timeout=10_000):
        click_photo(page, 120, 90)
    assert said[-1] == "The hint point took %s from the photo: the colour the After side shows there." % ("#%02x%02x%02x" % after_there)
    page.view.set_split(0.0)  # on the "After" side, as before
    shown_there = rgb_at(page, 100, 80)
    assert hints.start_picking()
    with qtbot.waitSignal(hints.hints_edited, timeout=10_000):
        click_photo(page, 100, 80)
    assert said[-1] == "The hint point took %s from the photo." % ("#%02x%02x%02x" % shown_there)


def test_h_and_i_say_why_they_do_nothing(hint_model, window, qtbot, big_grey):
    """H with a model that takes no hints, and I with no point selected, did nothing and said nothing (found by QA)."""
    page = window.colourise_page
    show(page, qtbot, big_grey)  # the library's default here takes no hints
    bar = window.statusBar()
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert not page.hints.active
    assert bar.currentMessage() == page.hints.toggle_action.toolTip() and "takes no hints" in bar.currentMessage()
    assert page.select_model(hint_model)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert page.hints.active and page.hints.overlay.selected_point() is None
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_I)
    assert not page.hints.overlay.picking
    assert bar.currentMessage() == "Take Colour From Photo is for a hint point: select one, or click the photo to pin one."


def test_hint_mode_keeps_a_line_in_the_status_bar_saying_what_to_do_next(hint_model, window, qtbot, big_grey):
    """The line "Hint mode: click the photo…" went after 8 s and the status bar stayed blank while the panel showed a
    point's colours, though nothing there says a point moves or goes (found by QA)."""
    from desktop.hint_mode import HINT_STATUS, POINT_STATUS

    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    bar = window.statusBar()
    page.hints.set_active(True)
    assert bar.currentMessage() == HINT_STATUS
    click_photo(page, 20, 20)
    assert bar.currentMessage() == POINT_STATUS
    window.show_status("Saved street-colourised.png.")  # a passing note...
    bar.clearMessage()  # ...ending, as its time running out ends it
    assert bar.currentMessage() == POINT_STATUS
    window.show_tab("Train")
    assert bar.currentMessage() == ""  # the line is the Colourise page's
    window.show_tab("Colourise")
    assert bar.currentMessage() == POINT_STATUS
    page.hints.set_active(False)
    assert bar.currentMessage() == ""
    for line in (HINT_STATUS, POINT_STATUS):
        assert window.fontMetrics().horizontalAdvance(line) < 746 - 24  # whole in the status bar at the smallest window


def test_the_quit_question_says_a_model_that_takes_no_hints_colours_the_photos_without_them(hint_model, window, qtbot, big_grey):
    """It said "Save saves them in colour … with its hints beside it" while the chosen model would colour them
    without the hints, unsaid (found by QA)."""
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    page.hints.set_active(True)
    click_photo(page, 40, 60)
    seen = read_modal_box(qtbot, "Cancel")
    assert not window.close()
    assert "takes no hints" not in seen["informative"]
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model("alpha-test")  # takes no hints: its own colours
    seen = read_modal_box(qtbot, "Cancel")
    assert not window.close()
    assert ("The model chosen, “alpha-test”, takes no hints: it colours it without its hints "
            "(they are saved beside it all the same).") in seen["informative"]  # (one photo)


def test_a_colour_much_darker_than_the_photo_under_its_point_shows_how_it_looks_there(hint_model, window, qtbot, tmp_path, grey_photo):
    """A dark navy chosen for a light suit shows as a light blue (the photo keeps its lightness); the panel showed
    only the navy, and the QA pass took the light blue for a wrong colour."""
    from PIL import Image

    light = tmp_path / "light.png"
    Image.new("L", (96, 64), 170).save(light)  # L* about 70 all over
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, light, hint_model)
    hints.toggle_action.trigger()
    with qtbot.waitSignal(hints.suggestions_ready, timeout=20_000):
        click_photo(page, 40, 30)
    panel = hints.panel

    panel.choose((0x1F, 0x2A, 0x48))  # navy, L* about 18
    assert panel.seen_label.isVisible() and "lighter" in panel.seen_label.text()
    seen = panel.seen_swatch.pixmap().toImage().pixelColor(10, 10)
    assert seen.blue() > seen.red() + 20 and seen.lightness() > 140  # a light blue: navy's hue at the photo's lightness
    assert "#1f2a48" in panel.seen_label.toolTip()

    panel.choose((180, 160, 120))  # about as light as the photo there: shown as it is, no note
    assert not panel.seen_label.isVisible() and not panel.seen_swatch.isVisible()


def test_the_photo_keeps_its_size_in_hint_mode_when_colouring_the_queue_ends(hint_model, window, qtbot, big_grey, grey_photo, tmp_path):
    """The progress row under the photo went as colouring ended and the fitted photo grew under a point being placed;
    then it kept its room in Hint Mode as a blank strip under the photo while nothing was coloured."""
    page = window.colourise_page
    hints = page.hints
    row = page.progress_row
    show(page, qtbot, big_grey, hint_model)
    hints.toggle_action.trigger()
    qtbot.waitUntil(lambda: not page.cancel_action.isEnabled(), timeout=20_000)  # (the queue's own pass over the photo)
    QTest.qWait(0)  # (the layout settles in the event loop)
    # Nothing is coloured: the row says so quietly, in the same room.
    assert row.isVisible() and row.label.isVisible() and row.label.text() == "No colour hints on this photo yet"
    assert not row.bar.isVisible() and not row.cancel_button.isVisible()
    idle_size = page.view.size()
    page.add_paths([grey_photo(tmp_path / f"more{i}.png", width=96, height=64, seed=i) for i in range(2)])
    qtbot.waitUntil(lambda: row.cancel_button.isVisible() and row.label.text().startswith("Colouring"), timeout=20_000)
    QTest.qWait(0)
    assert page.view.size() == idle_size
    qtbot.waitUntil(lambda: not page.cancel_action.isEnabled(), timeout=60_000)
    QTest.qWait(0)
    assert page.view.size() == idle_size
    assert row.label.isVisible() and row.label.text() == "No colour hints on this photo yet" and not row.bar.isVisible()
    street = page.queue.keys()[0]
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == street and final, timeout=20_000):
        page.queue.select(street)  # (adding selected the first photo added: the street again, for its point)
    assert row.label.text() == "No colour hints on this photo yet"
    pin_blue_at(page, qtbot, 40, 60)
    assert row.label.text() == "1 colour hint on this photo" and page.view.size() == idle_size

    hints.toggle_action.trigger()  # out of Hint Mode the row gives its room back
    qtbot.waitUntil(lambda: page.view.height() > idle_size.height())
    assert row.isHidden()


def test_hints_saved_for_one_photo_are_never_offered_to_a_photo_of_the_same_name_from_another_folder(hint_model, window, qtbot, tmp_path, grey_photo, monkeypatch):
    """After Save All and reopening the folder, the family/ copy (which never had hints) got the other photo's hints and strength."""
    page = window.colourise_page
    photos = tmp_path / "photos"
    top = grey_photo(photos / "1908FamilyPhoto.png", width=160, height=120, seed=4)
    family = grey_photo(photos / "family" / "1908FamilyPhoto.png", width=160, height=120, seed=5)
    assert page.select_model(hint_model)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([photos])
    assert page.items[page.queue.current_key()].source.path == top
    pin_blue_at(page, qtbot, 40, 60)
    out = photos / "coloured"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(out)

    page.clear_queue()
    offered = []
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: offered.append(dict(found)) or True)
    with qtbot.waitSignal(page.status_message, check_params_cb=lambda text: text.startswith("Added"), timeout=20_000):
        page.add_paths([photos])
    by_photo = {page.items[key].source.path: path for key, path in offered[0].items()}
    assert by_photo == {top: out / "1908FamilyPhoto-colourised.png.hints.json"}  # it listed it twice, for both
    family_key = next(key for key, item in page.items.items() if item.source.path == family)
    assert page.hints.hints_of(family_key) == [] and page.items[family_key].strength == 1.0


def test_the_reload_question_names_photos_of_one_name_by_their_sub_folders(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    """It listed "1908FamilyPhoto.jpg ← 1908FamilyPhoto-colourised.png.hints.json" twice, as if one file went to both."""
    page = window.colourise_page
    photos = tmp_path / "photos"
    for relative in ("1908FamilyPhoto.png", "family/1908FamilyPhoto.png"):
        grey_photo(photos / relative)
    page.add_paths([photos])
    wait_all_coloured(page, 2)
    out = photos / "coloured"
    found = {key: out / item.relative.with_name("1908FamilyPhoto-colourised.png.hints.json") for key, item in page.items.items()}
    seen = read_modal_box(qtbot, "Not Now", lambda box: {"details": box.detailedText()})
    assert not page.hints.ask_reload(found)
    assert seen["details"].splitlines() == [  # (whole here; in the box, shortened in the middle to fit)
        f"In {out}:",
        "1908FamilyPhoto.png  ←  1908FamilyPhoto-colourised.png.hints.json",
        "family/1908FamilyPhoto.png  ←  family/1908FamilyPhoto-colourised.png.hints.json",
    ]


def test_each_row_of_the_reload_question_reads_photo_arrow_hints_file_with_the_photo_whole(window, qtbot, tmp_path, grey_photo, wait_all_coloured):
    """QA: only the first row kept its "←"; the others were cut in the photo's name ("family/1850Geography.jp…lourised.jpg.hints.json")."""
    from PySide6.QtWidgets import QLabel

    page = window.colourise_page
    photos = tmp_path / "photos"
    for relative in ("1908FamilyPhoto.jpg", "family/1850Geography.jpg", "family/1874Mexico.jpg"):
        grey_photo(photos / relative)
    page.add_paths([photos])
    wait_all_coloured(page, 3)
    out = photos / "coloured"
    found = {key: out / item.relative.with_name(f"{item.relative.stem}_colourised.jpg.hints.json") for key, item in page.items.items()}

    def rows_and_width(box) -> dict:
        label = box.findChild(QLabel, "qt_msgbox_label")
        metrics = label.fontMetrics()
        return {"rows": label.text().splitlines()[1:], "fits": [metrics.horizontalAdvance(line) <= label.contentsRect().width() for line in label.text().splitlines()[1:]]}

    seen = read_modal_box(qtbot, "Not Now", rows_and_width)
    assert not page.hints.ask_reload(found)
    hints_files = {item.relative.as_posix(): found[key].relative_to(out).as_posix() for key, item in page.items.items()}
    assert len(seen["rows"]) == 3 and all(seen["fits"]), seen
    for row in seen["rows"]:
        place, arrow, hints_file = row.partition("  ←  ")
        assert arrow and place in hints_files, row  # the photo whole, then the arrow
        start, cut, end = hints_file.partition("…")  # then its hints file, shortened in the middle where long
        assert hints_files[place].startswith(start) and hints_files[place].endswith(end) and (cut or start == hints_files[place]), row


def test_a_photo_too_long_for_its_row_keeps_its_name_whole_with_the_hints_file_under_it(qapp):
    from PySide6.QtGui import QFontMetrics

    from desktop.hint_mode import _reload_row
    from desktop.widgets.confirm import as_typed

    metrics = QFontMetrics(qapp.font())
    place = "the family album from grandmother's attic/1850Geography.jpg"
    first, second = _reload_row(place, "x/1850Geography_colourised.jpg.hints.json", metrics, 300).split("\n")
    assert as_typed(first) == f"{place}  ←"  # whole, never wrapped inside
    assert second.startswith("    ") and metrics.horizontalAdvance(second) <= 300 and second.endswith("json")


def test_a_photos_own_strength_without_hints_is_kept_beside_it_and_reloaded(window, qtbot, big_grey, tmp_path, monkeypatch):
    """The quit question promised each photo saved "at its own strength … (.hints.json) to carry on later"; a photo at 80 %
    without hints got no .hints.json, and opened again it was back at 100 %."""
    page = window.colourise_page
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(80)
    assert page.unsaved_work() == [key]
    out = tmp_path / "out"
    monkeypatch.setattr(page, "_ask_save_folder", lambda keys, title: str(out))
    with qtbot.waitSignal(page.saved, timeout=20_000) as saved:
        assert page.save_work([key])  # Save on quitting
    assert saved.args[0].succeeded == 1 and page.unsaved_work() == []
    data = json.loads((out / "street-colourised.png.hints.json").read_text())
    assert data["strength"] == 0.8 and data["points"] == []

    page.clear_queue()
    offered = []
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: offered.append(dict(found)) or True)
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    assert list(offered[0].values()) == [out / "street-colourised.png.hints.json"]
    qtbot.waitUntil(lambda: page.items[key].strength == 0.8, timeout=20_000)
    assert page.strength.value() == 80 and page.hints.hints_of(key) == []
    assert page.unsaved_work() == []  # kept in that file: quitting asks nothing
    assert page.saved_as(key) == out / "street-colourised.png"  # (and the photo beside holds its colours at 80 %)
    qtbot.waitUntil(lambda: page.queue.item_text(key).endswith("Saved"), timeout=20_000)  # (once coloured)


def test_a_photo_reloaded_from_its_saved_files_hints_reads_saved_as_quitting_counts_it(
    hint_model, window, qtbot, big_grey, tmp_path, monkeypatch, wait_all_coloured
):
    """After Reload Hints no row said "Saved", though the file beside holds the colours shown, while quitting asked nothing
    about them: the rows and the quit question disagreed."""
    page = window.colourise_page
    out = saved_at_140_with_a_blue_point(page, qtbot, big_grey, hint_model, tmp_path / "out")

    page.clear_queue()
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: True)
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: len(page.hints.edits_for(key)) == 1, timeout=20_000)
    wait_all_coloured(page, 1)  # (the view can show the hinted colours before the queue has coloured the row: "Working")
    assert page.saved_as(key) == out / "street-colourised.png" and page.queue.item_text(key).endswith("Saved")
    assert page.unsaved_work() == [] and page.unsaved() == []
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(120)
    assert not page.queue.item_text(key).endswith("Saved") and page.unsaved_work() == [key]  # both, as they change
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(140)
    assert page.queue.item_text(key).endswith("Saved") and page.unsaved_work() == []


def test_quitting_asks_about_a_saved_hinted_photos_strength_changed_by_apply_strength_to_all(
    hint_model, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch, wait_all_coloured
):
    """A hinted photo saved at 140 %, then given 158 % by Apply Strength to All, quit without a question: 158 % was the
    default now, but Reload Hints brings back the 140 % of its hint file, so the 158 % was lost."""
    page = window.colourise_page
    saved_at_140_with_a_blue_point(page, qtbot, big_grey, hint_model, tmp_path / "out")
    street = page.queue.current_key()
    assert page.unsaved_work() == []
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key != street and final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "other.png", seed=5)])  # selected: the street is no longer shown
    wait_all_coloured(page, 2)
    page.strength.setValue(158)
    page.strengths.apply_to_all_action.trigger()
    assert page.items[street].strength == 1.58 and page.strengths.default() == 1.58
    assert page.unsaved_work() == [street]  # its hint file says 140 %
    asked = []
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: asked.append(list(keys)) or "cancel")
    assert not window.close() and asked == [[street]]


def test_a_bmp_reloaded_from_its_saved_files_hints_reads_saved_as_the_other_formats_do(
    hint_model, window, qtbot, grey_photo, tmp_path, monkeypatch, wait_all_coloured
):
    """A photo saved as BMP with its hints, reloaded, never read "Saved" (JPEG, PNG and TIFF did): BMP has no room for the
    tag saying how Colourise coloured it, and its folder's record of the BMPs Colourise saved said only that it had."""
    page = window.colourise_page
    photo = grey_photo(tmp_path / "album" / "street.bmp", width=160, height=120, seed=4)
    out = saved_at_140_with_a_blue_point(page, qtbot, photo, hint_model, tmp_path / "out")
    saved = out / "street-colourised.bmp"
    assert saved.is_file()

    page.clear_queue()
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: True)
    show(page, qtbot, photo)
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: len(page.hints.edits_for(key)) == 1, timeout=20_000)
    wait_all_coloured(page, 1)  # (the view can show the hinted colours before the queue has coloured the row: "Working")
    assert page.saved_as(key) == saved and page.queue.item_text(key).endswith("Saved")
    assert page.unsaved_work() == [] and page.unsaved() == []

    # Changed since (another program wrote it), it holds what that program made: not "Saved" when reloaded.
    page.clear_queue()
    Image.open(saved).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(saved)
    show(page, qtbot, photo)
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: len(page.hints.edits_for(key)) == 1, timeout=20_000)
    wait_all_coloured(page, 1)
    assert page.saved_as(key) is None and not page.queue.item_text(key).endswith("Saved")


def test_a_photo_reloaded_under_another_model_than_its_saved_file_was_coloured_with_does_not_read_saved(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    page.clear_queue()
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: True)
    show(page, qtbot, big_grey, "alpha-test")
    key = page.queue.current_key()
    qtbot.waitUntil(lambda: len(page.hints.edits_for(key)) == 1, timeout=20_000)
    assert page.saved_as(key) is None and not page.queue.item_text(key).endswith("Saved")  # its colours are another model's


def test_saving_again_without_the_hints_brings_the_hint_file_beside_up_to_date(hint_model, window, qtbot, big_grey, tmp_path):
    """A hint file from an earlier save of the same file stayed as it was: opened again, the photo got back the hints taken off it."""
    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    key = page.queue.current_key()
    pin_blue_at(page, qtbot, 40, 60)
    target = tmp_path / "out" / "street-colourised.png"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, target)
    assert len(json.loads((target.parent / "street-colourised.png.hints.json").read_text())["points"]) == 1
    page.hints.overlay.clear()
    assert page.hints.hints_of(key) == []
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, target)
    assert json.loads((target.parent / "street-colourised.png.hints.json").read_text())["points"] == []


def test_hint_mode_is_greyed_out_and_h_says_why_while_no_photo_is_shown(hint_model, window, qtbot, big_grey):
    """On the empty window Hint Mode could be switched on: its panel said to click the photo or press Enter, and
    neither did anything (found by QA)."""
    from desktop.hint_mode import NO_PHOTO_TIP

    page = window.colourise_page
    hints = page.hints
    assert page.select_model(hint_model)
    assert not hints.toggle_action.isEnabled() and hints.toggle_action.toolTip() == NO_PHOTO_TIP
    assert page.bar.hint_button.toolTip() == NO_PHOTO_TIP
    bar = window.statusBar()
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert not hints.active and not hints.panel.isVisibleTo(page)
    assert bar.currentMessage() == NO_PHOTO_TIP
    hints.set_active(True)
    assert not hints.active

    show(page, qtbot, big_grey)
    assert hints.toggle_action.isEnabled() and "Enter" in hints.toggle_action.toolTip()
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_H)
    assert hints.active
    page.remove_items([page.queue.current_key()])  # the last photo goes: so does hint mode
    assert not hints.active and not hints.panel.isVisibleTo(page) and not hints.toggle_action.isEnabled()
    assert bar.currentMessage() != "Hint mode: click the photo (or press Enter) to pin a colour; H to leave."


def test_the_view_says_colouring_until_the_hinted_colours_at_a_new_strength_are_shown(hint_model, window, qtbot, big_grey, monkeypatch):
    """Set to 0 % while the hinted colours at 100 % were being made, the photo stayed fully coloured for seconds with
    its corner reading "After": the render at 100 % ending was taken for the new one, and the busy sign went (found
    by QA). The view says "Colouring…" until the colours at the new strength are there, and never shows the old ones."""
    import threading

    import desktop.hint_preview

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    real_render, held = desktop.hint_preview.render_hinted, threading.Event()

    def render_hinted(request, state):  # the render at 100 % waits until the strength has changed
        if request.strength == 1.0:
            held.wait(20)
        return real_render(request, state)

    monkeypatch.setattr(desktop.hint_preview, "render_hinted", render_hinted)

    def corner() -> str:
        return [text for text, _box in page.view.label_boxes(every=True)][-1]

    shown: list[tuple[bool, str, float]] = []  # each picture the hints sent: final, the corner's label, the photo's strength
    hints.preview_updated.connect(lambda key, final: shown.append((final, corner(), page.items[key].strength)))
    hints.overlay.recolour_selected((200, 60, 40))  # its colours at 100 % are being made...
    qtbot.waitUntil(lambda: hints.preview.busy)
    page.strength.setValue(0)  # ...when the strength changes
    assert corner() == "Colouring…"
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        held.set()
        while not (shown and shown[-1][0]):
            assert corner() == "Colouring…"
            qtbot.wait(5)
    qtbot.waitUntil(lambda: not hints.preview.busy, timeout=20_000)
    assert [final for final, _label, _strength in shown].count(True) == 1  # the picture at 0 %, not first the one at 100 %
    assert all(label == "Colouring…" for _final, label, _strength in shown[:-1]) and shown[-1][1] == "After"


@pytest.fixture
def other_hint_model(library_dir) -> str:
    """A second library model that takes hints (other weights)."""
    return _save_hint_model(library_dir, "hinted-other-test", seed=1)


def test_a_new_strength_of_a_hinted_photo_is_rendered_from_its_prediction_without_a_network_pass(
    hint_model, other_hint_model, window, qtbot, big_grey, tmp_path, monkeypatch, wait_all_coloured
):
    """Each strength change of a photo with hints ran the network again (about 10 s on a busy 2-core CPU), though
    its guess does not depend on the strength. The last prediction for the same photo, model and hints is rendered
    at the new strength; new hints or another model still run the network."""
    from desktop.colour_jobs import COLOURISERS
    from desktop.images import qimage_to_photo
    from engine.inference import Colouriser, model_key
    from engine.photo import read_photo

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    wait_all_coloured(page, 1)  # (the row's own colours: a pass of the queue's, before counting)
    pin_blue_at(page, qtbot, 40, 60)
    key = page.queue.current_key()
    predicted = hints.prediction_for(key, model_key(page.current_model_path()))
    assert predicted is not None
    passes = []  # the network's, each as (model, with hints)
    network_pass = Colouriser.predict_many

    def predict_many(self, photos, l_fulls=None, hints=None, *args, **kwargs):
        passes.append((self.name, bool(hints and any(hints))))
        return network_pass(self, photos, l_fulls, hints, *args, **kwargs)

    monkeypatch.setattr(Colouriser, "predict_many", predict_many)

    def shown() -> np.ndarray:
        return qimage_to_photo(page.view.after.image).pixels

    def rendered_at(strength: float) -> np.ndarray:
        return COLOURISERS.get(page.current_model_path()).render(read_photo(big_grey), predicted, strength).pixels

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strength.setValue(40)
    assert passes == []
    assert [text for text, _box in page.view.label_boxes(every=True)][-1] == "After"  # (no longer "Colouring…")
    np.testing.assert_array_equal(shown(), rendered_at(0.4))
    assert not np.array_equal(shown(), rendered_at(1.0))  # (the strength shows)
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.strengths.stronger_action.trigger()  # and again, from the menu
    assert passes == []
    np.testing.assert_array_equal(shown(), rendered_at(0.5))
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, tmp_path / "out" / "street.png")
    assert passes == []
    np.testing.assert_array_equal(read_photo(tmp_path / "out" / "street.png").pixels, shown())  # saved as shown

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        hints.overlay.recolour_selected((200, 60, 40))  # new hints: the network's guess with them
    assert passes == [(hint_model, True)]
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model(other_hint_model)  # another model: its own guess with them
    assert (other_hint_model, True) in passes[1:]


def count_network_passes(monkeypatch) -> list[tuple[str, bool]]:
    """The network's passes from now on, each as (model, with hints), spied on ``Colouriser.predict_many``."""
    from engine.inference import Colouriser

    passes = []
    network_pass = Colouriser.predict_many

    def predict_many(self, photos, l_fulls=None, hints=None, *args, **kwargs):
        passes.append((self.name, bool(hints and any(hints))))
        return network_pass(self, photos, l_fulls, hints, *args, **kwargs)

    monkeypatch.setattr(Colouriser, "predict_many", predict_many)
    return passes


def test_a_hinted_photo_shown_again_is_rendered_from_its_prediction_without_a_network_pass(
    hint_model, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch, wait_all_coloured
):
    """Another photo selected and a photo with hints again ran the network for it (about 10 s on a busy 2-core CPU),
    though its photo, model and hints were as before. The prediction Hint mode keeps for it is rendered, at the
    strength the photo has now."""
    from desktop.colour_jobs import COLOURISERS
    from desktop.images import qimage_to_photo
    from engine.inference import model_key
    from engine.photo import read_photo

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    street = page.queue.current_key()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key != street and final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "other.png", width=64, height=48, seed=2)])  # (selected: the street is not shown)
    wait_all_coloured(page, 2)
    predicted = hints.prediction_for(street, model_key(page.current_model_path()))
    assert predicted is not None
    passes = count_network_passes(monkeypatch)
    page.strength.setValue(150)
    page.strengths.apply_to_all_action.trigger()  # the street's strength changes while it is not shown
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: key == street and final, timeout=20_000):
        page.queue.select(street)
    qtbot.waitUntil(lambda: not page.is_busy() and not hints.preview.busy, timeout=20_000)
    assert passes == []
    assert [text for text, _box in page.view.label_boxes(every=True)][-1] == "After"  # (no longer "Colouring…")
    expected = COLOURISERS.get(page.current_model_path()).render(read_photo(big_grey), predicted, 1.5).pixels
    np.testing.assert_array_equal(qimage_to_photo(page.view.after.image).pixels, expected)
    assert row_blue_share(page, street) > 0.05

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        hints.overlay.recolour_selected((200, 60, 40))  # new hints: the network's guess with them
    assert passes == [(hint_model, True)]


def test_a_new_model_colours_the_hinted_photo_on_screen_with_its_hints_alone(
    hint_model, other_hint_model, window, qtbot, big_grey, tmp_path, monkeypatch, wait_all_coloured
):
    """On a model change the queue coloured the photo on screen without its hints too (about 10 s on a busy 2-core
    CPU), for colours its hinted ones replaced at once. It is coloured with its hints alone: its row and its saved
    file show them, and once its hints are removed it gets the model's own colours."""
    from desktop.colour_jobs import COLOURISERS, COLOURS
    from desktop.images import qimage_to_photo
    from engine.photo import read_photo

    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    passes = count_network_passes(monkeypatch)

    def shown() -> np.ndarray:
        return qimage_to_photo(page.view.after.image).pixels

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        assert page.select_model(other_hint_model)
    wait_all_coloured(page, 1)
    assert passes == [(other_hint_model, True)]
    assert row_blue_share(page, key) > 0.05  # its row shows the hinted colours, by the new model
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, tmp_path / "out" / "street.png")
    assert passes == [(other_hint_model, True)]
    np.testing.assert_array_equal(read_photo(tmp_path / "out" / "street.png").pixels, shown())  # saved as shown

    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        hints.clear_action.trigger()  # no hints: the model's own colours, made now
    wait_all_coloured(page, 1)
    assert passes == [(other_hint_model, True), (other_hint_model, False)]
    colouriser = COLOURISERS.get(page.current_model_path())
    own = COLOURS.cached_prediction(page.items[key].source, colouriser)
    np.testing.assert_array_equal(shown(), colouriser.render(read_photo(big_grey), own).pixels)
    assert row_blue_share(page, key) == 0


def test_a_photo_left_to_its_hinted_colours_is_coloured_by_the_queue_when_they_fail_or_it_is_shown_no_longer(
    hint_model, other_hint_model, library_dir, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch, wait_all_coloured
):
    """After a model change the queue leaves the photo on screen to its colours with its hints. When those fail, or
    another photo is selected before they come, the queue colours it (it does not wait uncoloured for ever)."""
    import threading

    import desktop.hint_preview
    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(2)
    third = create_model("colour_unet", hint_input=True, decoder_widths=(16, 16, 16, 16), working_size=64)
    save_model(library_dir / "hinted-third-test.safetensors", third)
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    wait_all_coloured(page, 1)
    street = page.queue.current_key()
    real_render, held = desktop.hint_preview.render_hinted, threading.Event()

    def render_hinted(request, state):  # the other model's hinted colours fail, the third's wait
        if request.model_path.stem == other_hint_model:
            raise RuntimeError("out of memory")
        if request.model_path.stem == "hinted-third-test":
            held.wait(20)
            return None
        return real_render(request, state)

    monkeypatch.setattr(desktop.hint_preview, "render_hinted", render_hinted)
    said = []
    page.status_message.connect(said.append)
    assert page.select_model(other_hint_model)
    wait_all_coloured(page, 1)  # coloured by the queue (with its hints, in its own pass)
    assert any("Colouring with hints failed" in line for line in said)

    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key != street and final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "pier.png", width=64, height=48, seed=2)])
    wait_all_coloured(page, 2)
    pier = page.queue.keys()[1]
    page.queue.select(street)
    qtbot.waitUntil(lambda: hints._shown is not None and hints._shown[0] == street and not hints.preview.busy, timeout=20_000)
    assert page.select_model("hinted-third-test")  # its hinted colours are on their way...
    qtbot.waitUntil(lambda: page.queue.state(pier).value == "done" and not page.is_busy(), timeout=20_000)
    assert page.queue.state(street).value == "waiting" and hints.preview.busy
    page.queue.select(pier)  # ...when the street is shown no longer
    wait_all_coloured(page, 2)
    held.set()
    qtbot.waitUntil(lambda: not hints.preview.busy, timeout=20_000)


def test_after_a_model_change_a_hinted_photo_not_shown_is_coloured_by_the_queue_with_its_hints_once(
    hint_model, other_hint_model, window, qtbot, big_grey, grey_photo, tmp_path, monkeypatch, wait_all_coloured
):
    """After a model change the queue coloured a photo with hints that was not on screen without them: its row showed
    the model's own colours, though Save wrote the hinted ones. It is coloured with its hints, and selected then, it
    is shown from that prediction, without a network pass more (with or without its hints)."""
    page = window.colourise_page
    hints = page.hints
    show(page, qtbot, big_grey, hint_model)
    pin_blue_at(page, qtbot, 40, 60)
    street = page.queue.current_key()
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key != street and final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "pier.png", width=64, height=48, seed=2)])  # (selected: the street is not shown)
    wait_all_coloured(page, 2)
    passes = count_network_passes(monkeypatch)
    assert page.select_model(other_hint_model)
    wait_all_coloured(page, 2)
    assert row_blue_share(page, street) > 0.05  # its row shows its hinted colours, by the new model
    assert sorted(passes) == [(other_hint_model, False), (other_hint_model, True)]  # the pier's own, the street's hinted

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda key, final: key == street and final, timeout=20_000):
        page.queue.select(street)
    qtbot.waitUntil(lambda: not page.is_busy() and not hints.preview.busy, timeout=20_000)
    assert sorted(passes) == [(other_hint_model, False), (other_hint_model, True)]
    assert row_blue_share(page, street) > 0.05


def test_hints_added_while_the_queue_colours_their_photo_end_in_its_row(
    hint_model, other_hint_model, window, qtbot, big_grey, monkeypatch, wait_all_coloured
):
    """Hints pinned while the queue was colouring that very photo (without them) ended with the queue's thumbnail, the
    model's own colours, in its row, though the view and Save had the hinted ones. The row takes the hinted colours,
    rendered from the prediction they were shown with (no network pass more)."""
    import desktop.colourise_page

    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    wait_all_coloured(page, 1)
    key = page.queue.current_key()
    real_prepare, started, held = desktop.colourise_page.prepare_item, threading.Event(), threading.Event()

    def prepare_item(*args, state):  # the queue's colouring of the photo, held until its hints are shown
        started.set()
        held.wait(20)
        return real_prepare(*args, state=state)

    monkeypatch.setattr(desktop.colourise_page, "prepare_item", prepare_item)
    passes = count_network_passes(monkeypatch)
    assert page.select_model(other_hint_model)
    qtbot.waitUntil(started.is_set, timeout=20_000)
    assert page.photos.working == key  # (its view, coloured first, may have made it done already)
    pin_blue_at(page, qtbot, 40, 60)  # (on the hints' own lane)
    passes.clear()
    monkeypatch.setattr(desktop.colourise_page, "prepare_item", real_prepare)
    held.set()
    wait_all_coloured(page, 1)
    qtbot.waitUntil(lambda: not page.hints.preview.busy, timeout=20_000)
    assert row_blue_share(page, key) > 0.05
    assert passes == []  # its row's hinted colours are rendered from the prediction shown (the queue's was the view's)


def test_a_saves_result_names_its_folder_and_stays_a_while_in_hint_mode(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    """In hint mode the hint instructions kept in the status bar took it over, and nothing said that Save All had
    saved; and "Saved 4 photos…" did not say where (found by QA). The result, with its folder, stays for some
    seconds, whatever the hint line does meanwhile or a tip shown over it; then the hint line comes back."""
    import os

    from PySide6.QtGui import QDesktopServices

    from desktop.hint_mode import HINT_STATUS, POINT_STATUS

    page = window.colourise_page
    show(page, qtbot, big_grey, hint_model)
    bar = window.statusBar()
    page.hints.set_active(True)
    assert bar.currentMessage() == HINT_STATUS
    out = tmp_path / "out"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(out)
    said = bar.currentMessage()
    assert said.startswith("Saved 1 photo to ") and said.endswith(f"{os.sep}out.")
    click_photo(page, 40, 60)  # a point: the hint line changes...
    assert bar.currentMessage() == said  # ...and waits
    bar.showMessage("Colour strength +10 %")  # a menu's tip over it...
    bar.clearMessage()
    assert bar.currentMessage() == said  # ...and gone: the result is back
    assert window.show_folder_button.isVisible()  # beside it: the folder, in the file manager
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    window.show_folder_button.click()
    assert opened == [str(out)]
    window._end_result()  # its seconds are up
    assert bar.currentMessage() == POINT_STATUS and not window.show_folder_button.isVisible()


def test_the_hint_line_under_the_photo_says_saved_while_the_photos_colours_with_its_hints_are_saved(
    hint_model, window, qtbot, big_grey, tmp_path
):
    """The quiet line under the photo in Hint Mode counted its hints ("1 colour hint on this photo") but never said whether
    the colours with them were saved, as the photo's row does ("Saved"): editing hints, the user could not tell."""
    page = window.colourise_page
    row = page.progress_row
    show(page, qtbot, big_grey, hint_model)
    key = page.queue.current_key()
    pin_blue_at(page, qtbot, 40, 60)
    assert row.label.text() == "1 colour hint on this photo"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, tmp_path / "out" / "street-colourised.png")
    assert page.queue.item_text(key).endswith("Saved") and row.label.text() == "1 colour hint on this photo · Saved"
    pin_blue_at(page, qtbot, 100, 80)  # an edit: not saved as it is now
    assert not page.queue.item_text(key).endswith("Saved") and row.label.text() == "2 colour hints on this photo"
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_to_file(key, tmp_path / "out" / "street-colourised.png")  # (the same file, updated)
    assert page.queue.item_text(key).endswith("Saved") and row.label.text() == "2 colour hints on this photo · Saved"
    page.hints.toggle_action.trigger()
    assert row.isHidden()  # (out of Hint Mode no line)


def test_ctrl_z_undoes_the_latest_of_a_hint_edit_and_a_strength_change(hint_model, window, qtbot, big_grey):
    """The QA pass: a point's colour changed, the strength dragged to 182 %, Ctrl+Z: the colour went back, the strength stayed."""
    page = window.colourise_page
    hints = page.hints
    undo, redo = page.undo.undo_action, page.undo.redo_action
    show(page, qtbot, big_grey, hint_model)
    hints.set_active(True)
    for x, y in ((20, 20), (100, 80), (130, 30)):
        click_photo(page, x, y)
    key = page.queue.current_key()
    edits = hints.edits_for(key)
    first = edits.selected_point  # the last one pinned
    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda shown, final: final, timeout=20_000):
        hints.overlay.recolour_selected(BLUE)
    assert len(edits) == 3 and edits.point(first.id).rgb == BLUE and undo.text().replace("&", "") == "Undo Hint"

    def ctrl_z(shift=False):
        modifiers = Qt.KeyboardModifier.ControlModifier | (Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier)
        with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda shown, final: final, timeout=20_000):
            QTest.keyClick(window.windowHandle(), Qt.Key.Key_Z, modifiers)

    with qtbot.waitSignal(hints.preview_updated, check_params_cb=lambda shown, final: final, timeout=20_000):
        page.strength.setSliderDown(True)  # one drag, 100 % to 182 %
        for value in (120, 150, 182):
            page.strength.setValue(value)
        page.strength.setSliderDown(False)
    assert page.items[key].strength == 1.82 and undo.text().replace("&", "") == "Undo Strength"

    ctrl_z()
    assert page.items[key].strength == 1.0 and page.strength.value() == 100
    assert edits.point(first.id).rgb == BLUE and len(edits) == 3  # the hint edit before it stays
    assert undo.text().replace("&", "") == "Undo Hint" and redo.text().replace("&", "") == "Redo Strength"
    ctrl_z()
    assert edits.point(first.id).rgb == first.rgb and page.items[key].strength == 1.0

    ctrl_z(shift=True)  # redo: the same steps the other way
    assert edits.point(first.id).rgb == BLUE and page.items[key].strength == 1.0
    ctrl_z(shift=True)
    assert page.items[key].strength == 1.82 and page.strength.value() == 182 and not redo.isEnabled()

    hints.set_active(False)  # outside Hint Mode a strength is undone too, a hint edit not (its points are out of sight)
    assert undo.isEnabled() and undo.text().replace("&", "") == "Undo Strength"
    ctrl_z()
    assert page.items[key].strength == 1.0 and edits.point(first.id).rgb == BLUE
    assert undo.text().replace("&", "") == "Undo Hint" and not undo.isEnabled()


def test_hints_reloaded_with_their_strength_are_one_step_to_undo(hint_model, window, qtbot, big_grey, tmp_path, monkeypatch):
    """Reloading a hint file of a point and 140 % made two steps: Ctrl+Z put back the strength, and a second the point."""
    page = window.colourise_page
    undo, redo = page.undo.undo_action, page.undo.redo_action
    saved_at_140_with_a_blue_point(page, qtbot, big_grey, hint_model, tmp_path / "out")
    page.clear_queue()
    monkeypatch.setattr(page.hints, "ask_reload", lambda found: True)
    show(page, qtbot, big_grey)
    key = page.queue.current_key()
    edits = page.hints.edits_for(key)
    qtbot.waitUntil(lambda: len(edits) == 1 and page.items[key].strength == 1.4, timeout=20_000)
    page.hints.set_active(True)
    assert undo.isEnabled() and undo.text().replace("&", "") == "Undo Reload Hints"

    def ctrl_z(shift=False):
        modifiers = Qt.KeyboardModifier.ControlModifier | (Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier)
        with qtbot.waitSignal(page.view_updated, check_params_cb=lambda shown, final: shown == key and final, timeout=20_000):
            QTest.keyClick(window.windowHandle(), Qt.Key.Key_Z, modifiers)

    ctrl_z()
    assert len(edits) == 0 and page.items[key].strength == 1.0 and page.strength.value() == 100  # both, at once
    assert not undo.isEnabled() and redo.text().replace("&", "") == "Redo Reload Hints"
    ctrl_z(shift=True)
    assert len(edits) == 1 and page.items[key].strength == 1.4 and page.strength.value() == 140
    assert not redo.isEnabled()
