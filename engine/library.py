"""Where models live: the user's model library folder plus the models bundled with the app.

- User library: ``$COLOURISE_MODEL_DIR`` if set, else the per-user data folder that
  ``platformdirs`` names (``~/.local/share/colourise/models`` on Linux,
  ``%APPDATA%/Colourise/models`` on Windows, ``~/Library/Application Support/Colourise/models``
  on macOS).
- Bundled: ``resources/models`` (found through ``sys._MEIPASS`` in the frozen app).

A model is named by a file path or by its library name (the file's stem). A user
model shadows a bundled one of the same name; ``default`` is the bundled default.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.atomic import atomic_path, free_name, move_to_free_name, temp_path_for
from engine.errors import ColouriseError, ModelFileError
from engine.modelfile import ModelInfo, read_info

MODEL_SUFFIX = ".safetensors"
DEFAULT_MODEL = "default"


def safe_name(name: str) -> str:
    """A file-name-safe version of a model name (letters, digits, ``-_.``)."""
    cleaned = re.sub(r"[^\w.-]+", "-", name.strip()).strip("-.")
    return cleaned or "model"


def name_problem(name: str) -> str:
    """Why ``name`` cannot be a model's name as it stands ('' when it can): renaming a model and naming the
    one a run trains refuse the same names, instead of one turning "../a b" into "a-b" unasked."""
    if safe_name(name) != name:
        return f"“{name}”: use letters, digits, '-', '_' and '.' only"
    return ""


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
    # platformdirs: ~/.local/share/colourise (XDG_DATA_HOME honoured), %APPDATA%/Colourise,
    # ~/Library/Application Support/Colourise: the folders earlier versions used.
    app = "colourise" if sys.platform.startswith("linux") else "Colourise"
    return platformdirs.user_data_path(app, appauthor=False, roaming=True) / "models"


@dataclass
class LibraryEntry:
    name: str
    path: Path
    bundled: bool
    info: ModelInfo | None  # None when the file is unreadable
    error: str = ""  # why ``info`` is None

    @property
    def problem(self) -> str:
        """Why this readable model cannot colour here ("" when it can, or is unreadable: ``error`` says why):
        "unknown architecture 'tiny': see README, Custom architectures" for an architecture neither built in
        nor registered by an installed plugin (``engine.models.registry``)."""
        from engine.models import is_known  # (torch: imported here, so the library's callers need not wait for it)
        from engine.models.registry import CUSTOM_ARCHITECTURES_HELP

        if self.info is None or is_known(self.info.arch):
            return ""
        return f"unknown architecture {self.info.arch!r}: {CUSTOM_ARCHITECTURES_HELP}"


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
    return free_name(folder / f"{name}{MODEL_SUFFIX}")


def add_model(model_file: str | Path, name: str, user_dir: str | Path | None = None) -> Path:
    """Copy ``model_file`` into the user library as ``<name>.safetensors`` (``name-2`` ... if taken); returns the new path.

    Written through ``engine.atomic``: the library never holds half a model.
    """
    folder = user_models_dir(user_dir)
    folder.mkdir(parents=True, exist_ok=True)
    wanted = folder / f"{name}{MODEL_SUFFIX}"
    # Copy first, then claim a name (never replacing): two trainings of one name finishing
    # together each get a file of their own, and each reports the file holding its model.
    tmp = temp_path_for(wanted)
    try:
        shutil.copyfile(model_file, tmp)
        return move_to_free_name(tmp, wanted)
    except OSError as exc:
        if exc.filename in (None, str(tmp)):
            exc.filename = str(wanted)  # the user knows the library file, not our hidden temporary
        raise
    finally:
        tmp.unlink(missing_ok=True)


def same_model(model_file: str | Path, user_dir: str | Path | None = None) -> LibraryEntry | None:
    """The library model (yours or bundled) whose file holds exactly the bytes of ``model_file``, if any."""
    model_file = Path(model_file)
    try:
        size = model_file.stat().st_size
    except OSError:
        return None
    for entry in list_library(user_dir):
        try:
            if entry.path.stat().st_size == size and filecmp.cmp(entry.path, model_file, shallow=False):
                return entry
        except OSError:
            continue
    return None


def import_model(model_file: str | Path, user_dir: str | Path | None = None) -> Path:
    """Check ``model_file`` is a complete, safe Colourise model (loaded fully, on the CPU), then add it
    to the library under its own name; a bad file raises a one-line ``ModelFileError``."""
    from engine.modelfile import load_model

    _model, info = load_model(model_file, "cpu")
    return add_model(model_file, info.name, user_dir)


def _own_model(name: str, user_dir: str | Path | None, doing: str) -> LibraryEntry:
    entry = next((e for e in list_library(user_dir) if e.name == name), None)
    if entry is None or entry.bundled:
        raise ColouriseError(f"{name}: only your own models can be {doing}")
    return entry


def rename_model(name: str, new_name: str, user_dir: str | Path | None = None) -> Path:
    """Rename a user model (its file); refuses bundled models, unsafe names and names taken. Returns the new path."""
    entry = _own_model(name, user_dir, "renamed")
    problem = name_problem(new_name)
    if problem:
        raise ColouriseError(problem)
    target = entry.path.with_name(new_name + MODEL_SUFFIX)
    if target.exists() or any(e.name == new_name for e in list_library(user_dir)):
        raise ColouriseError(f"“{new_name}”: a model of that name exists already")
    try:
        os.link(entry.path, target)  # claims the new name atomically: fails if anyone took it since the check
    except FileExistsError:
        raise ColouriseError(f"“{new_name}”: a model of that name exists already") from None
    except OSError:
        if target.exists():
            raise ColouriseError(f"“{new_name}”: a model of that name exists already") from None
        try:  # no hard links here (FAT, some network shares)
            entry.path.rename(target)
        except OSError as exc:
            raise ColouriseError(f"{entry.path.name}: cannot rename ({exc.strerror or exc})") from None
        return target
    entry.path.unlink()
    return target


def delete_model(name: str, user_dir: str | Path | None = None, move_to_trash=None) -> None:
    """Remove a user model: ``move_to_trash(path) -> bool`` first (the window passes the system's trash),
    deleting the file where that is not possible. Bundled models cannot be deleted."""
    entry = _own_model(name, user_dir, "deleted")
    if move_to_trash is not None and move_to_trash(entry.path):
        return
    try:
        entry.path.unlink()
    except OSError as exc:
        raise ColouriseError(f"{entry.path.name}: cannot delete ({exc.strerror or exc})") from None


def export_model(model_file: str | Path, target: str | Path, user_dir: str | Path | None = None, move_to_trash=None) -> tuple[Path, bool]:
    """Copy a model file to ``target`` (``.safetensors`` added when missing) to share it; returns the path written
    and whether a file it replaced went to the trash.

    Written through ``engine.atomic``: ``target`` is never half a model, and a file there is replaced only once the
    copy is whole, after ``move_to_trash(path) -> bool`` put it in the trash where it can (the window passes the
    system's trash; the user has agreed to replace it). Never a model of the library: that would swap its weights
    for good. An error is a one-line ``ColouriseError``."""
    model_file, target = Path(model_file), Path(target).expanduser()
    if target.suffix.lower() != MODEL_SUFFIX:
        target = target.with_name(target.name + MODEL_SUFFIX)
    trashed = False
    try:
        if target.exists():
            _refuse_library_file(model_file, target, user_dir)
        with atomic_path(target) as tmp:
            shutil.copyfile(model_file, tmp)
            if move_to_trash is not None and target.exists():
                trashed = bool(move_to_trash(target))
    except OSError as exc:
        where = exc.filename if exc.filename else target
        raise ColouriseError(f"{Path(where).name}: cannot export ({exc.strerror or exc})") from None
    return target, trashed


def _refuse_library_file(model_file: Path, target: Path, user_dir: str | Path | None) -> None:
    """A ``ColouriseError`` when ``target`` (existing) is the model's own file or another model of the library."""
    if os.path.samefile(model_file, target):
        raise ColouriseError(f"{target.name}: that is the model's own file; choose another place or name")
    # By folder, not by listing the models: a bundled model shadowed by one of yours is a library file too. (A link
    # elsewhere to a library file is safe: replacing it replaces the link.)
    for folder, whose in ((user_models_dir(user_dir), "your model “{}” in the library"), (bundled_models_dir(), "the bundled model “{}”")):
        if folder.is_dir() and os.path.samefile(folder, target.parent):
            raise ColouriseError(f"{target.name}: that is {whose.format(target.stem)}; choose another place or name")
