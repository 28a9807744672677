"""The Colourise page's engine work, as plain functions run on a worker lane.

Each function takes a ``TaskState`` last, as ``state`` (see ``desktop.workers``), emits the
dataclasses below (or engine events) as partial results and returns its final
result. Nothing here touches widgets; ``QImage``s are made here, off the GUI
thread, so painting them later is cheap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize

from desktop.images import DisplayImage, display_photo, photo_to_qimage, thumbnail
from engine.batch import ColourCache, PhotoSource, SaveRequest, SaveSettings, save_photos
from engine.data import in_colour_already
from engine.events import BatchFinished
from engine.inference import Colouriser, ColouriserCache, Prediction, model_key, resize_photo
from engine.photo import Photo
from engine.task import TaskState

PREVIEW_SIDE = 1024  # strength and model changes show a photo this big first, then full size
FULL_RENDER_PAUSE_S = 0.15  # a newer request within this time (a slider still moving) skips the full-size render
THUMB_SIDE = 128


COLOURISERS = ColouriserCache()  # loaded models, shared by every colour job of the window
COLOURS = ColourCache()  # decoded photos and predictions: a queued photo is decoded and predicted once, then saved


# --- events these jobs emit ------------------------------------------------------------------
@dataclass
class BeforeReady:
    generation: int
    key: int
    photo: Photo
    preview: Photo
    display: DisplayImage


@dataclass
class AfterReady:
    generation: int
    key: int
    display: DisplayImage
    final: bool  # False: a preview-size render; True: full resolution


@dataclass
class Prepared:
    """A queue item coloured (its prediction is in ``COLOURS``): a coloured thumbnail."""

    key: int
    model: str  # engine.inference.model_key of the model file
    thumb: object  # QImage
    size: QSize
    strength: float  # the strength the thumbnail shows (the photo's may have changed since)
    own_colours: bool = False  # the photo was in colour already (engine.data.in_colour_already)
    hints: tuple = ()  # the colour hints the thumbnail shows, (x, y, (r, g, b)) in the photo's pixels
    hinted_prediction: Prediction | None = None  # the prediction with those hints (none: the model's own, in ``COLOURS``)


# --- jobs --------------------------------------------------------------------------------------
def prepare_item(
    key: int, source: PhotoSource, model_path: Path, strength: float, hinted: tuple | None = None, *, state: TaskState
) -> Prepared | None:
    """Read a queued photo, predict its colour with the model and render a thumbnail.

    ``hinted``: the photo's colour hints as ``(points, prediction or None)`` (``HintMode.for_saving``):
    the thumbnail shows the colours they give, as saving it would, and the prediction with them comes back.
    """
    if state.should_stop():
        return None
    cache = COLOURS
    if hinted is not None:
        from desktop.hint_preview import HintedColours

        cache = HintedColours(COLOURS, {source.key: hinted}, PREVIEW_SIDE)
    photo = cache.photo(source)
    colouriser = COLOURISERS.get(model_path)
    prediction = cache.prediction(source, colouriser, photo)
    return Prepared(
        key, model_key(model_path), _thumb(colouriser, photo, prediction, strength), QSize(photo.width, photo.height), strength,
        own_colours=in_colour_already(photo), hints=tuple(hinted[0]) if hinted is not None else (),
        hinted_prediction=prediction if hinted is not None else None,
    )


def _thumb(colouriser: Colouriser, photo: Photo, prediction: Prediction, strength: float):
    return thumbnail(photo_to_qimage(colouriser.render(resize_photo(photo, THUMB_SIDE), prediction, strength)), THUMB_SIDE)


def show_item(
    generation: int,
    key: int,
    source: PhotoSource,
    model_path: Path,
    strength: float,
    photo: Photo | None = None,
    preview: Photo | None = None,
    hinted: bool = False,
    *,
    state: TaskState,
) -> Prepared | None:
    """Everything the split view needs for one photo, quickest first.

    Emits ``BeforeReady`` (unless ``photo`` is given), an ``AfterReady`` at preview
    size, then returns after the full-resolution ``AfterReady``. The photo and the
    prediction come from ``COLOURS`` when the queue has made them already. A stop
    request between stages ends it early, so a newer strength or model takes over at once.
    ``hinted``: the photo's colours come from its hints (``HintMode``): the ``BeforeReady`` alone.
    """
    if state.should_stop():
        return None
    if photo is None:
        photo = COLOURS.photo(source)
        preview = resize_photo(photo, PREVIEW_SIDE)
        state.emit(BeforeReady(generation, key, photo, preview, display_photo(photo)))
    if hinted:  # the model's own guess, never shown, was a network pass (about 10 s on a busy 2-core CPU)
        return None
    preview = preview if preview is not None else resize_photo(photo, PREVIEW_SIDE)
    colouriser = COLOURISERS.get(model_path)
    if COLOURS.cached_prediction(source, colouriser) is None and state.should_stop():
        return None
    prediction = COLOURS.prediction(source, colouriser, photo)
    if state.should_stop():
        return None
    size = QSize(photo.width, photo.height)
    preview_image = photo_to_qimage(colouriser.render(preview, prediction, strength))
    state.emit(AfterReady(generation, key, DisplayImage(preview_image, size), final=preview is photo))
    if preview is not photo and not _stopped_within(state, FULL_RENDER_PAUSE_S):
        state.emit(AfterReady(generation, key, display_photo(colouriser.render(photo, prediction, strength)), final=True))
    return Prepared(key, model_key(model_path), thumbnail(preview_image, THUMB_SIDE), size, strength, own_colours=in_colour_already(preview))


def _stopped_within(state: TaskState, seconds: float) -> bool:
    """Wait up to ``seconds`` for a stop request (the full-size render cannot be interrupted once begun)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if state.should_stop():
            return True
        time.sleep(0.01)
    return state.should_stop()


def save_photos_job(
    requests: list[SaveRequest], model_path: Path, settings: SaveSettings, hinted: dict | None = None, *, state: TaskState
) -> BatchFinished:
    """Save through the engine's one path, reusing the photos and predictions the queue has made.

    ``hinted``: for photos with hints, by ``PhotoSource.key``, ``(points, prediction or None)``;
    they are saved in their hinted colours (see ``desktop.hint_preview.HintedColours``).
    """
    cache = COLOURS
    if hinted:
        from desktop.hint_preview import HintedColours

        cache = HintedColours(COLOURS, hinted, PREVIEW_SIDE)
    return save_photos(requests, COLOURISERS.get(model_path), settings, state, cache)
