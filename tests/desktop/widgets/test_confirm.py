"""Paths in message boxes: shown whole, never broken inside by word wrap."""

from __future__ import annotations

from PySide6.QtCore import QTextBoundaryFinder

from desktop.widgets.confirm import as_typed, unbroken


def _line_breaks(text: str) -> list[int]:
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Line, text)
    breaks = []
    for position in range(1, len(text)):
        finder.setPosition(position)
        if finder.isAtBoundary():
            breaks.append(position)
    return breaks


def test_a_path_with_hyphens_spaces_and_slashes_has_nowhere_to_break_and_reads_as_itself():
    path = "/home/ann/My Photos/qa-one/models/qa-one_2.safetensors"
    assert _line_breaks(path)  # (as it is: at hyphens, spaces and after slashes)
    assert _line_breaks(unbroken(path)) == []
    assert as_typed(unbroken(path)) == path
