"""The hint colour panel beside the photo in hint mode."""

from __future__ import annotations


def test_choosing_a_swatch_shows_it_as_the_points_colour(qtbot):
    from desktop.widgets.hint_panel import HintPanel, hex_colour

    panel = HintPanel()
    qtbot.addWidget(panel)
    panel.show_point((200, 190, 195))
    panel.set_suggestions([(150, 200, 230), (60, 140, 60)])
    with qtbot.waitSignal(panel.colour_chosen):
        panel.suggestions.buttons[0].click()
    assert panel.current_label.text() == hex_colour((150, 200, 230))  # the header follows the point's new colour


def test_with_no_point_selected_the_panel_names_the_keys_and_fits_at_its_narrowest(qtbot):
    """It named the mouse only: a keyboard user read nothing of Enter or N."""
    from desktop.widgets.hint_panel import HintPanel

    panel = HintPanel()
    qtbot.addWidget(panel)
    panel.resize(panel.minimumWidth(), 600)
    panel.show()
    qtbot.waitExposed(panel)
    text = panel.help.text()
    assert "Enter" in text and "N selects" in text
    metrics = panel.help.fontMetrics()
    assert max(metrics.horizontalAdvance(word) for word in text.split()) <= panel.help.width()  # it wraps, no word cut off
    no_point = panel.sizeHint().height()
    panel.show_point((200, 190, 195))
    assert no_point <= panel.sizeHint().height()  # no taller than the panel is with a point anyway


def test_the_colour_dialog_goes_over_the_panel_side_unless_the_point_is_there_and_stays_on_screen():
    from PySide6.QtCore import QPoint, QRect, QSize

    from desktop.widgets.hint_panel import place_beside

    screen, panel, size = QRect(0, 0, 1920, 1080), QRect(1500, 100, 220, 700), QSize(530, 410)
    left_point = QRect(400, 300, 48, 48)
    placed = QRect(place_beside(size, left_point, screen, panel), size)
    assert placed.right() == panel.right() and placed.top() == panel.top()  # over the panel's side, the point in sight
    right_point = QRect(1400, 300, 48, 48)  # near the panel: the dialog moves off it
    placed = QRect(place_beside(size, right_point, screen, panel), size)
    assert not placed.intersects(right_point) and screen.contains(placed)
    placed = QRect(place_beside(size, QRect(), QRect(0, 0, 800, 600), QRect(700, 0, 200, 500)), size)  # a window past the edge
    assert QRect(0, 0, 800, 600).contains(placed) and placed.topLeft() == QPoint(270, 0)


def shown_panel(qtbot):
    from desktop.widgets.hint_panel import HintPanel

    from PySide6.QtWidgets import QPushButton, QSplitter

    window = QSplitter()  # beside the photo, as on the page (alone in a window, Tab went the right way)
    qtbot.addWidget(window)
    window.addWidget(QPushButton("photo"))
    panel = HintPanel()
    window.addWidget(panel)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    panel.show_point((200, 190, 195))
    return panel, window


def focus(widget, qtbot):
    from PySide6.QtCore import Qt

    qtbot.waitUntil(widget.isVisible)  # (a swatch made after the panel was shown appears a moment later)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(widget.hasFocus)


def test_tab_goes_through_the_panel_top_to_bottom_and_keeps_to_it_after_the_rows_change(qtbot):
    """Tab went More Colours…, Take From Photo, then the suggestions above them; once the rows were made
    again the recent colours came first."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    panel, _window = shown_panel(qtbot)
    panel.set_suggestions([(150, 200, 230), (60, 140, 60)])
    panel.choose((10, 20, 30))
    panel.choose((40, 50, 60))  # the recent row made again
    panel.set_suggestions([(1, 2, 3), (4, 5, 6), (7, 8, 9)])  # and the suggestions
    top_to_bottom = [*panel.suggestions.buttons, panel.picker_button, panel.pick_button, *panel.recent.buttons]
    focus(top_to_bottom[0], qtbot)
    for expected in top_to_bottom[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is expected


def test_a_recent_colour_chosen_with_space_keeps_the_focus_in_its_row(qtbot):
    """The row was made anew, the focused swatch deleted: the focus went nowhere, and Tab on to the window's tab bar."""
    from PySide6.QtCore import Qt

    from desktop.widgets.hint_panel import hex_colour

    panel, _window = shown_panel(qtbot)
    for rgb in ((10, 20, 30), (40, 50, 60), (70, 80, 90)):
        panel.choose(rgb)
    second = panel.recent.buttons[1]  # (40, 50, 60)
    focus(second, qtbot)
    with qtbot.waitSignal(panel.colour_chosen) as chosen:
        qtbot.keyClick(second, Qt.Key.Key_Space)
    assert chosen.args == [(40, 50, 60)] and panel.recent.colours[0] == (40, 50, 60)  # first among the recent now
    assert panel.recent.buttons[1].hasFocus()  # the focus where it was, on the row's second swatch
    assert panel.recent.buttons[1].toolTip() == hex_colour((70, 80, 90))  # which shows what is second now
    with qtbot.waitSignal(panel.colour_chosen) as chosen:
        qtbot.keyClick(panel.recent.buttons[1], Qt.Key.Key_Space)
    assert chosen.args == [(70, 80, 90)]


def test_enter_and_return_press_the_focused_swatch_or_button_as_space_does(qtbot):
    """Only Space pressed them: Enter on a focused swatch or button did nothing."""
    from PySide6.QtCore import Qt

    panel, _window = shown_panel(qtbot)
    panel.set_suggestions([(150, 200, 230)])
    panel.choose((10, 20, 30))
    asked = []
    panel.ask_colour = lambda start: asked.append(start) or start.__class__()  # (cancelled)
    for grid in (panel.suggestions, panel.recent):
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shown = grid.colours[0]
            focus(grid.buttons[0], qtbot)
            with qtbot.waitSignal(panel.colour_chosen) as chosen:
                qtbot.keyClick(grid.buttons[0], key)
            assert chosen.args == [shown]
    focus(panel.picker_button, qtbot)
    qtbot.keyClick(panel.picker_button, Qt.Key.Key_Return)
    assert len(asked) == 1
    focus(panel.pick_button, qtbot)
    with qtbot.waitSignal(panel.pick_requested):
        qtbot.keyClick(panel.pick_button, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
