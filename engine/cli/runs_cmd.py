"""``colourise runs``: every training run, side by side (``--json`` for scripts).

    colourise runs                       # ./runs, or the window's runs when there is no ./runs
    colourise runs --run-dir ~/runs --json
    colourise runs --keep runs/colour_unet-20261201-102059 --name good-enough   # a stopped run's model, as it stands
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
TABLE_RUNS = 4  # runs whose differing settings are a table, a column a run; more read a line a setting
NAMED_RUNS = 3  # runs named for one value of a setting, the rest counted


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "runs",
        help="list training runs with their status, progress and last validation metrics",
        description="List the training runs in a folder: status (running, finished, stopped and resumable, failed with "
        "the reason), steps, date, time spent, the last validation metrics, and the settings in which the runs differ.",
    )
    parser.add_argument("--run-dir", metavar="DIR", help="the folder that holds the run folders (default: ./runs when it exists, "
                        "else the window's runs folder beside your model library)")
    parser.add_argument("--json", action="store_true", help="print JSON: {\"runs\": [...], \"differing_settings\": {...}}")
    parser.add_argument("--keep", metavar="RUN", help="add the model of this stopped run, as it stands at its last checkpoint, "
                        "to the model library (the run can still be resumed)")
    parser.add_argument("--name", help="with --keep: the model's name in the library (default: <model name>-step<N>)")
    return parser


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def run(args: argparse.Namespace) -> int:
    from engine.model_summary import TRAINING_PHOTOS_MARK
    from engine.runs import default_runs_dir, differing_settings, format_duration, list_runs, metric_text

    if args.keep:
        return keep(args.keep, args.name, getattr(args, "models_dir", None))
    if args.name:
        print("colourise runs: error: --name goes with --keep", file=sys.stderr)
        return EXIT_USAGE
    if not args.run_dir:
        args.run_dir = str(default_runs_dir())
    elif not Path(args.run_dir).expanduser().is_dir():  # (the default folder is made by the first run)
        print(f"colourise runs: error: {args.run_dir}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    runs = list_runs(args.run_dir)
    differ = differing_settings(runs)
    if args.json:
        json.dump({"run_dir": str(args.run_dir), "runs": [r.to_dict() for r in runs], "differing_settings": differ},
                  sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    if not runs:
        print(f"no training runs in {args.run_dir}")
        return EXIT_OK
    hue_keys = sorted({k for r in runs for k in r.hue_metrics})
    header = ["run", "arch", "status", "steps", "started", "time", "img/s", "PSNR", "AuC", "colourful", *[k.replace("_", " ") for k in hue_keys]]
    rows = [header]
    for r in runs:
        steps = f"{r.steps}/{r.total_steps}" if r.total_steps and r.status != "finished" else str(r.steps)
        scores = [
            *[metric_text(k, r.metrics.get(k), digits) for k, digits in (("psnr", 2), ("auc", 3), ("colourfulness", 1))],
            *[metric_text(k, r.metrics.get(k)) for k in hue_keys],
        ]
        if r.validated_on == "training photos":
            _mark_last(scores, TRAINING_PHOTOS_MARK)  # as `colourise models` marks such scores
        rows.append([
            r.name, r.arch, r.status + (" (resumable)" if r.resumable and r.status != "stopped" else ""), steps,
            r.started.replace("T", " ")[:16], format_duration(r.seconds), "" if r.images_per_second is None else f"{r.images_per_second:,.1f}",
            *scores,
        ])
    print(table(rows))
    for r in runs:
        if r.message and r.status in ("failed", "stopped"):
            print(f"{r.name}: {r.status}: {r.message}")
    compared = settings_that_differ([r.name for r in runs], differ)
    if compared:
        print("\nsettings that differ:")
        print(compared)
    return EXIT_OK


def settings_that_differ(names: list[str], differ: dict[str, list]) -> str:
    """The settings in which the runs ``names`` differ ("" when none but their names, which the table gives): a column
    a run for up to ``TABLE_RUNS`` runs; beyond, a line a setting, its values each with the runs that have it
    (a column each for 25 runs made lines of 700 characters)."""
    differ = {key: values for key, values in differ.items() if key != "name"}
    if not differ:
        return ""
    if len(names) <= TABLE_RUNS:
        return table([["setting", *names], *[[key, *map(_plain, values)] for key, values in differ.items()]])
    return "\n".join(f"{key}: {_by_value(names, values)}" for key, values in differ.items())


def _by_value(names: list[str], values: list) -> str:
    """``0.01 (run b), 0.003 (runs c, d, e and 2 more), 0.001 (the other 20 runs)``: the most common value last."""
    runs: dict[str, list[str]] = {}
    for name, value in zip(names, values):
        runs.setdefault(_plain(value), []).append(name)
    most = max(runs, key=lambda value: len(runs[value]))
    parts = []
    for value, holders in [*((v, h) for v, h in runs.items() if v != most), (most, runs[most])]:
        if value == most and len(holders) > 1 and len(runs) > 1:
            parts.append(f"{value} (the other {len(holders)} runs)")
        elif len(holders) == 1:
            parts.append(f"{value} (run {holders[0]})")
        else:
            more = f" and {len(holders) - NAMED_RUNS} more" if len(holders) > NAMED_RUNS else ""
            parts.append(f"{value} (runs {', '.join(holders[:NAMED_RUNS])}{more})")
    return ", ".join(parts)


def keep(run_dir: str, name: str | None, models_dir: str | None = None) -> int:
    from engine.errors import user_message
    from engine.training.keep import keep_model

    try:
        kept = keep_model(run_dir, name, models_dir)
    except Exception as exc:  # one line, whatever went wrong (a full disk, a damaged checkpoint ...)
        print(f"colourise runs: error: {user_message(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if kept.already:
        print(f"already kept as {kept.path.stem} in the model library: {kept.path}")
    else:
        taken = f" ({name} was taken)" if name and kept.path.stem != name else ""
        print(f"kept {kept.path.stem} in the model library{taken}: {kept.path}")
    return EXIT_OK


def _mark_last(cells: list[str], mark: str) -> None:
    """``mark`` after the last of ``cells`` that holds a value (none: nothing to mark)."""
    last = next((i for i in reversed(range(len(cells))) if cells[i]), None)
    if last is not None:
        cells[last] += mark


def _plain(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
