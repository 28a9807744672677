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
