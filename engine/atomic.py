"""Atomic file writes: a temporary file beside the target, then ``os.replace``.

A crash, a full disk or a cancelled job never leaves half a file where a good one
was (or was expected). The temporary file is opened with ``open(..., "xb")`` so the
user's umask decides its permissions (``mkstemp`` would make it private, 0600).

Temporary files are named ``.<target name>.<8 hex digits>.tmp``: unique per writer, so
two processes finishing the same file never share one. A process killed mid-write
leaves its temporary behind; the next write in that folder (once per process and
folder) removes ours that are older than ``STALE_TEMP_SECONDS``, and nothing else.
An error names the target, never the hidden temporary.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

STALE_TEMP_SECONDS = 10 * 60  # older than any write in progress could be
_TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
_cleaned: set[Path] = set()
_cleaned_lock = threading.Lock()


def temp_path_for(path: Path) -> Path:
    """A fresh, unique temporary name beside ``path``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


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
        if not (candidate in taken or (on_disk and candidate.exists()) or (taken and resolve(candidate) in taken)):
            return candidate
    raise AssertionError("unreachable: the names never run out")


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
        if path.is_symlink():
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
