"""How far one hint reaches: a single hint that contradicts the model, on val photos, propagated two ways.

    .venv/bin/python bench/hint_reach.py                  # 10 val photos (evenly spread), 3 hints each
    .venv/bin/python bench/hint_reach.py --limit 30

A user's hint usually corrects one object. For each photo the shipped default colours it,
then one hint at a random pixel asks for the opposite hue at chroma 40 there (a 3x3 patch
at the 384 px working size). ``engine.propagation.propagate`` spreads the correction, and
the bench reports its mean size (a/b units) on:

- the hinted object: pixels within 5 % of the long side of the hint and within 8 L* of it;
- nearby other things: 3 to 15 % away and more than 15 L* lighter or darker;
- far other things: more than 30 % away and more than 15 L* lighter or darker.

Then two fixes of two things far apart (at least 40 % of the long side), each asking for a
random hue at chroma 40: the mean correction more than 30 % from both ("two fixes, far").
And, since many hints that agree should still correct a photo's cast, the a/b RMSE gain of
10 and 50 hints sampled from the original (the same correction, no network change).

Three ways are compared in the same run: ``photo-wide`` (the whole correction spread with the
tiny pull, as the propagation did before the split), the split by hint count with the local
share gated by lightness (0.5), and ``as shipped`` (gated by the network's colour too). Prints
a table and writes bench/results/hint-reach.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage.color import rgb2lab

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine import propagation  # noqa: E402
from engine.inference import Colouriser  # noqa: E402
from engine.photo import read_photo  # noqa: E402

from bench.datasets import shared_data  # noqa: E402

RESULTS = REPO / "bench" / "results"
# Each way: the photo-wide share by hint count, and the local share's gate on the network's colour (a/b units; 0: none).
WAYS = {
    "photo-wide": (lambda count: 1.0, 0.0),
    "split by count, lightness gate": (propagation.hint_points.photo_wide_share, 0.0),
    "as shipped": (propagation.hint_points.photo_wide_share, propagation.COLOUR_SPREAD),
}
REGIONS = ("hinted object", "nearby other things", "far other things")


def patches(shape: tuple[int, int], points) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for y, x in points:
        mask[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2] = True
    return mask


def load(colouriser: Colouriser, path: Path):
    """The photo's L at working size, the model's a/b there and the original's a/b there."""
    photo = read_photo(path)
    lightness = colouriser._network_input([photo], None, None, colouriser.working_size)[0][0].numpy()
    ab = colouriser.predict(photo).ab.numpy()
    h, w = lightness.shape
    rgb = photo.pixels if photo.pixels.ndim == 3 else np.stack([photo.pixels] * 3, -1)
    small = np.asarray(Image.fromarray(rgb[..., :3].astype(np.uint8)).resize((w, h), Image.BILINEAR)) / 255
    return lightness, ab, rgb2lab(small)[..., 1:].transpose(2, 0, 1)


def _far_apart_points(rng, h: int, w: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two random pixels away from the border and at least 40 % of the long side apart."""
    while True:
        y1, y2 = rng.integers(h // 8, h - h // 8, 2)
        x1, x2 = rng.integers(w // 8, w - w // 8, 2)
        if np.hypot(y1 - y2, x1 - x2) >= 0.4 * max(h, w):
            return (int(y1), int(x1)), (int(y2), int(x2))


def measure(photos: list, hints_per_photo: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    sizes = {name: [] for name in (*REGIONS, "two fixes, far")}
    gains = {10: [], 50: []}
    for lightness, ab, true_ab in photos:
        h, w = lightness.shape
        rows, cols = np.mgrid[0:h, 0:w]
        for _ in range(hints_per_photo):
            y, x = int(rng.integers(h // 8, h - h // 8)), int(rng.integers(w // 8, w - w // 8))
            opposite = np.arctan2(ab[1, y, x], ab[0, y, x]) + np.pi
            mask = patches((h, w), [(y, x)])
            residual = np.zeros((2, h, w))
            residual[:, mask] = 40 * np.array([np.cos(opposite), np.sin(opposite)])[:, None] - ab[:, mask]
            size = np.hypot(*propagation.propagate(lightness, mask, residual, colours=ab))
            distance = np.hypot(rows - y, cols - x) / max(h, w)
            unlike = np.abs(lightness - lightness[y, x])
            for name, where in zip(REGIONS, ((distance < 0.05) & (unlike < 8), (distance > 0.03) & (distance < 0.15) & (unlike > 15),
                                             (distance > 0.3) & (unlike > 15))):  # fmt: skip
                if where.any():
                    sizes[name].append(float(size[where].mean()))
            # Two fixes of two things far apart, each to a hue of its own: how much of them reaches the rest.
            (y1, x1), (y2, x2) = _far_apart_points(rng, h, w)
            mask = patches((h, w), [(y1, x1), (y2, x2)])
            residual = np.zeros((2, h, w))
            for y, x in ((y1, x1), (y2, x2)):
                hue = rng.uniform(0, 2 * np.pi)
                one = patches((h, w), [(y, x)])
                residual[:, one] = 40 * np.array([np.cos(hue), np.sin(hue)])[:, None] - ab[:, one]
            size = np.hypot(*propagation.propagate(lightness, mask, residual, hints=2, colours=ab))
            far = (np.hypot(rows - y1, cols - x1) / max(h, w) > 0.3) & (np.hypot(rows - y2, cols - x2) / max(h, w) > 0.3)
            if far.any():
                sizes["two fixes, far"].append(float(size[far].mean()))
        for count, gain in gains.items():
            mask = patches((h, w), zip(rng.integers(0, h, count), rng.integers(0, w, count)))
            out = ab + propagation.propagate(lightness, mask, (true_ab - ab) * mask, hints=count, colours=ab)
            gain.append(float(np.sqrt(((true_ab - ab) ** 2).sum(0).mean()) - np.sqrt(((true_ab - out) ** 2).sum(0).mean())))
    return {**{name: float(np.mean(v)) for name, v in sizes.items()}, **{f"gain {k} hints": float(np.mean(v)) for k, v in gains.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", default=str(shared_data() / "val"))
    parser.add_argument("--limit", type=int, default=10, help="photos, evenly spread")
    parser.add_argument("--hints", type=int, default=3, help="single hints tried on each photo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(RESULTS / "hint-reach.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    paths = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    paths = paths[:: max(1, len(paths) // args.limit)][: args.limit]
    colouriser = Colouriser.from_name("default", device="cpu")
    photos = [load(colouriser, p) for p in paths]
    results = {}
    shipped = propagation.hint_points.photo_wide_share, propagation.COLOUR_SPREAD
    try:
        for way, (share, spread) in WAYS.items():
            # (the propagation looks both up on each solve)
            propagation.hint_points.photo_wide_share, propagation.COLOUR_SPREAD = share, spread
            results[way] = measure(photos, args.hints, args.seed)
    finally:
        propagation.hint_points.photo_wide_share, propagation.COLOUR_SPREAD = shipped
    columns = [*REGIONS, "two fixes, far", "gain 10 hints", "gain 50 hints"]
    print("| propagation | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for way, row in results.items():
        print(f"| {way} | " + " | ".join(f"{row[c]:.1f}" for c in columns) + " |")
    print(f"\n{len(photos)} photos of {args.folder}, {args.hints} single hints each (seed {args.seed}); a/b units at working size.")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"photos": [p.name for p in paths], "results": results}, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
