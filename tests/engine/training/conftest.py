"""Training test fixtures: folders of tiny generated colour photos and a fast config."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny tensors train faster on one thread, and far more steadily on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def colour_photo(size: int, seed: int) -> np.ndarray:
    """A smooth, strongly coloured uint8 photo: two colours blended across, shaded down."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    rgb = (c1 * x[..., None] + c2 * (1 - x[..., None])) * (0.5 + 0.5 * y[..., None])
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def write_photos(folder: Path, count: int, size: int = 40, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.fromarray(colour_photo(size, seed + i)).save(folder / f"photo-{i:02d}.png")
    return folder


@pytest.fixture
def photo_folder(tmp_path) -> Path:
    """Eight 40 px colour photos."""
    return write_photos(tmp_path / "photos", 8)


@pytest.fixture
def library(tmp_path, monkeypatch) -> Path:
    """An empty model library (so no test touches the user's)."""
    folder = tmp_path / "library"
    monkeypatch.setenv("COLOURISE_MODEL_DIR", str(folder))
    return folder


@pytest.fixture
def tiny_config(tmp_path, photo_folder, library):
    """A config that trains "alpha" for a few 32 px steps in well under a second."""
    from engine.training import TrainConfig

    def make(**overrides):
        base = dict(
            arch="alpha", data=[str(photo_folder)], image_size=32, batch_size=4, steps=4,
            run_dir=str(tmp_path / "runs"), library_dir=str(library), device="cpu", log_every_steps=1,
            checkpoint_every_minutes=0, preview_count=2,
        )
        return TrainConfig.from_dict({**base, **overrides})

    return make


class Recorder:
    """A TaskState listener that keeps every event and can stop the run at a chosen moment."""

    def __init__(self, stop_when=None):
        from engine.task import TaskState

        self.events: list = []
        self.stop_when = stop_when
        self.state = TaskState(on_event=self)

    def __call__(self, event) -> None:
        self.events.append(event)
        if self.stop_when is not None and self.stop_when(event):
            self.state.request_stop()

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def recorder():
    return Recorder


@pytest.fixture
def make_photos():
    """``make_photos(folder, count, size=40, seed=0) -> folder`` of generated colour PNGs."""
    return write_photos
