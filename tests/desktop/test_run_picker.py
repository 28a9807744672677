"""Train > Resume a Run…: its Open Run Folder where no file manager can show it."""

from __future__ import annotations

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox


def test_open_run_folder_without_a_file_manager_says_where_the_runs_are(qtbot, tmp_path, monkeypatch):
    from desktop.run_picker import open_folder

    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no file manager (a bare Linux desktop)
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: notes.append(text))
    open_folder(tmp_path / "runs")
    assert (tmp_path / "runs").is_dir() and notes == [f"Could not open a file manager. The folder is: {tmp_path / 'runs'}"]
