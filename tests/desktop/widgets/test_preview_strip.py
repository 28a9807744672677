"""The Train page's preview strip: one column per validation photo, and a label that says when hints were given."""

from __future__ import annotations

import numpy as np

from desktop.widgets.preview_strip import ROWS, PreviewStrip


def _triplet(value: int):
    grey = np.full((16, 16, 3), value, np.uint8)
    return grey, grey.copy(), grey.copy()


def test_previews_fill_columns_and_say_how_many_hints_each_prediction_had(qtbot):
    strip = PreviewStrip()
    qtbot.addWidget(strip)
    strip.set_triplets([_triplet(40), _triplet(200)], epoch=3)
    assert strip.count == 2
    assert strip._caption.text() == "Validation photos after epoch 3" and strip._row_labels[0].text() == ROWS[0]

    strip.set_triplets([_triplet(40), _triplet(200)], epoch=4, hints=5)
    assert strip._caption.text() == "Validation photos after epoch 4, each coloured with 5 hints from its original"
    assert strip._row_labels[0].text() == "Grey input\n+ 5 hints"

    strip.set_triplets([_triplet(40)], epoch=5)  # a model without hints (another run) puts the plain label back
    assert strip._row_labels[0].text() == ROWS[0]
    strip.clear()
    assert strip.count == 0 and strip._caption.text().startswith("Previews appear")


def test_fewer_previews_than_before_leave_no_pictures_or_room_of_the_earlier_ones(qtbot):
    """Another run's previews after six (a remembered run shown, say) kept the other five columns' pictures."""
    strip = PreviewStrip()
    qtbot.addWidget(strip)
    strip.show()
    strip.set_triplets([_triplet(40)] * 6, epoch=3)
    six = strip.widget().minimumSizeHint().width()
    strip.set_triplets([_triplet(200)], epoch=1)
    assert strip.count == 1
    assert [cell.isVisibleTo(strip) for cell in strip._cells[1]] == [False] * len(ROWS)
    qtbot.waitUntil(lambda: strip.widget().minimumSizeHint().width() < six)  # no room held for them either
