"""Render resources/icons/colourise.svg to PNGs (16..512 px), a Windows .ico and a macOS .icns.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icons.py

Qt's SVG renderer draws each size from the vector source (sharper small sizes
than downscaling one bitmap); Pillow packs the PNGs into .ico and .icns.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)  # noqa: F841 (Qt needs one for rendering)
    renderer = QSvgRenderer(str(ICONS / "colourise.svg"))
    if not renderer.isValid():
        print("colourise.svg: not a valid SVG", file=sys.stderr)
        return 1
    pngs = {}
    for size in SIZES:
        path = ICONS / f"colourise-{size}.png"
        if not render(renderer, size).save(str(path)):
            print(f"{path.name}: could not be written", file=sys.stderr)
            return 1
        pngs[size] = path
    largest = Image.open(pngs[512]).convert("RGBA")
    # Each .ico size from its own rendering, not a downscale of 256.
    ico_sizes = [s for s in SIZES if s <= 256]
    Image.open(pngs[256]).convert("RGBA").save(
        ICONS / "colourise.ico",
        sizes=[(s, s) for s in ico_sizes],
        append_images=[Image.open(pngs[s]).convert("RGBA") for s in ico_sizes if s != 256],
    )
    largest.save(ICONS / "colourise.icns", append_images=[Image.open(pngs[s]).convert("RGBA") for s in (16, 32, 64, 128, 256)])
    print(f"wrote {len(pngs)} PNGs, colourise.ico and colourise.icns to {ICONS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
