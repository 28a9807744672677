"""The photo list: a row per photo with its state, and its colour strength when that is not 100 %."""

from __future__ import annotations

from desktop.widgets.photo_queue import IN_COLOUR_TIP, PhotoQueue, QueueState


def test_a_row_names_the_strength_only_when_it_is_not_100_percent(qtbot):
    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.add(1, "flower.jpg", "/photos/flower.jpg")
    queue.set_strength(1, 1.0)
    assert queue.item_text(1) == "flower.jpg\nWaiting" and queue.item(0).toolTip() == "/photos/flower.jpg"
    queue.set_strength(1, 1.4)
    queue.set_state(1, QueueState.DONE)
    assert queue.item_text(1) == "flower.jpg\nDone · 140\u00a0%"
    assert queue.item(0).toolTip() == "/photos/flower.jpg\nStrength 140\u00a0%"
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


def test_thumbnails_are_kept_at_the_size_the_list_shows_them(qtbot):
    from PySide6.QtGui import QColor, QImage

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    side = round(queue.iconSize().width() * queue.devicePixelRatioF())
    rendered = QImage(128, 85, QImage.Format.Format_RGB888)  # as the workers render them
    rendered.fill(QColor("red"))
    kept = queue.fitted(rendered)
    assert (kept.width(), kept.height()) == (side, round(85 * side / 128)) and kept.pixelColor(side // 2, 10) == QColor("red")
    small = QImage(40, 30, QImage.Format.Format_RGB888)
    assert queue.fitted(small) is small  # never enlarged, nor copied


def test_every_row_is_one_height_so_a_long_queue_lays_out_without_measuring_each_row(qtbot):
    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.resize(220, 600)
    queue.add(1, "short.jpg")
    queue.add(2, "a_scan_with_a_very_long_name_from_the_family_archive_page_17_left.jpg")
    queue.add(3, "notes.jpg")
    queue.set_state(1, QueueState.DONE)
    queue.set_state(3, QueueState.FAILED, "not an image (or in a format Colourise cannot read)")
    queue.show()
    qtbot.waitExposed(queue)
    assert queue.uniformItemSizes()
    heights = {queue.visualItemRect(queue.item(row)).height() for row in range(queue.count())}
    line = queue.fontMetrics().lineSpacing()
    assert len(heights) == 1 and heights.pop() >= max(queue.iconSize().height(), 3 * line)  # the name and two lines of state


def test_a_long_name_takes_one_line_as_the_style_lays_the_row_out_at_any_width(qtbot):
    from PySide6.QtGui import QTextLayout, QTextOption
    from PySide6.QtWidgets import QStyleOptionViewItem

    from desktop.widgets.photo_queue import LINE_SEPARATOR, text_layout_width

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.show()
    names = ["very_long_name_from_the_family_archive_page_17_left.jpg", "My grandmother at the seaside in 1923, album page 17.jpg",
             "family album 1923/seaside_page_17_left.jpg".replace("/", __import__("os").sep)]  # (a sub-folder's photo: elided from its left)
    for key, name in enumerate(names):
        queue.add(key, name)
        queue.set_state(key, QueueState.DONE)
    wrapped = []
    for width in range(180, 360):  # an elision a pixel or two too wide wraps at some widths only
        queue.resize(width, 400)
        for row in range(queue.count()):
            option = QStyleOptionViewItem()
            queue.initViewItemOption(option)  # as the list hands it to the delegate
            option.rect = queue.visualItemRect(queue.item(row))
            painted = queue.itemDelegate().row_option(option, queue.indexFromItem(queue.item(row)))
            shown_name = painted.text.split(LINE_SEPARATOR)[0]
            # Laid out as QCommonStyle lays out item text: word-wrapped in the text rectangle less its margins.
            layout = QTextLayout(painted.text, painted.font)
            wrap = QTextOption()
            wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
            layout.setTextOption(wrap)
            layout.beginLayout()
            first = layout.createLine()
            first.setLineWidth(text_layout_width(painted, queue))
            layout.endLayout()
            if painted.text[first.textStart() : first.textStart() + first.textLength()].rstrip(LINE_SEPARATOR) != shown_name:
                wrapped.append((width, shown_name))
    assert wrapped == []


def test_a_long_name_is_elided_to_one_line_and_its_state_kept_whole(qtbot):
    from PySide6.QtWidgets import QStyleOptionViewItem

    from desktop.widgets.photo_queue import name_on_one_line

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    name = "My grandmother at the seaside in 1923, scanned from the family album page 17.jpg"
    queue.add(1, name)
    queue.set_state(1, QueueState.FAILED, "truncated or corrupt")
    row = QStyleOptionViewItem()
    queue.itemDelegate().initStyleOption(row, queue.indexFromItem(queue.item(0)))  # the text as the delegate paints it
    metrics = queue.fontMetrics()
    shown_name, status = name_on_one_line(row.text, metrics, 150).split("\u2028")
    assert status == "Failed: truncated or corrupt"
    assert "…" in shown_name and shown_name.startswith("My") and shown_name.endswith(".jpg")
    assert metrics.horizontalAdvance(shown_name) <= 150
    assert name_on_one_line("short.jpg\u2028Done", metrics, 150) == "short.jpg\u2028Done"


def test_a_photos_sub_folder_is_elided_from_the_left_before_its_name(qtbot):
    """A row named "family/1908FamilyPhoto.jpg" (a photo in a sub-folder of the folder opened) keeps the photo's name
    whole as long as it can, and the end of its folder's: "…mily/1908FamilyPhoto.jpg"."""
    import os

    from desktop.widgets.photo_queue import name_on_one_line

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    metrics = queue.fontMetrics()
    name = os.path.join("scans of the family album", "1908FamilyPhoto.jpg")
    whole = metrics.horizontalAdvance(name)
    assert name_on_one_line(f"{name}\u2028Done", metrics, whole + 2) == f"{name}\u2028Done"
    file_width = metrics.horizontalAdvance(f"…album{os.sep}1908FamilyPhoto.jpg")
    for width in range(file_width + 2, whole):
        shown = name_on_one_line(f"{name}\u2028Done", metrics, width).split("\u2028")[0]
        assert shown.startswith("…") and shown.endswith(f"album{os.sep}1908FamilyPhoto.jpg"), (width, shown)
        assert metrics.horizontalAdvance(shown) < width
    for width in range(metrics.horizontalAdvance("…/19…g.jpg") + 2, metrics.horizontalAdvance(f"…{os.sep}1908FamilyPhoto.jpg")):
        shown = name_on_one_line(f"{name}\u2028Done", metrics, width).split("\u2028")[0]  # no room for the name whole
        assert shown.startswith(f"…{os.sep}19") and shown.endswith("jpg") and shown.count("…") == 2, (width, shown)
        assert metrics.horizontalAdvance(shown) < width


def test_after_delete_the_photo_that_becomes_current_is_selected_too(qtbot):
    """Delete took the shown photo off and made the next one current without selecting it: no highlight."""
    from PySide6.QtCore import Qt

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    for key in (1, 2, 3):
        queue.add(key, f"{key}.jpg")
    queue.remove_requested.connect(queue.remove)  # as the page does, once it has asked
    queue.show()
    queue.select(2)
    queue.setFocus()
    with qtbot.waitSignal(queue.remove_requested) as asked:
        qtbot.keyClick(queue, Qt.Key.Key_Delete)
    assert asked.args == [[2]] and queue.keys() == [1, 3]
    assert queue.current_key() is not None and queue.selected_keys() == [queue.current_key()]


def test_a_rows_strength_keeps_its_number_and_percent_on_one_line_at_any_width(qtbot):
    """In a narrow list the row's state wrapped inside "110 %", leaving "%" alone on the next line."""
    from PySide6.QtGui import QTextLayout, QTextOption

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.add(1, "flower.jpg", strength=1.1)
    queue.set_state(1, QueueState.DONE)
    status = queue.item_text(1).split("\n")[1]
    assert status.replace("\u00a0", " ") == "Done · 110 %"
    for width in range(20, 300):
        layout = QTextLayout(status, queue.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        lines = []
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            lines.append(status[line.textStart() : line.textStart() + line.textLength()].strip())
        layout.endLayout()
        assert not any(line.startswith("%") for line in lines), (width, lines)


def painted_lines(queue, row: int) -> list[str]:
    """The lines of ``row``'s text as the style lays them out: word-wrapped in the text rectangle less its margins."""
    from PySide6.QtGui import QTextLayout, QTextOption
    from PySide6.QtWidgets import QStyleOptionViewItem

    from desktop.widgets.photo_queue import LINE_SEPARATOR, text_layout_width

    option = QStyleOptionViewItem()
    queue.initViewItemOption(option)
    option.rect = queue.visualItemRect(queue.item(row))
    painted = queue.itemDelegate().row_option(option, queue.indexFromItem(queue.item(row)))
    layout = QTextLayout(painted.text, painted.font)
    wrap = QTextOption()
    wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(wrap)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(text_layout_width(painted, queue))
        lines.append(painted.text[line.textStart() : line.textStart() + line.textLength()].strip(LINE_SEPARATOR + " "))
    layout.endLayout()
    return lines


def test_a_rows_state_fits_the_list_at_its_narrowest(qtbot):
    """At the window's minimum size (746 x 491) "Done · Strength 200 % · Saved" ran onto three lines, past the row."""
    from pathlib import Path

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.add(1, "astronaut.jpg", "/photos/astronaut.jpg", strength=2.0)
    queue.add(2, "coffee.png", "/photos/coffee.png", strength=2.0)
    queue.add(3, "notes.jpg")
    for key in (1, 2):
        queue.set_state(key, QueueState.DONE)
        queue.set_saved(key, Path(f"/out/{key}.png"))
    queue.set_in_colour(2)
    queue.set_state(3, QueueState.FAILED, "not an image (or in a format Colourise cannot read), and so on at length")
    queue.show()
    queue.resize(queue.minimumWidth(), 400)  # the list's narrowest
    assert queue.item_text(1) == "astronaut.jpg\nDone · 200\u00a0% · Saved"
    assert "Strength 200\u00a0%" in queue.item(0).toolTip()  # said in full there
    lines = painted_lines(queue, 0)
    assert lines[0] == "astronaut.jpg" and " ".join(lines[1:]) == "Done · 200\u00a0% · Saved" and len(lines) <= 3, lines  # whole
    # In colour already and saved: "Saved" was elided ("already · 200 % · …"); the note on its colours gives way instead.
    assert queue.item_text(2) == "coffee.png\nDone · 200\u00a0% · Saved · In colour already"
    lines = painted_lines(queue, 1)
    assert len(lines) <= 3 and "Saved" in " ".join(lines[1:]), lines
    assert IN_COLOUR_TIP in queue.item(1).toolTip()  # said in full there
    for row in (1, 2):  # longer states: on the two lines a row has, the rest elided (and whole in the tooltip)
        lines = painted_lines(queue, row)
        assert len(lines) <= 3 and lines[-1].endswith("…"), lines


def test_a_click_below_the_rows_keeps_the_shown_photos_row_selected(qtbot):
    """A click on the empty list below the rows cleared the selection while the photo stayed shown: Save and the
    strength acted on nothing the list marked."""
    from PySide6.QtCore import QPoint, Qt

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    for key in (1, 2, 3):
        queue.add(key, f"{key}.jpg")
    queue.resize(240, 600)  # room below the three rows
    queue.show()
    queue.select(2)
    below = QPoint(queue.viewport().width() // 2, queue.viewport().height() - 5)
    assert queue.itemAt(below) is None
    for button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
        qtbot.mouseClick(queue.viewport(), button, Qt.KeyboardModifier.NoModifier, below)
        assert queue.current_key() == 2 and queue.selected_keys() == [2], button
    qtbot.mouseClick(queue.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, queue.visualItemRect(queue.item(0)).center())
    assert queue.current_key() == 1 and queue.selected_keys() == [1]  # a click on a row still selects it
    qtbot.mouseClick(queue.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, queue.visualItemRect(queue.item(2)).center())
    assert sorted(queue.selected_keys()) == [1, 2, 3]  # and Shift+click extends it


def test_the_selected_photos_thumbnail_keeps_its_true_colours(qtbot):
    """Qt tinted a selected row's icon with the selection colour: brown (145,109,84) showed as grey-blue (114,115,124)."""
    from PySide6.QtGui import QColor, QIcon, QImage

    queue = PhotoQueue()
    qtbot.addWidget(queue)
    queue.resize(300, 200)
    image = QImage(128, 96, QImage.Format.Format_RGB32)
    image.fill(QColor(145, 109, 84))
    queue.add(1, "brown.jpg")
    queue.set_state(1, QueueState.DONE)
    queue.set_thumbnail(1, image)
    queue.item(0).setSelected(True)
    queue.show()
    side = queue.iconSize().width()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        shown = queue.item(0).icon().pixmap(queue.iconSize(), mode).toImage()
        assert shown.pixelColor(side // 2, side // 2) == QColor(145, 109, 84), mode
    shot = queue.grab().toImage()
    middle = queue.visualItemRect(queue.item(0)).center()
    icon_middle = shot.pixelColor(queue.visualItemRect(queue.item(0)).left() + 4 + side // 2, middle.y())
    assert icon_middle == QColor(145, 109, 84)
