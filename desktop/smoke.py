"""``colourise-app --smoke-test``: prove a build starts and colours a photo, then exit.

It builds the real window offscreen with throw-away settings and an empty user
library, picks the default model (or any bundled one; failing that, a lineage
"alpha" model built on the fly), colours a generated 256x192 photo through the
real worker path (queue -> photo lane -> split view at full resolution) and
prints one line. Any failure prints one line to stderr and exits non-zero.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

TIMEOUT_S = 120.0
WIDTH, HEIGHT = 256, 192


def isolate_for_smoke_test() -> Path:
    """Point settings and the user model library at a temporary folder (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="colourise-smoke-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["COLOURISE_SETTINGS_DIR"] = str(folder / "settings")
    os.environ["COLOURISE_MODEL_DIR"] = str(folder / "models")
    return folder


def generated_photo(path: Path) -> Path:
    """A greyscale test photo: gradients and shapes, so colour has something to follow."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    grey = 40 + 150 * x / WIDTH + 40 * np.sin(y / 9.0)
    grey[(x - 170) ** 2 + (y - 80) ** 2 < 40**2] = 230
    Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L").save(path)
    return path


def ensure_model(library) -> str:
    """The model to use: the default, else a bundled one, else an "alpha" saved to the (temporary) user library."""
    from engine.library import DEFAULT_MODEL, user_models_dir

    usable = library.usable()
    for entry in usable:
        if entry.name == DEFAULT_MODEL:
            return entry.name
    for entry in usable:
        if entry.bundled:
            return entry.name
    import torch

    from engine.modelfile import save_model
    from engine.models import create_model

    torch.manual_seed(0)
    save_model(user_models_dir() / "alpha-smoke.safetensors", create_model("alpha"), {"data_summary": "untrained (smoke test)"})
    library.refresh()
    return "alpha-smoke"


def _first(signal, predicate) -> asyncio.Future:
    """A future for the first emission of ``signal`` whose arguments satisfy ``predicate``."""
    future = asyncio.get_running_loop().create_future()

    def handler(*args):
        if not future.done() and predicate(*args):
            future.set_result(args)

    signal.connect(handler)
    return future


async def run_smoke_test(_args) -> int:
    from desktop.main_window import MainWindow

    started = time.perf_counter()
    window = None
    try:
        window = MainWindow()
        window.show()
        window.build_pages()
        name = ensure_model(window.library)
        page = window.colourise_page
        if not page.select_model(name):
            raise RuntimeError(f"model {name} is not in the picker")
        photo = generated_photo(Path(os.environ["COLOURISE_MODEL_DIR"]).parent / "smoke.png")
        shown = _first(page.view_updated, lambda _key, final: final)
        coloured = _first(page.item_finished, lambda _key: True)
        t0 = time.perf_counter()
        page.add_paths([photo])
        await asyncio.wait_for(asyncio.gather(shown, coloured), TIMEOUT_S)
        seconds = time.perf_counter() - t0
        key = coloured.result()[0]
        state = page.queue.state(key).value
        if state != "done":
            raise RuntimeError(f"the photo ended {state}: {page.queue.reason(key)}")
        after = page.view.after
        if after is None or after.is_preview or (after.image.width(), after.image.height()) != (WIDTH, HEIGHT):
            raise RuntimeError("the split view shows no full-size coloured photo")
        print(f"smoke test ok: coloured {WIDTH}x{HEIGHT} photo with model {name} in {seconds:.1f} s "
              f"(window and model ready in {t0 - started:.1f} s)", flush=True)
        return 0
    except asyncio.TimeoutError:
        print(f"smoke test failed: no coloured photo after {TIMEOUT_S:.0f} s", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # noqa: BLE001 - the smoke test reports any failure as one line
        print(f"smoke test failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if window is not None:
            window.close()
            window.shut_down()
