"""Colours that read on a light and on a dark background: kept where they do, else a shade of their hue that does."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor

from desktop.widgets.readable_colour import GRAPHIC_CONTRAST, TEXT_CONTRAST, contrast_ratio, readable_on

WHITE, LIGHT_WINDOW, DARK_BASE, DARK_WINDOW = QColor("#ffffff"), QColor("#efefef"), QColor("#1e1e1e"), QColor("#2d2d2d")


def test_contrast_ratio_is_wcags():
    assert contrast_ratio(QColor("#000000"), WHITE) == pytest.approx(21)
    assert contrast_ratio(QColor("#c0392b"), WHITE) == pytest.approx(5.44, abs=0.01)
    assert contrast_ratio(WHITE, WHITE) == 1


@pytest.mark.parametrize("colour", ["#c0392b", "#4e79a7", "#f28e2b", "#edc948", "#bab0ac"])
@pytest.mark.parametrize("backgrounds", [(WHITE,), (LIGHT_WINDOW,), (DARK_BASE, DARK_WINDOW), (DARK_WINDOW,)])
def test_a_colour_is_a_shade_of_its_hue_that_reads(colour, backgrounds):
    shade = readable_on(QColor(colour), *backgrounds)
    assert all(contrast_ratio(shade, b) >= TEXT_CONTRAST for b in backgrounds)
    assert abs(shade.hslHue() - QColor(colour).hslHue()) <= 3  # the same hue, lighter or darker
    dark = backgrounds[0].lightness() < 128
    assert (shade.lightness() >= QColor(colour).lightness()) if dark else (shade.lightness() <= QColor(colour).lightness())


def test_a_colour_that_reads_is_kept():
    assert readable_on(QColor("#c0392b"), WHITE) == QColor("#c0392b")  # 5.4:1
    assert readable_on(QColor("#4e79a7"), DARK_BASE, ratio=GRAPHIC_CONTRAST) == QColor("#4e79a7")  # 3.7:1, a curve


def test_the_least_change_that_reads():
    shade = readable_on(QColor("#c0392b"), DARK_WINDOW)  # 2.5:1 as it is
    assert contrast_ratio(shade, DARK_WINDOW) < TEXT_CONTRAST + 0.1  # no paler than it must be
