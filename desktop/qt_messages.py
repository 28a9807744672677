"""Qt's log messages, minus one the offscreen platform prints for every resizable window.

The offscreen platform (the smoke test, CI) cannot pass size hints to a window
manager and says so as a warning each time a window's constraints change; that is
the platform's limit, not a fault of ours. Everything else goes to stderr.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QtMsgType, qInstallMessageHandler

_BENIGN = ("This plugin does not support propagateSizeHints()",)


def _handler(kind: QtMsgType, _context, message: str) -> None:
    if kind == QtMsgType.QtDebugMsg or any(text in message for text in _BENIGN):
        return
    print(f"Qt: {message}", file=sys.stderr)


def install_message_filter() -> None:
    qInstallMessageHandler(_handler)
