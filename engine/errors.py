"""Errors the engine raises for users: each message is one line naming the file and the reason."""

from __future__ import annotations

from pathlib import Path


class ColouriseError(Exception):
    """Base of the engine's user-facing errors; ``str()`` is a one-line message."""


class PhotoError(ColouriseError):
    """A photo could not be read or written."""

    def __init__(self, path: str | Path | None, reason: str):
        self.path = Path(path) if path is not None else None
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}" if self.path else reason)


class ModelFileError(ColouriseError):
    """A model file is missing, broken, unsafe or does not fit its architecture."""

    def __init__(self, path: str | Path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")
