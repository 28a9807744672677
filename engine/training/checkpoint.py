"""The resume checkpoint: state dicts and plain data only, written atomically, read with ``weights_only=True``.

Layout: ``{"format": 1, "step": int, "config": dict, "model": state_dict,
"optimizer": state_dict, "scheduler": state_dict | None, "scaler": state_dict | None,
"extra": dict}``. Nothing in it needs unpickling code, so ``torch.load`` with
``weights_only=True`` reads it (and refuses anything else).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from engine.atomic import atomic_write_bytes

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1
MAX_STEP = 1_000_000_000  # as TrainConfig's limit on steps


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` via a temporary file and ``os.replace``: a crash never leaves half a file."""
    path = Path(path)
    # Serialised in memory first: written by torch's zip writer, a full disk surfaces as
    # "[enforce fail at inline_container.cc] unexpected pos"; written here, as ENOSPC.
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **payload}, buffer)
    atomic_write_bytes(path, buffer.getbuffer())
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint on the CPU with ``weights_only=True``; ``ValueError`` with a one-line reason if unusable."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no checkpoint to resume from")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses code; a damaged zip fails here too
        from engine.modelfile import pickle_refusal

        raise ValueError(f"{path.name}: not a usable checkpoint ({pickle_refusal(exc)})") from None
    if not isinstance(blob, dict) or blob.get("format") != FORMAT or "model" not in blob or "step" not in blob:
        raise ValueError(f"{path.name}: not a Colourise training checkpoint")
    step = blob["step"]
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= MAX_STEP:
        raise ValueError(f"{path.name}: its step {step!r} is not a step count from 0 to {MAX_STEP}")
    return blob
