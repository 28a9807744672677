"""The architecture registry: ``register_model``, ``create_model``, ``list_models``.

Each architecture lives in its own module and registers a builder function::

    @register_model("alpha", description="...")
    def alpha(**config) -> ColouriseModel: ...

A duplicate name raises (as torchvision's registry does) so two files can never
silently shadow each other.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

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


def list_models() -> list[str]:
    """Registered architecture names, sorted."""
    return sorted(_REGISTRY)


def get_architecture(name: str) -> Architecture:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(list_models())
        raise KeyError(f"unknown architecture {name!r} (known: {known})") from None


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
