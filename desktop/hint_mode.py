"""Hint mode on the Colourise page: the actions, the overlay, the colour panel and the hinted colours.

Each photo in the queue keeps its own ``HintEdits`` (they survive switching
photos and models). While the shown photo has hints and the model takes them,
its colours come from here rather than from the page's own render: each edit
asks ``HintPreview`` for a working-size pass and a preview picture (the latest
edit only, while dragging), and a full-size one once the user pauses. The
prediction with each photo's latest hints is kept (for saving), made here or by
the queue's thumbnail: the photo shown again with them, by the same model, is
rendered from it, at any strength.

The page tells this object what happens to it (a photo shown or decoded, the
model or strength changed, photos removed, photos saved); what it uses of the
page is ``view``, ``queue``, ``items``, ``current_model_path()``,
``current_model_name()``, ``library``, ``strengths.of(key)`` (each photo has its
own strength) and ``status_message``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QMessageBox

from desktop.colour_jobs import COLOURISERS
from desktop.hint_edits import HintEdits, hex_colour
from desktop.widgets.confirm import unbroken
from desktop.hint_preview import HintPreview, HintRendered, HintRequest
from desktop.widgets.hint_overlay import HintOverlay
from desktop.widgets.hint_panel import HintPanel
from desktop.workers import Job, Lane
from engine.errors import ColouriseError
from engine.hints import hints_file_for
from engine.library import DEFAULT_MODEL
from engine.inference import Prediction, lightness_at, model_key, shown_at_lightness
from engine.photo import Photo

# Hint mode's line in the status bar, kept there while it holds (back after a passing note): what to do next.
HINT_STATUS = "Hint mode: click the photo (or press Enter) to pin a colour; H to leave."
# Once a point is selected the panel shows its colours but says nothing of moving or removing it.
POINT_STATUS = "Hint mode: choose the point's colour on the right; drag it (or use the arrows) to move it, Delete removes it; H to leave."
NO_POINT_STATUS = "Take Colour From Photo is for a hint point: select one, or click the photo to pin one."
PICK_STATUS = "Click the photo where the colour is shown, or move the mark there with the arrows and press Enter; Esc cancels."
SEEN_LIGHTNESS_GAP = 15.0  # L* between a point's colour and the photo under it from which the panel shows how it looks there
# Hint mode's button and H while no photo is shown: its panel said to click the photo, with none to click.
RELOAD_ARROW = "  ←  "  # between a photo and the hints file found for it, in the reload question
NO_PHOTO_TIP = "Hint mode needs a photo: open or drop one first, then H pins colours on it."
ON_TIP = "Hint mode: click the photo or press Enter to pin a colour, drag a point (or N, arrows) to move it, Delete removes it"


def model_takes_hints(info) -> bool:
    """Whether the model file described by ``info`` (an ``engine.modelfile.ModelInfo``) takes hints."""
    if info is None:
        return False
    declared = getattr(info, "takes_hints", None)
    if declared is not None:
        return bool(declared)
    try:
        from engine.models.registry import takes_hints
    except ImportError:  # an engine without hints
        return False
    try:
        return bool(takes_hints(info.arch, info.config))
    except KeyError:  # an architecture this version does not know
        return False


class HintMode(QObject):
    toggled = Signal(bool)
    """Hint mode was switched on (True) or off (False)."""
    preview_updated = Signal(int, bool)
    """The view shows queue item ``key`` coloured with its hints; True once at full size."""
    suggestions_ready = Signal(list)
    """The model's suggested colours for the selected point arrived (a list of (r, g, b))."""
    hints_edited = Signal(int)
    """Queue item ``key``'s hints changed (added, moved, recoloured, removed, undone)."""
    hint_step_made = Signal(int)
    """Queue item ``key``'s hints took a step to undo (an edit, a drag let go, hints reloaded)."""
    reloaded = Signal(int, object)
    """Queue item ``key``'s hints and strength were reloaded from the hint file at the ``Path`` given."""

    def __init__(self, page, parent: QObject | None = None):
        super().__init__(parent or page)
        self.page = page
        self.edits: dict[int, HintEdits] = {}
        self._written: dict[int, tuple] = {}  # the hints each photo had when they were last saved beside it
        self._written_strength: dict[int, float] = {}  # and the strength their file says it was saved at
        self.lane = Lane("hints", parent=self)
        self.preview = HintPreview(self.lane, self)
        self.overlay = HintOverlay(page.view)
        self.panel = HintPanel()
        self.panel.hide()
        self._takes_hints = False
        self._no_hints_tip = "No model"  # why the model chosen takes no hints, and which would ("": it takes them)
        self._photo_shown = False  # a photo to pin colours on is in the view
        self._shown: tuple[int, Photo, Photo] | None = None  # key, photo, preview of the photo in the view
        # key -> (model, revision, prediction): for saving, and to show the photo again without a network pass
        self._predictions: dict[int, tuple[str, int, Prediction]] = {}
        self._suggest_job: Job | None = None
        self._reload: dict[int, Path] = {}  # hint files to load once their photo's size is known
        self._busy = False  # the view says "Colouring…" for the hints
        self._line = ""  # hint mode's line kept in the status bar ("": none)
        self._make_actions()
        self.overlay.hints_changed.connect(self._on_edited)
        self.overlay.selection_changed.connect(self._on_selection_changed)
        self.overlay.drag_finished.connect(self._on_drag_finished)
        self.panel.colour_chosen.connect(self.overlay.recolour_selected)
        self.panel.pick_requested.connect(self.start_picking)
        self.panel.delete_pressed.connect(self.delete_action.trigger)  # (greyed out without a point: nothing)
        self.panel.set_appearance(self._appearance_at_point)
        self.overlay.colour_picked.connect(self.panel.choose)  # (the recent colours, the swatch, then the point)
        self.overlay.colour_picked.connect(self._on_colour_picked)
        self.overlay.picking_changed.connect(self.panel.show_picking)
        self.overlay.picking_changed.connect(self._on_picking_changed)
        self.preview.rendered.connect(self._on_rendered)
        self.preview.failed.connect(self._on_failed)
        page.installEventFilter(self)  # the keys (H, I, Delete...) act only while the page is shown
        self._update_actions()

    # -- actions ---------------------------------------------------------------------------------
    def _make_actions(self) -> None:
        def action(text: str, shortcut, slot, tip: str) -> QAction:
            act = QAction(text, self)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(f"{tip} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})" if shortcut else tip)
            act.triggered.connect(slot)
            return act

        self.toggle_action = action("&Hint Mode", "H", self.set_active, ON_TIP)
        self.toggle_action.setCheckable(True)
        self.delete_action = action("&Delete Point", QKeySequence.StandardKey.Delete, self.overlay.remove_selected, "Remove the selected hint point")
        # Its key acts where the points have the focus only: in the photo list Delete removes photos.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.overlay.addAction(self.delete_action)
        self.clear_action = action("C&lear All Hints", None, self.overlay.clear, "Remove every hint point of this photo")
        self.pick_action = action(
            "&Take Colour From Photo", "I", self.start_picking, "Give the selected hint point a colour shown elsewhere on the photo"
        )
        # H and I where their actions are greyed out: a line saying why, where the keys did nothing and said nothing.
        # Each is enabled only while its action is not, so a key is never both.
        self.no_hints_key = action("", "H", lambda: self.page.status_message.emit(self.toggle_action.toolTip()), "")  # (no photo too)
        self.no_point_key = action("", "I", lambda: self.page.status_message.emit(NO_POINT_STATUS), "")
        for act in (self.no_hints_key, self.no_point_key):
            self.page.addAction(act)

    def actions(self) -> list[QAction | None]:
        return [self.toggle_action, self.pick_action, self.delete_action, self.clear_action]

    def set_undo_actions(self, actions: list[QAction]) -> None:
        """The page's Undo and Redo (of hint edits and strengths, ``desktop.photo_undo``): first in the points' menu."""
        self.overlay.set_menu_actions([*actions, None, self.pick_action, self.delete_action, self.clear_action, None, self.toggle_action])

    def start_picking(self) -> bool:
        """The next click on the photo (or Enter, on the mark the arrows move) gives the selected point the colour shown there."""
        if not self.overlay.start_picking():
            return False
        self.overlay.setFocus(Qt.FocusReason.OtherFocusReason)  # (its arrows move the mark, Enter takes the colour, Esc cancels)
        return True

    def _on_picking_changed(self, on: bool) -> None:
        self._update_actions()
        self._keep_line()  # while the mark is shown its instruction stays: the arrows may move it about for long

    def _keep_line(self) -> None:
        """Hint mode's line in the status bar for what holds now (none while it is off or the page is not shown)."""
        if not (self.overlay.active and self.page.isVisible()):
            line = ""
        elif self.overlay.picking:
            line = PICK_STATUS
        else:
            line = POINT_STATUS if self.overlay.selected_point() is not None else HINT_STATUS
        if line != self._line:  # (said once: a passing note after it, "The hint point took…", is not covered up)
            self._line = line
            self.page.status_kept.emit(line)

    def _on_colour_picked(self, rgb) -> None:
        # Over the grey side it is the After side's colour there that is taken (a grey would only take colour out).
        side = ": the colour the After side shows there" if self.overlay.picked_on_before else ""
        self.page.status_message.emit(f"The hint point took {hex_colour(rgb)} from the photo{side}.")

    @property
    def active(self) -> bool:
        return self.overlay.active

    @property
    def takes_hints(self) -> bool:
        """Whether the model chosen takes hints (one that does not colours a photo without its hints)."""
        return self._takes_hints

    def set_active(self, on: bool) -> None:
        on = bool(on) and self._can_hint()
        self.toggle_action.setChecked(on)
        if on == self.overlay.active:
            return
        self.overlay.set_active(on)
        self.panel.setVisible(on)
        if on:
            self.overlay.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._update_actions()
        self._keep_line()
        self.toggled.emit(on)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.page and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self._update_actions()
            self._keep_line()  # the line is this page's: not over another tab
        return False

    def _can_hint(self) -> bool:
        """Whether hint mode may be on: the model takes hints and a photo is shown to pin them on."""
        return self._takes_hints and self._photo_shown

    def _update_actions(self) -> None:
        edits = self.overlay.edits
        shown = self.page.isVisible()  # another tab: its keys must not edit hints out of sight
        self.toggle_action.setEnabled(self._can_hint() and shown)
        self.toggle_action.setToolTip(f"{ON_TIP} (H)" if self._can_hint() else self._no_hints_tip or NO_PHOTO_TIP)
        on = self.overlay.active and shown
        self.clear_action.setEnabled(on and edits is not None and len(edits) > 0)
        self.delete_action.setEnabled(on and self.overlay.selected_point() is not None)
        self.pick_action.setEnabled(on and self.overlay.selected_point() is not None and not self.overlay.picking)
        self.no_hints_key.setEnabled(not self._can_hint() and shown)  # (never H twice: neither would act)
        self.no_point_key.setEnabled(on and self.overlay.selected_point() is None)

    # -- what the page tells -----------------------------------------------------------------------
    def model_changed(self) -> None:
        """The model changed: grey the feature out for one that takes no hints; recolour with the new one."""
        name = self.page.current_model_name()
        entry = self.page.library.find(name) if name else None
        self._takes_hints = model_takes_hints(entry.info if entry else None)
        self._no_hints_tip = ""
        if not self._takes_hints:
            reason = f"The model “{name}” takes no hints" if name else "No model"
            # Name a model that does, if the library has one: the default where it does (it may not), else the first;
            # the first alone named "colour_unet" (a user's model sorts before the bundled default).
            takers = [e.name for e in self.page.library.usable() if model_takes_hints(e.info)]
            other = DEFAULT_MODEL if DEFAULT_MODEL in takers else next(iter(takers), None)
            advice = f"choose one that does (such as “{other}”)" if other else "no model in your library takes hints yet"
            self._no_hints_tip = f"{reason}: {advice} to fix colours with hints."
            self.set_active(False)
        self._update_actions()
        self.refresh()

    def show_key(self, key: int | None) -> None:
        """The page selected queue item ``key`` (None: nothing shown)."""
        if self._shown is not None and self._shown[0] != key:
            self._shown = None
            self._busy = False
            self.preview.cancel()
        self.overlay.set_edits(self.edits_for(key) if key is not None else None)
        self._photo_shown = key is not None
        if key is None:
            self.set_active(False)  # (nothing to pin colours on: the panel would say to click the photo)
        self._update_actions()

    def photo_ready(self, key: int, photo: Photo, preview: Photo) -> None:
        """The shown photo is decoded: hinted colours can be rendered now."""
        self._shown = (key, photo, preview)
        self.load_pending()
        self.refresh()
        if self.overlay.selected_point() is not None:  # its suggestions waited for the photo (shown again, say)
            self._suggest()

    def refresh(self) -> None:
        """Recolour the shown photo with its hints (strength, model or hints changed), if it has any."""
        if self._shown is not None and self.owns_view(self._shown[0]):
            self._request()

    def owns_view(self, key: int) -> bool:
        """Whether the view's colours for ``key`` come from here (it has hints and the model takes them)."""
        edits = self.edits.get(key)
        return self._takes_hints and edits is not None and len(edits) > 0

    @property
    def colouring_key(self) -> int | None:
        """The photo on screen while its colours with its hints, by the model chosen, are being made (None: none is).
        ``preview_updated`` says when they are shown; the preview's ``failed``, or another photo shown, that they will not be."""
        if self._busy and self._shown is not None and self.owns_view(self._shown[0]):
            return self._shown[0]
        return None

    def forget(self, keys: list[int]) -> None:
        """Photos left the queue: their hints go with them."""
        for key in keys:
            self.edits.pop(key, None)
            self._written.pop(key, None)
            self._written_strength.pop(key, None)
            self._predictions.pop(key, None)
            self._reload.pop(key, None)

    def unsaved(self) -> list[int]:
        """Photos whose hints are not saved as they are now (never, or changed since): what quitting would lose."""
        return [key for key, edits in self.edits.items() if len(edits) and tuple(edits.as_tuples()) != self._written.get(key)]

    def saved_strength(self, key: int) -> float | None:
        """The strength ``key``'s hint file says it was saved at, while its hints (none, maybe) are as in that file
        (None: no such file)."""
        if key not in self._written or tuple(self.hints_of(key)) != self._written[key]:
            return None
        return self._written_strength.get(key)

    def edits_for(self, key: int) -> HintEdits:
        if key not in self.edits:
            self.edits[key] = HintEdits(on_step=lambda: self.hint_step_made.emit(key))
        return self.edits[key]

    def hints_of(self, key: int) -> list:
        """``key``'s hints as ``(x, y, (r, g, b))`` in photo pixels (empty: none)."""
        edits = self.edits.get(key)
        return edits.as_tuples() if edits is not None else []

    def prediction_for(self, key: int, model: str) -> Prediction | None:
        """The prediction with ``key``'s current hints for model file version ``model``, if one is ready."""
        edits = self.edits.get(key)
        held = self._predictions.get(key)
        if edits is None or held is None or not len(edits):
            return None
        return held[2] if held[:2] == (model, edits.revision) else None

    def keep_prediction(self, key: int, model: str, points: tuple, prediction: Prediction) -> None:
        """``prediction`` was made with ``points`` for ``key`` by model file version ``model`` elsewhere (the queue's
        thumbnail): kept as if made here, while those are its hints and that the model chosen."""
        edits, path = self.edits.get(key), self.page.current_model_path()
        if edits is not None and path is not None and model == model_key(path) and tuple(points) == tuple(edits.as_tuples()):
            self._predictions[key] = (model, edits.revision, prediction)

    def for_saving(self, key: int) -> tuple[list, Prediction | None]:
        """``key``'s points and, if the preview has made it, the prediction with them for the current model."""
        path = self.page.current_model_path()
        return self.hints_of(key), (self.prediction_for(key, model_key(path)) if path is not None else None)

    def stop(self) -> None:
        self.preview.cancel()
        if self._suggest_job is not None:
            self._suggest_job.stop()
        self.lane.stop_all()

    # -- saving and reloading ------------------------------------------------------------------------
    def write_for_saved(self, key: int, saved: Path, strength: float | None = None) -> Path | None:
        """Write ``<saved name>.hints.json`` beside a saved photo that has hints or a strength of its own (not
        100 %, or not the one photos open at), with the ``strength`` it was saved at (default: its own now),
        reloaded with them; a file there from an earlier save is brought up to date. Returns its path."""
        from engine.hints import Hint, write_hints

        points = self.hints_of(key)
        strength = self.page.strengths.of(key) if strength is None else strength
        target = hints_file_for(saved)
        # Kept unless 100 %, which photos open at too (a photo at 100 % while they open at 80 % would come back at 80 %)
        percent = round(strength * 100)
        own_strength = percent != 100 or percent != round(self.page.strengths.default() * 100)
        if not points and not own_strength and not target.exists():
            return None
        photo = self.page.items[key].source.path  # named in the file: a photo of the same name elsewhere never gets them
        try:
            write_hints(target, [Hint(int(round(x)), int(round(y)), rgb) for x, y, rgb in points], strength, photo)
        except (ColouriseError, OSError) as exc:
            self.page.status_message.emit(f"{target.name}: could not save the hints ({exc})")
            return None
        self._written[key] = tuple(points)
        self._written_strength[key] = strength
        return target

    def offer_saved_hints(self, found: dict[int, Path]) -> None:
        """Hints saved earlier with some of the photos just added: ask once whether to load them."""
        found = {k: p for k, p in found.items() if k in self.page.items}
        if not found or not self.ask_reload(found):
            return
        self._reload.update(found)
        self.load_pending()

    def load_pending(self, *_args) -> None:
        """Load hint files the user agreed to reload, for photos whose size is known by now."""
        for key, path in list(self._reload.items()):
            item = self.page.items.get(key)
            size = item.size if item is not None else None
            if size is None and self._shown is not None and self._shown[0] == key:
                size = QSize(self._shown[1].width, self._shown[1].height)
            if item is not None and size is None:
                continue  # read once the photo has been decoded
            del self._reload[key]
            if item is None:
                continue
            from engine.hints import read_hint_file

            try:
                hints, strength = read_hint_file(path, size.width(), size.height())
            except ColouriseError as exc:
                self.page.status_message.emit(str(exc))
                continue
            with self.page.undo.one_step(key, "Reload Hints"):  # the hints and the strength: one step to undo, not two
                if hints or self.hints_of(key):  # (a file of a strength alone: no undo step that changes nothing)
                    self.edits_for(key).replace_all([(h.x, h.y, tuple(h.rgb)) for h in hints])
                self._written[key] = tuple(self.hints_of(key))  # saved as they are, in that file: quitting loses nothing
                if strength is not None:  # (a file written before the strength was recorded: the photo keeps its own)
                    self._written_strength[key] = strength
                    self.page.strengths.set_strength([key], strength)
            if hints:
                self.page.status_message.emit(f"Reloaded {len(hints)} hint{'s' if len(hints) != 1 else ''} for {item.source.name}.")
            elif strength is not None:
                self.page.status_message.emit(f"Reloaded the strength {item.source.name} was saved at ({round(strength * 100)} %).")
            self.reloaded.emit(key, path)
            if self._shown is not None and self._shown[0] == key:
                self.overlay.update()
                self.refresh()

    def ask_reload(self, found: dict[int, Path]) -> bool:
        """Ask whether to reload hints saved earlier with these photos.

        Each name and the folder are on lines of their own, shortened in the middle to fit the box (then whole
        under Show Details): a message box wraps a line too wide for it, and broke the folder's path mid-name.
        """
        box = QMessageBox(QMessageBox.Icon.Question, "Colourise", "", parent=self.page)
        screen = self.page.screen().availableGeometry().width() if self.page.screen() is not None else 1024
        # A message box wraps its text beyond half the screen, at most 500 px (420 on macOS), icon and margins
        # included (about 90 px of it): a line kept within this is never wrapped.
        width = min(screen // 2, 420) - 120
        metrics = box.fontMetrics()
        folder = _common_folder(list(found.values()))
        # Each by its place under its folder: two photos of one name from two folders read apart.
        rows = [(self._place_of(k), _under(p, folder)) for k, p in list(found.items())[:8]]
        listed = [f"{place}{RELOAD_ARROW}{hints_file}" for place, hints_file in rows]
        folder = str(folder)
        shown = [_reload_row(place, hints_file, metrics, width) for place, hints_file in rows]
        shown_folder = metrics.elidedText(folder, Qt.TextElideMode.ElideMiddle, width)
        more = "\n…" if len(found) > 8 else ""
        count = f"{len(found)} photo{'s' if len(found) != 1 else ''}"
        box.setText(f"Hints (or a strength) saved with an earlier colour version were found for {count}:\n" + "\n".join(shown) + more)
        box.setInformativeText(f"In the folder:\n{shown_folder}\n\nReload them, to carry on where you left off?")
        if shown_folder != folder or shown != listed:
            box.setDetailedText("\n".join([f"In {folder}:", *listed]) + more)
        reload = box.addButton("Reload Hints", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not Now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(reload)
        box.exec()
        return box.clickedButton() is reload

    def _place_of(self, key: int) -> str:
        """``family/1908.jpg``: where a queued photo sat under the folder it was opened from (its name, if opened by itself)."""
        item = self.page.items[key]
        return item.relative.as_posix() if item.relative is not None else item.source.name

    # -- editing ---------------------------------------------------------------------------------------
    def _on_edited(self) -> None:
        self._update_actions()
        if self._shown is None or self.overlay.edits is not self.edits.get(self._shown[0]):
            return
        self.hints_edited.emit(self._shown[0])
        if self.owns_view(self._shown[0]):
            self._request()
        else:
            self.page._show_current()  # the last hint went: back to the model's own colours

    def _request(self) -> None:
        key, photo, preview = self._shown
        model_path = self.page.current_model_path()
        if model_path is None:
            return
        edits = self.edits[key]
        if not self._busy:  # once, not on every move of a drag: the label repaints the whole view
            self._busy = True
            self.page.view.set_busy("Colouring…")
        # The photo shown again (or at a new strength) with the hints and model its prediction was made for: the
        # network's guess is the one kept, and only the render runs (a pass is about 10 s on a busy 2-core CPU).
        predicted = None if edits.dragging else self.prediction_for(key, model_key(model_path))
        self.preview.request(HintRequest(
            key, edits.revision, photo, preview, model_path, self.page.strengths.of(key), edits.as_tuples(), quick=edits.dragging,
            prediction=predicted,
        ))

    def _on_rendered(self, event: HintRendered) -> None:
        if not event.quick:
            self._predictions[event.key] = (event.model, event.revision, event.prediction)
        if self._shown is None or self._shown[0] != event.key or not self.owns_view(event.key):
            return
        if event.display is not None:
            self.page.view.set_after(event.display)
        if event.final:
            self._busy = False
            self.page.view.set_busy("")
        self.preview_updated.emit(event.key, event.final)

    def _on_failed(self, message: str) -> None:
        self._busy = False
        self.page.view.set_busy("")
        self.page.status_message.emit(f"Colouring with hints failed: {message}")

    def _on_drag_finished(self) -> None:
        self._update_actions()
        self._suggest()

    def _on_selection_changed(self, point) -> None:
        self._update_actions()
        self._keep_line()
        self.panel.show_point(point.rgb if point is not None else None)
        if point is not None and not (self.overlay.edits is not None and self.overlay.edits.dragging):
            self._suggest()

    def _appearance_at_point(self, rgb) -> tuple[tuple[int, int, int], str] | None:
        """How ``rgb`` looks on the photo at the selected point, and why, when that is far from ``rgb`` itself: a hint
        keeps the photo's lightness, and a dark navy chosen for a light suit showed as a light blue the QA pass
        called lavender, while the panel showed the navy."""
        point = self.overlay.selected_point()
        if point is None or self._shown is None:
            return None
        lightness = lightness_at(self._shown[1], point.x, point.y)
        seen, own = shown_at_lightness(rgb, lightness)
        if abs(lightness - own) < SEEN_LIGHTNESS_GAP:
            return None
        return seen, f"Looks {'lighter' if lightness > own else 'darker'} here: the photo keeps its own lightness."

    # -- suggestions -------------------------------------------------------------------------------------
    def _suggest(self) -> None:
        point = self.overlay.selected_point()
        self.panel.show_point(point.rgb if point is not None else None)
        if point is None or self._shown is None:
            return
        model_path = self.page.current_model_path()
        if model_path is None:
            return
        if self._suggest_job is not None:
            self._suggest_job.stop()
        _key, photo, preview = self._shown
        others = [p for p in self.overlay.edits.as_tuples() if (p[0], p[1]) != (point.x, point.y)]
        self.panel.set_suggestions(None)
        self._suggest_job = self.lane.submit(
            suggest_colours, model_path, photo, preview, point.x, point.y, others, name="suggest",
            on_finished=self._on_suggested, on_error=lambda message: self.panel.set_suggestions([], message),
        )

    def _on_suggested(self, result) -> None:
        if result is None:
            return
        point_id_xy, colours = result
        point = self.overlay.selected_point()
        if point is None or (point.x, point.y) != point_id_xy:
            return  # the point moved or another was selected meanwhile
        self.panel.set_suggestions(colours, "" if colours else "This model suggests no colours.")
        self.suggestions_ready.emit(colours)


def _common_folder(paths: list[Path]) -> Path:
    """The deepest folder that holds every one of ``paths`` (the first one's, where they share none: another drive)."""
    try:
        return Path(os.path.commonpath([path.parent for path in paths]))
    except ValueError:
        return paths[0].parent


def _reload_row(place: str, hints_file: str, metrics: QFontMetrics, width: int) -> str:
    """"photo  ←  hints file" within ``width`` px: the photo whole, the hints file shortened in the middle (cut as one
    line, a row lost its arrow or the photo's name). Where the photo leaves too little room, the hints file goes on a
    line of its own under it, indented."""
    head = f"{place}{RELOAD_ARROW}"
    room = width - metrics.horizontalAdvance(head)
    if room >= width // 3:
        return head + metrics.elidedText(hints_file, Qt.TextElideMode.ElideMiddle, room)
    indent = "    "
    under = metrics.elidedText(hints_file, Qt.TextElideMode.ElideMiddle, width - metrics.horizontalAdvance(indent))
    return f"{unbroken(place)}{RELOAD_ARROW.rstrip()}\n{indent}{under}"


def _under(path: Path, folder: Path) -> str:
    """``path`` from ``folder`` with "/" between folders (its name where it is not under ``folder``)."""
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name


def suggest_colours(model_path: Path, photo: Photo, preview: Photo, x: float, y: float, others: list, state):
    """The model's own likely colours at photo pixel (x, y), given the ``others`` hints: ``((x, y), [(r, g, b), ...])``."""
    if state.should_stop():
        return None
    from engine.hints import Hint

    colouriser = COLOURISERS.get(model_path)
    sx, sy = preview.width / photo.width, preview.height / photo.height
    hints = [Hint(min(preview.width - 1.0, hx * sx), min(preview.height - 1.0, hy * sy), tuple(rgb)) for hx, hy, rgb in others]
    px, py = min(preview.width - 1.0, x * sx), min(preview.height - 1.0, y * sy)
    suggestions = colouriser.suggest_colours(preview, px, py, count=8, hints=hints)
    return (x, y), [tuple(int(c) for c in getattr(s, "rgb", s)) for s in suggestions]
