"""Model 3: the lineage's next step, an encoder-decoder with skip connections.

Beta lost detail at object edges because every a/b value had to pass through
the 1/8-resolution bottleneck. Model 3 adds U-Net style skips: each decoder
stage concatenates the encoder features of the same resolution, so colour edges
can follow the L edges. Still a tanh regression head.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models._blocks import ab_head, conv
from engine.models.base import ColouriseModel
from engine.models.registry import register_model


class Model3(ColouriseModel):
    stride = 8
    working_size = 256

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(conv(1, w, norm=True), conv(w, w, norm=True))
        self.enc2 = nn.Sequential(conv(w, 2 * w, stride=2, norm=True), conv(2 * w, 2 * w, norm=True))
        self.enc3 = nn.Sequential(conv(2 * w, 4 * w, stride=2, norm=True), conv(4 * w, 4 * w, norm=True))
        self.bottleneck = nn.Sequential(conv(4 * w, 8 * w, stride=2, norm=True), conv(8 * w, 8 * w, norm=True))
        self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.dec3 = nn.Sequential(conv(8 * w + 4 * w, 4 * w, norm=True), conv(4 * w, 4 * w, norm=True))
        self.dec2 = nn.Sequential(conv(4 * w + 2 * w, 2 * w, norm=True), conv(2 * w, 2 * w, norm=True))
        self.dec1 = nn.Sequential(conv(2 * w + w, w, norm=True), conv(w, w, norm=True))
        self.head = ab_head(w)

    def forward(self, l):
        e1 = self.enc1(l)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        x = self.bottleneck(e3)
        x = self.dec3(torch.cat((self.up(x), e3), 1))
        x = self.dec2(torch.cat((self.up(x), e2), 1))
        x = self.dec1(torch.cat((self.up(x), e1), 1))
        return self.head(x)


@register_model("model3", description="Model 3: encoder-decoder with skip connections (U-Net), tanh regression", model=Model3)
def model3(width: int = 32) -> Model3:
    return Model3(width)
