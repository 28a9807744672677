"""Model files: ``.safetensors`` weights with the architecture and its config in the metadata.

Metadata keys (all strings, as safetensors requires):

- ``format``: ``"colourise-model"``; ``format_version``: ``"1"``
- ``arch``: a registered architecture name; ``config``: its builder config as JSON
- ``training``: JSON summary (data, photo counts, epochs, metrics, recipe), when known
- ``created``: ISO date

Pickle files (``.pt``/``.pth``/``.ckpt``) are never unpickled freely: they are read
with ``torch.load(weights_only=True)``, which refuses anything but tensors and
plain data, and they must then hold the same ``arch``/``config``/``state_dict``.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from safetensors import safe_open

from engine.atomic import atomic_path
from engine.errors import ModelFileError

FORMAT = "colourise-model"
FORMAT_VERSION = "1"
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".bin"}


@dataclass
class ModelInfo:
    """What a model file says about itself (no weights loaded)."""

    path: Path
    arch: str
    config: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    parameters: int = 0

    @property
    def name(self) -> str:
        return self.path.stem


def save_model(path: str | Path, model: torch.nn.Module, training: dict[str, Any] | None = None) -> Path:
    """Write ``model`` (built by ``create_model``) to ``path`` atomically; returns the path."""
    path = Path(path)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "arch": model.arch_name,
        "config": json.dumps(model.arch_config),
        "training": json.dumps(training or {}),
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=metadata)
    return path


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(path, "no such file")
    if not path.is_file():
        raise ModelFileError(path, "not a file")


def _parse_metadata(path: Path, meta: dict[str, str] | None) -> tuple[str, dict, dict, str]:
    meta = meta or {}
    if meta.get("format") != FORMAT or "arch" not in meta:
        raise ModelFileError(path, "not a Colourise model (its metadata names no architecture)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"model format version {meta.get('format_version')!r} is not supported")
    try:
        config = json.loads(meta.get("config", "{}"))
        training = json.loads(meta.get("training", "{}"))
    except json.JSONDecodeError:
        raise ModelFileError(path, "its metadata is not valid JSON") from None
    return meta["arch"], config, training, meta.get("created", "")


def read_info(path: str | Path) -> ModelInfo:
    """Read a model file's metadata without loading weights."""
    path = Path(path)
    _check_exists(path)
    if path.suffix.lower() in PICKLE_SUFFIXES:
        arch, config, training, state = _read_pickle(path)
        n = sum(t.numel() for t in state.values())
        return ModelInfo(path, arch, config, training, "", n)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata()
            n = 0
            for key in f.keys():
                shape = f.get_slice(key).get_shape()
                count = 1
                for s in shape:
                    count *= s
                n += count
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(path, f"not a readable .safetensors file ({_short(exc)})") from None
    arch, config, training, created = _parse_metadata(path, meta)
    return ModelInfo(path, arch, config, training, created, n)


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _read_pickle(path: Path) -> tuple[str, dict, dict, dict]:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses code; corrupt zips fail here too
        raise ModelFileError(path, f"refused: not a safe weights-only file ({_short(exc)})") from None
    if not isinstance(blob, dict) or not {"arch", "state_dict"} <= set(blob):
        raise ModelFileError(path, "a pickle checkpoint without 'arch' and 'state_dict' cannot be used as a model")
    return blob["arch"], dict(blob.get("config", {})), dict(blob.get("training", {})), blob["state_dict"]


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, ModelInfo]:
    """Build the model a file describes and load its weights; returns ``(model in eval mode, info)``."""
    from engine.models import create_model, list_models

    path = Path(path)
    info = read_info(path)
    if info.arch not in list_models():
        raise ModelFileError(path, f"unknown architecture {info.arch!r}")
    if path.suffix.lower() in PICKLE_SUFFIXES:
        state = _read_pickle(path)[3]
    else:
        try:
            state = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ModelFileError(path, f"the file is damaged or incomplete ({_short(exc)})") from None
    try:
        model = create_model(info.arch, **info.config)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(path, f"its config does not fit architecture {info.arch!r} ({_short(exc)})") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ModelFileError(
            path, f"weights do not fit architecture {info.arch!r} ({len(missing)} missing, {len(unexpected)} unexpected)"
        )
    for key, tensor in state.items():
        if tensor.shape != expected[key].shape:
            raise ModelFileError(
                path, f"weight {key} has shape {tuple(tensor.shape)}, architecture expects {tuple(expected[key].shape)}"
            )
    model.load_state_dict(state)
    model.eval().to(device)
    return model, info
