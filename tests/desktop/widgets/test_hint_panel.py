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
