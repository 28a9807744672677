"""The training loop: ``train(config, state)`` runs (or resumes) one training run and reports through events.

Events, in order: ``TrainingStarted`` (dataset summary, device, skipped files) ->
``TrainingStep`` (at most ~10 a second, each after a ``LossLogged`` with the rows metrics.jsonl got
since the last, when it got any) -> ``ValidationDone`` + ``PreviewReady`` (every
``val_every_steps``, else every epoch end, and at the end) -> ``CheckpointSaved`` ->
one of ``TrainingFinished`` / ``TrainingCancelled`` / ``TrainingFailed``, which
``train`` also returns. ``train`` never raises for expected failures (no photos,
NaN loss, out of memory, a full disk, a bad model to fine-tune): they end the run
with ``TrainingFailed`` and a one-line message.

Model hooks, all optional and declared in ``engine.models.base`` (asked with
``capabilities_of``): ``training_loss(l_norm, ab_norm)`` (used for loss "auto"),
``param_groups(lr)`` (optimiser groups), ``load_pretrained_encoder()`` (called once
for a fresh run when ``pretrained``); ``loss_terms`` (a dict of loss parts, logged).

Resume: ``train(resume_config(run_dir), state)``
continues from the run's ``checkpoint.pt`` with the same step count, optimiser
and scheduler state and data order (a pure function of seed and step), and the
steps since the last row of the training curve (its next row is the mean over
as many steps as without the stop).

Under torchrun every rank calls ``train``; rank 0 writes files and emits events.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import time
import traceback
from collections import deque
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine import colour
from engine.atomic import resolved_path
from engine.data import (
    CACHE_OVERSIZE,
    DataOrder,
    PhotoDataset,
    centre_crop,
    list_images,
    make_loader,
    prepare_photos,
    should_cache,
    split_paths,
    spread_subset,
    without_colour_versions,
    without_copies,
)
from engine.errors import ColouriseError, user_message
from engine.hints import draw_hint_marks, simulate_hint_channels
from engine.events import (
    CheckpointSaved,
    LossLogged,
    PreviewReady,
    TrainingCancelled,
    TrainingFailed,
    TrainingFinished,
    TrainingStarted,
    TrainingStep,
    ValidationDone,
)
from engine.metrics import lab_metrics, mean_metrics
from engine.models.base import capabilities_of
from engine.task import TaskState
from engine.training import distributed, trackers
from engine.training.checkpoint import load_checkpoint, save_checkpoint
from engine.training.config import TrainConfig, crop_size, missing_entry, weights_change
from engine.training.losses import LossModule, get_loss
from engine.training.metadata import training_metadata
from engine.training.runfolder import CONFIG_NAME, RunFolder, new_run_dir, safe_name
from engine.training.runstatus import AlreadyRunning, RunStatus

STEP_EVENT_INTERVAL = 0.1  # seconds: at most ~10 TrainingStep events a second
HASH_DIR_ENV = "COLOURISE_TRAIN_HASH_DIR"  # tests: each rank writes a hash of its final weights here
PREVIEW_HINTS = 5  # colour hints given to each preview photo of a model that takes them


class TrainingError(Exception):
    """An expected reason to stop; ``str()`` is the user's one-line message."""


@dataclass
class LossWindow:
    """The training steps since the last row of the training curve: their summed loss (and loss parts) and count.

    Each row is the mean over its window; the window lives in the checkpoint, so the first row after a
    resume is the mean over as many steps as it would have been without the stop.
    """

    loss: float = 0.0
    steps: int = 0
    terms: dict[str, float] = field(default_factory=dict)

    def add(self, loss: float, terms: dict[str, Any]) -> None:
        self.loss += loss
        self.steps += 1
        for name, value in terms.items():
            self.terms[name] = self.terms.get(name, 0.0) + float(value)

    def means(self) -> tuple[float, dict[str, float]]:
        count = max(1, self.steps)
        return self.loss / count, {name: value / count for name, value in self.terms.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"loss": self.loss, "steps": self.steps, "terms": dict(self.terms)}

    @classmethod
    def from_dict(cls, data: Any) -> "LossWindow":
        """A checkpoint's window; an empty one for a checkpoint without one (or with one not of this shape)."""
        try:
            terms = {str(name): float(value) for name, value in (data.get("terms") or {}).items()}
            window = cls(float(data["loss"]), int(data["steps"]), terms)
        except (AttributeError, KeyError, TypeError, ValueError):
            return cls()
        return window if window.steps >= 0 and math.isfinite(window.loss) else cls()


def resume_config(run_dir: str | Path) -> TrainConfig:
    """The config of an existing run, set to continue it; ``ValueError`` (one line) when it is not a run folder."""
    run_dir = Path(run_dir).expanduser()
    for name in (CONFIG_NAME, "config.json"):
        if (run_dir / name).is_file():
            config = TrainConfig.load(run_dir / name)
            config.resume = str(run_dir)
            return config
    raise ValueError(f"{run_dir}: not a training run folder (no {CONFIG_NAME})")


def train(config: TrainConfig, state: TaskState | None = None):
    """Train (or resume) as ``config`` says; returns TrainingFinished, TrainingCancelled or TrainingFailed."""
    state = trackers.attach(config, state or TaskState())  # TensorBoard / W&B listen to the events (rank 0 emits)
    info = distributed.DistInfo()
    run: _Run | None = None
    event = None
    try:
        info = distributed.setup(config.device)
        run = _Run(config, state, info)
        event = run.execute()
    except TrainingError as exc:
        event = TrainingFailed(str(exc), run.run_dir if run else None)
    except Exception as exc:  # turn anything else into a readable message, keep the traceback in the run folder
        event = TrainingFailed(_describe_failure(exc, config, run), run.run_dir if run else None)
        if run is not None:
            run.write_error_log()
    finally:
        if run is not None:
            run.close(event)
        if isinstance(event, (TrainingFinished, TrainingCancelled)):
            # An orderly end reaches here on every rank; wait for rank 0 to save the model before the group
            # goes: a rank tearing gloo down while its peer still wrote aborted it ("terminate called ...").
            # Not after a failure: a rank that failed mid-step may have left its peer inside a collective.
            distributed.barrier(info)
        distributed.teardown(info)
    if info.is_main:
        state.emit(event)
    return event


def _describe_failure(exc: BaseException, config: TrainConfig, run: "_Run | None") -> str:
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in text.lower() or "can't allocate memory" in text.lower():
        return (
            f"ran out of memory at batch size {config.batch_size} and image size {config.image_size}: "
            "try a smaller batch size or image size"
        )
    if isinstance(exc, OSError):
        where = Path(exc.filename).name if getattr(exc, "filename", None) else "the run folder"
        if exc.errno == errno.ENOSPC:
            return f"the disk is full: could not write {where} (free some space, then resume the run)"
        return f"could not read or write {where}: {exc.strerror or text}"
    if isinstance(exc, (ColouriseError, ValueError, KeyError, TypeError)):
        return user_message(exc)
    where = f" (details in {run.run_dir / 'error.log'})" if run is not None and run.run_dir else ""
    return f"training stopped by an unexpected error: {type(exc).__name__}: {text}{where}"


def _device_label(device: torch.device, world: int) -> str:
    label = str(device)
    if device.type == "cuda":
        label = f"{device} ({torch.cuda.get_device_name(device)})"
    return f"{label} x {world} processes" if world > 1 else label


def to_model_inputs(batch: torch.Tensor, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 RGB ``(N, H, W, 3)`` -> (normalised L ``(N, 1, H, W)``, normalised a/b ``(N, 2, H, W)``) on ``device``."""
    rgb = batch.to(device, non_blocking=True).permute(0, 3, 1, 2).float().div_(255)
    lab = colour.rgb_to_lab(rgb)
    return colour.normalise_l(lab[:, :1]), colour.normalise_ab(lab[:, 1:])


def state_dict_hash(model: torch.nn.Module) -> str:
    """SHA-256 over every tensor of the state dict, in key order (identical weights <=> identical hash)."""
    h = hashlib.sha256()
    for key, tensor in sorted(model.state_dict().items()):
        h.update(key.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


class _Run:
    """One training run's state; ``execute`` does the work."""

    def __init__(self, config: TrainConfig, state: TaskState, info: distributed.DistInfo):
        self.config = config
        self.state = state
        self.info = info
        self.emit = state.emit if info.is_main else (lambda event: None)
        self.run_dir: Path | None = None
        self.files: RunFolder | None = None
        self.unsent_rows: list[tuple[int, float, float]] = []  # logged training rows not yet sent as LossLogged
        self.loader_iter = None
        self.last_val: dict[str, float] = {}
        self.last_val_loss = float("nan")
        self.last_checkpoint: Path | None = None
        self.status: RunStatus | None = None  # rank 0: status.json and the lock that says "running"
        self.init_info = None  # the model file a fine-tune starts from
        self.init_from_path = ""  # its path, for the run's facts
        self.start_step = 0
        self.elapsed_before = 0.0  # training seconds before a resume
        self.t0 = time.monotonic()  # when this session's steps began
        self.finished_model = ""
        self.resumed = False  # True once a resumed run has restored its checkpoint (and so changes the run)
        self.loss_window = LossWindow()  # the training steps since the last row of the curve

    # -- set-up ------------------------------------------------------------------------------
    def execute(self):
        config = self.config
        try:
            config.validate()
        except ValueError as exc:
            raise TrainingError(str(exc)) from None
        try:
            self.device = distributed.device_for(self.info, _resolve_device(config.device))
        except RuntimeError as exc:
            raise TrainingError(str(exc)) from None
        if config.threads > 0:  # e.g. leave a core to the window, or to other work on a shared machine
            torch.set_num_threads(config.threads)
        if config.resume:  # (its lock first: a second process resuming the run is told so before any work)
            self._open_run_dir()
        else:
            _make_paths_absolute(config)
        torch.manual_seed(config.seed)
        self._build_model()
        self._prepare_data()
        if self.state.should_stop():
            return TrainingCancelled(0, None, self.run_dir)
        if not config.resume:  # a new run's folder once its model and photos are found: one that cannot start leaves none
            self._open_run_dir()
        if self.files:
            self.files.write_json("dataset.json", self.dataset_report)
        self._build_optimiser()
        self.start_step = self._restore()
        if self._finished_already(self.start_step):  # nothing to train: the run is left as it is (close abandons the resume)
            return TrainingFinished(Path(self.finished_model), self.run_dir, self.start_step, dict(self.last_val), finished_already=True)
        self.resumed = True
        if self.files:  # a resume's changes (more steps, say) are kept only once it has started
            self._write_recipe()
        return self._loop()

    def _open_run_dir(self) -> None:
        config = self.config
        if config.resume:
            self.run_dir = Path(config.resume).expanduser()
            if not self.run_dir.is_dir():
                raise TrainingError(f"{self.run_dir}: no such run folder to resume")
        elif self.info.is_main:
            self.run_dir = new_run_dir(config.run_dir or "runs", config.model_name)
        if self.info.is_main:
            try:
                self.status = RunStatus.begin(self.run_dir)
            except AlreadyRunning as exc:
                raise TrainingError(str(exc)) from None
            self.files = RunFolder(self.run_dir)
            if not config.resume:  # a resume writes it once it has started: one that cannot start leaves the run as it was
                self._write_recipe()

    def _write_recipe(self) -> None:
        recipe = TrainConfig.from_dict({**self.config.to_dict(), "resume": ""})
        self.files.write_config(recipe.to_toml())

    def _build_model(self) -> None:
        from engine.models import create_model

        config = self.config
        self.init_info = None
        self.init_from_path = ""
        self.kept_from_model: list[str] = []
        # Only a new run starts from the model it fine-tunes: a resume's weights are its checkpoint's, and
        # its config holds that model's architecture settings, so it resumes after the model is deleted.
        if config.init_from and self._checkpoint_to_resume() is None:
            from engine.library import resolve_model
            from engine.modelfile import load_model

            try:
                path = resolve_model(config.init_from, config.library_dir or None)
                model, self.init_info = load_model(path, "cpu")
            except ColouriseError as exc:
                raise TrainingError(f"cannot fine-tune: {exc}") from None
            model = self._adjusted(model, config)
            self.init_from_path = str(self.init_info.path)
        else:
            try:
                model = create_model(config.arch, **config.arch_params)
            except (KeyError, TypeError, ValueError) as exc:
                raise TrainingError(str(exc).strip("'\"")) from None
            if config.pretrained and "load_pretrained_encoder" in capabilities_of(model) and not config.resume:
                try:
                    model.load_pretrained_encoder()
                except Exception as exc:  # a damaged install: missing or unreadable weights
                    # Said for every front (the window's form, the CLI's config): no file editing advice.
                    raise TrainingError(
                        f"could not load the pretrained encoder for {config.arch} ({str(exc).splitlines()[0][:160]}); "
                        "train without the pretrained encoder to start from random weights"
                    ) from None
        self.model = model.to(self.device)
        self.stride = int(getattr(model, "stride", 8))
        self.size = crop_size(config.image_size, self.stride)
        self.loss_fn = get_loss(config.loss, model)
        self.loss_module = LossModule(model, self.loss_fn)
        self.trainable = self.loss_module
        if self.info.enabled:
            from torch.nn.parallel import DistributedDataParallel

            ids = [self.device.index] if self.device.type == "cuda" else None
            self.trainable = DistributedDataParallel(self.loss_module, device_ids=ids)
        self.use_amp = bool(config.amp and self.device.type == "cuda")
        self.amp_dtype = torch.bfloat16 if self.use_amp and torch.cuda.is_bf16_supported() else torch.float16
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp and self.amp_dtype == torch.float16)

    def _adjusted(self, model, config):
        """The model to fine-tune, with the settings the config changes among those its architecture allows.

        The config's other architecture settings give way to the model's (its weights fix them);
        so do all of them when the config names another architecture.
        """
        from engine.models import create_model, get_architecture
        from engine.modelfile import check_arch_config

        arch, saved = self.init_info.arch, dict(self.init_info.config)
        allowed = get_architecture(arch).adjustable if config.arch == arch else frozenset()
        asked = {key: value for key, value in config.arch_params.items() if key in saved and saved[key] != value}
        changes = {key: value for key, value in asked.items() if key in allowed}
        self.kept_from_model = sorted(set(asked) - set(changes))
        config.arch, config.arch_params = arch, {**saved, **changes}
        if not changes:
            return model
        try:
            check_arch_config(arch, config.arch_params)
            adjusted = create_model(arch, **config.arch_params)
        except (KeyError, TypeError, ValueError) as exc:
            reason = str(exc).strip("'\"")
            raise TrainingError(f"cannot fine-tune {self.init_info.path.name}: {reason}") from None
        adjusted.load_state_dict(model.state_dict())
        return adjusted

    def _prepare_data(self) -> None:
        config = self.config
        missing = missing_entry(config)
        if missing:
            key, entry, reason = missing
            if config.resume and not Path(entry).expanduser().is_absolute():  # a run from before paths were stored whole
                raise TrainingError(
                    f"{entry}: {reason} from {Path.cwd()}; the run names it relative to the folder it was "
                    "started in: resume it from there"
                )
            raise TrainingError(f"{key}: {entry}: {reason}")
        all_train, copies = without_copies(list_images(config.data, exclude=config.exclude))
        all_train, colourised = without_colour_versions(all_train)
        in_training: list[Path] = []  # validation photos that are training photos, by path
        listed, val_colourised, val_copied = [], [], set()  # the validation folders' photos, when they are given
        if config.val:  # (a validation photo that is, or copies, a training one would flatter the model: left out too)
            listed, val_colourised = without_colour_versions(list_images(config.val))
            colourised += val_colourised
            trained = {resolved_path(p) for p in all_train}
            in_training = [p for p in listed if resolved_path(p) in trained]
            listed = [p for p in listed if p not in set(in_training)]
            val_copies = without_copies([*all_train, *listed])[1]
            val_copied = {copy for copy, _ in val_copies}
            train_paths, val_paths = all_train, [p for p in listed if p not in val_copied]
            copies += val_copies
        else:
            train_paths, val_paths = split_paths(all_train, config.val_fraction)
        self.skipped_copies = [f"{copy.name} (the same file as {original.name})" for copy, original in copies]
        self.val_in_training = [p.name for p in in_training]
        self.skipped_colourised = [p.name for p in colourised]
        store_side = round(self.size * CACHE_OVERSIZE)
        cache = should_cache(config.cache_images, len(train_paths), self.size)
        prepared = prepare_photos(train_paths, store_side, cache, self.state.should_stop)
        val_prepared = prepare_photos(spread_subset(val_paths, config.max_val_photos), store_side, True, self.state.should_stop)
        self.skipped_grey = [p.name for p in prepared.grey + val_prepared.grey]
        self.skipped_broken = [f"{p.name}: {why}" for p, why in prepared.broken + val_prepared.broken]
        # Kept, but said: a crop larger than the photo is cut from an enlargement, whose colours are blurred.
        self.enlarged = [p.name for p, side in zip(prepared.paths, prepared.short_sides) if side < self.size]
        if self.state.should_stop():
            return
        if not prepared.paths:
            # Counted over every photo found (the held-out share too), as the window's folder count is.
            found = [f"{len(self.skipped_grey)} greyscale, {len(self.skipped_broken)} unreadable"] if all_train else []
            found += [f"{len(colourised)} coloured by Colourise"] if colourised else []
            found = ", ".join(found) or "no image files"
            raise TrainingError(f"no usable colour photos in {', '.join(config.data)} ({found})")
        if config.val and not val_prepared.paths and not (in_training or val_copied):
            # A validation folder asked for by name, with nothing to validate on: said, not replaced by the training photos
            found = [f"{len(val_prepared.grey)} greyscale, {len(val_prepared.broken)} unreadable"] if listed else []
            found += [f"{len(val_colourised)} coloured by Colourise"] if val_colourised else []
            found = ", ".join(found) or "no image files"
            raise TrainingError(f"no usable colour photos to validate on in {', '.join(config.val)} ({found})")
        self.dataset = PhotoDataset(prepared.paths, self.size, config.augment, prepared.cache, store_side)
        self.val_held_out = bool(val_prepared.paths)
        if val_prepared.paths:
            val_pixels, self.val_source = val_prepared.cache, "validation photos"
        else:  # a tiny set with nothing to hold out: validate on (centre crops of) training photos
            self.val_source = "training photos (nothing held out)"
            keep = spread_subset(list(range(len(prepared.paths))), config.max_val_photos)
            val_pixels = [self.dataset.pixels(i) for i in keep]
        self.val_batch = torch.from_numpy(np.stack([centre_crop(p, self.size) for p in val_pixels]))
        self.order = DataOrder(len(self.dataset), config.batch_size, config.seed, self.info.rank, self.info.world)
        spe = self.order.steps_per_epoch
        self.steps_per_epoch = spe
        self.total_steps = config.steps if config.steps > 0 else config.epochs * spe
        self.val_every = config.val_every_steps if config.val_every_steps > 0 else spe
        self.dataset_report = {  # (dataset.json, written once the run folder is there)
            "train_photos": len(prepared.paths),
            "val_photos": len(self.val_batch),
            "validation_from": self.val_source,
            "cached_in_memory": cache,
            "skipped_grey": self.skipped_grey,
            "skipped_broken": self.skipped_broken,
            "skipped_copies": self.skipped_copies,
            "val_in_training": self.val_in_training,  # (named here only: --val as --data would print each)
            "skipped_colourised": self.skipped_colourised,
            "smaller_than_crops": self.enlarged,
        }

    def _build_optimiser(self) -> None:
        config = self.config
        if "param_groups" in capabilities_of(self.model):
            groups = self.model.param_groups(config.lr)
        else:
            groups = [{"params": [p for p in self.model.parameters() if p.requires_grad]}]
        kwargs: dict[str, Any] = {"lr": config.lr, "weight_decay": config.weight_decay}
        if config.optimizer == "adam":
            opt = torch.optim.Adam(groups, **kwargs)
        elif config.optimizer == "adamw":
            opt = torch.optim.AdamW(groups, **kwargs)
        elif config.optimizer == "sgd":
            opt = torch.optim.SGD(groups, momentum=config.momentum, **kwargs)
        else:
            opt = torch.optim.RMSprop(groups, **kwargs)
        self.optimizer = opt
        self.scheduler = _make_scheduler(opt, config, self.total_steps)

    def _restore(self) -> int:
        """Load the checkpoint of a resumed run; returns the step to continue from."""
        self.elapsed_before = 0.0
        self.finished_model: str = ""
        self.epoch_at_start = 0.0
        self.world_change = ""
        self.photos_change = ""
        self.length_kept = False  # a resume that asked for no other length: the steps the run started with
        path = self._checkpoint_to_resume()
        if path is None:
            if self.config.resume and self.files:  # killed before its first checkpoint: start the same run again,
                self.files.truncate_after(0)  # without the rows it logged (each step once in its metrics)
            return 0
        try:
            blob = load_checkpoint(path)
            self._check_same_model(blob.get("config") or {})
            self._set_the_runs_length(blob)  # (before the optimiser's state: a new scheduler would reset its learning rate)
            self.model.load_state_dict(blob["model"])
            self.optimizer.load_state_dict(blob["optimizer"])
            if blob.get("scheduler") is not None and self.scheduler is not None:
                self.scheduler.load_state_dict(blob["scheduler"])
            if blob.get("scaler"):
                self.scaler.load_state_dict(blob["scaler"])
        except (ValueError, RuntimeError, KeyError) as exc:
            raise TrainingError(f"cannot resume: {str(exc).splitlines()[0][:200]}") from None
        extra = blob.get("extra", {})
        self.elapsed_before = float(extra.get("elapsed", 0.0))
        self.last_val = dict(extra.get("last_val", {}))
        self.last_val_loss = float(extra.get("last_val_loss", float("nan")))
        self.finished_model = str(extra.get("finished_model", ""))
        # (the model a fine-tune started from, as the run found it then; not read again on a resume)
        self.init_from_path = str((extra.get("facts") or {}).get("init_from", self.config.init_from))
        self.last_checkpoint = path
        self.loss_window = LossWindow.from_dict(extra.get("log_window"))  # (none in a checkpoint from before: a fresh window)
        step = int(blob["step"])
        self._note_world_change(blob)
        self._note_photos_change(blob)
        self._note_steps(step)
        if step > self.total_steps:
            raise TrainingError(f"cannot resume: {path.name} is at step {step}, beyond the run's {self.total_steps} steps")
        if self.files and not self._finished_already(step):
            # (a row at the checkpoint with steps still in the window is the one a stop wrote: the next row takes them in)
            self.files.truncate_after(step, train_row_at_step=not self.loss_window.steps)
        return step

    def _set_the_runs_length(self, blob: dict[str, Any]) -> None:
        """A resume that asks for no other length (``steps``, ``epochs``) keeps the steps the run started with: with
        another number of processes (other steps per epoch) an epochs-set run's total would change, overshooting
        the epochs asked for, or refused as beyond the run's steps, its learning-rate schedule shifted. One that asks
        for other epochs takes those left from the epoch reached at today's steps per epoch: counted from step 0
        (as if every step had been one of today's) they would not end at the epochs asked for."""
        saved, extra = blob.get("config") or {}, blob.get("extra") or {}
        step = int(blob["step"])
        steps_per_epoch = int((extra.get("facts") or {}).get("steps_per_epoch") or self.steps_per_epoch)
        self.epoch_at_start = float(extra.get("epoch", step / max(1, steps_per_epoch)))  # (older checkpoints keep no epoch)
        recorded = int(extra.get("total_steps") or 0)
        asked_the_same = (saved.get("steps"), saved.get("epochs")) == (self.config.steps, self.config.epochs)
        self.length_kept = bool(recorded and asked_the_same)
        if self.length_kept:
            total = recorded
        elif self.config.steps <= 0:  # (at least the epochs asked: a part of a step is a whole one; below the step reached, refused)
            total = step + math.ceil((self.config.epochs - self.epoch_at_start) * self.steps_per_epoch - 1e-6)
        else:
            return
        if total != self.total_steps:
            self.total_steps = total
            self.scheduler = _make_scheduler(self.optimizer, self.config, total)

    def _note_world_change(self, blob: dict[str, Any]) -> None:
        """A line when the run trained with another number of processes: a step then took another global batch, so
        steps per epoch differ (its epochs would have gone back, unsaid)."""
        facts = (blob.get("extra") or {}).get("facts") or {}
        world, trained_world = self.info.world, int(facts.get("world") or self.info.world)
        if trained_world != world:
            trained_batch = int((blob.get("config") or {}).get("batch_size") or self.config.batch_size)
            self.world_change = (
                f"resuming with {world} process{'es' if world > 1 else ''} where it trained with {trained_world}: "
                f"the global batch is now {self.config.batch_size * world}, was {trained_batch * trained_world}"
            )

    def _note_photos_change(self, blob: dict[str, Any]) -> None:
        """A line when an epochs-set run resumes with another number of training photos (added to or taken from its
        folders since): its steps per epoch differ, so the steps it keeps no longer end at the epochs asked for, and
        other epochs asked for take another number of steps."""
        photos = ((blob.get("extra") or {}).get("facts") or {}).get("photos") or {}
        trained_on = int(photos.get("train_photos") or len(self.dataset))  # (older checkpoints keep no count: nothing said)
        if self.config.steps <= 0 and trained_on != len(self.dataset):
            count = len(self.dataset)
            self.photos_change = f"the run now has {count:,} training photo{'s' if count != 1 else ''} where it had {trained_on:,}"

    def _note_steps(self, step: int) -> None:
        """What an epochs-set run's steps now are, said once, after the last line that says why they moved: the steps it
        keeps now pass over the photos another number of times; other epochs asked for take the steps left from the
        epoch reached, at today's steps per epoch."""
        if self.config.steps > 0 or not (self.photos_change or self.world_change):
            return
        end = self.epoch_at_start + (self.total_steps - step) / self.steps_per_epoch
        if self.length_kept:
            steps = f"keeps its {self.total_steps:,} steps, which now end at epoch {end:.2f} (it asked for {self.config.epochs})"
        else:
            steps = (f"now takes {self.total_steps:,} steps, {self.total_steps - step:,} more from epoch {self.epoch_at_start:.2f} "
                     f"at {self.steps_per_epoch:,} steps an epoch, which end at epoch {end:.2f} (it asks for {self.config.epochs})")
        if self.photos_change:
            self.photos_change += f": it {steps}"
        else:
            self.world_change += f"; the run {steps}"

    def _epoch(self, step: int) -> float:
        """The (fractional) epoch at ``step``: from the epoch the run resumed at, so a resume with another number of
        processes (other steps per epoch) carries on counting, not back."""
        return self.epoch_at_start + (step - self.start_step) / self.steps_per_epoch

    def _finished_already(self, step: int) -> bool:
        """A resumed run that ended at its last step and whose model is still there (asked for no more steps)."""
        return step >= self.total_steps and bool(self.finished_model) and Path(self.finished_model).exists()

    def _checkpoint_to_resume(self) -> Path | None:
        """The checkpoint a resumed run continues from; None for a new run, or one killed before its first."""
        if not self.config.resume:
            return None
        path = Path(self.config.resume).expanduser() / "checkpoint.pt"
        return path if path.exists() else None

    def _check_same_model(self, saved: dict[str, Any]) -> None:
        """The settings that shape the weights must be the checkpoint's: say which one changed, not a state_dict error."""
        change = weights_change(saved.get("arch") or self.config.arch, saved.get("arch_params") or {}, self.config.arch, self.config.arch_params)
        if change:
            raise TrainingError(change)

    # -- the loop ------------------------------------------------------------------------------
    def _loop(self):
        config, info = self.config, self.info
        start, total = self.start_step, self.total_steps
        self.emit(
            TrainingStarted(
                run_dir=self.run_dir,
                device=_device_label(self.device, info.world),
                train_photos=len(self.dataset),
                val_photos=len(self.val_batch),
                skipped_grey=self.skipped_grey,
                skipped_broken=self.skipped_broken,
                skipped_copies=self.skipped_copies,
                skipped_colourised=self.skipped_colourised,
                val_in_training=self.val_in_training,
                enlarged=self.enlarged,
                crop_size=self.size,
                total_steps=total,
                start_step=start,
                kept_from_model=self.kept_from_model,
                val_held_out=self.val_held_out,
                world_change=self.world_change,
                photos_change=self.photos_change,
            )
        )
        self.loader_iter = iter(make_loader(self.dataset, self.order, start, total, config.num_workers))
        self.t0 = time.monotonic()
        last_event = 0.0
        last_checkpoint_time = time.monotonic()
        window: deque[tuple[float, int]] = deque(maxlen=30)
        window.append((time.monotonic(), 0))
        images_done = 0
        epoch = lr = ips = 0.0  # (the last step's, for the row a stop writes)
        global_batch = config.batch_size * info.world
        step = start
        while step < total:
            batch = next(self.loader_iter)
            l_norm, ab_norm = to_model_inputs(batch, self.device)
            torch.manual_seed((config.seed * 1_000_003 + step) * 64 + info.rank)  # dropout etc. repeat on resume
            self.trainable.train()
            hints = self._simulated_hints(ab_norm, step)
            with self._autocast():
                loss = self.trainable(l_norm, ab_norm) if hints is None else self.trainable(l_norm, ab_norm, hints)
            loss_value = float(loss.detach())
            finite = math.isfinite(loss_value)
            time_up = config.max_minutes > 0 and step > start and self._elapsed() >= config.max_minutes * 60
            sum_loss, stops, bad, times_up = distributed.all_reduce_sum(
                [loss_value if finite else 0.0, float(self.state.should_stop()), 0.0 if finite else 1.0, float(time_up)],
                info,
                self.device,
            )
            if bad:
                what = "NaN" if math.isnan(loss_value) else "infinite" if not finite else "NaN or infinite in another process"
                raise TrainingError(
                    f"the loss became {what} at step {step + 1}: "
                    f"training diverged (try a lower learning rate than {config.lr:g}); "
                    + (f"the last good checkpoint is kept at step {self._checkpoint_step()}" if self.last_checkpoint else "no checkpoint was written yet")
                )
            if stops:
                if self.files and self.loss_window.steps:  # the steps since the last row: the stopped run's curve reaches its end
                    self._log_train(step, epoch, lr, ips)  # (a resume drops it: its steps count in the next row)
                return self._cancel(step)  # (its checkpoint keeps the window, for the resumed run's next row)
            if times_up:  # the time budget is spent: end as a finished run, validated at this step
                if step % self.val_every:
                    self._validate(step)
                return self._finish(step)
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            if config.grad_clip > 0:
                self.scaler.unscale_(self.optimizer)
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.scheduler is not None and not isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                self.scheduler.step()
            step += 1
            images_done += global_batch
            now = time.monotonic()
            window.append((now, images_done))
            terms = getattr(self.model, "loss_terms", None) or {}  # a model's loss parts, if it reports them
            self.loss_window.add(sum_loss / info.world, terms)
            span = window[-1][0] - window[0][0]
            ips = (window[-1][1] - window[0][1]) / span if span > 0 else 0.0
            epoch = self._epoch(step)
            lr = max(g["lr"] for g in self.optimizer.param_groups)  # the base rate (a pretrained encoder may run lower)
            due_steps = config.checkpoint_every_steps > 0 and step % config.checkpoint_every_steps == 0
            due_time = config.checkpoint_every_minutes > 0 and now - last_checkpoint_time >= config.checkpoint_every_minutes * 60
            checkpoint_due = (due_steps or due_time) and step < total
            # (and the first step: the live curve draws these rows, and stayed empty for the first log_every_steps
            # steps; not at a checkpoint: the checkpoint keeps the window, and a row there made the next one a mean
            # of a step or two, a spike in the curve)
            if step % max(1, config.log_every_steps) == 0 or step == total or step == 1:
                if self.files:
                    self._log_train(step, epoch, lr, ips)
                self.loss_window = LossWindow()
            if now - last_event >= STEP_EVENT_INTERVAL or step == total or step == start + 1:
                self._send_logged_rows()
                eta = (total - step) * global_batch / ips if ips > 0 else float("nan")
                self.emit(TrainingStep(step, total, epoch, sum_loss / info.world, lr, ips, eta))
                last_event = now
            paused = False
            if step % self.val_every == 0 or step == total:
                self._validate(step)
                paused = True
            if checkpoint_due:
                self._checkpoint(step)
                last_checkpoint_time = time.monotonic()
                paused = True
            if paused:  # images/s measures training only, not validation or checkpoint writing
                window.clear()
                window.append((time.monotonic(), images_done))
        return self._finish(step)

    def _log_train(self, step: int, epoch: float, lr: float, ips: float) -> None:
        """One row of the training curve: the mean loss (and its parts) over the window's steps."""
        loss, terms = self.loss_window.means()
        self.files.log({"type": "train", "step": step, "epoch": round(epoch, 4), "loss": loss, "lr": lr,
                        "images_per_second": round(ips, 2), **{f"loss_{k}": v for k, v in terms.items()}})
        self.unsent_rows.append((step, round(epoch, 4), loss))

    def _send_logged_rows(self) -> None:
        """The rows logged since the last ``LossLogged``, as one (at most as often as ``TrainingStep``)."""
        if self.unsent_rows:
            self.emit(LossLogged(self.unsent_rows))
            self.unsent_rows = []

    def _simulated_hints(self, ab_norm: torch.Tensor, step: int) -> torch.Tensor | None:
        """Colour hints sampled from the batch's own colours, for a model that takes hints (else None).

        Seeded by (seed, step, rank): a resumed run sees the same hints.
        """
        if not getattr(self.model, "takes_hints", False):
            return None
        rng = np.random.default_rng([self.config.seed, step, self.info.rank, 0x4817])
        return simulate_hint_channels(ab_norm, rng)

    def _autocast(self):
        if self.use_amp:
            return torch.autocast("cuda", dtype=self.amp_dtype)
        return nullcontext()

    def _checkpoint_step(self) -> int:
        try:
            return int(load_checkpoint(self.last_checkpoint)["step"]) if self.last_checkpoint else 0
        except ValueError:
            return 0

    # -- validation and previews ----------------------------------------------------------------
    @torch.no_grad()
    def _validate(self, step: int) -> None:
        val_loss = float("nan")
        if self.info.is_main:
            val_loss = self._run_validation(step)
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            # every rank must step its scheduler with the same value, so the learning rates agree
            val_loss = distributed.all_reduce_sum([val_loss if self.info.is_main else 0.0], self.info, self.device)[0]
            if math.isfinite(val_loss):
                self.scheduler.step(val_loss)

    def _run_validation(self, step: int) -> float:
        model = self.model
        was_training = model.training
        model.eval()
        losses, weights, per_image, triplets = [], [], [], []
        for start in range(0, len(self.val_batch), self.config.batch_size):
            batch = self.val_batch[start : start + self.config.batch_size]
            l_norm, ab_norm = to_model_inputs(batch, self.device)
            with self._autocast():
                loss = self.loss_fn(model, l_norm, ab_norm)
                pred = model(l_norm).float()
            losses.append(float(loss))
            weights.append(len(batch))
            l_lab = (l_norm.float() + 1) * colour.L_SCALE
            pred_rgb = colour.lab_to_rgb(torch.cat([l_lab, colour.denormalise_ab(pred)], 1)).cpu()
            true_rgb = batch.permute(0, 3, 1, 2).float() / 255
            per_image.append(lab_metrics(pred_rgb, true_rgb))
            if len(triplets) < self.config.preview_count:
                grey_rgb = colour.lab_to_rgb(torch.cat([l_lab, torch.zeros_like(pred)], 1)).cpu()
                for i in range(min(len(batch), self.config.preview_count - len(triplets))):
                    triplets.append((_to_uint8(grey_rgb[i]), _to_uint8(pred_rgb[i]), batch[i].numpy().copy()))
        preview_hints = PREVIEW_HINTS if triplets and getattr(model, "takes_hints", False) else 0
        if preview_hints:
            triplets = self._hinted_previews(triplets)
        model.train(was_training)
        val_loss = float(np.average(losses, weights=weights))
        metrics = mean_metrics({k: torch.cat([m[k] for m in per_image]) for k in per_image[0]})
        self.last_val, self.last_val_loss = metrics, val_loss
        epoch = self._epoch(step)
        self.files.log({"type": "val", "step": step, "epoch": round(epoch, 4), "loss": val_loss, **metrics})
        self.emit(ValidationDone(step, epoch, val_loss, dict(metrics)))
        if triplets:
            image_path = self.files.write_preview(math.ceil(epoch - 1e-9), triplets)
            self.emit(PreviewReady(step, epoch, triplets, image_path, hints=preview_hints))
        return val_loss

    def _hinted_previews(self, triplets: list) -> list:
        """Previews of a model that takes hints: a few hints from the original, drawn on the grey side."""
        originals = torch.from_numpy(np.stack([t[2] for t in triplets]))
        l_norm, ab_norm = to_model_inputs(originals, self.device)
        hints = simulate_hint_channels(ab_norm, np.random.default_rng([self.config.seed, 0x4817]), count=PREVIEW_HINTS)
        with self._autocast():
            pred = self.model(l_norm, hints).float()
        l_lab = (l_norm.float() + 1) * colour.L_SCALE
        pred_rgb = colour.lab_to_rgb(torch.cat([l_lab, colour.denormalise_ab(pred)], 1)).cpu()
        mask = hints[:, 2].cpu().numpy()
        return [
            (draw_hint_marks(grey, mask[i], original), _to_uint8(pred_rgb[i]), original)
            for i, (grey, _, original) in enumerate(triplets)
        ]

    # -- checkpoints and endings ------------------------------------------------------------------
    def _checkpoint(self, step: int, finished_model: str = "") -> Path | None:
        if not self.info.is_main:
            return None
        payload = {
            "step": step,
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "scaler": self.scaler.state_dict() if self.scaler.is_enabled() else None,
            "extra": {
                "elapsed": self._elapsed(),
                "last_val": dict(self.last_val),
                "last_val_loss": self.last_val_loss,
                "finished_model": finished_model,
                # What a model kept from this checkpoint says of its training (engine.training.keep):
                "facts": self._run_facts(),
                "total_steps": self.total_steps,
                "epoch": self._epoch(step),  # (a resume with another number of processes counts on from here)
                "log_window": self.loss_window.to_dict(),  # the steps since the last training row, which a resume continues
            },
        }
        path = save_checkpoint(self.files.checkpoint, payload)
        self.last_checkpoint = path
        self.emit(CheckpointSaved(step, path))
        return path

    def _elapsed(self) -> float:
        return self.elapsed_before + (time.monotonic() - self.t0)

    def _cancel(self, step: int):
        self._close_loader()
        self._send_logged_rows()  # (the row kept with the checkpoint)
        checkpoint = self._checkpoint(step) if step > self.start_step or self.last_checkpoint is None else self.last_checkpoint
        return TrainingCancelled(step, checkpoint, self.run_dir, processes=self.info.world)

    def _finish(self, step: int):
        self._close_loader()
        self._send_logged_rows()
        self._write_hash()
        if not self.info.is_main:
            return TrainingFinished(Path(), self.run_dir, step, self.last_val)
        from engine.library import add_model
        from engine.modelfile import save_model

        name = safe_name(self.config.model_name)
        run_model = save_model(self.run_dir / f"{name}.safetensors", self.model, self._training_metadata(step))
        library_path = add_model(run_model, name, self.config.library_dir or None)
        self._checkpoint(step, finished_model=str(library_path))
        return TrainingFinished(library_path, self.run_dir, step, dict(self.last_val))

    def _training_metadata(self, step: int) -> dict[str, Any]:
        return training_metadata(
            self.config, step, metrics=self.last_val, val_loss=self.last_val_loss, seconds=self._elapsed(),
            run_dir=str(self.run_dir), **self._run_facts(),
        )

    def _run_facts(self) -> dict[str, Any]:
        """What the run is, beside its config: ``training_metadata``'s photos, steps_per_epoch, image_size, world,
        device, init_from and val_held_out."""
        photos = {"train_photos": len(self.dataset), "val_photos": len(self.val_batch),
                  "skipped_grey": len(self.skipped_grey), "skipped_broken": len(self.skipped_broken)}  # fmt: skip
        return {
            "photos": photos,
            "steps_per_epoch": self.steps_per_epoch,
            "image_size": self.size,
            "world": self.info.world,
            "device": _device_label(self.device, self.info.world),
            "init_from": self.init_from_path,
            "val_held_out": self.val_held_out,
        }

    def _write_hash(self) -> None:
        folder = os.environ.get(HASH_DIR_ENV)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"rank-{self.info.rank}.sha256").write_text(state_dict_hash(self.model) + "\n")

    def _close_loader(self) -> None:
        it, self.loader_iter = self.loader_iter, None
        if it is not None and hasattr(it, "_shutdown_workers"):
            it._shutdown_workers()

    def close(self, event=None) -> None:
        self._close_loader()
        if self.status is not None:
            if self.config.resume and not self.resumed:
                self.status.abandon()  # a resume that could not start (or was stopped first) leaves the run as it was
            else:
                self.status.end(event)

    def write_error_log(self) -> None:
        if self.files is not None:
            try:
                (self.run_dir / "error.log").write_text(traceback.format_exc(), encoding="utf-8")
            except OSError:
                pass


def _make_paths_absolute(config: TrainConfig) -> None:
    """A new run's folders as whole paths, so it resumes from any folder (and from the window)."""

    def whole(entry: str) -> str:
        path = Path(entry).expanduser()
        return str(path.resolve()) if path.exists() else entry  # a missing one is reported as it was given

    config.data, config.val, config.exclude = ([whole(e) for e in entries] for entries in (config.data, config.val, config.exclude))
    if config.library_dir:
        config.library_dir = str(Path(config.library_dir).expanduser().resolve())
    if config.init_from and Path(config.init_from).expanduser().is_file():  # a model file, not a library name
        config.init_from = whole(config.init_from)


def _resolve_device(choice: str) -> torch.device:
    from engine.device import resolve_device

    return resolve_device(choice)


def _to_uint8(rgb: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` float in [0, 1] -> ``(H, W, 3)`` uint8."""
    return (rgb.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy().copy()


def _make_scheduler(opt: torch.optim.Optimizer, config: TrainConfig, total_steps: int):
    warmup = max(0, config.warmup_steps)
    total = max(1, total_steps)
    if config.schedule == "onecycle" and total >= 3:  # (OneCycleLR cannot split fewer steps into its two phases)
        pct = min(0.5, warmup / total) if warmup else 0.25
        pct = min(max(pct, 1.5 / total), 1 - 1 / total)  # each phase at least a step long
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups], total_steps=total, pct_start=pct)
    if config.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    floor = config.min_lr_ratio

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        if config.schedule == "constant":
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)
