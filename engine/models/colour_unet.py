"""colour_unet: the default architecture, a U-Net over an ImageNet-trained EfficientNet-Lite0.

Grey L becomes the grey sRGB image of the same lightness (what the encoder saw on
ImageNet, minus the colour); the encoder's features at strides 4, 8, 16 and 32
feed a light decoder that predicts at 1/4 of the input resolution, where two
heads share it:

- a classification head over ``ab_bins`` (Zhang et al.): vivid colour, but alone
  it gave blotchy, wrong hues in the design notes' short trainings. ``bin_grid``
  sets the a/b cells' size (Lab units; 10, Zhang's, by default: 262 bins; 20: 77),
  hence the head's width; the soft-encoding and prior smoothing widths follow it;
- a regression head (tanh, normalised a/b): coherent but muted, brownish colour.

``forward`` blends the classification head's annealed mean (``decode_temperature``)
with the regression head (``class_weight`` of the former), then upsamples to the
input size. ``decode_mode`` "hue_cluster" takes that mean only within each pixel's
most likely hue cluster (``ab_bins.decode_hue_cluster``: a sky that may be blue or
sunset orange becomes one of them, not their pinkish mean). These knobs only act in
``forward``, so a trained model can be tuned by re-saving it with another config
(``configure_decoding``): no weight changes.

Training (``training_loss``): class-rebalanced cross-entropy on soft-encoded
targets plus ``regression_weight`` x smooth-L1 on the regression head. The a/b
prior behind the rebalancing is a buffer the model keeps up to date from its
training targets, so it is saved with the weights and the model is self-contained.

Hints (``hint_input = true``): three extra channels (hint a/b, normalised, and a
mask; ``engine.hints.hint_channels``) enter twice: at the input, through a
zero-initialised convolution added to the encoder's stem (so the pretrained
encoder starts as it was), and pooled to every decoder scale (the mean hint
colour over each cell plus a "has a hint" flag), concatenated to the skip
features. With no hints (mask all zero) it is a plain automatic colouriser.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from engine import colour
from engine.hints import INFERENCE_PATCH, photo_wide_share
from engine.models import ab_bins
from engine.models.base import ColouriseModel
from engine.models.efficientnet_lite import INPUT_MEAN, INPUT_SCALE, STEM_CHANNELS, EfficientNetLite0Encoder, load_imagenet_weights
from engine.models.registry import register_model

SKIP_BLOCKS = (2, 4, 10, 15)  # Lite0 block outputs at strides 4, 8, 16, 32 (24, 40, 112, 320 channels)
PREDICTION_STRIDE = 4
ENCODER_LR_FACTOR = 0.2  # the pretrained encoder is fine-tuned gently; the decoder learns from scratch
DECODE_MODES = ("mean", "hue_cluster")  # annealed mean over all bins / within the most likely hue cluster
HINT_CHANNELS = 3  # hint a, hint b (normalised), mask: as engine.hints.hint_channels makes them
BIN_GRID_RANGE = (5.0, 40.0)  # Lab units: 972 bins at 5, 23 at 40
SAME_AS_CLASS_WEIGHT = -1.0  # hint_class_weight's "no separate blend for hinted photos"
HINT_PATCH_PIXELS = INFERENCE_PATCH**2  # working pixels one hint covers at inference
SAME_AS_ENCODER = -1.0  # deep_encoder_lr_factor's "the whole encoder at encoder_lr_factor"
DEEP_STRIDE = 16  # encoder blocks at this stride and coarser hold what ImageNet taught about objects
MAX_HUE_NEUTRAL = 40.0  # Lab units: beyond it most of the gamut would count as grey


def pooled_hints(hints: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Hint channels ``(N, 3, H, W)`` at a coarser ``size``: mean hint a/b of each cell, and 1 where a cell has one."""
    if tuple(hints.shape[-2:]) == tuple(size):
        return hints
    mask = hints[:, 2:3]
    cover = F.adaptive_avg_pool2d(mask, size)
    ab = F.adaptive_avg_pool2d(hints[:, :2] * mask, size) / cover.clamp_min(1e-6)
    return torch.cat((ab, (cover > 0).to(hints.dtype)), 1)


def conv_bn_relu(in_ch: int, out_ch: int) -> nn.Sequential:
    """1x1 convolution + batch norm + ReLU."""
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(inplace=True))


def separable_conv(channels: int) -> nn.Sequential:
    """Depthwise 3x3 + pointwise 1x1, each with batch norm and ReLU: a 3x3 conv's reach at ~1/8 the cost."""
    return nn.Sequential(
        nn.Conv2d(channels, channels, 3, padding=1, groups=channels, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(inplace=True),
        *conv_bn_relu(channels, channels),
    )


class DecoderStage(nn.Module):
    """Upsample 2x, concatenate the encoder's skip features, mix (1x1) and refine (separable 3x3)."""

    def __init__(self, in_ch: int, skip_ch: int, out_ch: int):
        super().__init__()
        self.fuse = conv_bn_relu(in_ch + skip_ch, out_ch)
        self.refine = separable_conv(out_ch)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.refine(self.fuse(torch.cat((x, skip), 1)))


class ColourUNet(ColouriseModel):
    """See the module docstring; build it with ``create_model("colour_unet", ...)`` (defaults live there)."""

    stride = 32

    def __init__(
        self,
        *,
        decoder_widths: Sequence[int],
        decode_temperature: float,
        class_weight: float,
        decode_mode: str,
        regression_weight: float,
        regression_beta: float,
        rebalance_gamma: float,
        rebalance: float,
        prior_ema: float,
        global_context: bool,
        working_size: int,
        hint_input: bool = False,
        bin_grid: float = ab_bins.GRID,
        hue_neutral: float = ab_bins.NEUTRAL_RADIUS,
        hint_class_weight: float = SAME_AS_CLASS_WEIGHT,
        encoder_lr_factor: float = ENCODER_LR_FACTOR,
        deep_encoder_lr_factor: float = SAME_AS_ENCODER,
    ):
        super().__init__()
        self.takes_hints = bool(hint_input)
        if len(decoder_widths) != 4:
            raise ValueError(f"decoder_widths needs 4 widths (strides 32, 16, 8, 4), got {list(decoder_widths)}")
        if not 0.0 <= rebalance_gamma <= 1.0:
            raise ValueError(f"rebalance_gamma must be in [0, 1], got {rebalance_gamma}")
        if not 0.0 < prior_ema <= 1.0:
            raise ValueError(f"prior_ema must be in (0, 1], got {prior_ema}")
        low, high = BIN_GRID_RANGE
        if not low <= bin_grid <= high:  # (NaN fails too)
            raise ValueError(f"bin_grid must be from {low:g} to {high:g} Lab units, got {bin_grid}")
        self.bin_grid = float(bin_grid)
        self.bin_sigma = ab_bins.sigma_for(self.bin_grid)
        self.regression_weight = float(regression_weight)
        self.regression_beta = float(regression_beta)
        self.rebalance_gamma = float(rebalance_gamma)
        self.rebalance = float(rebalance)
        self.prior_ema = float(prior_ema)
        if not 0.0 <= encoder_lr_factor <= 1.0:  # (NaN fails too)
            raise ValueError(f"encoder_lr_factor must be from 0 to 1, got {encoder_lr_factor}")
        self.encoder_lr_factor = float(encoder_lr_factor)
        if not (deep_encoder_lr_factor == SAME_AS_ENCODER or 0.0 <= deep_encoder_lr_factor <= 1.0):
            raise ValueError(f"deep_encoder_lr_factor must be from 0 to 1 (or -1: encoder_lr_factor's), got {deep_encoder_lr_factor}")
        self.deep_encoder_lr_factor = float(deep_encoder_lr_factor)
        self._set_decoding(decode_temperature, class_weight, working_size, decode_mode, hue_neutral, hint_class_weight)

        self.encoder = EfficientNetLite0Encoder(SKIP_BLOCKS)
        c4, c8, c16, c32 = self.encoder.feature_channels
        w32, w16, w8, w4 = (int(w) for w in decoder_widths)
        extra = HINT_CHANNELS if self.takes_hints else 0
        if self.takes_hints:
            # Added to the stem's output; zero at first, so the pretrained encoder starts unchanged.
            self.hint_stem = nn.Conv2d(HINT_CHANNELS, STEM_CHANNELS, 3, stride=2, padding=1, bias=False)
            nn.init.zeros_(self.hint_stem.weight)
        self.bottleneck = conv_bn_relu(c32 + extra, w32)
        # Image-wide context (a pooled summary of the deepest features) keeps colours consistent across a photo.
        self.context = nn.Linear(c32, w32) if global_context else None
        self.up16 = DecoderStage(w32, c16 + extra, w16)
        self.up8 = DecoderStage(w16, c8 + extra, w8)
        self.up4 = DecoderStage(w8, c4 + extra, w4)
        centres = ab_bins.bin_centres(self.bin_grid)
        self.n_bins = n_bins = centres.shape[0]
        self.classify = nn.Conv2d(w4, n_bins, 1)
        self.regress = nn.Conv2d(w4, 2, 1)

        # Constants follow the module across devices but stay out of the file (the code and bin_grid make them).
        self.register_buffer("ab_centres", centres, persistent=False)
        self.register_buffer("ab_smoothing", ab_bins.smoothing_matrix(centres, self.bin_sigma), persistent=False)
        # The empirical a/b prior of the training targets (an EMA), saved with the weights.
        self.register_buffer("ab_prior", torch.full((n_bins,), 1.0 / n_bins))
        self.register_buffer("ab_prior_updates", torch.zeros(()))
        self.loss_terms: dict[str, torch.Tensor] = {}
        # Channels-last convolution weights make oneDNN keep every activation channels-last: a training
        # step took 25-35% less CPU time (measured at 128 px, batch 16). Files still store plain layouts.
        self.to(memory_format=torch.channels_last)

    # -- decoding knobs (tunable after training)

    def _set_decoding(
        self, decode_temperature: float, class_weight: float, working_size: int, decode_mode: str, hue_neutral: float,
        hint_class_weight: float,
    ) -> None:
        if not (hint_class_weight == SAME_AS_CLASS_WEIGHT or 0.0 <= hint_class_weight <= 1.0):
            raise ValueError(f"hint_class_weight must be in [0, 1] (or -1: the same as class_weight), got {hint_class_weight}")
        if not 0.0 <= hue_neutral <= MAX_HUE_NEUTRAL:  # (NaN fails too)
            raise ValueError(f"hue_neutral must be from 0 to {MAX_HUE_NEUTRAL:g} Lab units, got {hue_neutral}")
        if decode_mode not in DECODE_MODES:
            raise ValueError(f"decode_mode must be one of {', '.join(DECODE_MODES)}, got {decode_mode!r}")
        if not 0.0 <= class_weight <= 1.0:
            raise ValueError(f"class_weight must be in [0, 1], got {class_weight}")
        if working_size % self.stride or working_size <= 0:
            raise ValueError(f"working_size must be a positive multiple of {self.stride}, got {working_size}")
        self.decode_temperature = float(decode_temperature)
        self.class_weight = float(class_weight)
        self.working_size = int(working_size)
        self.decode_mode = str(decode_mode)
        self.hue_neutral = float(hue_neutral)
        self.hint_class_weight = float(hint_class_weight)

    def configure_decoding(
        self,
        decode_temperature: float | None = None,
        class_weight: float | None = None,
        working_size: int | None = None,
        decode_mode: str | None = None,
        hue_neutral: float | None = None,
        hint_class_weight: float | None = None,
    ) -> "ColourUNet":
        """Change how outputs are decoded (and the config ``save_model`` writes); weights stay as they are."""
        self._set_decoding(
            self.decode_temperature if decode_temperature is None else decode_temperature,
            self.class_weight if class_weight is None else class_weight,
            self.working_size if working_size is None else working_size,
            self.decode_mode if decode_mode is None else decode_mode,
            self.hue_neutral if hue_neutral is None else hue_neutral,
            self.hint_class_weight if hint_class_weight is None else hint_class_weight,
        )
        self.arch_config = {
            **self.arch_config,
            "decode_temperature": self.decode_temperature,
            "class_weight": self.class_weight,
            "working_size": self.working_size,
            "decode_mode": self.decode_mode,
            "hue_neutral": self.hue_neutral,
            "hint_class_weight": self.hint_class_weight,
        }
        return self

    # -- the network

    def encoder_input(self, l_norm: torch.Tensor) -> torch.Tensor:
        """Normalised L ``(N, 1, H, W)`` -> the grey sRGB image of that lightness, scaled for the encoder."""
        # The colour maths stays in float32 even under mixed precision.
        with torch.autocast(l_norm.device.type, enabled=False):
            l = (l_norm.float() + 1) * colour.L_SCALE
            lab = torch.cat((l, torch.zeros_like(l), torch.zeros_like(l)), 1)
            grey = colour.lab_to_rgb(lab)
        return (grey - INPUT_MEAN) / INPUT_SCALE

    def features(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """The shared decoder's output at 1/4 resolution, ``(N, decoder_widths[3], H/4, W/4)``.

        ``hints``: ``(N, 3, H, W)`` hint channels (ignored unless the model takes hints; None = no hints).
        """
        if not self.takes_hints:
            f4, f8, f16, f32 = self.encoder(self.encoder_input(l_norm))
            x = self.bottleneck(f32)
            if self.context is not None:
                x = x + self.context(f32.mean((2, 3)))[:, :, None, None]
            return self.up4(self.up8(self.up16(x, f16), f8), f4)
        if hints is None:
            hints = l_norm.new_zeros((l_norm.shape[0], HINT_CHANNELS, *l_norm.shape[-2:]))
        hints = hints.to(l_norm.dtype).contiguous(memory_format=torch.channels_last)
        f4, f8, f16, f32 = self.encoder(self.encoder_input(l_norm), stem_extra=self.hint_stem(hints))

        def skip(f: torch.Tensor) -> torch.Tensor:
            return torch.cat((f, pooled_hints(hints, f.shape[-2:]).to(f.dtype)), 1)

        x = self.bottleneck(skip(f32))
        if self.context is not None:
            x = x + self.context(f32.mean((2, 3)))[:, :, None, None]
        return self.up4(self.up8(self.up16(x, skip(f16)), skip(f8)), skip(f4))

    def ab_logits(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """Classification head: logits over ``ab_bins``, ``(N, n_bins, H/4, W/4)`` (262 bins at grid 10)."""
        return self.classify(self.features(l_norm, hints))

    def ab_regression(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """Regression head: normalised a/b at 1/4 resolution, ``(N, 2, H/4, W/4)``."""
        return torch.tanh(self.regress(self.features(l_norm, hints)))

    def _blend(self, features: torch.Tensor, hint_counts: torch.Tensor | None = None) -> torch.Tensor:
        """The decoded a/b: ``class_weight`` of the classification head's decoding, the rest regression.

        ``hint_counts`` (N,): how many colour hints each photo was given. With many, the blend is
        ``hint_class_weight`` when it is set, because the propagation spreads the hints' residual
        from this base, and a safe, muted base serves it better than a vivid one (docs/quality.md).
        With few it stays near ``class_weight`` (``engine.hints.photo_wide_share``): one hint used to mute the
        whole photo at once, a third of its colour gone wherever the hint did not reach.
        """
        w = torch.full((features.shape[0], 1, 1, 1), self.class_weight, device=features.device)
        if hint_counts is not None and self.hint_class_weight != SAME_AS_CLASS_WEIGHT:
            share = photo_wide_share(hint_counts.to(features.device, torch.float32))
            w[:, 0, 0, 0] = self.class_weight + (self.hint_class_weight - self.class_weight) * share
        ab = 0.0
        if bool((w > 0).any()):
            logits = self.classify(features)
            if self.decode_mode == "hue_cluster":
                decoded = ab_bins.decode_hue_cluster(logits, self.ab_centres, self.decode_temperature, neutral=self.hue_neutral)
            else:
                decoded = ab_bins.decode(logits, self.ab_centres, self.decode_temperature)
            ab = w * decoded / colour.AB_SCALE
        if bool((w < 1).any()):
            ab = ab + (1 - w) * torch.tanh(self.regress(features)).float()
        return ab

    def forward(self, l_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        # Hints per photo, from the mask's area (a hint at the edge covers part of a patch: ceil).
        hint_counts = (hints[:, 2].flatten(1).sum(1) / HINT_PATCH_PIXELS).ceil() if hints is not None else None
        ab = self._blend(self.features(l_norm, hints), hint_counts)
        return F.interpolate(ab, size=l_norm.shape[-2:], mode="bilinear", align_corners=False)

    # -- training

    @torch.no_grad()
    def _update_prior(self, frequencies: torch.Tensor) -> None:
        # A plain running mean at first (so the first batches count fully), an EMA after.
        updates = self.ab_prior_updates + 1
        rate = torch.clamp(1.0 / updates, min=self.prior_ema)
        self.ab_prior.mul_(1 - rate).add_(rate * frequencies)
        self.ab_prior_updates.copy_(updates)

    def pixel_weights(self, nearest_bins: torch.Tensor) -> torch.Tensor:
        """Class-rebalancing weight of each target pixel, from its nearest bin and the current prior."""
        if self.rebalance == 0:
            return torch.ones(nearest_bins.shape, device=nearest_bins.device)
        weights = ab_bins.rebalancing_weights(self.ab_prior, self.ab_smoothing, self.rebalance_gamma, self.rebalance)
        return weights[nearest_bins]

    def training_loss(self, l_norm: torch.Tensor, ab_norm: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        """Rebalanced cross-entropy on soft-encoded a/b + ``regression_weight`` x smooth-L1 (a scalar).

        Targets are averaged down to the prediction resolution. In training mode each
        call also updates the a/b prior from its targets.
        """
        features = self.features(l_norm, hints)
        logits = self.classify(features).float()
        target = F.adaptive_avg_pool2d(ab_norm.float(), logits.shape[-2:])
        with torch.no_grad():
            bins, soft = ab_bins.soft_encode(target * colour.AB_SCALE, self.ab_centres, sigma=self.bin_sigma)
            if self.training:
                self._update_prior(ab_bins.bin_frequencies(bins, soft, self.n_bins))
            weights = self.pixel_weights(bins[:, 0])
        cross_entropy = -(soft * F.log_softmax(logits, 1).gather(1, bins)).sum(1)
        classification = (weights * cross_entropy).mean()
        regression = F.smooth_l1_loss(torch.tanh(self.regress(features)).float(), target, beta=self.regression_beta)
        self.loss_terms = {"classification": classification.detach(), "regression": regression.detach()}
        return classification + self.regression_weight * regression

    def param_groups(self, lr: float) -> list[dict]:
        """Optimiser groups: the pretrained encoder at ``lr`` x ``encoder_lr_factor`` (its blocks at strides 16
        and 32 at ``lr`` x ``deep_encoder_lr_factor`` when that is set), decoder and heads at ``lr``."""
        deep = []
        if self.deep_encoder_lr_factor != SAME_AS_ENCODER:
            blocks = zip(self.encoder.blocks, self.encoder.block_strides)
            deep = [p for block, stride in blocks if stride >= DEEP_STRIDE for p in block.parameters()]
        encoder_ids, deep_ids = {id(p) for p in self.encoder.parameters()}, {id(p) for p in deep}
        groups = [{"params": [p for p in self.encoder.parameters() if id(p) not in deep_ids], "lr": lr * self.encoder_lr_factor, "name": "encoder"}]
        if deep:
            groups.append({"params": deep, "lr": lr * self.deep_encoder_lr_factor, "name": "encoder-deep"})
        rest = [p for p in self.parameters() if id(p) not in encoder_ids]
        return [*groups, {"params": rest, "lr": lr, "name": "decoder"}]

    def load_pretrained_encoder(self) -> "ColourUNet":
        """Start the encoder from the ImageNet weights that ship with the app (resources/encoders/)."""
        load_imagenet_weights(self.encoder)
        return self


@register_model(
    "colour_unet",
    description="U-Net over ImageNet EfficientNet-Lite0; a/b bins + regression heads blended (default model)",
    hints=True,
    model=ColourUNet,
    adjustable=(  # all but decoder_widths, global_context, hint_input and bin_grid, which shape the weights
        "decode_temperature", "class_weight", "decode_mode", "regression_weight", "regression_beta", "rebalance_gamma",
        "rebalance", "prior_ema", "working_size", "hue_neutral", "hint_class_weight", "encoder_lr_factor",
        "deep_encoder_lr_factor",
    ),  # fmt: skip
)
def colour_unet(
    decoder_widths: Sequence[int] = (192, 128, 96, 64),
    decode_temperature: float = 0.38,
    class_weight: float = 0.5,
    decode_mode: str = "mean",
    regression_weight: float = 1.0,
    regression_beta: float = 0.05,
    rebalance_gamma: float = 0.5,
    rebalance: float = 0.5,
    prior_ema: float = 0.01,
    global_context: bool = True,
    working_size: int = 384,
    hint_input: bool = False,
    bin_grid: float = ab_bins.GRID,
    hue_neutral: float = ab_bins.NEUTRAL_RADIUS,
    hint_class_weight: float = SAME_AS_CLASS_WEIGHT,
    encoder_lr_factor: float = ENCODER_LR_FACTOR,
    deep_encoder_lr_factor: float = SAME_AS_ENCODER,
) -> ColourUNet:
    """Build a ColourUNet; every argument is stored in the model file's config.

    decoder_widths: channels at strides 32, 16, 8, 4. decode_temperature, class_weight,
    decode_mode ("mean" or "hue_cluster") and working_size only affect decoding (tunable
    after training). regression_weight
    and regression_beta: the smooth-L1 term. rebalance_gamma: uniform share mixed into
    the prior; rebalance: exponent on the rebalancing weights (0 = off, 1 = Zhang's).
    prior_ema: how fast the a/b prior follows the training targets. hint_input: take
    colour hints (three extra input channels, see the module docstring). bin_grid: the
    a/b cells' size in Lab units (5 to 40; 10: 262 bins, 20: 77), which sizes the
    classification head, so a trained model keeps it. hue_neutral: in the hue-cluster
    decoding, bins of chroma below this (Lab units) count as grey and join every hue's
    cluster (12: the five bins around grey at grid 10; 0: none), a decoding knob too.
    hint_class_weight: class_weight for photos given many colour hints, approached as hints are
        added (half-way at 3; -1: class_weight's).
    encoder_lr_factor: the pretrained encoder's learning rate as a share of the recipe's
    (0: frozen weights; its batch-norm statistics still follow the grey photos).
    deep_encoder_lr_factor: the same for the encoder's blocks at strides 16 and 32 (-1:
    encoder_lr_factor's), so the shallow blocks that carry the hints can adapt while the
    deep ones keep what ImageNet taught them.
    """
    return ColourUNet(
        decoder_widths=decoder_widths,
        decode_temperature=decode_temperature,
        class_weight=class_weight,
        decode_mode=decode_mode,
        regression_weight=regression_weight,
        regression_beta=regression_beta,
        rebalance_gamma=rebalance_gamma,
        rebalance=rebalance,
        prior_ema=prior_ema,
        global_context=global_context,
        working_size=working_size,
        hint_input=hint_input,
        bin_grid=bin_grid,
        hue_neutral=hue_neutral,
        hint_class_weight=hint_class_weight,
        encoder_lr_factor=encoder_lr_factor,
        deep_encoder_lr_factor=deep_encoder_lr_factor,
    )
