"""``colourise evaluate --model M FOLDER``: how well a model colours a folder of colour photos.

Each photo's colour is removed, the model colours it back through the real
inference path, and the result is scored against the original (PSNR, SSIM, a/b
AuC, colourfulness and its gap, chroma ratio, hue accuracy, false colour, cast),
next to the grey baseline (the photo with its colour removed). ``--json`` adds the
per-photo scores and the 6 x 6 hue-sector confusion matrix. FOLDER may also be a
photo list (.txt, e.g. configs/dev-split.txt). Exit codes: 0 done, 1 no usable
photo, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.cli import argtypes

ROWS = (
    ("psnr", "PSNR (dB, higher is better)"),
    ("ssim", "SSIM (higher is better)"),
    ("auc", "a/b AuC 0-150 (higher is better)"),
    ("colourfulness", "colourfulness"),
    ("colourfulness_original", "colourfulness of the originals"),
    ("colourfulness_gap", "colourfulness gap (lower is better)"),
    ("chroma_ratio", "chroma ratio (1 = as vivid)"),
    ("hue_accuracy", "hue accuracy (right 60-degree hue sector)"),
    ("false_colour", "false colour on neutral pixels (lower is better)"),
    ("cast", "photo-wide colour cast, Lab units (lower is better)"),
)


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model on a folder of colour photos, next to the grey baseline",
        description="Remove the colour of each photo in FOLDER, colour it back with the model and compare "
        "with the original. Greyscale and unreadable photos are skipped.",
        epilog="example: colourise evaluate --model default ../shared/data/val --limit 20",
    )
    parser.add_argument("folder", metavar="FOLDER", help="a folder of colour photos (searched recursively) or a photo list (.txt)")
    parser.add_argument("-m", "--model", default="default", metavar="NAME|PATH", help="library model name or model file (default: %(default)s)")
    parser.add_argument("--limit", type=argtypes.positive_int, metavar="N", help="score only the first N photos")
    parser.add_argument("--size", type=argtypes.positive_int, metavar="N", help="shrink photos to this long side first (quicker)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), help="where the network runs")
    parser.add_argument("--json", action="store_true", help="print JSON (means and per-photo scores)")
    return parser


def format_report(report: dict, model_name: str) -> str:
    from engine.metrics import format_metric

    header = ("metric", model_name, "grey baseline")
    rows = [(label, format_metric(key, report["model"].get(key)), format_metric(key, report["grey"].get(key))) for key, label in ROWS]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    lines = [f"{report['count']} photos in {report['folder']}" + (f" ({len(report['skipped'])} skipped)" if report["skipped"] else "")]
    for r in (header, *rows):
        lines.append(f"{r[0].ljust(widths[0])}  {r[1].rjust(widths[1])}  {r[2].rjust(widths[2])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.inference import Colouriser
    from engine.metrics import evaluate_model

    from engine.data import PHOTO_LIST_SUFFIX, read_photo_list

    folder = Path(args.folder).expanduser()
    is_list = folder.is_file() and folder.suffix.lower() == PHOTO_LIST_SUFFIX
    if not folder.is_dir() and not is_list:
        print(f"colourise: error: {folder}: no such folder or photo list (.txt)", file=sys.stderr)
        return 2
    if is_list:
        # A list naming photos relative to itself breaks when it is read from another checkout:
        # say so instead of quietly scoring fewer photos.
        missing = [p for p in read_photo_list(folder) if not p.is_file()]
        if missing:
            print(f"colourise: warning: {folder}: {len(missing)} listed photos are missing, e.g. {missing[0]}", file=sys.stderr)
    colouriser = Colouriser.from_name(args.model, device=args.device, user_dir=getattr(args, "models_dir", None))
    report = evaluate_model(colouriser, folder, size=args.size, limit=args.limit)
    for line in report["skipped"]:
        print(f"skipped {line}", file=sys.stderr)
    if args.json:
        print(json.dumps({"model": colouriser.name or args.model, **report}, indent=2))
    elif report["count"]:
        print(format_report(report, colouriser.name or str(args.model)))
    if not report["count"]:
        print(f"colourise: error: no usable colour photos in {folder}", file=sys.stderr)
        return 1
    return 0
