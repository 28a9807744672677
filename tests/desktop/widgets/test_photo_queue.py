"""The photo list: a row per photo with its state, and its colour strength when that is not 100 %."""

from __future__ import annotations

from desktop.widgets.photo_queue import PhotoQueue, QueueState


def test_a_row_names_the_strength_only_when_it_is_not_100_percent(qtbot):
    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.add(1, "flower.jpg", "/photos/flower.jpg")
    queue.set_strength(1, 1.0)
    assert queue.item_text(1) == "flower.jpg\nWaiting" and queue.item(0).toolTip() == "/photos/flower.jpg"
    queue.set_strength(1, 1.4)
    queue.set_state(1, QueueState.DONE)
    assert queue.item_text(1) == "flower.jpg\nDone · Strength 140 %"
    assert queue.item(0).toolTip() == "/photos/flower.jpg\nStrength 140 %"
    queue.set_state(1, QueueState.FAILED, "truncated or corrupt")  # no colours, so no strength to speak of
    assert queue.item_text(1) == "flower.jpg\nFailed: truncated or corrupt"
    assert queue.item(0).toolTip() == "/photos/flower.jpg\ntruncated or corrupt"


def test_tall_and_wide_thumbnails_take_the_same_square_so_names_line_up(qtbot):
    from PySide6.QtGui import QColor, QImage

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    for key, (width, height) in enumerate([(128, 64), (48, 128)]):
        image = QImage(width, height, QImage.Format.Format_RGB32)
        image.fill(QColor("red"))
        queue.add(key, f"{key}.jpg")
        queue.set_state(key, QueueState.DONE)
        queue.set_thumbnail(key, image)
    wide, tall = (queue.item(row).icon().pixmap(queue.iconSize()).toImage() for row in (0, 1))
    assert wide.size() == tall.size() == queue.iconSize()
    side = queue.iconSize().width()
    assert wide.pixelColor(side // 2, 2).alpha() == 0 and wide.pixelColor(side // 2, side // 2) == QColor("red")  # letterboxed
    assert tall.pixelColor(2, side // 2).alpha() == 0 and tall.pixelColor(side // 2, side // 2) == QColor("red")  # pillarboxed
