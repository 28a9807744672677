"""Model files: ``.safetensors`` weights with the architecture and its config in the metadata.

Metadata keys (all strings, as safetensors requires):

- ``format``: ``"colourise-model"``; ``format_version``: ``"1"``
- ``arch``: a registered architecture name; ``config``: its builder config as JSON
- ``training``: JSON summary (data, photo counts, epochs, metrics, recipe), when known
- ``created``: ISO date

Pickle files (``.pt``/``.pth``/``.ckpt``) are never unpickled freely: they are read
with ``torch.load(weights_only=True)``, which refuses anything but tensors and
plain data, and they must then hold the same ``arch``/``config``/``state_dict``.

Everything a file says is checked once, here, when it is read: a bad ``arch`` or
``config`` makes the file unreadable (one line saying why); a ``training`` summary
or one of its fields of the wrong kind is dropped, so it shows as unknown. Before any
weights are loaded, the config is bounded (``check_arch_config``) and the model is
built on the "meta" device, which allocates nothing, so its size and every weight
shape are checked against the file's header first.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save
from safetensors import safe_open

from engine.atomic import atomic_write_bytes
from engine.errors import ModelFileError

FORMAT = "colourise-model"
FORMAT_VERSION = "1"
PICKLE_SUFFIXES = {".pt", ".pth", ".ckpt", ".bin"}
# Ceilings on what a file (or a training recipe) may ask for. The largest shipped model has
# about 4 million parameters; 100 million (400 MB of float32) leaves room for anything real.
MAX_PARAMETERS = 100_000_000
MAX_ARCH_INT = 4096  # widths and working sizes (pixels)
# The kinds of ``training`` summary fields the app reads; a field of another kind is dropped.
_TRAINING_FIELDS: dict[str, tuple[type, ...]] = {
    "epochs": (int, float), "steps": (int,), "train_photos": (int,), "val_photos": (int,),
    "skipped_grey": (int,), "skipped_broken": (int,), "image_size": (int,), "batch_size": (int,),
    "val_loss": (int, float), "duration_seconds": (int, float),
    "description": (str,), "data_summary": (str,), "data_description": (str,),
    "init_from": (str,), "device": (str,), "run_dir": (str,), "recipe": (dict,), "validated_on": (str,),
}  # fmt: skip


def earlier_stage_keys(training: dict[str, Any]) -> list[str]:
    """The keys of a fine-tune's earlier stages in its training summary, oldest first: stage_1, stage_2, ..."""
    keys = [key for key in training if key.startswith("stage_") and key[6:].isdigit()]
    return sorted(keys, key=lambda key: int(key[6:]))


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

    @property
    def epochs(self) -> float | None:
        """Passes over the training photos, every stage counted: a fine-tune's summary keeps its
        earlier stages' under ``stage_1``, ``stage_2``, ... (scripts/tune_default.py). None when the file does not say."""
        training = self.training or {}
        stages = [training, *(training[key] for key in earlier_stage_keys(training))]
        passes = [s.get("epochs") for s in stages if isinstance(s, dict) and isinstance(s.get("epochs"), (int, float))]
        return round(sum(passes), 3) if passes else None

    @property
    def takes_hints(self) -> bool:
        """Whether the model takes colour hints (its architecture can, and its config has ``hint_input``)."""
        from engine.models.registry import takes_hints

        try:
            return takes_hints(self.arch, self.config)
        except KeyError:  # an architecture this version does not know
            return False


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
    # Serialised here and written by atomic_write_bytes, so the umask decides the file's mode
    # (safetensors' save_file makes its files private, 0600, unlike every other file we write).
    atomic_write_bytes(path, save(tensors, metadata=metadata))
    return path


def _check_exists(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(path, "no such file")
    if not path.is_file():
        raise ModelFileError(path, "not a file")


def _parse_metadata(path: Path, meta: dict[str, str] | None) -> tuple[str, dict, dict, str]:
    meta = meta or {}
    arch = meta.get("arch")
    if meta.get("format") != FORMAT or not arch:
        raise ModelFileError(path, "not a Colourise model (its metadata names no architecture)")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(path, f"model format version {meta.get('format_version')!r} is not supported")
    try:
        config = json.loads(meta.get("config", "{}"))
        training = json.loads(meta.get("training", "{}"))
    except json.JSONDecodeError:
        raise ModelFileError(path, "its metadata is not valid JSON") from None
    created = meta.get("created", "")
    return arch, _checked_config(path, config), clean_training(training), created if isinstance(created, str) else ""


def _checked_config(path: Path, config: Any) -> dict[str, Any]:
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise ModelFileError(path, f"its config is not a JSON object (got {_kind(config)})")
    return config


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def clean_training(training: Any) -> dict[str, Any]:
    """A model file's ``training`` summary with every field of the wrong kind left out (shown as unknown)."""
    if not isinstance(training, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in training.items():
        kinds = _TRAINING_FIELDS.get(key)
        if key == "data" or key == "val":
            values = [value] if isinstance(value, str) else value
            if isinstance(values, list) and all(isinstance(v, str) for v in values):
                out[key] = value if key == "val" else values
        elif key == "metrics":
            if isinstance(value, dict):
                out[key] = {str(k): v for k, v in value.items() if _finite_number(v)}
        elif kinds is None:
            out[key] = value  # not read by the app; kept for `colourise models --json`
        elif isinstance(value, kinds) and not isinstance(value, bool) and (not isinstance(value, float) or math.isfinite(value)):
            out[key] = value
    return out


def check_arch_config(arch: str, config: dict[str, Any]) -> None:
    """``ValueError`` (``"<key>: expected ..., got ..."``) for a config value an architecture must not be built with.

    Numbers of the architecture's hyper-parameters are checked by the kind of their
    default: whole numbers (widths, working sizes) within 1..``MAX_ARCH_INT``, lists of
    them of the default's length, finite numbers, true/false. Then the model is built
    on the "meta" device (no memory) to bound its parameter count.
    """
    from engine.models import create_model, get_architecture

    defaults = get_architecture(arch).default_config()
    unknown = sorted(set(config) - set(defaults))
    if unknown:
        raise ValueError(f"architecture {arch!r} has no parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    for key, value in config.items():
        _check_arch_value(key, value, defaults[key])
    try:
        with torch.device("meta"):
            skeleton = create_model(arch, **config)
    except (TypeError, ValueError, KeyError, RuntimeError) as exc:
        raise ValueError(_short(exc).strip("'\"")) from None
    count = sum(t.numel() for t in skeleton.state_dict().values())
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"{arch} with {json.dumps(config)} would have {count / 1e6:,.0f} million parameters "
            f"(the limit is {MAX_PARAMETERS / 1e6:,.0f} million)"
        )


def _check_arch_value(key: str, value: Any, default: Any) -> None:
    def whole(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_ARCH_INT

    if isinstance(default, bool):
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        ok, expected = whole(value), f"a whole number from 1 to {MAX_ARCH_INT}"
    elif isinstance(default, float):
        ok, expected = _finite_number(value), "a number"
    elif isinstance(default, (list, tuple)) and all(isinstance(v, int) for v in default):
        ok = isinstance(value, (list, tuple)) and len(value) == len(default) and all(whole(v) for v in value)
        expected = f"{len(default)} whole numbers from 1 to {MAX_ARCH_INT}"
    else:
        return  # a kind of setting this check does not know: the builder judges it
    if not ok:
        raise ValueError(f"{key}: expected {expected}, got {shown(value)}")


def shown(value: Any) -> str:
    """A value as a config file would spell it (``"sixteen"``, ``[0.5]``, ``null``), short."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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


def pickle_refusal(exc: BaseException) -> str:
    """Why ``torch.load(weights_only=True)`` refused a file, in one whole line (torch's own text is a page long)."""
    text = str(exc)
    code = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text) or re.search(r"Unsupported operand \d+", text)
    if code is not None or "Weights only load failed" in text:
        what = f" ({code.group(1) if code.lastindex else code.group(0)})" if code is not None else ""
        return f"refused: it holds Python code or objects{what}, and Colourise never runs code from a model file; use a .safetensors model"
    first = re.sub(r"\x1b\[[0-9;]*m", "", text).split(". ")[0].splitlines()[0] if text.strip() else type(exc).__name__
    return f"not a readable PyTorch file ({first[:120]})"


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _read_pickle(path: Path) -> tuple[str, dict, dict, dict]:
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # weights_only refuses code; corrupt zips fail here too
        raise ModelFileError(path, pickle_refusal(exc)) from None
    if not isinstance(blob, dict) or not {"arch", "state_dict"} <= set(blob):
        raise ModelFileError(path, "a pickle checkpoint without 'arch' and 'state_dict' cannot be used as a model")
    arch, state = blob["arch"], blob["state_dict"]
    if not isinstance(arch, str) or not arch:
        raise ModelFileError(path, f"its 'arch' is not an architecture name (got {_kind(arch)})")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ModelFileError(path, f"its state_dict is not a mapping of names to tensors (got {_kind(state)})")
    config = _checked_config(path, blob.get("config") or {})
    return arch, config, clean_training(blob.get("training")), state


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[torch.nn.Module, ModelInfo]:
    """Build the model a file describes and load its weights; returns ``(model in eval mode, info)``.

    The config is bounded and every weight shape checked against the file's header
    (on a "meta" model, which allocates nothing) before any weights are read.
    """
    from engine.models import create_model, is_known
    from engine.models.registry import CUSTOM_ARCHITECTURES_HELP

    path = Path(path)
    info = read_info(path)
    if not is_known(info.arch):
        raise ModelFileError(path, f"unknown architecture {info.arch!r}: {CUSTOM_ARCHITECTURES_HELP}")
    try:
        check_arch_config(info.arch, info.config)
        with torch.device("meta"):
            skeleton = create_model(info.arch, **info.config)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(path, f"its config does not fit architecture {info.arch!r} ({_short(exc)})") from None
    expected = {k: tuple(v.shape) for k, v in skeleton.state_dict().items()}
    pickled = path.suffix.lower() in PICKLE_SUFFIXES
    state = _read_pickle(path)[3] if pickled else None
    _check_shapes(path, info.arch, expected, _shapes(path) if state is None else {k: tuple(v.shape) for k, v in state.items()})
    if state is None:
        try:
            state = load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ModelFileError(path, f"the file is damaged or incomplete ({_short(exc)})") from None
    model = create_model(info.arch, **info.config)
    model.load_state_dict(state)
    model.eval().to(device)
    return model, info


def _shapes(path: Path) -> dict[str, tuple[int, ...]]:
    try:
        with safe_open(str(path), framework="pt") as f:
            return {key: tuple(f.get_slice(key).get_shape()) for key in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(path, f"the file is damaged or incomplete ({_short(exc)})") from None


def _check_shapes(path: Path, arch: str, expected: dict[str, tuple], found: dict[str, tuple]) -> None:
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(set(found) - set(expected))
    if missing or unexpected:
        raise ModelFileError(path, f"weights do not fit architecture {arch!r} ({len(missing)} missing, {len(unexpected)} unexpected)")
    for key, shape in found.items():
        if shape != expected[key]:
            raise ModelFileError(path, f"weight {key} has shape {shape}, architecture expects {expected[key]}")
