"""The Colourise page: a queue of photos, a before/after view, model and strength, saving.

Dropped, opened or pasted photos join the queue and are coloured one after another
on the photo lane (the engine's prediction is kept per photo and model). The
selected photo is shown at full resolution; a strength or model change renders a
preview-size picture first, then the full-size one. Saving never replaces an
original, and replaces another existing file only when the user says so.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import settings
from desktop.colour_jobs import COLOURS, AfterReady, BeforeReady, Prepared, prepare_item, save_photos_job, show_item
from desktop.hint_mode import HintMode, saved_hints_for
from desktop.images import qimage_to_photo
from desktop.library_model import Library
from desktop.widgets.photo_queue import PhotoQueue, QueueState
from desktop.widgets.split_view import SplitView
from desktop.workers import Job, Lane
from engine import batch
from engine.batch import Existing, PhotoSource, SaveRequest, SaveSettings, plan_targets
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoStarted
from engine.inference import model_key
from engine.photo import OUTPUT_FORMATS, PHOTO_SUFFIXES, Photo, find_photos

PHOTO_FILTER = "Photos ({});;All files (*)".format(" ".join(f"*{s}" for s in sorted(PHOTO_SUFFIXES)))
OUTPUT_TAG = "-colourised"
SHOW_PRIORITY = 10  # the selected photo goes before the rest of the queue
EMPTY_TEXT = "Drop photos or folders anywhere on this window,\nor use Open (Ctrl+O) or Paste (Ctrl+V)."
NO_MODELS_TEXT = "No models yet: train one on the Train tab, or import a .safetensors file on the Models tab."


@dataclass
class QueueItem:
    key: int
    source: PhotoSource
    thumbs: dict[str, QImage] = field(default_factory=dict)  # coloured thumbnail by model_key
    size: QSize | None = None


@dataclass
class Shown:
    """The photo in the split view, kept decoded so strength changes need no re-reading."""

    key: int
    photo: Photo | None = None
    preview: Photo | None = None


def output_name(source: PhotoSource, choice: str) -> str:
    """``<stem>-colourised.<ext>``: the extension of the chosen format, or of the original for "same" (a pasted image: PNG)."""
    name = source.name if source.path is not None else f"{Path(source.name).stem}.png"
    return batch.output_name(name, choice, OUTPUT_TAG)


class ColourisePage(QWidget):
    status_message = Signal(str)
    """A short note for the window's status bar."""
    item_finished = Signal(int)
    """A queued photo was coloured (its thumbnail shows the result) or failed."""
    view_updated = Signal(int, bool)
    """The split view shows the coloured photo ``key``; True once at full resolution."""
    saved = Signal(object)
    """A save finished (an ``engine.events.BatchFinished``)."""
    busy_changed = Signal(bool)
    """Queue colouring or saving started (True) or ended (False)."""

    def __init__(self, library: Library, lane: Lane, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        self.items: dict[int, QueueItem] = {}
        self._keys = itertools.count(1)
        self._generation = itertools.count(1)
        self._current_generation = 0
        self._shown: Shown | None = None
        self._show_job: Job | None = None
        self._prepare_job: Job | None = None
        self._prepare_key: int | None = None
        self._save_job: Job | None = None
        self._expand_job: Job | None = None
        self._paused = False  # the user cancelled queue colouring
        self._batch_total = 0
        self._build()
        self._make_actions()
        self.hints = HintMode(self)
        self.hint_button.setDefaultAction(self.hints.toggle_action)
        self.splitter.addWidget(self.hints.panel)
        self.splitter.setStretchFactor(2, 0)
        self.item_finished.connect(self.hints.load_pending)
        self.hints.preview_updated.connect(self.view_updated)  # a photo with hints is shown in its colours
        self.library.changed.connect(self._fill_models)
        self._fill_models()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.queue = PhotoQueue()
        self.view = SplitView()
        self.view.set_placeholder(EMPTY_TEXT)
        self.model_box = QComboBox()
        self.model_box.setToolTip("The model that colours the photos (bundled and your own)")
        self.model_box.setMinimumContentsLength(16)
        self.model_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(0, 200)
        self.strength.setPageStep(10)
        self.strength.setValue(int(round(settings.read("colourise/strength", 100, int))))
        self.strength.setToolTip("Colour strength: 0 % grey, 100 % as the model predicts, 200 % twice as vivid")
        self.strength.setMinimumWidth(140)
        self.strength_label = QLabel()
        self.strength_label.setMinimumWidth(QLabel("200 %").sizeHint().width() + 4)
        self.format_box = QComboBox()
        for value, (label, _suffix) in OUTPUT_FORMATS.items():
            self.format_box.addItem(label, value)
        saved_format = settings.read("colourise/format", "same", str)
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(saved_format)))
        self.format_box.setToolTip("File format of saved photos")
        self.save_button = QPushButton("Save…")
        self.save_all_button = QPushButton("Save all…")
        self.open_button = QToolButton()
        self.hint_button = QToolButton()  # hint mode on/off (its action comes from HintMode)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()

        top = QHBoxLayout()
        top.addWidget(self.open_button)
        top.addSpacing(8)
        top.addWidget(QLabel("Model:"))
        top.addWidget(self.model_box, 1)
        top.addSpacing(8)
        top.addWidget(QLabel("Strength:"))
        top.addWidget(self.strength)
        top.addWidget(self.strength_label)
        top.addSpacing(8)
        top.addWidget(self.hint_button)
        top.addSpacing(8)
        top.addWidget(QLabel("Format:"))
        top.addWidget(self.format_box)
        top.addWidget(self.save_button)
        top.addWidget(self.save_all_button)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop colouring or saving the queue (Esc)")
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress_label)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.cancel_button)
        self.progress_row = QWidget()
        self.progress_row.setLayout(bottom)
        bottom.setContentsMargins(0, 0, 0, 0)
        self.progress_row.hide()

        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.queue)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 800])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress_row)

        self.queue.current_changed.connect(self._on_current_changed)
        self.queue.remove_requested.connect(self.remove_items)
        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        self.strength.valueChanged.connect(self._on_strength_changed)
        self.format_box.currentIndexChanged.connect(lambda _i: settings.write("colourise/format", self.format_box.currentData()))
        self.save_button.clicked.connect(self.save_selected)
        self.save_all_button.clicked.connect(self.save_all)
        self.cancel_button.clicked.connect(self.cancel)
        self._show_strength()
        self._update_buttons()

    def _make_actions(self) -> None:
        def action(text: str, shortcut, slot, tip: str) -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setToolTip(f"{tip} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.open_action = action("&Open Photos…", QKeySequence.StandardKey.Open, self.open_files, "Add photos to the queue")
        self.open_folder_action = action("Open &Folder…", "Ctrl+Shift+O", self.open_folder, "Add every photo in a folder")
        self.paste_action = action("&Paste Photo", QKeySequence.StandardKey.Paste, self.paste, "Add the image on the clipboard")
        self.save_action = action("&Save…", QKeySequence.StandardKey.Save, self.save_selected, "Save the selected photo in colour")
        self.save_all_action = action("Save &All…", "Ctrl+Shift+S", self.save_all, "Save every coloured photo to a folder")
        self.cancel_action = action("&Cancel", "Esc", self.cancel, "Stop colouring or saving the queue")
        self.clear_action = action("C&lear Queue", None, self.clear_queue, "Take every photo off the queue (files stay)")
        self.fit_action = action("&Fit to Window", "Ctrl+0", self.view.zoom_fit, "Show the whole photo")
        self.actual_action = action("&Actual Pixels (100 %)", "Ctrl+1", lambda: self.view.zoom_actual(), "One photo pixel per screen pixel")
        self.zoom_in_action = action("Zoom &In", QKeySequence.StandardKey.ZoomIn, self.view.zoom_in, "Zoom in")
        self.zoom_out_action = action("Zoom &Out", QKeySequence.StandardKey.ZoomOut, self.view.zoom_out, "Zoom out")
        self.stronger_action = action("More Colour", "Ctrl+]", lambda: self.strength.setValue(self.strength.value() + 10), "Colour strength +10 %")
        self.weaker_action = action("Less Colour", "Ctrl+[", lambda: self.strength.setValue(self.strength.value() - 10), "Colour strength -10 %")
        self.open_button.setDefaultAction(self.open_action)
        self.open_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.save_button.setToolTip(self.save_action.toolTip())
        self.save_all_button.setToolTip(self.save_all_action.toolTip())
        self.cancel_action.setEnabled(False)

    def actions_for_menus(self) -> dict[str, list[QAction]]:
        return {
            "file": [self.open_action, self.open_folder_action, self.paste_action, None, self.save_action, self.save_all_action],
            "edit": [self.cancel_action, self.clear_action, None, self.stronger_action, self.weaker_action, None, *self.hints.actions()],
            "view": [self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action],
        }

    # -- models ---------------------------------------------------------------------------
    def _fill_models(self) -> None:
        wanted = self.current_model_name() or settings.read("colourise/model", "", str) or self.library.default_name()
        self.model_box.blockSignals(True)
        self.model_box.clear()
        for entry in self.library.entries():
            label = entry.name + ("  (bundled)" if entry.bundled else "")
            self.model_box.addItem(label, entry.name)
            index = self.model_box.count() - 1
            if entry.info is None:
                self.model_box.model().item(index).setEnabled(False)
                self.model_box.setItemData(index, f"Unreadable: {entry.error}", Qt.ItemDataRole.ToolTipRole)
            else:
                description = entry.info.training.get("description") or f"architecture {entry.info.arch}"
                self.model_box.setItemData(index, description, Qt.ItemDataRole.ToolTipRole)
        usable = [e.name for e in self.library.usable()]
        if usable:
            choice = wanted if wanted in usable else self.library.default_name()
            self.model_box.setCurrentIndex(self.model_box.findData(choice))
        self.model_box.blockSignals(False)
        self.notice.setText(NO_MODELS_TEXT)
        self.notice.setVisible(not usable)
        self.view.set_placeholder(NO_MODELS_TEXT if not usable else EMPTY_TEXT)
        self._update_buttons()
        if usable and self.current_model_name() != getattr(self, "_last_model", None):
            self._on_model_changed()

    def current_model_name(self) -> str | None:
        name = self.model_box.currentData()
        return name if name and self.library.find(name) and self.library.find(name).info else None

    def current_model_path(self) -> Path | None:
        name = self.current_model_name()
        return self.library.find(name).path if name else None

    def select_model(self, name: str) -> bool:
        index = self.model_box.findData(name)
        if index < 0:
            return False
        self.model_box.setCurrentIndex(index)
        return True

    def _on_model_changed(self, _index: int = -1) -> None:
        name = self.current_model_name()
        self._last_model = name
        self.hints.model_changed()
        if not name:
            return
        settings.write("colourise/model", name)
        key = model_key(self.current_model_path())
        for item in self.items.values():
            state = self.queue.state(item.key)
            if state == QueueState.FAILED:
                continue
            if key in item.thumbs:
                self.queue.set_thumbnail(item.key, item.thumbs[key])
                self.queue.set_state(item.key, QueueState.DONE)
            elif state != QueueState.WORKING:
                self.queue.set_state(item.key, QueueState.WAITING)
        self._paused = False
        self._show_current()
        self._pump()

    # -- adding photos --------------------------------------------------------------------
    def add_paths(self, paths: list[str | Path]) -> None:
        """Queue files and the photos in folders (folders are searched on a worker)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        self.status_message.emit("Looking for photos…")
        self.lane.submit(
            _expand_job, paths, priority=SHOW_PRIORITY + 1, name="expand",
            on_finished=self._on_paths_expanded, on_error=self.status_message.emit,
        )

    def _on_paths_expanded(self, files: list[Path]) -> None:
        if not files:
            self.status_message.emit("No photos found there.")
            return
        known = {item.source.path for item in self.items.values() if item.source.path is not None}
        added = [self._add(PhotoSource.file(f)) for f in files if f not in known]
        self.status_message.emit(f"Added {len(added)} photo{'s' if len(added) != 1 else ''} to the queue.")
        self._offer_saved_hints(added)

    def _offer_saved_hints(self, keys: list[int]) -> None:
        """Hints saved beside an earlier colour version (in the save folder or the photo's own): offer them."""
        save_folder = settings.read("folders/save", "", str)
        found = {}
        for key in keys:
            path = self.items[key].source.path
            for folder in dict.fromkeys(Path(f) for f in (save_folder, path.parent) if f):
                hints_file = saved_hints_for(path, folder, OUTPUT_TAG)
                if hints_file is not None:
                    found[key] = hints_file
                    break
        self.hints.offer_saved_hints(found)

    def add_image(self, image: QImage, name: str | None = None) -> int | None:
        """Queue an image (pasted or dropped as data); it is saved as PNG unless another format is chosen."""
        if image.isNull():
            self.status_message.emit("The clipboard holds no image.")
            return None
        n = sum(1 for item in self.items.values() if item.source.pasted is not None) + 1
        photo = qimage_to_photo(image)
        return self._add(PhotoSource(name or f"pasted-{n}.png", pasted=photo))

    def _add(self, source: PhotoSource) -> int:
        key = next(self._keys)
        self.items[key] = QueueItem(key, source)
        self.queue.add(key, source.name, str(source.path) if source.path else "pasted image")
        if self.queue.current_key() is None:
            self.queue.select(key)
        self._paused = False
        self._pump()
        self._update_buttons()
        return key

    def open_files(self) -> None:
        folder = settings.read("folders/open", str(Path.home()), str)
        files, _ = QFileDialog.getOpenFileNames(self, "Open photos", folder, PHOTO_FILTER)
        if files:
            settings.write("folders/open", str(Path(files[0]).parent))
            self.add_paths(files)

    def open_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", settings.read("folders/open", str(Path.home()), str))
        if folder:
            settings.write("folders/open", folder)
            self.add_paths([folder])

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            self.add_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
        elif mime is not None and mime.hasImage():
            self.add_image(QImage(mime.imageData()))
        else:
            self.status_message.emit("The clipboard holds no image or photo file.")

    def remove_items(self, keys: list[int]) -> None:
        for key in keys:
            if key == self._prepare_key and self._prepare_job is not None:
                self._prepare_job.stop()
            item = self.items.pop(key, None)
            if item is not None:
                COLOURS.forget(item.source)
        self.hints.forget(keys)
        self.queue.remove(keys)
        if self._shown is not None and self._shown.key not in self.items:
            self._shown = None
            if self.queue.current_key() is None:
                self.view.clear()
        self._update_buttons()

    def clear_queue(self) -> None:
        self.remove_items(list(self.items))

    # -- colouring the queue --------------------------------------------------------------
    def _pump(self) -> None:
        """Start colouring the next waiting photo, if nothing else is being coloured."""
        if self._prepare_job is not None or self._paused:
            return
        model_path = self.current_model_path()
        if model_path is None:
            return
        mkey = model_key(model_path)
        for key in self.queue.keys():
            item = self.items[key]
            if self.queue.state(key) != QueueState.WAITING:
                continue
            if mkey in item.thumbs:
                self.queue.set_thumbnail(key, item.thumbs[mkey])
                self.queue.set_state(key, QueueState.DONE)
                continue
            self.queue.set_state(key, QueueState.WORKING)
            self._prepare_key = key
            self._prepare_job = self.lane.submit(
                prepare_item, key, item.source, model_path, self.strength_value(), name="prepare",
                on_finished=self._on_prepared, on_error=self._on_prepare_failed, on_end=self._on_prepare_ended,
            )
            self._show_batch_progress()
            return
        self._show_batch_progress()

    def _on_prepared(self, result: Prepared | None) -> None:
        if result is None:
            return
        self._store(result)
        self.item_finished.emit(result.key)

    def _store(self, result: Prepared) -> None:
        item = self.items.get(result.key)
        if item is None:
            return
        item.thumbs[result.model] = result.thumb
        item.size = result.size
        current_path = self.current_model_path()
        if current_path is not None and result.model == model_key(current_path):
            self.queue.set_thumbnail(result.key, result.thumb)
            self.queue.set_state(result.key, QueueState.DONE)
            self._update_buttons()

    def _on_prepare_failed(self, message: str) -> None:
        key = self._prepare_key
        if key in self.items:
            self.queue.set_state(key, QueueState.FAILED, _reason_of(message, self.items[key].source.name))
            self.item_finished.emit(key)
            if key == self.queue.current_key():
                self.view.clear()
                self.view.set_placeholder(message)

    def _on_prepare_ended(self) -> None:
        key, self._prepare_job, self._prepare_key = self._prepare_key, None, None
        if key in self.items and self.queue.state(key) == QueueState.WORKING:
            self.queue.set_state(key, QueueState.WAITING)  # stopped before it finished
        self._pump()

    def _show_batch_progress(self) -> None:
        counts = self.queue.counts()
        pending = counts[QueueState.WAITING] + counts[QueueState.WORKING]
        busy = self._save_job is not None or (pending > 0 and self._prepare_job is not None)
        if self._save_job is None:
            if self._prepare_job is None or pending == 0:
                self._batch_total = 0
            else:
                finished = counts[QueueState.DONE] + counts[QueueState.FAILED]
                self._batch_total = max(self._batch_total, pending + finished)
                self.progress.setRange(0, self._batch_total)
                self.progress.setValue(finished)
                self.progress_label.setText(f"Colouring {finished + 1} of {self._batch_total}")
        self.progress_row.setVisible(busy)
        self.cancel_action.setEnabled(busy)
        if busy != getattr(self, "_was_busy", False):
            self._was_busy = busy
            self.busy_changed.emit(busy)

    def cancel(self) -> None:
        """Stop colouring the queue (photos not yet done stay waiting) and any save in progress."""
        self._paused = True
        if self._prepare_job is not None:
            self._prepare_job.stop()
        if self._save_job is not None:
            self._save_job.stop()
        self.status_message.emit("Cancelled.")

    def is_busy(self) -> bool:
        return self._prepare_job is not None or self._save_job is not None or (self._show_job is not None and not self._show_job.done)

    def stop_all(self) -> None:
        self.cancel()
        self.hints.stop()
        if self._show_job is not None:
            self._show_job.stop()

    # -- the split view -------------------------------------------------------------------
    def _on_current_changed(self, key: int | None) -> None:
        self._update_buttons()
        self.hints.show_key(key)
        if key is None:
            self.view.clear()
            return
        self._show_current(new_photo=self._shown is None or self._shown.key != key)

    def _show_current(self, new_photo: bool = False) -> None:
        """(Re)colour the selected photo for the view: stops an older request, reuses what is cached."""
        key = self.queue.current_key()
        model_path = self.current_model_path()
        if key is None or key not in self.items:
            return
        item = self.items[key]
        if self._show_job is not None:
            self._show_job.stop()
        if self.queue.state(key) == QueueState.FAILED:
            self.view.clear()
            self.view.set_placeholder(f"{item.source.name}: {self.queue.reason(key)}")
            return
        if new_photo or self._shown is None or self._shown.key != key:
            self._shown = Shown(key)
            self.view.clear()
            self.view.set_placeholder("Opening…")
        if model_path is None:
            return
        if self._shown.photo is not None and self.hints.owns_view(key):
            self.hints.refresh()  # its colours follow its hints
            return
        self._current_generation = next(self._generation)
        self.view.set_busy("Colouring…")
        job = self.lane.submit(
            show_item,
            self._current_generation,
            key,
            item.source,
            model_path,
            self.strength_value(),
            self._shown.photo,
            self._shown.preview,
            priority=SHOW_PRIORITY,
            name="show",
            on_progress=self._on_show_event,
            on_finished=self._on_shown,
            on_error=self._on_show_failed,
        )
        self._show_job = job

    def _on_show_event(self, event) -> None:
        if getattr(event, "generation", None) != self._current_generation:
            return  # an older request's picture
        if isinstance(event, BeforeReady):
            if self._shown is not None and self._shown.key == event.key:
                self._shown.photo, self._shown.preview = event.photo, event.preview
            self.view.set_images(event.display, None)
            self.hints.photo_ready(event.key, event.photo, event.preview)
        elif isinstance(event, AfterReady) and not self.hints.owns_view(event.key):
            self.view.set_after(event.display)
            if event.final:
                self.view.set_busy("")
            self.view_updated.emit(event.key, event.final)

    def _on_shown(self, result: Prepared | None) -> None:
        if result is None:
            return
        item = self.items.get(result.key)
        if item is None:
            return
        if result.model not in item.thumbs or self.queue.state(result.key) != QueueState.DONE:
            was_waiting = self.queue.state(result.key) == QueueState.WAITING
            self._store(result)
            if was_waiting:
                self.item_finished.emit(result.key)
        self._show_batch_progress()

    def _on_show_failed(self, message: str) -> None:
        key = self._shown.key if self._shown else None
        self.view.set_busy("")
        if key in self.items:
            self.queue.set_state(key, QueueState.FAILED, _reason_of(message, self.items[key].source.name))
            self.item_finished.emit(key)
            self.view.clear()
            self.view.set_placeholder(message)
        self.status_message.emit(message)

    # -- strength -------------------------------------------------------------------------
    def strength_value(self) -> float:
        return self.strength.value() / 100.0

    def _show_strength(self) -> None:
        self.strength_label.setText(f"{self.strength.value()} %")

    def _on_strength_changed(self, value: int) -> None:
        self._show_strength()
        settings.write("colourise/strength", value)
        if self._shown is not None and self._shown.photo is not None:
            self._show_current()

    # -- saving ---------------------------------------------------------------------------
    def save_selected(self) -> None:
        key = self.queue.current_key()
        if key is None or self.current_model_path() is None:
            return
        item = self.items[key]
        choice = self.format_box.currentData()
        folder = settings.read("folders/save", str(item.source.path.parent if item.source.path else Path.home()), str)
        suggested = str(Path(folder) / output_name(item.source, choice))
        target, _ = QFileDialog.getSaveFileName(self, "Save the coloured photo", suggested, PHOTO_FILTER)
        if target:
            self.save_to_file(key, Path(target))

    def save_to_file(self, key: int, target: Path) -> bool:
        """Save one photo to ``target`` (the file dialog has already asked about replacing). Never its own original."""
        item = self.items[key]
        if not target.suffix:
            target = target.with_suffix(Path(output_name(item.source, self.format_box.currentData())).suffix)
        if any(_same_file(original, target) for original in self._originals()):
            QMessageBox.warning(self, "Colourise", f"{target.name}: that is the original photo; Colourise never overwrites originals. Choose another name.")
            return False
        settings.write("folders/save", str(target.parent))
        self._start_save([key], [target], Existing.REPLACE)
        return True

    def save_all(self) -> None:
        if not self._saveable_keys():
            return
        start = settings.read("folders/save", str(Path.home()), str)
        folder = QFileDialog.getExistingDirectory(self, "Save the coloured photos to", start)
        if folder:
            self.save_all_to(Path(folder))

    def save_all_to(self, folder: Path) -> bool:
        """Save every photo not failed to ``folder``; asks once before replacing existing files. False if cancelled."""
        keys = self._saveable_keys()
        if not keys:
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "Colourise", f"{folder}: cannot create the folder ({exc.strerror or exc})")
            return False
        settings.write("folders/save", str(folder))
        choice = self.format_box.currentData()
        wanted = [folder / output_name(self.items[key].source, choice) for key in keys]
        targets = plan_targets(wanted, avoid=self._originals())
        existing = [target for target in targets if target.exists()]
        rule = Existing.KEEP_BOTH
        if existing:
            answer = self.ask_replace(existing)
            if answer == "cancel":
                return False
            if answer == "replace":
                rule = Existing.REPLACE
            else:
                targets = plan_targets(wanted, avoid=self._originals(), avoid_existing=True)
        self._start_save(keys, targets, rule)
        return True

    def ask_replace(self, existing: list[Path]) -> str:
        """Ask what to do about existing files: "replace", "keep" (save under new names) or "cancel"."""
        names = "\n".join(p.name for p in existing[:8]) + ("\n…" if len(existing) > 8 else "")
        box = QMessageBox(QMessageBox.Icon.Question, "Colourise", f"{len(existing)} file(s) already exist in {existing[0].parent}:\n{names}", parent=self)
        keep = box.addButton("Keep Both", QMessageBox.ButtonRole.AcceptRole)
        replace = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)
        box.setInformativeText("Keep Both saves the new photos under new names. Originals are never replaced.")
        box.exec()
        clicked = box.clickedButton()
        return "keep" if clicked is keep else "replace" if clicked is replace else "cancel"

    def _saveable_keys(self) -> list[int]:
        return [key for key in self.queue.keys() if self.queue.state(key) != QueueState.FAILED]

    def _originals(self) -> set[Path]:
        return {item.source.path for item in self.items.values() if item.source.path is not None}

    def _start_save(self, keys: list[int], targets: list[Path], rule: Existing) -> None:
        if self._save_job is not None:
            self.status_message.emit("Still saving the previous photos.")
            return
        requests = [SaveRequest(self.items[key].source, target) for key, target in zip(keys, targets)]
        config = SaveSettings(self.strength_value(), existing=rule, protected=self._originals())
        self._save_keys = list(keys)
        hinted = {self.items[key].source.key: self.hints.for_saving(key) for key in keys if self.hints.owns_view(key)}
        self._save_job = self.lane.submit(
            save_photos_job, requests, self.current_model_path(), config, hinted, name="save",
            on_progress=self._on_save_event, on_finished=self._on_saved, on_error=self._on_save_failed, on_end=self._on_save_ended,
        )
        self.progress.setRange(0, len(requests))
        self.progress.setValue(0)
        self.progress_label.setText(f"Saving 0 of {len(requests)}")
        self._show_batch_progress()

    def _on_save_event(self, event) -> None:
        if isinstance(event, PhotoStarted):
            self.progress_label.setText(f"Saving {event.index + 1} of {event.total}")
        elif isinstance(event, PhotoDone):
            self.progress.setValue(event.index + 1)
            key = self._save_keys[event.index]
            if key in self.items and self.hints.owns_view(key):
                self.hints.write_for_saved(key, event.output)
        elif isinstance(event, PhotoFailed):
            self.progress.setValue(event.index + 1)
            key = self._save_keys[event.index]
            if key in self.items:
                self.queue.set_state(key, QueueState.FAILED, _reason_of(event.message, self.items[key].source.name))
            self.status_message.emit(event.message)

    def _on_saved(self, result: BatchFinished) -> None:
        text = f"Saved {result.succeeded} photo{'s' if result.succeeded != 1 else ''}"
        if result.failed:
            text += f"; {result.failed} failed (see the queue)"
        if result.cancelled:
            text += "; cancelled"
        self.status_message.emit(text + ".")
        self.saved.emit(result)

    def _on_save_failed(self, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, "Colourise", f"Saving failed: {message}")

    def _on_save_ended(self) -> None:
        self._save_job = None
        self._show_batch_progress()
        self._pump()

    def _update_buttons(self) -> None:
        has_model = self.current_model_path() is not None
        has_current = self.queue.current_key() is not None and self.queue.state(self.queue.current_key()) != QueueState.FAILED
        for widget in (self.save_button, getattr(self, "save_action", None)):
            if widget is not None:
                widget.setEnabled(has_model and has_current)
        any_saveable = has_model and bool(self._saveable_keys())
        for widget in (self.save_all_button, getattr(self, "save_all_action", None)):
            if widget is not None:
                widget.setEnabled(any_saveable)


def _expand_job(_state, paths: list[Path]) -> list[Path]:
    return [found.path for found in find_photos(paths)]


def _reason_of(message: str, name: str) -> str:
    """The reason part of an engine message "<file name>: <reason>"."""
    prefix = f"{name}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False
