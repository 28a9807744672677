"""One way to ask the user before something that cannot be taken back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTextBoundaryFinder
from PySide6.QtWidgets import QMessageBox, QWidget

Button = QMessageBox.StandardButton
NON_BREAKING = {"-": "\u2011", " ": "\u00a0"}  # a hyphen and a space that word wrap does not break at
WORD_JOINER = "\u2060"  # (invisible: no break on either side)


def unbroken(path: Path | str) -> str:
    """``path`` as a message box shows it whole: wrapped with the text, it broke inside itself ("…/models/qa-" over
    "one.safetensors"). Its hyphens and spaces are non-breaking ones, and a word joiner sits at each other place Qt
    may break a line (after a slash). For a line of its own in a box whose text is not selectable."""
    text = "".join(NON_BREAKING.get(char, char) for char in str(path))
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    pieces, start = [], 0
    for position in range(1, len(text)):
        finder.setPosition(position)
        if finder.isAtBoundary():
            pieces.append(text[start:position])
            start = position
    return WORD_JOINER.join(pieces + [text[start:]])


def name_then_reason(message: str, name: str) -> str:
    """A ``"<name>: <reason>"`` message as a message box shows it: the file's name whole on a line of its own (wrapped
    with the reason, it broke inside itself, "qa-" over "one.png"), the reason on the next. Any other message as is."""
    prefix = f"{name}: "
    if not name or not message.startswith(prefix):
        return message
    return f"{unbroken(name)}\n{message[len(prefix):]}"


def as_typed(shown: str) -> str:
    """``unbroken``'s text back as the path it shows."""
    typed = {shown_char: char for char, shown_char in NON_BREAKING.items()}
    return "".join(typed.get(char, char) for char in shown.replace(WORD_JOINER, ""))


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
