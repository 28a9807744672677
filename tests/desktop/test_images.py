"""Between engine photos and Qt images: 16-bit rounds as the saved file does, alpha and grey survive, levels."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from desktop.images import DISPLAY_SIDE, display_photo, photo_to_qimage, qimage_to_photo
from engine.photo import Photo, to_8bit


def test_sixteen_bit_photos_show_as_they_are_saved():
    values = np.array([[0, 128, 129, 32896, 65407, 65535]], np.uint16)
    image = photo_to_qimage(Photo(values))
    shown = [QColor(image.pixel(x, 0)).red() for x in range(values.shape[1])]
    assert shown == to_8bit(values)[0].tolist()  # rounded, not shifted (129 -> 1, 65407 -> 255)


def test_rgb_with_alpha_and_grey_round_trip_through_qimage():
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[..., 0] = 200
    alpha = np.full((4, 5), 128, np.uint8)
    image = photo_to_qimage(Photo(rgb, alpha))
    assert image.hasAlphaChannel() and QColor(image.pixelColor(1, 1)).alpha() == 128
    back = qimage_to_photo(image)
    assert back.pixels.shape == (4, 5, 3) and back.alpha is not None and int(back.pixels[0, 0, 0]) == 200
    grey = qimage_to_photo(photo_to_qimage(Photo(np.full((3, 3), 77, np.uint8))))
    assert grey.is_grey and int(grey.pixels[1, 1]) == 77


def test_a_big_photo_gets_smaller_levels_for_zoomed_out_painting():
    big = Photo(np.zeros((3000, 4000), np.uint8))
    display = display_photo(big)
    assert display.size.width() == 4000 and not display.is_preview
    assert display.levels and max(display.levels[0].width(), display.levels[0].height()) <= DISPLAY_SIDE
    assert display.source_for(0.1).width() < 4000  # zoomed out: a small level
    assert display.source_for(1.0) is display.image  # at 100 %: the full photo
    assert isinstance(display.small, QImage)
