"""``colourise evaluate --model M [--model N ...] FOLDER``: how well models colour a folder of colour photos.

Each photo's colour is removed, the model colours it back through the real
inference path, and the result is scored against the original (PSNR, SSIM, a/b
AuC, colourfulness and its gap, chroma ratio, hue accuracy, false colour, cast; each the mean of the
photos' scores, but the chroma ratio, the photos' mean Lab chroma over the originals'),
next to the grey baseline (the photo with its colour removed); several models are scored
side by side. ``--json`` adds the per-photo scores and the 6 x 6 hue-sector confusion matrix,
as ``{"reports": [...]}``, one report a model (one model too). FOLDER may also be a
photo list (.txt, e.g. configs/dev-split.txt) or one photo. Exit codes: 0 done, 1 no usable
photo, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.cli import argtypes
from engine.cli.terminal import LinesHelpFormatter

ROWS = (
    ("psnr", "PSNR (dB, higher is better)"),
    ("ssim", "SSIM (higher is better)"),
    ("auc", "a/b AuC 0-150 (higher is better)"),
    ("colourfulness", "colourfulness"),
    ("colourfulness_original", "colourfulness of the originals"),
    ("colourfulness_gap", "colourfulness gap (lower is better)"),
    ("chroma_ratio", "chroma ratio (mean chroma / originals', 1 = as vivid)"),
    ("hue_accuracy", "hue accuracy (right 60-degree hue sector)"),
    ("false_colour", "false colour on neutral pixels (lower is better)"),
    ("cast", "photo-wide colour cast, Lab units (lower is better)"),
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model on a folder of colour photos, next to the grey baseline",
        description="Remove the colour of each photo in FOLDER, colour it back with the model and compare "
        "with the original. Greyscale and unreadable photos are skipped. Each score is the mean of the photos', "
        "but the chroma ratio: the photos' mean Lab chroma over the originals' (1 = as vivid; per photo in --json), "
        "so a photo with little colour in its original does not outweigh the rest.",
        epilog="examples: colourise evaluate --model default ../shared/data/val --limit 20\n"
        "          colourise evaluate -m default -m my-model photos/",
        formatter_class=LinesHelpFormatter,
    )
    parser.add_argument("folder", metavar="FOLDER", help="a folder of colour photos (searched recursively), one colour photo, or a photo list (.txt)")
    parser.add_argument(
        "-m", "--model", action="append", metavar="NAME|PATH",
        help="library model name or model file (default: default); repeat it to score several side by side",
    )
    parser.add_argument("--limit", type=argtypes.positive_int, metavar="N", help="score only the first N photos")
    parser.add_argument(
        "--spread", action="store_true",
        help="with --limit, N photos spread over the folder instead of the first N (a folder of folders: some of each)",
    )
    parser.add_argument("--size", type=argtypes.positive_int, metavar="N", help="shrink photos to this long side first (quicker)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where the network runs")
    parser.add_argument("--json", action="store_true", help='print JSON, {"reports": [...]}, one report a model (means and per-photo scores)')
    return parser


def format_reports(reports: list[dict], model_names: list[str]) -> str:
    """A table: one row a metric, one column a model, the grey baseline last (the photos are the same for all)."""
    from engine.metrics import format_metric

    first = reports[0]
    header = ("metric", *model_names, "grey baseline")
    rows = [
        (label, *(format_metric(key, r["model"].get(key)) for r in reports), format_metric(key, first["grey"].get(key)))
        for key, label in ROWS
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [f"{first['count']} photo{'' if first['count'] == 1 else 's'} in {first['folder']}" + (f" ({len(first['skipped'])} skipped)" if first["skipped"] else "")]
    for r in (header, *rows):
        lines.append("  ".join([r[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(r[1:], widths[1:]))]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.inference import Colouriser
    from engine.metrics import evaluate_model

    from engine.data import PHOTO_LIST_SUFFIX, read_photo_list
    from engine.photo import is_photo_path

    folder = Path(args.folder).expanduser()
    is_list = folder.is_file() and folder.suffix.lower() == PHOTO_LIST_SUFFIX
    if not folder.exists():
        print(f"colourise evaluate: error: {folder}: no such folder, photo or photo list (.txt)", file=sys.stderr)
        return 2
    if not folder.is_dir() and not is_list and not is_photo_path(folder):  # one photo is scored on its own
        print(f"colourise evaluate: error: {folder} is not a photo: give a folder of colour photos, a photo or a photo list (.txt)", file=sys.stderr)
        return 2
    if is_list:
        # A list naming photos relative to itself breaks when it is read from another checkout:
        # say so instead of quietly scoring fewer photos.
        missing = [p for p in read_photo_list(folder) if not p.is_file()]
        if missing:
            are = "photo is" if len(missing) == 1 else "photos are"
            print(f"colourise evaluate: warning: {folder}: {len(missing)} listed {are} missing, e.g. {missing[0]}", file=sys.stderr)
    names, reports = [], []
    for model in args.model or ["default"]:
        colouriser = Colouriser.from_name(model, device=args.device, user_dir=getattr(args, "models_dir", None))
        names.append(colouriser.name or str(model))
        reports.append(evaluate_model(colouriser, folder, size=args.size, limit=args.limit, spread=args.spread))
    report = reports[0]  # (the photos, and so the skipped ones and the grey baseline, are the same for every model)
    for line in report["skipped"]:
        print(f"skipped {line}", file=sys.stderr)
    if args.json:
        # (the same shape for one model as for several: a script reads one)
        tagged = [{"model_name": name, **r} for name, r in zip(names, reports)]  # ("model" holds its means)
        print(json.dumps({"reports": tagged}, indent=2))
    elif report["count"]:
        print(format_reports(reports, names))
    if not report["count"]:
        print(f"colourise evaluate: error: no usable colour photos in {folder}", file=sys.stderr)
        return 1
    return 0
