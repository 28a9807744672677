"""What every colourising network promises the rest of the engine.

Input: normalised L, ``(N, 1, H, W)`` in [-1, 1], with H and W divisible by
``stride``. Output of ``forward``: normalised a/b, ``(N, 2, H, W)`` (Lab a/b divided
by ``colour.AB_SCALE``), the same size as the input.

``working_size`` is the long side (pixels) the network was made to see; inference
resizes L to it, runs the network, and upsamples a/b onto the full-resolution L.

A network that takes colour hints (``takes_hints``) also accepts ``forward(l_norm, hints)``
with ``hints`` the ``(N, 3, H, W)`` channels of ``engine.hints.hint_channels`` (None: no hints).

A network with a classification head also implements ``ab_logits`` (``(N, Q, h, w)``
over ``ab_bins``) and keeps its bins' a/b centres as ``ab_centres`` (``(Q, 2)``, Lab
units); classification losses use them, ``forward`` decodes them to a/b, and colour
suggestions read them.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

# What an architecture may add, each a method its model class defines (the registry records which):
#   training_loss(l_norm, ab_norm) -> Tensor   its own loss, used for the loss "auto"
#   param_groups(lr) -> list[dict]              optimiser groups (e.g. a gentler learning rate for a pretrained encoder)
#   load_pretrained_encoder() -> self           load ImageNet weights into its encoder (the "pretrained" setting)
# The "takes hints" capability is declared by hint input (engine.hints), not here.
OPTIONAL_HOOKS = ("training_loss", "param_groups", "load_pretrained_encoder")


class ColouriseModel(nn.Module):
    stride: int = 8
    working_size: int = 256
    arch_name: str = ""
    arch_config: dict = {}
    takes_hints: bool = False
    # The optional hooks, declared absent; a subclass that has one defines the method.
    training_loss: Callable | None = None
    param_groups: Callable | None = None
    load_pretrained_encoder: Callable | None = None

    @classmethod
    def capabilities(cls) -> frozenset[str]:
        """The optional hooks (``OPTIONAL_HOOKS``) this model class defines."""
        return frozenset(hook for hook in OPTIONAL_HOOKS if getattr(cls, hook, None) is not None)


def capabilities_of(model: nn.Module) -> frozenset[str]:
    """The optional hooks ``model`` has (none for a plain ``nn.Module``)."""
    return model.capabilities() if isinstance(model, ColouriseModel) else frozenset()
