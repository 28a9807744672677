"""Colour strength per photo on the Colourise page: the slider shows and edits the selected photos' own.

The network cannot know how vivid a photo originally was, so each queued photo keeps
its own strength (``QueueItem.strength``): a flower at 140 % and a faded street at
80 % in one batch. A photo added takes the default (remembered by ``ColouriseBar``): the
strength last applied to all photos, or set with the slider while no photo was queued. A
slider edit for one photo is not the default: a photo checked at 0 % would have made every
photo after it open grey, the next session's too. Selecting a photo moves the slider to its
strength, which is not an edit; moving the slider sets the strength of every selected
photo, and "Apply Strength to All Photos" sets the slider's on the whole queue; "Undo Apply
Strength" gives the photos back the strengths they had, so one click cannot wipe out a batch
of hand-set strengths, until the slider is moved again. Each change of the strengths is
also one step to undo (``strength_edited``), in the history of each photo it changed
(``desktop.photo_undo`` keeps it in order with their hint edits, and undoes it on all of
them at once): a drag of the slider is one step once let go, and so
are presses of its keys (an arrow held down), turns of the wheel over it or clicks beside its
handle once they pause for ``NUDGE_PAUSE_MS``, as a hint point's arrows are. What must be
coloured anew is the page's business: it hears ``strengths_set``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from desktop.widgets.actions import make_action
from desktop.widgets.hint_overlay import NUDGE_PAUSE_MS

STEP = 10  # More / Less Colour, in percent


class PhotoStrengths(QObject):
    strengths_set = Signal(list)
    """These queued photos (keys) got a new strength: what shows them is out of date."""
    strength_edited = Signal(object, object)
    """The user changed these photos' strengths in one action, ``{key: (before, after)}`` (an Apply Strength to All
    names the photo shown too, as its latest step, where it had that strength already), and the default strength,
    ``(before, after)`` (None: not it): one step to undo."""

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        bar = page.bar
        self.stronger_action = make_action(page, "More Colour", "Ctrl+]", lambda: bar.strength.setValue(bar.strength.value() + STEP), f"Colour strength +{STEP} %")
        self.weaker_action = make_action(page, "Less Colour", "Ctrl+[", lambda: bar.strength.setValue(bar.strength.value() - STEP), f"Colour strength -{STEP} %")
        self.apply_to_all_action = make_action(
            page, "&Apply Strength to All Photos", None, self.apply_to_all, "Give every photo in the queue the colour strength the slider shows"
        )
        self.undo_apply_action = make_action(
            page, "U&ndo Apply Strength", None, self.undo_apply_to_all, "Give the photos back the colour strengths they had before Apply Strength to All Photos"
        )
        self.undo_apply_action.setEnabled(False)
        self._before_apply: tuple[float, dict[int, float]] | None = None  # the default and each photo's strength
        self._drag_start: dict[int, float] = {}  # while the slider is held down or stepped, each photo's strength before
        # Its keys, wheel and clicks beside the handle step it: steps this close together are one, as a drag is. A held
        # arrow repeats every 30 to 40 ms, and each repeat (each wheel notch) was a step to undo.
        self._steps_pause = QTimer(self, singleShot=True, interval=NUDGE_PAUSE_MS)
        self._steps_pause.timeout.connect(self.finish_drag)
        bar.strength_changed.connect(self._on_slider_moved)  # the user's edits only: showing a photo's strength is not one
        bar.strength.actionTriggered.connect(self._on_slider_stepped)
        bar.strength.sliderReleased.connect(self.finish_drag)

    def actions(self) -> list[QAction]:
        return [self.stronger_action, self.weaker_action, self.apply_to_all_action, self.undo_apply_action]

    def of(self, key: int | None) -> float:
        """``key``'s strength; for a photo not queued (None), the strength a new one would take."""
        item = self.page.items.get(key)
        return item.strength if item is not None else self.default()

    def default(self) -> float:
        return self.page.bar.default_strength()

    def show(self, key: int | None) -> None:
        """Another photo was selected (None: none is): the slider shows its strength."""
        self.page.bar.show_strength(self.of(key))

    def apply_to_all(self) -> None:
        """Give every queued photo the slider's strength; photos added later take it too (it is the default now)."""
        keys = self.page.photos.keys()
        if not keys:
            return
        strength = self.page.bar.strength_value()
        before = {key: self.of(key) for key in keys}
        default = self.default()
        self.page.bar.set_default_strength(strength)
        self._set(keys, strength, step=False)
        # One step, the latest of the photo shown too where it had that strength: Ctrl+Z straight after undoes the apply
        # (it undid the shown photo's step before it, and the apply was undone nowhere).
        shown = self.page.queue.current_key()
        changes = {key: (was, strength) for key, was in before.items() if was != strength or key == shown}
        if changes:
            self.strength_edited.emit(changes, (default, strength))
        self._remember_before_apply((default, before))
        self.page.status_message.emit(f"Strength {round(strength * 100)} % applied to {len(keys)} photo{'s' if len(keys) != 1 else ''}.")

    def undo_apply_to_all(self) -> None:
        """Give each photo still queued the strength it had before the last Apply Strength to All, and the default back."""
        if self._before_apply is None:
            return
        default, before = self._before_apply
        applied = self.default()
        self._remember_before_apply(None)
        self.page.bar.set_default_strength(default)
        by_strength: dict[float, list[int]] = {}
        for key, strength in before.items():
            by_strength.setdefault(strength, []).append(key)
        was = {key: self.of(key) for key in before if key in self.page.items}
        for strength, keys in by_strength.items():
            self._set(keys, strength, step=False)
        changes = {key: (strength, self.of(key)) for key, strength in was.items() if self.of(key) != strength}
        if changes:  # (one step, whatever strengths the photos get back; undone, the default is the applied one again)
            self.strength_edited.emit(changes, (applied, default))
        self.show(self.page.queue.current_key())
        self.page.status_message.emit("Strengths put back as they were before Apply Strength to All Photos.")

    def set_strength(self, keys: list[int], strength: float) -> None:
        """Give these photos ``strength`` (their saved hints were reloaded with it); the slider shows it if one is shown."""
        self._set(keys, strength)
        current = self.page.queue.current_key()
        if current in keys:
            self.show(current)

    def put_back(self, key: int, strength: float) -> None:
        """Give ``key`` the strength an undo (or redo) of its history says: no step of its own; the slider shows it if
        the photo is shown. An edit since an Apply Strength to All, as a slider move is: undoing that apply is no more."""
        self._remember_before_apply(None)
        self._set([key], strength, step=False)
        if self.page.queue.current_key() == key:
            self.show(key)

    def finish_drag(self) -> None:
        """The slider was let go, or its steps paused (or an undo comes first): one step, on every photo they changed."""
        self._steps_pause.stop()
        started, self._drag_start = self._drag_start, {}
        changes = {}
        for key, before in started.items():
            item = self.page.items.get(key)
            if item is not None and item.strength != before:
                changes[key] = (before, item.strength)
        if changes:
            self.strength_edited.emit(changes, None)

    def put_back_default(self, strength: float) -> None:
        """The strength photos added take, as an undo (or redo) of an Apply Strength to All says."""
        self.page.bar.set_default_strength(strength)

    def update_actions(self) -> None:
        """Enable what the queue allows: applying needs a photo; undoing, an apply with photos still queued."""
        has_photos = bool(self.page.items)
        self.apply_to_all_action.setEnabled(has_photos)
        self.undo_apply_action.setEnabled(has_photos and self._before_apply is not None)

    def _remember_before_apply(self, before: tuple[float, dict[int, float]] | None) -> None:
        self._before_apply = before
        self.update_actions()

    def _on_slider_stepped(self, _action: int) -> None:
        """A key, the wheel or a click beside the handle is about to move the slider (a drag moves it too: no step of
        these): its strengths join those of the steps just before, until they pause."""
        if not self.page.bar.strength.isSliderDown():
            self._steps_pause.start()

    def _on_slider_moved(self, strength: float) -> None:
        """The user set a strength: it is the selected photos' (the shown one's when Ctrl+click left none selected)."""
        self._remember_before_apply(None)  # an edit since: undoing the apply now would undo it too
        queue = self.page.queue
        current = queue.current_key()
        keys = queue.selected_keys() or ([current] if current is not None else [])
        if not keys:  # no photo to set: the slider sets what photos added from now on take
            self.page.bar.set_default_strength(strength)
        self._set(keys, strength)

    def _set(self, keys: list[int], strength: float, step: bool = True) -> None:
        """Give these photos ``strength``: one step to undo, on those it changed (unless ``step`` is False: an undo's),
        made when the slider is let go while it is held, or when its steps pause while it is stepped."""
        slider = self.page.bar.strength
        held = slider.isSliderDown() or self._steps_pause.isActive()
        if not (step and held):
            self.finish_drag()  # (steps of the slider just before came first)
        before = {key: self.of(key) for key in keys}
        changed = self.page.photos.set_strength(keys, strength)
        if not changed:
            return
        if step and held:
            for key in changed:
                self._drag_start.setdefault(key, before[key])
        elif step:
            self.strength_edited.emit({key: (before[key], strength) for key in changed}, None)
        self.strengths_set.emit(changed)
