"""A new colour strength on a photo with hints: render from its prediction, against a new network pass, in one run.

    .venv/bin/python bench/hint_strength.py                  # 1 and 12 MP, 5 repeats
    .venv/bin/python bench/hint_strength.py --sizes 1 4 12 --repeats 7

The window keeps the last prediction of a hinted photo (its hints, its model) and, on a strength
change, only renders it at the new strength (``Colouriser.render``); until session 36 it ran the
network with the hints again (``Colouriser.predict`` then ``render``), the baseline here. Both with
the shipped default model, on a generated greyscale photo with five hints, the photo's luminance
computed once as the window does. Medians of ``--repeats``; a table and bench/results/hint_strength.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.hints import Hint  # noqa: E402
from engine.inference import Colouriser, luminance  # noqa: E402
from engine.photo import Photo  # noqa: E402

from bench._results import write_results  # noqa: E402


def grey_photo(megapixels: float) -> Photo:
    """A smooth greyscale photo of about ``megapixels`` (3:2), shapes and gradients the network can colour."""
    height = int(round((megapixels * 1e6 / 1.5) ** 0.5))
    width = int(round(height * 1.5))
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = 128 + 60 * np.sin(rows / height * 7) * np.cos(cols / width * 5) + 40 * (cols / width)
    return Photo(pixels=np.clip(pixels, 0, 255).astype(np.uint8))


def five_hints(photo: Photo) -> list[Hint]:
    spots = [(0.2, 0.3, (40, 90, 200)), (0.7, 0.2, (200, 60, 40)), (0.5, 0.5, (60, 160, 70)), (0.3, 0.8, (220, 200, 60)), (0.8, 0.7, (150, 80, 160))]
    return [Hint(x * photo.width, y * photo.height, rgb) for x, y, rgb in spots]


def median_seconds(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 12], help="megapixels")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    colouriser = Colouriser.from_name("default", device="cpu")
    rows = []
    for megapixels in args.sizes:
        photo = grey_photo(megapixels)
        hints = five_hints(photo)
        l_full = luminance(photo)
        prediction = colouriser.predict(photo, l_full, hints)  # (also the warm-up)
        strengths = iter([0.5, 1.5] * args.repeats)
        network = median_seconds(lambda: colouriser.render(photo, colouriser.predict(photo, l_full, hints), next(strengths), l_full), args.repeats)
        render = median_seconds(lambda: colouriser.render(photo, prediction, next(strengths), l_full), args.repeats)
        rows.append({"megapixels": megapixels, "size": f"{photo.width}x{photo.height}", "network_pass_s": network, "render_only_s": render,
                     "speedup": network / render})
    print("| photo | new network pass + render (the way before) | render from the kept prediction (now) | faster |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row['megapixels']:g} MP ({row['size']}) | {row['network_pass_s']:.2f} s | {row['render_only_s']:.2f} s | {row['speedup']:.1f}x |")
    print(f"\nmedians of {args.repeats}; shipped default model, 5 hints, {args.threads} threads, CPU")
    write_results("hint_strength", {"repeats": args.repeats, "threads": args.threads, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
