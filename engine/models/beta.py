"""Model 2 "beta": the lineage's deeper regression colouriser.

The study's beta notebook: an encoder of 64 to 512 filters with three stride-2
convolutions on a 256x256 L input, a decoder that upsamples three times, tanh
a/b output, trained with MSE. Trained on a few thousand photos it produced
plausible but brown and grey ("sepia") colour: regression to the average a/b.
"""

from __future__ import annotations

from torch import nn

from engine.models._blocks import ab_head, conv
from engine.models.base import ColouriseModel
from engine.models.registry import register_model


class Beta(ColouriseModel):
    stride = 8
    working_size = 256

    def __init__(self, width: int = 64, batch_norm: bool = True):
        super().__init__()
        w, bn = width, batch_norm
        self.encoder = nn.Sequential(
            conv(1, w, stride=2, norm=bn),
            conv(w, 2 * w, norm=bn), conv(2 * w, 2 * w, stride=2, norm=bn),
            conv(2 * w, 4 * w, norm=bn), conv(4 * w, 4 * w, stride=2, norm=bn),
            conv(4 * w, 8 * w, norm=bn), conv(8 * w, 4 * w, norm=bn),
        )
        self.decoder = nn.Sequential(
            conv(4 * w, 2 * w, norm=bn), nn.Upsample(scale_factor=2),
            conv(2 * w, w, norm=bn), nn.Upsample(scale_factor=2),
            conv(w, w // 2, norm=bn), nn.Upsample(scale_factor=2),
            ab_head(w // 2),
        )

    def forward(self, l):
        return self.decoder(self.encoder(l))


@register_model("beta", description="Model 2: deeper 64-512 filter encoder-decoder, tanh regression (the study's sepia model)", model=Beta)
def beta(width: int = 64, batch_norm: bool = True) -> Beta:
    return Beta(width, batch_norm)
