"""Open Folder: the file manager shows the folder, or the user is told where it is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.widgets.show_folder import show_folder


def test_a_folder_opens_in_the_file_manager_without_a_note(qtbot, tmp_path, monkeypatch):
    opened, notes = [], []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    assert show_folder(None, tmp_path)
    assert opened == [str(tmp_path)] and notes == []


def test_without_a_file_manager_the_user_is_told_where_the_folder_is(qtbot, tmp_path, monkeypatch):
    parent = QWidget()
    qtbot.addWidget(parent)
    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # as Qt answers on a desktop with none
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append((box.parent(), box.text(), box.textInteractionFlags())))
    monkeypatch.setattr(QMessageBox, "information", lambda box_parent, _title, text: notes.append((box_parent, text, None)))  # (not selectable)
    folder = tmp_path / "qa-one runs"
    assert not show_folder(parent, folder)
    assert notes == [(parent, f"Could not open a file manager. The folder is:\n{folder}", Qt.TextInteractionFlag.TextSelectableByMouse)]
    assert notes[0][1].splitlines()[-1] == str(folder)  # on a line of its own, as typed: copied, it is the path
