"""Train > Resume a Run…: its Open Run Folder where no file manager can show it."""

from __future__ import annotations

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox


def test_open_run_folder_without_a_file_manager_says_where_the_runs_are(qtbot, tmp_path, monkeypatch):
    from desktop.run_picker import open_folder

    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no file manager (a bare Linux desktop)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    open_folder(tmp_path / "runs")
    assert (tmp_path / "runs").is_dir() and notes == [f"Could not open a file manager. The folder is:\n{tmp_path / 'runs'}"]


def test_every_column_shows_its_whole_text_beside_the_run_name(qtbot, tmp_path):
    import time

    from desktop.run_picker import ResumableRun, RunPicker
    from desktop.workers import Lane

    lane = Lane("picker-test")
    picker = RunPicker(tmp_path / "runs", lane)
    qtbot.addWidget(picker)
    with qtbot.waitSignal(picker.listed, timeout=10_000):
        picker.show()
    picker._fill([ResumableRun(tmp_path / "runs" / "colour_unet-20261201-102059", "colour_unet", 123_456, "(3,000 epochs)", time.time())])
    item = picker.table.topLevelItem(0)
    assert item.text(2) == "123,456 (3,000 epochs)"
    metrics = picker.table.fontMetrics()
    for column in (1, 2, 3):  # (the last column took the room before, and the steps read "51 (300 epoc…")
        assert picker.table.columnWidth(column) >= metrics.horizontalAdvance(item.text(column)), item.text(column)
    picker.reject()
    lane.wait(10_000)
