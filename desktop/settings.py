"""Where the window keeps its settings (QSettings), with one switch to put them elsewhere.

``COLOURISE_SETTINGS_DIR`` (used by tests, the smoke test and the benchmarks)
stores them as an INI file in that folder instead of the user's real settings.
Keys: ``window/geometry``, ``window/state``, ``window/tab``, ``colourise/model``,
``colourise/strength`` (the strength photos added to the queue take), ``colourise/format``,
``folders/open``, ``folders/save``, ``recent/paths`` (File > Open Recent), ``train/...``, ``runs/folder``, ``hints/recent``
(recently used hint colours).
"""

from __future__ import annotations

import os

from PySide6.QtCore import QCoreApplication, QSettings

ORGANISATION = "Colourise"
APPLICATION = "Colourise"


def configure(settings_dir: str | None = None) -> None:
    """Name the application for QSettings; honour ``COLOURISE_SETTINGS_DIR``. Call before the first ``settings()``."""
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    folder = settings_dir or os.environ.get("COLOURISE_SETTINGS_DIR")
    if folder:
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)


def settings() -> QSettings:
    return QSettings()


def read(key: str, default, kind=None):
    """A setting with a default, converted to ``kind`` (QSettings hands back strings from INI files)."""
    value = settings().value(key, default)
    if kind is None or value is None:
        return value
    try:
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        return kind(value)
    except (TypeError, ValueError):
        return default


def read_list(key: str) -> list[str]:
    """A list of strings (an INI file hands back a lone string for a one-item list)."""
    value = settings().value(key, [])
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def write(key: str, value) -> None:
    settings().setValue(key, value)
