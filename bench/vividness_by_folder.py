"""Would knowing which collection a photo comes from close the colourfulness gap? No network, a bound.

    .venv/bin/python bench/vividness_by_folder.py

The per-photo colourfulness gap (docs/quality.md) is the mean of |colourfulness of the coloured
photo - colourfulness of its original|. Whatever a colouriser does, its output's colourfulness is a
function of the grey photo, so the gap can go no lower than the error of the best estimate of the
original's colourfulness from the grey photo. This bench asks how good an estimate that knew each dev
photo's folder of train-extra (flowers, faces, "very colourful photos" ...) exactly could be: it
gives every dev photo its folder's median colourfulness, from the training photos of that folder
(dev left out) and, as the best any folder-level rule could do, from the dev photos themselves.
The originals' colourfulness only: about 30 seconds. Prints a table and writes
bench/results/vividness_by_folder.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.metrics import _as_float_batch, _read_rgb, colourfulness  # noqa: E402

RESULTS = REPO / "bench" / "results"


def original_colourfulness(path: Path) -> float:
    return float(colourfulness(_as_float_batch(_read_rgb(path).pixels)))


def mean_gap(values: np.ndarray, estimate: float) -> float:
    return float(np.abs(values - estimate).mean())


def main() -> int:
    extra = shared_data() / "train-extra"
    if not extra.is_dir():
        print(f"{extra}: not found (see ../shared/data/README.md)")
        return 1
    dev = {Path(line) for line in dev_list().read_text().split()}
    rows, dev_all, train_all = [], [], []
    for folder in sorted(p for p in extra.iterdir() if p.is_dir()):
        photos = list_images([folder])
        dev_values = np.array([original_colourfulness(p) for p in photos if p in dev])
        train_values = np.array([original_colourfulness(p) for p in photos if p not in dev])
        dev_all.append(dev_values)
        train_all.append(train_values)
        rows.append({
            "folder": folder.name,
            "train photos": len(train_values),
            "dev photos": len(dev_values),
            "dev originals, mean": float(dev_values.mean()),
            "gap, training median": mean_gap(dev_values, np.median(train_values)),
            "gap, dev median": mean_gap(dev_values, np.median(dev_values)),
        })
    dev_values = np.concatenate(dev_all)
    summary = {
        "one median for every photo (training)": mean_gap(dev_values, np.median(np.concatenate(train_all))),
        "each folder's training median": float(np.mean(np.concatenate(
            [np.abs(d - np.median(t)) for d, t in zip(dev_all, train_all)]))),
        "each folder's dev median (the best folder-level rule)": float(np.mean(np.concatenate(
            [np.abs(d - np.median(d)) for d in dev_all]))),
    }
    print("| dev folder | dev photos | originals' mean | gap, folder's training median | gap, folder's dev median |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['folder']} | {row['dev photos']} | {row['dev originals, mean']:.1f} "
              f"| {row['gap, training median']:.1f} | {row['gap, dev median']:.1f} |")
    print()
    for name, value in summary.items():
        print(f"dev gap, {name}: {value:.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "vividness_by_folder.json").write_text(json.dumps({"folders": rows, "dev gap": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
