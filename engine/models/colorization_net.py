"""ColorizationNet: the lineage's ResNet-feature colouriser.

The first layers of a ResNet-18 (conv1 taking one grey channel, then layer1 and
layer2: mid-level features at 1/8 resolution, 128 channels) followed by a
decoder of convolutions and three 2x upsamplings back to full size. The study
used ImageNet weights; here the trunk starts from random weights (no download
may happen at run time), which the short trainings of the study showed matters
less than the regression loss's pull towards sepia.
"""

from __future__ import annotations

from torch import nn

from engine.models.base import ColouriseModel
from engine.models.registry import register_model


class ColorizationNet(ColouriseModel):
    stride = 8
    working_size = 256

    def __init__(self, width: int = 128):
        super().__init__()
        from torchvision.models import resnet18  # here, not at the top: torchvision costs seconds to import

        trunk = resnet18(weights=None)
        trunk.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.midlevel = nn.Sequential(trunk.conv1, trunk.bn1, trunk.relu, trunk.maxpool, trunk.layer1, trunk.layer2)
        w = width
        up = lambda: nn.Upsample(scale_factor=2)  # noqa: E731
        self.decoder = nn.Sequential(
            nn.Conv2d(128, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), up(),
            nn.Conv2d(w, w // 2, 3, padding=1), nn.BatchNorm2d(w // 2), nn.ReLU(),
            nn.Conv2d(w // 2, w // 2, 3, padding=1), nn.BatchNorm2d(w // 2), nn.ReLU(), up(),
            nn.Conv2d(w // 2, w // 4, 3, padding=1), nn.BatchNorm2d(w // 4), nn.ReLU(),
            nn.Conv2d(w // 4, 2, 3, padding=1), up(),
        )

    def forward(self, l):
        return self.decoder(self.midlevel(l))


@register_model("colorization_net", description="ColorizationNet: ResNet-18 mid-level features + upsampling decoder", model=ColorizationNet)
def colorization_net(width: int = 128) -> ColorizationNet:
    return ColorizationNet(width)
