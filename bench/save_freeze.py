"""How long saving a 12 MP photo takes, and how long it freezes the window, format by format.

The window saves on a worker thread; while a worker holds the GIL the UI thread cannot run
Python, so its timers and slots wait. Each save runs on a worker as the window runs it
(``engine.photo.write_photo``) while the main thread ticks every 5 ms; the longest gap between
ticks is the freeze. Formats: JPEG, PNG, TIFF (8 and 16 bits). The baselines, in the same run:
the TIFF as it was written before, by Pillow's libtiff encoder (``compression="tiff_adobe_deflate"``),
which holds the GIL for the whole file, and the PNGs at zlib level 6, as they were written before
``engine.photo.PNG_COMPRESS_LEVEL``. The photo is smooth and photo-like (a bicubic
enlargement of random colours with a little noise), so compression does real work.
Runs are interleaved; medians of ``--runs``.

Its noise is harder on zlib than real photos are, so a second table weighs the PNG level on real
photos: those that ship inside scikit-image, or a folder of your own (``--folder``), each at its
own size, the total size and time at each level against level 6.

    python bench/save_freeze.py              # tables on stdout, bench/results/save_freeze.json
    python bench/save_freeze.py --runs 5 --megapixels 24 --folder ../shared/data/val
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._results import write_results  # noqa: E402

import engine.photo  # noqa: E402
from engine.photo import Photo, read_photo, write_photo  # noqa: E402

TICK_S = 0.005
PNG_LEVELS = (1, 3, 6)


def photo_like(megapixels: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    height = int(round((megapixels * 1e6 * 3 / 4) ** 0.5))
    width = int(round(height * 4 / 3))
    coarse = rng.integers(0, 256, (max(2, height // 60), max(2, width // 60), 3), dtype=np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)).astype(np.int16)
    return np.clip(smooth + rng.integers(-3, 4, smooth.shape), 0, 255).astype(np.uint8)


def with_ticks(save) -> tuple[float, float]:
    """(seconds the save took, longest gap in ms between the main thread's 5 ms ticks meanwhile)."""
    done = threading.Event()
    took = {}

    def work():
        start = time.perf_counter()
        save()
        took["s"] = time.perf_counter() - start
        done.set()

    ticks = [time.perf_counter()]
    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        time.sleep(TICK_S)
        ticks.append(time.perf_counter())
    worker.join()
    return took["s"], float(np.diff(ticks).max() * 1000)


def at_png_level(level: int, save):
    """``save`` with ``engine.photo`` writing PNGs at zlib ``level`` (the baselines: level 6)."""

    def saving(path: Path) -> None:
        kept = engine.photo.PNG_COMPRESS_LEVEL
        engine.photo.PNG_COMPRESS_LEVEL = level
        try:
            save(path)
        finally:
            engine.photo.PNG_COMPRESS_LEVEL = kept

    return saving


def real_photos(folder: str | None) -> list[Photo]:
    if folder:
        paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in engine.photo.PHOTO_SUFFIXES)
        return [read_photo(p) for p in paths]
    from skimage import data

    return [Photo(getattr(data, name)()) for name in ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry")]


def png_levels_on(photos: list[Photo], folder: Path) -> list[dict]:
    """Total bytes and seconds of writing every photo as PNG at each level, interleaved per photo."""
    totals = {level: {"level": level, "bytes": 0, "seconds": 0.0} for level in PNG_LEVELS}
    for photo in photos:
        for level in PNG_LEVELS:
            start = time.perf_counter()
            at_png_level(level, lambda path: write_photo(photo, path))(folder / "level.png")
            totals[level]["seconds"] += time.perf_counter() - start
            totals[level]["bytes"] += (folder / "level.png").stat().st_size
    return list(totals.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--folder", help="real photos for the PNG level table (default: scikit-image's)")
    args = parser.parse_args()
    pixels = photo_like(args.megapixels)
    photo8, photo16 = Photo(pixels), Photo(pixels.astype(np.uint16) * 257)
    folder = Path(tempfile.mkdtemp(prefix="save-freeze-"))
    def before(path: Path) -> None:  # the baseline: the TIFF as Pillow's libtiff encoder wrote it
        Image.fromarray(pixels).save(path, compression="tiff_adobe_deflate")

    cases = {  # name: (file, how it is saved)
        "JPEG": ("p.jpg", lambda path: write_photo(photo8, path)),
        "PNG, zlib 6 (before)": ("before.png", at_png_level(6, lambda path: write_photo(photo8, path))),
        "PNG (now)": ("p.png", lambda path: write_photo(photo8, path)),
        "PNG 16-bit, zlib 6 (before)": ("before16.png", at_png_level(6, lambda path: write_photo(photo16, path))),
        "PNG 16-bit (now)": ("p16.png", lambda path: write_photo(photo16, path)),
        "TIFF, Pillow libtiff (before)": ("before.tif", before),
        "TIFF (now)": ("p.tif", lambda path: write_photo(photo8, path)),
        "TIFF 16-bit": ("p16.tif", lambda path: write_photo(photo16, path)),
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (file, save) in cases.items():
            runs[name].append(with_ticks(lambda: save(folder / file)))
    rows = []
    print(f"{pixels.shape[1]} x {pixels.shape[0]} px, medians of {args.runs}")
    print(f"{'format':<31} {'save':>8} {'longest freeze':>15} {'file':>9}")
    for name, results in runs.items():
        seconds = statistics.median(r[0] for r in results)
        freeze = statistics.median(r[1] for r in results)
        size = (folder / cases[name][0]).stat().st_size
        rows.append({"format": name, "save_s": seconds, "freeze_ms": freeze, "bytes": size, "runs": results})
        print(f"{name:<31} {seconds:>6.2f} s {freeze:>12.0f} ms {size / 1e6:>6.1f} MB")
    photos = real_photos(args.folder)
    levels = png_levels_on(photos, folder)
    six = levels[-1]
    print(f"\nPNG on {len(photos)} real photos ({args.folder or 'scikit-image'}), against zlib level 6")
    print(f"{'level':<8} {'size':>8} {'time':>8}")
    for row in levels:
        row["size_of_level_6"], row["time_of_level_6"] = row["bytes"] / six["bytes"], row["seconds"] / six["seconds"]
        print(f"{row['level']:<8} {row['size_of_level_6']:>7.1%} {row['time_of_level_6']:>7.0%}")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()
    write_results("save_freeze", {"megapixels": args.megapixels, "rows": rows, "png_levels": {"photos": args.folder or "scikit-image", "count": len(photos), "levels": levels}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
