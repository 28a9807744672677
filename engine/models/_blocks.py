"""Small building blocks shared by the lineage architectures."""

from __future__ import annotations

from torch import nn


def conv(in_ch: int, out_ch: int, stride: int = 1, norm: bool = False, act: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """3x3 'same' convolution (optionally strided), optional batch norm, activation."""
    layers: list[nn.Module] = [nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=not norm)]
    if norm:
        layers.append(nn.BatchNorm2d(out_ch))
    layers.append(act())
    return nn.Sequential(*layers)


def ab_head(in_ch: int) -> nn.Sequential:
    """The lineage's output: a 3x3 conv to two channels squashed by tanh (a/b / 110 in [-1, 1])."""
    return nn.Sequential(nn.Conv2d(in_ch, 2, 3, padding=1), nn.Tanh())
