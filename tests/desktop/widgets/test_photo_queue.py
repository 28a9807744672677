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
