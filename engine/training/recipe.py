"""The shipped recipe (``configs/default.toml``, the default model's training) as a starting point for new runs.

The window's Train page starts from it: the default architecture with the
settings the shipped model was trained with, its length turned into epochs over
the photos of the user's folder it trains on (the same number of steps), and
without the parts that only make sense on the development machine (its data
folders, run folder, thread count, validation and checkpoint cadence). A fine-tune of
a model of that architecture starts from the shipped fine-tune stage instead
(``configs/default-finetune.toml``: fewer steps at a lower learning rate, on larger
crops), as the default's own second stage did.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.data import split_paths, steps_per_epoch
from engine.training.config import TrainConfig

RECIPE_FILE = "default.toml"
FINE_TUNE_RECIPE_FILE = "default-finetune.toml"
# Fields of the shipped recipe a new run takes over; the rest come from TrainConfig's defaults.
CARRIED = (
    "arch_params", "pretrained", "image_size", "batch_size", "optimizer", "lr", "weight_decay", "momentum",
    "schedule", "warmup_steps", "min_lr_ratio", "loss", "grad_clip", "seed", "augment", "amp",
)  # fmt: skip
FALLBACK_ARCH = "colour_unet"


def shipped_recipe_path(name: str = RECIPE_FILE) -> Path:
    """``configs/<name>`` in a source checkout; ``<bundle>/configs/<name>`` in the frozen app."""
    from engine.library import resources_dir

    return resources_dir().parent / "configs" / name


def shipped_recipe(name: str = RECIPE_FILE) -> TrainConfig | None:
    """A shipped recipe (the default's; ``FINE_TUNE_RECIPE_FILE``: its fine-tune stage), or None when this copy has none (or it cannot be read)."""
    try:
        return TrainConfig.load(shipped_recipe_path(name))
    except ValueError:
        return None


def default_arch() -> str:
    """The architecture new runs start with: the shipped recipe's."""
    recipe = shipped_recipe()
    return recipe.arch if recipe is not None else FALLBACK_ARCH


def recipe_for(arch: str, photos: Sequence[Path] | int | None = None, fine_tune: bool = False,
               val_fraction: float | None = None) -> TrainConfig:
    """A new run's recommended settings for ``arch``, sized for a folder of ``photos`` (its usable photos, or their count).

    For the shipped recipe's architecture: its settings (``fine_tune``: those of its
    fine-tune stage), with ``epochs`` chosen so a run takes as many steps as the shipped
    training did (at least one epoch), over the photos it trains on: ``photos`` less the
    share ``val_fraction`` holds out (None: the recipe's; 0: none, as with a validation
    folder of its own). For any other architecture: ``TrainConfig.defaults_for(arch)``.
    ``photos`` None or 0 (not counted yet) keeps the default number of epochs.
    """
    recipe = shipped_recipe()
    if recipe is None or recipe.arch != arch:
        return TrainConfig.defaults_for(arch)
    if fine_tune:
        stage = shipped_recipe(FINE_TUNE_RECIPE_FILE)
        if stage is not None and stage.arch == arch:
            recipe = TrainConfig.from_dict({**stage.to_dict(), "arch_params": recipe.arch_params})
    carried: dict[str, Any] = {key: value for key, value in recipe.to_dict().items() if key in CARRIED}
    config = TrainConfig.defaults_for(arch, **carried)
    if photos and recipe.steps > 0:
        fraction = config.val_fraction if val_fraction is None else val_fraction
        per_epoch = steps_per_epoch(training_count(photos, fraction), config.batch_size)  # (a partial last batch is dropped)
        config.epochs = max(1, math.ceil(recipe.steps / per_epoch))
    return config


def training_count(photos: Sequence[Path] | int, val_fraction: float) -> int:
    """How many of ``photos`` a run trains on when ``val_fraction`` of them is held out for validation.

    Photos (paths): exactly, as the run splits them (by name). A count: about, the split's own rules
    on a share of that size (at least one held out from two photos on; none when that would be all).
    """
    if not isinstance(photos, int):
        return len(split_paths(list(photos), val_fraction)[0])
    if val_fraction <= 0 or photos < 2:
        return photos
    held = max(1, round(photos * val_fraction))
    return photos - held if held < photos else photos
