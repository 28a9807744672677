"""What a trained model file says about its training (the ``training`` part of its metadata).

One place for it, so a model that finished its run and one kept from a stopped run
(``engine.training.keep``) read alike on the Models page and in ``colourise models``.
"""

from __future__ import annotations

from typing import Any

from engine.training.config import TrainConfig

RECIPE_LEFT_OUT = ("resume", "run_dir", "library_dir")  # where this run lived, not how it trained
VALIDATED_ON = {True: "validation photos", False: "training photos"}  # by whether validation photos were held out


def validated_on_of(validation_from: Any) -> str | None:
    """A run's dataset.json ``validation_from`` (the trainer's ``val_source``: "validation photos" or "training photos
    (nothing held out)") as a model's ``validated_on`` says it; None when it says neither (a run from before it said)."""
    source = validation_from if isinstance(validation_from, str) else ""
    return VALIDATED_ON[True] if source == VALIDATED_ON[True] else VALIDATED_ON[False] if source.startswith(VALIDATED_ON[False]) else None


def training_metadata(
    config: TrainConfig,
    step: int,
    *,
    photos: dict[str, int],
    steps_per_epoch: int,
    image_size: int,
    world: int,
    metrics: dict[str, float],
    val_loss: float,
    init_from: str,
    device: str,
    seconds: float,
    run_dir: str,
    val_held_out: bool | None = None,
) -> dict[str, Any]:
    """``photos``: counts of ``train_photos``, ``val_photos``, ``skipped_grey`` and ``skipped_broken``;
    ``val_held_out``: whether validation was on held-out photos (False: on training photos), None when not known."""
    recipe = {k: v for k, v in config.to_dict().items() if k not in RECIPE_LEFT_OUT}
    held_out = f"{config.val_fraction:g} of data held out" if val_held_out is not False else "nothing held out"
    measured_on = {} if val_held_out is None else {"validated_on": VALIDATED_ON[val_held_out]}
    return {
        "data": list(config.data),
        "exclude": list(config.exclude),  # e.g. the dev split: what "trained on" leaves out
        "val": list(config.val) or held_out,
        **measured_on,  # where "metrics" were measured: a model's own training photos are no test of it
        "train_photos": photos["train_photos"],
        "val_photos": photos["val_photos"],
        "skipped_grey": photos["skipped_grey"],
        "skipped_broken": photos["skipped_broken"],
        "epochs": round(step / max(steps_per_epoch, 1), 3),
        "steps": step,
        "image_size": image_size,
        "batch_size": config.batch_size * world,
        "metrics": dict(metrics),
        "val_loss": val_loss,
        "init_from": init_from,
        "device": device,
        "duration_seconds": round(seconds, 1),
        "run_dir": run_dir,
        "recipe": recipe,
    }
