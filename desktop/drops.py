"""What a drop onto the window holds: local files (from any of the ways file managers send them) or a picture.

Cross-process drags do not all fill Qt's URL list: some sources offer only the
``text/uri-list`` bytes (with CRLF lines and ``#`` comments), or plain text of
``file://`` URLs or absolute paths, and an X11 drop may arrive with less than
drag-enter saw. ``local_paths`` reads every one of those; the window keeps what
drag-enter carried as the fallback for the drop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl

URI_LIST = "text/uri-list"
# Formats that some file managers use for the same list of files.
EXTRA_URI_LISTS = ("x-special/gnome-copied-files", "application/x-kde4-urilist")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _paths_from_lines(text: str) -> list[Path]:
    paths = []
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip().strip("\x00")
        if not line or line.startswith("#") or line in ("copy", "cut"):
            continue
        if "://" in line or line.startswith("file:"):
            url = QUrl(line)
            if url.isLocalFile() and url.toLocalFile():
                paths.append(Path(url.toLocalFile()))
        elif line.startswith("/") or (len(line) > 2 and line[1] == ":" and line[2] in "\\/"):
            paths.append(Path(line))
    return paths


def local_paths(mime: QMimeData | None) -> list[Path]:
    """Every local file named by ``mime``, in order, without repeats (existing ones only for plain text)."""
    if mime is None:
        return []
    found: list[Path] = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
    for fmt in (URI_LIST, *EXTRA_URI_LISTS):
        if mime.hasFormat(fmt):
            found += _paths_from_lines(_decode(bytes(mime.data(fmt))))
    if mime.hasText():
        found += [p for p in _paths_from_lines(mime.text()) if p.exists()]  # text that is not a path is not a file
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def describe_formats(mime: QMimeData | None) -> str:
    """A short list of what a drop offered, for the status bar ("text/html, text/plain")."""
    formats = [f for f in (mime.formats() if mime is not None else []) if not f.startswith("application/x-qt")]
    return ", ".join(formats[:4]) + (" …" if len(formats) > 4 else "") if formats else "nothing"
