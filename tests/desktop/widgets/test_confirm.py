"""Paths in message boxes: shown whole, never broken inside by word wrap."""

from __future__ import annotations

from desktop.widgets.confirm import as_typed, unbroken


def test_a_path_with_hyphens_spaces_and_slashes_has_nowhere_to_break_and_reads_as_itself(line_breaks):
    path = "/home/ann/My Photos/qa-one/models/qa-one_2.safetensors"
    assert line_breaks(path)  # (as it is: at hyphens, spaces and after slashes)
    assert line_breaks(unbroken(path)) == []
    assert as_typed(unbroken(path)) == path
