"""Training losses: a small registry so a new loss (e.g. a classification over a/b bins) plugs in by name.

A loss is a callable ``loss(model, l_norm, ab_norm) -> scalar Tensor``: it runs the
model itself, so a classification loss can use the model's logits instead of its
decoded a/b. ``l_norm`` is ``(N, 1, H, W)`` in [-1, 1]; ``ab_norm`` is ``(N, 2, H, W)``
(a/b divided by ``colour.AB_SCALE``). For a model that takes colour hints the trainer
also passes ``hints=`` (``(N, 3, H, W)`` simulated hint channels); losses pass them on.

``"auto"`` means the model's own ``training_loss(l_norm, ab_norm)`` when it has
one, else smooth L1 (Huber): the lineage's plain MSE pulls every colour towards
the desaturated average.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from engine.models.base import capabilities_of

LossFn = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]
_LOSSES: dict[str, LossFn] = {}


def register_loss(name: str) -> Callable[[LossFn], LossFn]:
    """Decorator registering a loss under ``name``; a duplicate name raises ``ValueError``."""

    def wrap(fn: LossFn) -> LossFn:
        if name in _LOSSES or name == "auto":
            raise ValueError(f"a loss named {name!r} is already registered")
        _LOSSES[name] = fn
        return fn

    return wrap


def unregister_loss(name: str) -> None:
    """Forget a registered loss (tests register throwaway ones)."""
    _LOSSES.pop(name, None)


def list_losses() -> list[str]:
    return ["auto", *sorted(_LOSSES)]


def _regression(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> LossFn:
    def loss(model: nn.Module, l_norm: torch.Tensor, ab_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        pred = model(l_norm) if hints is None else model(l_norm, hints)
        return fn(pred.float(), ab_norm.float())

    loss.__doc__ = fn.__doc__
    return loss


register_loss("l1")(_regression(lambda p, t: F.l1_loss(p, t)))
register_loss("mse")(_regression(lambda p, t: F.mse_loss(p, t)))
# beta 0.1 of a/b/110 is 11 Lab units: quadratic for small errors, linear (robust) for big ones.
register_loss("huber")(_regression(lambda p, t: F.smooth_l1_loss(p, t, beta=0.1) / 0.1))


def _model_loss(model: nn.Module, l_norm: torch.Tensor, ab_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
    if hints is None:
        return model.training_loss(l_norm, ab_norm)
    return model.training_loss(l_norm, ab_norm, hints=hints)


def get_loss(name: str, model: nn.Module) -> LossFn:
    """The loss function for config name ``name`` and this (unwrapped) model."""
    if name == "auto":
        return _model_loss if "training_loss" in capabilities_of(model) else _LOSSES["huber"]
    try:
        return _LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r} (known: {', '.join(list_losses())})") from None


class LossModule(nn.Module):
    """The model and its loss as one module, so DistributedDataParallel sees the whole forward pass.

    A model's own ``training_loss`` bypasses ``forward``; wrapping both here keeps
    DDP's gradient synchronisation hooked in either way.
    """

    def __init__(self, model: nn.Module, loss: LossFn):
        super().__init__()
        self.model = model
        self.loss = loss

    def forward(self, l_norm: torch.Tensor, ab_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        if hints is None:
            return self.loss(self.model, l_norm, ab_norm)
        return self.loss(self.model, l_norm, ab_norm, hints=hints)
