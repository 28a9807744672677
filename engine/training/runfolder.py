"""A run folder on disk: config, metrics log (JSONL + CSV), preview grids, checkpoint, final model.

::

    runs/<name>-<YYYYmmdd-HHMMSS>/
        config.toml          the recipe (``resume_config`` reads it back)
        dataset.json         photo counts and the files left out, with reasons
        metrics.jsonl        one JSON object per logged training step / validation
        metrics.csv          the same rows as a table
        previews/epoch-NNN.png   grey | prediction | original for the fixed validation photos
        checkpoint.pt        the latest resume checkpoint (atomic)
        <name>.safetensors   the final model (also copied into the model library)
        error.log            the traceback, when a run failed unexpectedly
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from engine.metrics import METRIC_NAMES
from engine.atomic import atomic_write_bytes, read_regular_text
from engine.errors import PhotoError
from engine.library import safe_name
from engine.photo import open_photo_file

log = logging.getLogger(__name__)
CSV_COLUMNS = ("type", "step", "epoch", "loss", "lr", "images_per_second", *METRIC_NAMES)
CONFIG_NAME = "config.toml"
# The gaps between a preview's pictures: white framed each preview in bright white on a dark page (the Runs tab shows
# the file); a mid grey reads on light and dark pages alike. Previews written with white gaps read the same (read_preview).
GAP_GREY = 128


def new_run_dir(parent: str | Path, name: str) -> Path:
    """Create ``<parent>/<name>-<timestamp>`` (with ``-2``, ``-3`` ... when taken)."""
    parent = Path(parent).expanduser()
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{safe_name(name)}-{stamp}"
    parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        path = parent / (base if n == 1 else f"{base}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            n += 1


def _is_train_row_at(row: dict[str, Any], step: int) -> bool:
    """A training-curve row (of metrics.jsonl, or metrics.csv's, whose values are text) logged at ``step``."""
    return row.get("type") == "train" and str(row.get("step")) == str(step)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else (1e308 if value > 0 else -1e308)
    return value


class RunFolder:
    """Writes a run's files; used by rank 0 only."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.previews = self.path / "previews"
        self.jsonl = self.path / "metrics.jsonl"
        self.csv = self.path / "metrics.csv"
        self.checkpoint = self.path / "checkpoint.pt"

    def write_config(self, text: str) -> None:
        atomic_write_bytes(self.path / CONFIG_NAME, text.encode("utf-8"))

    def write_json(self, name: str, data: dict) -> None:
        atomic_write_bytes(self.path / name, (json.dumps(data, indent=2, default=str) + "\n").encode("utf-8"))

    def truncate_after(self, step: int, train_row_at_step: bool = True) -> None:
        """Drop logged rows past ``step`` (written after the checkpoint a resumed run starts from).

        ``train_row_at_step=False`` drops the training row at ``step`` too (a stop's, whose steps the
        resumed run's next row takes in).
        """
        if self.jsonl.exists():
            kept, odd = [], 0
            for line in read_regular_text(self.jsonl).splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a kill
                if not isinstance(row, dict) or not isinstance(row.get("step", 0), (int, float)):
                    odd += 1  # not ours: written by hand or by another tool
                    continue
                if row.get("step", 0) <= step and (train_row_at_step or not _is_train_row_at(row, step)):
                    kept.append(line)
            if odd:
                log.warning("%s: skipped %d lines that are not JSON objects with a step", self.jsonl, odd)
            atomic_write_bytes(self.jsonl, ("\n".join(kept) + "\n" if kept else "").encode("utf-8"))
        if self.csv.exists():
            rows = list(csv.DictReader(io.StringIO(read_regular_text(self.csv))))
            rows = [r for r in rows if r.get("step", "").isdigit() and int(r["step"]) <= step
                    and (train_row_at_step or not _is_train_row_at(r, step))]
            buf = io.StringIO()
            writer = csv.DictWriter(buf, CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            atomic_write_bytes(self.csv, buf.getvalue().encode("utf-8"))

    def log(self, row: dict[str, Any]) -> None:
        """Append one row to metrics.jsonl and metrics.csv (flushed, so a kill keeps it)."""
        row = {k: _plain(v) for k, v in row.items()}
        with open(self.jsonl, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
        new = not self.csv.exists() or self.csv.stat().st_size == 0
        with open(self.csv, "a", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, CSV_COLUMNS, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})

    def write_preview(self, epoch: int, triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Path:
        """A grid PNG: one row per photo, columns grey | prediction | original."""
        self.previews.mkdir(exist_ok=True)
        path = self.previews / f"epoch-{epoch:03d}.png"
        buf = io.BytesIO()
        Image.fromarray(preview_grid(triplets)).save(buf, format="PNG")
        atomic_write_bytes(path, buf.getvalue())
        return path


def preview_grid(triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]], gap: int = 2) -> np.ndarray:
    """Tile (grey, prediction, original) uint8 images into one grid, with mid-grey gaps."""
    h = max(t[0].shape[0] for t in triplets)
    w = max(t[0].shape[1] for t in triplets)
    rows, cols = len(triplets), 3
    grid = np.full((rows * h + (rows + 1) * gap, cols * w + (cols + 1) * gap, 3), GAP_GREY, np.uint8)
    for r, images in enumerate(triplets):
        for c, img in enumerate(images):
            y, x = gap + r * (h + gap), gap + c * (w + gap)
            grid[y : y + img.shape[0], x : x + img.shape[1]] = img
    return grid


def read_preview(path: str | Path, gap: int = 2) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The (grey, prediction, original) images of a preview grid ``preview_grid`` wrote (its crops are square);
    [] when the file cannot be read or is not such a grid."""
    try:
        # Opened as photos are: a named pipe called "epoch-001.png" is not waited on forever.
        with open_photo_file(path) as fh, Image.open(fh) as image:
            grid = np.asarray(image.convert("RGB"))
    except (PhotoError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):  # (over a low $COLOURISE_MAX_MEGAPIXELS)
        return []
    side = (grid.shape[1] - 4 * gap) // 3
    if side <= 0 or 3 * side + 4 * gap != grid.shape[1] or (grid.shape[0] - gap) % (side + gap):
        return []
    triplets = []
    for row in range((grid.shape[0] - gap) // (side + gap)):
        y = gap + row * (side + gap)
        triplets.append(tuple(grid[y : y + side, gap + c * (side + gap) : gap + c * (side + gap) + side].copy() for c in range(3)))
    return triplets
