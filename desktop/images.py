"""Between engine photos (numpy) and Qt images, off the GUI thread where they are big.

``QImage`` may be built on any thread (``QPixmap`` may not), so workers turn
photos into ready-to-draw ``DisplayImage``s and the GUI thread only paints them.

Big images are never copied or scaled with Qt calls on a worker: those hold
Python's GIL for their whole duration (170 ms to scale a 12 MP image), which
would freeze the GUI thread just as surely as doing the work there. Instead a
QImage wraps the numpy pixels without copying, and the smaller copies used for
zoomed-out painting are made by Pillow, which releases the GIL while it works.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from engine.photo import Photo, to_8bit

DISPLAY_SIDE = 2048  # the largest downscaled copy of a photo kept for zoomed-out painting
SMALLEST_LEVEL = 512  # no copies smaller than this (long side)


def _display_pixels(pixels: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """uint8/uint16 grey ``(H, W)`` or RGB ``(H, W, 3)`` (+ alpha) -> contiguous uint8 ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``."""
    if pixels.dtype == np.uint16:  # rounded as the saved file is, so preview and file agree
        pixels = to_8bit(pixels)
        alpha = None if alpha is None else to_8bit(alpha)
    elif pixels.dtype != np.uint8:
        pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    if alpha is not None:
        rgb = pixels if pixels.ndim == 3 else np.repeat(pixels[..., None], 3, axis=2)
        pixels = np.dstack((rgb, alpha.astype(np.uint8)))
    return np.ascontiguousarray(pixels)


_FORMATS = {2: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def wrap_array(pixels: np.ndarray) -> QImage:
    """A QImage over a contiguous uint8 ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)`` array, without copying.

    The QImage reads the array's memory: whoever keeps the image keeps the array
    (it is attached to the image object, and ``DisplayImage`` holds it too).
    """
    channels = 2 if pixels.ndim == 2 else pixels.shape[2]
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, pixels.strides[0], _FORMATS[channels])
    image._pixels = pixels  # keep the buffer alive as long as this wrapper
    return image


def array_to_qimage(pixels: np.ndarray, alpha: np.ndarray | None = None) -> QImage:
    """uint8/uint16 grey or RGB pixels (+ optional alpha) -> an 8-bit QImage that owns a copy (for small images)."""
    return wrap_array(_display_pixels(pixels, alpha)).copy()


def photo_to_qimage(photo: Photo) -> QImage:
    """A small photo as a QImage of its own (thumbnails, previews, comparisons)."""
    return array_to_qimage(photo.pixels, photo.alpha)


def qimage_to_photo(image: QImage, name: str = "pasted") -> Photo:
    """A pasted or dropped QImage -> an 8-bit Photo (grey when the image has no colour, RGB otherwise)."""
    has_alpha = image.hasAlphaChannel()
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888 if has_alpha else QImage.Format.Format_RGB888)
    width, height = converted.width(), converted.height()
    row = np.frombuffer(converted.constBits(), dtype=np.uint8, count=converted.sizeInBytes())
    channels = 4 if has_alpha else 3
    pixels = row.reshape(height, converted.bytesPerLine())[:, : width * channels].reshape(height, width, channels).copy()
    alpha = pixels[..., 3].copy() if has_alpha else None
    rgb = pixels[..., :3]
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return Photo(np.ascontiguousarray(rgb[..., 0]), alpha, None, "PNG")
    return Photo(np.ascontiguousarray(rgb), alpha, None, "PNG")


@dataclass
class DisplayImage:
    """A photo ready to paint: ``image`` (any resolution) standing for a photo of ``size`` pixels.

    ``levels`` are downscaled copies, largest first (long side at most
    ``DISPLAY_SIDE``, each half the one before); the view paints from the
    smallest that is still at least as big as the photo appears on screen, so
    painting a 12 MP photo zoomed out costs as little as painting a small one.
    """

    image: QImage
    size: QSize
    levels: list[QImage] = field(default_factory=list)

    @property
    def is_preview(self) -> bool:
        return self.image.width() < self.size.width()

    @property
    def small(self) -> QImage | None:
        return self.levels[0] if self.levels else None

    def source_for(self, scale: float) -> QImage:
        """The image to draw when one photo pixel covers ``scale`` screen pixels."""
        shown_width = scale * self.size.width()
        for level in reversed(self.levels):  # smallest first
            if level.width() >= shown_width * 0.999:
                return level
        return self.image


def make_display(pixels: np.ndarray, alpha: np.ndarray | None = None, size: QSize | None = None) -> DisplayImage:
    """Photo pixels (any bit depth, optional alpha) -> a ``DisplayImage`` with its downscaled levels. Run on a worker."""
    full = _display_pixels(pixels, alpha)
    height, width = full.shape[:2]
    levels: list[QImage] = []
    if max(width, height) > DISPLAY_SIDE:
        current = Image.fromarray(full)
        while max(current.size) > SMALLEST_LEVEL * 2:
            factor = 2
            while max(current.size) / factor > DISPLAY_SIDE:
                factor += 1  # reach the first level in one pass (Pillow's box reduce, GIL released)
            current = current.reduce(factor)
            if max(current.size) <= DISPLAY_SIDE:
                levels.append(wrap_array(np.asarray(current)))
    return DisplayImage(wrap_array(full), QSize(size) if size is not None else QSize(width, height), levels)


def display_photo(photo: Photo, size: QSize | None = None) -> DisplayImage:
    return make_display(photo.pixels, photo.alpha, size)


def thumbnail(image: QImage, side: int = 96) -> QImage:
    return image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
