"""A part of a page that scrolls in height where the window is too short for it, its wrapped lines counted."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.widgets.scroll_when_short import MinimumHeightForWidth, ScrollWhenShort


def test_a_column_of_wrapped_lines_scrolls_by_them_and_its_minimum_follows_its_parts(qtbot):
    column = MinimumHeightForWidth()
    layout = QVBoxLayout(column)
    note = QLabel("A line of words that wraps onto several lines in a narrow column. " * 4)
    note.setWordWrap(True)
    tall = QWidget()
    tall.setMinimumHeight(100)
    layout.addWidget(note)
    layout.addWidget(tall)
    page = QWidget()
    QVBoxLayout(page).addWidget(area := ScrollWhenShort(column))
    qtbot.addWidget(page)
    page.resize(200, page.minimumSizeHint().height())
    page.show()
    qtbot.waitExposed(page)
    assert area.minimumSizeHint().height() == column.minimumSizeHint().height()  # the page's minimum as before
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)  # the lines wrapped beyond it scroll
    assert column.height() >= layout.totalMinimumHeightForWidth(column.width())
    assert tall.height() >= 100 and note.height() >= note.heightForWidth(note.width())  # neither squeezed
    tall.setMinimumHeight(300)
    qtbot.waitUntil(lambda: page.minimumSizeHint().height() > 300)  # a part's larger minimum reaches the page


def test_the_least_part_sets_the_minimum_and_the_rest_scrolls(qtbot):
    content = QWidget()
    layout = QVBoxLayout(content)
    curves, previews = QWidget(), QWidget()
    curves.setMinimumHeight(160)
    previews.setMinimumHeight(80)
    layout.addWidget(curves)
    layout.addWidget(previews)
    area = ScrollWhenShort(content, least=curves)
    qtbot.addWidget(area)
    assert area.minimumSizeHint().height() == 160
    area.resize(300, 170)
    area.show()
    qtbot.waitExposed(area)
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    assert curves.height() >= 160 and previews.height() >= 80
    curves.setMinimumHeight(200)
    qtbot.waitUntil(lambda: area.minimumSizeHint().height() == 200)
