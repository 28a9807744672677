"""Atomic file writes: a temporary file beside the target, then ``os.replace``.

A crash, a full disk or a cancelled job never leaves half a file where a good one
was (or was expected). The temporary file is opened with ``open(..., "xb")`` so the
user's umask decides its permissions (``mkstemp`` would make it private, 0600).

Temporary files are named ``.<target name>.<8 hex digits>.tmp``: unique per writer, so
two processes finishing the same file never share one. Where that would be longer than the
file system holds (``name_max``), the target name in it is shortened: any name that fits can be
written. A process killed mid-write
leaves its temporary behind; the next write in that folder (once per process and
folder) removes ours that are older than ``STALE_TEMP_SECONDS``, and nothing else.
An error names the target, never the hidden temporary.

Small files read back by name (hint files, training configs, a run folder's status and logs) are read with
``read_regular_text``: a regular file only, opened without waiting (``open_regular_file``, which photos are
opened with too), as a named pipe in a file's place would block a plain ``open`` forever.
"""

from __future__ import annotations

import errno
import io
import itertools
import os
import re
import secrets
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

STALE_TEMP_SECONDS = 10 * 60  # older than any write in progress could be
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
_cleaned: set[Path] = set()
_cleaned_lock = threading.Lock()


def temp_path_for(path: Path) -> Path:
    """A fresh, unique temporary name beside ``path`` (its target name shortened where the whole would not fit)."""
    unique = f".{secrets.token_hex(4)}.tmp"
    return path.with_name(f".{_shortened(path.name, name_max(path.parent) - len(os.fsencode(unique)) - 1)}{unique}")


def name_max(folder: str | Path) -> int:
    """The longest file name, in bytes (of the file system's encoding), ``folder`` holds: 255 where it cannot say."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):  # a folder not made yet, a platform without pathconf
        return 255


def name_fits(path: Path) -> bool:
    """Whether ``path``'s name is no longer than its folder holds (``name_max``)."""
    return len(os.fsencode(path.name)) <= name_max(path.parent)


def fitting_name(path: Path, kept: str = "") -> Path:
    """``path``, its stem shortened where the name is longer than its folder holds: the suffix and ``kept``
    (a tag ending the stem, as ``-colourised``) stay, and there is room left for ``free_name``'s ``-2`` ... ``-99``."""
    if name_fits(path):
        return path
    stem = path.stem
    kept = kept if kept and stem.endswith(kept) and stem != kept else ""
    room = name_max(path.parent) - len(os.fsencode(kept + path.suffix)) - len("-99")
    return path.with_name(_shortened(stem[: len(stem) - len(kept)], room) + kept + path.suffix)


def _shortened(text: str, limit: int) -> str:
    """``text``, cut by whole letters to at most ``limit`` bytes (one letter at least)."""
    while len(text) > 1 and len(os.fsencode(text)) > limit:
        text = text[: max(1, min(len(text) - 1, limit))]
    return text


def remove_stale_temps(folder: str | Path) -> int:
    """Remove our temporaries older than ``STALE_TEMP_SECONDS`` in ``folder``, once per process; returns how many."""
    folder = Path(folder)
    with _cleaned_lock:
        key = folder.absolute()
        if key in _cleaned:
            return 0
        _cleaned.add(key)
    removed = 0
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not _TEMP_NAME.match(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def forget_cleaned_folders() -> None:
    """Tests: let ``remove_stale_temps`` look at every folder again."""
    with _cleaned_lock:
        _cleaned.clear()


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is removed."""
    path = Path(path)
    remove_stale_temps(path.parent)
    tmp = temp_path_for(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        if exc.filename in (None, str(tmp), tmp):
            exc.filename = str(path)  # the user knows the file, not our hidden temporary
        raise
    finally:
        tmp.unlink(missing_ok=True)


def move_to_free_name(tmp: Path, path: Path) -> Path:
    """Move ``tmp`` to ``path``, or ``<stem>-2<suffix>``, ``-3`` ...: the first name nobody holds, claimed
    atomically, so nothing is ever replaced, even by a writer racing for the same name. Returns it."""
    remove_stale_temps(path.parent)
    for candidate in name_candidates(path):
        try:
            os.link(tmp, candidate)  # fails if the name is held
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network shares): claim the name by creating it
            try:
                os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            except FileExistsError:
                continue
            os.replace(tmp, candidate)  # replaces only the empty file we just claimed
            return candidate
        os.unlink(tmp)
        return candidate


def atomic_write_bytes(path: str | Path, data: bytes | memoryview) -> None:
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def free_name(
    path: str | Path, taken: Iterable[Path] = (), *, on_disk: bool = True, resolve: Callable[[Path], Path] | None = None
) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext`` ...: the first not in ``taken`` (nor on disk, with ``on_disk``).

    The one "never overwrite, pick a free name" rule: saved photos and library models use it.
    ``resolve``: how to resolve links (``resolved_path``; a batch passes one that remembers folders).
    """
    taken = taken if isinstance(taken, (set, frozenset)) else set(taken)  # (a batch's set: not copied per photo)
    resolve = resolve or resolved_path
    for candidate in name_candidates(Path(path)):
        if not (candidate in taken or (on_disk and path_exists(candidate)) or (taken and resolve(candidate) in taken)):
            return candidate
    raise AssertionError("unreachable: the names never run out")


def path_exists(path: Path) -> bool:
    """``path.exists()``, False where asking fails (a name too long for the file system: no file has it)."""
    try:
        return path.exists()
    except OSError:  # the write to it, if any, says why
        return False


def name_candidates(path: Path) -> Iterator[Path]:
    """``path``, ``<stem>-2<suffix>``, ``<stem>-3<suffix>`` ...: the names tried when one is taken."""
    yield path
    for n in itertools.count(2):
        yield path.with_name(f"{path.stem}-{n}{path.suffix}")


def folder_resolver() -> Callable[[Path], Path]:
    """A ``resolved_path`` for many files: each folder is resolved once, and only a file that is itself
    a link is resolved whole (a Save All of 6,334 photos resolved every path component of every file)."""
    folders: dict[Path, Path] = {}

    def resolve(path: Path) -> Path:
        try:
            link = path.is_symlink()
        except OSError:  # a name too long for the file system: no link has it
            link = False
        if link:
            return resolved_path(path)
        if path.parent not in folders:
            folders[path.parent] = resolved_path(path.parent)
        return folders[path.parent] / path.name

    return resolve


def resolved_path(path: Path) -> Path:
    """``path`` with links resolved (as given where it cannot be, e.g. a link loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return path


class NotRegularFileError(OSError):
    """A named pipe, socket or device where a file was to be read (``open_regular_file``); ``strerror`` says so."""

    def __init__(self, path: str | Path):
        super().__init__(errno.EINVAL, "not a regular file", os.fspath(path))


def open_regular_file(path: str | Path) -> BinaryIO:
    """``path`` opened for reading (binary); ``OSError`` when it cannot be: ``FileNotFoundError``, ``PermissionError``,
    ``IsADirectoryError``, ``NotRegularFileError`` ...

    A named pipe in a file's place would block a plain ``open`` until something writes to it, i.e. forever: only
    a regular file is opened (a device is not even opened: that can have effects), without waiting, and its kind
    checked again on what was opened (it could have been swapped in between).
    """
    name = os.fspath(path)
    _check_regular(name, os.stat(name).st_mode)
    fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        _check_regular(name, os.fstat(fd).st_mode)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    fh.raw.name = name  # as ``open`` names it (Pillow takes the file's name from it)
    return fh


def _check_regular(name: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(name)


def read_regular_text(path: str | Path, encoding: str = "utf-8") -> str:
    """``Path.read_text``, opened with ``open_regular_file``: ``OSError`` (``NotRegularFileError`` for a named pipe,
    a socket or a device) instead of waiting forever; ``UnicodeDecodeError`` as it raises it."""
    with open_regular_file(path) as fh:
        return io.TextIOWrapper(fh, encoding=encoding).read()
