"""ConvAE: the lineage's plain convolutional autoencoder baseline.

Three strided convolutions down, three transposed convolutions up, no skips and
no normalisation: the simplest network that maps L to a/b at the same size.
"""

from __future__ import annotations

from torch import nn

from engine.models.base import ColouriseModel
from engine.models.registry import register_model


class ConvAE(ColouriseModel):
    stride = 8
    working_size = 256

    def __init__(self, width: int = 32):
        super().__init__()
        w = width
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 4, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(w, 2, 4, stride=2, padding=1), nn.Tanh(),
        )

    def forward(self, l):
        return self.decoder(self.encoder(l))


@register_model("conv_ae", description="ConvAE: plain convolutional autoencoder (3 strided convs down, 3 transposed up)", model=ConvAE)
def conv_ae(width: int = 32) -> ConvAE:
    return ConvAE(width)
