"""``colourise images INPUT... --output DIR``: colour photos and folders of photos into a folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli import argtypes
from engine.cli.terminal import LinesHelpFormatter, printable

DEFAULT_MODEL = "default"
MAX_STRENGTH = 2.0  # as engine.inference.MAX_STRENGTH; repeated so --help needs no torch
IN_COLOUR_NOTE = "was in colour already; its colours were made anew from its greys"  # after "<photo name>: "
SKIPPED_NOTE = "exists, skipped (use --overwrite to replace it)"  # after "<output>: "
SKIPPED_SHOWN = 5  # skipped outputs named one a line; the rest counted (a second run over thousands)


def _strength(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= MAX_STRENGTH:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..{MAX_STRENGTH:g} (0 grey, 1 the model's colour)")
    return value


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of pixels") from None
    if not 32 <= value <= 4096:
        raise argparse.ArgumentTypeError(f"{value} is outside 32..4096 pixels")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    from engine.photo import OUTPUT_FORMATS  # numpy and Pillow, no torch: --help stays quick

    parser = subparsers.add_parser(
        "images",
        help="colour photos (files or folders) into an output folder",
        description="Colour greyscale photos. Folders are searched recursively, leaving out the colour "
        "versions Colourise saved before (name one to colour it again); each output keeps its "
        "photo's name (and sub-folder) in the output folder. Existing files are never replaced "
        "unless --overwrite, and originals never.",
        epilog="examples: colourise images scans/ grandma.tif --output coloured/ --strength 1.2\n"
        "          colourise images beach.jpg --output coloured/ --hints beach.json\n"
        'hint files: {"points": [{"x": 120, "y": 48, "colour": "#a0c4ff"}, ...]} (x, y in the photo\'s pixels)',
        formatter_class=LinesHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="photo files and folders")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the colour photos (created if missing)")
    parser.add_argument("-m", "--model", default=DEFAULT_MODEL, metavar="NAME|PATH", help="library model name or model file (default: %(default)s)")
    parser.add_argument(
        "-s", "--strength", type=_strength, default=None, metavar="S",
        help="colour strength 0..2: 0 grey, 1 as the model predicts (default: the strength a photo's hint file was saved at, else 1)",
    )
    parser.add_argument("--size", type=_size, default=None, metavar="N", help="long side, in pixels, the network sees (default: the model's own)")
    parser.add_argument("--device", type=argtypes.device, default="auto", metavar="auto|cpu|cuda", help="where the network runs (default: auto, CUDA when present)")
    parser.add_argument("--format", choices=tuple(OUTPUT_FORMATS), default="same", help="output format (default: same as each input)")
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist (never the originals)")
    parser.add_argument(
        "--before-after", action="store_true",
        help="write each original beside its colours, one picture to share (<name>-before-after.<ext>)",
    )
    hints = parser.add_mutually_exclusive_group()
    hints.add_argument("--hints", metavar="FILE.json", help="colour hints for the one photo given (points the colours must follow)")
    hints.add_argument("--hints-dir", metavar="DIR", help=(
        "colour hints per photo, where present: DIR/<photo name without suffix>.json, or the hints the window saved in DIR"
        " beside a colour version of the photo (<name>-colourised.<ext>.hints.json)"
    ))
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.batch import collect_photos, colourise_files
    from engine.errors import ModelFileError
    from engine.events import PhotoDone, PhotoFailed, PhotoSkipped
    from engine.inference import Colouriser
    from engine.library import resolve_model
    from engine.task import TaskState

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        return _usage(f"--output {output} is a file, not a folder")
    found, colourised, not_regular = collect_photos(args.inputs, exclude=output)
    photos, colourised = [p.path for p in found], [p.path for p in colourised]
    if not_regular:  # (said first: also when nothing else is found)
        print(f"colourise images: {not_regular_text([p.path for p in not_regular])}", file=sys.stderr)
    if not photos and colourised:
        return _usage(colourised_text(colourised, nothing_else=True))
    if not photos:
        return _usage(f"no photos found in {', '.join(args.inputs)} (looked for .jpg .png .tif .bmp .webp)")
    try:
        model_path = resolve_model(args.model, args.models_dir)
    except ModelFileError as exc:
        if args.model == DEFAULT_MODEL:
            return _usage("the default model is not installed yet; name one with --model NAME|PATH (see `colourise models`)")
        return _usage(str(exc))
    try:
        colouriser = Colouriser.from_name(model_path, device=args.device, working_size=args.size)
    except ModelFileError as exc:
        return _usage(str(exc))
    except RuntimeError as exc:  # e.g. --device cuda without a GPU
        return _usage(str(exc).splitlines()[0])
    if args.hints:
        if len(photos) != 1:
            return _usage(f"--hints is for one photo; {len(photos)} found (use --hints-dir for several)")
        if Path(args.hints).is_dir():
            return _usage(f"--hints {args.hints} is a folder, not a hint file")
        if not Path(args.hints).is_file():
            return _usage(f"--hints {args.hints}: no such file")
    if args.hints_dir and not Path(args.hints_dir).is_dir():
        return _usage(f"--hints-dir {args.hints_dir}: no such folder")
    if (args.hints or args.hints_dir) and not colouriser.takes_hints:
        print(f"colourise images: model {colouriser.name or args.model} takes no colour hints; they are ignored", file=sys.stderr)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _usage(f"cannot create --output {output}: {exc.strerror or exc}")

    if colourised:
        print(f"colourise images: {colourised_text(colourised)}", file=sys.stderr)
    from tqdm import tqdm

    with tqdm(total=len(photos), unit="photo", file=sys.stderr, disable=not sys.stderr.isatty(), dynamic_ncols=True) as bar:

        in_colour, skipped = [], []

        def on_event(event) -> None:
            if isinstance(event, PhotoFailed):
                bar.write(printable(named_by_path(event.message, event.source)), file=sys.stderr)
            if isinstance(event, PhotoSkipped):
                skipped.append(event.output)
                if len(skipped) <= SKIPPED_SHOWN:
                    bar.write(f"{printable(shown_path(event.output))}: {SKIPPED_NOTE}", file=sys.stderr)
            if isinstance(event, PhotoDone) and event.in_colour:
                in_colour.append(event.source)
                bar.write(f"{printable(shown_path(event.source))}: {IN_COLOUR_NOTE}", file=sys.stderr)
            if isinstance(event, (PhotoDone, PhotoFailed, PhotoSkipped)):
                bar.update(1)

        result = colourise_files(
            args.inputs, output, colouriser, strength=args.strength, fmt=args.format, overwrite=args.overwrite, state=TaskState(on_event),
            hints_file=args.hints, hints_dir=args.hints_dir, before_after=args.before_after, found=found,
        )
    if len(skipped) > SKIPPED_SHOWN:
        print(f"... and {len(skipped) - SKIPPED_SHOWN:,} more skipped", file=sys.stderr)
    print(summary(result.succeeded, result.failed, result.skipped, len(in_colour)) + f" -> {output}")
    return 1 if result.failed else 0


def shown_path(path: Path) -> str:
    """A photo as a batch's messages name it: its path from the current folder when it lies under it, else whole.

    Its name alone could not tell ``scans/1920/bad.jpg`` from ``scans/1930/bad.jpg``.
    """
    path = Path(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path.absolute())


def named_by_path(message: str, source: Path) -> str:
    """``message`` ("<file name>: <reason>") naming ``source`` by ``shown_path`` instead."""
    name = Path(source).name
    return shown_path(source) + message[len(name):] if message.startswith(f"{name}: ") else message


def summary(coloured: int, failed: int, skipped: int, in_colour: int = 0) -> str:
    """``12 coloured (3 were in colour already), 1 failed, 2 skipped (exist; use --overwrite)``, leaving out zero counts."""
    parts = [f"{coloured} coloured" + (f" ({in_colour} {'was' if in_colour == 1 else 'were'} in colour already)" if in_colour else "")]
    if failed:
        parts.append(f"{failed} failed")
    if skipped:
        parts.append(f"{skipped} skipped (exist; use --overwrite)")
    return ", ".join(parts)


def colourised_text(paths: list[Path], nothing_else: bool = False) -> str:
    """``left out 2 colour versions Colourise saved (out/a.jpg, out/b.jpg); name one to colour it again``."""
    names = ", ".join(printable(str(p)) for p in paths[:2]) + (", ..." if len(paths) > 2 else "")
    versions = f"colour version{'s' if len(paths) != 1 else ''} Colourise saved ({names})"
    if nothing_else:
        return f"only {len(paths)} {versions} found; name one to colour it again"
    return f"left out {len(paths)} {versions}; name one to colour it again"


def not_regular_text(paths: list[Path]) -> str:
    """``left out scans/pipe.png: not a regular file``, or ``left out 3 files that are not regular files (a, b, ...)``:
    named pipes, sockets or devices named like photos in the folders (never opened: a named pipe would wait)."""
    if len(paths) == 1:
        return f"left out {printable(str(paths[0]))}: not a regular file"
    names = ", ".join(printable(str(p)) for p in paths[:2]) + (", ..." if len(paths) > 2 else "")
    return f"left out {len(paths)} files that are not regular files ({names})"


def _usage(message: str) -> int:
    print(f"colourise images: error: {printable(message)}", file=sys.stderr)
    return 2
