"""Colours that follow the hints as they are edited: a quick preview at once, full size when the user pauses.

``render_hinted`` is the work (a plain function for a worker lane): one network
pass with the hints (the engine's cheap preview pass while a point is dragged),
a preview-size render, and, when asked, the full-size render from the same
prediction. ``HintPreview`` feeds it from the UI thread and coalesces: while a
pass runs, newer requests replace each other and only the latest is run next,
so a drag never queues up stale work and the UI thread never waits. Once edits
pause, the latest hints get the full pass and the full-size render. The network's
guess does not depend on the strength: a request for the photo, model and hints of
the last full pass (a new strength) reuses its prediction and only renders.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QSize, QTimer, Signal

from desktop.colour_jobs import COLOURISERS
from desktop.images import DisplayImage, display_photo, photo_to_qimage
from desktop.workers import Job, Lane
from engine.inference import Prediction, model_key, resize_photo
from engine.photo import Photo
from engine.task import TaskState

IDLE_MS = 350  # no edit for this long: render at full size
HINT_PRIORITY = 20  # before the queue's own work when the lane is shared


@dataclass
class HintRequest:
    key: int  # the queue item
    revision: int  # its hints' revision: a result for an older one is stale
    photo: Photo  # the whole photo (after EXIF orientation)
    preview: Photo  # a smaller copy for quick renders
    model_path: Path
    strength: float
    points: list  # (x, y, (r, g, b)) in the photo's pixels
    full: bool = False  # also render at full size
    quick: bool = False  # the engine's cheap preview pass (a point is being dragged)
    # Already predicted (fully) for these hints: render only (with ``full``, the full size alone: its preview is shown).
    prediction: Prediction | None = None


@dataclass
class HintRendered:
    """Colours for one revision of a photo's hints: a preview-size picture first, then (``final``) the full one."""

    key: int
    revision: int
    model: str  # model_key of the model file
    prediction: Prediction
    display: DisplayImage | None  # None: nothing new to show (a full-size render of an earlier prediction follows)
    final: bool
    quick: bool = False  # from the cheap preview pass: not what is saved
    strength: float = 1.0  # the strength it is rendered at
    points: tuple = ()  # the hints it is coloured with, (x, y, (r, g, b)) in the photo's pixels


def render_hinted(request: HintRequest, state: TaskState) -> HintRendered | None:
    """Predict the colours with the hints (at working size) unless the request has them, render a preview (unless it is
    shown already), and the full size when asked."""
    if state.should_stop():
        return None
    colouriser = COLOURISERS.get(request.model_path)
    prediction, points = request.prediction, tuple(request.points)
    if prediction is None or not request.full:
        if prediction is None:
            prediction = predict_with_hints(colouriser, request.photo, request.preview, request.points, quick=request.quick)
        size = QSize(request.photo.width, request.photo.height)
        preview_image = photo_to_qimage(colouriser.render(request.preview, prediction, request.strength))
        rendered = HintRendered(
            request.key, request.revision, model_key(request.model_path), prediction,
            DisplayImage(preview_image, size), request.preview is request.photo, request.quick, request.strength, points,
        )
        state.emit(rendered)
    else:
        rendered = HintRendered(
            request.key, request.revision, model_key(request.model_path), prediction, None, request.preview is request.photo,
            strength=request.strength, points=points,
        )
    if request.full and not request.quick and not rendered.final and not state.should_stop():
        full = display_photo(colouriser.render(request.photo, prediction, request.strength))
        rendered = dataclasses.replace(rendered, display=full, final=True)
        state.emit(rendered)
    return rendered


def predict_with_hints(colouriser, photo: Photo, preview: Photo, points: list, quick: bool = False) -> Prediction:
    """The network's colours with ``points`` (photo pixels) as hints.

    Predicted from the preview-size copy: the network sees working size anyway, and
    the copy's lightness is quicker to compute than a 12 MP photo's. ``quick``: the
    engine's cheaper preview pass, for drags.
    """
    from engine.hints import Hint

    sx, sy = preview.width / photo.width, preview.height / photo.height
    hints = [Hint(min(preview.width - 1.0, x * sx), min(preview.height - 1.0, y * sy), tuple(rgb)) for x, y, rgb in points]
    return colouriser.predict(preview, hints=hints, preview=quick) if quick else colouriser.predict(preview, hints=hints)


class HintedColours:
    """A ``ColourCache`` for saving in which photos with hints have their hinted prediction.

    ``hinted`` maps ``PhotoSource.key`` to ``(points, prediction)``: the prediction the
    preview made for exactly these points, or None to predict them here (on the saving
    worker, the way the preview does). Everything else is the wrapped cache's.
    """

    def __init__(self, cache, hinted: dict, preview_side: int):
        self._cache = cache
        self._hinted = dict(hinted)
        self._preview_side = preview_side

    def photo(self, source):
        return self._cache.photo(source)

    def cached_prediction(self, source, colouriser) -> Prediction | None:
        if source.key not in self._hinted:
            return self._cache.cached_prediction(source, colouriser)
        points, prediction = self._hinted[source.key]
        if prediction is None:
            photo = self._cache.photo(source)
            prediction = predict_with_hints(colouriser, photo, resize_photo(photo, self._preview_side), points)
            self._hinted[source.key] = (points, prediction)
        return prediction

    def prediction(self, source, colouriser, photo: Photo | None = None) -> Prediction:
        return self.cached_prediction(source, colouriser) if source.key in self._hinted else self._cache.prediction(source, colouriser, photo)

    def store_prediction(self, source, colouriser, prediction: Prediction) -> None:
        if source.key not in self._hinted:  # a hinted prediction is not the model's own for this photo
            self._cache.store_prediction(source, colouriser, prediction)

    def forget(self, source) -> None:
        self._cache.forget(source)


class HintPreview(QObject):
    """Runs ``render_hinted`` on a lane for the latest request only; a full-size render once edits pause."""

    rendered = Signal(object)
    """A ``HintRendered`` for the latest request, or a drag's quick one newer than any shown (others are dropped)."""
    failed = Signal(str)
    """Colouring the latest request with the hints failed; a one-line message."""

    def __init__(self, lane: Lane, parent: QObject | None = None):
        super().__init__(parent)
        self.lane = lane
        self._job: Job | None = None
        self._running: HintRequest | None = None
        self._pending: HintRequest | None = None
        self._latest: HintRequest | None = None
        self._latest_prediction: Prediction | None = None  # predicted for ``_latest``, its preview shown
        # (key, model, points, prediction) of the last full pass for the photo shown: a new strength renders it anew
        self._predicted: tuple[int, str, tuple, Prediction] | None = None
        self._shown: tuple[int, int] | None = None  # (key, revision) of the last picture sent out
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_MS)
        self._idle.timeout.connect(self._render_full)

    @property
    def busy(self) -> bool:
        return self._job is not None or self._pending is not None

    def request(self, request: HintRequest) -> None:
        """Colour ``request`` as soon as the lane is free; replaces any request still waiting."""
        self._latest = request
        self._latest_prediction = None
        self._idle.stop()
        if self._job is not None:
            self._pending = request
            if self._running is not None and self._running.full:
                self._job.stop()  # a full-size render of an older revision is not worth waiting for
            return
        self._start(request)

    def cancel(self) -> None:
        """The photo is no longer shown (or is gone): nothing more for it, and its prediction is let go."""
        self._pending = self._latest = self._predicted = None
        self._idle.stop()
        if self._job is not None:
            self._job.stop()

    def _start(self, request: HintRequest) -> None:
        request = self._with_prediction(request)
        self._running = request
        self._job = self.lane.submit(
            render_hinted, request, priority=HINT_PRIORITY, name="hints",
            on_progress=self._on_progress, on_error=partial(self._on_error, request), on_end=self._on_ended,
        )

    def _on_error(self, request: HintRequest, message: str) -> None:
        """Say that ``request`` failed, unless it was cancelled since (its photo no longer shown, or removed from the
        queue): a late line about a photo gone from the view, or from the list, told the user nothing to act on."""
        if self._latest is not None and self._latest.key == request.key:
            self.failed.emit(message)

    def _with_prediction(self, request: HintRequest) -> HintRequest:
        """``request`` (a preview, not a drag's) with the last full pass's prediction when it was made for the same photo,
        model and hints.

        The network's guess does not depend on the strength: a strength change of a photo with hints ran it again,
        about 10 s on a busy 2-core CPU, where the render alone is quick."""
        if request.prediction is not None or request.quick or request.full or self._predicted is None:
            return request
        key, model, points, prediction = self._predicted
        if (key, model, points) != (request.key, model_key(request.model_path), tuple(request.points)):
            return request
        return dataclasses.replace(request, prediction=prediction)

    def _on_progress(self, event) -> None:
        if not isinstance(event, HintRendered):
            return
        latest = self._latest
        if not event.quick and latest is not None and event.key == latest.key:  # (at any strength: it is not in it)
            self._predicted = (event.key, event.model, event.points, event.prediction)
        if self._is_latest(event):
            self._latest_prediction = None if event.quick else event.prediction
        elif event.quick and self._is_newer_than_shown(event):
            # A drag moves on every few milliseconds, faster than a preview is made: waiting for one of
            # the latest revision showed nothing until the mouse stopped. A quick preview a few moves
            # old is shown instead, as long as it is newer than the picture on screen; never as final.
            event = dataclasses.replace(event, final=False)
        else:
            return
        self._shown = (event.key, event.revision)
        self.rendered.emit(event)

    def _is_newer_than_shown(self, event: HintRendered) -> bool:
        latest, shown = self._latest, self._shown
        if latest is None or event.key != latest.key:
            return False
        return shown is None or shown[0] != event.key or event.revision > shown[1]

    def _is_latest(self, event: HintRendered) -> bool:
        """Whether ``event`` has the colours the latest request asks for: its photo's hints, model and strength. A
        render of the same hints at the strength before (a slider moved meanwhile) was taken for it: its final
        picture showed the old colours for as long as the new render took, and ended the view's "Colouring…"."""
        latest = self._latest
        if latest is None:
            return False
        return (event.key, event.revision, event.model, event.strength) == (latest.key, latest.revision, model_key(latest.model_path), latest.strength)

    def _on_ended(self) -> None:
        self._job = self._running = None
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending)
        elif self._latest is not None and not self._latest.full:
            self._idle.start()  # nothing newer came: the full pass and picture once the user pauses

    def _render_full(self) -> None:
        latest = self._latest
        if latest is not None and not latest.full and self._job is None:
            self._latest = dataclasses.replace(latest, full=True, quick=False, prediction=self._latest_prediction)
            self._start(self._latest)
