"""Menu and shortcut actions, made one way: the tooltip names the shortcut, the status bar shows the tip."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def make_action(parent: QObject, text: str, shortcut, slot: Callable, tip: str) -> QAction:
    """An action ``text`` (``&`` marks the mnemonic) with an optional ``shortcut`` (a string or a standard key)."""
    act = QAction(text, parent)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
    act.setToolTip(f"{tip} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip)
    act.setStatusTip(tip)
    act.triggered.connect(slot)
    return act
