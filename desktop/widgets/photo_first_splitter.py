"""A horizontal splitter that keeps room for the photo: the side panes give way first.

A plain ``QSplitter`` takes a narrower window out of its stretching pane only. On the Colourise
page that is the photo: at the window's smallest, in Hint Mode, the list and the hint panel kept
their 240 and 232 px and left the photo 248. Here the side panes shrink towards their minimum
widths until the photo has ``photo_room`` pixels, and grow back to the widths the user gave them
(by dragging a handle) once the window is wide enough again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QSplitter, QWidget


class PhotoFirstSplitter(QSplitter):
    """Side panes round one stretching pane (the photo), which keeps at least ``photo_room`` px while it can."""

    def __init__(self, photo_room: int, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.photo_room = photo_room
        self._photo: QWidget | None = None
        self._wanted: dict[QWidget, int] = {}  # each side pane's width as set or dragged
        self._fitting = False
        self.splitterMoved.connect(self._remember_widths)

    def set_photo_pane(self, widget: QWidget) -> None:
        """The pane that stretches (added to the splitter already)."""
        self._photo = widget
        self.setStretchFactor(self.indexOf(widget), 1)

    def set_side_width(self, widget: QWidget, width: int) -> None:
        """The width a side pane takes when the window has room for it."""
        self.setStretchFactor(self.indexOf(widget), 0)
        self._wanted[widget] = width
        self.make_room()

    def make_room(self) -> None:
        """Lay the panes out again: side panes at their wanted widths, squeezed while the photo lacks room."""
        if self._photo is None or self._fitting:
            return
        panes = [self.widget(i) for i in range(self.count())]
        sizes = self.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        sides = [w for w in panes if w is not self._photo and not w.isHidden()]
        widths = {w: self._wanted.get(w, sizes[panes.index(w)]) for w in sides}
        lack = self.photo_room - (total - sum(widths.values()))
        spare = {w: max(0, widths[w] - max(w.minimumWidth(), w.minimumSizeHint().width())) for w in sides}
        if lack > 0 and sum(spare.values()) > 0:
            # Each side pane gives in proportion to what it has above its minimum.
            share = min(1.0, lack / sum(spare.values()))
            widths = {w: widths[w] - round(spare[w] * share) for w in sides}
        new = [0 if w.isHidden() else widths.get(w, 0) for w in panes]
        new[panes.index(self._photo)] = max(0, total - sum(new))
        if new != sizes:
            self._fitting = True  # (setSizes moves the handles, which is not the user dragging them)
            try:
                self.setSizes(new)
            finally:
                self._fitting = False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.make_room()

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest:  # (a pane was shown or hidden: the splitter laid them out anew)
            self.make_room()
        return handled

    def _remember_widths(self, _pos: int, _index: int) -> None:
        if self._fitting:
            return
        for i, width in enumerate(self.sizes()):
            widget = self.widget(i)
            if widget is not self._photo and not widget.isHidden() and width > 0:
                self._wanted[widget] = width
