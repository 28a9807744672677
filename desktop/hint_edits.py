"""One photo's colour hints as the user edits them: points, a selection, undo and redo. No widgets.

A point is a place on the photo (its own pixels, after EXIF orientation) and an
sRGB colour; later points lie over earlier ones. Every change is one step on the
undo stack; a drag is one step however many moves it takes (``begin_drag`` ...
``drag_to`` ... ``end_drag``). Each change bumps ``revision``, so whoever renders
the hints can tell a stale request from the latest one. ``on_step`` hears of each
step as it is made: the photo's strength changes are steps to undo too, and
``desktop.photo_undo`` keeps them in order with these.

The window keeps one ``HintEdits`` per photo in the queue; the engine gets the
points as ``engine.hints.Hint``s through ``to_hints()``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Callable

UNDO_LIMIT = 200  # steps kept; older ones are dropped

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class HintPoint:
    """A hint as the window edits it: ``id`` stays the same while the point moves or changes colour."""

    id: int
    x: float
    y: float
    rgb: RGB


def hex_colour(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class HintEdits:
    """The hint points of one photo, with a selected point and an undo/redo history."""

    def __init__(self, points: list[tuple[float, float, RGB]] | None = None, on_step: Callable[[], None] | None = None):
        self.on_step = on_step  # called once for each step made (undoing and redoing make none)
        self._ids = itertools.count(1)
        self._points: tuple[HintPoint, ...] = tuple(self._new(x, y, rgb) for x, y, rgb in points or [])
        self._undo: list[tuple[HintPoint, ...]] = []
        self._redo: list[tuple[HintPoint, ...]] = []
        self._drag_start: tuple[HintPoint, ...] | None = None
        self.selected: int | None = None
        self.revision = 0

    # -- reading -----------------------------------------------------------------------------
    @property
    def points(self) -> tuple[HintPoint, ...]:
        return self._points

    def __len__(self) -> int:
        return len(self._points)

    def point(self, point_id: int | None) -> HintPoint | None:
        return next((p for p in self._points if p.id == point_id), None)

    @property
    def selected_point(self) -> HintPoint | None:
        return self.point(self.selected)

    def nearest(self, x: float, y: float, radius: float) -> HintPoint | None:
        """The nearest point within ``radius`` photo pixels of (x, y) (of equally near ones, the topmost), if any."""
        best, best_d2 = None, radius * radius
        for p in reversed(self._points):  # topmost first: later points are drawn over earlier ones
            d2 = (p.x - x) ** 2 + (p.y - y) ** 2
            if d2 < best_d2 or (best is None and d2 <= best_d2):
                best, best_d2 = p, d2
        return best

    def as_tuples(self) -> list[tuple[float, float, RGB]]:
        return [(p.x, p.y, p.rgb) for p in self._points]

    def to_hints(self) -> list:
        """The points as the engine takes them: ``engine.hints.Hint(x, y, rgb)``, integer photo pixels."""
        from engine.hints import Hint

        return [Hint(int(round(p.x)), int(round(p.y)), p.rgb) for p in self._points]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # -- editing (each is one undo step) -------------------------------------------------------
    def add(self, x: float, y: float, rgb: RGB) -> HintPoint:
        """A new point on top of the others; it becomes the selected one."""
        point = self._new(x, y, rgb)
        self._commit(self._points + (point,))
        self.selected = point.id
        return point

    def move(self, point_id: int, x: float, y: float) -> bool:
        return self._change(point_id, x=float(x), y=float(y))

    def recolour(self, point_id: int, rgb: RGB) -> bool:
        return self._change(point_id, rgb=_rgb(rgb))

    def remove(self, point_id: int | None) -> bool:
        if self.point(point_id) is None:
            return False
        self._commit(tuple(p for p in self._points if p.id != point_id))
        if self.selected == point_id:
            self.selected = None
        return True

    def clear(self) -> bool:
        if not self._points:
            return False
        self._commit(())
        self.selected = None
        return True

    def replace_all(self, points: list[tuple[float, float, RGB]]) -> None:
        """Put ``points`` in place of the current ones (reloaded from a file): one undo step."""
        self._commit(tuple(self._new(x, y, rgb) for x, y, rgb in points))
        self.selected = None

    def select(self, point_id: int | None) -> bool:
        """Select a point (None: none). Not an edit: nothing to undo, revision unchanged."""
        point_id = point_id if self.point(point_id) is not None else None
        changed = point_id != self.selected
        self.selected = point_id
        return changed

    # -- dragging: many moves, one undo step ---------------------------------------------------
    def begin_drag(self, point_id: int) -> None:
        self.select(point_id)
        self._drag_start = self._points

    def drag_to(self, x: float, y: float) -> bool:
        """Move the dragged point; the history is written once, by ``end_drag``."""
        if self._drag_start is None or self.selected is None:
            return False
        point = self.point(self.selected)
        if point is None or (point.x, point.y) == (x, y):
            return False
        self._points = tuple(replace(p, x=float(x), y=float(y)) if p.id == point.id else p for p in self._points)
        self.revision += 1
        return True

    def end_drag(self) -> bool:
        """True if the drag moved the point (it is then one step to undo)."""
        start, self._drag_start = self._drag_start, None
        if start is None or start == self._points:
            return False
        self._push_undo(start)
        self._stepped()
        return True

    @property
    def dragging(self) -> bool:
        return self._drag_start is not None

    # -- history --------------------------------------------------------------------------------
    def undo(self) -> bool:
        if self._drag_start is not None:
            self.end_drag()
        if not self._undo:
            return False
        self._redo.append(self._points)
        self._restore(self._undo.pop())
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        self._undo.append(self._points)
        self._restore(self._redo.pop())
        return True

    def forget_redo(self) -> None:
        """Another edit of the photo (its strength) was made after the steps undone: they are no longer redone."""
        self._redo.clear()

    # -- inner workings -------------------------------------------------------------------------
    def _new(self, x: float, y: float, rgb: RGB) -> HintPoint:
        return HintPoint(next(self._ids), float(x), float(y), _rgb(rgb))

    def _change(self, point_id: int, **changes) -> bool:
        point = self.point(point_id)
        if point is None:
            return False
        changed = replace(point, **changes)
        if changed == point:
            return False
        self._commit(tuple(changed if p.id == point_id else p for p in self._points))
        return True

    def _commit(self, points: tuple[HintPoint, ...]) -> None:
        self._push_undo(self._points)
        self._points = points
        self.revision += 1
        self._stepped()

    def _push_undo(self, points: tuple[HintPoint, ...]) -> None:
        self._undo.append(points)
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()

    def _stepped(self) -> None:
        if self.on_step is not None:
            self.on_step()

    def _restore(self, points: tuple[HintPoint, ...]) -> None:
        self._points = points
        self.revision += 1
        if self.point(self.selected) is None:
            self.selected = None


def _rgb(rgb) -> RGB:
    r, g, b = (int(round(c)) for c in rgb)
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"colour {rgb!r} is not 8-bit sRGB")
    return (r, g, b)
