"""The resume checkpoint: state dicts and plain data only, written atomically, read with ``weights_only=True``.

Layout: ``{"format": 1, "step": int, "config": dict, "model": state_dict,
"optimizer": state_dict, "scheduler": state_dict | None, "scaler": state_dict | None,
"extra": dict}``. Nothing in it needs unpickling code, so ``torch.load`` with
``weights_only=True`` reads it (and refuses anything else).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from engine.atomic import atomic_path

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` via a temporary file and ``os.replace``: a crash never leaves half a file."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        torch.save({"format": FORMAT, **payload}, f)
        f.flush()
        os.fsync(f.fileno())
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint on the CPU with ``weights_only=True``; ``ValueError`` with a one-line reason if unusable."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no checkpoint to resume from")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses code; a damaged zip fails here too
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ValueError(f"{path.name}: not a usable checkpoint ({first})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT or "model" not in blob or "step" not in blob:
        raise ValueError(f"{path.name}: not a Colourise training checkpoint")
    return blob
