"""A one-line label that shortens its text in the middle to the width it gets, the whole text in its tooltip.

Where even that leaves too little of a path to read, it shows the folder's own name: "4 runs in …/runs".
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 3  # the narrowest it asks for, in average characters after the part kept whole
NAME_CHARS = 7  # ... or up to this many for a path's last part: "3 runs in …/runs"


class ElidedLabel(QLabel):
    """A QLabel whose text (a long path) never widens the window: it is shortened with "…" in the middle.

    ``setText(text, keep=n)`` keeps the first ``n`` characters whole ("3 runs in ") and shortens the rest.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self._keep = 0
        self.setText(text)

    def text(self) -> str:
        """The whole text, as set (the label may show it shortened: ``shown_text``)."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def setText(self, text: str, keep: int = 0) -> None:  # noqa: N802
        self._full, self._keep = text, keep
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        metrics = self.fontMetrics()
        name = min(metrics.horizontalAdvance(self._last_part()), metrics.averageCharWidth() * NAME_CHARS)
        tail = max(name, metrics.averageCharWidth() * MIN_CHARS)
        width = metrics.horizontalAdvance(self._full[: self._keep]) + tail + 2
        return QSize(width, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - the whole text where there is room
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 2, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        head, rest = self._full[: self._keep], self._full[self._keep :]
        room = self.contentsRect().width() - 2 * self.margin() - self.fontMetrics().horizontalAdvance(head)
        shown = self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideMiddle, max(1, room))
        last = self._last_part()
        if shown != rest and last and not shown.endswith(last[1:]):  # ("/…s" named no folder: "…/runs" does)
            shown = self.fontMetrics().elidedText(last, Qt.TextElideMode.ElideMiddle, max(1, room))
        super().setText(head + shown)

    def _last_part(self) -> str:
        """The last part of a path after the part kept whole, as "…/runs"; "" for text that is no path."""
        rest = self._full[self._keep :].rstrip("/")
        return "…/" + rest.rsplit("/", 1)[1] if "/" in rest else ""
