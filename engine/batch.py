"""The one path from photos to saved colour photos, for the command line and the window alike.

    sources (files, or a pasted image)  ->  plan_targets (free names)  ->  save_photos:
        per photo: decode -> predict (cached by photo + model) -> render -> write, never clobbering

``save_photos`` reports through a ``TaskState``: PhotoStarted, then PhotoDone,
PhotoFailed or PhotoSkipped per photo (each photo is written while the next is
coloured, so the next one may start before this one ends), checking ``should_stop()``
between photos: a photo being written is finished, a coloured one not yet written is
dropped. A bad photo is reported and the rest go on. The one overwrite rule: an
original is never written; an existing file is replaced only under ``REPLACE``, is
left alone under ``SKIP`` and is kept beside the new photo (under a free name) under
``KEEP_BOTH``; a file that appears while the batch runs is never replaced. A photo saved in a
format with no room for Colourise's EXIF tag (BMP) is noted in its folder's ``SAVED_RECORD``, so
a later batch knows it for Colourise's own and not an original (``originals_among``).

A ``ColourCache`` shared by a front's jobs keeps decoded photos and predictions, so
the photo the window previews is decoded and predicted once, then saved.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from engine.atomic import folder_resolver, free_name, name_fits, name_max, path_exists, resolved_path
from engine.data import in_colour_already
from engine.errors import ColouriseError, user_message
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoSkipped, PhotoStarted
from engine.hints import find_saved_hints, read_hint_file
from engine.inference import Prediction, luminance
from engine.photo import (
    OUTPUT_FORMATS, PHOTO_SUFFIXES, Collected, FoundPhoto, Photo, find_photos, made_by_model, read_photo, record_saved,
    recorded_as_saved, saved_by_colourise, side_by_side, sort_found, with_software, write_photo, written_untagged,
)  # fmt: skip
from engine.task import TaskState

log = logging.getLogger(__name__)

CUDA_BATCH = 4  # photos per network pass on a GPU; full-size photos stay few in memory
PHOTO_CACHE_BYTES = 1 << 30  # decoded photos kept for the preview and the save (the last few)
PREDICTION_CACHE_BYTES = 256 << 20  # predictions kept by photo + model (about 1000 at working size 256)


# --- what is coloured -------------------------------------------------------------------------
_serials = itertools.count(1)


@dataclass(eq=False)
class PhotoSource:
    """A photo file, or a pasted image held in memory (``path`` None)."""

    name: str
    path: Path | None = None
    pasted: Photo | None = None
    serial: int = field(default_factory=lambda: next(_serials))

    @classmethod
    def file(cls, path: str | Path) -> "PhotoSource":
        path = path if isinstance(path, Path) else Path(path)  # (a folder of thousands: not parsed again)
        return cls(path.name, path)

    @property
    def origin(self) -> Path:
        """What events name: the file, or the pasted image's name."""
        return self.path if self.path is not None else Path(self.name)

    @property
    def key(self) -> tuple:
        """Names this version of the photo in caches (a file changed on disk is another photo)."""
        if self.path is None:
            return ("pasted", self.serial)
        try:
            st = self.path.stat()
        except OSError:
            return ("file", str(self.path))
        return ("file", str(self.path.resolve()), st.st_mtime_ns, st.st_size)

    def read(self) -> Photo:
        return self.pasted if self.pasted is not None else read_photo(self.path)


# --- the cache of decoded photos and predictions ----------------------------------------------
class _Recent:
    """Least-recently-used values within a byte budget (the newest is always kept)."""

    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._bytes = 0

    def get(self, key):
        if key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key][0]

    def put(self, key, value, size: int) -> None:
        self.discard(key)
        self._items[key] = (value, size)
        self._bytes += size
        while self._bytes > self.budget and len(self._items) > 1:
            _key, (_value, old) = self._items.popitem(last=False)
            self._bytes -= old

    def discard(self, key) -> None:
        if key in self._items:
            self._bytes -= self._items.pop(key)[1]

    def discard_where(self, keep) -> None:
        for key in [k for k in self._items if not keep(k)]:
            self.discard(key)


class ColourCache:
    """Decoded photos and the network's predictions (by photo + model), shared by a front's jobs (thread-safe)."""

    def __init__(self, photo_bytes: int = PHOTO_CACHE_BYTES, prediction_bytes: int = PREDICTION_CACHE_BYTES):
        self._photos = _Recent(photo_bytes)
        self._predictions = _Recent(prediction_bytes)
        self._lock = threading.Lock()

    def photo(self, source: PhotoSource) -> Photo:
        """The decoded photo; read from disk only when not decoded lately."""
        if source.pasted is not None:
            return source.pasted
        key = source.key
        with self._lock:
            photo = self._photos.get(key)
        if photo is None:
            photo = source.read()
            size = photo.pixels.nbytes + (photo.alpha.nbytes if photo.alpha is not None else 0)
            with self._lock:
                self._photos.put(key, photo, size)
        return photo

    def cached_prediction(self, source: PhotoSource, colouriser) -> Prediction | None:
        with self._lock:
            return self._predictions.get((source.key, _model_of(colouriser)))

    def store_prediction(self, source: PhotoSource, colouriser, prediction: Prediction) -> None:
        with self._lock:
            self._predictions.put((source.key, _model_of(colouriser)), prediction, prediction.ab.numel() * prediction.ab.element_size())

    def prediction(self, source: PhotoSource, colouriser, photo: Photo | None = None) -> Prediction:
        """The model's colour for the photo: predicted once per photo and model."""
        prediction = self.cached_prediction(source, colouriser)
        if prediction is None:
            prediction = colouriser.predict(photo if photo is not None else self.photo(source))
            self.store_prediction(source, colouriser, prediction)
        return prediction

    def forget(self, source: PhotoSource) -> None:
        """Drop what is kept for ``source`` (it left the queue)."""
        key = source.key
        with self._lock:
            self._photos.discard(key)
            self._predictions.discard_where(lambda k: k[0] != key)

    def clear(self) -> None:
        with self._lock:
            self._photos.discard_where(lambda _k: False)
            self._predictions.discard_where(lambda _k: False)


def made_by(colouriser, hints: int = 0, strength: float = 1.0) -> str:
    """What a saved photo's EXIF "Software" says: ``Colourise 0.1.0, model default`` and, when the user
    had a hand in it, ``, 3 colour hints`` and ``, strength 120 %`` (``engine.photo.made_by_model``)."""
    return made_by_model(getattr(colouriser, "name", ""), hints, strength)


def _model_of(colouriser) -> str:
    return getattr(colouriser, "key", None) or f"colouriser@{id(colouriser):x}"


# --- names and the overwrite rule -------------------------------------------------------------
class Existing(Enum):
    """What to do when a target file exists already (an original is never written, whatever this says)."""

    SKIP = "skip"  # leave it, and do not save that photo
    REPLACE = "replace"  # the user said so
    KEEP_BOTH = "keep both"  # save the new photo under a free name beside it


BEFORE_AFTER_TAG = "-before-after"  # in the name of a picture of the original beside its colours


def output_name(name: str, fmt: str = "same", tag: str = "") -> str:
    """``<stem><tag><suffix>``: the suffix of ``fmt``, or for "same" the photo's own (PNG when not a photo suffix)."""
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    path = Path(name)
    suffix = OUTPUT_FORMATS[fmt][1] or (path.suffix if path.suffix.lower() in PHOTO_SUFFIXES else ".png")
    return f"{path.stem or 'photo'}{tag}{suffix}"


def output_path(folder: Path, relative: Path, fmt: str = "same", tag: str = "") -> Path:
    """Where a photo found at ``relative`` under the folder searched (``engine.photo.FoundPhoto``) goes in
    ``folder``: the same sub-folder, named by ``output_name`` (two photos of one name from two folders stay apart)."""
    return folder / relative.with_name(output_name(relative.name, fmt, tag))


def plan_targets(wanted: Sequence[Path], avoid: Iterable[Path] = (), *, avoid_existing: bool = False) -> list[Path]:
    """One target per wanted path: two photos never share one, none is in ``avoid`` (the originals),
    and with ``avoid_existing`` none is a file that exists (Keep Both)."""
    resolve = folder_resolver()
    taken = {resolve(Path(p)) for p in avoid}
    out: list[Path] = []
    for path in wanted:
        target = free_name(path, taken, on_disk=avoid_existing, resolve=resolve)
        taken.add(target)
        taken.add(resolve(target))
        out.append(target)
    return out


def is_original(target: Path, originals: Iterable[Path]) -> bool:
    """Whether writing ``target`` would write one of ``originals`` (also through a link)."""
    ids = _identities(originals)
    return _identity(target) in ids or resolved_path(target) in ids


def _identities(paths: Iterable[Path]) -> set:
    """Resolved paths and (device, inode) pairs: a symlink or hard link to an original is an original."""
    out: set = set()
    for path in paths:
        out.add(resolved_path(path))
        ident = _identity(path)
        if ident is not None:
            out.add(ident)
    return out


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


# --- the colour-and-save loop -----------------------------------------------------------------
@dataclass
class SaveRequest:
    source: PhotoSource
    target: Path
    hints_file: Path | None = None  # colour hints for this photo (engine.hints); a bad file fails the photo
    strength: float | None = None  # this photo's colour strength (the window sets one per photo); None: the settings'


@dataclass
class SaveSettings:
    # For the requests that carry no strength of their own; None: the strength their hint file was saved at, else 1.
    strength: float | None = 1.0
    format: str | None = None  # Pillow's format name; None: from the target's suffix
    quality: int = 95
    existing: Existing = Existing.SKIP
    protected: set[Path] = field(default_factory=set)  # more originals (besides the sources): never written
    before_after: bool = False  # write the original beside its colours (``engine.photo.side_by_side``) instead


def save_photos(
    requests: Sequence[SaveRequest],
    colouriser,
    settings: SaveSettings | None = None,
    state: TaskState | None = None,
    cache: ColourCache | None = None,
) -> BatchFinished:
    """Colour each request's photo and write it to its target; returns the counts (see the module's rule)."""
    settings = settings or SaveSettings()
    state = state or TaskState()
    originals = _identities([r.source.path for r in requests if r.source.path is not None] + list(settings.protected))
    batch_size = CUDA_BATCH if colouriser.device.type == "cuda" else 1
    total = len(requests)
    counts = {"done": 0, "failed": 0, "skipped": 0}

    def fail(index: int, source: PhotoSource, message: str) -> None:
        counts["failed"] += 1
        state.emit(PhotoFailed(index, total, source.origin, message))

    def skip(index: int, source: PhotoSource, target: Path) -> None:
        counts["skipped"] += 1
        state.emit(PhotoSkipped(index, total, source.origin, target))

    def report_written(writing: _Writing | None) -> None:
        """Wait for the photo being written and report how it ended."""
        if writing is None:
            return
        index, source, target = writing.index, writing.request.source, writing.request.target
        try:
            output = writing.future.result()
        except FileExistsError:  # appeared since we looked, under SKIP: leave it alone
            skip(index, source, target)
        except Exception as exc:
            log.debug("saving %s failed", source.origin, exc_info=True)
            fail(index, source, user_message(exc, source.origin))
        else:
            counts["done"] += 1
            if written_untagged(output):  # (BMP: no room for the tag; known from its name, not read back)
                untagged.append((output, writing.software))
            state.emit(PhotoDone(index, total, source.origin, output, in_colour=writing.in_colour))

    stopped = False
    untagged: list[tuple[Path, str]] = []  # written where no tag can say Colourise saved them, and how: noted in their folders' records
    # One photo is written on a thread of its own while the next is coloured: encoding a 12 MP PNG or
    # TIFF takes as long as colouring it, and the encoders and the network both let go of the GIL.
    with ThreadPoolExecutor(1, thread_name_prefix="colourise-save") as writer:
        writing: _Writing | None = None
        file_strengths: dict[int, float] = {}  # by request index: the strength its hint file was saved at
        for start in range(0, total, batch_size):
            if stopped or state.should_stop():
                stopped = True
                break
            ready = []  # (index, request, photo, luminance, hints) to colour in this network pass
            for index in range(start, min(start + batch_size, total)):
                request = requests[index]
                source, target = request.source, request.target
                state.emit(PhotoStarted(index, total, source.origin))
                if _identity(target) in originals or resolved_path(target) in originals:  # as is_original, with the set made once
                    fail(index, source, f"{source.name}: the output {target} would replace an original; choose another output folder")
                    continue
                if not name_fits(target):  # (asked about it, the file system raises: the whole batch ended)
                    size, limit = len(os.fsencode(target.name)), name_max(target.parent)
                    fail(index, source, f"{source.name}: cannot write: file name too long ({size} bytes; at most {limit} here)")
                    continue
                if settings.existing is Existing.SKIP and path_exists(target):
                    skip(index, source, target)
                    continue
                try:
                    photo = cache.photo(source) if cache is not None else source.read()
                    hints, saved_at = read_hint_file(request.hints_file, photo.width, photo.height) if request.hints_file is not None else (None, None)
                    if saved_at is not None:
                        file_strengths[index] = saved_at
                    ready.append((index, request, photo, luminance(photo), hints))
                except (ColouriseError, MemoryError) as exc:
                    fail(index, source, user_message(exc, source.origin))
            for (index, request, photo, l_full, _), prediction in zip(ready, _predict(colouriser, ready, cache)):
                try:
                    if isinstance(prediction, BaseException):
                        raise prediction
                    strength = request.strength if request.strength is not None else settings.strength
                    strength = file_strengths.get(index, 1.0) if strength is None else strength
                    coloured = colouriser.render(photo, prediction, strength, l_full)
                    if settings.before_after:
                        coloured = side_by_side(photo, coloured)
                    software = made_by(colouriser, prediction.hints, strength)
                    coloured = with_software(coloured, software)
                except Exception as exc:  # one photo's failure must not end the batch
                    log.debug("colourising %s failed", request.source.origin, exc_info=True)
                    fail(index, request.source, user_message(exc, request.source.origin))
                    continue
                report_written(writing)
                writing = None
                if state.should_stop():  # coloured but not yet written: Stop leaves it unsaved
                    stopped = True
                    break
                writing = _Writing(index, request, writer.submit(_write, coloured, request.target, settings), in_colour_already(photo), software)
        report_written(writing)
    record_saved(untagged)
    return BatchFinished(counts["done"], counts["failed"], counts["skipped"], cancelled=stopped)


class _Writing(NamedTuple):
    """A coloured photo being written by the saving thread."""

    index: int
    request: SaveRequest
    future: Future
    in_colour: bool
    software: str  # what its tag says of how it was coloured (``made_by``)


def _write(coloured: Photo, target: Path, settings: SaveSettings) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file where a folder should be (the first would read as "skipped")
        blocking = next((folder for folder in (target.parent, *target.parent.parents) if folder.exists()), target.parent)
        raise NotADirectoryError(
            errno.ENOTDIR, f"Cannot write: {blocking} is a file, not a folder", str(target)
        ) from None
    replace = settings.existing is Existing.REPLACE
    while True:
        try:
            return write_photo(coloured, target, settings.format, settings.quality, overwrite=replace)
        except FileExistsError:
            if settings.existing is not Existing.KEEP_BOTH:
                raise
            target = free_name(target)  # it appeared since the user chose: keep both


def _predict(colouriser, ready: list, cache: ColourCache | None) -> list:
    """Predictions for the ``ready`` photos (cached ones reused), new ones in one pass; if that fails,
    one by one so a bad photo fails alone. Photos with hints are predicted with them (never cached)."""
    results: list = [cache.cached_prediction(r[1].source, colouriser) if cache is not None and not r[4] else None for r in ready]
    todo = [i for i, known in enumerate(results) if known is None]

    def hints(indices: list[int]) -> dict:
        given = [ready[i][4] for i in indices]
        return {"hints": given} if any(given) else {}  # (a colouriser without hints keeps its plain call)

    if len(todo) > 1:
        try:
            for i, prediction in zip(todo, colouriser.predict_many([ready[i][2] for i in todo], [ready[i][3] for i in todo], **hints(todo))):
                results[i] = prediction
            todo = []
        except Exception:
            log.debug("batched prediction failed; retrying one photo at a time", exc_info=True)
    for i in todo:
        try:
            given = hints([i])
            results[i] = colouriser.predict(ready[i][2], ready[i][3], hints=given["hints"][0]) if given else colouriser.predict(ready[i][2], ready[i][3])
        except Exception as exc:
            results[i] = exc
    if cache is not None:
        for r, prediction in zip(ready, results):
            if isinstance(prediction, Prediction) and not r[4]:
                cache.store_prediction(r[1].source, colouriser, prediction)
    return results


# --- folders in, a folder out (the command line's case) ---------------------------------------
def collect_photos(inputs: Iterable[str | Path], exclude: str | Path | None = None) -> Collected:
    """Photos named by ``inputs`` (see ``engine.photo.find_photos``), leaving out ``exclude`` (the output
    folder) and, from folders, the colour versions Colourise saved and what is no regular file
    (``engine.photo.sort_found``)."""
    return sort_found(find_photos(inputs, [exclude] if exclude is not None else []))


def colourise_files(
    inputs: Iterable[str | Path],
    output_dir: str | Path,
    colouriser,
    *,
    strength: float | None = 1.0,
    fmt: str = "same",
    overwrite: bool = False,
    state: TaskState | None = None,
    hints_file: str | Path | None = None,
    hints_dir: str | Path | None = None,
    before_after: bool = False,
    found: Sequence[FoundPhoto] | None = None,
) -> BatchFinished:
    """Colour every photo in ``inputs`` into ``output_dir``; returns the counts.

    ``found``: the photos ``collect_photos(inputs, output_dir)`` found already (else they are looked for).

    ``before_after``: write each original beside its colours instead, as ``<name>-before-after.<ext>``.

    ``strength``: each photo's colour strength; None: the strength its hint file was saved at (the window
    records it), else 1.

    Colour hints (``engine.hints``): ``hints_file`` for every photo (the command line
    allows it for one photo), or ``hints_dir/<photo stem>.json`` where that exists, else the hints the
    window saved for the photo in ``hints_dir`` (or in its sub-folder there) beside a colour version of it
    (``<stem>-colourised.<ext>.hints.json``; ``engine.hints.find_saved_hints``).

    Outputs keep the input's name (and, for folder inputs, its sub-folder) and format
    unless ``fmt`` names another (see ``OUTPUT_FORMATS``); two photos of one name get
    ``name-2`` ...; an existing output is skipped unless ``overwrite``. Colour versions Colourise
    saved are left out of folders (``collect_photos`` names them).
    """
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(OUTPUT_FORMATS)})")
    output_dir = Path(output_dir)
    if found is None:
        found = collect_photos(inputs, output_dir).photos
    tag = BEFORE_AFTER_TAG if before_after else ""
    wanted = [output_path(output_dir, photo.relative, fmt, tag) for photo in found]

    # The window's: beside a colour version it saved (under the photo's sub-folder, as Save All keeps it), for that photo
    saved_hints = find_saved_hints(found, Path(hints_dir), beside=False) if hints_dir is not None and hints_file is None else None

    def hints_for(path: Path) -> Path | None:
        if hints_file is not None:
            return Path(hints_file)
        if saved_hints is None:
            return None
        if (Path(hints_dir) / f"{path.stem}.json").is_file():
            return Path(hints_dir) / f"{path.stem}.json"
        return saved_hints.get(path)

    targets = plan_targets(wanted)
    requests = [SaveRequest(PhotoSource.file(p.path), target, hints_for(p.path)) for p, target in zip(found, targets)]
    folders = [Path(p).expanduser() for p in inputs if _is_folder(Path(p).expanduser())]  # the folders searched
    settings = SaveSettings(
        strength, existing=Existing.REPLACE if overwrite else Existing.SKIP, protected=originals_among(targets, folders), before_after=before_after,
    )
    return save_photos(requests, colouriser, settings, state)


def originals_among(targets: Iterable[Path], photo_folders: Iterable[Path]) -> set[Path]:
    """The ``targets`` that are someone's photos: files that exist in or under one of ``photo_folders``
    (the folders the photos came from) that Colourise did not save (no Colourise EXIF "Software" tag).

    An output folder inside the photos' folder (``-o scans/coloured``) is left out of the search, so
    the photos in it are not among the sources, yet they are originals as much as any other photo
    there: a colour version of another photo of the same name must never replace one. A colour
    version Colourise saved there before is an output and may be replaced: its tag says so, or, where
    the format has no room for one (BMP), its folder's ``SAVED_RECORD`` does. The rule is kept to the
    photos' own folders: elsewhere a file without the tag is most likely a colour version touched up
    by hand, which ``--overwrite`` (or the window's Replace) is asked to replace. Cheap: only targets
    that exist are looked at, and only their headers read (about 0.1 ms each).
    """
    folders = [resolved_path(Path(folder)) for folder in photo_folders]
    if not folders:
        return set()
    resolve = folder_resolver()
    records: dict[Path, dict[str, list[int]]] = {}
    return {
        target for target in targets
        if any(resolve(target).is_relative_to(folder) for folder in folders) and _is_file(target)
        and not saved_by_colourise(target) and not recorded_as_saved([target], records)
    }  # fmt: skip


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system: no file has it
        return False


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
