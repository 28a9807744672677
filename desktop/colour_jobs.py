"""The Colourise page's engine work, as plain functions run on a worker lane.

Each function takes a ``TaskState`` first (see ``desktop.workers``), emits the
dataclasses below (or engine events) as partial results and returns its final
result. Nothing here touches widgets; ``QImage``s are made here, off the GUI
thread, so painting them later is cheap.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSize

from desktop.images import DisplayImage, display_photo, photo_to_qimage, thumbnail
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoStarted
from engine.inference import Colouriser, Prediction, resize_photo
from engine.photo import Photo, read_photo, write_photo
from engine.task import TaskState

PREVIEW_SIDE = 1024  # strength and model changes show a photo this big first, then full size
FULL_RENDER_PAUSE_S = 0.15  # a newer request within this time (a slider still moving) skips the full-size render
THUMB_SIDE = 128


# --- models ------------------------------------------------------------------------------------
def model_key(path: Path) -> str:
    """Names one version of a model file: predictions are cached under it."""
    try:
        return f"{path}:{path.stat().st_mtime_ns}"
    except OSError:
        return str(path)


class ColouriserCache:
    """Loaded models by file version and device (the last few), shared by every colour job."""

    def __init__(self, size: int = 3):
        self._size = size
        self._loaded: OrderedDict[tuple[str, str], Colouriser] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, device: str = "auto") -> Colouriser:
        key = (model_key(path), device)
        with self._lock:
            if key in self._loaded:
                self._loaded.move_to_end(key)
                return self._loaded[key]
        colouriser = Colouriser.from_name(path, device=device)
        with self._lock:
            self._loaded[key] = colouriser
            while len(self._loaded) > self._size:
                self._loaded.popitem(last=False)
        return colouriser

    def clear(self) -> None:
        with self._lock:
            self._loaded.clear()


COLOURISERS = ColouriserCache()


# --- what a queue item stands for ------------------------------------------------------------
@dataclass
class PhotoSource:
    """A file on disk, or a pasted image held in memory."""

    name: str
    path: Path | None = None
    pasted: Photo | None = None

    def read(self) -> Photo:
        if self.pasted is not None:
            return self.pasted
        return read_photo(self.path)


# --- events these jobs emit ------------------------------------------------------------------
@dataclass
class BeforeReady:
    generation: int
    key: int
    photo: Photo
    preview: Photo
    display: DisplayImage


@dataclass
class PredictionReady:
    key: int
    model: str  # model_key of the model file
    prediction: Prediction


@dataclass
class AfterReady:
    generation: int
    key: int
    display: DisplayImage
    final: bool  # False: a preview-size render; True: full resolution


@dataclass
class Prepared:
    """A queue item coloured: its prediction and a coloured thumbnail."""

    key: int
    model: str
    prediction: Prediction
    thumb: object  # QImage
    size: QSize


# --- jobs --------------------------------------------------------------------------------------
def prepare_item(state: TaskState, key: int, source: PhotoSource, model_path: Path, strength: float) -> Prepared | None:
    """Read a queued photo, predict its colour with the model and render a thumbnail."""
    if state.should_stop():
        return None
    photo = source.read()
    colouriser = COLOURISERS.get(model_path)
    prediction = colouriser.predict(photo)
    return Prepared(key, model_key(model_path), prediction, _thumb(colouriser, photo, prediction, strength), QSize(photo.width, photo.height))


def _thumb(colouriser: Colouriser, photo: Photo, prediction: Prediction, strength: float):
    return thumbnail(photo_to_qimage(colouriser.render(resize_photo(photo, THUMB_SIDE), prediction, strength)), THUMB_SIDE)


def show_item(
    state: TaskState,
    generation: int,
    key: int,
    source: PhotoSource,
    model_path: Path,
    strength: float,
    photo: Photo | None = None,
    preview: Photo | None = None,
    prediction: Prediction | None = None,
) -> Prepared | None:
    """Everything the split view needs for one photo, quickest first.

    Emits ``BeforeReady`` (unless ``photo`` is given), ``PredictionReady`` (unless
    ``prediction`` is), an ``AfterReady`` at preview size, then returns after the
    full-resolution ``AfterReady``. A stop request between stages ends it early,
    so a newer strength or model takes over at once.
    """
    if state.should_stop():
        return None
    if photo is None:
        photo = source.read()
        preview = resize_photo(photo, PREVIEW_SIDE)
        state.emit(BeforeReady(generation, key, photo, preview, display_photo(photo)))
    preview = preview if preview is not None else resize_photo(photo, PREVIEW_SIDE)
    colouriser = COLOURISERS.get(model_path)
    if prediction is None:
        if state.should_stop():
            return None
        prediction = colouriser.predict(photo)
        state.emit(PredictionReady(key, model_key(model_path), prediction))
    if state.should_stop():
        return None
    size = QSize(photo.width, photo.height)
    preview_image = photo_to_qimage(colouriser.render(preview, prediction, strength))
    state.emit(AfterReady(generation, key, DisplayImage(preview_image, size), final=preview is photo))
    if preview is not photo and not _stopped_within(state, FULL_RENDER_PAUSE_S):
        state.emit(AfterReady(generation, key, display_photo(colouriser.render(photo, prediction, strength)), final=True))
    return Prepared(key, model_key(model_path), prediction, thumbnail(preview_image, THUMB_SIDE), size)


def _stopped_within(state: TaskState, seconds: float) -> bool:
    """Wait up to ``seconds`` for a stop request (the full-size render cannot be interrupted once begun)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if state.should_stop():
            return True
        time.sleep(0.01)
    return state.should_stop()


@dataclass
class SaveRequest:
    key: int
    source: PhotoSource
    target: Path
    overwrite: bool = False  # the user agreed to replace an existing file at ``target``
    prediction: Prediction | None = None  # None: predicted here


@dataclass
class SaveSettings:
    model_path: Path
    strength: float
    format: str | None = None  # None: from the target's suffix
    quality: int = 95
    protected: set[Path] = field(default_factory=set)  # originals: never written to


def free_path(path: Path, taken: set[Path] | None = None) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext`` ... : the first that exists neither on disk nor in ``taken``."""
    taken = taken or set()
    candidate, n = path, 2
    while candidate.exists() or candidate in taken:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def save_items(state: TaskState, requests: list[SaveRequest], settings: SaveSettings) -> BatchFinished:
    """Colour and write each photo; a failure is reported and the rest go on. Never replaces an original."""
    succeeded = failed = 0
    total = len(requests)
    colouriser = COLOURISERS.get(settings.model_path)
    protected = {_resolved(p) for p in settings.protected}
    for index, request in enumerate(requests):
        if state.should_stop():
            return BatchFinished(succeeded, failed, 0, cancelled=True)
        origin = request.source.path or Path(request.source.name)
        state.emit(PhotoStarted(index, total, origin))
        try:
            photo = request.source.read()
            prediction = request.prediction
            if prediction is None:
                prediction = colouriser.predict(photo)
                state.emit(PredictionReady(request.key, model_key(settings.model_path), prediction))
            coloured = colouriser.render(photo, prediction, settings.strength)
            target = request.target
            if _resolved(target) in protected:
                target = free_path(target, protected)
            try:
                written = write_photo(coloured, target, settings.format, settings.quality, overwrite=request.overwrite)
            except FileExistsError:  # it appeared since the user chose: keep both
                written = write_photo(coloured, free_path(target), settings.format, settings.quality, overwrite=False)
        except Exception as exc:  # noqa: BLE001 - one bad photo must not end the batch
            from desktop.workers import user_message

            failed += 1
            state.emit(PhotoFailed(index, total, origin, user_message(exc)))
            continue
        succeeded += 1
        state.emit(PhotoDone(index, total, origin, written))
    return BatchFinished(succeeded, failed, 0)


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except OSError:
        return path
