"""The Runs page: finished, stopped and failed runs listed, ticked runs overlaid and compared, actions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from engine.events import CheckpointSaved, TrainingCancelled, TrainingFailed, TrainingFinished
from engine.task import TaskState


@pytest.fixture
def runs_parent(tmp_path, library_dir, colour_photo):
    """Three real tiny runs beside the window's library: finished (lr 0.003), stopped at its step-2 checkpoint, failed."""
    from desktop.train_page import runs_dir
    from engine.training import TrainConfig, train

    photos = tmp_path / "photos"
    for i in range(6):
        colour_photo(photos / f"c{i}.png", seed=i)
    parent = runs_dir()

    def config(**overrides):
        base = dict(arch="alpha", data=[str(photos)], image_size=16, batch_size=2, steps=4, device="cpu", threads=1,
                    run_dir=str(parent), checkpoint_every_minutes=0, preview_count=2, log_every_steps=1)
        return TrainConfig.from_dict({**base, **overrides})

    assert isinstance(train(config(name="winner", lr=3e-3)), TrainingFinished)
    state = TaskState()
    state._on_event = lambda e: isinstance(e, CheckpointSaved) and e.step == 2 and state.request_stop()
    assert isinstance(train(config(name="halfway", steps=6, checkpoint_every_steps=2), state), TrainingCancelled)
    from engine.training import register_loss, unregister_loss

    register_loss("test_goes_nan")(lambda model, l_norm, ab_norm: model(l_norm).mean() * float("nan"))
    try:  # (a run that cannot start, on a folder without colour photos say, leaves no run folder)
        assert isinstance(train(config(name="broken", loss="test_goes_nan")), TrainingFailed)
    finally:
        unregister_loss("test_goes_nan")
    return parent


@pytest.fixture
def page(window, runs_parent, qtbot):
    with qtbot.waitSignal(window.runs_page.refreshed, timeout=20_000):
        window.show_tab("Runs")
    return window.runs_page


def train_run(parent: Path, data: Path, name: str, **overrides) -> None:
    """One more finished tiny run in ``parent``, of the photos in ``data``."""
    from engine.training import TrainConfig, train

    config = dict(arch="alpha", name=name, data=[str(data)], image_size=16, batch_size=2, steps=2, device="cpu", threads=1,
                  run_dir=str(parent), checkpoint_every_minutes=0, preview_count=2, log_every_steps=1)
    assert isinstance(train(TrainConfig.from_dict({**config, **overrides})), TrainingFinished)


def path_of(page, model_prefix: str) -> str:
    return page.table.item(row_of(page, model_prefix), 0).data(Qt.ItemDataRole.UserRole + 1)


def row_of(page, model_prefix: str) -> int:
    for row in range(page.table.rowCount()):
        if page.table.item(row, 0).text().startswith(model_prefix + "-"):
            return row
    raise AssertionError(f"no run {model_prefix}")


def cell(page, row: int, header: str) -> str:
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    return page.table.item(row, headers.index(header)).text()


def test_lists_finished_stopped_and_failed_runs(page):
    assert page.table.rowCount() == 3
    winner, halfway, broken = row_of(page, "winner"), row_of(page, "halfway"), row_of(page, "broken")
    assert (cell(page, winner, "Status"), cell(page, winner, "Steps"), cell(page, winner, "Architecture")) == ("finished", "4", "alpha")
    assert float(cell(page, winner, "PSNR")) > 0 and cell(page, winner, "AuC") and cell(page, winner, "Colourful")
    assert float(cell(page, winner, "Images/s").replace(",", "")) > 0 and cell(page, broken, "Images/s") == ""
    hue = cell(page, winner, "Hue accuracy")  # a percentage, as the Train page and `colourise evaluate` say it
    assert hue.endswith(" %") and 0 <= float(hue[:-2]) <= 100
    assert (cell(page, halfway, "Status"), cell(page, halfway, "Steps")) == ("stopped", "2 of 6")
    assert cell(page, broken, "Status") == "failed"
    status = page.table.item(broken, [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())].index("Status"))
    assert status.toolTip().startswith("the loss became NaN at step 1")

    page.select_run(page.table.item(halfway, 0).data(Qt.ItemDataRole.UserRole + 1))
    assert page.resume_button.isEnabled() and page.use_button.isEnabled()  # (its model is kept as it stands first)
    assert page.use_button.toolTip().startswith("Keep halfway-") and "at its last checkpoint" in page.use_button.toolTip()
    page.select_run(page.table.item(winner, 0).data(Qt.ItemDataRole.UserRole + 1))
    assert page.use_button.isEnabled() and not page.resume_button.isEnabled()
    page.select_run(page.table.item(broken, 0).data(Qt.ItemDataRole.UserRole + 1))
    assert not page.use_button.isEnabled()  # no checkpoint: nothing to keep


def test_scores_measured_on_the_training_photos_are_marked_as_on_the_models_tab(page, qtbot, runs_parent, tmp_path):
    """A run with nothing held out (its validation folder its training photos) showed its last validation figures as
    any other's, though measured on its own training photos, as the Models tab now marks its model's."""
    import json

    from engine.model_summary import ON_TRAINING_PHOTOS

    photos = tmp_path / "photos"
    train_run(runs_parent, photos, "own", val=[str(photos)])
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    scores = headers[headers.index("Val loss"):]
    own, winner = row_of(page, "own"), row_of(page, "winner")
    assert cell(page, own, scores[-1]).endswith(" % (training photos)")  # after its last figure, as the Models tab says it
    assert all(not cell(page, own, header).endswith("(training photos)") for header in scores[:-1])
    assert all(page.table.item(own, headers.index(header)).toolTip() == ON_TRAINING_PHOTOS for header in scores)
    assert all("training photos" not in cell(page, winner, header) for header in scores)  # validated on photos held out
    assert all(page.table.item(winner, headers.index(header)).toolTip() == "" for header in scores)

    run_dir = Path(path_of(page, "own"))  # a run from before its dataset.json said: not known, not marked
    report = json.loads((run_dir / "dataset.json").read_text())
    del report["validation_from"]
    (run_dir / "dataset.json").write_text(json.dumps(report))
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    own = row_of(page, "own")
    assert all("training photos" not in cell(page, own, header) for header in scores)
    assert all(page.table.item(own, headers.index(header)).toolTip() == "" for header in scores)


def test_the_table_sorts_by_number_not_text(page):
    headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
    page.table.sortItems(headers.index("Steps"), Qt.SortOrder.AscendingOrder)
    assert [cell(page, r, "Steps").split()[0] for r in range(3)] == ["0", "2", "4"]


def test_overlays_two_runs_with_their_differing_settings_and_previews(page):
    from desktop.widgets.loss_plot import MIN_PLOT_HEIGHT, LogLossAxis

    winner = page.table.item(row_of(page, "winner"), 0)
    halfway = page.table.item(row_of(page, "halfway"), 0)
    assert page.preview_scroll.isHidden()  # no room held for previews until a run is ticked
    assert page.selected_run() is None and not page.open_button.isEnabled()
    assert page.empty_note.empty  # words, not axes numbered for nothing
    winner.setCheckState(Qt.CheckState.Checked)  # as a click on the tick box does
    assert not page.empty_note.empty
    assert page.selected_run().model_name == "winner" and page.open_button.isEnabled()  # the buttons act on it
    halfway.setCheckState(Qt.CheckState.Checked)
    assert page.selected_run().model_name == "winner"  # a second tick leaves the chosen run as it is
    names = ["winner", "halfway"]  # the models' names (the folder names add the date)
    assert page.curve_names() == names
    curves = [c for c in page.plot.getPlotItem().listDataItems()]
    assert len(curves) == 4  # training and validation for each run
    assert curves[0].opts["pen"].color() != curves[2].opts["pen"].color()
    assert page.plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert page.plot.height() >= MIN_PLOT_HEIGHT and isinstance(page.plot.getPlotItem().getAxis("left"), LogLossAxis)
    xs = sorted(curves[0].getData()[0].tolist())
    assert xs == [1, 2, 3, 4]

    settings = page.settings_table
    rows = {settings.verticalHeaderItem(r).text(): r for r in range(settings.rowCount())}
    assert {"Learning rate", "Name", "Steps", "Checkpoint every steps"} <= set(rows) and "Data" not in rows  # as the Train page names them
    assert settings.verticalHeaderItem(rows["Learning rate"]).toolTip().startswith("Learning rate: lr ")  # (and as config.toml does)
    assert [settings.item(rows["Learning rate"], c).text() for c in range(2)] == ["0.003", "0.001"]
    assert page.preview_count() == 2 and not page.preview_scroll.isHidden()

    page.curve_box.setCurrentIndex(page.curve_box.findData("psnr"))
    assert not page.plot.getPlotItem().ctrl.logYCheck.isChecked()
    assert page.curve_names() == names and len(page.plot.getPlotItem().listDataItems()) == 2
    page.curve_box.setCurrentIndex(page.curve_box.findData("hue_accuracy"))
    hue = [c.getData()[1] for c in page.plot.getPlotItem().listDataItems()]
    assert len(hue) == 2 and all(0 <= v <= 100 for ys in hue for v in ys) and any(v > 1 for ys in hue for v in ys)  # percent


def test_namesake_runs_started_in_the_same_minute_get_labels_that_tell_them_apart(page):
    from engine.runs import RunSummary

    def run(name, started, lr):
        return RunSummary(path=f"/runs/{name}", name=name, model_name="colour_unet", arch="colour_unet", status="finished",
                          message="", resumable=False, steps=2, total_steps=2, started=started, seconds=1.0,
                          settings={"lr": lr, "epochs": 2})

    page.runs = [run("colour_unet-20261201-041902", "2026-12-01T04:19:02", 0.001),
                 run("colour_unet-20261201-041934", "2026-12-01T04:19:34", 0.002),
                 run("colour_unet-20261201-051934", "2026-12-01T05:19:34", 0.002)]
    page.ticked = [r.path for r in page.runs]
    assert [page.label_of(p) for p in page.ticked] == ["colour_unet 12-01 04:19:02", "colour_unet 12-01 04:19:34", "colour_unet 12-01 05:19"]
    page._fill_settings()
    assert page.settings_note.text() == "1 setting differs:"


def test_resume_and_use_model_go_to_the_train_and_colourise_pages(page, window, qtbot, monkeypatch):
    halfway = page.table.item(row_of(page, "halfway"), 0).data(Qt.ItemDataRole.UserRole + 1)
    page.select_run(halfway)
    resumed = []
    monkeypatch.setattr(window.train_page, "resume", lambda run_dir=None: resumed.append(run_dir) or True)
    page.resume_button.click()
    assert resumed == [halfway] and window.tabs.tabText(window.tabs.currentIndex()) == "Train"

    window.show_tab("Runs")
    page.select_run(page.table.item(row_of(page, "winner"), 0).data(Qt.ItemDataRole.UserRole + 1))
    page.use_button.click()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Colourise"
    assert window.colourise_page.model_box.currentData() == "winner"


def test_a_finished_runs_model_is_still_found_after_a_rename_on_the_models_tab(page, window, qtbot, monkeypatch):
    assert window.models_page.rename_model("winner", "champion")
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()  # (as when the tab is shown again)
    winner = page.table.item(row_of(page, "winner"), 0).data(Qt.ItemDataRole.UserRole + 1)
    page.select_run(winner)
    assert page.run(winner).model_name == "champion"
    assert page.use_button.isEnabled() and page.use_button.toolTip() == "Colour photos with “champion”"
    asked = []
    monkeypatch.setattr("desktop.runs_page.confirm_delete", lambda _parent, _title, text, **_kw: asked.append(text) or False)
    page.delete_selected()
    assert asked and "Its model “champion” stays in your library." in asked[0]
    page.use_button.click()
    assert window.colourise_page.model_box.currentData() == "champion"


def test_resume_waits_while_the_window_trains_another_run(page, window, qtbot, monkeypatch):
    halfway = page.table.item(row_of(page, "halfway"), 0).data(Qt.ItemDataRole.UserRole + 1)
    page.select_run(halfway)
    assert page.resume_button.isEnabled()
    resumed, training = [], [True]
    monkeypatch.setattr(window.train_page, "resume", lambda run_dir=None: resumed.append(run_dir) or True)
    monkeypatch.setattr(window.train_page, "is_training", lambda: training[0])
    try:
        window.train_page.training_started.emit()  # another run starts training on the Train tab
        assert not page.resume_button.isEnabled() and "can be resumed once it ends" in page.resume_button.toolTip()
        page.resume_requested.emit(halfway)  # asked anyway (a click that raced the start): refused, and said
        assert resumed == [] and window.tabs.tabText(window.tabs.currentIndex()) == "Runs"
        assert window.statusBar().currentMessage().startswith(f"Cannot resume {Path(halfway).name}: another run is training")
    finally:
        training[0] = False  # (else closing the window at the end would ask whether to stop it)
    window.train_page.training_ended.emit(None)  # it ended
    assert page.resume_button.isEnabled() and page.resume_button.toolTip().startswith("Continue ")


def test_a_stopped_runs_model_is_kept_as_it_stands_once_and_colours_photos(page, window, qtbot, library_dir):
    halfway = page.table.item(row_of(page, "halfway"), 0).data(Qt.ItemDataRole.UserRole + 1)
    page.select_run(halfway)
    assert window.train_page.keeper is page.keeper  # the window's one keeper: the Train page asks it too
    with qtbot.waitSignal(page.model_kept, timeout=20_000) as kept:
        page.use_button.click()
        assert not page.use_button.isEnabled() and page.keeper.keep(halfway) is False  # one keep at a time
    assert kept.args == ["halfway-step2"] and (library_dir / "halfway-step2.safetensors").is_file()
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Colourise"
    assert window.colourise_page.model_box.currentData() == "halfway-step2"
    assert page.run(halfway).resumable  # the run itself is as it was

    window.show_tab("Runs")
    page.select_run(halfway)
    page.use_button.click()  # kept already: that model again, not a second copy
    assert window.colourise_page.model_box.currentData() == "halfway-step2"
    assert sorted(p.name for p in library_dir.glob("halfway*")) == ["halfway-step2.safetensors"]


def test_delete_run_asks_then_trashes_the_folder_and_keeps_the_model(page, qtbot, monkeypatch, library_dir, delete_answers):
    winner = Path(page.table.item(row_of(page, "winner"), 0).data(Qt.ItemDataRole.UserRole + 1))
    page.select_run(winner)
    assert not page.delete_selected() and winner.is_dir()  # Cancel
    assert delete_answers.asked[-1][0] == "Delete Run" and delete_answers.asked[-1][2:] == (["Cancel", "Delete"], "Cancel")
    delete_answers.reply = "Delete"
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    Path(os.environ["XDG_DATA_HOME"]).mkdir(parents=True, exist_ok=True)  # the trash's home, as on a real desktop
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        assert page.delete_selected()
    assert not winner.exists() and (library_dir / "winner.safetensors").is_file()
    assert page.table.rowCount() == 2 and not warnings
    assert list((Path(os.environ["XDG_DATA_HOME"]) / "Trash" / "files").iterdir())[0].name == winner.name


def test_the_train_form_offers_the_trackers(window, tmp_path):
    from engine.training.trackers import missing

    window.show_tab("Train")
    page = window.train_page
    page.data_picker.edit.setText(str(tmp_path))
    box = page.log_boxes["tensorboard"]
    assert box.isEnabled() == (missing("tensorboard") is None)
    if box.isEnabled():
        box.setChecked(True)
        assert page.config().log == ["tensorboard"]
    else:
        assert "pip install" in box.toolTip()


def test_another_folder_of_runs_can_be_shown_and_is_remembered(page, qtbot, tmp_path, monkeypatch):
    from desktop.runs_page import RunsPage

    empty = tmp_path / "other-runs"
    empty.mkdir()
    monkeypatch.setattr("desktop.runs_page.QFileDialog.getExistingDirectory", lambda *a, **k: str(empty))
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.folder_button.click()
    assert page.table.rowCount() == 0 and page.placeholder.isVisibleTo(page) and str(empty) in page.folder_label.text()
    again = RunsPage(page.library, page.lane, tmp_path / "ignored")
    assert again.runs_parent == empty
    again.deleteLater()


def test_open_folder_without_a_file_manager_says_where_the_run_folder_is(page, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    winner = page.table.item(row_of(page, "winner"), 0).data(Qt.ItemDataRole.UserRole + 1)
    page.select_run(winner)
    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no file manager (a bare Linux desktop)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    page.open_button.click()
    assert notes == [f"Could not open a file manager. The folder is:\n{winner}"]


def test_a_long_runs_folder_does_not_hold_the_window_wider_than_the_other_tabs(window, page, qtbot, tmp_path):
    """The folder's path, in full beside the buttons, held the window at least 896 px wide."""
    window.build_pages()
    long_folder = tmp_path.joinpath(*["a-rather-long-folder-of-training-runs"] * 8)
    long_folder.mkdir(parents=True)
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.set_runs_parent(long_folder)
    page.layout().activate()
    others = max(window.tabs.widget(i).minimumSizeHint().width() for i in range(window.tabs.count()) if window.tabs.widget(i) is not page)
    assert page.minimumSizeHint().width() <= others
    assert page.folder_label.text() == f"0 runs in {long_folder}" and page.folder_label.toolTip() == page.folder_label.text()
    shown = page.folder_label.shown_text()  # shortened in the middle: the count and the folder's own name stay
    assert "…" in shown and shown.startswith("0 runs in ") and shown.endswith("training-runs")
    label = page.folder_label
    label.resize(label.minimumSizeHint().width(), label.height())  # as narrow as it goes: the count stays whole
    assert label.shown_text().startswith("0 runs in ") and "…" in label.shown_text()


def test_ticked_runs_previews_do_not_hold_the_window_taller_than_the_other_tabs(window, page, qtbot):
    """The previews' fixed 270 px raised the window's minimum height above the other tabs' once a run was ticked;
    now they scroll where the window is short, and are whole as they appear where the curves can spare the room."""
    from desktop.widgets.loss_plot import MIN_PLOT_HEIGHT

    window.build_pages()
    others = max(window.tabs.widget(i).minimumSizeHint().height() for i in range(window.tabs.count()) if window.tabs.widget(i) is not page)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.size() == QSize(800, 600))
    for row in range(page.table.rowCount()):
        page.table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: page.preview_scroll.height() > 0)  # laid out
    assert page.preview_count() == 3 and page.minimumSizeHint().height() <= others
    whole = max(page.preview_row.itemAt(i).widget().sizeHint().height() for i in range(3))  # a title and a picture
    assert page.preview_scroll.viewport().height() >= whole and page.plot.height() >= MIN_PLOT_HEIGHT  # where there is room


def test_at_the_windows_minimum_size_the_runs_table_shows_three_rows_with_runs_ticked(window, page, qtbot):
    """With the ticked runs' previews below it the table was about one row high at the window's minimum size; now
    it keeps three rows and the curves and previews under it scroll (the curves whole, at their least height)."""
    from desktop.widgets.loss_plot import MIN_PLOT_HEIGHT

    window.build_pages()
    for row in range(page.table.rowCount()):
        page.table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    window.layout().activate()
    qtbot.waitUntil(lambda: page.preview_scroll.isVisible() and window.minimumSize() == window.minimumSizeHint())
    smallest = window.minimumSize()
    window.resize(smallest)
    qtbot.waitUntil(lambda: window.size() == smallest)
    qtbot.waitUntil(lambda: page.table.height() <= page.table.parentWidget().height())  # laid out at that size
    table = page.table
    assert table.rowCount() == 3 and table.viewport().height() >= 3 * table.rowHeight(0)
    assert page.plot.height() >= MIN_PLOT_HEIGHT
    lower = page.lower_scroll
    assert lower.widget() is page.curves_and_previews and lower.verticalScrollBar().maximum() > 0  # the previews in reach
    assert page.preview_scroll.height() >= page.preview_scroll.minimumSizeHint().height()


def test_a_run_with_a_single_training_step_shows_it_as_a_dot(page, qtbot, runs_parent, tmp_path):
    """A line needs two points: the curve of a run with one logged step drew nothing."""
    from engine.training import TrainConfig, train

    photos = tmp_path / "photos"
    one_step = TrainConfig.from_dict(dict(arch="alpha", name="onestep", data=[str(photos)], image_size=16, batch_size=2, steps=1,
                                          device="cpu", threads=1, run_dir=str(runs_parent), checkpoint_every_minutes=0,
                                          preview_count=2, log_every_steps=1))
    assert isinstance(train(one_step), TrainingFinished)
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    page.table.item(row_of(page, "onestep"), 0).setCheckState(Qt.CheckState.Checked)
    training = page.plot.getPlotItem().listDataItems()[0]  # (then its validation, dots already)
    assert training.opts["pen"].style() == Qt.PenStyle.SolidLine and len(training.getData()[0]) == 1
    assert training.opts["symbol"] == "o"
    winner = page.table.item(row_of(page, "winner"), 0)
    page.set_ticked([winner.data(Qt.ItemDataRole.UserRole + 1)])
    assert page.plot.getPlotItem().listDataItems()[0].opts["symbol"] is None  # a longer curve is a plain line


def test_the_legend_is_above_the_plot_not_over_the_curves(page, qtbot):
    """pyqtgraph's legend sat in the plot's top right corner, over the curves (a metric that rises ends there)."""
    from PySide6.QtCore import QPoint, QRect

    assert page.legend.isHidden()  # nothing drawn, nothing named
    for model in ("winner", "halfway"):
        page.table.item(row_of(page, model), 0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: page.legend.isVisible() and page.plot.height() > 0)
    legend = QRect(page.legend.mapTo(page, QPoint(0, 0)), page.legend.size())
    plot = QRect(page.plot.mapTo(page, QPoint(0, 0)), page.plot.size())
    assert legend.bottom() < plot.top() and not legend.intersects(plot)
    text = page.legend.text()
    assert text.index("winner") < text.index("halfway") and page.colour_of(page.ticked[0]).name() in text


def test_the_runs_colours_read_on_a_light_and_a_dark_palette(page, dark_palette):
    """The failed status's red (2.3:1 on a dark window's rows) and the runs' colours (the first run's blue 3:1 on a dark
    window, its orange 2.1:1 on a light one) are shades that read: text at 4.5:1 at least, curves at 3:1."""
    import re

    from PySide6.QtGui import QColor, QPalette

    from desktop.widgets.readable_colour import contrast_ratio

    role = QPalette.ColorRole
    for model in ("winner", "halfway", "broken"):
        page.table.item(row_of(page, model), 0).setCheckState(Qt.CheckState.Checked)

    def assert_readable(scheme: str) -> None:
        rows = page.table.palette()
        headers = [page.table.horizontalHeaderItem(c).text() for c in range(page.table.columnCount())]
        failed = page.table.item(row_of(page, "broken"), headers.index("Status")).foreground().color()
        for background in (rows.color(role.Base), rows.color(role.AlternateBase)):
            assert contrast_ratio(failed, background) >= 4.5, (scheme, failed.name())
        window, plot = page.palette().color(role.Window), page.palette().color(role.Base)
        boxes = [page.preview_row.itemAt(i).widget() for i in range(page.preview_row.count())]
        titles = [label for box in boxes if box is not None for label in box.findChildren(QLabel) if label.text().startswith("<b>")]
        assert len(titles) == 3
        for title in titles:
            colour = QColor(re.search(r"color: (#[0-9a-f]{6})", title.styleSheet()).group(1))
            assert contrast_ratio(colour, window) >= 4.5, (scheme, title.text(), colour.name())
        button = page.settings_table.horizontalHeader().palette().color(role.Button)
        for column in range(page.settings_table.columnCount()):
            colour = page.settings_table.horizontalHeaderItem(column).foreground().color()
            assert contrast_ratio(colour, button) >= 4.5, (scheme, colour.name())
        for curve in page.plot.getPlotItem().listDataItems():
            assert contrast_ratio(curve.opts["pen"].color(), plot) >= 3, (scheme, curve.opts["pen"].color().name())
        strokes = re.findall(r"color:(#[0-9a-f]{6})", page.legend.text())
        assert len(strokes) == len(page.curve_names()) >= 2  # (the broken run drew nothing)
        assert all(contrast_ratio(QColor(c), window) >= 3 for c in strokes), (scheme, strokes)

    assert_readable("light")
    dark_palette()
    assert page.palette().color(role.Window).lightness() < 60  # (the page took the dark palette)
    assert_readable("dark")


def test_the_step_axis_has_whole_numbers_only_and_the_curves_are_smooth(page, qtbot):
    """A run of a few steps had its step axis labelled 1.0, 1.5 ... 4.0, and its curves drawn in stair-steps."""
    page.table.item(row_of(page, "winner"), 0).setCheckState(Qt.CheckState.Checked)
    item = page.plot.getPlotItem()
    qtbot.waitUntil(lambda: item.getAxis("bottom").width() > 100 and item.getViewBox().viewRange()[0][0] > 0.5)  # (steps 1-4)
    axis = item.getAxis("bottom")
    low, high = item.getViewBox().viewRange()[0]
    labels = [label for spacing, values in axis.tickValues(low, high, axis.width()) for label in axis.tickStrings(values, axis.scale, spacing)]
    assert labels and all(label.isdigit() for label in labels), labels
    assert all(curve.opts["antialias"] for curve in item.listDataItems())


def test_at_the_windows_minimum_size_the_header_names_the_runs_folder(window, page, qtbot):
    """At the window's minimum width the header read "3 runs in /…s"; now the folder's own name, the whole path in its tooltip."""
    window.build_pages()
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint())
    label = page.folder_label
    assert label.shown_text() == f"3 runs in …/{page.runs_parent.name}" and label.toolTip() == f"3 runs in {page.runs_parent}"
    label.resize(label.minimumSizeHint().width(), label.height())
    assert label.shown_text() == f"3 runs in …/{page.runs_parent.name}"


def test_the_settings_fit_beside_the_plot_and_a_shortened_value_is_whole_in_its_tooltip(window, page, qtbot, tmp_path, colour_photo):
    """Sized to their text, a folder's column pushed the other runs behind a sideways scroll bar, "/tmp/qa33/photo…" unreadable."""
    photos = tmp_path / "a-folder-of-colour-photos-with-a-name-long-enough-to-be-shortened"
    for i in range(6):
        colour_photo(photos / f"c{i}.png", seed=i)
    train_run(page.runs_parent, photos, "faraway")
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    window.resize(1400, 870)
    qtbot.waitUntil(lambda: window.size() == QSize(1400, 870))
    page.set_ticked([path_of(page, model) for model in ("winner", "halfway", "faraway")])
    settings = page.settings_table
    qtbot.waitUntil(lambda: settings.viewport().width() > 0)
    data_row = next(r for r in range(settings.rowCount()) if ": data (" in settings.verticalHeaderItem(r).toolTip())
    data = settings.item(data_row, 2)
    assert data.text() == str(photos) and data.toolTip() == str(photos)
    assert settings.columnWidth(2) < settings.fontMetrics().horizontalAdvance(str(photos))  # shown shortened
    assert settings.textElideMode() == Qt.TextElideMode.ElideMiddle and settings.horizontalScrollBar().maximum() == 0


@pytest.fixture
def four_runs(page, qtbot, tmp_path, colour_photo):
    """The page's three runs and a fourth of 48 px photos with four previews (a 152 x 202 px picture)."""
    photos = tmp_path / "sharp-photos"
    for i in range(12):
        colour_photo(photos / f"c{i}.png", width=96, height=96, seed=i)
    train_run(page.runs_parent, photos, "sharp", image_size=48, preview_count=4, val_fraction=0.4)
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    return page


def shown_previews(page) -> list[tuple[QSize, QSize]]:
    """(size drawn, size of the picture file) of each ticked run's preview."""
    from PySide6.QtGui import QPixmap

    shown = []
    for i, path in enumerate(page.ticked):
        picture = page.preview_row.itemAt(i).widget().layout().itemAt(1).widget()
        if page.run(path).preview:
            shown.append((picture.pixmap().size(), QPixmap(page.run(path).preview).size()))
    return shown


def test_previews_are_drawn_at_most_their_own_size_and_scroll_rather_than_shrink_at_the_minimum_size(window, four_runs, qtbot):
    """They were enlarged to 220 px high (a 160 px picture cut off at the bottom and right at 1400 x 870), and squashed
    to a 30 px strip at the window's minimum size."""
    page = four_runs
    window.resize(1400, 870)
    qtbot.waitUntil(lambda: window.size() == QSize(1400, 870))
    page.set_ticked([path_of(page, model) for model in ("winner", "halfway", "broken", "sharp")])
    qtbot.waitUntil(lambda: len(shown_previews(page)) == 3 and all(not drawn.isEmpty() for drawn, _ in shown_previews(page)))
    assert (202, 152) in [(natural.height(), natural.width()) for _drawn, natural in shown_previews(page)]
    for drawn, natural in shown_previews(page):
        assert drawn.height() <= natural.height() and drawn.width() <= natural.width()
        assert abs(drawn.width() / drawn.height() - natural.width() / natural.height()) < 0.05  # its shape kept

    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint())
    qtbot.waitUntil(lambda: all(drawn.height() >= min(96, natural.height()) for drawn, natural in shown_previews(page)))
    assert page.lower_scroll.verticalScrollBar().maximum() > 0  # the rest in reach of the scroll under the table


def test_the_curves_keep_most_of_the_room_below_the_table_when_previews_appear(window, four_runs, qtbot):
    """The previews took all they asked for, leaving the curves about 120 px of 870, their dots drawn over each other."""
    page = four_runs
    window.resize(1400, 870)
    qtbot.waitUntil(lambda: window.size() == QSize(1400, 870))
    page.set_ticked([path_of(page, model) for model in ("winner", "halfway", "broken", "sharp")])
    qtbot.waitUntil(lambda: page.preview_scroll.height() > 0)
    below_table = sum(page.curves_and_previews.sizes())
    assert page.plot.height() >= 0.4 * below_table and page.preview_scroll.height() <= 0.4 * below_table


def test_at_the_windows_minimum_size_the_runs_table_fits_its_width(window, page, qtbot):
    """The columns, each as wide as its text, put the last ones behind a sideways scroll bar at the window's
    minimum width; now the widest headers, then the run's name, give way (whole in their tooltips), the values stay whole."""
    window.build_pages()
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint())
    table, header = page.table, page.table.horizontalHeader()

    def fits():
        assert header.length() <= table.viewport().width() and table.horizontalScrollBar().maximum() == 0

    qtbot.waitUntil(fits, timeout=5_000)  # (the scroll bar follows the columns' widths once laid out)
    assert not table.horizontalScrollBar().isVisible()
    for column in range(1, table.columnCount()):  # every value whole, its header whole in its tooltip
        assert header.sectionSize(column) >= table.sizeHintForColumn(column), table.horizontalHeaderItem(column).text()
        assert table.horizontalHeaderItem(column).toolTip() == table.horizontalHeaderItem(column).text()
    assert header.textElideMode() == Qt.TextElideMode.ElideRight  # a shortened header ends in "…"
    name = table.item(row_of(page, "halfway"), 0)
    assert header.sectionSize(0) < table.sizeHintForColumn(0) and name.toolTip().endswith(name.text())  # shortened, whole in its tooltip
    table.setRowCount(40)  # rows enough for an upright scroll bar, the table's size the same: the columns still fit
    qtbot.waitUntil(lambda: table.verticalScrollBar().isVisible())
    qtbot.waitUntil(fits, timeout=5_000)
    table.setRowCount(3)
    window.resize(1600, window.height())  # room again: every header whole, the name taking the rest
    qtbot.waitUntil(lambda: header.length() == table.viewport().width() and header.sectionSize(0) >= table.sizeHintForColumn(0))
    assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(1, table.columnCount()))


def test_at_the_windows_minimum_size_the_whole_plot_and_the_previews_scroll_into_view(window, four_runs, qtbot, tmp_path):
    """Three ticked runs with long names at the window's minimum size: their legend wrapped onto more lines than the
    page counted, cutting off the plot's step axis, and the previews were a 76 px box with scroll bars of its own
    inside the scrolled area (found by QA). Now the outer scroll reaches the whole plot and the previews, whole."""
    from desktop.widgets.loss_plot import MIN_PLOT_HEIGHT

    page = four_runs
    photos = tmp_path / "photos"
    names = [f"a_model_with_a_rather_long_name_{n}" for n in ("one", "two", "three")]
    for name in names:
        train_run(page.runs_parent, photos, name)
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.refresh()
    window.build_pages()
    page.set_ticked([path_of(page, name) for name in [*names, "sharp"]])  # the sharp run's preview 202 px high
    window.layout().activate()
    qtbot.waitUntil(lambda: page.preview_scroll.isVisible() and window.minimumSize() == window.minimumSizeHint())
    smallest = window.minimumSize()
    window.resize(smallest)
    qtbot.waitUntil(lambda: window.size() == smallest)
    legend = page.legend
    qtbot.waitUntil(lambda: legend.width() > 0 and legend.heightForWidth(legend.width()) > 2 * legend.fontMetrics().height())  # wrapped
    # The plot whole, its step axis too: it was cut to 132 px, under the legend's lines the page had not counted.
    qtbot.waitUntil(lambda: page.empty_note.height() >= MIN_PLOT_HEIGHT, timeout=2000)
    assert legend.height() >= legend.heightForWidth(legend.width())  # every line of the legend
    strip = page.preview_scroll
    assert strip.verticalScrollBar().maximum() == 0 and strip.viewport().height() >= strip.widget().minimumSizeHint().height()
    lower = page.lower_scroll
    lower.verticalScrollBar().setValue(lower.verticalScrollBar().maximum())
    bottom = strip.mapTo(lower.viewport(), strip.rect().bottomLeft()).y()
    assert bottom <= lower.viewport().height()  # the previews' bottom in reach of the outer scroll
    assert page.minimumSizeHint().height() <= max(window.tabs.widget(i).minimumSizeHint().height() for i in range(window.tabs.count())
                                                  if window.tabs.widget(i) is not page)  # the window no higher for it


def test_the_wheel_over_the_curves_scrolls_the_area_under_the_table_and_leaves_the_plot_as_it_is(window, page, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    window.build_pages()
    window.resize(window.minimumSizeHint())
    for model in ("winner", "halfway"):
        page.table.item(row_of(page, model), 0).setCheckState(Qt.CheckState.Checked)
    bar = page.lower_scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint() and bar.maximum() > 0 and page.plot.height() > 0)
    view = page.plot.getPlotItem().getViewBox()
    before = (bar.value(), view.viewRange())
    viewport = page.plot.viewport()
    centre = QPointF(viewport.rect().center())
    event = QWheelEvent(
        centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, -120),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
    )
    QApplication.sendEvent(viewport, event)
    assert bar.value() > before[0]  # the area scrolled down
    assert view.viewRange() == before[1]  # the curves neither zoomed nor moved


def test_at_the_windows_minimum_size_the_differing_settings_are_readable(window, page, qtbot):
    """At the window's minimum size the setting names took the table's width: every value read "…" and the runs'
    names "ur_u" (found by QA). Now the names are shortened to a share of it, whole in their tooltips, and the values
    and the runs' names get the rest."""
    window.build_pages()
    window.resize(window.minimumSizeHint())
    winner, halfway = path_of(page, "winner"), path_of(page, "halfway")
    for path, factor, widths in ((winner, 0.1, [64, 128, 256]), (halfway, 1.0, [32, 64])):  # an architecture's own, long names
        page.run(path).settings.update({"arch_params.deep_encoder_lr_factor": factor, "arch_params.decoder_widths": widths})
    page.set_ticked([winner, halfway])
    settings = page.settings_table
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint() and settings.isVisible() and settings.viewport().width() > 0)
    metrics, names = settings.fontMetrics(), settings.verticalHeader()
    assert settings.verticalHeaderItem(0).text() == "Arch params.decoder widths"
    for row in range(settings.rowCount()):
        label = settings.verticalHeaderItem(row)
        assert label.toolTip().startswith(label.text() + ": ")  # whole there, where shortened
        for column in range(settings.columnCount()):
            value = settings.item(row, column).text()
            if len(value) <= 8:  # a number, a short name: whole
                assert metrics.horizontalAdvance(value) + 8 <= settings.columnWidth(column), (value, settings.columnWidth(column))
    assert names.width() <= settings.width() // 2
    for column, name in enumerate(("winner", "halfway")):  # the runs' names whole
        assert metrics.horizontalAdvance(name) + 8 <= settings.columnWidth(column)


def test_a_run_that_cannot_go_to_the_trash_is_named_whole_on_a_line_of_its_own(page, monkeypatch, delete_answers, line_breaks):
    """QA: "Could not move qa-one-run to the trash; …" wrapped inside the run's name, at its hyphen."""
    from PySide6.QtCore import QFile

    from desktop.widgets.confirm import as_typed

    winner = Path(page.table.item(row_of(page, "winner"), 0).data(Qt.ItemDataRole.UserRole + 1))
    page.select_run(winner)
    delete_answers.reply = "Delete"
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QFile, "moveToTrash", lambda *_a: (False, ""))  # no trash here
    assert not page.delete_selected() and winner.is_dir()
    path_line = next(line for line in warnings[-1].splitlines() if as_typed(line) == str(winner))  # on a line of its own
    assert not line_breaks(path_line) and "left where it is" in warnings[-1]
