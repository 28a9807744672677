"""A part of a page that scrolls in height only where the window is too short for it, never sideways.

Used by the Train page for the column beside its form (``MinimumHeightForWidth``: its wrapped lines
counted as they wrap) and by the Runs page for the curves and previews under its table.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QScrollArea, QStyle, QWidget


class MinimumHeightForWidth(QWidget):
    """A column whose height for a width is the least its layout needs at that width, its word-wrapped lines
    as wrapped there (a ``ScrollWhenShort`` gives it that much), not the height it would like."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.layout().totalMinimumHeightForWidth(width)


class ScrollWhenShort(QScrollArea):
    """``widget`` at the height the room allows, but never less than it needs: scrolled in height below that.

    The area asks the page for ``least``'s minimum height (default: the widget's own, as Qt counts it, its
    word-wrapped lines at their fewest), so the window's minimum size stays what its parts need at the least;
    what the widget needs beyond that (lines wrapped at a narrow width, the parts besides ``least``) scrolls,
    where squeezed in it was cut off.
    """

    def __init__(self, widget: QWidget, least: QWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._least = least
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(widget)
        if least is not None and least is not widget:
            least.installEventFilter(self)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - the widget's width and room for the bar beside it
        width = _least_size(self.widget()).width() + scroll_bar_extent(self)
        return QSize(width, _least_size(self._least or self.widget()).height())

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = self.widget().sizeHint()
        return QSize(hint.width() + scroll_bar_extent(self), hint.height())

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - (the scroll area watches its widget already)
        if watched in (self.widget(), self._least) and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # its minimum may have changed (previews shown): so has the area's
        return super().eventFilter(watched, event)


def scroll_bar_extent(area: QScrollArea) -> int:
    """The width of an upright scroll bar (the height of a sideways one) in ``area``'s style."""
    return area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, area)


def _least_size(widget: QWidget) -> QSize:
    """The least size a layout gives ``widget``: its minimum size where set, else its minimum size hint."""
    hint, least = widget.minimumSizeHint(), widget.minimumSize()
    return QSize(least.width() or max(0, hint.width()), least.height() or max(0, hint.height()))
