"""Pick the default model's decoding (mean or hue-cluster, annealed-mean temperature, classification /
regression blend) by measurement, then write the shipped model file.

    .venv/bin/python scripts/tune_default.py --model runs/default-trained-.../default-trained.safetensors --dry-run
    .venv/bin/python scripts/tune_default.py --model ... --out resources/models/default.safetensors

The network runs once per tuning photo; every candidate decoding reuses its two heads'
outputs (bench/decodings.py: decoded at the model's own 1/4 resolution, recombined onto
the full-resolution L as the app does). Tuning photos: ../shared/data/val by default
(photos the model never trained on; the shipped 0.1 tuner used training photos, on which
the network is over-confident, and chose the plain mean). The dev split stays out of
tuning so that its figures remain an unbiased check.

Besides the decoding, ``--working-sizes`` tries other sizes the network sees the photo at
(one network pass per size and photo); with ``--dry-run``, ``--gains`` also scores chroma
gains (the a/b scaled before the gamut fit, as the window's strength slider does): a study
of how much colour a blunt gain buys, not a setting a model file stores.

The rule, from the issue's bars: among decodings that beat the grey baseline by at least
``--min-psnr`` dB PSNR and ``--min-auc`` a/b AuC, those meeting the most of the two colour
bars (``--target`` of the originals' colourfulness; a mean per-photo colourfulness gap of
at most ``--max-gap``), and among those the highest hue accuracy; when none meets a colour
bar, the most colourful of those that beat grey; when none beat grey, the best PSNR.
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import product
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import shared_data  # noqa: E402
from bench.decodings import decode, heads, load_photo  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.inference import Colouriser, recombine  # noqa: E402
from engine.metrics import _as_float_batch, evaluate_model, grey_of, lab_metrics, mean_metrics  # noqa: E402
from engine.modelfile import earlier_stage_keys, load_model, read_info, save_model  # noqa: E402
from engine.models import ab_bins  # noqa: E402

SHARED = shared_data()
TEMPERATURES = (0.38, 0.6, 1.0)
CLASS_WEIGHTS = (0.0, 0.5, 1.0)
MODES = ("mean", "hue_cluster")
NEUTRAL = ab_bins.NEUTRAL_RADIUS  # the hue-cluster decoding's grey radius


def candidates(working_sizes=(None,), gains=(1.0,), class_weights=CLASS_WEIGHTS, temperatures=TEMPERATURES, neutrals=(NEUTRAL,)):
    for size, gain, mode, neutral, temperature, class_weight in product(working_sizes, gains, MODES, neutrals, temperatures, class_weights):
        if mode == "mean" and neutral != neutrals[0]:
            continue  # the grey radius acts on the hue-cluster decoding only
        if class_weight == 0 and (temperature != temperatures[-1] or mode != MODES[0]):
            continue  # the regression head alone: temperature and mode do not act on it
        yield {"decode_mode": mode, "decode_temperature": temperature, "class_weight": class_weight,
               "hue_neutral": neutral, "working_size": size, "chroma_gain": gain}


def _numbers(text: str) -> list[float]:
    """"1,1.2" -> [1.0, 1.2]."""
    return [float(v) for v in text.split(",") if v.strip()]


def decode_candidate(model, logits, reg, shape, c: dict) -> torch.Tensor:
    how = {"kind": "mean", "T": c["decode_temperature"], "hue": c["decode_mode"] == "hue_cluster", "neutral": c["hue_neutral"]}
    if c["class_weight"] == 0:
        return decode(model, logits, reg, shape, {"kind": "regression"})
    ab = decode(model, logits, reg, shape, how)
    if c["class_weight"] < 1:
        ab = c["class_weight"] * ab + (1 - c["class_weight"]) * decode(model, logits, reg, shape, {"kind": "regression"})
    return ab


def choose(results: list[dict], grey: dict, min_psnr: float, min_auc: float, target: float, max_gap: float = 14.0) -> dict:
    beat = [r for r in results if r["psnr"] >= grey["psnr"] + min_psnr and r["auc"] >= grey["auc"] + min_auc]

    def colour_bars(r: dict) -> int:
        return int(r["colourfulness_share"] >= target) + int(r["colourfulness_gap"] <= max_gap)

    vivid = [r for r in beat if colour_bars(r) > 0]
    if vivid:
        most = max(map(colour_bars, vivid))
        return max((r for r in vivid if colour_bars(r) == most), key=lambda r: r["hue_accuracy"])
    if beat:
        return max(beat, key=lambda r: r["colourfulness_share"])
    return max(results, key=lambda r: r["psnr"])


def earlier_stages(earlier: dict, training: dict) -> dict:
    """What a fine-tune's summary keeps of the model it started from: that model's own earlier stages,
    then that model, as ``stage_1``, ``stage_2``, ... (oldest first), and the steps of all stages together."""
    stages = [earlier[key] for key in earlier_stage_keys(earlier)]
    stages.append({k: earlier[k] for k in ("steps", "epochs", "duration_seconds", "train_photos", "trained_on", "data", "image_size") if k in earlier})
    kept = {f"stage_{number}": stage for number, stage in enumerate(stages, 1)}
    kept["total_steps"] = sum(int(stage.get("steps", 0)) for stage in stages) + int(training.get("steps", 0))
    return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="the trained colour_unet model file")
    parser.add_argument("--photos", default=str(SHARED / "val"), help="tuning photos (colour; a folder or a .txt list)")
    parser.add_argument("--count", type=int, default=0, help="use an even spread of this many photos (0: all)")
    parser.add_argument("--size", type=int, default=None, help="shrink photos to this long side first")
    parser.add_argument("--target", type=float, default=0.70, help="colourfulness to reach, as a share of the originals'")
    parser.add_argument("--max-gap", type=float, default=14.0, help="largest mean per-photo colourfulness gap")
    parser.add_argument("--working-sizes", default="", help="also try these working sizes, e.g. 256,384 (default: the model's)")
    parser.add_argument("--gains", default="1", help="chroma gains to try, e.g. 1,1.15,1.3")
    parser.add_argument("--class-weights", default=",".join(map(str, CLASS_WEIGHTS)), help="classification weights to try")
    parser.add_argument("--temperatures", default=",".join(map(str, TEMPERATURES)), help="annealed-mean temperatures to try")
    parser.add_argument("--neutrals", default=str(NEUTRAL), help="hue-cluster grey radii to try (Lab units), e.g. 12,6")
    parser.add_argument("--hint-class-weight", type=float, default=None,
                        help="class weight for photos given many colour hints, approached as hints are added "
                             "(bench/hints.py measures it; -1: the automatic one)")
    parser.add_argument("--json", default="", help="also write every candidate's scores to this file")
    parser.add_argument("--min-psnr", type=float, default=1.0, help="dB above the grey baseline")
    parser.add_argument("--min-auc", type=float, default=0.01, help="a/b AuC above the grey baseline")
    parser.add_argument("--out", default=str(REPO / "resources" / "models" / "default.safetensors"))
    parser.add_argument("--version", default="", help="the shipped model's version, written into its training summary (e.g. 0.5)")
    parser.add_argument("--recipe-files", default="", help="the recipes that made it, in order, for its training summary")
    parser.add_argument("--dry-run", action="store_true", help="print the table and the choice, write nothing")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if any(gain != 1.0 for gain in _numbers(args.gains)) and not args.dry_run:
        parser.error("--gains is a study: use it with --dry-run (a model file stores no chroma gain)")
    torch.set_num_threads(args.threads)

    model, info = load_model(args.model)
    model.eval()
    paths = list_images([args.photos])
    if args.count:
        paths = paths[:: max(1, len(paths) // args.count)][: args.count]
    sizes = [int(v) for v in args.working_sizes.split(",") if v.strip()] or [model.working_size]
    cands = list(candidates(sizes, _numbers(args.gains), _numbers(args.class_weights), _numbers(args.temperatures), _numbers(args.neutrals)))
    per = [[] for _ in cands]
    grey_per = []
    for n, path in enumerate(paths):
        photo = load_photo(path, args.size)
        if photo is None:
            continue  # a grey original scores the grey baseline a perfect 100 dB and tells nothing
        truth = _as_float_batch(photo.pixels)
        grey_per.append({k: float(v[0]) for k, v in lab_metrics(grey_of(truth), truth).items()})
        for size in sizes:
            l_full, logits, reg, shape = heads(model, photo, size)
            for i, c in enumerate(cands):
                if c["working_size"] != size:
                    continue
                rgb = recombine(l_full, decode_candidate(model, logits, reg, shape, c), c["chroma_gain"], 8)
                per[i].append({k: float(v[0]) for k, v in lab_metrics(_as_float_batch(rgb), truth).items()})
        if n % 20 == 0:
            print(f"  {n}/{len(paths)} photos", flush=True)
    grey = mean_metrics(grey_per)
    results = []
    for c, scores in zip(cands, per):
        m = mean_metrics(scores)
        m["colourfulness_share"] = m["colourfulness"] / m["colourfulness_original"]
        results.append({**c, **m})
        print(f"size {c['working_size']:<4} gain {c['chroma_gain']:<4} {c['decode_mode']:<11} grey<{c['hue_neutral']:<4g} T={c['decode_temperature']:<4} w={c['class_weight']:<4} PSNR {m['psnr'] - grey['psnr']:+.2f} dB  "
              f"AuC {m['auc'] - grey['auc']:+.3f}  colourfulness {100 * m['colourfulness_share']:.0f}%  gap {m['colourfulness_gap']:.1f}  "
              f"hue {100 * m['hue_accuracy']:.1f}%  false colour {m['false_colour']:.1f}  cast {m['cast']:.1f}", flush=True)
    best = choose(results, grey, args.min_psnr, args.min_auc, args.target, args.max_gap)
    print(f"chosen: {best['decode_mode']} (grey radius {best['hue_neutral']:g}) T={best['decode_temperature']} class_weight={best['class_weight']} "
          f"working size {best['working_size']} chroma gain {best['chroma_gain']} (tuned on {len(grey_per)} photos of {args.photos})")
    if args.json:
        Path(args.json).write_text(json.dumps({"grey": grey, "candidates": results, "chosen": best}, indent=1))
    if args.dry_run:
        return 0

    model.configure_decoding(decode_temperature=best["decode_temperature"], class_weight=best["class_weight"],
                             decode_mode=best["decode_mode"], working_size=best["working_size"], hue_neutral=best["hue_neutral"],
                             hint_class_weight=args.hint_class_weight)
    val = SHARED / "val"
    report = evaluate_model(Colouriser(model, "cpu"), val)
    print("val:", json.dumps({"model": report["model"], "grey": report["grey"]}, indent=1))
    training = dict(info.training)
    first = training.get("init_from")
    if first and Path(first).is_file():  # a fine-tune (e.g. configs/experiments/default-stage2.toml): keep what stage 1 was
        training.update(earlier_stages(read_info(first).training, training))
    training.setdefault("trained_on", ", ".join(map(str, training.get("data", []))) + (
        f" without {', '.join(map(str, training['exclude']))}" if training.get("exclude") else ""))
    training.update(
        recipe=training.get("recipe") or "configs/default.toml, then scripts/tune_default.py",
        tuning={"photos": f"{len(grey_per)} of {args.photos}", "rule": f"highest hue accuracy among decodings beating grey by "
                f"+{args.min_psnr} dB PSNR and +{args.min_auc} AuC with colourfulness >= {args.target:.0%} of the originals'",
                "chosen": best, "grey": grey},
        metrics={k: round(v, 4) for k, v in report["model"].items()},
        grey_baseline={k: round(v, 4) for k, v in report["grey"].items()},
        validated_on=f"../shared/data/val ({report['count']} photos)",
    )
    if args.version:
        training["version"] = args.version
    if args.recipe_files:
        training["recipe_files"] = args.recipe_files
    out = save_model(args.out, model, training)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
