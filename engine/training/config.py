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
from typing import Any

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
SCHEDULES = ("constant", "cosine", "onecycle", "plateau")
DEVICES = ("auto", "cpu", "cuda")
TRACKERS = ("tensorboard", "wandb")  # engine.training.trackers


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
        return self.name or self.arch

    def validate(self) -> None:
        """Raise ``ValueError`` with a one-line reason when a value cannot work."""
        checks = [
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {self.optimizer!r}"),
            (self.schedule in SCHEDULES, f"schedule must be one of {', '.join(SCHEDULES)}, not {self.schedule!r}"),
            (self.device == "auto" or self.device.split(":")[0] in DEVICES, f"device must be auto, cpu or cuda, not {self.device!r}"),
            (self.image_size >= 8, f"image_size must be at least 8, not {self.image_size}"),
            (self.batch_size >= 1, f"batch_size must be at least 1, not {self.batch_size}"),
            (self.steps > 0 or self.epochs > 0, "give epochs or steps greater than 0"),
            (self.lr > 0 and math.isfinite(self.lr), f"lr must be a positive number, not {self.lr}"),
            (0 <= self.val_fraction < 1, f"val_fraction must be in [0, 1), not {self.val_fraction}"),
            (bool(self.data), "no training data folder given (data = [...] or --data DIR)"),
            (all(name in TRACKERS for name in self.log), f"log may name {' and '.join(TRACKERS)}, not {self.log!r}"),
            (self.cache_images in (True, False, "auto"), f"cache_images must be true, false or \"auto\", not {self.cache_images!r}"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    # -- (de)serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, str, numbers, bools) only."""
        out = dataclasses.asdict(self)
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
            raise ValueError(f"unknown training setting(s): {', '.join(unknown)}")
        augment = dict(data.pop("augment", {}) or {})
        known_aug = {f.name for f in dataclasses.fields(AugmentConfig)}
        unknown = sorted(set(augment) - known_aug)
        if unknown:
            raise ValueError(f"unknown augment setting(s): {', '.join(unknown)}")
        if "crop_scale" in augment:
            augment["crop_scale"] = tuple(float(x) for x in augment["crop_scale"])
        for key in ("data", "val", "exclude", "log"):
            if isinstance(data.get(key), str):
                data[key] = [data[key]]
        if "arch_params" in data:
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
        """Read a ``.toml`` or ``.json`` config; a one-line ``ValueError`` naming the file when it is bad."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            return cls.from_json(text) if path.suffix.lower() == ".json" else cls.from_toml(text)
        except FileNotFoundError:
            raise ValueError(f"{path}: no such config file") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, ValueError, TypeError) as exc:
            raise ValueError(f"{path.name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None

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
