"""One way to show a folder in the system's file manager, and to say where it is when there is none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


def show_folder(parent: QWidget | None, folder: str | Path) -> bool:
    """Open ``folder`` in the file manager; True when one opened it. ``parent`` (else the active window) holds the note.

    Qt answers False when nothing can open a folder (a bare Linux desktop has no file
    manager); the click would then do nothing, so the user is told where the folder is.
    """
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    text = f"Could not open a file manager. The folder is:\n{folder}"  # (the path as typed, on a line of its own: to copy)
    box = QMessageBox(QMessageBox.Icon.Information, "Open Folder", text, parent=parent or QApplication.activeWindow())
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # (only the text says where it is)
    box.exec()
    return False
