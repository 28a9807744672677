"""Colourise files: the one path from photos on disk to colour photos saved in a folder.

``read_photo`` -> ``Colouriser`` -> ``write_photo``, per photo, reporting through a
``TaskState``. A bad photo is reported and the rest go on; an existing file is never
replaced unless asked, and an original never, even then.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from engine.errors import ColouriseError, PhotoError
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoSkipped, PhotoStarted
from engine.inference import luminance
from engine.photo import is_photo_path, read_photo, write_photo
from engine.task import TaskState

log = logging.getLogger(__name__)

OUTPUT_FORMATS = {"same": None, "png": ".png", "jpg": ".jpg", "tif": ".tif"}
CUDA_BATCH = 4  # photos per network pass on a GPU; full-size photos stay few in memory


@dataclass(frozen=True)
class _Job:
    source: Path
    relative: Path  # where the output goes under the output folder


def collect_photos(inputs: Iterable[str | Path], exclude: str | Path | None = None) -> list[Path]:
    """Photos named by ``inputs``: files as given, folders searched recursively by suffix.

    Sorted and without duplicates. Hidden files and folders are left out of folder
    searches, and so is ``exclude`` (the output folder, when it sits inside an input).
    A file named explicitly is kept whatever its suffix, so it gets a clear error
    rather than being skipped silently; so is a path that does not exist.
    """
    return [job.source for job in _jobs(inputs, exclude)]


def _jobs(inputs: Iterable[str | Path], exclude: str | Path | None) -> list[_Job]:
    excluded = Path(exclude).resolve() if exclude is not None else None
    seen: set[Path] = set()
    jobs: list[_Job] = []

    def add(source: Path, relative: Path) -> None:
        key = source.resolve()
        if key not in seen:
            seen.add(key)
            jobs.append(_Job(source, relative))

    for item in map(Path, inputs):
        if not item.is_dir():
            add(item, Path(item.name))
            continue
        found = []
        for folder, dirs, files in os.walk(item):
            folder_path = Path(folder)
            dirs[:] = [d for d in dirs if not d.startswith(".") and (folder_path / d).resolve() != excluded]
            found += [folder_path / f for f in files if not f.startswith(".") and is_photo_path(f)]
        for source in sorted(found):
            add(source, source.relative_to(item))
    return sorted(jobs, key=lambda job: str(job.source))


def colourise_files(
    inputs: Iterable[str | Path],
    output_dir: str | Path,
    colouriser,
    *,
    strength: float = 1.0,
    fmt: str = "same",
    overwrite: bool = False,
    state: TaskState | None = None,
) -> BatchFinished:
    """Colour every photo in ``inputs`` into ``output_dir``; returns the counts.

    Outputs keep the input's name (and, for folder inputs, its sub-folder) and format
    unless ``fmt`` is png/jpg/tif. Emits PhotoStarted, then PhotoDone, PhotoFailed or
    PhotoSkipped per photo; checks ``state.should_stop()`` between photos.
    """
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    state = state or TaskState()
    output_dir = Path(output_dir)
    jobs = _jobs(inputs, output_dir)
    originals = _identities(job.source for job in jobs)
    batch_size = CUDA_BATCH if colouriser.device.type == "cuda" else 1
    total = len(jobs)
    counts = {"done": 0, "failed": 0, "skipped": 0}
    planned: set[Path] = set()

    def fail(index: int, source: Path, message: str) -> None:
        counts["failed"] += 1
        state.emit(PhotoFailed(index, total, source, message))

    for start in range(0, total, batch_size):
        if state.should_stop():
            return BatchFinished(counts["done"], counts["failed"], counts["skipped"], cancelled=True)
        ready = []  # (index, source, output, photo) to colour in this network pass
        for index in range(start, min(start + batch_size, total)):
            job = jobs[index]
            state.emit(PhotoStarted(index, total, job.source))
            output = _unique(output_dir / _with_format(job.relative, fmt), planned)
            planned.add(output)
            if _identity(output) in originals or output.resolve() in originals:
                fail(index, job.source, f"{job.source.name}: the output {output} would replace an original; choose another output folder")
                continue
            if output.exists() and not overwrite:
                counts["skipped"] += 1
                state.emit(PhotoSkipped(index, total, job.source, output))
                continue
            try:
                photo = read_photo(job.source)
                ready.append((index, job.source, output, photo, luminance(photo)))
            except ColouriseError as exc:
                fail(index, job.source, str(exc))
            except MemoryError:
                fail(index, job.source, f"{job.source.name}: too large to fit in memory")
        for (index, source, output, photo, l_full), prediction in zip(ready, _predict(colouriser, ready)):
            try:
                if isinstance(prediction, BaseException):
                    raise prediction
                coloured = colouriser.render(photo, prediction, strength, l_full)
                output.parent.mkdir(parents=True, exist_ok=True)
                write_photo(coloured, output, overwrite=overwrite)
            except FileExistsError:  # appeared since we looked: leave it alone
                counts["skipped"] += 1
                state.emit(PhotoSkipped(index, total, source, output))
                continue
            except Exception as exc:  # one photo's failure must not end the batch
                fail(index, source, _message(source, exc))
                continue
            counts["done"] += 1
            state.emit(PhotoDone(index, total, source, output))
    return BatchFinished(counts["done"], counts["failed"], counts["skipped"])


def _predict(colouriser, ready: list) -> list:
    """Predictions for the ``ready`` photos in one pass; if that fails, one by one so a bad photo fails alone."""
    photos, l_fulls = [r[3] for r in ready], [r[4] for r in ready]
    if len(photos) > 1:
        try:
            return colouriser.predict_many(photos, l_fulls)
        except Exception:
            log.debug("batched prediction failed; retrying one photo at a time", exc_info=True)
    results = []
    for photo, l_full in zip(photos, l_fulls):
        try:
            results.append(colouriser.predict(photo, l_full))
        except Exception as exc:
            results.append(exc)
    return results


def _message(source: Path, exc: BaseException) -> str:
    if isinstance(exc, PhotoError) and exc.path is not None and exc.path != source:
        return f"{source.name}: {exc}"  # a write error names the output file
    if isinstance(exc, ColouriseError):
        return str(exc)
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return f"{source.name}: too large to colourise in the memory available"
    log.debug("colourising %s failed", source, exc_info=True)
    first_line = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{source.name}: failed ({type(exc).__name__}{': ' + first_line if first_line else ''})"


def _with_format(relative: Path, fmt: str) -> Path:
    suffix = OUTPUT_FORMATS[fmt]
    return relative.with_suffix(suffix) if suffix else relative


def _unique(path: Path, taken: set[Path]) -> Path:
    """``path``, or ``name-2``, ``name-3`` ... when another photo in this batch already has it."""
    candidate, n = path, 2
    while candidate in taken:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _identities(paths: Iterable[Path]) -> set:
    """Resolved paths and (device, inode) pairs: a symlink or hard link to an original is an original."""
    out: set = set()
    for path in paths:
        out.add(path.resolve())
        ident = _identity(path)
        if ident is not None:
            out.add(ident)
    return out
