"""The architecture registry: ``register_model``, ``create_model``, ``list_models``.

Each architecture lives in its own module and registers a builder function::

    @register_model("alpha", description="...")
    def alpha(**config) -> ColouriseModel: ...

A duplicate name raises (as torchvision's registry does) so two files can never
silently shadow each other.

Architectures of your own (README.md, "Custom architectures"): a script that registers one
can train and colour with it; for the command line and the window to know it too, an
installed package names it as an entry point of the group ``colourise.architectures``, a
module (or a callable in one) whose import registers it. They are loaded once, when first
needed: a name not in the registry, or the list of names asked for. One that fails to load
is named in a one-line warning and left out.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

ENTRY_POINT_GROUP = "colourise.architectures"
CUSTOM_ARCHITECTURES_HELP = "see README, Custom architectures"

from torch import nn


@dataclass(frozen=True)
class Architecture:
    name: str
    description: str  # one line, shown in the window's architecture picker
    builder: Callable[..., nn.Module]
    # Can take colour hints: its builder has a ``hint_input`` parameter that adds the hint channels
    # (engine.hints). A built model says whether it does with ``takes_hints``.
    hints: bool = False
    # The optional hooks its models define (engine.models.base.OPTIONAL_HOOKS), from the model class
    # it declares, so the window and the trainer ask here instead of building a model or probing.
    capabilities: frozenset[str] = frozenset()
    # Parameters a fine-tune may change: they steer the loss, the optimiser or the decoding, not the
    # weights' shapes, so a model's weights still fit. The rest come from the model fine-tuned.
    adjustable: frozenset[str] = frozenset()
    # How much its models shrink a photo before growing it back: training crops are a multiple of it.
    stride: int = 8

    def default_config(self) -> dict[str, Any]:
        """The builder's keyword defaults: the hyper-parameters a user may set."""
        return {
            p.name: p.default
            for p in inspect.signature(self.builder).parameters.values()
            if p.default is not inspect.Parameter.empty
        }


_REGISTRY: dict[str, Architecture] = {}
_plugins_loaded = False
_plugins_lock = threading.RLock()  # (re-entrant: a plugin being imported may ask for the names)


def register_model(
    name: str, *, description: str, hints: bool = False, model: type | None = None, adjustable: tuple[str, ...] = ()
) -> Callable:
    """Decorator registering ``builder`` under ``name``; raises ``ValueError`` on a duplicate.

    ``hints``: the architecture can take colour hints (``hint_input = true`` in its config).
    ``model``: the ``ColouriseModel`` class the builder makes; its optional hooks are
    recorded as the architecture's ``capabilities``. ``adjustable``: the builder's
    parameters a fine-tune may change (none leave the weights' shapes different).
    """

    def wrap(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"an architecture named {name!r} is already registered")
        if hints and "hint_input" not in inspect.signature(builder).parameters:
            raise ValueError(f"architecture {name!r} says it takes hints but has no hint_input parameter")
        unknown = sorted(set(adjustable) - set(inspect.signature(builder).parameters))
        if unknown:
            raise ValueError(f"architecture {name!r} calls {', '.join(unknown)} adjustable but has no such parameter")
        capabilities = model.capabilities() if model is not None and hasattr(model, "capabilities") else frozenset()
        stride = int(getattr(model, "stride", 8))
        _REGISTRY[name] = Architecture(name, description, builder, hints, capabilities, frozenset(adjustable), stride)
        return builder

    return wrap


def load_plugins() -> None:
    """Import the architectures installed packages offer (entry points of ``ENTRY_POINT_GROUP``), once.

    Each entry point is a module whose import registers architectures, or a callable that does when called.
    One that fails (not importable, raising, a name taken) gets a one-line warning naming it; the rest load.
    """
    global _plugins_loaded
    with _plugins_lock:
        if _plugins_loaded:
            return
        _plugins_loaded = True
        try:
            entry_points = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
        except Exception as exc:  # noqa: BLE001 (a broken installed package's metadata) colouring goes on without plugins
            _warn(f"could not look for architecture plugins ({exc})")
            return
        for entry_point in entry_points:
            try:
                loaded = entry_point.load()
                if callable(loaded) and not isinstance(loaded, (ModuleType, type)):
                    loaded()
            except (Exception, SystemExit) as exc:  # a plugin's fault never ends the app
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                _warn(f"architecture plugin {entry_point.name!r} ({entry_point.value}) was not loaded: {reason}")


def _warn(text: str) -> None:
    logging.getLogger(__name__).warning("colourise: %s", text)


def list_models() -> list[str]:
    """Registered architecture names (installed plugins' too: ``load_plugins``), sorted."""
    load_plugins()
    return sorted(_REGISTRY)


def is_known(name: str) -> bool:
    """Whether architecture ``name`` is registered (looked for among installed plugins when it is not)."""
    if name not in _REGISTRY:
        load_plugins()
    return name in _REGISTRY


def get_architecture(name: str) -> Architecture:
    if is_known(name):
        return _REGISTRY[name]
    known = ", ".join(list_models())
    raise KeyError(f"unknown architecture {name!r} (known: {known}; {CUSTOM_ARCHITECTURES_HELP})")


def takes_hints(arch: str, config: dict[str, Any] | None = None) -> bool:
    """Whether architecture ``arch`` built with ``config`` (e.g. a model file's) takes colour hints."""
    spec = get_architecture(arch)
    return spec.hints and bool({**spec.default_config(), **(config or {})}.get("hint_input", False))


def create_model(name: str, **config: Any) -> nn.Module:
    """Build architecture ``name`` with ``config`` overriding its defaults.

    Unknown config keys raise ``TypeError`` naming them, so a typo in a config file
    or a model file's metadata never passes silently.
    """
    arch = get_architecture(name)
    unknown = set(config) - set(arch.default_config())
    if unknown:
        raise TypeError(f"architecture {name!r} has no parameter{'s' if len(unknown) > 1 else ''} {', '.join(sorted(unknown))}")
    model = arch.builder(**config)
    model.arch_name = name
    model.arch_config = {**arch.default_config(), **config}
    return model
