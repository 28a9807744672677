"""The model library as the window sees it: one shared list that tells every page when it changes.

Reads only model headers (``engine.library.list_library``), so a refresh is cheap;
a file-system watcher on the user's library folder picks up models added by the
command line or a finished training run.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from engine.library import DEFAULT_MODEL, LibraryEntry, list_library, user_models_dir


def shown_name(entry: LibraryEntry) -> str:
    """A model's name as the window shows it: ``default (bundled)`` for one that came with the app."""
    return entry.name + (" (bundled)" if entry.bundled else "")


def _fingerprint(entries: list[LibraryEntry]) -> list[tuple]:
    out = []
    for entry in entries:
        try:
            mtime = entry.path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        out.append((entry.name, str(entry.path), mtime, entry.bundled))
    return out


class Library(QObject):
    changed = Signal()
    """Models were added, removed, renamed or rewritten."""
    renamed = Signal(str, str, str, str)
    """A model was renamed in the window: (old name, new name, old model key, new model key); sent before ``changed``."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._entries: list[LibraryEntry] = []
        self._fingerprint: list[tuple] = []
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_directory_changed)
        self._watcher.fileChanged.connect(self._on_directory_changed)
        self.refresh()

    @property
    def user_dir(self) -> Path:
        return user_models_dir()

    def entries(self) -> list[LibraryEntry]:
        return list(self._entries)

    def usable(self) -> list[LibraryEntry]:
        """Entries that can colour: their file could be read, and their architecture is known here."""
        return [e for e in self._entries if e.info is not None and not e.problem]

    def find(self, name: str) -> LibraryEntry | None:
        return next((e for e in self._entries if e.name == name), None)

    def default_name(self, without: str | None = None) -> str | None:
        """The model to pick when the user has not chosen: ``default`` if present, else the first usable one
        (``without``: as it will be once that model is gone)."""
        usable = [e for e in self.usable() if e.name != without]
        if any(e.name == DEFAULT_MODEL for e in usable):
            return DEFAULT_MODEL
        return usable[0].name if usable else None

    def refresh(self) -> bool:
        """Re-read the library; emits ``changed`` and returns True when it differs."""
        self._watch()  # before reading: a model written in between still wakes the watcher
        entries = list_library()
        fingerprint = _fingerprint(entries)
        if fingerprint == self._fingerprint:
            return False
        self._entries, self._fingerprint = entries, fingerprint
        self._watch_unreadable()
        self.changed.emit()
        return True

    def _watch(self) -> None:
        # A new user has no library folder until the first model is saved (perhaps by the
        # command line): watch the nearest folder above it that exists, and move down as
        # the folders appear, so that first model shows up without a restart.
        folder = self.user_dir
        while True:
            target = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
            watched = set(self._watcher.directories())
            if target is None or str(target) in watched:
                break
            for old in watched - {str(target)}:
                self._watcher.removePath(old)
            self._watcher.addPath(str(target))

    def _watch_unreadable(self) -> None:
        # A model copied in by hand (a file manager, cp) is seen while half written: its
        # header cannot be read yet. Watch such files, so they become usable once complete.
        unreadable = {str(e.path) for e in self._entries if e.info is None and e.path.is_file()}
        watched = set(self._watcher.files())
        if watched - unreadable:
            self._watcher.removePaths(list(watched - unreadable))
        if unreadable - watched:
            self._watcher.addPaths(list(unreadable - watched))

    def _on_directory_changed(self, _path: str) -> None:
        self.refresh()
