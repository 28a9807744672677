"""Colour strength per photo: the slider shows and sets the selected photos' own, and saving writes each at its own."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from engine.data import mean_chroma
from engine.photo import read_photo


def is_grey(image: QImage) -> bool:
    return image.convertToFormat(QImage.Format.Format_RGB32).allGray()


@pytest.fixture
def page(window):
    return window.colourise_page


@pytest.fixture
def three(page, qtbot, tmp_path, grey_photo, wait_all_coloured) -> list[int]:
    """Three coloured photos in the queue (the keys, in order), the first one shown at full size."""
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / f"{name}.png", seed=seed) for seed, name in enumerate("abc")])
    wait_all_coloured(page, 3)
    return page.queue.keys()


def select(page, qtbot, key: int) -> None:
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda shown, final: shown == key and final, timeout=20_000):
        page.queue.select(key)


def strengths(page) -> list[float]:
    return [page.items[key].strength for key in page.queue.keys()]


def thumbnail(page, key: int) -> QImage:
    return page.items[key].thumbs[page.photos.model]


def test_each_photo_keeps_its_own_strength_and_selecting_one_is_no_edit(page, qtbot, three):
    a, b, _c = three
    assert page.queue.selected_keys() == [a] and strengths(page) == [1.0, 1.0, 1.0]
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(150)
    assert strengths(page) == [1.5, 1.0, 1.0]
    assert page.queue.item_text(a) == "a.png\nDone · 150\u00a0%" and page.queue.item_text(b) == "b.png\nDone"

    shown = []
    real_show = page.preview.show
    page.preview.show = lambda item, model, strength: (shown.append((item.key, strength)), real_show(item, model, strength))
    with qtbot.assertNotEmitted(page.bar.strength_changed):
        select(page, qtbot, b)
    assert page.strength.value() == 100 and page.bar.strength_label.text() == "100\u00a0%"  # b's own
    assert strengths(page) == [1.5, 1.0, 1.0]  # a kept its 150 %: moving the slider to b's was not an edit
    assert shown == [(b, 1.0)]  # b shown once, at its strength; nothing else re-rendered
    select(page, qtbot, a)
    assert page.strength.value() == 150 and shown[-1] == (a, 1.5)


def test_a_new_photo_takes_the_strength_applied_to_all_not_one_photos_own(page, qtbot, three, tmp_path, grey_photo):
    """One photo checked at 0 % made every photo added after it open grey, in the next session too."""
    a, b, _c = three
    page.strength.setValue(0)  # a alone
    select(page, qtbot, b)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "d.png", seed=4)])
    assert strengths(page) == [0.0, 1.0, 1.0, 1.0] and page.strength.value() == 100  # d, selected once added
    assert page.queue.selected_keys() == [page.queue.keys()[-1]]  # d alone: the slider would set d only
    page.strength.setValue(70)
    page.strengths.apply_to_all_action.trigger()
    page.add_paths([grey_photo(tmp_path / "e.png", seed=5)])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 5 and page.queue.current_key() == page.queue.keys()[-1], timeout=20_000)
    assert strengths(page) == [0.7] * 5 and page.strength.value() == 70
    assert "70\u00a0%" in page.queue.item_text(page.queue.keys()[-1])
    assert page.bar.default_strength() == 0.7  # and in the next session


def test_with_no_photo_queued_the_slider_sets_the_strength_photos_will_take(page, qtbot, tmp_path, grey_photo):
    page.strength.setValue(130)
    assert page.bar.default_strength() == 1.3
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "a.png")])
    assert strengths(page) == [1.3]


def test_the_slider_sets_every_selected_photo_and_their_thumbnails_follow(page, qtbot, three):
    a, b, c = three
    page.queue.item(1).setSelected(True)  # Ctrl+click b: a (shown) and b selected
    assert sorted(page.queue.selected_keys()) == [a, b] and page.queue.current_key() == a
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(0)
    assert strengths(page) == [0.0, 0.0, 1.0]
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert is_grey(page.view.after.image)
    assert is_grey(thumbnail(page, a)) and is_grey(thumbnail(page, b)) and not is_grey(thumbnail(page, c))

    page.strengths.stronger_action.trigger()  # Ctrl+]: on the selection too
    assert strengths(page) == [0.1, 0.1, 1.0]


def test_apply_strength_to_all_photos_sets_every_photo_and_their_thumbnails(page, qtbot, window, three, tmp_path, grey_photo):
    a, b, c = three
    apply_all = page.strengths.apply_to_all_action
    assert apply_all in window.menuBar().actions()[1].menu().actions()  # Edit, beside More / Less Colour
    page.strength.setValue(180)  # a
    select(page, qtbot, b)
    page.strength.setValue(0)  # b, and the default
    select(page, qtbot, a)  # the slider shows 180 %
    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=5_000) as said:
        apply_all.trigger()
    assert said.args == ["Strength 180 % applied to 3 photos."]
    assert strengths(page) == [1.8, 1.8, 1.8]
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
    assert not any(is_grey(thumbnail(page, key)) for key in three)  # b's and c's thumbnails made anew
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: final, timeout=20_000):
        page.add_paths([grey_photo(tmp_path / "d.png", seed=4)])
    assert strengths(page)[-1] == 1.8  # what every photo has, a new one takes too

    page.remove_items(page.queue.keys())
    assert not apply_all.isEnabled()  # nothing to apply it to


def test_undo_apply_strength_gives_each_photo_its_own_strength_back(page, qtbot, window, three):
    a, b, c = three
    undo = page.strengths.undo_apply_action
    assert undo in window.menuBar().actions()[1].menu().actions() and not undo.isEnabled()  # nothing applied yet
    page.strength.setValue(150)  # a: hand-set
    select(page, qtbot, b)
    page.strength.setValue(40)  # b: hand-set
    page.strength.setValue(170)  # b again
    select(page, qtbot, c)
    page.strength.setValue(60)  # c (none of them the default: still 100 %)
    select(page, qtbot, a)
    page.strengths.apply_to_all_action.trigger()
    assert strengths(page) == [1.5, 1.5, 1.5] and undo.isEnabled()

    with qtbot.waitSignal(window.statusBar().messageChanged, timeout=5_000) as said:
        undo.trigger()
    assert said.args == ["Strengths put back as they were before Apply Strength to All Photos."]
    assert strengths(page) == [1.5, 1.7, 0.6]
    assert page.strengths.default() == 1.0  # a photo added now takes what it would have before
    assert page.strength.value() == 150 and not undo.isEnabled()  # the slider shows a's; one undo only
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)

    page.strengths.apply_to_all_action.trigger()
    page.strength.setValue(90)  # an edit after the apply: undoing would now undo it too
    assert not undo.isEnabled()
    page.strengths.apply_to_all_action.trigger()
    page.remove_items(page.queue.keys())
    assert not undo.isEnabled()  # nothing left to give a strength back to


def test_save_all_writes_each_photo_at_its_own_strength(page, qtbot, three, tmp_path):
    a, b, c = three
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(0)
    select(page, qtbot, c)
    page.strength.setValue(200)
    with qtbot.waitSignal(page.saved, timeout=20_000) as saved:
        assert page.save_all_to(tmp_path / "out")
    assert saved.args[0].succeeded == 3
    chroma = {name: mean_chroma(read_photo(tmp_path / "out" / f"{name}-colourised.png").pixels) for name in "abc"}
    assert chroma["a"] < 0.01 < chroma["b"] < chroma["c"], chroma  # 0 %, 100 %, 200 %
    said = {name: Image.open(tmp_path / "out" / f"{name}-colourised.png").getexif()[0x0131] for name in "abc"}
    assert said["a"].endswith(", strength 0 %") and said["c"].endswith(", strength 200 %") and "strength" not in said["b"]



def test_a_saved_photo_says_so_until_its_strength_changes(page, qtbot, three, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    a, b, c = three
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    assert all(page.queue.item_text(key).endswith("Done · Saved") for key in three)
    assert page.queue.saved_as(a) == tmp_path / "out" / "a-colourised.png" and page.unsaved() == []
    assert "Saved as " + str(tmp_path / "out" / "a-colourised.png") in page.queue.item(0).toolTip()

    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(0)  # a, shown: the file no longer holds what the view shows
    assert page.queue.item_text(a).endswith("Done · 0\u00a0%") and page.queue.saved_as(a) is None
    assert page.unsaved() == [a] and page.queue.item_text(b).endswith("Done · Saved")
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, title, text, *a: asked.append(text) or QMessageBox.StandardButton.No)
    assert not page.clear_queue() and "1 coloured photo has not been saved" in asked[-1]

    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(100)  # back as it was saved
    assert page.queue.item_text(a).endswith("Done · Saved") and page.unsaved() == []


def test_quitting_asks_about_a_strength_set_by_hand_while_its_row_does_not_say_saved(page, qtbot, window, three, tmp_path, monkeypatch):
    """A photo's own strength is the user's work, as its hints are: quitting lost it without a word."""
    a, b, c = three
    asked = []
    monkeypatch.setattr(window, "ask_unsaved_work", lambda keys: asked.append(list(keys)) or "cancel")
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(140)  # a alone; the photos open at 100 % again
    assert not window.close() and asked == [[a]]
    assert page.unsaved_work() == [a] and not page.queue.item_text(a).endswith("Saved")

    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    assert page.queue.item_text(a).endswith("Saved") and page.unsaved_work() == []  # saved at 140 %: nothing to lose

    select(page, qtbot, b)
    page.strength.setValue(60)
    assert page.unsaved_work() == [b]
    page.strengths.apply_to_all_action.trigger()  # every photo at 60 %, the strength photos open at now
    assert page.unsaved_work() == [a]  # but a's file beside it says 140 %: reloaded, it would lose the 60 %


def test_the_quit_question_says_strengths_when_photos_have_them():
    from desktop.main_window import unsaved_work_text

    assert unsaved_work_text(["a.png"], hinted=0) == "1 photo has a colour strength that is not saved: a.png."
    assert unsaved_work_text(["a.png", "b.png"], hinted=0) == "2 photos have colour strengths that are not saved: a.png, b.png."
    assert unsaved_work_text(["a.png", "b.png"], hinted=1) == "2 photos have colour hints or strengths that are not saved: a.png, b.png."


def drag_strength(page, qtbot, key: int, values: list[int]) -> None:
    """The slider held down and moved through ``values`` (as the mouse drags it), then let go; ``key``'s colours shown in full."""
    slider = page.strength
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda shown, final: shown == key and final, timeout=20_000):
        slider.setSliderDown(True)
        for value in values:
            slider.setValue(value)
        slider.setSliderDown(False)


def press_undo(window, qtbot, page, key: int, redo: bool = False) -> None:
    """Ctrl+Z (Ctrl+Shift+Z: redo) from the keyboard, and ``key``'s colours shown anew in full."""
    modifiers = Qt.KeyboardModifier.ControlModifier | (Qt.KeyboardModifier.ShiftModifier if redo else Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda shown, final: shown == key and final, timeout=20_000):
        QTest.keyClick(window.windowHandle(), Qt.Key.Key_Z, modifiers)


def test_ctrl_z_puts_a_strength_back_and_the_colours_and_saved_state_follow(page, qtbot, window, three, tmp_path):
    """Ctrl+Z undid only hints (greyed out outside Hint Mode): a strength dragged to 182 % stayed there."""
    a, b, _c = three
    undo, redo = page.undo.undo_action, page.undo.redo_action
    assert undo in window.menuBar().actions()[1].menu().actions() and not undo.isEnabled()  # nothing done yet
    with qtbot.waitSignal(page.saved, timeout=20_000):
        assert page.save_all_to(tmp_path / "out")
    before = page.view.after.image.copy()
    drag_strength(page, qtbot, a, [110, 140, 182])
    assert strengths(page) == [1.82, 1.0, 1.0] and page.queue.saved_as(a) is None
    assert undo.isEnabled() and undo.text().replace("&", "") == "Undo Strength"

    press_undo(window, qtbot, page, a)
    assert strengths(page) == [1.0, 1.0, 1.0] and page.strength.value() == 100
    assert page.view.after.image == before  # the colours as they were, and as the file saved holds them
    assert page.queue.item_text(a).endswith("Done · Saved") and page.unsaved() == []
    assert not undo.isEnabled() and redo.isEnabled() and redo.text().replace("&", "") == "Redo Strength"

    press_undo(window, qtbot, page, a, redo=True)
    assert strengths(page) == [1.82, 1.0, 1.0] and page.strength.value() == 182 and page.queue.saved_as(a) is None
    assert undo.isEnabled() and not redo.isEnabled()

    select(page, qtbot, b)  # each photo its own history: b has nothing to undo, a keeps its step
    assert not undo.isEnabled()
    select(page, qtbot, a)
    assert undo.isEnabled()


def test_one_drag_of_the_strength_slider_is_one_step_and_each_key_another(page, qtbot, window, three):
    a, _b, _c = three
    drag_strength(page, qtbot, a, [101, 120, 150, 150, 182])
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda shown, final: shown == a and final, timeout=20_000):
        page.strength.setFocus()
        QTest.keyClick(page.strength, Qt.Key.Key_PageDown)  # a typed value: 172 %
    assert strengths(page)[0] == 1.72
    press_undo(window, qtbot, page, a)
    assert strengths(page)[0] == 1.82
    press_undo(window, qtbot, page, a)
    assert strengths(page)[0] == 1.0 and page.strength.value() == 100  # the whole drag, at once
    assert not page.undo.undo_action.isEnabled()


def test_the_quit_questions_details_say_it_for_one_photo_and_them_for_several():
    """QA: "1 photo has a colour strength that is not saved: 1850Geography.jpg. Save saves them in colour…"."""
    import re

    from desktop.main_window import unsaved_work_details

    for hinted in (0, 1):
        for no_hints_model in (None, "alpha-test"):
            one = unsaved_work_details(1, hinted, no_hints_model)
            assert not re.search(r"\b(them|others|each|photos)\b", one), one
            assert one.startswith("Save saves it in colour") and one.endswith("Quitting without saving loses it.")
    for count, hinted in ((2, 0), (2, 1), (2, 2), (5, 3)):
        for no_hints_model in (None, "alpha-test"):
            several = unsaved_work_details(count, hinted, no_hints_model)
            assert several.startswith("Save saves them in colour, each") and several.endswith("loses them."), several
            if hinted and no_hints_model:
                assert f"“{no_hints_model}”, takes no hints" in several
                the_hinted = "the hinted photo without its hints (they are" if hinted == 1 else "the hinted photos without them (their hints are"
                assert the_hinted in several, several


def wheel(widget, notches: int) -> None:
    """The mouse wheel turned ``notches`` over ``widget`` (up: positive)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(
        centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(widget, event)


def test_a_held_arrow_key_or_a_spun_wheel_on_the_slider_is_one_step_once_it_pauses(page, qtbot, window, three):
    """Holding an arrow key on the slider made one step to undo per key repeat, and each wheel notch another."""
    a, _b, _c = three
    slider = page.strength
    slider.setFocus()
    steps = lambda: len(page.undo.histories[a].done) if a in page.undo.histories else 0  # noqa: E731
    for _ in range(6):  # an arrow held down: a press each repeat
        QTest.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 106
    qtbot.waitUntil(lambda: steps() == 1, timeout=5_000)  # once the keys pause
    for _ in range(4):
        wheel(slider, 1)
    assert slider.value() > 106
    spun = strengths(page)[0]
    qtbot.waitUntil(lambda: steps() == 2, timeout=5_000)
    assert strengths(page)[0] == spun
    press_undo(window, qtbot, page, a)
    assert strengths(page)[0] == 1.06 and slider.value() == 106  # the wheel's notches, at once
    press_undo(window, qtbot, page, a)
    assert strengths(page)[0] == 1.0 and slider.value() == 100  # the held key's presses, at once
    assert not page.undo.undo_action.isEnabled()


def test_a_strength_set_on_several_photos_is_one_step_undone_on_all_of_them(page, qtbot, window, three):
    """With two photos selected, Ctrl+Z put back the shown photo's strength alone: the other kept the new one until
    it was shown and undone by itself."""
    a, b, c = three
    undo, redo = page.undo.undo_action, page.undo.redo_action
    page.queue.item(1).setSelected(True)  # Ctrl+click b: a (shown) and b selected
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == a and final, timeout=20_000):
        page.strength.setValue(150)
    assert strengths(page) == [1.5, 1.5, 1.0] and undo.text().replace("&", "") == "Undo Strength"
    assert undo.statusTip() == "Put back the colour strength this photo and 1 other had before (100 % here)"
    press_undo(window, qtbot, page, a)
    assert strengths(page) == [1.0, 1.0, 1.0]  # both, at once
    assert not undo.isEnabled() and redo.text().replace("&", "") == "Redo Strength"
    press_undo(window, qtbot, page, a, redo=True)
    assert strengths(page) == [1.5, 1.5, 1.0] and not redo.isEnabled()

    select(page, qtbot, b)  # from either photo it spans
    assert undo.isEnabled() and undo.text().replace("&", "") == "Undo Strength"
    with qtbot.waitSignal(page.view_updated, check_params_cb=lambda key, final: key == b and final, timeout=20_000):
        page.strength.setValue(120)  # b alone, since
    select(page, qtbot, a)
    press_undo(window, qtbot, page, a)  # a's latest step: on b it is not the latest, b keeps its 120 %
    assert strengths(page) == [1.0, 1.2, 1.0]
    select(page, qtbot, b)
    press_undo(window, qtbot, page, b)
    assert strengths(page) == [1.0, 1.5, 1.0]
    press_undo(window, qtbot, page, b)  # then b's part of the step on both
    assert strengths(page) == [1.0, 1.0, 1.0] and not undo.isEnabled()
    assert c not in page.undo.histories


def test_ctrl_z_straight_after_apply_strength_to_all_undoes_it_though_the_shown_photo_had_that_strength(page, qtbot, window, three):
    """QA: Ctrl+Z right after the apply undid the shown photo's own drag (it already had the strength applied, so the
    apply was no step of its) and greyed out Undo Apply Strength; the other photos kept the strength applied."""
    a, b, c = three
    drag_strength(page, qtbot, a, [110, 118])
    page.strengths.apply_to_all_action.trigger()
    assert strengths(page) == [1.18, 1.18, 1.18]
    undo = page.undo.undo_action
    assert undo.isEnabled() and "2 others" in undo.statusTip()
    undo.trigger()  # Ctrl+Z
    assert strengths(page) == [1.18, 1.0, 1.0] and page.strength.value() == 118  # the apply undone, a's drag kept
    assert page.undo.redo_action.isEnabled()
    undo.trigger()
    assert strengths(page) == [1.0, 1.0, 1.0]  # then a's drag
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)


def test_ctrl_z_on_apply_strength_to_all_gives_new_photos_the_strength_they_took_before(page, qtbot, window, three):
    """Ctrl+Z on the apply kept its strength as the one photos added take (Edit > Undo Apply Strength put it back)."""
    a, b, c = three
    page.strength.setValue(150)  # a's own: photos added still take 100 %
    page.strengths.apply_to_all_action.trigger()
    assert strengths(page) == [1.5, 1.5, 1.5] and page.strengths.default() == 1.5
    undo, redo = page.undo.undo_action, page.undo.redo_action
    undo.trigger()  # Ctrl+Z
    assert strengths(page) == [1.5, 1.0, 1.0] and page.strengths.default() == 1.0
    redo.trigger()  # Ctrl+Shift+Z: the apply again, the default with it
    assert strengths(page) == [1.5, 1.5, 1.5] and page.strengths.default() == 1.5
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=20_000)
