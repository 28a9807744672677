"""One way to ask the user before something that cannot be taken back."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def confirm(parent: QWidget | None, title: str, text: str, yes: Button = Button.Yes, no: Button = Button.No) -> bool:
    """Ask ``text``; True when the answer is ``yes``. ``no`` is the default, so Enter and Escape change nothing."""
    return QMessageBox.question(parent, title, text, yes | no, no) == yes


def confirm_delete(parent: QWidget | None, title: str, text: str, action: str = "Delete") -> bool:
    """Ask before deleting, with the buttons ``action`` and Cancel (every delete asks alike); True when ``action``
    is pressed. Cancel is the default, so Enter and Escape change nothing."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton, parent)
    delete = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is delete
