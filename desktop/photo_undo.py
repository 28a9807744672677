"""Undo and Redo on the Colourise page: the shown photo's hint edits and strength changes, latest first.

Each queued photo keeps one history (``PhotoHistory``) of the steps made to it, in the
order they were made: a hint edit (its points are kept by its ``HintEdits``, which undoes
it) or a strength change (kept here, as the strengths before and after). Ctrl+Z undoes the
latest step of the photo shown, whichever it is, and the menu item says which ("Undo
Hint", "Undo Strength"); Ctrl+Shift+Z redoes the latest undone. A hint edit is undone in
Hint Mode only, where its points are in sight; a strength anywhere on the page.

One action can change the strengths of several photos (the slider sets every photo
selected): its one ``StrengthStep`` is in the history of each, and Ctrl+Z from any of them
undoes it on all of those where it is still the latest step (one changed again since keeps
its part, undone in its turn, from its own history). Steps of one photo made by one action
are one ``JointStep``: hints reloaded from a hint file with its strength ("Undo Reload
Hints", where the hints alone went back first and the strength was a step of its own).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence

from desktop.hint_edits import UNDO_LIMIT
from desktop.widgets.actions import make_action

HINT = "hint"  # a step of the photo's HintEdits


@dataclass(frozen=True, eq=False)
class StrengthStep:
    """One action changed these photos' strengths: ``{key: (before, after)}``, and the default strength (an Apply
    Strength to All: ``(before, after)``). Told apart by identity: each photo it changed holds this one object."""

    changes: dict[int, tuple[float, float]]
    default: tuple[float, float] | None = None


@dataclass(frozen=True, eq=False)
class JointStep:
    """Steps of one photo made as one (``HINT`` and ``StrengthStep``s, in order), undone and redone at once; the menu
    names it ``name`` ("Reload Hints")."""

    name: str
    parts: tuple


class PhotoHistory:
    """The steps made to one photo, in order: ``HINT``, a ``StrengthStep`` or a ``JointStep``; no widgets."""

    def __init__(self):
        self.undone: list = []
        self.done: list = []

    def record(self, step) -> None:
        self.done.append(step)
        del self.done[:-UNDO_LIMIT]
        self.undone.clear()

    def latest(self):
        """The step an undo would take back (None: none)."""
        return self.done[-1] if self.done else None

    def latest_undone(self):
        """The step a redo would make again (None: none)."""
        return self.undone[-1] if self.undone else None

    def undo(self):
        step = self.done.pop()
        self.undone.append(step)
        return step

    def redo(self):
        step = self.undone.pop()
        self.done.append(step)
        return step


class PhotoUndo(QObject):
    """The Undo and Redo actions of the page, over each photo's ``PhotoHistory``.

    The page tells it of the steps made (``record_hint_step``, ``strengths.strength_edited``), of
    what changes whether a step can be taken (``update_actions``) and of photos removed (``forget``).
    """

    def __init__(self, page):
        super().__init__(page)
        self.page = page
        self.histories: dict[int, PhotoHistory] = {}
        self._joining: tuple[int, list] | None = None  # inside ``one_step``: the photo and the steps it took so far
        self.undo_action = make_action(page, "&Undo", QKeySequence.StandardKey.Undo, self.undo, "")
        self.redo_action = make_action(page, "&Redo", "Ctrl+Shift+Z", self.redo, "")
        page.strengths.strength_edited.connect(self._on_strength_edited)
        page.installEventFilter(self)  # Ctrl+Z acts only while the page is shown
        self.update_actions()

    def actions(self) -> list[QAction]:
        return [self.undo_action, self.redo_action]

    def record_hint_step(self, key: int) -> None:
        """``key``'s hints took a step (an edit, a drag let go, hints reloaded)."""
        self.page.strengths.finish_drag()  # (a strength drag not let go yet came first)
        if not self._joined(key, HINT):
            self._history(key).record(HINT)
        self.update_actions()

    @contextmanager
    def one_step(self, key: int, name: str):
        """The steps ``key`` takes inside are one, named ``name`` ("Reload Hints": its hints and strength from a file)."""
        self._joining = (key, [])
        try:
            yield
        finally:
            _key, parts = self._joining
            self._joining = None
            if parts:
                self._history(key).record(JointStep(name, tuple(parts)))
                self.update_actions()

    def forget(self, keys: list[int]) -> None:
        """Photos left the queue: their histories go with them."""
        for key in keys:
            self.histories.pop(key, None)
        self.update_actions()

    def undo(self) -> bool:
        """Take back the shown photo's latest step, if it can be taken back here."""
        key = self._settle()
        history = self.histories.get(key)
        if history is None or not self._can_take(history.latest()):
            return False
        step = history.latest()
        if step == HINT:
            history.undo()
            self.page.hints.overlay.undo()
        elif isinstance(step, JointStep):
            history.undo()
            for part in reversed(step.parts):
                self._take_part(key, part, undo=True)
        else:
            for spanned in self._spanned(step, PhotoHistory.latest):
                self.histories[spanned].undo()
                self.page.strengths.put_back(spanned, step.changes[spanned][0])
            if step.default is not None:  # (as Edit > Undo Apply Strength does)
                self.page.strengths.put_back_default(step.default[0])
        self.update_actions()
        return True

    def redo(self) -> bool:
        """Make the shown photo's latest step undone again."""
        key = self._settle()
        history = self.histories.get(key)
        if history is None or not self._can_take(history.latest_undone()):
            return False
        step = history.latest_undone()
        if step == HINT:
            history.redo()
            self.page.hints.overlay.redo()
        elif isinstance(step, JointStep):
            history.redo()
            for part in step.parts:
                self._take_part(key, part, undo=False)
        else:
            for spanned in self._spanned(step, PhotoHistory.latest_undone):
                self.histories[spanned].redo()
                self.page.strengths.put_back(spanned, step.changes[spanned][1])
            if step.default is not None:
                self.page.strengths.put_back_default(step.default[1])
        self.update_actions()
        return True

    def update_actions(self, *_args) -> None:
        """Each action says what it would undo or redo for the photo shown, greyed out where it cannot."""
        key = self.page.queue.current_key()
        history = self.histories.get(key)
        shown = self.page.isVisible()  # another tab: its keys must not edit the photo out of sight
        for act, verb, step, latest in (
            (self.undo_action, "Undo", history.latest() if history else None, PhotoHistory.latest),
            (self.redo_action, "Redo", history.latest_undone() if history else None, PhotoHistory.latest_undone),
        ):
            what = "" if step is None else " Hint" if step == HINT else f" {step.name}" if isinstance(step, JointStep) else " Strength"
            act.setText(f"&{verb}{what}")
            act.setEnabled(shown and self._can_take(step))
            others = len(self._spanned(step, latest)) - 1 if isinstance(step, StrengthStep) else 0
            tip = _tip(verb, step, self.page.hints.active, key, others)
            act.setStatusTip(tip)
            act.setToolTip(f"{tip} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.page and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.update_actions()
        return False

    def _settle(self) -> int | None:
        """Drags still under way (the slider, a point) end as steps first; the photo shown."""
        self.page.strengths.finish_drag()
        key = self.page.queue.current_key()
        edits = self.page.hints.edits.get(key)
        if edits is not None and edits.dragging:
            edits.end_drag()
        return key

    def _can_take(self, step) -> bool:
        """Whether ``step`` can be undone or redone now: a strength's always, a hint edit's in Hint Mode."""
        if step is None:
            return False
        return HINT not in _parts(step) or self.page.hints.active

    def _take_part(self, key: int, part, undo: bool) -> None:
        """Undo (or redo) one part of a ``JointStep`` of ``key``: a step of its hints or of its strength alone."""
        if part == HINT:
            (self.page.hints.overlay.undo if undo else self.page.hints.overlay.redo)()
        else:
            self.page.strengths.put_back(key, part.changes[key][0 if undo else 1])

    def _joined(self, key: int, step) -> bool:
        """Inside ``one_step`` for ``key``: ``step`` is a part of the step it makes (True), not one of its own."""
        if self._joining is None or self._joining[0] != key:
            return False
        self._joining[1].append(step)
        return True

    def _history(self, key: int) -> PhotoHistory:
        return self.histories.setdefault(key, PhotoHistory())

    def _spanned(self, step: StrengthStep, latest) -> list[int]:
        """The photos still queued whose ``latest`` step (``PhotoHistory.latest``: to undo; ``latest_undone``: to redo)
        is ``step``: those it is taken back on (or made again on) now."""
        return [key for key in step.changes if key in self.histories and latest(self.histories[key]) is step]

    def _on_strength_edited(self, changes: dict[int, tuple[float, float]], default: tuple[float, float] | None) -> None:
        step = StrengthStep(changes, default)  # one step in each photo's history: undone on all of them at once
        joined = len(changes) == 1 and self._joined(next(iter(changes)), step)  # (a part of one photo's JointStep)
        for key in changes:
            if not joined:
                self._history(key).record(step)
            edits = self.page.hints.edits.get(key)
            if edits is not None:
                edits.forget_redo()  # (its hint edits undone are no longer redone: this came after them)
        self.update_actions()


def _parts(step) -> tuple:
    return step.parts if isinstance(step, JointStep) else (step,)


def _tip(verb: str, step, hint_mode: bool, key: int | None, others: int) -> str:
    """What ``verb`` would do with ``step`` of photo ``key``, which also undoes (redoes) it on ``others`` photos."""
    if step is None:
        return f"Nothing to {verb.lower()} for this photo"
    if isinstance(step, JointStep):
        change = "Take back the hints and strength reloaded with this photo" if verb == "Undo" else "Give this photo the hints and strength reloaded with it again"
        return change if hint_mode or HINT not in step.parts else f"{change} (in Hint Mode: H)"
    if step == HINT:
        change = "Undo the last change to the hints" if verb == "Undo" else "Redo the change to the hints just undone"
        return change if hint_mode else f"{change} (in Hint Mode: H)"
    before, after = step.changes[key]
    photos, here = "this photo", ""
    if others:  # (their strengths before may differ from this one's)
        photos, here = f"this photo and {others} other{'s' if others != 1 else ''}", " here"
    if verb == "Undo":
        return f"Put back the colour strength {photos} had before ({round(before * 100)} %{here})"
    return f"Give {photos} the colour strength just undone again ({round(after * 100)} %{here})"
