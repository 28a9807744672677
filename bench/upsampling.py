"""Would an edge-aware upsampling of the network's colours help? Bilinear (shipped) against a fast guided filter.

    .venv/bin/python bench/upsampling.py                 # all of val and dev, about 90 seconds
    .venv/bin/python bench/upsampling.py --limit 30 --working-size 128   # as a 1,500 px scan is seen

The network's a/b comes out at a quarter of its working size and ``engine.inference.recombine``
upsamples it bilinearly onto the photo's full-resolution L. The guided variant (He and Sun,
"Fast Guided Filter", 2015) fits each window's a/b as a linear function of L at working size and
applies the fit's coefficients, upsampled, to the full-size L, so colour edges follow the photo's
own edges. Both recombine the same prediction through the real path (gamut fit, encoding). Prints a
table and writes bench/results/upsampling.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.inference import Colouriser, luminance, recombine  # noqa: E402
from engine.metrics import _as_float_batch, _read_rgb, lab_metrics, mean_metrics  # noqa: E402

RESULTS = REPO / "bench" / "results"
COLUMNS = ("psnr", "auc", "colourfulness", "colourfulness_gap", "hue_accuracy", "false_colour")
GUIDED = ((2, 25.0), (4, 25.0), (8, 25.0))  # (radius in working-size pixels, eps in L units squared)


def _box(x: torch.Tensor, radius: int) -> torch.Tensor:
    return F.avg_pool2d(x, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False)


def guided_ab(l_full: torch.Tensor, ab_small: torch.Tensor, radius: int, eps: float) -> torch.Tensor:
    """Full-size a/b ``(2, H, W)``: the guided filter's coefficients at working size, applied to the full L."""
    h, w = ab_small.shape[1:]
    guide = F.interpolate(l_full[None, None], size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    ab = ab_small[None].float()
    mean_l, mean_ab = _box(guide, radius), _box(ab, radius)
    slope = (_box(guide * ab, radius) - mean_l * mean_ab) / (_box(guide * guide, radius) - mean_l * mean_l + eps)
    offset = mean_ab - slope * mean_l
    size = tuple(l_full.shape)
    up = lambda x: F.interpolate(_box(x, radius), size=size, mode="bilinear", align_corners=False)[0]  # noqa: E731
    return up(slope) * l_full[None] + up(offset)


def score(paths: list[Path], colouriser: Colouriser) -> dict[str, dict[str, float]]:
    per_variant: dict[str, list] = {}
    for path in paths:
        photo = _read_rgb(path)
        true = _as_float_batch(photo.pixels)
        l_full = luminance(photo)
        ab = colouriser.predict(photo, l_full).ab
        variants = {"bilinear (shipped)": ab}
        variants.update({f"guided r{r} eps{eps:g}": guided_ab(l_full, ab, r, eps) for r, eps in GUIDED})
        for name, colours in variants.items():
            rgb = recombine(l_full, colours, 1.0, photo.bit_depth)  # a full-size a/b passes through unchanged
            per_variant.setdefault(name, []).append({k: float(v[0]) for k, v in lab_metrics(_as_float_batch(rgb), true).items()})
    return {name: mean_metrics(rows) for name, rows in per_variant.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--working-size", type=int, default=None, help="default: the model's own")
    parser.add_argument("--limit", type=int, default=None, help="the first N photos of each set")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    colouriser = Colouriser.from_name(args.model, device="cpu", working_size=args.working_size)
    sets = {"val": list_images([shared_data() / "val"]), "dev": list_images([dev_list()])}
    results = {name: score(paths[: args.limit], colouriser) for name, paths in sets.items()}
    print(f"model {args.model}, working size {colouriser.working_size}")
    print("| set | upsampling | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for set_name, variants in results.items():
        for name, means in variants.items():
            print(f"| {set_name} | {name} | " + " | ".join(f"{means[c]:.4f}" for c in COLUMNS) + " |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "upsampling.json"
    out.write_text(json.dumps({"model": args.model, "working_size": colouriser.working_size, "limit": args.limit, "results": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
