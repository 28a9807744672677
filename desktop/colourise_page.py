"""The Colourise page: a queue of photos, a before/after view, model and strength, saving.

The page shows; others decide. ``ColouriseQueue`` (desktop/colourise_queue.py) holds
the photos, their states, their own colour strengths and what to colour next;
``PhotoStrengths`` says whose strength the slider sets; the jobs in ``colour_jobs`` run
on the photo lane; saving goes through the engine's one path (``engine.batch``). The
selected photo is shown at full resolution; a strength or model change renders a
preview-size picture first, then the full-size one. Saving never replaces an
original, and replaces another existing file only when the user says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QVBoxLayout, QWidget

from desktop import recent, settings
from desktop.colour_jobs import COLOURS, Prepared, prepare_item, save_photos_job
from desktop.colourise_preview import SHOW_PRIORITY, PhotoPreview
from desktop.colourise_queue import ColouriseQueue, QueueItem, QueueState, save_name, saved_summary
from desktop.colourise_strength import PhotoStrengths
from desktop.hint_mode import HintMode
from desktop.images import qimage_to_photo
from desktop.library_model import Library
from desktop.photo_undo import PhotoUndo
from desktop.widgets.actions import make_action
from desktop.widgets.colourise_bar import ColouriseBar, PausedRow, ProgressRow, ask_replace
from desktop.widgets.confirm import confirm, name_then_reason, unbroken
from desktop.widgets.photo_first_splitter import PhotoFirstSplitter
from desktop.widgets.photo_queue import PhotoQueue
from desktop.widgets.split_view import SplitView
from desktop.workers import Job, Lane
from engine.atomic import fitting_name, free_name, path_exists
from engine.batch import BEFORE_AFTER_TAG, Existing, PhotoSource, SaveRequest, SaveSettings, is_original, made_by_model
from engine.errors import error_reason
from engine.events import BatchFinished, PhotoDone, PhotoFailed, PhotoStarted
from engine.hints import HINTS_SUFFIX, SAVED_TAG, find_saved_hints
from engine.inference import model_key
from engine.library import resources_dir
from engine.photo import PHOTO_SUFFIXES, FoundPhoto, find_photos, saved_software, sort_found, writes_format_of

PHOTO_FILTER = "Photos ({});;All files (*)".format(" ".join(f"*{s}" for s in sorted(PHOTO_SUFFIXES)))
# The photo's width the list and the hint panel shrink for when the window is narrow (in Hint Mode at
# the window's smallest, 746 px, they left it 248 px; squeezed to their minimums it gets about 350).
PHOTO_ROOM = 360
EMPTY_TEXT = (
    "Drop photos or folders anywhere on this window,\nor use Open (Ctrl+O) or Paste (Ctrl+V).\n\n"
    "To try it out: File > Open Sample Photos."
)
# Photos queued at a time, then the window answers before the next ones: all 30,000 of a folder at once
# held it 1.5 s, a turn takes 30 to 100 ms (bench/open_folder.py).
QUEUED_A_TURN = 500
NO_MODELS_TEXT = "No models yet: train one on the Train tab, or import a .safetensors file on the Models tab."


def _openable(path: Path) -> bool:
    """A folder, or a photo file, that is there: worth a place under Open Recent."""
    try:
        return path.is_dir() or (path.suffix.lower() in PHOTO_SUFFIXES and path.is_file())
    except OSError:
        return False


def first_save_folder(photo: Path | None) -> Path:
    """Where a first save (no folder saved in before) is offered for ``photo``: its own folder, unless it lies in
    the app's own resources (a sample photo: inside an installed app's folder, often read-only), or there is
    none (pasted); then the user's Pictures folder, else the home folder."""
    if photo is not None and not Path(os.path.realpath(photo)).is_relative_to(os.path.realpath(resources_dir())):  # (realpath: never raises)
        return photo.parent
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures and Path(pictures).is_dir() else Path.home()


class LookedFor(NamedTuple):
    """What ``_look_for_photos`` found on the disk."""

    photos: list[FoundPhoto]
    colourised: int  # colour versions Colourise saved, left out of folders
    openable: list[Path]  # those of the paths named worth remembering under Open Recent
    saved_hints: dict[Path, Path]  # a photo's hints, saved beside a colour version of it
    not_photos: dict[str, int]  # when no photo was found: the other files in the folders, by suffix ("" none)
    not_regular: list[Path]  # named like photos in the folders but no regular file (a named pipe, a socket, a device), left out
    relative: dict[Path, Path]  # each photo's place under the folder it was found in, by path (Save All keeps its sub-folder)


def _look_for_photos(paths: list[Path], remember: bool, save_folder: Path | None) -> LookedFor:
    """On a worker: the photos ``paths`` name and what else the disk says about them (it is looked at
    here, not on the UI thread: a slow network drive must not freeze the window)."""
    openable = [p for p in paths[: recent.RECENT_LIMIT] if _openable(p)] if remember else []
    found, colourised, not_regular = sort_found(find_photos(paths))
    not_photos = {} if found else _files_not_photos(paths)  # (a second look only when there is nothing to show)
    saved_hints = find_saved_hints(found, save_folder)
    relative = {photo.path: photo.relative for photo in found}
    return LookedFor(found, len(colourised), openable, saved_hints, not_photos, [photo.path for photo in not_regular], relative)


def row_names(found: list[FoundPhoto]) -> dict[Path, str]:
    """The list's names of the photos found in sub-folders of a folder opened: where each sits under it
    ("family/1908FamilyPhoto.jpg"), as a file's name alone left two photos of one name told apart by tooltip only."""
    return {photo.path: str(photo.relative) for photo in found if photo.in_folder and len(photo.relative.parts) > 1}


def _files_not_photos(paths: list[Path]) -> dict[str, int]:
    """The files in the folders among ``paths`` that are no photo by their suffix, counted by suffix (lower
    case; "" for none), most first (no suffix last of its count); hidden files and folders left out, as ``find_photos``
    leaves them, and the hint files the window saves."""
    counts: dict[str, int] = {}
    for path in paths:
        for _folder, folders, files in os.walk(path):  # (a file, or a folder that cannot be read: nothing)
            folders[:] = [name for name in folders if not name.startswith(".")]
            for name in files:
                suffix = Path(name).suffix.lower()
                if not name.startswith(".") and suffix not in PHOTO_SUFFIXES and not name.endswith(HINTS_SUFFIX):  # (hints: Colourise's own)
                    counts[suffix] = counts.get(suffix, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], not item[0], item[0])))


def _not_photos_text(counts: dict[str, int], kinds: int = 3) -> str:
    """``2 GIF files and 1 file without a suffix were left out (Colourise reads ...)`` (the most common ``kinds``)."""
    parts = [
        f"{count} {suffix[1:].upper() + ' file' if suffix else 'file'}{'s' if count != 1 else ''}{'' if suffix else ' without a suffix'}"
        for suffix, count in list(counts.items())[:kinds]
    ]
    rest = sum(list(counts.values())[kinds:])
    if rest:
        parts.append(f"{rest} other file{'s' if rest != 1 else ''}")
    what = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    were = "was" if sum(counts.values()) == 1 else "were"
    return f"{what} {were} left out (Colourise reads JPEG, PNG, TIFF, BMP and WebP)"


def _not_regular_text(paths: list[Path]) -> str:
    """``pipe.png was left out (not a regular file)``, or ``3 files that are not regular files were left out (a.png, b.png, ...)``."""
    if len(paths) == 1:
        return f"{paths[0].name} was left out (not a regular file)"
    names = ", ".join(path.name for path in paths[:2]) + (", ..." if len(paths) > 2 else "")
    return f"{len(paths)} files that are not regular files were left out ({names})"


def _colourised_text(count: int) -> str:
    return (
        f"{count} colour version{'s' if count != 1 else ''} Colourise saved {'were' if count != 1 else 'was'} left out"
        " (open one by itself to colour it again)"
    )


class ColourisePage(QWidget):
    status_message = Signal(str)
    """A short note for the window's status bar."""
    status_kept = Signal(str)
    """An instruction for the window's status bar, kept there until another line replaces it (not for a few seconds)."""
    status_result = Signal(str, object)
    """A result the user waits for (a save's) for the window's status bar: shown for some seconds, not covered by a kept
    line; and the folder it is about (a ``Path``; None: no one folder), to show in the file manager."""
    item_finished = Signal(int)
    """A queued photo was coloured (its thumbnail shows the result) or failed."""
    view_updated = Signal(int, bool)
    """The split view shows the coloured photo ``key``; True once at full resolution."""
    saved = Signal(object)
    """A save finished (an ``engine.events.BatchFinished``): the page can save again."""
    save_ended = Signal(bool)
    """A save's job ended (the page can save again); True when every photo it had was saved."""

    def __init__(self, library: Library, lane: Lane, parent: QWidget | None = None):
        super().__init__(parent)
        self.library = library
        self.lane = lane
        self._prepare_job: Job | None = None
        self._save_job: Job | None = None
        self._save_keys: list[int] = []
        self._save_written: list[int] = []  # the save's photos it wrote, so far
        self._saving_before_after = False
        self._save_looks: list[tuple] = []
        self._save_failures: list[tuple[str, str]] = []  # the save's (photo's name, one-line message) of each it could not save
        self._hint_files_written = 0  # by the save: the photos' hints, beside them
        self._save_result: BatchFinished | None = None  # the save's, until its job has ended
        self._folders_made_for_save: list[Path] = []  # by Save for its dialog, the photo saved in them: gone if it fails
        # Each saved photo's look when it was saved, and where: it counts as saved (Clear Queue loses nothing
        # of it, its row says "Saved") only while it still looks that way: same model, strength and hints.
        self._saved: dict[int, tuple[tuple, Path]] = {}
        self._thumbnail_jobs: dict[int, tuple[Job, tuple]] = {}  # the latest thumbnail asked for per photo, and its strength and hints
        self._last_model: str | None = None
        self._still_to_queue: set[Path] = set()  # found in a folder, queued on a later turn (_queue_in_turns)
        self._queueing_round = 0  # a new round when the queue is cleared: turns of an older one stop
        self._build()
        self.preview = PhotoPreview(self.view, lane, self)
        self.preview.coloured.connect(self._on_shown)
        self.preview.failed.connect(self._on_show_failed)
        self.preview.view_updated.connect(self.view_updated)
        self.photos = ColouriseQueue(on_changed=self._show_item_state)
        self.strengths = PhotoStrengths(self)
        self.strengths.strengths_set.connect(self._on_strengths_set)
        self._make_actions()
        self.hints = HintMode(self)
        self.preview.hints = self.hints
        self.bar.hint_button.setDefaultAction(self.hints.toggle_action)
        self.splitter.addWidget(self.hints.panel)
        self.splitter.set_side_width(self.hints.panel, self.hints.panel.sizeHint().width())
        self.hints.panel.set_point_locator(self.hints.overlay.selected_on_screen)  # the colour dialog leaves it in sight
        self.item_finished.connect(self.hints.load_pending)
        self.hints.preview_updated.connect(self.view_updated)  # a photo with hints is shown in its colours
        self.hints.preview_updated.connect(self._on_hinted_colours_shown)
        self.hints.hints_edited.connect(self._on_hints_edited)
        self.hints.preview.failed.connect(lambda _message: self._pump())  # a photo left to its hinted colours: the queue's again
        self.undo = PhotoUndo(self)  # the shown photo's hint edits and strength changes, latest first
        self.hints.set_undo_actions(self.undo.actions())
        self.hints.hint_step_made.connect(self.undo.record_hint_step)
        self.hints.toggled.connect(self.undo.update_actions)  # a hint edit is undone in Hint Mode only
        self.queue.current_changed.connect(self.undo.update_actions)
        # In Hint Mode the progress row stays, with a quiet line of the photo's hints while nothing runs: hidden,
        # the photo re-fitted to the taller view as colouring ended and moved under a point being placed (a QA
        # pass), and kept blank, its room was an empty strip. (Switching the mode re-fits the photo anyway.)
        for changed in (self.hints.toggled, self.hints.hints_edited, self.hints.reloaded):
            changed.connect(self._show_hint_line)
        self.hints.reloaded.connect(self._on_hints_reloaded)
        self.library.changed.connect(self._fill_models)
        self.library.renamed.connect(self._on_model_renamed)
        self._fill_models()

    @property
    def items(self) -> dict[int, QueueItem]:
        """The queued photos by key, in queue order."""
        return self.photos.items

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.bar = ColouriseBar()
        self.queue = PhotoQueue()
        self.queue.setAccessibleName("Photo queue")
        self.view = SplitView()
        self.view.setAccessibleName("Before and after")
        self.view.set_placeholder(EMPTY_TEXT)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        self.progress_row = ProgressRow()
        self.paused_row = PausedRow()  # after Cancel: how many still wait, and Colour the Rest
        # The controls by name, for the window, the tests and the benches:
        self.model_box, self.format_box, self.strength, self.progress = self.bar.model_box, self.bar.format_box, self.bar.strength, self.progress_row.bar

        self.splitter = splitter = PhotoFirstSplitter(PHOTO_ROOM)
        splitter.addWidget(self.queue)
        splitter.addWidget(self.view)
        splitter.set_photo_pane(self.view)
        splitter.setSizes([240, 800])
        splitter.set_side_width(self.queue, 240)
        layout = QVBoxLayout(self)
        for widget, stretch in ((self.bar, 0), (self.notice, 0), (splitter, 1), (self.progress_row, 0), (self.paused_row, 0)):
            layout.addWidget(widget, stretch)

        self.queue.current_changed.connect(self._on_current_changed)
        self.queue.remove_requested.connect(self.remove_photos)
        self.queue.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names are elided instead
        self.queue.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.queue.customContextMenuRequested.connect(lambda pos: self.queue_menu().popup(self.queue.viewport().mapToGlobal(pos)))
        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        self.bar.save_button.clicked.connect(self.save_selected)
        self.bar.save_all_button.clicked.connect(self.save_all)
        self.progress_row.cancel_button.clicked.connect(self.cancel)

    def _make_actions(self) -> None:
        def action(text: str, shortcut, slot, tip: str) -> QAction:
            return make_action(self, text, shortcut, slot, tip)

        self.open_action = action("&Open Photos…", QKeySequence.StandardKey.Open, self.open_files, "Add photos to the queue")
        self.open_folder_action = action("Open &Folder…", "Ctrl+Shift+O", self.open_folder, "Add every photo in a folder")
        self.paste_action = action("&Paste Photo", QKeySequence.StandardKey.Paste, self.paste, "Add the image on the clipboard")
        self.save_action = action("&Save…", QKeySequence.StandardKey.Save, self.save_selected, "Save the selected photo in colour")
        self.save_all_action = action("Save &All…", "Ctrl+Shift+S", self.save_all, "Save every coloured photo to a folder")
        self.save_before_after_action = action(
            "Save &Before and After…", "Ctrl+B", lambda: self.save_selected(before_after=True), "Save the selected photo's original beside its colours, one picture to share"
        )
        self.cancel_action = action("&Cancel", "Esc", self.cancel, "Stop colouring or saving the queue")
        self.colour_rest_action = action("Colour the &Rest", "Ctrl+R", self.colour_rest, "Colour the photos still waiting after Cancel")
        self.clear_action = action("C&lear Queue", None, self.clear_queue, "Take every photo off the queue (files stay)")
        self.fit_action = action("&Fit to Window", "Ctrl+0", self.view.zoom_fit, "Show the whole photo")
        self.actual_action = action("&Actual Pixels (100 %)", "Ctrl+1", lambda: self.view.zoom_actual(), "One photo pixel per screen pixel")
        self.zoom_in_action = action("Zoom &In", QKeySequence.StandardKey.ZoomIn, self.view.zoom_in, "Zoom in")
        self.zoom_out_action = action("Zoom &Out", QKeySequence.StandardKey.ZoomOut, self.view.zoom_out, "Zoom out")
        # Ctrl++ needs Shift on most keyboards; Ctrl+= is the same key without it, as browsers take it.
        self.zoom_in_action.setShortcuts([*self.zoom_in_action.shortcuts(), QKeySequence("Ctrl+=")])
        self.bar.open_button.setDefaultAction(self.open_action)
        self.bar.open_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.bar.save_button.setToolTip(self.save_action.toolTip())
        self.bar.save_all_button.setToolTip(self.save_all_action.toolTip())
        self.cancel_action.setEnabled(False)
        self.colour_rest_action.setEnabled(False)
        self.paused_row.button.setDefaultAction(self.colour_rest_action)

    def actions_for_menus(self) -> dict[str, list[QAction | None]]:
        """The page's actions by menu group (None: a separator): "open" and "save" (File), "edit", "view"."""
        return {
            "open": [self.open_action, self.open_folder_action, self.paste_action],
            "save": [self.save_action, self.save_all_action, self.save_before_after_action],
            "edit": [
                *self.undo.actions(), None, self.cancel_action, self.colour_rest_action, self.clear_action, None, *self.strengths.actions(), None,
                *self.hints.actions(),
            ],
            "view": [self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action],
        }

    # -- models ---------------------------------------------------------------------------
    def _fill_models(self) -> None:
        wanted = self.current_model_name() or settings.read("colourise/model", "", str) or self.library.default_name()
        usable = [e.name for e in self.library.usable()]
        self.model_box.fill(self.library.entries(), (wanted if wanted in usable else self.library.default_name()) if usable else None)
        self.notice.setText(NO_MODELS_TEXT)
        self.notice.setVisible(not usable)
        self.view.set_placeholder(NO_MODELS_TEXT if not usable else EMPTY_TEXT)
        self._update_buttons()
        if usable and self.current_model_name() != self._last_model:
            self._on_model_changed()

    def _on_model_renamed(self, old: str, new: str, old_key: str, new_key: str) -> None:
        """The model was renamed: keep it chosen under its new name, with every colour already made."""
        for item in self.items.values():  # (predictions are cached by the engine, per model file)
            if old_key in item.thumbs:
                item.thumbs[new_key] = item.thumbs.pop(old_key)
        if settings.read("colourise/model", "", str) == old:
            settings.write("colourise/model", new)
        index = self.model_box.findData(old)
        if index >= 0:
            self.model_box.setItemData(index, new)  # the refill that follows keeps it chosen
        if getattr(self, "_last_model", None) == old:
            self._last_model = new

    def current_model_name(self) -> str | None:
        name = self.model_box.currentData()
        entry = self.library.find(name) if name else None
        return name if entry is not None and entry.info else None

    def current_model_path(self) -> Path | None:
        name = self.current_model_name()
        return self.library.find(name).path if name else None

    def select_model(self, name: str) -> bool:
        return self.model_box.select(name)

    def _on_model_changed(self, _index: int = -1) -> None:
        name = self._last_model = self.current_model_name()
        self.hints.model_changed()
        if not name:
            return
        settings.write("colourise/model", name)
        self.photos.set_model(model_key(self.current_model_path()))
        self._show_saved()
        self._show_current()
        self._pump()

    # -- adding photos --------------------------------------------------------------------
    def add_paths(self, paths: list[str | Path], remember: bool = True) -> None:
        """Queue files and the photos in folders (folders are searched on a worker).

        ``remember``: list them under File > Open Recent (the sample photos are not).
        """
        paths = [Path(p) for p in paths]
        if not paths:
            return
        self.status_message.emit("Looking for photos…")
        save_folder = settings.read("folders/save", "", str)
        self.lane.submit(
            _look_for_photos, paths, remember, Path(save_folder) if save_folder else None, priority=SHOW_PRIORITY + 1, name="expand",
            on_finished=self._on_paths_expanded, on_error=self.status_message.emit,
        )

    def _on_paths_expanded(self, result: LookedFor) -> None:
        recent.remember(result.openable)
        files = [photo.path for photo in result.photos]
        said = [_not_photos_text(result.not_photos)] if not files and result.not_photos else []  # (a folder of GIFs said only "No photos ...")
        said += [_colourised_text(result.colourised)] if result.colourised else []
        said += [_not_regular_text(result.not_regular)] if result.not_regular else []
        left_out = "".join(f"; {text}" for text in said) + "."
        if not files:
            self.status_message.emit(f"No photos to colour there{left_out}")
            return
        sources = [source for source in self.photos.new_files(files) if source.path not in self._still_to_queue]
        if not sources:
            self.status_message.emit(f"Those photos are in the queue already{left_out}")
            return
        self._still_to_queue.update(source.path for source in sources)
        self._queue_in_turns(sources, [], self._queueing_round, result, left_out, row_names(result.photos))

    def _queue_in_turns(
        self, sources: list[PhotoSource], added: list[int], round_: int, looked: LookedFor, left_out: str, names: dict[Path, str]
    ) -> None:
        """Queue ``QUEUED_A_TURN`` of ``sources``, the rest on later turns of the event loop, so the window
        answers while a folder of thousands is queued; then start colouring and say how many were added.
        ``names``: the rows' names where they are not the files' (``row_names``)."""
        if round_ != self._queueing_round:  # the queue was cleared meanwhile
            return
        strength = self.strengths.default()  # (read from the settings: once a turn, not per photo)
        now, rest = sources[:QUEUED_A_TURN], sources[QUEUED_A_TURN:]
        for source in now:
            self._still_to_queue.discard(source.path)
            added.append(
                self._add(source, start=False, strength=strength, relative=looked.relative.get(source.path), name=names.get(source.path))
            )
        if len(added) == len(now):
            self.queue.select(added[0])  # what was just added is what the user looks at
        if rest:
            self.status_message.emit(f"Adding photos: {len(added):,} of {len(added) + len(rest):,}…")
            QTimer.singleShot(0, self, lambda: self._queue_in_turns(rest, added, round_, looked, left_out, names))
            return
        self._pump()  # once all are queued: the progress counts them all from the first photo on
        self._update_buttons()  # once too
        self.status_message.emit(f"Added {len(added):,} photo{'s' if len(added) != 1 else ''} to the queue{left_out}")
        if looked.saved_hints:
            found = {key: looked.saved_hints[path] for key in added if key in self.items and (path := self.items[key].source.path) in looked.saved_hints}
            self.hints.offer_saved_hints(found)

    def add_image(self, image: QImage, name: str | None = None) -> int | None:
        """Queue an image (pasted or dropped as data); it is saved as PNG unless another format is chosen."""
        if image.isNull():
            self.status_message.emit("The clipboard holds no image.")
            return None
        key = self._add(PhotoSource(name or self.photos.pasted_name(), pasted=qimage_to_photo(image)))
        self.queue.select(key)
        return key

    def _add(
        self, source: PhotoSource, start: bool = True, strength: float | None = None, relative: Path | None = None, name: str | None = None
    ) -> int:
        """Queue one photo (at ``strength``, or the default; ``relative``: where it sits under the folder it was
        opened from) with ``name`` in its row (None: its file's); ``start=False``: the caller adds many, then
        pumps and updates the buttons once."""
        key = self.photos.add(source, self.strengths.default() if strength is None else strength, relative)
        self.queue.add(key, name or source.name, str(source.path) if source.path else "pasted image", self.items[key].strength)
        if self.queue.current_key() is None:
            self.queue.select(key)
        if start:
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

    def remove_photos(self, keys: list[int]) -> bool:
        """Take photos off the queue at the user's word (Delete, the list's menu); the files stay.

        Asks first when any has colour hints not saved: the user's own work (a Delete meant for a
        selected hint point, with the photo list focused, would otherwise take a photo's hints with it).
        """
        hinted = [key for key in self.hints.unsaved() if key in keys]
        if hinted and not confirm(self, "Remove from Queue", _losing_hints_text(len(keys), len(hinted))):
            return False
        self.remove_items(keys)
        return True

    def remove_items(self, keys: list[int]) -> None:
        if self._prepare_job is not None and self.photos.working in keys:
            self._prepare_job.stop()
        for item in self.photos.remove(keys):
            COLOURS.forget(item.source)
        for key in keys:
            self._saved.pop(key, None)
        self.hints.forget(keys)
        self.undo.forget(keys)
        self.queue.remove(keys)
        self.preview.forget(keys)
        for key in keys:
            job = self._thumbnail_jobs.pop(key, None)
            if job is not None:
                job[0].stop()
        if self.queue.current_key() is None:
            self._show_empty()
        self._update_buttons()
        self._show_progress()

    def queue_menu(self) -> QMenu:
        """The photo list's context menu: what can be done with the selected photos."""
        menu = QMenu(self)
        keys = self.queue.selected_keys()
        remove = menu.addAction(f"Remove from Queue ({len(keys)})" if len(keys) > 1 else "Remove from Queue")
        remove.setEnabled(bool(keys))
        remove.triggered.connect(lambda: self.remove_photos(keys))
        item = self.items.get(self.queue.current_key()) if len(keys) <= 1 else None
        reveal = menu.addAction("Show Original in Folder")
        reveal.setEnabled(item is not None and item.source.path is not None)
        reveal.triggered.connect(lambda: item is not None and _reveal(item.source.path))
        menu.addSeparator()
        for act in (self.save_action, self.save_all_action, self.colour_rest_action, self.cancel_action, None, self.clear_action):
            menu.addSeparator() if act is None else menu.addAction(act)
        return menu

    def unsaved(self) -> list[int]:
        """Photos coloured but not saved since: what clearing the queue would lose."""
        return [key for key in self.photos.keys() if self.photos.state(key) == QueueState.DONE and self.saved_as(key) is None]

    def unsaved_work(self) -> list[int]:
        """Photos holding the user's own work not saved as it is now, in queue order: what quitting would lose
        (their colours alone the model makes again). That is hints not saved as they are, or a strength of
        the photo's own while its row does not say "Saved": opened again, it would take the strength of its hint
        file, or the default where it has none."""
        hinted = set(self.hints.unsaved())
        default = round(self.strengths.default() * 100)

        def strength_lost(key: int, item: QueueItem) -> bool:
            on_file = self.hints.saved_strength(key)  # (hints reloaded bring their strength back too)
            # (one given the default by Apply Strength to All is lost too while its hint file holds another)
            opens_at = default if on_file is None else round(on_file * 100)
            return round(item.strength * 100) != opens_at and self.saved_as(key) is None

        return [key for key, item in self.items.items() if key in hinted or (item.state != QueueState.FAILED and strength_lost(key, item))]

    def saved_as(self, key: int) -> Path | None:
        """The file ``key`` was last saved as, if it holds the colours the photo has now."""
        look, path = self._saved.get(key, (None, None))
        return path if look is not None and look == self._look(key) else None

    def _look(self, key: int) -> tuple:
        """What a photo's colours are made of: the model file as it is, the photo's strength and its hints."""
        path = self.current_model_path()
        return (path and model_key(path), self.strengths.of(key), tuple(self.hints.hints_of(key)))

    def _on_hints_edited(self, key: int) -> None:
        self._show_saved([key])
        if not self.hints.hints_of(key):
            self._render_thumbnail(key)  # the last hint went: the row shows the model's own colours again

    def _on_hints_reloaded(self, key: int, hints_file: Path) -> None:
        """``key`` took the hints and strength of a hint file: when the colour photo beside it says it was coloured
        with them by this model (its tag, or for a BMP, which has no room for one, its folder's record of the BMPs
        Colourise saved), it holds the colours shown, and the row says "Saved" (quitting asks nothing of it)."""
        saved = hints_file.with_name(hints_file.name[: -len(HINTS_SUFFIX)])
        model = self.current_model_name()
        hints = len(self.hints.hints_of(key)) if self.hints.takes_hints else 0  # (a model that takes none coloured it without them)
        if key in self.items and model is not None and saved_software(saved) == made_by_model(model, hints, self.strengths.of(key)):
            self._saved[key] = (self._look(key), saved)
            self._show_saved([key])

    def _show_hint_line(self, *_args) -> None:
        """In Hint Mode, the progress row's quiet line while nothing runs: the shown photo's hints, and "Saved" while its
        row says so (the colours with those hints are saved), so an edit shows whether it is saved; none out of it."""
        key = self.queue.current_key()
        if not self.hints.active or key is None:
            self.progress_row.show_idle("")
            return
        saved = " · Saved" if self.queue.says_saved(key) else ""  # (the row's word for it)
        self.progress_row.show_idle(hint_count_text(len(self.hints.hints_of(key))) + saved)

    def _on_hinted_colours_shown(self, key: int, final: bool) -> None:
        """A photo's colours with its hints are shown in full: its row shows them too (it kept the model's own), and a
        photo the queue left waiting for them (``_left_to_hints``) is coloured."""
        item, after = self.photos.items.get(key), self.view.after
        if not final or item is None or after is None or key != self.queue.current_key():
            return
        if item.state in (QueueState.DONE, QueueState.WAITING):  # (not while the queue colours it: its result follows)
            if self.photos.coloured(key, self.photos.model, self.queue.fitted(after.image), after.size):
                self.item_finished.emit(key)

    def _show_saved(self, keys: list[int] | None = None) -> None:
        keys = self.photos.keys() if keys is None else keys
        for key in keys:
            self.queue.set_saved(key, self.saved_as(key))
        if self.queue.current_key() in keys:
            self._show_hint_line()  # its "Saved" too

    def clear_queue(self) -> bool:
        """Take every photo off the queue (the files stay); asks first when coloured photos are not saved."""
        keys = self.photos.keys()
        if not keys:
            return False
        unsaved = self.unsaved()
        if unsaved:
            count = len(unsaved)
            if not confirm(
                self,
                "Clear Queue",
                f"Take all {len(keys)} photos off the queue?\n\n{count} coloured photo{'s have' if count != 1 else ' has'} "
                "not been saved; the colours would be lost. The photo files themselves stay where they are.",
            ):
                return False
        self.cancel_quietly()
        self._queueing_round += 1  # photos of a folder still being queued are not queued after all
        self._still_to_queue.clear()
        self.remove_items(keys)
        self.status_message.emit(f"Cleared the queue ({len(keys)} photo{'s' if len(keys) != 1 else ''}).")
        return True

    def cancel_quietly(self) -> None:
        """Stop the queue's colouring without a word (it is being emptied)."""
        if self._prepare_job is not None:
            self._prepare_job.stop()

    def _show_empty(self) -> None:
        """Nothing selected: the view says how to add photos (never an old "Opening…")."""
        self.view.clear()
        self.view.set_busy("")
        usable = bool(self.library.usable())
        self.view.set_placeholder(EMPTY_TEXT if usable else NO_MODELS_TEXT)

    # -- colouring the queue --------------------------------------------------------------
    def _show_item_state(self, key: int) -> None:
        """Show what the queue model says about ``key`` in the list."""
        item = self.photos.items.get(key)
        if item is None:
            return
        thumb = item.thumbs.get(self.photos.model)
        if thumb is not None:
            self.queue.set_thumbnail(key, thumb)
        self.queue.set_strength(key, item.strength)
        self.queue.set_state(key, item.state, item.reason)
        self._update_buttons()
        self._show_paused()  # a photo coloured by Save All no longer waits

    def _pump(self) -> None:
        """Start colouring the next waiting photo, if nothing else is being coloured."""
        model_path = self.current_model_path()
        item = self.photos.next_to_colour(self._left_to_hints()) if model_path is not None else None
        if item is not None:
            # A photo with hints is coloured with them, as Save writes it (it got the model's own colours in its row)
            hinted = self.hints.for_saving(item.key) if self.hints.owns_view(item.key) else None
            self._prepare_job = self.lane.submit(
                prepare_item, item.key, item.source, model_path, item.strength, hinted, name="prepare",
                on_finished=self._on_prepared, on_error=self._on_prepare_failed, on_end=self._on_prepare_ended,
            )
        self._show_progress()

    def _left_to_hints(self) -> set[int]:
        """The photo on screen while its colours with its hints are being made: its row takes them once they are shown
        (``_on_hinted_colours_shown``). On a model change the queue coloured it without them as well, a second network
        pass (about 10 s on a busy 2-core CPU) for colours the hinted ones replaced at once. Shown no longer (``_pump``
        on a new selection), or its hinted colours failed, it is the queue's again."""
        key = self.hints.colouring_key
        return {key} if key is not None else set()

    def _on_prepared(self, result: Prepared | None) -> None:
        if result is None or result.key not in self.items:
            return  # (stopped, or removed while it was being coloured: a job asked to stop may still finish)
        self.photos.coloured(result.key, result.model, self.queue.fitted(result.thumb), result.size)
        if result.own_colours:
            self.queue.set_in_colour(result.key)
        if result.hinted_prediction is not None:  # shown, saved or thumbnailed again with these hints: no new pass
            self.hints.keep_prediction(result.key, result.model, result.hints, result.hinted_prediction)
        self.item_finished.emit(result.key)
        item = self.items.get(result.key)
        if item is None or item.state != QueueState.DONE or result.model != self.photos.model:
            return
        # Its strength was set, or its hints edited, while it was being coloured: it showed the colours before them. (The
        # photo on screen whose hinted colours are being made takes them as they are shown: ``_on_hinted_colours_shown``.)
        hints_edited = result.hints != self._hints_coloured_with(result.key) and result.key != self.hints.colouring_key
        if result.strength != item.strength or hints_edited:
            self._render_thumbnail(result.key)

    def _hints_coloured_with(self, key: int) -> tuple:
        """The hints ``key`` is coloured with: its own while the model takes them, none otherwise."""
        return tuple(self.hints.hints_of(key)) if self.hints.owns_view(key) else ()

    def _on_prepare_failed(self, message: str) -> None:
        key = self.photos.working
        if self.photos.failed(key, message):
            self.item_finished.emit(key)
            if key == self.queue.current_key():
                self.view.clear()
                self.view.set_placeholder(message)

    def _on_prepare_ended(self) -> None:
        self._prepare_job = None
        self.photos.job_ended()
        self._pump()

    def _show_progress(self) -> None:
        busy = self._save_job is not None or (self._prepare_job is not None and self.photos.working is not None)
        if self._save_job is None:
            progress = self.photos.colouring_progress()
            if progress is not None:
                finished, total = progress
                self.progress_row.show_step(f"Colouring {finished + 1:,} of {total:,}", finished, total)
        self.progress_row.set_running(busy)
        self.cancel_action.setEnabled(busy)
        self._show_paused(busy)

    def cancel(self) -> None:
        """Stop colouring the queue (photos not yet done stay waiting) and any save in progress."""
        self.photos.cancel()
        if self._prepare_job is not None:
            self._prepare_job.stop()
            self.progress_row.show_step("Stopping after this photo…")  # a photo being coloured finishes first
        if self._save_job is not None:
            self._save_job.stop()
        self.status_message.emit("Cancelled.")

    def _show_paused(self, busy: bool | None = None) -> None:
        """After Cancel: how many photos still wait, and Colour the Rest (nothing while busy or when none wait)."""
        busy = self.progress_row.running if busy is None else busy
        waiting = self.photos.counts()[QueueState.WAITING] if self.photos.paused and not busy else 0
        self.colour_rest_action.setEnabled(waiting > 0)
        self.paused_row.show_waiting(waiting)

    def colour_rest(self) -> None:
        """Go on colouring the photos that still wait (after Cancel)."""
        self.photos.paused = False
        self._pump()

    def is_busy(self) -> bool:
        thumbnailing = any(not job.done for job, _wanted in self._thumbnail_jobs.values())
        return self._prepare_job is not None or self._save_job is not None or self.preview.busy or thumbnailing

    def stop_all(self) -> None:
        self.cancel()
        self.hints.stop()
        self.preview.stop()

    # -- the split view -------------------------------------------------------------------
    def _on_current_changed(self, key: int | None) -> None:
        left = self._left_to_hints() - {key}  # (asked before the hints hear of it: they stop making its colours)
        self.strengths.show(key)
        self._update_buttons()
        self.hints.show_key(key)
        self._show_hint_line()
        self._show_current()
        if key is None:
            self._show_empty()
        if left:
            self._pump()  # the photo left to its hinted colours, shown no longer, is the queue's again (asked after the view's job)

    def _show_current(self) -> None:
        """(Re)colour the selected photo for the view with the current model and its own strength."""
        key = self.queue.current_key()
        item = self.photos.items.get(key)
        self.view.setAccessibleName(f"Before and after: {item.source.name}" if item is not None else "Before and after")
        self.preview.show(item, self.current_model_path(), self.strengths.of(key))

    def _on_shown(self, result: Prepared) -> None:
        item = self.photos.items.get(result.key)
        was_waiting = item is not None and item.state == QueueState.WAITING
        # A coloured photo with hints keeps the thumbnail of its hinted colours (``_on_hinted_colours_shown``): this one
        # is of the model's own colours, and shown again, its hinted ones (rendered, not predicted) could come first.
        keeps_hinted = item is not None and item.state == QueueState.DONE and self.hints.owns_view(result.key)
        if not keeps_hinted and self.photos.coloured(result.key, result.model, self.queue.fitted(result.thumb), result.size) and was_waiting:
            self.item_finished.emit(result.key)
        if result.own_colours:
            self.queue.set_in_colour(result.key)
        self._show_progress()

    def _on_show_failed(self, key: int, message: str) -> None:
        if key not in self.items:
            return  # removed while it was being opened: its failure is nobody's news now
        if self.photos.failed(key, message):
            self.item_finished.emit(key)
        self.status_message.emit(message)

    def _on_strengths_set(self, keys: list[int]) -> None:
        """Photos got a new strength: colour the shown one anew (its thumbnail comes with it) and the others' thumbnails.

        Photos still waiting are coloured at their new strength when their turn comes.
        """
        current = self.queue.current_key()
        self._show_saved(keys)
        for key in keys:
            if key == current:
                self._show_current()
            elif self.photos.state(key) == QueueState.DONE:
                self._render_thumbnail(key)

    # -- saving ---------------------------------------------------------------------------
    def save_selected(self, *, before_after: bool = False) -> None:
        key = self.queue.current_key()
        if key is None or self.current_model_path() is None:
            return
        title = "Save the photo before and after" if before_after else "Save the coloured photo"
        offer = self.suggested_save_path(key, before_after=before_after)
        # The dialog opens only in a folder that is there (in another one it opened elsewhere, the sub-folder
        # lost): the sub-folder offered is made for it, and taken away again unless the photo is saved in it
        # (a save that did not start, or whose write fails, takes it away too: _on_save_ended).
        made = _make_folders(offer.parent)
        if made is None:  # (a folder that cannot be made there: the save folder itself)
            offer, made = self.suggested_save_path(key, before_after=before_after, in_sub_folder=False), []
        saved_in = None
        try:
            # The dialog's own "replace?" is left out: asked before the original was ruled out, it asked
            # whether to replace the original and then refused to. A refused name opens the dialog again.
            while True:
                chosen, _ = QFileDialog.getSaveFileName(self, title, str(offer), PHOTO_FILTER, options=QFileDialog.Option.DontConfirmOverwrite)
                if not chosen:
                    return
                target = self.with_format_suffix(key, Path(chosen))
                refusal = self.refusal(key, target)
                if refusal:
                    QMessageBox.warning(self, "Colourise", name_then_reason(refusal, self._refused_name(target)))
                elif not target.exists() or confirm(self, "Colourise", f"{target.name} already exists in the folder\n{unbroken(target.parent)}\nReplace it?"):
                    if self.save_to_file(key, target, before_after):
                        saved_in = target.parent
                        self._folders_made_for_save = [folder for folder in made if saved_in.is_relative_to(folder)]
                    return
                offer = target
        finally:
            _remove_empty_folders(made, keep=saved_in)

    def with_format_suffix(self, key: int, target: Path) -> Path:
        """``target``, with the chosen format's suffix added when its own names no format Colourise writes
        (a name typed as "grandma 1952.06" ends in ".06": it becomes "grandma 1952.06.png")."""
        if writes_format_of(target):
            return target
        return target.with_name(target.name + Path(save_name(self.photos.items[key].source, self.bar.output_format())).suffix)

    def refusal(self, key: int, target: Path) -> str:
        """Why ``key`` must not be saved as ``target`` (an original, a name the disk cannot hold; "" when it may)."""
        try:
            if is_original(target, self.photos.originals()):
                return f"{target.name}: that is the original photo; Colourise never overwrites originals. Choose another name."
            if target != self._saved.get(key, (None, None))[1] and self.photos.originals_in_folder([target]):
                return f"{target.name}: that is a photo Colourise did not save; Colourise never overwrites originals. Choose another name."
            target.exists()  # (the question about replacing it asks this next)
        except OSError as exc:  # a name too long for the file system, say: Save did nothing and said nothing
            return f"{self._refused_name(target)}: {error_reason(exc)}. Choose another name."
        return ""

    @staticmethod
    def _refused_name(target: Path) -> str:
        """``target``'s name as ``refusal`` names it (a name too long for any disk shortened in the middle)."""
        return target.name if len(target.name) <= 60 else f"{target.name[:40]}…{target.name[-12:]}"

    def suggested_save_path(self, key: int, *, before_after: bool = False, in_sub_folder: bool = True) -> Path:
        """Where Save offers to put ``key``: where it was saved before (saving again updates that file,
        after the dialog asks) in the format chosen, else ``<stem>-colourised.<ext>`` (a before and after:
        ``<stem>-before-after.<ext>``) in the last save folder, under a free name that fits there; in the
        sub-folder Save All puts it in (``in_sub_folder``: family/1908.jpg of a folder opened goes to
        ``<save folder>/family/``, as Save All and ``colourise images`` put it, not beside the other 1908.jpg's)."""
        source = self.photos.items[key].source
        name = save_name(source, self.bar.output_format(), BEFORE_AFTER_TAG if before_after else SAVED_TAG)
        before = None if before_after else self._saved.get(key, (None, None))[1]
        if before is not None and before.suffix == Path(name).suffix:
            return before
        last = settings.read("folders/save", "", str)
        if not last:  # never saved: beside the photo itself (already in its sub-folder), or in Pictures
            folder = first_save_folder(source.path)
        else:
            folder = Path(last) / (self.photos.sub_folder(key) if in_sub_folder else "")
        # A photo's own name may be as long as the disk allows, leaving no room for "-colourised": shortened.
        return free_name(fitting_name(folder / name, kept=BEFORE_AFTER_TAG if before_after else SAVED_TAG))

    def _save_folder_for(self, key: int, folder: Path) -> Path:
        """The save folder to remember after ``key`` was saved in ``folder``: the one above it where ``folder`` is the
        sub-folder Save All puts ``key`` in (out, not out/family: the next photo of family/ is not offered family/family/)."""
        sub = self.photos.sub_folder(key).parts
        if not sub or folder.parts[-len(sub) :] != sub:
            return folder
        for _part in sub:
            folder = folder.parent
        return folder

    def save_to_file(self, key: int, target: Path, before_after: bool = False) -> bool:
        """Save one photo to ``target`` (Save has already asked about replacing). Never its own original.

        ``before_after``: the original beside its colours (as shown: strength, hints), one picture to share.
        """
        target = self.with_format_suffix(key, target)
        refusal = self.refusal(key, target)
        if refusal:
            QMessageBox.warning(self, "Colourise", name_then_reason(refusal, self._refused_name(target)))
            return False
        if not self._start_save([key], [target], Existing.REPLACE, before_after):
            return False
        settings.write("folders/save", str(self._save_folder_for(key, target.parent)))
        return True

    def save_work(self, keys: list[int]) -> bool:
        """Save these photos in colour, with their hints beside them (Save on quitting): a photo saved
        before into the file it was saved as (Colourise's own, as Save offers it), the others into a
        folder the user chooses, beside what is there (as Keep Both: no file is replaced). False when no
        save started: no model, a save still running, or no folder chosen."""
        keys = [key for key in keys if self.photos.can_save(key)]
        if not keys or self.current_model_path() is None:
            return False
        if self._save_job is not None:
            self.status_message.emit("Still saving the previous photos.")
            return False
        targets = {}
        for key in keys:
            before = self._saved.get(key, (None, None))[1]
            if before is not None and not self.refusal(key, before):
                targets[key] = before
        rest = [key for key in keys if key not in targets]
        if rest:
            many = f"the {len(rest)} photos" if len(rest) != 1 else self.items[rest[0]].source.name
            folder = self._ask_save_folder(rest, f"Save {many} to")
            if not folder:
                return False
            settings.write("folders/save", folder)
            planned = self.photos.plan_save(
                Path(folder), self.bar.output_format(), keep_existing=True, saved_here=self._saved_here(), keys=rest, taken=targets.values()
            )
            targets.update(zip(*planned))
        return self._start_save(keys, [targets[key] for key in keys], Existing.REPLACE)  # (replaces only the photos' own earlier files)

    def save_all(self) -> None:
        if not self.photos.any_saveable():
            return
        folder = self._ask_save_folder(self.photos.saveable(), "Save the coloured photos to")
        if folder:
            self.save_all_to(Path(folder))

    def _ask_save_folder(self, keys: list[int], title: str) -> str:
        """A folder to save these photos in, asked starting where photos were last saved (as Save does), or
        beside the first of them (see ``first_save_folder``); "" when none was chosen."""
        first = next((self.items[key].source.path for key in keys if self.items[key].source.path), None)
        start = settings.read("folders/save", "", str) or str(first_save_folder(first))
        return QFileDialog.getExistingDirectory(self, title, start)

    def save_all_to(self, folder: Path) -> bool:
        """Save every photo not failed to ``folder``; asks once before replacing existing files. False if cancelled."""
        if not self.photos.any_saveable():
            return False
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            QMessageBox.warning(self, "Colourise", f"Cannot create the folder\n{unbroken(folder)}\n({exc.strerror or exc})")
            return False
        settings.write("folders/save", str(folder))
        keys, targets = self.photos.plan_save(folder, self.bar.output_format(), saved_here=self._saved_here())
        existing = [target for target in targets if path_exists(target)]  # (a name too long to ask about fails in the save, said)
        rule = Existing.KEEP_BOTH
        if existing:
            answer = self.ask_replace(existing)
            if answer == "cancel":
                return False
            if answer == "replace":
                rule = Existing.REPLACE
            else:
                keys, targets = self.photos.plan_save(folder, self.bar.output_format(), keep_existing=True, saved_here=self._saved_here())
        return self._start_save(keys, targets, rule)

    def _saved_here(self) -> set[Path]:
        """Where this page saved its photos: its own even where no tag can say so (BMP has no room for it)."""
        return {path for _look, path in self._saved.values()}

    def ask_replace(self, existing: list[Path]) -> str:
        """Ask what to do about existing files: "replace", "keep" (save under new names) or "cancel"."""
        return ask_replace(self, existing)

    def _start_save(self, keys: list[int], targets: list[Path], rule: Existing, before_after: bool = False) -> bool:
        """Start saving ``keys`` as ``targets``; False (and said) when a save still runs and this one did not start."""
        if self._save_job is not None:
            self.status_message.emit("Still saving the previous photos.")
            return False
        requests = [SaveRequest(self.items[key].source, target, strength=self.items[key].strength) for key, target in zip(keys, targets)]
        protected = self.photos.originals() | (self.photos.originals_in_folder(targets) - self._saved_here())
        config = SaveSettings(existing=rule, protected=protected, before_after=before_after)
        self._saving_before_after = before_after  # not the colour version: the row's "Saved" and the hint file stay as they are
        self._save_keys = list(keys)
        self._save_written = []
        self._save_looks = [self._look(key) for key in keys]  # as asked: the photos may change while they are saved
        self._save_failures = []
        self._hint_files_written = 0
        self._saved_folders: set[Path] = set()  # where the photos saved went: the result names it
        hinted = {self.items[key].source.key: self.hints.for_saving(key) for key in keys if self.hints.owns_view(key)}
        self._save_job = self.lane.submit(
            save_photos_job, requests, self.current_model_path(), config, hinted, name="save",
            on_progress=self._on_save_event, on_finished=self._on_saved, on_error=self._on_save_failed, on_end=self._on_save_ended,
        )
        self.progress_row.show_step(f"Saving 0 of {len(requests):,}", 0, len(requests))
        self._show_progress()
        return True

    def _on_save_event(self, event) -> None:
        if isinstance(event, PhotoStarted):
            self.progress_row.show_step(f"Saving {event.index + 1:,} of {event.total:,}")
        elif isinstance(event, PhotoDone):
            self.progress_row.show_step(self.progress_row.step_text(), event.index + 1)
            self._saved_folders.add(Path(event.output).parent)
            key = self._save_keys[event.index]
            self._save_written.append(key)
            if self._saving_before_after:
                return
            self._saved[key] = (self._save_looks[event.index], Path(event.output))
            self._show_saved([key])
            # Beside it whether or not the model takes hints: they are the user's work (a model that took none
            # saved the photo alone, and Save on quitting then stayed open, its hints still unsaved).
            # (a photo without hints gets one too when its strength is its own: said as "Saved", not as hints)
            if key in self.items and self.hints.write_for_saved(key, event.output, self._save_looks[event.index][1]) and self.hints.hints_of(key):
                self._hint_files_written += 1
        elif isinstance(event, PhotoFailed):
            # Not the photo's failure: its colours are fine, and a save fails for the target's sake (a full
            # disk, a read-only folder, a bad name). Its row stays as it is and Save works once that is put right.
            self.progress_row.show_step(self.progress_row.step_text(), event.index + 1)
            self._save_failures.append((event.source.name, event.message))
            self.status_message.emit(event.message)

    def _on_saved(self, result: BatchFinished) -> None:
        self.status_result.emit(
            saved_summary(result, before_after=self._saving_before_after, hint_files=self._hint_files_written, folders=self._saved_folders),
            next(iter(self._saved_folders)) if len(self._saved_folders) == 1 else None,
        )
        if self._save_failures:
            QMessageBox.warning(self, "Colourise", _save_failures_text(self._save_failures))
        self._save_result = result  # told once the job has ended (_on_save_ended)

    def _on_save_failed(self, message: str) -> None:
        self.status_message.emit(message)
        QMessageBox.warning(self, "Colourise", f"Saving failed: {message}")

    def _on_save_ended(self) -> None:
        self._save_job = None
        # Folders made for Save's dialog stay only with the photo in them: a failed write left them behind, empty.
        _remove_empty_folders(self._folders_made_for_save)
        self._folders_made_for_save = []
        self._thumbnail_saved()
        self._show_progress()
        self._pump()
        # ``saved`` only now: a save asked for on hearing it found this one still running ("Still saving the
        # previous photos.") in the moment between the job's result and its end, and did nothing.
        result, self._save_result = self._save_result, None
        if result is not None:
            self.saved.emit(result)
        self.save_ended.emit(result is not None and not result.failed and not result.cancelled)

    def _thumbnail_saved(self) -> None:
        """Photos saved while still waiting (after Cancel, say) are coloured now: the list shows them done.

        Their colours were just made for saving (the engine keeps them), so this is quick. Only those written: a save
        cancelled at "Saving 3 of 62" went on colouring the 58 it never reached (a network pass each), after Cancel.
        """
        left_to_hints = self._left_to_hints()  # (coloured as the hinted colours it waits for are shown)
        for key in self._save_written:
            item = self.items.get(key)
            if item is not None and item.state == QueueState.WAITING and key != self.photos.working and key not in left_to_hints:
                self._render_thumbnail(key)

    def _render_thumbnail(self, key: int) -> None:
        """Colour ``key``'s thumbnail at its own strength, with its hints as the view shows them, unless that is on
        its way (a newer request stops an older one)."""
        item, model_path = self.items.get(key), self.current_model_path()
        if item is None or model_path is None:
            return
        hinted = self.hints.for_saving(key) if self.hints.owns_view(key) else None
        wanted = (item.strength, tuple(hinted[0]) if hinted is not None else ())
        asked = self._thumbnail_jobs.get(key)
        if asked is not None and not asked[0].done and asked[1] == wanted:
            return
        if asked is not None:
            asked[0].stop()  # a slider dragged over many selected photos must not queue every step
        job = self.lane.submit(
            prepare_item, key, item.source, model_path, item.strength, hinted, name="thumbnail",
            on_finished=self._on_prepared, on_error=lambda message: self._on_thumbnail_failed(key, message),
        )
        self._thumbnail_jobs[key] = (job, wanted)

    def _on_thumbnail_failed(self, key: int, message: str) -> None:
        if self.photos.failed(key, message):
            self.item_finished.emit(key)

    def _update_buttons(self) -> None:
        has_model = self.current_model_path() is not None
        for widget in (self.bar.save_button, self.save_action, self.save_before_after_action):
            widget.setEnabled(has_model and self.photos.can_save(self.queue.current_key()))
        any_saveable = self.photos.any_saveable()
        for widget in (self.bar.save_all_button, self.save_all_action):
            widget.setEnabled(has_model and any_saveable)
        self.strengths.update_actions()


def hint_count_text(count: int) -> str:
    """"3 colour hints on this photo" (Hint Mode's quiet line under the photo)."""
    if not count:
        return "No colour hints on this photo yet"
    return f"{count} colour hint{'s' if count != 1 else ''} on this photo"


def _losing_hints_text(photos: int, hinted: int) -> str:
    what = "this photo" if photos == 1 else f"these {photos} photos"
    if photos == 1:
        whose = "Its colour hints have"
    elif hinted == photos:
        whose = "Their colour hints have"
    else:
        whose = f"{hinted} of them {'has' if hinted == 1 else 'have'} colour hints that have"
    return f"Take {what} off the queue?\n\n{whose} not been saved; they would be lost. The photo files themselves stay where they are."


def _save_failures_text(failures: list[tuple[str, str]], shown: int = 5) -> str:
    """"Saving failed:", then for each of the first ``shown`` photos its name whole on a line of its own (wrapped with
    the reason, it broke inside itself) and the reason on the next, and how many more."""
    more = len(failures) - shown
    head = "Saving failed:" if len(failures) == 1 else f"Saving {len(failures):,} photos failed:"
    said = [name_then_reason(message, name) for name, message in failures[:shown]] + ([f"… and {more:,} more"] if more > 0 else [])
    return head + "\n" + "\n\n".join(said)  # (a blank line between photos)


def _make_folders(folder: Path) -> list[Path] | None:
    """Make ``folder`` where it is not there; the folders made, deepest first ([]: it was there; None: it could
    not be made, and none was left made)."""
    missing = []
    try:
        while not folder.is_dir() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
    except OSError:  # a name too long for the file system
        return None
    made: list[Path] = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except OSError:  # a read-only folder, a file in the way
            _remove_empty_folders(made)
            return None
        made.insert(0, folder)
    return made


def _remove_empty_folders(folders: list[Path], keep: Path | None = None) -> None:
    """Remove those of ``folders`` (deepest first) still empty, except ``keep`` and the folders above it."""
    for folder in folders:
        if keep is not None and keep.is_relative_to(folder):
            continue
        try:
            folder.rmdir()
        except OSError:  # something was put in it meanwhile: it stays
            pass


def _reveal(path: Path) -> None:
    from desktop.widgets.show_folder import show_folder

    show_folder(None, Path(path).parent)
