"""``colourise models [--json]``: the models in your library and those bundled with the app."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "models",
        help="list the models you can colour with",
        description="List the models in your library (see --models-dir) and those bundled with the app.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.library import bundled_models_dir, list_library, user_models_dir

    rows = [_row(entry) for entry in list_library(args.models_dir)]
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    print(f"Your library: {user_models_dir(args.models_dir)}")
    print(f"Bundled:      {bundled_models_dir()}")
    if not rows:
        print("No models yet: train one with `colourise train`, or copy a .safetensors model into your library.")
        return 0
    print()
    print(format_table(rows))
    return 0


def _row(entry) -> dict[str, Any]:
    from engine.model_summary import validated_on

    info = entry.info
    training = info.training if info else {}
    return {
        "name": entry.name,
        "source": "bundled" if entry.bundled else "user",
        "path": str(entry.path),
        "architecture": info.arch if info else None,
        "parameters": info.parameters if info else None,
        "config": info.config if info else None,
        "created": info.created if info else None,
        "trained": training_summary(info) if info else "",
        "metrics": dict(training.get("metrics") or {}),
        "validated_on": validated_on(training),  # "validation photos", "training photos" (nothing held out), or null: not known
        "training": training,
        "error": entry.error or None,
        "problem": entry.problem or None,  # why a readable model cannot colour here (null: it can)
    }


def training_summary(info) -> str:
    """One line: ``703 photos from train, bw; 20 epochs`` (what is known of it; every stage's passes counted)."""
    from engine.model_summary import epochs_text, trained_on  # torch: imported here, so --help stays quick

    parts = [trained_on(info.training or {}), epochs_text(info.epochs)]
    if parts[1]:
        parts[1] += " epoch" if info.epochs == 1 else " epochs"
    return "; ".join(p for p in parts if p)


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table, one model per line; an unreadable file shows its error instead."""
    from engine.model_summary import parameters_text, validation_text

    header = ("NAME", "ARCHITECTURE", "PARAMS", "SOURCE", "TRAINED ON", "VALIDATION")
    lines = []
    for row in rows:
        if row["error"]:
            lines.append((row["name"], "-", "-", row["source"], f"unreadable: {row['error']}", ""))
        elif row.get("problem"):
            lines.append((row["name"], row["architecture"], parameters_text(row["parameters"]) or "?", row["source"], row["problem"], ""))
        else:
            lines.append(
                (row["name"], row["architecture"], parameters_text(row["parameters"]) or "?", row["source"], row["trained"] or "-",
                 validation_text(row["metrics"], row["validated_on"]) or "-")
            )
    widths = [max(len(str(r[i])) for r in (header, *lines)) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in (header, *lines))
