"""Training speed: images/s of every architecture, and of the data pipeline alone against the lineage's loader.

    .venv/bin/python bench/train.py                   # all architectures, 128 x 128, batch 16
    .venv/bin/python bench/train.py --archs alpha,beta --steps 5 --photos 200
    .venv/bin/python bench/train.py --threads 1      # on a machine shared with other work

Data: ``../shared/data/train`` when present, else generated photos. Prints a table
and writes ``bench/results/train.json``. Every number is the median over timed
batches after a few warm-up ones.

- *training*: one full step as the trainer does it (batch from our loader, Lab on
  the device, forward, loss, backward, optimiser step), per architecture.
- *data pipeline*: batches of model inputs (normalised L and a/b) and nothing else:
  ours (decoded once into the in-memory cache, crops in-process, Lab batched with
  torch) and ours without the cache (DataLoader worker processes decoding from disk),
  against the baseline measured in the same run: the lineage's loader, which opened
  each photo and ran skimage's float64 ``rgb2lab`` on it in ``__getitem__``, no cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from engine.data import (  # noqa: E402
    CACHE_OVERSIZE,
    DataOrder,
    PhotoDataset,
    list_images,
    make_loader,
    prepare_photos,
)
from engine.models import create_model, list_models  # noqa: E402
from engine.training.config import AugmentConfig  # noqa: E402
from engine.training.losses import LossModule, get_loss  # noqa: E402
from engine.training.trainer import to_model_inputs  # noqa: E402

SHARED_TRAIN = REPO.parent / "shared" / "data" / "train"


class LineageDataset(torch.utils.data.Dataset):
    """The baseline: what the lineage's notebooks did per item (decode, resize, float64 skimage Lab)."""

    def __init__(self, paths, size):
        self.paths, self.size = list(paths), size

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        from PIL import Image
        from skimage.color import rgb2lab

        with Image.open(self.paths[index]) as im:
            rgb = np.asarray(im.convert("RGB").resize((self.size, self.size)), dtype=np.float64) / 255
        lab = rgb2lab(rgb)
        l_norm = torch.from_numpy(lab[..., 0] / 50 - 1).float()[None]
        ab_norm = torch.from_numpy(lab[..., 1:] / 110).float().permute(2, 0, 1)
        return l_norm, ab_norm


def generated_photos(folder: Path, count: int) -> list[Path]:
    """Colourful 320 x 240 JPEGs, for machines without the shared photos."""
    from PIL import Image

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:240, 0:320] / 240
    for i in range(count):
        c1, c2 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        rgb = c1 * x[..., None] / 1.34 + c2 * (1 - y[..., None]) + rng.normal(0, 10, (240, 320, 3))
        Image.fromarray(np.clip(rgb / 1.5, 0, 255).astype(np.uint8)).save(folder / f"g{i:04d}.jpg", quality=90)
    return sorted(folder.glob("*.jpg"))


def median_rate(times: list[float], batch: int) -> float:
    return batch / statistics.median(times) if times else float("nan")


def time_batches(batches, count: int, warmup: int, work=lambda b: b) -> list[float]:
    """Seconds per batch for ``count`` batches after ``warmup`` (fetching included)."""
    it = iter(batches)
    times = []
    for i in range(warmup + count):
        start = time.perf_counter()
        work(next(it))
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def bench_data(paths, size, batch, count, warmup, workers) -> dict:
    device = torch.device("cpu")
    store = round(size * CACHE_OVERSIZE)
    steps = warmup + count
    results = {}

    start = time.perf_counter()
    prepared = prepare_photos(paths, store, cache=True)
    decode_s = time.perf_counter() - start
    order = DataOrder(len(prepared.paths), batch, seed=0)
    cached = PhotoDataset(prepared.paths, size, AugmentConfig(), prepared.cache, store)
    times = time_batches(make_loader(cached, order, 0, steps), count, warmup, lambda b: to_model_inputs(b, device))
    results["ours: in-memory cache"] = {"images_per_second": median_rate(times, batch), "one_time_decode_s": decode_s,
                                        "photos_per_second_decoding": len(paths) / decode_s}

    on_disk = PhotoDataset(prepared.paths, size, AugmentConfig(), None, store)
    times = time_batches(make_loader(on_disk, order, 0, steps, num_workers=workers), count, warmup, lambda b: to_model_inputs(b, device))
    results[f"ours: from disk, {workers} worker processes"] = {"images_per_second": median_rate(times, batch)}

    lineage = torch.utils.data.DataLoader(LineageDataset(prepared.paths, size), batch_size=batch, shuffle=True, num_workers=0)
    times = time_batches(lineage, count, warmup)
    results["baseline: lineage loader (skimage float64 rgb2lab per photo)"] = {"images_per_second": median_rate(times, batch)}
    return results


def bench_training(arch, paths_cache, size, batch, count, warmup) -> dict:
    torch.manual_seed(0)
    model = create_model(arch)
    loss = LossModule(model, get_loss("auto", model))
    hook = getattr(model, "param_groups", None)
    params = hook(1e-3) if callable(hook) else model.parameters()
    optimiser = torch.optim.AdamW(params, lr=1e-3)
    dataset, order = paths_cache
    stride = int(getattr(model, "stride", 8))
    dataset.image_size = max(stride, size // stride * stride)
    device = torch.device("cpu")
    model.train()

    def step(b):
        l_norm, ab_norm = to_model_inputs(b, device)
        value = loss(l_norm, ab_norm)
        optimiser.zero_grad(set_to_none=True)
        value.backward()
        optimiser.step()

    times = time_batches(make_loader(dataset, order, 0, warmup + count), count, warmup, step)
    return {"images_per_second": median_rate(times, batch), "parameters": sum(p.numel() for p in model.parameters()),
            "image_size": dataset.image_size, "loss": "model's training_loss" if hasattr(model, "training_loss") else "huber"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archs", default="", help="comma-separated architectures (default: all registered)")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=8, help="timed batches per measurement")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--photos", type=int, default=400, help="photos to load for the measurements")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader processes for the from-disk variant")
    parser.add_argument("--data", default=str(SHARED_TRAIN))
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's own, one per core)")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--output", default=str(REPO / "bench" / "results" / "train.json"))
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        if Path(args.data).is_dir():
            paths, source = list_images([args.data])[: args.photos], str(args.data)
        else:
            paths, source = generated_photos(Path(tmp), min(args.photos, 200)), "generated photos"
        print(f"data: {len(paths)} photos from {source}; {args.size} x {args.size}, batch {args.batch_size}, "
              f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} CPUs", flush=True)

        data = bench_data(paths, args.size, args.batch_size, args.steps, args.warmup, args.workers)
        training = {}
        if not args.skip_training:
            store = round(args.size * CACHE_OVERSIZE)
            prepared = prepare_photos(paths, store, cache=True)
            shared = (PhotoDataset(prepared.paths, args.size, AugmentConfig(), prepared.cache, store),
                      DataOrder(len(prepared.paths), args.batch_size, seed=0))
            for arch in [a for a in args.archs.split(",") if a] or list_models():
                training[arch] = bench_training(arch, shared, args.size, args.batch_size, args.steps, args.warmup)
                print(f"  {arch}: {training[arch]['images_per_second']:.1f} img/s", flush=True)

    baseline = next(v["images_per_second"] for k, v in data.items() if k.startswith("baseline"))
    print()
    print(f"{'data pipeline (model inputs only)':<62} {'img/s':>8} {'vs baseline':>12}")
    for name, row in data.items():
        print(f"{name:<62} {row['images_per_second']:>8.1f} {row['images_per_second'] / baseline:>11.1f}x")
    cache_row = data["ours: in-memory cache"]
    print(f"(the cache decodes every photo once first: {cache_row['photos_per_second_decoding']:.0f} photos/s)")
    if training:
        print()
        print(f"{'training step (data + forward + backward + AdamW)':<62} {'img/s':>8} {'params':>12}")
        for arch, row in training.items():
            print(f"{arch:<62} {row['images_per_second']:>8.1f} {row['parameters'] / 1e6:>11.2f}M")
        slowest_data = min(v["images_per_second"] for k, v in data.items() if k.startswith("ours"))
        fastest_net = max(v["images_per_second"] for v in training.values())
        print(f"\nour slowest data variant delivers {slowest_data / fastest_net:.1f}x what the fastest architecture consumes")

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "settings": {k: v for k, v in vars(args).items()}, "source": source, "photos": len(paths),
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version()},
        "data_pipeline": data, "training": training,
    }, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
