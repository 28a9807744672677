"""A one-line label that shortens its text in the middle to the width it gets, the whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 3  # the narrowest it asks for, in average characters after the part kept whole: "3 runs in /…s"


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
        width = metrics.horizontalAdvance(self._full[: self._keep]) + metrics.averageCharWidth() * MIN_CHARS
        return QSize(width, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - the whole text where there is room
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 2, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        head, rest = self._full[: self._keep], self._full[self._keep :]
        room = self.contentsRect().width() - 2 * self.margin() - self.fontMetrics().horizontalAdvance(head)
        super().setText(head + self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideMiddle, max(1, room)))
