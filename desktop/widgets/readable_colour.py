"""Colours of text and lines that read on the background they are drawn on, in a light or a dark palette.

A colour picked on a white page (a run's blue, a failure's red) lost its contrast on a dark
window: 2.3:1 for the red, 3:1 for the blue, below what text needs. ``readable_on`` keeps a
colour where it contrasts enough, else takes the nearest shade of its hue that does: lighter
on a dark background, darker on a light one (WCAG 2 contrast ratios).
"""

from __future__ import annotations

from PySide6.QtGui import QColor

TEXT_CONTRAST = 4.5  # WCAG AA for text
GRAPHIC_CONTRAST = 3.0  # WCAG AA for lines and marks (a curve, its stroke in a legend)
# The luminance at which black and white contrast equally with a background: above it, darker reads better.
EVEN_LUMINANCE = 0.179
SEARCH_STEPS = 20  # halvings of the lightness interval: far finer than 8-bit colour


def relative_luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable_on(colour: QColor, *backgrounds: QColor, ratio: float = TEXT_CONTRAST) -> QColor:
    """``colour`` where it contrasts at least ``ratio``:1 with every background, else the least lighter (on dark
    backgrounds) or darker (on light ones) shade of its hue that does; white or black where none does."""
    colour = QColor(colour)

    def enough(candidate: QColor) -> bool:
        return all(contrast_ratio(candidate, background) >= ratio for background in backgrounds)

    if not backgrounds or enough(colour):
        return colour
    lighter = sum(relative_luminance(b) for b in backgrounds) / len(backgrounds) < EVEN_LUMINANCE
    hue, saturation = max(colour.hslHueF(), 0.0), colour.hslSaturationF()

    def shade(lightness: float) -> QColor:  # in 8-bit channels, as it is drawn and named (#rrggbb)
        return QColor(QColor.fromHslF(hue, saturation, lightness).name())

    near, far = colour.lightnessF(), (1.0 if lighter else 0.0)  # the colour (too faint) and the extreme
    if not enough(shade(far)):
        return shade(far)
    for _ in range(SEARCH_STEPS):  # the shade nearest the colour that reads: lightness moves luminance one way
        middle = (near + far) / 2
        if enough(shade(middle)):
            far = middle
        else:
            near = middle
    return shade(far)
