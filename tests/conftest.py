"""Shared test setup: offscreen Qt, the shared photo folder, and small generated photos."""

from __future__ import annotations

import os

# Before anything imports Qt: tests never open windows on a real display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``<repo>/../shared/data`` (real photos, never copied into the repo), or skip."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real photos not available: {SHARED_DATA} is absent")
    return SHARED_DATA


def gradient_rgb(height: int = 24, width: int = 32, seed: int = 0) -> np.ndarray:
    """A small colourful uint8 RGB photo: smooth gradients plus a little noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack(
        (255 * x / max(width - 1, 1), 255 * y / max(height - 1, 1), 255 * (1 - x / max(width - 1, 1))), axis=-1
    )
    rgb += rng.normal(0, 8, rgb.shape)
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def gradient_grey(height: int = 24, width: int = 32, seed: int = 0, bits: int = 8) -> np.ndarray:
    """A small greyscale photo, uint8 or uint16 (every value distinct enough to spot a swap)."""
    rng = np.random.default_rng(seed)
    top = 2**bits - 1
    y, x = np.mgrid[0:height, 0:width]
    grey = top * (0.6 * x / max(width - 1, 1) + 0.4 * y / max(height - 1, 1)) + rng.normal(0, top / 40, (height, width))
    return np.clip(grey + 0.5, 0, top).astype(np.uint16 if bits == 16 else np.uint8)


class PhotoFactory:
    """Generated photos of any size, as fixtures hand them out (tests cannot import conftest)."""

    rgb = staticmethod(gradient_rgb)
    grey = staticmethod(gradient_grey)


@pytest.fixture(scope="session")
def make_photo() -> PhotoFactory:
    """``make_photo.rgb(h, w, seed)`` / ``make_photo.grey(h, w, seed, bits)`` -> numpy arrays."""
    return PhotoFactory()


@pytest.fixture
def rgb_image() -> np.ndarray:
    return gradient_rgb()


@pytest.fixture
def grey_image() -> np.ndarray:
    return gradient_grey()


@pytest.fixture
def grey16_image() -> np.ndarray:
    return gradient_grey(bits=16)


def _past_pipes(call, *pipes, why: str = "opened a named pipe"):
    """``call()``'s result, run on a thread; the test fails, instead of hanging, where ``call`` opens one of the
    named ``pipes``: opening one for reading waits for a writer forever, so after 60 s (not a timing: the broken
    call never returns) each is opened for writing to let it go."""
    import threading

    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # (raised again on the test's thread)
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=60)
    hung = worker.is_alive()
    while worker.is_alive():  # broken: let the blocked open (and any after it) go, so the test ends
        for pipe in pipes:
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader on it (yet)
                pass
        worker.join(timeout=0.1)
    assert not hung, why
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def past_pipes():
    """``past_pipes(call, *pipes, why=...) -> call()``: fails, instead of hanging, where ``call`` opens one of the
    named ``pipes`` (named pipes tests make)."""
    return _past_pipes


@pytest.fixture
def write_image(tmp_path):
    """``write_image(name, array_or_PIL_image, **save_options) -> Path`` under tmp_path, with Pillow."""
    from PIL import Image

    def write(name: str, image, **options) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        im = image if isinstance(image, Image.Image) else Image.fromarray(image)
        im.save(path, **options)
        return path

    return write
