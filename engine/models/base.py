"""What every colourising network promises the rest of the engine.

Input: normalised L, ``(N, 1, H, W)`` in [-1, 1], with H and W divisible by
``stride``. Output of ``forward``: normalised a/b, ``(N, 2, H, W)`` (Lab a/b divided
by ``colour.AB_SCALE``), the same size as the input.

``working_size`` is the long side (pixels) the network was made to see; inference
resizes L to it, runs the network, and upsamples a/b onto the full-resolution L.

A network that takes colour hints (``takes_hints``) also accepts ``forward(l_norm, hints)``
with ``hints`` the ``(N, 3, H, W)`` channels of ``engine.hints.hint_channels`` (None: no hints).

A network with a classification head also implements ``ab_logits`` (``(N, Q, h, w)``
over ``ab_bins``); classification losses use it, and ``forward`` decodes it to a/b.
"""

from __future__ import annotations

from torch import nn


class ColouriseModel(nn.Module):
    stride: int = 8
    working_size: int = 256
    arch_name: str = ""
    arch_config: dict = {}
    takes_hints: bool = False
