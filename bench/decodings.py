"""Decodings of one trained colour_unet compared on val and dev, with no training: which decoding
gets the hues right?

    nice -n 10 .venv/bin/python bench/decodings.py                          # the shipped default
    nice -n 10 .venv/bin/python bench/decodings.py --model path.safetensors --dev-limit 100 --grid

The network runs once per photo; every decoding reuses its two heads' outputs
(classification logits and regression a/b at 1/4 of the working size), decodes at
that resolution as the model does, and is recombined onto the photo's full-resolution
L through the real inference path (``engine.inference.recombine``). Decodings:

- ``mean T=...``: the annealed mean over all bins (T = 1 is the plain mean);
- ``regression``: the regression head alone;
- ``blend``: half annealed mean (T 0.38), half regression (the recipe's first setting);
- ``corrected``: the rebalancing bias divided out of the distribution before the mean;
- ``hue-cluster T=...``: the annealed mean within each pixel's most likely hue cluster
  (``ab_bins.decode_hue_cluster``), with its pooling region and window varied.

Prints a table per photo set, writes bench/results/decodings-<model>.json and, with
``--grid``, picture grids bench/results/decodings-<set>.png (not committed: the photos
may not be redistributed). The machine is shared: run it niced, one torch thread.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from engine import colour  # noqa: E402
from engine.data import GREY_CHROMA, list_images, mean_chroma  # noqa: E402
from engine.inference import luminance, recombine, resize_photo, working_shape  # noqa: E402
from engine.metrics import _as_float_batch, grey_of, hue_confusion, lab_metrics, mean_metrics  # noqa: E402
from engine.models import ab_bins  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.photo import Photo, read_photo, to_8bit  # noqa: E402

RESULTS = REPO / "bench" / "results"
COLUMNS = ("psnr", "auc", "colourfulness", "colourfulness_gap", "hue_accuracy", "false_colour", "cast")


def decodings(quick: bool = False) -> dict[str, dict]:
    """Name -> how to decode: {"kind": mean|regression|blend, "T", "hue": bool, "region", "window", "corrected": bool}."""
    out = {
        "mean T=1 (plain mean)": {"kind": "mean", "T": 1.0},
        "mean T=0.38": {"kind": "mean", "T": 0.38},
        "regression head": {"kind": "regression"},
        "blend 0.5 (T=0.38)": {"kind": "blend", "T": 0.38},
        "hue-cluster T=1, region 25": {"kind": "mean", "T": 1.0, "hue": True, "region": 25},
        "hue-cluster T=0.6, region 25": {"kind": "mean", "T": 0.6, "hue": True, "region": 25},
        "hue-cluster + corrected T=1, region 25": {"kind": "mean", "T": 1.0, "hue": True, "corrected": True, "region": 25},
    }
    if quick:
        return out
    out.update(
        {
            "corrected T=1": {"kind": "mean", "T": 1.0, "corrected": True},
            "hue-cluster T=1, region 9": {"kind": "mean", "T": 1.0, "hue": True, "region": 9},
            "hue-cluster T=1, region 49": {"kind": "mean", "T": 1.0, "hue": True, "region": 49},
        }
    )
    return out


@torch.inference_mode()
def heads(model, photo: Photo, working_size: int | None = None):
    """(full-res L, logits at 1/4 working size, regression a/b in Lab units, the working (h, w)).

    ``working_size``: the long side the network sees (default: the model's own)."""
    l_full = luminance(photo)
    h, w = working_shape(photo.height, photo.width, working_size or model.working_size)
    s = model.stride
    ph, pw = -(-h // s) * s, -(-w // s) * s
    small = l_full[None, None]
    if (h, w) != tuple(l_full.shape):
        small = F.interpolate(small, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
    small = F.pad(small, (0, pw - w, 0, ph - h), mode="replicate")
    features = model.features(colour.normalise_l(small))
    logits = model.classify(features).float()
    reg = torch.tanh(model.regress(features)).float() * colour.AB_SCALE
    return l_full, logits, reg, (h, w, ph, pw)


def decode(model, logits, reg, shape, how: dict) -> torch.Tensor:
    """a/b (2, h, w) in Lab units at the working size, as ``model.forward`` would give it."""
    if how["kind"] == "regression":
        ab = reg
    else:
        if how.get("corrected"):
            logits = ab_bins.rebalancing_correction(logits, model.ab_prior, model.ab_smoothing, model.rebalance_gamma, model.rebalance)
        if how.get("hue"):
            ab = ab_bins.decode_hue_cluster(
                logits, model.ab_centres, how["T"], how.get("window", ab_bins.HUE_WINDOW), how.get("region", ab_bins.HUE_REGION),
                how.get("neutral", model.hue_neutral),
            )
        else:
            ab = ab_bins.decode(logits, model.ab_centres, how["T"])
        if how["kind"] == "blend":
            ab = 0.5 * ab + 0.5 * reg
    h, w, ph, pw = shape
    return F.interpolate(ab, size=(ph, pw), mode="bilinear", align_corners=False)[0, :, :h, :w]


def photo_sets(dev_limit: int | None, val_limit: int | None = None) -> dict[str, list[Path]]:
    data = shared_data()
    val = list_images([data / "val"])[:val_limit] if val_limit else list_images([data / "val"])
    dev = list_images([dev_list()])
    if dev_limit:
        dev = dev[:: max(1, len(dev) // dev_limit)][:dev_limit]  # spread over every folder of train-extra
    return {"val": val, "dev": dev}


def load_photo(path: Path, size: int | None) -> Photo | None:
    photo = read_photo(path)
    if photo.bit_depth == 16:
        photo = Photo(to_8bit(photo.pixels), None, photo.source, photo.format)
    if photo.is_grey or mean_chroma(photo.pixels) < GREY_CHROMA:
        return None
    return resize_photo(photo, size) if size else photo


def score_decodings(model_path: Path, size: int | None = None, dev_limit: int | None = None, quick: bool = False,
                    grid_names: list[str] | None = None, val_limit: int | None = None, names: list[str] | None = None) -> dict:
    """{set: {"count", "grey": means, decoding name: means (+ "hue_confusion")}} for one model file.

    ``names``: only these decodings (of ``decodings()``)."""
    model, _ = load_model(model_path)
    model.eval()
    chosen = decodings(quick)
    if names:
        chosen = {n: how for n, how in decodings().items() if n in names}
    out = {}
    for set_name, paths in photo_sets(dev_limit, val_limit).items():
        per = {name: [] for name in chosen}
        confusion = {name: torch.zeros(6, 7, dtype=torch.long) for name in chosen}
        grey, rows = [], []
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            photo = load_photo(path, size)
            if photo is None:
                continue
            truth = _as_float_batch(photo.pixels)
            grey.append({k: float(v[0]) for k, v in lab_metrics(grey_of(truth), truth).items()})
            l_full, logits, reg, shape = heads(model, photo)
            row = []
            for name, how in chosen.items():
                rgb = recombine(l_full, decode(model, logits, reg, shape, how), 1.0, 8)
                pred = _as_float_batch(rgb)
                per[name].append({k: float(v[0]) for k, v in lab_metrics(pred, truth).items()})
                confusion[name] += hue_confusion(pred, truth, with_no_hue=True)[0]
                if grid_names and name in grid_names:
                    row.append(rgb)
            if grid_names and i < 400:
                rows.append((path.name, photo.pixels, row))
            if i % 25 == 0:
                print(f"  {set_name}: {i}/{len(paths)} ({time.perf_counter() - t0:.0f} s)", flush=True)
        out[set_name] = {"count": len(grey), "grey": mean_metrics(grey)}
        for name in chosen:
            out[set_name][name] = mean_metrics(per[name])
            out[set_name][name]["hue_confusion"] = confusion[name].tolist()
            out[set_name][name]["per_photo_hue_accuracy"] = [p["hue_accuracy"] for p in per[name]]
        if grid_names:
            out[set_name]["_rows"] = rows
    return out


def table(scores: dict, set_name: str) -> str:
    from engine.metrics import format_metric

    s = scores[set_name]
    lines = [f"| decoding ({set_name}, {s['count']} photos) | PSNR | a/b AuC | colourfulness | colourfulness gap | hue accuracy | false colour | cast |",
             "|---|---|---|---|---|---|---|---|"]
    original = next(v for k, v in s.items() if isinstance(v, dict) and "colourfulness_original" in v)["colourfulness_original"]
    for name, m in s.items():
        if not isinstance(m, dict) or name.startswith("_"):
            continue
        cells = []
        for k in COLUMNS:
            text = format_metric(k, m.get(k, float("nan")))
            if k == "colourfulness":
                text += f" ({100 * m[k] / original:.0f} %)"
            cells.append(text)
        lines.append(f"| {'grey baseline' if name == 'grey' else name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def save_grid(rows, names: list[str], path: Path, per_page: int = 12) -> None:
    from bench.quality import grid

    pictures = [[original] + outs + [original] for _, original, outs in rows][:per_page]
    greys = []
    for pic in pictures:
        l = luminance(Photo(pic[0])).numpy()
        greys.append(np.clip(np.round(l / 100 * 255), 0, 255).astype(np.uint8))
    grid([[g] + pic[1:] for g, pic in zip(greys, pictures)], ["grey"] + names + ["original"], cell=180).save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "resources" / "models" / "default.safetensors"))
    parser.add_argument("--size", type=int, default=None, help="shrink photos to this long side first")
    parser.add_argument("--dev-limit", type=int, default=None, help="score this many dev photos (spread evenly)")
    parser.add_argument("--val-limit", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="only the main decodings")
    parser.add_argument("--grid", default="", help="decodings to draw into picture grids, separated by ;")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    grid_names = [n.strip() for n in args.grid.split(";") if n.strip()]
    scores = score_decodings(Path(args.model), args.size, args.dev_limit, args.quick, grid_names, args.val_limit)
    stem = Path(args.model).stem
    for set_name in scores:
        print(table(scores, set_name) + "\n")
        if grid_names:
            rows = scores[set_name].pop("_rows")
            for page in range(0, len(rows), 12):
                save_grid(rows[page:page + 12], grid_names, RESULTS / f"decodings-{stem}-{set_name}-{page // 12}.png")
    (RESULTS / f"decodings-{stem}.json").write_text(json.dumps(scores, indent=1))
    print(f"wrote {RESULTS / f'decodings-{stem}.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
