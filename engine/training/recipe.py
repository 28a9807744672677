"""The shipped recipe (``configs/default.toml``, the default model's training) as a starting point for new runs.

The window's Train page starts from it: the default architecture with the
settings the shipped model was trained with, its length turned into epochs over
the user's folder (the same number of photos seen: ``steps x batch_size``), and
without the parts that only make sense on the development machine (its data
folders, run folder, thread count, validation and checkpoint cadence).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from engine.training.config import TrainConfig

RECIPE_FILE = "default.toml"
# Fields of the shipped recipe a new run takes over; the rest come from TrainConfig's defaults.
CARRIED = (
    "arch_params", "pretrained", "image_size", "batch_size", "optimizer", "lr", "weight_decay", "momentum",
    "schedule", "warmup_steps", "min_lr_ratio", "loss", "grad_clip", "seed", "augment", "amp",
)  # fmt: skip
FALLBACK_ARCH = "colour_unet"


def shipped_recipe_path() -> Path:
    """``configs/default.toml`` in a source checkout; ``<bundle>/configs/default.toml`` in the frozen app."""
    from engine.library import resources_dir

    return resources_dir().parent / "configs" / RECIPE_FILE


def shipped_recipe() -> TrainConfig | None:
    """The shipped recipe, or None when this copy has none (or it cannot be read)."""
    try:
        return TrainConfig.load(shipped_recipe_path())
    except ValueError:
        return None


def default_arch() -> str:
    """The architecture new runs start with: the shipped recipe's."""
    recipe = shipped_recipe()
    return recipe.arch if recipe is not None else FALLBACK_ARCH


def recipe_for(arch: str, photos: int | None = None) -> TrainConfig:
    """A new run's recommended settings for ``arch``, sized for a folder of ``photos`` training photos.

    For the shipped recipe's architecture: its settings, with ``epochs`` chosen so a
    run sees as many photos as the shipped training did (at least one epoch). For any
    other architecture: ``TrainConfig.defaults_for(arch)``. ``photos`` None or 0 (not
    counted yet) keeps the default number of epochs.
    """
    recipe = shipped_recipe()
    if recipe is None or recipe.arch != arch:
        return TrainConfig.defaults_for(arch)
    carried: dict[str, Any] = {key: value for key, value in recipe.to_dict().items() if key in CARRIED}
    config = TrainConfig.defaults_for(arch, **carried)
    if photos and recipe.steps > 0:
        config.epochs = max(1, math.ceil(recipe.steps * recipe.batch_size / photos))
    return config
