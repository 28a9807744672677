"""File > Open Recent: the photos and folders the user opened lately, to open again in one click.

Kept in the settings (``recent/paths``), most recent first, at most ``RECENT_LIMIT``.
Photos and folders the user opened (dialogs, drops, paste, photos given at launch)
are remembered; the sample photos are not. An entry that is not there any more (a
moved folder, an unplugged drive) stays in the menu, greyed out, until it comes
back or the menu is cleared: the drive may be plugged in again.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtWidgets import QMenu, QWidget

from desktop import settings

RECENT_KEY = "recent/paths"
RECENT_LIMIT = 10
SHOWN_FOLDER_CHARS = 48  # the folder part of an entry's text is elided in the middle beyond this


def _stored() -> list[str]:
    return list(dict.fromkeys(_plain(p) for p in settings.read_list(RECENT_KEY)))


def _plain(path: str | Path) -> str:
    """Absolute, without ".." or "~": as the user would write it (links are kept, not resolved)."""
    return os.path.abspath(Path(path).expanduser())


def recent_paths() -> list[Path]:
    """The remembered photos and folders, most recent first."""
    return [Path(p) for p in _stored()][:RECENT_LIMIT]


def remember(paths: Iterable[str | Path]) -> None:
    """Put ``paths`` (in their order) first among the recent ones; each path is kept once."""
    new = [_plain(p) for p in paths]
    if new:
        settings.write(RECENT_KEY, list(dict.fromkeys(new + _stored()))[:RECENT_LIMIT])


def forget_all() -> None:
    settings.write(RECENT_KEY, [])


def entry_text(number: int, path: Path, is_folder: bool = False) -> str:
    """``&1 grandma.tif  ~/Scans/1920s``: a mnemonic, the name (a folder's ends in /), then where it is (home as ~)."""
    folder = str(path.parent)
    home = str(Path.home())
    if folder == home or folder.startswith(home + os.sep):
        folder = "~" + folder[len(home):]
    if len(folder) > SHOWN_FOLDER_CHARS:
        half = (SHOWN_FOLDER_CHARS - 1) // 2
        folder = folder[:half] + "…" + folder[-half:]
    mnemonic = f"&{number} " if number < 10 else ""
    return f"{mnemonic}{path.name.replace('&', '&&')}{os.sep if is_folder else ''}  {folder.replace('&', '&&')}"


def _kind(path: Path) -> str | None:
    """"folder", "file", or None when it is not there (one look at the disk: a menu should open at once)."""
    try:
        return "folder" if stat.S_ISDIR(path.stat().st_mode) else "file"
    except OSError:
        return None


class RecentMenu(QMenu):
    """Open Recent: filled each time it opens, so it always shows what is remembered now."""

    def __init__(self, open_paths: Callable[[list[Path]], None], parent: QWidget | None = None):
        super().__init__("Open &Recent", parent)
        self._open_paths = open_paths
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.refill)
        self.refill()

    def refill(self) -> None:
        self.clear()
        paths = recent_paths()
        if not paths:
            self.addAction("No Recent Photos").setEnabled(False)
        for number, path in enumerate(paths, start=1):
            kind = _kind(path)
            act = self.addAction(entry_text(number, path, kind == "folder"))
            act.setEnabled(kind is not None)
            act.setToolTip(str(path) if kind else f"{path} is not there any more")
            act.setStatusTip(act.toolTip())
            act.triggered.connect(lambda _=False, p=path: self._open_paths([p]))
        self.addSeparator()
        clear = self.addAction("&Clear Menu")
        clear.setEnabled(bool(paths))
        clear.triggered.connect(self._clear)

    def _clear(self) -> None:
        forget_all()
        self.refill()
