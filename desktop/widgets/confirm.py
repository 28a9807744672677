"""One way to ask the user before something that cannot be taken back."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton


def confirm(parent: QWidget | None, title: str, text: str, yes: Button = Button.Yes, no: Button = Button.No) -> bool:
    """Ask ``text``; True when the answer is ``yes``. ``no`` is the default, so Enter and Escape change nothing."""
    return QMessageBox.question(parent, title, text, yes | no, no) == yes
