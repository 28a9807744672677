"""A one-line label that shortens its text in the middle to the width it gets, the whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 12  # the narrowest it asks for, in average characters: "3 runs in /h…runs"


class ElidedLabel(QLabel):
    """A QLabel whose text (a long path) never widens the window: it is shortened with "…" in the middle."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def text(self) -> str:
        """The whole text, as set (the label may show it shortened: ``shown_text``)."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def setText(self, text: str) -> None:  # noqa: N802
        self._full = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().averageCharWidth() * MIN_CHARS, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 - the whole text where there is room
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 2, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, max(1, room)))
