"""Colour hints on ../shared/data/val: how much do 0, 1, 5, 10, 50 and 200 hints help, against a no-network baseline.

    .venv/bin/python bench/hints.py                          # the shipped default model, every val photo
    .venv/bin/python bench/hints.py --model runs/x/x.safetensors --limit 20 --counts 0,10,50

Hints are sampled from each original (seeded: the same photos, points and colours for
every method), each the mean sRGB colour of the 5x5 square around a random pixel, and
given in photo pixels as a user would. Methods, each scored by PSNR and a/b AuC against
the original (engine.metrics, full size):

- nearest hint (the baseline, measured in the same run): every pixel takes the a/b of
  its nearest hint, L from the photo (no hints: grey);
- network alone: the model with the hints as input, without the propagation;
- network + propagation: what users get (``Colouriser.colourise(photo, hints=...)``).

Prints a table, writes bench/results/hints.json and a picture (grey / automatic /
10 hints, points drawn / original) as bench/results/hints-grid.png: it shows val
photos, whose terms forbid redistribution, so it stays out of the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw
from scipy import ndimage

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.hints import hint_ab, sample_hints_from_photo  # noqa: E402
from engine.inference import Colouriser, luminance, recombine  # noqa: E402
from engine.metrics import _as_float_batch, _read_rgb, lab_metrics  # noqa: E402
from engine.photo import Photo  # noqa: E402

from bench.datasets import shared_data  # noqa: E402

SHARED = shared_data()
RESULTS = REPO / "bench" / "results"
SHIPPED = REPO / "resources" / "models" / "default.safetensors"
METHODS = ("nearest hint", "network alone", "network + propagation")
TABLE_START, TABLE_END = "<!-- hints-table:start -->", "<!-- hints-table:end -->"


def nearest_hint_fill(photo: Photo, l_full: torch.Tensor, hints: list) -> np.ndarray:
    """The baseline: each pixel takes the a/b of its nearest hint; L from the photo."""
    h, w = photo.height, photo.width
    ab = torch.zeros(2, h, w)
    if hints:
        seeds = np.full((h, w), -1, np.int64)
        for i, hint in enumerate(hints):  # later hints over earlier, as everywhere
            seeds[int(hint.y), int(hint.x)] = i
        _, (rows, cols) = ndimage.distance_transform_edt(seeds < 0, return_indices=True)
        colours = torch.from_numpy(hint_ab(hints))
        ab = colours[torch.from_numpy(seeds[rows, cols])].permute(2, 0, 1).contiguous()
    return recombine(l_full, ab, 1.0, photo.bit_depth)


def score(rgb: np.ndarray, true: torch.Tensor) -> dict[str, float]:
    m = lab_metrics(_as_float_batch(rgb), true)
    return {"psnr": float(m["psnr"][0]), "auc": float(m["auc"][0])}


def draw_points(rgb: np.ndarray, hints: list) -> np.ndarray:
    im = Image.fromarray(rgb)
    draw = ImageDraw.Draw(im)
    r = max(3, round(max(im.size) / 120))
    for hint in hints:
        box = (hint.x - r, hint.y - r, hint.x + r, hint.y + r)
        draw.rectangle(box, fill=hint.rgb, outline="white", width=max(1, r // 3))
        draw.rectangle((box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1), outline="black")
    return np.asarray(im)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(SHIPPED), help="model file (default: the shipped default)")
    parser.add_argument("--folder", default=str(SHARED / "val"))
    parser.add_argument("--counts", default="0,1,5,10,50,200")
    parser.add_argument("--limit", type=int, default=None, help="only this many photos (evenly spread)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pictures", type=int, default=5, help="photos in the picture grid")
    parser.add_argument("--out", default=str(RESULTS / "hints.json"))
    parser.add_argument("--no-doc", action="store_true", help="leave docs/quality.md alone")
    args = parser.parse_args()
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"bench/hints.py needs {folder} (see ../shared/data/README.md)")
        return 2
    torch.set_num_threads(args.threads)
    counts = [int(c) for c in args.counts.split(",")]
    colouriser = Colouriser.from_name(args.model, device="cpu")
    if not colouriser.takes_hints:
        print(f"note: {Path(args.model).name} takes no hints: 'network' columns are its automatic colours")

    from engine.data import GREY_CHROMA, list_images, mean_chroma, spread_subset

    paths = list_images([folder])
    photos = []
    for path in paths:
        try:
            photo = _read_rgb(path)
        except Exception:
            continue
        if not photo.is_grey and mean_chroma(photo.pixels) >= GREY_CHROMA:
            photos.append((path, photo))
    if args.limit:
        photos = spread_subset(photos, args.limit)
    per_photo, t0 = [], time.perf_counter()
    grid_rows = []
    for index, (path, photo) in enumerate(photos):
        true = _as_float_batch(photo.pixels)
        l_full = luminance(photo)
        row: dict = {"name": path.name}
        for count in counts:
            rng = np.random.default_rng([args.seed, index, count])
            hints = sample_hints_from_photo(photo.pixels, count, rng)
            alone = colouriser.render(photo, colouriser.predict(photo, l_full, hints, propagate=False), 1.0, l_full).pixels
            full = colouriser.render(photo, colouriser.predict(photo, l_full, hints), 1.0, l_full).pixels if hints else alone
            row[str(count)] = {
                "nearest hint": score(nearest_hint_fill(photo, l_full, hints), true),
                "network alone": score(alone, true),
                "network + propagation": score(full, true),
            }
            if index < args.pictures and count in (0, 10) and {0, 10} <= set(counts):
                if count == 0:
                    grid_rows.append([np.asarray(Image.fromarray(photo.pixels).convert("L").convert("RGB")), full])
                else:
                    grid_rows[-1] += [draw_points(full, hints), photo.pixels]
        per_photo.append(row)
        print(f"{index + 1}/{len(photos)} {path.name} ({time.perf_counter() - t0:.0f} s)", flush=True)

    means = {
        str(c): {m: {k: float(np.mean([p[str(c)][m][k] for p in per_photo])) for k in ("psnr", "auc")} for m in METHODS}
        for c in counts
    }
    lines = [
        "| hints | nearest hint (baseline) PSNR | network alone PSNR | network + propagation PSNR | gain over baseline | a/b AuC: baseline / ours |",
        "|---|---|---|---|---|---|",
    ]
    for c in counts:
        m = means[str(c)]
        base, alone, ours = (m[k]["psnr"] for k in METHODS)
        lines.append(
            f"| {c} | {base:.2f} dB | {alone:.2f} dB | **{ours:.2f} dB** | {ours - base:+.2f} dB "
            f"| {m['nearest hint']['auc']:.3f} / {m['network + propagation']['auc']:.3f} |"
        )
    table = "\n".join(lines)
    table += f"\n\n{len(per_photo)} photos of {folder.name}, full size; hints seeded ({args.seed}); model {Path(args.model).name}."
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model, "counts": counts, "means": means, "photos": per_photo}, indent=1))
    doc = REPO / "docs" / "quality.md"
    if not args.no_doc and doc.exists() and TABLE_START in doc.read_text():
        head, rest = doc.read_text().split(TABLE_START, 1)
        doc.write_text(head + TABLE_START + "\n" + table + "\n" + TABLE_END + rest.split(TABLE_END, 1)[1])
    if grid_rows and all(len(r) == 4 for r in grid_rows):
        from bench.quality import grid

        grid(grid_rows, ["grey", "automatic", "10 hints (points drawn)", "original"]).save(RESULTS / "hints-grid.png")
        print(f"picture: {RESULTS / 'hints-grid.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
