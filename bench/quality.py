"""Colour quality on val and dev side by side: the grey baseline, every lineage architecture and the
default architecture after the same short training budget, and the shipped default model.

    .venv/bin/python bench/quality.py                        # train each for 5 minutes, then evaluate
    .venv/bin/python bench/quality.py --train-minutes 15     # the longer comparison
    .venv/bin/python bench/quality.py --skip-training        # re-evaluate the models trained before
    .venv/bin/python bench/quality.py --models "old=bench/results/old-default.safetensors;new=resources/models/default.safetensors"
                                                             # only these model files (no training)

Two photo sets: ../shared/data/val (86 photos, CBSD68 + McMaster: CBSD68 comes from BSDS500
like part of train/, so the model has nearly seen such photos) and the dev split
(configs/dev-split.txt: 300 photos drawn from train-extra that no recipe trains on;
``--dev-limit`` scores an even spread of fewer). Metrics: engine.metrics, with the hue
metrics (hue accuracy, false colour, cast) next to PSNR, AuC and colourfulness.

Each short training uses the project's trainer with the same recipe for every
architecture (train + train-extra, 128 px crops, batch 16, AdamW, constant learning
rate 1e-3, one torch thread) and a wall-clock budget (``max_minutes``). Prints a
table, writes bench/results/quality.json, rewrites the table in docs/quality.md and
draws picture grids (grey / best lineage / default / original) into bench/results/
for validation and historical photos. Those grids show photos whose terms forbid
redistribution, so they stay out of the repository; docs/quality-samples.jpg, made
from licence-clean sample photos, is the one that is committed.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.datasets import dev_list, shared_data  # noqa: E402
from engine.inference import Colouriser, resize_photo  # noqa: E402
from engine.metrics import evaluate_model, format_metric  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.photo import Photo, read_photo  # noqa: E402

SHARED = shared_data()
RESULTS = REPO / "bench" / "results"
RUNS = RESULTS / "quality-runs"
LINEAGE = ("alpha", "beta", "model3", "conv_ae", "colorization_net")
DEFAULT_ARCH = "colour_unet"
SHIPPED = REPO / "resources" / "models" / "default.safetensors"
COLUMNS = ("psnr", "auc", "colourfulness", "colourfulness_gap", "hue_accuracy", "false_colour", "cast")
TABLE_START, TABLE_END = "<!-- quality-table:start -->", "<!-- quality-table:end -->"


def short_training(arch: str, minutes: float, threads: int) -> Path:
    """Train ``arch`` for ``minutes`` with the shared short recipe; returns the model file."""
    from engine.events import TrainingFinished
    from engine.training import TrainConfig, train

    config = TrainConfig.defaults_for(
        arch,
        name=f"quality-{arch}",
        data=[str(SHARED / "train"), str(SHARED / "train-extra")],
        val=[str(SHARED / "val")],
        image_size=128,
        batch_size=16,
        steps=1_000_000,
        max_minutes=minutes,
        optimizer="adamw",
        lr=1e-3,
        schedule="constant",
        val_every_steps=1_000_000,
        preview_count=2,
        checkpoint_every_minutes=0,
        checkpoint_every_steps=0,
        threads=threads,
        run_dir=str(RUNS),
        library_dir=str(RUNS / "models"),
        device="cpu",
    )
    result = train(config)
    if not isinstance(result, TrainingFinished):
        raise SystemExit(f"{arch}: training did not finish: {result}")
    target = RUNS / "models" / f"quality-{arch}.safetensors"
    if result.model_path != target:  # keep one stable name per architecture
        result.model_path.replace(target)
    print(f"{arch}: {result.steps} steps in {minutes:g} min -> {target.name}", flush=True)
    return target


# Reports cached with another version are scored again: 2, a set's chroma ratio is its mean chroma over the originals'
# (engine.metrics.mean_metrics), no longer the mean of the photos' ratios.
SCORES_VERSION = 2


def evaluate(path: Path, photo_set: Path, limit: int | None) -> dict:
    """evaluate_model on one model file and photo set; cached in bench/results/quality-cache/ by the
    file's size and time and the set's photos, so comparing a new model with an old one re-scores only the new one."""
    import hashlib

    stat = path.stat()
    listing = photo_set.read_text() if photo_set.is_file() else str(photo_set)
    key = hashlib.sha1(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{listing}|{limit}|{SCORES_VERSION}".encode()).hexdigest()[:16]
    cached = RESULTS / "quality-cache" / f"{path.stem}-{key}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    report = _evaluate(path, photo_set, limit)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(report, default=str))
    return report


def _evaluate(path: Path, photo_set: Path, limit: int | None) -> dict:
    model, info = load_model(path)
    report = evaluate_model(Colouriser(model, "cpu", name=info.name), photo_set, limit=limit)
    report["training"] = info.training
    report["decoding"] = {k: v for k, v in info.config.items() if k in ("decode_temperature", "class_weight", "decode_mode", "working_size")}
    return report


def photo_sets(dev_limit: int | None) -> dict[str, Path]:
    """val and dev as things ``evaluate_model`` reads (a folder, a photo list)."""
    sets = {"val": SHARED / "val", "dev": dev_list()}
    if dev_limit:
        from engine.data import list_images

        dev = list_images([sets["dev"]])
        spread = dev[:: max(1, len(dev) // dev_limit)][:dev_limit]
        sets["dev"] = RESULTS / f"dev-split-{dev_limit}.txt"
        sets["dev"].write_text("\n".join(map(str, spread)) + "\n")
    return sets


def cell(key: str, m: dict, grey: dict) -> str:
    value = m.get(key, float("nan"))
    text = format_metric(key, value)
    if key in ("psnr", "auc") and m is not grey:
        delta = value - grey[key]
        text += f" ({delta:+.2f})" if key == "psnr" else f" ({delta:+.3f})"
    if key == "colourfulness" and m.get("colourfulness_original"):
        text += f" ({100 * value / m['colourfulness_original']:.0f} %)"
    return text


def markdown_table(rows: list[tuple[str, str, dict, dict]]) -> str:
    """Rows of (model, photo set, means, the grey baseline's means on that set)."""
    head = "| model | set | PSNR (vs grey) | a/b AuC (vs grey) | colourfulness (of originals') | colourfulness gap | hue accuracy | false colour | cast |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for name, set_name, m, grey in rows:
        lines.append(f"| {name} | {set_name} | " + " | ".join(cell(k, m, grey) for k in COLUMNS) + " |")
    return "\n".join(lines)


def grid(rows: list[list[np.ndarray]], labels: list[str], cell: int = 220) -> Image.Image:
    """A picture grid: one row per photo, one column per label (images scaled to ``cell`` high)."""
    def fit(a):
        im = Image.fromarray(a if a.ndim == 3 else np.stack([a] * 3, -1))
        return im.resize((max(1, round(im.width * cell / im.height)), cell), Image.LANCZOS)

    fitted = [[fit(a) for a in row] for row in rows]
    col_w = [max(r[i].width for r in fitted) for i in range(len(labels))]
    out = Image.new("RGB", (sum(col_w) + 4 * len(col_w), 24 + len(rows) * (cell + 4)), "white")
    draw = ImageDraw.Draw(out)
    x = 0
    for i, label in enumerate(labels):
        draw.text((x + 4, 6), label, fill="black")
        for j, row in enumerate(fitted):
            out.paste(row[i], (x, 24 + j * (cell + 4)))
        x += col_w[i] + 4
    return out


def grey_copy(photo: Photo) -> Photo:
    from engine.inference import luminance

    l = luminance(photo).numpy()
    codes = np.clip(np.round(l / 100 * 255), 0, 255).astype(np.uint8)  # only for display next to the others
    return Photo(codes, None, photo.source)


def picture_rows(paths: list[Path], colourisers: list[Colouriser], with_original: bool) -> list[list[np.ndarray]]:
    rows = []
    for path in paths:
        photo = resize_photo(read_photo(path), 512)
        if photo.bit_depth == 16:
            photo = Photo((photo.pixels // 257).astype(np.uint8))
        grey = grey_copy(photo)
        row = [grey.pixels] + [c.colourise(photo).pixels for c in colourisers]
        if with_original:
            row.append(photo.pixels)
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-minutes", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-training", action="store_true", help="use the models trained by an earlier run")
    parser.add_argument("--archs", default=",".join(LINEAGE + (DEFAULT_ARCH,)))
    parser.add_argument("--models", default="", help="'label=model file;label=model file': evaluate only these (no training)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N validation photos only")
    parser.add_argument("--dev-limit", type=int, default=None, help="evaluate on an even spread of N dev photos")
    parser.add_argument("--train-only", action="store_true", help="train the short-budget models, evaluate nothing")
    parser.add_argument("--bw-all", action="store_true", help="also draw every photo of ../shared/data/bw, 8 to a page")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/quality.md and docs/quality-samples.jpg alone")
    args = parser.parse_args()
    val = SHARED / "val"
    if not val.is_dir():
        print(f"bench/quality.py needs {val} (see ../shared/data/README.md)")
        return 2
    torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    models: dict[str, Path] = {}
    archs: list[str] = []
    if args.models:
        for entry in args.models.split(";"):
            label, _, path = entry.partition("=")
            models[label.strip()] = Path(path.strip())
    else:
        archs = [a for a in args.archs.split(",") if a]
        for arch in archs:
            path = RUNS / "models" / f"quality-{arch}.safetensors"
            if not args.skip_training or not path.exists():
                path = short_training(arch, args.train_minutes, args.threads)
            models[f"{arch} ({args.train_minutes:g} min)"] = path
        if SHIPPED.exists():
            models["default (shipped)"] = SHIPPED
    if args.train_only:
        return 0

    sets = photo_sets(args.dev_limit)
    reports: dict[str, dict[str, dict]] = {}
    t0 = time.perf_counter()
    for label, path in models.items():
        reports[label] = {}
        for set_name, photo_set in sets.items():
            reports[label][set_name] = evaluate(path, photo_set, args.limit if set_name == "val" else None)
            print(f"evaluated {label} on {set_name} ({time.perf_counter() - t0:.0f} s)", flush=True)

    first = next(iter(reports.values()))
    rows = []
    for set_name in sets:
        grey = first[set_name]["grey"]
        rows.append(("grey baseline", set_name, grey, grey))
        rows += [(label, set_name, reports[label][set_name]["model"], grey) for label in models]
    notes = []
    for set_name in sets:
        r = first[set_name]
        notes.append(f"{set_name}: {r['count']} photos, originals' mean colourfulness {r['model']['colourfulness_original']:.1f}")
    table = markdown_table(rows) + "\n\n" + "; ".join(notes) + ". Photos at full size. " + (
        f"Short trainings: {args.train_minutes:g} minutes each, same recipe (bench/quality.py)." if archs else ""
    )
    print(table)
    (RESULTS / "quality.json").write_text(json.dumps({"train_minutes": args.train_minutes, "sets": {k: str(v) for k, v in sets.items()}, "reports": reports}, indent=1, default=str))

    doc = REPO / "docs" / "quality.md"
    if not args.no_doc and doc.exists() and TABLE_START in doc.read_text():
        text = doc.read_text()
        head, rest = text.split(TABLE_START, 1)
        doc.write_text(head + TABLE_START + "\n" + table + "\n" + TABLE_END + rest.split(TABLE_END, 1)[1])

    # Pictures: the best lineage model by colourfulness gap next to the default (or the models given).
    lineage = [f"{a} ({args.train_minutes:g} min)" for a in archs if a in LINEAGE]
    best = min(lineage, key=lambda a: reports[a]["val"]["model"]["colourfulness_gap"]) if lineage else None
    shown = ([best] if best else []) + [label for label in models if label not in lineage]
    colourisers = [Colouriser(load_model(models[label])[0], "cpu") for label in shown]
    names = [label.split(" (")[0] for label in shown]
    val_paths = sorted(val.glob("*"))[::12][:6]
    grid(picture_rows(val_paths, colourisers, True), ["grey"] + names + ["original"]).save(RESULTS / "quality-grid-val.png")
    from engine.data import list_images

    dev_paths = list_images([sets["dev"]])
    grid(picture_rows(dev_paths[:: max(1, len(dev_paths) // 8)][:8], colourisers, True), ["grey"] + names + ["original"]).save(
        RESULTS / "quality-grid-dev.png"
    )
    bw = SHARED / "bw"
    if bw.is_dir():
        bw_paths = sorted(bw.glob("*"))
        grid(picture_rows(bw_paths[::7][:6], colourisers, False), ["grey"] + names).save(RESULTS / "quality-grid-bw.png")
        if args.bw_all:  # every historical photo, 8 to a page: the look-and-feel check
            for page in range(0, len(bw_paths), 8):
                rows = picture_rows(bw_paths[page : page + 8], colourisers, False)
                grid(rows, ["grey"] + names, cell=260).save(RESULTS / f"quality-bw-all-{page // 8}.png")
    samples = sorted(p for p in (REPO / "resources" / "samples").glob("*") if p.suffix.lower() in {".jpg", ".png"})
    if samples and not args.no_doc:
        grid(picture_rows(samples, colourisers, False), ["grey"] + names).save(REPO / "docs" / "quality-samples.jpg", quality=85)
    print(f"wrote {RESULTS / 'quality.json'}, picture grids in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
