"""Events the engine emits through ``TaskState.emit``: plain data, safe to send across threads.

Training events are emitted by ``engine.training.train``; photo events by
``engine.batch.colourise_files``. Listeners dispatch on the type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


# --- colourising photos -------------------------------------------------------
@dataclass
class PhotoStarted:
    index: int
    total: int
    source: Path


@dataclass
class PhotoDone:
    index: int
    total: int
    source: Path
    output: Path
    in_colour: bool = False  # the photo was in colour already, and the model's colours replaced its own (engine.data.in_colour_already)


@dataclass
class PhotoFailed:
    index: int
    total: int
    source: Path
    message: str  # one line: "<file name>: <reason>"


@dataclass
class PhotoSkipped:
    index: int
    total: int
    source: Path
    output: Path  # already exists and was not overwritten


@dataclass
class BatchFinished:
    succeeded: int
    failed: int
    skipped: int  # outputs that existed and were not overwritten
    cancelled: bool = False


@dataclass
class PhotosFound:
    count: int  # image files found in a folder, before they are checked


# --- training -----------------------------------------------------------------
@dataclass
class TrainingStarted:
    run_dir: Path
    device: str
    train_photos: int
    val_photos: int
    skipped_grey: list[str] = field(default_factory=list)  # file names left out as greyscale
    skipped_broken: list[str] = field(default_factory=list)  # "name: reason"
    skipped_copies: list[str] = field(default_factory=list)  # "name (the same file as other name)": byte-for-byte copies
    skipped_colourised: list[str] = field(default_factory=list)  # file names of colour versions Colourise saved
    val_in_training: list[str] = field(default_factory=list)  # file names of validation photos that are training photos (not validated on)
    enlarged: list[str] = field(default_factory=list)  # training photos smaller than the crops (kept, enlarged)
    crop_size: int = 0  # the training crops' side in pixels
    total_steps: int = 0
    start_step: int = 0  # > 0 when resuming
    kept_from_model: list[str] = field(default_factory=list)  # settings asked of a fine-tune that its weights fix
    val_held_out: bool = True  # False: nothing was held out, so validation is on (centre crops of) training photos
    world_change: str = ""  # a resume with another number of processes than the run trained with: what that changes, one line
    photos_change: str = ""  # a resume of an epochs-set run with another number of training photos: what its steps now are, one line


@dataclass
class TrainingStep:
    step: int
    total_steps: int
    epoch: float  # fractional epoch
    loss: float
    lr: float
    images_per_second: float
    eta_seconds: float


@dataclass
class LossLogged:
    """The training-curve rows metrics.jsonl got since the last such event: ``(step, epoch, mean loss)`` each.

    Sent just before a ``TrainingStep`` (so no more often) and when a run stops or ends, so a live curve
    can hold the very points a resumed or past run's curve is read back from.
    """

    rows: list[tuple[int, float, float]]


@dataclass
class ValidationDone:
    step: int
    epoch: float
    loss: float
    metrics: dict[str, float]


@dataclass
class PreviewReady:
    """For each fixed validation photo: (grey input, prediction, original) as uint8 HxWx3."""

    step: int
    epoch: float
    triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    image_path: Path | None = None  # the PNG written to the run folder, when one was
    hints: int = 0  # colour hints each prediction was given, taken from the original (marked on the grey input)


@dataclass
class CheckpointSaved:
    step: int
    path: Path


@dataclass
class TrainingFinished:
    model_path: Path
    run_dir: Path
    steps: int
    metrics: dict[str, float]
    finished_already: bool = False  # a resume of a run that had ended at its last step: nothing was trained


@dataclass
class TrainingFailed:
    message: str  # readable, one line
    run_dir: Path | None = None


@dataclass
class TrainingCancelled:
    step: int
    checkpoint: Path | None
    run_dir: Path | None = None
    processes: int = 1  # the run's processes (torchrun): a resume asks for as many


