"""What a model file says about itself, one short text each: its size, the photos it learnt from,
its passes over them and its validation figures.

The window's Models page and ``colourise models`` both show these, so they read the same. Every
function copes with a summary that lacks the field (an empty string then; callers show a dash).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.modelfile import earlier_stage_keys

ON_TRAINING_PHOTOS = "Measured on its own training photos: nothing was held out for validation"
TRAINING_PHOTOS_MARK = " (training photos)"  # after validation figures measured so (ON_TRAINING_PHOTOS)


def parameters_text(count: int | None) -> str:
    """``3.2 M``, ``32 k``, ``950``; "" when unknown."""
    if count is None:
        return ""
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} M"
    if count >= 1_000:
        return f"{count / 1e3:.0f} k"
    return str(count)


def trained_on(training: dict[str, Any]) -> str:
    """``7,037 photos from train, train-extra`` (or the file's own ``data_summary``), as much as is known;
    a user's fine-tune adds what it started from: ``40 photos from family, fine-tuned from default``, and a
    model kept from a stopped run where it stopped: ``658 photos from train, stopped at step 95 of 8,569``."""
    parts = [_photos_text(training)]
    start = training.get("init_from")
    # The shipped default records its earlier stages (stage_1 ...): those are its own making, not a start.
    if start and not earlier_stage_keys(training):
        parts.append(f"fine-tuned from {Path(str(start)).stem}")
    planned, steps = training.get("planned_steps"), training.get("steps")
    if isinstance(planned, int) and isinstance(steps, int) and steps < planned:  # kept from a stopped run
        parts.append(f"stopped at step {steps:,} of {planned:,}")
    return ", ".join(p for p in parts if p)


def _photos_text(training: dict[str, Any]) -> str:
    if training.get("data_summary"):
        return str(training["data_summary"])
    folders = training.get("data") or []
    if isinstance(folders, str):
        folders = [folders]
    names = ", ".join(Path(str(f)).name or str(f) for f in folders)
    photos = training.get("train_photos")
    counted = f"{photos:,} photo{'s' if photos != 1 else ''}" if photos else ""
    if counted and names:
        return f"{counted} from {names}"
    return names or counted


def epochs_text(epochs: float | None) -> str:
    """Passes over the training photos, every stage counted (``ModelInfo.epochs``): ``25``, ``3.5``."""
    return "" if epochs is None else f"{epochs:g}"


def validated_on(training: dict[str, Any]) -> str | None:
    """Where a model's validation figures were measured: ``"validation photos"`` (held out) or ``"training photos"``
    (nothing was held out); None when its file does not say (a model from before models said)."""
    where = training.get("validated_on")
    return where if where in ("validation photos", "training photos") else None


def validation_text(metrics: dict[str, Any], measured_on: str | None = None) -> str:
    """``PSNR 22.79 dB · SSIM 0.927 · AuC 0.886 · Hue accuracy 51.6 %``: the figures the file has, followed by
    ``(training photos)`` when ``measured_on`` says they were measured on the model's own training photos."""
    shown = (("psnr", "PSNR {:.2f} dB", 1), ("ssim", "SSIM {:.3f}", 1), ("auc", "AuC {:.3f}", 1),
             ("hue_accuracy", "Hue accuracy {:.1f} %", 100))  # older models lack hue accuracy  # fmt: skip
    parts = [form.format(scale * metrics[key]) for key, form, scale in shown if isinstance(metrics.get(key), (int, float))]
    marked = TRAINING_PHOTOS_MARK if parts and measured_on == "training photos" else ""
    return " · ".join(parts) + marked
