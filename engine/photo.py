"""Read and write users' photos. (Read/write functions: to be completed; see tests/engine/test_photo.py.)"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class Photo:
    """A decoded photo, ready for colourising.

    ``pixels`` is ``(H, W)`` for greyscale or ``(H, W, 3)`` RGB, uint8 or uint16 (16-bit
    sources keep 16 bits). ``alpha`` is ``(H, W)`` of the same dtype, or None.
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    source: Path | None = None
    format: str | None = None  # Pillow's format name of the source ("JPEG", "PNG", "TIFF" ...)
    icc_profile: bytes | None = None
    exif: bytes | None = None

    @property
    def bit_depth(self) -> int:
        return 16 if self.pixels.dtype == np.uint16 else 8

    @property
    def is_grey(self) -> bool:
        return self.pixels.ndim == 2

    @property
    def height(self) -> int:
        return self.pixels.shape[0]

    @property
    def width(self) -> int:
        return self.pixels.shape[1]
