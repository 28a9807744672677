"""Every training run on disk, side by side: status, progress, last validation metrics, curves, settings.

``list_runs(parent)`` reads each run folder under ``parent`` (see
``engine.training.runfolder`` for what a run folder holds) into a ``RunSummary``;
``differing_settings(runs)`` says in which settings they differ; ``read_curves(run)``
gives the training and validation curves from ``metrics.jsonl``. Reading never writes
and never fails on a damaged folder: what cannot be read is left out, and a named pipe in a
file's place is not waited on (``engine.atomic.read_regular_text``).

Status: ``running`` (a training process holds the run's lock), ``finished`` (its model
was saved), ``stopped`` (stopped by the user, or its process ended unexpectedly, with a
resumable checkpoint), ``failed`` (with the reason).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.atomic import open_regular_file, read_regular_text
from engine.training.config import default_model_name
from engine.training.metadata import validated_on_of
from engine.training.runstatus import FAILED, FINISHED, RUNNING, STOPPED, is_running, read_status, seconds_spent

SUMMARY_METRICS = ("psnr", "auc", "colourfulness")  # plus any hue accuracy metric a run's validation reports
IGNORED_SETTINGS = ("resume", "run_dir", "library_dir", "log")  # where a run was written, not how it trained
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own bound on a header
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-\d+)?$")


@dataclass
class RunSummary:
    path: str
    name: str  # the run folder's name
    model_name: str  # the name the model gets in the library
    arch: str
    status: str  # running | finished | stopped | failed
    message: str  # why it failed, or how it stopped
    resumable: bool  # a checkpoint to continue from (and not finished)
    steps: int  # steps done: the last logged, or the checkpointed step if later
    total_steps: int | None
    started: str  # ISO date and time the run began
    seconds: float | None  # wall-clock time spent training, all sessions together
    metrics: dict[str, float] = field(default_factory=dict)  # the last validation's metrics
    val_loss: float | None = None
    train_loss: float | None = None
    model: str = ""  # the finished model file: the library's copy (under its new name after a rename) while it exists
    preview: str = ""  # the last preview picture
    settings: dict[str, Any] = field(default_factory=dict)  # the config, flattened ("augment.hflip")
    images_per_second: float | None = None  # its training speed: the median of the logged steps' (the first left out)
    # Where its validation was measured: "validation photos" (held out), "training photos" (nothing was held out:
    # its own training photos, no test of it), None where its dataset.json does not say (a run from before it said).
    validated_on: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunSummary":
        return cls(**data)

    @property
    def hue_metrics(self) -> dict[str, float]:
        return {k: v for k, v in self.metrics.items() if "hue" in k}


def read_rows(run_dir: str | Path) -> list[dict[str, Any]]:
    """metrics.jsonl's rows (a line cut short by a kill is skipped)."""
    rows = []
    try:
        text = read_regular_text(Path(run_dir) / "metrics.jsonl")
    except OSError:
        return rows
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("step"), int):
            rows.append(row)
    return rows


def read_curves(run_dir: str | Path) -> dict[str, dict[str, list[tuple[int, float]]]]:
    """``{"train": {"loss": [(step, value), ...], "lr": ...}, "val": {"loss": ..., "psnr": ...}}``."""
    curves: dict[str, dict[str, list[tuple[int, float]]]] = {"train": {}, "val": {}}
    for row in read_rows(run_dir):
        kind = "val" if row.get("type") == "val" else "train"
        for key, value in row.items():
            if key in ("type", "step", "epoch") or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if math.isfinite(value):
                curves[kind].setdefault(key, []).append((row["step"], float(value)))
    return curves


def _read_config(run_dir: Path) -> dict[str, Any]:
    for name, parse in (("config.toml", tomllib.loads), ("config.json", json.loads)):
        try:
            data = parse(read_regular_text(run_dir / name))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            continue
    return {}


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables become dotted keys: ``{"augment": {"hflip": true}}`` -> ``{"augment.hflip": true}``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "config.toml").is_file() or (path / "config.json").is_file())


def _started(run_dir: Path, status: dict[str, Any]) -> str:
    when = status.get("created") or status.get("started")
    if isinstance(when, (int, float)) and when > 0:
        return _dt.datetime.fromtimestamp(when).isoformat(timespec="seconds")
    match = _STAMP.search(run_dir.name)
    if match:
        try:
            return _dt.datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").isoformat(timespec="seconds")
        except ValueError:
            pass
    try:
        return _dt.datetime.fromtimestamp((run_dir / "config.toml").stat().st_mtime).isoformat(timespec="seconds")
    except OSError:
        return ""


def _dataset_report(run_dir: Path) -> dict[str, Any]:
    """The run's dataset.json (what it trained and validated on); {} when it has none that reads."""
    try:
        data = json.loads(read_regular_text(run_dir / "dataset.json"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _total_steps(dataset: dict[str, Any], config: dict[str, Any]) -> int | None:
    if int(config.get("steps", 0) or 0) > 0:
        return int(config["steps"])
    try:
        photos = int(dataset["train_photos"])
    except (ValueError, KeyError, TypeError):
        return None
    batch = max(1, int(config.get("batch_size", 1) or 1))
    return max(1, photos // batch) * int(config.get("epochs", 0) or 0) or None


def _status(run_dir: Path, status: dict[str, Any]) -> tuple[str, str, bool]:
    """(status, message, resumable)."""
    checkpoint = (run_dir / "checkpoint.pt").is_file()
    state = status.get("state")
    if is_running(run_dir, status):
        return RUNNING, "", False
    if state == FINISHED:
        return FINISHED, "", False
    if state == STOPPED:
        message = status.get("message") or "stopped"
        return (STOPPED, message, True) if checkpoint else (FAILED, f"{message}, before its first checkpoint", False)
    if state == FAILED:
        return FAILED, status.get("message") or "failed", checkpoint
    if state == RUNNING:  # the process ended without saying how: killed, crashed, or the machine went down
        if checkpoint:
            return STOPPED, "the training process ended unexpectedly; resuming continues from its last checkpoint", True
        return FAILED, "the training process ended before its first checkpoint", False
    # a run folder from before status.json: judge by what it holds
    if any(run_dir.glob("*.safetensors")):
        return FINISHED, "", False
    if (run_dir / "error.log").is_file():
        try:
            lines = [line for line in read_regular_text(run_dir / "error.log").splitlines() if line.strip()]
        except OSError:
            lines = []
        return FAILED, (lines[-1].strip()[:200] if lines else "failed (see error.log)"), checkpoint
    if checkpoint:
        return STOPPED, "stopped", True
    return FAILED, "no checkpoint or model: the run ended before saving anything", False


def _model_path(run_dir: Path, status: dict[str, Any]) -> str:
    library_copy = status.get("model")
    if library_copy and Path(library_copy).is_file():
        return str(library_copy)
    if library_copy:
        renamed = library_copy_of(run_dir, Path(library_copy).parent)
        if renamed is not None:
            return str(renamed)
    own = sorted(run_dir.glob("*.safetensors"))
    return str(own[0]) if own else ""


def library_copy_of(run_dir: str | Path, library: str | Path) -> Path | None:
    """The file in ``library`` that holds the model a finished run added to it, under whatever name it has now
    (``_renamed_copy``: the one like the run folder's own copy); None when the library no longer holds it."""
    own = sorted(Path(run_dir).glob("*.safetensors"))
    return _renamed_copy(own[0], Path(library)) if own else None


def _model_header(path: Path) -> bytes | None:
    """A .safetensors file's size and header: its tensors' layout and metadata (the run folder, step, time of saving)."""
    try:
        with open_regular_file(path) as f:
            size = os.fstat(f.fileno()).st_size
            length = int.from_bytes(f.read(8), "little")
            if not 0 < length <= min(size, _MAX_HEADER):
                return None
            return size.to_bytes(8, "little") + f.read(length)
    except OSError:
        return None


def _renamed_copy(own: Path, library: Path) -> Path | None:
    """The library file that holds the run's model after a rename (by the window, the command line or a file manager).

    The run folder keeps its own copy of the model it added to the library, byte for byte: the library file with
    the same size and header (which holds the run folder, the step and the second it was saved) is that model.
    Only headers are read, so this stays cheap for the Runs page's refresh every few seconds."""
    wanted = _model_header(own)
    if wanted is None:
        return None
    try:
        candidates = sorted(library.glob("*.safetensors"))
    except OSError:
        return None
    return next((path for path in candidates if _model_header(path) == wanted), None)


def read_run(run_dir: str | Path) -> RunSummary:
    """One run folder's summary."""
    run_dir = Path(run_dir)
    status = read_status(run_dir)
    config = _read_config(run_dir)
    dataset = _dataset_report(run_dir)
    state, message, resumable = _status(run_dir, status)
    rows = read_rows(run_dir)
    train_rows = [r for r in rows if r.get("type") != "val"]
    val_rows = [r for r in rows if r.get("type") == "val"]
    last_val = val_rows[-1] if val_rows else {}
    metrics = {
        k: float(v) for k, v in last_val.items()
        if k not in ("type", "step", "epoch", "loss") and isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }
    previews = sorted((run_dir / "previews").glob("epoch-*.png"))
    settings = flatten(config)
    arch = str(config.get("arch", ""))
    model = _model_path(run_dir, status)
    # The name its model got in the library (numbered when taken), else the one it will ask for.
    asked = default_model_name(str(config.get("name") or ""), arch, str(config.get("init_from") or ""))
    return RunSummary(
        path=str(run_dir),
        name=run_dir.name,
        model_name=Path(model).stem if model else asked or run_dir.name,
        arch=arch,
        status=state,
        message=message,
        resumable=resumable and state != FINISHED,
        steps=_steps_done(rows, status),
        total_steps=_total_steps(dataset, config),
        started=_started(run_dir, status),
        seconds=seconds_spent(run_dir, status, running=state == RUNNING),
        metrics=metrics,
        val_loss=_finite(last_val.get("loss")),
        train_loss=_finite(train_rows[-1].get("loss")) if train_rows else None,
        model=model,
        preview=str(previews[-1]) if previews else "",
        settings=settings,
        images_per_second=_median_speed(train_rows),
        validated_on=validated_on_of(dataset.get("validation_from")),
    )


def _median_speed(train_rows: list[dict[str, Any]]) -> float | None:
    # The first logged row times the warm-up (first batches, caches filling): not the run's pace, unless it is all there is.
    rows = train_rows[1:] or train_rows
    speeds = sorted(float(r["images_per_second"]) for r in rows if _finite(r.get("images_per_second")))
    return speeds[len(speeds) // 2] if speeds else None


def measured_speed(runs: list[RunSummary], arch: str, image_size: int, device: str = "auto") -> RunSummary | None:
    """The newest of ``runs`` (newest first, as ``list_runs`` gives them) that trained ``arch`` on ``image_size`` px
    crops with the same device setting and logged its speed: how fast a new such run would go on this machine."""
    for run in runs:
        same = run.arch == arch and run.settings.get("image_size") == image_size and run.settings.get("device", "auto") == device
        if same and run.images_per_second:
            return run
    return None


def _steps_done(rows: list[dict[str, Any]], status: dict[str, Any]) -> int:
    """The last step logged, or the step status.json records (a stop or checkpoint between two logged losses)."""
    logged = max((r["step"] for r in rows), default=0)
    recorded = status.get("step")
    return max(logged, recorded) if isinstance(recorded, int) and not isinstance(recorded, bool) else logged


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def default_runs_dir() -> Path:
    """``./runs`` (where ``colourise train`` writes) when it exists, else the window's runs folder beside the model library."""
    from engine.library import user_models_dir

    here = Path("runs")
    return here if here.is_dir() else user_models_dir().parent / "runs"


def list_runs(parent: str | Path = "runs") -> list[RunSummary]:
    """Every run folder directly under ``parent``, newest first (none when ``parent`` does not exist)."""
    parent = Path(parent).expanduser()
    try:
        folders = [p for p in parent.iterdir() if is_run_folder(p)]
    except OSError:
        return []
    runs = [read_run(p) for p in folders]
    return sorted(runs, key=lambda r: (r.started, r.name), reverse=True)


def differing_settings(runs: list[RunSummary]) -> dict[str, list[Any]]:
    """The settings whose values are not the same in every run: key -> one value per run (None: not set)."""
    if len(runs) < 2:
        return {}
    keys = sorted({k for r in runs for k in r.settings if k not in IGNORED_SETTINGS})
    out = {}
    for key in keys:
        values = [r.settings.get(key) for r in runs]
        if any(v != values[0] for v in values[1:]):
            out[key] = values
    return out


def is_percentage(key: str) -> bool:
    """Whether a validation metric reads as a percentage: hue accuracy, as the Train page and
    ``colourise evaluate`` say it (stored as a share, 0..1)."""
    return "hue" in key


def metric_text(key: str, value: float | None, digits: int = 3) -> str:
    """A validation metric as tables show it: a percentage (``is_percentage``) with one decimal,
    the rest with ``digits`` decimals; "" when missing."""
    if value is None:
        return ""
    if is_percentage(key):
        return f"{100 * value:.1f} %"
    return f"{value:.{digits}f}"


def format_duration(seconds: float | None) -> str:
    """'45 s', '3 min 05 s', '2 h 10 min'; beyond 48 h whole days ('757 days', not '18159 h 51 min')."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds >= 48 * 3600:
        return f"{round(seconds / 86400):,} days"
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
