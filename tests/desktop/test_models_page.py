"""The Models page: the library table, import (good and bad files), rename, delete, compare, score."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from desktop.widgets.confirm import as_typed, unbroken
from engine.batch import PhotoSource


@pytest.fixture
def page(window):
    window.show_tab("Models")
    return window.models_page


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    """Messages the page would show in a warning box (recorded instead of blocking the test)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    return shown


def row_texts(page, name: str) -> list[str]:
    for row in range(page.table.topLevelItemCount()):
        item = page.table.topLevelItem(row)
        if item.data(0, 256) == name:
            return [item.text(c) for c in range(page.table.columnCount())]
    raise AssertionError(f"{name} not in the table")


def test_the_table_describes_each_model(page, library_dir, save_lineage_model):
    save_lineage_model(
        library_dir / "trained.safetensors",
        data=["/photos/train", "/photos/train-extra"], train_photos=1234, epochs=12.0,
        metrics={"psnr": 23.456, "ssim": 0.912, "auc": 0.88, "hue_accuracy": 0.5157},
    )
    page.library.refresh()
    assert page.names() == ["alpha-test", "trained"]
    name, arch, params, data, epochs, validation, date = row_texts(page, "trained")
    assert (name, arch, epochs) == ("trained", "alpha", "12")
    assert params.endswith("k")  # tens of thousands of parameters
    assert data == "1,234 photos from train, train-extra"
    assert validation == "PSNR 23.46 dB · SSIM 0.912 · AuC 0.880 · Hue accuracy 51.6 %"
    assert len(date) == 10 and date[4] == "-"


def test_scores_measured_on_its_own_training_photos_are_marked(page, library_dir, save_lineage_model):
    metrics = {"psnr": 23.456}
    save_lineage_model(library_dir / "tiny.safetensors", metrics=metrics, validated_on="training photos")
    save_lineage_model(library_dir / "held.safetensors", metrics=metrics, validated_on="validation photos")
    save_lineage_model(library_dir / "older.safetensors", metrics=metrics)  # from before models said where: not marked
    page.library.refresh()
    assert [row_texts(page, name)[5] for name in ("tiny", "held", "older")] == [
        "PSNR 23.46 dB (training photos)", "PSNR 23.46 dB", "PSNR 23.46 dB"]
    tips = {page.table.topLevelItem(row).data(0, 256): page.table.topLevelItem(row).toolTip(5)
            for row in range(page.table.topLevelItemCount())}
    assert tips["tiny"] == "Measured on its own training photos: nothing was held out for validation"
    assert tips["held"] == tips["older"] == ""


def test_import_of_a_bad_model_file_says_why_and_adds_nothing(page, qtbot, tmp_path, library_dir, warnings):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{garbage")
    with qtbot.waitSignal(page.import_failed, timeout=10_000) as failed:
        page.import_file(bad)
    assert failed.args[0].startswith("bad.safetensors: ")
    assert "bad.safetensors" in warnings[0]
    assert sorted(p.name for p in library_dir.iterdir()) == ["alpha-test.safetensors"]

    pickle = tmp_path / "model.pt"
    pickle.write_bytes(b"whatever")
    with qtbot.waitSignal(page.import_failed, timeout=10_000) as failed:
        page.import_file(pickle)
    assert "pickle" in failed.args[0]


def test_import_of_a_good_model_adds_it_under_a_free_name(page, qtbot, tmp_path, library_dir, save_lineage_model):
    source = save_lineage_model(tmp_path / "elsewhere" / "alpha-test.safetensors", seed=3)
    with qtbot.waitSignal(page.imported, timeout=10_000) as imported:
        page.import_file(source)
    assert imported.args[0] == library_dir / "alpha-test-2.safetensors"  # the name was taken
    assert "alpha-test-2" in page.names()
    assert source.is_file()  # the original stays where it was
    said = []
    page.status_message.connect(said.append)
    with qtbot.waitSignal(page.imported, timeout=10_000) as again:
        page.import_file(source)  # the same file again: found, not added twice
    assert again.args[0] == library_dir / "alpha-test-2.safetensors" and said[-1] == "That model is in your library already, as alpha-test-2."
    assert sorted(p.name for p in library_dir.iterdir()) == ["alpha-test-2.safetensors", "alpha-test.safetensors"]


def test_rename_and_delete(page, qtbot, library_dir, monkeypatch, warnings, isolated, tmp_path, delete_answers):
    assert page.rename_model("alpha-test", "my-model")
    assert page.names() == ["my-model"]
    assert (library_dir / "my-model.safetensors").is_file()
    assert not page.rename_model("my-model", "bad/name")
    assert "letters, digits" in warnings[-1]

    page.select("my-model")
    page.delete_selected()  # Cancel
    assert page.names() == ["my-model"]  # not confirmed: kept
    title, text, buttons, default = delete_answers.asked[-1]
    assert "trash" in text and (title, buttons, default) == ("Delete Model", ["Cancel", "Delete"], "Cancel")
    delete_answers.reply = "Delete"
    page.delete_selected()
    assert page.names() == []
    assert not (library_dir / "my-model.safetensors").exists()
    trashed = tmp_path / "xdg-data" / "Trash" / "files" / "my-model.safetensors"
    assert trashed.is_file()  # in the trash (send2trash), not gone


def test_where_there_is_no_trash_delete_says_it_is_for_good_before_deleting(page, library_dir, monkeypatch, warnings, delete_answers):
    import desktop.models_page as models_page

    def no_trash(path):
        raise OSError(13, "no trash can be used on this drive")

    monkeypatch.setattr(models_page, "move_to_trash", no_trash)
    assert not page.delete_model("alpha-test")
    title, text, buttons, _default = delete_answers.asked[-1]
    assert "for good" in title.lower() and "cannot be brought back" in text and buttons == ["Cancel", "Delete"]
    assert (library_dir / "alpha-test.safetensors").is_file()  # cancelled: kept
    delete_answers.reply = "Delete"
    assert page.delete_model("alpha-test")
    assert not (library_dir / "alpha-test.safetensors").exists() and page.names() == []


def test_the_rename_dialog_keeps_its_title_and_stays_open_on_a_bad_name(page, library_dir, monkeypatch, save_lineage_model):
    from desktop.models_page import RenameDialog

    save_lineage_model(library_dir / "taken.safetensors", seed=3)
    page.library.refresh()
    page.select("alpha-test")
    tries = iter(["taken", "bad name!", "holiday"])
    shown = []

    def answer(dialog):
        dialog.show()  # its width as shown: QInputDialog's layout overrode a minimum set on the dialog itself
        shown.append((dialog.windowTitle(), dialog.labelText(), dialog.width()))
        dialog.hide()
        dialog.setTextValue(next(tries))
        return QDialog.DialogCode.Accepted

    from PySide6.QtWidgets import QDialog

    monkeypatch.setattr(RenameDialog, "exec", answer)
    page.rename_selected()
    assert [title for title, _label, _width in shown] == ["Rename Model"] * 3
    assert "exists already" in shown[1][1] and "letters, digits" in shown[2][1]  # the reason, in the reopened dialog
    assert all(width >= 420 for _t, _l, width in shown)
    assert sorted(page.names()) == ["holiday", "taken"]


def _two_photos_coloured_with(name, window, page, library_dir, tmp_path, grey_photo, save_lineage_model, wait_all_coloured):
    """A library model ``name``, chosen on the Colourise tab, which colours two photos with it; (that page, its file)."""
    path = save_lineage_model(library_dir / f"{name}.safetensors", seed=4)
    page.library.refresh()
    colourise = window.colourise_page
    assert colourise.select_model(name)
    colourise.add_paths([grey_photo(tmp_path / "a.png"), grey_photo(tmp_path / "b.png", seed=1)])
    wait_all_coloured(colourise, 2)
    return colourise, path


def test_renaming_the_model_in_use_keeps_it_chosen_without_colouring_again(window, page, qtbot, library_dir, tmp_path, grey_photo, save_lineage_model, wait_all_coloured):
    colourise, _ = _two_photos_coloured_with("other", window, page, library_dir, tmp_path, grey_photo, save_lineage_model, wait_all_coloured)
    states = []
    colourise.queue.model().dataChanged.connect(lambda *_: states.append([colourise.queue.state(k).value for k in colourise.queue.keys()]))
    assert page.rename_model("other", "portraits")
    assert colourise.current_model_name() == "portraits"
    assert colourise.model_box.currentText().startswith("portraits")
    assert [colourise.queue.state(k).value for k in colourise.queue.keys()] == ["done", "done"]
    assert not any("waiting" in row or "working" in row for row in states)  # nothing was queued again
    assert not colourise.is_busy()


def test_deleting_the_model_in_use_says_so_before_and_after(window, page, qtbot, library_dir, tmp_path, grey_photo, save_lineage_model, wait_all_coloured, delete_answers):
    """Deleting the Colourise tab's model coloured all its photos again with the default, and said nothing (a QA pass)."""
    unused = save_lineage_model(library_dir / "unused.safetensors", seed=5)
    colourise, finetuned = _two_photos_coloured_with(
        "qa-finetuned", window, page, library_dir, tmp_path, grey_photo, save_lineage_model, wait_all_coloured
    )
    said = []
    page.status_message.connect(said.append)
    delete_answers.reply = "Delete"

    page.select("qa-finetuned")
    page.delete_selected()
    assert delete_answers.asked[-1][1] == (
        "Move the model “qa-finetuned” to the trash?\n\n"
        "The Colourise tab colours its 2 photos with it: they will be coloured again with the default model, “alpha-test”.\n\n"
        f"{unbroken(finetuned)}"
    )
    assert colourise.current_model_name() == "alpha-test"
    assert said[-1] == "qa-finetuned moved to the trash: the Colourise tab now colours its 2 photos with alpha-test."
    assert window.statusBar().currentMessage() == said[-1]
    wait_all_coloured(colourise, 2)

    page.select("unused")  # a model nothing uses: asked and told as before
    page.delete_selected()
    assert delete_answers.asked[-1][1] == f"Move the model “unused” to the trash?\n\n{unbroken(unused)}"
    assert said[-1] == "unused moved to the trash."


def test_deleting_the_model_in_use_names_the_default_it_switches_to(window, page, isolated, save_lineage_model, delete_answers):
    """The question said "the default model" without naming it, as if the user knew which one that was (a QA pass)."""
    import engine.library

    save_lineage_model(engine.library.bundled_models_dir() / "default.safetensors", seed=2)
    tuned = save_lineage_model(isolated / "qa-tuned.safetensors", seed=4)
    page.library.refresh()
    assert window.colourise_page.select_model("qa-tuned")
    page.select("qa-tuned")
    page.delete_selected()  # (answered Cancel)
    assert delete_answers.asked[-1][1] == (
        "Move the model “qa-tuned” to the trash?\n\n"
        "The Colourise tab uses it: it will switch to the default model, “default (bundled)”.\n\n"
        f"{unbroken(tuned)}"
    )


def test_bundled_models_cannot_be_renamed_or_deleted(page, warnings, isolated, tmp_path, save_lineage_model):
    import engine.library

    save_lineage_model(engine.library.bundled_models_dir() / "shipped.safetensors")
    page.library.refresh()
    page.select("shipped")
    assert not page.rename_button.isEnabled() and not page.delete_button.isEnabled()
    assert not page.delete_model("shipped")
    assert (engine.library.bundled_models_dir() / "shipped.safetensors").is_file()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="Explorer and Finder are always there")
def test_show_file_without_a_file_manager_says_where_the_model_is(page, library_dir, monkeypatch):
    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no file manager (a bare Linux desktop)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    page.select("alpha-test")
    page.reveal_button.click()
    assert notes == [f"Could not open a file manager. The folder is:\n{library_dir}"]


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_show_file_without_explorer_or_finder_says_where_the_model_is(page, library_dir, monkeypatch, platform):
    import subprocess

    import desktop.models_page as models_page

    def no_such_program(command, *args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", command[0])

    notes = []
    monkeypatch.setattr(models_page.sys, "platform", platform)
    monkeypatch.setattr(subprocess, "Popen", no_such_program)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    page.select("alpha-test")
    page.reveal_button.click()  # (raised FileNotFoundError into Qt's event loop: nothing happened)
    assert notes == [f"Could not open a file manager. The folder is:\n{library_dir}"]


def test_compare_colours_one_photo_with_each_ticked_model(page, qtbot, tmp_path, library_dir, grey_photo, save_lineage_model):
    save_lineage_model(library_dir / "other.safetensors", seed=5)
    page.library.refresh()
    page.set_checked(["alpha-test", "other"])
    assert page.checked_names() == ["alpha-test", "other"]
    photo = grey_photo(tmp_path / "compare.png")
    with qtbot.waitSignal(page.compared, timeout=20_000) as done:
        page.compare(PhotoSource(photo.name, path=photo), page.checked_names())
    assert done.args[0] == 2
    assert [name for name, _label in page.tiles] == ["Grey original", "alpha-test", "other"]
    assert all(not label.pixmap().isNull() for _name, label in page.tiles)


def test_one_ticked_model_can_be_compared_with_the_grey_photo_as_the_hint_says(page, qtbot, tmp_path, grey_photo):
    """The hint asked for two or more models, but the buttons work with one: it is shown beside the grey photo."""
    page.set_checked(["alpha-test"])
    assert page.compare_button.isEnabled() and page.score_button.isEnabled()
    assert "one or more" in page.compare_hint.text() and "grey" in page.compare_hint.text()
    photo = grey_photo(tmp_path / "compare.png")
    with qtbot.waitSignal(page.status_message) as started:
        with qtbot.waitSignal(page.compared, timeout=20_000):
            page.compare(PhotoSource(photo.name, path=photo), page.checked_names())
    assert started.args[0] == "Colouring compare.png with 1 model…"
    assert [name for name, _label in page.tiles] == ["Grey original", "alpha-test"]


def test_score_ticked_models_on_a_folder_next_to_the_grey_baseline(page, qtbot, tmp_path, library_dir, colour_photo, save_lineage_model):
    save_lineage_model(library_dir / "other.safetensors", seed=5)
    page.library.refresh()
    for i in range(3):
        colour_photo(tmp_path / "holiday" / f"p{i}.png", width=48, height=32, seed=i)
    (tmp_path / "holiday" / "broken.jpg").write_bytes(b"not a photo")
    page.set_checked(["alpha-test", "other"])
    assert page.score_button.isEnabled()
    said = []
    page.status_message.connect(said.append)
    with qtbot.waitSignal(page.scored, timeout=30_000) as done:
        page.score(tmp_path / "holiday", page.checked_names())
        assert not page.score_button.isEnabled() and not page.compare_button.isEnabled()  # one job at a time
    assert done.args[0] == 2 and said[-1] == "Scored 2 models on 3 photos of holiday."
    assert any(text.startswith("Scoring alpha-test: photo ") for text in said)
    rows = page.scores.row_texts()
    assert list(rows) == ["Grey baseline", "alpha-test", "other"]
    assert rows["Grey baseline"][2] == "0.0 %" and rows["alpha-test"][0].endswith(" dB")  # grey has no hue at all
    assert rows["alpha-test"][3].endswith(")") and rows["alpha-test"][3].split(" (")[1] == rows["other"][3].split(" (")[1]  # originals'
    assert rows["alpha-test"] != rows["other"]  # two models, two sets of numbers
    assert page.score_button.isEnabled()
    page.scores.setFocus()
    QTest.keyClick(page.scores, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0].split("\t") == ["model", "PSNR", "a/b AuC", "Hue accuracy", "Colourfulness", "Colourfulness gap", "False colour"]
    assert copied[2].split("\t") == ["alpha-test", *rows["alpha-test"]]
    (tmp_path / "greys").mkdir()
    Image.fromarray(np.full((16, 16), 90, np.uint8)).save(tmp_path / "greys" / "g.png")
    with qtbot.waitSignal(page.scored, timeout=30_000):
        page.score(tmp_path / "greys", ["other"])
    assert said[-1] == "No colour photos to score on in greys (greyscale and unreadable ones are skipped)."
    assert page.scores.row_texts() == {"other": ["no colour photos to score on", "", "", "", "", ""]}


def test_a_model_used_from_the_table_colours_on_the_colourise_page(window, page, library_dir, save_lineage_model):
    save_lineage_model(library_dir / "second.safetensors", seed=2)
    page.library.refresh()
    page.use_model_requested.emit("second")
    assert window.tabs.currentIndex() == 0
    assert window.colourise_page.current_model_name() == "second"


def save_unknown_architecture_model(path: Path) -> Path:
    """A model file whose metadata names "tiny": an architecture only a plugin registers, and none is installed."""
    from engine.modelfile import save_model
    from engine.models import create_model

    model = create_model("alpha")
    model.arch_name = "tiny"
    return save_model(path, model)


def test_a_model_of_an_unknown_architecture_is_greyed_with_why_and_cannot_be_chosen_to_colour(window, page, library_dir):
    """It was listed as a normal model, and the Colourise tab offered it: every photo then failed."""
    from PySide6.QtGui import QPalette

    save_unknown_architecture_model(library_dir / "tiny-api.safetensors")
    page.library.refresh()
    reason = "unknown architecture 'tiny': see README, Custom architectures"
    item = next(page.table.topLevelItem(row) for row in range(page.table.topLevelItemCount())
                if page.table.topLevelItem(row).data(0, Qt.ItemDataRole.UserRole) == "tiny-api")
    assert item.text(1) == "tiny" and item.text(3) == reason
    assert all(reason in item.toolTip(column) for column in range(page.table.columnCount()))
    grey = page.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert all(item.foreground(column).color() == grey for column in range(page.table.columnCount()))
    assert item.data(0, Qt.ItemDataRole.CheckStateRole) is None  # no tick box: Compare and Score would fail
    page.select("tiny-api")
    assert not page.use_button.isEnabled() and page.delete_button.isEnabled()
    page.use_model_requested.emit("tiny-api")
    assert window.statusBar().currentMessage() == f"Cannot colour photos with “tiny-api”: {reason}."
    picker = window.colourise_page.model_box
    index = picker.findData("tiny-api")
    assert not picker.model().item(index).isEnabled() and picker.itemData(index, Qt.ItemDataRole.ToolTipRole) == reason
    assert window.colourise_page.current_model_name() == "alpha-test"


def test_export_saves_a_copy_of_the_model_file_where_chosen(page, qtbot, library_dir, tmp_path, monkeypatch, warnings, save_lineage_model):
    from PySide6.QtWidgets import QFileDialog

    model = save_lineage_model(library_dir / "mine.safetensors")
    page.library.refresh()
    page.select("mine")
    assert page.export_button.isEnabled()
    offered = []
    shared = tmp_path / "shared"
    shared.mkdir()

    def save_as(_parent, title, start, _filter):
        offered.append((title, start))
        return str(shared / "for-a-friend"), ""  # typed without the suffix

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    with qtbot.waitSignal(page.exported, timeout=10_000) as exported:
        page.export_button.click()
    assert offered[0][0] == "Export Model" and offered[0][1].endswith("/mine.safetensors")  # named after the model
    assert exported.args == [shared / "for-a-friend.safetensors"]
    assert (shared / "for-a-friend.safetensors").read_bytes() == model.read_bytes()
    assert [p.name for p in shared.iterdir()] == ["for-a-friend.safetensors"]  # (no temporary left behind)

    page.export_model("mine", library_dir / "mine.safetensors")  # the library file itself: refused, never emptied
    qtbot.waitUntil(lambda: bool(warnings), timeout=10_000)
    assert warnings[-1] == "Export failed: mine.safetensors: that is the model's own file; choose another place or name"
    assert (library_dir / "mine.safetensors").read_bytes() == model.read_bytes()

    page.export_model("mine", tmp_path / "no-such-folder" / "x.safetensors")
    qtbot.waitUntil(lambda: len(warnings) == 2, timeout=10_000)
    assert warnings[-1] == "Export failed: x.safetensors: cannot export (No such file or directory)"


def test_export_onto_another_model_of_the_library_is_refused_and_both_files_are_kept(page, qtbot, library_dir, isolated, tmp_path, warnings, save_lineage_model):
    """Export onto another model's file, "Replace" confirmed in the file dialog, once made that model a byte copy
    of this one: its weights gone for good, and the run that made it pointing at the wrong ones."""
    import engine.library

    mine = save_lineage_model(library_dir / "mine.safetensors")
    other = save_lineage_model(library_dir / "other.safetensors", seed=5)
    shipped = save_lineage_model(engine.library.bundled_models_dir() / "shipped.safetensors", seed=6)
    page.library.refresh()
    before = {path: path.read_bytes() for path in (mine, other, shipped)}
    said = []
    page.status_message.connect(said.append)
    for target, expected in (
        (other, "Export failed: other.safetensors: that is your model “other” in the library; choose another place or name"),
        (library_dir / "other", "Export failed: other.safetensors: that is your model “other” in the library; choose another place or name"),
        (shipped, "Export failed: shipped.safetensors: that is the bundled model “shipped”; choose another place or name"),
    ):
        count = len(warnings)
        page.export_model("mine", target)
        qtbot.waitUntil(lambda: len(warnings) > count, timeout=10_000)
        assert warnings[-1] == expected and said[-1] == expected
    assert {path: path.read_bytes() for path in before} == before
    assert sorted(p.name for p in library_dir.iterdir()) == ["alpha-test.safetensors", "mine.safetensors", "other.safetensors"]


def test_export_over_another_file_moves_that_file_to_the_trash(page, qtbot, library_dir, tmp_path, warnings, save_lineage_model):
    """Replacing a file outside the library (confirmed in the file dialog) no longer destroys it for good."""
    model = save_lineage_model(library_dir / "mine.safetensors")
    page.library.refresh()
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "for-a-friend.safetensors").write_bytes(b"last year's model")
    said = []
    page.status_message.connect(said.append)
    with qtbot.waitSignal(page.exported, timeout=10_000):
        page.export_model("mine", shared / "for-a-friend.safetensors")
    assert (shared / "for-a-friend.safetensors").read_bytes() == model.read_bytes()
    from send2trash import plat_other  # (it reads XDG_DATA_HOME once, on import: its trash may be an earlier test's)

    assert (Path(plat_other.HOMETRASH) / "files" / "for-a-friend.safetensors").read_bytes() == b"last year's model"
    assert said[-1] == f"Exported mine to {shared / 'for-a-friend.safetensors'} (the file it replaced is in the trash)."
    assert [p.name for p in shared.iterdir()] == ["for-a-friend.safetensors"] and not warnings


def test_rows_are_as_tall_as_their_tick_boxes_and_bundled_models_say_so_in_one_space(page, isolated, tmp_path, save_lineage_model):
    import engine.library
    from PySide6.QtWidgets import QStyle

    save_lineage_model(engine.library.bundled_models_dir() / "shipped.safetensors")
    page.library.refresh()
    page.show()
    assert row_texts(page, "shipped")[0] == "shipped (bundled)"
    item = page.table.topLevelItem(0)
    box = page.table.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorHeight, None, page.table)
    assert page.table.visualItemRect(item).height() >= box + 4


def test_the_score_folder_dialog_says_what_to_choose(page, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    titles = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _parent, title, _start: titles.append(title) or "")
    page.set_checked(["alpha-test"])
    page.score_button.click()
    assert titles == ["Choose a folder of colour photos to score the ticked models on"]


@contextlib.contextmanager
def scoring_held(page, qtbot, folder, monkeypatch, model: str = "mine"):
    """Score Ticked running on the page's lane, held until the block ends: what happens in the block happened while
    it ran (checked), then the scoring ends."""
    import threading

    import desktop.models_page

    scoring, go_on = threading.Event(), threading.Event()

    def score_models(models, folder, *, state):  # a slow scoring, held until the block is done
        scoring.set()
        go_on.wait(20)
        return len(models)

    monkeypatch.setattr(desktop.models_page, "score_models", score_models)
    page.score(folder, [model])
    qtbot.waitUntil(scoring.is_set, timeout=10_000)
    try:
        yield
        assert not go_on.is_set() and page._compare_job is not None and not page._compare_job.done  # scoring still on
    finally:
        with qtbot.waitSignal(page.scored, timeout=10_000):
            go_on.set()


def test_export_does_not_wait_for_scoring_to_end(page, qtbot, library_dir, tmp_path, monkeypatch, warnings, save_lineage_model):
    """Export waited behind Score Ticked on the page's one worker lane: minutes for a file copy."""
    model = save_lineage_model(library_dir / "mine.safetensors")
    page.library.refresh()
    with scoring_held(page, qtbot, tmp_path, monkeypatch), qtbot.waitSignal(page.exported, timeout=10_000) as exported:
        assert page.export_model("mine", tmp_path / "copy.safetensors")
    assert exported.args == [tmp_path / "copy.safetensors"] and (tmp_path / "copy.safetensors").read_bytes() == model.read_bytes()
    assert not warnings


def test_import_does_not_wait_for_scoring_to_end(page, qtbot, library_dir, tmp_path, monkeypatch, save_lineage_model):
    """Import waited behind Score Ticked on the page's one worker lane, as Export did."""
    save_lineage_model(library_dir / "mine.safetensors")
    outside = save_lineage_model(tmp_path / "theirs.safetensors", seed=1)
    page.library.refresh()
    with scoring_held(page, qtbot, tmp_path, monkeypatch), qtbot.waitSignal(page.imported, timeout=10_000) as imported:
        page.import_file(outside)
    assert imported.args[0].parent == library_dir


def test_the_delete_question_never_breaks_the_models_path_inside_itself(page, isolated, save_lineage_model, delete_answers, line_breaks):
    """QA: the Delete question wrapped the path at its hyphen, "…/models/qa-" over "one.safetensors"."""
    path = save_lineage_model(isolated / "qa-one.safetensors", seed=3)
    page.library.refresh()
    page.select("qa-one")
    page.delete_selected()  # (answered Cancel)
    text = delete_answers.asked[-1][1]
    path_line = text.splitlines()[-1]
    assert as_typed(path_line) == str(path)  # on a line of its own, reading as the path
    assert line_breaks(path_line) == []  # nowhere to break it


def test_a_model_that_cannot_be_deleted_is_named_whole_on_a_line_of_its_own(page, isolated, save_lineage_model, monkeypatch, warnings, delete_answers, line_breaks):
    """QA: "qa-one.safetensors: cannot delete (…)" wrapped inside the file's name, at its hyphen."""
    import desktop.models_page as models_page

    path = save_lineage_model(isolated / "qa-one.safetensors", seed=3)
    page.library.refresh()
    unlink = Path.unlink

    def no_trash(_path):
        raise OSError(13, "no trash can be used on this drive")

    def read_only(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return unlink(self, *args, **kwargs)

    monkeypatch.setattr(models_page, "move_to_trash", no_trash)
    monkeypatch.setattr(Path, "unlink", read_only)
    delete_answers.reply = "Delete"
    assert not page.delete_model("qa-one")
    name_line = next(line for line in warnings[-1].splitlines() if as_typed(line) == path.name)  # on a line of its own
    assert line_breaks(name_line) == [] and "cannot delete" in warnings[-1]
