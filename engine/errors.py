"""Errors the engine raises for users, and the one way any exception becomes a line a user reads."""

from __future__ import annotations

import sys
from pathlib import Path


class ColouriseError(Exception):
    """Base of the engine's user-facing errors; ``str()`` is a one-line message."""


class DeviceError(ColouriseError, RuntimeError):
    """The device asked for is not there (``--device cuda`` without a GPU)."""


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


def user_message(exc: BaseException, about: str | Path | None = None) -> str:
    """The one line a user reads for ``exc``: ``"<file name>: <reason>"`` when ``about`` names a file.

    Every front and every job turns exceptions into words here: engine errors are
    already one line; anything else gives its first line, or its type when it says
    nothing; no traceback ever reaches a user.
    """
    name = Path(about).name if about is not None else ""
    if not name and isinstance(exc, OSError) and exc.filename and exc.strerror:
        name = Path(exc.filename).name
    if isinstance(exc, PhotoError) and name and (exc.path is None or exc.path.name != name):
        return f"{name}: {exc}"  # e.g. a write error, which names the output file
    if isinstance(exc, ColouriseError):
        return str(exc)
    reason = error_reason(exc)
    return f"{name}: {reason}" if name else reason


def error_reason(exc: BaseException) -> str:
    """``exc`` as a short reason without a file name ("permission denied", "truncated or corrupt" ...)."""
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
    if isinstance(exc, MemoryError) or "out of memory" in text.lower():
        return "out of memory: try a smaller photo or batch"
    pillow = sys.modules.get("PIL.Image")  # loaded whenever a Pillow error can exist
    if pillow is not None and isinstance(exc, pillow.DecompressionBombError):
        return "too many pixels to be a safe image"
    if pillow is not None and isinstance(exc, pillow.UnidentifiedImageError):
        return "not an image Pillow can read"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    if isinstance(exc, (ValueError, OSError, RuntimeError, KeyError, TypeError)) and text:
        return text.strip("'\"") if isinstance(exc, KeyError) else text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
