"""Keep a stopped run's model as it stands: its last checkpoint's weights, added to the model library.

A long training on a CPU is often stopped once its previews look good enough. The run
stays resumable (nothing in it changes); the kept model lands in the library like a
finished one, named ``<model name>-step<N>``, and says in its metadata that its run
stopped at step N of the planned total.

    kept = keep_model("runs/colour_unet-20261201-102059")
    kept.path, kept.already  # the library file; True when an earlier keep had made it
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from engine.atomic import read_regular_text
from engine.data import steps_per_epoch
from engine.errors import ColouriseError
from engine.training.checkpoint import CHECKPOINT_NAME, load_checkpoint
from engine.training.config import TrainConfig
from engine.training.metadata import VALIDATED_ON, training_metadata, validated_on_of
from engine.training.runfolder import safe_name
from engine.training.runstatus import is_running


class KeepError(ColouriseError):
    """Why a run's model cannot be kept; ``str()`` is the user's one-line message."""


class KeptModel(NamedTuple):
    """What a keep gave: the library file, and whether an earlier keep of this checkpoint had made it."""

    path: Path
    already: bool


def keep_model(run_dir: str | Path, name: str | None = None, library_dir: str | Path | None = None) -> KeptModel:
    """Add the model of ``run_dir``'s last checkpoint to the library; says which library file holds it.

    ``name``: the library name (default ``<model name>-step<N>``; numbered when taken).
    ``library_dir``: the library folder (default: the run's own, else the user's).
    Without a ``name``, a checkpoint the library already holds a model of is not kept twice:
    its model's file is returned, ``already`` True (two clicks, or the Train and Runs pages asking at once).
    """
    from engine.library import add_model
    from engine.models import create_model
    from engine.modelfile import save_model

    run_dir = Path(run_dir).expanduser()
    checkpoint = run_dir / CHECKPOINT_NAME
    if not run_dir.is_dir():
        raise KeepError(f"{run_dir}: no such run folder")
    if not checkpoint.is_file():
        when = "it has not reached its first one" if is_running(run_dir) else "it stopped before its first one"
        raise KeepError(f"{run_dir.name}: no checkpoint yet, so no model to keep ({when})")
    unreadable = (ValueError, KeyError, TypeError, RuntimeError)
    try:
        blob = load_checkpoint(checkpoint)
        config = TrainConfig.from_dict(blob["config"])
    except unreadable as exc:
        raise _cannot_read(run_dir, exc) from None
    library = library_dir or config.library_dir or None
    if name is None and (already := _already_kept(run_dir, library)) is not None:
        return KeptModel(already, already=True)
    try:
        model = create_model(config.arch, **config.arch_params)
        model.load_state_dict(blob["model"])
    except unreadable as exc:
        raise _cannot_read(run_dir, exc) from None
    step, extra = int(blob["step"]), dict(blob.get("extra") or {})
    facts = dict(extra.get("facts") or _facts_of_older_run(run_dir, config))
    if facts.get("val_held_out") is None:  # a checkpoint from before its facts said: its dataset.json may
        facts["val_held_out"] = _held_out_in_older_run(run_dir)
    total = int(extra.get("total_steps") or (config.steps if config.steps > 0 else config.epochs * facts["steps_per_epoch"]))
    metadata = training_metadata(
        config,
        step,
        metrics=dict(extra.get("last_val") or {}),
        val_loss=float(extra.get("last_val_loss", float("nan"))),
        seconds=float(extra.get("elapsed") or 0.0),
        run_dir=str(run_dir),
        **facts,
    )
    metadata["planned_steps"] = total  # (its "steps" are those it made: it stopped early)
    metadata["checkpoint_version"] = checkpoint_version(run_dir)  # kept from this very checkpoint (``kept_from``)
    name = safe_name(name or f"{config.model_name}-step{step}")
    with tempfile.TemporaryDirectory(prefix="colourise-keep-") as scratch:
        made = save_model(Path(scratch) / f"{name}.safetensors", model, metadata)
        return KeptModel(add_model(made, name, library), already=False)


def checkpoint_version(run_dir: str | Path) -> str:
    """Names the run's checkpoint as it is now (its modification time): a resumed run writes a new one."""
    try:
        return str((Path(run_dir) / CHECKPOINT_NAME).stat().st_mtime_ns)
    except OSError:
        return ""


def kept_from(trainings: Iterable[tuple[str, dict]], run_dir: str | Path) -> str | None:
    """Of ``(name, training metadata)`` pairs, the name of the model kept from ``run_dir``'s checkpoint as it is now."""
    version = checkpoint_version(run_dir)  # (once: one look at the disk however many models there are)
    if not version:
        return None
    return next((name for name, t in trainings if t.get("run_dir") == str(run_dir) and t.get("checkpoint_version") == version), None)


def _cannot_read(run_dir: Path, exc: Exception) -> KeepError:
    return KeepError(f"{run_dir.name}: cannot read its model ({str(exc).splitlines()[0][:200]})")


def _already_kept(run_dir: Path, library_dir: str | Path | None) -> Path | None:
    """The user library's model kept from ``run_dir``'s checkpoint as it is now, if there is one."""
    from engine.library import list_library

    entries = {e.name: e for e in list_library(library_dir) if e.info and not e.bundled}
    name = kept_from(((n, e.info.training) for n, e in entries.items()), run_dir)
    return entries[name].path if name else None


def _dataset_report(run_dir: Path) -> dict:
    """The run's dataset.json (what it trained and validated on); {} when it has none that reads."""
    try:
        data = json.loads(read_regular_text(run_dir / "dataset.json"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _held_out_in_older_run(run_dir: Path) -> bool | None:
    """Whether an older run validated on held-out photos, as its dataset.json says; None when it does not say."""
    measured_on = validated_on_of(_dataset_report(run_dir).get("validation_from"))
    return {where: held_out for held_out, where in VALIDATED_ON.items()}.get(measured_on)


def _facts_of_older_run(run_dir: Path, config: TrainConfig) -> dict:
    """A checkpoint written before checkpoints carried the run's facts: read from its dataset.json and config."""
    data = _dataset_report(run_dir)
    count = lambda v: len(v) if isinstance(v, list) else int(v or 0)  # noqa: E731  (lists of names, or counts)
    photos = {k: count(data.get(k)) for k in ("train_photos", "val_photos", "skipped_grey", "skipped_broken")}
    return {
        "photos": photos,
        "steps_per_epoch": steps_per_epoch(photos["train_photos"], config.batch_size),  # as the data order counts them
        "image_size": config.image_size,
        "world": 1,
        "device": "",
        "init_from": config.init_from,
    }
