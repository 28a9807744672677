"""Short training ablations of the default architecture: one change per row, one fixed step budget.

    nice -n 10 .venv/bin/python bench/ablations.py --steps 300              # train every row not trained yet
    nice -n 10 .venv/bin/python bench/ablations.py --rows base,no-rebalance # only these rows
    nice -n 10 .venv/bin/python bench/ablations.py --evaluate               # score the trained rows on val + dev
    nice -n 10 .venv/bin/python bench/ablations.py --evaluate --rows "" --extra "stage 2, 30 min=snap30.safetensors;..."
                                                                           # score other model files the same way

Every row starts from the ImageNet encoder and trains ``colour_unet`` with the same
base recipe (configs/default.toml's, at a short step budget, one torch thread, dev
split excluded) changed in one place. Models land in bench/results/ablations/
(not committed); ``--evaluate`` scores each with the new hue metrics on
../shared/data/val and the dev split, decoded as trained (the recipe's decoding)
and mode-aware (hue-cluster T 0.6), writes bench/results/ablations.json and prints a markdown table.
The machine is shared (2 cores, other trainings at higher priority): wall-clock
times are not comparable between rows, step counts are.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from engine.modelfile import read_info  # noqa: E402

SHARED = shared_data()
OUT = REPO / "bench" / "results" / "ablations"

BASE_ARCH = {
    "decoder_widths": [192, 128, 96, 64],
    "decode_temperature": 0.38,
    "class_weight": 0.5,
    "regression_weight": 1.0,
    "regression_beta": 0.05,
    "rebalance_gamma": 0.5,
    "rebalance": 0.5,
    "prior_ema": 0.01,
    "global_context": True,
    "working_size": 384,
}

DECODINGS = ["mean T=1 (plain mean)", "hue-cluster T=0.6, region 25"]  # each row is scored decoded both ways

# name -> (what changes, TrainConfig overrides, arch_params overrides)
ROWS = {
    "base": ("the default recipe (rebalancing 0.5, 128 px crops, regression weight 1)", {}, {}),
    "no-rebalance": ("class rebalancing off (exponent 0)", {}, {"rebalance": 0.0}),
    "full-rebalance": ("Zhang's full rebalancing (exponent 1)", {}, {"rebalance": 1.0}),
    "regression-x4": ("regression loss weight 4 (classification 1)", {}, {"regression_weight": 4.0}),
    "crop-96": ("96 px crops (more context per pixel lost)", {"image_size": 96}, {}),
    "crop-192": ("192 px crops (more context, 2.25x the pixels)", {"image_size": 192}, {}),
    "train-only": ("data: train/ only (BSDS-like), no train-extra", {"data": [str(SHARED / "train")]}, {}),
    "no-context": ("no image-wide context vector", {}, {"global_context": False}),
    "double-steps": ("twice the step budget", {"_steps_factor": 2}, {}),
    "bins-20": ("a coarser a/b grid: 20 Lab units (77 bins instead of 262)", {}, {"bin_grid": 20.0}),
}


def train_row(name: str, steps: int, threads: int) -> Path:
    from engine.events import TrainingFinished
    from engine.training import TrainConfig, train

    _, overrides, arch = ROWS[name]
    overrides = dict(overrides)
    factor = overrides.pop("_steps_factor", 1)
    settings = dict(
        arch="colour_unet",
        arch_params={**BASE_ARCH, **arch},
        pretrained=True,
        name=f"ablation-{name}",
        data=[str(SHARED / "train"), str(SHARED / "train-extra")],
        val=[str(SHARED / "val")],
        exclude=[str(dev_list())],
        max_val_photos=8,
        image_size=128,
        batch_size=16,
        steps=steps * factor,
        optimizer="adamw",
        lr=1e-3,
        schedule="cosine",
        warmup_steps=min(100, steps // 10),
        seed=0,
        device="cpu",
        threads=threads,
        cache_images=False,
        num_workers=0,
        val_every_steps=10**9,
        preview_count=0,
        checkpoint_every_steps=0,
        checkpoint_every_minutes=0,
        run_dir=str(OUT / "runs"),
        library_dir=str(OUT / "models"),
    )
    settings.update(overrides)  # the row's change wins over the base recipe
    config = TrainConfig(**settings)
    t0 = time.perf_counter()
    result = train(config)
    if not isinstance(result, TrainingFinished):
        raise SystemExit(f"{name}: training did not finish: {result}")
    target = OUT / f"{name}.safetensors"
    result.model_path.replace(target)
    (OUT / f"{name}.json").write_text(json.dumps({"steps": result.steps, "seconds": time.perf_counter() - t0}))
    print(f"{name}: {result.steps} steps in {(time.perf_counter() - t0) / 60:.1f} min -> {target.name}", flush=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="the step budget of every row")
    parser.add_argument("--rows", default=",".join(ROWS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--evaluate", action="store_true", help="score the trained rows instead of training")
    parser.add_argument("--size", type=int, default=256, help="evaluate at this long side")
    parser.add_argument("--dev-limit", type=int, default=100, help="dev photos scored per row")
    parser.add_argument("--val-limit", type=int, default=None, help="val photos scored per row")
    parser.add_argument("--extra", default="", help="also score these model files as rows: \"name=path;name=path\"")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "ablations.json"), help="where --evaluate writes its JSON")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = [r for r in args.rows.split(",") if r]
    if not args.evaluate:
        for name in rows:
            if not (OUT / f"{name}.safetensors").exists():
                train_row(name, args.steps, args.threads)
        return 0
    from bench.decodings import score_decodings

    results = {}
    for name in rows:
        path = OUT / f"{name}.safetensors"
        if not path.exists():
            print(f"{name}: not trained, skipped")
            continue
        results[name] = {
            "change": ROWS[name][0],
            "training": json.loads((OUT / f"{name}.json").read_text()),
            "scores": score_decodings(path, size=args.size, dev_limit=args.dev_limit, val_limit=args.val_limit, names=DECODINGS),
        }
        print(f"evaluated {name}", flush=True)
    for item in filter(None, args.extra.split(";")):
        name, _, path = item.partition("=")
        steps = read_info(path.strip()).training.get("steps", "?")
        results[name.strip()] = {"change": "a longer training", "training": {"steps": steps},
                                 "scores": score_decodings(Path(path.strip()), size=args.size, dev_limit=args.dev_limit,
                                                           val_limit=args.val_limit, names=DECODINGS)}
        print(f"evaluated {name}", flush=True)
    Path(args.out).write_text(json.dumps(results, indent=1))
    print(markdown(results))
    return 0


def markdown(results: dict) -> str:
    """One line per row, set and decoding: PSNR and AuC against grey, colourfulness share, gap, hue accuracy, false colour."""
    lines = ["| row (change) | steps | set | decoding | PSNR vs grey | AuC vs grey | colourfulness | gap | hue accuracy | false colour |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        for set_name, s in r["scores"].items():
            grey = s["grey"]
            for dec in DECODINGS:
                m = s[dec]
                lines.append(
                    f"| {name} ({r['change']}) | {r['training']['steps']} | {set_name} ({s['count']}) | {dec.split(',')[0]} | "
                    f"{m['psnr'] - grey['psnr']:+.2f} dB | {m['auc'] - grey['auc']:+.3f} | "
                    f"{100 * m['colourfulness'] / m['colourfulness_original']:.0f} % | {m['colourfulness_gap']:.1f} | "
                    f"{100 * m['hue_accuracy']:.1f} % | {m['false_colour']:.1f} |"
                )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
