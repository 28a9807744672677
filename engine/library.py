"""Where models live: the user's model library folder plus the models bundled with the app.

- User library: ``$COLOURISE_MODEL_DIR`` if set, else the per-user data directory
  (``~/.local/share/colourise/models`` on Linux, ``%APPDATA%/Colourise/models`` on
  Windows, ``~/Library/Application Support/Colourise/models`` on macOS).
- Bundled: ``resources/models`` (found through ``sys._MEIPASS`` in the frozen app).

A model is named by a file path or by its library name (the file's stem). A user
model shadows a bundled one of the same name; ``default`` is the bundled default.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ModelFileError
from engine.modelfile import ModelInfo, read_info

MODEL_SUFFIX = ".safetensors"
DEFAULT_MODEL = "default"


def resources_dir() -> Path:
    """The ``resources/`` folder, from a source checkout or inside the frozen app."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def bundled_models_dir() -> Path:
    return resources_dir() / "models"


def user_models_dir(override: str | Path | None = None) -> Path:
    """The user's model library folder (not created here)."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("COLOURISE_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "Colourise"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support" / "Colourise"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "colourise"
    return base / "models"


@dataclass
class LibraryEntry:
    name: str
    path: Path
    bundled: bool
    info: ModelInfo | None  # None when the file is unreadable
    error: str = ""  # why ``info`` is None


def list_library(user_dir: str | Path | None = None) -> list[LibraryEntry]:
    """Every model in the user library and the bundled folder, user models first, by name."""
    entries: dict[str, LibraryEntry] = {}
    for folder, bundled in ((user_models_dir(user_dir), False), (bundled_models_dir(), True)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{MODEL_SUFFIX}")):
            if path.stem in entries:
                continue  # a user model shadows a bundled one of the same name
            try:
                entries[path.stem] = LibraryEntry(path.stem, path, bundled, read_info(path))
            except ModelFileError as exc:
                entries[path.stem] = LibraryEntry(path.stem, path, bundled, None, exc.reason)
    return sorted(entries.values(), key=lambda e: (e.bundled, e.name.lower()))


def resolve_model(name_or_path: str | Path = DEFAULT_MODEL, user_dir: str | Path | None = None) -> Path:
    """A library name or a path -> the model file's path; a one-line error when there is none."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix and candidate.exists():
        return candidate
    name = str(name_or_path)
    for folder in (user_models_dir(user_dir), bundled_models_dir()):
        path = folder / f"{name}{MODEL_SUFFIX}"
        if path.is_file():
            return path
    if candidate.suffix or os.sep in name or "/" in name:
        raise ModelFileError(candidate, "no such file")
    raise ModelFileError(Path(name), "no model of that name in the library (see `colourise models`)")


def unique_library_path(name: str, user_dir: str | Path | None = None) -> Path:
    """A free ``<name>.safetensors`` path in the user library (``name-2``, ``name-3`` ... if taken)."""
    folder = user_models_dir(user_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{MODEL_SUFFIX}"
    n = 2
    while path.exists():
        path = folder / f"{name}-{n}{MODEL_SUFFIX}"
        n += 1
    return path
