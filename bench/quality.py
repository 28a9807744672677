"""Colour quality on ../shared/data/val: the grey baseline, every lineage architecture and the default
architecture after the same short training budget, and the shipped default model.

    .venv/bin/python bench/quality.py                        # train each for 5 minutes, then evaluate
    .venv/bin/python bench/quality.py --train-minutes 15     # the longer comparison
    .venv/bin/python bench/quality.py --skip-training        # re-evaluate the models trained before

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

from engine.inference import Colouriser, resize_photo  # noqa: E402
from engine.metrics import evaluate_model, format_metric  # noqa: E402
from engine.modelfile import load_model  # noqa: E402
from engine.photo import Photo, read_photo  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
RESULTS = REPO / "bench" / "results"
RUNS = RESULTS / "quality-runs"
LINEAGE = ("alpha", "beta", "model3", "conv_ae", "colorization_net")
DEFAULT_ARCH = "colour_unet"
SHIPPED = REPO / "resources" / "models" / "default.safetensors"
COLUMNS = ("psnr", "ssim", "colourfulness", "colourfulness_gap", "chroma_ratio", "auc")
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


def evaluate(path: Path, val: Path, limit: int | None) -> dict:
    model, info = load_model(path)
    report = evaluate_model(Colouriser(model, "cpu", name=info.name), val, limit=limit)
    report["training"] = info.training
    return report


def markdown_table(rows: list[tuple[str, dict]]) -> str:
    head = "| model | PSNR | SSIM | colourfulness | colourfulness gap | chroma ratio | a/b AuC |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for name, m in rows:
        lines.append("| " + name + " | " + " | ".join(format_metric(k, m.get(k, float("nan"))) for k in COLUMNS) + " |")
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
    parser.add_argument("--limit", type=int, default=None, help="evaluate on the first N validation photos only")
    parser.add_argument("--train-only", action="store_true", help="train the short-budget models, evaluate nothing")
    args = parser.parse_args()
    val = SHARED / "val"
    if not val.is_dir():
        print(f"bench/quality.py needs {val} (see ../shared/data/README.md)")
        return 2
    torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    archs = [a for a in args.archs.split(",") if a]
    models = {}
    for arch in archs:
        path = RUNS / "models" / f"quality-{arch}.safetensors"
        if not args.skip_training or not path.exists():
            path = short_training(arch, args.train_minutes, args.threads)
        models[arch] = path
    if args.train_only:
        return 0

    reports: dict[str, dict] = {}
    t0 = time.perf_counter()
    for arch, path in models.items():
        reports[arch] = evaluate(path, val, args.limit)
        print(f"evaluated {arch} ({time.perf_counter() - t0:.0f} s)", flush=True)
    if SHIPPED.exists():
        reports["default (shipped)"] = evaluate(SHIPPED, val, args.limit)
    grey = next(iter(reports.values()))["grey"]

    minutes = args.train_minutes
    rows = [("grey baseline", grey)]
    rows += [(f"{a} ({minutes:g} min)", reports[a]["model"]) for a in archs]
    if "default (shipped)" in reports:
        steps = reports["default (shipped)"]["training"].get("steps", "?")
        rows.append((f"**default, shipped** ({steps} steps)", reports["default (shipped)"]["model"]))
    original = float(np.mean([p["model"]["colourfulness_original"] for p in next(iter(reports.values()))["photos"]]))
    table = markdown_table(rows) + f"\n\nOriginals' mean colourfulness: {original:.1f}. " \
        f"{len(next(iter(reports.values()))['photos'])} photos of ../shared/data/val, full size. " \
        f"Short trainings: {minutes:g} minutes each, same recipe (bench/quality.py)."
    print(table)
    (RESULTS / "quality.json").write_text(json.dumps({"train_minutes": minutes, "reports": reports}, indent=1, default=str))

    doc = REPO / "docs" / "quality.md"
    if doc.exists() and TABLE_START in doc.read_text():
        text = doc.read_text()
        head, rest = text.split(TABLE_START, 1)
        doc.write_text(head + TABLE_START + "\n" + table + "\n" + TABLE_END + rest.split(TABLE_END, 1)[1])

    # Pictures: the best lineage model by colourfulness gap next to the default.
    lineage = [a for a in archs if a in LINEAGE]
    best = min(lineage, key=lambda a: reports[a]["model"]["colourfulness_gap"]) if lineage else None
    chosen = ([(best, models[best])] if best else []) + ([("default", SHIPPED)] if SHIPPED.exists() else [(DEFAULT_ARCH, models.get(DEFAULT_ARCH))])
    colourisers = [Colouriser(load_model(p)[0], "cpu") for _, p in chosen if p]
    names = [n for n, p in chosen if p]
    val_paths = sorted(val.glob("*"))[::12][:6]
    grid(picture_rows(val_paths, colourisers, True), ["grey"] + names + ["original"]).save(RESULTS / "quality-grid-val.png")
    bw = SHARED / "bw"
    if bw.is_dir():
        bw_paths = sorted(bw.glob("*"))[::7][:6]
        grid(picture_rows(bw_paths, colourisers, False), ["grey"] + names).save(RESULTS / "quality-grid-bw.png")
    samples = sorted(p for p in (REPO / "resources" / "samples").glob("*") if p.suffix.lower() in {".jpg", ".png"})
    if samples:
        grid(picture_rows(samples, colourisers, False), ["grey"] + names).save(REPO / "docs" / "quality-samples.jpg", quality=85)
    print(f"wrote {RESULTS / 'quality.json'}, picture grids in {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
