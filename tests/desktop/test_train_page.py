"""The Train page: dataset counts, a tiny run with live curves that lands in the library, Stop and Resume."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from engine.events import TrainingCancelled, TrainingFinished


@pytest.fixture
def dataset(tmp_path, grey_photo, colour_photo) -> Path:
    folder = tmp_path / "colour-photos"
    for i in range(4):
        colour_photo(folder / f"c{i}.png", seed=i)
    grey_photo(folder / "grey.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    return folder


@pytest.fixture
def page(window, dataset):
    window.show_tab("Train")
    page = window.train_page
    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    page.data_picker.edit.setText(str(dataset))
    page.field("epochs").set_value(2)
    page.field("batch_size").set_value(2)
    page.field("image_size").set_value(16)
    page.field("lr").set_value(0.01)
    page.name_edit.setText("tiny")
    return page


def test_the_dataset_picker_counts_usable_grey_and_broken_photos(page, qtbot, dataset):
    with qtbot.waitSignal(page.scan_finished, timeout=20_000) as scanned:
        page.scan("data")
    kind, scan = scanned.args
    assert kind == "data" and scan.usable == 4
    assert page.data_summary.text() == "4 colour photos (1 greyscale and 1 unreadable will be skipped)"
    assert page.data_summary.toolTip() == "Left out:\nbroken.jpg: not an image (or in a format Colourise cannot read)\ngrey.png: greyscale"
    (dataset / "c0 (1).png").write_bytes((dataset / "c0.png").read_bytes())  # the same photo saved twice
    with qtbot.waitSignal(page.scan_finished, timeout=20_000) as scanned:
        page.scan("data")
    assert scanned.args[1].usable == 4
    assert page.data_summary.text() == "4 colour photos (1 greyscale, 1 copy and 1 unreadable will be skipped)"
    assert page.data_summary.toolTip().endswith("\ngrey.png: greyscale\nc0.png: the same file as c0 (1).png")
    from engine.photo import Photo, read_photo, with_software, write_photo

    coloured = with_software(Photo(read_photo(dataset / "c1.png").pixels), "Colourise 0.1.0, model default")
    write_photo(coloured, dataset / "c1-colourised.png")  # a colour version saved beside its photo
    with qtbot.waitSignal(page.scan_finished, timeout=20_000) as scanned:
        page.scan("data")
    assert scanned.args[1].usable == 4
    assert page.data_summary.text() == "4 colour photos (1 greyscale, 1 copy, 1 coloured by Colourise and 1 unreadable will be skipped)"
    page.field("image_size").set_value(52)  # larger than the 40 px photos: the line follows the crop size
    assert page.data_summary.text().endswith("; all 4 are smaller than the 48 px crops and will be enlarged, which blurs colours")
    page.field("image_size").set_value(32)  # (alpha's crops are multiples of 8: 52 trains on 48 px crops)
    assert page.data_summary.text().endswith("will be skipped)")
    page.arch_box.setCurrentIndex(page.arch_box.findData("colour_unet"))  # (multiples of 32: 32 is its smallest)
    assert page.field("image_size").widget.singleStep() == 32


def test_the_form_shows_the_architecture_defaults(window, dataset):
    from engine.models import get_architecture
    from engine.training import TrainConfig

    page = window.train_page
    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    assert page.arch_description.text() == get_architecture("alpha").description
    assert set(page.arch_fields) == set(get_architecture("alpha").default_config())
    page.arch_box.setCurrentIndex(page.arch_box.findData("model3"))
    defaults = TrainConfig.defaults_for("model3")
    assert page.field("batch_size").value() == defaults.batch_size
    assert page.field("lr").value() == pytest.approx(defaults.lr)
    assert set(page.arch_fields) == set(defaults.arch_params)


def test_changing_architecture_keeps_typed_values_and_says_what_changed(window, qtbot):
    from engine.training import TrainConfig

    page = window.train_page
    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    spin = page.field("batch_size").widget
    spin.selectAll()
    qtbot.keyClicks(spin.lineEdit(), "7")  # typed by the user
    page.name_edit.setText("alpha-sunsets")
    statuses = []
    page.status_message.connect(statuses.append)
    page.arch_box.setCurrentIndex(page.arch_box.findData("model3"))
    defaults = TrainConfig.defaults_for("model3")
    assert page.field("batch_size").value() == 7  # kept
    assert page.field("epochs").value() == defaults.epochs  # untouched: the new architecture's
    assert page.name_edit.text() == "model3-sunsets"  # the name followed the architecture
    said = page.choice_note.text()
    assert said.startswith("Architecture model3:") and "kept your batch size" in said and "name alpha-sunsets → model3-sunsets" in said
    assert not page.choice_note.isHidden() and statuses[-1] == said
    # A typed value survives a second change too, and untouched ones keep following.
    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    assert page.field("batch_size").value() == 7
    assert page.field("epochs").value() == TrainConfig.defaults_for("alpha").epochs


def test_the_page_starts_on_the_default_architecture_with_the_shipped_recipe_scaled_to_the_folder(window, dataset, qtbot):
    from engine.training import TrainConfig
    from engine.training.recipe import shipped_recipe

    recipe = shipped_recipe()
    assert recipe is not None and recipe.arch == "colour_unet"
    page = window.train_page
    assert page.arch_box.currentData() == "colour_unet"
    for name in ("batch_size", "image_size", "optimizer", "schedule", "pretrained"):
        assert page.field(name).value() == getattr(recipe, name), name
    assert page.field("lr").value() == pytest.approx(recipe.lr)
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.data_picker.edit.setText(str(dataset))
        page.scan("data")
    # 4 usable photos, 1 held out: 3 train, one step an epoch (a batch of 16 repeats them), so the recipe's steps.
    assert page.field("epochs").value() == recipe.steps
    page.field("epochs").widget.setValue(3)  # the user's choice survives another count
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.scan("data")
    assert page.field("epochs").value() == 3
    config = page.config()
    assert isinstance(config, TrainConfig) and config.arch == "colour_unet" and config.epochs == 3
    assert config.warmup_steps == recipe.warmup_steps and config.augment == recipe.augment  # not shown, still the recipe's
    assert config.data == [str(dataset)] and config.threads == TrainConfig().threads  # not the dev machine's


def test_the_suggested_epochs_give_the_recipes_steps_over_the_photos_the_run_trains_on(window, tmp_path, colour_photo, qtbot):
    from engine.data import split_paths, steps_per_epoch
    from engine.training.recipe import shipped_recipe

    folder, val_folder = tmp_path / "forty", tmp_path / "val"
    photos = [colour_photo(folder / f"IMG_{i:04d}.png", seed=i) for i in range(40)]
    colour_photo(val_folder / "v.png", seed=99)
    page, steps = window.train_page, shipped_recipe().steps
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.data_picker.edit.setText(str(folder))
        page.scan("data")
    trained = split_paths(photos, page.field("val_fraction").value())[0]
    per_epoch = steps_per_epoch(len(trained), page.field("batch_size").value())
    assert 0 <= page.field("epochs").value() * per_epoch - steps < per_epoch  # was 14,400 epochs of 2 steps on 10 photos
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):  # a validation folder: all 40 train
        page.val_picker.edit.setText(str(val_folder))
        page.scan("val")
    assert page.field("epochs").value() == -(-steps // (40 // page.field("batch_size").value()))


def test_the_wheel_scrolls_the_form_instead_of_changing_an_unfocused_setting(window, qtbot):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    page = window.train_page
    window.show_tab("Train")
    window.resize(900, 560)  # small enough that the form scrolls
    qtbot.waitUntil(lambda: page.settings_scroll.verticalScrollBar().maximum() > 0)
    bar = page.settings_scroll.verticalScrollBar()

    def wheel(widget, notches=-1):
        centre = QPointF(widget.rect().center())
        event = QWheelEvent(
            centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120 * notches),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
        )
        QApplication.sendEvent(widget, event)

    optimiser, epochs = page.field("optimizer").widget, page.field("epochs").widget
    before = (optimiser.currentText(), epochs.value(), page.arch_box.currentData(), bar.value())
    for widget in (optimiser, epochs, page.arch_box, page.device_box):
        wheel(widget)
    assert (optimiser.currentText(), epochs.value(), page.arch_box.currentData()) == before[:3]
    assert bar.value() > before[3]  # the form scrolled
    epochs.setFocus(Qt.FocusReason.MouseFocusReason)  # clicked: now the wheel is the field's
    qtbot.waitUntil(epochs.hasFocus)
    wheel(epochs, notches=1)
    assert epochs.value() == before[1] + 1


def test_a_form_mistake_is_shown_not_raised(page):
    page.field("lr").widget.setText("fast")
    assert not page.start()
    assert "Learning rate: 'fast' is not a number" in page.state_label.text()
    assert not page.is_training()
    page.field("lr").widget.setText("64")  # typed into the wrong field: a number, but never a learning rate
    assert not page.start()
    assert page.state_label.text() == "Cannot start: Learning rate: expected a number above 0, at most 1, got 64.0."


def test_start_names_every_bad_setting_and_puts_the_cursor_in_the_first(page, qtbot):
    from PySide6.QtWidgets import QApplication

    page.field("lr").widget.setText("64")
    page.field("val_fraction").widget.setText("2")
    page.field("weight_decay").widget.setText("lots")
    assert not page.start()
    assert page.state_label.text() == (
        "Cannot start: Learning rate: expected a number above 0, at most 1, got 64.0; Weight decay: 'lots' is not a number; "
        "Validation share: expected a number from 0 up to (not including) 1, got 2.0."
    )
    lr = page.field("lr").widget
    qtbot.waitUntil(lambda: QApplication.focusWidget() is lr)  # the first named, in the form's order
    assert lr.selectedText() == "64"


def test_too_many_pixels_a_step_names_the_batch_size_and_puts_the_cursor_in_it(page, qtbot):
    from PySide6.QtWidgets import QApplication

    page.field("batch_size").set_value(64)
    page.field("image_size").set_value(2048)
    page.field("lr").widget.setText("fast")
    assert not page.start() and not page.is_training()
    assert page.state_label.text() == (
        "Cannot start: Batch size: 64 crops of 2048 px are 268 million pixels a step (the limit is 67 million): "
        "at most 16 at this image size; Learning rate: 'fast' is not a number."
    )
    batch = page.field("batch_size").widget
    qtbot.waitUntil(lambda: QApplication.focusWidget() is batch)
    assert batch.lineEdit().selectedText() == batch.text()  # ready to be typed over
    page.field("batch_size").set_value(16)  # the largest that fits
    page.field("lr").widget.setText("0.01")
    assert page.config().batch_size == 16


def test_a_line_about_the_form_goes_when_what_it_describes_changes(window, page, qtbot, tmp_path):
    from engine.events import TrainingFailed

    page.field("epochs").fill(9000)  # the app's suggestion for alpha
    page.arch_box.setCurrentIndex(page.arch_box.findData("conv_ae"))
    epochs = page.field("epochs").widget
    assert f"epochs 9,000 → {epochs.text()}" in page.choice_note.text()  # as the spin box writes them
    page.field("epochs").set_value(12)  # the user's own now: the line about it goes
    assert page.choice_note.isHidden()
    page.field("lr").widget.setText("fast")
    assert not page.start() and page.state_label.text().startswith("Cannot start")
    page.field("lr").widget.setText("0.01")
    assert page.state_label.text() == "Not training."
    page._on_finished(TrainingFailed(f"no usable colour photos in {tmp_path}", None))  # as a run on an empty folder ends
    assert page.state_label.text().startswith("Training failed")
    (tmp_path / "other").mkdir()
    page.data_picker.edit.setText(str(tmp_path / "other"))
    page.data_picker.edit.editingFinished.emit()  # another folder
    assert page.state_label.text() == "Not training."


def test_the_name_field_takes_what_rename_takes(page, qtbot):
    from PySide6.QtWidgets import QApplication

    page.name_edit.setText("../evil name")
    assert not page.start() and not page.is_training()
    assert page.state_label.text() == "Cannot start: Name: “../evil name”: use letters, digits, '-', '_' and '.' only."
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.name_edit)
    assert page.name_edit.selectedText() == "../evil name"
    page.name_edit.setText("sunsets_v2.1")
    assert page.config().model_name == "sunsets_v2.1"


def test_a_long_run_estimate_reads_in_days():
    from engine.runs import format_duration

    assert format_duration(47 * 3600 + 59 * 60) == "47 h 59 min"
    assert format_duration(18159 * 3600 + 51 * 60) == "757 days"
    assert format_duration(5_000 * 86400) == "5,000 days"


def test_an_estimate_under_a_second_says_so_not_about_0_s():
    """QA: "About 0 s on this computer" for a tiny run."""
    from desktop.train_page import estimate_text

    assert estimate_text(0.3) == "Under a second on this computer (validation aside)."
    assert estimate_text(0.0) == "Under a second on this computer (validation aside)."
    assert estimate_text(1.2) == "About 1 s on this computer (validation aside)."
    assert estimate_text(185) == "About 3 min 05 s on this computer (validation aside)."


def test_a_tiny_run_trains_draws_its_curves_and_lands_in_the_library(window, page, qtbot):
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.start()
        assert page.is_training() and not page.start_button.isEnabled()
        assert window.stop_training_action.isEnabled() and not window.start_training_action.isEnabled()  # training_started
    event = ended.args[0]
    assert window.start_training_action.isEnabled() and not window.stop_training_action.isEnabled()
    assert isinstance(event, TrainingFinished), getattr(event, "message", event)
    assert page.plot.train.count > 0 and page.plot.val.count > 0
    assert (page.plot.train.y > 0).all()
    assert page.previews.count > 0
    assert "PSNR" in page.metrics_label.text() and "Hue accuracy" in page.metrics_label.text()
    assert event.model_path.stem == "tiny" and event.model_path.is_file()
    # At once in the library, the Colourise picker and the Models table.
    assert window.library.find("tiny") is not None
    assert window.colourise_page.model_box.findData("tiny") >= 0
    assert "tiny" in window.models_page.names()
    page.use_button.click()
    assert window.colourise_page.current_model_name() == "tiny"


def test_the_finished_models_path_is_never_broken_inside_itself(window, page, qtbot, line_breaks):
    """QA: the finished line wrapped the model's path at its hyphen, "…/models/qa-" over "ft.safetensors"."""
    from PySide6.QtWidgets import QLabel

    page.name_edit.setText("qa-ft")
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        assert page.start()
    path = str(window.library.find("qa-ft").path)
    showing = [label for label in page.findChildren(QLabel) if label.isVisibleTo(page) and path in label.text()]
    assert showing  # (said on the page)
    for label in showing:
        if label.wordWrap():
            assert line_breaks(label.text(), label.text().index(path), label.text().index(path) + len(path)) == []
        else:  # on one line, shortened where narrow: the whole path in its tooltip
            assert label.toolTip() == path


def test_colour_photos_with_it_follows_the_model_renamed_and_says_when_it_was_deleted(window, page, qtbot, monkeypatch):
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        assert page.start()
    assert window.models_page.rename_model("tiny", "tiny-renamed")
    renamed = window.library.find("tiny-renamed").path
    assert page.state_label.text() == "Finished: model “tiny-renamed” is in your library:"
    assert page.model_path_label.text() == str(renamed) and page.model_path_label.isVisibleTo(page)
    assert page.use_button.isEnabled()
    page.use_button.click()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Colourise"
    assert window.colourise_page.current_model_name() == "tiny-renamed"

    window.show_tab("Train")
    # (no real trash: send2trash reads where the trash is once, and later tests' trash would be this test's)
    monkeypatch.setattr("desktop.models_page.move_to_trash", lambda path: path.unlink())
    assert window.models_page.delete_model("tiny-renamed", confirm_permanent=False)
    assert page.state_label.text() == "Finished: model “tiny-renamed” has since been removed from your library."
    assert not page.model_path_label.isVisibleTo(page)
    assert not page.use_button.isEnabled() and "no longer in your library" in page.use_button.toolTip()
    window.use_model("tiny-renamed")  # asked anyway (another page): said, not silently ignored
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Train"
    assert window.statusBar().currentMessage() == "Cannot colour photos with “tiny-renamed”: it is no longer in your library."


def _below_the_state_line(page, widget) -> int:
    """How far below the state line (and its button) ``widget`` starts, in pixels."""
    row = (page.state_label, page.model_path_label, page.use_button)  # (the model's file: shown, or its room kept)
    row_bottom = max(w.mapTo(page, w.rect().bottomLeft()).y() for w in row if w.isVisible() or w.sizePolicy().retainSizeWhenHidden())
    return widget.mapTo(page, widget.rect().topLeft()).y() - row_bottom


def test_a_refused_start_after_a_finished_run_hides_its_button_and_bar_until_the_form_changes(window, page, qtbot):
    """The refusal sat beside the finished run's Colour Photos With It and its 100 % bar, as if they were the refused
    run's, with no final period (found by QA); the finished line, its button and its bar come back once the form
    changes. The last run's figures, curves and previews stay throughout, where they were."""
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        assert page.start()
    finished = page.state_label.text()
    assert finished.startswith("Finished:") and page.use_button.isVisibleTo(page)
    assert page.progress.isVisibleTo(page) and page.progress.value() == page.progress.maximum()
    figures = (page.step_label.text(), page.metrics_label.text(), page.plot.train.count, page.previews.count)
    bar_room = _below_the_state_line(page, page.step_label)
    page.field("batch_size").set_value(999)
    page.field("image_size").set_value(512)
    assert not page.start()
    refusal = page.state_label.text()
    assert refusal.startswith("Cannot start: Batch size: 999 crops of 512 px") and refusal.endswith("at this image size.")
    assert not page.use_button.isVisibleTo(page) and not page.progress.isVisibleTo(page)
    assert (page.step_label.text(), page.metrics_label.text(), page.plot.train.count, page.previews.count) == figures
    page.progress.parentWidget().layout().activate()  # (laid out now, as the next paint would)
    assert _below_the_state_line(page, page.step_label) == bar_room  # the figures did not move up into its room
    page.field("batch_size").set_value(2)
    assert page.state_label.text() == finished and page.use_button.isVisibleTo(page)
    assert page.progress.isVisibleTo(page) and page.progress.value() == page.progress.maximum()


def test_the_finished_line_finds_the_model_renamed_outside_the_window(window, page, qtbot):
    """As the Runs tab does (its run folder's own copy, byte for byte): it said the model had been removed."""
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        assert page.start()
    model = window.library.find("tiny").path
    renamed = model.with_name("sunsets" + model.suffix)
    model.rename(renamed)  # by a file manager
    window.library.refresh()  # (as the library's folder watcher does)
    assert page.state_label.text() == "Finished: model “sunsets” is in your library:" and page.model_path_label.text() == str(renamed)
    assert page.use_button.isEnabled() and page.use_button.toolTip() == "Switch to the Colourise tab with the new model"
    page.use_button.click()
    assert window.colourise_page.current_model_name() == "sunsets"


def test_the_finished_model_gone_from_the_library_is_looked_for_again_only_when_the_librarys_files_change(window, page, qtbot, monkeypatch, save_lineage_model):
    """Every library change read every library file's header on the UI thread while the model stayed missing,
    the library's files the same as at the last look."""
    import shutil

    import engine.runs

    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.start()
    looks = []
    real_library_copy_of = engine.runs.library_copy_of

    def library_copy_of(run_dir, library):
        looks.append(run_dir)
        return real_library_copy_of(run_dir, library)

    monkeypatch.setattr(engine.runs, "library_copy_of", library_copy_of)
    model = window.library.find("tiny").path
    kept = shutil.copy(model, model.parent.parent / "kept.safetensors")  # the model, out of the library
    model.unlink()  # by a file manager
    window.library.refresh()
    assert page.state_label.text() == "Finished: model “tiny” has since been removed from your library." and len(looks) == 1
    for _ in range(3):
        window.library.changed.emit()  # (as for a change elsewhere: the bundled models)
    assert len(looks) == 1 and page.state_label.text() == "Finished: model “tiny” has since been removed from your library."
    save_lineage_model(model.with_name("another.safetensors"))  # the library's files change: looked for again
    window.library.refresh()
    assert len(looks) == 2 and not page.use_button.isEnabled()
    shutil.move(kept, model.with_name("back.safetensors"))  # put back under another name
    window.library.refresh()
    assert len(looks) == 3 and page.state_label.text() == "Finished: model “back” is in your library:"
    assert page.model_path_label.text() == str(model.with_name("back.safetensors"))
    assert page.use_button.isEnabled() and ended.args[0].model_path == model


def test_a_run_that_holds_nothing_out_says_it_validates_on_training_photos(page, qtbot):
    page.field("val_fraction").set_value(0.95)  # every one of the 4 photos would be held out: none is
    states = []
    page.stepped.connect(lambda step: states.append(page.state_label.text()))
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.start()
    assert isinstance(ended.args[0], TrainingFinished)
    assert states[0].startswith("Training on cpu: 4 photos, validating on 4 of them (nothing held out: scores are on photos it trains on)")
    assert page.previews.caption == "Training photos after epoch 2 (nothing held out)"
    # the Validation figures say so too, as the Models tab's do (they said nothing: only the previews' caption did)
    from engine.model_summary import ON_TRAINING_PHOTOS, TRAINING_PHOTOS_MARK

    assert "PSNR" in page.metrics_label.text() and page.metrics_label.text().endswith(TRAINING_PHOTOS_MARK)
    assert page.metrics_label.toolTip() == ON_TRAINING_PHOTOS
    page.field("val_fraction").set_value(0.25)  # held out again: no mark
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        assert page.start()
    assert "PSNR" in page.metrics_label.text() and TRAINING_PHOTOS_MARK not in page.metrics_label.text()
    assert page.metrics_label.toolTip() != ON_TRAINING_PHOTOS


def test_stop_keeps_a_checkpoint_and_resume_finishes_the_run(page, qtbot):
    page.field("epochs").set_value(6)
    page.stepped.connect(page.stop)  # stop at the first step reported
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    page.stepped.disconnect(page.stop)
    event = ended.args[0]
    assert isinstance(event, TrainingCancelled)
    assert 0 < event.step < 12
    assert event.checkpoint is not None and event.checkpoint.is_file()
    assert "Checkpoint kept" in page.state_label.text()
    assert page.resume_button.isEnabled()
    assert page.eta_label.text() == "–" and page.speed_label.text() == "–"  # nothing left to estimate
    assert page.use_button.isVisibleTo(page) and "as it stands" in page.use_button.toolTip()
    with qtbot.waitSignal(page.use_model_requested, timeout=20_000) as used:
        page.use_button.click()  # the stopped run's model, kept in the library first
        assert not page.use_button.isEnabled() and page.keeper.busy  # until it is kept
    kept = used.args[0]
    assert kept == f"tiny-step{event.step}" and page.library.find(kept) is not None
    drawn = list(page.plot.train.steps)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.resume()
        assert list(page.plot.train.steps[: len(drawn)]) == drawn  # what was drawn stays, point for point
    assert isinstance(ended.args[0], TrainingFinished)
    assert ended.args[0].run_dir == event.run_dir  # the same run, continued
    assert not page.resume_button.isEnabled()
    steps = list(page.plot.train.steps)
    assert steps[: len(drawn)] == drawn and steps[-1] == page._total_steps and steps == sorted(steps)


def test_a_resume_with_photos_added_since_the_stop_says_where_its_steps_now_end(page, qtbot, dataset, colour_photo):
    """It said nothing: the run kept the steps it started with, which no longer came to the epochs it asked for."""
    page.field("epochs").set_value(6)
    page.stepped.connect(page.stop)  # stop at the first step reported
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    page.stepped.disconnect(page.stop)
    assert isinstance(ended.args[0], TrainingCancelled)
    stopped_at = ended.args[0].step  # (1, or 2 when the stop came as the second step began: 1 step an epoch)
    for i in range(4, 8):
        colour_photo(dataset / f"c{i}.png", seed=i)
    states = []
    page.stepped.connect(lambda step: states.append(page.state_label.text()))
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.resume()
    assert isinstance(ended.args[0], TrainingFinished) and ended.args[0].steps == 6  # 3 photos, 2 a step: 1 step an epoch
    # 7 photos: 3 steps an epoch, the steps left from the epoch reached (1: 5 steps, to epoch 2.67)
    ends = stopped_at + (6 - stopped_at) / 3
    assert states[0] == ("Training on cpu: 7 photos, 1 for validation (1 greyscale and 1 unreadable skipped); the run now has "
                         f"7 training photos where it had 3: it keeps its 6 steps, which now end at epoch {ends:.2f} (it asked for 6).")


def test_a_failed_or_stopped_run_keeps_the_progress_it_reached_on_its_bar(page, qtbot, monkeypatch):
    """A failed run's bar was reset to 0 %, as if it had not begun: it keeps how far the run got, as a stopped
    one does (and a finished one its 100 %)."""
    from engine.events import TrainingFailed
    from engine.training.runfolder import RunFolder

    stopped = stopped_past_a_few_logged_rows(page, qtbot)
    assert isinstance(stopped, TrainingCancelled)
    assert (page.progress.value(), page.progress.maximum()) == (stopped.step, page._total_steps)

    def disk_full(*_args):  # the first epoch's preview cannot be written: the run fails after its first epoch's steps
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RunFolder, "write_preview", disk_full)
    steps = []
    page.stepped.connect(steps.append)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    page.stepped.disconnect(steps.append)
    assert isinstance(ended.args[0], TrainingFailed) and page.state_label.text().startswith("Training failed")
    assert 0 < steps[-1] < page._total_steps
    assert (page.progress.value(), page.progress.maximum()) == (steps[-1], page._total_steps)


def stopped_past_a_few_logged_rows(page, qtbot):
    """Start a 40-epoch run and stop it at step 25 or later; its TrainingCancelled event."""
    page.field("epochs").set_value(40)
    stop_late = lambda step: step >= 25 and page.stop()  # noqa: E731
    page.stepped.connect(stop_late)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    page.stepped.disconnect(stop_late)
    return ended.args[0]


def test_a_remembered_run_that_held_nothing_out_marks_its_figures_as_on_training_photos(page, qtbot):
    from desktop.train_page import TrainPage
    from engine.model_summary import ON_TRAINING_PHOTOS, TRAINING_PHOTOS_MARK

    page.field("val_fraction").set_value(0.95)  # every one of the 4 photos would be held out: none is
    stopped_past_a_few_logged_rows(page, qtbot)
    later = TrainPage(page.library, page.train_lane, page.scan_lane, keeper=page.keeper)  # the next launch
    qtbot.addWidget(later)
    qtbot.waitUntil(lambda: later.state_label.text().startswith("Last run"), timeout=10_000)
    assert "PSNR" in later.metrics_label.text() and later.metrics_label.text().endswith(TRAINING_PHOTOS_MARK)
    assert later.metrics_label.toolTip() == ON_TRAINING_PHOTOS


def test_a_remembered_run_that_held_nothing_out_captions_its_previews_as_training_photos(page, qtbot):
    """After a restart the caption said "Validation photos after epoch N" though nothing was held out (a live run
    said "Training photos after epoch N (nothing held out)"): only TrainingStarted told the previews."""
    from desktop.train_page import TrainPage

    page.field("val_fraction").set_value(0.95)  # every one of the 4 photos would be held out: none is
    stopped_past_a_few_logged_rows(page, qtbot)
    assert page.previews.caption.startswith("Training photos after epoch ")
    later = TrainPage(page.library, page.train_lane, page.scan_lane, keeper=page.keeper)  # the next launch
    qtbot.addWidget(later)
    qtbot.waitUntil(lambda: later.state_label.text().startswith("Last run"), timeout=10_000)
    assert later.previews.caption == page.previews.caption
    assert later.previews.caption.endswith("(nothing held out)")


def test_a_resumed_run_shows_its_whole_logged_history(page, qtbot):
    import json

    run = stopped_past_a_few_logged_rows(page, qtbot).run_dir
    page.plot.clear()  # as in a new session: nothing drawn
    page._show_history(run)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert page.plot.train.count == sum(r["type"] == "train" for r in rows) > 0
    assert page.plot.val.count == sum(r["type"] == "val" for r in rows)
    assert page.plot.run == run


def test_the_live_curve_has_the_points_a_resumed_run_reads_back(page, qtbot):
    """The same density before and after a resume: every logged row (a mean over its steps), not every step event."""
    import json

    run = stopped_past_a_few_logged_rows(page, qtbot).run_dir
    live = (list(page.plot.train.steps), list(page.plot.train.x), list(page.plot.train.y))
    page.plot.clear()
    page._show_history(run)  # as a resume in a new session draws it
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert live == (list(page.plot.train.steps), list(page.plot.train.x), list(page.plot.train.y))
    assert live[0] == [r["step"] for r in rows if r["type"] == "train"] and len(live[0]) >= 3


def test_the_stopped_run_resume_would_continue_is_said_and_drawn_at_the_next_launch(page, qtbot):
    import json

    from desktop.train_page import TrainPage

    stopped = stopped_past_a_few_logged_rows(page, qtbot)
    later = TrainPage(page.library, page.train_lane, page.scan_lane, keeper=page.keeper)  # the next launch
    qtbot.addWidget(later)
    assert later.state_label.text() == "Not training."  # read on a worker, not while the window opens
    qtbot.waitUntil(lambda: later.state_label.text().startswith("Last run"), timeout=10_000)
    total = page._total_steps
    assert later.state_label.text() == f"Last run, {stopped.run_dir.name}: stopped, at step {stopped.step:,} of {total:,}. Resume continues it."
    logged = [json.loads(line) for line in (stopped.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert later.plot.run == stopped.run_dir and later.plot.train.count == sum(r["type"] == "train" for r in logged) > 0
    assert later.resume_button.isEnabled() and later.step_label.text() == f"{stopped.step:,} of {total:,}"
    assert later.progress.value() == stopped.step and later.progress.maximum() == total


def test_a_remembered_run_that_has_finished_since_is_not_offered_to_resume(page, qtbot):
    from desktop import settings
    from desktop.train_page import TrainPage

    page.field("epochs").set_value(1)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    run = ended.args[0].run_dir
    assert (run / "checkpoint.pt").is_file()  # a finished run keeps its checkpoint (for fine-tunes and --resume)
    settings.write("train/last_run", str(run))  # as if it had finished in the command line after the window quit
    later = TrainPage(page.library, page.train_lane, page.scan_lane, keeper=page.keeper)
    qtbot.addWidget(later)
    qtbot.waitUntil(lambda: not later.resume_button.isEnabled(), timeout=10_000)
    assert later.state_label.text() == "Not training." and later.plot.train.count == 0


def test_a_failed_start_leaves_no_numbers_of_the_run_before(page, qtbot, tmp_path, grey_photo):
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        page.start()
    assert page.plot.val.count > 0 and "PSNR" in page.metrics_label.text()
    greys = tmp_path / "greys"
    for i in range(12):
        grey_photo(greys / f"g{i}.png", seed=i)
    page.data_picker.edit.setText(str(greys))  # Start before the folder is counted (once counted, Start is refused)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    assert "12 greyscale" in ended.args[0].message  # the same count as the folder's line would give
    from desktop.train_page import runs_dir

    assert ended.args[0].run_dir is None or not ended.args[0].run_dir.exists()  # a failed Start leaves no folder behind
    assert all((run / "checkpoint.pt").exists() or (run / "metrics.jsonl").exists() for run in runs_dir().iterdir())
    assert page.metrics_label.text() == "–" and page.eta_label.text() == "–" and page.step_label.text() == "–"
    assert page.plot.train.count == 0 and page.plot.val.count == 0


def test_closing_during_training_asks_then_stops_cleanly(window, page, qtbot, monkeypatch):
    page.field("epochs").set_value(100)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    page.start()
    qtbot.waitUntil(lambda: page.plot.train.count > 0, timeout=30_000)
    window.close()
    assert window.isVisible() and page.is_training()  # said no: keeps training
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.closed, timeout=60_000):
        window.close()
    assert not page.is_training()
    stopped = page._last_event
    assert isinstance(stopped, TrainingCancelled) and stopped.checkpoint.is_file()
    # It said the last checkpoint was kept (QA): the stop writes a new one, where it stopped.
    assert asked == ["A model is training. Stop it and quit?\n\n"
                     "Training stops after the current step and saves a checkpoint there; Resume on the Train tab continues from it."]
    from engine.training.checkpoint import load_checkpoint

    assert load_checkpoint(stopped.checkpoint)["step"] == stopped.step


def test_fine_tuning_a_library_model_keeps_its_architecture(window, page, qtbot):
    from engine.modelfile import read_info

    page.arch_box.setCurrentIndex(page.arch_box.findData("model3"))
    page.start_from.setCurrentIndex(page.start_from.findData("alpha-test"))
    assert page.arch_box.currentData() == "alpha" and not page.arch_box.isEnabled()
    assert not page.field("width").widget.isEnabled()  # the weights fix the architecture's parameters
    page.field("epochs").set_value(1)
    page.field("image_size").set_value(16)
    page.name_edit.setText("tuned")
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.start()
    event = ended.args[0]
    assert isinstance(event, TrainingFinished), getattr(event, "message", event)
    info = read_info(event.model_path)
    assert info.arch == "alpha" and info.training["init_from"].endswith("alpha-test.safetensors")


def test_fine_tuning_leaves_only_what_shapes_the_weights_fixed(window, library_dir, dataset):
    from engine.modelfile import save_model
    from engine.models import create_model
    from engine.training.recipe import FINE_TUNE_RECIPE_FILE, shipped_recipe

    page = window.train_page  # as it opens: no setting touched
    page.data_picker.edit.setText(str(dataset))

    save_model(library_dir / "unet.safetensors", create_model("colour_unet", decoder_widths=[8, 8, 8, 8], hint_input=True, class_weight=0.75))
    window.library.refresh()
    page.start_from.setCurrentIndex(page.start_from.findData("unet"))
    assert page.arch_box.currentData() == "colour_unet" and not page.arch_box.isEnabled()
    saved = window.library.find("unet").info.config
    for name in ("decoder_widths", "hint_input", "global_context"):  # the weights' shapes: the model's, fixed
        assert not page.field(name).widget.isEnabled() and page.field(name).value() == saved[name], name
    for name in ("encoder_lr_factor", "decode_temperature", "class_weight"):  # the model's, to change at will
        assert page.field(name).widget.isEnabled() and page.field(name).value() == saved[name], name
    assert page.field("class_weight").value() == 0.75
    page.field("encoder_lr_factor").set_value(0.0)
    assert page.config().arch_params["encoder_lr_factor"] == 0.0
    assert page.config().model_name == "unet-fine-tuned" and page.name_edit.placeholderText().startswith("unet-fine-tuned")
    stage = shipped_recipe(FINE_TUNE_RECIPE_FILE)  # the default's own fine-tune stage: gentler, on larger crops
    assert page.field("lr").value() == stage.lr and page.field("image_size").value() == stage.image_size

    page.start_from.setCurrentIndex(page.start_from.findData(""))  # a new model again: everything open
    assert page.arch_box.isEnabled() and page.field("decoder_widths").widget.isEnabled()
    assert page.field("decoder_widths").value() == shipped_recipe().arch_params["decoder_widths"]  # not the model's
    assert page.field("class_weight").value() == shipped_recipe().arch_params["class_weight"]
    assert page.field("encoder_lr_factor").value() == 0.0  # what the user typed stays
    assert page.field("lr").value() == shipped_recipe().lr and page.field("image_size").value() == shipped_recipe().image_size
    assert page.config().model_name == "colour_unet" and page.name_edit.placeholderText() == "colour_unet (the architecture's name)"


def test_resume_a_run_lists_stopped_runs_and_continues_the_chosen_one(window, page, qtbot, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from desktop.train_page import runs_dir

    page.field("epochs").set_value(60)  # long enough that the stop lands first however busy the machine is
    page.stepped.connect(page.stop)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as stopped:
        page.start()
    page.stepped.disconnect(page.stop)
    assert isinstance(stopped.args[0], TrainingCancelled)
    stopped_run = stopped.args[0].run_dir
    page.field("epochs").set_value(1)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as finished:
        page.start()
    assert isinstance(finished.args[0], TrainingFinished)  # finished: nothing to continue, not listed
    (runs_dir() / "unreadable-run").mkdir()
    (runs_dir() / "unreadable-run" / "checkpoint.pt").write_bytes(b"not a checkpoint")
    (runs_dir() / "unreadable-run" / "config.toml").write_text('arch = "alpha"\n')

    window.resume_training_action.trigger()
    picker = page.run_picker
    qtbot.waitUntil(lambda: picker.table.topLevelItemCount() > 0 or "No stopped" in picker.note.text(), timeout=10_000)
    assert picker.isVisible() and picker.windowTitle() == "Resume a Run"
    rows = [[picker.table.topLevelItem(r).text(c) for c in range(4)] for r in range(picker.table.topLevelItemCount())]
    assert len(rows) == 1
    name, arch, step, saved = rows[0]
    assert name == stopped_run.name and arch == "alpha" and step.startswith(f"{stopped.args[0].step:,} ")
    assert saved[:2] == "20" and picker.resume_button.isEnabled()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as resumed:
        picker.resume_button.click()
    assert isinstance(resumed.args[0], TrainingFinished) and resumed.args[0].run_dir == stopped_run
    window.open_runs_action.trigger()
    page.runs_link.linkActivated.emit("runs")
    assert opened == [str(runs_dir())] * 2


def test_stop_training_is_enabled_only_while_a_model_trains(window, page, qtbot):
    assert not window.stop_training_action.isEnabled() and window.start_training_action.isEnabled()
    page.field("epochs").set_value(40)
    with qtbot.waitSignal(page.training_ended, timeout=60_000):
        page.start()
        assert window.stop_training_action.isEnabled()
        assert not window.start_training_action.isEnabled() and not window.resume_training_action.isEnabled()
        window.stop_training_action.trigger()
    assert not window.stop_training_action.isEnabled() and window.start_training_action.isEnabled()


def test_under_epochs_an_estimate_from_an_earlier_run_of_the_same_kind(page, qtbot):
    from desktop.train_page import estimate_text

    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.scan("data")  # 4 usable photos
    assert page.estimate() is None and page.estimate_label.text() == "About … once a run like this has trained here."  # nothing trained here yet
    page.field("epochs").set_value(6)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.start()
    assert isinstance(ended.args[0], TrainingFinished)
    qtbot.waitUntil(lambda: page.estimate() is not None, timeout=20_000)  # the runs are read again after a run
    seconds, run = page.estimate()
    assert run.arch == "alpha" and run.images_per_second > 0
    held_out = page.field("val_fraction").value()
    steps_per_epoch = max(1, round(4 * (1 - held_out)) // 2)
    assert seconds == pytest.approx(6 * steps_per_epoch * 2 / run.images_per_second)
    assert not page.estimate_label.isHidden() and page.estimate_label.text() == estimate_text(seconds)  # (a tiny run: under a second)
    page.field("epochs").set_value(60)
    assert page.estimate()[0] == pytest.approx(10 * seconds)
    page.field("image_size").set_value(32)  # no run at this size yet: no estimate
    assert page.estimate() is None and page.estimate_label.text().startswith("About … ")


def test_the_remembered_run_shows_its_own_settings_metrics_and_previews_and_resumes_with_them(page, qtbot, monkeypatch):
    from desktop.train_page import TrainPage

    page.field("val_fraction").set_value(0.25)
    page.field("seed").set_value(7)
    stopped = stopped_past_a_few_logged_rows(page, qtbot)
    later = TrainPage(page.library, page.train_lane, page.scan_lane, keeper=page.keeper)  # the next launch
    qtbot.addWidget(later)
    assert later.field("epochs").value() != 40 and later.name_edit.text() == ""  # the form's defaults, until the run is read
    qtbot.waitUntil(lambda: later.state_label.text().startswith("Last run"), timeout=10_000)
    assert later.arch_box.currentData() == "alpha" and later.name_edit.text() == "tiny"
    assert later.field("epochs").value() == 40 and later.field("lr").value() == 0.01
    assert later.field("val_fraction").value() == 0.25 and later.field("seed").value() == 7
    assert later.field("batch_size").value() == 2 and later.field("image_size").value() == 16
    assert "PSNR" in later.metrics_label.text() and later.previews.count > 0
    assert later.previews.caption.startswith("Validation photos after epoch ")
    later.field("epochs").set_value(3)  # changed, then Resume (asked, and answered Yes): the run's own settings again
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(later.training_ended, timeout=60_000) as ended:
        assert later.resume()
        assert later.field("epochs").value() == 40 and not later.recipe_box.isEnabled()
        assert "PSNR" in later.metrics_label.text()  # until the resumed run validates again
    assert isinstance(ended.args[0], TrainingFinished) and ended.args[0].run_dir == stopped.run_dir


def test_tab_goes_down_the_form_to_the_buttons_and_labels_have_their_own_alt_letters(window, page):
    from PySide6.QtWidgets import QAbstractButton, QFormLayout, QLabel

    expected = [page.data_picker.edit, page.data_picker.button, page.val_picker.edit, page.val_picker.button, page.arch_box,
                page.start_from, page.name_edit, page.device_box, *page.log_boxes.values(),
                *(f.widget for f in (*page.fields.values(), *page.arch_fields.values())),
                page.start_button, page.stop_button, page.resume_button, page.use_button]
    widget, seen = page.data_picker.edit, []
    for _ in range(2000):  # the focus chain, in Tab's order, round the window once
        if widget in expected and widget not in seen:
            seen.append(widget)
        widget = widget.nextInFocusChain()
    assert seen == expected
    letters = [action.text().split("&")[1][0].lower() for action in window.menuBar().actions()]
    for item in page.findChildren(QAbstractButton) + page.findChildren(QLabel):
        text = item.text().replace("&&", "")
        if "&" in text and "<" not in text and item.isVisibleTo(page) or item is page.use_button:  # (not rich text's &nbsp;)
            letters.append(text.split("&")[1][0].lower())
            if isinstance(item, QLabel):  # Alt+letter focuses the field beside it
                assert item.buddy() is not None, text
    assert len(letters) == len(set(letters)), letters
    form = page.recipe_form
    assert form.labelForField(page.field("batch_size").widget).text() == "&Batch size:"
    assert isinstance(form, QFormLayout) and page.field("batch_size").label == "Batch size"  # messages keep the plain label


def test_the_step_line_shows_a_whole_epoch_without_decimals(window):
    from engine.events import TrainingStep

    page = window.train_page
    page._on_event(TrainingStep(33, 60, 33.0, 0.5, 0.001, 10.0, 5.0))
    assert page.step_label.text() == "33 of 60 (epoch 33), loss 0.5000"
    page._on_event(TrainingStep(34, 60, 33.25, 0.5, 0.001, 10.0, 5.0))
    assert page.step_label.text() == "34 of 60 (epoch 33.25), loss 0.5000"


def test_the_spin_boxes_take_only_what_start_takes(window):
    page = window.train_page
    for name, low, high in (("batch_size", 1, 4096), ("image_size", 8, None), ("epochs", 0, 1_000_000)):
        spin = page.field(name).widget
        spin.setValue(0)
        spin.setValue(2_000_000_000)
        assert spin.minimum() == low and (high is None or spin.maximum() == high), name
    page.field("batch_size").set_value(0)
    assert page.field("batch_size").value() == 1


def test_the_fields_stay_put_while_the_form_is_edited(page, qtbot):
    """The estimate row and the folder notes keep their height: a click meant for a field lands in it."""
    from PySide6.QtWidgets import QApplication

    def lr_y() -> int:
        QApplication.processEvents()  # (the layout settles in posted events)
        page.settings_scroll.widget().layout().activate()
        return page.field("lr").widget.mapTo(page.settings_scroll.widget(), page.field("lr").widget.rect().topLeft()).y()

    folder = page.data_picker.path()
    page.data_picker.edit.setText("")
    page.scan("data")  # no folder: "Choose a folder of colour photos."
    before = lr_y()
    page.field("epochs").set_value(5)
    assert lr_y() == before
    page.data_picker.edit.setText(folder)
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.scan("data")  # a two-line count with the files it skips
    assert lr_y() == before
    page.field("image_size").set_value(52)  # and the crops-enlarge note on top of it
    assert lr_y() == before
    assert page.estimate_label.isVisible() and page.estimate_label.text()  # a placeholder until a run of this kind is timed


def test_the_wheel_over_the_loss_plot_scrolls_the_column_and_leaves_the_plot_as_it_is(window, page, qtbot):
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window.resize(window.minimumSizeHint())
    bar = page.right_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint() and bar.maximum() > 0)
    plot = page.plot._plot
    view = plot.getPlotItem().getViewBox()
    before = (bar.value(), view.viewRange())
    centre = QPointF(plot.viewport().rect().center())
    event = QWheelEvent(
        centre, QPointF(plot.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(plot.viewport(), event)
    assert bar.value() > before[0]  # the column scrolled down
    assert view.viewRange() == before[1]  # the plot neither zoomed nor moved


def test_resume_asks_before_it_sets_aside_settings_changed_since_the_stop(page, qtbot, monkeypatch):
    """After a Stop the form is editable: Resume with other epochs snapped the form back to the run's own and went
    on without a word (a QA pass). It says so first; No leaves the form as the user set it."""
    page.field("epochs").set_value(6)
    page.stepped.connect(page.stop)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        page.start()
    page.stepped.disconnect(page.stop)
    assert isinstance(ended.args[0], TrainingCancelled)
    page.field("epochs").set_value(3)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda _parent, _title, text, *a: asked.append(text) or QMessageBox.StandardButton.No)
    assert not page.resume() and not page.is_training()
    assert not page.resume(ended.args[0].run_dir)  # the same run resumed from the Runs tab asks too
    assert page.field("epochs").value() == 3  # as the user set it
    assert "its own settings: epochs 6 (yours: 3)" in asked[-1] and "Start begins a new run with yours" in asked[-1]
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.training_ended, timeout=60_000) as ended:
        assert page.resume()
        assert page.field("epochs").value() == 6
    assert isinstance(ended.args[0], TrainingFinished) and len(asked) == 3


def test_choosing_a_fine_tune_after_a_restored_run_takes_the_fine_tune_recipe_but_what_was_typed(window, library_dir, qtbot):
    """A run's settings put back on the form (at launch, on Resume) are not the user's typing: choosing a fine-tune
    kept them all (a QA fine-tune ran at the last run's lr 0.001, not the fine-tune stage's). Now only what the user
    typed this session stays, and the note says which."""
    from engine.modelfile import save_model
    from engine.models import create_model
    from engine.training import TrainConfig
    from engine.training.recipe import FINE_TUNE_RECIPE_FILE, shipped_recipe

    page = window.train_page
    run = TrainConfig.defaults_for("colour_unet")
    run.epochs, run.image_size, run.lr, run.name = 300, 64, 0.001, "qa"
    page.show_run_settings(run)  # as a remembered run is shown at launch
    assert page.field("lr").value() == 0.001 and page.field("image_size").value() == 64
    page.field("batch_size").set_value(5)  # typed
    save_model(library_dir / "unet.safetensors", create_model("colour_unet", decoder_widths=[8, 8, 8, 8]))
    window.library.refresh()
    page.start_from.setCurrentIndex(page.start_from.findData("unet"))
    stage = shipped_recipe(FINE_TUNE_RECIPE_FILE)
    assert page.field("lr").value() == stage.lr and page.field("image_size").value() == stage.image_size
    assert page.field("epochs").value() != 300 and page.field("batch_size").value() == 5
    said = page.choice_note.text()
    assert said.startswith("Fine-tune unet: set ") and "learning rate 0.001 → " in said and said.endswith("; kept your batch size.")
    assert not page.choice_note.isHidden()


@pytest.mark.parametrize("greys", [4, 0])
def test_start_is_refused_when_the_counted_folder_has_no_colour_photos(page, qtbot, tmp_path, grey_photo, greys):
    """The folder's line said 'nothing to train on', yet Start ran and failed ('Training failed: no usable colour
    photos …'): it is refused as a form mistake is, and no run folder is made."""
    from desktop.train_page import runs_dir

    folder = tmp_path / "grey"
    folder.mkdir()
    for i in range(greys):
        grey_photo(folder / f"g{i}.png", seed=i)
    with qtbot.waitSignal(page.scan_finished, timeout=20_000):
        page.data_picker.edit.setText(str(folder))
        page.scan("data")
    assert page.data_summary.text().endswith(": nothing to train on")
    assert "once a folder is counted" not in page.estimate_label.text()
    assert not page.start() and not page.is_training()
    said = page.state_label.text()
    assert said.startswith(f"Cannot start: {folder}: 0 colour photos") and said.endswith(": nothing to train on.")
    assert not runs_dir().exists() or not any(runs_dir().iterdir())


def test_the_note_about_a_change_of_architecture_moves_no_field(window, qtbot):
    """The note came in over the fields and pushed them down ~33 px, and went at the next edit: a click aimed at
    Batch size opened the Device list (a QA pass). The fields stay where they are as it comes and goes."""
    from PySide6.QtWidgets import QApplication

    page = window.train_page
    window.show_tab("Train")

    def batch_y() -> int:
        for _ in range(3):  # (the layouts, one inside the other, settle in posted events)
            QApplication.processEvents()
            page.layout().activate()
            page.settings_scroll.widget().layout().activate()
        widget = page.field("batch_size").widget
        return widget.mapTo(page, widget.rect().topLeft()).y()

    page.arch_box.setCurrentIndex(page.arch_box.findData("alpha"))
    page.field("epochs").set_value(7)  # typed: the note will say it kept it
    page._clear_arch_note()
    before = batch_y()
    page.arch_box.setCurrentIndex(page.arch_box.findData("model3"))
    assert page.choice_note.isVisible() and "kept your epochs" in page.choice_note.text()
    assert batch_y() == before
    page.field("epochs").set_value(8)  # an edit: the note goes
    assert page.choice_note.isHidden()
    assert batch_y() == before


def test_a_remembered_runs_previews_say_the_hints_their_grey_inputs_are_marked_with(window):
    """After a restart the caption read 'Grey input' under hint squares (during training: 'Grey input + 5 hints')."""
    from types import SimpleNamespace

    import numpy as np

    from engine.training import TrainConfig
    from engine.training.trainer import PREVIEW_HINTS

    page = window.train_page
    crop = np.zeros((8, 8, 3), np.uint8)
    summary = SimpleNamespace(val_loss=None, metrics={}, preview="epoch-003.png", path="run", validated_on="validation photos")
    config = TrainConfig.defaults_for("colour_unet")
    config.arch_params["hint_input"] = True
    page._show_saved_results(summary, [(crop, crop, crop)], config)
    assert page.previews._row_labels[0].text() == f"Grey input\n+ {PREVIEW_HINTS} hints"
    assert f"each coloured with {PREVIEW_HINTS} hints" in page.previews.caption
    page._show_saved_results(summary, [(crop, crop, crop)], TrainConfig.defaults_for("alpha"))  # a model without hints
    assert page.previews._row_labels[0].text() == "Grey input"
