"""Keeps the split view showing the selected photo, coloured with the current model and its own strength.

A new request stops the one before (a moving slider or a new selection takes over at
once) and pictures from an older request are dropped. The decoded photo is kept while
it stays selected, so a strength or model change needs no re-reading.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.colour_jobs import AfterReady, BeforeReady, Prepared, show_item
from desktop.colourise_queue import QueueItem, QueueState
from desktop.widgets.split_view import SplitView
from desktop.workers import Job, Lane
from engine.photo import Photo

SHOW_PRIORITY = 10  # the selected photo goes before the rest of the queue


@dataclass
class Shown:
    """The photo in the split view, kept decoded so strength changes need no re-reading."""

    key: int
    photo: Photo | None = None
    preview: Photo | None = None


class PhotoPreview(QObject):
    coloured = Signal(object)
    """The shown photo was coloured: a ``colour_jobs.Prepared`` (with its thumbnail)."""
    failed = Signal(int, str)
    """The shown photo ``key`` could not be read or coloured; the one-line message."""
    view_updated = Signal(int, bool)
    """The split view shows the coloured photo ``key``; True once at full resolution."""

    def __init__(self, view: SplitView, lane: Lane, parent: QObject | None = None):
        super().__init__(parent)
        self.view, self.lane = view, lane
        self.shown: Shown | None = None
        self.hints = None  # the page's HintMode: a photo with hints is shown in its hinted colours by it
        self._job: Job | None = None
        self._generations = itertools.count(1)
        self._generation = 0

    @property
    def busy(self) -> bool:
        return self._job is not None and not self._job.done

    def show(self, item: QueueItem | None, model_path: Path | None, strength: float) -> None:
        """(Re)colour ``item`` for the view (None: show nothing); stops an older request, reuses what is decoded."""
        self.stop()
        if item is None:
            self.shown = None
            self.view.clear()
            return
        if item.state == QueueState.FAILED:
            self.view.clear()
            self.view.set_placeholder(f"{item.source.name}: {item.reason}")
            return
        if self.shown is None or self.shown.key != item.key:
            self.shown = Shown(item.key)
            self.view.clear()
            self.view.set_placeholder("Opening…")
        if model_path is None:
            return
        if self.shown.photo is not None and self._hinted(item.key):
            self.hints.refresh()  # its colours follow its hints
            return
        self._generation = next(self._generations)
        self.view.set_busy("Colouring…")
        self._job = self.lane.submit(
            show_item, self._generation, item.key, item.source, model_path, strength, self.shown.photo, self.shown.preview,
            self._hinted(item.key),
            priority=SHOW_PRIORITY, name="show", on_progress=self._on_event, on_finished=self._on_finished,
            on_error=partial(self._on_error, self._generation, item.key),
        )  # fmt: skip

    def forget(self, keys: list[int]) -> None:
        """These photos left the queue: never show them again."""
        if self.shown is not None and self.shown.key in keys:
            self.stop()
            self.shown = None

    def stop(self) -> None:
        if self._job is not None:
            self._job.stop()

    def _on_event(self, event) -> None:
        if getattr(event, "generation", None) != self._generation:
            return  # an older request's picture
        if isinstance(event, BeforeReady):
            if self.shown is not None and self.shown.key == event.key:
                self.shown.photo, self.shown.preview = event.photo, event.preview
            self.view.set_images(event.display, None)
            if self.hints is not None:
                self.hints.photo_ready(event.key, event.photo, event.preview)
        elif isinstance(event, AfterReady) and not self._hinted(event.key):
            self.view.set_after(event.display)
            if event.final:
                self.view.set_busy("")
            self.view_updated.emit(event.key, event.final)

    def _hinted(self, key: int) -> bool:
        return self.hints is not None and self.hints.owns_view(key)

    def _on_finished(self, result: Prepared | None) -> None:
        if result is not None:
            self.coloured.emit(result)

    def _on_error(self, generation: int, key: int, message: str) -> None:
        """Showing ``key`` failed: its row says why (as its colours reach its row, however old the request);
        the view only while that request is the latest (another photo selected since shows its own)."""
        if generation == self._generation and self.shown is not None and self.shown.key == key:
            self.view.set_busy("")
            self.view.clear()
            self.view.set_placeholder(message)
        self.failed.emit(key, message)
