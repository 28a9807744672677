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
