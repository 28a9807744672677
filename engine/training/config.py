"""``TrainConfig``: everything a training run needs, as plain data that round-trips through TOML/JSON.

A run folder keeps its ``config.toml``; ``resume_config(run_dir)`` reads it back
so a run continues with exactly the recipe it started with. Paths are stored as
strings so the config stays plain data (the resume checkpoint embeds it and is
loaded with ``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from engine.atomic import read_regular_text
from engine.errors import error_reason

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
MAX_IMAGE_SIZE = 2048  # training crops (pixels a side)
# A learning rate above this is a typing slip, not a choice: 64 typed for 0.001 took colour_unet's
# validation loss to 5e9 within 40 steps, and no optimiser here is stable far above 0.1.
MAX_LR = 1.0


def crop_size(image_size: int, stride: int) -> int:
    """The side of the training crops asked for as ``image_size``: rounded down to a multiple of the
    architecture's ``stride`` (its models halve a crop that many times over), and at least one stride."""
    return max(stride, image_size // stride * stride)
MAX_STEP_PIXELS = 1 << 26  # batch_size x image_size^2 per process: 256 crops of 512, 16 of 2048
MAX_STEPS = 1_000_000_000
SCHEDULES = ("constant", "cosine", "onecycle", "plateau")
DEVICES = ("auto", "cpu", "cuda")
TRACKERS = ("tensorboard", "wandb")  # engine.training.trackers


class SettingError(ValueError):
    """A setting's value does not fit; ``key`` names it as the message begins (``lr``, ``augment.hflip``), so a
    front can say where the value came from (a config file, a flag)."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


@dataclass
class AugmentConfig:
    """Random changes to each training crop (validation crops are never augmented)."""

    random_resized_crop: bool = True  # a random area/aspect of the photo, resized to the training size
    crop_scale: tuple[float, float] = (0.3, 1.0)  # fraction of the photo's area a crop covers
    hflip: bool = True
    # The lineage's augmentations: off by default, the lineage found they did not help.
    lineage_rotate: bool = False  # small random rotations (up to ``rotate_degrees``)
    rotate_degrees: float = 15.0
    lineage_crop: bool = False  # a random crop of 80-100 % of the side, aspect kept


@dataclass
class TrainConfig:
    # -- what to train
    arch: str = "alpha"
    arch_params: dict[str, Any] = field(default_factory=dict)
    init_from: str = ""  # a library model name or a model file: fine-tune it instead of random weights
    pretrained: bool = True  # call the model's ``load_pretrained_encoder()`` when it has one (and no init_from)
    name: str = ""  # the model's name in the library; defaults to the architecture's name

    # -- data
    data: list[str] = field(default_factory=list)  # folders of colour photos (searched recursively)
    val: list[str] = field(default_factory=list)  # validation folders; empty: a split of ``data``
    exclude: list[str] = field(default_factory=list)  # folders or photo lists (.txt) never trained on, e.g. the dev split
    val_fraction: float = 0.05  # share of ``data`` held out when ``val`` is empty (deterministic by name)
    max_val_photos: int = 256  # validation uses at most this many photos (a fixed, evenly spread subset)
    image_size: int = 128  # square training crops of this side (rounded down to the model's stride)
    cache_images: bool | str = "auto"  # keep decoded photos in memory; "auto": when they fit comfortably
    num_workers: int = -1  # DataLoader decoding processes when not cached; -1: automatic (0 when frozen)
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    # -- optimisation
    batch_size: int = 16  # per process (a torchrun job trains on batch_size x processes per step)
    epochs: int = 10
    steps: int = 0  # when > 0, train this many steps instead of ``epochs``
    max_minutes: float = 0.0  # when > 0, finish (and save the model) once training has run this long
    optimizer: str = "adamw"
    lr: float = 1e-3
    weight_decay: float = 1e-4
    momentum: float = 0.9  # SGD and RMSprop only
    schedule: str = "cosine"
    warmup_steps: int = 0  # linear warm-up (constant and cosine schedules)
    min_lr_ratio: float = 0.02  # the cosine schedule ends at lr x this
    loss: str = "auto"  # "auto" | "l1" | "mse" | "huber" | any name in engine.training.losses
    grad_clip: float = 1.0  # max gradient norm; 0 turns clipping off
    seed: int = 0
    device: str = "auto"
    threads: int = 0  # torch CPU threads for this process; 0 keeps torch's default (one per core)
    amp: bool = True  # mixed precision; only ever used on CUDA

    # -- reporting and safety
    val_every_steps: int = 0  # 0: validate at the end of every epoch
    preview_count: int = 4  # fixed validation photos shown as grey / prediction / original
    log_every_steps: int = 10  # metrics.jsonl gets the mean training loss this often
    checkpoint_every_steps: int = 500
    checkpoint_every_minutes: float = 10.0
    run_dir: str = "runs"  # the parent folder; each run gets ``<run_dir>/<name>-<timestamp>/``
    library_dir: str = ""  # where the finished model is added; empty: the user's model library
    log: list[str] = field(default_factory=list)  # also log to these trackers: "tensorboard", "wandb"

    # -- set by ``resume_config``; not part of a recipe
    resume: str = ""  # an existing run folder to continue

    @property
    def model_name(self) -> str:
        return default_model_name(self.name, self.arch, self.init_from)

    def validate(self) -> None:
        """Check every setting up front; ``ValueError`` with one line naming the first bad one.

        Messages read ``batch_size: expected a whole number from 1 to 4096, got "sixteen"``.
        Sizes are bounded so no recipe can ask for more memory than a machine could have.
        """
        from engine.models import list_models

        _check_settings(self, _SETTINGS)
        _check_settings(self.augment, _AUGMENT_SETTINGS, "augment.")
        lo_hi = self.augment.crop_scale
        if not (
            isinstance(lo_hi, (list, tuple)) and len(lo_hi) == 2 and all(_is_number(v) for v in lo_hi) and 0 < lo_hi[0] <= lo_hi[1] <= 1
        ):
            raise SettingError("augment.crop_scale", f"augment.crop_scale: expected two numbers 0 < low <= high <= 1, got {_shown(lo_hi)}")
        archs = list_models()
        if self.arch not in archs:
            raise SettingError("arch", f"arch: expected one of {', '.join(archs)}, got {_shown(self.arch)}")
        if not isinstance(self.arch_params, dict):
            raise SettingError("arch_params", f"arch_params: expected a table of architecture settings, got {_shown(self.arch_params)}")
        if not self.init_from:  # a fine-tune's are checked against the model it starts from, once it is read
            from engine.modelfile import check_arch_config

            try:
                check_arch_config(self.arch, self.arch_params)
            except ValueError as exc:
                raise SettingError("arch_params", f"arch_params{'.' if ':' in str(exc).split(' ')[0] else ': '}{exc}") from None
        if self.steps <= 0 and self.epochs <= 0:
            raise ValueError("give epochs or steps greater than 0")
        if self.batch_size * self.image_size**2 > MAX_STEP_PIXELS:
            raise ValueError(
                f"batch_size x image_size^2 is {self.batch_size} x {self.image_size}^2 = {self.batch_size * self.image_size**2 / 1e6:.0f} "
                f"million pixels a step (the limit is {MAX_STEP_PIXELS / 1e6:.0f} million): use a smaller batch or image size"
            )
        if not self.data:
            raise ValueError("no training data folder given (data = [...] or --data DIR)")

    # -- (de)serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, str, numbers, bools) only."""
        out = dataclasses.asdict(self)
        if isinstance(self.augment.crop_scale, (list, tuple)):
            out["augment"]["crop_scale"] = list(self.augment.crop_scale)
        out["arch_params"] = _plain_data(out["arch_params"])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TrainConfig":
        """Build from plain data; unknown keys raise ``ValueError`` naming them (typos never pass)."""
        data = dict(data)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown training setting{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        # Values are taken as they come; ``validate`` names any of the wrong kind.
        augment = data.pop("augment", None) or {}
        if not isinstance(augment, dict):
            return cls(**data, augment=augment)  # type: ignore[arg-type]  # validate() says what is wrong
        known_aug = {f.name for f in dataclasses.fields(AugmentConfig)}
        unknown = sorted(set(augment) - known_aug)
        if unknown:
            raise ValueError(f"unknown augment setting{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")
        augment = dict(augment)
        if isinstance(augment.get("crop_scale"), list):
            augment["crop_scale"] = tuple(augment["crop_scale"])
        for key in ("data", "val", "exclude", "log"):
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
        if isinstance(data.get("arch_params"), dict) or data.get("arch_params") is None and "arch_params" in data:
            data["arch_params"] = _plain_data(dict(data["arch_params"] or {}))
        return cls(**data, augment=AugmentConfig(**augment))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        return cls.from_dict(json.loads(text))

    def to_toml(self) -> str:
        return dumps_toml(self.to_dict())

    @classmethod
    def from_toml(cls, text: str) -> "TrainConfig":
        return cls.from_dict(tomllib.loads(text))

    def save(self, path: str | Path) -> Path:
        """Write ``.toml`` or ``.json`` (by suffix)."""
        path = Path(path)
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_toml()
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        """Read a ``.toml`` or ``.json`` config; a one-line ``ValueError`` naming the file when it is bad (a named
        pipe in its place: "not a regular file", not waited on), as it was given (a user may keep several bad.toml)."""
        given, path = str(path), Path(path)
        try:
            text = read_regular_text(path)
            return cls.from_json(text) if path.suffix.lower() == ".json" else cls.from_toml(text)
        except FileNotFoundError:
            raise ValueError(f"{given}: no such config file") from None
        except IsADirectoryError:
            raise ValueError(f"{given} is a folder, not a settings file (a .toml or .json training config)") from None
        except OSError as exc:  # permission denied, an I/O error ...: one line naming the file
            raise ValueError(f"{given}: {error_reason(exc)}") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
            raise ValueError(f"{given}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None

    @classmethod
    def defaults_for(cls, arch: str, **overrides: Any) -> "TrainConfig":
        """The recommended recipe for ``arch``: the architecture's parameters plus its training defaults.

        An architecture's builder may carry a ``training_defaults`` dict (TrainConfig
        field -> value), e.g. a lower learning rate or larger crops for a pretrained
        encoder; the window's form shows these.
        """
        from engine.models import get_architecture

        architecture = get_architecture(arch)
        recipe: dict[str, Any] = {"arch": arch, "arch_params": architecture.default_config()}
        recipe.update(getattr(architecture.builder, "training_defaults", {}) or {})
        recipe.update(overrides)
        return cls.from_dict(recipe)


def missing_entry(config: TrainConfig) -> tuple[str, str, str] | None:
    """The first entry of ``data``, ``val`` or ``exclude`` that is not there, as ``(key, entry, "no such folder")``
    (``"no such file"`` for a photo list or a photo); None when all are."""
    from engine.data import PHOTO_LIST_SUFFIX
    from engine.photo import is_photo_path

    for key in ("data", "val", "exclude"):
        for entry in getattr(config, key):
            if not Path(entry).expanduser().exists():
                is_file = Path(entry).suffix.lower() == PHOTO_LIST_SUFFIX or is_photo_path(entry)
                return key, entry, "no such file" if is_file else "no such folder"
    return None


def effective_arch_params(arch: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with the architecture's defaults for the settings it leaves out (what the model is built with)."""
    from engine.models import get_architecture

    try:
        defaults = get_architecture(arch).default_config()
    except KeyError:
        defaults = {}
    return _plain_data({**defaults, **params})


def weights_change(run_arch: str, run_params: dict[str, Any], arch: str, params: dict[str, Any]) -> str:
    """What a resume asks to change of what shapes the run's weights, in one line ("" when nothing):
    the checkpoint's weights would not load into another architecture, or another shape of it."""
    if arch != run_arch:
        return f"arch cannot change when resuming: the run trains {run_arch}, not {arch}"
    saved, asked = effective_arch_params(run_arch, run_params), effective_arch_params(run_arch, params)
    for key in sorted(set(saved) | set(asked)):
        if saved.get(key) != asked.get(key):
            had = f"with {key} = {_toml_value(saved[key])}" if key in saved else f"without {key}"
            return f"arch_params.{key} cannot change when resuming: the run trains {run_arch} {had}"
    return ""


def default_model_name(name: str, arch: str, init_from: str = "") -> str:
    """The name a run's model takes in the library: ``name``; unnamed, a fine-tune of "default" is
    "default-fine-tuned" (of that again, the same: the library numbers the second), a new model its
    architecture's name."""
    if name:
        return name
    if init_from:
        start = Path(init_from).stem if Path(init_from).suffix else init_from
        return f"{start.removesuffix('-fine-tuned')}-fine-tuned"
    return arch


# -- validation: each setting's kind and range ---------------------------------------------------
def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _shown(value: Any) -> str:
    from engine.modelfile import shown  # one spelling of values in messages (imported only on an error)

    return shown(value)


class _Whole(tuple):
    """(check, text) of a whole-number setting, with its bounds ``lo`` and ``hi`` for a form's spin box."""

    lo: int
    hi: int


def _whole(lo: int, hi: int) -> tuple[Callable[[Any], bool], str]:
    checked = _Whole(((lambda v: _is_whole(v) and lo <= v <= hi), f"a whole number from {lo} to {hi}"))
    checked.lo, checked.hi = lo, hi
    return checked


def whole_range(name: str) -> tuple[int, int] | None:
    """The whole numbers setting ``name`` accepts, ``(lo, hi)``; None when it is not a whole-number setting."""
    checked = _SETTINGS.get(name)
    return (checked.lo, checked.hi) if isinstance(checked, _Whole) else None


def _number(lo: float = -math.inf, hi: float = math.inf, *, positive: bool = False, below: float | None = None):
    if positive:
        return (lambda v: _is_number(v) and v > 0), "a positive number"
    if below is not None:
        return (lambda v: _is_number(v) and lo <= v < below), f"a number from {lo:g} up to (not including) {below:g}"
    text = f"a number from {lo:g} to {hi:g}" if math.isfinite(hi) else f"a number >= {lo:g}"
    return (lambda v: _is_number(v) and lo <= v <= hi), text


def _one_of(choices: tuple[str, ...]):
    return (lambda v: isinstance(v, str) and v in choices), f"one of {', '.join(choices)}"


_TEXT = (lambda v: isinstance(v, str)), "text"
_BOOL = (lambda v: isinstance(v, bool)), "true or false"
_NAMES = (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)), "a list of folder or file names"

_SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "init_from": _TEXT, "pretrained": _BOOL, "name": _TEXT,
    "data": _NAMES, "val": _NAMES, "exclude": _NAMES,
    "val_fraction": _number(0, below=1), "max_val_photos": _whole(1, 100_000),
    "image_size": _whole(8, MAX_IMAGE_SIZE),
    "cache_images": ((lambda v: isinstance(v, bool) or v == "auto"), 'true, false or "auto"'),
    "num_workers": _whole(-1, 256),
    "batch_size": _whole(1, 4096), "epochs": _whole(0, 1_000_000), "steps": _whole(0, MAX_STEPS),
    "max_minutes": _number(0), "optimizer": _one_of(OPTIMIZERS), "lr": ((lambda v: _is_number(v) and 0 < v <= MAX_LR), f"a number above 0, at most {MAX_LR:g}"),
    "weight_decay": _number(0), "momentum": _number(0, 1), "schedule": _one_of(SCHEDULES),
    "warmup_steps": _whole(0, MAX_STEPS), "min_lr_ratio": _number(0, 1), "loss": _TEXT,
    "grad_clip": _number(0), "seed": _whole(0, 2**63 - 1),
    "device": ((lambda v: isinstance(v, str) and (v == "auto" or v.split(":")[0] in DEVICES)), "auto, cpu or cuda (cuda:N)"),
    "threads": _whole(0, 1024), "amp": _BOOL,
    "val_every_steps": _whole(0, MAX_STEPS), "preview_count": _whole(0, 64), "log_every_steps": _whole(0, MAX_STEPS),
    "checkpoint_every_steps": _whole(0, MAX_STEPS), "checkpoint_every_minutes": _number(0),
    "run_dir": _TEXT, "library_dir": _TEXT, "resume": _TEXT,
    "log": ((lambda v: isinstance(v, list) and all(n in TRACKERS for n in v)), f"a list naming {' and/or '.join(TRACKERS)}"),
}  # fmt: skip
_AUGMENT_SETTINGS = {
    "random_resized_crop": _BOOL, "hflip": _BOOL, "lineage_rotate": _BOOL, "rotate_degrees": _number(0, 180), "lineage_crop": _BOOL,
}  # fmt: skip


def _check_settings(obj: Any, rules: dict[str, tuple[Callable[[Any], bool], str]], prefix: str = "") -> None:
    if prefix and not dataclasses.is_dataclass(obj):
        raise SettingError(prefix.rstrip("."), f"{prefix.rstrip('.')}: expected a table of {prefix.rstrip('.')} settings, got {_shown(obj)}")
    for key, (ok, expected) in rules.items():
        value = getattr(obj, key)
        if not ok(value):
            raise SettingError(f"{prefix}{key}", f"{prefix}{key}: expected {expected}, got {_shown(value)}")


def _plain_data(value: Any) -> Any:
    """Tuples become lists (as they come back from TOML/JSON), so configs compare equal after a round trip."""
    if isinstance(value, dict):
        return {k: _plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_data(v) for v in value]
    return value


# -- a tiny TOML writer (tomllib only reads) ---------------------------------------------------
def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def dumps_toml(data: dict[str, Any]) -> str:
    """TOML for a dict of scalars, lists and one level of tables (``None`` values are left out)."""
    lines: list[str] = []
    tables: list[tuple[str, dict]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict):
            tables.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines.append("")
        lines.append(f"[{_toml_key(key)}]")
        for k, v in table.items():
            if v is not None:
                lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"
