"""Is the colourfulness gap a matter of knowing how vivid each photo is? A study, no training.

    nice -n 10 .venv/bin/python bench/vividness.py                        # the shipped default
    nice -n 10 .venv/bin/python bench/vividness.py --model path.safetensors --train-count 1500

The per-photo colourfulness gap (docs/quality.md) compares each coloured photo's colourfulness
with its original's. Two questions, answered on val and dev:

- *oracle*: if every photo's a/b were scaled by the one gain that gives it its original's
  colourfulness, how far would PSNR, the gap and hue accuracy go? (An upper bound on what knowing
  each photo's vividness is worth.)
- *predicted*: how much of that gain can be read from the grey photo? A ridge regression from the
  network's own photo-wide outputs (its mean colour distribution over the a/b bins, its deepest
  encoder features pooled, the log of its predicted chroma) to the log of the oracle gain, fitted on
  ``--train-count`` training photos (dev left out), its strength chosen by 5-fold cross-validation.
  Applied as ``scale * exp(weight * (predicted - mean))``: ``weight`` spreads colour between photos,
  ``scale`` adds colour to all.

The network runs once per photo at its own working size and decoding; gains go through the real
recombination (``engine.inference.recombine``, the strength the window's slider sets). Prints a
table and writes bench/results/vividness.json.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from bench.decodings import decode, heads, load_photo  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.inference import recombine  # noqa: E402
from engine.metrics import _as_float_batch, grey_of, lab_metrics, mean_metrics  # noqa: E402
from engine.modelfile import load_model  # noqa: E402

RESULTS = REPO / "bench" / "results"
ALPHAS = (1.0, 10.0, 100.0, 1000.0, 10000.0)
SPREADS = ((0.0, 1.1), (1.0, 1.0), (1.0, 1.1), (0.5, 1.1), (1.5, 1.1), (0.0, 1.2), (1.0, 1.2))  # (weight, scale); weight 0: one gain for all


@torch.inference_mode()
def describe(model, photo):
    """(full-res L, decoded a/b at working size, photo-wide features) of one photo: one network pass,
    the encoder's deepest features caught on their way to the decoder."""
    caught = []
    hook = model.encoder.register_forward_hook(lambda _module, _inputs, outputs: caught.append(outputs[-1]))
    try:
        l_full, logits, reg, shape = heads(model, photo, model.working_size)
    finally:
        hook.remove()
    how = {"kind": "mean", "T": model.decode_temperature, "hue": model.decode_mode == "hue_cluster", "neutral": model.hue_neutral}
    ab = decode(model, logits, reg, shape, how)
    chroma = ab.norm(dim=0).mean().item()
    feats = torch.cat([logits.softmax(1).mean((2, 3))[0], caught[0].mean((2, 3))[0], torch.tensor([math.log1p(chroma)])])
    return l_full, ab, feats.numpy()


def scores(l_full, ab, truth, gain: float) -> dict:
    return {k: float(v[0]) for k, v in lab_metrics(_as_float_batch(recombine(l_full, ab, gain, 8)), truth).items()}


def oracle_log_gain(row: dict) -> float:
    return math.log(max(row["base"]["colourfulness_original"], 1.0) / max(row["base"]["colourfulness"], 1.0))


def ridge(x: np.ndarray, y: np.ndarray, alpha: float):
    weights = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ (y - y.mean()))
    return weights, float(y.mean())


def cross_validated_alpha(x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    folds = np.array_split(np.arange(len(y)), 5)
    errors = {}
    for alpha in ALPHAS:
        err = []
        for fold in folds:
            keep = np.ones(len(y), bool)
            keep[fold] = False
            weights, bias = ridge(x[keep], y[keep], alpha)
            err.append(float(((x[fold] @ weights + bias - y[fold]) ** 2).mean()))
        errors[alpha] = float(np.mean(err))
    return min(errors, key=errors.get), errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "resources" / "models" / "default.safetensors"))
    parser.add_argument("--train-count", type=int, default=1500, help="training photos to fit the gain on (dev left out)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)[0].eval()
    data = shared_data()
    dev = list_images([dev_list()])
    left_out = {p.resolve() for p in dev}
    train = [p for p in list_images([data / "train", data / "train-extra"]) if p.resolve() not in left_out]
    random.Random(0).shuffle(train)
    sets = {"train": train[: args.train_count], "val": list_images([data / "val"]), "dev": dev}

    rows: dict[str, list[dict]] = {}
    for name, paths in sets.items():
        rows[name] = []
        for i, path in enumerate(paths):
            photo = load_photo(path, None)
            if photo is None:
                continue
            truth = _as_float_batch(photo.pixels)
            l_full, ab, feats = describe(model, photo)
            row = {"feats": feats, "base": scores(l_full, ab, truth, 1.0), "grey": {k: float(v[0]) for k, v in lab_metrics(grey_of(truth), truth).items()}}
            if name != "train":  # kept to score the gains on; training photos only fit them
                row.update(l_full=l_full, ab=ab, truth=truth)
            rows[name].append(row)
            if i % 100 == 0:
                print(f"  {name}: {i}/{len(paths)}", flush=True)

    x_train = np.stack([r["feats"] for r in rows["train"]])
    y_train = np.array([oracle_log_gain(r) for r in rows["train"]])
    mean, spread = x_train.mean(0), x_train.std(0) + 1e-6
    alpha, errors = cross_validated_alpha((x_train - mean) / spread, y_train)
    weights, bias = ridge((x_train - mean) / spread, y_train, alpha)
    explained = 1 - errors[alpha] / float(y_train.var())
    print(f"\nfitted on {len(y_train)} training photos: ridge alpha {alpha:g}, cross-validated share of the oracle log-gain's variance explained {explained:.1%}")

    report = {"model": str(args.model), "train_photos": len(y_train), "alpha": alpha, "cv_errors": errors, "explained": explained, "sets": {}}
    print("\n| set | gains | PSNR vs grey | AuC vs grey | colourfulness | gap | hue accuracy |\n|---|---|---|---|---|---|---|")
    for name in ("val", "dev"):
        photos = rows[name]
        predicted = ((np.stack([r["feats"] for r in photos]) - mean) / spread) @ weights + bias
        oracle = np.array([oracle_log_gain(r) for r in photos])
        variants = {"none": np.ones(len(photos)), "oracle (each photo its own)": np.exp(oracle).clip(0.5, 2.5)}
        for weight, scale in SPREADS:
            label = f"predicted, weight {weight:g}, scale {scale:g}" if weight else f"one gain {scale:g} for every photo"
            variants[label] = (scale * np.exp(weight * (predicted - bias))).clip(0.5, 2.5)
        grey = mean_metrics([r["grey"] for r in photos])
        report["sets"][name] = {"photos": len(photos), "correlation": float(np.corrcoef(predicted, oracle)[0, 1]), "rows": {}}
        for label, gains in variants.items():
            m = mean_metrics([scores(r["l_full"], r["ab"], r["truth"], float(g)) for r, g in zip(photos, gains)])
            report["sets"][name]["rows"][label] = {**m, "grey": grey}
            print(f"| {name} | {label} | {m['psnr'] - grey['psnr']:+.2f} dB | {m['auc'] - grey['auc']:+.3f} | "
                  f"{m['colourfulness'] / m['colourfulness_original']:.1%} | {m['colourfulness_gap']:.1f} | {m['hue_accuracy']:.1%} |", flush=True)
        print(f"{name}: correlation of predicted and oracle log-gain {report['sets'][name]['correlation']:.2f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "vividness.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
