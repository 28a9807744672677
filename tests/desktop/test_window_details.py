"""The smaller things of the window: size, shortcuts list, launch tab, zoom and focus in the view, the list's menu."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QWidget


def test_the_window_fits_800_by_600_with_every_page_built(window, qtbot):
    window.build_pages()
    qtbot.wait(10)
    hint = window.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600, hint
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.size() == QSize(800, 600))
    bar = window.colourise_page.bar
    qtbot.waitUntil(lambda: bar.two_rows)  # the save controls moved under the model and strength
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: not bar.two_rows)


def test_the_train_page_still_fits_800_by_600_once_validation_previews_show(window, qtbot):
    """The previews once took a fixed 330 px: the window could not be made less than 737 px high."""
    import numpy as np

    window.build_pages()
    window.tabs.setCurrentIndex(1)
    page = window.train_page
    page.metrics_label.setText("loss 4.7061 · PSNR 21.87 dB · SSIM 0.911 · AuC (a/b error) 0.873 · Hue accuracy 14.7 % · " * 2)
    crops = (np.zeros((64, 64, 3), np.uint8),) * 3
    page.previews.set_triplets([crops] * 6, 1.0, hints=5)
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.size() == QSize(800, 600))
    right, scroll = page.previews.parentWidget(), page.right_scroll
    qtbot.waitUntil(lambda: scroll.height() < 600)
    assert right.minimumSizeHint().height() <= right.height()  # nothing squeezed below its minimum
    assert page.previews.height() == page.previews.maximumHeight() > 3 * 96  # three rows of previews: the column scrolls
    assert scroll.verticalScrollBar().maximum() > 0
    window.resize(1000, 1000)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() == 0)  # all in view where there is room


def shown_part(widget, up_to):
    """The part of ``widget`` (in ``up_to``'s coordinates) that its parents up to ``up_to`` leave in view."""
    from PySide6.QtCore import QPoint, QRect

    rect, child = QRect(widget.mapTo(up_to, QPoint(0, 0)), widget.size()), widget.parentWidget()
    while child is not None and child is not up_to.parentWidget():
        rect = rect.intersected(QRect(child.mapTo(up_to, QPoint(0, 0)), child.size()))
        child = child.parentWidget()
    return rect


def test_at_the_smallest_window_the_train_page_squeezes_nothing_out_of_sight(window, qtbot):
    """Long wrapped lines (the state, every validation metric) at the narrowest column once squeezed the loss
    plot below its axis, cut the metrics' first line and pushed the previews' scroll bar out of the window:
    the column scrolls instead, and nothing in it is smaller than it needs."""
    import numpy as np
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QApplication

    window.build_pages()
    window.tabs.setCurrentIndex(1)
    page = window.train_page
    page._show_state("Training on cpu: 4 photos, validating on 4 of them (nothing held out: scores are on photos it trains on).")
    page.metrics_label.setText("loss 4.7061 · PSNR 21.87 dB · SSIM 0.911 · AuC (a/b error) 0.873 · Hue accuracy 14.7 % · "
                               "Colourfulness 33.1 · Colourfulness gap 2.1 · Chroma ratio 0.91")
    crops = (np.zeros((64, 64, 3), np.uint8),) * 3
    page.previews.set_triplets([crops] * 6, 1.0, hints=5)
    window.show()
    window.layout().activate()
    smallest = window.minimumSize()
    window.resize(smallest)
    qtbot.waitUntil(lambda: window.size() == smallest)
    QApplication.processEvents()
    column = page.previews.parentWidget()
    column.layout().activate()
    assert column.height() >= column.layout().totalMinimumHeightForWidth(column.width())  # room for every line, or it scrolls
    for widget in (page.state_label, page.metrics_label, page.plot, page.previews):
        assert widget.height() >= max(widget.minimumSizeHint().height(), widget.heightForWidth(widget.width())), widget
        assert shown_part(widget, column) == QRect(widget.mapTo(column, QPoint(0, 0)), widget.size()), widget  # none cut off
    bottom_axis = page.plot._plot.getPlotItem().getAxis("bottom")
    assert bottom_axis.isVisible() and page.plot._plot.height() >= page.plot._plot.minimumHeight()
    bar = page.previews.horizontalScrollBar()
    assert bar.isVisible() and shown_part(bar, column) == QRect(bar.mapTo(column, QPoint(0, 0)), bar.size())
    scroll = page.right_scroll
    assert scroll.widget() is column
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # and the bottom can be brought into view
    assert shown_part(bar, scroll.viewport()) == QRect(bar.mapTo(scroll.viewport(), QPoint(0, 0)), bar.size())


METRICS = ("loss 1.7988 · PSNR 15.42 dB · SSIM 0.620 · AuC (a/b error) 0.758 · Hue accuracy 48.0 % · Colourfulness 42.9 · "
           "Colourfulness gap 35.4 · Chroma ratio 0.400")


def train_page_training_at_the_smallest_window(window, qtbot):
    """The Train page as a run shows its state, metrics and six columns of previews, the window at its minimum size
    (measured before the run); returns the page, that size and the right column's least height then."""
    import numpy as np

    window.build_pages()
    window.tabs.setCurrentIndex(1)
    page = window.train_page
    window.show()
    window.layout().activate()
    before, page_least = window.minimumSizeHint(), page.right_scroll.minimumSizeHint().height()
    page._show_state("Training on cpu: 6 photos, 1 for validation (2 greyscale skipped).")
    page.metrics_label.setText(METRICS)
    page.previews.set_triplets([(np.zeros((64, 64, 3), np.uint8),) * 3] * 6, 5.0)
    window.layout().activate()
    window.resize(before)
    qtbot.waitUntil(lambda: window.size() == before)
    return page, before, page_least


def test_the_train_pages_previews_scroll_with_its_column_and_leave_the_windows_minimum_alone(window, qtbot):
    """At the window's minimum size the previews were a box with a scroll bar of its own inside the scrolled column
    ("Grey input" cut off), and the window's minimum height grew as training started and previews came (491, 531,
    539 px) (found by QA). Now the previews are whole in the column, which scrolls to them; the minimum stays."""
    from PySide6.QtCore import QPoint, QRect

    page, before, page_least = train_page_training_at_the_smallest_window(window, qtbot)
    assert window.minimumSizeHint().height() == before.height() and page.right_scroll.minimumSizeHint().height() == page_least
    strip, scroll = page.previews, page.right_scroll
    qtbot.waitUntil(lambda: strip.viewport().height() >= strip.widget().minimumSizeHint().height())  # all three rows
    assert strip.verticalScrollBar().maximum() == 0
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
    assert shown_part(strip, scroll.viewport()) == QRect(strip.mapTo(scroll.viewport(), QPoint(0, 0)), strip.size())  # in reach


def test_a_long_preview_caption_wraps_at_the_smallest_window_without_a_sideways_scroll_bar(window, qtbot):
    """With one validation photo, "Validation photos after epoch 5, each coloured wit…" was cut on one line and held
    the previews wider than the column, behind a sideways scroll bar of their own (found by QA)."""
    import numpy as np

    window.build_pages()
    window.tabs.setCurrentIndex(1)
    page = window.train_page
    window.show()
    window.layout().activate()
    strip = page.previews
    strip.set_triplets([(np.zeros((64, 64, 3), np.uint8),) * 3], 5.0, hints=5)
    window.resize(window.minimumSizeHint())
    caption = strip._caption
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint())
    qtbot.waitUntil(lambda: caption.height() >= caption.heightForWidth(caption.width()) > caption.fontMetrics().height())
    assert caption.text().endswith("each coloured with 5 hints from its original")
    assert caption.width() <= strip.viewport().width() and strip.horizontalScrollBar().maximum() == 0
    assert strip.viewport().height() >= strip.widget().minimumSizeHint().height()  # the caption's lines and all three rows


def test_a_refused_start_brings_the_columns_top_line_with_the_reason_into_view(window, qtbot):
    """The status bar cuts the batch size's long refusal at the window's minimum width, and the column's top line,
    which says it whole, was scrolled out of view (found by QA)."""
    from PySide6.QtCore import QPoint, QRect

    page, _before, _least = train_page_training_at_the_smallest_window(window, qtbot)
    scroll = page.right_scroll
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0)
    scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # down at the previews
    page.field("batch_size").set_value(999)
    page.field("image_size").set_value(512)
    assert not page.start() and "Batch size: 999 crops of 512 px" in page.state_label.text()
    state = page.state_label
    qtbot.waitUntil(lambda: shown_part(state, scroll.viewport()) == QRect(state.mapTo(scroll.viewport(), QPoint(0, 0)), state.size()))

def test_help_lists_every_keyboard_shortcut(window):
    rows = window.shortcut_rows()
    commands = {command: keys for _menu, command, keys in rows}
    assert {"Quit", "Open Photos", "Colour the Rest", "Keyboard Shortcuts", "Start Training"} <= set(commands)
    assert all(keys for keys in commands.values())
    assert commands["Zoom In"].split(", ")[-1] == "Ctrl+="  # (both of its keys)
    assert "Pan a zoomed photo, or move the split line" in commands  # keys of the focused view too
    assert commands["Taking a colour from the photo: move the mark, take the colour under it"] == "Arrows (Shift: further), Enter"
    window.show_shortcuts()
    dialog = window.shortcuts_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Keyboard Shortcuts"
    dialog.close()


def test_the_shortcuts_dialog_shows_every_key_whole_at_its_opening_size(window, qtbot):
    """The long commands of the photo view once widened the Command column past the dialog: the Keys column was
    out of sight and "Ctrl++, Ctrl+=" cut (found by QA)."""
    from PySide6.QtWidgets import QStyle, QTableWidget

    window.show_shortcuts()
    dialog = window.shortcuts_dialog
    qtbot.waitExposed(dialog)
    table = dialog.findChild(QTableWidget)
    header, metrics = table.horizontalHeader(), table.fontMetrics()
    margins = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)  # a cell's text margins
    keys = 2
    assert table.horizontalScrollBar().maximum() == 0  # nothing to scroll to sideways
    assert 0 <= header.sectionViewportPosition(keys)
    assert header.sectionViewportPosition(keys) + header.sectionSize(keys) <= table.viewport().width()
    for row in range(table.rowCount()):
        text = table.item(row, keys).text()
        assert metrics.horizontalAdvance(text) + margins <= header.sectionSize(keys), text
        command = table.item(row, 1).text()  # a long command wraps onto the lines its row has room for
        wrapped = metrics.boundingRect(0, 0, header.sectionSize(1) - margins, 10_000, Qt.TextFlag.TextWordWrap.value, command)
        assert wrapped.height() <= table.rowHeight(row), command
    dialog.close()


def test_photos_given_at_launch_open_on_the_colourise_tab(qtbot, alpha_model, tmp_path, grey_photo):
    from desktop import settings
    from desktop.main_window import MainWindow

    settings.write("window/tab", 2)  # the Models tab was open last time
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    win.open_photos([grey_photo(tmp_path / "given.png")])
    qtbot.wait(50)  # the restored tab's turn has come and gone
    assert win.tabs.currentIndex() == 0
    qtbot.waitUntil(lambda: len(win.colourise_page.queue.keys()) == 1)
    win.stop_workers(30_000)


def test_the_view_shows_its_zoom_and_its_keyboard_focus(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / "zoom.png", width=400, height=300)])
    qtbot.waitUntil(lambda: not page.view.photo_size().isEmpty(), timeout=20_000)
    assert page.view.zoom_text().startswith("Fit ") and page.view.zoom_text().endswith(" %")
    page.view.zoom_actual()
    assert page.view.zoom_text() == "100 %"
    window.activateWindow()
    page.view.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(page.view.hasFocus)
    image = page.view.grab().toImage()
    highlight = page.view.palette().color(page.view.palette().ColorRole.Highlight)
    assert image.pixelColor(1, image.height() // 2).name() == highlight.name()  # the focus frame


def test_the_photo_list_has_a_context_menu_and_no_sideways_scrolling(window, qtbot, tmp_path, grey_photo):
    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / ("a very long photo name " * 4 + ".png"))])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 1)
    assert page.queue.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    page.queue.select(page.queue.keys()[0])
    menu = page.queue_menu()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[:2] == ["Remove from Queue", "Show Original in Folder"]
    assert {"Save…", "Save &All…".replace("&", ""), "Colour the Rest"} <= {t.replace("&", "") for t in texts}
    menu.actions()[0].trigger()
    assert page.queue.keys() == []


def test_every_control_a_keyboard_reaches_has_a_name_a_screen_reader_can_say(window, qtbot):
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QWidget

    window.build_pages()
    for tab in ("Runs", "Colourise"):
        window.show_tab(tab)
    window.colourise_page.hints.set_active(True)  # the hint panel's controls too
    reached = [
        widget for widget in window.findChildren(QWidget)
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.window() is window
        and not isinstance(widget.parent(), (QComboBox, QAbstractSpinBox))  # their inner editors and lists
        and not (isinstance(widget.parent(), QAbstractScrollArea) and widget.parent().viewport() is widget)
    ]  # fmt: skip
    assert len(reached) > 40
    nameless = [
        f"{type(w).__name__} ({w.toolTip()[:40]!r})" for w in reached if not QAccessible.queryAccessibleInterface(w).text(QAccessible.Text.Name)
    ]
    assert nameless == []


def test_the_warm_up_imports_the_engine_builds_every_page_then_says_so(window, qtbot):
    import sys

    assert window._train_page is None and window._models_page is None  # built on first use, or by the warm-up
    with qtbot.waitSignal(window.warmed_up, timeout=60_000):
        window.warm_up()
    assert window._train_page is not None and window._models_page is not None
    assert {"engine.models", "engine.training", "engine.inference", "engine.propagation"} <= set(sys.modules)


def test_show_original_in_folder_without_a_file_manager_says_where_the_photo_is(window, qtbot, tmp_path, grey_photo, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QMessageBox

    page = window.colourise_page
    page.add_paths([grey_photo(tmp_path / "photos" / "old.png")])
    qtbot.waitUntil(lambda: len(page.queue.keys()) == 1)
    page.queue.select(page.queue.keys()[0])
    notes = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no file manager (a bare Linux desktop)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: notes.append(box.text()))
    next(a for a in page.queue_menu().actions() if a.text() == "Show Original in Folder").trigger()
    assert notes == [f"Could not open a file manager. The folder is:\n{tmp_path / 'photos'}"]


def saved_under_another_scale(geometry: bytes) -> bytes:
    """``geometry`` (QWidget.saveGeometry) as saved with the display scaled otherwise: Qt keeps the screen's
    width in logical pixels, at byte 46, and refuses the whole geometry when it differs by over a quarter."""
    import struct

    (width,) = struct.unpack(">i", geometry[46:50])
    return geometry[:46] + struct.pack(">i", width * 2) + geometry[50:]


def test_a_window_saved_under_another_display_scale_opens_at_the_default_size(qtbot, tmp_path):
    """Qt's restoreGeometry drops the saved size when the scaling changed: the window opened at its minimum."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QApplication

    from desktop import settings
    from desktop.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(900, 650)
    first.show()
    settings.write("window/geometry", QByteArray(saved_under_another_scale(bytes(first.saveGeometry()))))
    win = MainWindow()
    qtbot.addWidget(win)
    available = QApplication.primaryScreen().availableGeometry()
    assert win.size() == QSize(min(1200, available.width()), min(780, available.height()))  # as on a first launch
    assert abs(win.geometry().center().x() - available.center().x()) <= 1
    assert abs(win.geometry().center().y() - available.center().y()) <= 1


def test_the_default_window_is_1200_by_780_centred_and_no_bigger_than_the_screen():
    from PySide6.QtCore import QRect

    from desktop.main_window import default_geometry

    assert default_geometry(QRect(0, 0, 2800, 1800)) == QRect(800, 510, 1200, 780)
    assert default_geometry(QRect(0, 40, 1024, 700)) == QRect(0, 40, 1024, 700)


def test_a_window_saved_at_the_same_scale_keeps_its_size(qtbot, tmp_path):
    from desktop import settings
    from desktop.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(780, 590)
    first.show()
    settings.write("window/geometry", first.saveGeometry())
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.size() == QSize(780, 590)


def test_the_about_boxs_icon_is_drawn_for_the_screens_pixels_from_an_icon_file_no_smaller(qapp):
    """At 200 % the About box showed a 32 px image of the window icon enlarged to 64 screen pixels: blurred."""
    from desktop.main_window import ABOUT_ICON_SIDE, about_icon

    for ratio in (1.0, 1.5, 2.0, 3.0):
        icon = about_icon(ratio)
        side = round(ABOUT_ICON_SIDE * ratio)
        assert icon.devicePixelRatio() == ratio and icon.size() == QSize(side, side), ratio
        assert icon.toImage().pixelColor(side // 2, side // 2).alpha() == 255  # (an icon, not an empty pixmap)


def test_the_about_box_shows_the_icon_at_64_view_pixels(window, qtbot):
    from PySide6.QtCore import QSizeF, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    shown = []

    def look_and_close():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append((box.windowTitle(), box.iconPixmap().deviceIndependentSize()))
            box.accept()

    QTimer.singleShot(0, look_and_close)
    window.about()
    assert shown == [("About Colourise", QSizeF(64, 64))]


def _message_room(bar) -> int:
    """The width QStatusBar draws its message in: left of its first visible permanent widget (and the size grip)."""
    from PySide6.QtWidgets import QSizeGrip

    right = bar.width() - 12
    grip = bar.findChild(QSizeGrip)
    if grip is not None and grip.isVisible():
        right = min(right, grip.x())
    for widget in bar.findChildren(QWidget):
        if widget.isVisible() and widget.parent() is bar and not isinstance(widget, QSizeGrip) and widget.x() > 0:
            right = min(right, widget.x() - 2)
    return right - 6


def test_a_saved_result_names_its_folder_whole_where_the_status_bar_has_room_and_shortens_it_to_fit_where_not(window, qtbot, tmp_path):
    """QA: "Saved 1 photo to /work/scratch/s36/qa-rec…/family, …" at 1400 px wide, its line ending at 660 px."""
    from desktop.colourise_queue import saved_summary
    from engine.batch import BatchFinished

    folder = tmp_path / "scratch" / "s36" / "qa-recheck" / "photos" / "family"
    text = saved_summary(BatchFinished(1, 0, 0), hint_files=1, folders=[folder])
    bar = window.statusBar()
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: window.width() == 1400)
    window.show_result(text, folder)
    qtbot.waitUntil(lambda: window.show_folder_button.x() > 0)
    assert bar.currentMessage() == text == f"Saved 1 photo to {folder}, with its colour hints beside it (.hints.json)."  # whole
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800)
    qtbot.waitUntil(lambda: bar.currentMessage() != text)
    shown = bar.currentMessage()  # shortened in the folder's middle to the room there is, the rest whole
    assert shown.startswith(f"Saved 1 photo to {str(folder)[:4]}") and "…" in shown and shown.endswith("/family, with its colour hints beside it (.hints.json).")
    assert bar.fontMetrics().horizontalAdvance(shown) <= _message_room(bar)
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: bar.currentMessage() == text)  # room again: whole again
