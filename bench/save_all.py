"""How fast Save All (and ``colourise images``) colours and saves 12 MP photos, format by format.

``engine.batch.save_photos`` writes each photo on a thread of its own while the next one is
coloured. The baseline, in the same run: each photo written before the next is coloured, as
before (the same code with its saving thread swapped for one that runs each write at once).
The default model on the CPU, ``--photos`` generated greyscale JPEGs (smooth and photo-like,
``bench/save_freeze.py``'s); runs interleaved, medians of ``--runs``, in seconds a photo.

    python bench/save_all.py              # table on stdout, bench/results/save_all.json
    python bench/save_all.py --runs 5 --photos 6 --megapixels 24
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_results  # noqa: E402
from bench.save_freeze import photo_like  # noqa: E402

from engine import batch  # noqa: E402
from engine.inference import Colouriser  # noqa: E402

FORMATS = ("PNG", "TIFF", "JPEG")


class WriteAtOnce:
    """The baseline's "saving thread": runs each write when it is handed over, before colouring goes on."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed back as the real executor would
            future.set_exception(exc)
        return future


def save_all(colouriser, sources: list[Path], folder: Path, fmt: str, write_behind: bool) -> float:
    """Seconds a photo to colour and save ``sources`` as ``fmt`` into ``folder``."""
    requests = [batch.SaveRequest(batch.PhotoSource.file(s), folder / f"{s.stem}.{fmt.lower()}") for s in sources]
    settings = batch.SaveSettings(format=fmt, existing=batch.Existing.REPLACE)
    kept = batch.ThreadPoolExecutor
    batch.ThreadPoolExecutor = kept if write_behind else WriteAtOnce
    try:
        start = time.perf_counter()
        result = batch.save_photos(requests, colouriser, settings)
        seconds = time.perf_counter() - start
    finally:
        batch.ThreadPoolExecutor = kept
    assert result.succeeded == len(sources), result
    return seconds / len(sources)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="save-all-"))
    sources = []
    for i in range(args.photos):
        grey = photo_like(args.megapixels).mean(axis=2).astype(np.uint8)
        sources.append(folder / f"scan{i}.jpg")
        Image.fromarray(np.roll(grey, i * 97, axis=1)).save(sources[-1], quality=92)
    out = folder / "out"
    colouriser = Colouriser.from_name("default", device="cpu")
    save_all(colouriser, sources[:1], out, "JPEG", True)  # warm up: the model's first pass
    runs: dict[tuple[str, bool], list[float]] = {(fmt, behind): [] for fmt in FORMATS for behind in (False, True)}
    for _ in range(args.runs):
        for fmt, behind in runs:
            runs[(fmt, behind)].append(save_all(colouriser, sources, out, fmt, behind))
    rows = []
    print(f"{args.photos} photos of {args.megapixels:g} MP, the default model on the CPU, medians of {args.runs}, seconds a photo")
    print(f"{'format':<8} {'written, then the next (before)':>32} {'written while the next is coloured (now)':>42}")
    for fmt in FORMATS:
        before, now = statistics.median(runs[(fmt, False)]), statistics.median(runs[(fmt, True)])
        rows.append({"format": fmt, "before_s": before, "now_s": now, "runs_before": runs[(fmt, False)], "runs_now": runs[(fmt, True)]})
        print(f"{fmt:<8} {before:>30.2f} s {now:>40.2f} s")
    shutil.rmtree(folder)
    write_results("save_all", {"photos": args.photos, "megapixels": args.megapixels, "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
