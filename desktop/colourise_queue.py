"""The Colourise page's queue as plain data: which photos, in what state, what to colour next.

No widgets and no threads: the page shows what this says and runs the jobs it names,
so the queue's rules are tested on their own (tests/desktop/test_colourise_queue.py).

A photo is *waiting*, *working* (being coloured), *done* (coloured with the current
model: its thumbnail is known) or *failed* (with the reason). Thumbnails are kept per
model, so switching back to a model shows its colours at once. Cancel pauses the
queue until a photo is added or the model changes.

Each photo has its own colour strength: the network cannot know how vivid a photo
was, so a faded street may want 80 % and a flower 140 % in one batch. Its preview,
thumbnail and saved file all use it.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable, Container, Iterable

from engine.batch import PhotoSource, originals_among, output_name, output_path, plan_targets
from engine.events import BatchFinished
from engine.hints import SAVED_TAG


class QueueState(str, Enum):
    WAITING = "waiting"
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


@dataclass
class QueueItem:
    key: int
    source: PhotoSource
    state: QueueState = QueueState.WAITING
    reason: str = ""  # why it failed
    thumbs: dict[str, object] = field(default_factory=dict)  # coloured thumbnail (a QImage) by model key
    size: object = None  # the photo's size (a QSize) once it has been decoded
    strength: float = 1.0  # its colour strength: 0 grey, 1 as the model predicts, 2 twice as vivid
    relative: Path | None = None  # where it sits under the folder it was opened from (its name, opened by itself; None: pasted)


def save_name(source: PhotoSource, choice: str, tag: str = SAVED_TAG) -> str:
    """``<stem>-colourised.<ext>`` (or another ``tag``): the extension of the chosen format, or of the original for "same"
    (a pasted image: PNG)."""
    name = source.name if source.path is not None else f"{Path(source.name).stem}.png"
    return output_name(name, choice, tag)


def saved_summary(result: BatchFinished, before_after: bool = False, hint_files: int = 0, folders: Iterable[Path] = ()) -> str:
    """"Saved 3 photos to …/coloured; 1 failed." for the status bar (the page says why it failed); ``hint_files``: how
    many photos' colour hints were written beside them (``<saved name>.hints.json``); ``folders``: where the photos saved
    went (one is named, whole: the window shortens it to the status bar's room; several are counted)."""
    what = "before-and-after picture" if before_after else "photo"
    folders = set(folders)
    where = f" to {next(iter(folders))}" if len(folders) == 1 else f" into {len(folders)} folders" if folders else ""
    text = f"Saved {result.succeeded} {what}{'s' if result.succeeded != 1 else ''}{where}"
    if hint_files and result.succeeded == 1:
        text += ", with its colour hints beside it (.hints.json)"
    elif hint_files:
        text += f", the colour hints of {hint_files} beside {'it' if hint_files == 1 else 'them'} (.hints.json)"
    if result.failed:
        text += f"; {result.failed} failed"
    if result.cancelled:
        text += "; cancelled"
    return text + "."


def reason_of(message: str, name: str) -> str:
    """The reason part of an engine message "<file name>: <reason>"."""
    prefix = f"{name}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


class ColouriseQueue:
    """The photos to colour, in order; ``on_changed(key)`` is called whenever an item's state or thumbnail changes."""

    def __init__(self, on_changed: Callable[[int], None] | None = None):
        self.items: dict[int, QueueItem] = {}  # in queue order
        self.model: str | None = None  # the model key photos are coloured with now
        self.working: int | None = None  # the photo being coloured for the queue
        self.paused = False
        self._on_changed = on_changed or (lambda _key: None)
        self._keys = itertools.count(1)
        self._pasted = itertools.count(1)
        self._batch_total = 0
        # Kept as states change, so that a photo finishing costs the same with 10 or 50,000 queued:
        self._counts = {state: 0 for state in QueueState}
        self._waiting: list[int] = []  # a heap of keys that became waiting (keys grow in queue order); stale ones skipped

    # -- contents ---------------------------------------------------------------------------
    def add(self, source: PhotoSource, strength: float = 1.0, relative: Path | None = None) -> int:
        """Queue ``source``; ``relative``: where it sits under the folder it was opened from (Save All keeps that sub-folder)."""
        key = next(self._keys)
        self.items[key] = QueueItem(key, source, strength=strength, relative=relative)
        self._counts[QueueState.WAITING] += 1
        heapq.heappush(self._waiting, key)
        self.paused = False
        return key

    def set_strength(self, keys: Iterable[int], strength: float) -> list[int]:
        """Give these photos ``strength``; returns the keys it changed (their thumbnails now show an old strength).

        Thumbnails of other models are dropped rather than kept stale: switching back
        to such a model colours the photo again (its prediction is usually still kept).
        """
        changed = []
        for key in keys:
            item = self.items.get(key)
            if item is None or item.strength == strength:
                continue
            item.strength = strength
            item.thumbs = {model: thumb for model, thumb in item.thumbs.items() if model == self.model}
            changed.append(key)
            self._on_changed(key)
        return changed

    def new_files(self, paths: Iterable[Path]) -> list[PhotoSource]:
        """Sources for the files not queued already."""
        known = {item.source.path for item in self.items.values()}
        return [PhotoSource.file(path) for path in paths if path not in known]

    def pasted_name(self) -> str:
        return f"pasted-{next(self._pasted)}.png"

    def remove(self, keys: Iterable[int]) -> list[QueueItem]:
        removed = [item for item in (self.items.pop(key, None) for key in keys) if item is not None]
        for item in removed:
            self._counts[item.state] -= 1
        return removed

    def keys(self) -> list[int]:
        return list(self.items)

    def state(self, key: int) -> QueueState:
        return self.items[key].state

    def saveable(self) -> list[int]:
        return [key for key, item in self.items.items() if item.state != QueueState.FAILED]

    def can_save(self, key: int | None) -> bool:
        """Whether ``key`` is queued and not failed (without listing the queue: the buttons ask after every photo)."""
        item = self.items.get(key)
        return item is not None and item.state != QueueState.FAILED

    def any_saveable(self) -> bool:
        return len(self.items) > self._counts[QueueState.FAILED]

    def originals(self) -> set[Path]:
        return {item.source.path for item in self.items.values() if item.source.path is not None}

    def plan_save(
        self, folder: Path, choice: str, keep_existing: bool = False, saved_here: set[Path] = frozenset(),
        keys: list[int] | None = None, taken: Iterable[Path] = (),
    ) -> tuple[list[int], list[Path]]:
        """Where Save All puts each photo not failed (or each of ``keys``): ``<stem>-colourised.<ext>`` in
        ``folder``, in the sub-folder it sat in under the folder it was opened from (as ``colourise images``
        keeps it: two photos of one name from two folders stay apart), two photos never on one name, never on an original (nor on a photo Colourise did not
        save in the photos' own folders: ``originals_in_folder``; ``saved_here``, saved from this queue,
        are Colourise's even where no tag says so, as in BMP), nor on a name ``taken`` by another photo
        of the same save, nor (``keep_existing``) on a file that exists."""
        keys = self.saveable() if keys is None else keys
        wanted = [self.save_target(key, folder, choice) for key in keys]
        avoid = self.originals() | (self.originals_in_folder(wanted) - saved_here) | set(taken)
        return keys, plan_targets(wanted, avoid=avoid, avoid_existing=keep_existing)

    def sub_folder(self, key: int) -> Path:
        """The sub-folder of the save folder Save All puts ``key`` in: the one it sat in under the folder it was
        opened from (``family`` for family/1908.jpg; ``.`` for a photo opened by itself or pasted)."""
        item = self.items[key]
        return item.relative.parent if item.relative is not None and item.source.path is not None else Path()

    def save_target(self, key: int, folder: Path, choice: str) -> Path:
        """Where Save All wants ``key`` in ``folder`` before names are made free (``plan_save``)."""
        item = self.items[key]
        if item.relative is None or item.source.path is None:
            return folder / save_name(item.source, choice)
        return output_path(folder, item.relative, choice, SAVED_TAG)

    def originals_in_folder(self, targets: Iterable[Path]) -> set[Path]:
        """The ``targets`` that are photos of the user's in a folder the queued photos came from (or under
        one) that Colourise did not save (``engine.batch.originals_among``): the save folder is often
        the photos' own, and a scan there that is not in the queue is an original all the same."""
        return originals_among(targets, {item.source.path.parent for item in self.items.values() if item.source.path is not None})

    def counts(self) -> dict[QueueState, int]:
        return dict(self._counts)

    # -- colouring ---------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        """Colour with ``model`` from now on: photos it has coloured are done, the others wait (failed stay failed)."""
        self.model = model
        self.paused = False
        for item in self.items.values():
            if item.state == QueueState.FAILED:
                continue
            if model in item.thumbs:
                self._set(item, QueueState.DONE)
            elif item.state != QueueState.WORKING:
                self._set(item, QueueState.WAITING)

    def next_to_colour(self, passed_over: Container[int] = ()) -> QueueItem | None:
        """The next waiting photo, now working; None when paused, busy, without a model or all done.

        ``passed_over``: photos coloured elsewhere right now (the one on screen, with its hints): they stay waiting,
        for a later call, unless ``coloured`` hears of them first.
        """
        if self.working is not None or self.paused or self.model is None:
            return None
        kept = []
        try:
            while self._waiting:
                item = self.items.get(heapq.heappop(self._waiting))
                if item is None or item.state != QueueState.WAITING:  # removed, or no longer waiting since
                    continue
                if self.model in item.thumbs:  # coloured with this model before
                    self._set(item, QueueState.DONE)
                    continue
                if item.key in passed_over:
                    kept.append(item.key)
                    continue
                self.working = item.key
                self._set(item, QueueState.WORKING)
                return item
            return None
        finally:
            for key in kept:
                heapq.heappush(self._waiting, key)

    def coloured(self, key: int, model: str, thumb, size=None) -> bool:
        """A photo was coloured with ``model``; True when that finished it (it was waiting or working)."""
        item = self.items.get(key)
        if item is None:
            return False
        item.thumbs[model] = thumb
        item.size = size if size is not None else item.size
        if model != self.model or item.state in (QueueState.DONE, QueueState.FAILED):
            self._on_changed(key)
            return False
        self._set(item, QueueState.DONE)
        return True

    def failed(self, key: int | None, message: str) -> bool:
        item = self.items.get(key)
        if item is None:
            return False
        self._set(item, QueueState.FAILED, reason_of(message, item.source.name))
        return True

    def job_ended(self) -> None:
        """The queue's colouring job is over: a photo it did not finish waits again."""
        key, self.working = self.working, None
        item = self.items.get(key)
        if item is not None and item.state == QueueState.WORKING:
            self._set(item, QueueState.WAITING)

    def cancel(self) -> None:
        self.paused = True

    def colouring_progress(self) -> tuple[int, int] | None:
        """(finished, total) of the photos coloured since the queue last went idle; None when idle."""
        counts = self.counts()
        pending = counts[QueueState.WAITING] + counts[QueueState.WORKING]
        if self.working is None or pending == 0:
            self._batch_total = 0
            return None
        finished = counts[QueueState.DONE] + counts[QueueState.FAILED]
        self._batch_total = max(self._batch_total, pending + finished)
        return finished, self._batch_total

    def _set(self, item: QueueItem, state: QueueState, reason: str = "") -> None:
        self._counts[item.state] -= 1
        self._counts[state] += 1
        if state == QueueState.WAITING and item.state != QueueState.WAITING:
            heapq.heappush(self._waiting, item.key)
        item.state, item.reason = state, reason
        self._on_changed(item.key)
