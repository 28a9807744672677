"""Render the window's three areas with real content to docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py

- ``train.png``: a live training run (loss curves, previews, metrics), caught
  part-way; it trains a small lineage model on crops of licence-clean photos
  from scikit-image (never the shared research photos), then lets it finish.
- ``colourise.png``: the greyscale sample photos, one shown before/after with the
  default model (or, in a copy without one, the model just trained).
- ``models.png``: the library, with a comparison of the models on one photo.

Settings and the user model library are temporary; nothing of the user's is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
SIZE = (1280, 820)
# skimage.data colour photos (public domain or CC0, inside the wheel): the tiny training set.
TRAINING_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "retina", "stereo_motorcycle", "hubble_deep_field")


def make_dataset(folder: Path) -> tuple[Path, Path]:
    """Crops of scikit-image's colour photos: a training folder and a validation folder."""
    import numpy as np
    import skimage.data
    from PIL import Image

    train, val = folder / "train", folder / "val"
    train.mkdir(parents=True)
    val.mkdir(parents=True)
    for name in TRAINING_PHOTOS:
        photo = getattr(skimage.data, name)()
        rgb = np.asarray(photo[0] if isinstance(photo, tuple) else photo)[..., :3]  # stereo_motorcycle: (left, right, disparity)
        h, w = rgb.shape[:2]
        crops = [rgb[: h // 2, : w // 2], rgb[: h // 2, w // 2 :], rgb[h // 2 :, : w // 2], rgb[h // 2 :, w // 2 :], rgb[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]]
        for i, crop in enumerate(crops):
            target = val if i == 4 else train
            Image.fromarray(np.ascontiguousarray(crop)).save(target / f"{name}-{i}.png")
    return train, val


def spin(ms: int) -> None:
    """Let the event loop run for ``ms`` (a script, not a test: waiting on time is fine here)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: gave up waiting for {what}")
        spin(50)


def save(widget, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    if not widget.grab().save(str(path)):
        raise SystemExit(f"screenshots: could not write {path}")
    print(f"wrote {path.relative_to(REPO)}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="model3", help="architecture of the demo training run")
    parser.add_argument("--epochs", type=int, default=24)
    args = parser.parse_args()

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="colourise-shots-"))
    os.environ["COLOURISE_MODEL_DIR"] = str(work / "models")
    os.environ["COLOURISE_SETTINGS_DIR"] = str(work / "settings")
    sys.path.insert(0, str(REPO))
    try:
        return take_screenshots(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def take_screenshots(work: Path, args) -> int:
    import torch  # noqa: F401  (before Qt, as in the app)
    from PySide6.QtWidgets import QApplication

    from desktop import settings
    from desktop.main_window import MainWindow, app_icon
    from desktop.qt_messages import install_message_filter

    settings.configure()
    install_message_filter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setWindowIcon(app_icon())
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    window.build_pages()

    # -- Train: a live run ----------------------------------------------------------------
    train_dir, val_dir = make_dataset(work / "photos")
    page = window.train_page
    window.show_tab("Train")
    page.data_picker.edit.setText(str(train_dir))
    page.val_picker.edit.setText(str(val_dir))
    page.scan("data")
    page.scan("val")
    ended = []
    page.training_ended.connect(ended.append)

    def train(arch: str, name: str, epochs: int, screenshot_at: float | None = None) -> None:
        ended.clear()
        page.arch_box.setCurrentIndex(page.arch_box.findData(arch))
        page.name_edit.setText(name)
        page.field("epochs").set_value(epochs)
        page.field("batch_size").set_value(8)
        page.field("image_size").set_value(64)
        page.field("lr").set_value(0.002)
        if not page.start():
            raise SystemExit(f"screenshots: training did not start: {page.state_label.text()}")
        if screenshot_at is not None:
            wait_for(lambda: page.plot.val.count >= max(3, int(epochs * screenshot_at)) or ended, 1800, "the training to get going")
            spin(400)  # one more plot redraw
            page.plot.flush()
            save(window, "train.png")
        wait_for(lambda: ended, 1800, "the training to finish")
        print(f"training {name} ended: {type(ended[0]).__name__}")

    train("alpha", "lineage-alpha", 8)  # a second, smaller model for the comparison
    train(args.arch, "lineage-demo", args.epochs, screenshot_at=0.6)

    # -- Colourise: the samples with the best model available -----------------------------
    colourise = window.colourise_page
    window.show_tab("Colourise")
    model = window.library.default_name() if window.library.find("default") else "lineage-demo"
    colourise.select_model(model)
    samples = sorted((REPO / "resources" / "samples").glob("*.jpg"))
    colourise.add_paths(samples)
    wait_for(lambda: len(colourise.queue.keys()) == len(samples) and not colourise.is_busy(), 600, "the samples to be coloured")
    shown = []
    colourise.view_updated.connect(lambda key, final: final and shown.append(key))
    first = colourise.queue.keys()[0]
    colourise.queue.select(colourise.queue.keys()[1])
    colourise.queue.select(first)
    wait_for(lambda: first in shown, 600, "the photo to be shown")
    colourise.view.set_split(0.42)
    spin(200)
    save(window, "colourise.png")

    # -- Models: the library and a comparison ---------------------------------------------
    models = window.models_page
    window.show_tab("Models")
    names = [e.name for e in window.library.usable()]
    models.set_checked(names)
    done = []
    models.compared.connect(done.append)
    models.compare(colourise.items[colourise.queue.keys()[1]].source, names)
    wait_for(lambda: done, 600, "the comparison")
    models.select(names[0])
    spin(200)
    save(window, "models.png")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
