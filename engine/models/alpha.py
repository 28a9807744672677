"""Model 1 "alpha": the lineage's first, tiny fully-convolutional colouriser.

The study's alpha notebook overfitted a single 400x400 photo: 8-8-16-16-32-32
filters with three stride-2 convolutions, then three nearest-neighbour
upsamplings back to full size and a tanh a/b output. About 30 k parameters: it
learns a photo's colour layout, not colour in general, and in the study it
collapsed to sepia on anything it had not memorised.
"""

from __future__ import annotations

from torch import nn

from engine.models._blocks import ab_head, conv
from engine.models.base import ColouriseModel
from engine.models.registry import register_model


class Alpha(ColouriseModel):
    stride = 8
    working_size = 256

    def __init__(self, width: int = 8):
        super().__init__()
        w = width
        self.net = nn.Sequential(
            conv(1, w, stride=2), conv(w, w),
            conv(w, 2 * w), conv(2 * w, 2 * w, stride=2),
            conv(2 * w, 4 * w), conv(4 * w, 4 * w, stride=2),
            nn.Upsample(scale_factor=2), conv(4 * w, 4 * w),
            nn.Upsample(scale_factor=2), conv(4 * w, 2 * w),
            nn.Upsample(scale_factor=2), ab_head(2 * w),
        )

    def forward(self, l):
        return self.net(l)


@register_model("alpha", description="Model 1: tiny 8-32 filter encoder-decoder (the study's first try; overfits one photo)", model=Alpha)
def alpha(width: int = 8) -> Alpha:
    return Alpha(width)
