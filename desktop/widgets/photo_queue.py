"""The list of photos to colour: a thumbnail, the name and a state (waiting, working, done, failed + reason).

A photo's colour strength shows in its row ("Done · 140 %") only when it is not 100 %: most rows
stay quiet, and the photos given their own strength stand out. "Saved" shows while the file last
saved holds the colours shown (its tooltip says where); "In colour already" marks a photo that had
colours of its own, which the model's replace.

Every row is the same height (a thumbnail, or three lines of text): the name on one line, elided
in the middle (a photo's sub-folder first, from the left), and the state on up to two, the rest elided (the tooltip says it all). With rows of one height the list lays out in constant
time; rows sized to their text made Qt measure all of them each time one changed (259 ms a photo
with 6,334 queued, on the UI thread: bench/queue_rows.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QIcon, QImage, QKeySequence, QPainter, QPixmap, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.colourise_queue import QueueState  # noqa: F401 - the states it shows (tests import it from here too)
from desktop.widgets.focus_frame import FramesFocus

KEY_ROLE = Qt.ItemDataRole.UserRole
IN_COLOUR_TIP = "This photo was in colour already: Colourise made its colours anew from its greys (Before shows its own)."
THUMB_SIDE = 64
TEXT_LINES = 3  # the name, and the state on up to two lines
ROW_MARGIN = 4  # pixels above and below a row's content
LINE_SEPARATOR = "\u2028"


_STATE_ICONS = {
    QueueState.WAITING: QStyle.StandardPixmap.SP_FileIcon,
    QueueState.WORKING: QStyle.StandardPixmap.SP_BrowserReload,
    QueueState.DONE: QStyle.StandardPixmap.SP_DialogApplyButton,
    QueueState.FAILED: QStyle.StandardPixmap.SP_MessageBoxWarning,
}


class PhotoQueue(FramesFocus, QListWidget):
    current_changed = Signal(object)
    """The selected photo changed; its key, or None when nothing is selected."""
    remove_requested = Signal(list)
    """The user asked to take these keys off the queue."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._items: dict[int, QListWidgetItem] = {}
        self._state: dict[int, QueueState] = {}
        self._reason: dict[int, str] = {}
        self._names: dict[int, str] = {}
        self._tips: dict[int, str] = {}  # where the photo is (its file, or "pasted image")
        self._strengths: dict[int, int] = {}  # percent
        self._saved_as: dict[int, Path] = {}  # where each photo was saved, while the file holds the colours shown
        self._in_colour: set[int] = set()  # photos that were in colour already
        self._thumbs: dict[int, QPixmap] = {}
        self._state_icons: dict[QueueState, QIcon] = {}  # made once: asking the style for each row took 1.6 s for 30,000
        self.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setItemDelegate(PhotoRowDelegate(self))
        self.setUniformItemSizes(True)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setMinimumWidth(200)
        self.make_room_for_focus_frame()
        self.currentItemChanged.connect(self._on_current_item_changed)
        self.setToolTip("Photos to colour. Delete removes the selected ones from the list (never from the disk).")

    # -- items -----------------------------------------------------------------------------
    def add(self, key: int, name: str, tooltip: str = "", strength: float = 1.0) -> None:
        item = QListWidgetItem(name)
        item.setData(KEY_ROLE, key)
        self._items[key] = item
        self._names[key] = name
        self._tips[key] = tooltip or name
        self._strengths[key] = int(round(strength * 100))
        self.addItem(item)
        self.set_state(key, QueueState.WAITING)

    def remove(self, keys: list[int]) -> None:
        for key in keys:
            item = self._items.pop(key, None)
            if item is not None:
                self.takeItem(self.row(item))
            for table in (self._state, self._reason, self._names, self._tips, self._strengths, self._saved_as, self._thumbs):
                table.pop(key, None)
            self._in_colour.discard(key)
        current = self.currentItem()
        if current is not None and not self.selectedItems():
            # Qt makes another row current when the current one goes, without selecting it: no highlight,
            # and the slider and Save would act on a photo the list does not mark.
            current.setSelected(True)

    def keys(self) -> list[int]:
        return [self.item(row).data(KEY_ROLE) for row in range(self.count())]

    def selected_keys(self) -> list[int]:
        return [item.data(KEY_ROLE) for item in self.selectedItems()]

    def current_key(self) -> int | None:
        item = self.currentItem()
        return None if item is None else item.data(KEY_ROLE)

    def select(self, key: int) -> None:
        """Make ``key`` the shown photo and the only one selected (the strength slider edits the selection)."""
        if key in self._items:
            self.setCurrentItem(self._items[key], QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def state(self, key: int) -> QueueState:
        return self._state[key]

    def reason(self, key: int) -> str:
        return self._reason.get(key, "")

    def item_text(self, key: int) -> str:
        return self._items[key].text()

    def set_state(self, key: int, state: QueueState, reason: str = "") -> None:
        item = self._items.get(key)
        if item is None:
            return
        self._state[key] = QueueState(state)
        self._reason[key] = reason
        self._refresh_text(key)
        self._refresh_icon(key)

    def set_strength(self, key: int, strength: float) -> None:
        """Show ``key``'s colour strength (1.0 = 100 %, which is not shown)."""
        percent = int(round(strength * 100))
        if key in self._items and self._strengths.get(key) != percent:
            self._strengths[key] = percent
            self._refresh_text(key)

    def set_saved(self, key: int, path: Path | None) -> None:
        """Show that ``key`` is saved as it looks, as ``path`` (None: its colours changed since, or never saved)."""
        if key in self._items and self._saved_as.get(key) != path:
            if path is None:
                self._saved_as.pop(key, None)
            else:
                self._saved_as[key] = path
            self._refresh_text(key)

    def set_in_colour(self, key: int) -> None:
        """Show that ``key`` was in colour already: its own colours are replaced by the model's."""
        if key in self._items and key not in self._in_colour:
            self._in_colour.add(key)
            self._refresh_text(key)

    def saved_as(self, key: int) -> Path | None:
        return self._saved_as.get(key)

    def says_saved(self, key: int) -> bool:
        """Whether ``key``'s row says "Saved": coloured, and saved as it looks now."""
        return key in self._saved_as and self._state.get(key) == QueueState.DONE

    def fitted(self, image: QImage) -> QImage:
        """``image`` no larger than the list shows it (on this screen's pixels): a queue of thousands keeps
        one for each photo (30,000 at 128 px, as the workers render them, held 2.9 GB)."""
        side = max(1, round(self.iconSize().width() * self.devicePixelRatioF()))
        if image.width() <= side and image.height() <= side:
            return image
        return image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)

    def set_thumbnail(self, key: int, image: QImage) -> None:
        if key in self._items and not image.isNull():
            self._thumbs[key] = _squared(QPixmap.fromImage(self.fitted(image)))  # thumbnails are small: cheap on the GUI thread
            self._refresh_icon(key)

    def _refresh_text(self, key: int) -> None:
        """"name / Done", "name / Done · 140 % · Saved · In colour already" or "name / Failed: reason"; the tooltip says it in full
        ("Strength 140 %") and where the photo is."""
        state, reason, percent = self._state[key], self._reason[key], self._strengths.get(key, 100)
        # (a failed photo has no colours; a no-break space keeps "110 %" on one line where the state wraps)
        shows_strength = percent != 100 and state != QueueState.FAILED
        strength = f"Strength {percent}\u00a0%" if shows_strength else ""
        saved_as = self._saved_as.get(key) if state == QueueState.DONE else None
        in_colour = key in self._in_colour and state == QueueState.DONE
        label = state.value.capitalize()
        # The percent alone in the row: "Done · Strength 200 % · Saved" ran onto three lines in a narrow list.
        # "In colour already" comes last: before them, it pushed "Saved" into the elision in the narrowest list.
        parts = (label, f"{percent}\u00a0%" if shows_strength else "", "Saved" if saved_as else "", "In colour already" if in_colour else "")
        status = f"{label}: {reason}" if reason else " · ".join(filter(None, parts))
        item = self._items[key]
        item.setText(f"{self._names[key]}\n{status}")
        item.setToolTip("\n".join(filter(None, (self._tips[key], reason, in_colour and IN_COLOUR_TIP, strength, saved_as and f"Saved as {saved_as}"))))

    def _refresh_icon(self, key: int) -> None:
        state = self._state[key]
        if state != QueueState.FAILED and key in self._thumbs:
            icon = QIcon(self._thumbs[key])
            # The same pixmap when selected: Qt tinted a selected row's thumbnail with the selection colour, which
            # falsified the photo's colours (the row's background shows the selection).
            for mode in (QIcon.Mode.Selected, QIcon.Mode.Active):
                icon.addPixmap(self._thumbs[key], mode)
        else:
            icon = self._state_icons.get(state)
            if icon is None:
                icon = self._state_icons[state] = self.style().standardIcon(_STATE_ICONS[state])
        self._items[key].setIcon(icon)

    # -- events ----------------------------------------------------------------------------
    def _on_current_item_changed(self, current: QListWidgetItem | None, _previous) -> None:
        self.current_changed.emit(None if current is None else current.data(KEY_ROLE))

    def selectionCommand(self, index, event=None):  # noqa: N802 - Qt's name
        """A click on the empty list below the rows leaves the selection as it is: Qt cleared it while the
        photo stayed shown and current, and Save, Delete and the strength then acted on no photo the list marked."""
        if not index.isValid() and event is not None and event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return QItemSelectionModel.SelectionFlag.NoUpdate
        return super().selectionCommand(index, event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.matches(QKeySequence.StandardKey.Delete) or event.key() == Qt.Key.Key_Backspace:
            keys = self.selected_keys()
            if keys:
                self.remove_requested.emit(keys)
                return
        super().keyPressEvent(event)


class PhotoRowDelegate(QStyledItemDelegate):
    """Draws a row as the style would, with its name kept to one line so that its state always shows."""

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802
        lines = option.fontMetrics.lineSpacing() * TEXT_LINES
        return QSize(THUMB_SIDE * 2, max(THUMB_SIDE, lines) + 2 * ROW_MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        widget = option.widget
        if widget is None:
            super().paint(painter, option, index)
            return
        row = self.row_option(option, index)
        widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, row, painter, widget)

    def row_option(self, option: QStyleOptionViewItem, index) -> QStyleOptionViewItem:
        """The row as it is painted: its text with the name elided to the width the style lays it out in."""
        row = QStyleOptionViewItem(option)
        self.initStyleOption(row, index)
        width = text_layout_width(row, option.widget)
        name, separator, status = name_on_one_line(row.text, row.fontMetrics, width).partition(LINE_SEPARATOR)
        row.text = name + separator + status_in_lines(status, row.font, width, TEXT_LINES - 1)
        return row


def text_layout_width(row: QStyleOptionViewItem, widget: QWidget) -> int:
    """The width a row's text is wrapped in: the style's text rectangle less the margin it keeps on
    each side (as QCommonStyle draws item text). A name elided to the rectangle itself wrapped after
    its ellipsis ("very_long_n…" over "17_left.jpg")."""
    style = widget.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
    return style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, row, widget).width() - 2 * margin


def name_on_one_line(text: str, metrics: QFontMetrics, width: int) -> str:
    """A row's "name\nstate" with the name elided to fit ``width`` (``elided_name``); the state is left to wrap.

    The line break may be a Unicode line separator: the delegate's display text has ``\n`` replaced by one.
    """
    name, separator, status = text.replace("\n", LINE_SEPARATOR).partition(LINE_SEPARATOR)
    # A pixel under the width: text advances are fractional, and a name elided to the exact width may wrap.
    return elided_name(name, metrics, max(1, width - 1)) + separator + status


def elided_name(name: str, metrics: QFontMetrics, width: int) -> str:
    """A row's name within ``width``: a file's name elided in the middle (its start and its number, its suffix);
    a photo in a sub-folder, "family/1908FamilyPhoto.jpg", loses its folder from the left first ("…ly/1908…"),
    then its name in the middle ("…/19…jpg"), so that two photos of one name stay told apart as long as they can."""
    folder, sep, file = name.rpartition(os.sep)
    if not sep or metrics.horizontalAdvance(name) <= width:
        return metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)
    # (a pixel under each part's room, as for the whole name: advances are fractional)
    room = width - metrics.horizontalAdvance(sep + file) - 1
    shown_folder = metrics.elidedText(folder, Qt.TextElideMode.ElideLeft, room) if room > 0 else ""
    if len(shown_folder) > 1:  # (more than the ellipsis alone)
        return shown_folder + sep + file
    lead = "\u2026" + sep
    return lead + metrics.elidedText(file, Qt.TextElideMode.ElideMiddle, max(1, width - metrics.horizontalAdvance(lead) - 1))


def status_in_lines(status: str, font, width: int, lines: int) -> str:
    """A row's state word-wrapped to ``width`` on at most ``lines`` lines, its last line elided at the end when
    there is more (the row's tooltip says it all): a long reason for a failure ran past the row."""
    layout = QTextLayout(status, font)
    wrap = QTextOption()
    wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(wrap)
    layout.beginLayout()
    starts = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        starts.append(line.textStart())
    layout.endLayout()
    if len(starts) <= lines:
        return status
    kept = [status[start:end].strip() for start, end in zip(starts[: lines - 1], starts[1:lines])]
    # A pixel under the width, as for the name: an elision to the exact width may wrap.
    rest = QFontMetrics(font).elidedText(status[starts[lines - 1] :].strip(), Qt.TextElideMode.ElideRight, max(1, width - 1))
    return LINE_SEPARATOR.join([*kept, rest])


def _squared(pixmap: QPixmap) -> QPixmap:
    """``pixmap`` centred on a transparent square: every row's name then starts at the same place,
    whether its photo is tall or wide."""
    side = max(pixmap.width(), pixmap.height())
    square = QPixmap(side, side)
    square.fill(Qt.GlobalColor.transparent)
    painter = QPainter(square)
    painter.drawPixmap((side - pixmap.width()) // 2, (side - pixmap.height()) // 2, pixmap)
    painter.end()
    return square
